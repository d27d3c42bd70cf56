//! Event source mappings at work: the store says what each mapping should do (`records::mappings`); this
//! module makes the pollers (`lambkin-sources`) do it, and moves each mapping through Lambda's states once
//! they have: `Creating`/`Enabling`/`Updating` → `Enabled` when its poller of that generation runs,
//! `Disabling` → `Disabled` when it stopped, `Deleting` → gone when it stopped. A reconciler, woken by every
//! change through the API and every 2 s (so that mappings resume after a restart, and move hosts in a
//! cluster: there a mapping runs on the live host its UUID ranks first), compares and acts; a state is
//! written only if the mapping's generation is still the one it acted on.
//!
//! The pollers invoke through the one invoke path (`invoke::run`), and hand a failed stream batch's record to
//! the mapping's `OnFailure` destination as a queued event (delivered like async destinations, `queue.rs`).

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use lambkin_sources::{BoxFuture, Host, Invoked, Mapping, Source, Sources, StartingPosition};

use crate::invoke::{self, Call, Refused, Target};
use crate::names::Arns;
use crate::records;
use crate::records::events::{Outbound, QueuedEvent};
use crate::records::mappings::MappingRecord;
use crate::service::Service;
use crate::time_fmt::now_ms;

/// How often the reconciler looks even when nothing changed through this host's API.
const RECONCILE_EVERY: Duration = Duration::from_secs(2);
/// SQS pollers per mapping without `ScalingConfig.MaximumConcurrency`.
const DEFAULT_SQS_CONCURRENCY: usize = 10;

/// Starts the pollers' host and the reconciler.
pub(crate) fn start(service: &Arc<Service>) {
    let host = Arc::new(ServiceHost {
        service: Arc::downgrade(service),
    });
    let endpoints = lambkin_sources::Endpoints {
        nats: service.config.nats_url.clone(),
        nats_client: match (&service.config.nats_url, &service.cluster) {
            (None, Some(cluster)) => Some(cluster.client()),
            _ => None,
        },
    };
    if service
        .mappings
        .sources
        .set(Sources::new(host, endpoints))
        .is_err()
    {
        return;
    }
    tokio::spawn(reconcile_forever(service.clone()));
}

async fn reconcile_forever(service: Arc<Service>) {
    loop {
        reconcile(&service).await;
        tokio::select! {
            () = service.mappings.wake.notified() => {}
            () = tokio::time::sleep(RECONCILE_EVERY) => {}
        }
    }
}

/// Whether a mapping's pollers run on this host.
fn runs_here(service: &Service, m: &MappingRecord) -> bool {
    match invoke::home(service, &m.region, &format!("esm/{}", m.uuid)) {
        Some(home) => home == service.engine_host(),
        None => service.cluster.is_none(),
    }
}

/// One pass: every mapping's poller as its record says, and its state moved on.
async fn reconcile(service: &Service) {
    let Some(sources) = service.mappings.sources.get() else {
        return;
    };
    let store = service.store.clone();
    let rows = match tokio::task::spawn_blocking(move || records::mappings::all(&store)).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::warn!("event source mappings: cannot read them: {e}");
            return;
        }
        Err(e) => {
            tracing::warn!("event source mappings: {e}");
            return;
        }
    };
    let mut seen = HashSet::new();
    for (key, row) in rows {
        let m = match row {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("event source mapping {key} cannot be read: {e}");
                continue;
            }
        };
        seen.insert(m.uuid.clone());
        let here = runs_here(service, &m);
        if m.state == "Deleting" {
            sources.stop(&m.uuid);
            if here && sources.settled(&m.uuid) {
                if let Some(s) = Source::parse(&m.event_source_arn, None) {
                    sources.forget(&m.uuid, &s).await;
                }
                settle(service, &m, None).await;
            }
            continue;
        }
        if !here {
            sources.stop(&m.uuid);
            continue;
        }
        if m.enabled {
            match run_of(&m) {
                Ok(run) => sources.ensure(run),
                Err(e) => {
                    tracing::warn!("event source mapping {}: {e}", m.uuid);
                    continue;
                }
            }
        } else {
            sources.stop(&m.uuid);
            if !sources.settled(&m.uuid) {
                // `Disabling` until its batches in flight are settled.
                continue;
            }
        }
        let target = if m.enabled { "Enabled" } else { "Disabled" };
        let result = service.mappings.result(&m.uuid);
        let result_changed = result.is_some() && result != m.last_result;
        if m.state != target || result_changed {
            settle(service, &m, Some((target, result))).await;
        }
    }
    for uuid in sources.uuids() {
        if !seen.contains(&uuid) {
            sources.stop(&uuid);
        }
    }
    service
        .mappings
        .results
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|uuid, _| seen.contains(uuid));
}

/// Writes a mapping's new state (or removes it: `None`), if it is still of the generation acted on.
async fn settle(service: &Service, m: &MappingRecord, to: Option<(&str, Option<String>)>) {
    let store = service.store.clone();
    let m = m.clone();
    let to = to.map(|(s, r)| (s.to_owned(), r));
    let uuid = m.uuid.clone();
    let written = tokio::task::spawn_blocking(move || {
        let Some((mut now, rev)) = records::mappings::get(&store, &m.region, &m.uuid)? else {
            return Ok(());
        };
        if now.generation != m.generation {
            return Ok(());
        }
        match to {
            None => records::mappings::delete(&store, &now, rev),
            Some((state, result)) => {
                if now.state != state {
                    now.state = state;
                    now.last_modified_ms = now_ms();
                }
                if result.is_some() {
                    now.last_result = result;
                }
                records::mappings::update(&store, &now, rev)
            }
        }
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(lambkin_store::StoreError::Conflict { .. })) => {}
        Ok(Err(e)) => tracing::warn!("event source mapping {uuid}: cannot write its state: {e}"),
        Err(e) => tracing::warn!("event source mapping {uuid}: {e}"),
    }
}

/// The poller's view of a stored mapping.
fn run_of(m: &MappingRecord) -> Result<Mapping, String> {
    let start = match m.starting_position.as_deref() {
        Some("LATEST") => Some(StartingPosition::Latest),
        Some("AT_TIMESTAMP") => Some(StartingPosition::AtTimestamp(
            m.starting_position_timestamp.unwrap_or(0.0),
        )),
        Some(_) => Some(StartingPosition::TrimHorizon),
        None => None,
    };
    let source = Source::parse(&m.event_source_arn, start)
        .ok_or_else(|| format!("{} is not a source lambkin reads", m.event_source_arn))?;
    let filters = lambkin_filter::Filters::parse(m.filters.iter().flatten().map(String::as_str))
        .map_err(|e| format!("its filters: {e}"))?;
    let stream = matches!(source, Source::Nats { .. });
    Ok(Mapping {
        uuid: m.uuid.clone(),
        function_arn: m.function_arn.clone(),
        batch_size: m.batch_size.max(1) as usize,
        window: Duration::from_secs(u64::from(m.window_secs)),
        report_item_failures: m
            .response_types
            .iter()
            .any(|t| t == "ReportBatchItemFailures"),
        filters: Arc::new(filters),
        max_concurrency: if stream {
            m.parallelization.unwrap_or(1).max(1) as usize
        } else {
            m.max_concurrency
                .map_or(DEFAULT_SQS_CONCURRENCY, |c| c.max(1) as usize)
        },
        max_retries: m
            .max_retries
            .filter(|r| *r >= 0)
            .map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
        max_record_age: m
            .max_record_age
            .filter(|a| *a > 0)
            .map(|a| Duration::from_secs(a as u64)),
        on_failure: m.on_failure.clone(),
        generation: m.generation,
        source,
    })
}

/// The "shard" of a mapping's failure records (S3 keys): a NATS stream's name.
fn shard(mapping: &Mapping) -> String {
    match &mapping.source {
        Source::Nats { stream, .. } => stream.clone(),
        Source::Sqs { queue, .. } => queue.clone(),
    }
}

/// What the pollers invoke through.
struct ServiceHost {
    service: Weak<Service>,
}

/// Region, account, name and qualifier of a function ARN.
fn function_parts(arn: &str) -> Option<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts[..] {
        [_, _, "lambda", region, account, "function", name] => {
            Some((region.to_owned(), account.to_owned(), name.to_owned(), None))
        }
        [_, _, "lambda", region, account, "function", name, q] => Some((
            region.to_owned(),
            account.to_owned(),
            name.to_owned(),
            Some(q.to_owned()),
        )),
        _ => None,
    }
}

impl ServiceHost {
    async fn invoke_now(&self, mapping: &Mapping, payload: Bytes) -> Invoked {
        let Some(service) = self.service.upgrade() else {
            return Invoked::Unavailable("the server is stopping".into());
        };
        let Some((region, account, name, qualifier)) = function_parts(&mapping.function_arn) else {
            return Invoked::Unavailable(format!("{} is not a function ARN", mapping.function_arn));
        };
        let arns = Arns { region, account };
        let trace = crate::traces::enter(&service, None, None, None);
        let call = Call {
            request_id: uuid::Uuid::new_v4().to_string(),
            payload,
            client_context: None,
            trace_id: trace
                .as_ref()
                .map(lambkin_trace::InvocationTrace::function_header),
            tenant_id: None,
            invoked_function_arn: mapping.function_arn.clone(),
            trigger: crate::observe::Trigger::PubSub,
            received: None,
            trace,
        };
        let target = Target {
            arns: &arns,
            function: &name,
            qualifier: qualifier.as_deref(),
            incarnation: None,
        };
        // A durable function: each batch starts an execution, answered at its end.
        if let Some(started) =
            crate::durable::start_for(&service, &target, &call.payload, true, None).await
        {
            return match started {
                Ok(e) => match crate::durable::as_answer(&e) {
                    (body, false) => Invoked::Ok {
                        body,
                        version: e.version,
                    },
                    (body, true) => Invoked::FunctionError {
                        body,
                        version: e.version,
                    },
                },
                Err(e) => Invoked::Unavailable(e.message),
            };
        }
        match invoke::run(&service, target, call).await {
            Ok(running) => {
                let version = running.version().to_owned();
                let answer = running.collect().await;
                if answer.failed {
                    Invoked::FunctionError {
                        body: answer.body,
                        version,
                    }
                } else {
                    Invoked::Ok {
                        body: answer.body,
                        version,
                    }
                }
            }
            Err(Refused::NotFound(_) | Refused::Replaced) => {
                Invoked::Unavailable(format!("Function not found: {}", mapping.function_arn))
            }
            Err(Refused::Runtime { error, .. }) => Invoked::Unavailable(error.message),
            Err(Refused::Unresolved(e) | Refused::Spec(e)) => Invoked::Unavailable(e.message),
            Err(Refused::Engine(e)) => Invoked::Throttled(e.to_string()),
        }
    }

    async fn on_failure_now(
        &self,
        mapping: &Mapping,
        record: serde_json::Value,
    ) -> Result<(), String> {
        let service = self.service.upgrade().ok_or("the server is stopping")?;
        let (region, account, name, qualifier) =
            function_parts(&mapping.function_arn).ok_or("not a function ARN")?;
        let Some(target) = mapping.on_failure.clone() else {
            return Ok(());
        };
        // Its `payload` (the batch's records) goes only to an S3 destination: `lambkin-destinations` removes it
        // for the others, as Lambda does.
        let base = QueuedEvent::new(&region, &account, &name, qualifier.as_deref(), &[]);
        let ev = if target.split(':').nth(2) == Some("lambda") {
            // A function destination: its async invocation with the record.
            let dest =
                crate::names::parse_function(&target, &base.account).map_err(|e| e.message)?;
            QueuedEvent::new(
                &base.region,
                &base.account,
                &dest.name,
                dest.qualifier.as_deref(),
                record.to_string().as_bytes(),
            )
        } else {
            let outbound = Outbound {
                target,
                function_arn: mapping.function_arn.clone(),
                request_id: record["requestContext"]["requestId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                success: Some(false),
                error: None,
                mapping: Some((mapping.uuid.clone(), shard(mapping))),
            };
            crate::queue::outbound_event(&base, outbound, record.to_string().as_bytes())
        };
        crate::clusterqueue::enqueue(&service, ev).await
    }
}

impl Host for ServiceHost {
    fn invoke<'a>(&'a self, mapping: &'a Mapping, payload: Bytes) -> BoxFuture<'a, Invoked> {
        Box::pin(self.invoke_now(mapping, payload))
    }

    fn on_failure<'a>(
        &'a self,
        mapping: &'a Mapping,
        record: serde_json::Value,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(self.on_failure_now(mapping, record))
    }

    fn poller_ended(&self, _uuid: &str) {
        if let Some(service) = self.service.upgrade() {
            service.mappings.changed();
        }
    }

    fn processed(&self, mapping: &Mapping, result: &str) {
        let Some(service) = self.service.upgrade() else {
            return;
        };
        let changed = {
            let mut results = service
                .mappings
                .results
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            results
                .insert(mapping.uuid.clone(), result.to_owned())
                .as_deref()
                != Some(result)
        };
        if changed && matches!(mapping.source, Source::Nats { .. }) {
            service.mappings.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_split() {
        assert_eq!(
            function_parts("arn:aws:lambda:us-east-1:123456789012:function:f"),
            Some(("us-east-1".into(), "123456789012".into(), "f".into(), None))
        );
        assert_eq!(
            function_parts("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some((
                "us-east-1".into(),
                "123456789012".into(),
                "f".into(),
                Some("live".into())
            ))
        );
        assert_eq!(function_parts("arn:aws:sqs:us-east-1:123456789012:q"), None);
    }
}
