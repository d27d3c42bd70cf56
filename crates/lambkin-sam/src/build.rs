//! A parsed template to a [`Plan`]: parameters, then conditions, then every resource's physical name (names
//! depend on parameters only), then the resources themselves, whose values may refer to each other's names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::apis::{self, RawApi, IMPLICIT_HTTP, IMPLICIT_REST};
use crate::error::{kind, SamError};
use crate::eval::{self, Known, Scope};
use crate::fields::{properties, typed};
use crate::functions;
use crate::globals::Globals;
use crate::names;
use crate::params;
use crate::plan::{ApiKind, Plan, Unsupported};

/// Where and as what a template is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The stack's name (`AWS::StackName`, the first part of generated names): a letter, then letters, digits
    /// and hyphens, at most 128.
    pub stack_name: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account_id: String,
    /// The template's directory: local `CodeUri`s and `ContentUri`s are joined to it.
    pub base_dir: PathBuf,
    /// Parameter values that override the template's defaults (see [`crate::parse_overrides`]).
    pub parameters: BTreeMap<String, String>,
}

impl Options {
    /// Options for `stack_name` in `us-east-1`, account `123456789012` (lambkin's default), with the current
    /// directory as the template's and no overrides.
    pub fn new(stack_name: impl Into<String>) -> Self {
        Options {
            stack_name: stack_name.into(),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            base_dir: PathBuf::from("."),
            parameters: BTreeMap::new(),
        }
    }
}

/// What the resource builders share.
pub(crate) struct Ctx<'a> {
    pub scope: Scope<'a>,
    pub options: &'a Options,
    pub globals: &'a Globals<'a>,
}

const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";
const FUNCTION_TYPES: &[&str] = &["AWS::Serverless::Function", "AWS::Lambda::Function"];
const LAYER_TYPES: &[&str] = &["AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"];

fn check_options(options: &Options) -> Result<(), SamError> {
    let s = &options.stack_name;
    let valid = s.len() <= 128
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(SamError::at(
            "options.stack_name",
            format!("{s:?} is not a stack name: a letter, then letters, digits and hyphens, at most 128"),
        ));
    }
    if options.account_id.len() != 12 || !options.account_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SamError::at(
            "options.account_id",
            format!("{:?} is not an account id (12 digits)", options.account_id),
        ));
    }
    if options.region.is_empty() {
        return Err(SamError::at("options.region", "the region is empty"));
    }
    Ok(())
}

fn transforms(root: &Map<String, Value>, warnings: &mut Vec<String>) -> Result<bool, SamError> {
    let names: Vec<&str> = match root.get("Transform") {
        None => Vec::new(),
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(other) => {
            return Err(SamError::at(
                "Transform",
                format!(
                    "expected a transform's name or a list of them, found {}",
                    kind(other)
                ),
            ))
        }
    };
    for name in &names {
        if *name != SAM_TRANSFORM && *name != "AWS::LanguageExtensions" {
            return Err(SamError::at(
                "Transform",
                format!("{name} is not supported: lambkin applies {SAM_TRANSFORM} (and AWS::LanguageExtensions' functions) itself"),
            ));
        }
    }
    let sam = names.contains(&SAM_TRANSFORM);
    if !sam && root.contains_key("Globals") {
        warnings.push(format!(
            "Globals is a SAM section; the template has no Transform: {SAM_TRANSFORM}"
        ));
    }
    Ok(sam)
}

/// One resource as written.
struct Resource<'t> {
    id: &'t str,
    resource_type: &'t str,
    properties: &'t Map<String, Value>,
    condition: Option<&'t str>,
}

fn resources<'t>(
    root: &'t Map<String, Value>,
    empty: &'t Map<String, Value>,
) -> Result<Vec<Resource<'t>>, SamError> {
    let section = match root.get("Resources") {
        Some(Value::Object(m)) if !m.is_empty() => m,
        Some(Value::Object(_)) => {
            return Err(SamError::at("Resources", "the template has no resources"))
        }
        Some(other) => {
            return Err(SamError::at(
                "Resources",
                format!("expected a map of resources, found {}", kind(other)),
            ))
        }
        None => return Err(SamError::at("template", "Resources is missing")),
    };
    section
        .iter()
        .map(|(id, r)| {
            let at = format!("Resources.{id}");
            let (r, resource_type) = typed(r, &at, "a map with Type")?;
            let properties = properties(r, &at)?.unwrap_or(empty);
            let condition = match r.get("Condition") {
                None => None,
                Some(Value::String(c)) => Some(c.as_str()),
                Some(other) => {
                    return Err(SamError::at(
                        format!("{at}.Condition"),
                        format!("expected a condition's name, found {}", kind(other)),
                    ))
                }
            };
            Ok(Resource {
                id,
                resource_type,
                properties,
                condition,
            })
        })
        .collect()
}

/// A name property (`FunctionName`, `LayerName`, `RoleName`), evaluated over parameters only.
fn name_property(
    scope: &Scope<'_>,
    r: &Resource<'_>,
    key: &str,
) -> Result<Option<String>, SamError> {
    match r.properties.get(key) {
        None => Ok(None),
        Some(v) => scope.eval_string(v, &format!("Resources.{}.Properties.{key}", r.id)),
    }
}

fn check_function_name(name: &str, at: &str) -> Result<(), SamError> {
    let valid = !name.is_empty()
        && name.len() <= names::FUNCTION_NAME_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(SamError::at(
            at,
            format!(
                "{name:?} is not a function name: 1 to 64 letters, digits, hyphens and underscores"
            ),
        ))
    }
}

/// The template (already parsed) as a plan.
pub(crate) fn plan(template: &Value, options: &Options) -> Result<Plan, SamError> {
    check_options(options)?;
    let Value::Object(root) = template else {
        return Err(SamError::at(
            "template",
            format!("expected a map, found {}", kind(template)),
        ));
    };
    let mut warnings = Vec::new();
    let sam = transforms(root, &mut warnings)?;
    let params = params::resolve(root.get("Parameters"), &options.parameters)?;
    let empty = Map::new();
    let mappings = match root.get("Mappings") {
        None => &empty,
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SamError::at(
                "Mappings",
                format!("expected a map, found {}", kind(other)),
            ))
        }
    };
    let no_conditions = BTreeMap::new();
    let no_resources = BTreeMap::new();
    let params_only = Scope {
        region: &options.region,
        account: &options.account_id,
        stack: &options.stack_name,
        params: &params,
        conditions: &no_conditions,
        mappings,
        resources: &no_resources,
        layer_refs: false,
    };
    let conditions = crate::conditions::conditions(root.get("Conditions"), &params_only)?;
    let names_scope = Scope {
        conditions: &conditions,
        ..params_only
    };
    let globals = Globals::new(root.get("Globals"))?;
    let all = resources(root, &empty)?;

    // Physical names first: they depend on parameters only.
    let mut known: BTreeMap<String, Known> = BTreeMap::new();
    let mut included = Vec::new();
    let mut function_names: BTreeMap<String, String> = BTreeMap::new();
    let mut layer_names: BTreeMap<String, String> = BTreeMap::new();
    for r in &all {
        if let Some(c) = r.condition {
            let Some(&holds) = conditions.get(c) else {
                return Err(SamError::at(
                    format!("Resources.{}.Condition", r.id),
                    format!("no condition named {c} in Conditions"),
                ));
            };
            if !holds {
                known.insert(
                    r.id.to_owned(),
                    Known::Excluded {
                        condition: c.to_owned(),
                    },
                );
                continue;
            }
        }
        let entry = match r.resource_type {
            t if FUNCTION_TYPES.contains(&t) => {
                let at = format!("Resources.{}.Properties.FunctionName", r.id);
                let name = match name_property(&names_scope, r, "FunctionName")? {
                    Some(n) => {
                        check_function_name(&n, &at)?;
                        n
                    }
                    None => {
                        names::physical_name(&options.stack_name, r.id, names::FUNCTION_NAME_MAX)
                    }
                };
                if let Some((other, _)) = function_names.iter().find(|(_, n)| **n == name) {
                    return Err(SamError::at(
                        at,
                        format!("{other} has the same function name {name:?}"),
                    ));
                }
                function_names.insert(r.id.to_owned(), name.clone());
                Known::Function {
                    arn: names::function_arn(&options.region, &options.account_id, &name),
                    name,
                }
            }
            t if LAYER_TYPES.contains(&t) => {
                let name =
                    name_property(&names_scope, r, "LayerName")?.unwrap_or_else(|| r.id.to_owned());
                layer_names.insert(r.id.to_owned(), name);
                Known::Layer
            }
            "AWS::IAM::Role" => {
                let name = name_property(&names_scope, r, "RoleName")?
                    .unwrap_or_else(|| names::physical_name(&options.stack_name, r.id, 64));
                let path =
                    name_property(&names_scope, r, "Path")?.unwrap_or_else(|| "/".to_owned());
                let path = path.trim_start_matches('/');
                Known::Role {
                    arn: names::role_arn(&options.account_id, &format!("{path}{name}")),
                    name,
                }
            }
            "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => Known::Unnamed,
            other => Known::Other {
                resource_type: other.to_owned(),
            },
        };
        known.insert(r.id.to_owned(), entry);
        included.push(r);
    }
    // What SAM would add: each function's role when it names none, and the implicit APIs.
    for r in &included {
        if r.resource_type == "AWS::Serverless::Function" && !r.properties.contains_key("Role") {
            let id = format!("{}Role", r.id);
            let name = names::default_role_name(&options.stack_name, r.id);
            known.entry(id).or_insert_with(|| Known::Role {
                arn: names::role_arn(&options.account_id, &name),
                name,
            });
        }
    }
    for id in [IMPLICIT_REST.0, IMPLICIT_HTTP.0] {
        known.entry(id.to_owned()).or_insert(Known::Unnamed);
    }

    let ctx = Ctx {
        scope: Scope {
            resources: &known,
            ..names_scope
        },
        options,
        globals: &globals,
    };
    let mut functions = Vec::new();
    let mut layers = Vec::new();
    let mut events = Vec::new();
    let mut explicit_apis = Vec::new();
    let mut unsupported = Vec::new();
    let mut serverless = false;
    for r in &included {
        serverless |= r.resource_type.starts_with("AWS::Serverless::");
        match r.resource_type {
            t if FUNCTION_TYPES.contains(&t) => {
                let name = function_names.get(r.id).cloned().unwrap_or_default();
                let (f, e) =
                    functions::function(&ctx, r.id, t, r.properties, &name, &mut warnings)?;
                functions.push(f);
                events.extend(e);
            }
            t if LAYER_TYPES.contains(&t) => {
                let name = layer_names.get(r.id).cloned().unwrap_or_default();
                layers.push(functions::layer(&ctx, r.id, t, r.properties, &name)?);
            }
            "AWS::Serverless::Api" => explicit_apis.push(RawApi {
                id: r.id.to_owned(),
                kind: ApiKind::Rest,
                properties: r.properties,
            }),
            "AWS::Serverless::HttpApi" => explicit_apis.push(RawApi {
                id: r.id.to_owned(),
                kind: ApiKind::Http,
                properties: r.properties,
            }),
            other => unsupported.push(Unsupported {
                logical_id: r.id.to_owned(),
                resource_type: other.to_owned(),
            }),
        }
    }
    if serverless && !sam {
        warnings.push(format!(
            "the template has AWS::Serverless resources but no Transform: {SAM_TRANSFORM}; read as SAM all the same"
        ));
    }
    let (apis, unhandled_events) =
        apis::apis(&ctx, &explicit_apis, events, &functions, &mut warnings)?;
    Ok(Plan {
        stack_name: options.stack_name.clone(),
        description: root.get("Description").and_then(eval::scalar_string),
        functions,
        layers,
        apis,
        unhandled_events,
        unsupported,
        warnings,
    })
}
