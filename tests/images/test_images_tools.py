"""Images made by the tools users have instead of a Docker daemon: Debian's `skopeo` pushes an OCI layout to the
registry and writes a `docker save` archive of it; an OCI layout whose `org.opencontainers.image.ref.name` is a bare
tag (what `skopeo` and `umoci` write) is imported under the directory's name; an archive without names under its
file's. Each then runs as a function."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import ROOT_ONLY, Serve, create_image_function, invoke_json, lambkin_image_import

pytestmark = ROOT_ONLY

SKOPEO = shutil.which("skopeo") or "/usr/bin/skopeo"


def skopeo(*args: str) -> None:
    p = subprocess.run([SKOPEO, "--insecure-policy", *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr


@pytest.fixture(scope="module")
def layout(rust_image, tmp_path_factory) -> Path:
    """The Rust function image as an OCI layout named by a bare tag, `v1` (as `skopeo copy … oci:DIR:v1` names)."""
    d = tmp_path_factory.mktemp("tools") / "echofn"
    return rust_image.write_oci_layout(d, "v1")


@pytest.fixture(scope="module")
def server():
    s = Serve(data_dir=Path(tempfile.mkdtemp(prefix="lambkin-tools-data-")))
    s.own_data = True
    yield s
    s.close()


def test_skopeo_pushes_to_the_registry(server, registry, layout):
    skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"docker://{registry.host}/skopeo-echo:1")
    lam = server.client()
    cfg = create_image_function(lam, "by-skopeo", f"{registry.host}/skopeo-echo:1")
    assert cfg["State"] == "Active", cfg
    assert invoke_json(lam, "by-skopeo", {"pushed": "skopeo"})[1] == {"pushed": "skopeo"}


def test_skopeo_docker_archive_imported(server, layout, tmp_path):
    archive = tmp_path / "echo-archive.tar"
    skopeo("copy", f"oci:{layout}:v1", f"docker-archive:{archive}:archived/echo:7")
    p = lambkin_image_import(archive, server.data_dir)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("archived/echo:7\t"), p.stdout
    lam = server.client()
    cfg = create_image_function(lam, "from-archive", "archived/echo:7")
    assert cfg["State"] == "Active", cfg
    assert invoke_json(lam, "from-archive", {"from": "archive"})[1] == {"from": "archive"}


def test_bare_tag_layout_named_after_its_directory(server, layout):
    p = lambkin_image_import(layout, server.data_dir)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("echofn:v1\t"), p.stdout
    lam = server.client()
    cfg = create_image_function(lam, "bare-tag", "echofn:v1")
    assert cfg["State"] == "Active", cfg
    assert invoke_json(lam, "bare-tag", {"tag": "bare"})[1] == {"tag": "bare"}


def test_unnamed_archive_named_after_its_file(server, layout, tmp_path):
    archive = tmp_path / "Nameless.tar"
    skopeo("copy", f"oci:{layout}:v1", f"docker-archive:{archive}")
    p = lambkin_image_import(archive, server.data_dir)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("nameless:latest\t"), p.stdout
