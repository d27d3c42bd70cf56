"""Asynchronous invocation in a cluster: events live in the cluster's work-queue stream and every host delivers
them; retries, dead letters and destinations are counted by lambkin; a host killed with SIGKILL while it
delivers leaves its events to the others, and every accepted event is delivered."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from harness import wait_for
from serve.conftest import create

from .conftest import ROOT_ONLY, cluster_host

pytestmark = ROOT_ONLY

ARGS = ("--async-delay-scale", "0.01")


@pytest.fixture(scope="module")
def hosts(nats):
    hs = [cluster_host(nats, i, *ARGS) for i in (1, 2, 3)]
    yield hs
    for h in hs:
        h.close()


def lines(host, name: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"{host.endpoint}/lambkin/v1/functions/{name}/logs") as r:
            events = json.loads(r.read())["events"]
    except OSError:
        return []
    return [e["message"] for e in events]


def printed(host, name: str, prefix: str) -> list[str]:
    return [m for m in lines(host, name) if m.startswith(prefix)]


def test_events_accepted_anywhere_are_delivered(hosts):
    lams = [h.client() for h in hosts]
    create(lams[0], "async-any")
    for i in range(12):
        r = lams[i % 3].invoke(FunctionName="async-any", InvocationType="Event",
                               Payload=json.dumps({"print": f"any-{i}"}).encode())
        assert r["StatusCode"] == 202
    want = {f"any-{i}" for i in range(12)}
    wait_for(lambda: want <= set(printed(hosts[1], "async-any", "any-")), timeout=60,
             what="all 12 events delivered")


def test_retries_and_dead_letters_count_cluster_wide(hosts):
    a, b, c = (h.client() for h in hosts)
    create(a, "async-fails")
    b.put_function_event_invoke_config(FunctionName="async-fails", MaximumRetryAttempts=1)
    c.invoke(FunctionName="async-fails", InvocationType="Event", Payload=json.dumps({"fail": "no"}).encode())

    def dead_letters():
        with urllib.request.urlopen(f"{hosts[0].endpoint}/lambkin/v1/functions/async-fails/dead-letters") as r:
            return json.loads(r.read())["deadLetters"]

    wait_for(lambda: dead_letters(), timeout=60, what="a dead letter")
    (letter,) = dead_letters()
    assert "RetriesExhausted" in json.dumps(letter)
    # One try and one retry, as configured: the function ran exactly twice (a START line each), on any hosts.
    wait_for(lambda: len(printed(hosts[2], "async-fails", "START")) == 2, timeout=10, what="two runs")
    time.sleep(1)
    assert len(printed(hosts[2], "async-fails", "START")) == 2
    assert len(dead_letters()) == 1


def environments(host) -> int:
    with urllib.request.urlopen(f"{host.endpoint}/lambkin/v1/health", timeout=5) as r:
        return int(json.loads(r.read())["environments"])


def test_host_killed_mid_delivery_loses_nothing(hosts, nats):
    lams = [h.client() for h in hosts]
    create(lams[0], "async-slow")
    # The host that runs the function's invokes (its home): the one whose environments grow.
    before = [environments(h) for h in hosts]
    lams[0].invoke(FunctionName="async-slow", Payload=b"{}")
    (home,) = [i for i, h in enumerate(hosts) if environments(h) > before[i]]
    survivor = hosts[(home + 1) % 3]
    n = 24
    for i in range(n):
        lams[i % 3].invoke(FunctionName="async-slow", InvocationType="Event",
                           Payload=json.dumps({"sleep": 1, "print": f"slow-{i}"}).encode())
    # Let deliveries start, then kill the host running them in the middle of its invokes.
    time.sleep(2.5)
    hosts[home].kill9()
    want = {f"slow-{i}" for i in range(n)}
    wait_for(lambda: want <= set(printed(survivor, "async-slow", "slow-")), timeout=120,
             what="every accepted event delivered by the surviving hosts")
    # Sync invokes through the surviving hosts keep succeeding.
    for i, lam in enumerate(lams):
        if i != home:
            assert lam.invoke(FunctionName="async-slow", Payload=b"{}")["StatusCode"] == 200
    hosts[home].restart()
