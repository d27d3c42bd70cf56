"""The event source mapping API of `lambkin serve` with unchanged boto3, SQS queues on moto: Lambda's shapes and
states (Create → 202 `Creating` → `Enabled`; Update → `Updating`/`Disabling`/`Enabling`; Delete → `Deleting` →
gone), ListEventSourceMappings' filters and paging, tags on the mapping's ARN, and AWS's errors and texts (as
recorded against AWS in LocalStack's validated snapshots: tests/aws/services/lambda_/test_lambda_api.snapshot.json
and event_source_mapping/test_lambda_integration_sqs.snapshot.json)."""

from __future__ import annotations

import datetime
import json
import re

import botocore.exceptions
import pytest

from .conftest import (ACCOUNT, ESM_ARN_PREFIX, REGION, ROOT_ONLY, create_recorder, error_of, fn_arn, make_queue,
                       unique, wait_gone, wait_state)

pytestmark = ROOT_ONLY

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_FOUND = "The resource you requested does not exist."
WINDOW_MESSAGE = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"


@pytest.fixture(scope="module")
def fn(lam):
    create_recorder(lam, "esm-api-fn")
    return "esm-api-fn"


@pytest.fixture(scope="module")
def fn2(lam):
    create_recorder(lam, "esm-api-fn2")
    return "esm-api-fn2"


def status(resp: dict) -> int:
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_update_delete_lifecycle(server, lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-life"))
    out = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn)
    assert status(out) == 202
    assert out["State"] == "Creating"
    uuid = out["UUID"]
    assert UUID_RE.fullmatch(uuid), uuid
    assert out["EventSourceMappingArn"] == ESM_ARN_PREFIX + uuid
    assert out["EventSourceArn"] == queue_arn
    assert out["FunctionArn"] == fn_arn(fn)
    assert out["BatchSize"] == 10  # SQS's default
    assert out["MaximumBatchingWindowInSeconds"] == 0
    assert out["StateTransitionReason"] == "USER_INITIATED"
    assert out.get("FunctionResponseTypes", []) == []
    assert isinstance(out["LastModified"], datetime.datetime)
    # An SQS mapping has no stream settings (AWS answers none of them for SQS).
    for key in ("StartingPosition", "ParallelizationFactor", "BisectBatchOnFunctionError", "TumblingWindowInSeconds"):
        assert key not in out, (key, out)

    got = wait_state(server, lam, uuid, "Enabled")
    assert status(got) == 200
    for key in ("UUID", "EventSourceArn", "EventSourceMappingArn", "FunctionArn", "BatchSize",
                "MaximumBatchingWindowInSeconds", "StateTransitionReason"):
        assert got[key] == out[key], key

    upd = lam.update_event_source_mapping(UUID=uuid, BatchSize=5, MaximumBatchingWindowInSeconds=1)
    assert status(upd) == 202
    assert upd["State"] == "Updating"
    assert upd["BatchSize"] == 5 and upd["MaximumBatchingWindowInSeconds"] == 1
    got = wait_state(server, lam, uuid, "Enabled")
    assert got["BatchSize"] == 5 and got["MaximumBatchingWindowInSeconds"] == 1
    assert got["LastModified"] >= out["LastModified"]

    off = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert status(off) == 202 and off["State"] == "Disabling"
    got = wait_state(server, lam, uuid, "Disabled")
    assert got["StateTransitionReason"] == "USER_INITIATED"
    assert got["BatchSize"] == 5  # untouched by the Enabled-only update

    on = lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert status(on) == 202 and on["State"] == "Enabling"
    wait_state(server, lam, uuid, "Enabled")

    gone = lam.delete_event_source_mapping(UUID=uuid)
    assert status(gone) == 202
    assert gone["State"] == "Deleting"
    assert gone["UUID"] == uuid and gone["EventSourceArn"] == queue_arn
    wait_gone(server, lam, uuid)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_event_source_mapping(UUID=uuid)
    assert error_of(e) == ("ResourceNotFoundException", 404, NOT_FOUND)


def test_create_disabled_stays_disabled(server, lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-disabled"))
    out = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, Enabled=False)
    assert status(out) == 202
    # AWS answers `Disabled` at once for Enabled=False (LocalStack's validated snapshot of
    # test_fifo_message_group_parallelism); lambkin's design says `Creating` first. Either is Lambda-like.
    assert out["State"] in ("Creating", "Disabled")
    got = wait_state(server, lam, out["UUID"], "Disabled")
    assert got["StateTransitionReason"] == "USER_INITIATED"
    lam.delete_event_source_mapping(UUID=out["UUID"])
    wait_gone(server, lam, out["UUID"])


def test_settings_are_stored_and_answered(server, lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-settings"))
    pattern = {"body": {"kind": ["keep"]}}
    out = lam.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=fn, BatchSize=50, MaximumBatchingWindowInSeconds=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
        ScalingConfig={"MaximumConcurrency": 5})
    uuid = out["UUID"]
    try:
        assert out["BatchSize"] == 50 and out["MaximumBatchingWindowInSeconds"] == 2
        assert out["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert [json.loads(f["Pattern"]) for f in out["FilterCriteria"]["Filters"]] == [pattern]
        assert out["ScalingConfig"] == {"MaximumConcurrency": 5}
        got = wait_state(server, lam, uuid, "Enabled")
        assert got["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert [json.loads(f["Pattern"]) for f in got["FilterCriteria"]["Filters"]] == [pattern]
        assert got["ScalingConfig"] == {"MaximumConcurrency": 5}
        # Update replaces what it names, keeps the rest.
        upd = lam.update_event_source_mapping(UUID=uuid, FunctionResponseTypes=[],
                                              ScalingConfig={"MaximumConcurrency": 2})
        assert upd["FunctionResponseTypes"] == [] and upd["ScalingConfig"] == {"MaximumConcurrency": 2}
        got = wait_state(server, lam, uuid, "Enabled")
        assert got.get("FunctionResponseTypes", []) == []
        assert got["BatchSize"] == 50
        assert [json.loads(f["Pattern"]) for f in got["FilterCriteria"]["Filters"]] == [pattern]
        # An empty FilterCriteria removes the filters.
        lam.update_event_source_mapping(UUID=uuid, FilterCriteria={})
        assert "Filters" not in wait_state(server, lam, uuid, "Enabled").get("FilterCriteria", {})
    finally:
        lam.delete_event_source_mapping(UUID=uuid)
        wait_gone(server, lam, uuid)


def test_list_filters_and_paging(server, lam, sqs, fn, fn2):
    arns = [make_queue(sqs, unique(f"api-list-{i}"))[1] for i in range(3)]
    made = [
        lam.create_event_source_mapping(EventSourceArn=arns[0], FunctionName=fn)["UUID"],
        lam.create_event_source_mapping(EventSourceArn=arns[1], FunctionName=fn)["UUID"],
        lam.create_event_source_mapping(EventSourceArn=arns[0], FunctionName=fn2)["UUID"],
        lam.create_event_source_mapping(EventSourceArn=arns[2], FunctionName=fn2)["UUID"],
    ]
    try:
        def uuids(**kw):
            return {m["UUID"] for m in lam.list_event_source_mappings(**kw)["EventSourceMappings"]}

        assert uuids(FunctionName=fn) >= {made[0], made[1]}
        assert not uuids(FunctionName=fn) & {made[2], made[3]}
        assert uuids(FunctionName=fn_arn(fn2)) >= {made[2], made[3]}  # an ARN names the function too
        assert uuids(EventSourceArn=arns[0]) == {made[0], made[2]}
        assert uuids(EventSourceArn=arns[0], FunctionName=fn2) == {made[2]}
        # Filters naming nothing answer an empty list, not an error (as AWS does).
        assert uuids(FunctionName="esm-api-does-not-exist") == set()
        assert uuids(EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue") == set()
        listed = lam.list_event_source_mappings(EventSourceArn=arns[2])["EventSourceMappings"]
        assert [m["FunctionArn"] for m in listed] == [fn_arn(fn2)]
        assert listed[0]["EventSourceMappingArn"] == ESM_ARN_PREFIX + made[3]

        # Paging: one at a time with Marker/NextMarker sees each mapping exactly once.
        seen, marker = [], None
        for _ in range(50):
            page = lam.list_event_source_mappings(MaxItems=1, **({"Marker": marker} if marker else {}))
            assert len(page["EventSourceMappings"]) <= 1
            seen += [m["UUID"] for m in page["EventSourceMappings"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        assert len(seen) == len(set(seen)), seen
        assert set(made) <= set(seen)
        # boto3's paginator walks the same pages.
        pag = lam.get_paginator("list_event_source_mappings")
        via = [m["UUID"] for p in pag.paginate(PaginationConfig={"PageSize": 2}) for m in p["EventSourceMappings"]]
        assert sorted(via) == sorted(seen)
    finally:
        for u in made:
            lam.delete_event_source_mapping(UUID=u)
        for u in made:
            wait_gone(server, lam, u)


def test_tags_on_the_mapping_arn(server, lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-tags"))
    out = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, Tags={"team": "lamb"})
    arn = out["EventSourceMappingArn"]
    try:
        assert lam.list_tags(Resource=arn)["Tags"] == {"team": "lamb"}
        r = lam.tag_resource(Resource=arn, Tags={"A": "tag-a", "team": "kin"})
        assert status(r) == 204
        assert lam.list_tags(Resource=arn)["Tags"] == {"A": "tag-a", "team": "kin"}
        r = lam.untag_resource(Resource=arn, TagKeys=["team", "not-there"])
        assert status(r) == 204
        assert lam.list_tags(Resource=arn)["Tags"] == {"A": "tag-a"}
    finally:
        lam.delete_event_source_mapping(UUID=out["UUID"])
        wait_gone(server, lam, out["UUID"])


def test_unknown_uuid(lam):
    ghost = "a5b5f44d-1e05-4a3c-9e2f-5d8c9e0c2f11"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_event_source_mapping(UUID=ghost)
    assert error_of(e) == ("ResourceNotFoundException", 404, NOT_FOUND)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.update_event_source_mapping(UUID=ghost, Enabled=False)
    assert error_of(e) == ("ResourceNotFoundException", 404, NOT_FOUND)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.delete_event_source_mapping(UUID=ghost)
    assert error_of(e) == ("ResourceNotFoundException", 404, NOT_FOUND)


def test_batch_size_and_window_validation(server, lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-batch"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, BatchSize=11)
    assert error_of(e) == ("InvalidParameterValueException", 400, WINDOW_MESSAGE)

    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, BatchSize=10001,
                                        MaximumBatchingWindowInSeconds=1)
    # The model's range is 1–10,000; lambkin's design answers InvalidParameterValueException (AWS may answer a
    # model ValidationException for this one).
    assert error_of(e)[0] in ("InvalidParameterValueException", "ValidationException")
    assert error_of(e)[1] == 400

    # Nothing was created by the refused calls; a valid one is, and updating it past 10 without a window is refused.
    assert lam.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"] == []
    out = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, BatchSize=10000,
                                          MaximumBatchingWindowInSeconds=1)
    try:
        assert out["BatchSize"] == 10000
        wait_state(server, lam, out["UUID"], "Enabled")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.update_event_source_mapping(UUID=out["UUID"], BatchSize=11, MaximumBatchingWindowInSeconds=0)
        assert error_of(e) == ("InvalidParameterValueException", 400, WINDOW_MESSAGE)
        assert lam.get_event_source_mapping(UUID=out["UUID"])["BatchSize"] == 10000
    finally:
        lam.delete_event_source_mapping(UUID=out["UUID"])
        wait_gone(server, lam, out["UUID"])


def test_fifo_queue_batch_size_is_at_most_ten(lam, sqs, fn):
    # AWS: FIFO queues take batches of at most 10 (LocalStack's api_utils BATCH_SIZE_RANGES, "sqs-fifo": (10, 10)).
    _, fifo_arn = make_queue(sqs, unique("api-fifo") + ".fifo", FifoQueue="true")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=fifo_arn, FunctionName=fn, BatchSize=11,
                                        MaximumBatchingWindowInSeconds=1)
    assert error_of(e)[:2] == ("InvalidParameterValueException", 400)


@pytest.mark.parametrize("pattern", [
    "null",                                   # not an object
    "simple string",                          # not JSON
    json.dumps({"eventSource": "aws:sqs"}),   # a leaf that is not an array
    json.dumps({"eventSource": []}),          # an empty array
], ids=["null", "string", "scalar-leaf", "empty-array"])
def test_bad_filter_patterns(lam, sqs, fn, pattern):
    _, queue_arn = make_queue(sqs, unique("api-filter"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, MaximumBatchingWindowInSeconds=1,
                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert error_of(e) == ("InvalidParameterValueException", 400, "Invalid filter pattern definition.")
    assert lam.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"] == []


def test_missing_function(lam, sqs):
    _, queue_arn = make_queue(sqs, unique("api-nofn"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="esm-api-no-such-function")
    # AWS (LocalStack's validated snapshot test_event_source_mapping_exceptions, "create_unknown_params").
    assert error_of(e) == ("InvalidParameterValueException", 400, "Function does not exist")


def test_missing_queue(lam, fn):
    ghost = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('api-no-such-queue')}"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=ghost, FunctionName=fn, BatchSize=1)
    code, http, message = error_of(e)
    # AWS: "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error
    # Message: The specified queue does not exist." (test_esm_with_not_existing_sqs_queue); moto's code may differ.
    assert (code, http) == ("InvalidParameterValueException", 400)
    assert message.startswith("Error occurred while ReceiveMessage. SQS Error Code: "), message
    assert "does not exist" in message, message


def test_duplicate_mapping_of_a_queue_and_function(server, lam, sqs, fn, fn2):
    _, queue_arn = make_queue(sqs, unique("api-dup"))
    first = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn)
    other = None
    try:
        with pytest.raises(lam.exceptions.ResourceConflictException) as e:
            lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, BatchSize=5)
        assert error_of(e) == (
            "ResourceConflictException", 409,
            f'An event source mapping with SQS arn (" {queue_arn} ") and function (" {fn} ") already exists. '
            f'Please update or delete the existing mapping with UUID {first["UUID"]}')
        # Another function on the same queue is fine.
        other = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn2)["UUID"]
    finally:
        lam.delete_event_source_mapping(UUID=first["UUID"])
        if other:
            lam.delete_event_source_mapping(UUID=other)
    wait_gone(server, lam, first["UUID"])
    # Once the first is gone, the pair can be mapped again.
    again = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn)
    lam.delete_event_source_mapping(UUID=again["UUID"])
    wait_gone(server, lam, again["UUID"])


def test_sqs_mapping_refuses_destination_config(lam, sqs, fn):
    _, queue_arn = make_queue(sqs, unique("api-dest"))
    _, other_arn = make_queue(sqs, unique("api-dest-target"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn,
                                        DestinationConfig={"OnSuccess": {"Destination": other_arn}})
    # AWS (test_event_source_mapping_exceptions, "destination_config_failure").
    assert error_of(e) == ("InvalidParameterValueException", 400,
                           "Unsupported DestinationConfig parameter for given event source mapping type.")


def test_no_event_source(lam, fn):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_event_source_mapping(FunctionName=fn)
    assert error_of(e) == ("InvalidParameterValueException", 400, "Unrecognized event source.")


def test_deleting_the_function_keeps_the_mapping(server, lam, sqs):
    # AWS keeps a mapping whose function is deleted (test_event_source_mapping_lifecycle_delete_function): it is
    # still answered, and can be deleted.
    name = "esm-api-doomed"
    create_recorder(lam, name)
    _, queue_arn = make_queue(sqs, unique("api-doomed"))
    uuid = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name)["UUID"]
    wait_state(server, lam, uuid, "Enabled")
    lam.delete_function(FunctionName=name)
    got = lam.get_event_source_mapping(UUID=uuid)
    assert got["FunctionArn"] == fn_arn(name)
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    wait_gone(server, lam, uuid)


def test_changes_while_the_pollers_settle_the_mapping(server, lam, sqs, fn):
    # Tools such as Terraform update, tag and delete a mapping right after creating it, while lambkin's
    # reconciler is still moving it from Creating to Enabled; the user's change must win, not fail.
    _, queue_arn = make_queue(sqs, unique("api-race"))
    for _ in range(15):
        uuid = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn)["UUID"]
        lam.update_event_source_mapping(UUID=uuid, BatchSize=7)
        lam.tag_resource(Resource=f"{ESM_ARN_PREFIX}{uuid}", Tags={"k": "v"})
        assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
        wait_gone(server, lam, uuid)
