#!/usr/bin/env bash
# The test command (README): installs the test dependencies, builds the whole workspace
# (lambkin, the example and the real-client fixture functions), runs the Rust tests,
# then the end-to-end pytest suite against target/debug/lambkin.
#
# Usage: scripts/test.sh [pytest args...]     e.g. scripts/test.sh -k streaming -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-test-deps.sh

echo "==> cargo build --workspace --all-targets"
cargo build --workspace --all-targets

# The image suite's Rust function image holds a static (glibc, crt-static) echo-function; its own target dir,
# so that target/debug stays as the workspace build left it.
echo "==> cargo build -p echo-function (static, target/static)"
RUSTFLAGS="-C target-feature=+crt-static" cargo build -p echo-function --target x86_64-unknown-linux-gnu \
    --target-dir target/static

echo "==> cargo test --workspace"
cargo test --workspace

# The harness then uses the debug binaries just built (target/debug/lambkin, fixtures).
unset LAMBKIN_BIN LAMBKIN_PROFILE
echo "==> pytest tests"
exec .venv/bin/python -m pytest -q tests "$@"
