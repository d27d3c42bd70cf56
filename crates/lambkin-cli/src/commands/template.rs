//! `lambkin deploy --template`: a SAM or CloudFormation template's functions and layers created or updated in a
//! running `serve` (`lambkin-sam` reads the template into a plan; this carries the plan out through the Lambda
//! API). A second deploy changes only what changed: code is compared by its SHA-256, configuration field by
//! field, and a layer is published again only when its content changed.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use lambkin_sam::{Code, Function, Layer, LayerRef, Options, Plan};
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use super::deploy::{region_and_account, wait_ready};
use super::{function_path, print_json, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::{pack, table, DeployArgs, TemplateArgs};

/// The template `lambkin deploy` reads when none is named: SAM's build output when there is one, else the
/// project's own.
pub fn default_template(dir: &Path) -> PathBuf {
    let built = dir.join(".aws-sam").join("build").join("template.yaml");
    if built.is_file() {
        return built;
    }
    for name in ["template.yaml", "template.yml", "template.json"] {
        let p = dir.join(name);
        if p.is_file() {
            return p;
        }
    }
    dir.join("template.yaml")
}

/// The project directory: the template's, or the one holding `.aws-sam` for a built template.
pub fn project_of(template: &Path) -> PathBuf {
    let dir = template.parent().unwrap_or(Path::new("."));
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if abs.ends_with(".aws-sam/build") {
        abs.parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or(abs)
    } else {
        abs
    }
}

/// The stack name when none is given: the project directory's name (the one holding `.aws-sam` for a built
/// template), made a valid stack name.
pub fn default_stack(template: &Path) -> String {
    let raw = project_of(template)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "stack-");
    }
    name.truncate(128);
    name
}

/// Lambda's `CodeSha256` of a zip.
fn code_sha(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(zip))
}

/// A function's code for the API: `(Code member, its SHA-256 when it is a zip made here)`.
fn code_of(f: &Function) -> Result<(Value, Option<String>), CliError> {
    Ok(match &f.code {
        Code::Local(path) => {
            let zip = pack::read_code(path)?;
            let sha = code_sha(&zip);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
            (json!({ "ZipFile": b64 }), Some(sha))
        }
        Code::Inline(source) => {
            // CloudFormation writes inline code as `index.<ext>` of the runtime's language.
            let file = match f.runtime.as_deref().unwrap_or_default() {
                r if r.starts_with("nodejs") => "index.js",
                _ => "index.py",
            };
            let zip = inline_zip(file, source)?;
            let sha = code_sha(&zip);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
            (json!({ "ZipFile": b64 }), Some(sha))
        }
        Code::S3 {
            bucket,
            key,
            version,
        } => (s3_code(bucket, key, version.as_deref()), None),
        Code::Image(uri) => (json!({ "ImageUri": uri }), None),
    })
}

/// Code (or layer content) in S3, as the API takes it.
fn s3_code(bucket: &str, key: &str, version: Option<&str>) -> Value {
    let mut c = json!({"S3Bucket": bucket, "S3Key": key});
    if let Some(v) = version {
        c["S3ObjectVersion"] = json!(v);
    }
    c
}

/// A zip of one file (fixed timestamps: the same source gives the same zip, so an unchanged function is not
/// updated).
fn inline_zip(file: &str, source: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    z.start_file(file, opts)
        .and_then(|()| z.write_all(source.as_bytes()).map_err(Into::into))
        .and_then(|()| z.finish().map(|_| ()))
        .map_err(|e| CliError::msg(format!("cannot zip the inline code: {e}")))?;
    Ok(buf.into_inner())
}

/// The configuration members of a function (those `UpdateFunctionConfiguration` takes).
fn config_of(
    f: &Function,
    layers: &BTreeMap<String, String>,
) -> Result<Map<String, Value>, CliError> {
    let mut c = Map::new();
    if let Some(h) = &f.handler {
        c.insert("Handler".into(), json!(h));
    }
    if let Some(r) = &f.runtime {
        c.insert("Runtime".into(), json!(r));
    }
    c.insert("Role".into(), json!(f.role));
    c.insert("MemorySize".into(), json!(f.memory_size.unwrap_or(128)));
    c.insert("Timeout".into(), json!(f.timeout.unwrap_or(3)));
    c.insert(
        "Description".into(),
        json!(f.description.clone().unwrap_or_default()),
    );
    c.insert("Environment".into(), json!({ "Variables": f.environment }));
    c.insert(
        "EphemeralStorage".into(),
        json!({"Size": f.ephemeral_storage.unwrap_or(512)}),
    );
    let mut arns = Vec::new();
    for l in &f.layers {
        arns.push(match l {
            LayerRef::Arn(a) => a.clone(),
            LayerRef::Template(id) => layers.get(id).cloned().ok_or_else(|| {
                CliError::msg(format!("{}: layer {id} was not published", f.logical_id))
            })?,
        });
    }
    c.insert("Layers".into(), json!(arns));
    c.insert(
        "TracingConfig".into(),
        json!({"Mode": f.tracing.clone().unwrap_or_else(|| "PassThrough".into())}),
    );
    if let Some(l) = &f.logging_config {
        c.insert("LoggingConfig".into(), json!(l));
    }
    c.insert(
        "DeadLetterConfig".into(),
        match &f.dead_letter_target_arn {
            Some(t) => json!({ "TargetArn": t }),
            None => json!({}),
        },
    );
    if let Some(i) = &f.image_config {
        c.insert("ImageConfig".into(), json!(i));
    }
    Ok(c)
}

/// Whether the deployed configuration differs from the wanted one (the members the API answers).
fn differs(current: &Value, wanted: &Map<String, Value>) -> bool {
    wanted.iter().any(|(k, want)| {
        let have = &current[k];
        match k.as_str() {
            "Environment" => {
                let vars = |v: &Value| v["Variables"].as_object().cloned().unwrap_or_default();
                vars(have) != vars(want)
            }
            "Layers" => {
                let arns: Vec<&str> = have
                    .as_array()
                    .map(|ls| ls.iter().filter_map(|l| l["Arn"].as_str()).collect())
                    .unwrap_or_default();
                let want: Vec<&str> = want
                    .as_array()
                    .map(|ls| ls.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                arns != want
            }
            "DeadLetterConfig" => have["TargetArn"] != want["TargetArn"],
            "LoggingConfig" => want
                .as_object()
                .is_some_and(|w| w.iter().any(|(k, v)| have[k] != *v)),
            "Description" => have.as_str().unwrap_or_default() != want.as_str().unwrap_or_default(),
            // GetFunction answers it as `ImageConfigResponse.ImageConfig`.
            "ImageConfig" => current["ImageConfigResponse"]["ImageConfig"] != *want,
            _ => have != want,
        }
    })
}

/// Whether a function URL's configuration differs from the wanted one: its auth type, invoke mode (`BUFFERED`
/// when not given) or CORS (lists not given as empty, credentials as not allowed).
fn url_changed(have: &Value, want: &Value) -> bool {
    let mode = |v: &Value| v.get("InvokeMode").cloned().unwrap_or(json!("BUFFERED"));
    let cors = |v: &Value| {
        let c = &v["Cors"];
        let list = |k: &str| c[k].as_array().cloned().unwrap_or_default();
        let lists = [
            "AllowOrigins",
            "AllowMethods",
            "AllowHeaders",
            "ExposeHeaders",
        ]
        .map(list);
        (
            lists,
            c["AllowCredentials"].as_bool().unwrap_or(false),
            c["MaxAge"].as_u64(),
        )
    };
    have["AuthType"] != want["AuthType"] || mode(have) != mode(want) || cors(have) != cors(want)
}

/// What happened to one resource.
struct Outcome {
    logical_id: String,
    kind: &'static str,
    name: String,
    action: String,
}

/// A template deployed: its stack name, plan and what was done to each resource.
pub struct Deployed {
    /// The stack name the names were made from.
    pub stack: String,
    /// The plan carried out.
    pub plan: Plan,
    /// What happened to each layer and function, in order.
    outcomes: Vec<Outcome>,
    /// `serve`'s answer to the template's registration: its APIs, their routes, where they are served.
    pub apis: Value,
}

impl Deployed {
    /// What happened to each layer and function: (logical id, `layer`/`function`, name, what was done).
    pub fn outcomes(&self) -> impl Iterator<Item = (&str, &str, &str, &str)> {
        self.outcomes.iter().map(|o| {
            (
                o.logical_id.as_str(),
                o.kind,
                o.name.as_str(),
                o.action.as_str(),
            )
        })
    }
}

/// Reads a template, plans it (`lambkin-sam`), warns once about what is not created, and creates or updates its
/// layers and functions.
pub async fn deploy_template(
    api: &Api,
    con: &mut Console,
    src: &TemplateArgs,
) -> Result<Deployed, CliError> {
    let template = src
        .template
        .clone()
        .unwrap_or_else(|| default_template(Path::new(".")));
    let text_of = std::fs::read_to_string(&template).map_err(|e| {
        CliError::usage(format!("{}: {e}", template.display())).hint(
            "give the template with --template PATH, or run in the directory of template.yaml",
        )
    })?;
    let stack = src
        .stack_name
        .clone()
        .unwrap_or_else(|| default_stack(&template));
    // The server's region and account, where its functions are and what their ARNs name (not this shell's
    // `AWS_REGION`: the server takes its own).
    con.progress("looking up the server's region and account");
    let probe = api
        .get(&function_path("lambkin-template-account-probe"))
        .await?;
    let mut opts = Options::new(stack.clone());
    let message = crate::http::ApiError::from_response(&probe).message;
    if let Some((region, account)) = region_and_account(&message) {
        opts.region = region.to_owned();
        opts.account_id = account.to_owned();
    }
    opts.base_dir = template
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if let Some(o) = &src.parameter_overrides {
        let pairs = lambkin_sam::parse_overrides(o).map_err(|e| CliError::usage(e.to_string()))?;
        opts.parameters.extend(pairs);
    }
    let plan = lambkin_sam::plan(&text_of, &opts)
        .map_err(|e| CliError::msg(format!("{}: {e}", template.display())))?;
    warn_about(con, &plan);
    let mut outcomes = Vec::new();
    let mut layer_arns = BTreeMap::new();
    for l in &plan.layers {
        con.progress(&format!("layer {}", l.logical_id));
        let (arn, action) = deploy_layer(api, l).await?;
        outcomes.push(Outcome {
            logical_id: l.logical_id.clone(),
            kind: "layer",
            name: arn.clone(),
            action,
        });
        layer_arns.insert(l.logical_id.clone(), arn);
    }
    for f in &plan.functions {
        con.progress(&format!("function {}", f.logical_id));
        let action = deploy_function(api, con, f, &layer_arns).await?;
        outcomes.push(Outcome {
            logical_id: f.logical_id.clone(),
            kind: "function",
            name: f.name.clone(),
            action,
        });
    }
    // The template's APIs are served by `serve` (`--api-listen`): it gets the template itself.
    con.progress("registering the template's APIs");
    let registered = api
        .put(
            &format!("/lambkin/v1/stacks/{}", segment(&stack)),
            &json!({"Template": text_of, "Parameters": opts.parameters}),
        )
        .await?;
    let apis = if registered.is_success() {
        registered.json()
    } else {
        let e = crate::http::ApiError::from_response(&registered);
        con.eprintln(&format!(
            "warning: the server did not take the template's APIs: {}",
            e.message
        ));
        Value::Null
    };
    con.clear_progress();
    Ok(Deployed {
        stack,
        plan,
        outcomes,
        apis,
    })
}

/// Runs `lambkin deploy --template`.
pub async fn run(
    api: &Api,
    con: &mut Console,
    json_out: bool,
    a: DeployArgs,
) -> Result<(), CliError> {
    let src = TemplateArgs {
        template: a.template.clone().flatten(),
        stack_name: a.stack_name.clone(),
        parameter_overrides: a.parameter_overrides.clone(),
    };
    let Deployed {
        stack,
        outcomes,
        apis,
        ..
    } = deploy_template(api, con, &src).await?;
    print_apis(con, &apis);
    if json_out {
        let items: Vec<Value> = outcomes
            .iter()
            .map(|o| json!({"LogicalId": o.logical_id, "Type": o.kind, "Name": o.name, "Action": o.action}))
            .collect();
        return print_json(con, &json!({"StackName": stack, "Resources": items}));
    }
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            vec![
                o.logical_id.clone(),
                o.kind.to_owned(),
                o.name.clone(),
                o.action.clone(),
            ]
        })
        .collect();
    con.write_out(table::render(&["LOGICAL ID", "TYPE", "NAME", "DONE"], &rows).as_bytes())
}

/// The template's APIs as `serve` serves them (to stderr: stdout is the table or the JSON).
pub fn print_apis(con: &mut Console, apis: &Value) {
    let endpoint = apis["ApiEndpoint"]
        .as_str()
        .unwrap_or("(serve --api-listen is off)");
    for a in apis["Apis"].as_array().into_iter().flatten() {
        con.eprintln(&format!(
            "API {} ({}, stage {}) on {endpoint}:",
            text(a, "Id"),
            text(a, "Kind"),
            text(a, "Stage")
        ));
        for r in a["Routes"].as_array().into_iter().flatten() {
            con.eprintln(&format!("  {}", r.as_str().unwrap_or_default()));
        }
    }
    for w in apis["Warnings"].as_array().into_iter().flatten() {
        con.eprintln(&format!("warning: {}", w.as_str().unwrap_or_default()));
    }
}

/// One warning for everything the template holds that lambkin does not create or carry out.
fn warn_about(con: &mut Console, plan: &Plan) {
    if !plan.unsupported.is_empty() {
        let list: Vec<String> = plan
            .unsupported
            .iter()
            .map(|u| format!("{} ({})", u.logical_id, u.resource_type))
            .collect();
        con.eprintln(&format!(
            "warning: lambkin does not create these resources of the template: {}",
            list.join(", ")
        ));
    }
    for e in &plan.unhandled_events {
        con.eprintln(&format!(
            "warning: event {} of {} ({}) is not wired by lambkin deploy",
            e.event, e.function, e.kind
        ));
    }
    for w in &plan.warnings {
        con.eprintln(&format!("warning: {w}"));
    }
}

/// Publishes a layer version unless its latest one has the same content; its version ARN and what was done.
async fn deploy_layer(api: &Api, l: &Layer) -> Result<(String, String), CliError> {
    let base = format!("/2018-10-31/layers/{}/versions", segment(&l.name));
    let content = match &l.content {
        Code::Local(path) => {
            let zip = pack::read_code(path)?;
            let sha = code_sha(&zip);
            let latest = api.get(&base).await?;
            if latest.is_success() {
                let versions = latest.json()["LayerVersions"].clone();
                if let Some(newest) = versions.as_array().and_then(|v| v.first()) {
                    let arn = text(newest, "LayerVersionArn");
                    let version = newest["Version"].as_u64().unwrap_or_default();
                    let full = api.get(&format!("{base}/{version}")).await?;
                    if full.is_success() && text(&full.json()["Content"], "CodeSha256") == sha {
                        return Ok((arn, "unchanged".into()));
                    }
                }
            }
            json!({"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip)})
        }
        Code::S3 {
            bucket,
            key,
            version,
        } => s3_code(bucket, key, version.as_deref()),
        Code::Inline(_) | Code::Image(_) => {
            return Err(CliError::msg(format!(
                "layer {}: a layer's content is a directory, a zip or an S3 object",
                l.logical_id
            )))
        }
    };
    let mut body = json!({ "Content": content });
    if !l.compatible_runtimes.is_empty() {
        body["CompatibleRuntimes"] = json!(l.compatible_runtimes);
    }
    if !l.compatible_architectures.is_empty() {
        body["CompatibleArchitectures"] = json!(l.compatible_architectures);
    }
    if let Some(d) = &l.description {
        body["Description"] = json!(d);
    }
    if let Some(li) = &l.license_info {
        body["LicenseInfo"] = json!(li);
    }
    let v = api.post(&base, &body).await?.ok()?.json();
    Ok((
        text(&v, "LayerVersionArn"),
        format!("published version {}", text(&v, "Version")),
    ))
}

/// Creates or updates one function and its settings; what was done.
async fn deploy_function(
    api: &Api,
    con: &mut Console,
    f: &Function,
    layers: &BTreeMap<String, String>,
) -> Result<String, CliError> {
    let path = function_path(&f.name);
    let (code, sha) = code_of(f)?;
    let config = config_of(f, layers)?;
    let existing = api.get(&path).await?;
    let mut done = Vec::new();
    let created = if existing.status == 404 {
        let mut body = config.clone();
        body.insert("FunctionName".into(), json!(f.name));
        body.insert("Code".into(), code.clone());
        if matches!(f.code, Code::Image(_)) {
            body.insert("PackageType".into(), json!("Image"));
        }
        if !f.architectures.is_empty() {
            body.insert("Architectures".into(), json!(f.architectures));
        }
        if !f.tags.is_empty() {
            body.insert("Tags".into(), json!(f.tags));
        }
        if let Some(d) = &f.durable_config {
            body.insert("DurableConfig".into(), json!(d));
        }
        api.post("/2015-03-31/functions", &Value::Object(body))
            .await?
            .ok()?;
        done.push("created".to_owned());
        true
    } else {
        let current = existing.ok()?.json();
        let cfg = &current["Configuration"];
        let code_changed = match (&sha, &f.code) {
            (Some(sha), _) => text(cfg, "CodeSha256") != *sha,
            (None, Code::Image(uri)) => text(&current["Code"], "ImageUri") != *uri,
            (None, _) => true,
        };
        let arch_changed =
            !f.architectures.is_empty() && cfg["Architectures"] != json!(f.architectures);
        let code_changed = code_changed || arch_changed;
        if code_changed {
            let mut body = code.as_object().cloned().unwrap_or_default();
            if !f.architectures.is_empty() {
                body.insert("Architectures".into(), json!(f.architectures));
            }
            wait_ready(api, con, &f.name).await?;
            api.put(&format!("{path}/code"), &Value::Object(body))
                .await?
                .ok()?;
            done.push("code updated".to_owned());
        }
        if differs(cfg, &config) {
            wait_ready(api, con, &f.name).await?;
            api.put(
                &format!("{path}/configuration"),
                &Value::Object(config.clone()),
            )
            .await?
            .ok()?;
            done.push("configuration updated".to_owned());
        }
        false
    };
    wait_ready(api, con, &f.name).await?;
    let changed = created || !done.is_empty();
    settings(api, con, f, changed, &mut done).await?;
    Ok(if done.is_empty() {
        "unchanged".to_owned()
    } else {
        done.join(", ")
    })
}

/// Reserved concurrency, the `AutoPublishAlias` (a version published when something changed), provisioned
/// concurrency on it, the function URL, the event-invoke configuration.
async fn settings(
    api: &Api,
    con: &mut Console,
    f: &Function,
    changed: bool,
    done: &mut Vec<String>,
) -> Result<(), CliError> {
    let path = function_path(&f.name);
    if let Some(n) = f.reserved_concurrent_executions {
        let have = api
            .get(&format!(
                "/2019-09-30/functions/{}/concurrency",
                segment(&f.name)
            ))
            .await?;
        if have.json()["ReservedConcurrentExecutions"].as_u64() != Some(u64::from(n)) {
            api.put(
                &format!("/2017-10-31/functions/{}/concurrency", segment(&f.name)),
                &json!({ "ReservedConcurrentExecutions": n }),
            )
            .await?
            .ok()?;
            done.push(format!("reserved concurrency {n}"));
        }
    }
    let mut qualifier = None;
    if let Some(alias) = &f.auto_publish_alias {
        let alias_path = format!("{path}/aliases/{}", segment(alias));
        let have = api.get(&alias_path).await?;
        if changed || !have.is_success() {
            wait_ready(api, con, &f.name).await?;
            let v = api
                .post(&format!("{path}/versions"), &json!({}))
                .await?
                .ok()?
                .json();
            let version = text(&v, "Version");
            if have.is_success() {
                api.put(&alias_path, &json!({ "FunctionVersion": version }))
                    .await?
                    .ok()?;
            } else {
                api.post(
                    &format!("{path}/aliases"),
                    &json!({"Name": alias, "FunctionVersion": version}),
                )
                .await?
                .ok()?;
            }
            done.push(format!("{alias} → version {version}"));
        }
        qualifier = Some(alias.clone());
    }
    if let (Some(n), Some(q)) = (f.provisioned_concurrency, &qualifier) {
        let pc = format!(
            "/2019-09-30/functions/{}/provisioned-concurrency?Qualifier={}",
            segment(&f.name),
            segment(q)
        );
        let have = api.get(&pc).await?;
        if have.json()["RequestedProvisionedConcurrentExecutions"].as_u64() != Some(u64::from(n)) {
            api.put(&pc, &json!({ "ProvisionedConcurrentExecutions": n }))
                .await?
                .ok()?;
            done.push(format!("provisioned concurrency {n}"));
        }
    }
    if let Some(url) = &f.function_url_config {
        let url_path = format!(
            "/2021-10-31/functions/{}/url{}",
            segment(&f.name),
            qualifier
                .as_ref()
                .map(|q| format!("?Qualifier={}", segment(q)))
                .unwrap_or_default()
        );
        let mut body = json!({ "AuthType": url.auth_type });
        if let Some(m) = &url.invoke_mode {
            body["InvokeMode"] = json!(m);
        }
        if let Some(c) = &url.cors {
            body["Cors"] = json!({
                "AllowOrigins": c.allow_origins, "AllowMethods": c.allow_methods,
                "AllowHeaders": c.allow_headers, "ExposeHeaders": c.expose_headers,
                "AllowCredentials": c.allow_credentials,
            });
            if let Some(m) = c.max_age {
                body["Cors"]["MaxAge"] = json!(m);
            }
        }
        let have = api.get(&url_path).await?;
        if !have.is_success() {
            let made = api.post(&url_path, &body).await?.ok()?.json();
            done.push(format!("URL {}", text(&made, "FunctionUrl")));
        } else if url_changed(&have.json(), &body) {
            // An update keeps CORS it is not given: an empty one clears what the template no longer sets.
            if body.get("Cors").is_none() {
                body["Cors"] = json!({});
            }
            api.put(&url_path, &body).await?.ok()?;
            done.push("URL updated".to_owned());
        }
    }
    if let Some(eic) = &f.event_invoke_config {
        let mut body = Map::new();
        if let Some(a) = eic.maximum_event_age_in_seconds {
            body.insert("MaximumEventAgeInSeconds".into(), json!(a));
        }
        if let Some(r) = eic.maximum_retry_attempts {
            body.insert("MaximumRetryAttempts".into(), json!(r));
        }
        let mut dest = Map::new();
        if let Some(s) = &eic.on_success {
            dest.insert("OnSuccess".into(), json!({ "Destination": s }));
        }
        if let Some(fl) = &eic.on_failure {
            dest.insert("OnFailure".into(), json!({ "Destination": fl }));
        }
        if !dest.is_empty() {
            body.insert("DestinationConfig".into(), Value::Object(dest));
        }
        let eic_path = format!(
            "/2019-09-25/functions/{}/event-invoke-config{}",
            segment(&f.name),
            qualifier
                .as_ref()
                .map(|q| format!("?Qualifier={}", segment(q)))
                .unwrap_or_default()
        );
        api.put(&eic_path, &Value::Object(body)).await?.ok()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template_prefers_the_build_output() {
        let dir = std::env::temp_dir().join(format!("lambkin-tpl-{}", std::process::id()));
        let built = dir.join(".aws-sam/build");
        std::fs::create_dir_all(&built).expect("dirs");
        assert_eq!(default_template(&dir), dir.join("template.yaml"));
        std::fs::write(dir.join("template.yml"), "x").expect("write");
        assert_eq!(default_template(&dir), dir.join("template.yml"));
        std::fs::write(built.join("template.yaml"), "x").expect("write");
        assert_eq!(default_template(&dir), built.join("template.yaml"));
        let stack = default_stack(&built.join("template.yaml"));
        assert!(stack.starts_with("lambkin-tpl-"), "{stack}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_url_changes_with_its_cors() {
        let have = json!({"AuthType": "NONE", "InvokeMode": "BUFFERED",
                          "Cors": {"AllowOrigins": ["*"], "MaxAge": 60}});
        let same = json!({"AuthType": "NONE", "Cors": {"AllowOrigins": ["*"], "AllowMethods": [],
                          "AllowHeaders": [], "ExposeHeaders": [], "AllowCredentials": false, "MaxAge": 60}});
        assert!(!url_changed(&have, &same));
        let mut origin = same.clone();
        origin["Cors"]["AllowOrigins"] = json!(["https://a.example"]);
        assert!(url_changed(&have, &origin));
        assert!(url_changed(&have, &json!({"AuthType": "NONE"})));
        assert!(url_changed(
            &have,
            &json!({"AuthType": "AWS_IAM", "Cors": have["Cors"]})
        ));
        assert!(!url_changed(
            &json!({"AuthType": "NONE"}),
            &json!({"AuthType": "NONE"})
        ));
    }

    #[test]
    fn stack_names_start_with_a_letter() {
        assert_eq!(
            default_stack(Path::new("/tmp/1app/template.yaml")),
            "stack-1app"
        );
        assert_eq!(
            default_stack(Path::new("/tmp/my_app/template.yaml")),
            "my-app"
        );
    }

    #[test]
    fn configuration_is_compared_as_the_api_answers_it() {
        let current = json!({
            "Handler": "app.handler", "MemorySize": 128, "Environment": {"Variables": {"A": "1"}},
            "Layers": [{"Arn": "arn:l:1", "CodeSize": 3}], "Description": "",
        });
        let mut want = Map::new();
        want.insert("Handler".into(), json!("app.handler"));
        want.insert("Environment".into(), json!({"Variables": {"A": "1"}}));
        want.insert("Layers".into(), json!(["arn:l:1"]));
        want.insert("Description".into(), json!(""));
        assert!(!differs(&current, &want));
        want.insert("MemorySize".into(), json!(256));
        assert!(differs(&current, &want));
    }

    #[test]
    fn inline_code_zips_the_same_way_twice() {
        let a = inline_zip("index.py", "def handler(e, c): return 1\n").expect("zip");
        let b = inline_zip("index.py", "def handler(e, c): return 1\n").expect("zip");
        assert_eq!(code_sha(&a), code_sha(&b));
    }
}
