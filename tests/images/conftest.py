"""Fixtures of the container-image suite (`PackageType: Image` functions): a real OCI registry, images built here
without any container daemon, and the `lambkin serve` of each module.

* `Registry`: Debian's `docker-registry` (distribution 2.8) on a free loopback port, filesystem storage in a
  temporary directory, optionally behind htpasswd or token auth; `push(image, name, tag)` uploads an image with
  the registry API (urllib only). Registries started with the same storage directory serve the same images, so an
  image pushed to the open session registry can be pulled from an authenticated one.
* `Layer`, `Image`, `Index`: an OCI image builder (tarfile/gzip/hashlib/json): layers, config, manifest (OCI or
  Docker media types), image indexes; written to a registry, an OCI layout directory, an OCI archive or a
  `docker save` archive.
* Images: `scratch_image` (the static `echo-function` as `/var/task/bootstrap`, nothing else; `rust_image` is
  it), `python_base` (a rootfs of the
  host's Debian Python 3.11 packages plus the venv's `awslambdaric`), `python_image` (+ the app of
  tests/fixtures/images/python, Lambda-style entrypoint), `extension_image` (+ an external extension),
  `hostile_image` (+ tests/fixtures/hostile/bootstrap).
* `create_image_function` / `wait_state`: CreateFunction with `PackageType: Image`, then poll until the function
  leaves `Pending` (or its `LastUpdateStatus` leaves `InProgress`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness import FIXTURES, LAMBKIN, ROOT, free_port, log_tail, stop_process, wait_listening
from serve.conftest import ROLE, Serve  # noqa: F401 - re-exported to the test modules

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="serve's default isolation needs root")
REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
IMAGE_FIXTURES = FIXTURES / "images"
HOSTILE = FIXTURES / "hostile" / "bootstrap"
# `scripts/test.sh` builds it: `RUSTFLAGS="-C target-feature=+crt-static" cargo build -p echo-function
# --target x86_64-unknown-linux-gnu --target-dir target/static`.
STATIC_ECHO = Path(os.environ.get(
    "LAMBKIN_STATIC_ECHO", ROOT / "target" / "static" / "x86_64-unknown-linux-gnu" / "debug" / "echo-function"))

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- image builder ------------------------------------------------------------------------------------------------


class Layer:
    """One layer: an uncompressed tar built entry by entry, then gzipped (`finish`)."""

    def __init__(self):
        self._buf = io.BytesIO()
        self._tar = tarfile.open(fileobj=self._buf, mode="w", format=tarfile.GNU_FORMAT)
        self._dirs: set[str] = set()
        self.raw = b""
        self.gz = b""

    def _info(self, path: str, kind, mode: int) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(path)
        ti.type, ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = kind, mode, 0, 0, 0, "root", "root"
        return ti

    def parents(self, path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.dir("/".join(parts[:i]))

    def dir(self, path: str, mode: int = 0o755) -> "Layer":
        path = path.strip("/")
        if path and path not in self._dirs:
            self.parents(path)
            self._dirs.add(path)
            self._tar.addfile(self._info(path, tarfile.DIRTYPE, mode))
        return self

    def file(self, path: str, data: bytes | str, mode: int = 0o644) -> "Layer":
        data = data.encode() if isinstance(data, str) else data
        path = path.strip("/")
        self.parents(path)
        ti = self._info(path, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self._tar.addfile(ti, io.BytesIO(data))
        return self

    def symlink(self, path: str, target: str) -> "Layer":
        path = path.strip("/")
        self.parents(path)
        ti = self._info(path, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self._tar.addfile(ti)
        return self

    def host(self, path: str, host_path: str | Path) -> "Layer":
        """A host file (a symlink stays a symlink) at `path`, its mode kept."""
        st = os.lstat(host_path)
        if stat.S_ISLNK(st.st_mode):
            return self.symlink(path, os.readlink(host_path))
        if stat.S_ISDIR(st.st_mode):
            return self.dir(path, stat.S_IMODE(st.st_mode))
        return self.file(path, Path(host_path).read_bytes(), stat.S_IMODE(st.st_mode))

    def raw_entry(self, ti: tarfile.TarInfo, data: bytes | None = None) -> "Layer":
        """An entry exactly as given (hostile layers: `../` names, devices)."""
        if data is not None:
            ti.size = len(data)
        self._tar.addfile(ti, io.BytesIO(data) if data is not None else None)
        return self

    def finish(self) -> "Layer":
        if not self.raw:
            self._tar.close()
            self.raw = self._buf.getvalue()
            self.gz = gzip.compress(self.raw, compresslevel=1, mtime=0)
        return self

    @property
    def diff_id(self) -> str:
        return sha256(self.finish().raw)

    @property
    def digest(self) -> str:
        return sha256(self.finish().gz)


class Image:
    """An image: layers (bottom first) and the config's `config` (Entrypoint, Cmd, Env, WorkingDir)."""

    def __init__(self, layers: list[Layer], config: dict | None = None, architecture: str = "amd64",
                 docker: bool = False):
        self.layers = [layer.finish() for layer in layers]
        self.config = dict(config or {})
        self.architecture = architecture
        self.docker = docker

    def with_layers(self, *more: Layer, config: dict | None = None, **kw) -> "Image":
        cfg = dict(self.config)
        cfg.update(config or {})
        return Image(self.layers + list(more), cfg, **{"architecture": self.architecture, "docker": self.docker, **kw})

    @property
    def config_bytes(self) -> bytes:
        return json.dumps({
            "architecture": self.architecture, "os": "linux", "created": "2024-01-01T00:00:00Z",
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in self.layers]},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "tests/images"} for _ in self.layers],
        }, sort_keys=True).encode()

    @property
    def media_type(self) -> str:
        return DOCKER_MANIFEST if self.docker else OCI_MANIFEST

    @property
    def manifest_bytes(self) -> bytes:
        cfg = self.config_bytes
        return json.dumps({
            "schemaVersion": 2, "mediaType": self.media_type,
            "config": {"mediaType": DOCKER_CONFIG if self.docker else OCI_CONFIG, "digest": sha256(cfg),
                       "size": len(cfg)},
            "layers": [{"mediaType": DOCKER_LAYER if self.docker else OCI_LAYER, "digest": layer.digest,
                        "size": len(layer.gz)} for layer in self.layers],
        }, sort_keys=True).encode()

    @property
    def digest(self) -> str:
        return sha256(self.manifest_bytes)

    def blobs(self) -> dict[str, bytes]:
        out = {layer.digest: layer.gz for layer in self.layers}
        out[sha256(self.config_bytes)] = self.config_bytes
        return out

    def descriptor(self) -> dict:
        m = self.manifest_bytes
        return {"mediaType": self.media_type, "digest": sha256(m), "size": len(m),
                "platform": {"architecture": self.architecture, "os": "linux"}}

    # -- files -----------------------------------------------------------------------------------------------------
    def write_oci_layout(self, directory: Path, ref: str) -> Path:
        """An OCI image layout; `ref` (`name:tag`) in `org.opencontainers.image.ref.name`."""
        blobs = Path(directory) / "blobs" / "sha256"
        blobs.mkdir(parents=True, exist_ok=True)
        for digest, data in {**self.blobs(), self.digest: self.manifest_bytes}.items():
            (blobs / digest.split(":", 1)[1]).write_bytes(data)
        desc = {k: v for k, v in self.descriptor().items() if k != "platform"}
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref}
        (Path(directory) / "index.json").write_text(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                                 "manifests": [desc]}))
        (Path(directory) / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
        return Path(directory)

    def write_oci_archive(self, path: Path, ref: str) -> Path:
        layout = Path(tempfile.mkdtemp(prefix="oci-layout-"))
        try:
            self.write_oci_layout(layout, ref)
            with tarfile.open(path, "w") as t:
                for name in ("oci-layout", "index.json", "blobs"):
                    t.add(layout / name, arcname=name)
        finally:
            shutil.rmtree(layout, ignore_errors=True)
        return Path(path)

    def write_docker_save(self, path: Path, repo_tag: str) -> Path:
        """What `docker save` writes: `manifest.json` (Config, RepoTags, Layers), `<id>/layer.tar`, the config."""
        cfg = self.config_bytes
        cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
        layer_names = []
        with tarfile.open(path, "w") as t:
            def put(name, data):
                ti = tarfile.TarInfo(name)
                ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
                t.addfile(ti, io.BytesIO(data))
            put(cfg_name, cfg)
            for layer in self.layers:
                lid = hashlib.sha256(layer.raw).hexdigest()
                put(f"{lid}/layer.tar", layer.raw)
                put(f"{lid}/VERSION", b"1.0")
                layer_names.append(f"{lid}/layer.tar")
            put("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": [repo_tag],
                                              "Layers": layer_names}]).encode())
            name, _, tag = repo_tag.rpartition(":")
            put("repositories", json.dumps({name: {tag: hashlib.sha256(layer.raw).hexdigest()}
                                            for layer in self.layers[-1:]}).encode())
        return Path(path)


class Index:
    """A multi-platform image (OCI image index or Docker manifest list) over `images`."""

    def __init__(self, images: list[Image], docker: bool = False):
        self.images, self.docker = images, docker

    @property
    def media_type(self) -> str:
        return DOCKER_LIST if self.docker else OCI_INDEX

    @property
    def manifest_bytes(self) -> bytes:
        return json.dumps({"schemaVersion": 2, "mediaType": self.media_type,
                           "manifests": [i.descriptor() for i in self.images]}, sort_keys=True).encode()

    @property
    def digest(self) -> str:
        return sha256(self.manifest_bytes)


# --- registry --------------------------------------------------------------------------------------------------------


class Registry:
    """A running `docker-registry serve` on 127.0.0.1; `auth` is the config's `auth` section (None: open)."""

    def __init__(self, storage: Path | None = None, auth: dict | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="lambkin-registry-"))
        self.storage = Path(storage) if storage else self.dir / "storage"
        self.storage.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config = {
            "version": 0.1,
            "log": {"level": "info", "accesslog": {"disabled": False}},
            "storage": {"filesystem": {"rootdirectory": str(self.storage)}, "delete": {"enabled": True},
                        "maintenance": {"uploadpurging": {"enabled": False}}},
            "http": {"addr": f"127.0.0.1:{self.port}", "secret": "lambkin-test-secret"},
        }
        if auth:
            config["auth"] = auth
        # JSON is YAML.
        (self.dir / "config.yml").write_text(json.dumps(config))
        self.log_path = self.dir / "registry.log"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", str(self.dir / "config.yml")], stdout=log,
                                     stderr=log, start_new_session=True)
        wait_listening(self.proc, self.port, "docker-registry", self.log)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log(self) -> str:
        return log_tail(self.log_path)

    def close(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- registry API ---------------------------------------------------------------------------------------------
    def _call(self, method: str, url: str, data: bytes | None = None, headers: dict | None = None):
        if not url.startswith("http"):
            url = f"http://{self.host}{url}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def push_blob(self, name: str, digest: str, data: bytes) -> None:
        status, _, _ = self._call("HEAD", f"/v2/{name}/blobs/{digest}")
        if status == 200:
            return
        status, headers, body = self._call("POST", f"/v2/{name}/blobs/uploads/", b"")
        assert status == 202, (status, body)
        location = headers["Location"]
        sep = "&" if "?" in location else "?"
        status, _, body = self._call("PUT", f"{location}{sep}digest={digest}", data,
                                     {"Content-Type": "application/octet-stream"})
        assert status == 201, (status, body)

    def push_manifest(self, name: str, ref: str, media_type: str, data: bytes) -> str:
        status, headers, body = self._call("PUT", f"/v2/{name}/manifests/{ref}", data, {"Content-Type": media_type})
        assert status == 201, (status, body)
        return headers.get("Docker-Content-Digest", sha256(data))

    def push(self, image: Image | Index, name: str, tag: str) -> str:
        """Uploads `image` (blobs, then manifests) as `name:tag`; returns the manifest digest."""
        images = image.images if isinstance(image, Index) else [image]
        for img in images:
            for digest, data in img.blobs().items():
                self.push_blob(name, digest, data)
            if isinstance(image, Index):
                self.push_manifest(name, img.digest, img.media_type, img.manifest_bytes)
        digest = self.push_manifest(name, tag, image.media_type, image.manifest_bytes)
        assert digest == image.digest
        return digest

    def delete_tag_manifest(self, name: str, digest: str) -> None:
        status, _, body = self._call("DELETE", f"/v2/{name}/manifests/{digest}")
        assert status == 202, (status, body)


# --- lambkin helpers -------------------------------------------------------------------------------------------------


def wait_state(lam, name: str, qualifier: str | None = None, timeout: float = 300) -> dict:
    """GetFunctionConfiguration until the function is neither `Pending` nor being updated (`InProgress`)."""
    kw = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
    deadline = time.time() + timeout
    while True:
        cfg = lam.get_function_configuration(**kw)
        if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
            return cfg
        if time.time() > deadline:
            raise TimeoutError(f"{name} still {cfg.get('State')}/{cfg.get('LastUpdateStatus')}: {cfg}")
        time.sleep(0.5)


def create_image_function(lam, name: str, image_uri: str, wait: bool = True, **kw) -> dict:
    """CreateFunction with `PackageType: Image`; with `wait`, the configuration once it left `Pending`."""
    args = dict(FunctionName=name, PackageType="Image", Role=ROLE, Code={"ImageUri": image_uri}, Timeout=30,
                MemorySize=256)
    args.update(kw)
    out = lam.create_function(**args)
    return wait_state(lam, name) if wait else out


def invoke_json(lam, name: str, event: dict | None = None, **kw) -> tuple[dict, object]:
    r = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    body = r["Payload"].read()
    assert "FunctionError" not in r, (r.get("FunctionError"), body,
                                      base64.b64decode(r.get("LogResult", "")).decode(errors="replace"))
    return r, json.loads(body)


def tail(r: dict) -> str:
    return base64.b64decode(r.get("LogResult", "")).decode(errors="replace")


def lambkin_image_import(path: Path, data_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LAMBKIN), "image", "import", str(path), "--data-dir", str(data_dir), *extra],
                          capture_output=True, text=True, timeout=600)


# --- images ----------------------------------------------------------------------------------------------------------

# The Debian packages of the Python image's rootfs: the host's /usr/bin/python3 (3.11 on Debian 12) with what its
# stdlib and awslambdaric load (`runtime_client` is C++: libstdc++6, libgcc-s1), and dash as /bin/sh.
DEBIAN_PYTHON = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True).stdout.strip() or "3.11"
PYTHON_PACKAGES = [
    "libc6", f"python{DEBIAN_PYTHON}-minimal", f"libpython{DEBIAN_PYTHON}-minimal", f"libpython{DEBIAN_PYTHON}-stdlib",
    "zlib1g", "libexpat1",
    "libffi8", "libssl3", "dash", "libstdc++6", "libgcc-s1", "libbz2-1.0", "liblzma5", "libcrypt1", "libuuid1",
    "libsqlite3-0", "libncursesw6", "libtinfo6", "libreadline8", "libtirpc3", "libnsl2", "libdb5.3",
    "media-types",
]
SKIP_PREFIXES = ("/usr/share/doc", "/usr/share/man", "/usr/share/lintian", "/usr/share/locale", "/usr/share/info",
                 "/usr/share/bug", "/usr/share/gdb")


def _dpkg_files(package: str) -> list[str]:
    p = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    if p.returncode != 0:
        return []
    return [line for line in p.stdout.splitlines() if line.startswith("/") and not line.startswith(SKIP_PREFIXES)]


def awslambdaric_site() -> Path:
    """A site-packages holding awslambdaric (and simplejson, snapshot_restore_py) built for Debian's Python: the
    test venv's when it is that Python's version, else the manylinux wheels fetched from PyPI once (cached)."""
    venv_site = ROOT / ".venv" / "lib" / f"python{DEBIAN_PYTHON}" / "site-packages"
    if (venv_site / "awslambdaric").is_dir() and list(venv_site.glob("runtime_client*.so")):
        return venv_site
    cache = Path(tempfile.gettempdir()) / f"lambkin-images-awslambdaric-py{DEBIAN_PYTHON}"
    if not (cache / "awslambdaric").is_dir():
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--target", str(cache), "--only-binary=:all:",
                        "--python-version", DEBIAN_PYTHON, "--platform", "manylinux2014_x86_64",
                        "--implementation", "cp", "awslambdaric>=4,<5"], check=True, timeout=600)
    return cache


def python_rootfs_layer() -> Layer:
    """The base layer: the host's Debian Python 3.11 (non-usrmerged paths as dpkg lists them), `/usr/bin/python3`,
    `/bin/sh` -> dash, awslambdaric and its dependencies (from the test venv, a cp311 manylinux wheel) in
    `/var/runtime`, empty `/tmp`, `/var/task`, `/opt`, `/etc/passwd`."""
    layer = Layer()
    seen: set[str] = set()
    placed: set[str] = set()
    top_links: dict[str, str] = {}
    for package in PYTHON_PACKAGES:
        for path in _dpkg_files(package):
            if path in seen or "__pycache__" in path or path.endswith((".pyc", ".a")):
                continue
            seen.add(path)
            if "/test/" in path or "/idlelib/" in path or "/tkinter/" in path or "/lib2to3/" in path:
                continue
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if path.count("/") == 1 and stat.S_ISLNK(st.st_mode):
                # A merged-/usr host: /lib -> usr/lib and the like, as the image's own top-level symlinks.
                top_links[path] = os.readlink(path)
                continue
            # Each entry at its canonical path (no entry goes through a symlink).
            canon = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
            if canon in placed:
                continue
            placed.add(canon)
            if stat.S_ISDIR(st.st_mode):
                layer.dir(canon, 0o755)
            else:
                layer.host(canon, path)
    if "/usr/bin/python3" not in placed:
        layer.symlink("usr/bin/python3", f"python{DEBIAN_PYTHON}")
    sh = "/usr/bin/sh" if os.path.realpath("/bin") == "/usr/bin" else "/bin/sh"
    if sh not in placed:
        layer.symlink(sh, "dash")
    for link, target in sorted(top_links.items()):
        layer.symlink(link, target)
    layer.dir("tmp", 0o1777).dir("var/task").dir("opt").dir("etc").dir("root", 0o700)
    layer.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                             "sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n")
    layer.file("etc/group", "root:x:0:\n")
    site = awslambdaric_site()
    for name in ("awslambdaric", "simplejson"):
        for f in sorted((site / name).rglob("*")):
            if "__pycache__" in f.parts:
                continue
            layer.host(f"var/runtime/{f.relative_to(site)}", f)
    for pattern in ("runtime_client*.so", "snapshot_restore_py.py"):
        for f in site.glob(pattern):
            layer.host(f"var/runtime/{f.name}", f)
    return layer.finish()


PYTHON_ENV = [
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "LANG=C.UTF-8",
    "LAMBDA_TASK_ROOT=/var/task",
    "LAMBDA_RUNTIME_DIR=/var/runtime",
    "PYTHONPATH=/var/runtime:/var/task",
    "IMAGE_ONLY=from-image",
    "OVERRIDE_ME=from-image",
    # Reserved variables an image may not set: Lambda's values win.
    "AWS_LAMBDA_FUNCTION_NAME=set-by-image",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1",
]


def python_app_layer() -> Layer:
    src = IMAGE_FIXTURES / "python"
    layer = Layer()
    layer.file("lambda-entrypoint.sh", (src / "lambda-entrypoint.sh").read_bytes(), 0o755)
    layer.file("alt-entrypoint.sh", (src / "alt-entrypoint.sh").read_bytes(), 0o755)
    layer.file("var/task/app.py", (src / "app.py").read_bytes())
    layer.file("var/task/image-file.txt", "baked into the image\n")
    layer.dir("var/task/sub").file("var/task/sub/marker.txt", "sub\n")
    return layer.finish()


@pytest.fixture(scope="session")
def registry():
    r = Registry()
    yield r
    r.close()


def _static_echo() -> bytes:
    if not STATIC_ECHO.exists():
        pytest.fail(f"{STATIC_ECHO} is missing: scripts/test.sh builds it (RUSTFLAGS=\"-C target-feature=+crt-static\" "
                    "cargo build -p echo-function --target x86_64-unknown-linux-gnu --target-dir target/static)")
    return STATIC_ECHO.read_bytes()


RUST_CONFIG = {"Entrypoint": ["/var/task/bootstrap"], "Env": ["PATH=/usr/bin:/bin", "FROM_IMAGE=yes"],
               "WorkingDir": "/var/task"}


@pytest.fixture(scope="session")
def scratch_image() -> Image:
    """`FROM scratch` + the static echo function: one layer, `/var/task/bootstrap`."""
    return Image([Layer().dir("tmp", 0o1777).file("var/task/bootstrap", _static_echo(), 0o755)], RUST_CONFIG)


@pytest.fixture(scope="session")
def rust_image(scratch_image) -> Image:
    """The Rust function image of most tests: the scratch image itself (lambkin's init brings its own loader)."""
    return scratch_image


@pytest.fixture(scope="session")
def python_base() -> Layer:
    return python_rootfs_layer()


@pytest.fixture(scope="session")
def python_image(python_base) -> Image:
    return Image([python_base, python_app_layer()],
                 {"Entrypoint": ["/lambda-entrypoint.sh"], "Cmd": ["app.handler"], "Env": PYTHON_ENV,
                  "WorkingDir": "/var/task"})


@pytest.fixture(scope="session")
def extension_image(python_image) -> Image:
    ext = Layer().file("opt/extensions/ext", (IMAGE_FIXTURES / "extension" / "ext").read_bytes(), 0o755)
    return python_image.with_layers(ext)


@pytest.fixture(scope="session")
def hostile_image(python_image) -> Image:
    probe = Layer().file("var/task/bootstrap", HOSTILE.read_bytes(), 0o755)
    return python_image.with_layers(probe, config={"Entrypoint": ["/usr/bin/python3", "/var/task/bootstrap"],
                                                   "Cmd": []})
