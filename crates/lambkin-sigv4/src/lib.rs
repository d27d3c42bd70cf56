//! AWS Signature Version 4 for lambkin's REST API: verification of incoming requests (the `Authorization`
//! header form and the presigned query-string form) and signing (for tests and clients).
//!
//! Hand-written on purpose: verification needs the canonical request exactly as the SDKs build it (for
//! every service but S3 they normalise the path like botocore's `remove_dot_segments` and then URI-encode
//! the already-encoded path a second time), which is a few dozen lines over `hmac` and `sha2`; the AWS
//! SDK's signer crates sign only and pull in the SDK runtime.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

#[cfg(test)]
mod tests;

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name on the wire.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS's allowed clock skew.
const MAX_SKEW: Duration = Duration::minutes(15);
/// The longest validity of a presigned request AWS accepts (one week).
const MAX_EXPIRES_SECS: i64 = 604_800;
/// The payload hash of presigned requests (and of requests that opt out of payload signing).
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Headers [`sign`] leaves out, as botocore does (they are changed by proxies and HTTP stacks).
const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// The credential scope of a request (`AKID/YYYYMMDD/region/service/aws4_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Access key id.
    pub access_key: String,
    /// The scope's date, `YYYYMMDD`.
    pub date: String,
    /// Region the request was signed for.
    pub region: String,
    /// Service the request was signed for (`lambda`).
    pub service: String,
}

impl Credential {
    /// `YYYYMMDD/region/service/aws4_request`: the scope without the access key.
    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// The request as the server received it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Method (`GET`, `POST`, ...).
    pub method: &'a str,
    /// Path as on the wire (still percent-encoded).
    pub path: &'a str,
    /// Query as on the wire, without `?`.
    pub query: &'a str,
    /// Headers (names in any case; repeats allowed, in the order received).
    pub headers: &'a [(String, String)],
    /// Body.
    pub body: &'a [u8],
}

/// Why a signature is refused; each maps to AWS's error type and message (all HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// Neither an `Authorization` header nor a presigned query.
    #[error("Missing Authentication Token")]
    Missing,
    /// A malformed `Authorization` header or presigned query; the text says what is wrong.
    #[error("{0}")]
    Malformed(String),
    /// The access key is not one of the configured ones.
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    /// The signature does not match the one computed with the key's secret.
    #[error("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")]
    SignatureMismatch,
    /// Outside the allowed clock skew, or a presigned request past its expiry; the text is AWS's.
    #[error("{0}")]
    Expired(String),
}

impl SigError {
    /// The AWS error type (`x-amzn-ErrorType` / `__type`).
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Missing => "MissingAuthenticationTokenException",
            Self::Malformed(_) => "IncompleteSignatureException",
            Self::UnknownAccessKey => "UnrecognizedClientException",
            Self::SignatureMismatch | Self::Expired(_) => "InvalidSignatureException",
        }
    }

    /// The message AWS sends with the error.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The HTTP status (always 403, as AWS answers).
    pub fn status(&self) -> u16 {
        403
    }
}

/// The first value of a header (name compared case-insensitively).
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Percent-decodes a query component (`+` is a space, as form encoding has it) into bytes.
fn decode(s: &str) -> Vec<u8> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).collect()
}

/// The query's `key=value` pairs, decoded; a pair without `=` has an empty value.
fn query_pairs(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), Vec::new()),
        })
        .collect()
}

/// The decoded value of a query parameter (first occurrence).
fn query_param(pairs: &[(Vec<u8>, Vec<u8>)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name.as_bytes())
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

/// SigV4's URI-encoding: RFC 3986 unreserved characters stay, everything else is `%XX` (uppercase);
/// `/` stays too when `keep_slash`.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Removes `.`/`..` segments and empty segments (`//`) the way botocore (and the JS and Rust SDKs) do
/// before signing; an empty path is `/`.
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical URI: the wire path normalised and URI-encoded again (so `%3A` becomes `%253A`), as the
/// SDKs do for every service but S3.
fn canonical_uri(path: &str) -> String {
    uri_encode(normalize_path(path).as_bytes(), true)
}

/// The query's canonical form (decoded, RFC 3986 re-encoded, sorted by key then value); the presigned
/// `X-Amz-Signature` is left out.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k != b"X-Amz-Signature")
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical headers block: one `name:value\n` line per signed header, in the order signed; values
/// trimmed with inner runs of whitespace collapsed, repeated headers joined with `,`.
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

/// The canonical request.
fn canonical_request(req: &Request<'_>, signed: &[String], payload_hash: &str) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers(req.headers, signed),
        signed.join(";"),
        payload_hash
    )
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this never fails; the fallback only satisfies the type.
    <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = mac(key);
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The HMAC (over the string to sign) whose hex form is the signature.
fn signature_mac(secret: &str, cred: &Credential, amz_date: &str, canonical: &str) -> HmacSha256 {
    let scope = cred.scope();
    let to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), cred.date.as_bytes());
    let k_region = hmac(&k_date, cred.region.as_bytes());
    let k_service = hmac(&k_region, cred.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let mut m = mac(&k_signing);
    m.update(to_sign.as_bytes());
    m
}

fn signature_hex(secret: &str, cred: &Credential, amz_date: &str, canonical: &str) -> String {
    hex::encode(
        signature_mac(secret, cred, amz_date, canonical)
            .finalize()
            .into_bytes(),
    )
}

/// Parses `AKID/YYYYMMDD/region/service/aws4_request`.
fn parse_credential(raw: &str) -> Result<Credential, SigError> {
    let bad = || {
        SigError::Malformed(format!(
            "Credential should be of the form 'AccessKeyId/YYYYMMDD/region/service/aws4_request', not '{raw}'."
        ))
    };
    let mut parts = raw.rsplitn(4, '/');
    let terminator = parts.next().ok_or_else(bad)?;
    let service = parts.next().ok_or_else(bad)?;
    let region = parts.next().ok_or_else(bad)?;
    let (access_key, date) = parts
        .next()
        .and_then(|r| r.rsplit_once('/'))
        .ok_or_else(bad)?;
    if terminator != "aws4_request" {
        return Err(SigError::Malformed(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    if access_key.is_empty() || service.is_empty() {
        return Err(bad());
    }
    if region.is_empty() {
        return Err(SigError::Malformed(
            "Credential should be scoped to a valid region. ".into(),
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SigError::Malformed(format!(
            "Credential should be scoped to a valid date, not '{date}'."
        )));
    }
    Ok(Credential {
        access_key: access_key.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    })
}

/// The `Credential=`, `SignedHeaders=` and `Signature=` components of an `Authorization` value
/// (after the algorithm), each `None` when absent.
fn auth_components(rest: &str) -> [Option<&str>; 3] {
    let mut found = [None; 3];
    for part in rest.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "Credential" => 0,
            "SignedHeaders" => 1,
            "Signature" => 2,
            _ => continue,
        };
        if found[slot].is_none() {
            found[slot] = Some(value.trim());
        }
    }
    found
}

/// The value after the algorithm name, when the header is a SigV4 one.
fn strip_algorithm(auth: &str) -> Option<&str> {
    let rest = auth.trim().strip_prefix(ALGORITHM)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// Everything a signature check needs, parsed from the header or the query.
struct Parsed {
    credential: Credential,
    signed_headers: Vec<String>,
    signature: String,
    /// `YYYYMMDDTHHMMSSZ`, as it enters the string to sign.
    amz_date: String,
    /// `X-Amz-Expires` of a presigned request; `None` for the header form.
    expires: Option<i64>,
}

fn split_signed_headers(list: &str) -> Vec<String> {
    list.split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn parse_header_auth(req: &Request<'_>, auth: &str) -> Result<Parsed, SigError> {
    let Some(rest) = strip_algorithm(auth) else {
        return Err(SigError::Malformed(format!(
            "Authorization header requires the '{ALGORITHM}' algorithm. Authorization={auth}"
        )));
    };
    let [credential, signed, signature] = auth_components(rest);
    let amz_date = header(req.headers, "x-amz-date")
        .map(|d| d.trim().to_owned())
        .or_else(|| header(req.headers, "date").and_then(http_date_to_amz));
    let mut problems = String::new();
    for (what, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed),
    ] {
        if value.is_none_or(str::is_empty) {
            problems.push_str(&format!(
                "Authorization header requires '{what}' parameter. "
            ));
        }
    }
    if amz_date.is_none() {
        problems.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    match (credential, signed, signature, amz_date) {
        (Some(c), Some(h), Some(s), Some(d)) if problems.is_empty() => Ok(Parsed {
            credential: parse_credential(c)?,
            signed_headers: split_signed_headers(h),
            signature: s.to_owned(),
            amz_date: d,
            expires: None,
        }),
        _ => Err(SigError::Malformed(format!(
            "{problems}Authorization={auth}"
        ))),
    }
}

/// True when the query carries any of the presigned-request parameters.
fn is_presigned(pairs: &[(Vec<u8>, Vec<u8>)]) -> bool {
    pairs.iter().any(|(k, _)| {
        k == b"X-Amz-Algorithm" || k == b"X-Amz-Credential" || k == b"X-Amz-Signature"
    })
}

fn parse_query_auth(pairs: &[(Vec<u8>, Vec<u8>)]) -> Result<Parsed, SigError> {
    let mut missing = Vec::new();
    let mut get = |name: &'static str| {
        let v = query_param(pairs, name);
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or_default()
    };
    let algorithm = get("X-Amz-Algorithm");
    let credential = get("X-Amz-Credential");
    let amz_date = get("X-Amz-Date");
    let expires = get("X-Amz-Expires");
    let signed = get("X-Amz-SignedHeaders");
    let signature = get("X-Amz-Signature");
    if !missing.is_empty() {
        return Err(SigError::Malformed(format!(
            "AWS query-string parameters must include {}. Re-examine the query-string parameters.",
            missing
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if algorithm != ALGORITHM {
        return Err(SigError::Malformed(format!(
            "X-Amz-Algorithm only supports '{ALGORITHM}', not '{algorithm}'."
        )));
    }
    let expires: i64 = expires.trim().parse().map_err(|_| {
        SigError::Malformed(format!(
            "X-Amz-Expires should be a number of seconds, not '{expires}'."
        ))
    })?;
    if !(0..=MAX_EXPIRES_SECS).contains(&expires) {
        return Err(SigError::Malformed(format!(
            "X-Amz-Expires must be non-negative and less than a week (in seconds) that is {MAX_EXPIRES_SECS}."
        )));
    }
    Ok(Parsed {
        credential: parse_credential(&credential)?,
        signed_headers: split_signed_headers(&signed),
        signature,
        amz_date,
        expires: Some(expires),
    })
}

/// Parses whichever form of authentication the request carries; the header wins over the query.
fn parse(req: &Request<'_>) -> Result<Parsed, SigError> {
    if let Some(auth) = header(req.headers, "authorization") {
        return parse_header_auth(req, auth);
    }
    let pairs = query_pairs(req.query);
    if is_presigned(&pairs) {
        parse_query_auth(&pairs)
    } else {
        Err(SigError::Missing)
    }
}

/// Converts an RFC 1123 `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`) to `YYYYMMDDTHHMMSSZ`.
fn http_date_to_amz(date: &str) -> Option<String> {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(date.trim(), &f)
        .ok()
        .map(|t| amz(t.assume_utc()))
}

/// `YYYYMMDDTHHMMSSZ`, the form of `X-Amz-Date`.
const AMZ: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// Formats a time as `YYYYMMDDTHHMMSSZ`.
fn amz(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(AMZ)
        .unwrap_or_default()
}

/// Parses `YYYYMMDDTHHMMSSZ`.
fn parse_amz(s: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(s, AMZ)
        .ok()
        .map(|p| p.assume_utc())
}

/// Refuses a request signed too long ago, too far in the future, or (presigned) past its expiry.
fn check_time(
    amz_date: &str,
    signed_at: OffsetDateTime,
    expires: Option<i64>,
    now: OffsetDateTime,
) -> Result<(), SigError> {
    if signed_at > now + MAX_SKEW {
        return Err(SigError::Expired(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            amz(now + MAX_SKEW),
            amz(now)
        )));
    }
    match expires {
        None if signed_at < now - MAX_SKEW => Err(SigError::Expired(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            amz(now - MAX_SKEW),
            amz(now)
        ))),
        Some(secs) if signed_at + Duration::seconds(secs) < now => Err(SigError::Expired(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - {secs} sec.)",
            amz(now - Duration::seconds(secs)),
            amz(now)
        ))),
        _ => Ok(()),
    }
}

/// The payload hashes the client may have signed with, best guess first.
fn payload_hashes(req: &Request<'_>, presigned: bool) -> Result<Vec<String>, SigError> {
    let body_hash = hex_sha256(req.body);
    match header(req.headers, "x-amz-content-sha256").map(str::trim) {
        Some(UNSIGNED_PAYLOAD) => Ok(vec![UNSIGNED_PAYLOAD.to_owned()]),
        Some(claimed) if claimed.len() == 64 && claimed.bytes().all(|b| b.is_ascii_hexdigit()) => {
            // The header is signed, the body is not: a hash that is not the body's means a changed body.
            if claimed.eq_ignore_ascii_case(&body_hash) {
                Ok(vec![claimed.to_owned()])
            } else {
                Err(SigError::SignatureMismatch)
            }
        }
        Some(other) => Err(SigError::Malformed(format!(
            "x-amz-content-sha256 must be '{UNSIGNED_PAYLOAD}' or the hex SHA-256 of the payload, not '{other}'."
        ))),
        // botocore's SigV4QueryAuth hashes the body; S3-style presigners use UNSIGNED-PAYLOAD.
        None if presigned => Ok(vec![body_hash, UNSIGNED_PAYLOAD.to_owned()]),
        None => Ok(vec![body_hash]),
    }
}

/// Parses the credential scope from `Authorization` or `X-Amz-Credential`; `None` when the request is
/// unsigned (or the scope cannot be parsed). Nothing is verified: use it only to pick a region when
/// authentication is off.
pub fn credential_scope(headers: &[(String, String)], query: &str) -> Option<Credential> {
    if let Some(auth) = header(headers, "authorization") {
        let [credential, _, _] = auth_components(strip_algorithm(auth)?);
        return parse_credential(credential?).ok();
    }
    parse_credential(&query_param(&query_pairs(query), "X-Amz-Credential")?).ok()
}

/// Verifies a request's SigV4 signature (header or presigned form) against the secret of its access key
/// (`secret_for` returns `None` for an unknown key), with `now` for the ±15-minute skew and presigned
/// expiry. Returns the verified credential scope; checking its service and region is the caller's job.
pub fn verify(
    req: &Request<'_>,
    secret_for: impl Fn(&str) -> Option<String>,
    now: OffsetDateTime,
) -> Result<Credential, SigError> {
    let p = parse(req)?;
    let signed_at = parse_amz(&p.amz_date).ok_or_else(|| {
        SigError::Malformed(format!(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", not '{}'.",
            p.amz_date
        ))
    })?;
    if p.amz_date.get(..8) != Some(p.credential.date.as_str()) {
        return Err(SigError::Malformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            p.credential.date,
            p.amz_date.get(..8).unwrap_or_default(),
            p.amz_date
        )));
    }
    if !p.signed_headers.iter().any(|h| h == "host") {
        return Err(SigError::Malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let secret = secret_for(&p.credential.access_key).ok_or(SigError::UnknownAccessKey)?;
    check_time(&p.amz_date, signed_at, p.expires, now)?;
    let Ok(given) = hex::decode(p.signature.trim()) else {
        return Err(SigError::SignatureMismatch);
    };
    for payload_hash in payload_hashes(req, p.expires.is_some())? {
        let canonical = canonical_request(req, &p.signed_headers, &payload_hash);
        // `verify_slice` compares in constant time.
        if signature_mac(&secret, &p.credential, &p.amz_date, &canonical)
            .verify_slice(&given)
            .is_ok()
        {
            return Ok(p.credential);
        }
    }
    Err(SigError::SignatureMismatch)
}

/// Who signs a request, for which region and service.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    /// Access key id.
    pub access_key: &'a str,
    /// Secret access key.
    pub secret: &'a str,
    /// Region to sign for.
    pub region: &'a str,
    /// Service to sign for (`lambda`).
    pub service: &'a str,
}

impl Signer<'_> {
    fn credential(&self, amz_date: &str) -> Credential {
        Credential {
            access_key: self.access_key.to_owned(),
            date: amz_date.get(..8).unwrap_or_default().to_owned(),
            region: self.region.to_owned(),
            service: self.service.to_owned(),
        }
    }
}

/// Signs a request in the header form and returns the `Authorization` value. The request's headers must
/// already hold `host` and `x-amz-date` (= `amz_date`, `YYYYMMDDTHHMMSSZ`) and, for session credentials,
/// `x-amz-security-token`; every header given is signed except `authorization` and the hop-by-hop ones
/// botocore skips (`user-agent`, `expect`, ...). The payload hash is `x-amz-content-sha256` when present,
/// else the body's SHA-256.
pub fn sign(req: &Request<'_>, by: &Signer<'_>, amz_date: &str) -> String {
    let mut signed: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.trim().to_ascii_lowercase())
        .filter(|k| !UNSIGNED_HEADERS.contains(&k.as_str()))
        .collect();
    signed.sort();
    signed.dedup();
    let cred = by.credential(amz_date);
    let payload_hash = header(req.headers, "x-amz-content-sha256")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|| hex_sha256(req.body));
    let canonical = canonical_request(req, &signed, &payload_hash);
    format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
        cred.access_key,
        cred.scope(),
        signed.join(";"),
        signature_hex(by.secret, &cred, amz_date, &canonical)
    )
}

/// Presigns a request: returns its query (without `?`) with the `X-Amz-*` parameters and the signature
/// appended. Only the `host` header is signed (it must be in `req.headers`), the payload is
/// `UNSIGNED-PAYLOAD`, and the request is valid for `expires_secs` from `amz_date` (`YYYYMMDDTHHMMSSZ`).
pub fn presign(req: &Request<'_>, by: &Signer<'_>, amz_date: &str, expires_secs: u32) -> String {
    let cred = by.credential(amz_date);
    let scope = format!("{}/{}", cred.access_key, cred.scope());
    let mut query = req.query.to_owned();
    for (k, v) in [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", scope.as_str()),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", &expires_secs.to_string()),
        ("X-Amz-SignedHeaders", "host"),
    ] {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("{k}={}", uri_encode(v.as_bytes(), false)));
    }
    let signed = ["host".to_owned()];
    let canonical = canonical_request(
        &Request {
            query: &query,
            ..*req
        },
        &signed,
        UNSIGNED_PAYLOAD,
    );
    let signature = signature_hex(by.secret, &cred, amz_date, &canonical);
    format!("{query}&X-Amz-Signature={signature}")
}
