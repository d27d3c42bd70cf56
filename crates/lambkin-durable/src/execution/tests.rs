use super::*;
use crate::model::{Action, CallbackOptions, StepOptions, WaitOptions};
use crate::token::CallbackId;

fn new_exec(now: u64) -> Execution {
    Execution::new(
        NewExecution {
            region: "us-east-1".into(),
            account: "000000000000".into(),
            function: "f".into(),
            version: "$LATEST".into(),
            qualifier: "$LATEST".into(),
            name: Some("order-1".into()),
            input: r#"{"a":1}"#.into(),
            timeout_s: 3600,
            retention_days: 7,
            parent: None,
            trace_header: None,
        },
        now,
    )
}

fn upd(id: &str, kind: OpType, action: Action) -> OperationUpdate {
    OperationUpdate {
        id: id.into(),
        parent_id: None,
        name: None,
        kind,
        sub_type: None,
        action,
        payload: None,
        error: None,
        context_options: None,
        step_options: None,
        wait_options: None,
        callback_options: None,
        chained_invoke_options: None,
    }
}

fn no_preflight(_: &ChainedInvokeOptions) -> Result<String, ErrorObject> {
    Ok("$LATEST".into())
}

fn inv(e: &Execution) -> String {
    e.invocation.clone().unwrap_or_default()
}

fn token_of(event: &Value) -> String {
    event["CheckpointToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_arn_has_lambdas_shape_and_parses_back() {
    let e = new_exec(1_000);
    assert!(e.arn.starts_with(
        "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/order-1/"
    ));
    let (region, account, f, v, n, id) = parse_arn(&e.arn).expect("parses");
    assert_eq!(
        (
            region.as_str(),
            account.as_str(),
            f.as_str(),
            v.as_str(),
            n.as_str()
        ),
        ("us-east-1", "000000000000", "f", "$LATEST", "order-1")
    );
    assert_eq!(id, e.id);
    assert!(parse_arn("arn:aws:lambda:us-east-1:000000000000:function:f").is_none());
    assert_eq!(e.events[0].event_type, "ExecutionStarted");
}

#[test]
fn a_step_then_the_result_then_success() {
    let mut e = new_exec(1_000);
    let ev = e.begin_invocation().expect("running");
    let ops = ev["InitialExecutionState"]["Operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["Type"], json!("EXECUTION"));
    assert_eq!(ops[0]["StartTimestamp"], json!(1000));
    assert_eq!(
        ops[0]["ExecutionDetails"]["InputPayload"],
        json!(r#"{"a":1}"#)
    );
    let t0 = token_of(&ev);
    let mut start = upd("s1", OpType::Step, Action::Start);
    start.name = Some("add".into());
    let mut done = upd("s1", OpType::Step, Action::Succeed);
    done.payload = Some("3".into());
    let (a, _) = e
        .checkpoint(&t0, Some("c1"), vec![start, done], 1_100, &mut no_preflight)
        .expect("accepted");
    let t1 = a.token.clone().expect("a new token");
    assert_ne!(t1, t0);
    assert_eq!(a.operations.len(), 1);
    assert_eq!(a.operations[0].status, OpStatus::Succeeded);
    assert_eq!(a.operations[0].attempt, 1);
    // The old token is spent; the same request again (same ClientToken) gets the same answer.
    let (again, _) = e
        .checkpoint(&t0, Some("c1"), vec![], 1_200, &mut no_preflight)
        .expect("replayed");
    assert_eq!(again, a);
    assert_eq!(
        e.checkpoint(&t0, Some("other"), vec![], 1_200, &mut no_preflight),
        Err(DurableError::Invalid("Invalid checkpoint token.".into()))
    );
    let out = br#"{"Status":"SUCCEEDED","Result":"3"}"#.to_vec();
    let outcome = e.finish_invocation(
        &inv(&e),
        InvocationResult::Answered(out),
        "r1",
        1_000,
        1_300,
    );
    assert_eq!(outcome, InvocationOutcome::Ended);
    assert_eq!(e.status, ExecutionStatus::Succeeded);
    assert_eq!(e.result.as_deref(), Some("3"));
    let types: Vec<&str> = e.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "StepStarted",
            "StepSucceeded",
            "InvocationCompleted",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        e.check_token(&t1, true),
        Err(invalid("Invalid checkpoint token."))
    );
}

#[test]
fn waits_suspend_and_come_due() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let mut w = upd("w1", OpType::Wait, Action::Start);
    w.wait_options = Some(WaitOptions {
        wait_seconds: Some(10),
    });
    let (a, _) = e
        .checkpoint(&t, None, vec![w], 500, &mut no_preflight)
        .expect("accepted");
    assert_eq!(a.operations[0].scheduled_end_ms, Some(10_500));
    let out = br#"{"Status":"PENDING"}"#.to_vec();
    assert_eq!(
        e.finish_invocation(&inv(&e), InvocationResult::Answered(out), "r1", 0, 600),
        InvocationOutcome::Suspended { now: false }
    );
    assert_eq!(e.next_due(), Some(10_500));
    assert!(!e.complete_due(10_499));
    assert!(e.complete_due(10_500));
    assert!(e.has_unseen_changes());
    let ev = e.begin_invocation().expect("running");
    let ops = &ev["InitialExecutionState"]["Operations"];
    assert_eq!(ops[1]["Status"], json!("SUCCEEDED"));
    assert_eq!(
        ops[1]["WaitDetails"]["ScheduledEndTimestamp"],
        json!(10_500)
    );
    assert!(!e.has_unseen_changes());
}

#[test]
fn step_retries_are_pending_then_ready() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let mut r = upd("s", OpType::Step, Action::Retry);
    r.error = Some(ErrorObject::new("ValueError", "boom"));
    r.step_options = Some(StepOptions {
        next_attempt_delay_seconds: Some(2),
    });
    let (a, _) = e
        .checkpoint(
            &t,
            None,
            vec![upd("s", OpType::Step, Action::Start), r],
            100,
            &mut no_preflight,
        )
        .expect("accepted");
    assert_eq!(a.operations[0].status, OpStatus::Pending);
    assert_eq!(a.operations[0].attempt, 1);
    assert_eq!(e.next_due(), Some(2_100));
    let failed = e.events.last().expect("an event");
    assert_eq!(failed.event_type, "StepFailed");
    assert_eq!(
        failed.details["RetryDetails"],
        json!({"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2})
    );
    e.complete_due(2_100);
    assert_eq!(e.ops[1].status, OpStatus::Ready);
    // A START of a step that is not READY is refused.
    let t2 = a.token.expect("token");
    let (b, _) = e
        .checkpoint(
            &t2,
            None,
            vec![upd("s", OpType::Step, Action::Start)],
            2_200,
            &mut no_preflight,
        )
        .expect("ready steps start again");
    let t3 = b.token.expect("token");
    assert_eq!(
        e.checkpoint(
            &t3,
            None,
            vec![upd("s", OpType::Step, Action::Start)],
            2_300,
            &mut no_preflight
        ),
        Err(invalid("Invalid current STEP state to start."))
    );
}

#[test]
fn the_services_checks() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let mut check = |updates: Vec<OperationUpdate>| {
        e.checkpoint(&t, None, updates, 1, &mut no_preflight)
            .map(|_| ())
            .unwrap_err()
    };
    assert_eq!(
        check(vec![
            upd("x", OpType::Execution, Action::Succeed),
            upd("s", OpType::Step, Action::Start)
        ]),
        invalid("EXECUTION checkpoint must be the last update.")
    );
    assert_eq!(
        check(vec![upd("w", OpType::Wait, Action::Succeed)]),
        invalid("Invalid action for the given operation type.")
    );
    let mut child = upd("c", OpType::Step, Action::Start);
    child.parent_id = Some("nope".into());
    assert_eq!(check(vec![child]), invalid("Invalid parent operation id."));
    assert_eq!(
        check(vec![
            upd("w", OpType::Callback, Action::Start),
            upd("w", OpType::Callback, Action::Start)
        ]),
        invalid("Cannot checkpoint multiple operations with the same ID.")
    );
    let mut fail = upd("s", OpType::Step, Action::Fail);
    fail.payload = Some("x".into());
    assert_eq!(
        check(vec![fail]),
        invalid("Cannot provide a Payload for FAIL action.")
    );
    // A refused checkpoint changes nothing: the token still works.
    let mut ctx = upd("ctx", OpType::Context, Action::Start);
    ctx.name = Some("branch".into());
    let mut inner = upd("in", OpType::Step, Action::Start);
    inner.parent_id = Some("ctx".into());
    let (a, _) = e
        .checkpoint(&t, None, vec![ctx, inner], 2, &mut no_preflight)
        .expect("a context and its child");
    assert_eq!(a.operations.len(), 2);
}

#[test]
fn callbacks_complete_time_out_and_answer_the_right_errors() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let mut c = upd("cb", OpType::Callback, Action::Start);
    c.callback_options = Some(CallbackOptions {
        timeout_seconds: Some(60),
        heartbeat_timeout_seconds: Some(10),
    });
    let (a, _) = e
        .checkpoint(
            &t,
            None,
            vec![c, upd("cb2", OpType::Callback, Action::Start)],
            0,
            &mut no_preflight,
        )
        .expect("accepted");
    let id = a.operations[0]
        .callback_id
        .clone()
        .expect("an id in the response");
    let parsed = CallbackId::decode(&id).expect("ours");
    assert_eq!(parsed.op, "cb");
    e.callback_heartbeat("cb", &id, 9_000).expect("heartbeat");
    assert_eq!(e.next_due(), Some(19_000));
    assert!(!e.complete_due(18_999));
    assert!(e.complete_due(19_000));
    assert_eq!(e.ops[1].status, OpStatus::TimedOut);
    assert_eq!(
        e.ops[1]
            .error
            .as_ref()
            .and_then(|e| e.error_type.as_deref()),
        Some("Callback.Heartbeat")
    );
    assert!(matches!(
        e.callback_succeed("cb", &id, Some("x".into()), 20_000),
        Err(DurableError::CallbackTimeout(_))
    ));
    let id2 = e.ops[2].callback_id.clone().expect("id");
    e.callback_succeed("cb2", &id2, Some("ok".into()), 20_000)
        .expect("completes");
    assert!(matches!(
        e.callback_fail("cb2", &id2, ErrorObject::default(), 20_001),
        Err(DurableError::Invalid(_))
    ));
    assert!(matches!(
        e.callback_succeed("zz", &id2, None, 20_001),
        Err(DurableError::NotFound(_))
    ));
}

#[test]
fn chained_invokes_fail_at_once_when_the_target_is_missing() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let mut ok = upd("i1", OpType::ChainedInvoke, Action::Start);
    ok.chained_invoke_options = Some(ChainedInvokeOptions {
        function_name: "other".into(),
        tenant_id: None,
    });
    ok.payload = Some("{}".into());
    let mut missing = ok.clone();
    missing.id = "i2".into();
    missing.chained_invoke_options = Some(ChainedInvokeOptions {
        function_name: "gone".into(),
        tenant_id: None,
    });
    let mut preflight = |o: &ChainedInvokeOptions| {
        if o.function_name == "gone" {
            Err(ErrorObject::new(
                "ResourceNotFoundException",
                "Function not found",
            ))
        } else {
            Ok("3".to_owned())
        }
    };
    let (a, effects) = e
        .checkpoint(&t, None, vec![ok, missing], 5, &mut preflight)
        .expect("accepted");
    assert_eq!(a.operations[0].status, OpStatus::Started);
    assert_eq!(a.operations[1].status, OpStatus::Failed);
    assert_eq!(effects.len(), 1);
    e.chained_child("i1", "arn:child");
    let started = e
        .events
        .iter()
        .find(|x| x.event_type == "ChainedInvokeStarted" && x.id == "i1");
    assert_eq!(
        started.map(|x| x.details["DurableExecutionArn"].clone()),
        Some(json!("arn:child"))
    );
    assert!(e.chained_done("i1", OpStatus::Succeeded, Some("42".into()), None, 10));
    assert!(!e.chained_done("i1", OpStatus::Failed, None, None, 11));
    assert_eq!(e.ops[1].result.as_deref(), Some("42"));
}

#[test]
fn failed_invocations_back_off_then_fail_the_execution() {
    let mut e = new_exec(0);
    let mut delays = Vec::new();
    loop {
        e.begin_invocation().expect("running");
        let r = InvocationResult::FunctionError {
            error_type: "Runtime.ExitError".into(),
            body: br#"{"errorType":"Runtime.ExitError","errorMessage":"exit 1"}"#.to_vec(),
        };
        match e.finish_invocation(&inv(&e), r, "r", 0, 1) {
            InvocationOutcome::Retry(d) => delays.push(d),
            InvocationOutcome::Ended => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(delays, [500, 1000, 2000, 4000, 8000]);
    assert_eq!(e.status, ExecutionStatus::Failed);
    assert_eq!(
        e.error.as_ref().and_then(|e| e.error_type.as_deref()),
        Some("Runtime.ExitError")
    );
}

#[test]
fn timeout_stop_pause_and_resume_are_guarded() {
    let mut e = new_exec(0);
    assert!(!e.time_out_if_due(3_599_999));
    e.pause(Some("maintenance"), false, None, 10)
        .expect("pauses");
    assert!(e.begin_invocation().is_err());
    assert!(e.pause(None, false, None, 11).is_err());
    e.resume(None, 12).expect("resumes");
    assert!(e.time_out_if_due(3_600_000));
    assert_eq!(e.status, ExecutionStatus::TimedOut);
    assert_eq!(e.stop(None, 3_700_000), 3_600_000);
    assert_eq!(e.status, ExecutionStatus::TimedOut);
    let mut s = new_exec(0);
    assert_eq!(s.stop(None, 50), 50);
    assert_eq!(s.status, ExecutionStatus::Stopped);
    assert_eq!(
        s.events.last().map(|e| e.event_type.as_str()),
        Some("ExecutionStopped")
    );
}

#[test]
fn a_large_log_is_paged() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let big = "x".repeat(1024 * 1024);
    let updates: Vec<OperationUpdate> = (0..7)
        .map(|i| {
            let mut u = upd(&format!("s{i}"), OpType::Step, Action::Succeed);
            u.payload = Some(big.clone());
            u
        })
        .collect();
    e.checkpoint(&t, None, updates, 1, &mut no_preflight)
        .expect("accepted");
    let out = br#"{"Status":"PENDING"}"#.to_vec();
    // Nothing pending and nothing unseen: a PENDING answer is an invalid one, retried.
    assert!(matches!(
        e.finish_invocation(&inv(&e), InvocationResult::Answered(out), "r", 0, 2),
        InvocationOutcome::Retry(_)
    ));
    let ev = e.begin_invocation().expect("running");
    let first = ev["InitialExecutionState"]["Operations"]
        .as_array()
        .map_or(0, Vec::len);
    let marker = ev["InitialExecutionState"]["NextMarker"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(first < 8 && !marker.is_empty());
    let rest = e
        .state(&token_of(&ev), Some(&marker), None)
        .expect("next page");
    let more = rest["Operations"].as_array().map_or(0, Vec::len);
    assert_eq!(first + more, 8);
}

#[test]
fn a_callback_id_is_only_the_one_given_out() {
    let mut e = new_exec(0);
    let t = token_of(&e.begin_invocation().expect("running"));
    let (a, _) = e
        .checkpoint(
            &t,
            None,
            vec![upd("cb", OpType::Callback, Action::Start)],
            0,
            &mut no_preflight,
        )
        .expect("accepted");
    let real = a.operations[0].callback_id.clone().expect("an id");
    let forged = CallbackId {
        nonce: String::new(),
        ..CallbackId::decode(&real).expect("ours")
    }
    .encode();
    assert!(matches!(
        e.callback_succeed("cb", &forged, None, 1),
        Err(DurableError::NotFound(_))
    ));
    e.callback_succeed("cb", &real, None, 1)
        .expect("the real one");
}

#[test]
fn paused_during_an_invocation_it_is_invoked_again_once_resumed() {
    let mut e = new_exec(0);
    e.begin_invocation().expect("running");
    let id = inv(&e);
    e.pause(None, false, None, 10).expect("pauses");
    let out = br#"{"Status":"PENDING"}"#.to_vec();
    assert_eq!(
        e.finish_invocation(&id, InvocationResult::Answered(out), "r", 0, 20),
        InvocationOutcome::Ignored
    );
    // Nothing is due while paused (no spinning on the retry)...
    assert!(!e.needs_invocation(100));
    assert_eq!(e.next_due(), Some(e.timeout_at_ms()));
    // ...and once resumed it is invoked again.
    e.resume(None, 200).expect("resumes");
    assert!(e.needs_invocation(200));
}

#[test]
fn describe_reports_the_executions_own_durable_config() {
    let e = new_exec(0);
    let d = e.describe(false);
    assert_eq!(
        d["DurableConfig"],
        json!({"ExecutionTimeout": 3600, "RetentionPeriodInDays": 7})
    );
    assert!(d.get("InputPayload").is_none());
}

#[test]
fn a_pause_may_stop_the_execution_timeout_too() {
    // Timeout 3600 s from 0. Paused at 1000 s with the timeout standing still, resumed at 5000 s: the deadline
    // moves back by the 4000 s paused.
    let mut e = new_exec(0);
    e.pause(Some("hold"), true, Some("t1"), 1_000_000)
        .expect("pauses");
    let d = e.describe(true);
    assert_eq!(d["PauseDetails"]["ExecutionTimeoutPaused"], json!(true));
    assert_eq!(
        e.events
            .last()
            .map(|v| v.details["ExecutionTimeoutPaused"].clone()),
        Some(json!(true))
    );
    // The timeout does not come due while it stands still.
    assert_eq!(e.next_due(), None);
    assert!(!e.time_out_if_due(4_000_000));
    assert_eq!(e.status, ExecutionStatus::Paused);
    // The same request again (same ClientToken and members) succeeds without pausing again; another does not.
    let events = e.events.len();
    e.pause(Some("hold"), true, Some("t1"), 1_500_000)
        .expect("the same pause");
    assert_eq!(e.events.len(), events);
    assert!(e.pause(Some("hold"), false, Some("t1"), 1_500_000).is_err());
    assert!(e.pause(Some("hold"), true, Some("t2"), 1_500_000).is_err());
    assert!(e.pause(Some("hold"), true, None, 1_500_000).is_err());
    assert!(e
        .pause(Some("hold"), true, Some("t1"), 1_000_000 + PAUSE_TOKEN_MS)
        .is_err());
    e.resume(None, 5_000_000).expect("resumes");
    assert_eq!(e.timeout_at_ms(), 7_600_000);
    assert_eq!(e.next_due(), Some(7_600_000));
    assert!(!e.time_out_if_due(7_599_999));
    assert!(e.time_out_if_due(7_600_000));
    assert_eq!(e.status, ExecutionStatus::TimedOut);

    // Without the flag the timeout runs on while paused, and is reported not paused.
    let mut p = new_exec(0);
    p.pause(None, false, None, 1_000_000).expect("pauses");
    assert_eq!(
        p.describe(false)["PauseDetails"]["ExecutionTimeoutPaused"],
        json!(false)
    );
    assert_eq!(p.next_due(), Some(3_600_000));
    p.resume(None, 2_000_000).expect("resumes");
    assert_eq!(p.timeout_at_ms(), 3_600_000);
}
