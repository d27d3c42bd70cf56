"""The durable execution API's rules and shapes with boto3: `DurableConfig` on functions and versions, the
qualified-ARN rule, `Event` invokes, `ExecutionTimeout`, pause and resume, delete, listing with filters and
pages, and Lambda's errors for what does not exist or is not allowed.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from durable.conftest import (
    ACCOUNT, REGION, ROOT_ONLY, deploy, events, last_outcome, start, types, unique, wait_status,
)
from durable.handlers import PLAIN, QUEUE, SUITE
from harness import wait_for

pytestmark = ROOT_ONLY


def code(err: pytest.ExceptionInfo) -> tuple[str, int]:
    r = err.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def fn(lam, py_runtime) -> str:
    name = unique("api")
    deploy(lam, name, SUITE, py_runtime, execution_timeout=900, retention=3)
    return name


def missing_arn(fn: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}:$LATEST/durable-execution/nope/0000"


def test_durable_config_is_part_of_the_function(lam, fn, py_runtime):
    c = lam.get_function_configuration(FunctionName=fn)
    assert c["DurableConfig"] == {"ExecutionTimeout": 900, "RetentionPeriodInDays": 3}
    lam.update_function_configuration(FunctionName=fn, DurableConfig={"RetentionPeriodInDays": 5})
    wait_for(lambda: lam.get_function_configuration(FunctionName=fn)["LastUpdateStatus"] == "Successful")
    c = lam.get_function_configuration(FunctionName=fn)
    assert c["DurableConfig"] == {"ExecutionTimeout": 900, "RetentionPeriodInDays": 5}
    v = lam.publish_version(FunctionName=fn)
    assert v["DurableConfig"] == c["DurableConfig"]
    # Durability is chosen at creation.
    plain = unique("plain")
    deploy(lam, plain, PLAIN, py_runtime, durable=False)
    assert "DurableConfig" not in lam.get_function_configuration(FunctionName=plain)
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName=plain, DurableConfig={"ExecutionTimeout": 60})
    assert code(err) == ("InvalidParameterValueException", 400)
    # The model's ranges.
    with pytest.raises(ClientError) as err:
        deploy(lam, unique("bad"), SUITE, py_runtime, execution_timeout=31622401)
    assert code(err)[1] == 400


def test_unqualified_invokes_are_refused(lam, fn):
    for kw in ({}, {"InvocationType": "Event"}):
        with pytest.raises(ClientError) as err:
            lam.invoke(FunctionName=fn, Payload=b"{}", **kw)
        assert code(err) == ("InvalidParameterValueException", 400)
        assert "unqualified ARN" in err.value.response["Error"]["Message"]


def test_versions_and_aliases_run_their_version(lam, fn):
    v = lam.publish_version(FunctionName=fn)["Version"]
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=v)
    for q in (v, "live"):
        r = lam.invoke(FunctionName=f"{fn}:{q}", InvocationType="Event",
                       Payload=json.dumps({"case": "wait", "seconds": 1}))
        arn = r["DurableExecutionArn"]
        assert f"function:{fn}:{v}/durable-execution/" in arn
        e = wait_status(lam, arn)
        assert e["Status"] == "SUCCEEDED" and e["Version"] == v
        assert e["FunctionArn"].endswith(f":{q}")


def test_event_invokes_answer_202_with_the_arn(lam, fn):
    r = lam.invoke(FunctionName=f"{fn}:$LATEST", InvocationType="Event",
                   Payload=json.dumps({"case": "wait", "seconds": 1}))
    assert r["StatusCode"] == 202 and r["Payload"].read() == b""
    arn = r["DurableExecutionArn"]
    running = lam.get_durable_execution(DurableExecutionArn=arn)
    assert running["Status"] in ("RUNNING", "SUCCEEDED")
    assert wait_status(lam, arn)["Status"] == "SUCCEEDED"


def test_the_execution_timeout(lam, py_runtime):
    name = unique("short")
    deploy(lam, name, SUITE, py_runtime, execution_timeout=2)
    arn = start(lam, name, {"case": "sleep", "seconds": 60})
    e = wait_status(lam, arn, timeout=60)
    assert e["Status"] == "TIMED_OUT"
    assert "timed out" in e["Error"]["ErrorMessage"]
    evs = events(lam, arn)
    assert evs[0]["ExecutionStartedDetails"]["ExecutionTimeout"] == 2
    assert last_outcome(evs) == "ExecutionTimedOut"
    # A synchronous invoke answers the end as a function error.
    r = lam.invoke(FunctionName=f"{name}:$LATEST", Payload=json.dumps({"case": "sleep", "seconds": 60}))
    assert r["FunctionError"] == "Unhandled"
    assert r["DurableExecutionArn"]


def test_pause_and_resume(lam, fn):
    arn = start(lam, fn, {"case": "wait", "seconds": 1})
    wait_for(lambda: "WaitStarted" in types(events(lam, arn)), timeout=60, what="the wait")
    lam.pause_durable_execution(DurableExecutionArn=arn, Reason="hold on")
    e = lam.get_durable_execution(DurableExecutionArn=arn)
    assert e["Status"] == "PAUSED" and e["PauseDetails"]["ExecutionTimeoutPaused"] is False
    with pytest.raises(ClientError) as err:
        lam.pause_durable_execution(DurableExecutionArn=arn)
    assert code(err) == ("ResourceConflictException", 409)
    lam.resume_durable_execution(DurableExecutionArn=arn, Reason="go")
    assert wait_status(lam, arn)["Status"] == "SUCCEEDED"
    assert {"ExecutionPaused", "ExecutionResumed"} <= set(types(events(lam, arn)))


def test_listing_filters_and_pages(lam, py_runtime):
    name = unique("list")
    deploy(lam, name, SUITE, py_runtime)
    done = [start(lam, name, {"case": "wait", "seconds": 1}) for _ in range(3)]
    sleeping = start(lam, name, {"case": "sleep", "seconds": 600})
    for a in done:
        wait_status(lam, a)
    everything = lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    assert {x["DurableExecutionArn"] for x in everything} == {*done, sleeping}
    running = lam.list_durable_executions_by_function(FunctionName=name, Statuses=["RUNNING"])
    assert [x["DurableExecutionArn"] for x in running["DurableExecutions"]] == [sleeping]
    first = lam.list_durable_executions_by_function(FunctionName=name, MaxItems=2)
    assert len(first["DurableExecutions"]) == 2 and first["NextMarker"]
    rest = lam.list_durable_executions_by_function(FunctionName=name, MaxItems=2, Marker=first["NextMarker"])
    assert len(rest["DurableExecutions"]) == 2 and "NextMarker" not in rest
    pages = lam.get_paginator("list_durable_executions_by_function").paginate(FunctionName=name, MaxItems=1)
    assert sum(len(p["DurableExecutions"]) for p in pages) == 4
    # Newest first; ReverseOrder gives the chronological order.
    starts = [x["StartTimestamp"] for x in everything]
    assert starts == sorted(starts, reverse=True)
    oldest_first = lam.list_durable_executions_by_function(FunctionName=name, ReverseOrder=True)
    assert [x["DurableExecutionArn"] for x in oldest_first["DurableExecutions"]] == \
        [x["DurableExecutionArn"] for x in reversed(everything)]
    lam.stop_durable_execution(DurableExecutionArn=sleeping)
    with pytest.raises(ClientError) as err:
        lam.list_durable_executions_by_function(FunctionName=unique("nobody"))
    assert code(err) == ("ResourceNotFoundException", 404)


def test_delete(lam, fn):
    arn = start(lam, fn, {"case": "sleep", "seconds": 600})
    with pytest.raises(ClientError) as err:
        lam.delete_durable_execution(DurableExecutionArn=arn)
    assert code(err) == ("ResourceConflictException", 409)
    lam.stop_durable_execution(DurableExecutionArn=arn)
    out = lam.delete_durable_execution(DurableExecutionArn=arn)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202 and out["DeletionRequestTimestamp"]
    with pytest.raises(ClientError) as err:
        lam.get_durable_execution(DurableExecutionArn=arn)
    assert code(err) == ("ResourceNotFoundException", 404)


def test_errors_for_what_does_not_exist(lam, fn):
    arn = missing_arn(fn)
    for call in (lambda: lam.get_durable_execution(DurableExecutionArn=arn),
                 lambda: lam.get_durable_execution_history(DurableExecutionArn=arn),
                 lambda: lam.stop_durable_execution(DurableExecutionArn=arn)):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == ("ResourceNotFoundException", 404)
    # The two operations the SDK calls declare no ResourceNotFoundException: Lambda answers
    # InvalidParameterValueException.
    with pytest.raises(ClientError) as err:
        lam.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="AAAA")
    assert code(err) == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as err:
        lam.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken="AAAA", Updates=[])
    assert code(err) == ("InvalidParameterValueException", 400)
    for send in (lambda c: lam.send_durable_execution_callback_success(CallbackId=c, Result=b"x"),
                 lambda c: lam.send_durable_execution_callback_failure(CallbackId=c),
                 lambda c: lam.send_durable_execution_callback_heartbeat(CallbackId=c)):
        with pytest.raises(ClientError) as err:
            send("bm90LWEtY2FsbGJhY2s=")
        assert code(err) == ("ResourceNotFoundException", 404)


def test_a_stale_checkpoint_token_is_refused(lam, fn):
    arn = start(lam, fn, {"case": "wait", "seconds": 1})
    assert wait_status(lam, arn)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as err:
        lam.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken="bm90LWEtdG9rZW4=",
                                         Updates=[{"Id": "x", "Type": "STEP", "Action": "START"}])
    assert code(err) == ("InvalidParameterValueException", 400)
    assert "checkpoint token" in err.value.response["Error"]["Message"]


def test_response_streaming_is_not_for_durable_functions(lam, fn):
    with pytest.raises(ClientError) as err:
        lam.invoke_with_response_stream(FunctionName=f"{fn}:$LATEST", Payload=b"{}")
    assert code(err) == ("InvalidParameterValueException", 400)


def test_an_async_destination_that_is_durable_starts_an_execution(lam, py_runtime):
    consumer = unique("consumer")
    deploy(lam, consumer, QUEUE, py_runtime)
    producer = unique("producer")
    deploy(lam, producer, PLAIN, py_runtime, durable=False)
    dest = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{consumer}:$LATEST"
    lam.put_function_event_invoke_config(FunctionName=producer,
                                         DestinationConfig={"OnSuccess": {"Destination": dest}})
    lam.invoke(FunctionName=producer, InvocationType="Event", Payload=json.dumps({"n": 2}))
    runs = wait_for(lambda: lam.list_durable_executions_by_function(
        FunctionName=consumer, Statuses=["SUCCEEDED"])["DurableExecutions"], timeout=60,
        what="the destination's durable execution")
    e = lam.get_durable_execution(DurableExecutionArn=runs[0]["DurableExecutionArn"])
    record = json.loads(e["InputPayload"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 4, "fn": producer}
    assert json.loads(e["Result"]) == {"seen": ["Success"]}


def test_deleting_a_function_fails_the_parent_waiting_on_its_execution(lam, fn, py_runtime):
    child = unique("child")
    deploy(lam, child, SUITE, py_runtime)
    arn = start(lam, fn, {"case": "chained", "target": f"{child}:$LATEST",
                          "payload": {"case": "sleep", "seconds": 600}})

    def child_started():
        started = [e for e in events(lam, arn) if e["EventType"] == "ChainedInvokeStarted"]
        return started and started[0]["ChainedInvokeStartedDetails"].get("DurableExecutionArn")
    child_arn = wait_for(child_started, timeout=60, what="the child execution")
    lam.delete_function(FunctionName=child)
    e = wait_status(lam, arn, timeout=60)
    assert e["Status"] == "FAILED"
    failed = [x for x in events(lam, arn) if x["EventType"] == "ChainedInvokeFailed"][0]
    assert failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        lam.get_durable_execution(DurableExecutionArn=child_arn)
    assert code(err) == ("ResourceNotFoundException", 404)
