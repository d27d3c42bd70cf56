//! Who may call: on a loopback address anyone (any credentials, as local tools expect); elsewhere, requests
//! must carry a valid SigV4 signature by one of the configured access keys. Which account calls: the one
//! lambkin serves, unless the request's access key is configured for another (`caller_account`).

use http::StatusCode;

use crate::error::{ApiError, ApiResult};

/// Verifies the request's signature; returns the region it was signed for.
pub fn verify(
    keys: &[(String, String)],
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> ApiResult<String> {
    let now = time::OffsetDateTime::now_utc();
    let cred = lambkin_sigv4::verify(
        &lambkin_sigv4::Request {
            method,
            path,
            query,
            headers,
            body,
        },
        |id| keys.iter().find(|(k, _)| k == id).map(|(_, s)| s.clone()),
        now,
    )
    .map_err(|e| {
        ApiError::new(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::FORBIDDEN),
            e.error_type(),
            e.message(),
        )
    })?;
    Ok(cred.region)
}

/// The region an unverified request was signed for, if it was signed.
pub fn signed_region(headers: &[(String, String)], query: &str) -> Option<String> {
    lambkin_sigv4::credential_scope(headers, query)
        .map(|c| c.region)
        .filter(|r| !r.is_empty())
}

/// The account of the request's caller: the account its access key is configured for (`AKID:SECRET:ACCOUNT`),
/// else `owner`, the account lambkin serves. The key is read from the request's credential scope; off
/// loopback `verify` has checked the signature by then, on loopback any caller is trusted anyway.
pub fn caller_account(
    key_accounts: &[(String, String)],
    owner: &str,
    headers: &[(String, String)],
    query: &str,
) -> String {
    lambkin_sigv4::credential_scope(headers, query)
        .and_then(|c| {
            key_accounts
                .iter()
                .find(|(k, _)| *k == c.access_key)
                .map(|(_, a)| a.clone())
        })
        .unwrap_or_else(|| owner.to_owned())
}

/// Whether an `Authorization: Basic …` header names one of the access keys, with its secret as the password:
/// how browsers and scrapers (the console, Prometheus' `basic_auth`) reach `serve` beyond loopback. The
/// secret is compared in constant time.
pub fn basic(keys: &[(String, String)], authorization: Option<&str>) -> bool {
    use base64::Engine as _;
    let Some(encoded) = authorization.and_then(|h| h.strip_prefix("Basic ")) else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(pair) = std::str::from_utf8(&decoded) else {
        return false;
    };
    let Some((id, secret)) = pair.split_once(':') else {
        return false;
    };
    keys.iter()
        .any(|(k, s)| k == id && constant_time_eq(s.as_bytes(), secret.as_bytes()))
}

/// Whether a page read without SigV4 — `/metrics`, the console — may be served: on a loopback address to
/// anyone, as the API is; elsewhere with HTTP Basic auth by an access key ([`basic`]).
pub fn page_allowed(
    config: &crate::config::ServeConfig,
    local: &std::net::SocketAddr,
    headers: &http::HeaderMap,
) -> bool {
    !config.verifies_signatures(local)
        || basic(
            &config.access_keys,
            headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
        )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod basic_tests {
    use super::*;

    #[test]
    fn basic_auth_takes_an_access_key_and_its_secret() {
        use base64::Engine as _;
        let keys = vec![("AKID".to_owned(), "s3cret".to_owned())];
        let header = |s: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(s)
            )
        };
        assert!(basic(&keys, Some(&header("AKID:s3cret"))));
        assert!(!basic(&keys, Some(&header("AKID:wrong!"))));
        assert!(!basic(&keys, Some(&header("OTHER:s3cret"))));
        assert!(!basic(&keys, Some("Basic !!!")));
        assert!(!basic(&keys, Some("Bearer x")));
        assert!(!basic(&keys, None));
    }
}
