//! `lambkin logs NAME [--follow] [--since 10m]`: lambkin's log endpoint,
//! `GET /lambkin/v1/functions/{name}/logs?since=MS&cursor=C&limit=N`.

use std::time::Duration;

use super::on_not_found;
use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::{since, LogsArgs};

/// Events asked for per request.
pub const LIMIT: usize = 1000;
/// How often `--follow` asks for new lines.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// The `since` query value (unix ms) for `--since`: everything (0) when absent.
pub fn since_ms(arg: Option<&str>, now_ms: u64) -> Result<u64, CliError> {
    match arg {
        None => Ok(0),
        Some(s) => {
            let d = since::parse(s).map_err(|e| CliError::usage(format!("--since {e}")))?;
            Ok(now_ms.saturating_sub(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
        }
    }
}

/// The request path of one page.
pub fn page_path(name: &str, since_ms: u64, cursor: &str) -> String {
    format!(
        "/lambkin/v1/functions/{}/logs?since={since_ms}&cursor={}&limit={LIMIT}",
        segment(name),
        segment(cursor)
    )
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Resolves on Ctrl-C when following; never otherwise.
async fn interrupted(follow: bool) {
    if !follow || tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs `lambkin logs`.
pub async fn run(api: &Api, con: &mut Console, json: bool, a: LogsArgs) -> Result<(), CliError> {
    let since = since_ms(a.since.as_deref(), now_ms())?;
    let stop = interrupted(a.follow);
    tokio::pin!(stop);
    let mut cursor = String::new();
    loop {
        let path = page_path(&a.name, since, &cursor);
        let resp = tokio::select! {
            r = api.get(&path) => r?,
            _ = &mut stop => return Ok(()),
        };
        let page = resp
            .ok()
            .map_err(|e| {
                on_not_found(
                    CliError::from(e),
                    "see what there is with: lambkin ls".to_owned(),
                )
            })?
            .json();
        let events = page["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            if json {
                con.println(&e.to_string())?;
            } else {
                let msg = e["message"].as_str().unwrap_or("");
                let msg = msg.strip_suffix('\n').unwrap_or(msg);
                con.println(msg.strip_suffix('\r').unwrap_or(msg))?;
            }
        }
        con.flush()?;
        let next = page["nextCursor"].as_str().unwrap_or("").to_owned();
        let moved = !next.is_empty() && next != cursor;
        if !next.is_empty() {
            cursor = next;
        }
        if events.len() >= LIMIT && moved {
            continue; // more is waiting: ask at once
        }
        if !a.follow {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
            _ = &mut stop => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_values() {
        assert_eq!(since_ms(None, 1_000_000).ok(), Some(0));
        assert_eq!(since_ms(Some("10m"), 1_000_000).ok(), Some(400_000));
        assert_eq!(since_ms(Some("1d"), 1_000).ok(), Some(0));
        assert_eq!(
            since_ms(Some("soon"), 1).err().map(|e| e.exit_code),
            Some(2)
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            page_path("my fn", 5, "eyJhIjoxfQ"),
            "/lambkin/v1/functions/my%20fn/logs?since=5&cursor=eyJhIjoxfQ&limit=1000"
        );
    }
}
