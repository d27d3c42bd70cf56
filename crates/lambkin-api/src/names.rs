//! Function and layer identifiers as clients send them: a name, `name:qualifier`, a partial ARN
//! (`123456789012:function:name[:qualifier]`) or a full ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`),
//! and the ARNs the API answers with.
//!
//! Parsed by hand: the grammar is a fixed, colon-separated shape (AWS's own pattern is a long regular
//! expression over the same parts), and each part needs its own error message.

use crate::error::{ApiError, ApiResult};

/// A function reference after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The bare function name.
    pub name: String,
    /// The qualifier in the reference (`$LATEST`, a version or an alias), if any.
    pub qualifier: Option<String>,
}

/// A function's own name as a reference may carry it: the model's `[a-zA-Z0-9-_\.]+` (a name that cannot
/// exist is then not found, as Lambda answers for one of 65 characters or with a dot).
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A layer's own name.
fn valid_layer_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 140
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `s` is a valid version or alias qualifier (`$LATEST`, `$LATEST.PUBLISHED`, a version, an alias).
pub fn valid_qualifier(s: &str) -> bool {
    s == "$LATEST"
        || s == "$LATEST.PUBLISHED"
        || (!s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// The model's `NamespacedFunctionName` pattern (the constraint table checks requests against it first;
/// this answers references read from elsewhere, such as a destination).
fn pattern_error(raw: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
    ))
}

/// Parses a function reference; `account` is the server's account id (an ARN of another account is not
/// found here).
pub fn parse_function(raw: &str, account: &str) -> ApiResult<FunctionRef> {
    let parts: Vec<&str> = raw.split(':').collect();
    let (acct, name, qualifier) = match parts.as_slice() {
        [name] => (None, *name, None),
        [name, q] => (None, *name, Some(*q)),
        [acct, "function", name] => (Some(*acct), *name, None),
        [acct, "function", name, q] => (Some(*acct), *name, Some(*q)),
        ["arn", partition, "lambda", _region, acct, "function", name]
            if partition.starts_with("aws") =>
        {
            (Some(*acct), *name, None)
        }
        ["arn", partition, "lambda", _region, acct, "function", name, q]
            if partition.starts_with("aws") =>
        {
            (Some(*acct), *name, Some(*q))
        }
        _ => return Err(pattern_error(raw)),
    };
    if !valid_name(name) || qualifier.is_some_and(|q| !valid_qualifier(q)) {
        return Err(pattern_error(raw));
    }
    if let Some(a) = acct {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(pattern_error(raw));
        }
        if a != account {
            return Err(ApiError::not_found(format!(
                "Function not found: arn:aws:lambda:::{a}:function:{name}"
            )));
        }
    }
    Ok(FunctionRef {
        name: name.to_owned(),
        qualifier: qualifier.map(str::to_owned),
    })
}

/// Combines the qualifier in the reference with `?Qualifier=`; they must agree when both are given. (The
/// constraint table checked `?Qualifier=` against the operation's pattern; one that names nothing is not
/// found.)
pub fn merge_qualifier(r: &FunctionRef, query: Option<&str>) -> ApiResult<Option<String>> {
    match (&r.qualifier, query) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (Some(a), _) => Ok(Some(a.clone())),
        (None, b) => Ok(b.map(str::to_owned)),
    }
}

/// Validates a function name given on its own (CreateFunction); ARNs are accepted as AWS does. (Its length,
/// 64 at most, is one of `constraints`' rules.)
pub fn function_name_for_create(raw: &str, account: &str) -> ApiResult<String> {
    // An ARN of another account: Lambda's 403 (LocalStack snapshot test_function_arns,
    // function_arn_other_account_exc; Lambda's body carries no message).
    let r = parse_function(raw, account).map_err(|e| {
        if e.status == http::StatusCode::NOT_FOUND {
            ApiError::new(http::StatusCode::FORBIDDEN, "AccessDeniedException", "")
        } else {
            e
        }
    })?;
    if r.qualifier.is_some() || r.name.contains('.') {
        return Err(pattern_error(raw));
    }
    Ok(r.name)
}

/// The bare name of a layer name or layer ARN of this account (the model's pattern already checked).
pub fn layer_name(raw: &str, account: &str) -> ApiResult<String> {
    let name = match raw.split(':').collect::<Vec<_>>().as_slice() {
        [name] => *name,
        ["arn", _, "lambda", _, acct, "layer", name] if *acct == account => *name,
        _ => "",
    };
    if valid_layer_name(name) {
        Ok(name.to_owned())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
        )))
    }
}

/// A layer version ARN, parsed: (region, account, name, version).
pub fn parse_layer_version_arn(raw: &str) -> Option<(String, String, String, u64)> {
    match raw.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", region, acct, "layer", name, version] if valid_layer_name(name) => {
            Some((
                (*region).to_owned(),
                (*acct).to_owned(),
                (*name).to_owned(),
                version.parse().ok()?,
            ))
        }
        _ => None,
    }
}

/// ARNs in one region and account.
#[derive(Debug, Clone)]
pub struct Arns {
    /// Region.
    pub region: String,
    /// Account id.
    pub account: String,
}

impl Arns {
    /// `arn:aws:lambda:region:account:function:name`.
    pub fn function(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }

    /// The function ARN with `:qualifier`.
    pub fn qualified(&self, name: &str, qualifier: &str) -> String {
        format!("{}:{qualifier}", self.function(name))
    }

    /// `arn:aws:lambda:region:account:layer:name`.
    pub fn layer(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:layer:{name}",
            self.region, self.account
        )
    }

    /// The layer version ARN.
    pub fn layer_version(&self, name: &str, version: u64) -> String {
        format!("{}:{version}", self.layer(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCT: &str = "123456789012";

    #[test]
    fn every_form_of_reference() {
        let plain = parse_function("demo", ACCT).expect("ok");
        assert_eq!((plain.name.as_str(), plain.qualifier), ("demo", None));
        let q = parse_function("demo:live", ACCT).expect("ok");
        assert_eq!(q.qualifier.as_deref(), Some("live"));
        let partial = parse_function("123456789012:function:demo:1", ACCT).expect("ok");
        assert_eq!(partial.name, "demo");
        assert_eq!(partial.qualifier.as_deref(), Some("1"));
        let full = parse_function("arn:aws:lambda:us-east-1:123456789012:function:demo", ACCT)
            .expect("ok");
        assert_eq!(full.name, "demo");
        let latest = parse_function(
            "arn:aws:lambda:eu-west-1:123456789012:function:demo:$LATEST",
            ACCT,
        )
        .expect("ok");
        assert_eq!(latest.qualifier.as_deref(), Some("$LATEST"));
    }

    #[test]
    fn bad_references() {
        assert_eq!(
            parse_function("a/b", ACCT).expect_err("bad").error_type,
            "ValidationException"
        );
        assert!(parse_function("", ACCT).is_err());
        // Too long to exist: looked up, not found (as Lambda answers).
        assert_eq!(
            parse_function(&"x".repeat(65), ACCT)
                .expect("parsed")
                .name
                .len(),
            65
        );
        assert!(function_name_for_create("my.fn", ACCT).is_err());
        assert_eq!(
            parse_function("arn:aws:lambda:us-east-1:999999999999:function:demo", ACCT)
                .expect_err("other account")
                .error_type,
            "ResourceNotFoundException"
        );
    }

    #[test]
    fn qualifiers_must_agree() {
        let r = parse_function("demo:1", ACCT).expect("ok");
        assert!(merge_qualifier(&r, Some("2")).is_err());
        assert_eq!(
            merge_qualifier(&r, Some("1")).expect("ok").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn layer_arns() {
        assert_eq!(
            parse_layer_version_arn("arn:aws:lambda:us-east-1:123456789012:layer:deps:3"),
            Some(("us-east-1".into(), "123456789012".into(), "deps".into(), 3))
        );
        assert_eq!(
            parse_layer_version_arn("arn:aws:lambda:us-east-1:1:layer:deps"),
            None
        );
    }
}
