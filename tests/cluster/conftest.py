"""Fixtures of the cluster suite: a real 3-node NATS JetStream cluster (Debian's `nats-server`, started here on
free ports with a temporary store each) and real `lambkin serve` hosts joined to it with `--cluster`.

* `Nats`: one nats-server node; `NatsCluster`: three of them, routed to each other, JetStream on.
* `cluster_hosts(nats, n)`: `n` lambkin hosts (`Serve` of the serve suite, each its own port and data directory),
  `--host-id h1…hn`, every host given every NATS node's URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import free_port, log_tail, stop_process, wait_listening
from serve.conftest import Serve

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="serve's default isolation needs root")
NATS_SERVER = shutil.which("nats-server") or "/usr/bin/nats-server"


class Nats:
    """One node of the NATS cluster."""

    def __init__(self, name: str, port: int, cluster_port: int, routes: list[int], store: Path):
        self.name, self.port, self.cluster_port, self.routes, self.store = name, port, cluster_port, routes, store
        self.log_path = store.parent / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [NATS_SERVER, "-js", "-sd", str(self.store), "-n", self.name, "-a", "127.0.0.1", "-p", str(self.port),
             "--cluster_name", "lambkin-test", "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
             "--routes", ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)],
            stdout=log, stderr=log, start_new_session=True,
        )
        wait_listening(self.proc, self.port, f"nats-server {self.name}", self.log, timeout=20)

    def log(self) -> str:
        return log_tail(self.log_path, 3000)

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        stop_process(self.proc)


class NatsCluster:
    """Three routed NATS nodes with JetStream, each with its own store directory."""

    def __init__(self, size: int = 3):
        self.dir = Path(tempfile.mkdtemp(prefix="lambkin-nats-"))
        ports = [free_port() for _ in range(size)]
        cluster_ports = [free_port() for _ in range(size)]
        self.nodes = [
            Nats(f"n{i + 1}", ports[i], cluster_ports[i], [p for j, p in enumerate(cluster_ports) if j != i],
                 self.dir / f"n{i + 1}")
            for i in range(size)
        ]
        for n in self.nodes:
            n.start()

    @property
    def urls(self) -> str:
        return ",".join(n.url for n in self.nodes)

    def close(self) -> None:
        for n in self.nodes:
            n.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def cluster_host(nats: NatsCluster, i: int, *args: str, env=None) -> Serve:
    """Host `h<i>` of the cluster."""
    return Serve("--cluster", nats.urls, "--host-id", f"h{i}", *args, env=env)


@pytest.fixture(scope="module")
def nats():
    c = NatsCluster()
    yield c
    c.close()
