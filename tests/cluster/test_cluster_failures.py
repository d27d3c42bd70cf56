"""Failures in a cluster: a lambkin host killed with SIGKILL (its provisioned environments come back on another
host; an invoke it was running answers Lambda's error, never hangs), a NATS node killed (the service goes on:
R3), and everything stopped and started again (nothing lost)."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from harness import wait_for
from serve.conftest import create

from .conftest import ROOT_ONLY, NatsCluster, cluster_host

pytestmark = ROOT_ONLY


def environments(host) -> int:
    try:
        with urllib.request.urlopen(f"{host.endpoint}/lambkin/v1/health", timeout=5) as r:
            return int(json.loads(r.read())["environments"])
    except OSError:
        return 0


def home_of(hosts, lam, name: str):
    """The host that runs `name` (the one whose environment count grows with its first invoke)."""
    before = [environments(h) for h in hosts]
    lam.invoke(FunctionName=name, Payload=b"{}")
    after = [environments(h) for h in hosts]
    (i,) = [i for i in range(len(hosts)) if after[i] > before[i]]
    return i


def test_an_invoke_in_flight_on_a_dead_host_answers_an_error(nats):
    hosts = [cluster_host(nats, i) for i in (1, 2, 3)]
    try:
        lams = [h.client() for h in hosts]
        create(lams[0], "doomed")
        home = home_of(hosts, lams[0], "doomed")
        caller = (home + 1) % 3
        out: dict = {}

        def call() -> None:
            t = time.time()
            r = lams[caller].invoke(FunctionName="doomed", Payload=json.dumps({"sleep": 30}).encode())
            out["took"] = time.time() - t
            out["error"] = r.get("FunctionError")
            out["body"] = json.loads(r["Payload"].read())

        t = threading.Thread(target=call)
        t.start()
        time.sleep(2)
        hosts[home].kill9()
        t.join(timeout=30)
        assert not t.is_alive(), "the invoke hung"
        assert out["error"] == "Unhandled"
        assert out["body"]["errorType"] == "Sandbox.Failure"
        assert out["took"] < 15
        # The function has a new home; invokes through the survivors succeed.
        for i in range(3):
            if i != home:
                r = lams[i].invoke(FunctionName="doomed", Payload=json.dumps({"n": i}).encode())
                assert json.loads(r["Payload"].read())["event"] == {"n": i}
    finally:
        for h in hosts:
            h.close()


def test_provisioned_environments_come_back_on_another_host(nats):
    hosts = [cluster_host(nats, i) for i in (4, 5, 6)]
    try:
        lams = [h.client() for h in hosts]
        create(lams[0], "kept-warm")
        lams[0].publish_version(FunctionName="kept-warm")
        lams[1].put_provisioned_concurrency_config(FunctionName="kept-warm", Qualifier="1",
                                                   ProvisionedConcurrentExecutions=1)

        def status(lam) -> str:
            return lam.get_provisioned_concurrency_config(FunctionName="kept-warm", Qualifier="1")["Status"]

        wait_for(lambda: all(status(lam) == "READY" for lam in lams), timeout=60, what="READY on every host")
        counts = [environments(h) for h in hosts]
        assert sorted(counts)[-1] >= 1
        home = counts.index(max(counts))
        hosts[home].kill9()
        survivors = [lams[i] for i in range(3) if i != home]
        # Forgotten within seconds; its setting is taken up by the function's new home host.
        wait_for(lambda: sum(environments(hosts[i]) for i in range(3) if i != home) >= 1
                 and all(status(lam) == "READY" for lam in survivors), timeout=60,
                 what="provisioned again, READY, on a surviving host")
        r = survivors[0].invoke(FunctionName="kept-warm", Qualifier="1", Payload=b"{}")
        assert r["StatusCode"] == 200
    finally:
        for h in hosts:
            h.close()


def test_a_nats_node_dies_and_the_service_goes_on():
    nats = NatsCluster()
    hosts = [cluster_host(nats, i) for i in (7, 8)]
    try:
        a, b = (h.client() for h in hosts)
        create(a, "survivor")
        nats.nodes[0].kill9()
        # Reads, writes, sync and async invokes go on with two of three nodes.
        deadline = time.time() + 30
        while True:
            try:
                b.update_function_configuration(FunctionName="survivor", Description="after")
                break
            except ClientError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        assert a.get_function(FunctionName="survivor")["Configuration"]["Description"] == "after"
        for lam in (a, b):
            assert lam.invoke(FunctionName="survivor", Payload=b"{}")["StatusCode"] == 200
        create(b, "born-later")
        assert a.get_function(FunctionName="born-later")["Configuration"]["State"] == "Active"
    finally:
        for h in hosts:
            h.close()
        nats.close()


def test_stop_and_start_everything_and_nothing_is_lost():
    nats = NatsCluster()
    # Throttled events back off as on Lambda (1 s, 2 s, 4 s, … up to 5 min); scaled down so that the events
    # throttled through the restart are tried again within the test's patience.
    hosts = [cluster_host(nats, i, "--async-delay-scale", "0.05") for i in (10, 11)]
    try:
        a, b = (h.client() for h in hosts)
        create(a, "lasting", Environment={"Variables": {"KEEP": "me"}})
        a.publish_version(FunctionName="lasting")
        b.create_alias(FunctionName="lasting", Name="prod", FunctionVersion="1")
        b.put_function_concurrency(FunctionName="lasting", ReservedConcurrentExecutions=0)
        for i in range(5):
            a.invoke(FunctionName="lasting", InvocationType="Event",
                     Payload=json.dumps({"print": f"kept-{i}"}).encode())
        for h in hosts:
            h.stop()
        for n in nats.nodes:
            n.stop()
        for n in nats.nodes:
            n.start()
        for h in hosts:
            h.restart()
        a, b = (h.client() for h in hosts)
        wait_for(lambda: _answers(b), timeout=60, what="the cluster back")
        cfg = b.get_function(FunctionName="lasting")["Configuration"]
        assert cfg["Environment"]["Variables"] == {"KEEP": "me"}
        assert a.get_alias(FunctionName="lasting", Name="prod")["FunctionVersion"] == "1"
        # The queued events waited through the restart; let them run.
        a.delete_function_concurrency(FunctionName="lasting")
        want = {f"kept-{i}" for i in range(5)}

        def delivered() -> set[str]:
            with urllib.request.urlopen(f"{hosts[0].endpoint}/lambkin/v1/functions/lasting/logs") as r:
                return {e["message"] for e in json.loads(r.read())["events"]}

        wait_for(lambda: want <= delivered(), timeout=90, what="the queued events delivered after the restart")
        r = a.invoke(FunctionName="lasting", Qualifier="prod", Payload=b"{}", LogType="Tail")
        assert "REPORT" in base64.b64decode(r["LogResult"]).decode()
    finally:
        for h in hosts:
            h.close()
        nats.close()


def _answers(lam) -> bool:
    try:
        lam.list_functions()
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False
