"""Fixtures and helpers of the suites that drive `lambkin rie` (and through it `lambkin init`). Nothing here is
autouse, so a suite takes only what it asks for.

* `deadline` fixture: a SIGALRM guard failing a test that runs longer than its limit (default 60 s,
  `@pytest.mark.deadline(seconds)` to change it) — works without pytest-timeout.
* `Background`: runs a blocking call (an invoke, a long-polling `/next`) in a daemon thread.
* `manual_rie`: a `Rie` whose bootstrap only idles, so that the test plays the runtime itself.
* assertion helpers for the API's JSON conventions (spec §1.3).
* the real runtime clients' side (test_real_clients.py, test_rie_frontend.py): `rust_rie` (a workspace fixture
  binary as the bootstrap), `node_ric`, `venv_python`, `require` (fail, not skip, when something is not built
  or installed), `request_id`.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from pathlib import Path

import pytest

from harness import FIXTURES, LAMBKIN, NODE_RIC, VENV_PYTHON, Response, Rie, bin_path

RUNTIME = "/2018-06-01/runtime"
NEXT = f"{RUNTIME}/invocation/next"
EXTENSION = "/2020-01-01/extension"
TELEMETRY = "/2022-07-01/telemetry"
LOGS = "/2020-08-15/logs"

# The test bootstrap used by the protocol suites: records its start (time and pid), its environment and a
# SIGTERM in $OUT_DIR, then idles (the test plays the runtime). When the file $OUT_DIR/crash appears it
# exits with status $CRASH_STATUS (default 3), or kills itself with SIGKILL when CRASH_STATUS=kill.
IDLE_RUNTIME = r"""#!/bin/sh
echo "$(date +%s.%N) $$" >> "$OUT_DIR/runtime.starts"
env > "$OUT_DIR/runtime.env"
trap 'date +%s.%N > "$OUT_DIR/runtime.sigterm"; exit 0' TERM
while [ ! -e "$OUT_DIR/crash" ]; do sleep 0.05; done
rm -f "$OUT_DIR/crash"
if [ "$CRASH_STATUS" = kill ]; then kill -9 $$; fi
exit "${CRASH_STATUS:-3}"
"""

# The real clients' side: fixture functions built from this workspace, the Node and Python RICs' directories.
RUST_FUNCTION = bin_path("rust-function")
ECHO_FUNCTION = bin_path("echo-function")
NODE_DIR = FIXTURES / "node"
PYTHON_DIR = FIXTURES / "python"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def pytest_configure(config):
    config.addinivalue_line("markers", "deadline(seconds): per-test time limit of the protocol suites (default 60)")


@pytest.fixture
def deadline(request):
    marker = request.node.get_closest_marker("deadline")
    seconds = marker.args[0] if marker else 60

    def expired(signum, frame):
        raise TimeoutError(f"test exceeded its {seconds} s deadline")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Background:
    """Runs `fn(*args, **kwargs)` in a daemon thread; `.result()` waits for it (and re-raises)."""

    def __init__(self, fn, *args, **kwargs):
        self._finished = threading.Event()
        self._value = None
        self._error: BaseException | None = None

        def run():
            try:
                self._value = fn(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001 - re-raised by result()
                self._error = e
            finally:
                self._finished.set()

        threading.Thread(target=run, daemon=True).start()

    def done(self) -> bool:
        return self._finished.is_set()

    def result(self, timeout: float = 30):
        if not self._finished.wait(timeout):
            raise TimeoutError(f"background call still running after {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value


def executable(path: Path, text: str, pin: bool = True) -> Path:
    """Writes an executable script. A `#!/usr/bin/env python3` line is pinned to this interpreter (unless `pin` is
    false), which skips version-manager shims (slow to start, and they add variables such as
    _PYENV_INSTALL_PREFIX)."""
    if pin and text.startswith("#!/usr/bin/env python3\n"):
        text = f"#!{sys.executable}\n" + text.split("\n", 1)[1]
    path.write_text(text)
    path.chmod(0o755)
    return path


def read_jsonl(path: Path) -> list:
    """The records of a JSON-lines file another process is still appending to: a last line caught half-written
    is left for the next read."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and not text.endswith("\n"):
        lines.pop()
    return [json.loads(line) for line in lines]


def manual_rie(tmp_path: Path, env: dict | None = None, extensions_dir: Path | None = None, command=None) -> Rie:
    """A Rie whose bootstrap is IDLE_RUNTIME (unless `command` is given); $OUT_DIR = tmp_path/out."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    if extensions_dir is None:
        extensions_dir = tmp_path / "no-extensions"
        extensions_dir.mkdir(exist_ok=True)
    if command is None:
        command = [str(executable(tmp_path / "bootstrap", IDLE_RUNTIME))]
    return Rie(command=command, env={"OUT_DIR": str(out), **(env or {})}, extensions_dir=str(extensions_dir))


def runtime_starts(tmp_path: Path) -> list[tuple[float, int]]:
    """(time, pid) of every start of IDLE_RUNTIME so far."""
    f = tmp_path / "out" / "runtime.starts"
    if not f.exists():
        return []
    return [(float(t), int(p)) for t, p in (line.split() for line in f.read_text().splitlines() if line.strip())]


def compact(obj) -> bytes:
    """Go's json.Marshal output for simple ASCII values: compact, fields in the given order."""
    return json.dumps(obj, separators=(",", ":")).encode()


def assert_api_error(r: Response, status: int, error_type: str, message: str | None = None):
    """A Runtime/Extensions API error (spec §1.3): exact status, `Content-Type: application/json`, body
    `{"errorMessage":..,"errorType":..}` + a single newline; the exact message when given."""
    assert r.status == status, (r.status, r.body)
    assert r.header("content-type") == "application/json", r.headers
    assert r.body.endswith(b"\n") and not r.body.endswith(b"\n\n"), r.body
    if message is not None:
        assert r.body == compact({"errorMessage": message, "errorType": error_type}) + b"\n"
    else:
        body = json.loads(r.body)
        assert list(body)[:2] == ["errorMessage", "errorType"], body
        assert body["errorType"] == error_type, body
        assert isinstance(body["errorMessage"], str) and body["errorMessage"], body


def assert_accepted(r: Response):
    """202 `{"status":"OK"}` + newline (spec §1.3)."""
    assert (r.status, r.body) == (202, b'{"status":"OK"}\n'), (r.status, r.body)
    assert r.header("content-type") == "application/json"


def transition_error(current: str, target: str, who: str = "runtime") -> str:
    return f"State transition from {current} to {target} failed for {who}. Error: State transition is not allowed"


# --- the real runtime clients' side ---------------------------------------------------------------------------


def require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} missing at {path}; build it first (cargo build --workspace)")
    return path


def rust_rie(binary: Path = RUST_FUNCTION, env: dict | None = None, **kw) -> Rie:
    require(LAMBKIN, "lambkin binary")
    require(binary, binary.name)
    return Rie(command=[str(binary)], env=env or {}, **kw)


def node_ric() -> Path:
    """The Node RIC entry point; FAILS (not skips) when the npm install has not run."""
    if not (NODE_DIR / "node_modules" / "aws-lambda-ric").is_dir():
        pytest.fail(
            "tests/fixtures/node/node_modules/aws-lambda-ric is missing: run scripts/install-test-deps.sh"
        )
    # aws-lambda-ric 4.0.2 declares `"bin": {"aws-lambda-ric": "./index.mjs"}`; older
    # layouts had bin/index.mjs (the harness's NODE_RIC).
    for cand in (NODE_RIC, NODE_DIR / "node_modules" / "aws-lambda-ric" / "index.mjs"):
        if cand.exists():
            return cand
    pytest.fail("aws-lambda-ric entry point not found: run scripts/install-test-deps.sh")


def venv_python() -> Path:
    """The .venv's interpreter (it has `awslambdaric`); FAILS when scripts/install-test-deps.sh has not run."""
    if not VENV_PYTHON.exists():
        pytest.fail(f"{VENV_PYTHON} missing: run scripts/install-test-deps.sh")
    return VENV_PYTHON


def request_id(r: Response) -> str:
    rid = r.header("x-amzn-requestid")
    assert rid and UUID_RE.match(rid), r.headers
    return rid
