"""Destinations of asynchronous invocations beyond functions: `PutFunctionEventInvokeConfig` with `OnSuccess` /
`OnFailure` naming an SQS queue, an SNS topic, an EventBridge bus or (on failure) an S3 bucket, all on moto; and
`DeadLetterConfig.TargetArn` (SQS, SNS). `lambkin serve` delivers Lambda's invocation record (shapes from
LocalStack's validated snapshots, tests/aws/services/lambda_/test_lambda_destinations.snapshot.json, and AWS's
"Capturing records of Lambda asynchronous invocations" page).

Every test uses `MaximumRetryAttempts` 0 or 1 (serve runs with `--async-delay-scale 0.01`: a retry after 0.6 s)."""

from __future__ import annotations

import json
import re

import botocore.exceptions
import pytest

from .conftest import (ACCOUNT, REGION, ROOT_ONLY, create_recorder, drain, error_of, fn_arn, make_queue, unique,
                       wait)

pytestmark = ROOT_ONLY

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})")


def invoke_event(lam, name: str, payload: dict) -> str:
    r = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode())
    assert r["StatusCode"] == 202
    return r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def check_success_record(rec: dict, rid: str, name: str, payload: dict) -> None:
    assert rec["version"] == "1.0"
    assert ISO.fullmatch(rec["timestamp"]), rec["timestamp"]
    assert rec["requestContext"] == {"requestId": rid, "functionArn": f"{fn_arn(name)}:$LATEST",
                                     "condition": "Success", "approximateInvokeCount": 1}
    assert rec["requestPayload"] == payload
    assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert rec["responsePayload"] == {"echo": payload}


def check_failure_record(rec: dict, rid: str, name: str, payload: dict, count: int = 1) -> None:
    assert rec["version"] == "1.0"
    assert ISO.fullmatch(rec["timestamp"]), rec["timestamp"]
    assert rec["requestContext"] == {"requestId": rid, "functionArn": f"{fn_arn(name)}:$LATEST",
                                     "condition": "RetriesExhausted", "approximateInvokeCount": count}
    assert rec["requestPayload"] == payload
    assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert rec["responsePayload"]["errorMessage"] == payload["fail"]
    assert rec["responsePayload"]["errorType"] == "RecorderError"


def sns_message(msg: dict) -> tuple[str, dict]:
    """The published message and its attributes ({name: (type, value)}) from an SQS message that came through an
    SNS subscription (raw delivery or the SNS JSON envelope)."""
    try:
        env = json.loads(msg["Body"])
    except ValueError:
        env = None
    if isinstance(env, dict) and env.get("Type") == "Notification" and "Message" in env:
        attrs = {k: (v["Type"], v["Value"]) for k, v in env.get("MessageAttributes", {}).items()}
        return env["Message"], attrs
    attrs = {k: (v["DataType"], v.get("StringValue")) for k, v in msg.get("MessageAttributes", {}).items()}
    return msg["Body"], attrs


def subscribed_queue(sns, sqs, topic_arn: str, name: str) -> str:
    url, arn = make_queue(sqs, name)
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"},
                  ReturnSubscriptionArn=True)
    return url


def test_sqs_on_success_and_on_failure(server, lam, sqs):
    name = "dest-sqs"
    create_recorder(lam, name)
    ok_url, ok_arn = make_queue(sqs, unique("dest-ok"))
    bad_url, bad_arn = make_queue(sqs, unique("dest-bad"))
    out = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": bad_arn}})
    assert out["DestinationConfig"] == {"OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": bad_arn}}
    assert out["FunctionArn"] == f"{fn_arn(name)}:$LATEST"

    good = {"hello": "destinations", "n": 1}
    rid = invoke_event(lam, name, good)
    msgs = drain(sqs, ok_url, want=1, timeout=30, server=server, what="the success record")
    assert len(msgs) == 1
    check_success_record(json.loads(msgs[0]["Body"]), rid, name, good)

    bad = {"fail": "boom on purpose", "n": 2}
    rid = invoke_event(lam, name, bad)
    msgs = drain(sqs, bad_url, want=1, timeout=30, server=server, what="the failure record")
    assert len(msgs) == 1
    check_failure_record(json.loads(msgs[0]["Body"]), rid, name, bad)
    # Each record went to its own queue only.
    assert sqs.receive_message(QueueUrl=ok_url, WaitTimeSeconds=1).get("Messages", []) == []


def test_failure_record_counts_the_retries(server, lam, sqs):
    name = "dest-retry"
    create_recorder(lam, name)
    bad_url, bad_arn = make_queue(sqs, unique("dest-retry"))
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1,
                                         DestinationConfig={"OnFailure": {"Destination": bad_arn}})
    bad = {"fail": "twice"}
    rid = invoke_event(lam, name, bad)
    msgs = drain(sqs, bad_url, want=1, timeout=30, server=server, what="the failure record after one retry")
    check_failure_record(json.loads(msgs[0]["Body"]), rid, name, bad, count=2)


def test_sns_topic_destination(server, lam, sqs, sns):
    name = "dest-sns"
    create_recorder(lam, name)
    topic = sns.create_topic(Name=unique("dest-topic"))["TopicArn"]
    url = subscribed_queue(sns, sqs, topic, unique("dest-topic-sub"))
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": topic}, "OnFailure": {"Destination": topic}})
    good = {"via": "sns"}
    rid_ok = invoke_event(lam, name, good)
    bad = {"fail": "sns failure"}
    rid_bad = invoke_event(lam, name, bad)
    msgs = drain(sqs, url, want=2, timeout=30, server=server, what="both records through SNS")
    recs = {json.loads(sns_message(m)[0])["requestContext"]["requestId"]: json.loads(sns_message(m)[0])
            for m in msgs}
    assert set(recs) == {rid_ok, rid_bad}
    check_success_record(recs[rid_ok], rid_ok, name, good)
    check_failure_record(recs[rid_bad], rid_bad, name, bad)


def test_eventbridge_bus_destination(server, lam, sqs, events):
    name = "dest-events"
    create_recorder(lam, name)
    bus = unique("dest-bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    assert bus_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}"
    url, queue_arn = make_queue(sqs, unique("dest-bus-target"))
    events.put_rule(Name="lambda-results", EventBusName=bus, EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="lambda-results", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": bus_arn}, "OnFailure": {"Destination": bus_arn}})
    good = {"via": "eventbridge"}
    rid_ok = invoke_event(lam, name, good)
    bad = {"fail": "eventbridge failure"}
    rid_bad = invoke_event(lam, name, bad)
    msgs = drain(sqs, url, want=2, timeout=30, server=server, what="both records through EventBridge")
    by_rid = {}
    for m in msgs:
        ev = json.loads(m["Body"])
        assert ev["source"] == "lambda"
        assert ev["region"] == REGION  # (moto leaves out "account")
        by_rid[ev["detail"]["requestContext"]["requestId"]] = ev
    assert set(by_rid) == {rid_ok, rid_bad}
    assert by_rid[rid_ok]["detail-type"] == "Lambda Function Invocation Result - Success"
    check_success_record(by_rid[rid_ok]["detail"], rid_ok, name, good)
    assert by_rid[rid_bad]["detail-type"] == "Lambda Function Invocation Result - Failure"
    check_failure_record(by_rid[rid_bad]["detail"], rid_bad, name, bad)
    # AWS's events name the function version among their resources (and the bus).
    assert f"{fn_arn(name)}:$LATEST" in by_rid[rid_ok]["resources"], by_rid[rid_ok]


def test_s3_bucket_on_failure(server, lam, s3):
    name = "dest-s3"
    create_recorder(lam, name)
    bucket = unique("dest-bucket")
    s3.create_bucket(Bucket=bucket)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}})
    bad = {"fail": "kept in s3"}
    rid = invoke_event(lam, name, bad)
    prefix = f"aws/lambda/async/{name}/"

    def objects():
        return s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    found = wait(server, objects, timeout=30, what="the failure record in the bucket")
    assert len(found) == 1
    key = found[0]["Key"]
    # AWS: aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>
    assert key.startswith(prefix), key
    assert re.fullmatch(re.escape(prefix) + r"\d{4}/\d{2}/\d{2}/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}",
                        key), key
    rec = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    check_failure_record(rec, rid, name, bad)


def test_s3_is_refused_on_success(lam, s3):
    name = "dest-s3-success"
    create_recorder(lam, name)
    bucket = unique("dest-bucket-ok")
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": f"arn:aws:s3:::{bucket}"}})
    # AWS: S3 buckets are on-failure destinations only.
    assert error_of(e)[:2] == ("InvalidParameterValueException", 400)


def test_dead_letter_queue_sqs(server, lam, sqs):
    name = "dest-dlq-sqs"
    dlq_url, dlq_arn = make_queue(sqs, unique("dest-dlq"))
    create_recorder(lam, name, DeadLetterConfig={"TargetArn": dlq_arn})
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {"TargetArn": dlq_arn}
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    bad = {"fail": "dead letter please", "n": 7}
    rid = invoke_event(lam, name, bad)
    msgs = drain(sqs, dlq_url, want=1, timeout=30, server=server, what="the event in the dead-letter queue")
    assert len(msgs) == 1
    assert json.loads(msgs[0]["Body"]) == bad  # the event itself, no record around it
    attrs = msgs[0]["MessageAttributes"]
    assert attrs["RequestID"] == {"DataType": "String", "StringValue": rid}
    assert attrs["ErrorCode"]["DataType"] == "Number"
    assert attrs["ErrorCode"]["StringValue"] == "200"  # as AWS sends it (LocalStack's validated snapshot)
    assert attrs["ErrorMessage"] == {"DataType": "String", "StringValue": "dead letter please"}


def test_dead_letter_topic_sns(server, lam, sqs, sns):
    name = "dest-dlq-sns"
    topic = sns.create_topic(Name=unique("dest-dlq-topic"))["TopicArn"]
    url = subscribed_queue(sns, sqs, topic, unique("dest-dlq-sub"))
    create_recorder(lam, name, DeadLetterConfig={"TargetArn": topic})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    bad = {"fail": "dead letter via sns"}
    rid = invoke_event(lam, name, bad)
    msgs = drain(sqs, url, want=1, timeout=30, server=server, what="the event through the dead-letter topic")
    body, attrs = sns_message(msgs[0])
    assert json.loads(body) == bad
    assert attrs["RequestID"] == ("String", rid)
    assert attrs["ErrorCode"][0] == "Number"
    assert attrs["ErrorMessage"] == ("String", "dead letter via sns")


def test_success_goes_nowhere_without_on_success(server, lam, sqs):
    # Only OnFailure set: a success sends no record; the failure does.
    name = "dest-only-failure"
    create_recorder(lam, name)
    url, arn = make_queue(sqs, unique("dest-only-failure"))
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": arn}})
    invoke_event(lam, name, {"fine": True})
    rid = invoke_event(lam, name, {"fail": "only this one"})
    msgs = drain(sqs, url, want=1, timeout=30, server=server, what="the failure record")
    assert [json.loads(m["Body"])["requestContext"]["requestId"] for m in msgs] == [rid]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", []) == []


def test_an_undeliverable_record_is_counted_logged_and_kept(server, lam):
    # A queue that does not exist: SQS's answer cannot change by retrying, so the record is not retried for
    # hours; it is counted, logged as an error and kept in the function's dead letters with the reason.
    import urllib.request

    def health() -> dict:
        with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/health", timeout=5) as r:
            return json.loads(r.read())

    name = "dest-undeliverable"
    create_recorder(lam, name)
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('no-such-queue')}"
    before = health()["destinationDeliveryFailures"]
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnSuccess": {"Destination": missing}})
    rid = invoke_event(lam, name, {"fine": True})

    def kept() -> list:
        url = f"{server.endpoint}/lambkin/v1/functions/{name}/dead-letters"
        with urllib.request.urlopen(url, timeout=5) as r:
            return [d for d in json.loads(r.read())["deadLetters"] if "undeliverable" in json.dumps(d)]

    wait(server, lambda: kept(), timeout=30, what="the undeliverable record in the function's dead letters")
    letter = json.dumps(kept()[0])
    assert missing in letter and rid in letter and "NonExistentQueue" in letter, letter
    assert health()["destinationDeliveryFailures"] > before
    assert "cannot be delivered to " + missing in server.log()
