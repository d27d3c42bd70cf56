"""NATS JetStream event source mappings end to end: `lambkin serve --nats-url` consumes a stream of a real
`nats-server -js` (`EventSourceArn = arn:aws:nats:<region>:<account>:stream/<STREAM>`) and invokes a recorder
function with lambkin's NATS event (`eventSource: "lambkin:nats"`, the message base64 in `data`, the stream
sequence as `messageId`); success acks, a function error redelivers (with `deliveryCount` growing) until
`MaximumRetryAttempts`, then the batch's record goes to `DestinationConfig.OnFailure` (an SQS queue on moto) in
the shape Lambda uses for stream sources (`condition: "RetryAttemptsExhausted"`, a `<Source>BatchInfo` object —
LocalStack's validated snapshots show `DDBStreamBatchInfo` for DynamoDB); `ReportBatchItemFailures` and filters on
`data` and `subject`.

Publishing uses nats-py (`pip install nats-py`), wrapped in `asyncio.run`."""

from __future__ import annotations

import base64
import datetime
import json
import re

import pytest

from .conftest import (ROOT_ONLY, batches, create_recorder, drain, fn_arn, make_queue, nats_payload,
                       nats_stream_arn, records, unique, wait, wait_state)

pytestmark = [ROOT_ONLY, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NATS = True  # the `server` fixture adds --nats-url of this module's nats-server

ISO = re.compile(r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})")


def payloads(server, fn) -> list[str]:
    return [nats_payload(r) for r in records(server, fn)]


def stream(js, prefix: str) -> tuple[str, str]:
    """A new stream on subjects `<lower name>.>`; its name and subject prefix."""
    name = unique(prefix).upper().replace("-", "_")
    subj = name.lower()
    js.add_stream(name, [f"{subj}.>"])
    return name, subj


def consumers_drained(js, name: str) -> bool:
    infos = js.consumers(name)
    return bool(infos) and all(c.num_pending == 0 and c.num_ack_pending == 0 for c in infos)


def mapping(server, lam, name, fn, **kw) -> tuple[str, dict]:
    out = lam.create_event_source_mapping(EventSourceArn=nats_stream_arn(name), FunctionName=fn, **kw)
    wait_state(server, lam, out["UUID"], "Enabled")
    return out["UUID"], out


def test_record_shape_trim_horizon_and_ack(server, lam, js):
    fn = "nats-shape"
    create_recorder(lam, fn)
    name, subj = stream(js, "shape")
    s1 = js.publish(f"{subj}.orders", json.dumps({"order": 1}), headers={"X-Trace": "abc"})
    s2 = js.publish(f"{subj}.bytes", b"\x00\xffraw")
    out = lam.create_event_source_mapping(EventSourceArn=nats_stream_arn(name), FunctionName=fn,
                                          StartingPosition="TRIM_HORIZON", BatchSize=10,
                                          MaximumBatchingWindowInSeconds=1)
    uuid = out["UUID"]
    try:
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert out["State"] == "Creating"
        assert out["EventSourceArn"] == nats_stream_arn(name)
        assert out["FunctionArn"] == fn_arn(fn)
        assert out["StartingPosition"] == "TRIM_HORIZON"
        assert out["BatchSize"] == 10 and out["MaximumBatchingWindowInSeconds"] == 1
        # lambkin's design says USER_INITIATED; AWS's stream sources (Kinesis, DynamoDB) say "User action".
        assert out["StateTransitionReason"] in ("USER_INITIATED", "User action")
        wait_state(server, lam, uuid, "Enabled")

        wait(server, lambda: {str(s1), str(s2)} <= {r["messageId"] for r in records(server, fn)},
             what="both messages at the function")
        wait(server, lambda: consumers_drained(js, name), what="every delivered message acked",
             extra=lambda: repr(js.consumers(name)))
        by_id = {r["messageId"]: r for r in records(server, fn)}
        rec = by_id[str(s1)]
        assert rec["eventSource"] == "lambkin:nats"
        assert rec["eventSourceArn"] == nats_stream_arn(name)
        assert rec["awsRegion"] == "us-east-1"
        assert rec["stream"] == name
        assert rec["subject"] == f"{subj}.orders"
        assert rec["sequence"] == s1 and isinstance(rec["sequence"], int)
        assert rec["deliveryCount"] == 1
        m = ISO.fullmatch(rec["timestamp"])
        assert m, rec["timestamp"]
        day = datetime.date.fromisoformat(m.group(1))
        assert abs((day - datetime.datetime.now(datetime.timezone.utc).date()).days) <= 1
        assert rec["headers"]["X-Trace"] == ["abc"]
        assert json.loads(nats_payload(rec)) == {"order": 1}
        raw = by_id[str(s2)]
        assert raw["subject"] == f"{subj}.bytes" and raw["sequence"] == s2
        assert base64.b64decode(raw["data"]) == b"\x00\xffraw"
        assert raw.get("headers") in ({}, None)
        # Acked on success: each delivered exactly once.
        assert sorted(r["messageId"] for r in records(server, fn)) == sorted([str(s1), str(s2)])
        for b in batches(server, fn):
            assert 1 <= len(b) <= 10
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_latest_starts_after_the_mapping(server, lam, js):
    fn = "nats-latest"
    create_recorder(lam, fn)
    name, subj = stream(js, "latest")
    js.publish(f"{subj}.x", "old-message")
    uuid, out = mapping(server, lam, name, fn, StartingPosition="LATEST", MaximumBatchingWindowInSeconds=1)
    try:
        assert out["StartingPosition"] == "LATEST"
        js.publish(f"{subj}.x", "new-message")
        wait(server, lambda: "new-message" in payloads(server, fn), what="the message published after the mapping")
        assert "old-message" not in payloads(server, fn)
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_function_error_redelivers_then_goes_to_on_failure(server, lam, js, sqs):
    fn = "nats-failing"
    create_recorder(lam, fn)
    name, subj = stream(js, "failing")
    dest_url, dest_arn = make_queue(sqs, unique("nats-onfailure"))
    seq = js.publish(f"{subj}.bad", "fail-all nats")
    uuid, out = mapping(server, lam, name, fn, StartingPosition="TRIM_HORIZON", BatchSize=1,
                        MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": dest_arn}})
    try:
        assert out["MaximumRetryAttempts"] == 1
        assert out["DestinationConfig"] == {"OnFailure": {"Destination": dest_arn}}
        msgs = drain(sqs, dest_url, want=1, timeout=45, server=server, what="the on-failure record")
        assert len(msgs) == 1
        body = json.loads(msgs[0]["Body"])
        ctx = body["requestContext"]
        assert ctx["condition"] == "RetryAttemptsExhausted"
        assert ctx["approximateInvokeCount"] == 2  # MaximumRetryAttempts + 1
        assert ctx["functionArn"].startswith(fn_arn(fn))
        assert re.fullmatch(r"[0-9a-f-]{36}", ctx["requestId"]), ctx
        assert body["responseContext"]["statusCode"] == 200
        assert body["responseContext"]["executedVersion"] == "$LATEST"
        assert body["responseContext"]["functionError"] == "Unhandled"
        assert body["version"] == "1.0"
        assert ISO.fullmatch(body["timestamp"]), body["timestamp"]
        info = body["NATSBatchInfo"]
        assert info["stream"] == name
        assert isinstance(info["consumer"], str) and info["consumer"]
        assert info["startSequence"] == seq and info["endSequence"] == seq
        assert info["batchSize"] == 1

        deliveries = [r for r in records(server, fn) if r["messageId"] == str(seq)]
        assert [r["deliveryCount"] for r in deliveries] == [1, 2], deliveries
        # Given up on: not delivered again (a later message comes, the failed one does not).
        js.publish(f"{subj}.good", "fine afterwards")
        wait(server, lambda: "fine afterwards" in payloads(server, fn), what="a later message")
        wait(server, lambda: consumers_drained(js, name), what="the stream's consumer drained",
             extra=lambda: repr(js.consumers(name)))
        assert len([r for r in records(server, fn) if r["messageId"] == str(seq)]) == 2
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_report_batch_item_failures_redelivers_only_the_reported(server, lam, js):
    fn = "nats-partial"
    create_recorder(lam, fn)
    name, subj = stream(js, "partial")
    seqs = js.publish_many([(f"{subj}.m", "ok-1"), (f"{subj}.m", "fail-once-2"), (f"{subj}.m", "ok-3")])
    uuid, _ = mapping(server, lam, name, fn, StartingPosition="TRIM_HORIZON", BatchSize=10,
                      MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        def retried():
            return [r["deliveryCount"] for r in records(server, fn) if r["messageId"] == str(seqs[1])]
        wait(server, lambda: 2 in retried(), what="the reported message delivered again (deliveryCount 2)")
        wait(server, lambda: consumers_drained(js, name), what="everything acked after the retry",
             extra=lambda: repr(js.consumers(name)))
        got = payloads(server, fn)
        assert got.count("ok-1") == 1, got  # before the failed item: acked, never again
        assert got.count("ok-3") >= 1, got
        assert retried()[:2] == [1, 2]
        assert all(r["messageId"] == str(r["sequence"]) for r in records(server, fn))
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_filters_on_data_and_subject(server, lam, js):
    fn = "nats-filter"
    create_recorder(lam, fn)
    name, subj = stream(js, "filter")
    keep = json.dumps({"kind": "keep", "n": 4})
    special = json.dumps({"kind": "drop", "n": 3})
    js.publish_many([
        (f"{subj}.a", json.dumps({"kind": "drop", "n": 1})),   # data does not match, subject does not match
        (f"{subj}.a", "not json at all"),                       # not JSON: the data filter cannot match
        (f"{subj}.special", special),                           # the subject filter matches
        (f"{subj}.a", keep),                                    # the data filter matches (JSON data as JSON)
    ])
    uuid, out = mapping(server, lam, name, fn, StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=1,
                        FilterCriteria={"Filters": [
                            {"Pattern": json.dumps({"data": {"kind": ["keep"]}})},
                            {"Pattern": json.dumps({"subject": [f"{subj}.special"]})},
                        ]})
    try:
        assert len(out["FilterCriteria"]["Filters"]) == 2
        wait(server, lambda: {keep, special} <= set(payloads(server, fn)), what="the two matching messages")
        # Filtered-out messages are acked without an invoke: the consumer has nothing left.
        wait(server, lambda: consumers_drained(js, name), what="filtered-out messages acked",
             extra=lambda: repr(js.consumers(name)))
        assert sorted(payloads(server, fn)) == sorted([keep, special])
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_disable_and_enable(server, lam, js):
    fn = "nats-toggle"
    create_recorder(lam, fn)
    name, subj = stream(js, "toggle")
    uuid, _ = mapping(server, lam, name, fn, StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=1)
    try:
        js.publish(f"{subj}.x", "while-on")
        wait(server, lambda: "while-on" in payloads(server, fn), what="a message while enabled")
        assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
        wait_state(server, lam, uuid, "Disabled")
        js.publish(f"{subj}.x", "while-off")
        lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        wait_state(server, lam, uuid, "Enabled")
        # Resumes where it left off: the message published while disabled is not lost.
        wait(server, lambda: "while-off" in payloads(server, fn), what="the message published while disabled")
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_kill9_and_restart_resume_where_the_mapping_was(server, lam, js):
    """Last in this module: it kills the module's server (and restarts it). The durable consumer keeps the
    mapping's position: after the restart every message is delivered, and none that was acked comes again."""
    fn = "nats-crash"
    create_recorder(lam, fn)
    name, subj = stream(js, "crash")
    want = [f"c-{i} sleep=0.05" for i in range(40)]
    js.publish_many([(f"{subj}.x", m) for m in want])
    uuid, _ = mapping(server, lam, name, fn, StartingPosition="TRIM_HORIZON", BatchSize=2)
    try:
        wait(server, lambda: len(set(payloads(server, fn))) >= 6, what="the first messages before the crash")
        server.kill9()
        more = [f"d-{i}" for i in range(10)]
        js.publish_many([(f"{subj}.y", m) for m in more])
        server.restart()
        assert lam.get_event_source_mapping(UUID=uuid)["State"] in ("Enabled", "Enabling", "Creating")
        wait(server, lambda: set(want + more) <= set(payloads(server, fn)), timeout=90,
             what="every message, before and during the crash, at the function")
        # A batch in flight at the kill is delivered again after JetStream's ack wait (30 s).
        wait(server, lambda: consumers_drained(js, name), timeout=75, what="every message acked")
        got = payloads(server, fn)
        # At least once: only a batch in flight at the kill may come twice.
        assert len(got) - len(set(got)) <= 2, sorted(m for m in set(got) if got.count(m) > 1)
    finally:
        lam.delete_event_source_mapping(UUID=uuid)
