//! Typed reads of a resource's properties: only the properties the plan uses are evaluated (so a `Policies`
//! entry naming a table lambkin does not create is never an error), each with its place for messages.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{child, kind, SamError};
use crate::eval::{scalar_string, Scope};

/// Some properties, evaluated, at a place of the template.
pub(crate) struct Fields {
    map: Map<String, Value>,
    at: String,
}

impl Fields {
    /// Evaluates `keys` of `raw` (the rest is left out) into fields at `at`.
    pub fn evaluate(
        scope: &Scope<'_>,
        raw: &Map<String, Value>,
        keys: &[&str],
        at: &str,
    ) -> Result<Fields, SamError> {
        let mut map = Map::new();
        for key in keys {
            if let Some(v) = raw.get(*key) {
                if let Some(x) = scope.eval(v, &child(at, key))? {
                    map.insert((*key).to_owned(), x);
                }
            }
        }
        Ok(Fields {
            map,
            at: at.to_owned(),
        })
    }

    /// Fields over an evaluated map.
    pub fn of(v: Value, at: &str) -> Result<Fields, SamError> {
        match v {
            Value::Object(map) => Ok(Fields {
                map,
                at: at.to_owned(),
            }),
            other => Err(SamError::at(
                at,
                format!("expected a map, found {}", kind(&other)),
            )),
        }
    }

    /// The place of `key`.
    pub fn at(&self, key: &str) -> String {
        child(&self.at, key)
    }

    /// The place of these fields.
    pub fn place(&self) -> &str {
        &self.at
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// `key` as a string (numbers and booleans as their text).
    pub fn string(&self, key: &str) -> Result<Option<String>, SamError> {
        self.get(key)
            .map(|v| to_string(v, &self.at(key)))
            .transpose()
    }

    /// `key` as a string that must be present.
    pub fn required_string(&self, key: &str) -> Result<String, SamError> {
        self.string(key)?
            .ok_or_else(|| SamError::at(self.place(), format!("{key} is missing")))
    }

    /// `key` as a whole number of at least 0.
    pub fn u32(&self, key: &str) -> Result<Option<u32>, SamError> {
        self.get(key).map(|v| to_u32(v, &self.at(key))).transpose()
    }

    /// `key` as a boolean (`true`, `false`, or those words).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, SamError> {
        self.get(key).map(|v| to_bool(v, &self.at(key))).transpose()
    }

    /// `key` as a list of strings; absent is empty.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, SamError> {
        self.get(key)
            .map(|v| to_strings(v, &self.at(key)))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// `key` as one string or a list of them; absent is empty.
    pub fn one_or_more(&self, key: &str) -> Result<Vec<String>, SamError> {
        match self.get(key) {
            Some(Value::Array(_)) => self.strings(key),
            Some(v) => Ok(vec![to_string(v, &self.at(key))?]),
            None => Ok(Vec::new()),
        }
    }

    /// `key` as a map of strings; absent is empty.
    pub fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>, SamError> {
        let Some(v) = self.get(key) else {
            return Ok(BTreeMap::new());
        };
        let at = self.at(key);
        let Value::Object(m) = v else {
            return Err(SamError::at(
                at,
                format!("expected a map of strings, found {}", kind(v)),
            ));
        };
        m.iter()
            .map(|(k, v)| Ok((k.clone(), to_string(v, &child(&at, k))?)))
            .collect()
    }

    /// `key` as nested fields, if present.
    pub fn fields(&self, key: &str) -> Result<Option<Fields>, SamError> {
        self.get(key)
            .map(|v| Fields::of(v.clone(), &self.at(key)))
            .transpose()
    }
}

/// A map with a string `Type`, as a resource, an event or a parameter is written: the map and its type.
/// `expected` says what the map holds, for the message when `v` is not a map.
pub(crate) fn typed<'v>(
    v: &'v Value,
    at: &str,
    expected: &str,
) -> Result<(&'v Map<String, Value>, &'v str), SamError> {
    let Value::Object(m) = v else {
        return Err(SamError::at(
            at,
            format!("expected {expected}, found {}", kind(v)),
        ));
    };
    match m.get("Type") {
        Some(Value::String(t)) => Ok((m, t.as_str())),
        Some(other) => Err(SamError::at(
            child(at, "Type"),
            format!("expected a string, found {}", kind(other)),
        )),
        None => Err(SamError::at(at, "Type is missing")),
    }
}

/// A typed map's `Properties`: `None` when absent or null.
pub(crate) fn properties<'v>(
    m: &'v Map<String, Value>,
    at: &str,
) -> Result<Option<&'v Map<String, Value>>, SamError> {
    match m.get("Properties") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(p)) => Ok(Some(p)),
        Some(other) => Err(SamError::at(
            child(at, "Properties"),
            format!("expected a map, found {}", kind(other)),
        )),
    }
}

/// A scalar as a string.
pub(crate) fn to_string(v: &Value, at: &str) -> Result<String, SamError> {
    scalar_string(v)
        .ok_or_else(|| SamError::at(at, format!("expected a string, found {}", kind(v))))
}

/// A whole number of at least 0 (or its text, as a `Ref` of a `Number` parameter gives).
pub(crate) fn to_u32(v: &Value, at: &str) -> Result<u32, SamError> {
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| SamError::at(at, format!("expected a whole number, found {}", shown(v))))
}

/// A boolean, or the words `true`/`false` in any case.
pub(crate) fn to_bool(v: &Value, at: &str) -> Result<bool, SamError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(SamError::at(
            at,
            format!("expected true or false, found {}", shown(other)),
        )),
    }
}

/// A list of scalars as strings.
pub(crate) fn to_strings(v: &Value, at: &str) -> Result<Vec<String>, SamError> {
    let Value::Array(items) = v else {
        return Err(SamError::at(
            at,
            format!("expected a list of strings, found {}", kind(v)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| to_string(item, &child(at, &i.to_string())))
        .collect()
}

/// A value for a message: scalars as they are, others by kind.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(_) | Value::Bool(_) => v.to_string(),
        other => kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversions() {
        let f = Fields::of(
            json!({"N": 128, "S": "256", "F": 3.0, "Neg": -1, "B": "True", "L": ["a", 1], "M": {"A": 1, "B": true}, "One": "x"}),
            "Resources.F.Properties",
        )
        .expect("fields");
        assert_eq!(f.u32("N").expect("n"), Some(128));
        assert_eq!(f.u32("S").expect("s"), Some(256));
        assert_eq!(f.u32("F").expect("f"), Some(3));
        assert_eq!(f.u32("Absent").expect("absent"), None);
        assert_eq!(
            f.u32("Neg").expect_err("negative").to_string(),
            "Resources.F.Properties.Neg: expected a whole number, found -1"
        );
        assert_eq!(f.bool("B").expect("b"), Some(true));
        assert_eq!(f.strings("L").expect("l"), ["a", "1"]);
        assert_eq!(f.one_or_more("One").expect("one"), ["x"]);
        assert_eq!(f.string_map("M").expect("m")["B"], "true");
        assert_eq!(
            f.string("M").expect_err("map").to_string(),
            "Resources.F.Properties.M: expected a string, found a map"
        );
        assert_eq!(
            f.required_string("Missing")
                .expect_err("missing")
                .to_string(),
            "Resources.F.Properties: Missing is missing"
        );
    }
}
