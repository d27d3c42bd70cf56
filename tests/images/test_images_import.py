"""`lambkin image import`: images that never were in a registry (a `docker save` archive, an OCI layout
directory, an OCI archive) become `ImageUri`s; and hostile layers (`../` paths, writes through a symlink that
leaves the root, device nodes) are refused — by `image import` with a clear message and a non-zero exit, and as
`InvalidImage` when pulled from a registry — with nothing written on the host."""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest

from .conftest import ROOT_ONLY, Image, Layer, Serve, create_image_function, invoke_json, lambkin_image_import

pytestmark = ROOT_ONLY

FORMATS = ["docker-save", "oci-layout", "oci-archive", "oci-archive-gz"]


def write(image: Image, fmt: str, directory: Path, ref: str) -> Path:
    if fmt == "docker-save":
        return image.write_docker_save(directory / "image.tar", ref)
    if fmt == "oci-layout":
        return image.write_oci_layout(directory / "layout", ref)
    archive = image.write_oci_archive(directory / "oci.tar", ref)
    if fmt == "oci-archive-gz":
        gz = directory / "oci.tar.gz"
        gz.write_bytes(gzip.compress(archive.read_bytes(), compresslevel=1))
        archive.unlink()
        return gz
    return archive


@pytest.fixture(scope="module")
def imported(rust_image, python_image, tmp_path_factory):
    """A data directory holding the Rust image in every format (`imp-<format>:1`) and the Python image
    (`pyimp:latest`, docker save), imported before the server starts; the server on it."""
    d = tmp_path_factory.mktemp("import")
    data = Path(tempfile.mkdtemp(prefix="lambkin-import-data-"))
    results = {}
    for fmt in FORMATS:
        fdir = d / fmt
        fdir.mkdir()
        p = lambkin_image_import(write(rust_image, fmt, fdir, f"imp-{fmt}:1"), data)
        results[fmt] = p
    (d / "py").mkdir()
    results["python"] = lambkin_image_import(python_image.write_docker_save(d / "py" / "py.tar", "pyimp:latest"),
                                             data)
    server = Serve(data_dir=data)
    server.own_data = True
    yield server, results
    server.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_then_invoke(imported, rust_image, fmt):
    server, results = imported
    p = results[fmt]
    assert p.returncode == 0, (p.stdout, p.stderr)
    # `NAME\tDIGEST\tN layer(s), BYTES`; a docker-save archive has no manifest: lambkin writes one (its own digest).
    ref, digest, _ = p.stdout.strip().split("\t")
    assert ref == f"imp-{fmt}:1", p.stdout
    if fmt != "docker-save":
        assert digest == rust_image.digest, p.stdout
    lam = server.client()
    name = f"imp-{fmt}"
    cfg = create_image_function(lam, name, f"imp-{fmt}:1")
    assert cfg["State"] == "Active", (cfg, server.log())
    assert cfg["CodeSha256"] == digest.split(":", 1)[1]
    fn = lam.get_function(FunctionName=name)
    assert fn["Code"]["ImageUri"] == f"imp-{fmt}:1"
    # The function's own repository, even when another imported name carries the same digest.
    assert fn["Code"]["ResolvedImageUri"] == f"imp-{fmt}@{digest}"
    assert invoke_json(lam, name, {"fmt": fmt})[1] == {"fmt": fmt}


def test_imported_python_image(imported):
    server, results = imported
    assert results["python"].returncode == 0, results["python"].stderr
    lam = server.client()
    # `pyimp` names `pyimp:latest`, as Docker does.
    cfg = create_image_function(lam, "pyimp", "pyimp")
    assert cfg["State"] == "Active", (cfg, server.log())
    _, seen = invoke_json(lam, "pyimp", {"x": 1})
    assert seen["handler"] == "app.handler" and seen["uid"] == 993


def test_unknown_imported_name_fails(imported):
    """A name neither imported nor reachable: Docker Hub's `library/never-imported` is tried (unreachable in CI:
    InvalidImage; reachable: no such repository, ImageDeleted or ImageAccessDenied as Hub answers)."""
    server, _ = imported
    lam = server.client()
    cfg = create_image_function(lam, "imp-missing", "never-imported:1")
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] in ("ImageDeleted", "InvalidImage", "ImageAccessDenied"), cfg
    assert "never-imported" in cfg["StateReason"], cfg


def test_import_while_serving(imported, rust_image, tmp_path):
    server, _ = imported
    img = rust_image.with_layers(Layer().file("var/task/LATE", "late\n"))
    p = lambkin_image_import(write(img, "oci-layout", tmp_path, "late:1"), server.data_dir)
    assert p.returncode == 0, (p.stdout, p.stderr)
    lam = server.client()
    cfg = create_image_function(lam, "late", "late:1")
    assert cfg["State"] == "Active", (cfg, server.log())
    assert invoke_json(lam, "late", {"late": 1})[1] == {"late": 1}


def test_import_refuses_garbage(tmp_path):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w") as t:
        t.add(__file__, arcname="hello.py")
    p = lambkin_image_import(junk, tmp_path / "data")
    assert p.returncode != 0
    assert p.stderr.strip(), p


# --- hostile layers ------------------------------------------------------------------------------------------------


def _entry(name: str, kind=tarfile.REGTYPE, mode: int = 0o644, linkname: str = "") -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.linkname = kind, mode, linkname
    return ti


def hostile_layers(marker: str, outside: Path) -> dict[str, tuple[Layer, list[Path]]]:
    """name -> (a layer, the host paths it must not create). `outside` is an empty host directory."""
    deep = "../" * 12
    out: dict[str, tuple[Layer, list[Path]]] = {}
    out["dotdot"] = (Layer().raw_entry(_entry(f"../{marker}-dotdot"), b"escaped")
                     .raw_entry(_entry(f"{deep}{str(outside).lstrip('/')}/{marker}-deep"), b"escaped"),
                     [outside / f"{marker}-deep"])
    out["abs-path"] = (Layer().raw_entry(_entry(f"{outside}/{marker}-abs"), b"escaped"),
                       [outside / f"{marker}-abs"])
    out["symlink-out"] = (Layer().raw_entry(_entry("x", tarfile.SYMTYPE, 0o777, str(outside)))
                          .raw_entry(_entry(f"x/{marker}-via-symlink"), b"escaped"),
                          [outside / f"{marker}-via-symlink"])
    out["symlink-etc"] = (Layer().raw_entry(_entry("etcx", tarfile.SYMTYPE, 0o777, "/etc"))
                          .raw_entry(_entry(f"etcx/{marker}-evil"), b"escaped"),
                          [Path("/etc") / f"{marker}-evil"])
    up = _entry("var/up", tarfile.SYMTYPE, 0o777, deep + str(outside).lstrip("/"))
    out["symlink-relative-out"] = (Layer().dir("var").raw_entry(up)
                                   .raw_entry(_entry(f"var/up/{marker}-rel"), b"escaped"),
                                   [outside / f"{marker}-rel"])
    out["hardlink-out"] = (Layer().raw_entry(_entry(f"{marker}-hard", tarfile.LNKTYPE, 0o644, "/etc/passwd")), [])
    dev = _entry(f"dev/{marker}-mem", tarfile.CHRTYPE, 0o666)
    dev.devmajor, dev.devminor = 1, 1  # /dev/mem
    out["device"] = (Layer().dir("dev").raw_entry(dev), [])
    return out


HOSTILE_KINDS = ["dotdot", "symlink-out", "symlink-etc", "symlink-relative-out", "hardlink-out",
                 "device"]


def _nothing_written(marker: str, outside: Path, paths: list[Path], roots: list[Path]) -> None:
    assert list(outside.iterdir()) == [], list(outside.iterdir())
    for p in paths:
        assert not p.exists(), p
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for f in filenames + dirnames:
                if marker in f:
                    pytest.fail(f"{os.path.join(dirpath, f)} was written")


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_import_refuses_hostile_layer(rust_image, tmp_path, kind):
    marker = f"lambkin-hostile-{uuid.uuid4().hex[:12]}"
    outside = Path(tempfile.mkdtemp(prefix="lambkin-outside-"))
    try:
        layer, paths = hostile_layers(marker, outside)[kind]
        img = rust_image.with_layers(layer)
        data = tmp_path / "data"
        for fmt in ("docker-save", "oci-layout"):
            fdir = tmp_path / fmt
            fdir.mkdir()
            p = lambkin_image_import(write(img, fmt, fdir, f"hostile-{kind}:1"), data)
            assert p.returncode != 0, (kind, fmt, p.stdout, p.stderr)
            assert p.stderr.strip(), (kind, fmt)
            print(kind, fmt, p.stderr.strip())
        _nothing_written(marker, outside, paths, [tmp_path])
    finally:
        shutil.rmtree(outside, ignore_errors=True)


@pytest.fixture(scope="module")
def pull_server(registry):
    s = Serve()
    yield s
    s.close()


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_pull_refuses_hostile_layer(pull_server, registry, rust_image, kind):
    marker = f"lambkin-hostile-{uuid.uuid4().hex[:12]}"
    outside = Path(tempfile.mkdtemp(prefix="lambkin-outside-"))
    try:
        layer, paths = hostile_layers(marker, outside)[kind]
        registry.push(rust_image.with_layers(layer), f"hostile-{kind}", "1")
        lam = pull_server.client()
        cfg = create_image_function(lam, f"hostile-{kind}", f"{registry.host}/hostile-{kind}:1")
        assert cfg["State"] == "Failed", (kind, cfg)
        assert cfg["StateReasonCode"] == "InvalidImage", cfg
        assert cfg["StateReason"], cfg
        print(kind, cfg["StateReason"])
        with pytest.raises(lam.exceptions.ResourceConflictException):
            lam.invoke(FunctionName=f"hostile-{kind}", Payload=b"{}")
        _nothing_written(marker, outside, paths, [pull_server.data_dir])
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_absolute_entry_names_stay_in_the_root(pull_server, registry, rust_image, tmp_path):
    """`/abs/path` entries (tar strips the leading `/`): refused, or taken relative to the image's root; never
    written on the host."""
    marker = f"lambkin-hostile-{uuid.uuid4().hex[:12]}"
    outside = Path(tempfile.mkdtemp(prefix="lambkin-outside-"))
    try:
        layer, paths = hostile_layers(marker, outside)["abs-path"]
        img = rust_image.with_layers(layer)
        p = lambkin_image_import(write(img, "oci-layout", tmp_path, "abs:1"), tmp_path / "data")
        assert p.returncode == 0 or p.stderr.strip(), p
        registry.push(img, "abs-path", "1")
        lam = pull_server.client()
        cfg = create_image_function(lam, "abs-path", f"{registry.host}/abs-path:1")
        if cfg["State"] == "Active":
            assert invoke_json(lam, "abs-path", {"abs": 1})[1] == {"abs": 1}
        else:
            assert cfg["StateReasonCode"] == "InvalidImage", cfg
        # (Inside a layer's own tree, under `tmp/lambkin-outside-…`, is where it belongs.)
        _nothing_written(marker, outside, paths, [])
    finally:
        shutil.rmtree(outside, ignore_errors=True)
