"""Event source mappings in a cluster: a mapping runs on one live host (its UUID's ranking), reads a JetStream
stream of the cluster's own NATS (the default of `--nats-url` with `--cluster`), and moves to another host when its
host is killed — nothing published is lost."""

from __future__ import annotations

import base64
import json
import urllib.request

from esm.conftest import Js, create_recorder, nats_stream_arn, received
from harness import wait_for

from .conftest import ROOT_ONLY, cluster_host

pytestmark = ROOT_ONLY


def running(host) -> list[str]:
    """The mappings whose pollers run on `host`."""
    try:
        with urllib.request.urlopen(f"{host.endpoint}/lambkin/v1/health", timeout=5) as r:
            return json.loads(r.read()).get("eventSourceMappings", [])
    except OSError:
        return []


def seen(host, name: str) -> set[str]:
    """The `data` of every NATS record the recorder `name` received (logs reach every host)."""
    out = set()
    for ev in received(host, name):
        for rec in ev.get("Records", []):
            out.add(base64.b64decode(rec["data"]).decode())
    return out


def test_a_mapping_runs_on_one_host_and_moves_when_it_dies(nats):
    hosts = [cluster_host(nats, i) for i in (21, 22, 23)]
    try:
        lams = [h.client() for h in hosts]
        js = Js(nats.nodes[0].url)

        async def add(j):
            await j.add_stream(name="CLUSTERED", subjects=["clustered.>"], num_replicas=3)
        js._run(add)
        create_recorder(lams[0], "clustered-esm")
        made = lams[1].create_event_source_mapping(
            FunctionName="clustered-esm", EventSourceArn=nats_stream_arn("CLUSTERED"),
            StartingPosition="TRIM_HORIZON", BatchSize=10)
        uuid = made["UUID"]
        wait_for(lambda: all(lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled" for lam in lams),
                 timeout=30, what="the mapping Enabled, seen from every host")
        wait_for(lambda: sum(uuid in running(h) for h in hosts) == 1, timeout=30,
                 what="the mapping's poller on exactly one host")
        first = [f"m{i}" for i in range(20)]
        js.publish_many([("clustered.a", m) for m in first])
        wait_for(lambda: set(first) <= seen(hosts[0], "clustered-esm"), timeout=60,
                 what="the first messages at the function")

        home = next(i for i, h in enumerate(hosts) if uuid in running(h))
        hosts[home].kill9()
        survivors = [h for i, h in enumerate(hosts) if i != home]
        wait_for(lambda: sum(uuid in running(h) for h in survivors) == 1, timeout=30,
                 what="the mapping taken up by a surviving host")
        second = [f"n{i}" for i in range(20)]
        js.publish_many([("clustered.b", m) for m in second])
        wait_for(lambda: set(first + second) <= seen(survivors[0], "clustered-esm"), timeout=90,
                 what="every message at the function after the move")

        lams[(home + 1) % 3].delete_event_source_mapping(UUID=uuid)

        def gone() -> bool:
            try:
                survivors[0].client().get_event_source_mapping(UUID=uuid)
                return False
            except survivors[0].client().exceptions.ResourceNotFoundException:
                return True
        wait_for(gone, timeout=30, what="the mapping deleted")
        assert not any(uuid in running(h) for h in survivors)
    except BaseException:
        for h in hosts:
            print(f"--- {h.endpoint} ---\n{h.log()}")
        raise
    finally:
        for h in hosts:
            h.close()
