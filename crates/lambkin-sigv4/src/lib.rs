//! AWS Signature Version 4 for lambkin's REST API: verification of incoming requests (the `Authorization`
//! header form and the presigned query-string form) and signing (for tests and clients).
//!
//! Hand-written on purpose: verification needs the canonical request exactly as the SDKs build it (the
//! Lambda service double-encodes the path: botocore quotes the already-encoded path again), which is a
//! few dozen lines over `hmac` and `sha2`; the AWS SDK's signer crates sign only and pull in the SDK runtime.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name on the wire.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS's allowed clock skew.
const MAX_SKEW_SECS: i64 = 15 * 60;

/// The credential scope of a request, parsed without verifying anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Access key id.
    pub access_key: String,
    /// `YYYYMMDD`.
    pub date: String,
    /// Region the request was signed for.
    pub region: String,
    /// Service (`lambda`).
    pub service: String,
}

/// The request as the server received it.
pub struct Request<'a> {
    /// Method.
    pub method: &'a str,
    /// Path as on the wire (still percent-encoded).
    pub path: &'a str,
    /// Query as on the wire, without `?`.
    pub query: &'a str,
    /// Headers (names in any case; repeats allowed).
    pub headers: &'a [(String, String)],
    /// Body.
    pub body: &'a [u8],
}

/// Why a signature is refused; each maps to AWS's error (all HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// Neither an `Authorization` header nor a presigned query.
    #[error("Missing Authentication Token")]
    Missing,
    /// A malformed `Authorization` header or query.
    #[error("{0}")]
    Malformed(String),
    /// The access key is not one of the configured ones.
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    /// The signature does not match.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// Outside the allowed clock skew, or a presigned URL past its expiry.
    #[error("{0}")]
    Expired(String),
}

impl SigError {
    /// The `x-amzn-ErrorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Missing => "MissingAuthenticationTokenException",
            Self::Malformed(_) => "IncompleteSignatureException",
            Self::UnknownAccessKey => "UnrecognizedClientException",
            Self::SignatureMismatch | Self::Expired(_) => "InvalidSignatureException",
        }
    }

    /// The message AWS sends.
    pub fn message(&self) -> String {
        match self {
            Self::SignatureMismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
            other => other.to_string(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        403
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

fn query_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// RFC 3986 encoding with the unreserved set left alone (what SigV4 calls URI-encoding).
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The parts of an `Authorization` header or presigned query.
struct Parsed {
    credential: Credential,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    presigned_expires: Option<i64>,
}

fn parse_credential(raw: &str) -> Result<Credential, SigError> {
    let parts: Vec<&str> = raw.split('/').collect();
    match parts.as_slice() {
        [key, date, region, service, "aws4_request"] => Ok(Credential {
            access_key: (*key).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
        }),
        _ => Err(SigError::Malformed(format!(
            "Credential should be scoped to a valid region, not '{raw}'. "
        ))),
    }
}

fn parse(req: &Request<'_>) -> Result<Parsed, SigError> {
    if let Some(auth) = header(req.headers, "authorization") {
        let rest = auth.strip_prefix(ALGORITHM).ok_or_else(|| {
            SigError::Malformed(format!(
                "Authorization header requires the {ALGORITHM} algorithm"
            ))
        })?;
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let missing = |what: &str| {
            SigError::Malformed(format!(
                "Authorization header requires '{what}' parameter. Authorization={auth}"
            ))
        };
        let credential = parse_credential(credential.ok_or_else(|| missing("Credential"))?)?;
        let signed_headers = signed
            .ok_or_else(|| missing("SignedHeaders"))?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect();
        let signature = signature.ok_or_else(|| missing("Signature"))?.to_owned();
        let amz_date = header(req.headers, "x-amz-date")
            .map(str::to_owned)
            .or_else(|| header(req.headers, "date").and_then(http_date_to_amz))
            .ok_or_else(|| {
                SigError::Malformed(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                        .into(),
                )
            })?;
        return Ok(Parsed {
            credential,
            signed_headers,
            signature,
            amz_date,
            presigned_expires: None,
        });
    }
    let pairs = query_pairs(req.query);
    if query_param(&pairs, "X-Amz-Algorithm").is_none() {
        return Err(SigError::Missing);
    }
    let get = |name: &str| {
        query_param(&pairs, name).map(str::to_owned).ok_or_else(|| {
            SigError::Malformed(format!(
                "AWS query-string parameters must include '{name}'."
            ))
        })
    };
    if get("X-Amz-Algorithm")? != ALGORITHM {
        return Err(SigError::Malformed(format!(
            "X-Amz-Algorithm must be {ALGORITHM}"
        )));
    }
    Ok(Parsed {
        credential: parse_credential(&get("X-Amz-Credential")?)?,
        signed_headers: get("X-Amz-SignedHeaders")?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: get("X-Amz-Signature")?,
        amz_date: get("X-Amz-Date")?,
        presigned_expires: Some(get("X-Amz-Expires")?.parse().map_err(|_| {
            SigError::Malformed("X-Amz-Expires must be a number of seconds".into())
        })?),
    })
}

fn http_date_to_amz(date: &str) -> Option<String> {
    let t = OffsetDateTime::parse(date, &time::format_description::well_known::Rfc2822).ok()?;
    Some(amz(t))
}

fn amz(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn parse_amz(s: &str) -> Option<OffsetDateTime> {
    let f = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, &f)
        .ok()
        .map(|p| p.assume_utc())
}

/// The query's canonical form (sorted, RFC 3986 encoded); `X-Amz-Signature` is left out.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_headers(headers: &[(String, String)], signed: &[String]) -> String {
    let mut out = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The canonical request of SigV4 (path double-encoded, as the SDKs do for every service but S3).
fn canonical_request(req: &Request<'_>, signed: &[String], payload_hash: &str) -> String {
    let path = if req.path.is_empty() { "/" } else { req.path };
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        uri_encode(path, true),
        canonical_query(req.query),
        canonical_headers(req.headers, signed),
        signed.join(";"),
        payload_hash
    )
}

fn signature(secret: &str, cred: &Credential, amz_date: &str, canonical: &str) -> String {
    let scope = format!(
        "{}/{}/{}/aws4_request",
        cred.date, cred.region, cred.service
    );
    let to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), cred.date.as_bytes());
    let k_region = hmac(&k_date, cred.region.as_bytes());
    let k_service = hmac(&k_region, cred.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    hex::encode(hmac(&k_signing, to_sign.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses the credential scope from `Authorization` or `X-Amz-Credential`; `None` when unsigned.
pub fn credential_scope(headers: &[(String, String)], query: &str) -> Option<Credential> {
    parse(&Request {
        method: "",
        path: "",
        query,
        headers,
        body: b"",
    })
    .ok()
    .map(|p| p.credential)
}

/// Verifies a request's signature against the secret of its access key (`secret_for`), at time `now`.
pub fn verify(
    req: &Request<'_>,
    secret_for: impl Fn(&str) -> Option<String>,
    now: OffsetDateTime,
) -> Result<Credential, SigError> {
    let p = parse(req)?;
    let secret = secret_for(&p.credential.access_key).ok_or(SigError::UnknownAccessKey)?;
    let signed_at = parse_amz(&p.amz_date)
        .ok_or_else(|| SigError::Malformed(format!("Invalid X-Amz-Date: {}", p.amz_date)))?;
    let age = (now - signed_at).whole_seconds();
    match p.presigned_expires {
        None if age.abs() > MAX_SKEW_SECS => {
            let bound = if age > 0 {
                now - time::Duration::seconds(MAX_SKEW_SECS)
            } else {
                now + time::Duration::seconds(MAX_SKEW_SECS)
            };
            return Err(SigError::Expired(format!(
                "Signature expired: {} is now {} than {} ({} {} 15 min.)",
                p.amz_date,
                if age > 0 { "earlier" } else { "later" },
                amz(bound),
                amz(now),
                if age > 0 { "-" } else { "+" }
            )));
        }
        Some(expires) if age > expires || age < -MAX_SKEW_SECS => {
            return Err(SigError::Expired(format!(
                "Signature expired: {} is now earlier than {} ({} - {expires} sec.)",
                amz(signed_at + time::Duration::seconds(expires)),
                amz(now),
                amz(now)
            )));
        }
        _ => {}
    }
    let payload_hash = match header(req.headers, "x-amz-content-sha256") {
        Some(h) => h.to_owned(),
        None if p.presigned_expires.is_some() => "UNSIGNED-PAYLOAD".to_owned(),
        None => hex_sha256(req.body),
    };
    let canonical = canonical_request(req, &p.signed_headers, &payload_hash);
    let expected = signature(&secret, &p.credential, &p.amz_date, &canonical);
    if constant_time_eq(expected.as_bytes(), p.signature.as_bytes()) {
        Ok(p.credential)
    } else {
        Err(SigError::SignatureMismatch)
    }
}

/// Signs a request (header form) and returns the `Authorization` value; the request's headers must already
/// contain `host` and `x-amz-date` (= `amz_date`). Every header given is signed.
pub fn sign(
    req: &Request<'_>,
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let mut signed: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    signed.sort();
    signed.dedup();
    let cred = Credential {
        access_key: access_key.to_owned(),
        date: amz_date.get(..8).unwrap_or_default().to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    };
    let payload_hash = header(req.headers, "x-amz-content-sha256")
        .map(str::to_owned)
        .unwrap_or_else(|| hex_sha256(req.body));
    let canonical = canonical_request(req, &signed, &payload_hash);
    format!(
        "{ALGORITHM} Credential={access_key}/{}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={}",
        cred.date,
        signed.join(";"),
        signature(secret, &cred, amz_date, &canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn at(s: &str) -> OffsetDateTime {
        parse_amz(s).expect("date")
    }

    /// AWS's published SigV4 test suite, `get-vanilla`.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let headers = h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ]);
        let req = Request {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let auth = sign(
            &req,
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "us-east-1",
            "service",
            "20150830T123600Z",
        );
        assert!(
            auth.ends_with(
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            ),
            "{auth}"
        );
    }

    fn signed_lambda_request(secret: &str) -> (Vec<(String, String)>, &'static str, &'static str) {
        let path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo/invocations";
        let query = "Qualifier=live";
        let mut headers = h(&[
            ("host", "127.0.0.1:9000"),
            ("x-amz-date", "20261124T101010Z"),
        ]);
        let auth = sign(
            &Request {
                method: "POST",
                path,
                query,
                headers: &headers,
                body: b"{}",
            },
            "AKID",
            secret,
            "eu-west-1",
            "lambda",
            "20261124T101010Z",
        );
        headers.push(("Authorization".into(), auth));
        (headers, path, query)
    }

    #[test]
    fn round_trip_and_every_refusal() {
        let (headers, path, query) = signed_lambda_request("SECRET");
        let req = |body: &'static [u8], headers: &'static [(String, String)]| Request {
            method: "POST",
            path,
            query,
            headers,
            body,
        };
        let headers: &'static [(String, String)] = Box::leak(headers.into_boxed_slice());
        let keys = |k: &str| (k == "AKID").then(|| "SECRET".to_owned());
        let now = at("20261124T101500Z");
        let cred = verify(&req(b"{}", headers), keys, now).expect("valid");
        assert_eq!(cred.region, "eu-west-1");
        assert_eq!(
            verify(&req(b"{\"x\":1}", headers), keys, now),
            Err(SigError::SignatureMismatch)
        );
        assert_eq!(
            verify(&req(b"{}", headers), |_| Some("OTHER".into()), now),
            Err(SigError::SignatureMismatch)
        );
        assert_eq!(
            verify(&req(b"{}", headers), |_| None, now),
            Err(SigError::UnknownAccessKey)
        );
        let late = verify(&req(b"{}", headers), keys, at("20261124T110000Z")).expect_err("late");
        assert_eq!(late.error_type(), "InvalidSignatureException");
        assert!(late
            .message()
            .starts_with("Signature expired: 20261124T101010Z is now earlier than"));
        let none: &'static [(String, String)] = Box::leak(Vec::new().into_boxed_slice());
        assert_eq!(verify(&req(b"{}", none), keys, now), Err(SigError::Missing));
        let bad: &'static [(String, String)] = Box::leak(
            h(&[(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/lambda/aws4_request",
            )])
            .into_boxed_slice(),
        );
        assert_eq!(
            verify(&req(b"{}", bad), keys, now)
                .expect_err("malformed")
                .error_type(),
            "IncompleteSignatureException"
        );
        assert_eq!(
            credential_scope(headers, "").map(|c| c.region).as_deref(),
            Some("eu-west-1")
        );
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(uri_encode("/a%3Ab/c d", true), "/a%253Ab/c%20d");
        assert_eq!(
            canonical_query("b=2&a=1&Marker=abc%3D&x"),
            "Marker=abc%3D&a=1&b=2&x="
        );
        let headers = h(&[
            ("X-Amz-Date", " 2015  x "),
            ("host", "h"),
            ("X-Multi", "a"),
            ("x-multi", "b"),
        ]);
        assert_eq!(
            canonical_headers(
                &headers,
                &["host".into(), "x-amz-date".into(), "x-multi".into()]
            ),
            "host:h\nx-amz-date:2015 x\nx-multi:a,b\n"
        );
    }
}
