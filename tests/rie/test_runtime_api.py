"""Runtime API over raw HTTP (spec: execution-environment-api.md §1.2, §1.3, §2, §3, §7.1, §7.3, appendix A.5).

"Manual runtime": lambkin's bootstrap is a shell script that only idles (conftest.IDLE_RUNTIME), and the test
itself plays the runtime — it long-polls `/next` (usually in a background thread), posts `/response` or `/error`,
while another thread plays the invoker through the RIE front end. Every status code, header and body is
checked exactly as the spec gives it.

Deliberately not here: A.5's `PUT /2022-07-01/telemetry → 202 Telemetry.NotSupported` (the AWS emulator's stub;
lambkin's Telemetry API is real, see test_logs_telemetry.py), §2.6's 500 InternalServerError (no reachable
cause), and the init-caching routes of §2.5 (only their 404 when not enabled).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import time
import uuid

import pytest

from harness import client_context, wait_for

from .conftest import (
    NEXT,
    RUNTIME,
    Background,
    assert_accepted,
    assert_api_error,
    compact,
    executable,
    manual_rie,
    runtime_starts,
    transition_error,
)

pytestmark = pytest.mark.usefixtures("deadline")

LIMIT = 6 * 1024 * 1024 + 100  # MaxPayloadSize, spec §2.1/§2.2
GENERATED_TRACE = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$")


def response_path(rid: str) -> str:
    return f"{RUNTIME}/invocation/{rid}/response"


def error_path(rid: str) -> str:
    return f"{RUNTIME}/invocation/{rid}/error"


def next_event(rie, timeout=30):
    r = rie.runtime("GET", NEXT, timeout=timeout)
    assert r.status == 200, (r.status, r.body)
    return r


def start_invoke(rie, payload=b"{}", headers=None, function="function", timeout=30) -> Background:
    return Background(rie.invoke, payload, function=function, headers=headers, timeout=timeout)


def take_invoke(rie, payload=b"{}", headers=None, starts: tuple | None = None):
    """Starts an invoke and takes its event as the runtime: (invoke in flight, /next response, request id).

    After a reset the environment is initialised again by the next invoke; `starts=(tmp_path, n)` makes the
    test (playing the runtime) wait for the n-th start of the bootstrap before it calls /next, as a real runtime
    could not call it earlier."""
    inv = start_invoke(rie, payload, headers)
    if starts is not None:
        wait_for(lambda: len(runtime_starts(starts[0])) >= starts[1], what=f"start #{starts[1]} of the bootstrap")
    ev = next_event(rie)
    return inv, ev, ev.header("lambda-runtime-aws-request-id")


def respond(rie, inv: Background, rid: str, body: bytes):
    """The test, as the runtime, answers the invoke `rid` with `body`: accepted, and the caller `inv` gets exactly it."""
    assert_accepted(rie.runtime("POST", response_path(rid), body))
    assert inv.result().body == body


def assert_unhandled(resp, body: bytes | None = None):
    assert resp.status == 200, (resp.status, resp.body)
    assert resp.header("x-amz-function-error") == "Unhandled", resp.headers
    if body is not None:
        assert resp.body == body


def assert_refused(resp, current: str, target: str):
    """403 InvalidStateTransition: the runtime may not go from `current` to `target` (spec §3)."""
    assert_api_error(resp, 403, "InvalidStateTransition", transition_error(current, target))


def assert_response_sent(rie, rid: str, late: bytes):
    """§3 ResponseSent row: another /response (`late`) or an /error for the invoke `rid` is refused."""
    assert_refused(rie.runtime("POST", response_path(rid), late), "RuntimeResponseSentState", "InvocationResponse")
    assert_refused(rie.runtime("POST", error_path(rid), b"{}"), "RuntimeResponseSentState", "InvocationErrorResponse")


def assert_platform_error(resp, error_type: str, message: str):
    """Lambda's default error payload (spec §7.3): `{"errorType":..,"errorMessage":..}` in that order."""
    assert_unhandled(resp)
    body = json.loads(resp.body)
    assert body == {"errorType": error_type, "errorMessage": message}, body
    assert list(body) == ["errorType", "errorMessage"], body


# --- §1.2 routing ---------------------------------------------------------------------------------------------


def test_unknown_routes_answer_go_404(tmp_path):
    routes = [
        ("GET", "/"),
        ("GET", "/2018-06-01/nope"),
        ("POST", "/2018-06-01/runtime/invocation"),
        ("GET", "/2018-06-01/runtime/restore/next"),  # only with init caching (§2.5), A.5
        ("POST", "/2018-06-01/runtime/restore/error"),
        ("GET", "/2021-04-23/credentials"),
        ("GET", "/2020-01-01/extension/nope"),
        ("POST", "/2015-03-31/functions/function/invocations"),  # the front end is not on this port
    ]
    with manual_rie(tmp_path) as rie:
        for method, path in routes:
            r = rie.runtime(method, path, b"" if method == "POST" else None)
            assert (r.status, r.body) == (404, b"404 page not found\n"), (method, path, r.status, r.body)
            assert r.header("content-type") == "text/plain; charset=utf-8", (method, path, r.headers)


def test_wrong_method_is_405_with_empty_body_and_allow(tmp_path):
    routes = [
        ("POST", NEXT, "GET"),
        ("GET", response_path("x"), "POST"),
        ("DELETE", error_path("x"), "POST"),  # A.5
        ("PUT", error_path("x"), "POST"),
        ("GET", f"{RUNTIME}/init/error", "POST"),
        ("GET", "/2020-01-01/extension/register", "POST"),
        ("POST", "/2020-01-01/extension/event/next", "GET"),
        ("GET", "/2020-01-01/extension/init/error", "POST"),
        ("GET", "/2020-01-01/extension/exit/error", "POST"),
        ("GET", "/2022-07-01/telemetry", "PUT"),
        ("POST", "/2020-08-15/logs", "PUT"),
        ("POST", "/2018-06-01/ping", "GET"),
    ]
    with manual_rie(tmp_path) as rie:
        for method, path, allowed in routes:
            r = rie.runtime(method, path, b"" if method in ("POST", "PUT") else None)
            assert (r.status, r.body) == (405, b""), (method, path, r.status, r.body)
            allow = [m.strip() for m in (r.header("allow") or "").split(",")]
            assert allowed in allow, (method, path, r.headers)


def test_ping(tmp_path):
    with manual_rie(tmp_path) as rie:
        r = rie.runtime("GET", "/2018-06-01/ping")
        assert (r.status, r.body) == (200, b"pong")


def test_runtime_api_address_is_exported_without_scheme(tmp_path):
    """§1.1, §12.1: AWS_LAMBDA_RUNTIME_API=host:port (no scheme) in the runtime's environment."""
    with manual_rie(tmp_path) as rie:
        env_file = tmp_path / "out" / "runtime.env"
        wait_for(lambda: env_file.exists() and "AWS_LAMBDA_RUNTIME_API=" in env_file.read_text(), what="runtime env")
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert env["AWS_LAMBDA_RUNTIME_API"] == rie.runtime_api


# --- §2.1 GET /next -------------------------------------------------------------------------------------------


def test_next_delivers_payload_and_headers(tmp_path):
    env = {"AWS_LAMBDA_FUNCTION_TIMEOUT": "7", "AWS_LAMBDA_FUNCTION_NAME": "proto-fn"}
    payload = '{"k":"v\u00e9","n":[1,2,3],"s":"<&>"}'.encode()
    cc = {"custom": {"foo": "bar", "baz": 123}, "client": {"app_title": "t"}}
    cc_header = client_context(cc)
    with manual_rie(tmp_path, env) as rie:
        sent = time.time()
        inv = start_invoke(rie, payload, {"X-Amz-Client-Context": cc_header})
        ev = next_event(rie)
        got = time.time()
        assert ev.body == payload
        rid = ev.header("lambda-runtime-aws-request-id")
        assert uuid.UUID(rid).version == 4 and str(uuid.UUID(rid)) == rid
        deadline = ev.header("lambda-runtime-deadline-ms")
        assert deadline.isdigit(), deadline
        assert sent * 1000 + 7000 - 500 <= int(deadline) <= got * 1000 + 7000 + 500, (sent, deadline, got)
        assert ev.header("lambda-runtime-invoked-function-arn") == "arn:aws:lambda:us-east-1:012345678912:function:proto-fn"
        assert GENERATED_TRACE.match(ev.header("lambda-runtime-trace-id") or ""), ev.headers
        # the decoded JSON (lambkin re-serialises it compactly; the spec's RIE passes the decoded bytes through)
        assert json.loads(ev.header("lambda-runtime-client-context")) == json.loads(base64.b64decode(cc_header))
        assert ev.header("content-type") == "application/json"
        assert ev.header("lambda-runtime-cognito-identity") is None  # only when non-empty (§2.1)
        assert ev.header("lambda-runtime-aws-tenant-id") is None

        r = rie.runtime("POST", response_path(rid), b'{"ok":true}', {"Content-Type": "application/json"})
        assert_accepted(r)
        resp = inv.result()
        assert (resp.status, resp.body) == (200, b'{"ok":true}')
        assert resp.header("x-amzn-requestid") == rid
        assert resp.header("x-amz-function-error") is None


def test_next_defaults_arn_deadline_and_omits_empty_headers(tmp_path):
    """Default function name `test_function` whatever the invoke path's name; default timeout 300 s; no
    Client-Context header without `X-Amz-Client-Context`; a fresh trace id per invoke."""
    with manual_rie(tmp_path) as rie:
        traces = []
        for payload in (b"1", b"2"):
            sent = time.time()
            inv = start_invoke(rie, payload, function="some-other-name")
            ev = next_event(rie)
            rid = ev.header("lambda-runtime-aws-request-id")
            assert ev.body == payload
            assert ev.header("lambda-runtime-invoked-function-arn") == (
                "arn:aws:lambda:us-east-1:012345678912:function:test_function"
            )
            assert abs(int(ev.header("lambda-runtime-deadline-ms")) - (sent * 1000 + 300_000)) < 2_000
            assert ev.header("lambda-runtime-client-context") is None
            traces.append(ev.header("lambda-runtime-trace-id"))
            respond(rie, inv, rid, payload)
        assert all(GENERATED_TRACE.match(t or "") for t in traces), traces
        assert traces[0] != traces[1]


def test_callers_trace_id_is_passed_to_the_runtime(tmp_path):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie, b"{}", {"X-Amzn-Trace-Id": trace})
        assert ev.header("lambda-runtime-trace-id") == trace
        assert_accepted(rie.runtime("POST", response_path(rid), b"{}"))
        inv.result()


def test_tenant_id_is_passed_to_the_runtime(tmp_path):
    """§2.1 / §8.3: `X-Amz-Tenant-Id` → `Lambda-Runtime-Aws-Tenant-Id`."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie, b"{}", {"X-Amz-Tenant-Id": "tenant-42"})
        assert ev.header("lambda-runtime-aws-tenant-id") == "tenant-42"
        assert_accepted(rie.runtime("POST", response_path(rid), b"{}"))
        inv.result()


def test_next_again_while_running_returns_the_same_event(tmp_path):
    """§2.1, §3 (Running row), §12.2."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie, b'{"same":1}', {"X-Amz-Client-Context": client_context({"a": 1})})
        again = next_event(rie)
        assert again.body == ev.body == b'{"same":1}'
        for h in (
            "lambda-runtime-aws-request-id",
            "lambda-runtime-deadline-ms",
            "lambda-runtime-invoked-function-arn",
            "lambda-runtime-trace-id",
            "lambda-runtime-client-context",
            "content-type",
        ):
            assert again.header(h) == ev.header(h), h
        respond(rie, inv, rid, b"done")


def test_sequential_invokes_get_fresh_request_ids(tmp_path):
    with manual_rie(tmp_path) as rie:
        ids = []
        for i in range(3):
            inv, ev, rid = take_invoke(rie, json.dumps({"i": i}).encode())
            assert ev.body == json.dumps({"i": i}).encode()
            assert_accepted(rie.runtime("POST", response_path(rid), f"r{i}"))
            resp = inv.result()
            assert (resp.body, resp.header("x-amzn-requestid")) == (f"r{i}".encode(), rid)
            ids.append(rid)
        assert len(set(ids)) == 3


def test_next_invoke_is_dispatched_only_after_the_runtime_asks_again(tmp_path):
    """Two invokes in flight: the runtime sees them one after the other (§7.2, §12.11)."""
    with manual_rie(tmp_path) as rie:
        a = start_invoke(rie, b'"a"')
        b = start_invoke(rie, b'"b"')
        first = next_event(rie)
        rid1 = first.header("lambda-runtime-aws-request-id")
        assert_accepted(rie.runtime("POST", response_path(rid1), b"echo:" + first.body))
        second = next_event(rie)
        rid2 = second.header("lambda-runtime-aws-request-id")
        assert rid2 != rid1 and {first.body, second.body} == {b'"a"', b'"b"'}
        assert_accepted(rie.runtime("POST", response_path(rid2), b"echo:" + second.body))
        assert a.result().body == b'echo:"a"'
        assert b.result().body == b'echo:"b"'


# --- §2.2/§2.3 request-id check first, then the state machine (A.5, §3, §12.4) ------------------------------------


def test_any_request_id_is_invalid_before_the_first_invoke(tmp_path):
    """State Started: there is no current invoke, so the request-id check answers 400 (before any 403)."""
    with manual_rie(tmp_path) as rie:
        for path in (response_path(str(uuid.uuid4())), error_path(str(uuid.uuid4())), response_path("WRONG")):
            assert_api_error(rie.runtime("POST", path, b"x"), 400, "InvalidRequestID", "Invalid request ID")


def test_wrong_request_id_is_400_in_every_state(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        # Running (the Accept header is ignored: always JSON, §1.3)
        assert_api_error(
            rie.runtime("POST", response_path("WRONG"), b"x", {"Accept": "application/xml"}),
            400,
            "InvalidRequestID",
            "Invalid request ID",
        )
        assert_api_error(rie.runtime("POST", error_path("WRONG"), b"x"), 400, "InvalidRequestID", "Invalid request ID")
        assert_api_error(
            rie.runtime("POST", response_path(str(uuid.uuid4())), b"x"), 400, "InvalidRequestID", "Invalid request ID"
        )
        assert_accepted(rie.runtime("POST", response_path(rid), b"first"))
        # ResponseSent: a wrong id is still 400, not 403
        assert_api_error(rie.runtime("POST", response_path("WRONG"), b"x"), 400, "InvalidRequestID", "Invalid request ID")
        assert inv.result().body == b"first"
        # the previous invoke's id is no longer current once the next invoke runs
        inv2, ev2, rid2 = take_invoke(rie)
        assert rid2 != rid
        assert_api_error(rie.runtime("POST", response_path(rid), b"x"), 400, "InvalidRequestID", "Invalid request ID")
        assert_api_error(rie.runtime("POST", error_path(rid), b"x"), 400, "InvalidRequestID", "Invalid request ID")
        respond(rie, inv2, rid2, b"second")


def test_state_response_sent_after_response(tmp_path):
    """§3 ResponseSent row; A.5 second /response."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        assert_accepted(rie.runtime("POST", response_path(rid), b"first"))
        assert_response_sent(rie, rid, b"second")
        assert_refused(rie.runtime("POST", f"{RUNTIME}/init/error", b"{}"), "RuntimeResponseSentState", "InitError")
        resp = inv.result()
        assert (resp.body, resp.header("x-amz-function-error")) == (b"first", None)
        # ResponseSent → Ready: the next /next works
        inv2, ev2, rid2 = take_invoke(rie, b'"again"')
        assert ev2.body == b'"again"'
        respond(rie, inv2, rid2, b"ok")


def test_state_response_sent_after_error(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        assert_accepted(rie.runtime("POST", error_path(rid), b'{"errorMessage":"e","errorType":"E"}'))
        assert_response_sent(rie, rid, b"late")
        assert_unhandled(inv.result(), b'{"errorMessage":"e","errorType":"E"}')


def test_init_error_while_running_is_403(tmp_path):
    """A.5: POST /init/error after /next."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        init_error = rie.runtime("POST", f"{RUNTIME}/init/error", b'{"errorMessage":"x","errorType":"y"}')
        assert_refused(init_error, "Running", "InitError")
        # nothing changed: the invoke completes normally
        assert_accepted(rie.runtime("POST", response_path(rid), b"fine"))
        resp = inv.result()
        assert (resp.body, resp.header("x-amz-function-error")) == (b"fine", None)


def test_init_error_while_ready_is_403(tmp_path):
    """§3 Ready row: the runtime is parked in /next with no invoke yet."""
    with manual_rie(tmp_path) as rie:
        parked = Background(rie.runtime, "GET", NEXT, timeout=30)
        time.sleep(0.5)  # let the /next arrive (there is no observable signal of it without an invoke)
        assert not parked.done()
        assert_refused(rie.runtime("POST", f"{RUNTIME}/init/error", b"{}"), "Ready", "InitError")
        inv = start_invoke(rie, b'"after"')
        ev = parked.result()
        assert (ev.status, ev.body) == (200, b'"after"')
        respond(rie, inv, ev.header("lambda-runtime-aws-request-id"), b"ok")


# --- §2.3 /error ---------------------------------------------------------------------------------------------------


def test_error_body_is_forwarded_verbatim_whatever_the_error_type(tmp_path):
    """§2.3, A.2, §12.8: the error-type header is only normalised metadata; the caller gets the body as posted,
    with `X-Amz-Function-Error: Unhandled`."""
    cases = [
        (None, b'{"errorMessage":"boom","errorType":"ValueError","stackTrace":["a","b"]}'),
        ("Unhandled", b'{"errorMessage":"boom","errorType":"ValueError"}'),
        ("Runtime.MyError", b'{"errorMessage":"m"}'),
        ("Function.lowercase", b'{"x":1}'),
        ("MyError", b"not json at all \xff"),
        ("Runtime.Whatever", b""),
    ]
    with manual_rie(tmp_path) as rie:
        for error_type, body in cases:
            inv, ev, rid = take_invoke(rie)
            headers = {"Content-Type": "application/json"}
            if error_type is not None:
                headers["Lambda-Runtime-Function-Error-Type"] = error_type
            assert_accepted(rie.runtime("POST", error_path(rid), body, headers))
            resp = inv.result()
            assert_unhandled(resp, body)
            assert resp.header("x-amzn-requestid") == rid


def test_error_cause_content_type_is_reserialised(tmp_path):
    """§2.3: `application/vnd.aws.lambda.error.cause+json` bodies are re-serialised without `errorCause`
    (empty stackTrace omitted); an unparsable one becomes the JSON string "Invalid error body"."""
    ctype = {"Content-Type": "application/vnd.aws.lambda.error.cause+json"}
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        body = b'{"errorMessage":"m","errorType":"T","stackTrace":["s1","s2"],"errorCause":{"paths":[]}}'
        assert_accepted(rie.runtime("POST", error_path(rid), body, ctype))
        resp = inv.result()
        assert_unhandled(resp)
        got = json.loads(resp.body)
        assert got == {"errorMessage": "m", "errorType": "T", "stackTrace": ["s1", "s2"]}
        assert list(got) == ["errorMessage", "errorType", "stackTrace"]

        inv, ev, rid = take_invoke(rie)
        assert_accepted(rie.runtime("POST", error_path(rid), b'{"errorMessage":"m2","errorType":"T2","stackTrace":[]}', ctype))
        resp = inv.result()
        assert_unhandled(resp)
        assert json.loads(resp.body) == {"errorMessage": "m2", "errorType": "T2"}

        inv, ev, rid = take_invoke(rie)
        assert_accepted(rie.runtime("POST", error_path(rid), b"{not json", ctype))
        resp = inv.result()
        assert_unhandled(resp)
        assert json.loads(resp.body) == "Invalid error body"


# --- §2.2 /response outcomes (§2.6 catalogue) -------------------------------------------------------------------


def test_response_over_the_limit_is_413_and_the_caller_gets_response_size_too_large(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        r = rie.runtime("POST", response_path(rid), b"x" * (LIMIT + 1))
        assert_api_error(r, 413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).")
        assert_platform_error(
            inv.result(),
            "Function.ResponseSizeTooLarge",
            "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).",
        )
        # the state moved to ResponseSent
        assert_refused(
            rie.runtime("POST", response_path(rid), b"small"), "RuntimeResponseSentState", "InvocationResponse"
        )
        # exactly the limit is accepted and delivered intact
        inv, ev, rid = take_invoke(rie)
        big = bytes(range(256)) * (LIMIT // 256) + b"z" * (LIMIT % 256)
        assert len(big) == LIMIT
        assert_accepted(rie.runtime("POST", response_path(rid), big))
        resp = inv.result()
        assert resp.status == 200 and resp.header("x-amz-function-error") is None
        assert resp.body == big


@pytest.mark.parametrize("mode", ["Streaming", "buffered"])
def test_invalid_response_mode_header(tmp_path, mode):
    """§2.2 step 3: anything but exactly `streaming` → 400 InvalidFunctionResponseMode; the runtime stays in
    InvocationResponse (its next /next is refused) and the caller gets an Unhandled error (at the latest when
    the 2 s function timeout fires)."""
    with manual_rie(tmp_path, {"AWS_LAMBDA_FUNCTION_TIMEOUT": "2"}) as rie:
        inv, ev, rid = take_invoke(rie)
        r = rie.runtime("POST", response_path(rid), b"x", {"Lambda-Runtime-Function-Response-Mode": mode})
        assert_api_error(r, 400, "InvalidFunctionResponseMode", "Invalid function response mode")
        assert_refused(rie.runtime("GET", NEXT, timeout=10), "InvocationResponse", "Ready")
        resp = inv.result(timeout=15)
        assert_unhandled(resp)


def test_streaming_response_mode_is_accepted_on_the_buffered_endpoint(tmp_path):
    """§2.2: `Lambda-Runtime-Function-Response-Mode: streaming` with a chunked body → 202; the buffered invoke
    endpoint's caller gets the whole body."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        with socket.create_connection(("127.0.0.1", rie.api_port), timeout=10) as s:
            s.sendall(
                (
                    f"POST {response_path(rid)} HTTP/1.1\r\nHost: {rie.runtime_api}\r\n"
                    "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                ).encode()
            )
            raw = b""
            while chunk := s.recv(65536):
                raw += chunk
        assert raw.startswith(b"HTTP/1.1 202"), raw
        assert raw.endswith(b'{"status":"OK"}\n'), raw
        resp = inv.result()
        assert (resp.status, resp.body, resp.header("x-amz-function-error")) == (200, b"hello world", None)


def test_empty_response_mode_header_means_buffered(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        r = rie.runtime("POST", response_path(rid), b"buffered", {"Lambda-Runtime-Function-Response-Mode": ""})
        assert_accepted(r)
        assert inv.result().body == b"buffered"


def test_truncated_response_body_is_400(tmp_path):
    """§2.2: a body cut short (the runtime half-closes after 5 of the 100 announced bytes) → 400
    TruncatedHTTPRequest; the invoke fails and the runtime is in ResponseSent (its /next works)."""
    with manual_rie(tmp_path) as rie:
        inv, ev, rid = take_invoke(rie)
        with socket.create_connection(("127.0.0.1", rie.api_port), timeout=10) as s:
            s.sendall(
                (
                    f"POST {response_path(rid)} HTTP/1.1\r\nHost: {rie.runtime_api}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 100\r\n\r\nhello"
                ).encode()
            )
            s.shutdown(socket.SHUT_WR)
            raw = b""
            while chunk := s.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), raw
        assert body.endswith(b'{"errorMessage":"HTTP request detected as truncated","errorType":"TruncatedHTTPRequest"}\n'), raw
        assert_unhandled(inv.result())
        inv2, ev2, rid2 = take_invoke(rie, b'"next"')
        assert ev2.body == b'"next"'
        respond(rie, inv2, rid2, b"ok")


# --- §7.3 failures during the invoke ------------------------------------------------------------------------------


def test_timeout_answers_sandbox_timedout_and_the_next_invoke_reinitialises(tmp_path):
    with manual_rie(tmp_path, {"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"}) as rie:
        wait_for(lambda: runtime_starts(tmp_path), what="the eager init to start the bootstrap")
        sent = time.time()
        inv, ev, rid = take_invoke(rie)
        assert abs(int(ev.header("lambda-runtime-deadline-ms")) - (sent * 1000 + 1000)) < 500
        resp = inv.result(timeout=15)
        elapsed = time.time() - sent
        assert 0.9 <= elapsed < 5, elapsed
        assert_platform_error(resp, "Sandbox.Timedout", f"RequestId: {rid} Error: Task timed out after 1.00 seconds")
        assert resp.header("x-amzn-requestid") == rid
        # the timed-out invoke is gone: its id is no longer valid
        assert_api_error(rie.runtime("POST", response_path(rid), b"late"), 400, "InvalidRequestID", "Invalid request ID")
        # the environment is initialised again (a second start of the bootstrap) and serves the next invoke
        inv2, ev2, rid2 = take_invoke(rie, b'"second"', starts=(tmp_path, 2))
        assert ev2.body == b'"second"' and rid2 != rid
        respond(rie, inv2, rid2, b"ok")
        assert len(runtime_starts(tmp_path)) == 2


@pytest.mark.parametrize(
    "crash, cause",
    [
        ("3", "Runtime exited with error: exit status 3"),
        ("kill", "Runtime exited with error: signal: killed"),
        ("0", "Runtime exited without providing a reason"),
    ],
)
def test_runtime_exit_during_invoke_is_runtime_exit_error(tmp_path, crash, cause):
    """§7.1/§7.3: the caller gets 200 + Unhandled + Runtime.ExitError; the next invoke re-initialises."""
    with manual_rie(tmp_path, {"CRASH_STATUS": crash}) as rie:
        wait_for(lambda: runtime_starts(tmp_path), what="the bootstrap to start")
        inv, ev, rid = take_invoke(rie)
        (tmp_path / "out" / "crash").touch()
        resp = inv.result(timeout=15)
        assert_platform_error(resp, "Runtime.ExitError", f"RequestId: {rid} Error: {cause}")
        assert resp.header("x-amzn-requestid") == rid
        inv2, ev2, rid2 = take_invoke(rie, b'"after crash"', starts=(tmp_path, 2))
        assert ev2.body == b'"after crash"'
        respond(rie, inv2, rid2, b"ok")
        assert len(runtime_starts(tmp_path)) == 2


def test_runtime_exit_during_init_fails_the_first_invoke(tmp_path):
    """§7.1: a bootstrap that exits before /next: init fails, the suppressed re-init in the first invoke fails
    again, the caller gets Runtime.ExitError."""
    script = executable(tmp_path / "bootstrap", '#!/bin/sh\necho "$$" >> "$OUT_DIR/starts"\nexit 2\n')
    with manual_rie(tmp_path, command=[str(script)]) as rie:
        resp = rie.invoke(b"{}", timeout=30)
        assert_unhandled(resp)
        body = json.loads(resp.body)
        assert body["errorType"] == "Runtime.ExitError", body
        assert "Runtime exited with error: exit status 2" in body["errorMessage"], body
        assert len((tmp_path / "out" / "starts").read_text().split()) >= 2


# --- §2.4 /init/error --------------------------------------------------------------------------------------------

INIT_ERROR_RUNTIME = r"""#!/usr/bin/env python3
# Reports an init error (body from $INIT_ERROR_BODY), then tries /init/error again and /next; records the three
# answers in $OUT_DIR/init-error.<pid>.json and exits 1.
import http.client, json, os, sys
with open(os.path.join(os.environ["OUT_DIR"], "starts"), "a") as f:
    f.write("%d\n" % os.getpid())
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    out = {"status": r.status, "body": r.read().decode(), "content_type": r.getheader("Content-Type")}
    c.close()
    return out
body = os.environ["INIT_ERROR_BODY"].encode()
first = call("POST", "/2018-06-01/runtime/init/error", body, {"Lambda-Runtime-Function-Error-Type": "Runtime.InitBoom"})
second = call("POST", "/2018-06-01/runtime/init/error", body, {"Lambda-Runtime-Function-Error-Type": "Runtime.InitBoom"})
nxt = call("GET", "/2018-06-01/runtime/invocation/next")
path = os.path.join(os.environ["OUT_DIR"], "init-error.%d.json" % os.getpid())
with open(path + ".tmp", "w") as f:
    json.dump({"first": first, "second": second, "next": nxt}, f)
os.rename(path + ".tmp", path)
sys.exit(1)
"""


@pytest.mark.parametrize("body", ['{"errorMessage":"bad init","errorType":"InitBoom"}', "plain text init failure"])
def test_init_error_becomes_the_first_invokes_response(tmp_path, body):
    """§2.4, §7.1, §12.9: 202 for /init/error before /next; then InitError refuses /init/error and /next (403);
    the first invoke (after a suppressed re-init that fails the same way) gets 200 + Unhandled + the body."""
    script = executable(tmp_path / "bootstrap", INIT_ERROR_RUNTIME)
    with manual_rie(tmp_path, {"INIT_ERROR_BODY": body}, command=[str(script)]) as rie:
        out = tmp_path / "out"
        # the eager init: the runtime reports, is refused twice, exits
        records = wait_for(lambda: list(out.glob("init-error.*.json")), timeout=20, what="the eager init's init/error")
        rec = json.loads(records[0].read_text())
        assert (rec["first"]["status"], rec["first"]["body"]) == (202, '{"status":"OK"}\n')
        assert rec["first"]["content_type"] == "application/json"
        assert rec["second"]["status"] == 403
        assert rec["second"]["body"] == compact(
            {"errorMessage": transition_error("InitError", "InitError"), "errorType": "InvalidStateTransition"}
        ).decode() + "\n"
        assert rec["next"]["status"] == 403
        assert rec["next"]["body"] == compact(
            {"errorMessage": transition_error("InitError", "Ready"), "errorType": "InvalidStateTransition"}
        ).decode() + "\n"
        resp = rie.invoke(b"{}", timeout=30)
        assert_unhandled(resp, body.encode())
        starts = out / "starts"
        wait_for(lambda: len(starts.read_text().split()) >= 2, what="the suppressed re-init in the first invoke")
        # and the same again on the next invoke
        assert_unhandled(rie.invoke(b"{}", timeout=30), body.encode())
