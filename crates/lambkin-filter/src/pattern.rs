//! One filter pattern: parsed once into a tree of fields and conditions, then matched against events.
//!
//! Matching follows EventBridge's rule engine (Event Ruler), which Lambda's filtering shares:
//!
//! - An object in the pattern is an AND of its fields, plus at most one `$or` (an array of two or more
//!   objects, any of which must match the same object of the event).
//! - A field whose pattern is an array is a leaf: it matches when any of its conditions matches any of the
//!   event's *leaf values* there. A scalar (string, number, boolean, `null`) is one leaf value; an array gives
//!   the leaf values of its elements (arrays inside arrays are flattened); an object is not a leaf value. A
//!   field that is absent, an object, or an empty array has no leaf values, which only `{"exists": false}`
//!   matches ("exists matching only works on leaf nodes").
//! - A field whose pattern is an object descends into the event's object; where the event has an array there,
//!   any one element must match the whole sub-pattern (fields from different elements never combine).

use serde_json::{Map, Number, Value};

use crate::error::FilterError;
use crate::record::{self, Mismatch};

/// One parsed filter pattern (a `FilterCriteria.Filters[].Pattern`).
///
/// How it matches (EventBridge's rules, which Lambda's filtering shares):
///
/// - Every field of a pattern object must match (AND); a `$or` of two or more objects needs any one of them
///   to match the same object of the event, at any level.
/// - An array of conditions matches when any condition matches any of the event's leaf values there: a
///   scalar (string, number, boolean, `null`) is one; an array gives its elements' (flattened); an object
///   gives none. `{"exists": false}` matches where there is none (absent, an object, an empty array);
///   `{"exists": true}` where there is one, `null` included. Every other condition needs one.
/// - A nested pattern object descends into the event; over an array, one element must match it whole.
/// - Strings compare exactly unless a condition says `equals-ignore-case`. Plain numbers compare as JSON
///   numbers (`[5]` does not match `5.0`); `numeric` compares values, and only of JSON numbers (never of
///   strings such as DynamoDB's `"N": "5"`); `anything-but` a number excludes it by value.
/// - `anything-but`, like every condition but `exists: false`, does not match an absent field.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    root: Object,
}

/// An object of the pattern: every field must match, and one of the `$or` branches if there are any.
#[derive(Debug, Clone, PartialEq)]
struct Object {
    fields: Vec<(String, Field)>,
    or: Vec<Object>,
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    /// A nested object of the pattern.
    Object(Object),
    /// An array of match conditions, any of which may match.
    Leaf(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// A string, number, boolean or `null`, equal to the event's value. Numbers are equal as JSON numbers
    /// (`5` is not `5.0`, as Lambda compares their text); `numeric` compares values.
    Exact(Value),
    /// `prefix`, optionally `{"equals-ignore-case": ..}`.
    Prefix(Text),
    /// `suffix`, optionally `{"equals-ignore-case": ..}`.
    Suffix(Text),
    /// `equals-ignore-case`.
    EqualsIgnoreCase(String),
    /// `anything-but`.
    AnythingBut(Not),
    /// `numeric`: every comparison must hold.
    Numeric(Vec<(Cmp, f64)>),
    /// `exists`.
    Exists(bool),
}

/// A string to compare with; lowercased once when the comparison ignores case.
#[derive(Debug, Clone, PartialEq)]
struct Text {
    text: String,
    ignore_case: bool,
}

impl Text {
    fn new(text: &str, ignore_case: bool) -> Text {
        Text {
            text: if ignore_case {
                text.to_lowercase()
            } else {
                text.to_owned()
            },
            ignore_case,
        }
    }

    fn prefix_of(&self, s: &str) -> bool {
        if self.ignore_case {
            s.to_lowercase().starts_with(&self.text)
        } else {
            s.starts_with(&self.text)
        }
    }

    fn suffix_of(&self, s: &str) -> bool {
        if self.ignore_case {
            s.to_lowercase().ends_with(&self.text)
        } else {
            s.ends_with(&self.text)
        }
    }
}

/// What `anything-but` excludes.
#[derive(Debug, Clone, PartialEq)]
enum Not {
    /// These strings, or these numbers (compared as numbers).
    Values(Vec<Value>),
    /// Strings with this prefix.
    Prefix(String),
    /// Strings with this suffix.
    Suffix(String),
    /// These strings in any case (stored lowercased).
    IgnoreCase(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Cmp {
    fn parse(op: &str) -> Option<Cmp> {
        Some(match op {
            "<" => Cmp::Lt,
            "<=" => Cmp::Le,
            "=" => Cmp::Eq,
            ">=" => Cmp::Ge,
            ">" => Cmp::Gt,
            _ => return None,
        })
    }

    fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Cmp::Lt => value < bound,
            Cmp::Le => value <= bound,
            Cmp::Eq => value == bound,
            Cmp::Ge => value >= bound,
            Cmp::Gt => value > bound,
        }
    }
}

impl Pattern {
    /// Parses one pattern, refusing what Lambda refuses (every refusal reads `Invalid filter pattern
    /// definition.`). The API's length limit on a pattern is [`crate::Filters::parse`]'s to check.
    pub fn parse(text: &str) -> Result<Pattern, FilterError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FilterError::invalid(format!("Filter is not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(FilterError::invalid("Filter is not an object"));
        };
        Ok(Pattern {
            root: parse_object(&map)?,
        })
    }

    /// Whether `event` matches this pattern. An empty pattern (`{}`) matches every event.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        self.root.matches(Some(event))
    }

    /// Whether a record of a queue or stream matches, its message `field` seen as [`crate::with_json_body`]
    /// made it, with Lambda's rule for a message whose format (JSON or plain string) is not the one the
    /// pattern expects there (an object of conditions expects JSON, an array a plain string). A pattern that
    /// says nothing of `field` is matched as [`Pattern::matches`] does.
    pub fn matches_record(
        &self,
        record: &serde_json::Value,
        field: &str,
        mismatch: Mismatch,
    ) -> bool {
        let Some(part) = self.root.field(field) else {
            return self.matches(record);
        };
        let expects_json = matches!(part, Field::Object(_));
        let agree = record::is_json(record, field) == Some(expects_json);
        match (agree, mismatch) {
            (true, _) => self.matches(record),
            (false, Mismatch::Drop) => false,
            (false, Mismatch::MetadataOnly) => self.root.matches_without(Some(record), Some(field)),
        }
    }
}

fn parse_object(map: &Map<String, Value>) -> Result<Object, FilterError> {
    let mut object = Object {
        fields: Vec::with_capacity(map.len()),
        or: Vec::new(),
    };
    for (key, value) in map {
        match value {
            Value::Object(inner) => object
                .fields
                .push((key.clone(), Field::Object(parse_object(inner)?))),
            // `$or` is an OR only as an array of two or more objects; anything else is a field of that name,
            // as Event Ruler keeps it for rules written before `$or` existed.
            Value::Array(items) if key == "$or" && is_or(items) => {
                for item in items {
                    if let Value::Object(branch) = item {
                        object.or.push(parse_object(branch)?);
                    }
                }
            }
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(FilterError::invalid("Empty arrays are not allowed"));
                }
                let conditions = items
                    .iter()
                    .map(parse_condition)
                    .collect::<Result<_, _>>()?;
                object.fields.push((key.clone(), Field::Leaf(conditions)));
            }
            _ => {
                return Err(FilterError::invalid(format!(
                    "\"{key}\" must be an object or an array"
                )))
            }
        }
    }
    Ok(object)
}

fn is_or(items: &[Value]) -> bool {
    items.len() >= 2 && items.iter().all(Value::is_object)
}

fn parse_condition(item: &Value) -> Result<Condition, FilterError> {
    let map = match item {
        Value::Object(map) => map,
        Value::Array(_) => {
            return Err(FilterError::invalid(
                "Match value must be String, number, true, false, or null",
            ))
        }
        scalar => return Ok(Condition::Exact(scalar.clone())),
    };
    let mut entries = map.iter();
    let (Some((op, arg)), None) = (entries.next(), entries.next()) else {
        return Err(FilterError::invalid(
            "Only one key allowed in match expression",
        ));
    };
    match op.as_str() {
        "prefix" => Ok(Condition::Prefix(string_or_ignore_case(op, arg)?)),
        "suffix" => Ok(Condition::Suffix(string_or_ignore_case(op, arg)?)),
        "equals-ignore-case" => Ok(Condition::EqualsIgnoreCase(string(op, arg)?.to_lowercase())),
        "anything-but" => Ok(Condition::AnythingBut(parse_anything_but(arg)?)),
        "numeric" => Ok(Condition::Numeric(parse_numeric(arg)?)),
        "exists" => match arg {
            Value::Bool(b) => Ok(Condition::Exists(*b)),
            _ => Err(FilterError::invalid(
                "exists match pattern must be either true or false.",
            )),
        },
        // `wildcard` and `cidr` are EventBridge's, absent from Lambda's list of filter operators.
        other => Err(FilterError::invalid(format!(
            "Unrecognized match type {other}"
        ))),
    }
}

fn string<'a>(op: &str, arg: &'a Value) -> Result<&'a str, FilterError> {
    arg.as_str()
        .ok_or_else(|| FilterError::invalid(format!("{op} match pattern must be a string")))
}

/// `"x"` or `{"equals-ignore-case": "x"}`, the forms `prefix` and `suffix` take.
fn string_or_ignore_case(op: &str, arg: &Value) -> Result<Text, FilterError> {
    match arg {
        Value::String(s) => Ok(Text::new(s, false)),
        Value::Object(map) => match single(map) {
            Some(("equals-ignore-case", Value::String(s))) => Ok(Text::new(s, true)),
            Some(("equals-ignore-case", _)) => Err(FilterError::invalid(
                "equals-ignore-case match pattern must be a string",
            )),
            _ => Err(FilterError::invalid(format!(
                "Unsupported {op} pattern: only equals-ignore-case is allowed inside {op}"
            ))),
        },
        _ => Err(FilterError::invalid(format!(
            "{op} match pattern must be a string"
        ))),
    }
}

fn single(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some((k, v)), None) => Some((k.as_str(), v)),
        _ => None,
    }
}

fn parse_anything_but(arg: &Value) -> Result<Not, FilterError> {
    let values_err = || {
        FilterError::invalid(
            "Value of anything-but must be an array or single string/number value.",
        )
    };
    match arg {
        Value::String(_) | Value::Number(_) => Ok(Not::Values(vec![arg.clone()])),
        Value::Array(items) => {
            let all_strings = items.iter().all(Value::is_string);
            let all_numbers = items.iter().all(Value::is_number);
            if items.is_empty() || !(all_strings || all_numbers) {
                return Err(FilterError::invalid(
                    "Inside anything but list, start|null|boolean is not supported; \
                     the list must hold only strings or only numbers",
                ));
            }
            Ok(Not::Values(items.clone()))
        }
        Value::Object(map) => {
            let Some((op, inner)) = single(map) else {
                return Err(FilterError::invalid(
                    "Only one key allowed in match expression",
                ));
            };
            match op {
                "prefix" | "suffix" => {
                    // A single string only: a list of prefixes is not accepted.
                    let s = inner.as_str().ok_or_else(|| {
                        FilterError::invalid(format!("{op} match pattern must be a string"))
                    })?;
                    if s.is_empty() {
                        return Err(FilterError::invalid("Null prefix/suffix not allowed"));
                    }
                    Ok(if op == "prefix" {
                        Not::Prefix(s.to_owned())
                    } else {
                        Not::Suffix(s.to_owned())
                    })
                }
                "equals-ignore-case" => {
                    let list = match inner {
                        Value::String(s) => vec![s.to_lowercase()],
                        Value::Array(items) if !items.is_empty() => items
                            .iter()
                            .map(|i| i.as_str().map(str::to_lowercase))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(values_err)?,
                        _ => return Err(values_err()),
                    };
                    Ok(Not::IgnoreCase(list))
                }
                other => Err(FilterError::invalid(format!(
                    "Unsupported anything-but pattern: {other}"
                ))),
            }
        }
        _ => Err(values_err()),
    }
}

fn parse_numeric(arg: &Value) -> Result<Vec<(Cmp, f64)>, FilterError> {
    let Value::Array(items) = arg else {
        return Err(FilterError::invalid("Value of numeric must be an array."));
    };
    let mut items = items.iter();
    let (op, bound) = numeric_term(
        items.next(),
        items.next(),
        "Invalid member in numeric match",
    )?;
    let mut terms = vec![(op, bound)];
    if items.len() == 0 {
        return Ok(terms);
    }
    // A range: a lower bound first, then an upper one.
    if !matches!(op, Cmp::Gt | Cmp::Ge) {
        return Err(FilterError::invalid(
            "Too many elements in numeric expression",
        ));
    }
    let (top_op, top) = numeric_term(items.next(), items.next(), "Bad value in numeric range")?;
    if !matches!(top_op, Cmp::Lt | Cmp::Le) {
        return Err(FilterError::invalid("Bad numeric range operator"));
    }
    if top <= bound {
        return Err(FilterError::invalid("Bottom must be less than top"));
    }
    if items.len() != 0 {
        return Err(FilterError::invalid(
            "Too many terms in numeric range expression",
        ));
    }
    terms.push((top_op, top));
    Ok(terms)
}

/// An operator and its number; `bad_member` words a missing or non-string operator.
fn numeric_term(
    op: Option<&Value>,
    bound: Option<&Value>,
    bad_member: &str,
) -> Result<(Cmp, f64), FilterError> {
    let op = match op {
        Some(Value::String(op)) => op,
        Some(other) => return Err(FilterError::invalid(format!("{bad_member}: {other}"))),
        None => return Err(FilterError::invalid(format!("{bad_member}: ]"))),
    };
    let cmp = Cmp::parse(op).ok_or_else(|| {
        FilterError::invalid(format!("Unrecognized numeric range operator: {op}"))
    })?;
    let bound = bound.and_then(Value::as_f64).ok_or_else(|| {
        let name = if cmp == Cmp::Eq { "equals" } else { op };
        FilterError::invalid(format!("Value of {name} must be numeric"))
    })?;
    Ok((cmp, bound))
}

impl Object {
    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, f)| f)
    }

    /// Whether the event's value here (`None`: absent) matches this object of the pattern.
    fn matches(&self, value: Option<&Value>) -> bool {
        self.matches_without(value, None)
    }

    fn matches_without(&self, value: Option<&Value>, skip: Option<&str>) -> bool {
        match value {
            // Any one element must match the whole object; arrays of arrays are searched through.
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .any(|item| self.matches_without(Some(item), skip)),
            _ => {
                let map = value.and_then(Value::as_object);
                let fields = self
                    .fields
                    .iter()
                    .filter(|(k, _)| Some(k.as_str()) != skip)
                    .all(|(k, f)| f.matches(map.and_then(|m| m.get(k))));
                fields
                    && (self.or.is_empty()
                        || self.or.iter().any(|b| b.matches_without(value, skip)))
            }
        }
    }
}

impl Field {
    fn matches(&self, value: Option<&Value>) -> bool {
        match self {
            Field::Object(object) => object.matches(value),
            Field::Leaf(conditions) => {
                let mut leaves = Vec::new();
                if let Some(v) = value {
                    leaf_values(v, &mut leaves);
                }
                if leaves.is_empty() {
                    return conditions.contains(&Condition::Exists(false));
                }
                conditions
                    .iter()
                    .any(|c| leaves.iter().any(|leaf| c.matches(leaf)))
            }
        }
    }
}

/// The event's leaf values at one place: a scalar, or the scalars of an array (flattened); objects are not.
fn leaf_values<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(_) => {}
        Value::Array(items) => items.iter().for_each(|i| leaf_values(i, out)),
        scalar => out.push(scalar),
    }
}

impl Condition {
    /// Whether one leaf value (a scalar) matches.
    fn matches(&self, leaf: &Value) -> bool {
        match self {
            Condition::Exact(want) => leaf == want,
            Condition::Prefix(text) => leaf.as_str().is_some_and(|s| text.prefix_of(s)),
            Condition::Suffix(text) => leaf.as_str().is_some_and(|s| text.suffix_of(s)),
            Condition::EqualsIgnoreCase(want) => {
                leaf.as_str().is_some_and(|s| s.to_lowercase() == *want)
            }
            Condition::AnythingBut(not) => !not.excludes(leaf),
            Condition::Numeric(terms) => leaf
                .as_number()
                .and_then(Number::as_f64)
                .is_some_and(|n| terms.iter().all(|(cmp, bound)| cmp.holds(n, *bound))),
            Condition::Exists(exists) => *exists,
        }
    }
}

impl Not {
    fn excludes(&self, leaf: &Value) -> bool {
        match self {
            Not::Values(values) => values.iter().any(|v| match (v, leaf) {
                // Numbers are compared as numbers, so `anything-but: [100]` excludes 100.0 too.
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                _ => v == leaf,
            }),
            Not::Prefix(p) => leaf.as_str().is_some_and(|s| s.starts_with(p.as_str())),
            Not::Suffix(p) => leaf.as_str().is_some_and(|s| s.ends_with(p.as_str())),
            Not::IgnoreCase(list) => leaf
                .as_str()
                .is_some_and(|s| list.contains(&s.to_lowercase())),
        }
    }
}

#[cfg(test)]
mod tests;
