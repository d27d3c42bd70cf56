//! Functions: `CreateFunction`, `GetFunction`, `GetFunctionConfiguration`, `ListFunctions`,
//! `UpdateFunctionConfiguration`, `DeleteFunction` (the function with everything it owns, or one version).

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{
    AliasConfiguration, EnvironmentResponse, EphemeralStorage, FunctionConfiguration,
    FunctionLayer, FunctionRecord, SnapStartResponse, TracingConfig, VersionRecord,
};
use crate::names::{self, Arns, FunctionRef};
use crate::operation::{Body, CreateFunctionInput, Page, Qualified, UpdateConfigInput};
use crate::records::per_qualifier;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve, Resolved};
use crate::service::Service;
use crate::{records, time_fmt};

use super::code::{check_total_size, code_location, resolve_layers};
use super::common::{change, load_current, new_revision, parse_qualified, required};
use super::settings::{self, Request, Settings};
use super::source;
use super::validate::{architectures, check_env, logging};
use super::versions::{finish_update, publish_record};

/// `CreateFunction`.
pub(crate) async fn create(ctx: &Ctx, input: Body<CreateFunctionInput>) -> ApiResult<Reply> {
    let input = input?;
    let raw_name = required(&input.function_name, "functionName")?;
    let name = names::function_name_for_create(raw_name, &ctx.service.config.account_id)?;
    let role = required(&input.role, "role")?.to_owned();
    super::unsupported::refuse_beyond(&input.beyond)?;
    if input
        .tags
        .as_ref()
        .is_some_and(|t| t.len() > super::tags::MAX_TAGS)
    {
        return Err(super::tags::too_many());
    }
    let image_uri = crate::images::create_uri(
        input.package_type.as_deref(),
        input.code.as_ref().and_then(|c| c.image_uri.as_deref()),
    )?;
    let (runtime, handler) = match &image_uri {
        Some(_) => {
            crate::images::check_create(
                input.runtime.as_deref(),
                input.handler.as_deref(),
                input.layers.as_deref(),
            )?;
            crate::images::check_isolation(&ctx.service)?;
            (None, None)
        }
        None => {
            let (Some(runtime), Some(handler)) = (input.runtime.clone(), input.handler.clone())
            else {
                return Err(ApiError::invalid(
                    "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
                ));
            };
            crate::runtimes::check(&ctx.service, &runtime).await?;
            (Some(runtime), Some(handler))
        }
    };
    if image_uri.is_none() && input.image_config.is_some() {
        return Err(ApiError::invalid(
            "ImageConfig is only supported for functions with PackageType Image.",
        ));
    }
    let settings = settings::apply(
        &ctx.service,
        &ctx.arns.region,
        runtime.as_deref().unwrap_or_default(),
        Settings::new_function(),
        input.settings,
        Request::Create,
    )?;
    let architectures = architectures(&name, input.architectures.as_deref());
    let vars = input
        .environment
        .clone()
        .map(|e| e.variables)
        .unwrap_or_default();
    check_env(&vars)?;
    let code = input.code.unwrap_or_default();
    let source_kms_key_arn = code.source_kms_key_arn.clone();
    let src = match image_uri {
        Some(_) => None,
        None => Some(source::function_source(source::Members {
            zip_file: &code.zip_file,
            s3_bucket: &code.s3_bucket,
            s3_key: &code.s3_key,
            s3_object_version: &code.s3_object_version,
        })?),
    };
    let arns = &ctx.arns;
    // Cheap conflict check before unpacking; the batch below re-checks atomically.
    if records::functions::exists(&ctx.service.store, &arns.region, &name)? {
        return Err(ApiError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let layers = resolve_layers(&ctx.service, arns, input.layers.as_deref().unwrap_or(&[]))?;
    let signing =
        super::codesigning::check_create(ctx, &name, input.code_signing_config_arn.as_deref())?;
    let blob = match src {
        Some(src) => {
            let blob = source::store(&ctx.service, src, "Code.ZipFile").await?;
            check_total_size(blob.unpacked_size, &layers)?;
            Some(blob)
        }
        None => None,
    };
    let (code_size, code_sha256) = blob
        .as_ref()
        .map(|b| (b.size, b.code_sha256.clone()))
        .unwrap_or_default();
    let mut config = FunctionConfiguration {
        function_name: name.clone(),
        function_arn: arns.function(&name),
        runtime,
        role,
        handler,
        code_size,
        description: input.description.unwrap_or_default(),
        timeout: input.timeout.unwrap_or(3) as u32,
        memory_size: input.memory_size.unwrap_or(128) as u32,
        last_modified: time_fmt::now(),
        code_sha256,
        version: "$LATEST".into(),
        // As given, even empty (AWS answers `Environment: {Variables: {}}` to a create that sent it: LocalStack's
        // recorded test_function_lifecycle); an update that empties the variables removes it.
        environment: input.environment.map(|e| EnvironmentResponse {
            variables: e.variables,
        }),
        tracing_config: TracingConfig {
            mode: "PassThrough".into(),
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
        package_type: if image_uri.is_some() { "Image" } else { "Zip" }.into(),
        architectures,
        ephemeral_storage: EphemeralStorage {
            size: input
                .ephemeral_storage
                .map(|e| e.size as u32)
                .unwrap_or(512),
        },
        snap_start: SnapStartResponse::default(),
        logging_config: logging(input.logging_config, &name, None)?,
        dead_letter_config: None,
        kms_key_arn: None,
        vpc_config: None,
        file_system_configs: Vec::new(),
        image_config_response: crate::images::image_config(input.image_config),
        durable_config: super::durable::config_for_create(
            input.durable_config,
            ctx.service.cluster.is_some(),
        )?,
    };
    settings.put(&mut config);
    if image_uri.is_some() {
        // Pending until the image is pulled (`images::settle`).
        config.state = "Pending".into();
        config.state_reason = Some(crate::images::CREATING.into());
        config.state_reason_code = Some("Creating".into());
    }
    let mut latest = VersionRecord {
        config,
        code_hex: blob
            .as_ref()
            .map(|b| b.sha256_hex.clone())
            .unwrap_or_default(),
        unpacked_size: blob.as_ref().map_or(0, |b| b.unpacked_size),
        layers,
        image: image_uri.as_deref().map(crate::images::pending),
        source_kms_key_arn,
    };
    if let Some(image) = latest.image.as_mut() {
        let archs = latest.config.architectures.clone();
        if let Some(hex) = crate::images::pin(&ctx.service, image, &archs).await {
            latest.config.code_sha256 = hex;
        }
    }
    let mut record = FunctionRecord {
        latest: latest.clone(),
        tags: input.tags.unwrap_or_default(),
        reserved_concurrency: None,
        policy: Vec::new(),
        policy_revision: new_revision(),
        qualifier_policy_revisions: Default::default(),
        last_version: 0,
        published_description: None,
        incarnation: uuid::Uuid::new_v4().to_string(),
    };
    let mut answer = latest.config.clone();
    let mut published = None;
    if input.publish && record.latest.image.is_some() {
        // Version 1 pins the image's digest: pulled before anything is written.
        crate::images::pull_now(&ctx.service, &mut record.latest).await;
    }
    if input.publish && record.latest.config.state != "Failed" {
        let v = publish_record(arns, &record, 1, "");
        record.last_version = 1;
        record.published_description = Some(record.latest.config.description.clone());
        // Lambda answers version 1's configuration under the unqualified ARN.
        answer = v.config.clone();
        answer.function_arn = arns.function(&name);
        published = Some(v);
    }
    match records::functions::create(
        &ctx.service.store,
        &arns.region,
        &record,
        published.as_ref(),
    ) {
        Ok(()) => {}
        Err(lambkin_store::StoreError::Conflict { .. }) => {
            return Err(ApiError::conflict(format!(
                "Function already exist: {name}"
            )))
        }
        Err(e) => return Err(e.into()),
    }
    super::codesigning::bind_created(ctx, &name, signing).await?;
    match &image_uri {
        Some(uri) => {
            tracing::info!("created function {name} (image {uri})");
            crate::images::start_pull(&ctx.service, &arns.region, &name);
        }
        None => tracing::info!("created function {name} ({code_size} bytes of code)"),
    }
    if let Some(rt) = &answer.runtime {
        crate::runtimes::prefetch(&ctx.service, rt);
    }
    // As AWS answers: the function is still being created (the waiters then see Active).
    answer.state = "Pending".into();
    answer.state_reason = Some("The function is being created.".into());
    answer.state_reason_code = Some("Creating".into());
    Ok(Reply::Json(StatusCode::CREATED, answer.created()))
}

/// A function's `Environment` after an update: none when there are no variables (`Environment: {Variables: {}}`
/// is how Terraform removes them, and its acceptance tests, run against Lambda, expect no `environment` back).
fn answered_environment(
    variables: std::collections::BTreeMap<String, String>,
) -> Option<EnvironmentResponse> {
    (!variables.is_empty()).then_some(EnvironmentResponse { variables })
}

/// `GetFunction`.
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let res = resolve(&ctx.service, &ctx.arns, &r.name, q.as_deref())?;
    let code = match &res.version.image {
        Some(image) => crate::images::code_answer(image),
        None => {
            json!({"RepositoryType": "S3", "Location": code_location(ctx, &res.version.code_hex)})
        }
    };
    let mut out = json!({
        "Configuration": config_for(&ctx.service, &res, &ctx.arns, q.as_deref()).answer(),
        "Code": code,
    });
    if let Some(key) = &res.version.source_kms_key_arn {
        out["Code"]["SourceKMSKeyArn"] = json!(key);
    }
    // Lambda answers no `Tags` member for a function without tags.
    if !res.record.tags.is_empty()
        && (q.is_none() || q.as_deref() == Some("$LATEST") || res.alias.is_none())
    {
        out["Tags"] = json!(res.record.tags);
    }
    if let Some(n) = res.record.reserved_concurrency {
        out["Concurrency"] = json!({"ReservedConcurrentExecutions": n});
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// The configuration answered for a resolved version (an alias answers with the alias's ARN; `$LATEST` asked
/// for by name, with its qualified ARN, as Lambda: `…:function:NAME:$LATEST`).
fn config_for(
    service: &Service,
    res: &Resolved,
    arns: &Arns,
    qualifier: Option<&str>,
) -> FunctionConfiguration {
    let mut c = res.version.config.clone();
    if let Some(a) = &res.alias {
        c.function_arn = arns.qualified(&c.function_name, &a.name);
    } else if qualifier == Some("$LATEST") {
        c.function_arn = arns.qualified(&c.function_name, "$LATEST");
    }
    crate::runtimes::overlay_state(service, &mut c);
    c
}

/// `GetFunctionConfiguration`.
pub(crate) async fn get_configuration(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let res = resolve(&ctx.service, &ctx.arns, &r.name, q.as_deref())?;
    Ok(Reply::Json(
        StatusCode::OK,
        config_for(&ctx.service, &res, &ctx.arns, q.as_deref()).answer(),
    ))
}

/// `ListFunctions` (`FunctionVersion=ALL` lists published versions too).
pub(crate) async fn list(
    ctx: &Ctx,
    page: Page,
    function_version: Option<&str>,
) -> ApiResult<Reply> {
    let (max, marker) = page?;
    let all = function_version == Some("ALL");
    let region = &ctx.arns.region;
    let rows = records::functions::list(&ctx.service.store, region, marker.as_deref(), max + 1)?;
    let more = rows.len() > max;
    let mut functions = Vec::new();
    let mut last = None;
    for record in rows.into_iter().take(max) {
        let name = record.latest.config.function_name.clone();
        functions.push(record.latest.config.listed(all));
        if all {
            for v in records::list::<VersionRecord>(&ctx.service.store, region, &name)? {
                functions.push(v.config.listed(all));
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

/// `UpdateFunctionConfiguration`.
pub(crate) async fn update_configuration(
    ctx: &Ctx,
    r: FunctionRef,
    input: UpdateConfigInput,
) -> ApiResult<Reply> {
    super::unsupported::refuse_beyond(&input.beyond)?;
    if let Some(rt) = &input.runtime {
        crate::runtimes::check_lifecycle(rt, crate::runtimes::Use::Update)?;
    }
    if let Some(e) = &input.environment {
        check_env(&e.variables)?;
    }
    let layers = match &input.layers {
        Some(l) => Some(resolve_layers(&ctx.service, &ctx.arns, l)?),
        None => None,
    };
    if input.layers.as_ref().is_some_and(|l| !l.is_empty()) {
        // Layers are code too: checked against the function's code signing configuration.
        super::codesigning::check_update(ctx, &r.name)?;
    }
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load_current(ctx, &r.name, input.revision_id.as_deref())?;
    if input.runtime.is_none() {
        crate::runtimes::check_current(record.latest.config.runtime.as_deref())?;
    }
    let image_function = record.latest.image.is_some();
    match image_function {
        true => crate::images::check_create(
            input.runtime.as_deref(),
            input.handler.as_deref(),
            input.layers.as_deref(),
        )?,
        false if input.image_config.is_some() => {
            return Err(ApiError::invalid(
                "ImageConfig is only supported for functions with PackageType Image.",
            ))
        }
        false => {}
    }
    if let Some(given) = input.durable_config {
        record.latest.config.durable_config = Some(super::durable::config_for_update(
            &r.name,
            record.latest.config.durable_config.as_ref(),
            given,
        )?);
    }
    if let Some(given) = input.image_config {
        // The whole ImageConfig is replaced; an empty one removes it.
        let empty = given == Default::default();
        record.latest.config.image_config_response =
            crate::images::image_config((!empty).then_some(given));
    }
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
        c.environment = answered_environment(v.variables);
    }
    if let Some(v) = input.runtime {
        c.runtime = Some(v);
    }
    if let Some(v) = input.ephemeral_storage {
        c.ephemeral_storage = EphemeralStorage {
            size: v.size as u32,
        };
    }
    if let Some(v) = input.logging_config {
        c.logging_config = logging(Some(v), &c.function_name, Some(&c.logging_config))?;
    }
    let settings = input.settings;
    let runtime = c.runtime.clone().unwrap_or_default();
    settings::apply(
        &ctx.service,
        &ctx.arns.region,
        &runtime,
        Settings::of(c),
        settings,
        Request::Update,
    )?
    .put(c);
    c.last_modified = time_fmt::now();
    c.revision_id = new_revision();
    let answer = finish_update(&ctx.service, &ctx.arns, record, rev, false)?;
    if let Some(rt) = &answer.runtime {
        crate::runtimes::prefetch(&ctx.service, rt);
    }
    Ok(Reply::Json(StatusCode::OK, answer.answer()))
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
pub(crate) async fn delete(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let arns = &ctx.arns;
    let store = &ctx.service.store;
    // Refused before the function is looked up, as Lambda does (LocalStack snapshot
    // test_ops_with_arn_qualifier_mismatch[delete_function]).
    if q.as_deref() == Some("$LATEST") {
        return Err(ApiError::invalid(
            "$LATEST version cannot be deleted without deleting the function.",
        ));
    }
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, arns, &r.name)?;
    match q.as_deref() {
        None => {
            // Its durable executions go with it (their rows are the function's); read them first to tell
            // their parents and waiters.
            let executions =
                records::durable::list(store, &arns.region, &r.name).unwrap_or_default();
            change(
                arns,
                &r.name,
                records::functions::delete(store, &arns.region, &r.name, rev),
            )?;
            crate::durable::function_deleted(&ctx.service, executions);
            crate::clusterqueue::forget(&ctx.service, &arns.region, &r.name, None).await;
            ctx.service.engine.drain(&r.name, None);
            tracing::info!("deleted function {}", r.name);
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
            for (_, a) in per_qualifier::list::<AliasConfiguration>(
                store,
                &arns.region,
                &r.name,
                None,
                usize::MAX,
            )? {
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
            let had_revision = record.qualifier_policy_revisions.remove(v).is_some();
            let updated = if record.policy.len() != before || had_revision {
                Some((&record, rev))
            } else {
                None
            };
            change(
                arns,
                &r.name,
                records::functions::delete_version(store, &arns.region, &r.name, n, updated),
            )?;
            crate::clusterqueue::forget(&ctx.service, &arns.region, &r.name, Some(v)).await;
            ctx.service.engine.drain(&r.name, Some(v));
        }
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
