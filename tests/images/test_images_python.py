"""Lambda's contract inside a container image: a Python image assembled from the host's Debian packages running
the real `awslambdaric` behind a Lambda-style `/lambda-entrypoint.sh` — identity, working directory, read-only
root and writable `/tmp`, the image's ENV under the function's Environment and Lambda's reserved variables,
`_HANDLER`, `ImageConfig` overrides; an external extension from `/opt/extensions`; the hostile probes inside an
image."""

from __future__ import annotations

import json

import pytest

import serve.test_serve_prepared as prepared_suite

from .conftest import DEBIAN_PYTHON, ROOT_ONLY, Serve, create_image_function, invoke_json, tail

pytestmark = ROOT_ONLY


def _prepared_attacks() -> list[str]:
    """The hostile probes tests/serve/test_serve_prepared.py runs (its parametrize list)."""
    fn = prepared_suite.test_hostile_checks_hold_in_a_prepared_environment
    for mark in getattr(fn, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] == "attack":
            return list(mark.args[1])
    raise LookupError("test_serve_prepared's attack list")


ATTACKS = _prepared_attacks()


@pytest.fixture(scope="module")
def server(registry):
    s = Serve()
    yield s
    s.close()


@pytest.fixture(scope="module")
def lam(server):
    return server.client()


@pytest.fixture(scope="module")
def python_uri(registry, python_image):
    registry.push(python_image, "py", "1")
    return f"{registry.host}/py:1"


@pytest.fixture(scope="module")
def py_fn(server, lam, python_uri):
    cfg = create_image_function(lam, "py", python_uri, EphemeralStorage={"Size": 1024},
                                Environment={"Variables": {"OVERRIDE_ME": "from-function", "FN_ONLY": "fn"}})
    assert cfg["State"] == "Active", (cfg, server.log())
    return "py"


def test_awslambdaric_handler_and_identity(lam, py_fn, python_image):
    r, seen = invoke_json(lam, py_fn, {"hello": "python"}, LogType="Tail")
    assert seen["handler"] == "app.handler"
    assert seen["event"] == {"hello": "python"}
    assert seen["request_id"] == r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert seen["python"].startswith(DEBIAN_PYTHON + ".")
    assert seen["uid"] == 993 and seen["euid"] == 993
    assert seen["cwd"] == "/var/task"
    assert seen["image_file"] == "baked into the image\n"
    assert seen["argv"][0].endswith("awslambdaric/__main__.py") or "awslambdaric" in " ".join(seen["argv"])
    assert seen["extensions"] in (None, [])
    assert "REPORT RequestId" in tail(r)
    fn = lam.get_function(FunctionName=py_fn)
    assert fn["Configuration"]["CodeSha256"] == python_image.digest.split(":", 1)[1]
    assert "ImageConfigResponse" not in fn["Configuration"]


def test_read_only_root_and_tmp(lam, py_fn):
    _, seen = invoke_json(lam, py_fn, {})
    assert seen["root_writable"] is False
    assert seen["task_writable"] is False
    assert seen["tmp_writable"] is True
    # EphemeralStorage 1024 MB: /tmp's size (a filesystem of about that size; not the 512 MB default).
    assert 900 * 2**20 <= seen["tmp_total"] <= 1100 * 2**20, seen["tmp_total"]


def test_environment_layers(lam, py_fn):
    _, seen = invoke_json(lam, py_fn, {})
    env = seen["env"]
    assert env["IMAGE_ONLY"] == "from-image"
    assert env["OVERRIDE_ME"] == "from-function"
    assert env["FN_ONLY"] == "fn"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task"
    # Reserved variables: Lambda's values, not the image's.
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "py"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert seen["function_name"] == "py" and int(seen["memory_limit_in_mb"]) == 256
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_RUNTIME_API",
                 "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"):
        assert env.get(name), name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    # _HANDLER as lambkin set it (the entrypoint script keeps it in LAMBKIN_HANDLER): the first element of CMD.
    assert env["LAMBKIN_HANDLER"] == "app.handler"
    assert env["_HANDLER"] == "app.handler"


def test_image_config_overrides(server, lam, python_uri):
    cfg = create_image_function(lam, "py-cfg", python_uri, ImageConfig={
        "EntryPoint": ["/alt-entrypoint.sh"], "Command": ["app.other", "extra-arg"],
        "WorkingDirectory": "/var/task/sub"})
    assert cfg["State"] == "Active", (cfg, server.log())
    assert cfg["ImageConfigResponse"] == {"ImageConfig": {
        "EntryPoint": ["/alt-entrypoint.sh"], "Command": ["app.other", "extra-arg"],
        "WorkingDirectory": "/var/task/sub"}}
    fn = lam.get_function(FunctionName="py-cfg")
    assert fn["Configuration"]["ImageConfigResponse"]["ImageConfig"]["Command"] == ["app.other", "extra-arg"]
    _, seen = invoke_json(lam, "py-cfg", {})
    assert seen["handler"] == "app.other"
    assert seen["cwd"] == "/var/task/sub"
    assert seen["env"]["ALT_ENTRYPOINT"] == "yes:app.other extra-arg"
    assert seen["env"]["LAMBKIN_HANDLER"] == "app.other"

    # Command alone: the image's entrypoint with another handler.
    create_image_function(lam, "py-cmd", python_uri, ImageConfig={"Command": ["app.other"]})
    _, seen = invoke_json(lam, "py-cmd", {})
    assert seen["handler"] == "app.other" and seen["cwd"] == "/var/task"
    assert "ALT_ENTRYPOINT" not in seen["env"]

    # UpdateFunctionConfiguration's ImageConfig takes effect on the next environment.
    lam.update_function_configuration(FunctionName="py-cmd", ImageConfig={"Command": ["app.handler"],
                                                                          "WorkingDirectory": "/var/task/sub"})
    lam.get_waiter("function_updated_v2").wait(FunctionName="py-cmd", WaiterConfig={"Delay": 1})
    _, seen = invoke_json(lam, "py-cmd", {})
    assert seen["handler"] == "app.handler" and seen["cwd"] == "/var/task/sub"


def test_external_extension_sees_invokes(server, lam, registry, extension_image):
    registry.push(extension_image, "py-ext", "1")
    cfg = create_image_function(lam, "py-ext", f"{registry.host}/py-ext:1")
    assert cfg["State"] == "Active", (cfg, server.log())
    for _ in range(2):
        r, seen = invoke_json(lam, "py-ext", {}, LogType="Tail")
        assert seen["extensions"] == ["ext"]
        rid = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
        assert f"EXT-INVOKE-MARKER {rid}" in tail(r), tail(r)


@pytest.fixture(scope="module")
def hostile_fn(server, lam, registry, hostile_image):
    registry.push(hostile_image, "hostile", "1")
    cfg = create_image_function(lam, "hostile", f"{registry.host}/hostile:1", Timeout=30)
    assert cfg["State"] == "Active", (cfg, server.log())
    return "hostile"


def _attack(lam, fn, event):
    r = lam.invoke(FunctionName=fn, Payload=json.dumps(event).encode())
    body = r["Payload"].read()
    assert "FunctionError" not in r, body
    return json.loads(body)


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_checks_hold_in_an_image(lam, hostile_fn, attack):
    res = _attack(lam, hostile_fn, {"attack": attack})
    assert res["ok"] is False, f"{attack} succeeded: {res['detail']}"
    res = _attack(lam, hostile_fn, {"attack": "read_file", "path": "/run/lambkin/environments"})
    assert res["ok"] is False, res


def test_hostile_identity_in_an_image(lam, hostile_fn):
    seen = _attack(lam, hostile_fn, {})
    assert seen["uid"] == 993 and seen["euid"] == 993, seen
    assert seen["no_new_privs"] == "1", seen
    assert int(seen["cap_eff"], 16) == 0, seen
    assert seen["seccomp"] == "2", seen
