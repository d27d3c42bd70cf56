"""`GET /metrics`: Lambda's CloudWatch metrics as Prometheus/OpenMetrics text, read with the Prometheus client
library's own parsers (PyPI `prometheus-client`) after a known sequence of invokes, errors, throttles and cold
starts."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as prometheus_families

from .conftest import ROOT_ONLY, Serve, create

pytestmark = ROOT_ONLY

REGION = "us-east-1"


def scrape(server: Serve, **headers) -> tuple[str, str]:
    req = urllib.request.Request(f"{server.endpoint}/metrics", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["Content-Type"], r.read().decode()


def samples(text: str) -> list:
    """Every sample, parsed by the strict OpenMetrics parser (and the Prometheus text parser must read it too)."""
    list(prometheus_families(text))
    return [s for fam in openmetrics_families(text) for s in fam.samples]


def value(text: str, name: str, **labels) -> float:
    """The sum of the samples called `name` whose labels include `labels`."""
    found = [s.value for s in samples(text) if s.name == name
             and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


def wait_for(server: Serve, name: str, want: float, **labels) -> str:
    deadline = time.time() + 60
    while True:
        _, text = scrape(server)
        if value(text, name, **labels) == want or time.time() > deadline:
            return text
        time.sleep(0.2)


def test_a_known_sequence_of_invokes(server, lam):
    name = "metrics-seq"
    create(lam, name)
    for i in range(3):
        r = lam.invoke(FunctionName=name, Payload=json.dumps({"print": f"ok-{i}"}).encode())
        assert "FunctionError" not in r
    for _ in range(2):
        r = lam.invoke(FunctionName=name, Payload=b'{"fail": "boom"}')
        assert r["FunctionError"] == "Unhandled"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for _ in range(2):
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName=name, Payload=b"{}")
    lam.delete_function_concurrency(FunctionName=name)

    fn = dict(region=REGION, function_name=name, resource=name, executed_version="$LATEST")
    text = wait_for(server, "lambda_invocations_total", 5, **fn)
    assert value(text, "lambda_invocations_total", **fn) == 5
    assert value(text, "lambda_errors_total", **fn) == 2
    assert value(text, "lambda_throttles_total", **fn) == 2
    # One environment served every invoke: one cold start, one init duration.
    assert value(text, "lambda_cold_starts_total", **fn) == 1
    assert value(text, "lambda_init_duration_seconds_count", **fn) == 1
    assert value(text, "lambda_duration_seconds_count", **fn) == 5
    assert value(text, "lambda_duration_seconds_sum", **fn) > 0
    assert value(text, "lambda_duration_seconds_bucket", le="+Inf", **fn) == 5
    assert value(text, "lambda_max_memory_used_bytes_count", **fn) == 5
    # Nothing runs now; the function's gauge says so once it has been seen busy or not at all.
    assert value(text, "lambda_concurrent_executions", function_name=name) == 0
    assert value(text, "lambkin_environments", state="idle") >= 1
    assert value(text, "lambkin_memory_budget_bytes") > 0


def test_versions_and_aliases_are_labelled(server, lam):
    name = "metrics-alias"
    create(lam, name)
    v = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=v)
    lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    lam.invoke(FunctionName=f"{name}:{v}", Payload=b"{}")
    # Each invoke is counted when its invoke phase ends, a moment after its answer.
    wait_for(server, "lambda_invocations_total", 1, function_name=name, resource=f"{name}:live")
    text = wait_for(server, "lambda_invocations_total", 1, function_name=name, resource=f"{name}:{v}")
    assert value(text, "lambda_invocations_total", function_name=name, resource=f"{name}:live",
                 executed_version=v) == 1
    assert value(text, "lambda_invocations_total", function_name=name, resource=f"{name}:{v}",
                 executed_version=v) == 1
    assert value(text, "lambda_invocations_total", function_name=name, executed_version="$LATEST") == 0


def test_async_events(server, lam):
    name = "metrics-async"
    create(lam, name)
    for i in range(3):
        assert lam.invoke(FunctionName=name, InvocationType="Event",
                          Payload=json.dumps({"print": f"a-{i}"}).encode())["StatusCode"] == 202
    text = wait_for(server, "lambda_invocations_total", 3, function_name=name)
    assert value(text, "lambda_async_events_received_total", function_name=name) == 3
    text = wait_for(server, "lambda_async_event_age_seconds_count", 3, function_name=name)
    assert value(text, "lambda_async_event_age_seconds_count", function_name=name) == 3
    assert value(text, "lambkin_async_queue_depth") == 0


def test_content_type_and_method(server):
    content_type, text = scrape(server)
    assert content_type.startswith("application/openmetrics-text")
    assert text.endswith("# EOF\n")
    req = urllib.request.Request(f"{server.endpoint}/metrics", method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 405


def test_beyond_loopback_metrics_need_an_access_key(tmp_path):
    s = Serve("--access-key", "AKIDMETRICS:metrics-secret", listen_host="0.0.0.0")
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            scrape(s)
        # Loopback is not what the server listens on here (0.0.0.0): the rules of a public address apply.
        assert e.value.code == 401
        assert e.value.headers["WWW-Authenticate"].startswith("Basic")
        bad = base64.b64encode(b"AKIDMETRICS:wrong").decode()
        with pytest.raises(urllib.error.HTTPError):
            scrape(s, Authorization=f"Basic {bad}")
        good = base64.b64encode(b"AKIDMETRICS:metrics-secret").decode()
        _, text = scrape(s, Authorization=f"Basic {good}")
        assert "lambkin_environments" in text
    finally:
        s.close()


def test_provisioned_concurrency_utilization_and_spillover(server, lam):
    name = "metrics-provisioned"
    create(lam, name)
    v = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=v)
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    deadline = time.time() + 120
    while lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")["Status"] != "READY":
        assert time.time() < deadline, "provisioned concurrency never READY"
        time.sleep(0.3)
    res = dict(function_name=name, resource=f"{name}:{v}")
    _, text = scrape(server)
    assert value(text, "lambda_provisioned_concurrency_utilization", **res) == 0
    # Two invokes at once: one on the provisioned environment, the other spills over to an on-demand one.
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        busy = pool.submit(lam.invoke, FunctionName=name, Qualifier="live", Payload=b'{"sleep": 3}')
        deadline = time.time() + 60
        while value(scrape(server)[1], "lambda_provisioned_concurrent_executions", **res) != 1:
            assert time.time() < deadline, "the provisioned environment never busy"
            time.sleep(0.05)
        assert value(scrape(server)[1], "lambda_provisioned_concurrency_utilization", **res) == 1
        spill = pool.submit(lam.invoke, FunctionName=name, Qualifier="live", Payload=b"{}")
        spill.result()
        busy.result()
    text = wait_for(server, "lambda_invocations_total", 2, function_name=name, resource=f"{name}:live")
    assert value(text, "lambda_provisioned_concurrency_spillover_invocations_total", function_name=name,
                 resource=f"{name}:live") == 1
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")


def console_metrics(server: Serve, name: str) -> dict:
    with urllib.request.urlopen(f"{server.endpoint}/console/api/functions/{name}/metrics?window=1h",
                                timeout=30) as r:
        return json.loads(r.read())


def written_invocations(server: Serve, name: str) -> int:
    db = sqlite3.connect(f"file:{server.data_dir / 'metrics.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT data FROM minutes WHERE function = ?", (name,)).fetchall()
    finally:
        db.close()
    return sum(json.loads(d).get("i", 0) for (d,) in rows)


def test_the_one_minute_history_survives_restarts():
    s = Serve()
    try:
        lam = s.client()
        name = "metrics-history"
        create(lam, name)
        for _ in range(4):
            lam.invoke(FunctionName=name, Payload=b"{}")
        lam.invoke(FunctionName=name, Payload=b'{"fail": "no"}')

        def totals() -> tuple[int, int, int]:
            m = console_metrics(s, name)
            return (sum(p["invocations"] for p in m["points"]), sum(p["errors"] for p in m["points"]),
                    len(m["recent"]))

        deadline = time.time() + 60
        while totals() != (5, 1, 5):
            assert time.time() < deadline, totals()
            time.sleep(0.2)
        # A graceful stop writes the history; so does the flush every few seconds before a kill -9.
        s.stop()
        s.restart()
        assert totals() == (5, 1, 5)
        lam.invoke(FunctionName=name, Payload=b"{}")
        # The file has it once the periodic flush ran (read as any SQLite reader would).
        deadline = time.time() + 60
        while written_invocations(s, name) != 6:
            assert time.time() < deadline, written_invocations(s, name)
            time.sleep(0.2)
        s.kill9()
        s.restart()
        assert totals() == (6, 1, 6)
    finally:
        s.close()
