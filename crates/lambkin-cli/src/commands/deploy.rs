//! `lambkin deploy NAME PATH`: CreateFunction, or UpdateFunctionCode (+ UpdateFunctionConfiguration) when
//! the function exists; then waits until it is Active and its last update Successful.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{function_path, human_size, print_json, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::{pack, table, DeployArgs};

/// The role every function gets (the server checks only its form and account), in the default account.
pub const ROLE: &str = "arn:aws:iam::123456789012:role/lambkin";
/// The runtime of a new function when `--runtime` is not given.
pub const DEFAULT_RUNTIME: &str = "provided.al2023";
/// The handler of a new function when `--handler` is not given.
pub const DEFAULT_HANDLER: &str = "bootstrap";

/// How often GetFunction is polled while waiting.
const POLL: Duration = Duration::from_millis(250);
/// How long to wait for a function to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(300);

/// Parses `--env KEY=VALUE` flags.
pub fn env_vars(pairs: &[String]) -> Result<Map<String, Value>, CliError> {
    let mut vars = Map::new();
    for p in pairs {
        match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                vars.insert(k.to_owned(), Value::String(v.to_owned()));
            }
            _ => {
                return Err(CliError::usage(format!("--env {p:?}: expected KEY=VALUE"))
                    .hint("e.g. --env LOG_LEVEL=debug"))
            }
        }
    }
    Ok(vars)
}

/// The configuration fields the flags set (only the ones given).
fn config_fields(a: &DeployArgs, vars: &Map<String, Value>) -> Map<String, Value> {
    let mut cfg = Map::new();
    if let Some(r) = &a.runtime {
        cfg.insert("Runtime".into(), json!(r));
    }
    if let Some(h) = &a.handler {
        cfg.insert("Handler".into(), json!(h));
    }
    if !a.layers.is_empty() {
        cfg.insert("Layers".into(), json!(a.layers));
    }
    if !vars.is_empty() {
        cfg.insert("Environment".into(), json!({ "Variables": vars }));
    }
    if let Some(m) = a.memory {
        cfg.insert("MemorySize".into(), json!(m));
    }
    if let Some(t) = a.timeout {
        cfg.insert("Timeout".into(), json!(t));
    }
    if let Some(d) = &a.description {
        cfg.insert("Description".into(), json!(d));
    }
    cfg
}

/// The server's region and account, read from the function ARN of its "Function not found: arn:…" answer;
/// `None` when the answer names none.
pub fn region_and_account(not_found_message: &str) -> Option<(&str, &str)> {
    let arn = &not_found_message[not_found_message.find("arn:")?..];
    let mut parts = arn.split(':');
    let region = parts.nth(3)?;
    let account = parts.next()?;
    let valid =
        !region.is_empty() && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    valid.then_some((region, account))
}

/// The role in the server's account (Lambda refuses a role of another account), from its "Function not found"
/// answer ([`region_and_account`]); [`ROLE`] when the answer names none.
pub fn role_for(not_found_message: &str) -> String {
    match region_and_account(not_found_message) {
        Some((_, a)) => format!("arn:aws:iam::{a}:role/lambkin"),
        None => ROLE.to_owned(),
    }
}

/// The CreateFunction request body (`role`: see [`role_for`]).
pub fn create_body(a: &DeployArgs, vars: &Map<String, Value>, zip_b64: &str, role: &str) -> Value {
    let mut body = config_fields(a, vars);
    body.insert(
        "FunctionName".into(),
        json!(a.name.as_deref().unwrap_or_default()),
    );
    body.entry("Runtime").or_insert(json!(DEFAULT_RUNTIME));
    body.entry("Handler").or_insert(json!(DEFAULT_HANDLER));
    body.insert("Role".into(), json!(role));
    body.insert("Code".into(), json!({ "ZipFile": zip_b64 }));
    body.insert("Publish".into(), json!(a.publish));
    Value::Object(body)
}

/// Polls GetFunction until `State` is Active and `LastUpdateStatus` Successful; returns the configuration.
pub async fn wait_ready(api: &Api, con: &mut Console, name: &str) -> Result<Value, CliError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let path = function_path(name);
    loop {
        let cfg = api.get(&path).await?.ok()?.json()["Configuration"].clone();
        let state = text(&cfg, "State");
        let update = text(&cfg, "LastUpdateStatus");
        if state == "Failed" || update == "Failed" {
            let reason = [
                "StateReason",
                "LastUpdateStatusReason",
                "StateReasonCode",
                "LastUpdateStatusReasonCode",
            ]
            .iter()
            .map(|k| text(&cfg, k))
            .find(|r| !r.is_empty())
            .unwrap_or_else(|| "no reason given".to_owned());
            return Err(
                CliError::msg(format!("{name} failed: {reason}")).hint(format!(
                    "fix the package and deploy again; lambkin logs {name} may say more"
                )),
            );
        }
        // A server that does not report a status has nothing to wait for.
        let state_ok = state == "Active" || state.is_empty();
        let update_ok = update == "Successful" || update.is_empty();
        if state_ok && update_ok {
            return Ok(cfg);
        }
        if Instant::now() >= deadline {
            return Err(CliError::msg(format!(
                "{name} is still {state} (last update {update}) after {} s",
                READY_TIMEOUT.as_secs()
            ))
            .hint(format!(
                "check again with: lambkin ls; or see: lambkin logs {name}"
            )));
        }
        con.progress(&format!(
            "waiting for {name} (state {state}, last update {update})"
        ));
        tokio::time::sleep(POLL).await;
    }
}

/// Runs `lambkin deploy`: one function from a directory or zip, or (`--template`, or no name) a template's.
pub async fn run(api: &Api, con: &mut Console, json: bool, a: DeployArgs) -> Result<(), CliError> {
    let (Some(name), Some(code)) = (a.name.clone(), a.path.clone()) else {
        if a.name.is_some() {
            return Err(
                CliError::usage("lambkin deploy NAME needs the code's PATH too")
                    .hint("lambkin deploy NAME DIR_OR_ZIP, or lambkin deploy --template [PATH]"),
            );
        }
        return super::template::run(api, con, json, a).await;
    };
    let vars = env_vars(&a.env)?;
    let runtime = a.runtime.as_deref().unwrap_or(DEFAULT_RUNTIME);
    if runtime.starts_with("provided") && a.layers.is_empty() {
        if let Some(w) = pack::bootstrap_warning(&code) {
            con.eprintln(&format!("warning: {w}"));
        }
    }
    con.progress(&format!("packing {}", code.display()));
    let zip = pack::read_code(&code)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
    let path = function_path(&name);

    con.progress("looking for the function");
    let existing = api.get(&path).await?;
    con.progress(&format!("uploading {}…", human_size(zip.len() as u64)));
    let mut version = None;
    let action =
        if existing.status == 404 {
            let role = role_for(&crate::http::ApiError::from_response(&existing).message);
            let created = api
                .post(
                    "/2015-03-31/functions",
                    &create_body(&a, &vars, &b64, &role),
                )
                .await?;
            let created = created.ok().map_err(|e| {
                let e = CliError::from(e);
                if e.is("ResourceConflictException") {
                    e.hint("it was created meanwhile; run the deploy again to update it")
                } else {
                    e
                }
            })?;
            if a.publish {
                version = created.json()["Version"]
                    .as_str()
                    .filter(|v| *v != "$LATEST")
                    .map(str::to_owned);
            }
            "created"
        } else if existing.is_success() {
            api.put(
                &format!("{path}/code"),
                &json!({ "ZipFile": b64, "Publish": false }),
            )
            .await?
            .ok()?;
            let cfg = config_fields(&a, &vars);
            if !cfg.is_empty() {
                wait_ready(api, con, &name).await?;
                con.progress("updating the configuration");
                api.put(&format!("{path}/configuration"), &Value::Object(cfg))
                    .await?
                    .ok()?;
            }
            if a.publish {
                wait_ready(api, con, &name).await?;
                con.progress("publishing a version");
                let v = api
                    .post(&format!("{path}/versions"), &json!({}))
                    .await?
                    .ok()?;
                version = v.json()["Version"].as_str().map(str::to_owned);
            }
            "updated"
        } else {
            return Err(existing.ok().err().map(CliError::from).unwrap_or_else(|| {
                CliError::msg(format!("unexpected answer to GetFunction {name}"))
            }));
        };
    let cfg = wait_ready(api, con, &name).await?;
    con.clear_progress();
    con.eprintln(&format!("{action} {name}"));
    if json {
        return print_json(con, &cfg);
    }
    let size = cfg["CodeSize"].as_u64().unwrap_or(zip.len() as u64);
    let mut rows = vec![
        ("name", text(&cfg, "FunctionName")),
        ("arn", text(&cfg, "FunctionArn")),
        ("runtime", text(&cfg, "Runtime")),
        ("code", format!("{} ({size} bytes)", human_size(size))),
        ("sha256", text(&cfg, "CodeSha256")),
        ("state", text(&cfg, "State")),
    ];
    if let Some(v) = version {
        rows.push(("version", v));
    }
    con.write_out(table::pairs(&rows).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> DeployArgs {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            a: DeployArgs,
        }
        let mut argv = vec!["t", "demo", "dir"];
        argv.extend_from_slice(extra);
        T::parse_from(argv).a
    }

    #[test]
    fn env_pairs() {
        let v = env_vars(&["A=1".into(), "B=x=y".into(), "C=".into()]).expect("ok");
        assert_eq!(Value::Object(v), json!({"A": "1", "B": "x=y", "C": ""}));
        assert_eq!(env_vars(&["A".into()]).err().map(|e| e.exit_code), Some(2));
        assert!(env_vars(&["=1".into()]).is_err());
    }

    #[test]
    fn the_servers_region_and_account_from_its_not_found_answer() {
        assert_eq!(
            region_and_account(
                "Function not found: arn:aws:lambda:ap-south-1:210987654321:function:demo"
            ),
            Some(("ap-south-1", "210987654321"))
        );
        assert_eq!(region_and_account("HTTP 404"), None);
        assert_eq!(
            region_and_account("Function not found: arn:aws:lambda::210987654321:function:x"),
            None
        );
    }

    #[test]
    fn the_role_is_of_the_servers_account() {
        assert_eq!(
            role_for("Function not found: arn:aws:lambda:ap-south-1:210987654321:function:demo"),
            "arn:aws:iam::210987654321:role/lambkin"
        );
        assert_eq!(role_for("HTTP 404"), ROLE);
    }

    #[test]
    fn create_has_defaults_and_only_given_fields() {
        let a = args(&[]);
        let body = create_body(&a, &Map::new(), "UEs=", ROLE);
        assert_eq!(
            body,
            json!({"FunctionName": "demo", "Runtime": "provided.al2023", "Handler": "bootstrap",
                   "Role": ROLE, "Code": {"ZipFile": "UEs="}, "Publish": false})
        );
        assert!(config_fields(&a, &Map::new()).is_empty());
        let a = args(&["--timeout", "9", "--runtime", "python3.12"]);
        assert_eq!(
            Value::Object(config_fields(&a, &Map::new())),
            json!({"Timeout": 9, "Runtime": "python3.12"})
        );
    }
}
