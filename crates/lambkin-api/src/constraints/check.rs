//! The generic check: every input member of an operation against its shape (the table, with Lambda's
//! overrides), every violation in Lambda's words. Values are printed as Lambda's Java service prints them:
//! strings bare, lists `[a, b]`, maps `{k=v}`, a missing member `null`, a sensitive one not at all.
//!
//! Order, where Lambda's captured answers do not settle it: members in the model's order (Lambda's
//! `compatibleRuntimes` before `compatibleArchitectures`), nested members depth-first, and one member's
//! violations as Lambda lists a member's constraints in brackets (maximum, minimum, pattern, enum). A list of
//! strings breaks as one (`Member must satisfy constraint: [every constraint of its members]`), a list of
//! structures member by member (`fileSystemConfigs.1.member.arn`).

use std::borrow::Cow;

use serde_json::Value;

use super::overrides::{self, Change};
use super::schema::{Kind, Loc, Member, Op, Payload, Shape};

/// What a request gives the check: path segments (percent-decoded), query pairs, headers, and the body as
/// JSON (`None` when it is raw bytes or did not parse: the operation answers that).
pub(crate) struct Input<'a> {
    /// Path segments, without empty ones.
    pub segs: &'a [&'a str],
    /// Query pairs, decoded.
    pub query: &'a [(String, String)],
    /// Headers.
    pub headers: &'a http::HeaderMap,
    /// The JSON body.
    pub body: Option<&'a Value>,
}

/// Every violation of `op`'s constraints by the request, in the model's member order.
pub(crate) fn violations(op: &Op, input: &Input) -> Vec<String> {
    let mut errs = Vec::new();
    let labels = labels(op.uri, input.segs);
    for m in op.members {
        let Some(value) = value_of(op, m, input, &labels) else {
            continue;
        };
        // Absent and optional, the common case: nothing to name.
        if value.is_some() || m.required {
            member(m, value.as_deref(), &message_name(m.name), &mut errs);
        }
    }
    errs
}

/// The value of the member `name` of `op` in the request, if it has one.
pub(crate) fn member_value<'a>(op: &Op, name: &str, input: &Input<'a>) -> Option<Cow<'a, Value>> {
    let m = op.members.iter().find(|m| m.name == name)?;
    value_of(op, m, input, &labels(op.uri, input.segs))?
}

/// A member's value as JSON: `Some(None)` when the request has none, `None` when it cannot be read here
/// (the body is raw or did not parse: the operation answers that).
fn value_of<'a>(
    op: &Op,
    m: &Member,
    input: &Input<'a>,
    labels: &[(&'static str, &'a str)],
) -> Option<Option<Cow<'a, Value>>> {
    Some(match m.loc {
        Loc::Path => labels
            .iter()
            .find(|(label, _)| *label == m.wire)
            .and_then(|(_, v)| scalar(m.shape, v))
            .map(Cow::Owned),
        Loc::Query => {
            let given: Vec<&str> = input
                .query
                .iter()
                .filter(|(k, _)| k == m.wire)
                .map(|(_, v)| v.as_str())
                .collect();
            from_strings(m.shape, &given).map(Cow::Owned)
        }
        Loc::Header => {
            let given: Vec<&str> = input
                .headers
                .get_all(m.wire)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            from_strings(m.shape, &given).map(Cow::Owned)
        }
        Loc::Body => match (op.payload, input.body) {
            (_, None) | (Payload::Raw, _) => return None,
            (Payload::Struct(name), Some(body)) if name == m.name => Some(Cow::Borrowed(body)),
            (Payload::Struct(_), Some(_)) => None,
            (Payload::Json, Some(body)) => body.as_object()?.get(m.wire).map(Cow::Borrowed),
        },
    })
}

/// The message name of a member: its model name with a lowercase first letter (`KMSKeyArn` → `kMSKeyArn`).
pub(crate) fn message_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The `{Label}` values of the request's path, by the operation's URI template.
fn labels<'a>(uri: &'static str, segs: &[&'a str]) -> Vec<(&'static str, &'a str)> {
    let template: Vec<&str> = uri.split('/').filter(|s| !s.is_empty()).collect();
    if template.len() != segs.len() {
        return Vec::new();
    }
    template
        .iter()
        .zip(segs)
        .filter_map(|(t, s)| {
            let label = t.strip_prefix('{')?.strip_suffix('}')?;
            Some((label.trim_end_matches('+'), *s))
        })
        .collect()
}

/// A path, query or header value as the JSON value its shape reads (`None` when it is not one: a number
/// that does not parse is the operation's to answer).
fn scalar(shape: &Shape, v: &str) -> Option<Value> {
    match shape.kind {
        Kind::Int { .. } => v.parse::<i64>().ok().map(Value::from),
        Kind::Double { .. } => v.parse::<f64>().ok().map(Value::from),
        Kind::Str { .. } | Kind::Blob { .. } => Some(Value::String(v.to_owned())),
        _ => None,
    }
}

fn from_strings(shape: &Shape, given: &[&str]) -> Option<Value> {
    match shape.kind {
        Kind::List { member, .. } => (!given.is_empty())
            .then(|| Value::Array(given.iter().filter_map(|v| scalar(member, v)).collect())),
        _ => given.first().and_then(|v| scalar(shape, v)),
    }
}

fn member(m: &Member, value: Option<&Value>, path: &str, errs: &mut Vec<String>) {
    match value {
        None | Some(Value::Null) => {
            if m.required {
                errs.push(format!(
                    "Value null at '{path}' failed to satisfy constraint: Member must not be null"
                ));
            }
        }
        Some(v) => check(m.shape, v, path, errs),
    }
}

fn structure(members: &[Member], v: &Value, prefix: &str, errs: &mut Vec<String>) {
    let Some(obj) = v.as_object() else { return };
    for m in members {
        let value = obj.get(m.wire);
        if value.is_some() || m.required {
            member(
                m,
                value,
                &format!("{prefix}.{}", message_name(m.name)),
                errs,
            );
        }
    }
}

/// Checks one value against its shape.
fn check(shape: &Shape, v: &Value, path: &str, errs: &mut Vec<String>) {
    if deferred(shape) {
        return;
    }
    let fail = |errs: &mut Vec<String>, constraint: String| {
        errs.push(format!(
            "Value{} at '{path}' failed to satisfy constraint: {constraint}",
            shown(shape, v)
        ));
    };
    match shape.kind {
        Kind::List { member, .. } => {
            let Some(items) = v.as_array() else { return };
            for c in length_violations(shape, items.len() as u64) {
                fail(errs, c);
            }
            match member.kind {
                Kind::Struct(members) => {
                    for (i, item) in items.iter().enumerate() {
                        structure(members, item, &format!("{path}.{}.member", i + 1), errs);
                    }
                }
                // A list of runtimes (a layer's CompatibleRuntimes) takes every runtime Lambda ever had and
                // lists in its message those CreateFunction accepts today (LocalStack snapshots
                // test_layer_exceptions publish_layer_version_exc_*, test_layer_compatibilities).
                _ if member.name == "Runtime" => {
                    let unknown = |i: &Value| {
                        i.as_str()
                            .is_some_and(|r| !lambkin_runtimes::is_lambda_runtime(r))
                    };
                    if items.iter().any(unknown) {
                        let today = lambkin_runtimes::Day::today();
                        fail(
                            errs,
                            format!(
                                "Member must satisfy enum value set: [{}]",
                                lambkin_runtimes::catalog::creatable_on(today).join(", ")
                            ),
                        );
                    }
                }
                _ if items.iter().any(|i| !fits(member, i, nullable(shape))) => fail(
                    errs,
                    format!(
                        "Member must satisfy constraint: [{}]",
                        bracket(member, nullable(shape))
                    ),
                ),
                _ => {}
            }
        }
        Kind::Map { key, value, .. } => {
            let Some(obj) = v.as_object() else { return };
            for c in length_violations(shape, obj.len() as u64) {
                fail(errs, c);
            }
            if obj
                .keys()
                .any(|k| !fits(key, &Value::String(k.clone()), true))
            {
                fail(
                    errs,
                    format!("Map keys must satisfy constraint: [{}]", bracket(key, true)),
                );
            }
            match value.kind {
                Kind::Struct(members) => {
                    for (k, item) in obj {
                        structure(members, item, &format!("{path}.{k}"), errs);
                    }
                }
                _ if obj.values().any(|i| !fits(value, i, nullable(shape))) => fail(
                    errs,
                    format!(
                        "Map value must satisfy constraint: [{}]",
                        bracket(value, nullable(shape))
                    ),
                ),
                _ => {}
            }
        }
        Kind::Struct(members) => structure(members, v, path, errs),
        _ => {
            for c in scalar_violations(shape, v) {
                fail(errs, c);
            }
        }
    }
}

fn deferred(shape: &Shape) -> bool {
    overrides::of(shape.name).any(|c| matches!(c, Change::Deferred))
}

fn nullable(container: &Shape) -> bool {
    overrides::of(container.name).any(|c| matches!(c, Change::MembersNullable))
}

/// Whether a list member or map key/value satisfies its shape (containers inside are not looked into).
fn fits(shape: &Shape, v: &Value, nullable: bool) -> bool {
    if v.is_null() {
        return nullable;
    }
    deferred(shape) || scalar_violations(shape, v).is_empty()
}

/// Every constraint of a member shape, as Lambda lists them in brackets: maximum, minimum, pattern, enum,
/// and `Member must not be null` unless the container's members may be null.
fn bracket(shape: &Shape, nullable: bool) -> String {
    let mut all = Vec::new();
    let value_words = matches!(shape.kind, Kind::Int { .. } | Kind::Double { .. });
    let what = if value_words { "value" } else { "length" };
    if let Some(max) = bound(shape, Bound::Max) {
        all.push(format!(
            "Member must have {what} less than or equal to {max}"
        ));
    }
    if let Some(min) = bound(shape, Bound::Min) {
        all.push(format!(
            "Member must have {what} greater than or equal to {min}"
        ));
    }
    if let Kind::Str { pattern, enums, .. } = shape.kind {
        if let Some(p) = pattern {
            all.push(format!(
                "Member must satisfy regular expression pattern: {}",
                pattern_text(shape, p.text)
            ));
        }
        if !enums.is_empty() {
            all.push(enum_message(shape, enums));
        }
    }
    if !nullable {
        all.push("Member must not be null".into());
    }
    all.join(", ")
}

#[derive(Clone, Copy)]
enum Bound {
    Min,
    Max,
}

/// A shape's minimum or maximum as Lambda prints it (doubles as Java does: `1.0`), overrides applied.
fn bound(shape: &Shape, which: Bound) -> Option<String> {
    let over = overrides::of(shape.name).find_map(|c| match (c, which) {
        (Change::Max { lambda, .. }, Bound::Max) => Some(*lambda),
        _ => None,
    });
    let (min, max): (Option<String>, Option<String>) = match shape.kind {
        Kind::Str { min, max, .. }
        | Kind::Blob { min, max }
        | Kind::List { min, max, .. }
        | Kind::Map { min, max, .. } => (min.map(|n| n.to_string()), max.map(|n| n.to_string())),
        Kind::Int { min, max } => (min.map(|n| n.to_string()), max.map(|n| n.to_string())),
        Kind::Double { min, max } => (min.map(|n| format!("{n:?}")), max.map(|n| format!("{n:?}"))),
        Kind::Struct(_) | Kind::Other => (None, None),
    };
    match which {
        Bound::Min => min,
        Bound::Max => over.map(|n| n.to_string()).or(max),
    }
}

fn length_violations(shape: &Shape, len: u64) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(max) = bound(shape, Bound::Max).and_then(|m| m.parse::<u64>().ok()) {
        if len > max {
            out.push(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
    }
    if let Some(min) = bound(shape, Bound::Min).and_then(|m| m.parse::<u64>().ok()) {
        if len < min {
            out.push(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
    }
    out
}

/// A string's length as Java counts it (UTF-16 units).
fn java_length(s: &str) -> u64 {
    if s.is_ascii() {
        s.len() as u64
    } else {
        s.encode_utf16().count() as u64
    }
}

fn scalar_violations(shape: &Shape, v: &Value) -> Vec<String> {
    match shape.kind {
        Kind::Str { pattern, enums, .. } => {
            let Some(s) = v.as_str() else {
                return Vec::new();
            };
            let mut out = length_violations(shape, java_length(s));
            if let Some(p) = pattern {
                if !p.matches(s) {
                    out.push(format!(
                        "Member must satisfy regular expression pattern: {}",
                        pattern_text(shape, p.text)
                    ));
                }
            }
            if !enums.is_empty() && !enums.contains(&s) {
                out.push(enum_message(shape, enums));
            }
            out
        }
        Kind::Blob { .. } => match v.as_str() {
            // Base64 in JSON: the decoded length, without decoding.
            Some(s) => {
                let pad = s.bytes().rev().take_while(|b| *b == b'=').count() as u64;
                length_violations(shape, (s.len() as u64 / 4 * 3).saturating_sub(pad))
            }
            None => Vec::new(),
        },
        Kind::Int { .. } | Kind::Double { .. } => {
            let Some(n) = v.as_f64() else {
                return Vec::new();
            };
            let mut out = Vec::new();
            if let Some(max) = bound(shape, Bound::Max) {
                if max.parse::<f64>().is_ok_and(|m| n > m) {
                    out.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
            }
            if let Some(min) = bound(shape, Bound::Min) {
                if min.parse::<f64>().is_ok_and(|m| n < m) {
                    out.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn pattern_text(shape: &Shape, model: &'static str) -> &'static str {
    overrides::of(shape.name)
        .find_map(|c| match c {
            Change::PatternText { lambda, .. } => Some(*lambda),
            _ => None,
        })
        .unwrap_or(model)
}

fn enum_message(shape: &Shape, model: &'static [&'static str]) -> String {
    let order = overrides::of(shape.name)
        .find_map(|c| match c {
            Change::EnumOrder(order) => Some(*order),
            _ => None,
        })
        .unwrap_or(model);
    format!("Member must satisfy enum value set: [{}]", order.join(", "))
}

/// The value as the message shows it after `Value`: ` '…'` (Java's `toString`), or nothing for a sensitive
/// shape (`Value at 'environment.variables' …`).
fn shown(shape: &Shape, v: &Value) -> String {
    if shape.sensitive {
        return String::new();
    }
    format!(" '{}'", java_text(Some(shape), v))
}

/// Java's `toString` of the value as Lambda parsed it into `shape`: a double shows its fraction (`{2=2.0}`,
/// LocalStack snapshot test_notfound_and_invalid_routingconfigs routing_config_exc_toohigh).
fn java_text(shape: Option<&Shape>, v: &Value) -> String {
    let kind = shape.map(|s| &s.kind);
    match (kind, v) {
        (_, Value::String(s)) => s.clone(),
        (Some(Kind::Double { .. }), Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e7 => format!("{f:.1}"),
            Some(f) => f.to_string(),
            None => n.to_string(),
        },
        (_, Value::Array(items)) => {
            let member = match kind {
                Some(Kind::List { member, .. }) => Some(*member),
                _ => None,
            };
            format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| java_text(member, i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        (_, Value::Object(map)) => {
            let value = match kind {
                Some(Kind::Map { value, .. }) => Some(*value),
                _ => None,
            };
            format!(
                "{{{}}}",
                map.iter()
                    .map(|(k, v)| format!("{k}={}", java_text(value, v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        (_, other) => other.to_string(),
    }
}
