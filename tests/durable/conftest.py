"""Fixtures of the durable functions suite: AWS's durable execution SDKs, unchanged, in functions that
`lambkin serve` runs, driven with unchanged boto3.

Nothing is mocked. The Python SDK (`aws-durable-execution-sdk-python`, installed into `.venv` by
`scripts/install-test-deps.sh` together with AWS's testing package) is copied from `.venv` into each function's
zip next to its `app.py`, as a user would package it; the function calls the Lambda API from inside its
environment (`AWS_ENDPOINT_URL_LAMBDA`, served by its init) with the managed runtime's boto3.

* `server` (module): `lambkin serve`, its options from the module's `SERVE_ARGS`; `lam`: boto3 on it.
* `py_runtime` (module): the newest of `python3.13`, `python3.12`, `python3.11` the host serves (the SDK
  needs 3.11+).
* `deploy(lam, name, source, …)`: creates a durable function from a handler's source.
* `wait_status`, `events`, `callback_id`: read an execution as a client would, polling where the SDK's own
  cloud runner polls.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from harness import LAMBKIN
from serve.conftest import ACCOUNT, ROLE, ROOT_ONLY, Serve, server  # noqa: F401 - re-exported; `server` is serve's fixture

REGION = "us-east-1"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED")


def sdk_dir() -> Path:
    """The installed `aws_durable_execution_sdk_python` package of the test environment."""
    import aws_durable_execution_sdk_python as sdk  # noqa: PLC0415 - only where a zip is built

    return Path(sdk.__file__).parent


def durable_zip(source: str, extra: dict[str, str] | None = None) -> bytes:
    """A function zip: `app.py` and the SDK's package, as `pip install --target` would lay them out."""
    buf = io.BytesIO()
    root = sdk_dir()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.py", source)
        for name, text in (extra or {}).items():
            z.writestr(name, text)
        for f in root.rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                z.write(f, str(Path(root.name) / f.relative_to(root)))
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(server):
    return server.client(region=REGION, read_timeout=300)


@pytest.fixture(scope="module")
def py_runtime(server) -> str:
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:]) if len(r) > 1}
    for rt in ("python3.13", "python3.12", "python3.11"):
        if table.get(rt) in ("served", "available"):
            return rt
    pytest.fail(f"this host serves no Python 3.11+ runtime: {table}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def deploy(lam, name: str, source: str, runtime: str, *, execution_timeout: int = 600,
           retention: int = 1, timeout: int = 60, env: dict[str, str] | None = None,
           durable: bool = True, handler: str = "app.handler") -> dict:
    kw = {}
    if durable:
        kw["DurableConfig"] = {"ExecutionTimeout": execution_timeout, "RetentionPeriodInDays": retention}
    if env:
        kw["Environment"] = {"Variables": env}
    return lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                               Code={"ZipFile": durable_zip(source)}, Timeout=timeout, MemorySize=256, **kw)


def start(lam, name: str, payload, *, qualifier: str = "$LATEST", execution_name: str | None = None) -> str:
    """An `Event` invoke: the new execution's ARN."""
    kw = {"DurableExecutionName": execution_name} if execution_name else {}
    r = lam.invoke(FunctionName=f"{name}:{qualifier}", InvocationType="Event", Payload=json.dumps(payload), **kw)
    assert r["StatusCode"] == 202, r
    return r["DurableExecutionArn"]


def wait_status(lam, arn: str, statuses=TERMINAL, timeout: float = 120) -> dict:
    end = time.time() + timeout
    while True:
        e = lam.get_durable_execution(DurableExecutionArn=arn)
        if e["Status"] in statuses:
            return e
        if time.time() > end:
            raise TimeoutError(f"{arn} still {e['Status']} after {timeout} s (wanted {statuses})")
        time.sleep(0.2)


def events(lam, arn: str, include: bool = True) -> list[dict]:
    out, marker = [], None
    while True:
        kw = {"Marker": marker} if marker else {}
        page = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=include, **kw)
        out.extend(page["Events"])
        marker = page.get("NextMarker")
        if not marker:
            return out


def types(evs: list[dict]) -> list[str]:
    return [e["EventType"] for e in evs]


def last_outcome(evs: list[dict]) -> str:
    """The last event type other than `InvocationCompleted`: an execution stopped or timed out while an
    invocation still runs records that invocation's end after the execution's own end."""
    return [t for t in types(evs) if t != "InvocationCompleted"][-1]


def callback_id(lam, arn: str, name: str | None = None, timeout: float = 60) -> str:
    end = time.time() + timeout
    while time.time() < end:
        for e in events(lam, arn):
            if e["EventType"] == "CallbackStarted" and (name is None or e.get("Name") == name):
                return e["CallbackStartedDetails"]["CallbackId"]
        time.sleep(0.2)
    raise TimeoutError(f"no callback{' ' + name if name else ''} started in {arn}")


def result(e: dict):
    return json.loads(e["Result"]) if e.get("Result") else None


__all__ = ["sys"]
