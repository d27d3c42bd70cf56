"""`lambkin serve` with the AWS CLI (v1 from PyPI, v2 from Debian), SigV4 auth off loopback, and a crash
(`kill -9`) and restart with nothing lost."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from harness import bin_path

from .conftest import CLI_V2, ROLE, ROOT_ONLY, Serve, cli, create, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY


@pytest.mark.parametrize("v", [1, 2])
def test_aws_cli_lifecycle(server, v, tmp_path):
    if v == 2 and not CLI_V2.exists():
        pytest.skip("AWS CLI v2 (Debian awscli) not installed")
    name = f"cli-v{v}"
    zipf = tmp_path / "f.zip"
    zipf.write_bytes(zip_bootstrap())
    rc, out, err = cli(server, "lambda", "create-function", "--function-name", name, "--runtime",
                       "provided.al2023", "--handler", "bootstrap", "--role", ROLE,
                       "--zip-file", f"fileb://{zipf}", v=v)
    assert rc == 0, err
    assert json.loads(out)["FunctionName"] == name
    rc, out, err = cli(server, "lambda", "wait", "function-active-v2", "--function-name", name, v=v)
    assert rc == 0, err
    binary = ["--cli-binary-format", "raw-in-base64-out"] if v == 2 else []
    outfile = tmp_path / "out.json"
    rc, out, err = cli(server, "lambda", "invoke", "--function-name", name, *binary,
                       "--payload", '{"from": "cli"}', str(outfile), v=v)
    assert rc == 0, err
    assert json.loads(out)["StatusCode"] == 200
    assert json.loads(outfile.read_text())["event"] == {"from": "cli"}
    rc, out, err = cli(server, "lambda", "list-functions", v=v)
    assert rc == 0 and name in [f["FunctionName"] for f in json.loads(out)["Functions"]], err
    rc, out, err = cli(server, "lambda", "get-function", "--function-name", name, v=v)
    assert rc == 0 and json.loads(out)["Configuration"]["State"] == "Active"
    rc, out, err = cli(server, "lambda", "get-account-settings", v=v)
    assert rc == 0, err
    rc, out, err = cli(server, "lambda", "delete-function", "--function-name", name, v=v)
    assert rc == 0, err
    rc, out, err = cli(server, "lambda", "get-function", "--function-name", name, v=v)
    assert rc == (255 if v == 1 else 254)
    assert "An error occurred (ResourceNotFoundException) when calling the GetFunction operation" in err
    assert f"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{name}" in err


def test_sigv4_off_loopback():
    s = Serve("--access-key", "AKIDLAMBKIN:s3cr3t", listen_host="0.0.0.0")
    try:
        good = s.client(key="AKIDLAMBKIN", secret="s3cr3t", region="eu-central-1")
        assert good.list_functions()["Functions"] == []
        out = create(good, "signed")
        assert out["FunctionArn"] == "arn:aws:lambda:eu-central-1:123456789012:function:signed"
        r = good.invoke(FunctionName=out["FunctionArn"], Qualifier="$LATEST", Payload=b'{"a": 1}')
        assert json.loads(r["Payload"].read())["event"] == {"a": 1}
        for key, secret, code in [("AKIDLAMBKIN", "wrong", "InvalidSignatureException"),
                                  ("UNKNOWN", "s3cr3t", "UnrecognizedClientException")]:
            bad = s.client(key=key, secret=secret)
            with pytest.raises(Exception) as e:
                bad.list_functions()
            assert e.value.response["Error"]["Code"] == code
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    finally:
        s.close()


def test_kill9_and_restart_lose_nothing():
    data = Path(tempfile.mkdtemp(prefix="lambkin-crash-"))
    s = Serve(data_dir=data)
    try:
        lam = s.client()
        layer = lam.publish_layer_version(LayerName="keep", Content={"ZipFile": zip_files({"k.txt": "kept"})})
        create(lam, "durable", Layers=[layer["LayerVersionArn"]], Tags={"t": "1"},
               Environment={"Variables": {"XY": "y"}})
        lam.publish_version(FunctionName="durable")
        lam.create_alias(FunctionName="durable", Name="prod", FunctionVersion="1")
        lam.put_function_concurrency(FunctionName="durable", ReservedConcurrentExecutions=5)
        lam.add_permission(FunctionName="durable", StatementId="p", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com")
        assert lam.invoke(FunctionName="durable", Payload=b"{}")["StatusCode"] == 200
        before = lam.get_function(FunctionName="durable")
        s.kill9()
        s.restart()
        lam = s.client()
        after = lam.get_function(FunctionName="durable")
        assert after["Configuration"] == before["Configuration"]
        assert after["Tags"] == {"t": "1"}
        assert after["Concurrency"] == {"ReservedConcurrentExecutions": 5}
        assert lam.get_alias(FunctionName="durable", Name="prod")["FunctionVersion"] == "1"
        assert json.loads(lam.get_policy(FunctionName="durable")["Policy"])["Statement"][0]["Sid"] == "p"
        assert lam.get_layer_version(LayerName="keep", VersionNumber=1)["Version"] == 1
        r = lam.invoke(FunctionName="durable", Qualifier="prod", Payload=json.dumps({"read": "/opt/k.txt"}))
        assert json.loads(r["Payload"].read())["read"] == "kept"
        assert s.stop() == 0
    finally:
        s.close()
        import shutil
        shutil.rmtree(data, ignore_errors=True)


def test_process_isolation_fallback():
    """Without the sandbox (`--isolation process`, what a non-root user gets) functions still run, and the
    server says what is not enforced."""
    s = Serve("--isolation", "process")
    try:
        lam = s.client()
        create(lam, "plain", Environment={"Variables": {"KEY": "v"}})
        r = lam.invoke(FunctionName="plain", Payload=b'{"env": "KEY"}')
        assert json.loads(r["Payload"].read()) == {"env": "v"}
        r = lam.invoke(FunctionName="plain", Payload=b'{"fail": "x"}')
        assert r["FunctionError"] == "Unhandled"
        r = lam.invoke(FunctionName="plain", Payload=b'{"again": 1}')
        assert json.loads(r["Payload"].read())["event"] == {"again": 1}
        assert "isolation process" in s.log() and "Not enforced" in s.log()
    finally:
        s.close()


def test_idle_environments_are_retired_with_spindown():
    """After the keep-alive an idle environment is retired: its extensions get SHUTDOWN `spindown` (the real
    `lambda-extension` crate prints it; the line lands in the function's logs)."""
    import time
    import urllib.request

    s = Serve("--keep-alive-secs", "1")
    try:
        lam = s.client()
        ext = zip_files({"extensions/rust-extension": bin_path("rust-extension").read_bytes()},
                        {"extensions/rust-extension": 0o755})
        layer = lam.publish_layer_version(LayerName="ext", Content={"ZipFile": ext})
        create(lam, "idle", Layers=[layer["LayerVersionArn"]])
        assert lam.invoke(FunctionName="idle", Payload=b"{}")["StatusCode"] == 200
        deadline = time.time() + 20
        lines = []
        while time.time() < deadline:
            with urllib.request.urlopen(f"{s.endpoint}/lambkin/v1/functions/idle/logs") as r:
                lines = [e["message"] for e in json.loads(r.read())["events"]]
            if any('"source":"event"' in m and '"SHUTDOWN"' in m for m in lines):
                break
            time.sleep(0.3)
        shutdown = [json.loads(m) for m in lines if '"SHUTDOWN"' in m]
        shutdown = [x for x in shutdown if x.get("source") == "event"]
        assert shutdown, lines
        assert shutdown[0]["event"]["reason"] == "spindown"
        # The next invoke builds a new environment.
        assert lam.invoke(FunctionName="idle", Payload=b"{}")["StatusCode"] == 200
    finally:
        s.close()


def test_lambkin_cli(server, tmp_path):
    """`lambkin deploy | invoke | ls | logs | layer | rm` against the server."""
    import shutil
    import subprocess
    import time

    from harness import LAMBKIN
    from .conftest import SERVE_FN

    def run(*args, stdin=None):
        p = subprocess.run([str(LAMBKIN), "--endpoint", server.endpoint, *args], capture_output=True,
                           text=True, input=stdin, timeout=120)
        return p.returncode, p.stdout, p.stderr

    fn = tmp_path / "fn"
    fn.mkdir()
    shutil.copy(SERVE_FN, fn / "bootstrap")
    layer_dir = tmp_path / "layer"
    layer_dir.mkdir()
    (layer_dir / "note.txt").write_text("from a layer")
    rc, out, err = run("layer", "publish", "notes", str(layer_dir))
    assert rc == 0, err
    layer_arn = out.strip()
    assert layer_arn == "arn:aws:lambda:us-east-1:123456789012:layer:notes:1"
    rc, out, err = run("deploy", "people", str(fn), "--env", "WHO=people", "--memory", "256",
                       "--layer", layer_arn)
    assert rc == 0, err
    assert "people" in out and "Active" in out
    rc, out, err = run("invoke", "people", '{"env": "WHO"}')
    assert rc == 0 and json.loads(out) == {"env": "people"}, err
    rc, out, err = run("invoke", "people", "-", stdin='{"read": "/opt/note.txt"}')
    assert json.loads(out)["read"] == "from a layer"
    rc, out, err = run("invoke", "people", '{"print": "cli-log-line"}', "--tail")
    assert rc == 0 and "cli-log-line" in err and "REPORT RequestId" in err
    rc, out, err = run("invoke", "people", '{"fail": "oops"}')
    assert rc == 1 and "oops" in out and "function error" in err
    # Redeploy with a new setting: an update, not a second function.
    rc, out, err = run("deploy", "people", str(fn), "--timeout", "9", "--json")
    assert rc == 0, err
    assert json.loads(out)["Timeout"] == 9
    rc, out, err = run("ls", "--json")
    assert [f["FunctionName"] for f in json.loads(out)].count("people") == 1
    rc, out, err = run("ls")
    assert out.splitlines()[0].split() == ["NAME", "RUNTIME", "MEMORY", "TIMEOUT", "STATE", "LAST", "MODIFIED"]
    deadline = time.time() + 10
    while time.time() < deadline:
        rc, out, err = run("logs", "people", "--since", "10m")
        if "cli-log-line" in out:
            break
        time.sleep(0.3)
    assert "cli-log-line" in out and "START RequestId" in out
    rc, out, err = run("invoke", "ghost")
    assert rc == 1 and "ResourceNotFoundException" in err and "lambkin deploy ghost" in err
    rc, out, err = run("rm", "people")
    assert rc == 0, err
    rc, out, err = run("invoke", "people")
    assert rc == 1


def test_host_memory_budget():
    """Environments together stay within --memory-budget-mb: idle ones of other functions make room, busy ones
    cannot, and then the invoke is throttled (429 ConcurrentInvocationLimitExceeded)."""
    import threading

    s = Serve("--memory-budget-mb", "300")
    try:
        lam = s.client()
        create(lam, "budget-a", MemorySize=256)
        create(lam, "budget-b", MemorySize=256)
        assert lam.invoke(FunctionName="budget-a", Payload=b"{}")["StatusCode"] == 200
        # a's idle environment is retired to make room for b's.
        assert lam.invoke(FunctionName="budget-b", Payload=b"{}")["StatusCode"] == 200
        results = []

        def slow():
            r = lam.invoke(FunctionName="budget-a", Payload=b'{"sleep": 2}')
            results.append(r["StatusCode"])

        t = threading.Thread(target=slow)
        t.start()
        import time
        time.sleep(0.8)
        with pytest.raises(lam.exceptions.TooManyRequestsException) as e:
            lam.invoke(FunctionName="budget-b", Payload=b"{}")
        assert e.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"
        t.join()
        assert results == [200]
        assert lam.invoke(FunctionName="budget-b", Payload=b"{}")["StatusCode"] == 200
    finally:
        s.close()


def test_settings_from_a_config_file_and_the_environment(tmp_path, monkeypatch):
    """Every setting can come from the TOML file given with --config or from a LAMBKIN_* variable; options
    win over both."""
    cfg = tmp_path / "lambkin.toml"
    cfg.write_text('account-id = "210987654321"\nregion = "ap-south-1"\nkeep-alive-secs = 30\n')
    s = Serve("--config", str(cfg))
    try:
        import urllib.request
        # An unsigned request uses the configured region and account.
        # The role is of the server's account (Lambda refuses another account's: "Cross-account pass role").
        body = json.dumps({"FunctionName": "cfg", "Runtime": "provided.al2023",
                           "Role": "arn:aws:iam::210987654321:role/lambda",
                           "Handler": "bootstrap", "Code": {"ZipFile": __import__("base64").b64encode(
                               zip_bootstrap()).decode()}}).encode()
        req = urllib.request.Request(f"{s.endpoint}/2015-03-31/functions", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            assert json.loads(r.read())["FunctionArn"] == "arn:aws:lambda:ap-south-1:210987654321:function:cfg"
    finally:
        s.close()
    monkeypatch.setenv("LAMBKIN_ACCOUNT_ID", "111122223333")
    s = Serve("--config", str(cfg))
    try:
        out = create(s.client(), "env", Role="arn:aws:iam::111122223333:role/lambda")
        assert out["FunctionArn"] == "arn:aws:lambda:us-east-1:111122223333:function:env"
    finally:
        s.close()
    bad = tmp_path / "bad.toml"
    bad.write_text('no-such-setting = 1\n')
    import subprocess
    from harness import LAMBKIN
    p = subprocess.run([str(LAMBKIN), "serve", "--config", str(bad)], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and "no-such-setting" in p.stderr
