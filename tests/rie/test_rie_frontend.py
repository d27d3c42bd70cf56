"""The `lambkin rie` front end: command line, invoke endpoint semantics, stdout report lines.

Drives the real `lambkin` binary with real runtime clients (Rust `lambda_runtime`
fixtures, the Node `aws-lambda-ric`, the Python `awslambdaric`) and boto3 as a caller.
Specs: shared/spec/execution-environment-api.md §8 (RIE interface) and the lambkin
front-end contract (queueing, Event/DryRun invocation types, 413, X-Amz-* headers,
REPORT line layout with Init Duration last).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid

import pytest

from harness import LAMBKIN, Rie, request

from .conftest import (
    ECHO_FUNCTION,
    NODE_DIR,
    PYTHON_DIR,
    RUST_FUNCTION,
    node_ric,
    request_id,
    require,
    rust_rie,
    venv_python,
)

REQUEST_LIMIT = 6_291_456  # synchronous invoke request payload limit (6 MiB)
REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})"
    r"\tDuration: (?P<dur>\d+(?:\.\d+)?) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms"
    r"\tMemory Size: (?P<mem>\d+) MB"
    r"\tMax Memory Used: (?P<used>\d+) MB"
    r"(?:\tInit Duration: (?P<init>\d+(?:\.\d+)?) ms)?"
    r"\t?$"
)


class ArgvRie(Rie):
    """A Rie started with an explicit argv after `lambkin rie` (to put options anywhere).

    `argv` may contain the placeholders {api} and {invoke} for the two addresses."""

    argv: list[str]

    def command_line(self) -> list[str]:
        api, inv = f"127.0.0.1:{self.api_port}", f"127.0.0.1:{self.invoke_port}"
        return [str(LAMBKIN), "rie"] + [a.format(api=api, invoke=inv) for a in self.argv]


def argv_rie(argv: list[str], env: dict | None = None, cwd: str | None = None) -> ArgvRie:
    require(LAMBKIN, "lambkin binary")
    rie = ArgvRie(env=env or {}, cwd=cwd)
    rie.argv = argv
    return rie


def starts(rie: Rie) -> list[str]:
    return [l for l in rie.stdout_lines if l.startswith("START RequestId: ")]


def reports(rie: Rie) -> list[str]:
    return [l for l in rie.stdout_lines if l.startswith("REPORT RequestId: ")]


def children_cmdlines(pid: int) -> list[str]:
    """Command lines of all descendants of `pid` (via /proc)."""
    parents: dict[int, int] = {}
    cmd: dict[int, str] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{d}/cmdline", "rb") as f:
                c = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(d)] = ppid
        cmd[int(d)] = c
    out, frontier = [], {pid}
    while frontier:
        nxt = {p for p, pp in parents.items() if pp in frontier}
        out += [cmd[p] for p in nxt]
        frontier = nxt
    return out


# --------------------------------------------------------------------------------------
def test_concurrent_invokes_are_queued():
    with rust_rie() as rie:
        results: list = [None] * 4
        barrier = threading.Barrier(4)

        def run(i):
            barrier.wait()
            try:
                results[i] = rie.invoke({"action": "sleep", "ms": 200}, timeout=30)
            except Exception as e:  # noqa: BLE001 - recorded and asserted below
                results[i] = e

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        elapsed = time.monotonic() - t0
        for r in results:
            assert not isinstance(r, Exception) and r is not None, results
            assert r.status == 200, (r.status, r.body)
            assert r.header("x-amz-function-error") is None, r.body
            assert r.json() == {"slept": 200}
        assert len({request_id(r) for r in results}) == 4
        # one environment runs one invoke at a time: 4 x 200 ms serialise
        assert elapsed >= 0.78, elapsed
        assert rie.proc.poll() is None, rie.stderr_lines[-20:]
        r = rie.invoke({"action": "sleep", "ms": 1})
        assert r.status == 200 and r.json() == {"slept": 1}


def test_event_invocation_runs_in_background():
    with rust_rie() as rie:
        marker = f"async-marker-{uuid.uuid4()}"
        t0 = time.monotonic()
        r = rie.invoke({"action": "print", "lines": [marker]}, headers={"X-Amz-Invocation-Type": "Event"})
        assert r.status == 202, (r.status, r.body)
        assert r.body == b""
        rid = request_id(r)
        rie.wait_stdout(marker)
        rie.wait_stdout(f"END RequestId: {rid}")
        assert any(l == f"START RequestId: {rid} Version: $LATEST" for l in rie.stdout_lines)

        # 202 comes back before a slow function finishes
        t0 = time.monotonic()
        r = rie.invoke({"action": "sleep", "ms": 1500}, headers={"X-Amz-Invocation-Type": "Event"})
        assert r.status == 202
        assert time.monotonic() - t0 < 1.0
        rid = request_id(r)
        rie.wait_stdout(f"START RequestId: {rid}", timeout=5)
        # a synchronous invoke meanwhile queues behind it and succeeds
        r2 = rie.invoke({"action": "echo"})
        assert r2.status == 200 and r2.json()["event"] == {"action": "echo"}
        assert time.monotonic() - t0 >= 1.4
        rie.wait_stdout(f"END RequestId: {rid}", timeout=5)


def test_dry_run():
    with rust_rie() as rie:
        r = rie.invoke({"action": "print", "lines": ["should-not-run"]},
                       headers={"X-Amz-Invocation-Type": "DryRun"})
        assert r.status == 204, (r.status, r.body)
        assert r.body == b""
        time.sleep(0.5)
        assert starts(rie) == []
        assert "should-not-run" not in rie.stdout_lines
        r = rie.invoke({"action": "echo"}, headers={"X-Amz-Invocation-Type": "RequestResponse"})
        assert r.status == 200 and r.json()["event"] == {"action": "echo"}


def test_any_function_name_in_path():
    with rust_rie() as rie:
        for name in ("function", "my-function", "Another_Func-2", "test_function"):
            r = rie.invoke({"action": "echo", "name": name}, function=name)
            assert r.status == 200, (name, r.status, r.body)
            assert r.json()["event"]["name"] == name
        import boto3
        from botocore.config import Config

        lam = boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{rie.invoke_port}", region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
            config=Config(retries={"total_max_attempts": 1}, read_timeout=60),
        )
        resp = lam.invoke(FunctionName="some-other-name", Payload=b'{"action":"echo"}')
        assert resp["StatusCode"] == 200
        assert json.loads(resp["Payload"].read())["event"] == {"action": "echo"}


def test_unknown_paths_404():
    with rust_rie() as rie:
        port = rie.invoke_port
        for method, path in [
            ("GET", "/"),
            ("POST", "/nope"),
            ("POST", "/2015-03-31/functions/function/invoke"),
            ("POST", "/2015-03-31/functions/function"),
            ("POST", "/2018-06-01/runtime/invocation/next"),
        ]:
            r = request("127.0.0.1", port, method, path, b"{}")
            assert r.status == 404, (method, path, r.status, r.body)
        assert starts(rie) == []
        assert rie.invoke({"action": "echo"}).status == 200


def test_request_too_large():
    require(ECHO_FUNCTION, "echo-function")
    with rust_rie(ECHO_FUNCTION) as rie:
        prefix, suffix = b'{"pad":"', b'"}'
        exact = prefix + b"a" * (REQUEST_LIMIT - len(prefix) - len(suffix)) + suffix
        assert len(exact) == REQUEST_LIMIT
        too_big = prefix + b"a" * (REQUEST_LIMIT + 1 - len(prefix) - len(suffix)) + suffix

        r = rie.invoke(too_big)
        assert r.status == 413, (r.status, r.headers, r.body[:300])
        assert (r.header("x-amzn-errortype") or "").startswith("RequestTooLargeException"), r.headers
        time.sleep(0.2)
        assert starts(rie) == []  # the function never saw it

        r = rie.invoke(exact)
        assert r.status == 200, (r.status, r.body[:300])
        assert r.header("x-amz-function-error") is None
        assert json.loads(r.body) == json.loads(exact)

        # boto3 maps it to its modelled exception
        import boto3
        from botocore.config import Config

        lam = boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{rie.invoke_port}", region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
            config=Config(retries={"total_max_attempts": 1}, read_timeout=60),
        )
        with pytest.raises(lam.exceptions.RequestTooLargeException):
            lam.invoke(FunctionName="function", Payload=too_big)


def test_options_after_positionals_rust():
    require(RUST_FUNCTION, "rust-function")
    rie = argv_rie([
        str(RUST_FUNCTION),
        "--runtime-api-address", "{api}",
        "--log-level", "debug",
        "--runtime-interface-emulator-address", "{invoke}",
    ])
    with rie:
        r = rie.invoke({"action": "echo"})
        assert r.status == 200, (r.status, r.body, rie.stderr_lines[-20:])
        assert r.json()["event"] == {"action": "echo"}
        rie.wait_listening(rie.api_port)  # the runtime API is where we told it to be


def test_options_after_positionals_python():
    """Like the RIE's own e2e test: `python -m awslambdaric main.handler --runtime-...`;
    the bootstrap's own `-m` is passed through untouched."""
    rie = argv_rie(
        ["--log-level", "info", str(venv_python()), "-m", "awslambdaric", "app.ok",
         "--runtime-interface-emulator-address", "{invoke}", "--runtime-api-address", "{api}"],
        cwd=str(PYTHON_DIR),
    )
    with rie:
        r = rie.invoke({"x": 1})
        assert r.status == 200, (r.status, r.body, rie.stderr_lines[-20:])
        assert r.header("x-amz-function-error") is None, r.body
        assert r.json()["event"] == {"x": 1}


def test_handler_from_last_positional_arg():
    """aws-lambda-ric reads the handler only from `_HANDLER`; lambkin exports the last
    positional argument there (spec §8.1)."""
    ric = node_ric()
    with Rie(command=["node", str(ric), "index.handler"], env={"LAMBDA_TASK_ROOT": str(NODE_DIR)},
             cwd=str(NODE_DIR)) as rie:
        r = rie.invoke({"h": 1})
        assert r.status == 200, (r.status, r.body, rie.stdout_lines[-20:], rie.stderr_lines[-20:])
        assert r.header("x-amz-function-error") is None, r.body
        assert r.json() == {"echo": {"h": 1}}


def test_handler_env_wins_over_last_arg():
    ric = node_ric()
    env = {"LAMBDA_TASK_ROOT": str(NODE_DIR), "_HANDLER": "index.fail"}
    with Rie(command=["node", str(ric), "index.handler"], env=env, cwd=str(NODE_DIR)) as rie:
        r = rie.invoke({})
        assert r.status == 200
        assert r.header("x-amz-function-error") == "Unhandled", r.body
        assert r.json()["errorType"] == "TypeError"


def test_init_is_eager():
    with rust_rie() as rie:
        deadline = time.time() + 10
        while time.time() < deadline:
            if any(str(RUST_FUNCTION) in c for c in children_cmdlines(rie.proc.pid)):
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"runtime not started before the first invoke: {children_cmdlines(rie.proc.pid)}")
        assert starts(rie) == []


def test_report_lines_and_init_duration_first_only():
    with rust_rie() as rie:
        rids = []
        for i in range(3):
            r = rie.invoke({"action": "sleep", "ms": 20})
            assert r.status == 200
            rids.append(request_id(r))
        rie.wait_stdout(f"REPORT RequestId: {rids[-1]}")
        out = list(rie.stdout_lines)
        reps = reports(rie)
        assert len(reps) == 3, out
        parsed = []
        for rid, line in zip(rids, reps):
            m = REPORT_RE.match(line)
            assert m, repr(line)
            assert m["id"] == rid
            parsed.append(m)
            assert out.index(f"START RequestId: {rid} Version: $LATEST") \
                < out.index(f"END RequestId: {rid}") < out.index(line)
        assert parsed[0]["init"] is not None, reps[0]
        assert float(parsed[0]["init"]) > 0
        assert line_ends_with_init(reps[0])
        for m in parsed[1:]:
            assert m["init"] is None, m.string
        for m in parsed:
            dur = float(m["dur"])
            assert 19 <= dur < 2000, m.string  # slept 20 ms
            assert int(m["billed"]) >= int(dur), m.string
            assert int(m["mem"]) == 3008
            # real measurement, not a copy of Memory Size
            assert 0 < int(m["used"]) < 3008, m.string


def line_ends_with_init(line: str) -> bool:
    return re.search(r"\tInit Duration: \d+(?:\.\d+)? ms\t?$", line) is not None


def test_report_memory_size_from_env():
    with rust_rie(env={"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}) as rie:
        r = rie.invoke({"action": "echo"})
        rid = request_id(r)
        line = rie.wait_stdout(f"REPORT RequestId: {rid}")
        m = REPORT_RE.match(line)
        assert m, repr(line)
        assert m["mem"] == "512"
        assert 0 < int(m["used"]) < 512
