"""Shared test harness: starts the real `lambkin` binary and talks HTTP to it.

Every integration test drives an unchanged binary (`target/debug/lambkin` unless
`LAMBKIN_BIN` says otherwise) over real sockets; nothing here mocks lambkin.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PROFILE = os.environ.get("LAMBKIN_PROFILE", "debug")
LAMBKIN = Path(os.environ.get("LAMBKIN_BIN", TARGET / PROFILE / "lambkin"))
VENV_PYTHON = Path(os.environ.get("LAMBKIN_TEST_PYTHON", ROOT / ".venv" / "bin" / "python"))
NODE_RIC = FIXTURES / "node" / "node_modules" / "aws-lambda-ric" / "bin" / "index.mjs"


def bin_path(name: str) -> Path:
    """Path of a binary built from this workspace (fixtures, examples)."""
    return TARGET / PROFILE / name


def log_tail(path: Path, chars: int = 4000) -> str:
    """The last `chars` characters of a server's log file ("" when it cannot be read)."""
    try:
        return Path(path).read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def wait_listening(proc: subprocess.Popen, port: int, what: str, log, timeout: float = 30) -> None:
    """Waits until 127.0.0.1:`port` accepts connections; raises with `log()` (the server's output) when `proc`
    exits first or nothing listens within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen: {log()}")


def stop_process(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """Ends a server the tests started: SIGTERM, then SIGKILL after `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class MotoServer:
    """moto's standalone server (`.venv/bin/moto_server`: S3, SQS, SNS, EventBridge, IAM, … in memory) on a free
    port of loopback; `env` adds to its environment (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`)."""

    PATH = ROOT / ".venv" / "bin" / "moto_server"

    def __init__(self, env: dict[str, str] | None = None):
        import tempfile
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"lambkin-moto-{self.port}.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(self.PATH), "-H", "127.0.0.1", "-p", str(self.port)], stdout=log,
                                     stderr=log, start_new_session=True, env={**os.environ, **(env or {})})
        wait_listening(self.proc, self.port, "moto_server", self.log, timeout=60)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return log_tail(self.log_path, 2000)

    def close(self) -> None:
        stop_process(self.proc, timeout=30)
        try:
            self.log_path.unlink()
        except OSError:
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Response:
    """One HTTP/1.1 request on a fresh connection; headers come back lower-cased."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        return Response(r.status, hdrs, data)
    finally:
        conn.close()


@dataclass
class Rie:
    """A running `lambkin rie` process.

    `command` is the bootstrap and its arguments (may be empty); `env` is added to
    a minimal environment; the process's stdout (function output, START/END/REPORT)
    and stderr (lambkin's own log) are collected line by line.
    """

    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    extensions_dir: str | None = None
    extra_args: list[str] = field(default_factory=list)
    api_port: int = 0
    invoke_port: int = 0
    proc: subprocess.Popen | None = None
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.api_port = self.api_port or free_port()
        self.invoke_port = self.invoke_port or free_port()

    # -- lifecycle -----------------------------------------------------------------
    def command_line(self) -> list[str]:
        """`lambkin rie` and its arguments: both addresses, the extensions dir, `extra_args`, the bootstrap."""
        args = [
            str(LAMBKIN),
            "rie",
            "--runtime-api-address",
            f"127.0.0.1:{self.api_port}",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.invoke_port}",
        ]
        if self.extensions_dir is not None:
            args += ["--extensions-dir", str(self.extensions_dir)]
        return args + self.extra_args + [str(c) for c in self.command]

    def start(self, wait: bool = True) -> "Rie":
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
        }
        env.update(self.env)
        self.proc = subprocess.Popen(
            self.command_line(),
            env=env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout_lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True).start()
        if wait:
            self.wait_listening(self.invoke_port)
        return self

    @staticmethod
    def _pump(stream, sink):
        for raw in iter(stream.readline, b""):
            sink.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_listening(self, port: int, timeout: float = 20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"lambkin exited early ({self.proc.returncode}): {self.stderr_lines}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise TimeoutError(f"nothing listening on {port}; stderr: {self.stderr_lines}")

    def stop(self, sig=signal.SIGTERM, timeout: float = 10) -> int | None:
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- front end -----------------------------------------------------------------
    def invoke(
        self,
        payload: bytes | str | dict | list | None = b"{}",
        function: str = "function",
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        return request(
            "127.0.0.1",
            self.invoke_port,
            "POST",
            f"/2015-03-31/functions/{function}/invocations",
            payload,
            headers,
            timeout,
        )

    def runtime(self, method: str, path: str, body=None, headers=None, timeout: float = 60) -> Response:
        """A request to the Runtime/Extensions/Logs/Telemetry API (path starts with /20..)."""
        return request("127.0.0.1", self.api_port, method, path, body, headers, timeout)

    @property
    def runtime_api(self) -> str:
        return f"127.0.0.1:{self.api_port}"

    def wait_stdout(self, predicate, timeout: float = 10) -> str:
        """Waits for a stdout line matching `predicate` (a substring or a callable)."""
        test = (lambda line: predicate in line) if isinstance(predicate, str) else predicate
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.stdout_lines):
                if test(line):
                    return line
            time.sleep(0.02)
        raise TimeoutError(f"no stdout line matched {predicate!r}; stdout: {self.stdout_lines[-40:]}")


def wait_for(predicate, timeout: float = 10, what: str = "condition", interval: float = 0.02):
    """Polls `predicate` until it returns something truthy (returned) or fails after `timeout`."""
    end = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > end:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def client_context(obj) -> str:
    """The base64 `X-Amz-Client-Context` header value for a JSON object."""
    return base64.b64encode(json.dumps(obj).encode()).decode()


class Lines:
    """A running command's output lines, read by a thread: `wait(pred)` returns the first line that satisfies
    `pred` (or fails with everything seen when the command exits or `timeout` passes); `seen` keeps them all.
    For long-running commands such as `lambkin dev`."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=lambda: [self._queue.put(line) for line in proc.stdout], daemon=True)
        self._reader.start()

    def wait(self, pred, timeout: float = 120) -> str:
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    self._drain()
                assert self.proc.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if pred(line):
                return line
        self._drain()
        raise TimeoutError("".join(self.seen))

    def _drain(self) -> None:
        """Adds to `seen` what the command wrote and `wait` has not read, for a complete failure message (once
        the command has exited, all it wrote)."""
        if self.proc.poll() is not None:
            self._reader.join(timeout=1)
        while True:
            try:
                self.seen.append(self._queue.get_nowait())
            except queue.Empty:
                return
