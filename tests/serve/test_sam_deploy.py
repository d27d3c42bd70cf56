"""`lambkin deploy --template`: a SAM template's functions and layers created in a running `serve` (Globals,
Parameters with overrides, Conditions, `!Ref`/`!Sub`/`!GetAtt`/`!If`, a template layer, `AutoPublishAlias`, a
function URL, reserved concurrency, an inline CloudFormation function), one warning for what lambkin does not
create, and a second deploy that changes only what changed. The functions are then invoked with boto3.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import LAMBKIN, Lines
from serve.conftest import ROOT_ONLY

pytestmark = ROOT_ONLY

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: lambkin's SAM deploy test

Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Greeting:
    Type: String
    Default: hello

Conditions:
  IsProd: !Equals [!Ref Stage, prod]

Globals:
  Function:
    Runtime: {runtime}
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Ref Stage

Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: !Sub '${{AWS::StackName}}-shared'
      ContentUri: layer/
      CompatibleRuntimes: [{runtime}]

  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: app.handler
      Layers: [!Ref Shared]
      AutoPublishAlias: live
      ReservedConcurrentExecutions: 5
      FunctionUrlConfig:
        AuthType: NONE
      Environment:
        Variables:
          GREETING: !Sub '${{Greeting}} from ${{AWS::StackName}}'
          MODE: !If [IsProd, strict, relaxed]
          OTHER: !GetAtt Inline.Arn
{extra}
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub '${{AWS::StackName}}-inline'
      Runtime: {runtime}
      Handler: index.handler
      Role: !GetAtt InlineRole.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {{"inline": True, "fn": context.function_name}}

  InlineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{}}

  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
"""

EXTRA = """
  Second:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: app.handler
"""

HELLO = """\
import os

import shared


def handler(event, context):
    return {"greeting": os.environ["GREETING"], "stage": os.environ["STAGE"], "mode": os.environ["MODE"],
            "other": os.environ["OTHER"], "shared": shared.VALUE, "version": context.function_version,
            "fn": context.function_name}
"""


@pytest.fixture(scope="module")
def runtime(server) -> str:
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:]) if len(r) > 1}
    for rt in ("python3.12", "python3.13", "python3.11", "python3.10"):
        if table.get(rt) in ("served", "available"):
            return rt
    pytest.fail(f"no Python runtime: {table}")


def project(tmp: Path, runtime: str, extra: str = "", value: str = "v1") -> Path:
    (tmp / "hello").mkdir(parents=True, exist_ok=True)
    (tmp / "hello" / "app.py").write_text(HELLO)
    (tmp / "layer" / "python").mkdir(parents=True, exist_ok=True)
    (tmp / "layer" / "python" / "shared.py").write_text(f"VALUE = {value!r}\n")
    (tmp / "template.yaml").write_text(TEMPLATE.format(runtime=runtime, extra=extra))
    return tmp


def deploy(server, cwd: Path, *args: str) -> tuple[dict, str]:
    p = subprocess.run([str(LAMBKIN), "deploy", "--template", "--json", *args], cwd=cwd,
                       env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout)
    return {r["LogicalId"]: r for r in out["Resources"]}, p.stderr


def test_a_template_deploys_then_only_changes_deploy_again(server, lam, runtime, tmp_path):
    root = project(tmp_path / "myapp", runtime)
    done, warnings = deploy(server, root, "--parameter-overrides", "Stage=prod Greeting=hi")
    assert set(done) == {"Shared", "Hello", "Inline"}
    assert done["Shared"]["Action"].startswith("published version")
    assert done["Hello"]["Action"].startswith("created")
    # One warning names every resource lambkin does not create.
    assert "InlineRole (AWS::IAM::Role)" in warnings and "Table (AWS::DynamoDB::Table)" in warnings
    hello = done["Hello"]["Name"]
    assert hello.startswith("myapp-Hello-") and len(hello) <= 64
    assert done["Inline"]["Name"] == "myapp-inline"

    out = json.loads(lam.invoke(FunctionName=hello, Qualifier="live", Payload=b"{}")["Payload"].read())
    assert out == {"greeting": "hi from myapp", "stage": "prod", "mode": "strict",
                   "other": f"arn:aws:lambda:us-east-1:123456789012:function:myapp-inline",
                   "shared": "v1", "version": "1", "fn": hello}
    inline = json.loads(lam.invoke(FunctionName="myapp-inline", Payload=b"{}")["Payload"].read())
    assert inline == {"inline": True, "fn": "myapp-inline"}
    cfg = lam.get_function(FunctionName=hello)
    assert cfg["Concurrency"]["ReservedConcurrentExecutions"] == 5
    assert cfg["Configuration"]["MemorySize"] == 256 and cfg["Configuration"]["Timeout"] == 10
    url = lam.get_function_url_config(FunctionName=hello, Qualifier="live")
    assert url["AuthType"] == "NONE"

    # The same template again: nothing changes (no new version, no new layer version).
    again, _ = deploy(server, root, "--parameter-overrides", "Stage=prod Greeting=hi")
    assert {k: v["Action"] for k, v in again.items()} == {"Shared": "unchanged", "Hello": "unchanged",
                                                          "Inline": "unchanged"}

    # A changed layer: a new layer version, the function's configuration points at it, a new version for the
    # alias; a new function in the template is created.
    project(root, runtime, extra=EXTRA, value="v2")
    third, _ = deploy(server, root, "--parameter-overrides", "Stage=prod Greeting=hi")
    assert third["Shared"]["Action"] == "published version 2"
    assert "configuration updated" in third["Hello"]["Action"] and "live → version 2" in third["Hello"]["Action"]
    assert third["Inline"]["Action"] == "unchanged"
    assert third["Second"]["Action"].startswith("created")
    out = json.loads(lam.invoke(FunctionName=hello, Qualifier="live", Payload=b"{}")["Payload"].read())
    assert out["shared"] == "v2" and out["version"] == "2"


def test_template_errors_are_clear(server, tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Environment:\n        Variables:\n          X: !GetAtt Nowhere.Arn\n")
    p = subprocess.run([str(LAMBKIN), "deploy", "--template"], cwd=tmp_path,
                       env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert "Nowhere" in p.stderr and "Environment" in p.stderr, p.stderr


def test_local_invoke_and_generate_event(server, runtime, tmp_path):
    root = project(tmp_path / "localapp", runtime)
    env = {"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"}
    p = subprocess.run([str(LAMBKIN), "local", "generate-event", "apigateway", "http-api", "--method", "post",
                        "--path", "/orders/7?x=1", "--body", '{"n": 2}'], cwd=root, env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    event = json.loads(p.stdout)
    assert event["version"] == "2.0" and event["routeKey"] == "POST /orders/7"
    assert event["queryStringParameters"] == {"x": "1"} and event["body"] == '{"n": 2}'
    (root / "event.json").write_text(p.stdout)
    p = subprocess.run([str(LAMBKIN), "local", "invoke", "Hello", "-e", "event.json"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["greeting"] == "hello from localapp" and out["version"] == "$LATEST"
    assert "REPORT RequestId:" in p.stderr, p.stderr
    p = subprocess.run([str(LAMBKIN), "local", "invoke", "Nope"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2 and "Hello" in p.stderr, p.stderr


def test_dev_reloads_changed_code_and_new_functions(server, lam, runtime, tmp_path):
    root = project(tmp_path / "devapp", runtime)
    proc = subprocess.Popen([str(LAMBKIN), "dev"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"})
    out = Lines(proc)

    try:
        out.wait(lambda l: l.startswith("watching "))
        assert any("deployed function Hello" in l for l in out.seen), out.seen
        hello = [l for l in out.seen if "deployed function Hello" in l][0].split("(")[1].split(")")[0]

        def answer():
            return json.loads(lam.invoke(FunctionName=hello, Payload=b"{}")["Payload"].read())
        assert answer()["greeting"] == "hello from devapp"
        # A code change: only Hello reloads, and the next request runs the new code.
        (root / "hello" / "app.py").write_text(HELLO.replace('"greeting": os.environ["GREETING"]',
                                                            '"greeting": "changed"'))
        out.wait(lambda l: "reloaded function Hello" in l and "code updated" in l, timeout=60)
        assert answer()["greeting"] == "changed"
        # A template change adding a function.
        (root / "template.yaml").write_text(TEMPLATE.format(runtime=runtime, extra=EXTRA))
        out.wait(lambda l: "reloaded function Second" in l and "created" in l, timeout=60)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
