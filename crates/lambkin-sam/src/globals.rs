//! SAM's `Globals`: a section's properties merged into each resource of its type (and into the implicit APIs),
//! as SAM's translator merges them.
//!
//! - A value the resource sets wins over the global one (a map of one intrinsic function, `{"Ref": …}`, is a
//!   value, not a map to merge).
//! - Maps are merged key by key, recursively: `Environment.Variables` gets both sets, the resource's winning.
//! - Lists are joined, the global entries first (`Layers` in `Globals` and on a function: both) — except
//!   `Architectures`, which the resource's list replaces, since a function runs on one architecture (SAM is making
//!   the same exception).

use serde_json::{Map, Value};

use crate::error::{kind, SamError};
use crate::eval::intrinsic;

/// Properties whose list, when the resource gives one, replaces the global list instead of extending it.
const REPLACED_LISTS: &[&str] = &["Architectures"];

/// The template's `Globals`, checked to be a map of maps.
pub(crate) struct Globals<'t> {
    section: Option<&'t Map<String, Value>>,
}

impl<'t> Globals<'t> {
    /// Reads the `Globals` section.
    pub fn new(section: Option<&'t Value>) -> Result<Self, SamError> {
        let section = match section {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                for (name, v) in m {
                    if !v.is_object() {
                        return Err(SamError::at(
                            format!("Globals.{name}"),
                            format!("expected a map of properties, found {}", kind(v)),
                        ));
                    }
                }
                Some(m)
            }
            Some(other) => {
                return Err(SamError::at(
                    "Globals",
                    format!("expected a map of sections, found {}", kind(other)),
                ))
            }
        };
        Ok(Globals { section })
    }

    /// `properties` of a resource of `section` (`Function`, `Api`, …) with that section's globals merged in.
    pub fn apply(&self, section: &str, properties: &Map<String, Value>) -> Map<String, Value> {
        let global = self
            .section
            .and_then(|s| s.get(section))
            .and_then(Value::as_object);
        match global {
            None => properties.clone(),
            Some(g) => merge_maps(g, properties, true),
        }
    }
}

fn merge_maps(
    global: &Map<String, Value>,
    local: &Map<String, Value>,
    top: bool,
) -> Map<String, Value> {
    let mut out = local.clone();
    for (k, g) in global {
        let merged = match local.get(k) {
            None => g.clone(),
            Some(l) if top && REPLACED_LISTS.contains(&k.as_str()) => l.clone(),
            Some(l) => merge(g, l),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn merge(global: &Value, local: &Value) -> Value {
    if intrinsic(global).is_some() || intrinsic(local).is_some() {
        return local.clone();
    }
    match (global, local) {
        (Value::Object(g), Value::Object(l)) => Value::Object(merge_maps(g, l, false)),
        (Value::Array(g), Value::Array(l)) => Value::Array(g.iter().chain(l).cloned().collect()),
        _ => local.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(globals: Value, section: &str, props: Value) -> Value {
        let g = Globals::new(Some(&globals)).expect("globals");
        Value::Object(g.apply(section, props.as_object().expect("props")))
    }

    #[test]
    fn resource_wins_maps_merge_lists_join() {
        let globals = json!({"Function": {
            "Runtime": "python3.12",
            "Timeout": 10,
            "Environment": {"Variables": {"TABLE": "t", "STAGE": "dev"}},
            "Layers": ["arn:global"],
            "Architectures": ["x86_64"],
            "Tags": {"team": "a"}
        }});
        let merged = apply(
            globals,
            "Function",
            json!({
                "Timeout": 30,
                "Environment": {"Variables": {"STAGE": "prod", "EXTRA": "1"}},
                "Layers": [{"Ref": "Deps"}],
                "Architectures": ["arm64"]
            }),
        );
        assert_eq!(
            merged,
            json!({
                "Runtime": "python3.12",
                "Timeout": 30,
                "Environment": {"Variables": {"TABLE": "t", "STAGE": "prod", "EXTRA": "1"}},
                "Layers": ["arn:global", {"Ref": "Deps"}],
                "Architectures": ["arm64"],
                "Tags": {"team": "a"}
            })
        );
    }

    #[test]
    fn intrinsics_are_values_not_maps() {
        let globals = json!({"Function": {"Environment": {"Variables": {"A": {"Ref": "X"}}}, "Role": {"Fn::GetAtt": ["R", "Arn"]}}});
        let merged = apply(
            globals,
            "Function",
            json!({"Environment": {"Variables": {"A": {"Fn::Sub": "y"}}}, "Role": "arn:local"}),
        );
        assert_eq!(
            merged,
            json!({"Environment": {"Variables": {"A": {"Fn::Sub": "y"}}}, "Role": "arn:local"})
        );
    }

    #[test]
    fn other_sections_and_shapes() {
        let globals = json!({"Api": {"Cors": "'*'"}});
        assert_eq!(
            apply(globals.clone(), "Function", json!({"A": 1})),
            json!({"A": 1})
        );
        assert_eq!(apply(globals, "Api", json!({})), json!({"Cors": "'*'"}));
        assert!(Globals::new(Some(&json!({"Function": []}))).is_err());
        assert!(Globals::new(Some(&json!([]))).is_err());
        assert!(Globals::new(None).is_ok());
    }
}
