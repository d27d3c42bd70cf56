"""`lambkin serve`: invocation through unchanged boto3 — warm reuse, errors answered as Lambda does, a pool
that stays healthy, throttling, Tail, ClientContext, DryRun, Event, streaming, logs."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import urllib.request

import pytest

from .conftest import ROOT_ONLY, create, read_stream, rust_function_zip, zip_bootstrap

pytestmark = ROOT_ONLY


def call(lam, name, payload, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload), **kw)
    return r, json.loads(r["Payload"].read() or b"null")


def test_rust_runtime_client_tail_and_client_context(lam):
    create(lam, "rust", rust_function_zip(), MemorySize=256)
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    r, body = call(lam, "rust", {"action": "echo"}, LogType="Tail", ClientContext=ctx)
    assert r["StatusCode"] == 200 and r["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in r
    assert body["event"] == {"action": "echo"}
    assert body["client_context"]["custom"] == {"k": "v"}
    assert body["invoked_function_arn"].endswith(":function:rust")
    assert body["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert body["env"]["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/rust"
    stream = body["env"]["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert "/[$LATEST]" in stream
    tail = base64.b64decode(r["LogResult"]).decode()
    assert f"START RequestId: {body['request_id']} Version: $LATEST" in tail
    assert f"REPORT RequestId: {body['request_id']}" in tail and "Init Duration" in tail
    # Warm: the same environment (same log stream), no Init Duration.
    r, body2 = call(lam, "rust", {"action": "echo"}, LogType="Tail")
    assert body2["env"]["AWS_LAMBDA_LOG_STREAM_NAME"] == stream
    assert "Init Duration" not in base64.b64decode(r["LogResult"]).decode()


def test_dry_run_and_event(lam):
    create(lam, "ev")
    r = lam.invoke(FunctionName="ev", InvocationType="DryRun")
    assert r["StatusCode"] == 204
    r = lam.invoke(FunctionName="ev", InvocationType="Event", Payload=b'{"print": "async-marker-42"}')
    assert r["StatusCode"] == 202
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="nothing-here", InvocationType="DryRun")


def test_function_error_crash_timeout_and_a_healthy_pool(lam):
    create(lam, "faulty", Timeout=2)
    r, body = call(lam, "faulty", {"fail": "nope"})
    assert r["FunctionError"] == "Unhandled"
    assert body == {"errorType": "Function.Failed", "errorMessage": "nope"}
    r, body = call(lam, "faulty", {"exit": 3})
    assert r["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"
    r, _ = call(lam, "faulty", {"hello": 1})
    assert "FunctionError" not in r
    t = time.time()
    r, body = call(lam, "faulty", {"sleep": 10})
    assert time.time() - t < 8
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in body["errorMessage"]
    r, body = call(lam, "faulty", {"hello": 2})
    assert "FunctionError" not in r and body["event"] == {"hello": 2}


def test_out_of_memory_is_reported(lam):
    code = zip_bootstrap(extra={})
    create(lam, "hungry", code, MemorySize=128)
    r = lam.invoke(FunctionName="hungry", Payload=json.dumps({"read": "/dev/zero"}))
    # Reading /dev/zero into memory grows until the cgroup's limit kills the runtime.
    body = json.loads(r["Payload"].read())
    assert r.get("FunctionError") == "Unhandled", body
    assert body["errorType"] == "Runtime.OutOfMemory", body
    r, body = call(lam, "hungry", {"ok": 1})
    assert "FunctionError" not in r, body


def test_reserved_concurrency_throttles(lam):
    create(lam, "one")
    lam.put_function_concurrency(FunctionName="one", ReservedConcurrentExecutions=1)
    results = []

    def go():
        try:
            r, _ = call(lam, "one", {"sleep": 2})
            results.append(r["StatusCode"])
        except lam.exceptions.TooManyRequestsException as e:
            assert e.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
            results.append(429)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join()
    assert sorted(results) == [200, 429]
    # Back to back, sequential invokes never throttle.
    for i in range(5):
        assert call(lam, "one", {"n": i})[0]["StatusCode"] == 200
    lam.put_function_concurrency(FunctionName="one", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        call(lam, "one", {})


def test_updates_reach_the_next_invoke(lam):
    create(lam, "changing", Environment={"Variables": {"GREETING": "one"}})
    assert call(lam, "changing", {"env": "GREETING"})[1] == {"env": "one"}
    lam.update_function_configuration(FunctionName="changing", Environment={"Variables": {"GREETING": "two"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName="changing", WaiterConfig={"Delay": 1})
    assert call(lam, "changing", {"env": "GREETING"})[1] == {"env": "two"}
    lam.update_function_code(FunctionName="changing", ZipFile=zip_bootstrap(extra={"v.txt": "new code"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="changing", WaiterConfig={"Delay": 1})
    assert call(lam, "changing", {"read": "/var/task/v.txt"})[1]["read"] == "new code"


def test_sandbox_contract(lam):
    create(lam, "contained", EphemeralStorage={"Size": 600})
    assert call(lam, "contained", {"read": "/etc/shadow"})[1]["read"] is None
    assert call(lam, "contained", {"env": "AWS_LAMBDA_RUNTIME_API"})[1]["env"] == "127.0.0.1:9001"
    assert call(lam, "contained", {"env": "LAMBDA_TASK_ROOT"})[1]["env"] == "/var/task"
    assert call(lam, "contained", {"env": "AWS_LAMBDA_FUNCTION_NAME"})[1]["env"] == "contained"


def test_payload_limits(server, lam):
    create(lam, "limits")
    c = http.client.HTTPConnection("127.0.0.1", server.port)
    c.request("POST", "/2015-03-31/functions/limits/invocations", body=b"x" * (6 * 1024 * 1024 + 1))
    r = c.getresponse()
    r.read()
    assert r.status == 413 and r.getheader("x-amzn-ErrorType") == "RequestTooLargeException"
    c.request("POST", "/2015-03-31/functions/limits/invocations", body=b"not json")
    r = c.getresponse()
    assert r.status == 400 and r.getheader("x-amzn-ErrorType") == "InvalidRequestContentException"
    assert "Could not parse request body into json" in json.loads(r.read())["message"]
    c.request("POST", "/2015-03-31/functions/limits/invocations", body=b"x" * (1024 * 1024 + 1),
              headers={"X-Amz-Invocation-Type": "Event"})
    r = c.getresponse()
    r.read()
    assert r.status == 413


def test_response_streaming(lam):
    create(lam, "streamed")
    r = lam.invoke_with_response_stream(FunctionName="streamed", Payload=b'{"s": 1}', LogType="Tail")
    assert r["ExecutedVersion"] == "$LATEST"
    payload, complete = read_stream(r)
    assert json.loads(payload)["event"] == {"s": 1}
    assert complete is not None and "ErrorCode" not in complete
    assert "REPORT RequestId" in base64.b64decode(complete["LogResult"]).decode()


def test_logs_are_kept_per_function(server, lam):
    create(lam, "chatty")
    call(lam, "chatty", {"print": "hello-from-chatty-7"})
    deadline = time.time() + 10
    while time.time() < deadline:
        with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/chatty/logs") as r:
            events = json.loads(r.read())["events"]
        messages = [e["message"] for e in events]
        if "hello-from-chatty-7" in messages and any(m.startswith("REPORT") for m in messages):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"log lines missing: {messages}")
    stream = next(e["logStreamName"] for e in events if e["message"] == "hello-from-chatty-7")
    assert "/[$LATEST]" in stream
    assert any(m.startswith("START RequestId:") for m in messages)
