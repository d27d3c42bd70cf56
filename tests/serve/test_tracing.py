"""OpenTelemetry traces of invocations: `lambkin serve` started with the standard `OTEL_*` variables exports
to an OTLP/HTTP receiver this module runs (decoded with PyPI's `opentelemetry-proto`); the span tree, its
attributes, cold starts, the caller's `traceparent` / `X-Amzn-Trace-Id` continued, the async queue's span, and
a function's own span joining the trace through the `_X_AMZN_TRACE_ID` it was handed.

serve runs with `--isolation process` here: a function in a sandbox has its own network namespace whose egress
(`pasta`, without `--map-gw`) cannot reach the host's loopback, where the receiver listens; as a plain child
process it can, so its own span travels the real path (OTLP/HTTP JSON to the receiver).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from harness import LAMBKIN

from .conftest import Serve, create, zip_files

REGION = "us-east-1"
ACCOUNT = "123456789012"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SERVER, CONSUMER, INTERNAL = 2, 5, 1  # OTLP's SpanKind numbers
STATUS_ERROR = 2

HANDLER = r'''
import json, os, random, time, urllib.request

def handler(event, context):
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    out = {"trace": header}
    if event.get("emit"):
        fields = dict(kv.split("=", 1) for kv in header.split(";") if "=" in kv)
        _, when, rest = fields["Root"].split("-")
        span_id = "%016x" % random.getrandbits(64)
        now = time.time_ns()
        body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "the-function"}}]},
            "scopeSpans": [{"scope": {"name": "handler"}, "spans": [{
                "traceId": when + rest, "spanId": span_id, "parentSpanId": fields["Parent"],
                "name": "handler work", "kind": 1,
                "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 1000)}]}]}]}
        req = urllib.request.Request(event["emit"], data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30).read()
        out["span_id"] = span_id
    if event.get("fail"):
        raise RuntimeError("boom")
    return out
'''


class Receiver:
    """An OTLP/HTTP trace receiver on 127.0.0.1: `POST /v1/traces` in protobuf (decoded with
    `opentelemetry-proto`) or JSON; every span kept as a flat dict."""

    def __init__(self):
        self.spans: list[dict] = []
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ctype = self.headers.get("Content-Type", "")
                with receiver.lock:
                    receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                spans = (receiver.from_json(body) if ctype.startswith("application/json")
                         else receiver.from_proto(body))
                with receiver.lock:
                    receiver.spans.extend(spans)
                payload = b"{}" if ctype.startswith("application/json") else b""
                self.send_response(200)
                self.send_header("Content-Type", ctype or "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def from_proto(body: bytes) -> list[dict]:
        req = ExportTraceServiceRequest()
        req.ParseFromString(body)
        return Receiver.spans_of(req)

    @staticmethod
    def spans_of(req: ExportTraceServiceRequest) -> list[dict]:
        out = []
        for rs in req.resource_spans:
            resource = {a.key: any_value(a.value) for a in rs.resource.attributes}
            for ss in rs.scope_spans:
                for s in ss.spans:
                    out.append({
                        "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                        "parent": s.parent_span_id.hex(), "name": s.name, "kind": s.kind,
                        "start": s.start_time_unix_nano, "end": s.end_time_unix_nano,
                        "attrs": {a.key: any_value(a.value) for a in s.attributes},
                        "status": s.status.code, "status_message": s.status.message,
                        "trace_state": s.trace_state, "resource": resource,
                        "scope": ss.scope.name,
                    })
        return out

    @staticmethod
    def from_json(body: bytes) -> list[dict]:
        """OTLP/JSON: ids in hex, 64-bit integers as strings."""
        def attrs(items):
            out = {}
            for a in items or []:
                (kind, v), = a["value"].items()
                out[a["key"]] = int(v) if kind == "intValue" else v
            return out
        out = []
        for rs in json.loads(body)["resourceSpans"]:
            resource = attrs(rs.get("resource", {}).get("attributes"))
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    out.append({
                        "trace_id": s["traceId"], "span_id": s["spanId"], "parent": s.get("parentSpanId", ""),
                        "name": s["name"], "kind": s.get("kind", 0),
                        "start": int(s["startTimeUnixNano"]), "end": int(s["endTimeUnixNano"]),
                        "attrs": attrs(s.get("attributes")), "status": s.get("status", {}).get("code", 0),
                        "status_message": "", "trace_state": s.get("traceState", ""),
                        "resource": resource, "scope": ss.get("scope", {}).get("name", ""),
                    })
        return out

    def wait(self, pred, want: int = 1, timeout: float = 90) -> list[dict]:
        """The spans matching `pred`, once there are at least `want` of them."""
        deadline = time.time() + timeout
        while True:
            with self.lock:
                found = [s for s in self.spans if pred(s)]
            if len(found) >= want:
                return found
            if time.time() > deadline:
                raise AssertionError(f"{len(found)} of {want} spans came; all names: "
                                     f"{sorted({s['name'] for s in self.spans})}")
            time.sleep(0.1)

    def trace_of(self, request_id: str, want_children: int) -> tuple[dict, list[dict]]:
        """The invocation span of `request_id` and its descendants, once it has `want_children` children."""
        inv = self.wait(lambda s: s["attrs"].get("faas.invocation_id") == request_id)[0]
        self.wait(lambda s: s["parent"] == inv["span_id"] and s["scope"] == "lambkin", want=want_children)
        with self.lock:
            spans = [s for s in self.spans if s["trace_id"] == inv["trace_id"]]
        return inv, spans

    def serve_grpc(self) -> str:
        """Also an OTLP/gRPC receiver (`TraceService/Export`, plain HTTP/2); its endpoint."""
        receiver = self

        class Service(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request, context):
                metadata = dict(context.invocation_metadata())
                with receiver.lock:
                    receiver.requests.append(("grpc", metadata))
                    receiver.spans.extend(Receiver.spans_of(request))
                return trace_service_pb2.ExportTraceServiceResponse()

        self.grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Service(), self.grpc)
        port = self.grpc.add_insecure_port("127.0.0.1:0")
        self.grpc.start()
        return f"http://127.0.0.1:{port}"

    def close(self):
        self.server.shutdown()
        if getattr(self, "grpc", None):
            self.grpc.stop(None)


def any_value(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def children(spans: list[dict], parent: dict) -> dict[str, dict]:
    return {s["name"]: s for s in spans if s["parent"] == parent["span_id"]}


def within(child: dict, parent: dict) -> bool:
    return parent["start"] <= child["start"] <= child["end"] <= parent["end"]


def header_fields(header: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in header.split(";") if "=" in kv)


def xray_root(trace_id: str) -> str:
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def server(receiver):
    # Lambda's retry delays scaled down (an event throttled while queued is tried again within a second).
    s = Serve("--isolation", "process", "--async-delay-scale", "0.01", env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_EXPORTER_OTLP_HEADERS": "x-test-token=sesame",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    })
    yield s
    s.close()


@pytest.fixture(scope="module")
def runtime(server) -> str:
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:] if line.strip())}
    usable = [r for r, s in table.items() if r.startswith("python3.") and s in ("served", "available")]
    for r in ("python3.12", "python3.13", "python3.11"):
        if r in usable:
            return r
    assert usable, f"this host serves no python runtime: {table}"
    return usable[-1]


@pytest.fixture(scope="module")
def fn(server, runtime) -> str:
    lam = server.client(read_timeout=600)  # the first invoke may wait for the runtime's build
    create(lam, "traced", zip_files({"app.py": HANDLER}), Runtime=runtime, Handler="app.handler")
    return "traced"


def invoke(server: Serve, name: str, event: dict, headers: dict | None = None,
           invocation_type: str = "RequestResponse"):
    """A raw `Invoke` (loopback needs no signature), so that any trace header can be sent: the request id, the
    function's answer, the response headers."""
    req = urllib.request.Request(
        f"{server.endpoint}/2015-03-31/functions/{name}/invocations",
        data=json.dumps(event).encode(), method="POST",
        headers={"X-Amz-Invocation-Type": invocation_type, **(headers or {})})
    with urllib.request.urlopen(req, timeout=600) as r:
        body = r.read()
        hdrs = r.headers
    return hdrs["x-amzn-RequestId"], (json.loads(body) if body else None), hdrs


def test_cold_then_warm_span_trees(server, fn, receiver):
    rid1, out1, _ = invoke(server, fn, {})
    rid2, out2, _ = invoke(server, fn, {})

    inv, spans = receiver.trace_of(rid1, want_children=3)
    assert inv["name"] == fn and inv["kind"] == SERVER
    assert inv["parent"] == ""  # no caller's trace: a new one
    a = inv["attrs"]
    assert a["faas.invocation_id"] == rid1
    assert a["faas.trigger"] == "http"
    assert a["faas.coldstart"] is True
    assert a["faas.name"] == fn and a["faas.version"] == "$LATEST"
    assert a["faas.max_memory"] == 128 * 1024 * 1024
    assert a["cloud.resource_id"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"
    assert a["cloud.region"] == REGION and a["cloud.account.id"] == ACCOUNT
    assert a["cloud.provider"] == "lambkin" and a["cloud.platform"] == "aws_lambda"
    assert a["lambkin.init_duration_ms"] > 0
    assert inv["status"] != STATUS_ERROR
    # The resource: the default service name, OTEL_RESOURCE_ATTRIBUTES, the SDK's own.
    assert inv["resource"]["service.name"] == "lambkin"
    assert inv["resource"]["deployment.environment"] == "ci"
    assert inv["resource"]["telemetry.sdk.name"] == "opentelemetry"

    kids = children(spans, inv)
    assert set(kids) == {"cold start", "invoke", "extensions"}, kids.keys()
    cold = children(spans, kids["cold start"])
    assert set(cold) == {"environment", "init"}
    for child in [*kids.values(), *cold.values()]:
        assert child["kind"] == INTERNAL and child["trace_id"] == inv["trace_id"]
    for child in kids.values():
        assert within(child, inv), (child, inv)
    for child in cold.values():
        assert within(child, kids["cold start"])
    assert kids["cold start"]["end"] <= kids["invoke"]["start"] <= kids["invoke"]["end"] <= kids["extensions"]["start"]
    assert cold["environment"]["end"] <= cold["init"]["start"]

    # The function was handed the trace with the invocation span as its parent.
    f = header_fields(out1["trace"])
    assert f["Root"] == xray_root(inv["trace_id"])
    assert f["Parent"] == inv["span_id"]
    assert f["Sampled"] == "1"
    assert a["lambkin.trace_header"] == out1["trace"]

    warm, spans2 = receiver.trace_of(rid2, want_children=2)
    assert warm["attrs"]["faas.coldstart"] is False
    assert "lambkin.init_duration_ms" not in warm["attrs"]
    assert set(children(spans2, warm)) == {"invoke", "extensions"}
    assert warm["trace_id"] != inv["trace_id"]
    assert header_fields(out2["trace"])["Parent"] == warm["span_id"]

    # The exporter sent OTEL_EXPORTER_OTLP_HEADERS to the standard path, as protobuf.
    with receiver.lock:
        path, hdrs = next(r for r in receiver.requests if r[1].get("content-type") == "application/x-protobuf")
    assert path == "/v1/traces"
    assert hdrs["x-test-token"] == "sesame"


def test_traceparent_continued(server, fn, receiver):
    rid, out, _ = invoke(server, fn, {}, headers={
        "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01", "tracestate": "vendor=opaque"})
    inv, _ = receiver.trace_of(rid, want_children=2)
    assert inv["trace_id"] == CALLER_TRACE
    assert inv["parent"] == CALLER_SPAN
    assert inv["trace_state"] == "vendor=opaque"
    f = header_fields(out["trace"])
    assert f["Root"] == xray_root(CALLER_TRACE)
    assert f["Parent"] == inv["span_id"] != CALLER_SPAN


def test_amzn_trace_id_continued_and_unsampled_not_recorded(server, fn, receiver):
    root = "1-5759e988-bd862e3fe1be46a994272793"
    rid_off, out_off, _ = invoke(server, fn, {}, headers={
        "X-Amzn-Trace-Id": f"Root={root};Parent=53995c3f42cd8ad8;Sampled=0"})
    rid, out, _ = invoke(server, fn, {}, headers={
        "X-Amzn-Trace-Id": f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"})
    inv, _ = receiver.trace_of(rid, want_children=2)
    assert inv["trace_id"] == "5759e988bd862e3fe1be46a994272793"
    assert inv["parent"] == "53995c3f42cd8ad8"
    f = header_fields(out["trace"])
    assert f["Root"] == root and f["Parent"] == inv["span_id"] and f["Sampled"] == "1"
    # Not sampled: the function still gets the trace (with its own parent), and nothing is exported. The
    # sampled invoke after it came; spans are exported in the order they end.
    f_off = header_fields(out_off["trace"])
    assert f_off["Root"] == root and f_off["Sampled"] == "0" and f_off["Parent"] != "53995c3f42cd8ad8"
    with receiver.lock:
        assert not [s for s in receiver.spans if s["attrs"].get("faas.invocation_id") == rid_off]


def test_function_span_joins_the_trace(server, fn, receiver):
    rid, out, _ = invoke(server, fn, {"emit": f"{receiver.endpoint}/v1/traces"}, headers={
        "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
    inv, _ = receiver.trace_of(rid, want_children=2)
    own = receiver.wait(lambda s: s["name"] == "handler work" and s["span_id"] == out["span_id"])[0]
    assert own["resource"]["service.name"] == "the-function"
    assert own["trace_id"] == inv["trace_id"] == CALLER_TRACE
    assert own["parent"] == inv["span_id"]


def test_function_error_marks_the_span(server, fn, receiver):
    req = urllib.request.Request(
        f"{server.endpoint}/2015-03-31/functions/{fn}/invocations", data=b'{"fail": true}', method="POST")
    with urllib.request.urlopen(req, timeout=600) as r:
        assert r.headers["X-Amz-Function-Error"] == "Unhandled"
        rid = r.headers["x-amzn-RequestId"]
    inv, _ = receiver.trace_of(rid, want_children=2)
    assert inv["status"] == STATUS_ERROR
    assert inv["attrs"]["error.type"]


def test_async_event_has_a_queue_span(server, fn, receiver):
    rid, _, hdrs = invoke(server, fn, {}, invocation_type="Event", headers={
        "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
    inv, spans = receiver.trace_of(rid, want_children=3)
    assert inv["kind"] == CONSUMER
    assert inv["attrs"]["faas.trigger"] == "pubsub"
    assert inv["trace_id"] == CALLER_TRACE and inv["parent"] == CALLER_SPAN
    kids = children(spans, inv)
    assert {"queue", "invoke", "extensions"} <= set(kids), kids.keys()
    assert kids["queue"]["start"] == inv["start"]
    assert kids["queue"]["end"] <= kids["invoke"]["start"]


def test_function_url_continues_the_callers_trace(server, fn, receiver):
    trace = "0af7651916cd43dd8448eb211c80319c"
    cfg = server.client().create_function_url_config(FunctionName=fn, AuthType="NONE")
    uid = cfg["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
    req = urllib.request.Request(f"{server.endpoint}/lambkin/v1/urls/{uid}/hello", headers={
        "traceparent": f"00-{trace}-b7ad6b7169203331-01"})
    with urllib.request.urlopen(req, timeout=600) as r:
        out = json.loads(r.read())
    inv = receiver.wait(lambda s: s["trace_id"] == trace and s["scope"] == "lambkin" and s["name"] == fn)[0]
    assert inv["kind"] == SERVER and inv["parent"] == "b7ad6b7169203331"
    assert inv["attrs"]["faas.trigger"] == "http"
    assert header_fields(out["trace"])["Parent"] == inv["span_id"]


def test_queued_event_keeps_its_trace_across_a_restart(server, fn, receiver):
    root, parent = "1-5759e988-0123456789abcdef01234567", "1111222233334444"
    server.client().put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=0)
    rid, _, _ = invoke(server, fn, {}, invocation_type="Event", headers={
        "X-Amzn-Trace-Id": f"Root={root};Parent={parent};Sampled=1"})
    server.stop()  # graceful: the tracer sends what it holds
    server.restart()
    server.client().delete_function_concurrency(FunctionName=fn)
    inv, spans = receiver.trace_of(rid, want_children=4)
    assert inv["trace_id"] == "5759e9880123456789abcdef01234567"
    assert inv["parent"] == parent
    kids = children(spans, inv)
    assert {"queue", "cold start", "invoke", "extensions"} == set(kids), kids.keys()
    # The queue span starts when the event was queued, before the restart.
    assert kids["queue"]["start"] == inv["start"]
    assert kids["queue"]["end"] <= kids["cold start"]["start"]


def test_tracing_off_changes_nothing(fn, runtime, receiver):
    """OTEL_SDK_DISABLED wins over an endpoint: nothing is exported, and the function gets the trace header a
    server without tracing hands it (a new, unsampled trace)."""
    s = Serve("--isolation", "process", env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SDK_DISABLED": "true"})
    try:
        lam = s.client(read_timeout=600)
        create(lam, "untraced", zip_files({"app.py": HANDLER}), Runtime=runtime, Handler="app.handler")
        rid, out, _ = invoke(s, "untraced", {})
        assert header_fields(out["trace"])["Sampled"] == "0"
        assert "tracing invocations" not in s.log()
    finally:
        s.close()
    with receiver.lock:
        assert not [x for x in receiver.spans if x["attrs"].get("faas.invocation_id") == rid]


def test_http_json_to_a_traces_endpoint(runtime, receiver):
    """`http/json` to `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, a whole URL (nothing appended), with the service name
    of `OTEL_SERVICE_NAME`."""
    s = Serve("--isolation", "process", env={
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{receiver.endpoint}/custom/traces",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
        "OTEL_SERVICE_NAME": "lambkin-json",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    })
    try:
        lam = s.client(read_timeout=600)
        create(lam, "json-traced", zip_files({"app.py": HANDLER}), Runtime=runtime, Handler="app.handler",
               MemorySize=256)
        rid, out, _ = invoke(s, "json-traced", {})
        inv, spans = receiver.trace_of(rid, want_children=3)
    finally:
        s.close()
    assert inv["resource"]["service.name"] == "lambkin-json"
    assert inv["attrs"]["faas.max_memory"] == 256 * 1024 * 1024
    assert inv["attrs"]["faas.coldstart"] is True
    assert set(children(spans, inv)) == {"cold start", "invoke", "extensions"}
    assert header_fields(out["trace"])["Parent"] == inv["span_id"]
    with receiver.lock:
        paths = {path for path, h in receiver.requests if h.get("content-type") == "application/json"}
    assert "/custom/traces" in paths


def test_grpc(runtime, receiver):
    """`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`: the same spans through OTLP/gRPC, with the headers as metadata."""
    endpoint = receiver.serve_grpc()
    s = Serve("--isolation", "process", env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-test-token=grpc-sesame",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    })
    try:
        lam = s.client(read_timeout=600)
        create(lam, "grpc-traced", zip_files({"app.py": HANDLER}), Runtime=runtime, Handler="app.handler")
        rid, out, _ = invoke(s, "grpc-traced", {}, headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
        inv, spans = receiver.trace_of(rid, want_children=3)
    finally:
        s.close()
    assert inv["trace_id"] == CALLER_TRACE and inv["parent"] == CALLER_SPAN
    assert set(children(spans, inv)) == {"cold start", "invoke", "extensions"}
    assert header_fields(out["trace"])["Parent"] == inv["span_id"]
    with receiver.lock:
        metadata = [h for path, h in receiver.requests if path == "grpc"]
    assert metadata and all(h.get("x-test-token") == "grpc-sesame" for h in metadata)
