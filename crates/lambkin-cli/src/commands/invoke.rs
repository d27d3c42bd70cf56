//! `lambkin invoke NAME [PAYLOAD | @file | -]`: Invoke, printing the response body as it is.

use std::io::Read;

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use serde_json::json;

use super::{base_name, function_path, on_not_found, print_json, with_qualifier};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::InvokeArgs;

/// The request body: the argument's text, a file's bytes (`@file`), standard input (`-`), or `{}`.
pub fn payload(arg: Option<&str>) -> Result<Vec<u8>, CliError> {
    match arg {
        None => Ok(b"{}".to_vec()),
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::msg(format!("reading standard input: {e}")))?;
            Ok(buf)
        }
        Some(a) => match a.strip_prefix('@') {
            Some(file) => std::fs::read(file).map_err(|e| {
                CliError::usage(format!("{file}: {e}")).hint(
                    "@FILE reads the event from a file; give the JSON text itself without the @",
                )
            }),
            None => Ok(a.as_bytes().to_vec()),
        },
    }
}

/// Decodes an `X-Amz-Log-Result` header (base64 of the log's last 4 KB).
pub fn decode_log(header: &str) -> Option<String> {
    base64::engine::general_purpose::STANDARD
        .decode(header.trim())
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Runs `lambkin invoke`.
pub async fn run(api: &Api, con: &mut Console, json: bool, a: InvokeArgs) -> Result<(), CliError> {
    let body = payload(a.payload.as_deref())?;
    let path = with_qualifier(
        format!("{}/invocations", function_path(&a.name)),
        a.qualifier.as_deref(),
    );
    let mut headers = vec![(
        "x-amz-invocation-type",
        if a.asynchronous {
            "Event"
        } else {
            "RequestResponse"
        },
    )];
    if a.tail && !a.asynchronous {
        headers.push(("x-amz-log-type", "Tail"));
    }
    let resp = api
        .request(Method::POST, &path, &headers, Bytes::from(body))
        .await?;
    let resp = resp.ok().map_err(|e| {
        let e = CliError::from(e);
        on_not_found(
            e,
            format!("deploy it first: lambkin deploy {} DIR", base_name(&a.name)),
        )
    })?;
    let request_id = resp.header("x-amzn-RequestId").unwrap_or("?").to_owned();
    if a.asynchronous {
        if json {
            return print_json(
                con,
                &json!({"StatusCode": resp.status, "RequestId": request_id}),
            );
        }
        return con.println(&format!("accepted (request id {request_id})"));
    }
    if let Some(log) = resp.header("X-Amz-Log-Result").and_then(decode_log) {
        con.eprint(&log);
        if !log.is_empty() && !log.ends_with('\n') {
            con.eprint("\n");
        }
    }
    con.write_out(&resp.body)?;
    if con.out_is_terminal() && !resp.body.is_empty() && !resp.body.ends_with(b"\n") {
        con.write_out(b"\n")?;
    }
    con.flush()?;
    if let Some(err) = resp.header("X-Amz-Function-Error") {
        let e = CliError::msg(format!("function error ({err})"));
        return Err(if a.tail {
            e
        } else {
            e.hint(format!(
                "its log says why: add --tail, or run lambkin logs {}",
                base_name(&a.name)
            ))
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_sources() {
        assert_eq!(payload(None).ok(), Some(b"{}".to_vec()));
        assert_eq!(
            payload(Some(r#"{"a":1}"#)).ok(),
            Some(br#"{"a":1}"#.to_vec())
        );
        let f = std::env::temp_dir().join(format!("lkcli-event-{}.json", std::process::id()));
        std::fs::write(&f, "[1]").expect("write");
        assert_eq!(
            payload(Some(&format!("@{}", f.display()))).ok(),
            Some(b"[1]".to_vec())
        );
        let _ = std::fs::remove_file(&f);
        assert_eq!(
            payload(Some("@/no/such/file")).err().map(|e| e.exit_code),
            Some(2)
        );
    }

    #[test]
    fn log_tail_decodes() {
        assert_eq!(decode_log("aGVsbG8K").as_deref(), Some("hello\n"));
        assert_eq!(decode_log("!!"), None);
    }
}
