"""Three lambkin hosts on one 3-node NATS JetStream cluster (R3): every host serves the same functions, versions,
aliases, layers and URL configurations the moment another host wrote them; invokes succeed through every host
(code uploaded to one host runs on the others); reserved concurrency counts cluster-wide; logs of every host are
read on any host."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError

from harness import LAMBKIN, wait_for
from serve.conftest import ROLE, create, zip_bootstrap, zip_files

from .conftest import ROOT_ONLY, cluster_host

pytestmark = ROOT_ONLY


@pytest.fixture(scope="module")
def hosts(nats):
    hs = [cluster_host(nats, i) for i in (1, 2, 3)]
    yield hs
    for h in hs:
        h.close()


def clients(hosts):
    return [h.client() for h in hosts]


def test_every_host_sees_what_one_wrote(hosts):
    a, b, c = clients(hosts)
    create(a, "shared", Environment={"Variables": {"KEY": "v1"}})
    # Read through the other hosts at once, no waiting.
    for lam in (b, c):
        got = lam.get_function(FunctionName="shared")["Configuration"]
        assert got["Environment"]["Variables"] == {"KEY": "v1"}
    b.update_function_configuration(FunctionName="shared", Environment={"Variables": {"KEY": "v2"}})
    assert c.get_function_configuration(FunctionName="shared")["Environment"]["Variables"] == {"KEY": "v2"}
    c.get_waiter("function_updated_v2").wait(FunctionName="shared", WaiterConfig={"Delay": 1})
    v = c.publish_version(FunctionName="shared")["Version"]
    assert v == "1"
    a.create_alias(FunctionName="shared", Name="live", FunctionVersion="1")
    assert b.get_alias(FunctionName="shared", Name="live")["FunctionVersion"] == "1"
    assert [x["Version"] for x in a.list_versions_by_function(FunctionName="shared")["Versions"]] == ["$LATEST", "1"]
    url = b.create_function_url_config(FunctionName="shared", Qualifier="live", AuthType="NONE")["FunctionUrl"]
    # The same URL id; each host names itself as the URL's authority.
    same = c.get_function_url_config(FunctionName="shared", Qualifier="live")["FunctionUrl"]
    assert same.rsplit(":", 1)[0] == url.rsplit(":", 1)[0]
    names = {f["FunctionName"] for f in c.list_functions()["Functions"]}
    assert "shared" in names


def test_layers_and_conflicts_across_hosts(hosts):
    a, b, c = clients(hosts)
    zipped = zip_files({"python/x.py": "X = 1\n"})
    v1 = a.publish_layer_version(LayerName="lib", Content={"ZipFile": zipped})["Version"]
    v2 = b.publish_layer_version(LayerName="lib", Content={"ZipFile": zipped})["Version"]
    assert (v1, v2) == (1, 2)
    assert [x["Version"] for x in c.list_layer_versions(LayerName="lib")["LayerVersions"]] == [2, 1]
    create(a, "taken")
    with pytest.raises(ClientError) as e:
        create(b, "taken")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    c.delete_function(FunctionName="taken")
    with pytest.raises(ClientError) as e:
        a.get_function(FunctionName="taken")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_concurrent_creates_on_three_hosts_all_land(hosts):
    lams = clients(hosts)
    errors: list[Exception] = []

    def make(i: int) -> None:
        try:
            lams[i % 3].create_function(FunctionName=f"race-{i}", Runtime="provided.al2023", Role=ROLE,
                                        Handler="bootstrap", Code={"ZipFile": zip_bootstrap()})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=make, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for lam in lams:
        names = {f["FunctionName"] for f in lam.list_functions(MaxItems=1000)["Functions"]}
        assert {f"race-{i}" for i in range(12)} <= names


def test_invokes_through_every_host(hosts):
    a, b, c = clients(hosts)
    create(b, "echo-everywhere")
    for lam in (a, b, c):
        r = lam.invoke(FunctionName="echo-everywhere", Payload=json.dumps({"n": 1}).encode())
        assert r["StatusCode"] == 200
        assert json.loads(r["Payload"].read())["event"] == {"n": 1}


def test_reserved_concurrency_counts_cluster_wide(hosts):
    a, b, c = clients(hosts)
    create(a, "one-at-a-time")
    a.put_function_concurrency(FunctionName="one-at-a-time", ReservedConcurrentExecutions=1)
    # Back-to-back invokes through both hosts are not throttled (a slot just given back is waited for).
    for lam in (a, b):
        lam.invoke(FunctionName="one-at-a-time", Payload=b"{}")
    outcomes: list[str] = []

    def call(lam) -> None:
        try:
            lam.invoke(FunctionName="one-at-a-time", Payload=json.dumps({"sleep": 2}).encode())
            outcomes.append("ok")
        except ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            assert e.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
            outcomes.append("429")

    threads = [threading.Thread(target=call, args=(lam,)) for lam in (a, b)]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["429", "ok"]
    # The slot is given back: the next invoke through the third host runs.
    assert c.invoke(FunctionName="one-at-a-time", Payload=b"{}")["StatusCode"] == 200


def test_logs_of_every_host_on_any_host(hosts):
    a, b, c = clients(hosts)
    create(a, "chatty")
    a.invoke(FunctionName="chatty", Payload=json.dumps({"print": "from-h1"}).encode())
    c.invoke(FunctionName="chatty", Payload=json.dumps({"print": "from-h3"}).encode())

    def logs_on(host) -> str:
        p = subprocess.run([str(LAMBKIN), "logs", "chatty", "--endpoint", host.endpoint],
                           capture_output=True, text=True, timeout=30)
        return p.stdout

    wait_for(lambda: "from-h1" in logs_on(hosts[1]) and "from-h3" in logs_on(hosts[1]),
             timeout=10, what="both hosts' lines on h2")


def environments(host) -> int:
    import urllib.request
    with urllib.request.urlopen(f"{host.endpoint}/lambkin/v1/health") as r:
        return int(json.loads(r.read())["environments"])


def test_a_function_runs_on_its_home_host_and_stays_warm(hosts):
    lams = clients(hosts)
    create(lams[0], "homed")
    before = sum(environments(h) for h in hosts)
    for _ in range(3):
        for lam in lams:
            r = lam.invoke(FunctionName="homed", Payload=json.dumps({"n": 2}).encode(), LogType="Tail")
            assert json.loads(r["Payload"].read())["event"] == {"n": 2}
            assert "REPORT RequestId" in __import__("base64").b64decode(r["LogResult"]).decode()
    # Nine invokes through three hosts, one after another: one environment, on the function's home host.
    assert sum(environments(h) for h in hosts) - before == 1


def test_streaming_and_big_payloads_cross_hosts(hosts):
    lams = clients(hosts)
    create(lams[0], "big")
    big = "x" * (3 * 1024 * 1024)
    for lam in lams:
        r = lam.invoke(FunctionName="big", Payload=json.dumps({"blob": big}).encode())
        assert json.loads(r["Payload"].read())["event"]["blob"] == big
        s = lam.invoke_with_response_stream(FunctionName="big", Payload=json.dumps({"n": 3}).encode())
        body = b"".join(e["PayloadChunk"]["Payload"] for e in s["EventStream"] if "PayloadChunk" in e)
        assert json.loads(body)["event"] == {"n": 3}


def test_function_urls_answer_through_every_host(hosts):
    import urllib.request
    lams = clients(hosts)
    create(lams[0], "by-url")
    url = lams[1].create_function_url_config(FunctionName="by-url", AuthType="NONE")["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    for h in hosts:
        with urllib.request.urlopen(f"{h.endpoint}/lambkin/v1/urls/{url_id}/hello?x=1") as r:
            assert r.status == 200
            seen = json.loads(r.read())
        assert seen["path"] == "/hello" and seen["query"] == {"x": "1"}
