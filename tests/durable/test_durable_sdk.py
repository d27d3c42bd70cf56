"""Durable functions written with AWS's Python SDK (`aws-durable-execution-sdk-python`, unchanged) run on
`lambkin serve` and are driven with unchanged boto3: steps and retries, waits, wait-for-condition, callbacks
completed, failed and timed out from outside, chained invokes of plain and durable functions, parallel, map,
child contexts, a log larger than one invoke event, failures, Stop, idempotent starts by name, and the
execution's history in AWS's event shapes. The function calls the Lambda API from inside its environment.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.exceptions import ClientError

from durable.conftest import (
    ROOT_ONLY, callback_id, deploy, events, last_outcome, result, start, types, unique, wait_status,
)
from durable.handlers import OUTSIDE, PLAIN, SUITE
from harness import LAMBKIN, wait_for

pytestmark = ROOT_ONLY


@pytest.fixture(scope="module")
def suite(lam, py_runtime) -> str:
    name = unique("durable")
    deploy(lam, name, SUITE, py_runtime)
    return name


def run(lam, fn: str, payload: dict, **kw) -> tuple[dict, str]:
    """A synchronous invoke: the answer and the execution's ARN."""
    r = lam.invoke(FunctionName=f"{fn}:$LATEST", Payload=json.dumps(payload), **kw)
    assert r["StatusCode"] == 200, r
    body = r["Payload"].read()
    out = json.loads(body) if body else None
    if r.get("FunctionError"):
        out = {"FunctionError": r["FunctionError"], **(out or {})}
    return out, r["DurableExecutionArn"]


def test_steps_and_a_retried_step_run_to_the_result(lam, suite):
    out, arn = run(lam, suite, {"case": "steps", "x": 41})
    assert out == {"a": 42, "attempts": 3}
    assert arn.startswith(f"arn:aws:lambda:us-east-1:123456789012:function:{suite}:$LATEST/durable-execution/")
    e = lam.get_durable_execution(DurableExecutionArn=arn)
    assert e["Status"] == "SUCCEEDED" and result(e) == out
    assert e["FunctionArn"].endswith(f"function:{suite}:$LATEST") and e["Version"] == "$LATEST"
    assert e["EndTimestamp"] >= e["StartTimestamp"]
    evs = events(lam, arn)
    assert [e["EventId"] for e in evs] == list(range(1, len(evs) + 1))
    assert types(evs)[0] == "ExecutionStarted" and types(evs)[-1] == "ExecutionSucceeded"
    flaky = [e for e in evs if e.get("Name") == "flaky"]
    # Two failed attempts retried after a second each, then the third succeeds.
    assert types(flaky) == ["StepStarted", "StepFailed", "StepStarted", "StepFailed", "StepStarted", "StepSucceeded"]
    failed = flaky[1]["StepFailedDetails"]
    assert failed["RetryDetails"] == {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1}
    assert failed["Error"]["Payload"]["ErrorType"] == "RuntimeError"
    assert "attempt 1 fails" in failed["Error"]["Payload"]["ErrorMessage"]
    assert flaky[-1]["StepSucceededDetails"]["Result"] == {"Payload": "3", "Truncated": False}
    # Without IncludeExecutionData, results are truncated and errors still shown.
    bare = events(lam, arn, include=False)
    assert bare[0]["ExecutionStartedDetails"]["Input"] == {"Truncated": True}
    assert "Payload" in [e for e in bare if e["EventType"] == "StepFailed"][0]["StepFailedDetails"]["Error"]
    # One invocation per retry (each waits out its delay), each recorded.
    assert types(evs).count("InvocationCompleted") >= 3


def test_a_wait_suspends_the_execution_and_it_resumes(lam, suite):
    out, arn = run(lam, suite, {"case": "wait", "seconds": 2})
    assert out == {"before": "before", "after": "after"}
    evs = events(lam, arn)
    w = [e for e in evs if e.get("Name") == "pause"]
    assert types(w) == ["WaitStarted", "WaitSucceeded"]
    started = w[0]["WaitStartedDetails"]
    assert started["Duration"] == 2
    assert (started["ScheduledEndTimestamp"] - w[0]["EventTimestamp"]).total_seconds() == pytest.approx(2, abs=0.01)
    assert w[1]["EventTimestamp"] >= started["ScheduledEndTimestamp"]
    # The handler returned PENDING at the wait and was invoked again when it was due.
    assert types(evs).count("InvocationCompleted") == 2


def test_wait_for_condition_polls_until_the_condition_holds(lam, suite):
    out, arn = run(lam, suite, {"case": "condition"})
    assert out == {"final": 3}
    poll = [e for e in events(lam, arn) if e.get("Name") == "poll"]
    assert [e["EventType"] for e in poll].count("StepStarted") == 3
    retries = [e["StepSucceededDetails"] for e in poll if e["EventType"] == "StepSucceeded"]
    assert [r["Result"]["Payload"] for r in retries] == ["1", "2", "3"]
    assert retries[0]["RetryDetails"]["NextAttemptDelaySeconds"] == 1


def test_a_callback_completed_from_outside(lam, suite):
    arn = start(lam, suite, {"case": "callback"})
    cid = callback_id(lam, arn, "approval")
    assert wait_status(lam, arn, ("RUNNING",))["Status"] == "RUNNING"
    lam.send_durable_execution_callback_heartbeat(CallbackId=cid)
    lam.send_durable_execution_callback_success(CallbackId=cid, Result=json.dumps({"by": "ops"}).encode())
    e = wait_status(lam, arn)
    # A callback's result reaches the handler as sent (the SDK's default serdes for callbacks passes it through).
    assert e["Status"] == "SUCCEEDED" and result(e) == {"approved": '{"by": "ops"}'}
    cb = [e for e in events(lam, arn) if e.get("Name") == "approval"]
    assert types(cb) == ["CallbackStarted", "CallbackSucceeded"]
    assert cb[0]["CallbackStartedDetails"]["Timeout"] == 300
    assert cb[1]["CallbackSucceededDetails"]["Result"]["Payload"] == '{"by": "ops"}'
    # Completed: a second answer is refused.
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=cid, Result=b"again")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_a_callback_failed_from_outside_fails_the_execution(lam, suite):
    arn = start(lam, suite, {"case": "callback"})
    cid = callback_id(lam, arn, "approval")
    lam.send_durable_execution_callback_failure(
        CallbackId=cid, Error={"ErrorType": "Rejected", "ErrorMessage": "no budget"})
    e = wait_status(lam, arn)
    assert e["Status"] == "FAILED"
    cb = [e for e in events(lam, arn) if e.get("Name") == "approval"]
    assert types(cb) == ["CallbackStarted", "CallbackFailed"]
    assert cb[1]["CallbackFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Rejected"
    assert "no budget" in json.dumps(e["Error"])


def test_a_callback_times_out_and_heartbeats_then_fail(lam, suite):
    arn = start(lam, suite, {"case": "callback", "timeout": 2})
    cid = callback_id(lam, arn, "approval")
    e = wait_status(lam, arn)
    assert e["Status"] == "FAILED"
    cb = [e for e in events(lam, arn) if e.get("Name") == "approval"]
    assert types(cb) == ["CallbackStarted", "CallbackTimedOut"]
    assert cb[1]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=cid, Result=b"late")
    assert err.value.response["Error"]["Code"] == "CallbackTimeoutException"
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_heartbeat(CallbackId=cid)
    assert err.value.response["Error"]["Code"] == "CallbackTimeoutException"


def test_wait_for_callback(lam, suite):
    arn = start(lam, suite, {"case": "wait_for_callback"})
    cid = callback_id(lam, arn)
    lam.send_durable_execution_callback_success(CallbackId=cid, Result=b"done")
    e = wait_status(lam, arn)
    assert e["Status"] == "SUCCEEDED" and result(e) == {"got": "done"}


def test_chained_invokes_of_a_plain_and_a_durable_function(lam, suite, py_runtime):
    plain = unique("plain")
    deploy(lam, plain, PLAIN, py_runtime, durable=False)
    out, arn = run(lam, suite, {"case": "chained", "target": plain, "n": 21})
    assert out == {"called": {"doubled": 42, "fn": plain}}
    call = [e for e in events(lam, arn) if e.get("Name") == "call"]
    assert types(call) == ["ChainedInvokeStarted", "ChainedInvokeSucceeded"]
    assert call[0]["ChainedInvokeStartedDetails"]["FunctionName"] == plain
    # The plain function failing fails the operation, and the execution with it.
    out, arn = run(lam, suite, {"case": "chained", "target": plain, "n": -1})
    assert out["FunctionError"] == "Unhandled"
    call = [e for e in events(lam, arn) if e.get("Name") == "call"]
    assert types(call) == ["ChainedInvokeStarted", "ChainedInvokeFailed"]
    # A missing target fails at the checkpoint.
    out, arn = run(lam, suite, {"case": "chained", "target": unique("missing"), "n": 1})
    assert out["FunctionError"] == "Unhandled"
    failed = [e for e in events(lam, arn) if e["EventType"] == "ChainedInvokeFailed"][0]
    assert failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"] == "ResourceNotFoundException"


def test_a_durable_function_invoking_a_durable_function(lam, suite):
    # The child (this same function) runs the `wait` case, its own execution with its own invocations.
    out, arn = run(lam, suite, {"case": "chained", "target": f"{suite}:$LATEST",
                                "payload": {"case": "wait", "seconds": 1}})
    assert out == {"called": {"before": "before", "after": "after"}}
    call = [x for x in events(lam, arn) if x.get("Name") == "call"]
    assert types(call) == ["ChainedInvokeStarted", "ChainedInvokeSucceeded"]
    runs = lam.list_durable_executions_by_function(FunctionName=suite, Statuses=["SUCCEEDED"])
    child = [c for c in runs["DurableExecutions"] if c["DurableExecutionArn"] != arn
             and json.loads(lam.get_durable_execution(DurableExecutionArn=c["DurableExecutionArn"])
                            .get("InputPayload") or "{}") == {"case": "wait", "seconds": 1}]
    assert child, runs
    # Unqualified, a durable target is refused at the checkpoint, as Lambda refuses an unqualified invoke.
    out, arn = run(lam, suite, {"case": "chained", "target": suite, "payload": {"case": "wait"}})
    assert out["FunctionError"] == "Unhandled"
    failed = [e for e in events(lam, arn) if e["EventType"] == "ChainedInvokeFailed"][0]
    assert "unqualified" in failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorMessage"]


def test_parallel_map_and_child_contexts(lam, suite):
    out, arn = run(lam, suite, {"case": "parallel"})
    assert out == {"results": ["one", "two", "three"]}
    evs = events(lam, arn)
    fan = [e for e in evs if e.get("Name") == "fan"]
    assert types(fan) == ["ContextStarted", "ContextSucceeded"] and fan[0]["SubType"] == "Parallel"
    branches = [e for e in evs if e.get("ParentId") == fan[0]["Id"] and e["EventType"] == "ContextStarted"]
    assert len(branches) == 3 and {b["SubType"] for b in branches} == {"ParallelBranch"}
    out, arn = run(lam, suite, {"case": "map"})
    assert out == {"results": [2, 4, 6, 8]}
    out, arn = run(lam, suite, {"case": "child"})
    assert out == {"child": 42}
    evs = events(lam, arn)
    child = [e for e in evs if e.get("Name") == "child"][0]
    inner = [e for e in evs if e.get("ParentId") == child["Id"]]
    assert {e.get("Name") for e in inner} >= {"inner-a", "inner-wait", "inner-b"}


def test_a_log_larger_than_one_invoke_event_is_paged(lam, suite):
    # Eight results of 700 kB (the SDK's checkpoint batches hold 750 KiB; a larger operation stalls the SDK
    # itself, in AWS's own local runner too): the next invocation's log (5.6 MB) does not fit one invoke
    # event, and the SDK pages the rest with GetDurableExecutionState.
    out, arn = run(lam, suite, {"case": "large", "steps": 8, "size": 700_000})
    assert out == {"total": 8 * 700_000}
    assert types(events(lam, arn, include=False)).count("InvocationCompleted") == 2


def test_a_failing_handler_fails_the_execution(lam, suite):
    out, arn = run(lam, suite, {"case": "fail", "why": "bad input"})
    assert out["FunctionError"] == "Unhandled"
    assert out["errorType"] == "ValueError" and "bad input" in out["errorMessage"]
    e = lam.get_durable_execution(DurableExecutionArn=arn)
    assert e["Status"] == "FAILED" and e["Error"]["ErrorType"] == "ValueError"
    assert types(events(lam, arn))[-1] == "ExecutionFailed"


def test_a_crash_mid_step_is_retried_and_replayed(lam, suite):
    out, arn = run(lam, suite, {"case": "crash"})
    assert out == {"step": "survived"}
    evs = events(lam, arn)
    inv = [e["InvocationCompletedDetails"] for e in evs if e["EventType"] == "InvocationCompleted"]
    assert len(inv) == 2 and "Error" in inv[0] and "Error" not in inv[1]
    # The step had started when the runtime died; the replay runs it again (at least once per retry) and the
    # one START stands.
    assert types([e for e in evs if e.get("Name") == "crashy"]) == ["StepStarted", "StepSucceeded"]
    assert "Runtime" in inv[0]["Error"]["Payload"]["ErrorType"]


def test_stop(lam, suite):
    arn = start(lam, suite, {"case": "sleep", "seconds": 600})
    wait_for(lambda: "WaitStarted" in types(events(lam, arn)), timeout=60, what="the wait to start")
    stopped = lam.stop_durable_execution(DurableExecutionArn=arn,
                                         Error={"ErrorType": "Operator", "ErrorMessage": "not needed"})
    e = lam.get_durable_execution(DurableExecutionArn=arn)
    assert e["Status"] == "STOPPED" and e["EndTimestamp"] == stopped["StopTimestamp"]
    assert e["Error"]["ErrorType"] == "Operator"
    assert last_outcome(events(lam, arn)) == "ExecutionStopped"
    # Stopping again answers the same time.
    again = lam.stop_durable_execution(DurableExecutionArn=arn)
    assert again["StopTimestamp"] == stopped["StopTimestamp"]


def test_starts_are_idempotent_by_name(lam, suite):
    name = unique("order")
    payload = {"case": "wait", "seconds": 1}
    a = start(lam, suite, payload, execution_name=name)
    b = start(lam, suite, payload, execution_name=name)
    assert a == b and f"/durable-execution/{name}/" in a
    with pytest.raises(ClientError) as err:
        start(lam, suite, {"case": "wait", "seconds": 2}, execution_name=name)
    assert err.value.response["Error"]["Code"] == "DurableExecutionAlreadyStartedException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    # A synchronous invoke with the same name reattaches to it and answers its result.
    out, arn = run(lam, suite, payload, DurableExecutionName=name)
    assert arn == a and out == {"before": "before", "after": "after"}
    listed = lam.list_durable_executions_by_function(FunctionName=suite, DurableExecutionName=name)
    assert [x["DurableExecutionArn"] for x in listed["DurableExecutions"]] == [a]


def test_the_function_calls_the_api_from_inside_scoped_to_what_it_may_do(lam, py_runtime):
    other = unique("other")
    deploy(lam, other, PLAIN, py_runtime, durable=False)
    caller = unique("caller")
    deploy(lam, caller, OUTSIDE, py_runtime, durable=False)
    r = lam.invoke(FunctionName=caller, Payload=json.dumps({"other": other}))
    out = json.loads(r["Payload"].read())
    assert out["get_function"] == "AccessDeniedException"
    assert json.loads(out["invoke"]) == {"doubled": 8, "fn": other}


def test_the_cli_lists_shows_and_completes(lam, suite, server):
    arn = start(lam, suite, {"case": "callback"})
    cid = callback_id(lam, arn, "approval")
    env = {"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"}
    p = subprocess.run([str(LAMBKIN), "callback", "succeed", cid, '"cli"'], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert wait_status(lam, arn)["Status"] == "SUCCEEDED"
    p = subprocess.run([str(LAMBKIN), "executions", suite, "--status", "SUCCEEDED"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and arn in p.stdout, p.stdout + p.stderr
    p = subprocess.run([str(LAMBKIN), "execution", arn], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    for word in ("SUCCEEDED", "CallbackStarted", "CallbackSucceeded", "approval", "ExecutionSucceeded"):
        assert word in p.stdout, p.stdout
