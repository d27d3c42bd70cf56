"""`lambkin serve`: every destination record arrives, also under load, and soon. Seventeen functions at once —
some invoked synchronously, some flooded with hundreds of slow events, failing ones whose events
(`MaximumRetryAttempts: 0`) go to an `OnFailure` function — with a memory budget that throttles some invokes:
each failed event's record must reach the destination within 45 s, long before the floods drain (a backlog of
other functions' events must not hold them up, a throttled destination invoke is retried). And records waiting
for a throttled destination survive a `kill -9`."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import wait_for

from .conftest import ACCOUNT, ROOT_ONLY, Serve, create, zip_files

pytestmark = ROOT_ONLY

# A destination that logs, per record it receives, the request id and condition of the event reported on.
SINK = r"""#!/usr/bin/python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    ev = json.loads(r.read() or b"{}")
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    ctx = ev.get("requestContext", {}) if isinstance(ev, dict) else {}
    print("RECORD " + json.dumps({"id": ctx.get("requestId"), "condition": ctx.get("condition")}), flush=True)
    conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body="{}")
    conn.getresponse().read()
"""

SINK_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:sink"
BUSY = [f"busy-{i}" for i in range(7)]
FLOODED = [f"flooded-{i}" for i in range(3)]
FLOOD_EVENTS = 300
FAILING = [f"failing-{i}" for i in range(6)]
EVENTS_PER_FAILING = 5


def sink_zip() -> bytes:
    return zip_files({"bootstrap": SINK}, {"bootstrap": 0o755})


def records(server, name="sink"):
    url = f"{server.endpoint}/lambkin/v1/functions/{name}/logs?limit=10000"
    with urllib.request.urlopen(url) as r:
        lines = [e["message"] for e in json.loads(r.read())["events"]]
    return [json.loads(m[len("RECORD "):]) for m in lines if m.startswith("RECORD ")]


def dead_letters(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/dead-letters") as r:
        return json.loads(r.read())["deadLetters"]


def test_every_failure_record_arrives_under_load():
    # 32 environments of 128 MB for up to 47 wanted: invokes are throttled now and then (429), destination
    # deliveries included — they must be retried, not dropped.
    s = Serve("--async-delay-scale", "0.01", "--memory-budget-mb", "4096")
    stop = threading.Event()
    try:
        lam = s.client()
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(create, s.client(), "sink", sink_zip())]
            futures += [pool.submit(create, s.client(), n) for n in BUSY + FLOODED + FAILING]
            for f in futures:
                f.result()
        for name in FAILING:
            lam.put_function_event_invoke_config(
                FunctionName=name, MaximumRetryAttempts=0,
                DestinationConfig={"OnFailure": {"Destination": SINK_ARN}})

        def sync_load(name):
            client = s.client()
            while not stop.is_set():
                try:
                    client.invoke(FunctionName=name, Payload=b'{"sleep": 0.3}')
                except Exception:  # noqa: BLE001 - throttles (429) are part of the load
                    time.sleep(0.05)

        threads = [threading.Thread(target=sync_load, args=(n,), daemon=True) for n in BUSY]
        for t in threads:
            t.start()

        def flood(name):
            # 300 events of 1 s, at most 4 at once: this function's backlog lasts over a minute.
            client = s.client()
            for _ in range(FLOOD_EVENTS):
                client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"sleep": 1}')

        def failures(name):
            client = s.client()
            ids = []
            for j in range(EVENTS_PER_FAILING):
                r = client.invoke(FunctionName=name, InvocationType="Event",
                                  Payload=json.dumps({"fail": f"{name}-{j}"}).encode())
                assert r["StatusCode"] == 202
                ids.append(r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
            return ids

        with ThreadPoolExecutor(len(FLOODED)) as pool:
            for f in [pool.submit(flood, n) for n in FLOODED]:
                f.result()
        with ThreadPoolExecutor(len(FAILING)) as pool:
            failed = [pool.submit(failures, n) for n in FAILING]
            expected = {i for f in failed for i in f.result()}
        assert len(expected) == len(FAILING) * EVENTS_PER_FAILING

        def all_arrived():
            got = {r["id"] for r in records(s) if r["condition"] == "RetriesExhausted"}
            return expected <= got

        wait_for(all_arrived, 45, "every OnFailure record at the destination")
        stop.set()
        for name in FAILING:
            letters = dead_letters(s, name)
            assert len(letters) == EVENTS_PER_FAILING, (name, letters)
            assert all(d["requestContext"]["approximateInvokeCount"] == 1 for d in letters)
    finally:
        stop.set()
        s.close()


def test_records_for_a_throttled_destination_survive_kill9():
    data = Path(tempfile.mkdtemp(prefix="lambkin-dest-"))
    s = Serve("--async-delay-scale", "0.01", data_dir=data)
    try:
        lam = s.client()
        create(lam, "sink", sink_zip())
        create(lam, "failing")
        lam.put_function_event_invoke_config(
            FunctionName="failing", MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": SINK_ARN}})
        # The destination is throttled: its records wait in the queue.
        lam.put_function_concurrency(FunctionName="sink", ReservedConcurrentExecutions=0)
        ids = []
        for j in range(4):
            r = lam.invoke(FunctionName="failing", InvocationType="Event",
                           Payload=json.dumps({"fail": f"f-{j}"}).encode())
            ids.append(r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
        wait_for(lambda: len(dead_letters(s, "failing")) == 4, 60, "the four failures")
        time.sleep(1)
        assert records(s) == []
        s.kill9()
        s.restart()
        lam = s.client()
        lam.delete_function_concurrency(FunctionName="sink")
        wait_for(lambda: set(ids) <= {r["id"] for r in records(s)}, 60,
                 "the four records after the restart")
    finally:
        s.close()
        shutil.rmtree(data, ignore_errors=True)
