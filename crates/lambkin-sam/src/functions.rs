//! `AWS::Serverless::Function` and `AWS::Lambda::Function` resources as [`Function`]s, and the serverless
//! functions' events, handed on to `apis`; layers as [`Layer`]s.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::build::Ctx;
use crate::error::{child, kind, SamError};
use crate::eval::{LAYER_END, LAYER_MARK};
use crate::fields::{properties, to_string, typed, Fields};
use crate::names;
use crate::plan::{
    Code, Cors, DurableConfig, EventInvokeConfig, Function, FunctionUrlConfig, ImageConfig, Layer,
    LayerRef, LoggingConfig,
};

/// A serverless function's event, as written, for `apis` to read.
pub(crate) struct RawEvent {
    pub function: String,
    pub name: String,
    pub kind: String,
    pub properties: Map<String, Value>,
    pub at: String,
}

const SERVERLESS: &str = "AWS::Serverless::Function";

/// Properties the plan reads (and so evaluates); `Layers` and `Events` are read apart.
const READ: &[&str] = &[
    "PackageType",
    "CodeUri",
    "InlineCode",
    "ImageUri",
    "Code",
    "ImageConfig",
    "Handler",
    "Runtime",
    "Environment",
    "MemorySize",
    "Timeout",
    "EphemeralStorage",
    "Architectures",
    "Role",
    "Description",
    "Tags",
    "AutoPublishAlias",
    "FunctionUrlConfig",
    "ProvisionedConcurrencyConfig",
    "ReservedConcurrentExecutions",
    "EventInvokeConfig",
    "DeadLetterQueue",
    "DeadLetterConfig",
    "DurableConfig",
    "LoggingConfig",
    "Tracing",
    "TracingConfig",
];

/// Properties that mean something to Lambda but are not carried into the plan: each present one is a warning.
const NOT_CARRIED: &[&str] = &[
    "VpcConfig",
    "FileSystemConfigs",
    "KmsKeyArn",
    "CodeSigningConfigArn",
    "SnapStart",
    "RuntimeManagementConfig",
    "DeploymentPreference",
    "RecursiveLoop",
];

/// A function resource; `name` is its physical name, computed beforehand.
pub(crate) fn function(
    ctx: &Ctx<'_>,
    id: &str,
    resource_type: &str,
    properties: &Map<String, Value>,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<(Function, Vec<RawEvent>), SamError> {
    let serverless = resource_type == SERVERLESS;
    let at = format!("Resources.{id}.Properties");
    let mut raw = if serverless {
        ctx.globals.apply("Function", properties)
    } else {
        properties.clone()
    };
    // A function's own InlineCode wins over a CodeUri from Globals.
    if properties.contains_key("InlineCode") && !properties.contains_key("CodeUri") {
        raw.remove("CodeUri");
    }
    for key in NOT_CARRIED {
        if raw.contains_key(*key) {
            warnings.push(format!("{id}: {key} is not carried into the plan"));
        }
    }
    let f = Fields::evaluate(&ctx.scope, &raw, READ, &at)?;

    let package_type = f.string("PackageType")?.unwrap_or_else(|| "Zip".to_owned());
    let image = match package_type.as_str() {
        "Zip" => false,
        "Image" => true,
        other => {
            return Err(SamError::at(
                f.at("PackageType"),
                format!("expected Zip or Image, found {other:?}"),
            ))
        }
    };
    let code = if serverless {
        serverless_code(ctx, &f, image)?
    } else {
        lambda_code(ctx, &f, image)?
    };
    let handler = f.string("Handler")?;
    let runtime = f.string("Runtime")?;
    if !image {
        for (key, value) in [("Runtime", &runtime), ("Handler", &handler)] {
            if value.is_none() {
                return Err(SamError::at(
                    &at,
                    format!(
                        "{key} is missing: a function of PackageType Zip needs Runtime and Handler"
                    ),
                ));
            }
        }
    }

    let mut tags = tags(&f)?;
    if serverless {
        // SAM tags every function it makes.
        tags.insert("lambda:createdBy".to_owned(), "SAM".to_owned());
    }
    let auto_publish_alias = if serverless {
        f.string("AutoPublishAlias")?
    } else {
        None
    };
    let provisioned_concurrency = match f.fields("ProvisionedConcurrencyConfig")? {
        Some(p) if serverless => {
            if auto_publish_alias.is_none() {
                return Err(SamError::at(
                    f.at("ProvisionedConcurrencyConfig"),
                    "needs AutoPublishAlias: provisioned concurrency is set on the alias SAM publishes",
                ));
            }
            p.u32("ProvisionedConcurrentExecutions")?
        }
        _ => None,
    };
    let dead_letter_target_arn = match (f.fields("DeadLetterQueue")?, f.fields("DeadLetterConfig")?)
    {
        (Some(d), _) if serverless => Some(d.required_string("TargetArn")?),
        (_, Some(d)) if !serverless => d.string("TargetArn")?,
        _ => None,
    };
    let tracing = match (f.string("Tracing")?, f.fields("TracingConfig")?) {
        (Some(t), _) if serverless => Some(t),
        (_, Some(t)) if !serverless => t.string("Mode")?,
        _ => None,
    }
    .filter(|t| t != "Disabled");

    let events = if serverless {
        events(id, &raw, &at)?
    } else {
        Vec::new()
    };
    let function = Function {
        logical_id: id.to_owned(),
        resource_type: resource_type.to_owned(),
        name: name.to_owned(),
        arn: names::function_arn(ctx.scope.region, ctx.scope.account, name),
        code,
        handler: if image { None } else { handler },
        runtime: if image { None } else { runtime },
        layers: layers(ctx, &raw, &at)?,
        environment: match f.fields("Environment")? {
            Some(e) => e.string_map("Variables")?,
            None => BTreeMap::new(),
        },
        memory_size: f.u32("MemorySize")?,
        timeout: f.u32("Timeout")?,
        ephemeral_storage: f
            .fields("EphemeralStorage")?
            .map(|e| e.u32("Size"))
            .transpose()?
            .flatten(),
        architectures: f.strings("Architectures")?,
        role: match f.string("Role")? {
            Some(role) => role,
            None => names::role_arn(
                ctx.scope.account,
                &names::default_role_name(ctx.scope.stack, id),
            ),
        },
        description: f.string("Description")?,
        tags,
        image_config: f
            .fields("ImageConfig")?
            .map(|c| image_config(&c))
            .transpose()?,
        auto_publish_alias,
        function_url_config: if serverless {
            f.fields("FunctionUrlConfig")?
                .map(|c| url_config(&c))
                .transpose()?
        } else {
            None
        },
        provisioned_concurrency,
        reserved_concurrent_executions: f.u32("ReservedConcurrentExecutions")?,
        event_invoke_config: if serverless {
            f.fields("EventInvokeConfig")?
                .map(|c| event_invoke_config(&c))
                .transpose()?
        } else {
            None
        },
        dead_letter_target_arn,
        durable_config: f
            .fields("DurableConfig")?
            .map(|d| {
                Ok::<_, SamError>(DurableConfig {
                    execution_timeout: d.u32("ExecutionTimeout")?,
                    retention_period_in_days: d.u32("RetentionPeriodInDays")?,
                })
            })
            .transpose()?,
        logging_config: f
            .fields("LoggingConfig")?
            .map(|l| {
                Ok::<_, SamError>(LoggingConfig {
                    log_format: l.string("LogFormat")?,
                    application_log_level: l.string("ApplicationLogLevel")?,
                    system_log_level: l.string("SystemLogLevel")?,
                    log_group: l.string("LogGroup")?,
                })
            })
            .transpose()?,
        tracing,
    };
    Ok((function, events))
}

/// `CodeUri`/`InlineCode`/`ImageUri` of a SAM function.
fn serverless_code(ctx: &Ctx<'_>, f: &Fields, image: bool) -> Result<Code, SamError> {
    if image {
        return f.string("ImageUri")?.map(Code::Image).ok_or_else(|| {
            SamError::at(
                f.place(),
                "ImageUri is missing: a function of PackageType Image needs one (lambkin does not build images from a Dockerfile)",
            )
        });
    }
    match (f.get("CodeUri"), f.string("InlineCode")?) {
        (Some(_), Some(_)) => Err(SamError::at(
            f.place(),
            "CodeUri and InlineCode are both given; give one",
        )),
        (None, Some(source)) => Ok(Code::Inline(source)),
        (Some(uri), None) => location(ctx, uri, &f.at("CodeUri"), ("Bucket", "Key", "Version")),
        (None, None) => Err(SamError::at(
            f.place(),
            "CodeUri is missing (or give InlineCode)",
        )),
    }
}

/// `Code` of a CloudFormation function: `{S3Bucket, S3Key}`, `{ZipFile}`, `{ImageUri}`, or a local path as
/// `sam` and `aws cloudformation package` accept.
fn lambda_code(ctx: &Ctx<'_>, f: &Fields, image: bool) -> Result<Code, SamError> {
    let Some(code) = f.get("Code") else {
        return Err(SamError::at(f.place(), "Code is missing"));
    };
    let at = f.at("Code");
    if let Value::Object(m) = code {
        let c = Fields::of(Value::Object(m.clone()), &at)?;
        if image {
            return c.string("ImageUri")?.map(Code::Image).ok_or_else(|| {
                SamError::at(
                    &at,
                    "ImageUri is missing: a function of PackageType Image needs one",
                )
            });
        }
        if let Some(source) = c.string("ZipFile")? {
            return Ok(Code::Inline(source));
        }
    }
    location(ctx, code, &at, ("S3Bucket", "S3Key", "S3ObjectVersion"))
}

/// A code location: a local path (joined to the template's directory), `s3://bucket/key`, or a map of bucket, key
/// and version under the given names.
fn location(
    ctx: &Ctx<'_>,
    v: &Value,
    at: &str,
    keys: (&str, &str, &str),
) -> Result<Code, SamError> {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix("s3://") {
                return match rest.split_once('/') {
                    Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Code::S3 {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                        version: None,
                    }),
                    _ => Err(SamError::at(
                        at,
                        format!("expected s3://bucket/key, found {s:?}"),
                    )),
                };
            }
            if s.is_empty() {
                return Err(SamError::at(at, "the path is empty"));
            }
            Ok(Code::Local(local_path(&ctx.options.base_dir, s)))
        }
        Value::Object(_) => {
            let c = Fields::of(v.clone(), at)?;
            Ok(Code::S3 {
                bucket: c.required_string(keys.0)?,
                key: c.required_string(keys.1)?,
                version: c.string(keys.2)?,
            })
        }
        other => Err(SamError::at(
            at,
            format!(
                "expected a path, an s3:// URI or a map with {} and {}, found {}",
                keys.0,
                keys.1,
                kind(other)
            ),
        )),
    }
}

/// `path` joined to `base` (unless absolute), without `.` components.
pub(crate) fn local_path(base: &Path, path: &str) -> PathBuf {
    let joined: PathBuf = base
        .join(path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if joined.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        joined
    }
}

/// `Layers`: ARNs, or the template's layers by `Ref`/`Fn::GetAtt`.
fn layers(ctx: &Ctx<'_>, raw: &Map<String, Value>, at: &str) -> Result<Vec<LayerRef>, SamError> {
    let Some(v) = raw.get("Layers") else {
        return Ok(Vec::new());
    };
    let at = child(at, "Layers");
    let scope = crate::eval::Scope {
        layer_refs: true,
        ..ctx.scope
    };
    let items = match scope.eval(v, &at)? {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(SamError::at(
                at,
                format!("expected a list, found {}", kind(&other)),
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = child(&at, &i.to_string());
            let s = to_string(item, &at)?;
            let marked = s.strip_prefix(LAYER_MARK).and_then(|rest| rest.strip_suffix(LAYER_END));
            match marked {
                Some(id) if !id.contains(LAYER_END) => Ok(LayerRef::Template(id.to_owned())),
                _ if s.contains(LAYER_END) => Err(SamError::at(
                    at,
                    "a layer of this template must be given whole (Ref or Fn::GetAtt), not inside a string",
                )),
                _ => Ok(LayerRef::Arn(s)),
            }
        })
        .collect()
}

/// `Tags`: a map (SAM) or a list of `{Key, Value}` (CloudFormation).
fn tags(f: &Fields) -> Result<BTreeMap<String, String>, SamError> {
    match f.get("Tags") {
        None => Ok(BTreeMap::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, tag)| {
                let t = Fields::of(tag.clone(), &child(&f.at("Tags"), &i.to_string()))?;
                Ok((
                    t.required_string("Key")?,
                    t.string("Value")?.unwrap_or_default(),
                ))
            })
            .collect(),
        Some(_) => f.string_map("Tags"),
    }
}

fn image_config(c: &Fields) -> Result<ImageConfig, SamError> {
    let list = |key: &str| c.get(key).map(|_| c.strings(key)).transpose();
    Ok(ImageConfig {
        entry_point: list("EntryPoint")?,
        command: list("Command")?,
        working_directory: c.string("WorkingDirectory")?,
    })
}

fn url_config(c: &Fields) -> Result<FunctionUrlConfig, SamError> {
    Ok(FunctionUrlConfig {
        auth_type: c.required_string("AuthType")?,
        invoke_mode: c.string("InvokeMode")?,
        cors: c
            .fields("Cors")?
            .map(|cors| {
                Ok::<_, SamError>(Cors {
                    allow_origins: cors.strings("AllowOrigins")?,
                    allow_methods: cors.strings("AllowMethods")?,
                    allow_headers: cors.strings("AllowHeaders")?,
                    expose_headers: cors.strings("ExposeHeaders")?,
                    max_age: cors.u32("MaxAge")?,
                    allow_credentials: cors.bool("AllowCredentials")?.unwrap_or(false),
                })
            })
            .transpose()?,
    })
}

fn event_invoke_config(c: &Fields) -> Result<EventInvokeConfig, SamError> {
    let destination = |d: &Option<Fields>, which: &str| -> Result<Option<String>, SamError> {
        let Some(d) = d else { return Ok(None) };
        let Some(target) = d.fields(which)? else {
            return Ok(None);
        };
        target.string("Destination")?.map(Some).ok_or_else(|| {
            SamError::at(
                target.place(),
                "Destination is missing: SAM would create a queue or topic for it, which lambkin does not",
            )
        })
    };
    let d = c.fields("DestinationConfig")?;
    Ok(EventInvokeConfig {
        maximum_event_age_in_seconds: c.u32("MaximumEventAgeInSeconds")?,
        maximum_retry_attempts: c.u32("MaximumRetryAttempts")?,
        on_success: destination(&d, "OnSuccess")?,
        on_failure: destination(&d, "OnFailure")?,
    })
}

/// A SAM function's `Events`, as written.
fn events(id: &str, raw: &Map<String, Value>, at: &str) -> Result<Vec<RawEvent>, SamError> {
    let at = child(at, "Events");
    let events = match raw.get("Events") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SamError::at(
                at,
                format!("expected a map of events, found {}", kind(other)),
            ))
        }
    };
    events
        .iter()
        .map(|(name, event)| {
            let at = child(&at, name);
            let (event, event_type) = typed(event, &at, "a map with Type and Properties")?;
            let event_type = event_type.to_owned();
            let properties = properties(event, &at)?.cloned().unwrap_or_default();
            Ok(RawEvent {
                function: id.to_owned(),
                name: name.clone(),
                kind: event_type,
                properties,
                at: child(&at, "Properties"),
            })
        })
        .collect()
}

/// A layer resource; `name` is its `LayerName` or logical id, computed beforehand.
pub(crate) fn layer(
    ctx: &Ctx<'_>,
    id: &str,
    resource_type: &str,
    properties: &Map<String, Value>,
    name: &str,
) -> Result<Layer, SamError> {
    let serverless = resource_type == "AWS::Serverless::LayerVersion";
    let at = format!("Resources.{id}.Properties");
    let raw = if serverless {
        ctx.globals.apply("LayerVersion", properties)
    } else {
        properties.clone()
    };
    let content_key = if serverless { "ContentUri" } else { "Content" };
    let f = Fields::evaluate(
        &ctx.scope,
        &raw,
        &[
            content_key,
            "CompatibleRuntimes",
            "CompatibleArchitectures",
            "LicenseInfo",
            "Description",
        ],
        &at,
    )?;
    let Some(content) = f.get(content_key) else {
        return Err(SamError::at(&at, format!("{content_key} is missing")));
    };
    let keys = if serverless {
        ("Bucket", "Key", "Version")
    } else {
        ("S3Bucket", "S3Key", "S3ObjectVersion")
    };
    Ok(Layer {
        logical_id: id.to_owned(),
        resource_type: resource_type.to_owned(),
        name: name.to_owned(),
        content: location(ctx, content, &f.at(content_key), keys)?,
        compatible_runtimes: f.strings("CompatibleRuntimes")?,
        compatible_architectures: f.strings("CompatibleArchitectures")?,
        license_info: f.string("LicenseInfo")?,
        description: f.string("Description")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_joined_and_cleaned() {
        let base = Path::new("/srv/app");
        assert_eq!(
            local_path(base, "hello_world/"),
            PathBuf::from("/srv/app/hello_world")
        );
        assert_eq!(local_path(base, "./src"), PathBuf::from("/srv/app/src"));
        assert_eq!(
            local_path(base, "build/fn.zip"),
            PathBuf::from("/srv/app/build/fn.zip")
        );
        assert_eq!(local_path(base, "/abs/code"), PathBuf::from("/abs/code"));
        assert_eq!(local_path(Path::new("."), "."), PathBuf::from("."));
        assert_eq!(local_path(Path::new("."), "src"), PathBuf::from("src"));
    }
}
