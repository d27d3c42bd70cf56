//! Tests of Signature Version 4: AWS's published examples, then one test per way a request can be wrong.
//! Why one file of ~900 lines: each case is a request spelled out in full (headers, body, expected string to
//! sign); they read best one after another, and share the helpers at the top.

use super::*;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn at(s: &str) -> OffsetDateTime {
    parse_amz(s).expect("test date")
}

/// Key `AKID` with `secret`, signing for Lambda in `region`.
fn akid<'a>(secret: &'a str, region: &'a str) -> Signer<'a> {
    Signer {
        access_key: "AKID",
        secret,
        region,
        service: "lambda",
    }
}

fn with_auth(headers: &[(String, String)], auth: &str) -> Vec<(String, String)> {
    let mut all = headers.to_vec();
    all.push(("Authorization".into(), auth.to_owned()));
    all
}

// ---- AWS's published SigV4 test suite ----

const SUITE_KEY: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_DATE: &str = "20150830T123600Z";

struct Vector {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    extra_headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    signed_headers: &'static str,
    signature: &'static str,
}

const VANILLA: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

fn vector(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    signature: &'static str,
) -> Vector {
    Vector {
        name,
        method,
        path,
        query,
        extra_headers: &[],
        body: b"",
        signed_headers: "host;x-amz-date",
        signature,
    }
}

fn suite() -> Vec<Vector> {
    vec![
        vector("get-vanilla", "GET", "/", "", VANILLA),
        vector(
            "post-vanilla",
            "POST",
            "/",
            "",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        vector(
            "get-vanilla-query-order-key-case",
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        vector(
            "get-vanilla-query-order-encoded",
            "GET",
            "/",
            "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
            "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
        ),
        vector(
            "get-vanilla-query-unreserved",
            "GET",
            "/",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        ),
        vector(
            "get-vanilla-utf8-query",
            "GET",
            "/",
            "%E1%88%B4=bar",
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        ),
        vector(
            "post-vanilla-query",
            "POST",
            "/",
            "Param1=value1",
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
        ),
        vector(
            "get-unreserved",
            "GET",
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "",
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        ),
        // The suite's path is the unencoded one (the signer encodes it once).
        vector(
            "get-utf8",
            "GET",
            "/ሴ",
            "",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        ),
        vector(
            "get-space",
            "GET",
            "/example space/",
            "",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        ),
        // The normalising cases: each path normalises to `/`, so the canonical request is get-vanilla's.
        vector("get-relative", "GET", "/example/..", "", VANILLA),
        vector(
            "get-relative-relative",
            "GET",
            "/example1/example2/../..",
            "",
            VANILLA,
        ),
        vector("get-slash", "GET", "//", "", VANILLA),
        vector("get-slash-dot-slash", "GET", "/./", "", VANILLA),
        Vector {
            extra_headers: &[("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")],
            signed_headers: "host;x-amz-date;x-amz-security-token",
            ..vector(
                "get-vanilla-with-session-token",
                "GET",
                "/",
                "",
                "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            )
        },
        Vector {
            extra_headers: &[
                ("My-Header1", "value2"),
                ("My-Header1", "value2"),
                ("My-Header1", "value1"),
            ],
            signed_headers: "host;my-header1;x-amz-date",
            ..vector(
                "get-header-key-duplicate",
                "GET",
                "/",
                "",
                "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            )
        },
        Vector {
            extra_headers: &[
                ("My-Header1", "value4"),
                ("My-Header1", "value1"),
                ("My-Header1", "value3"),
                ("My-Header1", "value2"),
            ],
            signed_headers: "host;my-header1;x-amz-date",
            ..vector(
                "get-header-value-order",
                "GET",
                "/",
                "",
                "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
            )
        },
        Vector {
            extra_headers: &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            signed_headers: "host;my-header1;my-header2;x-amz-date",
            ..vector(
                "get-header-value-trim",
                "GET",
                "/",
                "",
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            )
        },
        Vector {
            extra_headers: &[("My-Header1", "VALUE1")],
            signed_headers: "host;my-header1;x-amz-date",
            ..vector(
                "post-header-value-case",
                "POST",
                "/",
                "",
                "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
            )
        },
        Vector {
            extra_headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", "13"),
                (
                    "x-amz-content-sha256",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
            ],
            body: b"Param1=value1",
            signed_headers: "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            ..vector(
                "post-x-www-form-urlencoded",
                "POST",
                "/",
                "",
                "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            )
        },
    ]
}

#[test]
fn aws_test_suite_sign_and_verify() {
    for v in suite() {
        let mut headers = h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", SUITE_DATE),
        ]);
        headers.extend(h(v.extra_headers));
        let req = Request {
            method: v.method,
            path: v.path,
            query: v.query,
            headers: &headers,
            body: v.body,
        };
        let expected = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={}, Signature={}",
            v.signed_headers, v.signature
        );
        let auth = sign(
            &req,
            &Signer {
                access_key: SUITE_KEY,
                secret: SUITE_SECRET,
                region: "us-east-1",
                service: "service",
            },
            SUITE_DATE,
        );
        assert_eq!(auth, expected, "sign: {}", v.name);

        let signed = with_auth(&headers, &expected);
        let cred = verify(
            &Request {
                headers: &signed,
                ..req
            },
            |k| (k == SUITE_KEY).then(|| SUITE_SECRET.to_owned()),
            at(SUITE_DATE),
        )
        .unwrap_or_else(|e| panic!("verify {}: {e:?}", v.name));
        assert_eq!(
            cred,
            Credential {
                access_key: SUITE_KEY.into(),
                date: "20150830".into(),
                region: "us-east-1".into(),
                service: "service".into(),
            }
        );
    }
}

#[test]
fn aws_test_suite_canonical_request_get_vanilla_query_order_encoded() {
    let headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", SUITE_DATE),
    ]);
    let req = Request {
        method: "GET",
        path: "/",
        query: "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
        headers: &headers,
        body: b"",
    };
    assert_eq!(
        canonical_request(
            &req,
            &["host".into(), "x-amz-date".into()],
            &hex_sha256(b"")
        ),
        "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

// ---- Fixtures signed by botocore 1.44.5 ----
//
// Access key `AKIDLAMBKIN`, secret `lambkin/secret+KEY`, region `us-east-1`, service `lambda`, time
// 2026-11-23T10:10:10Z, endpoint `http://127.0.0.1:9000`. The first two were captured from a real
// `botocore` Lambda client (`invoke` on an ARN with `Qualifier`, `list_functions` with `MaxItems`/`Marker`)
// at its `before-send` event, so path and query are exactly as botocore puts them on the wire.

const BOTO_KEY: &str = "AKIDLAMBKIN";
const BOTO_SECRET: &str = "lambkin/secret+KEY";
const BOTO_DATE: &str = "20261123T101010Z";
const BOTO_UA: &str = "Botocore/1.44.5 ua/2.1 os/linux#6.18.44-fc-v595 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/Z,N,b,e,E cfg/retry-mode#standard";
const ARN_PATH: &str = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo/invocations";

fn boto_secret(key: &str) -> Option<String> {
    (key == BOTO_KEY).then(|| BOTO_SECRET.to_owned())
}

fn boto_scope() -> Credential {
    Credential {
        access_key: BOTO_KEY.into(),
        date: "20261123".into(),
        region: "us-east-1".into(),
        service: "lambda".into(),
    }
}

fn boto_headers(auth: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut headers = h(&[("Host", "127.0.0.1:9000"), ("X-Amz-Date", BOTO_DATE)]);
    headers.extend(h(extra));
    headers.push(("Authorization".into(), auth.to_owned()));
    headers
}

#[test]
fn botocore_client_invoke_on_encoded_arn() {
    let headers = boto_headers(
        "AWS4-HMAC-SHA256 Credential=AKIDLAMBKIN/20261123/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=28d81190108e676f8150bb87c9fbbfa3285965bccfc2c74bc40dd45bcbed304c",
        &[
            ("User-Agent", BOTO_UA),
            ("X-Amz-Security-Token", "SESSIONTOKEN123"),
            ("amz-sdk-invocation-id", "00b0fc15-4ed9-4b8f-9c99-8c6099112f3f"),
            ("amz-sdk-request", "attempt=1; max=3"),
            ("Content-Length", "18"),
            ("Accept-Encoding", "identity"),
        ],
    );
    let req = Request {
        method: "POST",
        path: ARN_PATH,
        query: "Qualifier=live",
        headers: &headers,
        body: br#"{"hello": "world"}"#,
    };
    assert_eq!(
        verify(&req, boto_secret, at("20261123T101500Z")),
        Ok(boto_scope())
    );
    assert!(canonical_request(&req, &[], "").contains(
        "\n/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Ademo/invocations\nQualifier=live\n"
    ));
    // The body is covered by the signature.
    assert_eq!(
        verify(
            &Request {
                body: br#"{"hello": "World"}"#,
                ..req
            },
            boto_secret,
            at("20261123T101500Z")
        ),
        Err(SigError::SignatureMismatch)
    );
    // A single-encoded path (`:` on the wire) is a different canonical URI.
    assert_eq!(
        verify(
            &Request {
                path: "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:demo/invocations",
                ..req
            },
            boto_secret,
            at("20261123T101500Z")
        ),
        Err(SigError::SignatureMismatch)
    );
}

#[test]
fn botocore_client_list_functions_with_encoded_marker() {
    let headers = boto_headers(
        "AWS4-HMAC-SHA256 Credential=AKIDLAMBKIN/20261123/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=1bba1eb4a307f735f98a8c4ed259d077777c79fe2bab5b0266089b64ef869f24",
        &[
            ("User-Agent", BOTO_UA),
            ("X-Amz-Security-Token", "SESSIONTOKEN123"),
            ("amz-sdk-invocation-id", "68ca9ce5-b989-4632-9122-c073830588dd"),
            ("amz-sdk-request", "attempt=1; max=3"),
        ],
    );
    let req = Request {
        method: "GET",
        path: "/2015-03-31/functions",
        query: "MaxItems=2&Marker=abc%3D",
        headers: &headers,
        body: b"",
    };
    assert_eq!(
        verify(&req, boto_secret, at("20261123T100000Z")),
        Ok(boto_scope())
    );
    assert_eq!(
        verify(
            &Request {
                query: "MaxItems=3&Marker=abc%3D",
                ..req
            },
            boto_secret,
            at("20261123T100000Z")
        ),
        Err(SigError::SignatureMismatch)
    );
}

#[test]
fn botocore_sigv4auth_fixtures() {
    // `SigV4Auth(creds, "lambda", "us-east-1").add_auth(AWSRequest(...))`, no session token.
    let cases: [(&str, &str, &str, &[u8], &str); 3] = [
        (
            "POST",
            ARN_PATH,
            "Qualifier=live",
            br#"{"a":1}"#,
            "93fdcb79a51f3892c19052f702bbc627cf55cf5f73fd00065b79376e413dec6f",
        ),
        (
            "GET",
            "/2015-03-31/functions/",
            "MaxItems=2&Marker=abc%3D",
            b"",
            "cf3915e57663e64f3255b1d31aab9b94d62400d735db2aa51388268436b166ac",
        ),
        // botocore removes `.`, `..` and empty segments before encoding.
        (
            "GET",
            "/2015-03-31//functions/./x/../demo/",
            "",
            b"",
            "f0186bfcb30991d5cb590d251f4f53dca7c47ed96184131659d59c8dde36bfea",
        ),
    ];
    for (method, path, query, body, signature) in cases {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDLAMBKIN/20261123/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
        );
        let headers = boto_headers(&auth, &[]);
        let req = Request {
            method,
            path,
            query,
            headers: &headers,
            body,
        };
        assert_eq!(
            verify(&req, boto_secret, at(BOTO_DATE)),
            Ok(boto_scope()),
            "{method} {path}"
        );
        // Our signer agrees with botocore.
        let unsigned = &headers[..2];
        assert_eq!(
            sign(
                &Request {
                    headers: unsigned,
                    ..req
                },
                &Signer {
                    access_key: BOTO_KEY,
                    secret: BOTO_SECRET,
                    region: "us-east-1",
                    service: "lambda"
                },
                BOTO_DATE
            ),
            auth
        );
    }
}

#[test]
fn botocore_presigned_query() {
    // `SigV4QueryAuth(creds, "lambda", "us-east-1", expires=300)`: it hashes the (empty) body rather than
    // using UNSIGNED-PAYLOAD.
    let query = "Qualifier=live&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLAMBKIN%2F20261123%2Fus-east-1%2Flambda%2Faws4_request&X-Amz-Date=20261123T101010Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=f5593f640adadfcb0527295832b5f07d1f2331e03358634b8b81e82c7629b61d";
    let headers = h(&[("Host", "127.0.0.1:9000")]);
    let req = Request {
        method: "GET",
        path: "/2015-03-31/functions/my-fn%3Alive/configuration",
        query,
        headers: &headers,
        body: b"",
    };
    assert_eq!(
        verify(&req, boto_secret, at("20261123T101500Z")),
        Ok(boto_scope())
    );
    assert_eq!(
        credential_scope(&headers, query).map(|c| c.region),
        Some("us-east-1".into())
    );
    let late = verify(&req, boto_secret, at("20261123T101511Z")).expect_err("expired");
    assert_eq!(late.error_type(), "InvalidSignatureException");
    assert_eq!(
        late.message(),
        "Signature expired: 20261123T101010Z is now earlier than 20261123T101011Z (20261123T101511Z - 300 sec.)"
    );
    let tampered = query.replace("Qualifier=live", "Qualifier=prod");
    assert_eq!(
        verify(
            &Request {
                query: &tampered,
                ..req
            },
            boto_secret,
            at(BOTO_DATE)
        ),
        Err(SigError::SignatureMismatch)
    );
}

// ---- Our own signer, round trips and refusals ----

const LAMBDA_DATE: &str = "20261124T101010Z";

fn signed_lambda_request(secret: &str) -> Vec<(String, String)> {
    let headers = h(&[
        ("host", "127.0.0.1:9000"),
        ("x-amz-date", LAMBDA_DATE),
        ("content-type", "application/json"),
        ("User-Agent", "lambkin-test"),
    ]);
    let auth = sign(
        &Request {
            method: "POST",
            path: ARN_PATH,
            query: "Qualifier=live",
            headers: &headers,
            body: b"{}",
        },
        &akid(secret, "eu-west-1"),
        LAMBDA_DATE,
    );
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-amz-date,"),
        "{auth}"
    );
    with_auth(&headers, &auth)
}

fn lambda_req<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> Request<'a> {
    Request {
        method: "POST",
        path: ARN_PATH,
        query: "Qualifier=live",
        headers,
        body,
    }
}

fn keys(k: &str) -> Option<String> {
    (k == "AKID").then(|| "SECRET".to_owned())
}

#[test]
fn round_trip_and_refusals() {
    let headers = signed_lambda_request("SECRET");
    let now = at("20261124T101500Z");
    let cred = verify(&lambda_req(&headers, b"{}"), keys, now).expect("valid");
    assert_eq!(cred.region, "eu-west-1");
    assert_eq!(cred.service, "lambda");

    // Tampered body, path, method, a signed header; an unsigned one may change.
    let mut changed = headers.clone();
    changed[2].1 = "text/plain".into();
    for tampered in [
        lambda_req(&headers, b"{\"x\":1}"),
        Request {
            path: "/2015-03-31/functions/other/invocations",
            ..lambda_req(&headers, b"{}")
        },
        Request {
            method: "PUT",
            ..lambda_req(&headers, b"{}")
        },
        lambda_req(&changed, b"{}"),
    ] {
        assert_eq!(
            verify(&tampered, keys, now),
            Err(SigError::SignatureMismatch)
        );
    }
    let mut ua = headers.clone();
    ua[3].1 = "proxy-rewritten".into();
    assert!(verify(&lambda_req(&ua, b"{}"), keys, now).is_ok());

    // Wrong secret, unknown key.
    let wrong = signed_lambda_request("OTHER");
    let e = verify(&lambda_req(&wrong, b"{}"), keys, now).expect_err("wrong secret");
    assert_eq!(e, SigError::SignatureMismatch);
    assert_eq!(e.error_type(), "InvalidSignatureException");
    assert!(e
        .message()
        .starts_with("The request signature we calculated does not match"));
    let e = verify(&lambda_req(&headers, b"{}"), |_| None, now).expect_err("unknown");
    assert_eq!(e, SigError::UnknownAccessKey);
    assert_eq!(e.error_type(), "UnrecognizedClientException");
    assert_eq!(
        e.message(),
        "The security token included in the request is invalid."
    );
    assert_eq!(e.status(), 403);
}

#[test]
fn clock_skew() {
    let headers = signed_lambda_request("SECRET");
    let req = lambda_req(&headers, b"{}");
    // Exactly 15 minutes either way is still accepted.
    assert!(verify(&req, keys, at("20261124T102510Z")).is_ok());
    assert!(verify(&req, keys, at("20261124T095510Z")).is_ok());

    let late = verify(&req, keys, at("20261124T102511Z")).expect_err("late");
    assert_eq!(late.error_type(), "InvalidSignatureException");
    assert_eq!(
        late.message(),
        "Signature expired: 20261124T101010Z is now earlier than 20261124T101011Z (20261124T102511Z - 15 min.)"
    );
    let early = verify(&req, keys, at("20261124T095509Z")).expect_err("early");
    assert_eq!(
        early,
        SigError::Expired(
            "Signature not yet current: 20261124T101010Z is still later than 20261124T101009Z (20261124T095509Z + 15 min.)"
                .into()
        )
    );
}

#[test]
fn missing_and_malformed() {
    let now = at("20261124T101010Z");
    let none: Vec<(String, String)> = Vec::new();
    let e = verify(&lambda_req(&none, b"{}"), keys, now).expect_err("missing");
    assert_eq!(e, SigError::Missing);
    assert_eq!(e.error_type(), "MissingAuthenticationTokenException");
    assert_eq!(e.message(), "Missing Authentication Token");
    assert_eq!(e.status(), 403);

    let malformed = |headers: &[(&str, &str)]| {
        let headers = h(headers);
        let e = verify(&lambda_req(&headers, b"{}"), keys, now).expect_err("malformed");
        assert_eq!(e.error_type(), "IncompleteSignatureException", "{e:?}");
        e.message()
    };
    let date = ("X-Amz-Date", LAMBDA_DATE);
    let host = ("Host", "h");
    let cred = "Credential=AKID/20261124/us-east-1/lambda/aws4_request";
    assert_eq!(
        malformed(&[host, date, ("Authorization", &format!("AWS4-HMAC-SHA256 {cred}"))]),
        format!("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 {cred}")
    );
    let full = format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;x-amz-date, Signature=00");
    assert!(malformed(&[host, ("Authorization", &full)]).starts_with(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    ));
    assert!(malformed(&[host, date, ("Authorization", "Bearer abc")])
        .contains("'AWS4-HMAC-SHA256' algorithm"));
    assert!(malformed(&[
        host,
        date,
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/lambda/aws5_request, SignedHeaders=host, Signature=00"
        )
    ])
    .contains("valid terminator"));
    assert!(malformed(&[
        host,
        date,
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00"
        )
    ])
    .starts_with("Credential should be"));
    assert!(malformed(&[
        host,
        ("X-Amz-Date", "20261125T101010Z"),
        ("Authorization", &full)
    ])
    .starts_with("Date in Credential scope does not match"));
    assert!(
        malformed(&[host, ("X-Amz-Date", "yesterday"), ("Authorization", &full)])
            .starts_with("X-Amz-Date must be in the ISO8601 Long Format")
    );
    assert_eq!(
        malformed(&[
            host,
            date,
            (
                "Authorization",
                &format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=x-amz-date, Signature=00")
            )
        ]),
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
    // A presigned query missing parts.
    let e = verify(
        &Request {
            query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261124%2Fus-east-1%2Flambda%2Faws4_request",
            ..lambda_req(&none, b"")
        },
        keys,
        now,
    )
    .expect_err("presigned malformed");
    assert_eq!(e.error_type(), "IncompleteSignatureException");
    assert!(e.message().contains("'X-Amz-Date'"), "{e:?}");
    // A bad signature value is a mismatch, not a crash.
    let headers = h(&[host, date, ("Authorization", &full.replace("=00", "=zz"))]);
    assert_eq!(
        verify(&lambda_req(&headers, b"{}"), keys, now),
        Err(SigError::SignatureMismatch)
    );
}

#[test]
fn content_sha256_header() {
    let body = b"{\"k\":\"v\"}";
    let now = at(LAMBDA_DATE);
    for claimed in [hex_sha256(body), UNSIGNED_PAYLOAD.to_owned()] {
        let headers = h(&[
            ("Host", "h"),
            ("X-Amz-Date", LAMBDA_DATE),
            ("X-Amz-Content-Sha256", &claimed),
        ]);
        let auth = sign(
            &lambda_req(&headers, body),
            &akid("SECRET", "us-east-1"),
            LAMBDA_DATE,
        );
        let signed = with_auth(&headers, &auth);
        assert!(verify(&lambda_req(&signed, body), keys, now).is_ok());
        let tampered = verify(&lambda_req(&signed, b"{}"), keys, now);
        if claimed == UNSIGNED_PAYLOAD {
            assert!(tampered.is_ok(), "the client chose not to sign the body");
        } else {
            assert_eq!(tampered, Err(SigError::SignatureMismatch));
        }
    }
}

#[test]
fn date_header_fallback() {
    let headers = h(&[("Host", "h"), ("Date", "Tue, 24 Nov 2026 10:10:10 GMT")]);
    let req = lambda_req(&headers, b"{}");
    let auth = sign(&req, &akid("SECRET", "us-east-1"), LAMBDA_DATE);
    assert!(auth.contains("SignedHeaders=date;host,"), "{auth}");
    let signed = with_auth(&headers, &auth);
    assert!(verify(&lambda_req(&signed, b"{}"), keys, at(LAMBDA_DATE)).is_ok());
    assert_eq!(
        http_date_to_amz("Sun, 06 Nov 1994 08:49:37 GMT").as_deref(),
        Some("19941106T084937Z")
    );
}

#[test]
fn presign_round_trip() {
    let headers = h(&[("Host", "127.0.0.1:9000")]);
    let req = Request {
        method: "GET",
        path: "/2015-03-31/functions/demo",
        query: "Qualifier=live&Marker=a%2Bb",
        headers: &headers,
        body: b"",
    };
    let query = presign(&req, &akid("SECRET", "ap-south-1"), LAMBDA_DATE, 60);
    assert!(query.starts_with("Qualifier=live&Marker=a%2Bb&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261124%2Fap-south-1%2Flambda%2Faws4_request&"), "{query}");
    let signed = Request {
        query: &query,
        ..req
    };
    let cred = verify(&signed, keys, at("20261124T101110Z")).expect("valid");
    assert_eq!(cred.region, "ap-south-1");
    assert!(matches!(
        verify(&signed, keys, at("20261124T101111Z")),
        Err(SigError::Expired(_))
    ));
    assert_eq!(
        verify(&signed, |_| None, at(LAMBDA_DATE)),
        Err(SigError::UnknownAccessKey)
    );
    let tampered = query.replace("Marker=a%2Bb", "Marker=a%2Bc");
    assert_eq!(
        verify(
            &Request {
                query: &tampered,
                ..req
            },
            keys,
            at(LAMBDA_DATE)
        ),
        Err(SigError::SignatureMismatch)
    );
    // An Authorization header takes precedence over the query.
    let with_header = h(&[("Host", "127.0.0.1:9000"), ("Authorization", "Bearer x")]);
    assert!(matches!(
        verify(
            &Request {
                headers: &with_header,
                ..signed
            },
            keys,
            at(LAMBDA_DATE)
        ),
        Err(SigError::Malformed(_))
    ));
}

#[test]
fn credential_scope_is_lenient() {
    let auth = |v: &str| h(&[("authorization", v)]);
    let scope = credential_scope(
        &auth("AWS4-HMAC-SHA256 Credential=AKID/20261123/eu-central-1/lambda/aws4_request"),
        "",
    )
    .expect("scope");
    assert_eq!(
        scope,
        Credential {
            access_key: "AKID".into(),
            date: "20261123".into(),
            region: "eu-central-1".into(),
            service: "lambda".into(),
        }
    );
    assert_eq!(credential_scope(&[], ""), None);
    assert_eq!(credential_scope(&[], "Qualifier=live"), None);
    assert_eq!(credential_scope(&auth("Bearer x"), ""), None);
    assert_eq!(
        credential_scope(&auth("AWS4-HMAC-SHA256 Credential=garbage"), ""),
        None
    );
    assert_eq!(
        credential_scope(
            &[],
            "X-Amz-Credential=AKID%2F20261123%2Fus-west-2%2Flambda%2Faws4_request"
        )
        .map(|c| c.region),
        Some("us-west-2".into())
    );
}

#[test]
fn canonical_forms() {
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a%3Ab/c d"), "/a%253Ab/c%20d");
    assert_eq!(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
    assert_eq!(canonical_uri("/.."), "/");
    assert_eq!(
        canonical_query("b=2&a=1&Marker=abc%3D&x&a=0&sp=a+b&X-Amz-Signature=s"),
        "Marker=abc%3D&a=0&a=1&b=2&sp=a%20b&x="
    );
    assert_eq!(canonical_query("k=%zz%"), "k=%25zz%25");
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
