"""What both suites share. The suites are laid out like the code:

* `tests/rie/`   — `lambkin rie` / `lambkin init`: the Runtime, Extensions, Logs and Telemetry APIs over raw HTTP,
                   the RIE front end, real runtime clients, the sandbox (fixtures and helpers: rie/conftest.py);
* `tests/serve/` — `lambkin serve`: the Lambda REST API through boto3 and the AWS CLIs (serve/conftest.py).

Both import `harness` (tests/harness.py: where the binaries are, `Rie`, plain HTTP, `wait_for`), so tests/ is put
on sys.path here, whichever directory or file pytest is pointed at. Each suite's directory is a package, so that
its test modules import their own conftest's helpers (`from .conftest import ...`) and never the other's.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
