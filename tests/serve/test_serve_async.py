"""`lambkin serve`: durable asynchronous invocation — committed before `202`, delivered at least once (also
across `kill -9`), retried as configured, destinations and dead letters — with unchanged boto3."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from functools import partial
from pathlib import Path

import botocore.exceptions
import pytest

from harness import wait_for

from .conftest import ACCOUNT, ROOT_ONLY, Serve, create, queue_while_throttled

pytestmark = ROOT_ONLY

# Lambda's retry delays (1 and 2 minutes) scaled down to 0.6 s and 1.2 s.
SCALE = "0.01"
SERVE_ARGS = ("--async-delay-scale", SCALE)

# Every poll asks the server (its logs, its dead letters): every 0.2 s, for up to 30 s.
wait_for = partial(wait_for, timeout=30, interval=0.2)


def messages(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/logs") as r:
        return [e["message"] for e in json.loads(r.read())["events"]]


def dead_letters(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/dead-letters") as r:
        return json.loads(r.read())["deadLetters"]


def test_event_is_delivered(server, lam):
    create(lam, "async-ok")
    r = lam.invoke(FunctionName="async-ok", InvocationType="Event", Payload=b'{"print": "delivered-1"}')
    assert r["StatusCode"] == 202
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    wait_for(lambda: "delivered-1" in messages(server, "async-ok"), what="the event's log line")
    legacy = lam.invoke_async(FunctionName="async-ok", InvokeArgs=b'{"print": "legacy-2"}')
    assert legacy["Status"] == 202
    wait_for(lambda: "legacy-2" in messages(server, "async-ok"), what="InvokeAsync's log line")


def test_event_invoke_config_crud(lam):
    create(lam, "cfg-target")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName="cfg-target")
    out = lam.put_function_event_invoke_config(FunctionName="cfg-target", MaximumRetryAttempts=1,
                                               MaximumEventAgeInSeconds=120)
    assert out["MaximumRetryAttempts"] == 1 and out["MaximumEventAgeInSeconds"] == 120
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:cfg-target:$LATEST"
    upd = lam.update_function_event_invoke_config(FunctionName="cfg-target", MaximumRetryAttempts=0)
    assert upd["MaximumRetryAttempts"] == 0 and upd["MaximumEventAgeInSeconds"] == 120
    listed = lam.list_function_event_invoke_configs(FunctionName="cfg-target")["FunctionEventInvokeConfigs"]
    assert len(listed) == 1
    # Queues, topics, buses and buckets are destinations (tests/esm delivers to them); other services are not,
    # and a bucket takes failure records only.
    out = lam.put_function_event_invoke_config(
        FunctionName="cfg-target",
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:q"}})
    assert out["DestinationConfig"]["OnFailure"]["Destination"] == "arn:aws:sqs:us-east-1:123456789012:q"
    for bad in ({"OnFailure": {"Destination": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}},
                {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.put_function_event_invoke_config(FunctionName="cfg-target", DestinationConfig=bad)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert "is invalid" in e.value.response["Error"]["Message"]
    lam.delete_function_event_invoke_config(FunctionName="cfg-target")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName="cfg-target")


def test_retries_dead_letter_and_destinations(server, lam):
    create(lam, "recorder")
    create(lam, "poison")
    rec_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:recorder"
    lam.put_function_event_invoke_config(
        FunctionName="poison", MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": rec_arn}, "OnSuccess": {"Destination": rec_arn}})
    r = lam.invoke(FunctionName="poison", InvocationType="Event", Payload=b'{"fail": "poisoned"}')
    assert r["StatusCode"] == 202
    letters = wait_for(lambda: dead_letters(server, "poison"), what="the dead letter")
    assert len(letters) == 1
    dl = letters[0]
    assert dl["requestContext"]["condition"] == "RetriesExhausted"
    # Exactly the first attempt plus the one configured retry.
    assert dl["requestContext"]["approximateInvokeCount"] == 2
    assert dl["requestPayload"] == {"fail": "poisoned"}
    assert dl["responseContext"]["functionError"] == "Unhandled"
    assert dl["responsePayload"]["errorMessage"] == "poisoned"
    starts = [m for m in messages(server, "poison") if m.startswith("START")]
    assert len(starts) == 2
    # The failure record reached the OnFailure function as its event.
    events = wait_for(lambda: [m for m in messages(server, "recorder") if m.startswith("START")],
                      what="the destination invoke")
    assert events
    # A success goes to OnSuccess with the function's response.
    lam.invoke(FunctionName="poison", InvocationType="Event", Payload=b'{"hello": "fine"}')
    wait_for(lambda: len([m for m in messages(server, "recorder") if m.startswith("START")]) >= 2,
             what="the success record")
    assert len(dead_letters(server, "poison")) == 1
    import subprocess
    from harness import LAMBKIN
    out = subprocess.run([str(LAMBKIN), "--endpoint", server.endpoint, "dead-letters", "poison"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "RetriesExhausted" in out.stdout, out.stderr


def test_events_survive_kill9_and_are_delivered_after_restart():
    data = Path(tempfile.mkdtemp(prefix="lambkin-async-"))
    s = Serve("--async-delay-scale", SCALE, data_dir=data)
    try:
        lam = s.client()
        create(lam, "held")
        queue_while_throttled(lam, "held", "held", 5)
        s.kill9()
        s.restart()
        lam = s.client()
        lam.delete_function_concurrency(FunctionName="held")
        got = wait_for(lambda: all(f"held-{i}" in messages(s, "held") for i in range(5)) or None,
                       timeout=60, what="the five events after the restart")
        assert got
    finally:
        s.close()
        shutil.rmtree(data, ignore_errors=True)


def test_async_payload_limit(lam):
    create(lam, "async-big")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="async-big", InvocationType="Event",
                   Payload=json.dumps({"x": "y" * (1024 * 1024)}).encode())
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_provisioned_concurrency(server, lam):
    create(lam, "warm")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.publish_version(FunctionName="warm")
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion="1")
    out = lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live",
                                                 ProvisionedConcurrentExecutions=2)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert out["RequestedProvisionedConcurrentExecutions"] == 2 and out["Status"] == "IN_PROGRESS"
    ready = wait_for(lambda: lam.get_provisioned_concurrency_config(
        FunctionName="warm", Qualifier="live")["Status"] == "READY", what="READY")
    assert ready
    got = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    assert got["AvailableProvisionedConcurrentExecutions"] == 2
    # The invoke runs on an environment initialised ahead, as provisioned concurrency.
    r = lam.invoke(FunctionName="warm", Qualifier="live", Payload=b'{"env": "AWS_LAMBDA_INITIALIZATION_TYPE"}',
                   LogType="Tail")
    assert json.loads(r["Payload"].read()) == {"env": "provisioned-concurrency"}
    assert r["ExecutedVersion"] == "1"
    configs = lam.list_provisioned_concurrency_configs(FunctionName="warm")["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in configs] == [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:warm:live"]
    # $LATEST stays on demand.
    r = lam.invoke(FunctionName="warm", Payload=b'{"env": "AWS_LAMBDA_INITIALIZATION_TYPE"}')
    assert json.loads(r["Payload"].read()) == {"env": "on-demand"}
    lam.delete_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    assert e.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"
