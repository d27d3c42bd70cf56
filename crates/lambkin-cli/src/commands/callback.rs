//! `lambkin callback succeed | fail | heartbeat ID`: SendDurableExecutionCallbackSuccess (the result is the
//! raw request body), SendDurableExecutionCallbackFailure (the ErrorObject is the JSON body) and
//! SendDurableExecutionCallbackHeartbeat.

use std::io::Read;

use bytes::Bytes;
use http::Method;
use serde_json::{json, Map, Value};

use super::durable::callback_path;
use super::{on_not_found, print_json};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::{CallbackCommand, CallbackFailArgs, CallbackSucceedArgs};

/// The success request's body: the RESULT text, `--file`'s bytes (`-` is standard input), or nothing.
pub fn result_bytes(a: &CallbackSucceedArgs) -> Result<Vec<u8>, CliError> {
    match (&a.result, &a.file) {
        (_, Some(f)) if f.as_os_str() == "-" => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::msg(format!("reading standard input: {e}")))?;
            Ok(buf)
        }
        (_, Some(f)) => {
            std::fs::read(f).map_err(|e| CliError::usage(format!("{}: {e}", f.display())))
        }
        (Some(r), None) => Ok(r.as_bytes().to_vec()),
        (None, None) => Ok(Vec::new()),
    }
}

/// The failure request's body: an ErrorObject with the members given.
pub fn error_object(a: &CallbackFailArgs) -> Value {
    let mut e = Map::new();
    for (key, v) in [
        ("ErrorType", &a.error_type),
        ("ErrorMessage", &a.message),
        ("ErrorData", &a.data),
    ] {
        if let Some(v) = v {
            e.insert(key.to_owned(), json!(v));
        }
    }
    Value::Object(e)
}

/// Runs `lambkin callback …`.
pub async fn run(
    api: &Api,
    con: &mut Console,
    json: bool,
    cmd: CallbackCommand,
) -> Result<(), CliError> {
    let (id, action, content_type, body) = match &cmd {
        CallbackCommand::Succeed(a) => (
            &a.id,
            "succeed",
            Some("application/octet-stream"),
            result_bytes(a)?,
        ),
        CallbackCommand::Fail(a) => (
            &a.id,
            "fail",
            Some("application/json"),
            error_object(a).to_string().into_bytes(),
        ),
        CallbackCommand::Heartbeat(a) => (&a.id, "heartbeat", None, Vec::new()),
    };
    let headers: Vec<(&str, &str)> = content_type
        .map(|t| ("content-type", t))
        .into_iter()
        .collect();
    let resp = api
        .request(
            Method::POST,
            &callback_path(id, action),
            &headers,
            Bytes::from(body),
        )
        .await?
        .ok()
        .map_err(|e| {
            on_not_found(
                CliError::from(e),
                "no callback with that id is waiting; the execution's CallbackStarted events name them: \
                 lambkin execution ARN",
            )
        })?;
    if json {
        let v = match resp.json() {
            Value::Null => json!({}),
            v => v,
        };
        return print_json(con, &v);
    }
    let id = id.trim();
    con.eprintln(&match action {
        "succeed" => format!("callback {id} succeeded"),
        "fail" => format!("callback {id} failed"),
        _ => format!("heartbeat sent to callback {id}"),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_bodies() {
        let args = |result: Option<&str>, file: Option<std::path::PathBuf>| CallbackSucceedArgs {
            id: "QUJD".into(),
            result: result.map(str::to_owned),
            file,
        };
        assert_eq!(result_bytes(&args(None, None)).ok(), Some(Vec::new()));
        assert_eq!(
            result_bytes(&args(Some("{\"ok\":true}"), None)).ok(),
            Some(b"{\"ok\":true}".to_vec())
        );
        let f = std::env::temp_dir().join(format!("lkcli-callback-{}.bin", std::process::id()));
        std::fs::write(&f, [0u8, 159, 146, 150]).expect("write");
        assert_eq!(
            result_bytes(&args(None, Some(f.clone()))).ok(),
            Some(vec![0u8, 159, 146, 150])
        );
        let _ = std::fs::remove_file(&f);
        assert_eq!(
            result_bytes(&args(None, Some("/no/such/file".into())))
                .err()
                .map(|e| e.exit_code),
            Some(2)
        );
    }

    #[test]
    fn failure_bodies() {
        let a = CallbackFailArgs {
            id: "QUJD".into(),
            error_type: Some("Rejected".into()),
            message: Some("manager said no".into()),
            data: None,
        };
        assert_eq!(
            error_object(&a),
            json!({"ErrorType": "Rejected", "ErrorMessage": "manager said no"})
        );
        let none = CallbackFailArgs {
            error_type: None,
            message: None,
            ..a
        };
        assert_eq!(error_object(&none), json!({}));
    }
}
