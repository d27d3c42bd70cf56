//! The REST layer: auth, body limits, and the route table that turns a request into an [`Operation`] (and
//! nothing else: `ops` executes it).
//!
//! The router is a match over percent-decoded path segments: it must accept trailing slashes (AWS CLI v2's
//! older model sends them), percent-encoded ARNs as one segment and several API dates, which is one `match`
//! statement here and would need normalising layers around a generic router.

use std::net::SocketAddr;
use std::sync::Arc;

use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use lambkin_respond::FrontResponse;

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::operation::{DurableCall, InvokeInput, LayerFilter, Operation, Qualified, TraceHeaders};
use crate::reply::{error_response, reply_response, Reply};
use crate::request::{ApiRequest, Ctx};
use crate::service::Service;
use crate::{ops, urlserve};

/// Largest request body: a 50 MB zip, base64-encoded, in JSON, and the rest of the request — Lambda's limit,
/// as it answers a larger one: "Request must be smaller than 70167211 bytes for the CreateFunction operation"
/// (LocalStack snapshot test_oversized_request_create_lambda).
pub const MAX_BODY: usize = 70_167_211;

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

/// Handles one HTTP request.
pub async fn handle(
    service: &Arc<Service>,
    req: Request<Incoming>,
    local: SocketAddr,
    peer: SocketAddr,
) -> FrontResponse {
    let request_id = crate::invoke::new_request_id();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    if let Some((id, path)) = urlserve::addressed(host.as_deref(), req.uri().path()) {
        return urlserve::serve(service, req, &id, &path, peer, &request_id).await;
    }
    if crate::console::is_console(req.uri().path()) {
        return crate::console::serve(service, req, local, &request_id).await;
    }
    if req.uri().path() == "/metrics" {
        return crate::observe::metrics_endpoint(service, &req, local);
    }
    match handle_inner(service, req, local, &request_id).await {
        Ok(reply) => reply_response(reply, &request_id),
        Err(e) => error_response(&e, &request_id),
    }
}

async fn handle_inner(
    service: &Arc<Service>,
    req: Request<Incoming>,
    local: SocketAddr,
    request_id: &str,
) -> ApiResult<Reply> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let segments = segments(&raw_path);
    let is_invoke = matches!(
        segments.as_slice(),
        [_, f, _, last] if f == "functions" && (last == "invocations" || last == "response-streaming-invocations" || last == "invoke-async")
    );
    // The invoke operations check their payload's size themselves (every way in); here it is where reading
    // stops, answered as they answer.
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
                let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
                let op = crate::constraints::operation_for(parts.method.as_str(), &segs)
                    .unwrap_or("this");
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLargeException",
                    format!("Request must be smaller than {MAX_BODY} bytes for the {op} operation"),
                )
            });
        }
        Err(e) => return Err(ApiError::bad_content(format!("cannot read the body: {e}"))),
    };
    let header_pairs = crate::request::header_pairs(&parts.headers);
    // A code download URL carries its own signature (`codeurl`): a browser or curl has no SigV4.
    let is_code_download = parts.method == Method::GET
        && matches!(segments.as_slice(), [a, b, c, _] if a == "lambkin" && b == "v1" && c == "code");
    let region = if service.config.verifies_signatures(&local) && !is_code_download {
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
    // CloudWatch Logs' JSON protocol on the same port: `POST /` with `X-Amz-Target: Logs_20140328.*`.
    if let Some(op) = crate::cwlogs::operation(&parts.method, &raw_path, &header_pairs) {
        return Ok(crate::cwlogs::serve(service, region, op, body, request_id).await);
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| local.to_string());
    let req = ApiRequest::new(
        parts.method.clone(),
        query_pairs(&raw_query),
        parts.headers,
        body,
    );
    let ctx = Ctx {
        service: service.clone(),
        arns: Arns {
            region,
            account: service.config.account_id.clone(),
        },
        base_url: format!("http://{host}"),
        request_id: request_id.to_owned(),
        caller: crate::auth::caller_account(
            &service.config.key_accounts,
            &service.config.account_id,
            &header_pairs,
            &raw_query,
        ),
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    route(&ctx, req, &segs, |_| Ok(())).await
}

/// Path segments, percent-decoded; empty ones (a trailing slash's) left out.
fn segments(raw_path: &str) -> Vec<String> {
    raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect()
}

/// Query pairs, decoded.
fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect()
}

/// Runs a request in `ctx`: the operation it names, if `scope` allows it, after Lambda's constraints.
async fn route(
    ctx: &Ctx,
    req: ApiRequest,
    segs: &[&str],
    scope: impl FnOnce(&Operation) -> ApiResult<()>,
) -> ApiResult<Reply> {
    let op = match parse(&req, segs) {
        Ok(op) => op,
        Err(e) => {
            // An operation of the model that no route serves: its constraints first, as Lambda's.
            if let Some(name) = crate::constraints::operation_for(req.method.as_str(), segs) {
                crate::constraints::validate(
                    name,
                    segs,
                    &req,
                    &ctx.arns.account,
                    &ctx.arns.region,
                )?;
            }
            return Err(e);
        }
    };
    scope(&op)?;
    // Lambda's constraints, declared once (`constraints`), before any operation runs.
    crate::constraints::validate(op.name(), segs, &req, &ctx.arns.account, &ctx.arns.region)?;
    drop(req);
    ops::execute(ctx, op).await
}

/// A Lambda API request made from inside an environment (`inside.rs`): parsed like any other, allowed only what
/// `scope` lets the calling function do, and run in the function's region and account. It carries no signature
/// to check: the environment's control channel says who calls.
pub(crate) async fn handle_inside(
    service: &Arc<Service>,
    arns: Arns,
    method: Method,
    target: &str,
    headers: http::HeaderMap,
    body: bytes::Bytes,
    scope: impl FnOnce(&Operation) -> ApiResult<()>,
) -> FrontResponse {
    let request_id = crate::invoke::new_request_id();
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let segments = segments(raw_path);
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let req = ApiRequest::new(method, query_pairs(raw_query), headers, body);
    let ctx = Ctx {
        service: service.clone(),
        caller: arns.account.clone(),
        arns,
        base_url: "http://127.0.0.1".into(),
        request_id: request_id.clone(),
    };
    match route(&ctx, req, &segs, scope).await {
        Ok(reply) => reply_response(reply, &request_id),
        Err(e) => error_response(&e, &request_id),
    }
}

/// The operation a request asks for (path segments percent-decoded, trailing slash ignored).
fn parse(req: &ApiRequest, segs: &[&str]) -> ApiResult<Operation> {
    use Method as M;
    use Operation as O;
    let q = |name: &str| req.query(name).map(str::to_owned);
    let s = |v: &str| v.to_owned();
    let invoke = |f: &str| InvokeInput {
        function: s(f),
        qualifier: q("Qualifier"),
        invocation_type: req.header("X-Amz-Invocation-Type").map(str::to_owned),
        log_type: req.header("X-Amz-Log-Type").map(str::to_owned),
        client_context: req.header("X-Amz-Client-Context").map(str::to_owned),
        trace_id: TraceHeaders::of(|name| req.header(name).map(str::to_owned)),
        tenant_id: req.header("X-Amz-Tenant-Id").map(str::to_owned),
        durable_execution_name: req
            .header("X-Amz-Durable-Execution-Name")
            .map(str::to_owned),
        payload: req.body.clone(),
    };
    let qualified = |f: &str| Qualified {
        function: s(f),
        qualifier: q("Qualifier"),
    };
    let durable = |target: &str| DurableCall {
        target: s(target),
        query: req.query.clone(),
        body: req.body.clone(),
    };
    let layer_filter = || LayerFilter {
        compatible_runtime: q("CompatibleRuntime"),
        compatible_architecture: q("CompatibleArchitecture"),
    };
    let m = &req.method;
    Ok(match (segs, m) {
        // Functions
        (["2015-03-31", "functions"], &M::POST) => O::CreateFunction { input: req.json() },
        (["2015-03-31", "functions"], &M::GET) => O::ListFunctions {
            page: req.page(50),
            function_version: q("FunctionVersion"),
        },
        (["2015-03-31", "functions", f], &M::GET) => O::GetFunction(qualified(f)),
        (["2015-03-31", "functions", f], &M::DELETE) => O::DeleteFunction(qualified(f)),
        (["2015-03-31", "functions", f, "configuration"], &M::GET) => {
            O::GetFunctionConfiguration(qualified(f))
        }
        (["2015-03-31", "functions", f, "configuration"], &M::PUT) => {
            O::UpdateFunctionConfiguration {
                function: s(f),
                input: req.json(),
            }
        }
        (["2015-03-31", "functions", f, "code"], &M::PUT) => O::UpdateFunctionCode {
            function: s(f),
            input: req.json(),
        },
        (["2015-03-31", "functions", f, "versions"], &M::POST) => O::PublishVersion {
            function: s(f),
            input: req.json(),
        },
        (["2015-03-31", "functions", f, "versions"], &M::GET) => O::ListVersionsByFunction {
            function: s(f),
            page: req.page(50),
        },
        // Aliases
        (["2015-03-31", "functions", f, "aliases"], &M::POST) => O::CreateAlias {
            function: s(f),
            input: req.json(),
        },
        (["2015-03-31", "functions", f, "aliases"], &M::GET) => O::ListAliases {
            function: s(f),
            page: req.page(50),
            function_version: q("FunctionVersion"),
        },
        (["2015-03-31", "functions", f, "aliases", a], &M::GET) => O::GetAlias {
            function: s(f),
            alias: s(a),
        },
        (["2015-03-31", "functions", f, "aliases", a], &M::PUT) => O::UpdateAlias {
            function: s(f),
            alias: s(a),
            input: req.json(),
        },
        (["2015-03-31", "functions", f, "aliases", a], &M::DELETE) => O::DeleteAlias {
            function: s(f),
            alias: s(a),
        },
        // Policy
        (["2015-03-31", "functions", f, "policy"], &M::POST) => {
            O::AddPermission(qualified(f), req.json())
        }
        (["2015-03-31", "functions", f, "policy"], &M::GET) => O::GetPolicy {
            function: s(f),
            qualifier: q("Qualifier"),
        },
        (["2015-03-31", "functions", f, "policy", sid], &M::DELETE) => O::RemovePermission {
            function: s(f),
            statement_id: s(sid),
            revision_id: q("RevisionId"),
            qualifier: q("Qualifier"),
        },
        // Invoke
        (["2015-03-31", "functions", f, "invocations"], &M::POST) => O::Invoke(invoke(f)),
        (["2021-11-15", "functions", f, "response-streaming-invocations"], &M::POST) => {
            O::InvokeWithResponseStream(invoke(f))
        }
        (["2014-11-13", "functions", f, "invoke-async"], &M::POST) => O::InvokeAsync(invoke(f)),
        // Concurrency
        (["2017-10-31", "functions", f, "concurrency"], &M::PUT) => O::PutFunctionConcurrency {
            function: s(f),
            input: req.json(),
        },
        (["2017-10-31", "functions", f, "concurrency"], &M::DELETE) => {
            O::DeleteFunctionConcurrency { function: s(f) }
        }
        (["2019-09-30", "functions", f, "concurrency"], &M::GET) => {
            O::GetFunctionConcurrency { function: s(f) }
        }
        // Tags
        (["2017-03-31", "tags", arn], &M::GET) => O::ListTags { resource: s(arn) },
        (["2017-03-31", "tags", arn], &M::POST) => O::TagResource {
            resource: s(arn),
            input: req.json(),
        },
        (["2017-03-31", "tags", arn], &M::DELETE) => O::UntagResource {
            resource: s(arn),
            tag_keys: req
                .query
                .iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.clone())
                .collect(),
        },
        // Account
        (["2016-08-19", "account-settings"], &M::GET) => O::GetAccountSettings,
        // Layers
        (["2018-10-31", "layers"], &M::GET) => {
            if req.query("find") == Some("LayerVersion") {
                O::GetLayerVersionByArn { arn: q("Arn") }
            } else {
                O::ListLayers {
                    page: req.page(50),
                    filter: layer_filter(),
                }
            }
        }
        (["2018-10-31", "layers", l, "versions"], &M::POST) => O::PublishLayerVersion {
            layer: s(l),
            input: req.json(),
        },
        (["2018-10-31", "layers", l, "versions"], &M::GET) => O::ListLayerVersions {
            layer: s(l),
            page: req.page(50),
            filter: layer_filter(),
        },
        (["2018-10-31", "layers", l, "versions", v], &M::GET) => O::GetLayerVersion {
            layer: s(l),
            version: s(v),
        },
        (["2018-10-31", "layers", l, "versions", v], &M::DELETE) => O::DeleteLayerVersion {
            layer: s(l),
            version: s(v),
        },
        // Provisioned concurrency
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::PUT) => {
            O::PutProvisionedConcurrencyConfig(qualified(f), req.json())
        }
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::GET) => {
            if req.query("List") == Some("ALL") {
                O::ListProvisionedConcurrencyConfigs { function: s(f) }
            } else {
                O::GetProvisionedConcurrencyConfig(qualified(f))
            }
        }
        (["2019-09-30", "functions", f, "provisioned-concurrency"], &M::DELETE) => {
            O::DeleteProvisionedConcurrencyConfig(qualified(f))
        }
        // Asynchronous invocation settings
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::PUT) => {
            O::PutFunctionEventInvokeConfig(qualified(f), req.json())
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::POST) => {
            O::UpdateFunctionEventInvokeConfig(qualified(f), req.json())
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::GET) => {
            O::GetFunctionEventInvokeConfig(qualified(f))
        }
        (["2019-09-25", "functions", f, "event-invoke-config"], &M::DELETE) => {
            O::DeleteFunctionEventInvokeConfig(qualified(f))
        }
        (["2019-09-25", "functions", f, "event-invoke-config", "list"], &M::GET) => {
            O::ListFunctionEventInvokeConfigs {
                function: s(f),
                page: req.page(50),
            }
        }
        (["lambkin", "v1", "functions", f, "dead-letters"], &M::GET) => {
            O::LambkinListDeadLetters { function: s(f) }
        }
        // Function URL configurations
        (["2021-10-31", "functions", f, "url"], &M::POST) => {
            O::CreateFunctionUrlConfig(qualified(f), req.json())
        }
        (["2021-10-31", "functions", f, "url"], &M::GET) => O::GetFunctionUrlConfig(qualified(f)),
        (["2021-10-31", "functions", f, "url"], &M::PUT) => {
            O::UpdateFunctionUrlConfig(qualified(f), req.json())
        }
        (["2021-10-31", "functions", f, "url"], &M::DELETE) => {
            O::DeleteFunctionUrlConfig(qualified(f))
        }
        (["2021-10-31", "functions", f, "urls"], &M::GET) => {
            O::ListFunctionUrlConfigs { function: s(f) }
        }
        // Layer version permissions
        (["2018-10-31", "layers", l, "versions", v, "policy"], &M::POST) => {
            O::AddLayerVersionPermission {
                layer: s(l),
                version: s(v),
                revision_id: q("RevisionId"),
                input: req.json(),
            }
        }
        (["2018-10-31", "layers", l, "versions", v, "policy"], &M::GET) => {
            O::GetLayerVersionPolicy {
                layer: s(l),
                version: s(v),
            }
        }
        (["2018-10-31", "layers", l, "versions", v, "policy", sid], &M::DELETE) => {
            O::RemoveLayerVersionPermission {
                layer: s(l),
                version: s(v),
                statement_id: s(sid),
                revision_id: q("RevisionId"),
            }
        }
        // Code signing
        (["2020-04-22", "code-signing-configs"], &M::POST) => {
            O::CreateCodeSigningConfig { input: req.json() }
        }
        (["2020-04-22", "code-signing-configs"], &M::GET) => {
            O::ListCodeSigningConfigs { page: req.page(50) }
        }
        (["2020-04-22", "code-signing-configs", a], &M::GET) => {
            O::GetCodeSigningConfig { arn: s(a) }
        }
        (["2020-04-22", "code-signing-configs", a], &M::PUT) => O::UpdateCodeSigningConfig {
            arn: s(a),
            input: req.json(),
        },
        (["2020-04-22", "code-signing-configs", a], &M::DELETE) => {
            O::DeleteCodeSigningConfig { arn: s(a) }
        }
        (["2020-04-22", "code-signing-configs", a, "functions"], &M::GET) => {
            O::ListFunctionsByCodeSigningConfig {
                arn: s(a),
                page: req.page(50),
            }
        }
        (["2020-06-30", "functions", f, "code-signing-config"], &M::PUT) => {
            O::PutFunctionCodeSigningConfig {
                function: s(f),
                input: req.json(),
            }
        }
        (["2020-06-30", "functions", f, "code-signing-config"], &M::GET) => {
            O::GetFunctionCodeSigningConfig { function: s(f) }
        }
        (["2020-06-30", "functions", f, "code-signing-config"], &M::DELETE) => {
            O::DeleteFunctionCodeSigningConfig { function: s(f) }
        }
        // Runtime management, recursion, scaling
        (["2021-07-20", "functions", f, "runtime-management-config"], &M::GET) => {
            O::GetRuntimeManagementConfig(qualified(f))
        }
        (["2021-07-20", "functions", f, "runtime-management-config"], &M::PUT) => {
            O::PutRuntimeManagementConfig(qualified(f), req.json())
        }
        (["2024-08-31", "functions", f, "recursion-config"], &M::GET) => {
            O::GetFunctionRecursionConfig { function: s(f) }
        }
        (["2024-08-31", "functions", f, "recursion-config"], &M::PUT) => {
            O::PutFunctionRecursionConfig {
                function: s(f),
                input: req.json(),
            }
        }
        (["2025-11-30", "functions", f, "function-scaling-config"], &M::GET) => {
            O::GetFunctionScalingConfig(qualified(f))
        }
        (["2025-11-30", "functions", f, "function-scaling-config"], &M::PUT) => {
            O::PutFunctionScalingConfig(qualified(f), req.json())
        }
        // Resource policies
        (["2026-07-09", "resource-policy", a], &M::GET) => O::GetResourcePolicy { arn: s(a) },
        (["2026-07-09", "resource-policy", a], &M::PUT) => O::PutResourcePolicy {
            arn: s(a),
            input: req.json(),
        },
        (["2026-07-09", "resource-policy", a], &M::DELETE) => O::DeleteResourcePolicy {
            arn: s(a),
            revision_id: q("RevisionId"),
        },
        // Event source mappings, capacity providers, durable executions: not supported yet.
        (["2015-03-31", "event-source-mappings"], &M::GET) => O::ListEventSourceMappings {
            page: req.page(100),
            function: q("FunctionName"),
            source: q("EventSourceArn"),
        },
        (["2015-03-31", "event-source-mappings"], &M::POST) => {
            O::CreateEventSourceMapping(req.json())
        }
        (["2015-03-31", "event-source-mappings", u], &M::GET) => {
            O::GetEventSourceMapping { uuid: s(u) }
        }
        (["2015-03-31", "event-source-mappings", u], &M::PUT) => O::UpdateEventSourceMapping {
            uuid: s(u),
            input: req.json(),
        },
        (["2015-03-31", "event-source-mappings", u], &M::DELETE) => {
            O::DeleteEventSourceMapping { uuid: s(u) }
        }
        (["2025-11-30", "capacity-providers"], &M::GET) => {
            O::ListCapacityProviders { page: req.page(50) }
        }
        (["2025-11-30", "capacity-providers"], &M::POST) => O::CreateCapacityProvider,
        (["2025-11-30", "capacity-providers", n], &M::GET) => O::GetCapacityProvider { name: s(n) },
        (["2025-11-30", "capacity-providers", n], &M::PUT) => {
            O::UpdateCapacityProvider { name: s(n) }
        }
        (["2025-11-30", "capacity-providers", n], &M::DELETE) => {
            O::DeleteCapacityProvider { name: s(n) }
        }
        (["2025-11-30", "capacity-providers", n, "function-versions"], &M::GET) => {
            O::ListFunctionVersionsByCapacityProvider { name: s(n) }
        }
        (["2025-12-01", "functions", f, "durable-executions"], &M::GET) => {
            O::ListDurableExecutionsByFunction(durable(f))
        }
        (["2025-12-01", "durable-executions", a], &M::GET) => O::GetDurableExecution(durable(a)),
        (["2025-12-01", "durable-executions", a], &M::DELETE) => {
            O::DeleteDurableExecution(durable(a))
        }
        (["2025-12-01", "durable-executions", a, action], m) => {
            let call = durable(a);
            match (*action, m) {
                ("history", &M::GET) => O::GetDurableExecutionHistory(call),
                ("state", &M::GET) => O::GetDurableExecutionState(call),
                ("checkpoint", &M::POST) => O::CheckpointDurableExecution(call),
                ("stop", &M::POST) => O::StopDurableExecution(call),
                ("pause", &M::POST) => O::PauseDurableExecution(call),
                ("resume", &M::POST) => O::ResumeDurableExecution(call),
                _ => return Err(unknown(req, segs)),
            }
        }
        (["2025-12-01", "durable-execution-callbacks", c, action], &M::POST) => {
            let call = durable(c);
            match *action {
                "succeed" => O::SendDurableExecutionCallbackSuccess(call),
                "fail" => O::SendDurableExecutionCallbackFailure(call),
                "heartbeat" => O::SendDurableExecutionCallbackHeartbeat(call),
                _ => return Err(unknown(req, segs)),
            }
        }
        // lambkin's own: code downloads and logs.
        (["lambkin", "v1", "code", hex], &M::GET) => O::LambkinDownloadCode {
            sha256: s(hex),
            expires: q("Expires"),
            signature: q("Signature"),
        },
        (["lambkin", "v1", "functions", f, "logs"], &M::GET) => O::LambkinGetLogs {
            function: s(f),
            since: req.query("since").and_then(|v| v.parse().ok()).unwrap_or(0),
            cursor: q("cursor"),
            limit: req
                .query("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1000)
                .clamp(1, 10_000),
        },
        (["lambkin", "v1", "health"], &M::GET) => O::LambkinHealth,
        (["lambkin", "v1", "stacks", st], &M::PUT) => O::LambkinPutStack {
            stack: s(st),
            body: req.body.clone(),
        },
        (["lambkin", "v1", "stacks", st], &M::DELETE) => O::LambkinDeleteStack { stack: s(st) },
        _ => return Err(unknown(req, segs)),
    })
}

/// A request that names no operation of the Lambda API.
fn unknown(req: &ApiRequest, segs: &[&str]) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!(
            "lambkin does not implement {} /{}",
            req.method,
            segs.join("/")
        ),
    )
}
