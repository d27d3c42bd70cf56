"""Extensions API over raw HTTP (spec: execution-environment-api.md §4, §4.5, §5, §7.2, §7.4, §12.10–12.13).

Two kinds of extensions are exercised:

* internal extensions: the test itself registers under a name that is not a file of the extensions dir;
* external extensions: the executable EXTENSION script below, copied into a temporary extensions dir under
  several names. Its behaviour comes from a JSON config file ($EXT_CONFIG, keyed by file name) and it appends
  what it observes (its environment, every API answer with a timestamp) to $OUT_DIR/<name>.jsonl.

The runtime is "manual": lambkin's bootstrap is conftest.IDLE_RUNTIME (it only records its start, environment
and SIGTERM), and the test calls /next and /response itself.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from harness import Response, wait_for

from .conftest import (
    EXTENSION as EXT_API,
    NEXT,
    RUNTIME,
    Background,
    assert_accepted,
    assert_api_error,
    executable,
    manual_rie,
    read_jsonl,
    runtime_starts,
    transition_error,
)

pytestmark = pytest.mark.usefixtures("deadline")

REGISTER = f"{EXT_API}/register"
EVENT_NEXT = f"{EXT_API}/event/next"
INIT_ERROR = f"{EXT_API}/init/error"
EXIT_ERROR = f"{EXT_API}/exit/error"

EXTENSION = r'''#!/usr/bin/env python3
# Test extension: behaviour from $EXT_CONFIG[<file name>]; observations appended to $OUT_DIR/<name>.jsonl.
import http.client, json, os, signal, sys, time
name = os.path.basename(sys.argv[0])
out_dir = os.environ["OUT_DIR"]
cfg = {}
if os.environ.get("EXT_CONFIG"):
    with open(os.environ["EXT_CONFIG"]) as f:
        cfg = json.load(f).get(name, {})
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")

def log(kind, **kw):
    with open(os.path.join(out_dir, name + ".jsonl"), "a") as f:
        f.write(json.dumps({"kind": kind, "t": time.time(), "pid": os.getpid(), **kw}) + "\n")

def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return {"status": r.status, "headers": {k.lower(): v for k, v in r.getheaders()}, "body": data.decode("utf-8", "replace")}

def register(events):
    return call("POST", "/2020-01-01/extension/register", json.dumps({"events": events}), {"Lambda-Extension-Name": name})

log("launched", env=dict(os.environ))
time.sleep(cfg.get("register_delay", 0))
for events in cfg.get("bad_registrations", []):
    log("bad_register", events=events, response=register(events))
t_req = time.time()
reg = register(cfg.get("events", ["INVOKE", "SHUTDOWN"]))
log("registered", t_req=t_req, response=reg)
ident = reg["headers"].get("lambda-extension-identifier")
if cfg.get("register_twice"):
    log("register_again", response=register(["INVOKE"]))
action = cfg.get("after_register")
if action in ("init_error", "exit_error"):
    r = call("POST", "/2020-01-01/extension/" + action.replace("_", "/"), b'{"errorMessage":"m","errorType":"Extension.Test"}',
             {"Lambda-Extension-Identifier": ident, "Lambda-Extension-Function-Error-Type": "Extension.Test"})
    log(action, response=r)
    sys.exit(1)
if action == "crash":
    sys.exit(5)
invokes = 0
time.sleep(cfg.get("next_delay", 0))
while True:
    log("next_call")
    ev = call("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ident})
    log("event", response=ev)
    if ev["status"] != 200:
        sys.exit(2)
    event = json.loads(ev["body"])
    if event.get("eventType") == "SHUTDOWN":
        if cfg.get("on_shutdown") == "hang":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(1)
        sys.exit(0)
    invokes += 1
    if cfg.get("hold"):
        go = os.path.join(out_dir, "%s.go.%d" % (name, invokes))
        while not os.path.exists(go):
            time.sleep(0.01)
'''


def extensions_rie(tmp_path, config: dict[str, dict], env=None, extra_files: dict[str, str] | None = None):
    """A manual-runtime Rie with one EXTENSION file per `config` key."""
    ext_dir = tmp_path / "extensions"
    ext_dir.mkdir()
    for name in config:
        executable(ext_dir / name, EXTENSION)
    for name, text in (extra_files or {}).items():
        (ext_dir / name).write_text(text)
    (tmp_path / "ext-config.json").write_text(json.dumps(config))
    return manual_rie(tmp_path, {"EXT_CONFIG": str(tmp_path / "ext-config.json"), **(env or {})}, ext_dir)


def records(tmp_path, name, kind=None) -> list[dict]:
    recs = read_jsonl(tmp_path / "out" / f"{name}.jsonl")
    return [r for r in recs if kind is None or r["kind"] == kind]


def events(tmp_path, name) -> list[dict]:
    """The extension's /event/next answers: {"status","headers","body","event"(parsed),"t"}."""
    out = []
    for r in records(tmp_path, name, "event"):
        resp = dict(r["response"], t=r["t"])
        resp["event"] = json.loads(resp["body"]) if resp["status"] == 200 else None
        out.append(resp)
    return out


def wait_events(tmp_path, name, n, timeout=15):
    return wait_for(lambda: len(events(tmp_path, name)) >= n and events(tmp_path, name), timeout, f"{n} events of {name}")


def wait_shutdown(tmp_path, name, timeout=15) -> dict:
    def shutdown():
        evs = [e for e in events(tmp_path, name) if e["event"] and e["event"]["eventType"] == "SHUTDOWN"]
        return evs[-1] if evs else None

    return wait_for(shutdown, timeout, f"SHUTDOWN of {name}")


def register(rie, name, body=b'{"events":["INVOKE"]}', headers=None):
    h = {} if name is None else {"Lambda-Extension-Name": name}
    return rie.runtime("POST", REGISTER, body, {**h, **(headers or {})})


def ident_of(r) -> str:
    assert r.status == 200, (r.status, r.body)
    return r.header("lambda-extension-identifier")


def respond(rie, ev, body=b"ok"):
    assert_accepted(rie.runtime("POST", f"{RUNTIME}/invocation/{ev.header('lambda-runtime-aws-request-id')}/response", body))


def invoke_failing_init(rie) -> Response:
    """The first invoke of an environment whose init fails (the test plays the runtime for any init that gets that
    far): answered 200 with an Unhandled function error."""
    Background(rie.runtime, "GET", NEXT, timeout=30)
    resp = rie.invoke(b"{}", timeout=30)
    assert resp.status == 200
    assert resp.header("x-amz-function-error") == "Unhandled"
    return resp


def invoke_again(rie, tmp_path) -> tuple[Background, Response]:
    """An invoke after a reset, which initialises the environment again: (the invoke in flight, the runtime's
    /next answer), taken once the bootstrap started a second time (a real runtime cannot call /next earlier)."""
    inv = Background(rie.invoke, b'"again"')
    wait_for(lambda: len(runtime_starts(tmp_path)) == 2, what="the bootstrap's second start")
    ev = rie.runtime("GET", NEXT)
    assert ev.body == b'"again"'
    return inv, ev


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# --- §4.1 register -----------------------------------------------------------------------------------------------


def test_register_validation_errors(tmp_path):
    with manual_rie(tmp_path) as rie:
        assert_api_error(register(rie, None), 403, "Extension.InvalidExtensionName", "Empty extension name")
        assert_api_error(register(rie, ""), 403, "Extension.InvalidExtensionName", "Empty extension name")
        assert_api_error(register(rie, "bad-json", b"{not json"), 403, "InvalidRequestFormat")
        assert_api_error(register(rie, "empty-body", b""), 403, "InvalidRequestFormat")
        assert_api_error(
            register(rie, "conf-keys", b'{"events":["INVOKE"],"configurationKeys":["a"]}'),
            403,
            "InvalidRequestFormat",
            "configurationKeys are deprecated; use environment variables instead",
        )
        assert_api_error(
            register(rie, "internal-shutdown", b'{"events":["INVOKE","SHUTDOWN"]}'),
            403,
            "Extension.InvalidEventType",
            "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
        )
        assert_api_error(
            register(rie, "internal-bogus", b'{"events":["BOGUS"]}'),
            403,
            "Extension.InvalidEventType",
            "BOGUS: ErrorInvalidEventType",
        )
        # valid: events omitted, empty, an empty configurationKeys
        for name, body in (("no-events", b"{}"), ("empty-events", b'{"events":[]}'), ("keys", b'{"configurationKeys":[]}')):
            r = register(rie, name, body)
            assert r.status == 200, (name, r.status, r.body)
        assert_api_error(
            register(rie, "no-events", b'{"events":["INVOKE"]}'),
            403,
            "Extension.InvalidExtensionState",
            "Extension with this name already registered",
        )


def test_register_response(tmp_path):
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": "ext-fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "7",
        "AWS_LAMBDA_FUNCTION_HANDLER": "my.handler",
    }
    with manual_rie(tmp_path, env) as rie:
        r = register(rie, "internal-a")
        assert r.status == 200
        ident = r.header("lambda-extension-identifier")
        assert uuid.UUID(ident).version == 4 and str(uuid.UUID(ident)) == ident
        assert r.header("content-type") == "application/json"
        body = json.loads(r.body)
        # accountId only when the `accountId` feature is asked for (§4.1)
        assert body == {"functionName": "ext-fn", "functionVersion": "7", "handler": "my.handler"}
        other = ident_of(register(rie, "internal-b"))
        assert other != ident


def test_error_bodies_are_go_json_with_html_escaped(tmp_path):
    """§1.3: Go's json.Encoder escapes <, > and & (as \\u003c, \\u003e, \\u0026)."""
    with manual_rie(tmp_path) as rie:
        r = register(rie, "html", b'{"events":["<b>&"]}')
        assert r.status == 403
        assert r.body == b'{"errorMessage":"\\u003cb\\u003e\\u0026: ErrorInvalidEventType","errorType":"Extension.InvalidEventType"}\n'


def test_account_id_feature(tmp_path):
    """§4.1: `accountId` appears only when asked for with Lambda-Extension-Accept-Feature (comma-separated,
    trimmed, unknown features ignored); lambkin's account id is the one of its ARNs, 012345678912."""
    with manual_rie(tmp_path) as rie:
        r = register(rie, "with-feature", headers={"Lambda-Extension-Accept-Feature": " bogus , accountId "})
        assert r.status == 200
        assert r.json()["accountId"] == "012345678912"
        r = register(rie, "unknown-feature", headers={"Lambda-Extension-Accept-Feature": "bogus"})
        assert r.status == 200 and "accountId" not in r.json()


def test_internal_extension_limit_is_ten(tmp_path):
    with manual_rie(tmp_path) as rie:
        ids = {ident_of(register(rie, f"internal-{i}")) for i in range(10)}
        assert len(ids) == 10
        assert_api_error(register(rie, "eleventh"), 403, "Extension.TooManyExtensions", "Extension limit (10) reached")


def test_registration_closes_after_the_runtimes_first_next(tmp_path):
    with manual_rie(tmp_path) as rie:
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)
        assert ev.status == 200
        assert_api_error(
            register(rie, "late"), 403, "Extension.RegistrationClosed", "Extension registration closed already"
        )
        respond(rie, ev)
        assert inv.result().body == b"ok"


def test_external_register_errors(tmp_path):
    """An external extension may not subscribe to unknown events, and may register only once (§4.1)."""
    config = {"ext-a": {"bad_registrations": [["BOGUS"], ["INVOKE", "NOPE"]], "register_twice": True}}
    with extensions_rie(tmp_path, config) as rie:
        reg = wait_for(lambda: records(tmp_path, "ext-a", "register_again"), what="ext-a's second registration")[0]
        bad = records(tmp_path, "ext-a", "bad_register")
        assert [(b["response"]["status"], b["response"]["body"]) for b in bad] == [
            (403, '{"errorMessage":"BOGUS: ErrorInvalidEventType","errorType":"Extension.InvalidEventType"}\n'),
            (403, '{"errorMessage":"NOPE: ErrorInvalidEventType","errorType":"Extension.InvalidEventType"}\n'),
        ]
        ok = records(tmp_path, "ext-a", "registered")[0]["response"]
        assert ok["status"] == 200 and json.loads(ok["body"])["functionName"] == "test_function"
        again = reg["response"]
        assert again["status"] == 403
        assert json.loads(again["body"]) == {
            "errorMessage": transition_error("Registered", "Registered", "extension ext-a"),
            "errorType": "Extension.InvalidExtensionState",
        }
        # the extension goes on normally: an invoke works and reaches it
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)
        respond(rie, ev)
        assert inv.result().body == b"ok"
        assert wait_events(tmp_path, "ext-a", 1)[0]["event"]["eventType"] == "INVOKE"


def test_external_extension_gates_the_init_until_its_first_event_next(tmp_path):
    """§4.5 step 5: registered is not enough — the invoke is dispatched only after the extension's first
    /event/next (here 1 s after it registered)."""
    with extensions_rie(tmp_path, {"ext-late": {"next_delay": 1.0}}) as rie:
        inv = Background(rie.invoke, b'"gated"')
        ev = rie.runtime("GET", NEXT)
        got_event = time.time()
        first_next = records(tmp_path, "ext-late", "next_call")
        assert first_next and first_next[0]["t"] <= got_event, "the invoke was dispatched before the extension was ready"
        assert first_next[0]["t"] - records(tmp_path, "ext-late", "registered")[0]["t"] >= 0.9
        respond(rie, ev)
        assert inv.result().body == b"ok"


# --- §4.2 / §4.3 identifier checks, init/error, exit/error ---------------------------------------------------------


def test_identifier_validation_on_every_extension_route(tmp_path):
    unknown = str(uuid.uuid4())
    with manual_rie(tmp_path) as rie:
        for method, path in (("GET", EVENT_NEXT), ("POST", INIT_ERROR), ("POST", EXIT_ERROR)):
            body = None if method == "GET" else b"{}"
            typ = {"Lambda-Extension-Function-Error-Type": "Extension.X"}
            assert_api_error(
                rie.runtime(method, path, body, typ),
                403,
                "Extension.MissingExtensionIdentifier",
                "Missing Lambda-Extension-Identifier header",
            )
            assert_api_error(
                rie.runtime(method, path, body, {**typ, "Lambda-Extension-Identifier": "not-a-uuid"}),
                403,
                "Extension.InvalidExtensionIdentifier",
                "Invalid Lambda-Extension-Identifier",
            )
            message = f"Unknown extension {unknown}" if method == "GET" else "Unknown Lambda-Extension-Identifier"
            assert_api_error(
                rie.runtime(method, path, body, {**typ, "Lambda-Extension-Identifier": unknown}),
                403,
                "Extension.UnknownExtensionIdentifier",
                message,
            )


def test_init_error_and_exit_error_calls(tmp_path):
    """§4.3 and the extension state machine (§4.4), with internal extensions in state Registered."""
    with manual_rie(tmp_path) as rie:
        a = ident_of(register(rie, "internal-a"))
        b = ident_of(register(rie, "internal-b"))
        typ = {"Lambda-Extension-Function-Error-Type": "Extension.TestFailure"}
        body = b'{"errorMessage":"m","errorType":"Extension.TestFailure","stackTrace":[]}'

        def post(path, ident, data=body, headers=typ):
            return rie.runtime("POST", path, data, {"Lambda-Extension-Identifier": ident, **headers})

        def assert_stuck(ident, state, other_path, other_target):
            """In `state`, the other error call is refused (`state` to `other_target`), and so is /event/next."""
            r = post(other_path, ident)
            assert_api_error(r, 403, "Extension.InvalidExtensionState")
            assert f"from {state} to {other_target} failed" in r.json()["errorMessage"], r.body
            assert_api_error(
                rie.runtime("GET", EVENT_NEXT, headers={"Lambda-Extension-Identifier": ident}, timeout=10),
                403,
                "Extension.InvalidExtensionState",
                transition_error(state, "Ready", f"extension {ident}"),
            )

        for path in (INIT_ERROR, EXIT_ERROR):
            missing = post(path, a, headers={})
            assert_api_error(missing, 403, "Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found")
        # a: Registered → InitError (idempotent); no exit/error, no next afterwards
        assert_accepted(post(INIT_ERROR, a))
        assert_accepted(post(INIT_ERROR, a, b""))
        assert_stuck(a, "InitError", EXIT_ERROR, "Exited")
        # b: Registered → ExitError (idempotent); no init/error, no next afterwards
        assert_accepted(post(EXIT_ERROR, b))
        assert_accepted(post(EXIT_ERROR, b))
        assert_stuck(b, "ExitError", INIT_ERROR, "InitError")


@pytest.mark.parametrize(
    "action, error_type",
    [("init_error", "Extension.InitError"), ("exit_error", "Extension.ExitError"), ("crash", "Extension.Crash")],
)
def test_external_extension_failing_during_init_fails_the_first_invoke(tmp_path, action, error_type):
    """§4.3, §7.1: /extension/init/error, /extension/exit/error (then exit 1) or a plain exit during init fail
    the init; the first invoke re-runs it (suppressed init), fails again and answers the error."""
    with extensions_rie(tmp_path, {"ext-bad": {"after_register": action}, "ext-good": {}}) as rie:
        if action != "crash":
            rec = wait_for(lambda: records(tmp_path, "ext-bad", action), what=f"ext-bad's {action}")[0]
            assert (rec["response"]["status"], rec["response"]["body"]) == (202, '{"status":"OK"}\n')
        body = invoke_failing_init(rie).json()
        assert body["errorType"] == error_type, body
        assert isinstance(body["errorMessage"], str), body
        assert len(records(tmp_path, "ext-bad", "launched")) >= 2, "the first invoke must re-run the init"


# --- §4.5 launch, ordering, limits; §5 environment ------------------------------------------------------------------


def test_runtime_starts_only_after_every_extension_registered(tmp_path):
    """§4.5: init is eager; the bootstrap is started only once every external extension has registered."""
    config = {"ext-fast": {}, "ext-slow": {"register_delay": 1.0}}
    with extensions_rie(tmp_path, config) as rie:
        started = wait_for(lambda: runtime_starts(tmp_path), what="the eager init to start the bootstrap")[0][0]
        slow_launch = records(tmp_path, "ext-slow", "launched")[0]["t"]
        slow_reg = records(tmp_path, "ext-slow", "registered")[0]
        fast_reg = records(tmp_path, "ext-fast", "registered")[0]
        assert slow_reg["response"]["status"] == fast_reg["response"]["status"] == 200
        assert started >= slow_reg["t_req"], "the runtime started before ext-slow registered"
        assert started >= fast_reg["t_req"]
        assert started - slow_launch >= 0.9
        # the init completes with the test as the runtime
        inv = Background(rie.invoke, b'"x"')
        ev = rie.runtime("GET", NEXT)
        assert ev.body == b'"x"'
        respond(rie, ev)
        assert inv.result().body == b"ok"
        assert len(runtime_starts(tmp_path)) == 1


def test_extension_environment(tmp_path):
    """§5: extensions get AWS_LAMBDA_RUNTIME_API, customer and platform variables, but no `_`-prefixed ones
    (the runtime gets those, e.g. _HANDLER from the last positional argument, §8.1)."""
    env = {"CUSTOM_VAR": "c=1", "_UNDERSCORE_VAR": "u", "AWS_LAMBDA_FUNCTION_NAME": "envfn"}
    rie = extensions_rie(tmp_path, {"ext-env": {}}, env)
    rie.command = [rie.command[0], "my.handler"]
    with rie:
        launched = wait_for(lambda: records(tmp_path, "ext-env", "launched"), what="ext-env's launch")[0]
        ext_env = launched["env"]
        assert ext_env["AWS_LAMBDA_RUNTIME_API"] == rie.runtime_api
        assert ext_env["CUSTOM_VAR"] == "c=1"
        assert ext_env["AWS_LAMBDA_FUNCTION_NAME"] == "envfn"
        assert "_UNDERSCORE_VAR" not in ext_env and "_HANDLER" not in ext_env, ext_env
        env_file = tmp_path / "out" / "runtime.env"
        wait_for(lambda: env_file.exists() and "_HANDLER=" in env_file.read_text(), what="the runtime's env")
        rt_env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert rt_env["_UNDERSCORE_VAR"] == "u"
        assert rt_env["_HANDLER"] == "my.handler"
        assert rt_env["AWS_LAMBDA_RUNTIME_API"] == rie.runtime_api


def test_ten_external_extensions_are_allowed(tmp_path):
    names = [f"ext-{i:02d}" for i in range(10)]
    with extensions_rie(tmp_path, {n: {"events": ["INVOKE"]} for n in names}) as rie:
        (tmp_path / "extensions" / "a-subdirectory").mkdir()  # directories are not extensions (§1.1)
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT, timeout=30)
        respond(rie, ev)
        assert inv.result().body == b"ok"
        rid = ev.header("lambda-runtime-aws-request-id")
        for n in names:
            assert wait_events(tmp_path, n, 1)[0]["event"]["requestId"] == rid


def test_eleventh_external_extension_fails_init_with_launch_error(tmp_path):
    """§4.5: more than 10 extensions → Extension.LaunchError, reported to the first invoke."""
    names = [f"ext-{i:02d}" for i in range(11)]
    with extensions_rie(tmp_path, {n: {"events": ["INVOKE"]} for n in names}) as rie:
        resp = invoke_failing_init(rie)
        assert resp.json()["errorType"] == "Extension.LaunchError", resp.body


def test_non_executable_extension_fails_init_with_launch_error(tmp_path):
    """§4.4: an extension that cannot be executed ends in LaunchError (PermissionDenied) → init failure."""
    with extensions_rie(tmp_path, {"ext-ok": {}}, extra_files={"not-executable": "#!/bin/sh\nexit 0\n"}) as rie:
        resp = invoke_failing_init(rie)
        assert resp.json()["errorType"] == "Extension.LaunchError", resp.body


# --- §4.2 / §7.2 INVOKE events ----------------------------------------------------------------------------------------


def test_invoke_fan_out_response_before_extensions_and_next_invoke_gated(tmp_path):
    """INVOKE goes to every INVOKE-subscribed extension with the runtime's request id, deadline, ARN and tracing;
    the caller gets its response as soon as the runtime posts it; the next invoke reaches the runtime only after
    every INVOKE-subscribed extension called /event/next again (§7.2, §12.11)."""
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    config = {"ext-a": {"hold": True}, "ext-b": {"hold": True}, "ext-s": {"events": ["SHUTDOWN"]}}
    out = tmp_path / "out"
    with extensions_rie(tmp_path, config, {"AWS_LAMBDA_FUNCTION_NAME": "fan"}) as rie:
        inv1 = Background(rie.invoke, b'{"n":1}', headers={"X-Amzn-Trace-Id": trace})
        ev1 = rie.runtime("GET", NEXT)
        rid1 = ev1.header("lambda-runtime-aws-request-id")
        assert ev1.header("lambda-runtime-trace-id") == trace
        for name in ("ext-a", "ext-b"):
            got = wait_events(tmp_path, name, 1)[0]
            assert got["status"] == 200
            assert got["headers"]["content-type"] == "application/json"
            uuid.UUID(got["headers"]["lambda-extension-event-identifier"])
            assert not got["body"].endswith("\n")
            assert got["event"] == {
                "eventType": "INVOKE",
                "deadlineMs": int(ev1.header("lambda-runtime-deadline-ms")),
                "requestId": rid1,
                "invokedFunctionArn": "arn:aws:lambda:us-east-1:012345678912:function:fan",
                "tracing": {"type": "X-Amzn-Trace-Id", "value": trace},
            }
            assert list(got["event"]) == ["eventType", "deadlineMs", "requestId", "invokedFunctionArn", "tracing"]
        respond(rie, ev1, b"first")
        # the caller is answered although ext-a and ext-b are still busy with the INVOKE
        r1 = inv1.result(timeout=5)
        assert (r1.status, r1.body) == (200, b"first")

        inv2 = Background(rie.invoke, b'{"n":2}')
        next2 = Background(rie.runtime, "GET", NEXT, timeout=30)
        time.sleep(0.5)
        assert not next2.done(), "invoke 2 was dispatched while ext-a and ext-b were still processing invoke 1"
        (out / "ext-a.go.1").touch()
        wait_for(lambda: len(records(tmp_path, "ext-a", "next_call")) == 2, what="ext-a's second /event/next")
        time.sleep(0.3)
        assert not next2.done(), "invoke 2 was dispatched while ext-b was still processing invoke 1"
        (out / "ext-b.go.1").touch()
        ev2 = next2.result(timeout=10)
        rid2 = ev2.header("lambda-runtime-aws-request-id")
        assert ev2.body == b'{"n":2}' and rid2 != rid1
        generated = ev2.header("lambda-runtime-trace-id")
        for name in ("ext-a", "ext-b"):
            e2 = wait_events(tmp_path, name, 2)[1]["event"]
            assert e2["requestId"] == rid2
            # no X-Amzn-Trace-Id from the caller: the generated one, as the runtime got it
            assert e2["tracing"] == {"type": "X-Amzn-Trace-Id", "value": generated}
        respond(rie, ev2, b"second")
        assert inv2.result(timeout=5).body == b"second"
        (out / "ext-a.go.2").touch()
        (out / "ext-b.go.2").touch()
        for name in ("ext-a", "ext-b"):
            wait_for(lambda: len(records(tmp_path, name, "next_call")) == 3, what=f"{name}'s third /event/next")
        assert events(tmp_path, "ext-s") == [], "an extension not subscribed to INVOKE got an event"
        rie.stop()
    for name in ("ext-a", "ext-b", "ext-s"):
        assert events(tmp_path, name)[-1]["event"]["eventType"] == "SHUTDOWN", name


def test_internal_extension_gates_the_init(tmp_path):
    """§4.5 step 5: init completes only when every registered extension (internal too) called /event/next."""
    with manual_rie(tmp_path) as rie:
        ident = ident_of(register(rie, "internal-x"))
        inv = Background(rie.invoke, b'"i"')
        runtime_next = Background(rie.runtime, "GET", NEXT, timeout=30)
        time.sleep(0.5)
        assert not runtime_next.done(), "the invoke was dispatched before the internal extension was ready"
        ext_next = Background(rie.runtime, "GET", EVENT_NEXT, headers={"Lambda-Extension-Identifier": ident}, timeout=30)
        ev = runtime_next.result(timeout=10)
        got = ext_next.result(timeout=10)
        assert got.status == 200
        assert got.json()["requestId"] == ev.header("lambda-runtime-aws-request-id")
        respond(rie, ev, b"done")
        assert inv.result(timeout=5).body == b"done"
        Background(rie.runtime, "GET", EVENT_NEXT, headers={"Lambda-Extension-Identifier": ident}, timeout=30)
        inv2 = Background(rie.invoke, b'"j"')
        ev2 = rie.runtime("GET", NEXT)
        assert ev2.body == b'"j"'
        respond(rie, ev2)
        assert inv2.result().body == b"ok"


# --- §4.2 / §7.4 SHUTDOWN -----------------------------------------------------------------------------------------------


def assert_shutdown_event(got: dict, reason: str, not_before: float, not_after: float):
    assert got["status"] == 200
    ev = got["event"]
    assert list(ev) == ["eventType", "deadlineMs", "shutdownReason"], ev
    assert ev["eventType"] == "SHUTDOWN" and ev["shutdownReason"] == reason, ev
    assert isinstance(ev["deadlineMs"], int), ev
    # deadline = the shutdown's start + 2 s
    assert not_before * 1000 + 1500 <= ev["deadlineMs"] <= not_after * 1000 + 2500, (not_before, ev, not_after)


def test_sigterm_shuts_down_with_spindown(tmp_path):
    """§7.4: SIGTERM to lambkin → the runtime's process group gets SIGTERM (extensions exist), then SHUTDOWN
    `spindown` to the subscribed extensions; lambkin exits 0 as soon as they exited."""
    with extensions_rie(tmp_path, {"ext-a": {}, "ext-b": {"events": ["SHUTDOWN"]}}) as rie:
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)
        respond(rie, ev)
        assert inv.result().body == b"ok"
        wait_events(tmp_path, "ext-a", 1)
        Background(rie.runtime, "GET", NEXT, timeout=30)  # the runtime waits for the next invoke
        time.sleep(0.2)
        t0 = time.time()
        assert rie.stop() == 0
        elapsed = time.time() - t0
    assert elapsed < 1.9, f"lambkin waited {elapsed:.2f}s although every extension exited at once"
    for name in ("ext-a", "ext-b"):
        got = wait_shutdown(tmp_path, name, timeout=1)
        assert_shutdown_event(got, "spindown", t0, t0 + elapsed)
    sigterm = tmp_path / "out" / "runtime.sigterm"
    assert sigterm.exists(), "the runtime did not get SIGTERM although extensions are registered"
    assert float(sigterm.read_text()) <= wait_shutdown(tmp_path, "ext-a")["t"], "SHUTDOWN before the runtime's SIGTERM"
    for name in ("ext-a", "ext-b"):
        assert not pid_alive(records(tmp_path, name, "launched")[0]["pid"])


def test_runtime_gets_no_sigterm_without_extensions(tmp_path):
    """§7.4, §12.12: no extensions → the runtime is SIGKILLed at once."""
    with manual_rie(tmp_path) as rie:
        start = wait_for(lambda: runtime_starts(tmp_path), what="the bootstrap to start")[0]
        assert rie.stop() == 0
    assert not (tmp_path / "out" / "runtime.sigterm").exists()
    assert not pid_alive(start[1])


def test_extension_ignoring_shutdown_is_killed_at_the_deadline(tmp_path):
    """§7.4: a SHUTDOWN-subscribed extension that does not exit is SIGKILLed at the deadline (2 s); an
    extension not subscribed to SHUTDOWN is killed without an event."""
    config = {"ext-hang": {"on_shutdown": "hang"}, "ext-invoke-only": {"events": ["INVOKE"]}}
    with extensions_rie(tmp_path, config) as rie:
        wait_for(lambda: records(tmp_path, "ext-hang", "registered") and records(tmp_path, "ext-invoke-only", "registered"))
        Background(rie.runtime, "GET", NEXT, timeout=30)
        time.sleep(0.3)
        t0 = time.time()
        rie.stop()
        elapsed = time.time() - t0
    got = wait_shutdown(tmp_path, "ext-hang", timeout=1)
    assert_shutdown_event(got, "spindown", t0, t0 + elapsed)
    assert t0 + elapsed >= got["event"]["deadlineMs"] / 1000 - 0.3, "the extension was not given until its deadline"
    assert elapsed < 5, elapsed
    assert not pid_alive(records(tmp_path, "ext-hang", "launched")[0]["pid"])
    assert not pid_alive(records(tmp_path, "ext-invoke-only", "launched")[0]["pid"])
    assert events(tmp_path, "ext-invoke-only") == []


def test_timeout_shuts_down_with_reason_timeout_and_reinitialises(tmp_path):
    # 2 s: the second invoke's deadline also covers the re-initialisation, which a busy machine can stretch.
    with extensions_rie(tmp_path, {"ext-a": {}}, {"AWS_LAMBDA_FUNCTION_TIMEOUT": "2"}) as rie:
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)  # take the invoke and never answer it
        t0 = time.time()
        resp = inv.result(timeout=10)
        assert resp.json()["errorType"] == "Sandbox.Timedout"
        got = wait_shutdown(tmp_path, "ext-a")
        assert_shutdown_event(got, "timeout", t0, time.time())
        # the next invoke re-initialises: the extension is launched and registers again, the runtime starts again
        inv2, ev2 = invoke_again(rie, tmp_path)
        assert ev2.header("lambda-runtime-aws-request-id") != ev.header("lambda-runtime-aws-request-id")
        respond(rie, ev2)
        assert inv2.result().body == b"ok"
        assert len(records(tmp_path, "ext-a", "registered")) == 2


def test_runtime_crash_shuts_down_with_reason_failure(tmp_path):
    with extensions_rie(tmp_path, {"ext-a": {}}) as rie:
        inv = Background(rie.invoke, b"{}")
        ev = rie.runtime("GET", NEXT)
        rid = ev.header("lambda-runtime-aws-request-id")
        t0 = time.time()
        (tmp_path / "out" / "crash").touch()
        resp = inv.result(timeout=10)
        assert resp.header("x-amz-function-error") == "Unhandled"
        assert resp.json() == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 3",
        }
        got = wait_shutdown(tmp_path, "ext-a")
        assert_shutdown_event(got, "failure", t0, time.time())
        # the next invoke re-initialises the environment
        inv2, ev2 = invoke_again(rie, tmp_path)
        respond(rie, ev2)
        assert inv2.result().body == b"ok"
        assert len(records(tmp_path, "ext-a", "registered")) == 2
