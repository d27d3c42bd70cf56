//! API Gateway in front of the functions (`serve --api-listen`, `127.0.0.1:3000` as `sam local start-api`): the
//! `Api`/`HttpApi` events of the SAM templates `lambkin deploy --template` registered (`PUT
//! /lambkin/v1/stacks/{stack}`, kept in the store), planned by `lambkin-sam`, answered by `lambkin-apigw`'s rules
//! (routes, events, CORS, Lambda authorizers, responses), each integration invoked through the one invoke path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use lambkin_apigw::{
    ApiConfig, ApiKind, AuthorizerConfig, AuthorizerType, Cors, IdentitySources, Outcome,
    PayloadFormat, RouteConfig, Step,
};
use lambkin_sam::{AuthorizerKind, AuthorizerRequest, Plan, RouteAuth};

use crate::gateway_state::Served;
use crate::invoke::{self, Call, Target};
use crate::names::Arns;
use crate::records;
use crate::service::Service;

/// The largest request body API Gateway takes (10 MB).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The APIs a plan declares, as `lambkin-apigw` takes them (routes name functions by their physical names);
/// warnings for what is not carried out (IAM, Cognito and JWT authorization, API keys).
pub(crate) fn configs(plan: &Plan, region: &str, account: &str) -> (Vec<ApiConfig>, Vec<String>) {
    let name_of = |logical: &str| {
        plan.functions
            .iter()
            .find(|f| f.logical_id == logical)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| logical.to_owned())
    };
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for api in &plan.apis {
        let authorizers: Vec<AuthorizerConfig> = api
            .authorizers
            .iter()
            .filter_map(|a| match &a.kind {
                AuthorizerKind::Lambda(l) => Some(AuthorizerConfig {
                    name: a.name.clone(),
                    function: l.function.as_deref().map(&name_of).unwrap_or_else(|| {
                        l.function_arn
                            .rsplit(":function:")
                            .next()
                            .unwrap_or(&l.function_arn)
                            .to_owned()
                    }),
                    request_type: match l.request_type {
                        AuthorizerRequest::Token => AuthorizerType::Token,
                        AuthorizerRequest::Request => AuthorizerType::Request,
                    },
                    payload_format: format(l.payload_format),
                    simple_responses: l.enable_simple_responses,
                    identity: IdentitySources {
                        token_header: l.identity.header.clone(),
                        validation_expression: l.identity.validation_expression.clone(),
                        headers: l.identity.headers.clone(),
                        query_strings: l.identity.query_strings.clone(),
                        stage_variables: l.identity.stage_variables.clone(),
                        context: l.identity.context.clone(),
                    },
                    ttl_seconds: l.identity.reauthorize_every.unwrap_or(0),
                }),
                _ => {
                    warnings.push(format!(
                        "API {}: authorizer {} is not a Lambda authorizer; its routes are served without it",
                        api.logical_id, a.name
                    ));
                    None
                }
            })
            .collect();
        let routes = api
            .routes
            .iter()
            .map(|r| {
                if r.api_key_required {
                    warnings.push(format!(
                        "API {}: {} {} requires an API key, not checked here",
                        api.logical_id, r.method, r.path
                    ));
                }
                RouteConfig {
                    method: r.method.clone(),
                    path: r.path.clone(),
                    function: name_of(&r.function),
                    payload_format: format(r.payload_format),
                    authorizer: match &r.auth {
                        RouteAuth::Authorizer(n) if authorizers.iter().any(|a| &a.name == n) => {
                            Some(n.clone())
                        }
                        RouteAuth::None | RouteAuth::Authorizer(_) => None,
                        RouteAuth::Iam => {
                            warnings.push(format!(
                                "API {}: {} {} asks for IAM authorization, not checked here",
                                api.logical_id, r.method, r.path
                            ));
                            None
                        }
                    },
                    timeout_ms: r.timeout_in_millis,
                }
            })
            .collect();
        out.push(ApiConfig {
            kind: match api.kind {
                lambkin_sam::ApiKind::Rest => ApiKind::Rest,
                lambkin_sam::ApiKind::Http => ApiKind::Http,
            },
            api_id: api.logical_id.clone(),
            region: region.to_owned(),
            account_id: account.to_owned(),
            stage_name: api.stage_name.clone(),
            stage_variables: api.stage_variables.clone(),
            cors: api.cors.as_ref().map(|c| Cors {
                allow_origins: c.allow_origins.clone(),
                allow_methods: c.allow_methods.clone(),
                allow_headers: c.allow_headers.clone(),
                expose_headers: c.expose_headers.clone(),
                max_age: c.max_age,
                allow_credentials: c.allow_credentials,
            }),
            binary_media_types: api.binary_media_types.clone(),
            routes,
            authorizers,
        });
    }
    (out, warnings)
}

fn format(f: lambkin_sam::PayloadFormat) -> PayloadFormat {
    match f {
        lambkin_sam::PayloadFormat::V1 => PayloadFormat::V1,
        lambkin_sam::PayloadFormat::V2 => PayloadFormat::V2,
    }
}

/// Plans a stack's template as `lambkin deploy --template` did (same stack, region, account: the same names).
pub(crate) fn plan_stack(
    service: &Service,
    s: &records::stacks::StackRecord,
) -> Result<Plan, String> {
    let mut opts = lambkin_sam::Options::new(s.stack.clone());
    opts.region = s.region.clone();
    opts.account_id = service.config.account_id.clone();
    opts.parameters = s.parameters.clone();
    lambkin_sam::plan(&s.template, &opts).map_err(|e| e.to_string())
}

/// One rebuild at a time: a rebuild that read the store earlier must not write its APIs last.
static REBUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Rebuilds the served APIs from every registered stack, the last registered first.
pub(crate) fn rebuild(service: &Service) {
    let _one = REBUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut stacks = match records::stacks::all(&service.store) {
        Ok(s) => s,
        Err(e) => return tracing::warn!("APIs: cannot read the registered stacks: {e}"),
    };
    // Where two stacks route the same request, the one deployed last answers (the project being worked on).
    stacks.sort_by_key(|s| std::cmp::Reverse(s.updated_ms));
    let mut apis = Vec::new();
    for s in stacks {
        let plan = match plan_stack(service, &s) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("APIs of stack {}: {e}", s.stack);
                continue;
            }
        };
        let (configs, warnings) = configs(&plan, &s.region, &service.config.account_id);
        for w in warnings {
            tracing::warn!("stack {}: {w}", s.stack);
        }
        for c in configs {
            let id = c.api_id.clone();
            match lambkin_apigw::Api::new(c) {
                Ok(api) => apis.push(Arc::new(Served::new(api))),
                Err(e) => tracing::warn!("stack {}: API {id}: {e}", s.stack),
            }
        }
    }
    *service
        .apis
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = apis;
}

/// Serves the APIs on `listener` until the process ends.
pub(crate) async fn serve(service: Arc<Service>, listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            // Out of descriptors, say: wait instead of spinning.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let service = service.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| {
                let service = service.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&service, req, peer).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await;
        });
    }
}

fn reply(r: lambkin_apigw::Response) -> http::Response<Full<Bytes>> {
    let (parts, body) = r.into_parts();
    http::Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// One request: the first API with a route for it answers (else an API's "no route" answer).
async fn handle(
    service: &Arc<Service>,
    req: http::Request<Incoming>,
    peer: SocketAddr,
) -> http::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => {
            let mut r = http::Response::new(Full::new(Bytes::from_static(
                br#"{"message":"Request Too Long"}"#,
            )));
            *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
            return r;
        }
    };
    let now = crate::time_fmt::now_ms() as i64;
    let request = lambkin_apigw::Request::from_http(
        http::Request::from_parts(parts, body),
        peer.ip().to_string(),
        uuid::Uuid::new_v4().to_string(),
        now,
    );
    let apis: Vec<Arc<Served>> = service
        .apis
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    // Without a route in any API: the first API's answer that is a success (an HTTP API's preflight), else
    // the last API's.
    let mut no_route: Option<lambkin_apigw::Response> = None;
    for served in &apis {
        match served.api.handle(&request) {
            Step::NoRoute(r) => {
                if !no_route.as_ref().is_some_and(|k| k.status().is_success()) {
                    no_route = Some(r);
                }
            }
            step => return reply(run(service, served, step).await),
        }
    }
    reply(no_route.unwrap_or_else(|| lambkin_apigw::GatewayError::NoRoute.response(ApiKind::Http)))
}

/// Carries a step out: an authorizer's invoke (or its answer kept from an earlier request with the same
/// identity), then the route's.
async fn run(service: &Arc<Service>, served: &Served, mut step: Step) -> lambkin_apigw::Response {
    let api = &served.api;
    loop {
        step = match step {
            Step::Respond(r) | Step::NoRoute(r) => return r,
            Step::Authorize(call) => {
                let kept = call.cache_key().and_then(|k| served.kept(k));
                let outcome = match kept {
                    // The kept policy is matched again against this request's method ARN.
                    Some(answer) => Outcome::Payload(answer),
                    None => {
                        let outcome = call_function(
                            service,
                            call.function(),
                            call.payload(),
                            lambkin_apigw::REST_DEFAULT_TIMEOUT_MS,
                        )
                        .await;
                        if let (Some(key), Outcome::Payload(answer)) = (call.cache_key(), &outcome)
                        {
                            served.keep(key, call.ttl_seconds(), answer);
                        }
                        outcome
                    }
                };
                api.authorized(call, outcome)
            }
            Step::Invoke(call) => {
                let outcome =
                    call_function(service, call.function(), call.payload(), call.timeout_ms())
                        .await;
                return api.respond(&call, outcome);
            }
        };
    }
}

/// Invokes a function (its `$LATEST`, or the `name:qualifier` a route names) within the integration's timeout.
async fn call_function(
    service: &Arc<Service>,
    function: &str,
    payload: Vec<u8>,
    timeout_ms: u32,
) -> Outcome {
    let arns = Arns {
        region: service.config.region.clone(),
        account: service.config.account_id.clone(),
    };
    let (name, qualifier) = match function.split_once(':') {
        Some((n, q)) => (n.to_owned(), Some(q.to_owned())),
        None => (function.to_owned(), None),
    };
    let call = Call {
        request_id: invoke::new_request_id(),
        payload: Bytes::from(payload),
        invoked_function_arn: match &qualifier {
            Some(q) => arns.qualified(&name, q),
            None => arns.function(&name),
        },
        trigger: crate::observe::Trigger::Http,
        ..Call::default()
    };
    let target = Target {
        arns: &arns,
        function: &name,
        qualifier: qualifier.as_deref(),
        incarnation: None,
    };
    let invoked = async {
        match invoke::run(service, target, call).await {
            Ok(running) => {
                let c = running.collect().await;
                if c.failed {
                    Outcome::FunctionError(c.body.to_vec())
                } else {
                    Outcome::Payload(c.body.to_vec())
                }
            }
            Err(_) => Outcome::InvokeFailed,
        }
    };
    match tokio::time::timeout(Duration::from_millis(u64::from(timeout_ms)), invoked).await {
        Ok(o) => o,
        Err(_) => Outcome::Timeout,
    }
}
