"""Fixtures and helpers of the `lambkin serve` suites: start the real server, real boto3 clients, zips, the AWS
CLIs.

Nothing here mocks lambkin: `Serve` runs `target/debug/lambkin serve` on a free port with its own data
directory; clients are unchanged boto3 and AWS CLI v1 (PyPI) / v2 (Debian).

* `server` fixture: one `Serve` per test module, closed after it; its command-line options come from the
  module's `SERVE_ARGS` (a tuple, default none).
* `lam` fixture: boto3's Lambda client on `server`; a module's `LAMBDA_CLIENT` (a dict of botocore `Config`
  options, e.g. a longer `read_timeout`) adjusts it.
* `ROOT_ONLY`: the `pytestmark` of the modules that need root (serve's default isolation).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from harness import FIXTURES, LAMBKIN, ROOT, bin_path, free_port, log_tail, wait_listening

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="serve's default isolation needs root")

ROLE = "arn:aws:iam::123456789012:role/lambda"
ACCOUNT = "123456789012"
SERVE_FN = FIXTURES / "serve" / "bootstrap"
CLI_V1 = ROOT / ".venv" / "bin" / "aws"
CLI_V2 = Path("/usr/bin/aws")


@pytest.fixture(scope="module")
def server(request):
    s = Serve(*getattr(request.module, "SERVE_ARGS", ()))
    yield s
    s.close()


@pytest.fixture(scope="module")
def lam(request, server):
    return server.client(**getattr(request.module, "LAMBDA_CLIENT", {}))


class Serve:
    """A running `lambkin serve`."""

    def __init__(self, *args: str, listen_host: str = "127.0.0.1", data_dir: Path | None = None,
                 env: dict[str, str] | None = None):
        self.env = env
        self.port = free_port()
        self.listen_host = listen_host
        self.args = list(args)
        self.own_data = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="lambkin-serve-"))
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(LAMBKIN), "serve", "--listen", f"{self.listen_host}:{self.port}",
             "--data-dir", str(self.data_dir),
             *([] if "--keep-alive-secs" in self.args else ["--keep-alive-secs", "60"]), *self.args],
            stdout=log, stderr=log, start_new_session=True,
            env=None if self.env is None else {**os.environ, **self.env},
        )
        wait_listening(self.proc, self.port, "lambkin serve", self.log)

    def log(self) -> str:
        return log_tail(self.log_path)

    def client(self, region: str = "us-east-1", key: str = "test", secret: str = "test", **cfg):
        return boto3.client(
            "lambda", endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=Config(**{"retries": {"total_max_attempts": 1}, "read_timeout": 120, **cfg}),
        )

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        # A child the server was forking at that moment holds its listening socket until it execs or dies (a few
        # milliseconds): wait until nothing answers on the port, so a restart is not taken for up too early.
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.02)

    def restart(self) -> None:
        self.start()

    def close(self) -> None:
        self.stop()
        if self.own_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            try:
                self.log_path.unlink()
            except OSError:
                pass


def zip_files(files: dict[str, bytes | str], modes: dict[str, int] | None = None) -> bytes:
    """A zip of `files` (name -> content); `modes` gives unix modes (default 0644)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | (modes or {}).get(name, 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


def zip_bootstrap(path: Path = SERVE_FN, extra: dict[str, bytes | str] | None = None) -> bytes:
    """A `provided.al2023` zip: `path` as an executable `bootstrap`, plus `extra` files."""
    files: dict[str, bytes | str] = {"bootstrap": Path(path).read_bytes()}
    files.update(extra or {})
    return zip_files(files, {"bootstrap": 0o755})


def rust_function_zip() -> bytes:
    return zip_bootstrap(bin_path("rust-function"))


def create(lam, name: str, code: bytes | None = None, **kw) -> dict:
    """CreateFunction with sensible defaults, then wait until Active."""
    args = dict(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                Code={"ZipFile": code if code is not None else zip_bootstrap()})
    args.update(kw)
    out = lam.create_function(**args)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    return out


def read_stream(response: dict) -> tuple[bytes, dict | None]:
    """An `InvokeWithResponseStream` answer read to its end: its `PayloadChunk`s joined, its `InvokeComplete`."""
    chunks, complete = [], None
    for ev in response["EventStream"]:
        if "PayloadChunk" in ev:
            chunks.append(ev["PayloadChunk"]["Payload"])
        if "InvokeComplete" in ev:
            complete = ev["InvokeComplete"]
    return b"".join(chunks), complete


def cli(server: Serve, *args: str, v: int = 1) -> tuple[int, str, str]:
    """Runs AWS CLI v1 (PyPI) or v2 (Debian) against the server."""
    exe = CLI_V1 if v == 1 else CLI_V2
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    env.pop("AWS_ENDPOINT_URL", None)
    p = subprocess.run([str(exe), "--endpoint-url", server.endpoint, *args],
                       capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def queue_while_throttled(lam, name: str, prefix: str, n: int):
    """Throttles `name` (reserved concurrency 0) and queues `n` Event invokes printing `<prefix>-<i>`: the events
    wait in the async queue."""
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for i in range(n):
        r = lam.invoke(FunctionName=name, InvocationType="Event",
                       Payload=json.dumps({"print": f"{prefix}-{i}"}).encode())
        assert r["StatusCode"] == 202
