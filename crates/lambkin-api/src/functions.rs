//! Function operations: create, read, list, update, delete, versions, aliases, concurrency, tags, policy,
//! account settings; plus lambkin's code download and log endpoints.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::StatusCode;
use lambkin_store::{CodeBlob, Expect, Op, ZipError, ZipLimits};
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{
    AliasConfiguration, EnvironmentResponse, EphemeralStorage, FunctionConfiguration,
    FunctionLayer, FunctionRecord, LayerRecord, LayerUse, LoggingConfig, RoutingConfig,
    TracingConfig, VersionRecord,
};
use crate::names::{self, Arns, FunctionRef};
use crate::request::ApiRequest;
use crate::routes::Reply;
use crate::{time_fmt, Service};

/// Store tables.
pub(crate) const FUNCTIONS: &str = "functions";
pub(crate) const VERSIONS: &str = "versions";
pub(crate) const ALIASES: &str = "aliases";
pub(crate) const LAYERS: &str = "layers";

/// Largest unpacked code plus layers (AWS: 250 MB).
pub(crate) const MAX_UNPACKED: u64 = 262_144_000;

pub(crate) fn fkey(arns: &Arns, name: &str) -> String {
    format!("{}/{name}", arns.region)
}

pub(crate) fn vkey(arns: &Arns, name: &str, version: u64) -> String {
    format!("{}/{name}/{version:010}", arns.region)
}

fn akey(arns: &Arns, name: &str, alias: &str) -> String {
    format!("{}/{name}/{alias}", arns.region)
}

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

fn not_found_fn(arns: &Arns, name: &str) -> ApiError {
    ApiError::not_found(format!("Function not found: {}", arns.function(name)))
}

fn json_reply<T: serde::Serialize>(status: StatusCode, v: &T) -> ApiResult<Reply> {
    serde_json::to_value(v)
        .map(|v| Reply::Json(status, v))
        .map_err(|e| ApiError::service(format!("cannot encode the answer: {e}")))
}

/// Loads a function record and its store revision.
pub(crate) fn load(service: &Service, arns: &Arns, name: &str) -> ApiResult<(FunctionRecord, u64)> {
    let rec = service
        .store
        .get(FUNCTIONS, &fkey(arns, name))?
        .ok_or_else(|| not_found_fn(arns, name))?;
    Ok((rec.json()?, rec.revision))
}

/// A function version after resolving a qualifier.
pub(crate) struct Resolved {
    pub record: FunctionRecord,
    pub version: VersionRecord,
    /// The alias the qualifier named, if any.
    pub alias: Option<AliasConfiguration>,
}

/// Resolves `name[:qualifier]` to a version: `$LATEST`, a number, or an alias.
pub(crate) fn resolve(
    service: &Service,
    arns: &Arns,
    name: &str,
    qualifier: Option<&str>,
) -> ApiResult<Resolved> {
    let (record, _) = load(service, arns, name)?;
    let missing = || {
        ApiError::not_found(format!(
            "Function not found: {}",
            arns.qualified(name, qualifier.unwrap_or("$LATEST"))
        ))
    };
    match qualifier {
        None | Some("$LATEST") => Ok(Resolved {
            version: record.latest.clone(),
            record,
            alias: None,
        }),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u64 = q.parse().map_err(|_| missing())?;
            let version: VersionRecord = service
                .store
                .get(VERSIONS, &vkey(arns, name, n))?
                .ok_or_else(missing)?
                .json()?;
            Ok(Resolved {
                record,
                version,
                alias: None,
            })
        }
        Some(q) => {
            let alias: AliasConfiguration = service
                .store
                .get(ALIASES, &akey(arns, name, q))?
                .ok_or_else(missing)?
                .json()?;
            let version = if alias.function_version == "$LATEST" {
                record.latest.clone()
            } else {
                let n: u64 = alias.function_version.parse().map_err(|_| missing())?;
                service
                    .store
                    .get(VERSIONS, &vkey(arns, name, n))?
                    .ok_or_else(missing)?
                    .json()?
            };
            Ok(Resolved {
                record,
                version,
                alias: Some(alias),
            })
        }
    }
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
        let rec = if account == arns.account {
            service
                .store
                .get(LAYERS, &format!("{region}/{name}/{version:010}"))?
        } else {
            None
        };
        let Some(rec) = rec else {
            return Err(ApiError::invalid(format!(
                "Layer version {arn} does not exist."
            )));
        };
        let layer: LayerRecord = rec.json()?;
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
    if service.store.get(FUNCTIONS, &fkey(arns, &name))?.is_some() {
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
    let mut ops = Vec::new();
    let mut answer = latest.config.clone();
    if input.publish {
        let published = publish_record(arns, &record, 1, "");
        record.last_version = 1;
        ops.push(Op::put_json(
            VERSIONS,
            &vkey(arns, &name, 1),
            &published,
            Expect::Any,
        )?);
        answer = published.config;
        answer.function_arn = arns.qualified(&name, "1");
    }
    // Versions left from a deleted function of the same name go with it.
    ops.insert(
        0,
        Op::DeletePrefix {
            table: VERSIONS.into(),
            prefix: format!("{}/", fkey(arns, &name)),
        },
    );
    ops.insert(
        1,
        Op::DeletePrefix {
            table: ALIASES.into(),
            prefix: format!("{}/", fkey(arns, &name)),
        },
    );
    ops.insert(
        2,
        Op::put_json(FUNCTIONS, &fkey(arns, &name), &record, Expect::Absent)?,
    );
    match service.store.apply(ops) {
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
    let prefix = format!("{}/", req.arns.region);
    let after = marker.as_ref().map(|m| format!("{prefix}{m}"));
    let rows = service
        .store
        .list(FUNCTIONS, &prefix, after.as_deref(), max + 1)?;
    let more = rows.len() > max;
    let mut functions = Vec::new();
    let mut last = None;
    for (key, rec) in rows.into_iter().take(max) {
        let record: FunctionRecord = rec.json()?;
        let name = record.latest.config.function_name.clone();
        functions.push(serde_json::to_value(&record.latest.config).unwrap_or_default());
        if all {
            for (_, v) in service
                .store
                .list(VERSIONS, &format!("{key}/"), None, 100_000)?
            {
                let v: VersionRecord = v.json()?;
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

/// Applies a batch that changes a function, failing as Lambda does when a concurrent change got there first.
fn apply_change(service: &Service, arns: &Arns, name: &str, ops: Vec<Op>) -> ApiResult<()> {
    service.store.apply(ops).map_err(|e| match e {
        lambkin_store::StoreError::Conflict { .. } => ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {}",
            arns.function(name)
        )),
        e => e.into(),
    })
}

/// Writes `$LATEST` back, failing on a concurrent change.
fn save(service: &Service, arns: &Arns, record: &FunctionRecord, revision: u64) -> ApiResult<()> {
    let name = &record.latest.config.function_name;
    let put = Op::put_json(
        FUNCTIONS,
        &fkey(arns, name),
        record,
        Expect::Revision(revision),
    )?;
    apply_change(service, arns, name, vec![put])
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
        let ops = vec![
            Op::put_json(
                FUNCTIONS,
                &fkey(arns, &name),
                &record,
                Expect::Revision(rev),
            )?,
            Op::put_json(VERSIONS, &vkey(arns, &name, n), &v, Expect::Absent)?,
        ];
        apply_change(service, arns, &name, ops)?;
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
    let _guard = service.writes.lock().await;
    let (mut record, rev) = load(service, arns, &r.name)?;
    match q.as_deref() {
        None => {
            let prefix = format!("{}/", fkey(arns, &r.name));
            let mut ops = vec![
                Op::Delete {
                    table: FUNCTIONS.into(),
                    key: fkey(arns, &r.name),
                    expect: Expect::Revision(rev),
                },
                Op::DeletePrefix {
                    table: VERSIONS.into(),
                    prefix: prefix.clone(),
                },
                Op::DeletePrefix {
                    table: ALIASES.into(),
                    prefix: prefix.clone(),
                },
                Op::DeletePrefix {
                    table: crate::provisioned::PROVISIONED.into(),
                    prefix: prefix.clone(),
                },
                Op::DeletePrefix {
                    table: crate::eventconfig::EVENT_CONFIGS.into(),
                    prefix,
                },
            ];
            ops.extend(crate::urls::delete_all_ops(service, arns, &r.name)?);
            ops.extend(crate::records::events::drop_ops(
                &service.store,
                &arns.region,
                &r.name,
                None,
            )?);
            apply_change(service, arns, &r.name, ops)?;
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
            let key = vkey(arns, &r.name, n);
            if service.store.get(VERSIONS, &key)?.is_none() {
                return Err(ApiError::not_found(format!(
                    "Function not found: {}",
                    arns.qualified(&r.name, v)
                )));
            }
            for (_, a) in
                service
                    .store
                    .list(ALIASES, &format!("{}/", fkey(arns, &r.name)), None, 100_000)?
            {
                let a: AliasConfiguration = a.json()?;
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
            let version_key = format!("{}/{v}", fkey(arns, &r.name));
            let mut ops = vec![
                Op::Delete {
                    table: VERSIONS.into(),
                    key,
                    expect: Expect::Any,
                },
                Op::Delete {
                    table: crate::provisioned::PROVISIONED.into(),
                    key: version_key.clone(),
                    expect: Expect::Any,
                },
                Op::Delete {
                    table: crate::eventconfig::EVENT_CONFIGS.into(),
                    key: version_key,
                    expect: Expect::Any,
                },
            ];
            // The version's own resource policy: the statements that name it.
            let version_arn = arns.qualified(&r.name, v);
            let before = record.policy.len();
            record
                .policy
                .retain(|s| s["Resource"].as_str() != Some(version_arn.as_str()));
            if record.policy.len() != before {
                record.policy_revision = new_revision();
                ops.push(Op::put_json(
                    FUNCTIONS,
                    &fkey(arns, &r.name),
                    &record,
                    Expect::Revision(rev),
                )?);
            }
            ops.extend(crate::records::events::drop_ops(
                &service.store,
                &arns.region,
                &r.name,
                Some(v),
            )?);
            apply_change(service, arns, &r.name, ops)?;
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
        if let Some(last) = service
            .store
            .get(VERSIONS, &vkey(arns, &r.name, record.last_version))?
        {
            let last: VersionRecord = last.json()?;
            if same_as_published(&last, &record.latest) {
                return json_reply(StatusCode::CREATED, &last.config);
            }
        }
    }
    let n = record.last_version + 1;
    let v = publish_record(arns, &record, n, input.description.as_deref().unwrap_or(""));
    record.last_version = n;
    service.store.apply(vec![
        Op::put_json(
            FUNCTIONS,
            &fkey(arns, &r.name),
            &record,
            Expect::Revision(rev),
        )?,
        Op::put_json(VERSIONS, &vkey(arns, &r.name, n), &v, Expect::Absent)?,
    ])?;
    json_reply(StatusCode::CREATED, &v.config)
}

/// `ListVersionsByFunction`: `$LATEST`, then the published versions in order.
pub async fn list_versions(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let (max, marker) = req.page(50)?;
    let arns = &req.arns;
    let (record, _) = load(service, arns, &r.name)?;
    let mut all = vec![serde_json::to_value(&record.latest.config).unwrap_or_default()];
    for (_, v) in service.store.list(
        VERSIONS,
        &format!("{}/", fkey(arns, &r.name)),
        None,
        100_000,
    )? {
        let v: VersionRecord = v.json()?;
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
    service
        .store
        .get(VERSIONS, &vkey(arns, name, n))?
        .map(|_| ())
        .ok_or_else(missing)
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
    match service.store.apply(vec![Op::put_json(
        ALIASES,
        &akey(arns, &r.name, &alias),
        &config,
        Expect::Absent,
    )?]) {
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
    let rec = service
        .store
        .get(ALIASES, &akey(arns, name, alias))?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Cannot find alias arn: {}",
                arns.qualified(name, alias)
            ))
        })?;
    Ok((rec.json()?, rec.revision))
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
    let prefix = format!("{}/", fkey(arns, &r.name));
    let after = marker.map(|m| format!("{prefix}{m}"));
    let filter = req.query("FunctionVersion");
    let mut out = Vec::new();
    let mut next = None;
    for (_, rec) in service
        .store
        .list(ALIASES, &prefix, after.as_deref(), 100_000)?
    {
        let a: AliasConfiguration = rec.json()?;
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
    service.store.apply(vec![Op::put_json(
        ALIASES,
        &akey(arns, &r.name, alias),
        &a,
        Expect::Revision(rev),
    )?])?;
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
    service.store.apply(vec![Op::Delete {
        table: ALIASES.into(),
        key: akey(arns, &r.name, alias),
        expect: Expect::Any,
    }])?;
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
    for (_, rec) in service
        .store
        .list(FUNCTIONS, &format!("{}/", arns.region), None, 1_000_000)?
    {
        let f: FunctionRecord = rec.json()?;
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
    for (key, rec) in
        service
            .store
            .list(FUNCTIONS, &format!("{}/", req.arns.region), None, 1_000_000)?
    {
        let f: FunctionRecord = rec.json()?;
        count += 1;
        code += f.latest.config.code_size;
        reserved += u64::from(f.reserved_concurrency.unwrap_or(0));
        for (_, v) in service
            .store
            .list(VERSIONS, &format!("{key}/"), None, 100_000)?
        {
            let v: VersionRecord = v.json()?;
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
