//! The web console at `/console`: its page and files (`lambkin-console`), and the JSON they read under
//! `/console/api/…`, made from the service — functions, versions and aliases through the same operations the
//! API runs (`ops::execute`), environments from the engine's snapshot, waiting events and dead letters from
//! `records`, log lines through `LambkinGetLogs`, plots and REPORT figures from the metrics history, and
//! invokes through the one `Invoke` operation.
//!
//! Who may look: on a loopback address anyone, as for the API; elsewhere HTTP Basic auth with an access key id
//! as the user and its secret as the password (`401` with `WWW-Authenticate` otherwise). A `POST` must carry
//! `X-Lambkin-Console`, which a page of another origin cannot send without a CORS preflight this server never
//! grants.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use lambkin_respond::{full, FrontResponse};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::operation::{InvokeInput, Operation, Qualified};
use crate::records;
use crate::reply::{error_response, reply_response, Reply};
use crate::request::Ctx;
use crate::service::Service;
use crate::time_fmt::now_ms;

/// Where the console lives.
const PREFIX: &str = "/console";

/// Events of the async queue and dead letters a function's page shows (the newest).
const SHOWN: usize = 100;

/// Bytes of a waiting event's payload the page shows.
const PAYLOAD_SHOWN: usize = 64 * 1024;

/// Invocations listed with their REPORT figures.
const RECENT: usize = 50;

/// What only this server's own pages may load and do.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether `path` is the console's (`/console`, `/console/…`).
pub(crate) fn is_console(path: &str) -> bool {
    path == PREFIX || path.starts_with("/console/")
}

/// Serves one request under `/console`.
pub(crate) async fn serve(
    service: &Arc<Service>,
    req: Request<Incoming>,
    local: SocketAddr,
    request_id: &str,
) -> FrontResponse {
    if !crate::auth::page_allowed(&service.config, &local, req.headers()) {
        return secured(unauthorized());
    }
    let path = req.uri().path().to_owned();
    let rest = path.strip_prefix(PREFIX).unwrap_or("");
    let response = if let Some(api) = rest.strip_prefix("/api/") {
        let segs: Vec<String> = api
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let ctx = Ctx {
            service: service.clone(),
            arns: Arns {
                region: service.config.region.clone(),
                account: service.config.account_id.clone(),
            },
            base_url: format!(
                "http://{}",
                req.headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map_or_else(|| local.to_string(), str::to_owned)
            ),
            request_id: request_id.to_owned(),
            caller: service.config.account_id.clone(),
        };
        match api_call(&ctx, req, &segs).await {
            Ok(reply) => reply_response(reply, request_id),
            Err(e) => error_response(&e, request_id),
        }
    } else {
        files(&req, rest)
    };
    secured(response)
}

/// The page (for every client route) and the assets, with ETags.
fn files(req: &Request<Incoming>, rest: &str) -> FrontResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let asset = match rest {
        "" | "/" => Some(lambkin_console::index()),
        _ if rest.starts_with("/fn/") => Some(lambkin_console::index()),
        _ => rest
            .strip_prefix("/assets/")
            .and_then(lambkin_console::asset),
    };
    let Some(asset) = asset else {
        return plain(StatusCode::NOT_FOUND, "No such page in the console.");
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    let mut r = if fresh {
        let mut r = http::Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else if req.method() == Method::HEAD {
        http::Response::new(full(Bytes::new()))
    } else {
        http::Response::new(full(Bytes::from_static(asset.bytes)))
    };
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    // Checked every time (a 304 when unchanged): a new lambkin never runs an old page.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// `/console/api/…`.
async fn api_call(ctx: &Ctx, req: Request<Incoming>, segs: &[String]) -> ApiResult<Reply> {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let method = req.method().clone();
    match (segs.as_slice(), &method) {
        (["functions"], &Method::GET) => functions(ctx).await,
        (["functions", name], &Method::GET) => function(ctx, name).await,
        (["functions", name, "metrics"], &Method::GET) => {
            metrics(ctx, name, q("window").as_deref()).await
        }
        (["functions", name, "logs"], &Method::GET) => {
            let number = |k: &str| q(k).and_then(|v| v.parse::<u64>().ok());
            crate::ops::execute(
                ctx,
                Operation::LambkinGetLogs {
                    function: (*name).to_owned(),
                    since: number("since").unwrap_or(0),
                    cursor: q("cursor"),
                    limit: number("limit").unwrap_or(500).clamp(1, 10_000) as usize,
                },
            )
            .await
        }
        (["functions", name, "invoke"], &Method::POST) => {
            if !req.headers().contains_key("x-lambkin-console") {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "AccessDeniedException",
                    "The console's invokes carry X-Lambkin-Console.",
                ));
            }
            let qualifier = q("qualifier").filter(|v| !v.is_empty());
            let payload = read_body(req.into_body()).await?;
            crate::ops::execute(
                ctx,
                Operation::Invoke(InvokeInput {
                    function: (*name).to_owned(),
                    qualifier,
                    invocation_type: Some("RequestResponse".into()),
                    log_type: Some("Tail".into()),
                    payload,
                    ..InvokeInput::default()
                }),
            )
            .await
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("The console has no {method} /{}", segs.join("/")),
        )),
    }
}

/// An invoke's payload, within the limit of a synchronous invoke.
async fn read_body(body: Incoming) -> ApiResult<Bytes> {
    let limit = crate::invoke::MAX_REQUEST;
    match Limited::new(body, limit).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::too_large(format!(
                "Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )))
        }
        Err(e) => Err(ApiError::bad_content(format!("cannot read the body: {e}"))),
    }
}

/// The JSON an operation answers.
async fn answer(ctx: &Ctx, op: Operation) -> ApiResult<Value> {
    match crate::ops::execute(ctx, op).await? {
        Reply::Json(_, v) => Ok(v),
        _ => Err(ApiError::service("the operation answered no JSON")),
    }
}

fn minute_now() -> u64 {
    now_ms() / 60_000
}

/// `GET /console/api/functions`: every function of the region with its state, runtime, memory, last change
/// and invocations per minute over the last hour (oldest first); the engine's figures.
async fn functions(ctx: &Ctx) -> ApiResult<Reply> {
    let list = answer(
        ctx,
        Operation::ListFunctions {
            page: Ok((10_000, None)),
            function_version: None,
        },
    )
    .await?;
    let to = minute_now();
    let from = to - 59;
    let region = &ctx.arns.region;
    let mut functions = Vec::new();
    for f in list["Functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = f["FunctionName"].as_str().unwrap_or_default();
        // ListFunctions answers no `State` (as Lambda's): the configuration has it.
        let state = answer(
            ctx,
            Operation::GetFunctionConfiguration(Qualified {
                function: name.to_owned(),
                qualifier: None,
            }),
        )
        .await
        .unwrap_or_default();
        functions.push({
            let mut per_minute = vec![0u64; 60];
            for p in ctx.service.metrics.history(region, name, from, to) {
                if let Some(slot) = per_minute.get_mut((p.minute - from) as usize) {
                    *slot = p.invocations;
                }
            }
            json!({
                "name": name,
                "description": f["Description"],
                "state": state["State"],
                "stateReason": state["StateReason"],
                "runtime": f["Runtime"],
                "packageType": f["PackageType"],
                "memorySize": f["MemorySize"],
                "lastModified": f["LastModified"],
                "invocationsTotal": per_minute.iter().sum::<u64>(),
                "invocations": per_minute,
            })
        });
    }
    let stats = ctx.service.engine.stats();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "region": region,
            "now": now_ms(),
            "functions": functions,
            "engine": {
                "environments": stats.environments,
                "idle": stats.idle,
                "memoryMb": stats.memory_mb,
                "memoryBudgetMb": ctx.service.engine.config().memory_budget_mb,
            },
        }),
    ))
}

/// `GET /console/api/functions/NAME`: its configuration, versions, aliases, environments on this host, the
/// events of its async queue and its dead letters (the newest [`SHOWN`] of each, with payloads).
async fn function(ctx: &Ctx, name: &str) -> ApiResult<Reply> {
    let got = answer(
        ctx,
        Operation::GetFunction(Qualified {
            function: name.to_owned(),
            qualifier: None,
        }),
    )
    .await?;
    let config = &got["Configuration"];
    // The name as stored (the request may have used an ARN).
    let name = config["FunctionName"].as_str().unwrap_or(name).to_owned();
    let versions = answer(
        ctx,
        Operation::ListVersionsByFunction {
            function: name.clone(),
            page: Ok((10_000, None)),
        },
    )
    .await?;
    let aliases = answer(
        ctx,
        Operation::ListAliases {
            function: name.clone(),
            page: Ok((10_000, None)),
            function_version: None,
        },
    )
    .await?;
    let environments: Vec<Value> = ctx
        .service
        .engine
        .environments(&name)
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "version": e.version,
                "status": e.status.as_str(),
                "memoryMb": e.memory_mb,
                "provisioned": e.provisioned,
            })
        })
        .collect();
    let region = &ctx.arns.region;
    let waiting: Vec<records::events::QueuedEvent> = records::events::all(&ctx.service.store)
        .map_err(ApiError::from)?
        .into_iter()
        .filter_map(|(_, ev)| ev.ok())
        .filter(|ev| ev.outbound.is_none() && ev.owned_by(region, &name, None))
        .collect();
    let queue: Vec<Value> = waiting
        .iter()
        .take(SHOWN)
        .map(|ev| {
            let payload = ev.payload_bytes();
            let shown = &payload[..payload.len().min(PAYLOAD_SHOWN)];
            json!({
                "requestId": ev.id,
                "qualifier": ev.qualifier,
                "enqueuedMs": ev.enqueued_ms,
                "dueMs": ev.due_ms,
                "attempts": ev.attempts,
                "deferrals": ev.deferrals,
                "payload": String::from_utf8_lossy(shown),
                "payloadBytes": payload.len(),
            })
        })
        .collect();
    let letters =
        records::events::dead_letters(&ctx.service.store, region, &name).map_err(ApiError::from)?;
    let shown_letters = &letters[letters.len().saturating_sub(SHOWN)..];
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "configuration": config,
            "reservedConcurrency": got["Concurrency"]["ReservedConcurrentExecutions"],
            "tags": got.get("Tags").cloned().unwrap_or_else(|| json!({})),
            "versions": versions["Versions"],
            "aliases": aliases["Aliases"],
            "environments": environments,
            "queue": queue,
            "queueTotal": waiting.len(),
            "deadLetters": shown_letters,
            "deadLettersTotal": letters.len(),
        }),
    ))
}

/// Minutes in a window the page offers (`1h`, `3h`, `12h`, `24h`).
fn window_minutes(window: Option<&str>) -> ApiResult<u64> {
    match window.unwrap_or("1h") {
        "1h" => Ok(60),
        "3h" => Ok(180),
        "12h" => Ok(720),
        "24h" => Ok(1440),
        other => Err(ApiError::invalid(format!(
            "window: {other} is not one of 1h, 3h, 12h, 24h"
        ))),
    }
}

/// `GET /console/api/functions/NAME/metrics?window=1h`: its one-minute points over the window (minutes with
/// nothing left out) and its latest invocations with their REPORT figures.
async fn metrics(ctx: &Ctx, name: &str, window: Option<&str>) -> ApiResult<Reply> {
    let minutes = window_minutes(window)?;
    // A function that does not exist is a 404, as everywhere else.
    let r = crate::names::parse_function(name, &ctx.arns.account)?;
    if !records::functions::exists(&ctx.service.store, &ctx.arns.region, &r.name)
        .map_err(ApiError::from)?
    {
        return Err(ApiError::not_found(format!(
            "Function not found: {}",
            ctx.arns.function(&r.name)
        )));
    }
    let to = minute_now();
    let from = to + 1 - minutes;
    let m = &ctx.service.metrics;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "fromMinute": from,
            "toMinute": to,
            "points": m.history(&ctx.arns.region, &r.name, from, to),
            "recent": m.recent(&ctx.arns.region, &r.name, RECENT),
        }),
    ))
}

fn plain(status: StatusCode, text: &'static str) -> FrontResponse {
    let mut r = http::Response::new(full(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn unauthorized() -> FrontResponse {
    let mut r = plain(
        StatusCode::UNAUTHORIZED,
        "The console asks for an access key: its id as the user name, its secret as the password.",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"lambkin\", charset=\"UTF-8\""),
    );
    r
}

/// The headers every console response carries: only this server's own files run, nothing frames the page.
fn secured(mut r: FrontResponse) -> FrontResponse {
    let h: &mut HeaderMap = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_owns_its_prefix_only() {
        assert!(is_console("/console"));
        assert!(is_console("/console/"));
        assert!(is_console("/console/fn/x"));
        assert!(is_console("/console/api/functions"));
        assert!(!is_console("/consoles"));
        assert!(!is_console("/2015-03-31/functions"));
        assert!(!is_console("/"));
    }

    #[test]
    fn windows_are_the_pages_four() {
        assert_eq!(window_minutes(None).ok(), Some(60));
        assert_eq!(window_minutes(Some("3h")).ok(), Some(180));
        assert_eq!(window_minutes(Some("12h")).ok(), Some(720));
        assert_eq!(window_minutes(Some("24h")).ok(), Some(1440));
        assert!(window_minutes(Some("2h")).is_err());
    }

    #[test]
    fn unauthorized_asks_for_basic_credentials() {
        let r = secured(unauthorized());
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Basic realm=\"lambkin\", charset=\"UTF-8\""
        );
        assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    }
}
