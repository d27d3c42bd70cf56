//! Intrinsic functions and conditions, evaluated over resolved parameters, mappings and the physical names of
//! the template's resources (which are computed first: they depend on parameters only).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{child, kind, SamError};

/// Stands for a layer of the template inside a function's `Layers` while they are evaluated (`LAYER_MARK`, the
/// logical id, `LAYER_END`): its version ARN is known only once it is published. Never leaves the crate.
pub(crate) const LAYER_MARK: &str = "\u{0}lambkin-layer:";
/// Ends a [`LAYER_MARK`]ed logical id.
pub(crate) const LAYER_END: char = '\u{0}';

/// What a `Ref` or `Fn::GetAtt` of a resource gives.
#[derive(Debug, Clone)]
pub(crate) enum Known {
    /// A function: `Ref` is its name, `Arn` its ARN.
    Function { name: String, arn: String },
    /// A layer: its version ARN, known only inside `Layers`.
    Layer,
    /// A role (declared, or the one SAM makes for a function): `Ref` is its name, `Arn` its ARN.
    Role { name: String, arn: String },
    /// A resource of the plan whose own id is made by the service (APIs): `Ref` is its logical id, which
    /// `serve --api-listen` uses as the API's id.
    Unnamed,
    /// A resource lambkin does not create.
    Other { resource_type: String },
    /// A resource whose `Condition` is false.
    Excluded { condition: String },
}

/// Everything an expression may refer to.
pub(crate) struct Scope<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub stack: &'a str,
    /// Parameters' values: strings, or lists of strings.
    pub params: &'a BTreeMap<String, Value>,
    pub conditions: &'a BTreeMap<String, bool>,
    pub mappings: &'a Map<String, Value>,
    pub resources: &'a BTreeMap<String, Known>,
    /// Inside a function's `Layers`: a template layer becomes [`LAYER_MARK`] and its logical id.
    pub layer_refs: bool,
}

const SUPPORTED: &str = "Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::If, Fn::Select, Fn::Split, Fn::Base64, Fn::FindInMap, Fn::GetAZs, Fn::Length and Fn::ToJsonString";

/// `v` as a string if it is a scalar (CloudFormation turns numbers and booleans into strings where it wants one).
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A map of one key that names an intrinsic function (`Ref` or `Fn::…`): that key and its argument.
pub(crate) fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    let (k, arg) = m.iter().next()?;
    (k == "Ref" || k.starts_with("Fn::")).then_some((k.as_str(), arg))
}

pub(crate) fn args<'v>(
    arg: &'v Value,
    at: &str,
    name: &str,
    n: &[usize],
) -> Result<&'v [Value], SamError> {
    match arg {
        Value::Array(items) if n.contains(&items.len()) => Ok(items),
        other => Err(SamError::at(
            at,
            format!(
                "{name} takes a list of {} arguments, found {}",
                n.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                match other {
                    Value::Array(items) => format!("{} of them", items.len()),
                    v => kind(v).to_owned(),
                }
            ),
        )),
    }
}

impl Scope<'_> {
    /// Evaluates every intrinsic function in `v`. `None` is `AWS::NoValue`: the key (or list item) goes away.
    pub fn eval(&self, v: &Value, at: &str) -> Result<Option<Value>, SamError> {
        if let Some((name, arg)) = intrinsic(v) {
            return self.call(name, arg, &child(at, name));
        }
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, item) in m {
                    if let Some(x) = self.eval(item, &child(at, k))? {
                        out.insert(k.clone(), x);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(x) = self.eval(item, &child(at, &i.to_string()))? {
                        out.push(x);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// Evaluates `v` to a string (a scalar); `AWS::NoValue` is `None`.
    pub fn eval_string(&self, v: &Value, at: &str) -> Result<Option<String>, SamError> {
        match self.eval(v, at)? {
            None => Ok(None),
            Some(x) => scalar_string(&x)
                .map(Some)
                .ok_or_else(|| SamError::at(at, format!("expected a string, found {}", kind(&x)))),
        }
    }

    fn must_string(&self, v: &Value, at: &str) -> Result<String, SamError> {
        self.eval_string(v, at)?
            .ok_or_else(|| SamError::at(at, "expected a string, found AWS::NoValue"))
    }

    fn call(&self, name: &str, arg: &Value, at: &str) -> Result<Option<Value>, SamError> {
        match name {
            "Ref" => {
                let Value::String(target) = arg else {
                    return Err(SamError::at(
                        at,
                        format!("Ref takes a name, found {}", kind(arg)),
                    ));
                };
                self.reference(target, at)
            }
            "Fn::GetAtt" => {
                let (resource, attribute) = match arg {
                    Value::String(s) => match s.split_once('.') {
                        Some((r, a)) => (r.to_owned(), a.to_owned()),
                        None => {
                            return Err(SamError::at(
                                at,
                                format!("expected Resource.Attribute, found {s:?}"),
                            ))
                        }
                    },
                    _ => {
                        let a = args(arg, at, name, &[2])?;
                        let Value::String(resource) = &a[0] else {
                            return Err(SamError::at(
                                at,
                                format!("expected a resource's logical id, found {}", kind(&a[0])),
                            ));
                        };
                        (resource.clone(), self.must_string(&a[1], &child(at, "1"))?)
                    }
                };
                self.get_att(&resource, &attribute, at).map(Some)
            }
            "Fn::Sub" => self.sub(arg, at).map(|s| Some(Value::String(s))),
            "Fn::Join" => {
                let a = args(arg, at, name, &[2])?;
                let delimiter = self.must_string(&a[0], &child(at, "0"))?;
                let items = self.list(&a[1], &child(at, "1"))?;
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        scalar_string(v).ok_or_else(|| {
                            SamError::at(
                                child(&child(at, "1"), &i.to_string()),
                                format!("Fn::Join joins strings, found {}", kind(v)),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(Value::String(parts.join(&delimiter))))
            }
            "Fn::If" => {
                let a = args(arg, at, name, &[3])?;
                let Value::String(condition) = &a[0] else {
                    return Err(SamError::at(
                        at,
                        format!("Fn::If's first argument names a condition, found {}", kind(&a[0])),
                    ));
                };
                let Some(&holds) = self.conditions.get(condition) else {
                    return Err(SamError::at(
                        at,
                        format!("no condition named {condition} in Conditions"),
                    ));
                };
                let (branch, i) = if holds { (&a[1], "1") } else { (&a[2], "2") };
                self.eval(branch, &child(at, i))
            }
            "Fn::Select" => {
                let a = args(arg, at, name, &[2])?;
                let index = self.must_string(&a[0], &child(at, "0"))?;
                let index: usize = index.trim().parse().map_err(|_| {
                    SamError::at(at, format!("Fn::Select's index must be a whole number, found {index:?}"))
                })?;
                let items = self.list(&a[1], &child(at, "1"))?;
                items.get(index).cloned().map(Some).ok_or_else(|| {
                    SamError::at(
                        at,
                        format!("Fn::Select index {index} is past the list's {} items", items.len()),
                    )
                })
            }
            "Fn::Split" => {
                let a = args(arg, at, name, &[2])?;
                let delimiter = self.must_string(&a[0], &child(at, "0"))?;
                if delimiter.is_empty() {
                    return Err(SamError::at(at, "Fn::Split's delimiter is empty"));
                }
                let source = self.must_string(&a[1], &child(at, "1"))?;
                Ok(Some(Value::Array(
                    source
                        .split(delimiter.as_str())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                )))
            }
            "Fn::Base64" => {
                let s = self.must_string(arg, at)?;
                Ok(Some(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(s),
                )))
            }
            "Fn::FindInMap" => self.find_in_map(arg, at).map(Some),
            "Fn::GetAZs" => {
                let region = self.must_string(arg, at)?;
                let region = if region.is_empty() { self.region.to_owned() } else { region };
                Ok(Some(Value::Array(
                    ["a", "b", "c"]
                        .iter()
                        .map(|z| Value::String(format!("{region}{z}")))
                        .collect(),
                )))
            }
            "Fn::Length" => {
                let items = self.list(arg, at)?;
                Ok(Some(Value::from(items.len())))
            }
            "Fn::ToJsonString" => {
                let v = self.eval(arg, at)?.unwrap_or(Value::Null);
                Ok(Some(Value::String(v.to_string())))
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => Err(SamError::at(
                at,
                format!("{name} belongs in the Conditions section; use Fn::If with a condition here"),
            )),
            "Fn::ImportValue" => Err(SamError::at(
                at,
                "Fn::ImportValue (another stack's export) is not supported: the plan is one stack's",
            )),
            "Fn::Cidr" | "Fn::Transform" | "Fn::GetStackOutput" => Err(SamError::at(
                at,
                format!("{name} is not supported; supported are {SUPPORTED}"),
            )),
            other => Err(SamError::at(
                at,
                format!("unknown intrinsic function {other}; supported are {SUPPORTED}"),
            )),
        }
    }

    /// Evaluates `v` to a list (a list value, or an expression giving one).
    fn list(&self, v: &Value, at: &str) -> Result<Vec<Value>, SamError> {
        match self.eval(v, at)? {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(SamError::at(
                at,
                format!("expected a list, found {}", kind(&other)),
            )),
            None => Err(SamError::at(at, "expected a list, found AWS::NoValue")),
        }
    }

    /// `Ref name`: a parameter, a pseudo parameter or a resource.
    pub fn reference(&self, name: &str, at: &str) -> Result<Option<Value>, SamError> {
        if let Some(v) = self.params.get(name) {
            return Ok(Some(v.clone()));
        }
        let pseudo = match name {
            "AWS::Region" => self.region.to_owned(),
            "AWS::AccountId" => self.account.to_owned(),
            "AWS::StackName" => self.stack.to_owned(),
            "AWS::StackId" => format!(
                "arn:aws:cloudformation:{}:{}:stack/{}/{}",
                self.region,
                self.account,
                self.stack,
                stack_uuid(self.stack)
            ),
            "AWS::Partition" => "aws".to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            "AWS::NotificationARNs" => return Ok(Some(Value::Array(Vec::new()))),
            "AWS::NoValue" => return Ok(None),
            _ => return self.resource_ref(name, at).map(Some),
        };
        Ok(Some(Value::String(pseudo)))
    }

    fn resource_ref(&self, name: &str, at: &str) -> Result<Value, SamError> {
        match self.resources.get(name) {
            Some(Known::Function { name, .. }) | Some(Known::Role { name, .. }) => {
                Ok(Value::String(name.clone()))
            }
            Some(Known::Layer) if self.layer_refs => Ok(Value::String(format!("{LAYER_MARK}{name}{LAYER_END}"))),
            Some(Known::Layer) => Err(SamError::at(
                at,
                format!("layer {name}'s version ARN is known only once it is published; only a function's Layers may refer to it"),
            )),
            // Resources lambkin does not create (listed in the plan's warning): a stand-in of the shape
            // CloudFormation's `Ref` gives, so the functions that mention them still deploy.
            Some(Known::Unnamed) => Ok(Value::String(name.to_owned())),
            Some(Known::Other { resource_type }) => Ok(Value::String(self.stand_in_ref(name, resource_type))),
            Some(Known::Excluded { condition }) => Err(SamError::at(
                at,
                format!("{name} is not created: its condition {condition} is false"),
            )),
            None if self.resources.is_empty() => Err(SamError::at(
                at,
                format!("no parameter named {name} (only parameters may be referred to here)"),
            )),
            None => Err(SamError::at(at, format!("no parameter or resource named {name}"))),
        }
    }

    /// The name CloudFormation would give a resource lambkin does not create.
    fn stand_in_name(&self, logical_id: &str) -> String {
        crate::names::physical_name(self.stack, logical_id, 128)
    }

    /// `Ref` of a resource lambkin does not create, in the shape CloudFormation answers for its type.
    fn stand_in_ref(&self, logical_id: &str, resource_type: &str) -> String {
        let name = self.stand_in_name(logical_id);
        let (region, account) = (self.region, self.account);
        match resource_type {
            "AWS::SQS::Queue" => format!("https://sqs.{region}.amazonaws.com/{account}/{name}"),
            "AWS::SNS::Topic" => format!("arn:aws:sns:{region}:{account}:{name}"),
            _ => name,
        }
    }

    /// `Fn::GetAtt` of a resource lambkin does not create: ARNs of its service's shape, names and URLs as
    /// CloudFormation answers them.
    fn stand_in_att(&self, logical_id: &str, resource_type: &str, attribute: &str) -> String {
        let name = self.stand_in_name(logical_id);
        let (region, account) = (self.region, self.account);
        let service = resource_type
            .split("::")
            .nth(1)
            .unwrap_or("unknown")
            .to_ascii_lowercase();
        match (resource_type, attribute) {
            ("AWS::DynamoDB::Table", "Arn") => {
                format!("arn:aws:dynamodb:{region}:{account}:table/{name}")
            }
            ("AWS::DynamoDB::Table", "StreamArn") => format!(
                "arn:aws:dynamodb:{region}:{account}:table/{name}/stream/1970-01-01T00:00:00.000"
            ),
            ("AWS::SQS::Queue", "Arn") => format!("arn:aws:sqs:{region}:{account}:{name}"),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SQS::Queue", "QueueUrl") => {
                format!("https://sqs.{region}.amazonaws.com/{account}/{name}")
            }
            ("AWS::SNS::Topic", "TopicArn" | "Arn") => {
                format!("arn:aws:sns:{region}:{account}:{name}")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{name}"),
            ("AWS::S3::Bucket", "DomainName") => format!("{name}.s3.amazonaws.com"),
            ("AWS::Logs::LogGroup", "Arn") => {
                format!("arn:aws:logs:{region}:{account}:log-group:{name}:*")
            }
            (_, "Arn") => format!("arn:aws:{service}:{region}:{account}:{name}"),
            _ => format!("{name}-{attribute}"),
        }
    }

    /// `Fn::GetAtt resource.attribute`.
    pub fn get_att(&self, resource: &str, attribute: &str, at: &str) -> Result<Value, SamError> {
        let unsupported = |what: String| {
            SamError::at(
                at,
                format!("Fn::GetAtt {resource}.{attribute}: {what}; supported are a function's Arn, a layer version's Arn (in Layers) and an IAM role's Arn"),
            )
        };
        match (self.resources.get(resource), attribute) {
            (Some(Known::Function { arn, .. }), "Arn") | (Some(Known::Role { arn, .. }), "Arn") => {
                Ok(Value::String(arn.clone()))
            }
            (Some(Known::Layer), "Arn" | "LayerVersionArn") if self.layer_refs => {
                Ok(Value::String(format!("{LAYER_MARK}{resource}{LAYER_END}")))
            }
            (Some(Known::Layer), "Arn" | "LayerVersionArn") => Err(SamError::at(
                at,
                format!("layer {resource}'s version ARN is known only once it is published; only a function's Layers may refer to it"),
            )),
            (Some(Known::Function { .. }), _) => Err(unsupported("a function's only supported attribute is Arn".into())),
            (Some(Known::Role { .. }), _) => Err(unsupported("a role's only supported attribute is Arn".into())),
            (Some(Known::Layer), _) => Err(unsupported("a layer's only supported attribute is Arn".into())),
            (Some(Known::Unnamed), _) => Ok(Value::String(resource.to_owned())),
            (Some(Known::Other { resource_type }), _) => {
                Ok(Value::String(self.stand_in_att(resource, resource_type, attribute)))
            }
            (Some(Known::Excluded { condition }), _) => Err(SamError::at(
                at,
                format!("{resource} is not created: its condition {condition} is false"),
            )),
            (None, _) => Err(SamError::at(at, format!("no resource named {resource}"))),
        }
    }

    fn find_in_map(&self, arg: &Value, at: &str) -> Result<Value, SamError> {
        let a = args(arg, at, "Fn::FindInMap", &[3, 4])?;
        let map = self.must_string(&a[0], &child(at, "0"))?;
        let top = self.must_string(&a[1], &child(at, "1"))?;
        let second = self.must_string(&a[2], &child(at, "2"))?;
        let default = match a.get(3) {
            None => None,
            Some(d) => match self.eval(d, &child(at, "3"))? {
                Some(Value::Object(m)) if m.contains_key("DefaultValue") => {
                    m.get("DefaultValue").cloned()
                }
                _ => {
                    return Err(SamError::at(
                        at,
                        "Fn::FindInMap's fourth argument must be {DefaultValue: …}",
                    ))
                }
            },
        };
        let found = self
            .mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second));
        match (found, default) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(d)) => Ok(d),
            (None, None) if !self.mappings.contains_key(&map) => Err(SamError::at(
                at,
                format!("no mapping named {map} in Mappings"),
            )),
            (None, None) => Err(SamError::at(
                at,
                format!("mapping {map} has no {top}.{second}"),
            )),
        }
    }

    /// `Fn::Sub`: `"text ${Name} ${Res.Attr} ${!Literal}"` or `[text, {Name: value}]`.
    fn sub(&self, arg: &Value, at: &str) -> Result<String, SamError> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), None),
            Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
                (Value::String(s), Value::Object(m)) => (s.as_str(), Some(m)),
                _ => {
                    return Err(SamError::at(
                        at,
                        "Fn::Sub takes a string, or a list of a string and a map of variables",
                    ))
                }
            },
            other => {
                return Err(SamError::at(
                    at,
                    format!("Fn::Sub takes a string, or a list of a string and a map of variables; found {}", kind(other)),
                ))
            }
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Name}` is the text `${Name}`.
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(SamError::at(at, format!("unterminated ${{ in {text:?}")));
            };
            let name = after[..end].trim();
            out.push_str(&self.sub_variable(name, vars, at)?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn sub_variable(
        &self,
        name: &str,
        vars: Option<&Map<String, Value>>,
        at: &str,
    ) -> Result<String, SamError> {
        let value = if let Some(v) = vars.and_then(|m| m.get(name)) {
            self.eval(v, &child(&child(at, "1"), name))?
        } else if let (false, Some((resource, attribute))) =
            (self.params.contains_key(name), name.split_once('.'))
        {
            Some(self.get_att(resource, attribute, at)?)
        } else {
            self.reference(name, at)?
        };
        match value {
            Some(v) => scalar_string(&v).ok_or_else(|| {
                SamError::at(
                    at,
                    format!(
                        "${{{name}}} is {}, which Fn::Sub cannot put in a string (Fn::Join a list)",
                        kind(&v)
                    ),
                )
            }),
            None => Err(SamError::at(at, format!("${{{name}}} is AWS::NoValue"))),
        }
    }
}

/// A stack id's uuid part, stable for a stack name (CloudFormation's is random).
fn stack_uuid(stack: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("stack-id/{stack}").as_bytes());
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fixture {
        params: BTreeMap<String, Value>,
        conditions: BTreeMap<String, bool>,
        mappings: Map<String, Value>,
        resources: BTreeMap<String, Known>,
    }

    impl Fixture {
        fn new() -> Self {
            let mut params = BTreeMap::new();
            params.insert("Stage".to_owned(), json!("prod"));
            params.insert("Subnets".to_owned(), json!(["a", "b"]));
            let mut conditions = BTreeMap::new();
            conditions.insert("IsProd".to_owned(), true);
            conditions.insert("IsDev".to_owned(), false);
            let mappings = json!({"Sizes": {"prod": {"Memory": 1024}, "dev": {"Memory": 128}}})
                .as_object()
                .cloned()
                .unwrap_or_default();
            let mut resources = BTreeMap::new();
            resources.insert(
                "Fn".to_owned(),
                Known::Function {
                    name: "app-Fn-ABC".into(),
                    arn: "arn:aws:lambda:eu-west-1:123456789012:function:app-Fn-ABC".into(),
                },
            );
            resources.insert("Deps".to_owned(), Known::Layer);
            resources.insert(
                "Table".to_owned(),
                Known::Other {
                    resource_type: "AWS::DynamoDB::Table".into(),
                },
            );
            resources.insert(
                "Gone".to_owned(),
                Known::Excluded {
                    condition: "IsDev".into(),
                },
            );
            Fixture {
                params,
                conditions,
                mappings,
                resources,
            }
        }

        fn scope(&self) -> Scope<'_> {
            Scope {
                region: "eu-west-1",
                account: "123456789012",
                stack: "app",
                params: &self.params,
                conditions: &self.conditions,
                mappings: &self.mappings,
                resources: &self.resources,
                layer_refs: false,
            }
        }
    }

    fn eval(v: Value) -> Result<Option<Value>, SamError> {
        Fixture::new().scope().eval(&v, "Resources.X.Properties.P")
    }

    fn ok(v: Value) -> Value {
        eval(v).expect("eval").expect("a value")
    }

    fn err(v: Value) -> String {
        eval(v).expect_err("an error").to_string()
    }

    #[test]
    fn refs_and_pseudo_parameters() {
        assert_eq!(ok(json!({"Ref": "Stage"})), "prod");
        assert_eq!(ok(json!({"Ref": "Subnets"})), json!(["a", "b"]));
        assert_eq!(ok(json!({"Ref": "AWS::Region"})), "eu-west-1");
        assert_eq!(ok(json!({"Ref": "AWS::AccountId"})), "123456789012");
        assert_eq!(ok(json!({"Ref": "AWS::StackName"})), "app");
        assert_eq!(ok(json!({"Ref": "AWS::Partition"})), "aws");
        assert_eq!(ok(json!({"Ref": "AWS::URLSuffix"})), "amazonaws.com");
        assert!(ok(json!({"Ref": "AWS::StackId"})).as_str().is_some_and(
            |s| s.starts_with("arn:aws:cloudformation:eu-west-1:123456789012:stack/app/")
        ));
        assert_eq!(ok(json!({"Ref": "Fn"})), "app-Fn-ABC");
        assert_eq!(
            ok(json!({"Fn::GetAtt": ["Fn", "Arn"]})),
            "arn:aws:lambda:eu-west-1:123456789012:function:app-Fn-ABC"
        );
    }

    #[test]
    fn no_value_removes_keys_and_items() {
        assert_eq!(
            ok(
                json!({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Fn::If": ["IsDev", 2, {"Ref": "AWS::NoValue"}]}, 3]})
            ),
            json!({"B": [1, 3]})
        );
        assert_eq!(eval(json!({"Ref": "AWS::NoValue"})).expect("ok"), None);
    }

    #[test]
    fn sub_forms() {
        assert_eq!(
            ok(
                json!({"Fn::Sub": "${AWS::StackName}-${Stage}-${Fn.Arn}-${!Literal}-$x-${ Stage }"})
            ),
            "app-prod-arn:aws:lambda:eu-west-1:123456789012:function:app-Fn-ABC-${Literal}-$x-prod"
        );
        assert_eq!(
            ok(json!({"Fn::Sub": ["${Name}.${Stage}", {"Name": {"Fn::Join": ["-", ["a", "b"]]}}]})),
            "a-b.prod"
        );
        assert!(err(json!({"Fn::Sub": "${Subnets}"})).contains("is a list"));
        assert!(err(json!({"Fn::Sub": "${Stage"})).contains("unterminated"));
        assert!(err(json!({"Fn::Sub": "${Nope}"})).contains("no parameter or resource named Nope"));
    }

    #[test]
    fn lists_maps_and_selects() {
        assert_eq!(ok(json!({"Fn::Join": [",", {"Ref": "Subnets"}]})), "a,b");
        assert_eq!(ok(json!({"Fn::Join": ["", ["x", 1, true]]})), "x1true");
        assert_eq!(ok(json!({"Fn::Select": ["1", {"Ref": "Subnets"}]})), "b");
        assert_eq!(
            ok(json!({"Fn::Split": [",", "a,,b"]})),
            json!(["a", "", "b"])
        );
        assert_eq!(
            ok(json!({"Fn::Select": [2, {"Fn::Split": ["/", "x/y/z"]}]})),
            "z"
        );
        assert_eq!(ok(json!({"Fn::Base64": {"Ref": "Stage"}})), "cHJvZA==");
        assert_eq!(
            ok(json!({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]})),
            json!(1024)
        );
        assert_eq!(
            ok(json!({"Fn::FindInMap": ["Sizes", "qa", "Memory", {"DefaultValue": 256}]})),
            json!(256)
        );
        assert_eq!(ok(json!({"Fn::If": ["IsProd", "big", "small"]})), "big");
        assert_eq!(
            ok(json!({"Fn::GetAZs": ""})),
            json!(["eu-west-1a", "eu-west-1b", "eu-west-1c"])
        );
        assert_eq!(ok(json!({"Fn::Length": {"Ref": "Subnets"}})), json!(2));
        assert_eq!(
            ok(json!({"Fn::ToJsonString": {"a": {"Ref": "Stage"}}})),
            r#"{"a":"prod"}"#
        );
    }

    #[test]
    fn errors_name_the_place_and_what_is_supported() {
        // A resource lambkin does not create answers a stand-in (see `stand_in_att`).
        let stream = ok(json!({"Fn::GetAtt": ["Table", "StreamArn"]}));
        assert!(
            stream.as_str().is_some_and(
                |s| s.starts_with("arn:aws:dynamodb:eu-west-1:123456789012:table/app-Table-")
            ),
            "{stream}"
        );
        assert!(err(json!({"Fn::GetAtt": ["Fn", "Version"]}))
            .contains("only supported attribute is Arn"));
        assert!(ok(json!({"Ref": "Table"}))
            .as_str()
            .is_some_and(|s| s.starts_with("app-Table-")));
        assert!(err(json!({"Ref": "Gone"})).contains("its condition IsDev is false"));
        assert!(err(json!({"Ref": "Deps"})).contains("only a function's Layers"));
        let e = err(json!({"Fn::Bogus": 1}));
        assert!(
            e.contains("unknown intrinsic function Fn::Bogus; supported are Ref, Fn::Sub"),
            "{e}"
        );
        assert!(err(json!({"Fn::ImportValue": "x"})).contains("not supported"));
        assert!(err(json!({"Fn::Equals": ["a", "a"]})).contains("Conditions section"));
        assert!(err(json!({"Fn::If": ["Nope", 1, 2]})).contains("no condition named Nope"));
        assert!(err(json!({"Fn::Select": [5, ["a"]]})).contains("past the list"));
        assert!(err(json!({"Fn::Join": [","]}))
            .contains("takes a list of 2 arguments, found 1 of them"));
        assert!(err(json!({"Fn::FindInMap": ["Nope", "a", "b"]})).contains("no mapping named Nope"));
        assert!(
            err(json!({"Fn::FindInMap": ["Sizes", "qa", "Memory"]})).contains("has no qa.Memory")
        );
        let e = err(json!({"A": {"B": [0, {"Fn::Sub": 3}]}}));
        assert!(
            e.starts_with("Resources.X.Properties.P.A.B.1.Fn::Sub: "),
            "{e}"
        );
    }

    #[test]
    fn layers_are_marked_inside_layers() {
        let f = Fixture::new();
        let mut scope = f.scope();
        scope.layer_refs = true;
        assert_eq!(
            scope.eval(&json!({"Ref": "Deps"}), "x").expect("ok"),
            Some(Value::String(format!("{LAYER_MARK}Deps{LAYER_END}")))
        );
        assert_eq!(
            scope
                .eval(&json!({"Fn::GetAtt": "Deps.Arn"}), "x")
                .expect("ok"),
            Some(Value::String(format!("{LAYER_MARK}Deps{LAYER_END}")))
        );
    }
}
