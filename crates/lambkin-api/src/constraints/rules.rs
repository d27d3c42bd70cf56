//! Lambda's checks beyond its model's constraints, run once a request satisfies the model: each names the
//! operation and member it reads, what Lambda answers, and where that was seen.

use serde_json::Value;

use crate::error::ApiError;

/// One check of a body member that the model cannot state.
pub(crate) struct Rule {
    /// botocore's operation name.
    pub operation: &'static str,
    /// The body member it reads.
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
];

/// The error of the first rule of `operation` the body breaks.
pub(crate) fn check(operation: &str, body: Option<&Value>, account: &str) -> Option<ApiError> {
    let obj = body?.as_object()?;
    RULES
        .iter()
        .filter(|r| r.operation == operation)
        .find_map(|r| (r.check)(obj.get(r.member)?, account))
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
        let e = check("CreateFunction", Some(&body), ACCT).expect("refused");
        assert_eq!(e.error_type, "InvalidParameterValueException");
        assert!(e
            .message
            .ends_with("Member must have length less than or equal to 64"));
        let ok = json!({"FunctionName": "a".repeat(64)});
        assert!(check("CreateFunction", Some(&ok), ACCT).is_none());
        // Other operations look names up instead: not found.
        assert!(check("GetFunction", Some(&body), ACCT).is_none());
    }

    #[test]
    fn a_role_of_another_account_is_denied() {
        let body = json!({"Role": "arn:aws:iam::999999999999:role/r"});
        let e = check("UpdateFunctionConfiguration", Some(&body), ACCT).expect("denied");
        assert_eq!(
            (e.status.as_u16(), e.error_type, e.message.as_str()),
            (
                403,
                "AccessDeniedException",
                "Cross-account pass role is not allowed."
            )
        );
        let own = json!({"Role": "arn:aws:iam::123456789012:role/r"});
        assert!(check("CreateFunction", Some(&own), ACCT).is_none());
    }
}
