//! CloudWatch Logs' reads on `serve`'s port: `POST /` with `X-Amz-Target: Logs_20140328.<Operation>`
//! (`aws logs tail`, `filter-log-events`, `get-log-events`, `describe-log-groups`, `describe-log-streams`,
//! `put-retention-policy`, `delete-retention-policy`). `lambkin-cwlogs` parses the request into an `Action`
//! and shapes the answer; this module executes it over the store's per-function streams.
//!
//! A function's log group is its `LoggingConfig.LogGroup` (`/aws/lambda/<name>` unless set), so several
//! functions may share one; a group exists while a function of the region logs to it. Also here: retention
//! (`serve --log-retention-days`, a group's `PutRetentionPolicy` over it) and the size bound
//! (`--log-max-mb`), applied every 10 minutes, at start and after a policy changes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Response, StatusCode};
use lambkin_cwlogs::{
    event_id, Action, DescribeLogGroups, DescribeLogStreams, FilterLogEvents, FilterToken,
    FilteredEvent, GetLogEvents, LogGroup, LogStream, LogsError, OrderBy, OutputEvent, PageToken,
    SearchedStream, StreamToken,
};
use lambkin_store::{Backward, StreamLine};
use serde_json::json;

use crate::records;
use crate::reply::Reply;
use crate::service::Service;

/// Bytes a read looks at, at most, per request.
const SCAN_BUDGET: u64 = 8 << 20;
/// Bytes of messages an answer carries, at most (AWS: 1 MB).
const ANSWER_BYTES: usize = 1 << 20;
/// A stream last written this long before a search's start holds no line of it (clocks of a cluster's hosts
/// included).
const WRITE_SLACK_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

type Result<T> = std::result::Result<T, LogsError>;

/// The CloudWatch Logs operation a request asks for (`POST /` with `X-Amz-Target: Logs_20140328.<Op>`).
pub(crate) fn operation(
    method: &Method,
    path: &str,
    headers: &[(String, String)],
) -> Option<String> {
    if method != Method::POST || path != "/" {
        return None;
    }
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
        .and_then(|(_, v)| v.strip_prefix(lambkin_cwlogs::TARGET_PREFIX))
        .map(str::to_owned)
}

/// Answers a CloudWatch Logs request in its protocol (JSON 1.1, errors as `{"__type", "message"}`).
pub(crate) async fn serve(
    service: &Arc<Service>,
    region: String,
    op: String,
    body: Bytes,
    request_id: &str,
) -> Reply {
    let svc = service.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let action = Action::parse(&op, &body)?;
        execute(&svc, &region, action)
    })
    .await
    .unwrap_or_else(|e| Err(LogsError::unavailable(format!("the read failed: {e}"))));
    let (status, text) = match outcome {
        Ok(v) => (StatusCode::OK, v.to_string()),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.body(),
        ),
    };
    let mut r = Response::new(lambkin_respond::full(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(lambkin_cwlogs::CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    Reply::Raw(r)
}

fn store_err(e: lambkin_store::StoreError) -> LogsError {
    LogsError::unavailable(format!("The logs could not be read: {e}"))
}

fn execute(service: &Service, region: &str, action: Action) -> Result<serde_json::Value> {
    match action {
        Action::DescribeLogGroups(q) => describe_groups(service, region, &q),
        Action::DescribeLogStreams(q) => describe_streams(service, region, &q),
        Action::GetLogEvents(q) => get_events(service, region, &q),
        Action::FilterLogEvents(q) => filter_events(service, region, &q),
        Action::PutRetentionPolicy { group, days } => {
            members(service, region, &group)?;
            records::loggroups::put(&service.store, region, &group, days).map_err(store_err)?;
            sweep(service);
            Ok(json!({}))
        }
        Action::DeleteRetentionPolicy { group } => {
            members(service, region, &group)?;
            records::loggroups::delete(&service.store, region, &group).map_err(store_err)?;
            Ok(json!({}))
        }
    }
}

/// The region's log groups: name → the functions logging to it (with their `LastModified`).
fn groups(service: &Service, region: &str) -> Result<BTreeMap<String, Vec<(String, String)>>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for f in records::functions::all(&service.store, region).map_err(store_err)? {
        let c = &f.latest.config;
        out.entry(f.latest.config.log_group())
            .or_default()
            .push((c.function_name.clone(), c.last_modified.clone()));
    }
    Ok(out)
}

/// The functions of a group; `ResourceNotFoundException` when none logs to it.
fn members(service: &Service, region: &str, group: &str) -> Result<Vec<String>> {
    groups(service, region)?
        .remove(group)
        .map(|fs| fs.into_iter().map(|(f, _)| f).collect())
        .ok_or_else(LogsError::no_group)
}

/// `LastModified` (`2026-11-24T04:25:00.000+0000`) in milliseconds.
fn parse_last_modified(s: &str) -> Option<u64> {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour][offset_minute]"
    );
    let t = time::OffsetDateTime::parse(s, &f).ok()?;
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A group's retention: its policy, else `serve --log-retention-days`.
fn retention(service: &Service, region: &str, group: &str) -> Result<Option<u32>> {
    Ok(records::loggroups::retention(&service.store, region, group)
        .map_err(store_err)?
        .or(service.config.log_retention_days))
}

fn describe_groups(
    service: &Service,
    region: &str,
    q: &DescribeLogGroups,
) -> Result<serde_json::Value> {
    let account = &service.config.account_id;
    let mut out = Vec::new();
    let mut more = false;
    for (name, fns) in groups(service, region)? {
        if q.prefix
            .as_ref()
            .is_some_and(|p| !name.starts_with(p.as_str()))
            || q.pattern
                .as_ref()
                .is_some_and(|p| !name.contains(p.as_str()))
            || q.after.as_ref().is_some_and(|a| name <= a.after)
        {
            continue;
        }
        if out.len() == q.limit {
            more = true;
            break;
        }
        let mut created = None::<u64>;
        let mut bytes = 0;
        for (f, modified) in &fns {
            let c = service
                .store
                .log_created_ms(f)
                .or_else(|| parse_last_modified(modified));
            created = match (created, c) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            bytes += service.store.log_bytes(f).map_err(store_err)?;
        }
        let days = retention(service, region, &name)?;
        out.push(LogGroup::new(
            region,
            account,
            &name,
            created.unwrap_or(0),
            days,
            bytes,
        ));
    }
    let mut v = json!({ "logGroups": out });
    if more {
        if let Some(last) = out.last() {
            v["nextToken"] = json!(PageToken {
                after: last.log_group_name.clone()
            }
            .encode());
        }
    }
    Ok(v)
}

fn describe_streams(
    service: &Service,
    region: &str,
    q: &DescribeLogStreams,
) -> Result<serde_json::Value> {
    let fns = members(service, region, &q.group)?;
    // (sort key, function, stream, last write)
    let mut all: Vec<(String, String, String, u64)> = Vec::new();
    for f in &fns {
        for (name, last_write) in service.store.log_stream_times(f).map_err(store_err)? {
            if q.prefix
                .as_ref()
                .is_some_and(|p| !name.starts_with(p.as_str()))
            {
                continue;
            }
            let key = match q.order_by {
                OrderBy::LogStreamName => name.clone(),
                OrderBy::LastEventTime => format!("{last_write:020}\n{name}"),
            };
            all.push((key, f.clone(), name, last_write));
        }
    }
    all.sort();
    if q.descending {
        all.reverse();
    }
    let after = |k: &str| match &q.after {
        None => true,
        Some(a) if q.descending => k < a.after.as_str(),
        Some(a) => k > a.after.as_str(),
    };
    let mut page = Vec::new();
    let mut more = false;
    let mut last_key = String::new();
    for (key, f, name, last_write) in all.into_iter().filter(|x| after(&x.0)) {
        if page.len() == q.limit {
            more = true;
            break;
        }
        let Some(info) = service
            .store
            .log_stream_info(&f, &name)
            .map_err(store_err)?
        else {
            continue;
        };
        page.push(LogStream {
            arn: lambkin_cwlogs::stream_arn(region, &service.config.account_id, &q.group, &name),
            log_stream_name: name,
            creation_time: info.first_timestamp_ms.unwrap_or(last_write),
            first_event_timestamp: info.first_timestamp_ms,
            last_event_timestamp: info.last_timestamp_ms,
            last_ingestion_time: last_write,
            stored_bytes: info.stored_bytes,
        });
        last_key = key;
    }
    let mut v = json!({ "logStreams": page });
    if more {
        v["nextToken"] = json!(PageToken { after: last_key }.encode());
    }
    Ok(v)
}

/// The function of a group that holds a stream.
fn stream_owner(service: &Service, region: &str, group: &str, stream: &str) -> Result<String> {
    for f in members(service, region, group)? {
        if service
            .store
            .log_stream_times(&f)
            .map_err(store_err)?
            .iter()
            .any(|(n, _)| n == stream)
        {
            return Ok(f);
        }
    }
    Err(LogsError::no_stream())
}

fn output(l: StreamLine) -> OutputEvent {
    OutputEvent {
        timestamp: l.timestamp_ms,
        ingestion_time: l.timestamp_ms,
        message: l.message,
    }
}

fn get_events(service: &Service, region: &str, q: &GetLogEvents) -> Result<serde_json::Value> {
    let f = stream_owner(service, region, &q.group, &q.stream)?;
    let store = &service.store;
    let forward_from = match q.token {
        Some(StreamToken::Forward(o)) => Some(o),
        None if q.start_from_head => Some(0),
        _ => None,
    };
    let (events, fwd, back) = if let Some(from) = forward_from {
        let mut events = Vec::new();
        let mut bytes = 0;
        let mut pos = from;
        let mut first_start = None;
        let mut scanned = 0;
        'read: loop {
            let r = store
                .read_log_stream(&f, &q.stream, pos, q.start_time, SCAN_BUDGET - scanned)
                .map_err(store_err)?
                .ok_or_else(LogsError::no_stream)?;
            scanned += r.lines.last().map_or(0, |l| l.end.saturating_sub(pos));
            for l in r.lines {
                if events.len() >= q.limit || bytes + l.message.len() > ANSWER_BYTES {
                    break 'read;
                }
                pos = l.end;
                if q.in_time(l.timestamp_ms) {
                    first_start.get_or_insert(l.start);
                    bytes += l.message.len();
                    events.push(output(l));
                }
            }
            pos = pos.max(r.next);
            if r.at_end || scanned >= SCAN_BUDGET {
                break;
            }
        }
        let fwd = if pos == from {
            q.token
                .map_or_else(|| StreamToken::Forward(pos).encode(), |t| t.encode())
        } else {
            StreamToken::Forward(pos).encode()
        };
        let back = StreamToken::Backward(first_start.unwrap_or(from)).encode();
        (events, fwd, back)
    } else {
        let before = match q.token {
            Some(StreamToken::Backward(b)) => b,
            _ => u64::MAX,
        };
        let keep = |t: u64| q.in_time(t);
        let r = store
            .read_log_stream_back(
                &f,
                &q.stream,
                &Backward {
                    before,
                    max_lines: q.limit,
                    min_time_ms: q.start_time,
                    budget: SCAN_BUDGET,
                    keep: &keep,
                },
            )
            .map_err(store_err)?
            .ok_or_else(LogsError::no_stream)?;
        let mut lines = r.lines;
        // Within the answer's size: the newest lines are kept.
        let mut bytes = 0;
        let mut from = lines.len();
        while from > 0 && bytes + lines[from - 1].message.len() <= ANSWER_BYTES {
            from -= 1;
            bytes += lines[from].message.len();
        }
        let lines = lines.split_off(from);
        let stop = lines
            .first()
            .map_or(r.stop, |l| l.start.min(r.stop.max(l.start)));
        let back = match q.token {
            Some(t) if stop == before => t.encode(),
            _ => StreamToken::Backward(stop).encode(),
        };
        let fwd = StreamToken::Forward(lines.last().map_or(r.before, |l| l.end)).encode();
        (lines.into_iter().map(output).collect(), fwd, back)
    };
    Ok(json!({
        "events": events,
        "nextForwardToken": fwd,
        "nextBackwardToken": back,
    }))
}

/// One stream in a search.
struct Searched {
    key: String,
    name: String,
    buffered: VecDeque<StreamLine>,
    /// Where the stream goes on after what is consumed.
    pos: u64,
    /// After the buffered lines.
    next: u64,
    at_end: bool,
}

fn filter_events(
    service: &Service,
    region: &str,
    q: &FilterLogEvents,
) -> Result<serde_json::Value> {
    let store = &service.store;
    let fns = members(service, region, &q.group)?;
    let empty = FilterToken::default();
    let token = q.token.as_ref().unwrap_or(&empty);
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    for f in &fns {
        for (name, last_write) in store.log_stream_times(f).map_err(store_err)? {
            let key = format!("{f}\n{name}");
            let stale = q
                .start_time
                .is_some_and(|s| last_write.saturating_add(WRITE_SLACK_MS) < s);
            if q.wants_stream(&name) && (!stale || token.positions.contains_key(&key)) {
                wanted.push((key, f.clone(), name));
            }
        }
    }
    let per_stream = (SCAN_BUDGET / wanted.len().max(1) as u64).max(64 << 10);
    let mut streams = Vec::new();
    for (key, f, name) in wanted {
        let pos = token.positions.get(&key).copied().unwrap_or(0);
        let Some(r) = store
            .read_log_stream(&f, &name, pos, q.start_time, per_stream)
            .map_err(store_err)?
        else {
            continue;
        };
        streams.push(Searched {
            key,
            name,
            buffered: r.lines.into(),
            pos,
            next: r.next,
            at_end: r.at_end,
        });
    }
    let mut events = Vec::new();
    let mut bytes = 0;
    loop {
        if events.len() >= q.limit || bytes >= ANSWER_BYTES {
            break;
        }
        // A stream read only in part may hold earlier lines than the others' next: stop there.
        if streams.iter().any(|s| s.buffered.is_empty() && !s.at_end) {
            break;
        }
        let Some(i) = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.buffered.front().map(|l| (l.timestamp_ms, i)))
            .min()
            .map(|(_, i)| i)
        else {
            break;
        };
        let s = &mut streams[i];
        let Some(line) = s.buffered.pop_front() else {
            break;
        };
        s.pos = if s.buffered.is_empty() {
            s.next
        } else {
            line.end
        };
        if q.in_time(line.timestamp_ms) && q.pattern.matches(&line.message) {
            bytes += line.message.len();
            events.push(FilteredEvent {
                event_id: event_id(line.timestamp_ms, &s.key, line.start),
                log_stream_name: s.name.clone(),
                timestamp: line.timestamp_ms,
                ingestion_time: line.timestamp_ms,
                message: line.message,
            });
        }
    }
    let more = streams.iter().any(|s| !s.buffered.is_empty() || !s.at_end);
    let searched: Vec<SearchedStream> = streams
        .iter()
        .map(|s| SearchedStream {
            log_stream_name: s.name.clone(),
            searched_completely: s.buffered.is_empty() && s.at_end,
        })
        .collect();
    let mut v = json!({ "events": events, "searchedLogStreams": searched });
    if more {
        let next = FilterToken {
            positions: streams.into_iter().map(|s| (s.key, s.pos)).collect(),
        };
        v["nextToken"] = json!(next.encode());
    }
    Ok(v)
}

/// Applies retention and the size bound to every function's logs on this host.
fn sweep(service: &Service) {
    let store = &service.store;
    let default = service.config.log_retention_days;
    let policies: HashMap<(String, String), u32> = match records::loggroups::all(store) {
        Ok(p) => p.into_iter().map(|(r, g, d)| ((r, g), d)).collect(),
        Err(e) => {
            tracing::warn!("logs: retention policies: {e}");
            return;
        }
    };
    // Logs are kept per function name: the shortest retention of a name's functions (any region) applies.
    let mut days: HashMap<String, Option<u32>> = HashMap::new();
    match records::functions::everywhere(store) {
        Ok(fs) => {
            for f in fs {
                let c = &f.latest.config;
                let region = c.function_arn.split(':').nth(3).unwrap_or_default();
                let d = policies
                    .get(&(region.to_owned(), f.latest.config.log_group()))
                    .copied()
                    .or(default);
                let e = days.entry(c.function_name.clone()).or_insert(d);
                *e = match (*e, d) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    _ => None,
                };
            }
        }
        Err(e) => {
            tracing::warn!("logs: functions: {e}");
            return;
        }
    }
    let now = crate::time_fmt::now_ms();
    let names = match store.log_functions() {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("logs: {e}");
            return;
        }
    };
    for name in names {
        let d = days.get(&name).copied().unwrap_or(default);
        let cutoff = d.map(|d| now.saturating_sub(u64::from(d) * DAY_MS));
        match store.expire_logs(&name, cutoff) {
            Ok(0) => {}
            Ok(n) => tracing::info!("logs: removed {n} bytes of {name}'s old logs"),
            Err(e) => tracing::warn!("logs: expiring {name}'s logs: {e}"),
        }
    }
}

/// Bounds every function's logs (`--log-max-mb`) and applies retention at start and every 10 minutes.
pub(crate) fn start(service: &Arc<Service>) {
    service.store.set_log_limit(service.config.log_max_bytes);
    let service = service.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let s = service.clone();
            let _ = tokio::task::spawn_blocking(move || sweep(&s)).await;
        }
    });
}
