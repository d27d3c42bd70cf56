//! API Gateway's behaviour in front of Lambda, as data: what `sam local start-api` (and `lambkin serve
//! --api-listen`) needs of REST and HTTP APIs that involves no I/O. The server does the HTTP and the invokes;
//! this crate says which function a request reaches and with what event, what an authorizer is sent and what
//! its answer means, and what the client gets back.
//!
//! The flow is a small state machine; each state is a value the server holds across its invokes:
//!
//! ```text
//! Api::handle(Request) ──► Step::Respond(Response)        no route, CORS preflight, identity missing (401)
//!                      ├─► Step::Authorize(AuthorizerCall) invoke call.function() with call.payload(), then
//!                      │                                   Api::authorized(call, Outcome) ──► Respond | Invoke
//!                      └─► Step::Invoke(FunctionCall)     invoke call.function() with call.payload(), then
//!                                                          Api::respond(&call, Outcome) ──► Response
//! ```
//!
//! Inputs are plain structs ([`ApiConfig`], [`RouteConfig`], [`AuthorizerConfig`], [`Cors`]) that the server
//! fills from a template's plan; the crate depends on no other lambkin crate. Module by module:
//! `route.rs` (matching), `event.rs` (payload formats 1.0 and 2.0), `response.rs` (answers mapped back),
//! `cors.rs`, `authorizer.rs`, `errors.rs` (the gateway's own answers), `request.rs`, `config.rs`.
//!
//! Stage prefix: a REST API (and an HTTP API with a named stage) is served both at `/path`, as `sam local
//! start-api` serves it, and at `/{stage}/path`, as AWS does: a path that starts with the stage is matched
//! without it first, then as it is. The event's `path` is without the stage; `requestContext.path` always has
//! it (not for `$default` stages); format 2.0's `rawPath` is the path as received.

mod authorizer;
mod config;
mod cors;
mod errors;
mod event;
mod request;
mod response;
mod route;

use http::HeaderValue;
use regex::Regex;
use serde_json::Value;

pub use config::{
    ApiConfig, ApiKind, AuthorizerConfig, AuthorizerType, ConfigError, Cors, IdentitySources,
    PayloadFormat, RouteConfig,
};
pub use errors::GatewayError;
pub use request::Request;
pub use response::Outcome;
pub use route::DEFAULT_ROUTE;

use route::{PathSegments, RouteMatch, Table};

/// An HTTP answer.
pub type Response = http::Response<Vec<u8>>;

/// A REST API's integration timeout when the route names none (API Gateway's 29 seconds).
pub const REST_DEFAULT_TIMEOUT_MS: u32 = 29_000;
/// An HTTP API's integration timeout when the route names none (API Gateway's 30 seconds).
pub const HTTP_DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// An API ready to serve: its configuration, checked, and its route table.
#[derive(Debug, Clone)]
pub struct Api {
    config: ApiConfig,
    table: Table,
    /// Parallel to `config.authorizers`.
    validators: Vec<Option<Regex>>,
}

/// What to do next with a request.
#[derive(Debug)]
pub enum Step {
    /// Answer this; no function is involved.
    Respond(Response),
    /// No route of this API matches (API Gateway's own answer, or an HTTP API's preflight on a path it has
    /// no route for): answer this unless another API served on the same port has a route.
    NoRoute(Response),
    /// Invoke the route's authorizer, then call [`Api::authorized`].
    Authorize(AuthorizerCall),
    /// Invoke the route's function, then call [`Api::respond`].
    Invoke(FunctionCall),
}

/// An authorizer to invoke, and the request waiting on its decision.
#[derive(Debug, Clone)]
pub struct AuthorizerCall {
    authorizer: usize,
    function: String,
    event: Value,
    cache_key: Option<String>,
    ttl_seconds: u32,
    method_arn: String,
    pending: FunctionCall,
}

impl AuthorizerCall {
    /// The authorizer function, as [`AuthorizerConfig::function`] names it.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The event to send it.
    pub fn event(&self) -> &Value {
        &self.event
    }

    /// The event as an invoke's payload.
    pub fn payload(&self) -> Vec<u8> {
        self.event.to_string().into_bytes()
    }

    /// The key under which the server may keep the authorizer's answer (the [`Outcome::Payload`] bytes) for
    /// [`AuthorizerCall::ttl_seconds`] and hand it to [`Api::authorized`] instead of invoking again: the
    /// authorizer's name and identity values. `None`: not to be cached (no TTL, no identity sources). A kept
    /// policy is matched again against each request's method ARN, as API Gateway does.
    pub fn cache_key(&self) -> Option<&str> {
        self.cache_key.as_deref()
    }

    /// `ReauthorizeEvery`.
    pub fn ttl_seconds(&self) -> u32 {
        self.ttl_seconds
    }

    /// The ARN the answer's policy is matched against (`methodArn`/`routeArn`).
    pub fn method_arn(&self) -> &str {
        &self.method_arn
    }
}

/// A route's function to invoke, and what mapping its answer needs.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    route: usize,
    function: String,
    event: Value,
    payload_format: PayloadFormat,
    timeout_ms: u32,
    origin: Option<String>,
    accept: Option<String>,
    request_id: String,
}

impl FunctionCall {
    /// The function, as [`RouteConfig::function`] names it.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The event to send it (with `requestContext.authorizer` once an authorizer allowed the request).
    pub fn event(&self) -> &Value {
        &self.event
    }

    /// The event as an invoke's payload.
    pub fn payload(&self) -> Vec<u8> {
        self.event.to_string().into_bytes()
    }

    /// The index of the matched route in [`ApiConfig::routes`].
    pub fn route(&self) -> usize {
        self.route
    }

    /// How long the integration may take: the route's `TimeoutInMillis` or API Gateway's default. Past it,
    /// the server answers with [`Outcome::Timeout`].
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }
}

impl Api {
    /// Checks an API: its routes (paths, methods, duplicates), the authorizers they name, validation
    /// expressions.
    pub fn new(config: ApiConfig) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            api_id: config.api_id.clone(),
            message,
        };
        let table = Table::new(config.kind, &config.routes).map_err(err)?;
        for r in &config.routes {
            if let Some(name) = &r.authorizer {
                if !config.authorizers.iter().any(|a| &a.name == name) {
                    return Err(err(format!(
                        "route {} {} names authorizer {name:?}, which the API does not have",
                        r.method, r.path
                    )));
                }
            }
        }
        let mut validators = Vec::with_capacity(config.authorizers.len());
        for a in &config.authorizers {
            if a.request_type == AuthorizerType::Token && config.kind == ApiKind::Http {
                return Err(err(format!(
                    "authorizer {}: HTTP APIs' Lambda authorizers are REQUEST authorizers",
                    a.name
                )));
            }
            validators.push(authorizer::validator(a).map_err(err)?);
        }
        Ok(Self {
            config,
            table,
            validators,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The paths to try for a request path: without the stage prefix first when it has one.
    fn candidate_paths<'a>(&self, path: &'a str) -> Vec<&'a str> {
        let stage = &self.config.stage_name;
        if stage != DEFAULT_ROUTE && !stage.is_empty() {
            if let Some(rest) = path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(stage.as_str()))
            {
                if rest.is_empty() {
                    return vec!["/", path];
                }
                if rest.starts_with('/') {
                    return vec![rest, path];
                }
            }
        }
        vec![path]
    }

    fn route_of(&self, method: &str, paths: &[&str]) -> Option<(RouteMatch, String)> {
        for p in paths {
            let Some(segs) = PathSegments::parse(p) else {
                continue;
            };
            if let Some(m) = self.table.find(method, &segs) {
                return Some((m, (*p).to_owned()));
            }
        }
        let route = self.table.default_route()?;
        Some((
            RouteMatch {
                route,
                path_parameters: Default::default(),
            },
            paths.first().map_or("/", |p| *p).to_owned(),
        ))
    }

    /// The request id header: REST's `x-amzn-RequestId`, HTTP's `apigw-requestid`.
    fn stamp(&self, r: &mut Response, request_id: &str) {
        let name = match self.config.kind {
            ApiKind::Rest => "x-amzn-requestid",
            ApiKind::Http => "apigw-requestid",
        };
        if let Ok(v) = HeaderValue::from_str(request_id) {
            r.headers_mut().insert(name, v);
        }
    }

    /// CORS headers and the request id header on every answer but a preflight's.
    fn finish(&self, mut r: Response, origin: Option<&str>, request_id: &str) -> Response {
        if let Some(cors) = &self.config.cors {
            cors::decorate(cors, self.config.kind, origin, &mut r);
        }
        self.stamp(&mut r, request_id);
        r
    }

    /// The gateway's answer to a preflight request, if this is one it answers.
    fn preflight(&self, req: &Request, paths: &[&str], origin: Option<&str>) -> Option<Step> {
        let cors = self.config.cors.as_ref()?;
        if req.method != http::Method::OPTIONS {
            return None;
        }
        let mut methods = Vec::new();
        for p in paths {
            let segs = PathSegments::parse(p)?;
            if self.table.has_options_route(&segs) {
                return None;
            }
            methods = self.table.methods_of_path(&self.config.routes, &segs);
            if !methods.is_empty() {
                break;
            }
        }
        // A REST API answers preflights on its resources (SAM adds an OPTIONS method to each path); an HTTP
        // API on any path, though on a path it has no route for, another API's route comes first.
        if methods.is_empty() && self.config.kind == ApiKind::Rest {
            return None;
        }
        let mut r = cors::preflight(cors, self.config.kind, origin, &methods);
        self.stamp(&mut r, &req.request_id);
        Some(if methods.is_empty() {
            Step::NoRoute(r)
        } else {
            Step::Respond(r)
        })
    }

    /// Routes a request: the answer, or the authorizer or function to invoke and with what.
    pub fn handle(&self, req: &Request) -> Step {
        let origin = req.header("origin");
        let paths = self.candidate_paths(&req.path);
        if let Some(step) = self.preflight(req, &paths, origin.as_deref()) {
            return step;
        }
        let Some((m, path)) = self.route_of(req.method.as_str(), &paths) else {
            let r = GatewayError::NoRoute.response(self.config.kind);
            return Step::NoRoute(self.finish(r, origin.as_deref(), &req.request_id));
        };
        let route = &self.config.routes[m.route];
        let format = match self.config.kind {
            ApiKind::Rest => PayloadFormat::V1,
            ApiKind::Http => route.payload_format,
        };
        let source = event::Source {
            api: &self.config,
            route,
            path_parameters: &m.path_parameters,
            path: &path,
            req,
        };
        let event = match format {
            PayloadFormat::V1 => event::v1(&source),
            PayloadFormat::V2 => event::v2(&source),
        };
        let call = FunctionCall {
            route: m.route,
            function: route.function.clone(),
            event,
            payload_format: format,
            timeout_ms: route.timeout_ms.unwrap_or(match self.config.kind {
                ApiKind::Rest => REST_DEFAULT_TIMEOUT_MS,
                ApiKind::Http => HTTP_DEFAULT_TIMEOUT_MS,
            }),
            origin,
            accept: req.header("accept"),
            request_id: req.request_id.clone(),
        };
        let Some(index) = route
            .authorizer
            .as_ref()
            .and_then(|name| self.config.authorizers.iter().position(|a| &a.name == name))
        else {
            return Step::Invoke(call);
        };
        let auth = &self.config.authorizers[index];
        let members = match (self.config.kind, auth.payload_format) {
            (ApiKind::Http, PayloadFormat::V2) => event::v2_request_members(&source),
            _ => event::v1_request_members(&source),
        };
        let method_arn = source.method_arn();
        match authorizer::prepare(
            auth,
            self.validators[index].as_ref(),
            self.config.kind,
            &method_arn,
            members,
        ) {
            Ok(prepared) => Step::Authorize(AuthorizerCall {
                authorizer: index,
                function: auth.function.clone(),
                event: prepared.event,
                cache_key: prepared.cache_key,
                ttl_seconds: auth.ttl_seconds,
                method_arn,
                pending: call,
            }),
            Err(e) => {
                let r = e.response(self.config.kind);
                Step::Respond(self.finish(r, call.origin.as_deref(), &call.request_id))
            }
        }
    }

    /// Reads an authorizer's answer: the function to invoke (its event carrying the authorizer's context), or
    /// the refusal (401, 403, 500).
    pub fn authorized(&self, call: AuthorizerCall, outcome: Outcome) -> Step {
        let Some(auth) = self.config.authorizers.get(call.authorizer) else {
            let r = GatewayError::AuthorizerFailed.response(self.config.kind);
            return Step::Respond(r);
        };
        let mut pending = call.pending;
        match authorizer::decide(auth, self.config.kind, &call.method_arn, &outcome) {
            Ok(grant) => {
                let value = authorizer::event_authorizer(&grant, pending.payload_format);
                if let Some(ctx) = pending
                    .event
                    .get_mut("requestContext")
                    .and_then(Value::as_object_mut)
                {
                    ctx.insert("authorizer".into(), value);
                }
                Step::Invoke(pending)
            }
            Err(e) => {
                let r = e.response(self.config.kind);
                Step::Respond(self.finish(r, pending.origin.as_deref(), &pending.request_id))
            }
        }
    }

    /// The client's answer from the function's.
    pub fn respond(&self, call: &FunctionCall, outcome: Outcome) -> Response {
        let mapped = match outcome {
            Outcome::Payload(p) => match call.payload_format {
                PayloadFormat::V2 => response::v2(&p),
                PayloadFormat::V1 => {
                    let binary = match self.config.kind {
                        ApiKind::Http => response::Binary::Always,
                        ApiKind::Rest => response::Binary::RestTypes {
                            types: &self.config.binary_media_types,
                            accept: call.accept.as_deref(),
                        },
                    };
                    response::v1(&p, &binary)
                }
            },
            Outcome::FunctionError(_) => Err(GatewayError::BadIntegrationResponse),
            Outcome::Timeout => Err(GatewayError::Timeout),
            Outcome::InvokeFailed => Err(GatewayError::InvokeFailed),
        };
        let r = mapped.unwrap_or_else(|e| e.response(self.config.kind));
        self.finish(r, call.origin.as_deref(), &call.request_id)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
