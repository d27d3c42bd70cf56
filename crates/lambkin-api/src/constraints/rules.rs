//! Lambda's checks beyond its model's constraints, run once a request satisfies the model: each names the
//! operation and member it reads, what Lambda answers, and where that was seen.

use serde_json::Value;

use super::check::{member_value, Input};
use super::schema::Op;
use crate::error::ApiError;

/// One check of a member that the model cannot state.
pub(crate) struct Rule {
    /// botocore's operation name.
    pub operation: &'static str,
    /// The member it reads (path, query, header or body).
    pub member: &'static str,
    /// The error, when the member's value breaks the rule (`account`: this server's account id).
    pub check: fn(value: &Value, account: &str) -> Option<ApiError>,
    /// What Lambda does, and where that was seen.
    pub why: &'static str,
}

/// Every rule, in the order they are checked.
pub(crate) static RULES: &[Rule] = &[
    Rule {
        operation: "CreateFunction",
        member: "FunctionName",
        check: name_length,
        why: "A function's own name has at most 64 characters (the model allows an ARN of 140): Lambda \
              answers InvalidParameterValueException in validation words (LocalStack snapshot \
              test_function_arns, long_function_name_exc; aws-cdk issue 13264).",
    },
    Rule {
        operation: "CreateFunction",
        member: "Role",
        check: role_account,
        why: "A role of another account: 403 AccessDeniedException 'Cross-account pass role is not allowed.' \
              (reported against Lambda's CreateFunction in serverless#3374, chaos-lambda#29, \
              aws-toolkit-azure-devops#546).",
    },
    Rule {
        operation: "UpdateFunctionConfiguration",
        member: "Role",
        check: role_account,
        why: "As CreateFunction: the role must be of the function's account.",
    },
    Rule {
        operation: "GetLayerVersion",
        member: "VersionNumber",
        check: layer_version,
        why: "Version 0 or less: InvalidParameterValueException 'Layer Version Cannot be less than 1' (LocalStack \
              snapshot test_layer_exceptions, get_layer_version_exc_layer_version_doesnotexist_zero/negative).",
    },
    Rule {
        operation: "DeleteLayerVersion",
        member: "VersionNumber",
        check: layer_version,
        why: "As GetLayerVersion (LocalStack snapshot test_layer_exceptions, \
              delete_layer_version_exc_layerversion_invalid_version).",
    },
];

/// The error of the first rule of `op` the request breaks.
pub(crate) fn check(op: &Op, input: &Input, account: &str) -> Option<ApiError> {
    RULES
        .iter()
        .filter(|r| r.operation == op.name)
        .find_map(|r| {
            let value = member_value(op, r.member, input)?;
            (r.check)(value.as_ref(), account)
        })
}

/// A function ARN of another region than the request's: Lambda answers 404 `ResourceNotFoundException`
/// "Functions from 'R' are not reachable in this region ('S')" for every operation taking a `FunctionName`
/// (LocalStack snapshots test_get_function_wrong_region, test_function_arns function_arn_other_region_exc).
pub(crate) fn function_region(op: &Op, input: &Input, region: &str) -> Option<ApiError> {
    let value = member_value(op, "FunctionName", input)?;
    let parts: Vec<&str> = value.as_str()?.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", r, ..] if !r.is_empty() && *r != region => Some(ApiError::not_found(
            format!("Functions from '{r}' are not reachable in this region ('{region}')"),
        )),
        _ => None,
    }
}

/// The bare function name of a reference that matched the model's `FunctionName` pattern: after
/// `function:` when there is one, else before the first `:`.
fn bare_name(raw: &str) -> &str {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or(""),
        None => parts.first().copied().unwrap_or(""),
    }
}

fn name_length(value: &Value, _account: &str) -> Option<ApiError> {
    let raw = value.as_str()?;
    (bare_name(raw).chars().count() > 64).then(|| {
        ApiError::invalid(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"
        ))
    })
}

fn layer_version(value: &Value, _account: &str) -> Option<ApiError> {
    (value.as_i64()? < 1).then(|| ApiError::invalid("Layer Version Cannot be less than 1"))
}

fn role_account(value: &Value, account: &str) -> Option<ApiError> {
    // `arn:partition:iam::ACCOUNT:role/…`, the model's pattern already checked.
    let role_account = value.as_str()?.split(':').nth(4)?;
    (role_account != account).then(|| {
        ApiError::new(
            http::StatusCode::FORBIDDEN,
            "AccessDeniedException",
            "Cross-account pass role is not allowed.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACCT: &str = "123456789012";

    fn run(operation: &str, body: &Value) -> Option<ApiError> {
        let op = super::super::operation(operation).expect("an operation of the model");
        let headers = http::HeaderMap::new();
        let input = Input {
            segs: &[],
            query: &[],
            headers: &headers,
            body: Some(body),
        };
        check(op, &input, ACCT)
    }

    #[test]
    fn bare_names() {
        assert_eq!(bare_name("demo"), "demo");
        assert_eq!(bare_name("demo:1"), "demo");
        assert_eq!(bare_name("123456789012:function:demo"), "demo");
        assert_eq!(
            bare_name("arn:aws:lambda:us-east-1:123456789012:function:demo:live"),
            "demo"
        );
    }

    #[test]
    fn a_name_of_65_is_an_invalid_parameter() {
        let body = json!({"FunctionName": "a".repeat(65)});
        let e = run("CreateFunction", &body).expect("refused");
        assert_eq!(e.error_type, "InvalidParameterValueException");
        assert!(e
            .message
            .ends_with("Member must have length less than or equal to 64"));
        let ok = json!({"FunctionName": "a".repeat(64)});
        assert!(run("CreateFunction", &ok).is_none());
        // Other operations look names up instead: not found.
        assert!(run("GetFunction", &body).is_none());
    }

    #[test]
    fn layer_versions_start_at_one() {
        let op = super::super::operation("GetLayerVersion").expect("op");
        let headers = http::HeaderMap::new();
        let segs = ["2018-10-31", "layers", "deps", "versions", "0"];
        let input = Input {
            segs: &segs,
            query: &[],
            headers: &headers,
            body: None,
        };
        let e = check(op, &input, ACCT).expect("refused");
        assert_eq!(
            (e.error_type, e.message.as_str()),
            (
                "InvalidParameterValueException",
                "Layer Version Cannot be less than 1"
            )
        );
    }

    #[test]
    fn a_role_of_another_account_is_denied() {
        let body = json!({"Role": "arn:aws:iam::999999999999:role/r"});
        let e = run("UpdateFunctionConfiguration", &body).expect("denied");
        assert_eq!(
            (e.status.as_u16(), e.error_type, e.message.as_str()),
            (
                403,
                "AccessDeniedException",
                "Cross-account pass role is not allowed."
            )
        );
        let own = json!({"Role": "arn:aws:iam::123456789012:role/r"});
        assert!(run("CreateFunction", &own).is_none());
    }
}
