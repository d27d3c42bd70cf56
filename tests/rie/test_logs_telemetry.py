"""Logs API (`PUT /2020-08-15/logs`) and Telemetry API (`PUT /2022-07-01/telemetry`) over raw HTTP, and the
START/END/REPORT lines on lambkin's stdout (spec: execution-environment-api.md §6, §8.3, §12.15).

Subscription validation uses internal extensions registered by the test (the init stays open because the test
does not call /next). Delivery tests run a real runtime (LOG_RUNTIME: prints known lines on stdout and stderr,
echoes events) and SUBSCRIBER extensions that subscribe as configured; the test collects what lambkin delivers
with its own HTTP server (JSON arrays) or TCP listener (NDJSON).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import Rie, wait_for

from .conftest import (
    EXTENSION as EXT_API,
    LOGS,
    NEXT,
    RUNTIME,
    TELEMETRY,
    Background,
    assert_api_error,
    executable,
    manual_rie,
    read_jsonl,
)

pytestmark = pytest.mark.usefixtures("deadline")

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

LOG_RUNTIME = r'''#!/usr/bin/env python3
# Test runtime: prints known lines during init, and per invoke on stdout and stderr, then echoes the event.
# Event commands: {"lines": n, "pace": s} prints n more lines (s seconds apart), {"exit": n} exits with n,
# {"sleep": s} sleeps before answering.
import http.client, json, os, sys, time
print("runtime-init stdout", flush=True)
print("runtime-init stderr", file=sys.stderr, flush=True)
open(os.path.join(os.environ["OUT_DIR"], "runtime.ready"), "w").close()
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
while True:
    c = http.client.HTTPConnection(host, int(port))
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    event = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    c.close()
    print("invoke stdout %s" % rid, flush=True)
    print("invoke stderr %s" % rid, file=sys.stderr, flush=True)
    print("multi 1 %s\nmulti 2 %s" % (rid, rid), flush=True)
    cmd = json.loads(event or b"{}")
    if not isinstance(cmd, dict):
        cmd = {}
    for i in range(cmd.get("lines", 0)):
        print("bulk %d" % i, flush=True)
        time.sleep(cmd.get("pace", 0))
    if "exit" in cmd:
        sys.exit(cmd["exit"])
    time.sleep(cmd.get("sleep", 0))
    c = http.client.HTTPConnection(host, int(port))
    c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body=event, headers={"Content-Type": "application/json"})
    c.getresponse().read()
    c.close()
'''

SUBSCRIBER = r'''#!/usr/bin/env python3
# Test extension: registers for INVOKE and SHUTDOWN, waits until the runtime printed its init lines, subscribes
# as $SUBSCRIBER_CONFIG[<file name>]["subscriptions"] says (answers logged to $OUT_DIR/<name>.jsonl), prints
# lines of its own and follows events.
import http.client, json, os, sys, time
name = os.path.basename(sys.argv[0])
out_dir = os.environ["OUT_DIR"]
with open(os.environ["SUBSCRIBER_CONFIG"]) as f:
    cfg = json.load(f).get(name, {})
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")

def log(kind, **kw):
    with open(os.path.join(out_dir, name + ".jsonl"), "a") as f:
        f.write(json.dumps({"kind": kind, "t": time.time(), **kw}) + "\n")

def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read().decode("utf-8", "replace")
    c.close()
    return {"status": r.status, "body": data, "content_type": r.getheader("Content-Type")}

print("ext-line stdout %s" % name, flush=True)
print("ext-line stderr %s" % name, file=sys.stderr, flush=True)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", body='{"events":["INVOKE","SHUTDOWN"]}', headers={"Lambda-Extension-Name": name})
r = c.getresponse()
r.read()
ident = r.getheader("Lambda-Extension-Identifier")
c.close()
while not os.path.exists(os.path.join(out_dir, "runtime.ready")):
    time.sleep(0.01)
for sub in cfg.get("subscriptions", []):
    path = "/2022-07-01/telemetry" if sub["api"] == "telemetry" else "/2020-08-15/logs"
    t_req = time.time()
    resp = call("PUT", path, json.dumps(sub["body"]), {"Lambda-Extension-Identifier": ident, "Content-Type": "application/json"})
    log("subscribed", api=sub["api"], t_req=t_req, response=resp)
while True:
    ev = call("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
    if ev["status"] != 200:
        sys.exit(2)
    event = json.loads(ev["body"])
    if event["eventType"] == "SHUTDOWN":
        sys.exit(0)
    print("ext-line invoke %s %s" % (name, event["requestId"]), flush=True)
'''


# --- collectors ---------------------------------------------------------------------------------------------------


class HttpCollector:
    """Records every request lambkin sends: time, method, path, Content-Type and the parsed JSON body."""

    def __init__(self):
        self.requests: list[dict] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    raw = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        raw += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsable": raw.decode("utf-8", "replace")}
                collector.requests.append(
                    {
                        "t": time.time(),
                        "method": self.command,
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "body": body,
                    }
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = handle_one

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def uri(self, path: str) -> str:
        return f"http://sandbox.localdomain:{self.port}{path}"

    def events(self, path: str | None = None) -> list[dict]:
        out = []
        for r in list(self.requests):
            if path is None or r["path"] == path:
                assert isinstance(r["body"], list), r
                out += r["body"]
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TcpCollector:
    """Accepts connections and records every newline-terminated line received."""

    def __init__(self):
        self.lines: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        buf = b""
        with conn:
            while data := conn.recv(65536):
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.lines.append(line.decode())

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def events(self) -> list[dict]:
        return [json.loads(line) for line in list(self.lines) if line.strip()]

    def close(self):
        self.sock.close()


@pytest.fixture
def http_collector():
    c = HttpCollector()
    yield c
    c.close()


@pytest.fixture
def tcp_collector():
    c = TcpCollector()
    yield c
    c.close()


# --- helpers ----------------------------------------------------------------------------------------------------------


def logs_rie(tmp_path, subscribers: dict[str, list[dict]], env=None) -> Rie:
    """A Rie running LOG_RUNTIME with one SUBSCRIBER extension per key of `subscribers` (its subscriptions)."""
    ext_dir = tmp_path / "extensions"
    ext_dir.mkdir()
    for name in subscribers:
        executable(ext_dir / name, SUBSCRIBER)
    config = {name: {"subscriptions": subs} for name, subs in subscribers.items()}
    (tmp_path / "subscribers.json").write_text(json.dumps(config))
    runtime = executable(tmp_path / "bootstrap", LOG_RUNTIME)
    env = {"SUBSCRIBER_CONFIG": str(tmp_path / "subscribers.json"), **(env or {})}
    return manual_rie(tmp_path, env, ext_dir, command=[str(runtime)])


def subscription(api: str, schema: str | None, types, destination: dict, buffering: dict | None = None) -> dict:
    body: dict = {"types": types, "destination": destination}
    if schema is not None:
        body["schemaVersion"] = schema
    body["buffering"] = buffering or {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}
    return {"api": api, "body": body}


def subscribe_answers(tmp_path, name):
    return wait_for(
        lambda: [r["response"] for r in read_jsonl(tmp_path / "out" / f"{name}.jsonl") if r["kind"] == "subscribed"],
        timeout=15,
        what=f"{name}'s subscription",
    )


def assert_subscribed_ok(answer: dict):
    assert answer["status"] == 200, answer
    assert json.loads(answer["body"]) == "OK", answer


def of_type(evs, typ, **record_match):
    return [
        e
        for e in evs
        if e["type"] == typ and all(isinstance(e["record"], dict) and e["record"].get(k) == v for k, v in record_match.items())
    ]


def one(evs, typ, **record_match) -> dict:
    found = of_type(evs, typ, **record_match)
    assert len(found) == 1, (typ, record_match, [e["type"] for e in evs])
    return found[0]


def index(evs, typ, **record_match) -> int:
    return evs.index(one(evs, typ, **record_match))


def records_of(evs, typ) -> list:
    return [e["record"] for e in evs if e["type"] == typ]


def assert_envelopes(evs):
    for e in evs:
        assert set(e) == {"time", "type", "record"}, e
        assert TIME.match(e["time"]), e


def register_internal(rie, name) -> str:
    r = rie.runtime("POST", f"{EXT_API}/register", b'{"events":["INVOKE"]}', {"Lambda-Extension-Name": name})
    assert r.status == 200, (r.status, r.body)
    return r.header("lambda-extension-identifier")


def put(rie, path, ident, body) -> object:
    return rie.runtime("PUT", path, json.dumps(body), {"Lambda-Extension-Identifier": ident, "Content-Type": "application/json"})


def assert_validation_error(r, error_type, case):
    assert r.status == 400, (case, r.status, r.body)
    assert r.header("content-type") == "application/json", (case, r.headers)
    body = json.loads(r.body)
    assert body["errorType"] == error_type, (case, body)
    assert isinstance(body.get("errorMessage"), str) and body["errorMessage"], (case, body)


def assert_ok(r, case):
    assert r.status == 200, (case, r.status, r.body)
    assert json.loads(r.body) == "OK", (case, r.body)


# --- subscription validation (§6.1, §6.2) ------------------------------------------------------------------------------

BUFFER_MIN = {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}
BUFFER_MAX = {"maxItems": 10000, "maxBytes": 1048576, "timeoutMs": 30000}


def invalid_variants(valid: dict, bad_schemas: list) -> list[tuple[str, dict]]:
    cases = [(f"schemaVersion={s!r}", {**valid, "schemaVersion": s}) for s in bad_schemas]
    cases += [
        ("types missing", {k: v for k, v in valid.items() if k != "types"}),
        ("types empty", {**valid, "types": []}),
        ("types bogus", {**valid, "types": ["bogus"]}),
        ("types partly bogus", {**valid, "types": ["platform", "logs"]}),
    ]
    for field, low, high in (("maxItems", 1000, 10000), ("maxBytes", 262144, 1048576), ("timeoutMs", 25, 30000)):
        for value in (low - 1, high + 1):
            cases.append((f"{field}={value}", {**valid, "buffering": {**BUFFER_MIN, field: value}}))
    return cases


def test_telemetry_subscription_validation(tmp_path, http_collector):
    dest = {"protocol": "HTTP", "URI": http_collector.uri("/t")}
    valid = {"schemaVersion": "2022-12-13", "types": ["platform", "function", "extension"], "buffering": BUFFER_MIN, "destination": dest}
    with manual_rie(tmp_path) as rie:
        ident = register_internal(rie, "validator")
        no_schema = {k: v for k, v in valid.items() if k != "schemaVersion"}
        for case, body in [("schemaVersion missing", no_schema)] + invalid_variants(
            valid, ["2020-08-15", "2021-03-18", "2022-07-02", "latest", ""]
        ):
            assert_validation_error(put(rie, TELEMETRY, ident, body), "ValidationError", case)
        # every schema version and both ends of every buffering range are accepted (one extension each)
        for i, (schema, buffering) in enumerate((("2022-07-01", BUFFER_MIN), ("2022-12-13", BUFFER_MAX), ("2025-01-29", None))):
            body = {**valid, "schemaVersion": schema}
            if buffering is None:
                del body["buffering"]  # defaults
            else:
                body["buffering"] = buffering
            assert_ok(put(rie, TELEMETRY, register_internal(rie, f"telemetry-{i}"), body), schema)


def test_logs_subscription_validation(tmp_path, http_collector):
    dest = {"protocol": "HTTP", "URI": http_collector.uri("/l")}
    valid = {"schemaVersion": "2021-03-18", "types": ["platform", "function", "extension"], "buffering": BUFFER_MIN, "destination": dest}
    with manual_rie(tmp_path) as rie:
        ident = register_internal(rie, "validator")
        for case, body in invalid_variants(valid, ["2022-07-01", "2022-12-13", "2025-01-29", "2020-08-16"]):
            assert_validation_error(put(rie, LOGS, ident, body), "Logs.ValidationError", case)
        no_schema = {k: v for k, v in valid.items() if k != "schemaVersion"}
        for i, (case, body) in enumerate(
            (
                ("schemaVersion omitted", no_schema),
                ("2020-08-15, max buffering", {**valid, "schemaVersion": "2020-08-15", "buffering": BUFFER_MAX}),
                ("2021-03-18, min buffering", valid),
            )
        ):
            assert_ok(put(rie, LOGS, register_internal(rie, f"logs-{i}"), body), case)


@pytest.mark.parametrize("path", [TELEMETRY, LOGS])
def test_subscription_needs_a_known_extension_identifier(tmp_path, path):
    unknown = str(uuid.uuid4())
    body = json.dumps({"schemaVersion": "2021-03-18" if path == LOGS else "2022-12-13", "types": ["platform"],
                       "destination": {"protocol": "TCP", "port": 4999}})
    with manual_rie(tmp_path) as rie:
        assert_api_error(
            rie.runtime("PUT", path, body), 403, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"
        )
        assert_api_error(
            rie.runtime("PUT", path, body, {"Lambda-Extension-Identifier": "nope"}),
            403,
            "Extension.InvalidExtensionIdentifier",
            "Invalid Lambda-Extension-Identifier",
        )
        assert_api_error(
            rie.runtime("PUT", path, body, {"Lambda-Extension-Identifier": unknown}),
            403,
            "Extension.UnknownExtensionIdentifier",
            f"Unknown extension {unknown}",
        )


@pytest.mark.parametrize("path, error_type", [(TELEMETRY, "Telemetry.SubscriptionClosed"), (LOGS, "Logs.SubscriptionClosed")])
def test_subscriptions_close_when_the_init_completes(tmp_path, http_collector, path, error_type):
    body = {"types": ["platform"], "destination": {"protocol": "HTTP", "URI": http_collector.uri("/late")}}
    if path == TELEMETRY:
        body["schemaVersion"] = "2022-12-13"
    with manual_rie(tmp_path) as rie:
        ident = register_internal(rie, "late-subscriber")
        Background(rie.runtime, "GET", f"{EXT_API}/event/next", headers={"Lambda-Extension-Identifier": ident}, timeout=30)
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)  # dispatched ⇒ the init is complete
        r = put(rie, path, ident, body)
        assert r.status == 403, (r.status, r.body)
        got = json.loads(r.body)
        assert got["errorType"] == error_type, got
        if path == TELEMETRY:
            assert got["errorMessage"] == "Telemetry API subscription is closed", got
        rid = ev.header("lambda-runtime-aws-request-id")
        rie.runtime("POST", f"{RUNTIME}/invocation/{rid}/response", b"1")
        assert inv.result().body == b"1"


# --- Telemetry API delivery (§6.3, §6.4) ----------------------------------------------------------------------------


def test_telemetry_http_delivery_replay_and_platform_events(tmp_path, http_collector):
    all_types = ["platform", "function", "extension"]
    subscribers = {
        "tel-all": [subscription("telemetry", "2022-12-13", all_types, {"protocol": "HTTP", "URI": http_collector.uri("/all")})],
        "tel-fn": [subscription("telemetry", "2022-07-01", ["function"], {"protocol": "HTTP", "URI": http_collector.uri("/fn")})],
    }
    env = {"AWS_LAMBDA_FUNCTION_NAME": "telfn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
    with logs_rie(tmp_path, subscribers, env) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "tel-all")[0])
        assert_subscribed_ok(subscribe_answers(tmp_path, "tel-fn")[0])
        r1 = rie.invoke(b'{"first":true}')
        r2 = rie.invoke(b'{"second":true}')
        assert (r1.body, r2.body) == (b'{"first":true}', b'{"second":true}')
        rid1, rid2 = r1.header("x-amzn-requestid"), r2.header("x-amzn-requestid")
        wait_for(lambda: len(of_type(http_collector.events("/all"), "platform.report")) == 2, 15, "two platform.report")
        wait_for(lambda: of_type(http_collector.events("/all"), "function") and any(
            e["record"] == f"multi 2 {rid2}" for e in http_collector.events("/all") if e["type"] == "function"), 15, "last lines")
        wait_for(lambda: f"multi 2 {rid2}" in records_of(http_collector.events("/fn"), "function"), 15, "fn-only lines")

    for req in http_collector.requests:
        assert req["method"] == "POST" and req["content_type"] == "application/json", req
        assert isinstance(req["body"], list) and req["body"], req
    evs = http_collector.events("/all")
    assert_envelopes(evs)

    # init events emitted before the subscription (initStart, the runtime's init lines) were replayed
    init_start = one(evs, "platform.initStart")["record"]
    assert init_start["initializationType"] == "on-demand" and init_start["phase"] == "init", init_start
    assert (init_start["functionName"], init_start["functionVersion"]) == ("telfn", "$LATEST"), init_start
    functions = records_of(evs, "function")
    for line in ("runtime-init stdout", "runtime-init stderr"):
        assert line in functions, (line, functions)

    sub = one(evs, "platform.telemetrySubscription", name="tel-all")["record"]
    assert sub["state"] == "Subscribed" and sorted(sub["types"]) == sorted(all_types), sub
    for name in ("tel-all", "tel-fn"):
        ext = one(evs, "platform.extension", name=name)["record"]
        assert ext["state"] == "Ready" and sorted(ext["events"]) == ["INVOKE", "SHUTDOWN"], ext

    runtime_done = one(evs, "platform.initRuntimeDone")["record"]
    assert runtime_done["status"] == "success" and runtime_done["phase"] == "init", runtime_done
    init_report = one(evs, "platform.initReport")["record"]
    assert init_report["phase"] == "init" and init_report["initializationType"] == "on-demand", init_report
    assert isinstance(init_report["metrics"]["durationMs"], float) and init_report["metrics"]["durationMs"] > 0

    for rid, payload in ((rid1, b'{"first":true}'), (rid2, b'{"second":true}')):
        start = one(evs, "platform.start", requestId=rid)["record"]
        assert start["version"] == "$LATEST", start
        done = one(evs, "platform.runtimeDone", requestId=rid)["record"]
        assert done["status"] == "success", done
        assert done["metrics"]["producedBytes"] == len(payload), done
        assert isinstance(done["metrics"]["durationMs"], float), done
        report = one(evs, "platform.report", requestId=rid)["record"]
        assert report["status"] == "success", report
        m = report["metrics"]
        assert isinstance(m["durationMs"], float) and m["durationMs"] >= 0, m
        assert isinstance(m["billedDurationMs"], int) and m["billedDurationMs"] >= 1, m
        assert m["memorySizeMB"] == 512 and isinstance(m["memorySizeMB"], int), m
        assert isinstance(m["maxMemoryUsedMB"], int) and m["maxMemoryUsedMB"] > 0, m
        if rid == rid1:
            assert isinstance(m["initDurationMs"], float) and m["initDurationMs"] > 0, m
        else:
            assert "initDurationMs" not in m, m
        # every line of the runtime, stdout and stderr, one record each
        for line in (f"invoke stdout {rid}", f"invoke stderr {rid}", f"multi 1 {rid}", f"multi 2 {rid}"):
            assert functions.count(line) == 1, (line, functions)
        assert (
            index(evs, "platform.initStart")
            < index(evs, "platform.initRuntimeDone")
            < index(evs, "platform.initReport")
            < index(evs, "platform.start", requestId=rid)
            < index(evs, "platform.runtimeDone", requestId=rid)
            < index(evs, "platform.report", requestId=rid)
        )
    assert index(evs, "platform.report", requestId=rid1) < index(evs, "platform.start", requestId=rid2)

    extension_lines = records_of(evs, "extension")
    for line in ("ext-line stdout tel-all", "ext-line stderr tel-all", "ext-line stdout tel-fn", f"ext-line invoke tel-all {rid1}"):
        assert line in extension_lines, (line, extension_lines)
    assert not [line for line in functions if line.startswith("ext-line")], "extension lines among function records"

    # the `function`-only subscriber gets nothing else
    fn_events = http_collector.events("/fn")
    assert {e["type"] for e in fn_events} == {"function"}
    assert "runtime-init stdout" in records_of(fn_events, "function")


def test_telemetry_batches_wait_for_timeout_ms(tmp_path, http_collector):
    """§6.3: below maxItems/maxBytes a batch is sent only when timeoutMs (here 1.5 s) expired."""
    subs = {"tel": [subscription("telemetry", "2022-12-13", ["platform", "function"], {"protocol": "HTTP", "URI": http_collector.uri("/b")},
                                 {"maxItems": 10000, "maxBytes": 1048576, "timeoutMs": 1500})]}
    with logs_rie(tmp_path, subs) as rie:
        answer = subscribe_answers(tmp_path, "tel")[0]
        assert_subscribed_ok(answer)
        subscribed_at = [r["t_req"] for r in read_jsonl(tmp_path / "out" / "tel.jsonl") if r["kind"] == "subscribed"][0]
        assert rie.invoke(b"{}").status == 200
        wait_for(lambda: http_collector.requests, 10, "the first batch")
        first = http_collector.requests[0]
        assert first["t"] - subscribed_at >= 1.4, "a batch was sent before timeoutMs expired"
        types = [e["type"] for e in first["body"]]
        assert "platform.initStart" in types, types
        wait_for(lambda: of_type(http_collector.events("/b"), "platform.report"), 10, "platform.report")
        times = [r["t"] for r in http_collector.requests]
        assert all(b - a >= 1.2 for a, b in zip(times, times[1:])), times


def test_telemetry_batches_flush_at_max_items(tmp_path, http_collector):
    """§6.3: with a 30 s timeout, a batch still goes out as soon as maxItems (1000) events are buffered. The
    runtime paces its 1500 lines (1 ms apart) so that a prompt listener never makes lambkin drop any."""
    subs = {"tel": [subscription("telemetry", "2022-12-13", ["function"], {"protocol": "HTTP", "URI": http_collector.uri("/m")},
                                 {"maxItems": 1000, "maxBytes": 1048576, "timeoutMs": 30000})]}
    with logs_rie(tmp_path, subs) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "tel")[0])
        assert rie.invoke({"lines": 1500, "pace": 0.001}).status == 200
        wait_for(lambda: http_collector.requests, 15, "a full batch")
        time.sleep(0.5)
        assert [len(r["body"]) for r in http_collector.requests] == [1000]
        first = http_collector.requests[0]["body"]
        assert {e["type"] for e in first} == {"function"}, "events dropped although the listener answers at once"
        bulk = [e["record"] for e in first if e["record"].startswith("bulk ")]
        assert bulk == [f"bulk {i}" for i in range(len(bulk))], "function lines lost or out of order"


@pytest.mark.parametrize("form", ["port", "URI"])
def test_telemetry_tcp_delivery(tmp_path, tcp_collector, form):
    dest = {"protocol": "TCP", "port": tcp_collector.port} if form == "port" else {
        "protocol": "TCP", "URI": f"tcp://sandbox.localdomain:{tcp_collector.port}"}
    subs = {"tel-tcp": [subscription("telemetry", "2025-01-29", ["platform", "function", "extension"], dest)]}
    with logs_rie(tmp_path, subs) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "tel-tcp")[0])
        r = rie.invoke(b'{"tcp":1}')
        rid = r.header("x-amzn-requestid")
        wait_for(lambda: of_type(tcp_collector.events(), "platform.report", requestId=rid), 15, "platform.report over TCP")
        wait_for(lambda: f"multi 2 {rid}" in records_of(tcp_collector.events(), "function"), 15, "the last function line")
    # one JSON object per line (NDJSON), not arrays
    for line in tcp_collector.lines:
        if line.strip():
            assert isinstance(json.loads(line), dict), line
    evs = tcp_collector.events()
    assert_envelopes(evs)
    assert one(evs, "platform.initStart")
    assert one(evs, "platform.start", requestId=rid)
    assert one(evs, "platform.runtimeDone", requestId=rid)["record"]["status"] == "success"
    functions = records_of(evs, "function")
    assert "runtime-init stdout" in functions and f"invoke stderr {rid}" in functions
    assert "ext-line stdout tel-tcp" in records_of(evs, "extension")


# --- Logs API delivery (§6.4, Logs API rows) --------------------------------------------------------------------------


def test_logs_api_http_delivery_2021_03_18(tmp_path, http_collector):
    subs = {"logs-ext": [subscription("logs", "2021-03-18", ["platform", "function", "extension"], {"protocol": "HTTP", "URI": http_collector.uri("/logs")})]}
    with logs_rie(tmp_path, subs) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "logs-ext")[0])
        r = rie.invoke(b'{"logs":1}')
        rid = r.header("x-amzn-requestid")
        wait_for(lambda: of_type(http_collector.events("/logs"), "platform.report", requestId=rid), 15, "platform.report")
        wait_for(lambda: f"multi 2 {rid}" in records_of(http_collector.events("/logs"), "function"), 15, "the last function line")
    evs = http_collector.events("/logs")
    assert_envelopes(evs)
    types = {e["type"] for e in evs}
    assert not types & {"platform.initStart", "platform.initRuntimeDone", "platform.initReport", "platform.telemetrySubscription"}, types
    sub = one(evs, "platform.logsSubscription", name="logs-ext")["record"]
    assert sub["state"] == "Subscribed" and sorted(sub["types"]) == ["extension", "function", "platform"], sub
    ext = one(evs, "platform.extension", name="logs-ext")["record"]
    assert ext["state"] == "Ready" and sorted(ext["events"]) == ["INVOKE", "SHUTDOWN"], ext
    start = one(evs, "platform.start", requestId=rid)
    assert start["record"]["version"] == "$LATEST", start
    assert one(evs, "platform.runtimeDone", requestId=rid)["record"]["status"] == "success"
    assert one(evs, "platform.end", requestId=rid)["record"] == {"requestId": rid}
    report = one(evs, "platform.report", requestId=rid)["record"]
    m = report["metrics"]
    assert isinstance(m["durationMs"], float) and isinstance(m["billedDurationMs"], int), m
    assert m["memorySizeMB"] == 3008 and isinstance(m["maxMemoryUsedMB"], int), m
    assert isinstance(m["initDurationMs"], float), m
    assert (
        index(evs, "platform.start", requestId=rid)
        < index(evs, "platform.runtimeDone", requestId=rid)
        < index(evs, "platform.end", requestId=rid)
        < index(evs, "platform.report", requestId=rid)
    )
    functions = records_of(evs, "function")
    for line in ("runtime-init stdout", "runtime-init stderr", f"invoke stdout {rid}", f"invoke stderr {rid}", f"multi 1 {rid}"):
        assert functions.count(line) == 1, (line, functions)
    assert "ext-line stdout logs-ext" in records_of(evs, "extension")


def test_logs_api_default_schema_over_tcp_has_no_runtime_done(tmp_path, tcp_collector):
    """Without schemaVersion the Logs API uses 2020-08-15, which has no platform.runtimeDone."""
    subs = {"logs-tcp": [subscription("logs", None, ["platform", "function"], {"protocol": "TCP", "port": tcp_collector.port})]}
    with logs_rie(tmp_path, subs) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "logs-tcp")[0])
        rid = rie.invoke(b"{}").header("x-amzn-requestid")
        wait_for(lambda: of_type(tcp_collector.events(), "platform.report", requestId=rid), 15, "platform.report over TCP")
        wait_for(lambda: f"multi 2 {rid}" in records_of(tcp_collector.events(), "function"), 15, "the last function line")
    evs = tcp_collector.events()
    assert_envelopes(evs)
    assert one(evs, "platform.start", requestId=rid)
    assert one(evs, "platform.end", requestId=rid)
    assert not of_type(evs, "platform.runtimeDone")
    assert "runtime-init stdout" in records_of(evs, "function")
    assert not of_type(evs, "extension")


def test_crash_is_reported_as_platform_fault_and_failed_report(tmp_path, http_collector):
    """A runtime exiting during the invoke: Logs API `platform.fault` (a string record); Telemetry
    `platform.runtimeDone`/`platform.report` with an error status and errorType Runtime.ExitError."""
    subs = {
        "logs-ext": [subscription("logs", "2021-03-18", ["platform"], {"protocol": "HTTP", "URI": http_collector.uri("/logs")})],
        "tel-ext": [subscription("telemetry", "2022-12-13", ["platform"], {"protocol": "HTTP", "URI": http_collector.uri("/tel")})],
    }
    with logs_rie(tmp_path, subs) as rie:
        for name in subs:
            assert_subscribed_ok(subscribe_answers(tmp_path, name)[0])
        r = rie.invoke({"exit": 4})
        assert r.header("x-amz-function-error") == "Unhandled"
        rid = r.header("x-amzn-requestid")
        fault = wait_for(lambda: of_type(http_collector.events("/logs"), "platform.fault"), 15, "platform.fault")[0]
        assert isinstance(fault["record"], str) and f"RequestId: {rid}" in fault["record"], fault
        report = wait_for(lambda: of_type(http_collector.events("/tel"), "platform.report", requestId=rid), 15, "platform.report")
        rec = report[0]["record"]
        assert rec["status"] in ("error", "failure") and rec["errorType"] == "Runtime.ExitError", rec
        done = of_type(http_collector.events("/tel"), "platform.runtimeDone", requestId=rid)
        assert done and done[0]["record"]["status"] in ("error", "failure"), done
        assert done[0]["record"]["errorType"] == "Runtime.ExitError", done


def test_timeout_is_reported_with_status_timeout(tmp_path, http_collector):
    subs = {"tel-ext": [subscription("telemetry", "2022-12-13", ["platform"], {"protocol": "HTTP", "URI": http_collector.uri("/tel")})]}
    with logs_rie(tmp_path, subs, {"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"}) as rie:
        assert_subscribed_ok(subscribe_answers(tmp_path, "tel-ext")[0])
        r = rie.invoke({"sleep": 5})
        assert r.json()["errorType"] == "Sandbox.Timedout"
        rid = r.header("x-amzn-requestid")
        report = wait_for(lambda: of_type(http_collector.events("/tel"), "platform.report", requestId=rid), 15, "platform.report")
        assert report[0]["record"]["status"] == "timeout", report


# --- stdout: START / END / REPORT (§8.3) ---------------------------------------------------------------------------------


def test_stdout_start_end_report_and_output_lines(tmp_path):
    subs = {"quiet-ext": []}
    with logs_rie(tmp_path, subs, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"}) as rie:
        rids = [rie.invoke(b"{}").header("x-amzn-requestid") for _ in range(2)]
        rie.wait_stdout(f"REPORT RequestId: {rids[1]}")
        rie.wait_stdout(f"multi 2 {rids[1]}")
        lines = list(rie.stdout_lines)
    for n, rid in enumerate(rids):
        start = lines.index(f"START RequestId: {rid} Version: $LATEST")
        end = lines.index(f"END RequestId: {rid}")
        report_i, report = next((i, line) for i, line in enumerate(lines) if line.startswith(f"REPORT RequestId: {rid}"))
        assert start < end < report_i, (start, end, report_i)
        init = r"\tInit Duration: \d+\.\d+ ms" if n == 0 else ""
        m = re.fullmatch(
            rf"REPORT RequestId: {rid}\tDuration: (\d+(?:\.\d+)?) ms\tBilled Duration: (\d+) ms\t"
            rf"Memory Size: 256 MB\tMax Memory Used: (\d+) MB{init}\t?",
            report,
        )
        assert m, repr(report)
        assert int(m.group(2)) >= float(m.group(1)) and int(m.group(3)) > 0, report
        # the runtime's stdout and stderr lines are on lambkin's stdout
        for line in (f"invoke stdout {rid}", f"invoke stderr {rid}", f"multi 1 {rid}", f"multi 2 {rid}"):
            assert line in lines, line
    for line in ("runtime-init stdout", "runtime-init stderr", "ext-line stdout quiet-ext", "ext-line stderr quiet-ext"):
        assert line in lines, line
