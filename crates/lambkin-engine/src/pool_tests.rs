//! The pool's invariants, tested against the fake isolation (real engine, real `InitClient`, real control
//! protocol; no processes): acquire/release under concurrency, the memory budget, reserved concurrency,
//! reaping, draining, provisioned replacement, the finishing wait, and "every environment that leaves the
//! engine is destroyed".

use std::sync::Arc;
use std::time::{Duration, Instant};

use lambkin_wire::{InvokeRequest, ResponseFrame};

use crate::isolation::fake::{FakeEvent, FakeIsolator, FakeLog};
use crate::{Engine, EngineConfig, EngineError, FunctionSpec, Isolation};

fn config(memory_budget_mb: u64, keep_alive: Duration) -> EngineConfig {
    EngineConfig {
        isolation: Isolation::Process,
        lambkin: "/nonexistent/lambkin".into(),
        state_dir: std::env::temp_dir(),
        network: lambkin_sandbox::Network::None,
        rootfs: None,
        memory_budget_mb,
        keep_alive,
        concurrency_limit: 1000,
        queue: false,
        environment_prefix: "fn",
        prepared: 0,
    }
}

fn engine(memory_budget_mb: u64, keep_alive: Duration) -> (Engine, Arc<FakeLog>) {
    let fake = FakeIsolator::new();
    let log = fake.log.clone();
    let engine = Engine::with_isolator(
        config(memory_budget_mb, keep_alive),
        Arc::new(|_, _, _| {}),
        Arc::new(fake),
    );
    (engine, log)
}

fn spec(name: &str) -> FunctionSpec {
    let mut s = FunctionSpec::minimal(std::env::temp_dir());
    s.function_name = name.into();
    s
}

/// One invoke to its end: (cold, body), or the engine's refusal.
async fn invoke(
    engine: &Engine,
    spec: &FunctionSpec,
    payload: &str,
) -> Result<(bool, String), EngineError> {
    let mut inv = engine
        .invoke(
            spec,
            InvokeRequest {
                payload: payload.to_owned().into(),
                ..InvokeRequest::default()
            },
        )
        .await?;
    let mut body = String::new();
    while let Some(f) = inv.frames.recv().await {
        if let ResponseFrame::Complete { body: b, .. } = f {
            body = String::from_utf8_lossy(&b).into_owned();
        }
    }
    let _ = inv.done.await;
    Ok((inv.cold, body))
}

/// [`invoke`] in a task of its own.
fn spawn_invoke(
    engine: &Engine,
    spec: &FunctionSpec,
    payload: String,
) -> tokio::task::JoinHandle<Result<(bool, String), EngineError>> {
    let (engine, spec) = (engine.clone(), spec.clone());
    tokio::spawn(async move { invoke(&engine, &spec, &payload).await })
}

/// `n` invokes at once, each in a task of its own; the `i`th with `payload(i)`.
fn spawn_invokes(
    engine: &Engine,
    spec: &FunctionSpec,
    n: usize,
    payload: impl Fn(usize) -> String,
) -> Vec<tokio::task::JoinHandle<Result<(bool, String), EngineError>>> {
    (0..n)
        .map(|i| spawn_invoke(engine, spec, payload(i)))
        .collect()
}

/// Waits (bounded) until `f` holds.
async fn eventually(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The engine's counters agree with what the fake saw: every live environment is counted once.
fn assert_accounted(engine: &Engine, log: &FakeLog, memory_per_env: u64) {
    let stats = engine.stats();
    let live = log.created() - log.destroyed();
    assert_eq!(stats.environments, live, "environments vs live ones");
    assert_eq!(
        stats.memory_mb,
        live as u64 * memory_per_env,
        "memory vs live ones"
    );
}

/// The end of a test: the counters balance (128 MB environments), then the engine shuts down.
async fn accounted_then_shut_down(engine: &Engine, log: &FakeLog) {
    assert_accounted(engine, log, 128);
    engine.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invokes_each_get_one_environment_and_all_come_back() {
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let f = spec("f");
    let runs = spawn_invokes(&engine, &f, 8, |i| format!(r#"{{"work_ms":50,"n":{i}}}"#));
    for (i, r) in runs.into_iter().enumerate() {
        let (cold, body) = r.await.expect("join").expect("invoke");
        assert!(cold, "eight at once: each builds its own");
        assert!(
            body.contains(&format!("\"n\":{i}")),
            "each caller gets its own answer"
        );
    }
    eventually("all eight back in the pool", || engine.stats().idle == 8).await;
    assert_eq!(engine.busy("f"), 0);
    assert_accounted(&engine, &log, 128);
    // Back to back, one at a time: warm every time, nothing new is built.
    for _ in 0..8 {
        let (cold, _) = invoke(&engine, &f, "{}").await.expect("invoke");
        assert!(!cold);
    }
    assert_eq!(log.created(), 8);
    engine.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        log.destroyed(),
        log.created(),
        "everything that left was destroyed"
    );
    assert_accounted(&engine, &log, 128);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_budget_throttles_and_evicts_the_least_recently_used() {
    let (engine, log) = engine(256, Duration::from_secs(60));
    let (a, b) = (spec("a"), spec("b"));
    let slow = spawn_invokes(&engine, &a, 2, |_| r#"{"work_ms":600}"#.into());
    eventually("two busy", || engine.busy("a") == 2).await;
    match invoke(&engine, &b, "{}").await {
        Err(EngineError::Throttled { reason }) => {
            assert_eq!(reason, "ConcurrentInvocationLimitExceeded")
        }
        other => panic!("a third environment does not fit 256 MB: {other:?}"),
    }
    for s in slow {
        s.await.expect("join").expect("invoke");
    }
    assert_eq!(engine.stats().memory_mb, 256);
    // Both of a's are idle now: b's environment takes the room of the least recently used one.
    let (cold, _) = invoke(&engine, &b, "{}").await.expect("invoke b");
    assert!(cold);
    eventually("one of a's retired", || log.destroyed() == 1).await;
    assert!(engine.stats().memory_mb <= 256);
    accounted_then_shut_down(&engine, &log).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_the_function_only() {
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let mut f = spec("f");
    f.reserved_concurrency = Some(1);
    let busy = spawn_invoke(&engine, &f, r#"{"work_ms":500}"#.into());
    eventually("one busy", || engine.busy("f") == 1).await;
    match invoke(&engine, &f, "{}").await {
        Err(EngineError::Throttled { reason }) => {
            assert_eq!(reason, "ReservedFunctionConcurrentInvocationLimitExceeded")
        }
        other => panic!("{other:?}"),
    }
    invoke(&engine, &spec("other"), "{}")
        .await
        .expect("another function is not throttled");
    busy.await.expect("join").expect("invoke");
    assert_eq!(
        engine.busy("f"),
        0,
        "a throttled invoke leaves no busy count"
    );
    accounted_then_shut_down(&engine, &log).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_environments_are_reaped_after_the_keep_alive() {
    let (engine, log) = engine(10_000, Duration::from_millis(100));
    invoke(&engine, &spec("f"), "{}").await.expect("invoke");
    eventually("reaped", || log.destroyed() == 1).await;
    assert_eq!(engine.stats().environments, 0);
    assert_eq!(engine.stats().memory_mb, 0);
    engine.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_retires_idle_ones_now_and_busy_ones_after_their_invoke() {
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let f = spec("f");
    // Two warm environments.
    let warm = spawn_invokes(&engine, &f, 2, |_| r#"{"work_ms":100}"#.into());
    for w in warm {
        w.await.expect("join").expect("invoke");
    }
    eventually("two idle", || engine.stats().idle == 2).await;
    let busy = spawn_invoke(&engine, &f, r#"{"work_ms":400}"#.into());
    eventually("one busy", || engine.busy("f") == 1).await;
    engine.drain("f", None);
    eventually("the idle one retired at once", || log.destroyed() == 1).await;
    assert_eq!(engine.busy("f"), 1, "the busy one is left to finish");
    let (cold, _) = busy.await.expect("join").expect("invoke");
    assert!(!cold);
    eventually("the busy one retired after its invoke", || {
        log.destroyed() == 2
    })
    .await;
    assert_eq!(engine.stats().environments, 0);
    // A changed revision never reuses an old environment.
    let mut changed = f.clone();
    changed.revision = "r2".into();
    let (cold, _) = invoke(&engine, &changed, "{}").await.expect("invoke");
    assert!(cold);
    accounted_then_shut_down(&engine, &log).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_environments_are_kept_and_replaced() {
    let (engine, log) = engine(10_000, Duration::from_millis(50));
    let f = spec("f");
    engine.set_provisioned(&f, 2);
    eventually("two provisioned ready", || {
        engine.provisioned("f", "$LATEST") == (2, 2)
    })
    .await;
    // Never reaped for idleness, though the keep-alive is 50 ms.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(log.destroyed(), 0);
    let (cold, _) = invoke(&engine, &f, "{}").await.expect("invoke");
    assert!(!cold, "provisioned environments serve without a cold start");
    // One dies: the engine starts another.
    let _ = invoke(&engine, &f, r#"{"crash":true}"#).await;
    eventually("the dead one retired", || log.destroyed() == 1).await;
    eventually("replaced", || {
        log.created() == 3 && engine.provisioned("f", "$LATEST") == (2, 2)
    })
    .await;
    engine.set_provisioned(&f, 0);
    eventually("unwanted provisioned ones go with the keep-alive", || {
        log.destroyed() == 3
    })
    .await;
    accounted_then_shut_down(&engine, &log).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoke_waits_for_a_finishing_environment_instead_of_building_one() {
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let f = spec("f");
    // The first answers at once but finishes its invoke phase 100 ms later.
    let mut first = engine
        .invoke(
            &f,
            InvokeRequest {
                payload: r#"{"finish_ms":100}"#.into(),
                ..InvokeRequest::default()
            },
        )
        .await
        .expect("invoke");
    while first.frames.recv().await.is_some() {}
    let (cold, _) = invoke(&engine, &f, "{}").await.expect("second");
    assert!(!cold, "waited for the finishing one");
    assert_eq!(log.created(), 1);
    let _ = first.done.await;
    engine.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_environments_are_frozen_and_thawed_when_taken() {
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let f = spec("f");
    invoke(&engine, &f, "{}").await.expect("invoke");
    eventually("frozen", || {
        log.count(|e| matches!(e, FakeEvent::Frozen(_))) == 1
    })
    .await;
    invoke(&engine, &f, "{}").await.expect("invoke");
    assert_eq!(log.count(|e| matches!(e, FakeEvent::Thawed(_))), 1);
    let envs: Vec<_> = log.events();
    assert!(
        matches!(
            envs.last(),
            Some(FakeEvent::Thawed(_)) | Some(FakeEvent::Frozen(_))
        ),
        "{envs:?}"
    );
    engine.shutdown(Duration::from_secs(5)).await;
    assert_eq!(log.destroyed(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_shows_each_environment_of_a_function_as_it_goes() {
    use crate::EnvironmentStatus as S;
    let (engine, log) = engine(10_000, Duration::from_secs(60));
    let f = spec("f");
    let statuses = |name: &str| -> Vec<(S, bool)> {
        engine
            .environments(name)
            .iter()
            .map(|e| (e.status, e.provisioned))
            .collect()
    };
    let run = spawn_invoke(&engine, &f, r#"{"work_ms":300}"#.into());
    eventually("busy while the invoke runs", || {
        statuses("f") == [(S::Busy, false)]
    })
    .await;
    run.await.expect("task").expect("invoke");
    eventually("frozen in the pool", || {
        statuses("f") == [(S::Frozen, false)]
    })
    .await;
    let env = &engine.environments("f")[0];
    assert_eq!((env.version.as_str(), env.memory_mb), ("$LATEST", 128));
    assert!(env.id.starts_with("fn-"), "{}", env.id);
    assert!(engine.environments("g").is_empty());
    let g = spec("g");
    engine.set_provisioned(&g, 1);
    eventually("a provisioned one", || {
        statuses("g") == [(S::Frozen, true)] || statuses("g") == [(S::Idle, true)]
    })
    .await;
    engine.drain("f", None);
    eventually("gone once drained", || statuses("f").is_empty()).await;
    engine.set_provisioned(&g, 0);
    engine.shutdown(Duration::from_secs(5)).await;
    assert_eq!(log.created(), 2);
}

/// Answers every call from inside with who made it and what it asked.
struct WhoCalls;

impl crate::InsideApi for WhoCalls {
    fn call(&self, caller: crate::InsideCaller, call: crate::ApiCall) -> crate::ApiFuture {
        Box::pin(async move {
            crate::ApiAnswer {
                status: 200,
                headers: Vec::new(),
                body: format!(
                    "{} {} {} {} {} {}",
                    caller.function_name,
                    caller.version,
                    caller.region,
                    caller.account_id,
                    caller.environment,
                    call.target
                )
                .into(),
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_inside_reach_the_inside_api_as_their_environment() {
    let (engine, _) = engine(10_000, Duration::from_secs(60));
    let mut f = spec("caller");
    let ask = r#"{"api_call":"/2015-03-31/functions/other/configuration"}"#;
    // None installed: the channel answers at once, in Lambda's error shape.
    let (_, body) = invoke(&engine, &f, ask).await.expect("invoke");
    assert!(body.starts_with("501 {"), "{body}");
    // Environments built from now on get it (a new revision: the old environment goes).
    engine.set_inside_api(Arc::new(WhoCalls));
    f.revision = "r2".into();
    let mut ids = Vec::new();
    for cold in [true, false] {
        let (was_cold, body) = invoke(&engine, &f, ask).await.expect("invoke");
        assert_eq!(was_cold, cold);
        let rest = body
            .strip_prefix("200 caller $LATEST us-east-1 123456789012 ")
            .expect(&body);
        let (id, target) = rest.split_once(' ').expect(&body);
        assert_eq!(target, "/2015-03-31/functions/other/configuration");
        assert!(id.starts_with("fn-"), "{id}");
        ids.push(id.to_owned());
    }
    // The warm invoke ran in the environment the cold one built, and its calls say so.
    assert_eq!(ids[0], ids[1]);
    engine.shutdown(Duration::from_secs(5)).await;
}
