"""SAM projects built by AWS SAM CLI (`sam build`, from PyPI, no Docker) and deployed by lambkin: a Python
function with a `requirements.txt` dependency and a layer, a Node.js function with an npm dependency, a
`provided.al2023` Rust function whose Makefile build copies the workspace's echo function; then
`lambkin dev --build 'sam build'` picking up a code change. Functions are invoked with boto3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import LAMBKIN, ROOT, Lines, bin_path
from serve.conftest import ROOT_ONLY, lam, server  # noqa: F401 - serve's fixtures

pytestmark = [ROOT_ONLY, pytest.mark.skipif(not (ROOT / ".venv-sam" / "bin" / "sam").exists(),
                                            reason="scripts/install-test-deps.sh installs SAM CLI")]

SAM = ROOT / ".venv-sam" / "bin" / "sam"
PY = "python3.11"  # sam build needs the runtime's interpreter on PATH; Debian's is 3.11

TEMPLATE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: shared/
      CompatibleRuntimes: [{PY}]
  PyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: py/
      Handler: app.handler
      Runtime: {PY}
      Layers: [!Ref Shared]
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: node/
      Handler: app.handler
      Runtime: nodejs20.x
  RustFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: rust/
      Handler: bootstrap
      Runtime: provided.al2023
    Metadata:
      BuildMethod: makefile
"""

PY_APP = """\
import six

import shared


def handler(event, context):
    return {"six": six.__version__, "shared": shared.VALUE, "said": event.get("say")}
"""

NODE_APP = """\
const isNumber = require('is-number');
exports.handler = async (event) => ({ isNumber: isNumber(event.n), node: process.version.split('.')[0] });
"""


def sam_env() -> dict[str, str]:
    # sam finds python3.11, npm and make on PATH; ECHO_BIN is the Rust function the Makefile copies.
    return {**os.environ, "ECHO_BIN": str(bin_path("echo-function")), "SAM_CLI_TELEMETRY": "0",
            "PATH": f"{ROOT / '.venv-sam' / 'bin'}:/usr/local/bin:/usr/bin:/bin"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if not shutil.which(PY):
        pytest.skip(f"sam build needs {PY} on PATH")
    root = tmp_path_factory.mktemp("samapp")
    (root / "py").mkdir()
    (root / "py" / "app.py").write_text(PY_APP)
    (root / "py" / "requirements.txt").write_text("six==1.16.0\n")
    (root / "shared" / "python").mkdir(parents=True)
    (root / "shared" / "python" / "shared.py").write_text("VALUE = 'from the layer'\n")
    (root / "node").mkdir()
    (root / "node" / "app.js").write_text(NODE_APP)
    (root / "node" / "package.json").write_text(json.dumps(
        {"name": "node-fn", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}}))
    (root / "rust").mkdir()
    (root / "rust" / "Makefile").write_text('build-RustFunction:\n\tcp "$(ECHO_BIN)" "$(ARTIFACTS_DIR)/bootstrap"\n')
    (root / "template.yaml").write_text(TEMPLATE)
    p = subprocess.run([str(SAM), "build"], cwd=root, env=sam_env(), capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert (root / ".aws-sam" / "build" / "template.yaml").exists()
    return root


def deploy(server, root: Path) -> dict:
    p = subprocess.run([str(LAMBKIN), "deploy", "--template", "--json"], cwd=root,
                       env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return {r["LogicalId"]: r for r in json.loads(p.stdout)["Resources"]}


def invoke(lam, name: str, event: dict) -> dict:
    r = lam.invoke(FunctionName=name, Payload=json.dumps(event))
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    return body


def test_sam_build_output_deploys_and_runs(server, lam, built):
    done = deploy(server, built)
    assert set(done) == {"Shared", "PyFunction", "NodeFunction", "RustFunction"}
    stack = built.name.replace("_", "-")
    assert done["PyFunction"]["Name"].startswith(f"{stack}-PyFunction-")
    assert invoke(lam, done["PyFunction"]["Name"], {"say": "hi"}) == {
        "six": "1.16.0", "shared": "from the layer", "said": "hi"}
    assert invoke(lam, done["NodeFunction"]["Name"], {"n": 5}) == {"isNumber": True, "node": "v20"}
    assert invoke(lam, done["RustFunction"]["Name"], {"echo": [1, 2]}) == {"echo": [1, 2]}
    # Built again unchanged: nothing to do.
    again = deploy(server, built)
    assert {v["Action"] for v in again.values()} == {"unchanged"}


def test_dev_rebuilds_with_sam_and_reloads(server, lam, built):
    proc = subprocess.Popen([str(LAMBKIN), "dev", "--build", f"{SAM} build"], cwd=built,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**sam_env(), "LAMBKIN_ENDPOINT": server.endpoint})
    out = Lines(proc)

    try:
        out.wait(lambda l: l.startswith("watching "), timeout=300)
        (built / "py" / "app.py").write_text(PY_APP.replace('"said": event.get("say")', '"said": "rebuilt"'))
        line = out.wait(lambda l: "reloaded function PyFunction" in l, timeout=300)
        name = line.split("(")[1].split(")")[0]
        assert invoke(lam, name, {})["said"] == "rebuilt"
        assert not any("reloaded function NodeFunction" in l for l in out.seen), out.seen
    finally:
        proc.terminate()
        proc.wait(timeout=30)
