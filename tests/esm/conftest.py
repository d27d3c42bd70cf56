"""Fixtures and helpers of the event source mapping (ESM) and destinations suite.

Everything is real: moto's standalone server (`.venv/bin/moto_server`, one per test module) plays SQS, SNS,
EventBridge and S3; Debian's `nats-server -js` (one per NATS module) plays JetStream; `lambkin serve` (one per
module) reaches both the way the AWS SDKs do — `AWS_ENDPOINT_URL` and `test` credentials in its environment,
`--nats-url` for NATS — with `--async-delay-scale 0.01` (async retries after 0.6 s and 1.2 s). Clients are
unchanged boto3 (Lambda on lambkin, the others on moto) and `nats-py` (JetStream streams and publishes).

* `moto` (module): the moto endpoint; `sqs`, `sns`, `events`, `s3`: boto3 clients on it.
* `nats` (module, only where a module sets `NATS = True`): a JetStream server; `Js` publishes to it.
* `server` (module): `lambkin serve` wired to moto (and NATS); `lam`: boto3's Lambda client on it.
* `RECORDER`: a `provided.al2023` function (stdlib Python, Runtime API) that logs every event it receives as one
  `EVENT {json}` line and fails on request (see its docstring); `received(server, fn)` reads those events back
  from the function's logs (`GET /lambkin/v1/functions/{name}/logs`), `records(...)` flattens their `Records`.
* `wait(...)`: `harness.wait_for` with serve's log tail (and moto's/NATS's) in the timeout message.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid as uuidlib
from pathlib import Path

import boto3
import pytest

from harness import ROOT, MotoServer, free_port, log_tail, stop_process, wait_for, wait_listening
from serve.conftest import ACCOUNT, ROLE, ROOT_ONLY, Serve, create, zip_files  # noqa: F401 - re-exported

REGION = "us-east-1"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION,
           "AWS_REGION": REGION}
ESM_ARN_PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:"


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def nats_stream_arn(stream: str) -> str:
    return f"arn:aws:nats:{REGION}:{ACCOUNT}:stream/{stream}"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuidlib.uuid4().hex[:8]}"


# -- the recorder function ---------------------------------------------------------------------------------------

RECORDER = r'''#!/usr/bin/python3
"""Logs each event as one line `EVENT <json>`, then answers per what it carries. The payload of a record is its
SQS `body` or its NATS `data` (base64-decoded); in it:
  "fail-all"      the whole invocation fails (a function error)
  "fail-item"     the record is reported in `batchItemFailures` (by its messageId)
  "fail-once"     like "fail-item", but only on the record's first delivery (SQS ApproximateReceiveCount "1",
                  NATS deliveryCount 1)
  "sleep=S"       sleeps S seconds first
Other events (direct or async invokes): {"fail": "msg"} fails with errorMessage "msg", else answers
{"echo": event}. A failure is posted to the Runtime API's /error as errorType "RecorderError".
"""
import base64, http.client, json, os, re, time

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))


def payload(rec):
    if isinstance(rec.get("body"), str):
        return rec["body"]
    if isinstance(rec.get("data"), str):
        try:
            return base64.b64decode(rec["data"]).decode("utf-8", "replace")
        except Exception:
            return ""
    return ""


def first_delivery(rec):
    if "deliveryCount" in rec:
        return int(rec["deliveryCount"]) <= 1
    return str(rec.get("attributes", {}).get("ApproximateReceiveCount", "1")) == "1"


while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    raw = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    try:
        ev = json.loads(raw or b"null")
    except ValueError:
        ev = {"unparsed": raw.decode("utf-8", "replace")}
    print("EVENT " + json.dumps(ev, separators=(",", ":")), flush=True)
    error, out = None, None
    records = ev.get("Records") if isinstance(ev, dict) else None
    if isinstance(records, list):
        texts = [(rec.get("messageId"), payload(rec), rec) for rec in records if isinstance(rec, dict)]
        for _, text, _ in texts:
            m = re.search(r"sleep=([0-9.]+)", text)
            if m:
                time.sleep(float(m.group(1)))
        if any("fail-all" in text for _, text, _ in texts):
            error = "the batch failed (fail-all)"
        else:
            failed = [i for i, text, rec in texts
                      if "fail-item" in text or ("fail-once" in text and first_delivery(rec))]
            out = {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
    elif isinstance(ev, dict) and "fail" in ev:
        error = str(ev["fail"])
    else:
        out = {"echo": ev}
    if error is not None:
        body = json.dumps({"errorType": "RecorderError", "errorMessage": error})
        conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/error", body=body,
                     headers={"Lambda-Runtime-Function-Error-Type": "RecorderError"})
    else:
        conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=json.dumps(out))
    conn.getresponse().read()
'''


def recorder_zip() -> bytes:
    return zip_files({"bootstrap": RECORDER}, {"bootstrap": 0o755})


def create_recorder(lam, name: str, **kw) -> str:
    """A recorder function named `name` (Active when this returns); its unqualified ARN."""
    create(lam, name, recorder_zip(), **kw)
    return fn_arn(name)


def _log_messages(server: Serve, name: str) -> list[str]:
    return [m for _, m in _log_events(server, name)]


def _log_events(server: Serve, name: str) -> list[tuple[int, str]]:
    """(timestamp in ms, message) of every log line of `name`."""
    out: list[tuple[int, str]] = []
    cursor = ""
    while True:
        url = f"{server.endpoint}/lambkin/v1/functions/{name}/logs?limit=10000&cursor={cursor}"
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                page = json.loads(r.read())
        except OSError:
            return out  # the server is restarting: nothing new yet
        events = page.get("events", [])
        out += [(int(e.get("timestamp", 0)), e["message"]) for e in events]
        if len(events) < 10000 or not page.get("nextCursor"):
            return out
        cursor = page["nextCursor"]


def received(server: Serve, name: str) -> list:
    """Every event the recorder `name` has received so far, in order (parsed)."""
    got = []
    for m in _log_messages(server, name):
        for line in m.splitlines():
            line = line.strip()
            if line.startswith("EVENT "):
                try:
                    got.append(json.loads(line[len("EVENT "):]))
                except ValueError:
                    pass
    return got


def timed_records(server: Serve, name: str) -> list[tuple[int, dict]]:
    """(log timestamp in ms, record) of every event-source record `name` received."""
    out = []
    for ts, m in _log_events(server, name):
        for line in m.splitlines():
            line = line.strip()
            if not line.startswith("EVENT "):
                continue
            try:
                ev = json.loads(line[len("EVENT "):])
            except ValueError:
                continue
            if isinstance(ev, dict) and isinstance(ev.get("Records"), list):
                out += [(ts, r) for r in ev["Records"]]
    return out


def batches(server: Serve, name: str) -> list[list[dict]]:
    """The `Records` of each event-source invocation of `name`, in order."""
    return [e["Records"] for e in received(server, name) if isinstance(e, dict) and isinstance(e.get("Records"), list)]


def records(server: Serve, name: str) -> list[dict]:
    return [r for b in batches(server, name) for r in b]


def nats_payload(rec: dict) -> str:
    return base64.b64decode(rec["data"]).decode()


# -- waiting with readable failures ------------------------------------------------------------------------------

def wait(server: Serve, predicate, timeout: float = 30, what: str = "condition", interval: float = 0.2,
         extra=None):
    """`wait_for` that, on timeout, says what it waited for and shows serve's log tail (and `extra()`)."""
    try:
        return wait_for(predicate, timeout=timeout, what=what, interval=interval)
    except TimeoutError as e:
        more = f"\n--- more ---\n{extra()}" if extra else ""
        raise AssertionError(f"{e}\n--- lambkin serve log (tail) ---\n{server.log()}{more}") from None


def wait_state(server: Serve, lam, uuid: str, state: str, timeout: float = 15) -> dict:
    """Polls GetEventSourceMapping until its State is `state`; the mapping."""
    seen = []

    def check():
        m = lam.get_event_source_mapping(UUID=uuid)
        seen.append(m["State"])
        return m if m["State"] == state else None

    return wait(server, check, timeout=timeout, interval=0.2,
                what=f"mapping {uuid} to turn {state} (states seen: {sorted(set(seen))})")


def wait_gone(server: Serve, lam, uuid: str, timeout: float = 15) -> None:
    def gone():
        try:
            lam.get_event_source_mapping(UUID=uuid)
            return False
        except lam.exceptions.ResourceNotFoundException:
            return True

    wait(server, gone, timeout=timeout, what=f"mapping {uuid} to be deleted")


def error_of(excinfo) -> tuple[str, int, str]:
    e = excinfo.value
    return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
            e.response["Error"].get("Message", ""))


# -- moto ---------------------------------------------------------------------------------------------------------

class Moto(MotoServer):
    """moto's standalone server on a free port (all services, in memory), with boto3 clients on it."""

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture(scope="module")
def moto():
    m = Moto()
    yield m
    m.close()


@pytest.fixture(scope="module")
def sqs(moto):
    return moto.client("sqs")


@pytest.fixture(scope="module")
def sns(moto):
    return moto.client("sns")


@pytest.fixture(scope="module")
def events(moto):
    return moto.client("events")


@pytest.fixture(scope="module")
def s3(moto):
    return moto.client("s3")


def make_queue(sqs, name: str, **attributes) -> tuple[str, str]:
    """Creates an SQS queue on moto (attributes as strings); its URL and ARN."""
    attrs = {k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in attributes.items()}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def queue_depth(sqs, url: str) -> int:
    """Visible + in flight + delayed messages of a queue."""
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(a.get(k, 0)) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                           "ApproximateNumberOfMessagesDelayed"))


def drain(sqs, url: str, want: int = 1, timeout: float = 30, server: Serve | None = None,
          what: str = "messages") -> list[dict]:
    """Receives (and deletes) messages from `url` until at least `want` came or `timeout` passed; all of them
    (with attributes and message attributes)."""
    got: list[dict] = []
    end = time.time() + timeout
    while len(got) < want and time.time() < end:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                AttributeNames=["All"], MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    if len(got) < want:
        log = f"\n--- lambkin serve log (tail) ---\n{server.log()}" if server else ""
        raise AssertionError(f"timed out after {timeout} s waiting for {want} {what} in {url}; got {got}{log}")
    return got


# -- NATS JetStream -----------------------------------------------------------------------------------------------

class NatsServer:
    """One `nats-server -js` on a free port with its own store."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="lambkin-esm-nats-"))
        self.log_path = self.dir.parent / f"{self.dir.name}.log"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port),
                                      "-sd", str(self.dir)], stdout=log, stderr=log, start_new_session=True)
        wait_listening(self.proc, self.port, "nats-server", self.log, timeout=20)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def log(self) -> str:
        return log_tail(self.log_path, 2000)

    def close(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            self.log_path.unlink()
        except OSError:
            pass


class Js:
    """JetStream through nats-py, one short connection per call (wrapped in `asyncio.run`)."""

    def __init__(self, url: str):
        self.url = url

    def _run(self, work):
        import nats  # nats-py (see the module docstring of test_esm_nats.py)

        async def main():
            nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=0)
            try:
                return await work(nc.jetstream())
            finally:
                await nc.close()

        return asyncio.run(main())

    def add_stream(self, name: str, subjects: list[str]) -> None:
        async def work(js):
            await js.add_stream(name=name, subjects=subjects)
        self._run(work)

    def publish(self, subject: str, data: bytes | str, headers: dict[str, str] | None = None) -> int:
        """Publishes one message; its stream sequence."""
        if isinstance(data, str):
            data = data.encode()

        async def work(js):
            return (await js.publish(subject, data, headers=headers)).seq
        return self._run(work)

    def publish_many(self, items: list[tuple[str, bytes | str]]) -> list[int]:
        async def work(js):
            seqs = []
            for subject, data in items:
                seqs.append((await js.publish(subject, data.encode() if isinstance(data, str) else data)).seq)
            return seqs
        return self._run(work)

    def consumers(self, stream: str) -> list:
        """ConsumerInfo of every consumer of `stream`."""
        async def work(js):
            return await js.consumers_info(stream)
        return self._run(work)


@pytest.fixture(scope="module")
def nats_server(request):
    if not getattr(request.module, "NATS", False):
        pytest.skip("this module does not use NATS")
    n = NatsServer()
    yield n
    n.close()


@pytest.fixture(scope="module")
def js(nats_server):
    return Js(nats_server.url)


# -- lambkin serve ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(request, moto):
    args = ["--async-delay-scale", "0.01", *getattr(request.module, "SERVE_ARGS", ())]
    if getattr(request.module, "NATS", False):
        args += ["--nats-url", request.getfixturevalue("nats_server").url]
    s = Serve(*args, env={**AWS_ENV, "AWS_ENDPOINT_URL": moto.endpoint})
    yield s
    s.close()


@pytest.fixture(scope="module")
def lam(server):
    return server.client()
