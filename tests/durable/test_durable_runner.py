"""AWS's own test tooling pointed at lambkin: the cloud runner of `aws-durable-execution-sdk-python-testing`
(`DurableFunctionCloudTestRunner`) invokes durable functions that lambkin serves and reads their executions back
with GetDurableExecution and GetDurableExecutionHistory, parsing lambkin's history events into its operation tree.

The handlers are written here in the style of the SDK's examples, deployed with boto3, and run through the runner
with `lambda_endpoint=server.endpoint`; the assertions are on the runner's parsed result (statuses, results,
operation names, types, sub-types, children, step attempts, callback results). A history event the runner cannot
parse would surface here: the runner swallows a failed conversion into an empty operation list with a warning,
which the `strict_runner_log` fixture turns into a failure.

`test_history_matches_the_local_runner` runs the same handlers in the testing package's in-process runner (the
service emulation AWS ships for unit tests) and compares the two histories event by event: types, operation
ids, names, sub-types, parents, and the detail fields the emulation writes.
"""

from __future__ import annotations

import json
import logging
import types

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import ErrorObject, OperationStatus, OperationType
from aws_durable_execution_sdk_python.serdes import EXTENDED_TYPES_SERDES
from aws_durable_execution_sdk_python_testing.exceptions import DurableFunctionsTestError
from aws_durable_execution_sdk_python_testing.execution import ExecutionStatus
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionCloudTestRunner, DurableFunctionTestRunner

from harness import wait_for

from .conftest import REGION, ROOT_ONLY, deploy, events, unique

pytestmark = ROOT_ONLY

RUNNER_LOGGER = "aws_durable_execution_sdk_python_testing.runner"


@pytest.fixture(autouse=True)
def runner_env(monkeypatch):
    """The credentials and region the runner's own boto3 client reads from the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # an Invoke is never sent twice behind the test's back
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def strict_runner_log(caplog):
    """Fails a test whose history or status the runner could not parse (it only logs a warning then)."""
    caplog.set_level(logging.WARNING, logger=RUNNER_LOGGER)
    yield
    # ("Unknown status: STOPPED" is the runner's own limit: its InvocationStatus has no STOPPED or TIMED_OUT.)
    bad = [r.getMessage() for r in caplog.records if r.name == RUNNER_LOGGER
           and ("Failed to convert" in r.getMessage() or "Unknown execution status" in r.getMessage())]
    assert not bad, bad


def runner(server, name: str) -> DurableFunctionCloudTestRunner:
    return DurableFunctionCloudTestRunner(function_name=f"{name}:$LATEST", region=REGION,
                                          lambda_endpoint=server.endpoint, poll_interval=0.2)


def ready(lam, name: str, source: str, runtime: str, **kw) -> str:
    """Deploys a handler and waits until the function is Active; its name."""
    deploy(lam, name, source, runtime, **kw)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return name


def payload(value):
    """An execution's result or input: plain JSON."""
    return None if value is None else json.loads(value)


def op_payload(value):
    """An operation's checkpointed result, in the SDK's own encoding (JSON for primitives, else its typed
    envelope), decoded as the SDK decodes it on replay."""
    return None if value is None else EXTENDED_TYPES_SERDES.deserialize(value)


def by_name(ops) -> dict:
    return {op.name: op for op in ops}


# --- handlers -------------------------------------------------------------------------------------------------

HELLO = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return {"greeting": "hello " + event["who"]}
"""

RETRIES = """
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def flaky(step: StepContext, succeed_on: int) -> dict:
    # Fails until the given attempt: the retries are the service's, one invocation per attempt.
    if step.attempt < succeed_on:
        raise RuntimeError(f"attempt {step.attempt} not yet")
    return {"attempt": step.attempt}


@durable_execution
def handler(event, context: DurableContext):
    policy = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
        max_attempts=event["max_attempts"], initial_delay=Duration.from_seconds(1), backoff_rate=1,
        jitter_strategy=JitterStrategy.NONE)))
    first = context.step(lambda _: event["base"] * 2, name="double")
    flaky_result = context.step(flaky(event["succeed_on"]), name="flaky", config=policy)
    return {"double": first, "flaky": flaky_result}
"""

WAIT = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    before = context.step(lambda _: "before", name="before")
    context.wait(Duration.from_seconds(event["seconds"]), name="pause")
    after = context.step(lambda _: "after", name="after")
    return [before, after]
"""

CALLBACK = """
import json

from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


@durable_execution
def handler(event, context: DurableContext):
    ticket = context.step(lambda _: "ticket-" + event["order"], name="open ticket")

    def submit(callback_id, ctx):
        # A real submitter would hand callback_id to a person or another system.
        ctx.logger.info("approval requested for " + ticket)

    config = WaitForCallbackConfig(timeout=Duration.from_seconds(event.get("timeout", 300)),
                                   heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 300)))
    try:
        answer = context.wait_for_callback(submit, name="approval", config=config)
    except CallbackError as e:
        return {"ticket": ticket, "rejected": str(e)}
    # A callback's result is handed over as sent (the SDK's default for callbacks is no decoding).
    return {"ticket": ticket, "approved": json.loads(answer)}
"""

CHILD = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context


@durable_with_child_context
def price(ctx: DurableContext, quantity: int) -> int:
    unit = ctx.step(lambda _: 7, name="unit price")
    total = ctx.step(lambda _: unit * quantity, name="total")
    return total


@durable_execution
def handler(event, context: DurableContext):
    total = context.run_in_child_context(price(event["quantity"]), name="pricing")
    receipt = context.step(lambda _: f"paid {total}", name="receipt")
    return {"total": total, "receipt": receipt}
"""

PARALLEL = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


def branch(word):
    def run(ctx: DurableContext):
        return ctx.step(lambda _: word.upper(), name="shout " + word)
    return run


@durable_execution
def handler(event, context: DurableContext):
    batch = context.parallel([branch(w) for w in event["words"]], name="fan out")
    return {"results": batch.get_results(), "succeeded": batch.success_count}
"""

MAP = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


def square(ctx: DurableContext, item: int, index: int, items) -> int:
    return ctx.step(lambda _: item * item, name=f"square {index}")


@durable_execution
def handler(event, context: DurableContext):
    batch = context.map(event["numbers"], square, name="squares")
    return sum(batch.get_results())
"""

INVOKER = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    plain = context.invoke(event["plain"], {"n": event["n"]}, name="call plain")
    durable = context.invoke(event["durable"], {"n": event["n"]}, name="call durable")
    return {"plain": plain, "durable": durable}
"""

PLAIN_CALLEE = """
def handler(event, context):
    return {"tripled": event["n"] * 3}
"""

DURABLE_CALLEE = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return {"plus_one": context.step(lambda _: event["n"] + 1, name="increment")}
"""

POLL = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


def check(state, ctx):
    # Each check is one attempt of a STEP; the state between checks lives in the service's checkpoints.
    return {"polls": state["polls"] + 1}


def strategy(state, attempts_made):
    if state["polls"] >= 3:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler(event, context: DurableContext):
    final = context.wait_for_condition(check, WaitForConditionConfig(wait_strategy=strategy,
                                                                     initial_state={"polls": 0}), name="poll")
    return final
"""

FAILS = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution


class OrderRejected(Exception):
    pass


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "checked", name="check")
    raise OrderRejected("order " + event["order"] + " is out of stock")
"""


# --- tests ----------------------------------------------------------------------------------------------------

def test_hello_world(server, lam, py_runtime):
    name = ready(lam, unique("rn-hello"), HELLO, py_runtime)
    result = runner(server, name).run(input={"who": "lambkin"}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"greeting": "hello lambkin"}
    assert result.error is None
    assert result.operations == []  # the EXECUTION operation is left out by the runner


def test_steps_with_a_retry_strategy(server, lam, py_runtime):
    name = ready(lam, unique("rn-retry"), RETRIES, py_runtime)
    result = runner(server, name).run(input={"base": 21, "succeed_on": 3, "max_attempts": 5}, timeout=90)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"double": 42, "flaky": {"attempt": 3}}
    assert [op.name for op in result.operations] == ["double", "flaky"]
    double, flaky = result.get_step("double"), result.get_step("flaky")
    for op in (double, flaky):
        assert op.operation_type is OperationType.STEP and op.sub_type == "Step"
        assert op.status is OperationStatus.SUCCEEDED
        assert op.start_timestamp and op.end_timestamp and op.start_timestamp <= op.end_timestamp
    assert op_payload(double.result) == 42
    assert op_payload(flaky.result) == {"attempt": 3}
    assert flaky.attempt == 3  # StepSucceeded's RetryDetails.CurrentAttempt
    # Each retried attempt is a StepFailed event with its error; the runner keeps the last one on the operation.
    assert (flaky.error.type, flaky.error.message) == ("RuntimeError", "attempt 2 not yet")


def test_retries_exhausted_fail_the_execution(server, lam, py_runtime):
    name = ready(lam, unique("rn-retry-out"), RETRIES, py_runtime)
    result = runner(server, name).run(input={"base": 1, "succeed_on": 9, "max_attempts": 2}, timeout=90)
    assert result.status is InvocationStatus.FAILED
    assert "attempt 2 not yet" in result.error.message, result.error
    flaky = result.get_step("flaky")
    assert flaky.status is OperationStatus.FAILED
    assert flaky.attempt == 2
    assert flaky.error.type == "RuntimeError" and flaky.error.message == "attempt 2 not yet"
    assert result.get_step("double").status is OperationStatus.SUCCEEDED


def test_wait(server, lam, py_runtime):
    name = ready(lam, unique("rn-wait"), WAIT, py_runtime)
    result = runner(server, name).run(input={"seconds": 2}, timeout=90)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == ["before", "after"]
    assert [(op.name, op.operation_type) for op in result.operations] == [
        ("before", OperationType.STEP), ("pause", OperationType.WAIT), ("after", OperationType.STEP)]
    pause = result.get_wait("pause")
    assert pause.status is OperationStatus.SUCCEEDED and pause.sub_type == "Wait"
    assert pause.scheduled_end_timestamp is not None
    scheduled = (pause.scheduled_end_timestamp - pause.start_timestamp).total_seconds()
    assert 1.5 <= scheduled <= 3, scheduled
    assert pause.end_timestamp >= pause.scheduled_end_timestamp
    assert result.get_step("after").start_timestamp >= pause.end_timestamp


def test_wait_for_callback_completed_by_the_runner(server, lam, py_runtime):
    name = ready(lam, unique("rn-callback"), CALLBACK, py_runtime)
    r = runner(server, name)
    arn = r.run_async(input={"order": "o-1"}, timeout=60)
    assert arn and arn.startswith("arn:aws:lambda:"), arn
    callback_id = r.wait_for_callback(arn, name="approval create callback id", timeout=60)
    r.send_callback_heartbeat(callback_id)
    sent = json.dumps({"by": "alice"})
    r.send_callback_success(callback_id, result=sent.encode())
    result = r.wait_for_result(arn, timeout=60)

    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"ticket": "ticket-o-1", "approved": {"by": "alice"}}
    assert [op.name for op in result.operations] == ["open ticket", "approval"]
    approval = result.get_context("approval")
    assert approval.operation_type is OperationType.CONTEXT and approval.sub_type == "WaitForCallback"
    assert approval.status is OperationStatus.SUCCEEDED
    assert op_payload(approval.result) == sent  # the callback's answer as the handler saw it
    children = by_name(approval.child_operations)
    assert set(children) == {"approval create callback id", "approval submitter"}
    callback = approval.get_callback("approval create callback id")
    assert callback.operation_type is OperationType.CALLBACK and callback.sub_type == "Callback"
    assert callback.status is OperationStatus.SUCCEEDED
    assert callback.callback_id == callback_id
    assert callback.result == sent  # byte for byte what the runner sent
    submitter = approval.get_step("approval submitter")
    assert submitter.status is OperationStatus.SUCCEEDED and submitter.parent_id == approval.operation_id


def test_wait_for_callback_failed_by_the_runner(server, lam, py_runtime):
    name = ready(lam, unique("rn-callback-no"), CALLBACK, py_runtime)
    r = runner(server, name)
    arn = r.run_async(input={"order": "o-2"}, timeout=60)
    callback_id = r.wait_for_callback(arn, timeout=60)  # the latest open callback, as the runner finds it
    r.send_callback_failure(callback_id, ErrorObject(message="no budget", type="Rejected", data=None,
                                                     stack_trace=None))
    result = r.wait_for_result(arn, timeout=60)

    assert result.status is InvocationStatus.SUCCEEDED, result.error
    out = payload(result.result)
    assert out["ticket"] == "ticket-o-2" and "no budget" in out["rejected"], out
    approval = result.get_context("approval")
    assert approval.status is OperationStatus.FAILED
    callback = approval.get_callback("approval create callback id")
    assert callback.status is OperationStatus.FAILED
    assert callback.error.type == "Rejected" and callback.error.message == "no budget"


def test_execution_timeout(server, lam, py_runtime):
    # ExecutionTimeout counts from the Invoke; 8 s leave the first invocation time to reach the wait.
    name = ready(lam, unique("rn-timeout"), WAIT, py_runtime, execution_timeout=8)
    r = runner(server, name)
    arn = r.run_async(input={"seconds": 60}, timeout=60)
    wait_for(lambda: "WaitStarted" in [e["EventType"] for e in events(lam, arn)], timeout=8, what="WaitStarted")
    result = r.wait_for_result(arn, timeout=60)
    assert result.execution_status is ExecutionStatus.TIMED_OUT
    assert result.status is InvocationStatus.FAILED  # how the runner reports a status its enum lacks
    assert result.result is None and result.error is not None
    assert events(lam, arn)[-1]["EventType"] == "ExecutionTimedOut"
    assert result.get_step("before").status is OperationStatus.SUCCEEDED
    assert result.get_wait("pause").status is OperationStatus.STARTED  # never reached its end
    with pytest.raises(DurableFunctionsTestError):
        result.get_step("after")


def test_callback_timeout(server, lam, py_runtime):
    name = ready(lam, unique("rn-callback-late"), CALLBACK, py_runtime)
    result = runner(server, name).run(input={"order": "o-3", "timeout": 1}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    out = payload(result.result)
    assert out["ticket"] == "ticket-o-3" and "rejected" in out, out
    callback = result.get_context("approval").get_callback("approval create callback id")
    assert callback.status is OperationStatus.TIMED_OUT
    assert callback.error is not None and callback.result is None


def test_stop_while_waiting_for_a_callback(server, lam, py_runtime):
    name = ready(lam, unique("rn-stop"), CALLBACK, py_runtime)
    r = runner(server, name)
    arn = r.run_async(input={"order": "o-4"}, timeout=60)
    r.wait_for_callback(arn, timeout=60)
    lam.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorType": "Cancelled", "ErrorMessage": "by ops"})
    result = r.wait_for_result(arn, timeout=60)
    assert result.execution_status is ExecutionStatus.STOPPED
    assert result.status is InvocationStatus.FAILED  # how the runner reports a status its enum lacks
    assert result.result is None
    assert [op.name for op in result.operations] == ["open ticket", "approval"]
    assert result.get_step("open ticket").status is OperationStatus.SUCCEEDED


def test_wait_for_condition(server, lam, py_runtime):
    name = ready(lam, unique("rn-poll"), POLL, py_runtime)
    result = runner(server, name).run(input={}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"polls": 3}
    poll = result.get_step("poll")
    assert poll.operation_type is OperationType.STEP and poll.sub_type == "WaitForCondition"
    assert poll.status is OperationStatus.SUCCEEDED
    assert op_payload(poll.result) == {"polls": 3}
    assert poll.attempt == 3


def test_run_in_child_context(server, lam, py_runtime):
    name = ready(lam, unique("rn-child"), CHILD, py_runtime)
    result = runner(server, name).run(input={"quantity": 6}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"total": 42, "receipt": "paid 42"}
    assert [op.name for op in result.operations] == ["pricing", "receipt"]
    pricing = result.get_context("pricing")
    assert pricing.operation_type is OperationType.CONTEXT and pricing.sub_type == "RunInChildContext"
    assert pricing.status is OperationStatus.SUCCEEDED
    assert op_payload(pricing.result) == 42
    assert [op.name for op in pricing.child_operations] == ["unit price", "total"]
    assert all(op.parent_id == pricing.operation_id for op in pricing.child_operations)
    assert op_payload(pricing.get_step("total").result) == 42
    # Nested operations are not repeated at the top level.
    assert {op.name for op in result.get_all_operations()} == {"pricing", "unit price", "total", "receipt"}


def test_parallel(server, lam, py_runtime):
    name = ready(lam, unique("rn-parallel"), PARALLEL, py_runtime)
    words = ["alpha", "beta", "gamma"]
    result = runner(server, name).run(input={"words": words}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"results": ["ALPHA", "BETA", "GAMMA"], "succeeded": 3}
    assert [op.name for op in result.operations] == ["fan out"]
    fan = result.get_context("fan out")
    assert fan.operation_type is OperationType.CONTEXT and fan.sub_type == "Parallel"
    assert fan.status is OperationStatus.SUCCEEDED
    branches = by_name(fan.child_operations)
    assert set(branches) == {f"parallel-branch-{i}" for i in range(3)}
    for i, word in enumerate(words):
        b = fan.get_context(f"parallel-branch-{i}")
        assert b.sub_type == "ParallelBranch" and b.status is OperationStatus.SUCCEEDED
        assert op_payload(b.result) == word.upper()
        step = b.get_step(f"shout {word}")
        assert step.parent_id == b.operation_id and op_payload(step.result) == word.upper()


def test_map(server, lam, py_runtime):
    name = ready(lam, unique("rn-map"), MAP, py_runtime)
    result = runner(server, name).run(input={"numbers": [1, 2, 3, 4]}, timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == 30
    squares = result.get_context("squares")
    assert squares.operation_type is OperationType.CONTEXT and squares.sub_type == "Map"
    assert squares.status is OperationStatus.SUCCEEDED
    assert sorted(op.name for op in squares.child_operations) == [f"map-item-{i}" for i in range(4)]
    for i in range(4):
        item = squares.get_context(f"map-item-{i}")
        assert item.sub_type == "MapIteration" and item.status is OperationStatus.SUCCEEDED
        assert op_payload(item.get_step(f"square {i}").result) == (i + 1) ** 2


def test_invoke_of_other_functions(server, lam, py_runtime):
    plain = ready(lam, unique("rn-plain"), PLAIN_CALLEE, py_runtime, durable=False)
    durable = ready(lam, unique("rn-callee"), DURABLE_CALLEE, py_runtime)
    name = ready(lam, unique("rn-invoker"), INVOKER, py_runtime)
    result = runner(server, name).run(input={"plain": plain, "durable": f"{durable}:$LATEST", "n": 5}, timeout=90)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert payload(result.result) == {"plain": {"tripled": 15}, "durable": {"plus_one": 6}}
    assert [op.name for op in result.operations] == ["call plain", "call durable"]
    for op_name, expected in (("call plain", {"tripled": 15}), ("call durable", {"plus_one": 6})):
        op = result.get_invoke(op_name)
        assert op.operation_type is OperationType.CHAINED_INVOKE and op.sub_type == "ChainedInvoke"
        assert op.status is OperationStatus.SUCCEEDED
        assert payload(op.result) == expected and op.error is None  # the callee's response, plain JSON
    # The durable callee ran as its own execution, which the runner reads like any other.
    arns = [e["DurableExecutionArn"] for e in
            lam.list_durable_executions_by_function(FunctionName=durable, Qualifier="$LATEST")["DurableExecutions"]]
    assert len(arns) == 1, arns
    child = runner(server, durable).wait_for_result(arns[0], timeout=30)
    assert child.status is InvocationStatus.SUCCEEDED
    assert op_payload(child.get_step("increment").result) == 6


def test_chained_invoke_started_names_the_child_execution(server, lam, py_runtime):
    # botocore's model has ChainedInvokeStartedDetails.DurableExecutionArn, and the testing package reads a
    # chained child's ARN from there (its local runner writes it).
    plain = ready(lam, unique("rn-plain"), PLAIN_CALLEE, py_runtime, durable=False)
    durable = ready(lam, unique("rn-callee"), DURABLE_CALLEE, py_runtime)
    name = ready(lam, unique("rn-invoker"), INVOKER, py_runtime)
    r = runner(server, name)
    arn = r.run_async(input={"plain": plain, "durable": f"{durable}:$LATEST", "n": 1}, timeout=60)
    assert r.wait_for_result(arn, timeout=60).status is InvocationStatus.SUCCEEDED
    started = [e for e in events(lam, arn) if e["EventType"] == "ChainedInvokeStarted" and e["Name"] == "call durable"]
    child_arn = started[0]["ChainedInvokeStartedDetails"].get("DurableExecutionArn")
    assert child_arn, started
    assert runner(server, durable).wait_for_result(child_arn, timeout=30).status is InvocationStatus.SUCCEEDED


def test_a_raising_handler_fails_the_execution(server, lam, py_runtime):
    name = ready(lam, unique("rn-fails"), FAILS, py_runtime)
    result = runner(server, name).run(input={"order": "o-9"}, timeout=60)
    assert result.status is InvocationStatus.FAILED
    assert result.result is None
    assert result.error.message == "order o-9 is out of stock"
    assert result.error.type.endswith("OrderRejected"), result.error.type
    assert result.get_step("check").status is OperationStatus.SUCCEEDED


# --- the same handlers in the testing package's local runner ---------------------------------------------------

def local_history(source: str, event) -> list[dict]:
    """The history AWS's testing package writes itself for `source` run in this process (its local runner, the
    service emulation AWS ships for unit tests), as GetDurableExecutionHistory dicts."""
    module = types.ModuleType("app")
    exec(compile(source, "app.py", "exec"), module.__dict__)  # noqa: S102 - this file's own handler source
    with DurableFunctionTestRunner(handler=module.handler) as local:
        arn = local.run_async(input=json.dumps(event), execution_timeout=60)
        local.wait_for_result(arn, timeout=60)
        return local.get_execution_history(arn, include_execution_data=True).to_dict()["Events"]


def operation_event(e: dict) -> bool:
    return not e["EventType"].startswith(("Execution", "Invocation"))


def shape(evs: list[dict]) -> list[tuple]:
    """Each event's type and, for an operation's event, its name, sub-type and parent's name."""
    names = {e["Id"]: e.get("Name") for e in evs if operation_event(e)}
    return [(e["EventType"], e.get("Name"), e.get("SubType"), names.get(e.get("ParentId"))) if operation_event(e)
            else (e["EventType"],) for e in evs]


def detail_fields(e: dict) -> set[str]:
    """The fields of an event's `<Type>Details` member."""
    return set(next((v for k, v in e.items() if k.endswith("Details") and isinstance(v, dict)), {}))


@pytest.mark.parametrize("source,event", [
    (HELLO, {"who": "x"}),
    (RETRIES, {"base": 1, "succeed_on": 2, "max_attempts": 3}),
    (WAIT, {"seconds": 1}),
    (CHILD, {"quantity": 2}),
    (FAILS, {"order": "o"}),
    (POLL, {}),
    (PARALLEL, {"words": ["a", "b"]}),
    (MAP, {"numbers": [1, 2, 3]}),
], ids=["hello", "retries", "wait", "child", "fails", "poll", "parallel", "map"])
def test_history_matches_the_local_runner(server, lam, py_runtime, source, event):
    name = ready(lam, unique("rn-same"), source, py_runtime)
    r = runner(server, name)
    arn = r.run_async(input=event, timeout=60)
    r.wait_for_result(arn, timeout=60)
    remote, local = events(lam, arn), local_history(source, event)
    if source in (PARALLEL, MAP):  # branches run on threads: the same events, in either order
        remote = sorted(remote, key=lambda e: (shape([e]), e.get("Id", "")))
        local = sorted(local, key=lambda e: (shape([e]), e.get("Id", "")))
    assert shape(remote) == shape(local)
    # lambkin's events carry at least the details the emulation writes (it writes fewer than the service:
    # no InvocationCompletedDetails, no RetryDetails on StepSucceeded).
    for mine, theirs in zip(remote, local):
        assert detail_fields(theirs) <= detail_fields(mine), (mine, theirs)
        assert mine.get("ParentId") is None or mine["ParentId"] == theirs.get("ParentId")  # ids are the SDK's
        if operation_event(mine):
            assert mine["Id"] == theirs["Id"]
