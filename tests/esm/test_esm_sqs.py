"""SQS event source mappings end to end: `lambkin serve` polls queues on moto (found through `AWS_ENDPOINT_URL`)
and invokes a recorder function with Lambda's SQS event; success deletes, a whole-batch failure leaves the
messages to reappear after the queue's visibility timeout (and reach the queue's DLQ after `maxReceiveCount`),
`ReportBatchItemFailures` keeps only the reported ones, filtered-out messages are deleted without an invoke, FIFO
groups keep their order, disable/enable stop and resume, and `kill -9` loses nothing.

Shapes as AWS sends them (LocalStack's validated snapshots of
tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import time

from .conftest import (REGION, ROOT_ONLY, batches, create_recorder, drain, make_queue, queue_depth, received,
                       records, timed_records, unique, wait, wait_state)

pytestmark = ROOT_ONLY


def bodies(server, fn) -> list[str]:
    return [r["body"] for r in records(server, fn)]


def mapping(server, lam, queue_arn, fn, **kw) -> str:
    uuid = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn, **kw)["UUID"]
    wait_state(server, lam, uuid, "Disabled" if kw.get("Enabled") is False else "Enabled")
    return uuid


def wait_drained(server, sqs, url, what, timeout=30):
    wait(server, lambda: queue_depth(sqs, url) == 0, timeout=timeout, what=f"{what}: the queue to be empty",
         interval=0.3)


def test_record_shape_and_delete_on_success(server, lam, sqs):
    fn = "sqs-shape"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-shape"))
    blob = b"\x00\x01binary\xff"
    sent = sqs.send_message(QueueUrl=url, MessageBody='{"hello": "sqs"}', MessageAttributes={
        "Author": {"DataType": "String", "StringValue": "lamb"},
        "Count": {"DataType": "Number", "StringValue": "6"},
        "Blob": {"DataType": "Binary", "BinaryValue": blob},
    })
    plain = sqs.send_message(QueueUrl=url, MessageBody="plain text")
    before_ms = int(time.time() * 1000) - 60_000
    uuid = mapping(server, lam, arn, fn, MaximumBatchingWindowInSeconds=1)
    try:
        wait(server, lambda: {sent["MessageId"], plain["MessageId"]} <= {r["messageId"] for r in records(server, fn)},
             what="both messages at the function")
        wait_drained(server, sqs, url, "messages handled successfully are deleted")

        for ev in received(server, fn):
            assert isinstance(ev, dict) and set(ev) == {"Records"}, ev
        by_id = {r["messageId"]: r for r in records(server, fn)}
        rec = by_id[sent["MessageId"]]
        assert rec["body"] == '{"hello": "sqs"}'  # the body as sent, a string (not parsed)
        assert isinstance(rec["receiptHandle"], str) and rec["receiptHandle"]
        assert rec["md5OfBody"] == hashlib.md5(b'{"hello": "sqs"}').hexdigest() == sent["MD5OfMessageBody"]
        assert rec["eventSource"] == "aws:sqs"
        assert rec["eventSourceARN"] == arn
        assert rec["awsRegion"] == REGION
        attrs = rec["attributes"]
        assert attrs["ApproximateReceiveCount"] == "1"
        assert attrs["SentTimestamp"].isdigit() and int(attrs["SentTimestamp"]) > before_ms
        assert attrs["ApproximateFirstReceiveTimestamp"].isdigit()
        assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"])
        assert isinstance(attrs["SenderId"], str) and attrs["SenderId"]
        assert "MessageGroupId" not in attrs and "SequenceNumber" not in attrs  # a standard queue
        assert rec["messageAttributes"] == {
            "Author": {"stringValue": "lamb", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
            "Count": {"stringValue": "6", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
            "Blob": {"binaryValue": base64.b64encode(blob).decode(), "stringListValues": [], "binaryListValues": [],
                     "dataType": "Binary"},
        }
        other = by_id[plain["MessageId"]]
        assert other["body"] == "plain text" and other["messageAttributes"] == {}
        for b in batches(server, fn):
            assert 1 <= len(b) <= 10
        # AWS also sends md5OfMessageAttributes (null without attributes) — see LocalStack's snapshots.
        assert rec.get("md5OfMessageAttributes") == sent["MD5OfMessageAttributes"], rec
        assert "md5OfMessageAttributes" in other and other["md5OfMessageAttributes"] is None, other
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_batches_respect_batch_size(server, lam, sqs):
    fn = "sqs-batching"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-batching"))
    want = {f"m-{i}" for i in range(25)}
    for chunk in range(0, 25, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m-{i}"}
                                                      for i in range(chunk, min(chunk + 10, 25))])
    uuid = mapping(server, lam, arn, fn, BatchSize=4, MaximumBatchingWindowInSeconds=1)
    try:
        wait(server, lambda: want <= set(bodies(server, fn)), what="the 25 messages at the function")
        wait_drained(server, sqs, url, "all delivered")
        sizes = [len(b) for b in batches(server, fn)]
        assert all(1 <= n <= 4 for n in sizes), sizes
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_whole_batch_failure_reappears_after_visibility_timeout_then_dead_letters(server, lam, sqs):
    fn = "sqs-failing"
    create_recorder(lam, fn)
    dlq_url, dlq_arn = make_queue(sqs, unique("sqs-failing-dlq"))
    url, arn = make_queue(sqs, unique("sqs-failing"), VisibilityTimeout=2,
                          RedrivePolicy={"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    sent = sqs.send_message(QueueUrl=url, MessageBody="fail-all please")
    uuid = mapping(server, lam, arn, fn, BatchSize=1)
    try:
        dead = drain(sqs, dlq_url, want=1, timeout=40, server=server, what="the failed message in the DLQ")
        assert [m["MessageId"] for m in dead] == [sent["MessageId"]]
        assert dead[0]["Body"] == "fail-all please"
        timed = [(ts, r) for ts, r in timed_records(server, fn) if r["messageId"] == sent["MessageId"]]
        seen = [r for _, r in timed]
        # Delivered once per receive: ApproximateReceiveCount 1, then 2 after the visibility timeout (2 s: not made
        # visible again at once); the third receive moved it to the DLQ instead.
        assert [r["attributes"]["ApproximateReceiveCount"] for r in seen] == ["1", "2"], seen
        # Measured from the first receive (SQS's own clock of it), not from the first invoke, which a cold start
        # may have delayed.
        first_receive = int(seen[1]["attributes"]["ApproximateFirstReceiveTimestamp"])
        gap_ms = timed[1][0] - first_receive
        assert gap_ms >= 1500, f"redelivered {gap_ms} ms after the first receive, before the 2 s visibility timeout"
        assert queue_depth(sqs, url) == 0
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_report_batch_item_failures_keeps_only_reported_messages(server, lam, sqs):
    fn = "sqs-partial"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-partial"), VisibilityTimeout=2)
    ids = {}
    for body in ("ok-a", "fail-once-b", "ok-c"):
        ids[body] = sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"]
    uuid = mapping(server, lam, arn, fn, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                   FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        def retried():
            counts = [r["attributes"]["ApproximateReceiveCount"] for r in records(server, fn)
                      if r["messageId"] == ids["fail-once-b"]]
            return "2" in counts
        wait(server, retried, timeout=30, what="the reported message to come back (ApproximateReceiveCount 2)")
        wait_drained(server, sqs, url, "the retried message succeeded")
        got = bodies(server, fn)
        # The others were deleted after the first invocation: never delivered again.
        assert got.count("ok-a") == 1 and got.count("ok-c") == 1, got
        assert got.count("fail-once-b") == 2, got
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_report_batch_item_failures_off_fails_the_whole_batch(server, lam, sqs):
    # Without FunctionResponseTypes a batchItemFailures answer is an ordinary success: everything is deleted.
    fn = "sqs-partial-off"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-partial-off"), VisibilityTimeout=2)
    sqs.send_message(QueueUrl=url, MessageBody="fail-item x")
    uuid = mapping(server, lam, arn, fn, MaximumBatchingWindowInSeconds=1)
    try:
        wait(server, lambda: "fail-item x" in bodies(server, fn), what="the message at the function")
        wait_drained(server, sqs, url, "a success without ReportBatchItemFailures deletes the batch")
        assert bodies(server, fn).count("fail-item x") == 1
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_filtered_out_messages_are_deleted_without_invoking(server, lam, sqs):
    fn = "sqs-filter"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-filter"))
    for body in (json.dumps({"kind": "drop", "n": 1}), "not json at all", json.dumps({"kind": "other", "n": 2})):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    keep = json.dumps({"kind": "keep", "n": 3})
    uuid = mapping(server, lam, arn, fn, MaximumBatchingWindowInSeconds=1,
                   FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]})
    try:
        sqs.send_message(QueueUrl=url, MessageBody=keep)
        wait(server, lambda: keep in bodies(server, fn), what="the matching message at the function")
        wait_drained(server, sqs, url, "filtered-out messages are deleted too")
        assert bodies(server, fn) == [keep]
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


# Each operator of Lambda's filter language through the whole path (a queue, a mapping, the poller): the pattern,
# a message it passes, one it drops. Bodies are JSON unless they start with "raw:" (a plain-string body).
OPERATORS = {
    "equals": ({"body": {"kind": ["keep"]}}, {"kind": "keep"}, {"kind": "other"}),
    "number": ({"body": {"n": [5]}}, {"n": 5}, {"n": 6}),
    "prefix": ({"body": {"id": [{"prefix": "ord-"}]}}, {"id": "ord-1"}, {"id": "inv-1"}),
    "suffix": ({"body": {"file": [{"suffix": ".png"}]}}, {"file": "a.png"}, {"file": "a.jpg"}),
    "ignore-case": ({"body": {"kind": [{"equals-ignore-case": "KEEP"}]}}, {"kind": "kEeP"}, {"kind": "keeps"}),
    "numeric": ({"body": {"price": [{"numeric": [">", 10, "<=", 20]}]}}, {"price": 20}, {"price": 10}),
    "exists": ({"body": {"tag": [{"exists": True}]}}, {"tag": "x"}, {"other": "x"}),
    "not-exists": ({"body": {"tag": [{"exists": False}]}}, {"other": 1}, {"tag": "y"}),
    "anything-but": ({"body": {"kind": [{"anything-but": ["a", "b"]}]}}, {"kind": "c"}, {"kind": "b"}),
    "anything-but-prefix": ({"body": {"kind": [{"anything-but": {"prefix": "tmp"}}]}}, {"kind": "real"},
                            {"kind": "tmp-1"}),
    "null": ({"body": {"v": [None]}}, {"v": None}, {"v": "x"}),
    "empty": ({"body": {"v": [""]}}, {"v": ""}, {"v": "x"}),
    "or": ({"$or": [{"body": {"a": [1]}}, {"body": {"b": [2]}}]}, {"b": 2}, {"a": 2, "b": 1}),
    "nested": ({"body": {"order": {"lines": {"sku": ["x1"]}}}}, {"order": {"lines": [{"sku": "x0"}, {"sku": "x1"}]}},
               {"order": {"lines": [{"sku": "x0"}]}}),
    "array": ({"body": {"tags": ["red"]}}, {"tags": ["blue", "red"]}, {"tags": ["blue"]}),
    "plain-string": ({"body": ["raw-keep"]}, "raw:raw-keep", "raw:raw-drop"),
    "attributes": ({"messageAttributes": {"type": {"stringValue": ["order"]}}}, {"x": 1}, {"x": 2}),
}


def test_each_filter_operator(server, lam, sqs):
    fn = "sqs-operators"
    create_recorder(lam, fn)

    def text(b) -> str:
        return b[len("raw:"):] if isinstance(b, str) and b.startswith("raw:") else json.dumps(b)

    made = []
    try:
        for op, (pattern, _, _) in OPERATORS.items():
            url, arn = make_queue(sqs, unique(f"op-{op}"))
            uuid = mapping(server, lam, arn, fn, FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})
            made.append((op, url, uuid))
        for op, url, _ in made:
            _, keep, drop = OPERATORS[op]
            for body, kind in ((keep, "order"), (drop, "other")):
                attrs = {"type": {"DataType": "String", "StringValue": kind}} if op == "attributes" else {}
                sqs.send_message(QueueUrl=url, MessageBody=text(body), MessageAttributes=attrs)
        want = {text(keep) for _, keep, _ in OPERATORS.values()}
        wait(server, lambda: want <= set(bodies(server, fn)), what="every matching message at the function",
             extra=lambda: f"missing: {sorted(want - set(bodies(server, fn)))}")
        for op, url, _ in made:
            wait_drained(server, sqs, url, f"{op}: the dropped message deleted")
        got = bodies(server, fn)
        # Only the matching messages ran the function ("attributes" sends the same body twice; one matched).
        dropped = {text(drop) for op, (_, _, drop) in OPERATORS.items() if op != "attributes"}
        assert not dropped & set(got), sorted(dropped & set(got))
        assert got.count(json.dumps({"x": 2})) == 0, got
    finally:
        for _, _, uuid in made:
            lam.delete_event_source_mapping(UUID=uuid)


def test_maximum_concurrency_bounds_the_batches_in_flight(server, lam, sqs):
    """Pollers scale up while batches come back full, never past ScalingConfig.MaximumConcurrency."""
    fn = "sqs-concurrency"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-concurrency"), VisibilityTimeout=30)
    want = [f"w-{i} sleep=1.5" for i in range(12)]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(want[:10])])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(want[10:])])
    uuid = mapping(server, lam, arn, fn, BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    try:
        wait(server, lambda: set(want) <= set(bodies(server, fn)), timeout=60, what="every message at the function")
        # Each invoke starts when its EVENT line is logged and lasts 1.5 s: count the overlaps of the intervals.
        starts = sorted(ts for ts, r in timed_records(server, fn) if r["body"] in want)
        most = max(sum(1 for t in starts if s <= t < s + 1400) for s in starts)
        assert most == 2, f"at most {most} invokes at once (starts: {starts})"
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_fifo_groups_keep_their_order(server, lam, sqs):
    fn = "sqs-fifo"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-fifo") + ".fifo", FifoQueue="true", ContentBasedDeduplication="true")
    sent = {"A": [], "B": []}
    for i in range(8):
        for g in ("A", "B"):
            body = f"{g}-{i}"
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=g, MessageDeduplicationId=f"d-{body}")
            sent[g].append(body)
    uuid = mapping(server, lam, arn, fn, BatchSize=3)
    try:
        wait(server, lambda: set(sent["A"] + sent["B"]) <= set(bodies(server, fn)),
             what="the 16 FIFO messages at the function")
        wait_drained(server, sqs, url, "FIFO messages delivered")
        recs = records(server, fn)
        for g in ("A", "B"):
            firsts = []
            for r in recs:
                if r["attributes"].get("MessageGroupId") == g and r["body"] not in firsts:
                    firsts.append(r["body"])
            assert firsts == sent[g], (g, firsts)
            # (SQS's SequenceNumbers grow within a group; moto's are random digits, so only their form is checked.)
        r0 = next(r for r in recs if r["body"] == "A-0")
        assert r0["attributes"]["MessageGroupId"] == "A"
        assert r0["attributes"]["MessageDeduplicationId"] == "d-A-0"
        assert r0["attributes"]["SequenceNumber"].isdigit()
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_disable_stops_delivery_and_enable_resumes(server, lam, sqs):
    fn = "sqs-toggle"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-toggle"))
    uuid = mapping(server, lam, arn, fn, MaximumBatchingWindowInSeconds=1)
    try:
        sqs.send_message(QueueUrl=url, MessageBody="while-on")
        wait(server, lambda: "while-on" in bodies(server, fn), what="a message while enabled")
        lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        wait_state(server, lam, uuid, "Disabled")
        sqs.send_message(QueueUrl=url, MessageBody="while-off")
        # Observed for 4 s (several polls and batching windows): it stays in the queue, unseen.
        end = time.time() + 4
        while time.time() < end:
            assert "while-off" not in bodies(server, fn), "a disabled mapping delivered a message"
            time.sleep(0.5)
        assert queue_depth(sqs, url) == 1
        lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        wait_state(server, lam, uuid, "Enabled")
        wait(server, lambda: "while-off" in bodies(server, fn), what="the message after enabling again")
        wait_drained(server, sqs, url, "delivered after enabling")
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_deleted_mapping_stops_delivery(server, lam, sqs):
    fn = "sqs-deleted"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-deleted"))
    uuid = mapping(server, lam, arn, fn, MaximumBatchingWindowInSeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="first")
    wait(server, lambda: "first" in bodies(server, fn), what="a message before the delete")
    lam.delete_event_source_mapping(UUID=uuid)

    def gone():
        try:
            lam.get_event_source_mapping(UUID=uuid)
            return False
        except lam.exceptions.ResourceNotFoundException:
            return True
    wait(server, gone, what="the mapping to be deleted")
    sqs.send_message(QueueUrl=url, MessageBody="after-delete")
    end = time.time() + 3
    while time.time() < end:
        assert "after-delete" not in bodies(server, fn), "a deleted mapping delivered a message"
        time.sleep(0.5)
    assert queue_depth(sqs, url) == 1


def test_kill9_and_restart_lose_nothing(server, lam, sqs):
    """Last in this module: it kills the module's server (and restarts it)."""
    fn = "sqs-crash"
    create_recorder(lam, fn)
    url, arn = make_queue(sqs, unique("sqs-crash"), VisibilityTimeout=3)
    want = [f"c-{i} sleep=0.05" for i in range(40)]
    for chunk in range(0, 40, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": want[i]}
                                                      for i in range(chunk, chunk + 10)])
    uuid = mapping(server, lam, arn, fn, BatchSize=2)
    try:
        wait(server, lambda: len(set(bodies(server, fn))) >= 6, what="the first messages before the crash")
        server.kill9()
        more = [f"d-{i}" for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(more)])
        server.restart()
        # The mapping survives the restart, enabled.
        assert lam.get_event_source_mapping(UUID=uuid)["State"] in ("Enabled", "Enabling", "Creating")
        wait(server, lambda: set(want + more) <= set(bodies(server, fn)), timeout=60,
             what="every message sent, before and during the crash, at the function",
             extra=lambda: f"missing: {sorted(set(want + more) - set(bodies(server, fn)))}")
        wait_drained(server, sqs, url, "all delivered after the restart")
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_a_durable_function_behind_a_queue(server, lam, sqs):
    """A mapping to a durable function (qualified, as Lambda requires) starts one durable execution per batch,
    with the SQS event as its input; the batch's messages are deleted once that execution has succeeded."""
    import subprocess

    from durable.conftest import durable_zip
    from durable.handlers import QUEUE
    from harness import LAMBKIN

    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:]) if len(r) > 1}
    runtime = next(rt for rt in ("python3.13", "python3.12", "python3.11") if table.get(rt) in ("served", "available"))
    fn = unique("sqs-durable")
    lam.create_function(FunctionName=fn, Runtime=runtime, Role="arn:aws:iam::123456789012:role/lambda",
                        Handler="app.handler", Code={"ZipFile": durable_zip(QUEUE)}, Timeout=30,
                        DurableConfig={"ExecutionTimeout": 300, "RetentionPeriodInDays": 1})
    url, arn = make_queue(sqs, unique("sqs-durable"))
    sqs.send_message(QueueUrl=url, MessageBody="order-1")
    uuid = mapping(server, lam, arn, f"{fn}:$LATEST", BatchSize=10, MaximumBatchingWindowInSeconds=1)
    try:
        def succeeded():
            runs = lam.list_durable_executions_by_function(FunctionName=fn, Statuses=["SUCCEEDED"])
            return runs["DurableExecutions"]
        done = wait(server, succeeded, timeout=60, what="a durable execution of the batch to succeed")
        e = lam.get_durable_execution(DurableExecutionArn=done[0]["DurableExecutionArn"])
        assert json.loads(e["Result"]) == {"seen": ["order-1"]}
        assert json.loads(e["InputPayload"])["Records"][0]["eventSource"] == "aws:sqs"
        wait_drained(server, sqs, url, "the batch of a succeeded execution is deleted")
    finally:
        lam.delete_event_source_mapping(UUID=uuid)
