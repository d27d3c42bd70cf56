"""Raw-HTTP tests of the in-sandbox APIs (spec: execution-environment-api.md §1–§7, appendix A.5).

The test itself plays the runtime ("manual runtime": the bootstrap only sleeps) or writes small extensions in
Python's standard library, and checks exact status codes, headers and bodies.
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import socketserver
import stat
import threading
import time
import uuid
from pathlib import Path

from harness import Rie, client_context, request, wait_for

from .conftest import NEXT, Background, executable, read_jsonl

SLEEPER = ["sleep", "3600"]


def manual_rie(tmp_path, env=None, extensions: dict[str, str] | None = None) -> Rie:
    ext_dir = tmp_path / "extensions"
    ext_dir.mkdir(exist_ok=True)
    for name, source in (extensions or {}).items():
        p = ext_dir / name
        p.write_text(source)
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return Rie(command=SLEEPER, env=env or {}, extensions_dir=str(ext_dir))


def next_event(rie: Rie, timeout=30):
    return rie.runtime("GET", NEXT, timeout=timeout)


def start_invoke(rie: Rie, payload=b"{}", headers=None) -> Background:
    return Background(rie.invoke, payload, headers=headers)


# --- routing ------------------------------------------------------------------------------------------------


def test_unknown_path_and_wrong_method(tmp_path):
    with manual_rie(tmp_path) as rie:
        r = rie.runtime("GET", "/2018-06-01/nope")
        assert r.status == 404
        assert r.body == b"404 page not found\n"
        r = rie.runtime("DELETE", "/2018-06-01/runtime/invocation/x/error")
        assert r.status == 405
        assert r.body == b""
        assert r.header("allow") == "POST"
        r = rie.runtime("GET", "/2018-06-01/runtime/restore/next")
        assert r.status == 404
        r = rie.runtime("GET", "/2018-06-01/ping")
        assert (r.status, r.body) == (200, b"pong")


# --- /next and the event ------------------------------------------------------------------------------------


def test_next_headers_and_repeat_returns_same_event(tmp_path):
    env = {"AWS_LAMBDA_FUNCTION_TIMEOUT": "20", "AWS_LAMBDA_FUNCTION_NAME": "proto"}
    with manual_rie(tmp_path, env) as rie:
        cc = {"custom": {"a": 1}}
        sent = time.time() * 1000
        inv = start_invoke(rie, b'{"k":"v"}', {"X-Amz-Client-Context": client_context(cc)})
        ev = next_event(rie)
        assert ev.status == 200
        assert ev.body == b'{"k":"v"}'
        rid = ev.header("lambda-runtime-aws-request-id")
        uuid.UUID(rid)
        assert abs(int(ev.header("lambda-runtime-deadline-ms")) - (sent + 20_000)) < 2_000
        assert ev.header("lambda-runtime-invoked-function-arn") == "arn:aws:lambda:us-east-1:012345678912:function:proto"
        assert ev.header("lambda-runtime-trace-id").startswith("Root=1-")
        assert json.loads(ev.header("lambda-runtime-client-context")) == cc
        assert ev.header("content-type") == "application/json"
        again = next_event(rie)
        assert again.status == 200
        assert again.body == ev.body
        assert again.header("lambda-runtime-aws-request-id") == rid
        r = rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b'{"ok":1}')
        assert (r.status, r.body) == (202, b'{"status":"OK"}\n')
        assert r.header("content-type") == "application/json"
        resp = inv.result()
        assert resp.status == 200
        assert resp.body == b'{"ok":1}'
        assert resp.header("x-amzn-requestid") == rid
        assert resp.header("x-amz-function-error") is None


def test_trace_id_from_caller_is_passed(tmp_path):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie, b"{}", {"X-Amzn-Trace-Id": trace})
        ev = next_event(rie)
        assert ev.header("lambda-runtime-trace-id") == trace
        rid = ev.header("lambda-runtime-aws-request-id")
        rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"1")
        assert inv.result().body == b"1"


# --- request-id and state checks (A.5) ------------------------------------------------------------------------


def test_protocol_violations(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        ev = next_event(rie)
        rid = ev.header("lambda-runtime-aws-request-id")
        # init/error after /next
        r = rie.runtime("POST", "/2018-06-01/runtime/init/error", b"{}")
        assert r.status == 403
        assert r.json() == {
            "errorMessage": "State transition from Running to InitError failed for runtime. Error: State transition is not allowed",
            "errorType": "InvalidStateTransition",
        }
        # wrong id: 400 before any state check
        r = rie.runtime("POST", "/2018-06-01/runtime/invocation/WRONG/response", b"x")
        assert r.status == 400
        assert r.body == b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n'
        r = rie.runtime("POST", "/2018-06-01/runtime/invocation/WRONG/error", b"x")
        assert r.status == 400
        assert rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"first").status == 202
        r = rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"second")
        assert r.status == 403
        assert r.json() == {
            "errorMessage": "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed",
            "errorType": "InvalidStateTransition",
        }
        r = rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/error", b"{}")
        assert r.status == 403
        assert "to InvocationErrorResponse failed" in r.json()["errorMessage"]
        assert inv.result().body == b"first"
        # extension calls without an identifier
        r = rie.runtime("GET", "/2020-01-01/extension/event/next")
        assert r.status == 403
        assert r.json() == {
            "errorMessage": "Missing Lambda-Extension-Identifier header",
            "errorType": "Extension.MissingExtensionIdentifier",
        }
        r = rie.runtime("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": "nope"})
        assert r.json()["errorType"] == "Extension.InvalidExtensionIdentifier"
        r = rie.runtime(
            "GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": str(uuid.uuid4())}
        )
        assert r.status == 403
        assert r.json()["errorType"] == "Extension.UnknownExtensionIdentifier"


def test_error_is_forwarded_verbatim_with_function_error_header(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        body = b'{"errorMessage":"boom","errorType":"ValueError","stackTrace":["a"]}'
        r = rie.runtime(
            "POST",
            f"/2018-06-01/runtime/invocation/{rid}/error",
            body,
            {"Lambda-Runtime-Function-Error-Type": "Unhandled", "Content-Type": "application/json"},
        )
        assert r.status == 202
        resp = inv.result()
        assert resp.status == 200
        assert resp.header("x-amz-function-error") == "Unhandled"
        assert resp.body == body


def test_error_cause_content_type_is_reserialised(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        body = b'{"errorMessage":"m","errorType":"T","stackTrace":["s"],"errorCause":{"x":1}}'
        rie.runtime(
            "POST",
            f"/2018-06-01/runtime/invocation/{rid}/error",
            body,
            {"Content-Type": "application/vnd.aws.lambda.error.cause+json"},
        )
        assert json.loads(inv.result().body) == {"errorMessage": "m", "errorType": "T", "stackTrace": ["s"]}


def test_response_size_limit(tmp_path):
    limit = 6 * 1024 * 1024 + 100
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        r = rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"x" * (limit + 1))
        assert r.status == 413
        assert r.body == (
            b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}\n'
        )
        resp = inv.result()
        assert resp.header("x-amz-function-error") == "Unhandled"
        assert resp.json() == {
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).",
        }
        # exactly at the limit is fine
        next_inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        r = rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"y" * limit)
        assert r.status == 202
        assert len(next_inv.result().body) == limit


def test_invalid_response_mode(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        r = rie.runtime(
            "POST",
            f"/2018-06-01/runtime/invocation/{rid}/response",
            b"x",
            {"Lambda-Runtime-Function-Response-Mode": "Streaming"},
        )
        assert r.status == 400
        assert r.json() == {"errorMessage": "Invalid function response mode", "errorType": "InvalidFunctionResponseMode"}
        assert inv.result().header("x-amz-function-error") == "Unhandled"


def test_streamed_response_with_trailers(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = Background(
            request,
            "127.0.0.1",
            rie.invoke_port,
            "POST",
            "/2021-11-15/functions/function/response-streaming-invocations",
            b"{}",
        )
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        s = socket.create_connection(("127.0.0.1", rie.api_port))
        s.sendall(
            (
                f"POST /2018-06-01/runtime/invocation/{rid}/response HTTP/1.1\r\nHost: x\r\n"
                "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
                "Trailer: Lambda-Runtime-Function-Error-Type\r\nTrailer: Lambda-Runtime-Function-Error-Body\r\n"
                "Content-Type: text/plain\r\n\r\n"
            ).encode()
        )
        s.sendall(b"5\r\nhello\r\n")
        time.sleep(0.3)
        assert not inv.done(), "the caller must still be streaming"
        body_b64 = base64.b64encode(b'{"errorType":"Oops"}').decode()
        s.sendall(
            (
                "0\r\nLambda-Runtime-Function-Error-Type: Runtime.Oops\r\n"
                f"Lambda-Runtime-Function-Error-Body: {body_b64}\r\n\r\n"
            ).encode()
        )
        reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 202")
        s.close()
        resp = inv.result()
        assert resp.header("content-type") == "application/vnd.amazon.eventstream"
        from botocore.eventstream import EventStreamBuffer

        buf = EventStreamBuffer()
        buf.add_data(resp.body)
        events = [(m.headers[":event-type"], m.payload) for m in buf]
        assert events[0] == ("PayloadChunk", b"hello")
        kind, payload = events[-1]
        assert kind == "InvokeComplete"
        done = json.loads(payload)
        assert done["ErrorCode"] == "Runtime.Oops"
        assert done["ErrorDetails"] == '{"errorType":"Oops"}'


# --- /init/error ----------------------------------------------------------------------------------------------

INIT_ERROR_RUNTIME = r"""#!/usr/bin/env python3
import http.client, os, sys
h, p = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(h, int(p))
c.request("POST", "/2018-06-01/runtime/init/error", body=b'{"errorMessage":"bad init","errorType":"InitBoom"}',
          headers={"Lambda-Runtime-Function-Error-Type": "Runtime.InitBoom"})
r = c.getresponse(); print("init/error", r.status, r.read().decode().strip(), flush=True)
sys.exit(1)
"""


def test_init_error_becomes_the_first_response(tmp_path):
    script = executable(tmp_path / "bootstrap", INIT_ERROR_RUNTIME, pin=False)
    with Rie(command=[str(script)], extensions_dir=str(tmp_path / "none")) as rie:
        r = rie.invoke(b"{}")
        assert r.status == 200
        assert r.header("x-amz-function-error") == "Unhandled"
        assert r.json() == {"errorMessage": "bad init", "errorType": "InitBoom"}
        rie.wait_stdout('init/error 202 {"status":"OK"}')


# --- Extensions API -------------------------------------------------------------------------------------------

EXTENSION = r"""#!/usr/bin/env python3
# A test extension: registers (after an optional delay), records what it sees in $OUT, and follows events.
import http.client, json, os, sys, time
name = os.path.basename(sys.argv[0])
out = os.environ["OUT"] + "." + name
h, p = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
def log(**kw):
    with open(out, "a") as f:
        f.write(json.dumps(kw) + "\n")
time.sleep(float(os.environ.get("REGISTER_DELAY", "0")))
c = http.client.HTTPConnection(h, int(p))
c.request("POST", "/2020-01-01/extension/register", body=json.dumps({"events": ["INVOKE", "SHUTDOWN"]}),
          headers={"Lambda-Extension-Name": name, "Lambda-Extension-Accept-Feature": "accountId"})
r = c.getresponse(); body = json.loads(r.read())
ident = r.getheader("Lambda-Extension-Identifier")
log(kind="registered", at=time.time(), body=body, env=sorted(os.environ))
while True:
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
    r = c.getresponse(); ev = json.loads(r.read())
    log(kind="event", at=time.time(), event=ev, content_type=r.getheader("Content-Type"))
    if ev["eventType"] == "SHUTDOWN":
        sys.exit(0)
    time.sleep(float(os.environ.get("INVOKE_WORK", "0")))
"""

RECORDING_RUNTIME = r"""#!/usr/bin/env python3
import http.client, json, os, time
with open(os.environ["OUT"] + ".runtime", "a") as f:
    f.write(json.dumps({"kind": "started", "at": time.time()}) + "\n")
h, p = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(h, int(p))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse(); ev = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    print("function line", rid, flush=True)
    c.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=ev)
    c.getresponse().read()
"""


def extension_rie(tmp_path, env, names=("ext-a",), runtime=RECORDING_RUNTIME, extension=EXTENSION):
    """A Rie running `runtime` with one `extension` per name; $OUT (returned too) prefixes their records."""
    bootstrap = executable(tmp_path / "bootstrap", runtime, pin=False)
    ext_dir = tmp_path / "extensions"
    ext_dir.mkdir()
    for n in names:
        executable(ext_dir / n, extension, pin=False)
    out = str(tmp_path / "out")
    return Rie(command=[str(bootstrap)], env={"OUT": out, **env}, extensions_dir=str(ext_dir)), out


def events_until_shutdown(out: str, name: str = "ext-a", timeout: float = 5) -> list[dict]:
    """The events the extension `name` recorded, once the last is SHUTDOWN (or what it has after `timeout`)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        evs = [e["event"] for e in read_jsonl(Path(out + "." + name)) if e["kind"] == "event"]
        if evs and evs[-1]["eventType"] == "SHUTDOWN":
            break
        time.sleep(0.05)
    return evs


def test_runtime_starts_after_extensions_registered_and_env_split(tmp_path):
    rie, out = extension_rie(tmp_path, {"REGISTER_DELAY": "0.6", "AWS_LAMBDA_FUNCTION_NAME": "extfn"})
    with rie:
        assert rie.invoke(b'{"x":1}').body == b'{"x":1}'
        reg = read_jsonl(Path(out + ".ext-a"))[0]
        started = read_jsonl(Path(out + ".runtime"))[0]
        assert started["at"] >= reg["at"], "the runtime started before the extension registered"
        assert reg["body"]["functionName"] == "extfn"
        assert reg["body"]["functionVersion"] == "$LATEST"
        assert isinstance(reg["body"]["handler"], str)
        assert reg["body"]["accountId"] == "012345678912"
        assert "AWS_LAMBDA_RUNTIME_API" in reg["env"]
        assert "_HANDLER" not in reg["env"]
        assert "LAMBDA_TASK_ROOT" not in reg["env"]


def test_invoke_fan_out_response_before_extensions_and_shutdown(tmp_path):
    rie, out = extension_rie(tmp_path, {"INVOKE_WORK": "1.0"}, names=("ext-a", "ext-b"))
    with rie:
        t = time.time()
        r1 = rie.invoke(b'{"n":1}')
        first = time.time() - t
        assert r1.body == b'{"n":1}'
        assert first < 0.8, f"the caller waited for the extensions ({first:.2f}s)"
        t = time.time()
        r2 = rie.invoke(b'{"n":2}')
        second = time.time() - t
        assert second > 0.5, "the second invoke must wait for the first invoke phase to end"
        rid1 = r1.header("x-amzn-requestid")
        rie.stop()
    for name in ("ext-a", "ext-b"):
        events = [e for e in read_jsonl(Path(out + "." + name)) if e["kind"] == "event"]
        invokes = [e["event"] for e in events if e["event"]["eventType"] == "INVOKE"]
        assert [i["requestId"] for i in invokes][0] == rid1
        assert invokes[0]["invokedFunctionArn"].endswith(":function:test_function")
        assert invokes[0]["tracing"]["type"] == "X-Amzn-Trace-Id"
        assert isinstance(invokes[0]["deadlineMs"], int)
        shutdown = events[-1]["event"]
        assert shutdown["eventType"] == "SHUTDOWN"
        assert shutdown["shutdownReason"] == "spindown"
        assert isinstance(shutdown["deadlineMs"], int)


def test_shutdown_reason_timeout_then_reinit(tmp_path):
    starts = tmp_path / "starts"
    # The runtime never calls /next on its own; it records each start.
    # 2 s, not 1: the second invoke's deadline also covers the environment's re-initialisation (as on Lambda),
    # which a busy CI machine can stretch past a second.
    rie, out = extension_rie(tmp_path, {"AWS_LAMBDA_FUNCTION_TIMEOUT": "2"},
                             runtime=f"#!/bin/sh\necho start >> {starts}\nexec sleep 3600\n")
    with rie:
        next_event  # the test is the runtime: take the event and never answer
        inv = start_invoke(rie)
        ev = next_event(rie)
        rid = ev.header("lambda-runtime-aws-request-id")
        r = inv.result()
        assert r.header("x-amz-function-error") == "Unhandled"
        assert r.json() == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {rid} Error: Task timed out after 2.00 seconds",
        }
        evs = events_until_shutdown(out)
        assert evs[-1]["shutdownReason"] == "timeout"
        # the environment initialises again for the next invoke (a second extension registration)
        inv = start_invoke(rie)
        # (a real runtime cannot call /next before the re-init started it again)
        deadline = time.time() + 10
        while time.time() < deadline and (not starts.exists() or len(starts.read_text().split()) < 2):
            time.sleep(0.02)
        ev = next_event(rie)
        rie.runtime("POST", f"/2018-06-01/runtime/invocation/{ev.header('lambda-runtime-aws-request-id')}/response", b"2")
        assert inv.result().body == b"2"
        regs = [e for e in read_jsonl(Path(out + ".ext-a")) if e["kind"] == "registered"]
        assert len(regs) == 2


def test_register_errors(tmp_path):
    with manual_rie(tmp_path) as rie:
        reg = "/2020-01-01/extension/register"
        r = rie.runtime("POST", reg, b'{"events":["INVOKE"]}')
        assert r.status == 403
        assert r.json() == {"errorMessage": "Empty extension name", "errorType": "Extension.InvalidExtensionName"}
        r = rie.runtime("POST", reg, b"not json", {"Lambda-Extension-Name": "x"})
        assert (r.status, r.json()["errorType"]) == (403, "InvalidRequestFormat")
        r = rie.runtime("POST", reg, b'{"events":["SHUTDOWN"]}', {"Lambda-Extension-Name": "internal"})
        assert r.json() == {
            "errorMessage": "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
            "errorType": "Extension.InvalidEventType",
        }
        r = rie.runtime("POST", reg, b'{"events":["BOGUS"]}', {"Lambda-Extension-Name": "internal"})
        assert r.json()["errorMessage"] == "BOGUS: ErrorInvalidEventType"
        r = rie.runtime(
            "POST", reg, b'{"events":["INVOKE"],"configurationKeys":["a"]}', {"Lambda-Extension-Name": "internal"}
        )
        assert r.json()["errorMessage"] == "configurationKeys are deprecated; use environment variables instead"
        ids = []
        for i in range(10):
            r = rie.runtime("POST", reg, b'{"events":["INVOKE"]}', {"Lambda-Extension-Name": f"internal-{i}"})
            assert r.status == 200, r.body
            ids.append(r.header("lambda-extension-identifier"))
        r = rie.runtime("POST", reg, b'{"events":[]}', {"Lambda-Extension-Name": "internal-0"})
        assert r.json()["errorMessage"] == "Extension with this name already registered"
        r = rie.runtime("POST", reg, b'{"events":[]}', {"Lambda-Extension-Name": "eleventh"})
        assert r.json() == {"errorMessage": "Extension limit (10) reached", "errorType": "Extension.TooManyExtensions"}
        # init/exit error reporting
        r = rie.runtime("POST", "/2020-01-01/extension/init/error", b"{}", {"Lambda-Extension-Identifier": ids[0]})
        assert r.json()["errorType"] == "Extension.MissingHeader"
        r = rie.runtime(
            "POST",
            "/2020-01-01/extension/exit/error",
            b"{}",
            {"Lambda-Extension-Identifier": ids[1], "Lambda-Extension-Function-Error-Type": "Extension.Bye"},
        )
        assert (r.status, r.body) == (202, b'{"status":"OK"}\n')


def test_registration_closes_after_first_next(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        r = rie.runtime("POST", "/2020-01-01/extension/register", b'{"events":["INVOKE"]}', {"Lambda-Extension-Name": "late"})
        assert r.status == 403
        assert r.json() == {"errorMessage": "Extension registration closed already", "errorType": "Extension.RegistrationClosed"}
        rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"1")
        inv.result()


# --- Logs and Telemetry APIs ------------------------------------------------------------------------------------

def registering_extension(events: str, then: str) -> str:
    """A test extension (Python's standard library): registers for `events` (a JSON array) on the connection `c`,
    its identifier in `ident`, then runs `then`."""
    return r"""#!/usr/bin/env python3
import http.client, json, os, sys
h, p = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(h, int(p))
c.request("POST", "/2020-01-01/extension/register", body='{"events":%s}',
          headers={"Lambda-Extension-Name": os.path.basename(sys.argv[0])})
r = c.getresponse(); r.read(); ident = r.getheader("Lambda-Extension-Identifier")
""" % events + then.lstrip("\n")


# Registers, subscribes to the API named by $API with the destination in $DEST, then follows events.
TELEMETRY_EXTENSION = registering_extension('["INVOKE","SHUTDOWN"]', r"""
path = "/2022-07-01/telemetry" if os.environ["API"] == "telemetry" else "/2020-08-15/logs"
sub = {"schemaVersion": os.environ["SCHEMA"], "types": ["platform", "function", "extension"],
       "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
       "destination": json.loads(os.environ["DEST"])}
for bad in ({"schemaVersion": "1999-01-01"}, {"types": []}, {"buffering": {"maxItems": 10, "maxBytes": 262144, "timeoutMs": 25}}):
    c.request("PUT", path, body=json.dumps({**sub, **bad}), headers={"Lambda-Extension-Identifier": ident})
    r = c.getresponse(); print("bad", r.status, json.loads(r.read())["errorType"], flush=True)
c.request("PUT", path, body=json.dumps(sub), headers={"Lambda-Extension-Identifier": ident})
r = c.getresponse(); print("subscribed", r.status, r.read().decode(), flush=True)
while True:
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
    r = c.getresponse(); ev = json.loads(r.read())
    if ev["eventType"] == "SHUTDOWN":
        sys.exit(0)
""")


class Collector(http.server.BaseHTTPRequestHandler):
    batches: list = []

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        Collector.batches.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def collecting_server(handler=Collector):
    Collector.batches = []
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def telemetry_rie(tmp_path, api, schema, dest, runtime=RECORDING_RUNTIME):
    """A Rie running `runtime` with the TELEMETRY_EXTENSION `tel` subscribed to `api` with `schema` and `dest`."""
    env = {"API": api, "SCHEMA": schema, "DEST": json.dumps(dest)}
    return extension_rie(tmp_path, env, ("tel",), runtime, TELEMETRY_EXTENSION)[0]


def events_of(batches):
    return [e for b in batches for e in b]


def test_telemetry_http_delivery_validation_and_replay(tmp_path):
    srv = collecting_server()
    port = srv.server_address[1]
    dest = {"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{port}/t"}
    with telemetry_rie(tmp_path, "telemetry", "2022-12-13", dest) as rie:
        r = rie.invoke(b'{"a":1}')
        rid = r.header("x-amzn-requestid")
        rie.wait_stdout("subscribed 200")
        bad = [l for l in rie.stdout_lines if l.startswith("bad ")]
        assert bad == ["bad 400 ValidationError"] * 3
        wait_for(lambda: any(e["type"] == "platform.report" for e in events_of(Collector.batches)))
        evs = events_of(Collector.batches)
        types = [e["type"] for e in evs]
        # init events emitted before the subscription were replayed
        for t in ("platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension",
                  "platform.initReport", "platform.start", "platform.runtimeDone", "platform.report"):
            assert t in types, (t, types)
        assert types.index("platform.initStart") < types.index("platform.initReport") < types.index("platform.start")
        assert {"type": "function", "record": f"function line {rid}"}.items() <= next(
            e for e in evs if e["type"] == "function" and rid in e["record"]
        ).items()
        report = next(e for e in evs if e["type"] == "platform.report")["record"]
        assert report["requestId"] == rid
        assert report["status"] == "success"
        m = report["metrics"]
        assert isinstance(m["billedDurationMs"], int) and isinstance(m["maxMemoryUsedMB"], int)
        assert isinstance(m["memorySizeMB"], int) and m["memorySizeMB"] == 3008
        assert m["initDurationMs"] > 0 and m["maxMemoryUsedMB"] > 0
        assert all(e["time"].endswith("Z") and len(e["time"]) == 24 for e in evs)
        # subscriptions are closed after init
        ident = str(uuid.uuid4())
        r = rie.runtime("PUT", "/2022-07-01/telemetry", b"{}", {"Lambda-Extension-Identifier": ident})
        assert r.json()["errorType"] == "Extension.UnknownExtensionIdentifier"
    srv.shutdown()


def test_telemetry_subscription_closed_after_init(tmp_path):
    with manual_rie(tmp_path) as rie:
        r = rie.runtime("POST", "/2020-01-01/extension/register", b'{"events":[]}', {"Lambda-Extension-Name": "late-sub"})
        ident = r.header("lambda-extension-identifier")
        # init completes only once this (internal) extension waits for events too
        Background(rie.runtime, "GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
        inv = start_invoke(rie)
        rid = next_event(rie).header("lambda-runtime-aws-request-id")
        sub = {"schemaVersion": "2022-07-01", "types": ["platform"], "destination": {"protocol": "TCP", "port": 4999}}
        r = rie.runtime("PUT", "/2022-07-01/telemetry", json.dumps(sub), {"Lambda-Extension-Identifier": ident})
        assert r.status == 403
        assert r.json() == {"errorMessage": "Telemetry API subscription is closed", "errorType": "Telemetry.SubscriptionClosed"}
        rie.runtime("POST", f"/2018-06-01/runtime/invocation/{rid}/response", b"1")
        inv.result()


def test_logs_api_tcp_delivery(tmp_path):
    lines: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def accept():
        conn, _ = listener.accept()
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode())

    threading.Thread(target=accept, daemon=True).start()
    with telemetry_rie(tmp_path, "logs", "2021-03-18", {"protocol": "TCP", "port": port}) as rie:
        r = rie.invoke(b"{}")
        rid = r.header("x-amzn-requestid")
        rie.wait_stdout("subscribed 200")
        bad = [l for l in rie.stdout_lines if l.startswith("bad ")]
        assert bad == ["bad 400 Logs.ValidationError"] * 3
        wait_for(lambda: any('"platform.report"' in l for l in lines))
        evs = [json.loads(l) for l in lines]
        types = [e["type"] for e in evs]
        for t in ("platform.logsSubscription", "platform.start", "platform.runtimeDone", "platform.end", "platform.report", "function"):
            assert t in types, (t, types)
        assert "platform.initStart" not in types  # not a Logs API event
        end = next(e for e in evs if e["type"] == "platform.end")
        assert end["record"] == {"requestId": rid}
    listener.close()


def test_slow_subscriber_gets_logs_dropped(tmp_path):
    class Slow(Collector):
        def do_POST(self):
            time.sleep(1.0)
            super().do_POST()

    srv = collecting_server(Slow)
    dest = {"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{srv.server_address[1]}/"}
    chatty = RECORDING_RUNTIME.replace(
        'print("function line", rid, flush=True)', 'print("\\n".join("spam %d" % i for i in range(5000)), flush=True)'
    )
    with telemetry_rie(tmp_path, "telemetry", "2022-07-01", dest, chatty) as rie:
        rie.invoke(b"{}")
        rie.invoke(b"{}")
        dropped = wait_for(
            lambda: [e for e in events_of(Collector.batches) if e["type"] == "platform.logsDropped"], timeout=20
        )
        rec = dropped[0]["record"]
        assert rec["droppedRecords"] > 0 and rec["droppedBytes"] > 0 and rec["reason"]
    srv.shutdown()


# Registers for INVOKE and exits with status 7 when the first INVOKE arrives.
CRASHING_EXTENSION = registering_extension('["INVOKE"]', r"""
c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
c.getresponse().read()
sys.exit(7)
""")


def test_extension_crash_fails_the_invoke_and_shuts_down_with_failure(tmp_path):
    rie, out = extension_rie(tmp_path, {"INVOKE_WORK": "0.5"}, names=("ext-a",))
    executable(Path(rie.extensions_dir) / "crasher", CRASHING_EXTENSION, pin=False)
    with rie:
        r = rie.invoke(b'{"n":1}')
        # the runtime answered before the extension crashed: the caller has the function's response
        assert r.body == b'{"n":1}'
        evs = events_until_shutdown(out)
        assert evs[-1]["shutdownReason"] == "failure"
        # and the next invoke runs in a freshly initialised environment
        assert rie.invoke(b'{"n":2}').body == b'{"n":2}'


def test_more_than_ten_external_extensions_fail_init(tmp_path):
    names = [f"ext-{i:02d}" for i in range(11)]
    rie, out = extension_rie(tmp_path, {}, names=names)
    with rie:
        r = rie.invoke(b"{}")
        assert r.header("x-amz-function-error") == "Unhandled"
        body = r.json()
        assert body["errorType"] == "Extension.LaunchError"
        assert "TooManyExtensions" in body["errorMessage"]


def test_runtime_gets_sigterm_when_extensions_exist(tmp_path):
    runtime = RECORDING_RUNTIME.replace(
        "import http.client, json, os, time",
        "import http.client, json, os, time, signal, sys\n"
        "def term(*a):\n"
        "    open(os.environ['OUT'] + '.sigterm', 'w').write('x'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, term)",
    )
    rie, out = extension_rie(tmp_path, {}, runtime=runtime)
    with rie:
        assert rie.invoke(b"1").body == b"1"
        assert rie.stop() == 0
    assert Path(out + ".sigterm").exists(), "the runtime did not receive SIGTERM before SHUTDOWN"
