//! lambkin's own endpoints (`/lambkin/v1/…`): code downloads (`GetFunction`'s `Code.Location`), function
//! logs, dead letters, health.

use base64::Engine as _;
use http::StatusCode;
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::error::{ApiError, ApiResult};
use crate::records;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::service::Service;

use super::common::parse_ref;

/// `GET /lambkin/v1/code/{sha256}?Expires=…&Signature=…`: a stored zip (GetFunction's `Code.Location`,
/// GetLayerVersion's `Content.Location`), when the URL's signature holds and it has not expired (403 otherwise).
pub(crate) async fn download(
    service: &Service,
    hex: &str,
    expires: Option<String>,
    signature: Option<String>,
) -> ApiResult<Reply> {
    service
        .code_urls
        .check(hex, expires.as_deref(), signature.as_deref())?;
    let not_found = || ApiError::not_found("No such code.");
    let path = service.store.zip_path(hex).ok_or_else(not_found)?;
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| not_found())?;
    let len = file.metadata().await.map_err(|_| not_found())?.len();
    // Streamed (a zip may be 250 MB): read in pieces as the client takes them.
    let (tx, body) = lambkin_respond::ChannelBody::new(4);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match file.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .send(bytes::Bytes::copy_from_slice(&buf[..n]))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("code download of {}: {e}", path.display());
                    break;
                }
            }
        }
    });
    let mut r = http::Response::new(http_body_util::Either::Right(body));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/zip"),
    );
    r.headers_mut()
        .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
    Ok(Reply::Raw(r))
}

/// `GET /lambkin/v1/functions/{name}/logs?since=MS&cursor=C&limit=N`: log lines of every environment of
/// the function, in time order, with a cursor to follow new ones (`since` and `limit` as the routes parsed
/// them: 0 and 1,000 by default, the limit within 1–10,000).
pub(crate) async fn logs(
    service: &Service,
    raw: &str,
    since: u64,
    cursor: Option<&str>,
    limit: usize,
) -> ApiResult<Reply> {
    let r = parse_ref(service, raw)?;
    let cursor: lambkin_store::LogCursor = match cursor.filter(|c| !c.is_empty()) {
        None => Default::default(),
        Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| ApiError::invalid("cursor: not a cursor this server returned"))?,
    };
    let (events, next) = service.store.read_logs(&r.name, since, &cursor, limit)?;
    let next = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&next).unwrap_or_default());
    let events: Vec<_> = events
        .into_iter()
        .map(|e| json!({"timestamp": e.timestamp_ms, "logStreamName": e.stream, "message": e.message}))
        .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"events": events, "nextCursor": next}),
    ))
}

/// `GET /lambkin/v1/functions/{name}/dead-letters`: async events that exhausted their retries or aged out.
pub(crate) async fn dead_letters(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let items = records::events::dead_letters(&ctx.service.store, &ctx.arns.region, &r.name)?;
    Ok(Reply::Json(StatusCode::OK, json!({"deadLetters": items})))
}

/// `GET /lambkin/v1/health`.
pub(crate) fn health(service: &Service) -> Reply {
    Reply::Json(
        StatusCode::OK,
        json!({
            "status": "ok",
            "environments": service.engine.stats().environments,
            "destinationDeliveryFailures": service.queue.delivery_failures(),
            "eventSourceMappings": service.mappings.running(),
        }),
    )
}

/// The body of `PUT /lambkin/v1/stacks/{stack}`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StackInput {
    template: String,
    #[serde(default)]
    parameters: std::collections::BTreeMap<String, String>,
}

/// `PUT /lambkin/v1/stacks/{stack}`: registers a SAM template (`lambkin deploy --template` sends it after
/// deploying its functions), whose `Api`/`HttpApi` events are then served on `--api-listen`; answers the APIs.
pub(crate) async fn put_stack(ctx: &Ctx, stack: &str, body: &[u8]) -> ApiResult<Reply> {
    let input: StackInput = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("Invalid request: {e}")))?;
    let record = records::stacks::StackRecord {
        stack: stack.to_owned(),
        region: ctx.arns.region.clone(),
        template: input.template,
        parameters: input.parameters,
        updated_ms: crate::time_fmt::now_ms(),
    };
    let plan = crate::apis::plan_stack(&ctx.service, &record)
        .map_err(|e| ApiError::invalid(format!("stack {stack}: {e}")))?;
    let (configs, warnings) = crate::apis::configs(&plan, &record.region, &ctx.arns.account);
    records::stacks::put(&ctx.service.store, &record)?;
    crate::apis::rebuild(&ctx.service);
    let apis: Vec<serde_json::Value> = configs
        .iter()
        .map(|c| {
            json!({
                "Id": c.api_id,
                "Kind": if c.kind == lambkin_apigw::ApiKind::Rest { "REST" } else { "HTTP" },
                "Stage": c.stage_name,
                "Routes": c.routes.iter().map(|r| format!("{} {}", r.method, r.path)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "Stack": stack,
            "Apis": apis,
            "Warnings": warnings,
            "ApiEndpoint": ctx.service.config.api_listen.as_ref().map(|a| format!("http://{a}")),
        }),
    ))
}

/// `DELETE /lambkin/v1/stacks/{stack}`: its APIs are no longer served.
pub(crate) async fn delete_stack(ctx: &Ctx, stack: &str) -> ApiResult<Reply> {
    records::stacks::delete(&ctx.service.store, &ctx.arns.region, stack)?;
    crate::apis::rebuild(&ctx.service);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
