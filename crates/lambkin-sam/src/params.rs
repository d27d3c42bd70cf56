//! The template's `Parameters`, given values: an override, else the `Default`; typed and checked against their
//! constraints as CloudFormation checks them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{kind, SamError};
use crate::eval::scalar_string;
use crate::fields::typed;

/// How a parameter's value is held: one string, or a list of strings.
enum Shape {
    Text,
    Number,
    List,
    NumberList,
}

fn shape(ty: &str) -> Option<Shape> {
    // `AWS::SSM::Parameter::Value<T>`: lambkin has no SSM; an override gives the value itself.
    let ty = ty
        .strip_prefix("AWS::SSM::Parameter::Value<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    match ty {
        "String" => Some(Shape::Text),
        "Number" => Some(Shape::Number),
        "CommaDelimitedList" | "List<String>" => Some(Shape::List),
        "List<Number>" => Some(Shape::NumberList),
        t if t.starts_with("List<AWS::") => Some(Shape::List),
        t if t.starts_with("AWS::") => Some(Shape::Text),
        _ => None,
    }
}

/// Each parameter's value: a string for `String`, `Number` and AWS-specific types, a list of strings for
/// `CommaDelimitedList` and `List<…>`. An override for a parameter the template does not declare is an error.
pub(crate) fn resolve(
    section: Option<&Value>,
    overrides: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, SamError> {
    let empty = Map::new();
    let defs = match section {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(SamError::at(
                "Parameters",
                format!("expected a map of parameters, found {}", kind(other)),
            ))
        }
    };
    if let Some(unknown) = overrides.keys().find(|k| !defs.contains_key(*k)) {
        let declared: Vec<&str> = defs.keys().map(String::as_str).collect();
        return Err(SamError::Overrides(format!(
            "the template has no parameter {unknown} (it declares: {})",
            if declared.is_empty() {
                "none".to_owned()
            } else {
                declared.join(", ")
            }
        )));
    }
    let mut values = BTreeMap::new();
    for (name, def) in defs {
        let at = format!("Parameters.{name}");
        values.insert(name.clone(), value(name, def, overrides.get(name), &at)?);
    }
    Ok(values)
}

fn value(name: &str, def: &Value, given: Option<&String>, at: &str) -> Result<Value, SamError> {
    let (def, ty) = typed(def, at, "a map with Type")?;
    let Some(shape) = shape(ty) else {
        return Err(SamError::at(
            format!("{at}.Type"),
            format!("unknown parameter type {ty}: expected String, Number, CommaDelimitedList, List<Number>, List<String> or an AWS-specific type"),
        ));
    };
    let raw = match (given, def.get("Default")) {
        (Some(v), _) => v.clone(),
        // The default of an SSM parameter is the name of the SSM parameter to read, not a value.
        (None, _) if ty.starts_with("AWS::SSM::") => {
            return Err(SamError::at(
                at,
                format!("{name} is an SSM parameter, which lambkin cannot read: give its value with --parameter-overrides {name}=…"),
            ))
        }
        (None, Some(Value::Array(items))) => items
            .iter()
            .filter_map(scalar_string)
            .collect::<Vec<_>>()
            .join(","),
        (None, Some(d)) => scalar_string(d).ok_or_else(|| {
            SamError::at(
                format!("{at}.Default"),
                format!("expected a string, found {}", kind(d)),
            )
        })?,
        (None, None) => {
            return Err(SamError::at(
                at,
                format!("{name} has no Default: give it a value with --parameter-overrides {name}=…"),
            ))
        }
    };
    let reason = |what: String| {
        let message = match def.get("ConstraintDescription").and_then(Value::as_str) {
            Some(d) => format!("{what} ({d})"),
            None => what,
        };
        SamError::at(at, message)
    };
    let items: Vec<String> = match shape {
        Shape::Text | Shape::Number => vec![raw.clone()],
        Shape::List | Shape::NumberList => raw.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    if matches!(shape, Shape::Number | Shape::NumberList) {
        for item in &items {
            let n: f64 = item
                .trim()
                .parse()
                .map_err(|_| reason(format!("{item:?} is not a number")))?;
            if let Some(min) = def.get("MinValue").and_then(number) {
                if n < min {
                    return Err(reason(format!("{item} is less than MinValue {min}")));
                }
            }
            if let Some(max) = def.get("MaxValue").and_then(number) {
                if n > max {
                    return Err(reason(format!("{item} is more than MaxValue {max}")));
                }
            }
        }
    }
    if let Some(allowed) = def.get("AllowedValues") {
        let Value::Array(allowed) = allowed else {
            return Err(SamError::at(
                format!("{at}.AllowedValues"),
                format!("expected a list, found {}", kind(allowed)),
            ));
        };
        let allowed: Vec<String> = allowed.iter().filter_map(scalar_string).collect();
        for item in &items {
            if !allowed.contains(item) {
                return Err(reason(format!(
                    "{item:?} is not one of the AllowedValues: {}",
                    allowed.join(", ")
                )));
            }
        }
    }
    if matches!(shape, Shape::Text) {
        let len = raw.chars().count();
        if let Some(min) = def.get("MinLength").and_then(number) {
            if (len as f64) < min {
                return Err(reason(format!("{raw:?} is shorter than MinLength {min}")));
            }
        }
        if let Some(max) = def.get("MaxLength").and_then(number) {
            if (len as f64) > max {
                return Err(reason(format!("{raw:?} is longer than MaxLength {max}")));
            }
        }
        if let Some(pattern) = def.get("AllowedPattern").and_then(Value::as_str) {
            // CloudFormation matches the whole value.
            let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                SamError::at(
                    format!("{at}.AllowedPattern"),
                    format!("not a regular expression: {e}"),
                )
            })?;
            if !re.is_match(&raw) {
                return Err(reason(format!(
                    "{raw:?} does not match AllowedPattern {pattern}"
                )));
            }
        }
    }
    Ok(match shape {
        Shape::Text | Shape::Number => Value::String(raw),
        Shape::List | Shape::NumberList => {
            Value::Array(items.into_iter().map(Value::String).collect())
        }
    })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve_with(
        section: Value,
        overrides: &[(&str, &str)],
    ) -> Result<BTreeMap<String, Value>, SamError> {
        let o = overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve(Some(&section), &o)
    }

    #[test]
    fn defaults_overrides_and_types() {
        let section = json!({
            "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
            "Memory": {"Type": "Number", "Default": 128, "MinValue": 128, "MaxValue": 10240},
            "Subnets": {"Type": "CommaDelimitedList", "Default": "a, b ,c"},
            "Ports": {"Type": "List<Number>", "Default": "80,443"},
            "Vpc": {"Type": "AWS::EC2::VPC::Id", "Default": "vpc-1"},
            "Ids": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "subnet-1,subnet-2"}
        });
        let v = resolve_with(section.clone(), &[]).expect("defaults");
        assert_eq!(v["Stage"], "dev");
        assert_eq!(v["Memory"], "128");
        assert_eq!(v["Subnets"], json!(["a", "b", "c"]));
        assert_eq!(v["Ports"], json!(["80", "443"]));
        assert_eq!(v["Vpc"], "vpc-1");
        assert_eq!(v["Ids"], json!(["subnet-1", "subnet-2"]));
        let v = resolve_with(
            section,
            &[("Stage", "prod"), ("Memory", "512"), ("Subnets", "x")],
        )
        .expect("overrides");
        assert_eq!(v["Stage"], "prod");
        assert_eq!(v["Memory"], "512");
        assert_eq!(v["Subnets"], json!(["x"]));
        assert!(resolve(None, &BTreeMap::new()).expect("none").is_empty());
    }

    #[test]
    fn constraints_are_checked() {
        let section = json!({
            "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"],
                      "ConstraintDescription": "dev or prod"},
            "Memory": {"Type": "Number", "Default": 128, "MinValue": 128},
            "Name": {"Type": "String", "Default": "ok", "AllowedPattern": "[a-z]+", "MaxLength": 5}
        });
        let e = resolve_with(section.clone(), &[("Stage", "qa")])
            .expect_err("not allowed")
            .to_string();
        assert_eq!(
            e,
            "Parameters.Stage: \"qa\" is not one of the AllowedValues: dev, prod (dev or prod)"
        );
        let e = resolve_with(section.clone(), &[("Memory", "lots")])
            .expect_err("nan")
            .to_string();
        assert!(e.contains("is not a number"), "{e}");
        let e = resolve_with(section.clone(), &[("Memory", "64")])
            .expect_err("min")
            .to_string();
        assert!(e.contains("less than MinValue 128"), "{e}");
        let e = resolve_with(section.clone(), &[("Name", "abc1")])
            .expect_err("pattern")
            .to_string();
        assert!(e.contains("does not match AllowedPattern"), "{e}");
        let e = resolve_with(section.clone(), &[("Name", "abcdef")])
            .expect_err("length")
            .to_string();
        assert!(e.contains("longer than MaxLength 5"), "{e}");
        let e = resolve_with(section, &[("Nope", "1")])
            .expect_err("unknown")
            .to_string();
        assert_eq!(
            e,
            "parameter overrides: the template has no parameter Nope (it declares: Memory, Name, Stage)"
        );
    }

    #[test]
    fn missing_values_and_bad_types() {
        let e = resolve_with(json!({"Key": {"Type": "String"}}), &[])
            .expect_err("no default")
            .to_string();
        assert_eq!(
            e,
            "Parameters.Key: Key has no Default: give it a value with --parameter-overrides Key=…"
        );
        assert_eq!(
            resolve_with(json!({"Key": {"Type": "String"}}), &[("Key", "v")]).expect("given")
                ["Key"],
            "v"
        );
        let ssm = json!({"P": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/x"}});
        let e = resolve_with(ssm.clone(), &[]).expect_err("ssm").to_string();
        assert!(e.contains("SSM parameter"), "{e}");
        assert_eq!(resolve_with(ssm, &[("P", "v")]).expect("given")["P"], "v");
        let e = resolve_with(json!({"P": {"Type": "Text"}}), &[])
            .expect_err("type")
            .to_string();
        assert!(
            e.starts_with("Parameters.P.Type: unknown parameter type Text"),
            "{e}"
        );
    }
}
