"""Managed runtimes through `lambkin serve`: python3.x and nodejsNN.x served by host interpreters with the
official runtime interface clients (awslambdaric, aws-lambda-ric), layers at Lambda's paths, exec wrappers,
log formats, and the errors a user sees. Driven by unchanged boto3 against the real binary.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess

import pytest

from harness import LAMBKIN

from .conftest import ROLE, Serve, create, read_stream, zip_files

LAMBDA_CLIENT = {"read_timeout": 600}  # the first invoke on a runtime may wait for its build


def runtime_table(server: Serve) -> dict[str, str]:
    """`lambkin runtime ls` of the server's data directory: runtime -> status."""
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    rows = [line.split(None, 2) for line in out.splitlines()[1:] if line.strip()]
    return {r[0]: r[1] for r in rows}


def pick(table: dict[str, str], prefix: str, preferred: list[str]) -> str:
    usable = [r for r, s in table.items() if r.startswith(prefix) and s in ("served", "available")]
    for r in preferred:
        if r in usable:
            return r
    assert usable, f"this host serves no {prefix} runtime: {table}"
    return usable[-1]


@pytest.fixture(scope="module")
def runtimes(server):
    table = runtime_table(server)
    py = pick(table, "python3.", ["python3.12", "python3.13", "python3.11"])
    node = pick(table, "nodejs", ["nodejs20.x", "nodejs22.x", "nodejs18.x"])
    # The CLI installs into the server's data directory; the server finds it there (the on-demand path is
    # exercised by the Python runtime, which no one installs first).
    p = subprocess.run([str(LAMBKIN), "runtime", "install", node, "--data-dir", str(server.data_dir)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    assert f"{node}: installed aws-lambda-ric" in p.stdout, p.stdout
    return {"python": py, "node": node, "table": table}


def tail_logs(out: dict) -> str:
    return base64.b64decode(out["LogResult"]).decode(errors="replace")


def json_records(logs: str) -> tuple[dict, dict]:
    """The JSON lines of JSON-format logs: application records by message, platform events by type."""
    records, platform = {}, {}
    for line in logs.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "message" in rec:
            records[rec["message"]] = rec
        elif isinstance(rec, dict) and str(rec.get("type", "")).startswith("platform."):
            platform[rec["type"]] = rec
    return records, platform


def invoke(lam, name: str, event: dict | None = None, **kw) -> tuple[dict, object]:
    out = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    body = out["Payload"].read()
    return out, json.loads(body) if body else None


def publish_layer(lam, name: str, files: dict[str, str]) -> str:
    return lam.publish_layer_version(LayerName=name, Content={"ZipFile": zip_files(files)})[
        "LayerVersionArn"]


PY_APP = """
import os, sys

def handler(event, context):
    import greet
    from pkgx import VALUE
    return {
        "greeting": greet.hi(event["name"]),
        "value": VALUE,
        "exec_env": os.environ.get("AWS_EXECUTION_ENV"),
        "pythonpath": os.environ.get("PYTHONPATH"),
        "path": os.environ.get("PATH"),
        "ld": os.environ.get("LD_LIBRARY_PATH"),
        "version": "%d.%d" % sys.version_info[:2],
        "request_id": context.aws_request_id,
        "uid": os.getuid(),
        "boto3": __import__("boto3").__version__,
    }
"""


def test_python_function_imports_modules_from_layers(lam, runtimes):
    py = runtimes["python"]
    minor = py.split(".")[1]
    top = publish_layer(lam, "py-top", {"python/greet.py": "def hi(n):\n    return 'hi ' + n\n"})
    site = publish_layer(lam, "py-site", {
        f"python/lib/python3.{minor}/site-packages/pkgx/__init__.py": "VALUE = 42\n",
        f"python/lib/python3.{minor}/site-packages/boto3/__init__.py": "__version__ = 'from-layer'\n"})
    create(lam, "py-layers", zip_files({"app.py": PY_APP}), Runtime=py, Handler="app.handler",
           Layers=[top, site])
    out, body = invoke(lam, "py-layers", {"name": "lambkin"})
    assert "FunctionError" not in out, body
    assert body["greeting"] == "hi lambkin"
    assert body["value"] == 42
    assert body["exec_env"] == f"AWS_Lambda_{py}"
    assert body["version"] == f"3.{minor}"
    # Lambda's precedence: code, then layers, then the runtime's own packages.
    assert body["pythonpath"].split(":") == [
        "/var/task", f"/opt/python/lib/python3.{minor}/site-packages", "/opt/python", "/var/runtime"]
    assert "/opt/bin" in body["path"].split(":")
    assert "/opt/lib" in body["ld"].split(":")
    assert body["uid"] == 993
    assert body["boto3"] == "from-layer"  # a layer's boto3 wins over the runtime's, as on Lambda
    assert re.fullmatch(r"[0-9a-f-]{36}", body["request_id"])
    # Warm: the same environment answers again.
    out, body = invoke(lam, "py-layers", {"name": "again"})
    assert body["greeting"] == "hi again"


NODE_APP = """
const greeter = require('greeter');
exports.handler = async (event, context) => ({
  greeting: greeter.hi(event.name),
  execEnv: process.env.AWS_EXECUTION_ENV,
  nodePath: process.env.NODE_PATH,
  version: process.versions.node,
  requestId: context.awsRequestId,
});
"""


def test_python_runtime_carries_boto3(lam, runtimes):
    create(lam, "py-boto3", zip_files({"app.py": "import boto3\ndef handler(e, c):\n    return boto3.__version__\n"}),
           Runtime=runtimes["python"], Handler="app.handler")
    out, body = invoke(lam, "py-boto3")
    assert "FunctionError" not in out, body
    assert re.fullmatch(r"\d+\.\d+\.\d+", body), body


def test_node_function_uses_a_package_from_a_layer(lam, runtimes):
    node = runtimes["node"]
    major = node[len("nodejs"):-len(".x")]
    layer = publish_layer(lam, "node-greeter", {
        "nodejs/node_modules/greeter/package.json": json.dumps({"name": "greeter", "main": "index.js"}),
        "nodejs/node_modules/greeter/index.js": "exports.hi = (n) => 'hello ' + n;\n",
    })
    create(lam, "node-layers", zip_files({"index.js": NODE_APP}), Runtime=node, Handler="index.handler",
           Layers=[layer])
    out, body = invoke(lam, "node-layers", {"name": "lambkin"})
    assert "FunctionError" not in out, body
    assert body["greeting"] == "hello lambkin"
    assert body["execEnv"] == f"AWS_Lambda_{node}"
    assert body["version"].split(".")[0] == major
    assert body["nodePath"].split(":")[:3] == [
        f"/opt/nodejs/node{major}/node_modules", "/opt/nodejs/node_modules", "/var/runtime/node_modules"]
    assert re.fullmatch(r"[0-9a-f-]{36}", body["requestId"])


def test_node_function_error_and_logs(lam, runtimes):
    code = zip_files({"index.mjs": """
export const handler = async (event) => {
  console.log('node-log-marker');
  if (event.fail) { throw new TypeError('node boom'); }
  return 'ok';
};
"""})
    create(lam, "node-err", code, Runtime=runtimes["node"], Handler="index.handler")
    out, body = invoke(lam, "node-err", {"fail": True}, LogType="Tail")
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "node boom"
    assert "node-log-marker" in tail_logs(out)
    out, body = invoke(lam, "node-err", {})
    assert "FunctionError" not in out and body == "ok"


def test_node_import_error_is_reported_on_invoke(lam, runtimes):
    create(lam, "node-import-error", zip_files({"index.js": "require('nosuchpackage');\nexports.handler = async () => 1;\n"}),
           Runtime=runtimes["node"], Handler="index.handler")
    out, body = invoke(lam, "node-import-error")
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError", body
    assert "nosuchpackage" in body["errorMessage"]
    create(lam, "node-no-file", zip_files({"other.js": "exports.x = 1;\n"}), Runtime=runtimes["node"],
           Handler="index.handler")
    out, body = invoke(lam, "node-no-file")
    assert body["errorType"] == "Runtime.ImportModuleError", body


def invoke_wrapped(lam, name: str, runtime: str, handler: str, files: dict[str, str], wrapper: str,
                   **kw) -> tuple[dict, object]:
    """Creates `name` from `files` with `AWS_LAMBDA_EXEC_WRAPPER=/var/task/<wrapper>` (executable when it is one of
    `files`) and invokes it."""
    create(lam, name, zip_files(files, {wrapper: 0o755}), Runtime=runtime, Handler=handler,
           Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": f"/var/task/{wrapper}"}})
    return invoke(lam, name, **kw)


def test_exec_wrapper_changes_the_environment(lam, runtimes):
    out, body = invoke_wrapped(lam, "py-wrapped", runtimes["python"], "app.handler", {
        "app.py": "import os\ndef handler(e, c):\n    return {'wrapped': os.environ.get('WRAPPED'), 'argv0': os.environ.get('WRAPPED_ARGV')}\n",
        "wrapper.sh": "#!/bin/sh\nexport WRAPPED=yes\nexport WRAPPED_ARGV=\"$1\"\nexec \"$@\"\n",
    }, "wrapper.sh")
    assert "FunctionError" not in out, body
    assert body["wrapped"] == "yes"
    assert "python3" in body["argv0"]  # the wrapper got the interpreter's command line


def test_node_exec_wrapper(lam, runtimes):
    out, body = invoke_wrapped(lam, "node-wrapped", runtimes["node"], "index.handler", {
        "index.js": "exports.handler = async () => process.env.WRAPPED;\n",
        "wrap": "#!/bin/sh\nWRAPPED=node-wrapped exec \"$@\"\n",
    }, "wrap")
    assert body == "node-wrapped", body


def test_missing_exec_wrapper_fails_the_init(lam, runtimes):
    out, body = invoke_wrapped(lam, "py-badwrap", runtimes["python"], "app.handler",
                               {"app.py": "def handler(e, c):\n    return 1\n"}, "nope", LogType="Tail")
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError", body
    assert "/var/task/nope: does not exist" in tail_logs(out)


LOGGING_APP = """
import logging, os
logger = logging.getLogger()

def handler(event, context):
    print("print-marker")
    logger.debug("debug-marker")
    logger.info("info-marker")
    logger.warning("warn-marker")
    return {"format": os.environ.get("AWS_LAMBDA_LOG_FORMAT"), "level": os.environ.get("AWS_LAMBDA_LOG_LEVEL")}
"""


def test_json_logging_is_captured(lam, runtimes):
    create(lam, "py-json-logs", zip_files({"app.py": LOGGING_APP}), Runtime=runtimes["python"],
           Handler="app.handler", LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    out, body = invoke(lam, "py-json-logs", LogType="Tail")
    assert body == {"format": "JSON", "level": "DEBUG"}
    logs = tail_logs(out)
    records, platform = json_records(logs)
    assert {"debug-marker", "info-marker", "warn-marker"} <= set(records), logs
    request_id = out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    info = records["info-marker"]
    assert info["level"] == "INFO"
    assert info["requestId"] == request_id
    assert "timestamp" in info and "logger" in info
    assert "print-marker" in logs
    # System logs are JSON too: platform events instead of START/END/REPORT lines.
    assert "START RequestId" not in logs and "REPORT RequestId" not in logs, logs
    assert platform["platform.start"]["record"]["requestId"] == request_id
    report = platform["platform.report"]["record"]
    assert report["requestId"] == request_id and report["status"] == "success"
    assert report["metrics"]["memorySizeMB"] == 128 and report["metrics"]["billedDurationMs"] >= 1
    cfg = lam.get_function_configuration(FunctionName="py-json-logs")["LoggingConfig"]
    assert cfg == {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO",
                   "LogGroup": "/aws/lambda/py-json-logs"}


def test_log_levels_filter_application_and_system_logs(lam, runtimes):
    create(lam, "py-warn-logs", zip_files({"app.py": LOGGING_APP}), Runtime=runtimes["python"],
           Handler="app.handler",
           LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN"})
    out, body = invoke(lam, "py-warn-logs", LogType="Tail")
    assert body == {"format": "JSON", "level": "WARN"}
    logs = tail_logs(out)
    assert "warn-marker" in logs and "info-marker" not in logs and "debug-marker" not in logs, logs
    assert "platform.start" not in logs and "platform.report" not in logs, logs
    with pytest.raises(lam.exceptions.ClientError) as e:
        lam.update_function_configuration(FunctionName="py-warn-logs", LoggingConfig={"LogFormat": "XML"})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName="py-warn-logs",
                                          LoggingConfig={"LogFormat": "Text", "ApplicationLogLevel": "INFO"})
    # An update changes only the fields it gives.
    cfg = lam.update_function_configuration(FunctionName="py-warn-logs", LoggingConfig={"LogGroup": "/custom/x"})
    assert cfg["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN",
                                    "LogGroup": "/custom/x"}
    lam.get_waiter("function_updated_v2").wait(FunctionName="py-warn-logs", WaiterConfig={"Delay": 1})
    cfg = lam.update_function_configuration(FunctionName="py-warn-logs", LoggingConfig={"LogFormat": "Text"})
    assert cfg["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/x"}


def test_text_logging_and_print_are_captured(lam, runtimes):
    create(lam, "py-text-logs", zip_files({"app.py": LOGGING_APP}), Runtime=runtimes["python"],
           Handler="app.handler")
    out, body = invoke(lam, "py-text-logs", LogType="Tail")
    assert body == {"format": "Text", "level": None}
    logs = tail_logs(out)
    assert "print-marker" in logs
    request_id = out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert re.search(r"\[WARNING\]\t\S+Z\t" + request_id + r"\twarn-marker", logs), logs
    assert "debug-marker" not in logs  # Lambda's Python root logger starts at WARNING


def test_unknown_runtime_is_refused_and_unservable_ones_fail(lam, runtimes):
    """Lambda's enumeration message for a name that is no runtime; a valid runtime this host cannot serve is
    created (as Lambda would), `Failed` with the reason (more in test_serve_runtime_lifecycle.py)."""
    code = zip_files({"app.py": "def handler(e, c):\n    return 1\n"})
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_function(FunctionName="nope-rt", Runtime="python9.9", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": code})
    assert "Member must satisfy enum value set" in str(e.value)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="nope-rt")
    missing = [r for r, s in runtimes["table"].items() if s == "missing"]
    for rt in missing[:1] + ["java21"]:
        name = "nope-" + rt.replace(".", "-")
        lam.create_function(FunctionName=name, Runtime=rt, Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": code})
        cfg = lam.get_function_configuration(FunctionName=name)
        assert (cfg["State"], cfg["StateReasonCode"]) == ("Failed", "InvalidRuntime"), cfg
        assert cfg["StateReason"].startswith("lambkin has no"), cfg


def test_python_import_error_is_reported_on_invoke(lam, runtimes):
    create(lam, "py-import-error", zip_files({"app.py": "import nosuchmodule\n\ndef handler(e, c):\n    return 1\n"}),
           Runtime=runtimes["python"], Handler="app.handler", Timeout=30)
    # The failed init is retried by the next invoke within that invoke's timeout: a cold Python start on a busy
    # 2-vCPU CI machine can take longer than the default 3 s, which would report a timeout instead.
    for _ in range(2):  # the failed init is retried by the next invoke, and fails the same way
        out, body = invoke(lam, "py-import-error")
        assert out["StatusCode"] == 200
        assert out["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ImportModuleError", body
        assert body["errorMessage"] == "Unable to import module 'app': No module named 'nosuchmodule'"
    create(lam, "py-no-handler", zip_files({"app.py": "x = 1\n"}), Runtime=runtimes["python"],
           Handler="app.handler", Timeout=30)
    out, body = invoke(lam, "py-no-handler")
    assert body["errorType"] == "Runtime.HandlerNotFound", body


def test_runtime_change_and_update_keep_working(lam, runtimes):
    create(lam, "py-update", zip_files({"app.py": "def handler(e, c):\n    return 'v1'\n"}),
           Runtime=runtimes["python"], Handler="app.handler")
    assert invoke(lam, "py-update")[1] == "v1"
    lam.update_function_code(FunctionName="py-update", ZipFile=zip_files({"main.py": "def go(e, c):\n    return 'v2'\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="py-update", WaiterConfig={"Delay": 1})
    lam.update_function_configuration(FunctionName="py-update", Handler="main.go")
    lam.get_waiter("function_updated_v2").wait(FunctionName="py-update", WaiterConfig={"Delay": 1})
    assert invoke(lam, "py-update")[1] == "v2"
    cfg = lam.get_function_configuration(FunctionName="py-update")
    assert cfg["Runtime"] == runtimes["python"] and cfg["Handler"] == "main.go"


def test_runtime_cli_lists_what_this_host_serves(server, lam, runtimes):
    create(lam, "py-cli", zip_files({"app.py": "def handler(e, c):\n    return 1\n"}), Runtime=runtimes["python"],
           Handler="app.handler")
    assert invoke(lam, "py-cli")[1] == 1
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert table["provided.al2023"] == "builtin"
    assert table[runtimes["node"]] == "served"
    assert table[runtimes["python"]] == "served"  # built on demand by the first invoke
    p = subprocess.run([str(LAMBKIN), "runtime", "install", "cobol", "--data-dir", str(server.data_dir)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "not a runtime lambkin serves" in p.stderr


def test_node_streaming_handler(lam, runtimes):
    code = zip_files({"index.mjs": """
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('chunk-1 ');
  await new Promise((r) => setTimeout(r, 20));
  responseStream.write('chunk-2 ' + event.n);
  responseStream.end();
});
"""})
    create(lam, "node-stream", code, Runtime=runtimes["node"], Handler="index.handler")
    r = lam.invoke_with_response_stream(FunctionName="node-stream", Payload=b'{"n": 7}')
    payload, complete = read_stream(r)
    assert payload == b"chunk-1 chunk-2 7"
    assert complete is not None and "ErrorCode" not in complete, complete


def test_python_context_and_timeout(lam, runtimes):
    code = zip_files({"app.py": """
import time

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "name": context.function_name,
        "version": context.function_version,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "group": context.log_group_name,
        "remaining": context.get_remaining_time_in_millis(),
    }
"""})
    create(lam, "py-context", code, Runtime=runtimes["python"], Handler="app.handler", MemorySize=256,
           Timeout=2)
    out, body = invoke(lam, "py-context")
    assert body["name"] == "py-context" and body["version"] == "$LATEST"
    assert body["memory"] == "256"
    assert body["arn"].endswith(":function:py-context")
    assert body["group"] == "/aws/lambda/py-context"
    assert 0 < body["remaining"] <= 2000
    out, body = invoke(lam, "py-context", {"sleep": 5})
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout", body
    # The next invoke gets a fresh environment.
    out, body = invoke(lam, "py-context")
    assert body["name"] == "py-context"


def test_explicit_interpreter_mapping(tmp_path):
    """`--runtime-interpreter` picks the interpreter; a wrong version is refused before anything runs."""
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(tmp_path)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    rows = [line.split() for line in out.splitlines()[1:]]
    table = {r[0]: r[1] for r in rows}
    py = pick(table, "python3.", ["python3.12", "python3.11", "python3.13"])
    interpreter = next(r[2] for r in rows if r[0] == py)
    other = "python3.13" if py != "python3.13" else "python3.12"

    def install(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(LAMBKIN), "runtime", "install", *args, "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=300)

    p = install("python3.99", "--interpreter", interpreter)
    assert p.returncode != 0 and "not a managed runtime" in p.stderr, p.stderr
    p = install(other, "--interpreter", interpreter)
    assert p.returncode != 0 and f"is not a Python {other[len('python'):]} interpreter" in p.stderr, p.stderr

    server = Serve("--runtime-interpreter", f"{py}={interpreter}",
                   "--runtime-interpreter", f"{other}=/nonexistent/python")
    try:
        lam = server.client()
        create(lam, "mapped", zip_files({"app.py": "import sys\ndef handler(e, c):\n    return sys.executable\n"}),
               Runtime=py, Handler="app.handler")
        assert invoke(lam, "mapped")[1] == interpreter
        # A mapping to no interpreter: created, Failed with the reason.
        lam.create_function(FunctionName="unmapped", Runtime=other, Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": zip_files({"app.py": ""})})
        cfg = lam.get_function_configuration(FunctionName="unmapped")
        assert cfg["State"] == "Failed", cfg
        assert f"/nonexistent/python is not a Python {other[len('python'):]} interpreter" in cfg["StateReason"]
    finally:
        server.close()


def test_function_is_pending_while_its_runtime_installs(runtimes):
    """Without a cached build the first function on a runtime waits for pip: Pending, then Active (the SDK's
    waiter waits), then it runs; an invoke during the install waits for it instead of failing."""
    server = Serve(env={"LAMBKIN_RUNTIME_CACHE": "off"})
    try:
        lam = server.client()
        code = zip_files({"app.py": "def handler(e, c):\n    return 'installed'\n"})
        lam.create_function(FunctionName="pending", Runtime=runtimes["python"], Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": code})
        cfg = lam.get_function_configuration(FunctionName="pending")
        assert cfg["State"] == "Pending", cfg
        assert runtimes["python"] in cfg["StateReason"]
        lam.get_waiter("function_active_v2").wait(FunctionName="pending", WaiterConfig={"Delay": 1})
        assert lam.get_function(FunctionName="pending")["Configuration"]["LastUpdateStatus"] == "Successful"
        assert invoke(lam, "pending")[1] == "installed"
        # A second function on a runtime being installed: the invoke itself waits.
        subprocess.run(["rm", "-rf", str(server.data_dir / "runtimes")], check=True)
        lam.create_function(FunctionName="pending2", Runtime=runtimes["python"], Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": code})
        assert invoke(lam, "pending2")[1] == "installed"
    finally:
        server.close()


def test_interpreter_that_cannot_be_bound_is_refused(tmp_path):
    """An interpreter under /tmp (or /opt, /etc, ...) cannot be bound into environments at its own path."""
    system = os.path.realpath("/usr/bin/python3")  # e.g. /usr/bin/python3.11
    runtime = os.path.basename(system)
    exe = tmp_path / "py" / "bin" / runtime
    exe.parent.mkdir(parents=True)
    subprocess.run(["cp", system, str(exe)], check=True)
    p = subprocess.run([str(LAMBKIN), "runtime", "install", runtime, "--interpreter", str(exe),
                        "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert f"{exe} cannot be served: it needs {exe.parent} bound into environments, which overlaps their own /tmp" \
        in p.stderr, p.stderr


def test_node_json_logging(lam, runtimes):
    code = zip_files({"index.mjs": """
export const handler = async () => {
  console.debug('node-debug-marker');
  console.info('node-info-marker');
  console.error('node-error-marker');
  return process.env.AWS_LAMBDA_LOG_LEVEL;
};
"""})
    create(lam, "node-json", code, Runtime=runtimes["node"], Handler="index.handler",
           LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    out, body = invoke(lam, "node-json", LogType="Tail")
    assert body == "INFO"
    logs = tail_logs(out)
    records, _ = json_records(logs)
    assert {"node-info-marker", "node-error-marker"} <= set(records), logs
    assert "node-debug-marker" not in logs  # below ApplicationLogLevel
    assert records["node-error-marker"]["level"] == "ERROR"
    assert records["node-info-marker"]["requestId"] == out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
