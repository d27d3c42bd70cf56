"""Hostile tests of `lambkin rie --isolation namespace` (issue 3): each tries an escape from inside the
environment with a fixture function (tests/fixtures/hostile/bootstrap) and asserts it fails, plus containment
(/tmp size, memory, processes, open files, freezing) and that destroy leaves nothing behind.

Needs root (namespaces, cgroups), as CI has.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from harness import FIXTURES, Rie

HOSTILE = FIXTURES / "hostile"


def sandbox(memory_mb: int = 256, timeout: int = 30, **env) -> Rie:
    e = {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb), "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout)}
    e.update(env)
    return Rie(
        command=["/var/task/bootstrap"],
        env=e,
        extra_args=["--isolation", "namespace", "--task-root", str(HOSTILE)],
    )


def attack(rie: Rie, name: str, **kw) -> dict:
    r = rie.invoke({"attack": name, **kw})
    assert r.status == 200, r.body
    assert r.header("x-amz-function-error") is None, r.body
    return r.json()


def assert_blocked(rie: Rie, name: str, **kw) -> str:
    res = attack(rie, name, **kw)
    assert res["ok"] is False, f"{name} succeeded: {res['detail']}"
    return res["detail"]


@pytest.fixture(scope="module")
def env():
    rie = sandbox().start()
    yield rie
    # a clean SIGTERM shutdown (SHUTDOWN, destroy) within the harness's 10 s, not a SIGKILL
    assert rie.stop() == 0, rie.stderr_lines[-10:]


def test_identity_and_confinement(env):
    r = env.invoke({"attack": "identity"})
    ident = r.json()
    assert (ident["uid"], ident["gid"], ident["euid"]) == (993, 993, 993)
    assert ident["nofile"] == [1024, 1024]
    assert ident["no_new_privs"] == "1"
    assert int(ident["cap_eff"], 16) == 0
    assert ident["seccomp"] == "2"
    assert ident["hostname"] == "sandbox"
    assert ident["sandbox_localdomain"] == "127.0.0.1"


def test_filesystem_is_read_only_outside_tmp(env):
    assert_blocked(env, "write_outside_tmp")


def test_secrets_are_invisible(env, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("top secret")
    assert_blocked(env, "read_file", path=str(secret))
    assert_blocked(env, "read_file", path="/etc/shadow")
    assert_blocked(env, "read_file", path="/run/lambkin/environments")
    # the init's own directory (its binary, the environment's cgroup figures) is root-only
    assert_blocked(env, "read_file", path="/.lambkin/cgroup/memory.limit_in_bytes")


def test_host_processes_are_invisible(env):
    assert_blocked(env, "host_processes")


@pytest.mark.parametrize("name", ["ptrace_init", "read_init_memory", "vm_readv_init", "signal_init"])
def test_init_is_untouchable(env, name):
    detail = assert_blocked(env, name)
    assert "EPERM" in detail or "Permission" in detail or "Operation not permitted" in detail, detail
    # and the environment still serves
    assert env.invoke({"attack": "identity"}).status == 200


@pytest.mark.parametrize("name", ["mount_tmpfs", "setuid_root", "mknod_device", "load_module", "unshare_ns"])
def test_privileged_operations_are_denied(env, name):
    assert_blocked(env, name)


def test_host_loopback_services_are_unreachable(env):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    assert_blocked(env, "connect_host", port=port)
    time.sleep(0.2)
    assert not accepted
    server.close()


def test_control_channel_is_invisible(env):
    assert_blocked(env, "control_fd")


def test_tmp_is_sized_persists_and_survives_filling():
    with sandbox(memory_mb=128) as rie:
        assert attack(rie, "tmp_persist")["detail"] == "1"
        assert attack(rie, "tmp_persist")["detail"] == "2"
        detail = assert_blocked(rie, "fill_tmp", mb=600)
        assert "ENOSPC" in detail, detail
        assert attack(rie, "tmp_persist")["detail"] == "3"


def test_open_files_limit():
    with sandbox() as rie:
        detail = assert_blocked(rie, "open_files")
        assert "EMFILE" in detail, detail


def test_fork_bomb_hits_the_pids_limit():
    # 1,769 MB buys one full vCPU; less would make a thousand forks slow under the CPU quota
    with sandbox(memory_mb=1769) as rie:
        detail = assert_blocked(rie, "fork_bomb", n=1500)
        assert "fork failed" in detail, detail
        assert rie.invoke({"attack": "identity"}).status == 200


def test_memory_limit_is_reported_as_out_of_memory():
    with sandbox(memory_mb=128) as rie, sandbox(memory_mb=256) as other:
        r = rie.invoke({"attack": "allocate", "mb": 400})
        assert r.header("x-amz-function-error") == "Unhandled"
        assert r.json()["errorType"] == "Runtime.OutOfMemory", r.body
        # the neighbour is unaffected, and the environment recovers
        assert other.invoke({"attack": "identity"}).status == 200
        assert rie.invoke({"attack": "identity"}).json()["uid"] == 993


def test_background_work_does_not_run_while_frozen():
    with sandbox() as rie:
        attack(rie, "start_ticker")
        first = int(attack(rie, "ticks")["detail"])
        time.sleep(1.0)
        second = int(attack(rie, "ticks")["detail"])
        # a 10 ms ticker would add ~100 ticks in a second of idle time; frozen, only the invoke itself runs
        assert second - first < 20, (first, second)


def _netns_mounts():
    return {line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
            if line.split()[1].startswith("/run/netns/lambkin")}


def _cgroups():
    return set(glob.glob("/sys/fs/cgroup/*/lambkin/rie-*") + glob.glob("/sys/fs/cgroup/lambkin/rie-*"))


def _states():
    return set(glob.glob("/run/lambkin/environments/rie-*"))


def test_destroy_leaves_nothing_behind():
    groups_before, states_before = _cgroups(), _states()
    netns_before = _netns_mounts()
    rie = sandbox()
    rie.start()
    ident = rie.invoke({"attack": "identity"})
    assert ident.status == 200
    groups = _cgroups() - groups_before
    assert groups, "the environment has a cgroup while it runs"
    states = _states() - states_before
    assert states
    assert rie.stop() == 0
    for g in groups:
        assert not os.path.exists(g), g
    for s in states:
        assert not os.path.exists(s), s
    env_id = next(iter(states)).rsplit("/", 1)[-1]
    leftovers = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if env_id.encode() in cmd:
                leftovers.append((pid, cmd))
    assert not leftovers, leftovers
    for backing in glob.glob("/sys/block/loop*/loop/backing_file"):
        assert env_id not in Path(backing).read_text(), f"loop device left attached: {backing}"
    mounts = Path("/proc/self/mounts").read_text()
    assert "/run/lambkin/environments" not in mounts
    # Network namespaces: neither the environment's own nor any prepared for it later (other tests' servers
    # may hold theirs).
    assert f"/run/netns/lambkin-{env_id}" not in mounts
    assert _netns_mounts() <= netns_before, _netns_mounts() - netns_before


def test_other_environments_are_invisible():
    with sandbox() as a, sandbox() as b:
        assert attack(a, "tmp_persist")["detail"] == "1"
        # b has its own /tmp and sees none of a's processes
        assert attack(b, "tmp_persist")["detail"] == "1"
        assert_blocked(b, "host_processes")
        assert attack(a, "tmp_persist")["detail"] == "2"


@pytest.fixture()
def peer_host():
    """A peer host in a network namespace of its own, reached over a veth pair, serving TCP on port 8000."""
    import subprocess

    name = f"lkpeer{os.getpid() % 10000}"
    host_if, peer_if = f"{name}h", f"{name}p"
    sh = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    sh("ip", "netns", "add", name)
    try:
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        sh("ip", "link", "set", peer_if, "netns", name)
        sh("ip", "addr", "add", "10.213.7.1/24", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "netns", "exec", name, "ip", "addr", "add", "10.213.7.2/24", "dev", peer_if)
        sh("ip", "netns", "exec", name, "ip", "link", "set", peer_if, "up")
        server = subprocess.Popen(
            ["ip", "netns", "exec", name, "/usr/bin/python3", "-c",
             "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
             "s.bind(('10.213.7.2',8000));s.listen()\nwhile True:\n c,_=s.accept();c.close()"],
        )
        time.sleep(0.3)
        yield "10.213.7.2"
        server.kill()
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def test_egress_reaches_the_outside_but_not_the_host_loopback(peer_host):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    netns_before = _netns_mounts()
    with Rie(
        command=["/var/task/bootstrap"],
        extra_args=["--isolation", "namespace", "--task-root", str(HOSTILE), "--network", "pasta"],
    ) as rie:
        res = attack(rie, "connect_outside", host=peer_host, port=8000)
        assert res["ok"] is True, res["detail"]
        assert_blocked(rie, "connect_host", port=port)
    server.close()
    # Neither the environment's network namespace nor the ones prepared for later environments remain
    # (the module's shared environment keeps its own).
    assert _netns_mounts() <= netns_before, _netns_mounts() - netns_before


def test_ephemeral_storage_sets_the_size_of_tmp():
    rie = sandbox()
    rie.extra_args += ["--ephemeral-storage", "1024"]
    with rie:
        detail = assert_blocked(rie, "fill_tmp", mb=1200)
        assert "ENOSPC" in detail, detail
        written = int(detail.split("after ")[1].split(" MB")[0])
        assert 1024 <= written < 1100, detail
