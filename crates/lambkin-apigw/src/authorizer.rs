//! Lambda authorizers: the identity sources checked before the authorizer is invoked (one missing or empty:
//! 401 without an invoke), the event it receives, and the decision read from its answer.
//!
//! Events: REST `TOKEN` `{type, authorizationToken, methodArn}`; REST `REQUEST` the proxy event's request
//! members (no body) with `type` and `methodArn`; HTTP API format 1.0 the same with `version`,
//! `identitySource` and `authorizationToken` (the identity values joined with commas); HTTP API format 2.0
//! the 2.0 event's request members with `type`, `routeArn` and `identitySource` (a list).
//!
//! Decisions: an IAM policy (`principalId`, `policyDocument.Statement[]` with `Effect`, `Action`,
//! `Resource`; `*` and `?` wildcards; a matching `Deny` wins, no matching `Allow` denies) matched against
//! the method ARN, or, for an HTTP API with simple responses, `{isAuthorized, context}`. The authorizer
//! failing with the message `Unauthorized` is a 401; any other failure, or an answer of neither shape, a 500.

use regex::Regex;
use serde_json::{json, Map, Value};

use crate::config::{ApiKind, AuthorizerConfig, AuthorizerType, PayloadFormat};
use crate::errors::GatewayError;
use crate::response::Outcome;

/// The event to send an authorizer, and the key its answer may be reused under.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    pub event: Value,
    pub cache_key: Option<String>,
}

/// What an authorizer granted: the `principalId` and the `context` for the integration's event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grant {
    pub principal_id: Option<Value>,
    pub context: Map<String, Value>,
}

/// Compiles a `TOKEN` authorizer's `ValidationExpression` to match a whole token.
pub(crate) fn validator(auth: &AuthorizerConfig) -> Result<Option<Regex>, String> {
    let Some(expr) = auth.identity.validation_expression.as_deref() else {
        return Ok(None);
    };
    Regex::new(&format!("^(?:{expr})$"))
        .map(Some)
        .map_err(|e| format!("authorizer {}: ValidationExpression: {e}", auth.name))
}

/// A member of a JSON object, its name compared without case (headers).
fn lookup_ci<'a>(m: &'a Value, name: &str) -> Option<&'a Value> {
    m.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A `requestContext` member by dotted path (`identity.sourceIp`), `$context.` tolerated in front.
fn context_value<'a>(ctx: &'a Value, name: &str) -> Option<&'a Value> {
    let name = name.strip_prefix("$context.").unwrap_or(name);
    name.split('.').try_fold(ctx, |v, k| v.get(k))
}

fn present(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The identity values in order — headers, query strings, stage variables, context — or 401 if one is
/// missing or empty. `members` is the event's request members (for their own header and query views).
fn identity_values(
    auth: &AuthorizerConfig,
    members: &Map<String, Value>,
) -> Result<Vec<String>, GatewayError> {
    let id = &auth.identity;
    let null = Value::Null;
    let headers = members.get("headers").unwrap_or(&null);
    let query = members.get("queryStringParameters").unwrap_or(&null);
    let stage = members.get("stageVariables").unwrap_or(&null);
    let ctx = members.get("requestContext").unwrap_or(&null);
    let mut out = Vec::new();
    let sources = id
        .headers
        .iter()
        .map(|h| lookup_ci(headers, h))
        .chain(id.query_strings.iter().map(|q| query.get(q)))
        .chain(id.stage_variables.iter().map(|s| stage.get(s)))
        .chain(id.context.iter().map(|c| context_value(ctx, c)));
    for v in sources {
        out.push(present(v).ok_or(GatewayError::Unauthorized)?);
    }
    Ok(out)
}

fn cache_key(auth: &AuthorizerConfig, values: &[String]) -> Option<String> {
    (auth.ttl_seconds > 0 && !values.is_empty())
        .then(|| format!("{}\u{1f}{}", auth.name, values.join("\u{1f}")))
}

/// The authorizer's event for a request whose event members (format 1.0 or 2.0, as the authorizer's payload
/// format asks) are `members`, or 401 when an identity source is missing.
pub(crate) fn prepare(
    auth: &AuthorizerConfig,
    validator: Option<&Regex>,
    kind: ApiKind,
    method_arn: &str,
    mut members: Map<String, Value>,
) -> Result<Prepared, GatewayError> {
    if auth.request_type == AuthorizerType::Token {
        let header = auth
            .identity
            .token_header
            .as_deref()
            .unwrap_or("Authorization");
        let headers = members.get("headers").cloned().unwrap_or(Value::Null);
        let token = present(lookup_ci(&headers, header)).ok_or(GatewayError::Unauthorized)?;
        if validator.is_some_and(|re| !re.is_match(&token)) {
            return Err(GatewayError::Unauthorized);
        }
        let cache_key = cache_key(auth, std::slice::from_ref(&token));
        return Ok(Prepared {
            event: json!({
                "type": "TOKEN",
                "authorizationToken": token,
                "methodArn": method_arn,
            }),
            cache_key,
        });
    }
    let values = identity_values(auth, &members)?;
    let cache_key = cache_key(auth, &values);
    members.insert("type".into(), json!("REQUEST"));
    match (kind, auth.payload_format) {
        (ApiKind::Http, PayloadFormat::V2) => {
            members.insert("routeArn".into(), json!(method_arn));
            members.insert("identitySource".into(), json!(values));
        }
        (ApiKind::Http, PayloadFormat::V1) => {
            members.insert("methodArn".into(), json!(method_arn));
            let joined = values.join(",");
            members.insert("identitySource".into(), json!(joined));
            members.insert("authorizationToken".into(), json!(joined));
        }
        (ApiKind::Rest, _) => {
            members.insert("methodArn".into(), json!(method_arn));
        }
    }
    Ok(Prepared {
        event: Value::Object(members),
        cache_key,
    })
}

/// `*` (any run) and `?` (any one character) wildcards.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn one_or_many(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A member by name, without case (`Statement`, `statement`).
fn member<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Whether a policy document allows invoking `arn`.
fn policy_allows(doc: &Map<String, Value>, arn: &str) -> Result<bool, GatewayError> {
    let statements: Vec<&Map<String, Value>> = match member(doc, "Statement") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(o)) => vec![o],
        _ => return Err(GatewayError::AuthorizerFailed),
    };
    let mut allowed = false;
    for s in statements {
        let action = one_or_many(member(s, "Action"))
            .iter()
            .any(|a| wildcard_match(&a.to_ascii_lowercase(), "execute-api:invoke"));
        let resource = one_or_many(member(s, "Resource"))
            .iter()
            .any(|r| wildcard_match(r, arn));
        if !(action && resource) {
            continue;
        }
        match member(s, "Effect").and_then(Value::as_str) {
            Some(e) if e.eq_ignore_ascii_case("deny") => return Ok(false),
            Some(e) if e.eq_ignore_ascii_case("allow") => allowed = true,
            _ => return Err(GatewayError::AuthorizerFailed),
        }
    }
    Ok(allowed)
}

/// The authorizer's decision on a request whose method ARN is `arn`.
pub(crate) fn decide(
    auth: &AuthorizerConfig,
    kind: ApiKind,
    arn: &str,
    outcome: &Outcome,
) -> Result<Grant, GatewayError> {
    let payload = match outcome {
        Outcome::Payload(p) => p,
        Outcome::FunctionError(p) => {
            let unauthorized = serde_json::from_slice::<Value>(p)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(Value::as_str)
                        .map(|m| m == "Unauthorized")
                })
                .unwrap_or(false);
            return Err(if unauthorized {
                GatewayError::Unauthorized
            } else {
                GatewayError::AuthorizerFailed
            });
        }
        Outcome::Timeout | Outcome::InvokeFailed => return Err(GatewayError::AuthorizerFailed),
    };
    let v: Value = serde_json::from_slice(payload).map_err(|_| GatewayError::AuthorizerFailed)?;
    let o = v.as_object().ok_or(GatewayError::AuthorizerFailed)?;
    let context = match o.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => c.clone(),
        Some(_) => return Err(GatewayError::AuthorizerFailed),
    };
    let simple =
        kind == ApiKind::Http && auth.payload_format == PayloadFormat::V2 && auth.simple_responses;
    if simple {
        return match o.get("isAuthorized") {
            Some(Value::Bool(true)) => Ok(Grant {
                principal_id: None,
                context,
            }),
            Some(Value::Bool(false)) => Err(GatewayError::Denied),
            _ => Err(GatewayError::AuthorizerFailed),
        };
    }
    let doc = o
        .get("policyDocument")
        .and_then(Value::as_object)
        .ok_or(GatewayError::AuthorizerFailed)?;
    // A REST API's context values are strings, numbers or booleans.
    if kind == ApiKind::Rest && context.values().any(|v| v.is_object() || v.is_array()) {
        return Err(GatewayError::AuthorizerFailed);
    }
    if !policy_allows(doc, arn)? {
        return Err(GatewayError::Denied);
    }
    Ok(Grant {
        principal_id: o.get("principalId").filter(|p| !p.is_null()).cloned(),
        context,
    })
}

/// `requestContext.authorizer` of the integration's event: format 2.0 `{"lambda": context}`; format 1.0 the
/// context's members with `principalId`.
pub(crate) fn event_authorizer(grant: &Grant, format: PayloadFormat) -> Value {
    match format {
        PayloadFormat::V2 => json!({ "lambda": grant.context }),
        PayloadFormat::V1 => {
            let mut m = grant.context.clone();
            if let Some(p) = &grant.principal_id {
                m.insert("principalId".into(), p.clone());
            }
            Value::Object(m)
        }
    }
}

#[cfg(test)]
mod tests;
