//! Function operations: create, read, list, update, delete, versions, aliases, concurrency, tags, policy,
//! account settings; plus lambkin's code download and log endpoints.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::StatusCode;
use lambkin_store::{CodeBlob, ZipError, ZipLimits};
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{
    AliasConfiguration, EnvironmentResponse, EphemeralStorage, FunctionConfiguration,
    FunctionLayer, FunctionRecord, LayerUse, LoggingConfig, RoutingConfig, TracingConfig,
    VersionRecord,
};
use crate::names::{self, Arns, FunctionRef};
use crate::reply::{json_reply, Reply};
use crate::request::ApiRequest;
use crate::resolve::{load, resolve, Resolved};
use crate::{records, time_fmt, Service};

/// Largest unpacked code plus layers (AWS: 250 MB).
pub(crate) const MAX_UNPACKED: u64 = 262_144_000;

/// The architecture of this host, in Lambda's words.
pub(crate) fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    }
}

fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn parse_ref(service: &Service, raw: &str) -> ApiResult<FunctionRef> {
    names::parse_function(raw, &service.config.account_id)
}

// ---------------------------------------------------------------------------------------------------------
// Validation

fn range_error(field: &str, value: i64, min: i64, max: i64) -> Option<ApiError> {
    if value < min {
        Some(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        )))
    } else if value > max {
        Some(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )))
    } else {
        None
    }
}

fn check_architectures(archs: &[String]) -> ApiResult<()> {
    if archs.len() > 1 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '[{}]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
            archs.join(", ")
        )));
    }
    for a in archs {
        if a != "x86_64" && a != "arm64" {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '[{a}]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]"
            )));
        }
        if a != host_architecture() {
            return Err(ApiError::invalid(format!(
                "Architecture {a} is not available on this lambkin server: functions run on the host's own architecture, {}. Build the function for {} (or omit Architectures).",
                host_architecture(),
                host_architecture()
            )));
        }
    }
    Ok(())
}

fn check_env(vars: &BTreeMap<String, String>) -> ApiResult<()> {
    let mut size = 0;
    for (k, v) in vars {
        let ok = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+] (key {k:?})"
            )));
        }
        if lambkin_init::env::is_reserved(k) {
            return Err(ApiError::invalid(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {k}"
            )));
        }
        size += k.len() + v.len();
    }
    if size > 4096 {
        return Err(ApiError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {size} bytes"
        )));
    }
    Ok(())
}

fn zip_error(e: ZipError) -> ApiError {
    match e {
        ZipError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            format!("{e}"),
        ),
        ZipError::Io(_) | ZipError::Store(_) => ApiError::service(format!("{e}")),
        other => ApiError::invalid(format!("{other}")),
    }
}

/// Decodes a base64 zip from the request member `field` (`Code.ZipFile`, `Content.ZipFile`, …).
pub(crate) fn decode_zip(b64: &str, field: &str) -> ApiResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| ApiError::invalid(format!("{field} must be the zip's bytes, base64-encoded")))
}

/// Validates, stores and unpacks a zip (content-addressed), off the async threads.
pub(crate) async fn store_zip(service: &Service, zip: Vec<u8>) -> ApiResult<CodeBlob> {
    let store = service.store.clone();
    tokio::task::spawn_blocking(move || store.put_zip(&zip, &ZipLimits::default()))
        .await
        .map_err(|e| ApiError::service(format!("unzip task failed: {e}")))?
        .map_err(zip_error)
}

fn resolve_layers(service: &Service, arns: &Arns, list: &[String]) -> ApiResult<Vec<LayerUse>> {
    if list.len() > 5 {
        return Err(ApiError::invalid("Cannot reference more than 5 layers."));
    }
    let mut out = Vec::new();
    for arn in list {
        let Some((region, account, name, version)) = names::parse_layer_version_arn(arn) else {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+]"
            )));
        };
        let layer = if account == arns.account {
            records::layers::get(&service.store, &region, &name, version)?
        } else {
            None
        };
        let Some(layer) = layer else {
            return Err(ApiError::invalid(format!(
                "Layer version {arn} does not exist."
            )));
        };
        out.push(LayerUse {
            arn: arn.clone(),
            sha256_hex: layer.sha256_hex,
            code_size: layer.version.content.code_size,
            unpacked_size: layer.unpacked_size,
        });
    }
    Ok(out)
}

fn check_total_size(code: u64, layers: &[LayerUse]) -> ApiResult<()> {
    let total = code + layers.iter().map(|l| l.unpacked_size).sum::<u64>();
    if total > MAX_UNPACKED {
        return Err(ApiError::invalid(format!(
            "Function code combined with layers exceeds the maximum allowed size of {MAX_UNPACKED} bytes. The actual size is {total} bytes."
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Create / read / list

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CodeInput {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    code: Option<CodeInput>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    #[serde(default)]
    publish: bool,
    environment: Option<crate::model::Environment>,
    layers: Option<Vec<String>>,
    architectures: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralStorageInput>,
    package_type: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    tracing_config: Option<TracingInput>,
    logging_config: Option<LoggingConfig>,
    dead_letter_config: Option<serde_json::Value>,
    #[serde(rename = "KMSKeyArn")]
    kms_key_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EphemeralStorageInput {
    size: i64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TracingInput {
    mode: Option<String>,
}

fn required<'a>(v: &'a Option<String>, field: &str) -> ApiResult<&'a str> {
    v.as_deref().ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn check_sizes(
    memory: Option<i64>,
    timeout: Option<i64>,
    ephemeral: Option<&EphemeralStorageInput>,
) -> ApiResult<()> {
    if let Some(e) = memory.and_then(|m| range_error("memorySize", m, 128, 10_240)) {
        return Err(e);
    }
    if let Some(e) = timeout.and_then(|t| range_error("timeout", t, 1, 900)) {
        return Err(e);
    }
    if let Some(e) =
        ephemeral.and_then(|s| range_error("ephemeralStorage.size", s.size, 512, 10_240))
    {
        return Err(e);
    }
    Ok(())
}

/// Validates `LoggingConfig` (laid over the `current` one on an update: only the fields given change) and
/// fills Lambda's defaults: `Text`, the function's log group, and for `JSON` the `INFO` application and system
/// levels. Levels are for the JSON format only.
fn logging(
    input: Option<LoggingConfig>,
    name: &str,
    current: Option<&LoggingConfig>,
) -> ApiResult<LoggingConfig> {
    let input = input.unwrap_or_default();
    let levels_given = input.application_log_level.is_some() || input.system_log_level.is_some();
    let mut l = match current {
        None => input,
        Some(cur) => LoggingConfig {
            log_format: input.log_format.or_else(|| cur.log_format.clone()),
            application_log_level: input
                .application_log_level
                .or_else(|| cur.application_log_level.clone()),
            system_log_level: input
                .system_log_level
                .or_else(|| cur.system_log_level.clone()),
            log_group: input.log_group.or_else(|| cur.log_group.clone()),
        },
    };
    let one_of = |value: &Option<String>, field: &str, allowed: &[&str]| {
        match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at 'loggingConfig.{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
    };
    one_of(&l.log_format, "logFormat", &["JSON", "Text"])?;
    one_of(
        &l.application_log_level,
        "applicationLogLevel",
        &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
    )?;
    one_of(
        &l.system_log_level,
        "systemLogLevel",
        &["DEBUG", "INFO", "WARN"],
    )?;
    let json = l.log_format.as_deref() == Some("JSON");
    if !json {
        if levels_given {
            return Err(ApiError::invalid(
                "ApplicationLogLevel and SystemLogLevel can be set only when LogFormat is JSON.",
            ));
        }
        l.application_log_level = None;
        l.system_log_level = None;
    }
    if l.log_format.is_none() {
        l.log_format = Some("Text".into());
    }
    if json {
        l.application_log_level.get_or_insert_with(|| "INFO".into());
        l.system_log_level.get_or_insert_with(|| "INFO".into());
    }
    if l.log_group.is_none() {
        l.log_group = Some(format!("/aws/lambda/{name}"));
    }
    Ok(l)
}

/// `CreateFunction`.
pub async fn create(service: &Service, req: &ApiRequest) -> ApiResult<Reply> {
    let input: CreateInput = req.json()?;
    let raw_name = required(&input.function_name, "functionName")?;
    let name = names::function_name_for_create(raw_name, &service.config.account_id)?;
    let role = required(&input.role, "role")?.to_owned();
    check_sizes(
        input.memory_size,
        input.timeout,
        input.ephemeral_storage.as_ref(),
    )?;
    if input.package_type.as_deref() == Some("Image")
        || input.code.as_ref().is_some_and(|c| c.image_uri.is_some())
    {
        return Err(ApiError::invalid(
            "PackageType Image is not supported by lambkin yet: deploy the function as a .zip (PackageType Zip) with a provided.al2023 bootstrap.",
        ));
    }
    if let Some(p) = input.package_type.as_deref().filter(|p| *p != "Zip") {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{p}' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]"
        )));
    }
    let (Some(runtime), Some(handler)) = (input.runtime.clone(), input.handler.clone()) else {
        return Err(ApiError::invalid(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        ));
    };
    crate::runtimes::check(service, &runtime).await?;
    check_architectures(input.architectures.as_deref().unwrap_or(&[]))?;
    let vars = input
        .environment
        .clone()
        .map(|e| e.variables)
        .unwrap_or_default();
    check_env(&vars)?;
    let code = input.code.unwrap_or_default();
    if code.s3_bucket.is_some() {
        return Err(ApiError::invalid(
            "lambkin has no S3: upload the code as Code.ZipFile (aws lambda create-function --zip-file fileb://function.zip).",
        ));
    }
    let Some(zip_b64) = code.zip_file.as_deref() else {
        return Err(ApiError::invalid(
            "Please provide a source for function code: Code.ZipFile.",
        ));
    };
    let arns = &req.arns;
    // Cheap conflict check before unpacking; the batch below re-checks atomically.
    if records::functions::exists(&service.store, &arns.region, &name)? {
        return Err(ApiError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let layers = resolve_layers(service, arns, input.layers.as_deref().unwrap_or(&[]))?;
    let blob = store_zip(service, decode_zip(zip_b64, "Code.ZipFile")?).await?;
    check_total_size(blob.unpacked_size, &layers)?;
    let config = FunctionConfiguration {
        function_name: name.clone(),
        function_arn: arns.function(&name),
        runtime: Some(runtime),
        role,
        handler: Some(handler),
        code_size: blob.size,
        description: input.description.unwrap_or_default(),
        timeout: input.timeout.unwrap_or(3) as u32,
        memory_size: input.memory_size.unwrap_or(128) as u32,
        last_modified: time_fmt::now(),
        code_sha256: blob.code_sha256.clone(),
        version: "$LATEST".into(),
        environment: input.environment.map(|e| EnvironmentResponse {
            variables: e.variables,
        }),
        tracing_config: TracingConfig {
            mode: input
                .tracing_config
                .and_then(|t| t.mode)
                .unwrap_or_else(|| "PassThrough".into()),
        },
        revision_id: new_revision(),
        layers: layers
            .iter()
            .map(|l| FunctionLayer {
                arn: l.arn.clone(),
                code_size: l.code_size,
            })
            .collect(),
        state: "Active".into(),
        state_reason: None,
        state_reason_code: None,
        last_update_status: "Successful".into(),
        last_update_status_reason: None,
        last_update_status_reason_code: None,
        package_type: "Zip".into(),
        architectures: vec![host_architecture().into()],
        ephemeral_storage: EphemeralStorage {
            size: input
                .ephemeral_storage
                .map(|e| e.size as u32)
                .unwrap_or(512),
        },
        snap_start: json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
        logging_config: logging(input.logging_config, &name, None)?,
        dead_letter_config: input.dead_letter_config,
        kms_key_arn: input.kms_key_arn,
    };
    let latest = VersionRecord {
        config,
        code_hex: blob.sha256_hex.clone(),
        unpacked_size: blob.unpacked_size,
        layers,
    };
    let mut record = FunctionRecord {
        latest: latest.clone(),
        tags: input.tags.unwrap_or_default(),
        reserved_concurrency: None,
        policy: Vec::new(),
        policy_revision: new_revision(),
        last_version: 0,
        incarnation: uuid::Uuid::new_v4().to_string(),
    };
    let mut answer = latest.config.clone();
    let mut published = None;
    if input.publish {
        let v = publish_record(arns, &record, 1, "");
        record.last_version = 1;
        answer = v.config.clone();
        answer.function_arn = arns.qualified(&name, "1");
        published = Some(v);
    }
    match records::functions::create(&service.store, &arns.region, &record, published.as_ref()) {
        Ok(()) => {}
        Err(lambkin_store::StoreError::Conflict { .. }) => {
            return Err(ApiError::conflict(format!(
                "Function already exist: {name}"
            )))
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!("created function {name} ({} bytes of code)", blob.size);
    if let Some(rt) = &answer.runtime {
        crate::runtimes::prefetch(service, rt);
    }
    // As AWS answers: the function is still being created (the waiters then see Active).
    answer.state = "Pending".into();
    answer.state_reason = Some("The function is being created.".into());
    answer.state_reason_code = Some("Creating".into());
    json_reply(StatusCode::CREATED, &answer)
}

fn publish_record(
    arns: &Arns,
    record: &FunctionRecord,
    n: u64,
    description: &str,
) -> VersionRecord {
    let mut v = record.latest.clone();
    v.config.version = n.to_string();
    v.config.function_arn = arns.qualified(&v.config.function_name, &n.to_string());
    v.config.revision_id = new_revision();
    v.config.last_modified = time_fmt::now();
    if !description.is_empty() {
        v.config.description = description.to_owned();
    }
    v.config.state = "Active".into();
    v.config.last_update_status = "Successful".into();
    v
}

fn code_location(req: &ApiRequest, hex: &str) -> String {
    format!("{}/lambkin/v1/code/{hex}", req.base_url)
}

/// `GetFunction`.
pub async fn get(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let res = resolve(service, &req.arns, &r.name, q.as_deref())?;
    let mut out = json!({
        "Configuration": config_for(service, &res, &req.arns),
        "Code": {"RepositoryType": "S3", "Location": code_location(req, &res.version.code_hex)},
    });
    if q.is_none() || q.as_deref() == Some("$LATEST") || res.alias.is_none() {
        out["Tags"] = json!(res.record.tags);
    }
    if let Some(n) = res.record.reserved_concurrency {
        out["Concurrency"] = json!({"ReservedConcurrentExecutions": n});
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// The configuration answered for a resolved version (an alias answers with the alias's ARN).
fn config_for(service: &Service, res: &Resolved, arns: &Arns) -> FunctionConfiguration {
    let mut c = res.version.config.clone();
    if let Some(a) = &res.alias {
        c.function_arn = arns.qualified(&c.function_name, &a.name);
    }
    crate::runtimes::overlay_state(service, &mut c);
    c
}

/// `GetFunctionConfiguration`.
pub async fn get_configuration(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let res = resolve(service, &req.arns, &r.name, q.as_deref())?;
    json_reply(StatusCode::OK, &config_for(service, &res, &req.arns))
}

/// `ListFunctions` (`FunctionVersion=ALL` lists published versions too).
pub async fn list(service: &Service, req: &ApiRequest) -> ApiResult<Reply> {
    let (max, marker) = req.page(50)?;
    let all = req.query("FunctionVersion") == Some("ALL");
    let region = &req.arns.region;
    let rows = records::functions::list(&service.store, region, marker.as_deref(), max + 1)?;
    let more = rows.len() > max;
    let mut functions = Vec::new();
    let mut last = None;
    for record in rows.into_iter().take(max) {
        let name = record.latest.config.function_name.clone();
        functions.push(serde_json::to_value(&record.latest.config).unwrap_or_default());
        if all {
            for v in records::versions::list(&service.store, region, &name)? {
                functions.push(serde_json::to_value(&v.config).unwrap_or_default());
            }
        }
        last = Some(name);
    }
    let mut out = json!({ "Functions": functions });
    if more {
        if let Some(l) = last {
            out["NextMarker"] = json!(l);
        }
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

// ---------------------------------------------------------------------------------------------------------
// Updates

fn check_revision(given: Option<&str>, current: &str) -> ApiResult<()> {
    match given {
        Some(g) if g != current => Err(ApiError::precondition()),
        _ => Ok(()),
    }
}

fn in_progress(mut c: FunctionConfiguration) -> FunctionConfiguration {
    c.last_update_status = "InProgress".into();
    c.last_update_status_reason = Some("The function is being created.".into());
    c.last_update_status_reason_code = Some("Creating".into());
    c
}

/// A change to a function's records, failing as Lambda does when a concurrent change got there first.
fn change(arns: &Arns, name: &str, result: Result<(), lambkin_store::StoreError>) -> ApiResult<()> {
    result.map_err(|e| match e {
        lambkin_store::StoreError::Conflict { .. } => ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {}",
            arns.function(name)
        )),
        e => e.into(),
    })
}

/// Writes `$LATEST` back, failing on a concurrent change.
fn save(service: &Service, arns: &Arns, record: &FunctionRecord, revision: u64) -> ApiResult<()> {
    change(
        arns,
        &record.latest.config.function_name,
        records::functions::save(&service.store, &arns.region, record, revision),
    )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeInput {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
    #[serde(default)]
    publish: bool,
    #[serde(default)]
    dry_run: bool,
    revision_id: Option<String>,
    architectures: Option<Vec<String>>,
}

/// `UpdateFunctionCode`.
pub async fn update_code(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: UpdateCodeInput = req.json()?;
    if input.image_uri.is_some() {
        return Err(ApiError::invalid(
            "Please don't provide ImageUri when updating a function with packageType Zip.",
        ));
    }
    if input.s3_bucket.is_some() {
        return Err(ApiError::invalid(
            "lambkin has no S3: upload the code as ZipFile.",
        ));
    }
    let Some(zip_b64) = input.zip_file.as_deref() else {
        return Err(ApiError::invalid(
            "Please provide a source for function code: ZipFile.",
        ));
    };
    check_architectures(input.architectures.as_deref().unwrap_or(&[]))?;
    let blob = store_zip(service, decode_zip(zip_b64, "Code.ZipFile")?).await?;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &r.name)?;
    check_revision(
        input.revision_id.as_deref(),
        &record.latest.config.revision_id,
    )?;
    check_total_size(blob.unpacked_size, &record.latest.layers)?;
    if input.dry_run {
        let mut c = record.latest.config.clone();
        c.code_sha256 = blob.code_sha256;
        c.code_size = blob.size;
        return json_reply(StatusCode::OK, &c);
    }
    let l = &mut record.latest;
    l.code_hex = blob.sha256_hex;
    l.unpacked_size = blob.unpacked_size;
    l.config.code_sha256 = blob.code_sha256;
    l.config.code_size = blob.size;
    l.config.last_modified = time_fmt::now();
    l.config.revision_id = new_revision();
    let answer = finish_update(service, req, record, rev, input.publish)?;
    json_reply(StatusCode::OK, &answer)
}

/// Saves `$LATEST`, publishes when asked, drains old environments; returns the answer.
fn finish_update(
    service: &Service,
    req: &ApiRequest,
    mut record: FunctionRecord,
    rev: u64,
    publish: bool,
) -> ApiResult<FunctionConfiguration> {
    let arns = &req.arns;
    let name = record.latest.config.function_name.clone();
    let answer = if publish {
        let n = record.last_version + 1;
        let v = publish_record(arns, &record, n, "");
        record.last_version = n;
        change(
            arns,
            &name,
            records::functions::save_and_publish(&service.store, &arns.region, &record, rev, n, &v),
        )?;
        v.config
    } else {
        save(service, arns, &record, rev)?;
        record.latest.config.clone()
    };
    // Environments of the old code or configuration finish what they are doing and are replaced.
    service.engine.drain(&name, Some("$LATEST"));
    Ok(in_progress(answer))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateConfigInput {
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<crate::model::Environment>,
    runtime: Option<String>,
    layers: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralStorageInput>,
    revision_id: Option<String>,
    tracing_config: Option<TracingInput>,
    logging_config: Option<LoggingConfig>,
    dead_letter_config: Option<serde_json::Value>,
    #[serde(rename = "KMSKeyArn")]
    kms_key_arn: Option<String>,
}

/// `UpdateFunctionConfiguration`.
pub async fn update_configuration(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: UpdateConfigInput = req.json()?;
    check_sizes(
        input.memory_size,
        input.timeout,
        input.ephemeral_storage.as_ref(),
    )?;
    if let Some(rt) = &input.runtime {
        crate::runtimes::check(service, rt).await?;
    }
    if let Some(e) = &input.environment {
        check_env(&e.variables)?;
    }
    let layers = match &input.layers {
        Some(l) => Some(resolve_layers(service, &req.arns, l)?),
        None => None,
    };
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &r.name)?;
    check_revision(
        input.revision_id.as_deref(),
        &record.latest.config.revision_id,
    )?;
    let l = &mut record.latest;
    if let Some(layers) = layers {
        check_total_size(l.unpacked_size, &layers)?;
        l.config.layers = layers
            .iter()
            .map(|x| FunctionLayer {
                arn: x.arn.clone(),
                code_size: x.code_size,
            })
            .collect();
        l.layers = layers;
    }
    let c = &mut l.config;
    if let Some(v) = input.role {
        c.role = v;
    }
    if let Some(v) = input.handler {
        c.handler = Some(v);
    }
    if let Some(v) = input.description {
        c.description = v;
    }
    if let Some(v) = input.timeout {
        c.timeout = v as u32;
    }
    if let Some(v) = input.memory_size {
        c.memory_size = v as u32;
    }
    if let Some(v) = input.environment {
        c.environment = Some(EnvironmentResponse {
            variables: v.variables,
        });
    }
    if let Some(v) = input.runtime {
        c.runtime = Some(v);
    }
    if let Some(v) = input.ephemeral_storage {
        c.ephemeral_storage = EphemeralStorage {
            size: v.size as u32,
        };
    }
    if let Some(v) = input.tracing_config.and_then(|t| t.mode) {
        c.tracing_config = TracingConfig { mode: v };
    }
    if let Some(v) = input.logging_config {
        c.logging_config = logging(Some(v), &c.function_name, Some(&c.logging_config))?;
    }
    if let Some(v) = input.dead_letter_config {
        c.dead_letter_config = Some(v);
    }
    if let Some(v) = input.kms_key_arn {
        c.kms_key_arn = Some(v);
    }
    c.last_modified = time_fmt::now();
    c.revision_id = new_revision();
    let answer = finish_update(service, req, record, rev, false)?;
    if let Some(rt) = &answer.runtime {
        crate::runtimes::prefetch(service, rt);
    }
    json_reply(StatusCode::OK, &answer)
}

/// `DeleteFunction` (the whole function, or one published version with `Qualifier`).
///
/// The whole function goes with everything it owns, in one atomic batch: `$LATEST` (with its concurrency,
/// policy and tags), its versions, aliases, URL configurations of every qualifier (and their URL ids),
/// event-invoke and provisioned-concurrency configurations, its queued asynchronous events and its dead
/// letters. Queued events are dropped, as Lambda drops them: none is delivered, not even to a function created
/// later under the same name (an event also carries the incarnation of the function it was accepted for).
/// A version goes with its event-invoke and provisioned-concurrency configurations, the policy statements
/// naming it and its queued events; a version an alias references cannot be deleted.
pub async fn delete(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let arns = &req.arns;
    let store = &service.store;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, arns, &r.name)?;
    match q.as_deref() {
        None => {
            change(
                arns,
                &r.name,
                records::functions::delete(store, &arns.region, &r.name, rev),
            )?;
            service.queue.forget(&arns.region, &r.name, None);
            service.engine.drain(&r.name, None);
            tracing::info!("deleted function {}", r.name);
        }
        Some("$LATEST") => {
            return Err(ApiError::invalid(
                "$LATEST version cannot be deleted without deleting the function.",
            ))
        }
        Some(v) => {
            let n: u64 = v.parse().map_err(|_| {
                ApiError::invalid(format!(
                    "Deletion of aliases is not supported by DeleteFunction: use DeleteAlias ({v})."
                ))
            })?;
            if !records::versions::exists(store, &arns.region, &r.name, n)? {
                return Err(ApiError::not_found(format!(
                    "Function not found: {}",
                    arns.qualified(&r.name, v)
                )));
            }
            for a in records::aliases::list(store, &arns.region, &r.name, None)? {
                if a.function_version == v
                    || a.routing_config
                        .as_ref()
                        .is_some_and(|rc| rc.additional_version_weights.contains_key(v))
                {
                    return Err(ApiError::conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        a.name
                    )));
                }
            }
            // The version's own resource policy: the statements that name it.
            let version_arn = arns.qualified(&r.name, v);
            let before = record.policy.len();
            record
                .policy
                .retain(|s| s["Resource"].as_str() != Some(version_arn.as_str()));
            let updated = if record.policy.len() != before {
                record.policy_revision = new_revision();
                Some((&record, rev))
            } else {
                None
            };
            change(
                arns,
                &r.name,
                records::functions::delete_version(store, &arns.region, &r.name, n, updated),
            )?;
            service.queue.forget(&arns.region, &r.name, Some(v));
            service.engine.drain(&r.name, Some(v));
        }
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

// ---------------------------------------------------------------------------------------------------------
// Versions

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PublishInput {
    code_sha256: Option<String>,
    description: Option<String>,
    revision_id: Option<String>,
}

fn same_as_published(a: &VersionRecord, b: &VersionRecord) -> bool {
    let strip = |v: &VersionRecord| {
        let mut c = v.config.clone();
        c.version = String::new();
        c.function_arn = String::new();
        c.revision_id = String::new();
        c.last_modified = String::new();
        c.description = String::new();
        c.state_reason = None;
        (c, v.code_hex.clone(), v.layers.clone())
    };
    strip(a) == strip(b)
}

/// `PublishVersion`: a snapshot of `$LATEST`; publishing an unchanged function returns the last version.
pub async fn publish_version(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: PublishInput = req.json()?;
    let arns = &req.arns;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, arns, &r.name)?;
    if let Some(sha) = &input.code_sha256 {
        if *sha != record.latest.config.code_sha256 {
            return Err(ApiError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                record.latest.config.code_sha256
            )));
        }
    }
    check_revision(
        input.revision_id.as_deref(),
        &record.latest.config.revision_id,
    )?;
    if record.last_version > 0 {
        if let Some(last) =
            records::versions::get(&service.store, &arns.region, &r.name, record.last_version)?
        {
            if same_as_published(&last, &record.latest) {
                return json_reply(StatusCode::CREATED, &last.config);
            }
        }
    }
    let n = record.last_version + 1;
    let v = publish_record(arns, &record, n, input.description.as_deref().unwrap_or(""));
    record.last_version = n;
    records::functions::save_and_publish(&service.store, &arns.region, &record, rev, n, &v)?;
    json_reply(StatusCode::CREATED, &v.config)
}

/// `ListVersionsByFunction`: `$LATEST`, then the published versions in order.
pub async fn list_versions(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (max, marker) = req.page(50)?;
    let arns = &req.arns;
    let (record, _) = load(service, arns, &r.name)?;
    let mut all = vec![serde_json::to_value(&record.latest.config).unwrap_or_default()];
    for v in records::versions::list(&service.store, &arns.region, &r.name)? {
        all.push(serde_json::to_value(&v.config).unwrap_or_default());
    }
    let start = marker
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let page: Vec<_> = all.iter().skip(start).take(max).cloned().collect();
    let mut out = json!({ "Versions": page });
    if start + max < all.len() {
        out["NextMarker"] = json!((start + max).to_string());
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

// ---------------------------------------------------------------------------------------------------------
// Aliases

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AliasInput {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingConfig>,
    revision_id: Option<String>,
}

fn check_alias_name(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.bytes().all(|b| b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )))
    }
}

fn check_version_exists(
    service: &Service,
    arns: &Arns,
    name: &str,
    version: &str,
) -> ApiResult<()> {
    if version == "$LATEST" {
        return Ok(());
    }
    let missing = || {
        ApiError::not_found(format!(
            "Function not found: {}",
            arns.qualified(name, version)
        ))
    };
    let n: u64 = version.parse().map_err(|_| missing())?;
    if records::versions::exists(&service.store, &arns.region, name, n)? {
        Ok(())
    } else {
        Err(missing())
    }
}

fn check_routing(
    service: &Service,
    arns: &Arns,
    name: &str,
    primary: &str,
    rc: &RoutingConfig,
) -> ApiResult<()> {
    if rc.additional_version_weights.len() > 1 {
        return Err(ApiError::invalid(
            "Number of additional versions must be less than or equal to 1.",
        ));
    }
    for (v, w) in &rc.additional_version_weights {
        if !(0.0..=1.0).contains(w) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{w}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
            )));
        }
        if v == primary {
            return Err(ApiError::invalid(
                "Invalid function version. Function version cannot be the same as the primary version of an alias.",
            ));
        }
        if v == "$LATEST" || primary == "$LATEST" {
            return Err(ApiError::invalid(
                "$LATEST is not supported for an alias pointing to more than 1 version",
            ));
        }
        check_version_exists(service, arns, name, v)?;
    }
    Ok(())
}

/// `CreateAlias`.
pub async fn create_alias(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: AliasInput = req.json()?;
    let alias = required(&input.name, "name")?.to_owned();
    let version = required(&input.function_version, "functionVersion")?.to_owned();
    check_alias_name(&alias)?;
    let arns = &req.arns;
    let _guard = service.writes.lock().await;
    load(service, arns, &r.name)?;
    check_version_exists(service, arns, &r.name, &version)?;
    if let Some(rc) = &input.routing_config {
        check_routing(service, arns, &r.name, &version, rc)?;
    }
    let config = AliasConfiguration {
        alias_arn: arns.qualified(&r.name, &alias),
        name: alias.clone(),
        function_version: version,
        description: input.description.unwrap_or_default(),
        revision_id: new_revision(),
        routing_config: input.routing_config,
    };
    match records::aliases::create(&service.store, &arns.region, &r.name, &config) {
        Ok(()) => json_reply(StatusCode::CREATED, &config),
        Err(lambkin_store::StoreError::Conflict { .. }) => Err(ApiError::conflict(format!(
            "Alias already exists: {}",
            config.alias_arn
        ))),
        Err(e) => Err(e.into()),
    }
}

fn load_alias(
    service: &Service,
    arns: &Arns,
    name: &str,
    alias: &str,
) -> ApiResult<(AliasConfiguration, u64)> {
    load(service, arns, name)?;
    records::aliases::get(&service.store, &arns.region, name, alias)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "Cannot find alias arn: {}",
            arns.qualified(name, alias)
        ))
    })
}

/// `GetAlias`.
pub async fn get_alias(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (a, _) = load_alias(service, &req.arns, &r.name, alias)?;
    json_reply(StatusCode::OK, &a)
}

/// `ListAliases` (optionally only those pointing at `FunctionVersion`).
pub async fn list_aliases(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (max, marker) = req.page(50)?;
    let arns = &req.arns;
    load(service, arns, &r.name)?;
    let filter = req.query("FunctionVersion");
    let mut out = Vec::new();
    let mut next = None;
    for a in records::aliases::list(&service.store, &arns.region, &r.name, marker.as_deref())? {
        if filter.is_some_and(|f| f != a.function_version) {
            continue;
        }
        if out.len() == max {
            next = out
                .last()
                .and_then(|v: &serde_json::Value| v.get("Name").cloned());
            break;
        }
        out.push(serde_json::to_value(&a).unwrap_or_default());
    }
    let mut body = json!({ "Aliases": out });
    if let Some(n) = next {
        body["NextMarker"] = n;
    }
    Ok(Reply::Json(StatusCode::OK, body))
}

/// `UpdateAlias`.
pub async fn update_alias(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: AliasInput = req.json()?;
    let arns = &req.arns;
    let _guard = service.writes.lock().await;
    let (mut a, rev) = load_alias(service, arns, &r.name, alias)?;
    check_revision(input.revision_id.as_deref(), &a.revision_id)?;
    if let Some(v) = input.function_version {
        check_version_exists(service, arns, &r.name, &v)?;
        a.function_version = v;
    }
    if let Some(d) = input.description {
        a.description = d;
    }
    if let Some(rc) = input.routing_config {
        check_routing(service, arns, &r.name, &a.function_version, &rc)?;
        a.routing_config = if rc.additional_version_weights.is_empty() {
            None
        } else {
            Some(rc)
        };
    }
    a.revision_id = new_revision();
    records::aliases::update(&service.store, &arns.region, &r.name, &a, rev)?;
    json_reply(StatusCode::OK, &a)
}

/// `DeleteAlias`.
pub async fn delete_alias(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let arns = &req.arns;
    load(service, arns, &r.name)?;
    records::aliases::delete(&service.store, &arns.region, &r.name, alias)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

// ---------------------------------------------------------------------------------------------------------
// Concurrency, tags, policy, account

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyInput {
    reserved_concurrent_executions: Option<i64>,
}

fn reserved_total(service: &Service, arns: &Arns, except: &str) -> ApiResult<u64> {
    let mut total = 0;
    for f in records::functions::all(&service.store, &arns.region)? {
        if f.latest.config.function_name != except {
            total += u64::from(f.reserved_concurrency.unwrap_or(0));
        }
    }
    Ok(total)
}

/// `PutFunctionConcurrency`.
pub async fn put_concurrency(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let input: ConcurrencyInput = req.json()?;
    let Some(n) = input.reserved_concurrent_executions else {
        return Err(ApiError::validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null"));
    };
    if n < 0 {
        return Err(range_error("reservedConcurrentExecutions", n, 0, i64::MAX)
            .unwrap_or_else(|| ApiError::invalid("bad value")));
    }
    let arns = &req.arns;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, arns, &r.name)?;
    let limit = u64::from(service.config.concurrency_limit);
    let others = reserved_total(service, arns, &r.name)?;
    if others + n as u64 + 100 > limit {
        return Err(ApiError::invalid("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."));
    }
    record.reserved_concurrency = Some(n as u32);
    save(service, arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"ReservedConcurrentExecutions": n}),
    ))
}

/// `GetFunctionConcurrency`.
pub async fn get_concurrency(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (record, _) = load(service, &req.arns, &r.name)?;
    Ok(Reply::Json(
        StatusCode::OK,
        match record.reserved_concurrency {
            Some(n) => json!({"ReservedConcurrentExecutions": n}),
            None => json!({}),
        },
    ))
}

/// `DeleteFunctionConcurrency`.
pub async fn delete_concurrency(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &r.name)?;
    record.reserved_concurrency = None;
    save(service, &req.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

fn tag_target(service: &Service, raw: &str) -> ApiResult<String> {
    let r = parse_ref(service, raw)?;
    if !raw.starts_with("arn:") {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function|code-signing-config|event-source-mapping|capacity-provider):.*"
        )));
    }
    if r.qualifier.is_some() {
        return Err(ApiError::invalid(
            "Tags are not supported on function versions or aliases: use the unqualified function ARN.",
        ));
    }
    Ok(r.name)
}

/// `ListTags`.
pub async fn list_tags(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let name = tag_target(service, raw)?;
    let (record, _) = load(service, &req.arns, &name)?;
    Ok(Reply::Json(StatusCode::OK, json!({"Tags": record.tags})))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    tags: Option<BTreeMap<String, String>>,
}

/// `TagResource`.
pub async fn tag(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let name = tag_target(service, raw)?;
    let input: TagInput = req.json()?;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &name)?;
    record.tags.extend(input.tags.unwrap_or_default());
    if record.tags.len() > 50 {
        return Err(ApiError::invalid("A function can have at most 50 tags."));
    }
    save(service, &req.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `UntagResource`.
pub async fn untag(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let name = tag_target(service, raw)?;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &name)?;
    for (k, v) in &req.query {
        if k == "tagKeys" {
            record.tags.remove(v);
        }
    }
    save(service, &req.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PermissionInput {
    statement_id: Option<String>,
    action: Option<String>,
    principal: Option<String>,
    source_arn: Option<String>,
    source_account: Option<String>,
    event_source_token: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    principal_org_id: Option<String>,
    function_url_auth_type: Option<String>,
    revision_id: Option<String>,
}

/// `AddPermission`: stored and returned (lambkin does not evaluate resource policies).
pub async fn add_permission(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let input: PermissionInput = req.json()?;
    let sid = required(&input.statement_id, "statementId")?.to_owned();
    let action = required(&input.action, "action")?.to_owned();
    let principal = required(&input.principal, "principal")?.to_owned();
    let arns = &req.arns;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, arns, &r.name)?;
    if let Some(q) = q.as_deref() {
        resolve(service, arns, &r.name, Some(q))?;
    }
    check_revision(input.revision_id.as_deref(), &record.policy_revision)?;
    if record.policy.iter().any(|s| s["Sid"] == sid.as_str()) {
        return Err(ApiError::conflict(
            "The statement id (sid) provided already exists. Please choose a new statement id, or remove the existing statement.",
        ));
    }
    let principal_json = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") {
        json!({"Service": principal})
    } else if principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({"AWS": format!("arn:aws:iam::{principal}:root")})
    } else {
        json!({"AWS": principal})
    };
    let resource = match &q {
        Some(q) => arns.qualified(&r.name, q),
        None => arns.function(&r.name),
    };
    let mut condition = serde_json::Map::new();
    if let Some(a) = input.source_arn {
        condition.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
    }
    let mut eq = serde_json::Map::new();
    if let Some(a) = input.source_account {
        eq.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(t) = input.event_source_token {
        eq.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if let Some(o) = input.principal_org_id {
        eq.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(u) = input.function_url_auth_type {
        eq.insert("lambda:FunctionUrlAuthType".into(), json!(u));
    }
    if !eq.is_empty() {
        condition.insert("StringEquals".into(), serde_json::Value::Object(eq));
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": action,
        "Resource": resource,
    });
    if !condition.is_empty() {
        statement["Condition"] = serde_json::Value::Object(condition);
    }
    record.policy.push(statement.clone());
    record.policy_revision = new_revision();
    save(service, arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"Statement": statement.to_string()}),
    ))
}

/// `GetPolicy`.
pub async fn get_policy(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (record, _) = load(service, &req.arns, &r.name)?;
    if record.policy.is_empty() {
        return Err(ApiError::not_found(
            "The resource you requested does not exist.",
        ));
    }
    let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": record.policy});
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": policy.to_string(), "RevisionId": record.policy_revision}),
    ))
}

/// `RemovePermission`.
pub async fn remove_permission(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    sid: &str,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, &req.arns, &r.name)?;
    check_revision(req.query("RevisionId"), &record.policy_revision)?;
    let before = record.policy.len();
    record.policy.retain(|s| s["Sid"] != sid);
    if record.policy.len() == before {
        return Err(ApiError::not_found(format!(
            "Statement {sid} is not found in resource policy."
        )));
    }
    record.policy_revision = new_revision();
    save(service, &req.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GetAccountSettings`.
pub async fn account_settings(service: &Service, req: &ApiRequest) -> ApiResult<Reply> {
    let mut count = 0u64;
    let mut code = 0u64;
    let mut reserved = 0u64;
    let region = &req.arns.region;
    for f in records::functions::all(&service.store, region)? {
        count += 1;
        code += f.latest.config.code_size;
        reserved += u64::from(f.reserved_concurrency.unwrap_or(0));
        for v in records::versions::list(&service.store, region, &f.latest.config.function_name)? {
            code += v.config.code_size;
        }
    }
    let limit = u64::from(service.config.concurrency_limit);
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800u64,
                "CodeSizeUnzipped": MAX_UNPACKED,
                "CodeSizeZipped": 52_428_800u64,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit.saturating_sub(reserved),
            },
            "AccountUsage": {"TotalCodeSize": code, "FunctionCount": count},
        }),
    ))
}

// ---------------------------------------------------------------------------------------------------------
// lambkin's own endpoints

/// `GET /lambkin/v1/code/{sha256}`: a stored zip (GetFunction's `Code.Location`).
pub async fn download(service: &Service, hex: &str) -> ApiResult<Reply> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("No such code."));
    }
    let bytes = service
        .store
        .read_zip(hex)
        .map_err(|_| ApiError::not_found("No such code."))?;
    let mut r = http::Response::new(lambkin_respond::full(bytes));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/zip"),
    );
    Ok(Reply::Raw(r))
}

/// `GET /lambkin/v1/functions/{name}/logs?since=MS&cursor=C&limit=N`: log lines of every environment of
/// the function, in time order, with a cursor to follow new ones.
pub async fn logs(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let since: u64 = req.query("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = req
        .query("limit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 10_000);
    let cursor: lambkin_store::LogCursor = match req.query("cursor").filter(|c| !c.is_empty()) {
        None => Default::default(),
        Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| ApiError::invalid("cursor: not a cursor this server returned"))?,
    };
    let (events, next) = service.store.read_logs(&r.name, since, &cursor, limit)?;
    let next = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&next).unwrap_or_default());
    let events: Vec<_> = events
        .into_iter()
        .map(|e| json!({"timestamp": e.timestamp_ms, "logStreamName": e.stream, "message": e.message}))
        .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"events": events, "nextCursor": next}),
    ))
}
