//! Auth, body limits and the route table.
//!
//! The router is a match over percent-decoded path segments: it must accept trailing slashes (AWS CLI v2's
//! older model sends them), percent-encoded ARNs as one segment and several API dates, which is one `match`
//! statement here and would need normalising layers around a generic router.

use std::net::SocketAddr;

use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use lambkin_respond::FrontResponse;

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::reply::{error_response, reply_response, Reply};
use crate::request::ApiRequest;
use crate::{eventconfig, functions, invoke, layers, provisioned, urls, Service};

/// Largest request body: a 50 MB zip, base64-encoded, in JSON.
pub const MAX_BODY: usize = 69_905_067 + 64 * 1024;

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

/// Handles one HTTP request.
pub async fn handle(
    service: &Service,
    req: Request<Incoming>,
    local: SocketAddr,
    peer: SocketAddr,
) -> FrontResponse {
    let request_id = uuid::Uuid::new_v4().to_string();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    if let Some((id, path)) = urls::addressed(host.as_deref(), req.uri().path()) {
        return urls::serve(service, req, &id, &path, peer, &request_id).await;
    }
    match handle_inner(service, req, local, &request_id).await {
        Ok(reply) => reply_response(reply, &request_id),
        Err(e) => error_response(&e, &request_id),
    }
}

async fn handle_inner(
    service: &Service,
    req: Request<Incoming>,
    local: SocketAddr,
    request_id: &str,
) -> ApiResult<Reply> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let segments: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let is_invoke = matches!(
        segments.as_slice(),
        [_, f, _, last] if f == "functions" && (last == "invocations" || last == "response-streaming-invocations" || last == "invoke-async")
    );
    let limit = if is_invoke {
        crate::invoke::MAX_REQUEST
    } else {
        MAX_BODY
    };
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Err(if is_invoke {
                ApiError::too_large(format!(
                    "Request must be smaller than {limit} bytes for the InvokeFunction operation"
                ))
            } else {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLargeException",
                    format!(
                        "Request must be smaller than {} bytes for this operation",
                        69_905_067
                    ),
                )
            });
        }
        Err(e) => return Err(ApiError::bad_content(format!("cannot read the body: {e}"))),
    };
    let header_pairs: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let region = if service.config.verifies_signatures(&local) {
        crate::auth::verify(
            &service.config.access_keys,
            parts.method.as_str(),
            &raw_path,
            &raw_query,
            &header_pairs,
            &body,
        )?
    } else {
        crate::auth::signed_region(&header_pairs, &raw_query)
            .unwrap_or_else(|| service.config.region.clone())
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| local.to_string());
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let req = ApiRequest {
        method: parts.method.clone(),
        query,
        headers: parts.headers,
        body,
        arns: Arns {
            region,
            account: service.config.account_id.clone(),
        },
        base_url: format!("http://{host}"),
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    route(service, &req, &segs, request_id).await
}

async fn route(
    service: &Service,
    req: &ApiRequest,
    segs: &[&str],
    request_id: &str,
) -> ApiResult<Reply> {
    use Method as M;
    let m = &req.method;
    match (segs, m) {
        // Functions
        (["2015-03-31", "functions"], &M::POST) => functions::create(service, req).await,
        (["2015-03-31", "functions"], &M::GET) => functions::list(service, req).await,
        (["2015-03-31", "functions", f], &M::GET) => functions::get(service, req, f).await,
        (["2015-03-31", "functions", f], &M::DELETE) => functions::delete(service, req, f).await,
        (["2015-03-31", "functions", f, "configuration"], &M::GET) => {
            functions::get_configuration(service, req, f).await
        }
        (["2015-03-31", "functions", f, "configuration"], &M::PUT) => {
            functions::update_configuration(service, req, f).await
        }
        (["2015-03-31", "functions", f, "code"], &M::PUT) => {
            functions::update_code(service, req, f).await
        }
        (["2015-03-31", "functions", f, "versions"], &M::POST) => {
            functions::publish_version(service, req, f).await
        }
        (["2015-03-31", "functions", f, "versions"], &M::GET) => {
            functions::list_versions(service, req, f).await
        }
        // Aliases
        (["2015-03-31", "functions", f, "aliases"], &M::POST) => {
            functions::create_alias(service, req, f).await
        }
        (["2015-03-31", "functions", f, "aliases"], &M::GET) => {
            functions::list_aliases(service, req, f).await
        }
        (["2015-03-31", "functions", f, "aliases", a], &M::GET) => {
            functions::get_alias(service, req, f, a).await
        }
        (["2015-03-31", "functions", f, "aliases", a], &M::PUT) => {
            functions::update_alias(service, req, f, a).await
        }
        (["2015-03-31", "functions", f, "aliases", a], &M::DELETE) => {
            functions::delete_alias(service, req, f, a).await
        }
        // Policy
        (["2015-03-31", "functions", f, "policy"], &M::POST) => {
            functions::add_permission(service, req, f).await
        }
        (["2015-03-31", "functions", f, "policy"], &M::GET) => {
            functions::get_policy(service, req, f).await
        }
        (["2015-03-31", "functions", f, "policy", sid], &M::DELETE) => {
            functions::remove_permission(service, req, f, sid).await
        }
        // Invoke
        (["2015-03-31", "functions", f, "invocations"], &M::POST) => {
            invoke::invoke(service, req, f, false, request_id).await
        }
        (["2021-11-15", "functions", f, "response-streaming-invocations"], &M::POST) => {
            invoke::invoke(service, req, f, true, request_id).await
        }
        (["2014-11-13", "functions", f, "invoke-async"], &M::POST) => {
            invoke::invoke_async(service, req, f, request_id).await
        }
        // Concurrency
        (["2017-10-31", "functions", f, "concurrency"], &M::PUT) => {
            functions::put_concurrency(service, req, f).await
        }
        (["2017-10-31", "functions", f, "concurrency"], &M::DELETE) => {
            functions::delete_concurrency(service, req, f).await
        }
        (["2019-09-30", "functions", f, "concurrency"], &M::GET) => {
            functions::get_concurrency(service, req, f).await
        }
        // Tags
        (["2017-03-31", "tags", arn], &M::GET) => functions::list_tags(service, req, arn).await,
        (["2017-03-31", "tags", arn], &M::POST) => functions::tag(service, req, arn).await,
        (["2017-03-31", "tags", arn], &M::DELETE) => functions::untag(service, req, arn).await,
        // Account
        (["2016-08-19", "account-settings"], &M::GET) => {
            functions::account_settings(service, req).await
        }
        // Layers
        (["2018-10-31", "layers"], &M::GET) => {
            if req.query("find") == Some("LayerVersion") {
                layers::get_by_arn(service, req).await
            } else {
                layers::list_layers(service, req).await
            }
        }
        (["2018-10-31", "layers", l, "versions"], &M::POST) => {
            layers::publish(service, req, l).await
        }
        (["2018-10-31", "layers", l, "versions"], &M::GET) => {
            layers::list_versions(service, req, l).await
        }
        (["2018-10-31", "layers", l, "versions", v], &M::GET) => {
            layers::get(service, req, l, v).await
        }
        (["2018-10-31", "layers", l, "versions", v], &M::DELETE) => {
            layers::delete(service, req, l, v).await
        }
        // Provisioned concurrency
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::PUT) => {
            provisioned::put(service, req, f).await
        }
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::GET) => {
            if req.query("List") == Some("ALL") {
                provisioned::list(service, req, f).await
            } else {
                provisioned::get(service, req, f).await
            }
        }
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::DELETE) => {
            provisioned::delete(service, req, f).await
        }
        // Asynchronous invocation settings
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::PUT) => {
            eventconfig::put(service, req, f, true).await
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::POST) => {
            eventconfig::put(service, req, f, false).await
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::GET) => {
            eventconfig::get(service, req, f).await
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::DELETE) => {
            eventconfig::delete(service, req, f).await
        }
        (["2019-09-25", "functions", f, "event-invoke-config", "list"], &M::GET) => {
            eventconfig::list(service, req, f).await
        }
        (["lambkin", "v1", "functions", f, "dead-letters"], &M::GET) => {
            eventconfig::dead_letters(service, req, f).await
        }
        // Function URL configurations
        (["2021-10-31", "functions", f, "url"], &M::POST) => urls::create(service, req, f).await,
        (["2021-10-31", "functions", f, "url"], &M::GET) => urls::get(service, req, f).await,
        (["2021-10-31", "functions", f, "url"], &M::PUT) => urls::update(service, req, f).await,
        (["2021-10-31", "functions", f, "url"], &M::DELETE) => urls::delete(service, req, f).await,
        (["2021-10-31", "functions", f, "urls"], &M::GET) => urls::list(service, req, f).await,
        // lambkin's own: code downloads and logs.
        (["lambkin", "v1", "code", hex], &M::GET) => functions::download(service, hex).await,
        (["lambkin", "v1", "functions", f, "logs"], &M::GET) => {
            functions::logs(service, req, f).await
        }
        (["lambkin", "v1", "health"], &M::GET) => Ok(Reply::Json(
            StatusCode::OK,
            serde_json::json!({"status": "ok", "environments": service.engine.stats().environments}),
        )),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!(
                "lambkin does not implement {} /{}",
                req.method,
                segs.join("/")
            ),
        )),
    }
}
