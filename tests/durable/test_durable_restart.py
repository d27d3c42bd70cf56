"""Durable executions outlive what runs them: a wait longer than the environment's keep-alive (the
environment is gone when the wait ends; a new one replays the log), and `kill -9` of `lambkin serve` during a
wait and during an invocation — after the restart every execution finishes, with its history intact.
"""

from __future__ import annotations

import json
import time

from durable.conftest import ROOT_ONLY, deploy, events, result, start, types, unique, wait_status
from durable.handlers import SUITE
from harness import wait_for

pytestmark = ROOT_ONLY

# Environments are retired 2 s after their last invoke.
SERVE_ARGS = ("--keep-alive-secs", "2")


def test_a_wait_outlives_the_environment(lam, server, py_runtime):
    name = unique("outlive")
    deploy(lam, name, SUITE, py_runtime)
    arn = start(lam, name, {"case": "wait", "seconds": 6})
    e = wait_status(lam, arn, timeout=90)
    assert e["Status"] == "SUCCEEDED" and result(e) == {"before": "before", "after": "after"}
    inv = [x["InvocationCompletedDetails"] for x in events(lam, arn) if x["EventType"] == "InvocationCompleted"]
    assert len(inv) == 2
    # The second invocation started after the first environment had been retired: a cold start, whose log
    # stream is another environment's.
    streams = lam_log_streams(server, name)
    assert len(streams) >= 2, streams


def lam_log_streams(server, name: str) -> set[str]:
    import urllib.request

    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/logs") as r:
        body = json.loads(r.read())
    return {e["logStreamName"] for e in body["events"]}


def test_kill_9_during_a_wait_loses_nothing(lam, server, py_runtime):
    name = unique("kill")
    deploy(lam, name, SUITE, py_runtime)
    waiting = start(lam, name, {"case": "wait", "seconds": 4})
    sleeping = start(lam, name, {"case": "sleep", "seconds": 3})
    wait_for(lambda: all("WaitStarted" in types(events(lam, a)) for a in (waiting, sleeping)),
             timeout=60, what="both waits to start")
    before = {a: events(lam, a) for a in (waiting, sleeping)}
    server.kill9()
    time.sleep(1)
    server.restart()
    lam2 = server.client(region="us-east-1", read_timeout=300)
    for a in (waiting, sleeping):
        e = wait_status(lam2, a, timeout=90)
        assert e["Status"] == "SUCCEEDED", e
        after = events(lam2, a)
        # The history before the kill is kept as it was, then goes on.
        assert after[: len(before[a])] == before[a]
        assert types(after)[-1] == "ExecutionSucceeded"
    assert result(lam2.get_durable_execution(DurableExecutionArn=sleeping)) == {"woke": True}


def test_kill_9_during_an_invocation_reruns_it(lam, server, py_runtime):
    name = unique("midrun")
    deploy(lam, name, SUITE, py_runtime)
    arn = start(lam, name, {"case": "slow", "seconds": 4})
    wait_for(lambda: "StepStarted" in types(events(lam, arn)), timeout=60, what="the slow step")
    server.kill9()
    server.restart()
    lam2 = server.client(region="us-east-1", read_timeout=300)
    e = wait_status(lam2, arn, timeout=90)
    assert e["Status"] == "SUCCEEDED" and result(e) == {"step": "slept"}
    # The invocation cut short by the kill left no InvocationCompleted; the one run after the restart did.
    assert types(events(lam2, arn)).count("InvocationCompleted") == 1


def test_a_callback_completed_after_a_restart(lam, server, py_runtime):
    name = unique("cbrestart")
    deploy(lam, name, SUITE, py_runtime)
    # The invocation suspends at the callback; it is completed only after the kill, so the execution has to
    # be picked up from the store to finish.
    arn = start(lam, name, {"case": "callback"})
    wait_for(lambda: "CallbackStarted" in types(events(lam, arn)), timeout=60, what="the callback")
    cid = [e for e in events(lam, arn) if e["EventType"] == "CallbackStarted"][0]["CallbackStartedDetails"]["CallbackId"]
    server.kill9()
    server.restart()
    lam2 = server.client(region="us-east-1", read_timeout=300)
    lam2.send_durable_execution_callback_success(CallbackId=cid, Result=b"after restart")
    e = wait_status(lam2, arn, timeout=90)
    assert e["Status"] == "SUCCEEDED" and result(e) == {"approved": "after restart"}
