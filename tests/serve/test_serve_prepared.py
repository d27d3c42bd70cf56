"""Prepared environments (issue 13): `serve` keeps blank sandboxes ready (cgroup, namespaces, root skeleton, /tmp,
network, the init waiting) and a cold start only attaches the function. An environment made that way must be
exactly the environment built whole: same files, same mounts and flags, same limits, same identity and
priority, nothing of an earlier function — and the hostile checks hold in it.

Two real servers side by side: one with prepared environments (the default), one with
`--prepared-environments 0`. A probe function (tests/fixtures/describe/bootstrap) describes what it sees; the
host side reads the environment's cgroup limits and its processes' priority.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from harness import FIXTURES
from .conftest import ROOT_ONLY, Serve, create, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY

DESCRIBE = FIXTURES / "describe" / "bootstrap"
HOSTILE = FIXTURES / "hostile" / "bootstrap"
STATE = Path("/run/lambkin/environments")
CGROUP = Path("/sys/fs/cgroup")


def _owner_pid(env_dir: Path) -> int | None:
    try:
        return int((env_dir / "owner").read_text().split("-")[0])
    except (OSError, ValueError):
        return None


def _prepared_ready(server: Serve) -> int:
    """How many of `server`'s environments are prepared ones waiting (state directories `prep-*` it owns whose
    cgroup holds no function process yet)."""
    n = 0
    for d in STATE.glob("prep-*"):
        if _owner_pid(d) == server.proc.pid and not _function_pids(d.name):
            n += 1
    return n


def _wait_prepared(server: Serve, n: int = 1) -> None:
    deadline = time.time() + 30
    while _prepared_ready(server) < n:
        assert time.time() < deadline, "no prepared environment became ready"
        time.sleep(0.05)


def _procs(env_id: str) -> list[int]:
    for controller in ("pids", "memory", "unified"):
        f = CGROUP / controller / "lambkin" / env_id / "cgroup.procs"
        if f.exists():
            return [int(p) for p in f.read_text().split()]
    f = CGROUP / "lambkin" / env_id / "cgroup.procs"
    return [int(p) for p in f.read_text().split()] if f.exists() else []


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    return dict(kv.split("=", 1) for kv in raw.decode(errors="replace").split("\0") if "=" in kv)


def _function_pids(env_id: str) -> list[int]:
    return [p for p in _procs(env_id) if "AWS_LAMBDA_FUNCTION_NAME" in _environ(p)]


def _environment_of(server: Serve, function: str) -> str:
    """The id of `server`'s environment running `function`."""
    for d in STATE.iterdir():
        if _owner_pid(d) != server.proc.pid:
            continue
        if any(_environ(p).get("AWS_LAMBDA_FUNCTION_NAME") == function for p in _procs(d.name)):
            return d.name
    raise AssertionError(f"no environment of {server.proc.pid} runs {function}")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _limits(env_id: str) -> dict[str, str | None]:
    """The environment's cgroup limits, whichever cgroup version the host has."""
    v1 = {
        "memory": CGROUP / "memory" / "lambkin" / env_id / "memory.limit_in_bytes",
        "cpu_quota": CGROUP / "cpu" / "lambkin" / env_id / "cpu.cfs_quota_us",
        "cpu_period": CGROUP / "cpu" / "lambkin" / env_id / "cpu.cfs_period_us",
        "pids": CGROUP / "pids" / "lambkin" / env_id / "pids.max",
    }
    if v1["memory"].exists():
        return {k: _read(p) for k, p in v1.items()}
    base = CGROUP / "lambkin" / env_id
    return {k: _read(base / f) for k, f in (("memory", "memory.max"), ("cpu", "cpu.max"), ("pids", "pids.max"))}


def _nice(pid: int) -> set[int]:
    """The nice value of every thread of `pid`."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out.add(int(fields[16]))
    return out


@pytest.fixture(scope="module")
def servers():
    prepared = Serve()
    whole = Serve("--prepared-environments", "0")
    yield prepared, whole
    prepared.close()
    whole.close()


LAYERS = [{"opt/one.txt": "first layer", "opt/both.txt": "from the first"},
          {"opt/two.txt": "second layer", "opt/both.txt": "from the second"}]


def _deploy(server: Serve, name: str, code: bytes, **kw) -> None:
    lam = server.client()
    arns = []
    for i, files in enumerate(LAYERS):
        layer = zip_files({k.removeprefix("opt/"): v for k, v in files.items()})
        arns.append(lam.publish_layer_version(LayerName=f"{name}-l{i}", Content={"ZipFile": layer})["LayerVersionArn"])
    create(lam, name, code, MemorySize=512, Timeout=30, Layers=arns,
           Environment={"Variables": {"GREETING": "hello"}}, **kw)


def _invoke(server: Serve, name: str, event: dict) -> dict:
    r = server.client().invoke(FunctionName=name, Payload=json.dumps(event))
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    return body


def test_a_prepared_environment_is_the_one_built_whole(servers):
    prepared, whole = servers
    code = zip_bootstrap(DESCRIBE)
    for s in servers:
        _deploy(s, "probe", code)
    _wait_prepared(prepared)
    seen = {}
    for s in servers:
        seen[s] = _invoke(s, "probe", {"describe": True})
    a, b = seen[prepared], seen[whole]
    # Each environment has credentials and a Lambda API endpoint of its own: equal in shape, not in value.
    for env in (a["env"], b["env"]):
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env[k] = len(env[k])
        env["AWS_ENDPOINT_URL_LAMBDA"] = env["AWS_ENDPOINT_URL_LAMBDA"].rsplit(":", 1)[0]
    for key in ("status", "rlimits", "nice", "umask", "cwd", "hostname", "pid", "mounts", "files", "processes",
                "env", "tmp"):
        assert a[key] == b[key], f"{key} differs:\nprepared: {a[key]}\nwhole:    {b[key]}"
    # What the comparison covers is what a whole build gives (not two equal mistakes).
    assert a["status"]["Uid"] == ["993"] * 4 and a["status"]["CapEff"] == ["0000000000000000"]
    assert a["status"]["NoNewPrivs"] == ["1"] and a["status"]["Seccomp"] == ["2"]
    assert ["/var/task", "none"] not in [m[:2] for m in a["mounts"]]
    points = {m[0]: m for m in a["mounts"]}
    for ro in ("/", "/var/task", "/opt"):
        assert "ro" in points[ro][2], points[ro]
    assert "rw" in points["/tmp"][2]
    assert ["/opt/both.txt", "f", "0o644", 0, 0, len("from the second")] in a["files"]
    assert a["tmp"] == [] and a["nice"] == 0

    # The host side: the prepared server's environment came from its pool, the other was built whole, and both
    # have the same limits and run at the host's priority.
    env_a, env_b = _environment_of(prepared, "probe"), _environment_of(whole, "probe")
    assert env_a.startswith("prep-"), env_a
    assert not env_b.startswith("prep-"), env_b
    assert _limits(env_a) == _limits(env_b)
    assert _limits(env_a)["memory"] in (str(512 << 20), "536870912")
    for env_id in (env_a, env_b):
        for pid in _procs(env_id):
            assert _nice(pid) == {os.getpriority(os.PRIO_PROCESS, 0)}, (env_id, pid)


def test_nothing_of_an_earlier_function_remains(servers):
    prepared, _ = servers
    lam = prepared.client()
    code = zip_bootstrap(DESCRIBE)
    create(lam, "earlier", code, MemorySize=256, Timeout=30)
    _wait_prepared(prepared)
    assert _invoke(prepared, "earlier", {"leave": True}) == {"left": True}
    create(lam, "later", code, MemorySize=256, Timeout=30)
    _wait_prepared(prepared)
    later = _invoke(prepared, "later", {"describe": True})
    assert later["tmp"] == []
    assert "sleep" not in later["processes"]
    assert _environment_of(prepared, "later").startswith("prep-")
    assert _environment_of(prepared, "later") != _environment_of(prepared, "earlier")


@pytest.mark.parametrize("attack", ["mount_tmpfs", "setuid_root", "mknod_device", "unshare_ns", "ptrace_init",
                                    "signal_init", "write_outside_tmp", "control_fd", "host_processes"])
def test_hostile_checks_hold_in_a_prepared_environment(servers, attack):
    prepared, _ = servers
    lam = prepared.client()
    if "hostile" not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]:
        _wait_prepared(prepared)
        create(lam, "hostile", zip_bootstrap(HOSTILE), MemorySize=256, Timeout=30)
    res = _invoke(prepared, "hostile", {"attack": attack})
    assert res["ok"] is False, f"{attack} succeeded: {res['detail']}"
    assert _environment_of(prepared, "hostile").startswith("prep-")
    res = _invoke(prepared, "hostile", {"attack": "read_file", "path": "/run/lambkin/environments"})
    assert res["ok"] is False, res
