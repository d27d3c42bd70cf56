"""The handlers the durable suites deploy, as sources (each becomes a function's `app.py`).

`SUITE` is one durable handler that runs the case its input names, written against AWS's Python SDK as its
documentation shows it; `PLAIN` is an ordinary (not durable) function for chained invokes.
"""

SUITE = r'''
import json
import os
import time

import boto3
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    Duration,
    JitterStrategy,
    StepConfig,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitStrategyConfig,
    create_wait_strategy,
)

FAST_RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(1), backoff_rate=1, jitter_strategy=JitterStrategy.NONE)))


def flaky(step_ctx):
    if step_ctx.attempt < 3:
        raise RuntimeError(f"attempt {step_ctx.attempt} fails")
    return step_ctx.attempt


def invocations_so_far(arn):
    """How many invocations of this execution ended before this one (the service's own history says)."""
    lam = boto3.client("lambda")
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    return sum(1 for e in events if e["EventType"] == "InvocationCompleted")


@durable_execution
def handler(event, context: DurableContext):
    case = event["case"]
    if case == "steps":
        a = context.step(lambda _: event["x"] + 1, name="add")
        b = context.step(flaky, name="flaky", config=FAST_RETRY)
        return {"a": a, "attempts": b}
    if case == "wait":
        before = context.step(lambda _: "before", name="before")
        context.wait(Duration.from_seconds(event.get("seconds", 2)), name="pause")
        return {"before": before, "after": context.step(lambda _: "after", name="after")}
    if case == "condition":
        final = context.wait_for_condition(
            lambda state, check_ctx: state + 1,
            config=WaitForConditionConfig(
                wait_strategy=create_wait_strategy(WaitStrategyConfig(
                    should_continue_polling=lambda s: s < 3, initial_delay=Duration.from_seconds(1),
                    backoff_rate=1, jitter_strategy=JitterStrategy.NONE)),
                initial_state=0),
            name="poll")
        return {"final": final}
    if case == "callback":
        cb = context.create_callback(name="approval", config=CallbackConfig(
            timeout=Duration.from_seconds(event.get("timeout", 300)),
            heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 0))))
        return {"approved": cb.result()}
    if case == "wait_for_callback":
        got = context.wait_for_callback(lambda callback_id, ctx: None, name="external")
        return {"got": got}
    if case == "chained":
        return {"called": context.invoke(event["target"], event.get("payload", {"n": event.get("n")}), name="call")}
    if case == "parallel":
        r = context.parallel([
            lambda ctx: ctx.step(lambda _: "one", name="one"),
            lambda ctx: ctx.step(lambda _: "two", name="two"),
            lambda ctx: ctx.step(lambda _: "three", name="three"),
        ], name="fan")
        return {"results": r.get_results()}
    if case == "map":
        r = context.map([1, 2, 3, 4], lambda ctx, item, i, items: ctx.step(lambda _: item * 2, name=f"double-{i}"),
                        name="doubles")
        return {"results": r.get_results()}
    if case == "child":
        def child(ctx):
            x = ctx.step(lambda _: 20, name="inner-a")
            ctx.wait(Duration.from_seconds(1), name="inner-wait")
            return x + ctx.step(lambda _: 22, name="inner-b")
        return {"child": context.run_in_child_context(child, name="child")}
    if case == "large":
        sizes = []
        for i in range(event["steps"]):
            sizes.append(len(context.step(lambda _: "x" * event["size"], name=f"big-{i}")))
        context.wait(Duration.from_seconds(1), name="replay-all")
        return {"total": sum(sizes)}
    if case == "fail":
        context.step(lambda _: "fine", name="fine")
        raise ValueError("boom: " + event.get("why", ""))
    if case == "crash":
        arn = context.state.durable_execution_arn

        def crash_first_time(_):
            if invocations_so_far(arn) == 0:
                os._exit(3)
            return "survived"
        return {"step": context.step(crash_first_time, name="crashy")}
    if case == "slow":
        def slow(_):
            time.sleep(event["seconds"])
            return "slept"
        return {"step": context.step(slow, name="slow")}
    if case == "sleep":
        context.wait(Duration.from_seconds(event["seconds"]), name="long")
        return {"woke": True}
    raise ValueError(f"unknown case {case}")
'''

PLAIN = r'''
def handler(event, context):
    if event.get("n", 0) < 0:
        raise ValueError("negative")
    return {"doubled": event["n"] * 2, "fn": context.function_name}
'''

OUTSIDE = r'''
import boto3


def handler(event, context):
    """A plain function using the Lambda API from inside its environment."""
    lam = boto3.client("lambda")
    out = {}
    try:
        lam.get_function(FunctionName=event["other"])
        out["get_function"] = "allowed"
    except lam.exceptions.ClientError as e:
        out["get_function"] = e.response["Error"]["Code"]
    r = lam.invoke(FunctionName=event["other"], Payload=b'{"n": 4}')
    out["invoke"] = r["Payload"].read().decode()
    return out
'''

QUEUE = r'''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    """A durable consumer: reads its batch (an SQS event, or an async destination's record), waits, answers."""
    seen = context.step(lambda _: [r.get("body") for r in event.get("Records", [])] or [event.get("requestContext", {}).get("condition")], name="read")
    context.wait(Duration.from_seconds(1), name="settle")
    return {"seen": seen}
'''
