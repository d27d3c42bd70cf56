//! Event source mappings: `Create`/`Get`/`List`/`Update`/`DeleteEventSourceMapping` with Lambda's checks,
//! shapes and states. A change answers `202` with the state it starts (`Creating`, `Updating`, `Enabling`,
//! `Disabling`, `Deleting`); the pollers (`esm.rs`) carry it out and move the mapping on (`Enabled`,
//! `Disabled`, gone). lambkin reads Amazon SQS (and SQS-compatible servers) and NATS JetStream streams
//! (`arn:aws:nats:<region>:<account>:stream/<name>`); other sources are refused with a specific error.

use http::StatusCode;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::operation::{EventSourceMappingInput, Page};
use crate::records::mappings::{self, MappingRecord};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::resolve;
use crate::time_fmt::now_ms;

use super::common::{parse_ref, too_many, MAX_TAGS};

/// The sources lambkin reads, by the ARN's service.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sqs { fifo: bool },
    Nats,
}

impl Kind {
    fn of(arn: &str) -> ApiResult<Kind> {
        let service = arn.split(':').nth(2).unwrap_or("");
        let kind = match service {
            "sqs" => Kind::Sqs {
                fifo: arn.ends_with(".fifo"),
            },
            "nats" => Kind::Nats,
            "kinesis" | "dynamodb" | "kafka" | "mq" | "rds" | "docdb" => {
                return Err(ApiError::invalid(format!(
                    "lambkin does not support {} event sources: it reads Amazon SQS queues (and SQS-compatible servers) and NATS JetStream streams (arn:aws:nats:<region>:<account>:stream/<name>).",
                    match service {
                        "kinesis" => "Amazon Kinesis",
                        "dynamodb" => "Amazon DynamoDB Streams",
                        "kafka" => "Amazon MSK",
                        "mq" => "Amazon MQ",
                        _ => "Amazon DocumentDB",
                    }
                )))
            }
            _ => return Err(ApiError::invalid("Unrecognized event source.")),
        };
        if lambkin_sources::Source::parse(arn, None).is_none() {
            return Err(ApiError::invalid(match kind {
                Kind::Nats => format!("Invalid NATS event source ARN {arn}: expected arn:aws:nats:<region>:<account>:stream/<stream name>."),
                Kind::Sqs { .. } => format!("Invalid SQS queue ARN {arn}: expected arn:aws:sqs:<region>:<account>:<queue name>."),
            }));
        }
        Ok(kind)
    }

    fn is_stream(self) -> bool {
        self == Kind::Nats
    }

    fn default_batch(self) -> u32 {
        match self {
            Kind::Sqs { .. } => 10,
            Kind::Nats => 100,
        }
    }
}

fn unsupported(member: &str) -> ApiError {
    ApiError::invalid(format!(
        "Unsupported {member} parameter for given event source mapping type."
    ))
}

/// Refuses the first member given (`true`) of `members`, as Lambda refuses members of another kind of source.
fn refuse_given(members: &[(&str, bool)]) -> ApiResult<()> {
    match members.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(unsupported(name)),
        None => Ok(()),
    }
}

/// The mapping's ARN.
fn arn_of(m: &MappingRecord) -> String {
    format!(
        "arn:aws:lambda:{}:{}:event-source-mapping:{}",
        m.region, m.account, m.uuid
    )
}

/// A mapping as Lambda answers it.
pub(crate) fn shape(m: &MappingRecord) -> Value {
    let kind = Kind::of(&m.event_source_arn).unwrap_or(Kind::Sqs { fifo: false });
    let mut v = json!({
        "UUID": m.uuid,
        "BatchSize": m.batch_size,
        "MaximumBatchingWindowInSeconds": m.window_secs,
        "EventSourceArn": m.event_source_arn,
        "FunctionArn": m.function_arn,
        "LastModified": m.last_modified_ms as f64 / 1000.0,
        "State": m.state,
        "StateTransitionReason": m.state_reason,
        "FunctionResponseTypes": m.response_types,
        "EventSourceMappingArn": arn_of(m),
    });
    if let Some(f) = &m.filters {
        v["FilterCriteria"] =
            json!({"Filters": f.iter().map(|p| json!({"Pattern": p})).collect::<Vec<_>>()});
    }
    if let Some(c) = m.max_concurrency {
        v["ScalingConfig"] = json!({"MaximumConcurrency": c});
    }
    if kind.is_stream() {
        v["StartingPosition"] = json!(m.starting_position);
        if let Some(t) = m.starting_position_timestamp {
            v["StartingPositionTimestamp"] = json!(t);
        }
        v["ParallelizationFactor"] = json!(m.parallelization.unwrap_or(1));
        v["MaximumRetryAttempts"] = json!(m.max_retries.unwrap_or(-1));
        v["MaximumRecordAgeInSeconds"] = json!(m.max_record_age.unwrap_or(-1));
        v["BisectBatchOnFunctionError"] = json!(m.bisect.unwrap_or(false));
        v["TumblingWindowInSeconds"] = json!(0);
        v["DestinationConfig"] = match &m.on_failure {
            Some(d) => json!({"OnFailure": {"Destination": d}}),
            None => json!({"OnFailure": {}}),
        };
        v["LastProcessingResult"] =
            json!(m.last_result.as_deref().unwrap_or("No records processed"));
    }
    for (k, val) in &m.kept {
        v[k] = val.clone();
    }
    v
}

/// The function a mapping names, resolved: (name, qualifier, ARN as the mapping shows it).
fn function_of(ctx: &Ctx, raw: &str) -> ApiResult<(String, Option<String>, String)> {
    let r = parse_ref(&ctx.service, raw)?;
    if resolve(&ctx.service, &ctx.arns, &r.name, r.qualifier.as_deref()).is_err() {
        return Err(ApiError::invalid("Function does not exist"));
    }
    let arn = match &r.qualifier {
        Some(q) => ctx.arns.qualified(&r.name, q),
        None => ctx.arns.function(&r.name),
    };
    Ok((r.name, r.qualifier, arn))
}

/// The patterns of a `FilterCriteria`, checked with Lambda's filter language.
fn filters_of(input: &crate::operation::FilterCriteria) -> ApiResult<Vec<String>> {
    let patterns: Vec<String> = input
        .filters
        .iter()
        .flatten()
        .map(|f| f.pattern.clone().unwrap_or_default())
        .collect();
    if patterns.iter().any(String::is_empty) {
        return Err(ApiError::invalid(lambkin_filter::INVALID_PATTERN));
    }
    lambkin_filter::Filters::parse(patterns.iter().map(String::as_str)).map_err(|e| {
        if e.exception() == "ValidationException" {
            ApiError::validation(e.to_string())
        } else {
            ApiError::invalid(e.to_string())
        }
    })?;
    Ok(patterns)
}

/// Applies an input's settings to a mapping, with Lambda's checks for its kind of source.
fn apply(m: &mut MappingRecord, input: &EventSourceMappingInput, kind: Kind) -> ApiResult<()> {
    if let Some(d) = &input.destination_config {
        if d.on_success.destination.is_some() || !kind.is_stream() {
            return Err(unsupported("DestinationConfig"));
        }
        m.on_failure = match d.on_failure.destination.as_deref() {
            None | Some("") => None,
            Some(arn) => {
                let service = arn.split(':').nth(2).unwrap_or("");
                if !["sqs", "sns", "s3", "events", "lambda"].contains(&service) {
                    return Err(ApiError::invalid(format!(
                        "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination={arn})) is invalid."
                    )));
                }
                Some(arn.to_owned())
            }
        };
    }
    if !kind.is_stream() {
        refuse_given(&[
            (
                "MaximumRetryAttempts",
                input.maximum_retry_attempts.is_some(),
            ),
            (
                "MaximumRecordAgeInSeconds",
                input.maximum_record_age_in_seconds.is_some(),
            ),
            (
                "ParallelizationFactor",
                input.parallelization_factor.is_some(),
            ),
            (
                "BisectBatchOnFunctionError",
                input.bisect_batch_on_function_error.is_some(),
            ),
            (
                "TumblingWindowInSeconds",
                input.tumbling_window_in_seconds.is_some(),
            ),
            ("StartingPosition", input.starting_position.is_some()),
        ])?;
    } else {
        if input.tumbling_window_in_seconds.is_some_and(|t| t > 0) {
            return Err(ApiError::invalid(
                "lambkin does not support tumbling windows (TumblingWindowInSeconds) yet.",
            ));
        }
        if input.bisect_batch_on_function_error == Some(true) {
            return Err(ApiError::invalid(
                "lambkin does not support BisectBatchOnFunctionError yet: a failed batch is retried whole (report failed records with ReportBatchItemFailures instead).",
            ));
        }
        if let Some(r) = input.maximum_record_age_in_seconds {
            if r != -1 && r < 60 {
                return Err(ApiError::invalid(
                    "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.",
                ));
            }
            m.max_record_age = Some(r);
        }
        if let Some(r) = input.maximum_retry_attempts {
            m.max_retries = Some(r);
        }
        if let Some(p) = input.parallelization_factor {
            m.parallelization = Some(p);
        }
        if let Some(b) = input.bisect_batch_on_function_error {
            m.bisect = Some(b);
        }
    }
    if input.scaling_config.is_some() && kind.is_stream() {
        return Err(unsupported("ScalingConfig"));
    }
    if let Some(b) = input.batch_size {
        m.batch_size = b;
    }
    if let Some(w) = input.maximum_batching_window_in_seconds {
        m.window_secs = w;
    }
    if let Kind::Sqs { fifo } = kind {
        if fifo && m.batch_size > 10 {
            return Err(ApiError::invalid(
                "Batch size must not exceed 10 for FIFO queues",
            ));
        }
        if m.batch_size > 10 && m.window_secs == 0 {
            return Err(ApiError::invalid(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
            ));
        }
    }
    if let Some(f) = &input.filter_criteria {
        let patterns = filters_of(f)?;
        // `FilterCriteria: {}` or no filters removes them.
        m.filters = (!patterns.is_empty()).then_some(patterns);
    }
    if let Some(t) = &input.function_response_types {
        m.response_types = t.clone();
    }
    if let Some(s) = &input.scaling_config {
        m.max_concurrency = s.maximum_concurrency;
    }
    for (k, v) in [
        ("KMSKeyArn", input.kms_key_arn.clone().map(Value::String)),
        ("MetricsConfig", input.metrics_config.clone()),
        ("LoggingConfig", input.logging_config.clone()),
    ] {
        if let Some(v) = v {
            m.kept.insert(k.to_owned(), v);
        }
    }
    Ok(())
}

/// Refuses what lambkin cannot read: Kafka (self-managed or MSK), MQ, DocumentDB settings.
fn refuse_beyond(input: &EventSourceMappingInput) -> ApiResult<()> {
    if input.self_managed_event_source.is_some()
        || input.self_managed_kafka_event_source_config.is_some()
        || input.amazon_managed_kafka_event_source_config.is_some()
    {
        return Err(ApiError::invalid(
            "lambkin does not support Apache Kafka event sources (SelfManagedEventSource, Amazon MSK) yet: no Kafka broker can be run in its tests, so this source is not offered rather than offered untested. Use an Amazon SQS queue or a NATS JetStream stream (arn:aws:nats:<region>:<account>:stream/<name>).",
        ));
    }
    refuse_given(&[
        ("Queues", input.queues.is_some()),
        ("Topics", input.topics.is_some()),
        (
            "SourceAccessConfigurations",
            input.source_access_configurations.is_some(),
        ),
        (
            "DocumentDBEventSourceConfig",
            input.document_d_b_event_source_config.is_some(),
        ),
        (
            "ProvisionedPollerConfig",
            input.provisioned_poller_config.is_some(),
        ),
    ])
}

/// `CreateEventSourceMapping`.
pub(crate) async fn create(ctx: &Ctx, input: EventSourceMappingInput) -> ApiResult<Reply> {
    refuse_beyond(&input)?;
    let Some(source) = input.event_source_arn.clone() else {
        return Err(ApiError::invalid("Unrecognized event source."));
    };
    let kind = Kind::of(&source)?;
    let (function, qualifier, function_arn) =
        function_of(ctx, input.function_name.as_deref().unwrap_or(""))?;
    if kind.is_stream() {
        match input.starting_position.as_deref() {
            None => {
                return Err(ApiError::invalid(
                    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
                ))
            }
            Some("AT_TIMESTAMP") if input.starting_position_timestamp.is_none() => {
                return Err(ApiError::invalid(
                    "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.",
                ))
            }
            _ => {}
        }
    }
    if let Some(src) = lambkin_sources::Source::parse(&source, None) {
        ctx.service
            .mappings
            .check(&src)
            .await
            .map_err(ApiError::invalid)?;
    }
    let now = now_ms();
    let mut m = MappingRecord {
        uuid: uuid::Uuid::new_v4().to_string(),
        region: ctx.arns.region.clone(),
        account: ctx.arns.account.clone(),
        function,
        qualifier,
        function_arn,
        event_source_arn: source.clone(),
        batch_size: kind.default_batch(),
        window_secs: 0,
        enabled: input.enabled.unwrap_or(true),
        // Lambda answers a mapping made disabled as `Disabled` at once.
        state: if input.enabled == Some(false) {
            "Disabled"
        } else {
            "Creating"
        }
        .into(),
        state_reason: "USER_INITIATED".into(),
        last_modified_ms: now,
        last_result: None,
        response_types: Vec::new(),
        filters: None,
        max_concurrency: None,
        on_failure: None,
        starting_position: input.starting_position.clone(),
        starting_position_timestamp: input.starting_position_timestamp,
        max_retries: None,
        max_record_age: None,
        parallelization: None,
        bisect: None,
        kept: serde_json::Map::new(),
        tags: input.tags.clone().unwrap_or_default(),
        generation: 1,
    };
    if kind.is_stream() {
        m.state_reason = "User action".into();
    }
    if m.tags.len() > MAX_TAGS {
        return Err(too_many());
    }
    apply(&mut m, &input, kind)?;
    let _guard = ctx.service.writes.lock().await;
    for other in mappings::list(&ctx.service.store, &ctx.arns.region)? {
        if other.event_source_arn == source && other.function_arn == m.function_arn {
            return Err(ApiError::conflict(match kind {
                Kind::Sqs { .. } => format!(
                    "An event source mapping with SQS arn (\" {source} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {}",
                    m.function, other.uuid
                ),
                Kind::Nats => format!(
                    "The event source arn (\" {source} \") and function (\" {} \") provided mapping already exists. Please update or delete the existing mapping with UUID {}",
                    m.function, other.uuid
                ),
            }));
        }
    }
    mappings::create(&ctx.service.store, &m)?;
    ctx.service.mappings.changed();
    Ok(Reply::Json(StatusCode::ACCEPTED, shape(&m)))
}

/// The mapping `uuid` of the caller's region, or Lambda's 404.
fn load(ctx: &Ctx, uuid: &str) -> ApiResult<(MappingRecord, u64)> {
    mappings::get(&ctx.service.store, &ctx.arns.region, uuid)?
        .ok_or_else(|| ApiError::not_found("The resource you requested does not exist."))
}

/// `GetEventSourceMapping`.
pub(crate) async fn get(ctx: &Ctx, uuid: &str) -> ApiResult<Reply> {
    let (m, _) = load(ctx, uuid)?;
    Ok(Reply::Json(
        StatusCode::OK,
        shape(&ctx.service.mappings.current(m)),
    ))
}

/// `ListEventSourceMappings`, optionally of one function and one source, in pages.
pub(crate) async fn list(
    ctx: &Ctx,
    page: Page,
    function: Option<&str>,
    source: Option<&str>,
) -> ApiResult<Reply> {
    let (max, marker) = page?;
    let function = match function {
        // A function that does not exist has no mappings: an empty list, as on Lambda.
        Some(f) => {
            let r = parse_ref(&ctx.service, f)?;
            Some((r.name, r.qualifier))
        }
        None => None,
    };
    let mut out = Vec::new();
    let mut next = None;
    for m in mappings::list(&ctx.service.store, &ctx.arns.region)? {
        if marker
            .as_deref()
            .is_some_and(|after| m.uuid.as_str() <= after)
        {
            continue;
        }
        if let Some((name, q)) = &function {
            // A function's name lists the mappings of all its versions and aliases; a qualified one its own.
            if &m.function != name || (q.is_some() && &m.qualifier != q) {
                continue;
            }
        }
        if source.is_some_and(|s| s != m.event_source_arn) {
            continue;
        }
        if out.len() == max {
            next = out.last().and_then(|v: &Value| v.get("UUID").cloned());
            break;
        }
        out.push(shape(&ctx.service.mappings.current(m)));
    }
    let mut body = json!({"EventSourceMappings": out});
    if let Some(n) = next {
        body["NextMarker"] = n;
    }
    Ok(Reply::Json(StatusCode::OK, body))
}

/// `UpdateEventSourceMapping`.
pub(crate) async fn update(
    ctx: &Ctx,
    uuid: &str,
    input: EventSourceMappingInput,
) -> ApiResult<Reply> {
    refuse_beyond(&input)?;
    if input.event_source_arn.is_some() {
        return Err(unsupported("EventSourceArn"));
    }
    if input.starting_position.is_some() || input.starting_position_timestamp.is_some() {
        return Err(unsupported("StartingPosition"));
    }
    let m = change(ctx, uuid, |m| {
        if m.state == "Deleting" {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ResourceInUseException",
                format!(
                    "Cannot update the event source mapping {uuid} because it is being deleted."
                ),
            ));
        }
        let kind = Kind::of(&m.event_source_arn)?;
        if let Some(f) = input.function_name.as_deref() {
            let (function, qualifier, arn) = function_of(ctx, f)?;
            m.function = function;
            m.qualifier = qualifier;
            m.function_arn = arn;
        }
        apply(m, &input, kind)?;
        let was_enabled = m.enabled;
        if let Some(e) = input.enabled {
            m.enabled = e;
        }
        m.state = match (was_enabled, m.enabled) {
            (true, false) => "Disabling",
            (false, true) => "Enabling",
            _ => "Updating",
        }
        .into();
        m.state_reason = if kind.is_stream() {
            "User action".into()
        } else {
            "USER_INITIATED".into()
        };
        m.last_modified_ms = now_ms();
        m.generation += 1;
        Ok(())
    })
    .await?;
    Ok(Reply::Json(StatusCode::ACCEPTED, shape(&m)))
}

/// `DeleteEventSourceMapping`: answers the mapping `Deleting`; the pollers stop and then remove it.
pub(crate) async fn delete(ctx: &Ctx, uuid: &str) -> ApiResult<Reply> {
    let m = change(ctx, uuid, |m| {
        m.state = "Deleting".into();
        m.last_modified_ms = now_ms();
        m.generation += 1;
        Ok(())
    })
    .await?;
    Ok(Reply::Json(StatusCode::ACCEPTED, shape(&m)))
}

/// Makes a user's change to a stored mapping and tells the pollers. The reconciler writes a mapping's
/// state and last result concurrently (without the API's write lock, and from other hosts in a cluster),
/// so a write that lost the race is made again on the new revision, as the user asked it of that one.
async fn change(
    ctx: &Ctx,
    uuid: &str,
    mut edit: impl FnMut(&mut MappingRecord) -> ApiResult<()>,
) -> ApiResult<MappingRecord> {
    const ATTEMPTS: usize = 8;
    let _guard = ctx.service.writes.lock().await;
    for _ in 0..ATTEMPTS {
        let (mut m, rev) = load(ctx, uuid)?;
        edit(&mut m)?;
        match mappings::update(&ctx.service.store, &m, rev) {
            Ok(()) => {
                ctx.service.mappings.changed();
                return Ok(m);
            }
            Err(lambkin_store::StoreError::Conflict { .. }) => tokio::task::yield_now().await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "ResourceInUseException",
        format!("The operation cannot be performed at this time. The event source mapping {uuid} is being changed."),
    ))
}

/// The tags of a mapping by its ARN (`ListTags`, `TagResource`, `UntagResource`).
pub(crate) async fn retag(
    ctx: &Ctx,
    arn: &str,
    change: impl FnOnce(&mut std::collections::BTreeMap<String, String>) -> ApiResult<()>,
) -> ApiResult<std::collections::BTreeMap<String, String>> {
    let not_found = || ApiError::not_found(format!("Event source mapping not found: {arn}"));
    let uuid = arn.rsplit(':').next().ok_or_else(not_found)?;
    let (m, _) = mappings::get(&ctx.service.store, &ctx.arns.region, uuid)?
        .filter(|(m, _)| arn_of(m) == arn)
        .ok_or_else(not_found)?;
    // Only the API changes tags, under its write lock: the new set is made once and written over
    // whatever revision of the state the reconciler left.
    let mut tags = m.tags.clone();
    change(&mut tags)?;
    if tags == m.tags {
        return Ok(tags);
    }
    let m = self::change(ctx, uuid, |m| {
        m.tags = tags.clone();
        Ok(())
    })
    .await?;
    Ok(m.tags)
}
