//! What an API is, as the server hands it in: plain structs it fills from a template's plan (`lambkin-sam`'s
//! `Api`, `Route`, `Authorizer`, `Cors`). This crate depends on no workspace crate, so these mirror the plan's
//! types rather than name them; only what API Gateway's behaviour needs is here.

use std::collections::BTreeMap;
use std::fmt;

/// REST (API Gateway v1) or HTTP (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// A REST API: payload format 1.0, `Missing Authentication Token` for unknown routes.
    Rest,
    /// An HTTP API: payload format 2.0 unless a route says 1.0, `$default` routes, `Not Found`.
    Http,
}

/// The event shape a function (an integration or an authorizer) receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// `1.0`: REST APIs' proxy event (an HTTP API's with `version: "1.0"`).
    V1,
    /// `2.0`: HTTP APIs' default.
    V2,
}

/// An API: its stage, settings and routes.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    /// REST or HTTP.
    pub kind: ApiKind,
    /// The API's id (`requestContext.apiId`, the ARNs' `{apiId}`).
    pub api_id: String,
    /// The region in ARNs.
    pub region: String,
    /// The account in `requestContext.accountId` and ARNs.
    pub account_id: String,
    /// The stage: `Prod`, `$default`, …
    pub stage_name: String,
    /// The stage's variables (`stageVariables`).
    pub stage_variables: BTreeMap<String, String>,
    /// CORS settings, if the API has any.
    pub cors: Option<Cors>,
    /// REST's `BinaryMediaTypes` (`image/png`, `image/*`, `*/*`).
    pub binary_media_types: Vec<String>,
    /// The routes.
    pub routes: Vec<RouteConfig>,
    /// The API's Lambda authorizers, by name.
    pub authorizers: Vec<AuthorizerConfig>,
}

/// One method and path of an API and the function it invokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfig {
    /// `GET`, `POST`, … or `ANY` (upper case).
    pub method: String,
    /// `/items/{id}`, `/{proxy+}`, `/`; `$default` for an HTTP API's catch-all route.
    pub path: String,
    /// The function to invoke, as the server names it (opaque here: handed back in [`crate::FunctionCall`]).
    pub function: String,
    /// The event shape (always [`PayloadFormat::V1`] for a REST API).
    pub payload_format: PayloadFormat,
    /// The name of the Lambda authorizer (in [`ApiConfig::authorizers`]) that guards the route.
    pub authorizer: Option<String>,
    /// The integration's timeout (`TimeoutInMillis`); API Gateway's default when absent.
    pub timeout_ms: Option<u32>,
}

/// CORS settings: REST's `Cors` and HTTP's `CorsConfiguration` in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cors {
    /// Allowed origins; `*` for any.
    pub allow_origins: Vec<String>,
    /// Allowed methods; empty: the methods of the path's routes.
    pub allow_methods: Vec<String>,
    /// Allowed request headers.
    pub allow_headers: Vec<String>,
    /// Response headers the page may read.
    pub expose_headers: Vec<String>,
    /// Seconds a browser may cache a preflight answer.
    pub max_age: Option<u32>,
    /// Whether credentials are allowed.
    pub allow_credentials: bool,
}

/// A Lambda authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// Its name, which routes refer to.
    pub name: String,
    /// The authorizer function, as the server names it (opaque here: handed back in
    /// [`crate::AuthorizerCall`]).
    pub function: String,
    /// `TOKEN` (REST only) or `REQUEST`.
    pub request_type: AuthorizerType,
    /// The event shape: [`PayloadFormat::V1`] for REST; HTTP's `AuthorizerPayloadFormatVersion`.
    pub payload_format: PayloadFormat,
    /// HTTP's `EnableSimpleResponses` (payload 2.0): `{"isAuthorized": bool}` answers, not IAM policies.
    pub simple_responses: bool,
    /// Where the identity comes from.
    pub identity: IdentitySources,
    /// `ReauthorizeEvery`: seconds an answer may be reused for the same identity (0: never).
    pub ttl_seconds: u32,
}

/// A Lambda authorizer's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerType {
    /// REST: the value of one header (`authorizationToken`).
    Token,
    /// The request's headers, query string, stage variables and context.
    Request,
}

/// The identity sources of an authorizer: every one must be present and non-empty, or API Gateway answers
/// 401 without invoking the authorizer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentitySources {
    /// A `TOKEN` authorizer's header (`Authorization` when absent).
    pub token_header: Option<String>,
    /// A `TOKEN` authorizer's `ValidationExpression`: the whole token must match it.
    pub validation_expression: Option<String>,
    /// Request headers (names are case-insensitive).
    pub headers: Vec<String>,
    /// Query string parameters.
    pub query_strings: Vec<String>,
    /// Stage variables.
    pub stage_variables: Vec<String>,
    /// `requestContext` members (`requestId`, `identity.sourceIp`, …).
    pub context: Vec<String>,
}

/// An API that cannot be served as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The API's id.
    pub api_id: String,
    /// What is wrong, naming the route or authorizer.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API {}: {}", self.api_id, self.message)
    }
}

impl std::error::Error for ConfigError {}
