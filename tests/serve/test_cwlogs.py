"""CloudWatch Logs' reads on `lambkin serve`'s port, with the real AWS CLI v2 (`aws logs tail`, `--follow`,
`filter-log-events`, `get-log-events`, `describe-log-groups`, `describe-log-streams`) and boto3's `logs` client
(paging, tokens, filter patterns, errors, retention policies); log retention and the per-function size bound
with small limits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import CLI_V2, ROOT_ONLY, Serve, cli, create
from harness import wait_for

pytestmark = ROOT_ONLY

JSON_LINE = '{"level":"ERROR","n":5,"user":{"name":"ann"}}'


def logs_client(server: Serve):
    return boto3.client(
        "logs", endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=60),
    )


@pytest.fixture(scope="module")
def logs(server):
    return logs_client(server)


def say(lam, name: str, text: str) -> None:
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"print": text}).encode())
    assert r["StatusCode"] == 200 and "FunctionError" not in r, r


def all_filtered(logs, **kw) -> list[dict]:
    events = []
    for page in logs.get_paginator("filter_log_events").paginate(**kw):
        events.extend(page["events"])
    return events


def messages(events) -> list[str]:
    return [e["message"] for e in events]


@pytest.fixture(scope="module")
def chatty(lam):
    """A function that logged `alpha 1`, `beta 2` and a JSON line, in that order."""
    create(lam, "cw-chatty")
    for text in ("alpha 1", "beta 2", JSON_LINE):
        say(lam, "cw-chatty", text)
    return "/aws/lambda/cw-chatty"


def test_describe_log_groups_and_streams(logs, chatty):
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/cw-chatty")["logGroups"]
    assert [g["logGroupName"] for g in groups] == [chatty]
    g = groups[0]
    assert g["arn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{chatty}:*"
    assert g["logGroupArn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{chatty}"
    assert g["storedBytes"] > 0 and g["metricFilterCount"] == 0 and g["creationTime"] > 0
    assert "retentionInDays" not in g
    assert [x["logGroupName"] for x in logs.describe_log_groups(logGroupNamePattern="chatty")["logGroups"]] \
        == [chatty]
    streams = logs.describe_log_streams(logGroupName=chatty)["logStreams"]
    assert streams, streams
    s = streams[0]
    assert "/[$LATEST]" in s["logStreamName"]
    assert s["firstEventTimestamp"] <= s["lastEventTimestamp"]
    assert s["arn"].endswith(f"log-group:{chatty}:log-stream:{s['logStreamName']}")
    by_time = logs.describe_log_streams(logGroupName=chatty, orderBy="LastEventTime", descending=True)
    assert by_time["logStreams"][0]["logStreamName"] in {x["logStreamName"] for x in streams}
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName="/aws/lambda/nobody-here")
    assert e.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                         "Message": "The specified log group does not exist."}
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_describe_log_groups_pages(logs, lam, chatty):
    create(lam, "cw-page-a")
    create(lam, "cw-page-b")
    seen = []
    kw = {"logGroupNamePrefix": "/aws/lambda/cw-", "limit": 1}
    while True:
        page = logs.describe_log_groups(**kw)
        assert len(page["logGroups"]) <= 1
        seen += [g["logGroupName"] for g in page["logGroups"]]
        if "nextToken" not in page:
            break
        kw["nextToken"] = page["nextToken"]
    assert seen == sorted(seen) and {chatty, "/aws/lambda/cw-page-a", "/aws/lambda/cw-page-b"} <= set(seen)


def test_get_log_events_pages_forward_and_backward(logs, chatty):
    stream = next(s["logStreamName"] for s in logs.describe_log_streams(logGroupName=chatty)["logStreams"]
                  if any(e["message"] == "alpha 1" for e in logs.get_log_events(
                      logGroupName=chatty, logStreamName=s["logStreamName"], startFromHead=True)["events"]))
    # Forward from the head, 2 at a time, until the same token comes back (as AWS does at the end).
    got, token = [], None
    for _ in range(100):
        kw = {"logGroupName": chatty, "logStreamName": stream, "startFromHead": True, "limit": 2}
        if token:
            kw["nextToken"] = token
        r = logs.get_log_events(**kw)
        assert len(r["events"]) <= 2
        assert r["nextForwardToken"].startswith("f/") and r["nextBackwardToken"].startswith("b/")
        got += r["events"]
        if r["nextForwardToken"] == token:
            assert r["events"] == []
            break
        token = r["nextForwardToken"]
    else:
        pytest.fail("the forward token never came back unchanged")
    texts = messages(got)
    assert texts.index("alpha 1") < texts.index("beta 2") < texts.index(JSON_LINE)
    assert all(e["ingestionTime"] >= 0 and e["timestamp"] > 0 for e in got)
    # The default read is the stream's tail; its backward token pages towards the head.
    tail = logs.get_log_events(logGroupName=chatty, logStreamName=stream, limit=2)
    assert messages(tail["events"]) == texts[-2:]
    older = logs.get_log_events(logGroupName=chatty, logStreamName=stream, limit=2,
                                nextToken=tail["nextBackwardToken"])
    assert messages(older["events"]) == texts[-4:-2]
    # Time bounds: nothing before the first event's time is lost, nothing after the end time is given.
    first = got[0]["timestamp"]
    bounded = logs.get_log_events(logGroupName=chatty, logStreamName=stream, startFromHead=True,
                                  startTime=first, endTime=first + 1)
    assert all(e["timestamp"] == first for e in bounded["events"]) and bounded["events"]
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=chatty, logStreamName="no/such/stream")
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=chatty, logStreamName=stream, nextToken="f/nonsense")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"


@pytest.mark.parametrize("pattern,want", [
    ("alpha", ["alpha 1"]),
    ('"beta 2"', ["beta 2"]),
    ("?alpha ?beta", ["alpha 1", "beta 2"]),
    ("{ $.level = \"ERROR\" }", [JSON_LINE]),
    ("{ $.n > 3 && $.user.name = an* }", [JSON_LINE]),
    ("{ $.n < 3 }", []),
    ("{ $.missing NOT EXISTS }", [JSON_LINE]),
    ("%^be+ta [0-9]$%", ["beta 2"]),
    ("[word, number = 1]", ["alpha 1"]),
])
def test_filter_patterns(logs, chatty, pattern, want):
    got = [m for m in messages(all_filtered(logs, logGroupName=chatty, filterPattern=pattern))
           if m in ("alpha 1", "beta 2", JSON_LINE)]
    assert got == want


def test_filter_excludes_and_errors(logs, chatty):
    texts = messages(all_filtered(logs, logGroupName=chatty, filterPattern="RequestId -START -END -REPORT"))
    assert texts == [] or all("RequestId" in t for t in texts)
    for bad in ['{ $.level = ', '"unclosed', "[a, b"]:
        with pytest.raises(ClientError) as e:
            logs.filter_log_events(logGroupName=chatty, filterPattern=bad)
        assert e.value.response["Error"] == {"Code": "InvalidParameterException", "Message": "Invalid filter pattern"}
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName="/aws/lambda/nobody-here")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=chatty, limit=10001)
    assert "Member must have value less than or equal to 10000" in e.value.response["Error"]["Message"]


def test_filter_pages_with_stable_event_ids(logs, chatty):
    whole = logs.filter_log_events(logGroupName=chatty)
    assert "nextToken" not in whole
    ids = [e["eventId"] for e in whole["events"]]
    assert len(ids) == len(set(ids)) >= 3
    assert all(len(i) == 56 and i.isdigit() for i in ids)
    # One at a time: the same events, the same ids, in time order, and nextToken only while there are more.
    paged, kw = [], {"logGroupName": chatty, "limit": 1}
    for _ in range(1000):
        r = logs.filter_log_events(**kw)
        paged += r["events"]
        if "nextToken" not in r:
            break
        kw["nextToken"] = r["nextToken"]
    assert [e["eventId"] for e in paged] == ids
    ts = [e["timestamp"] for e in paged]
    assert ts == sorted(ts)
    assert {s["logStreamName"] for s in whole["searchedLogStreams"]} == {e["logStreamName"] for e in paged}
    # startTime bounds the search; a stream-name prefix that matches nothing finds nothing.
    last = paged[-1]["timestamp"]
    assert all(e["timestamp"] >= last for e in all_filtered(logs, logGroupName=chatty, startTime=last))
    assert all_filtered(logs, logGroupName=chatty, logStreamNamePrefix="1999/") == []


def test_shared_custom_log_group(logs, lam):
    for name in ("cw-shared-a", "cw-shared-b"):
        create(lam, name, LoggingConfig={"LogFormat": "Text", "LogGroup": "/custom/shared"})
        say(lam, name, f"hello from {name}")
    texts = messages(all_filtered(logs, logGroupName="/custom/shared", filterPattern="hello"))
    assert sorted(texts) == ["hello from cw-shared-a", "hello from cw-shared-b"]
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/custom/")["logGroups"]] \
        == ["/custom/shared"]


def test_unsigned_unknown_operation(server):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(f"{server.endpoint}/", data=b"{}", method="POST", headers={
        "X-Amz-Target": "Logs_20140328.PutLogEvents", "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400
    assert json.loads(e.value.read())["__type"] == "UnknownOperationException"


def test_retention_policies(logs, lam, server):
    create(lam, "cw-retained")
    say(lam, "cw-retained", "recent line")
    group = "/aws/lambda/cw-retained"
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7
    with pytest.raises(ClientError) as e:
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert e.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: "
        "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365,")
    with pytest.raises(ClientError) as e:
        logs.put_retention_policy(logGroupName="/aws/lambda/nobody-here", retentionInDays=1)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # A stream last written 3 days ago goes when the group keeps 1 day; the recent one stays.
    old = plant_old_stream(server.data_dir, "cw-retained", "2020/01/01/[$LATEST]0ld", days=3)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    wait_for(lambda: not old.exists(), timeout=30, what="the old stream removed")
    assert "recent line" in messages(all_filtered(logs, logGroupName=group))
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]


def escape(name: str) -> str:
    return "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-") else f"%{b:02X}"
                   for b in name.encode())


def plant_old_stream(data_dir: Path, function: str, stream: str, days: int) -> Path:
    """A stream file in the store's format (`{"t":ms,"m":"…"}` lines) last written `days` ago."""
    d = data_dir / "logs" / escape(function)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{escape(stream)}.log"
    then = time.time() - days * 86400
    path.write_text(json.dumps({"t": int(then * 1000), "m": "ancient line"}) + "\n")
    os.utime(path, (then, then))
    return path


def test_cli_v2_reads(server, chatty):
    code, out, err = cli(server, "logs", "describe-log-groups", "--log-group-name-prefix", chatty, v=2)
    assert code == 0, err
    assert json.loads(out)["logGroups"][0]["logGroupName"] == chatty
    code, out, err = cli(server, "logs", "describe-log-streams", "--log-group-name", chatty, v=2)
    assert code == 0, err
    stream = json.loads(out)["logStreams"][0]["logStreamName"]
    code, out, err = cli(server, "logs", "get-log-events", "--log-group-name", chatty,
                         "--log-stream-name", stream, "--start-from-head", v=2)
    assert code == 0, err
    assert json.loads(out)["events"]
    code, out, err = cli(server, "logs", "filter-log-events", "--log-group-name", chatty,
                         "--filter-pattern", "beta", v=2)
    assert code == 0, err
    assert messages(json.loads(out)["events"]) == ["beta 2"]
    code, out, err = cli(server, "logs", "tail", chatty, "--since", "1h", v=2)
    assert code == 0, err
    assert "alpha 1" in out and "beta 2" in out
    code, out, err = cli(server, "logs", "tail", chatty, "--since", "1h", "--filter-pattern", "alpha",
                         "--format", "short", v=2)
    assert code == 0, err
    assert "alpha 1" in out and "beta 2" not in out
    code, out, err = cli(server, "logs", "tail", chatty, "--since", "1h", "--log-stream-name-prefix",
                         "1999/", v=2)
    assert code == 0, err
    assert out.strip() == ""


def test_cli_v2_tail_follow(server, lam):
    create(lam, "cw-follow")
    say(lam, "cw-follow", "before following")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    out_path = server.data_dir.parent / f"{server.data_dir.name}-follow.out"
    with open(out_path, "w") as out:
        p = subprocess.Popen([str(CLI_V2), "--endpoint-url", server.endpoint, "logs", "tail",
                              "/aws/lambda/cw-follow", "--follow", "--since", "10m", "--format", "short"],
                             stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for(lambda: "before following" in out_path.read_text(), timeout=60, what="the first line")
        for i in range(3):
            say(lam, "cw-follow", f"followed {i}")
        wait_for(lambda: all(f"followed {i}" in out_path.read_text() for i in range(3)), timeout=60,
                 what="the new lines")
        text = out_path.read_text()
        # De-duplicated by eventId: each line once.
        assert text.count("before following") == 1, text
        assert all(text.count(f"followed {i}") == 1 for i in range(3)), text
    finally:
        p.kill()
        p.wait()
        out_path.unlink(missing_ok=True)


def test_size_bound_and_retention_with_small_limits():
    data_dir = Path(tempfile.mkdtemp(prefix="lambkin-cwlogs-"))
    old = plant_old_stream(data_dir, "cw-orphan", "2020/01/01/[$LATEST]0ld", days=3)
    server = Serve("--log-max-mb", "1", "--log-retention-days", "1", data_dir=data_dir)
    try:
        # The sweep at start removes a stream older than the retention, of a function no longer here too.
        wait_for(lambda: not old.exists(), timeout=60, what="the old stream removed at start")
        lam, logs = server.client(), logs_client(server)
        create(lam, "cw-big")
        line = "x" * 60_000
        for i in range(40):
            say(lam, "cw-big", f"big {i:02d} {line}")
        fn_dir = server.data_dir / "logs" / "cw-big"
        total = sum(f.stat().st_size for f in fn_dir.iterdir())
        assert total <= 1 << 20, total
        assert len(list(fn_dir.iterdir())) > 1, "the stream was not rotated into segments"
        # The newest lines are kept and readable, the oldest are gone, through both readers.
        texts = messages(all_filtered(logs, logGroupName="/aws/lambda/cw-big", filterPattern="big"))
        assert texts and texts[-1].startswith("big 39 ")
        assert not any(t.startswith("big 00 ") for t in texts)
        stream = logs.describe_log_streams(logGroupName="/aws/lambda/cw-big")["logStreams"][0]
        assert stream["storedBytes"] <= 1 << 20
        import urllib.request
        with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/cw-big/logs?limit=10000") as r:
            events = json.loads(r.read())["events"]
        assert any(e["message"].startswith("big 39 ") for e in events)
    finally:
        server.close()
        shutil.rmtree(data_dir, ignore_errors=True)
