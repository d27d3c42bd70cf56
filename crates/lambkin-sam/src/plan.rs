//! The deployment plan: what a template asks lambkin to create, every value resolved (parameters, conditions,
//! mappings, Globals and intrinsic functions applied), as typed data. Serializes to JSON with the template's
//! (and so mostly the Lambda API's) member names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// Everything a template asks for, in the order of the resources' logical ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Plan {
    /// The stack's name (`AWS::StackName`).
    pub stack_name: String,
    /// The template's `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `AWS::Serverless::Function` and `AWS::Lambda::Function` resources.
    pub functions: Vec<Function>,
    /// `AWS::Serverless::LayerVersion` and `AWS::Lambda::LayerVersion` resources.
    pub layers: Vec<Layer>,
    /// API Gateway APIs: the explicit `AWS::Serverless::Api`/`HttpApi` resources and the implicit ones
    /// (`ServerlessRestApi`, `ServerlessHttpApi`) that functions' `Api`/`HttpApi` events make, with their routes.
    pub apis: Vec<Api>,
    /// Functions' events of other types (`SQS`, `Schedule`, …), which the plan does not carry out.
    pub unhandled_events: Vec<UnhandledEvent>,
    /// Resources of every other type (roles, tables, queues, …), which lambkin does not create.
    pub unsupported: Vec<Unsupported>,
    /// Parts of the template read but not carried into the plan (an API's OpenAPI definition, a function's
    /// `VpcConfig`, …), one sentence each.
    pub warnings: Vec<String>,
}

/// A function to create or update.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    /// The resource's logical id.
    pub logical_id: String,
    /// `AWS::Serverless::Function` or `AWS::Lambda::Function`.
    pub resource_type: String,
    /// Its `FunctionName`, or the generated `<stack>-<LogicalId>-<SUFFIX>`.
    pub name: String,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub arn: String,
    /// Where its code comes from.
    pub code: Code,
    /// `Handler` (absent for images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// `Runtime` (absent for images and for a function whose runtime Lambda should refuse as missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// `Layers`, in order.
    pub layers: Vec<LayerRef>,
    /// `Environment.Variables`.
    pub environment: BTreeMap<String, String>,
    /// `MemorySize`, in MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<u32>,
    /// `Timeout`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// `EphemeralStorage.Size`, in MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<u32>,
    /// `Architectures` (`x86_64`, `arm64`).
    pub architectures: Vec<String>,
    /// `Role`, or `arn:aws:iam::<account>:role/<stack>-<LogicalId>Role` standing for the role SAM would create.
    pub role: String,
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Tags` (a SAM function also gets SAM's `lambda:createdBy: SAM`).
    pub tags: BTreeMap<String, String>,
    /// `ImageConfig` of an image function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_config: Option<ImageConfig>,
    /// `AutoPublishAlias`: publish a version on each change and point this alias at it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_publish_alias: Option<String>,
    /// `FunctionUrlConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_url_config: Option<FunctionUrlConfig>,
    /// `ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions`, on the `AutoPublishAlias` alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned_concurrency: Option<u32>,
    /// `ReservedConcurrentExecutions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<u32>,
    /// `EventInvokeConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_invoke_config: Option<EventInvokeConfig>,
    /// `DeadLetterQueue.TargetArn` (SAM) or `DeadLetterConfig.TargetArn` (CloudFormation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_target_arn: Option<String>,
    /// `DurableConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_config: Option<DurableConfig>,
    /// `LoggingConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    /// `Tracing` (SAM) or `TracingConfig.Mode` (CloudFormation): `Active` or `PassThrough`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing: Option<String>,
}

/// Where a function's or a layer's code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Code {
    /// A local directory, or a `.zip`/`.jar` file, joined to the template's directory (not checked: the plan
    /// reads no files).
    Local(PathBuf),
    /// An object in S3 (`CodeUri: s3://…`, `{Bucket, Key, Version}`, `{S3Bucket, S3Key, S3ObjectVersion}`).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The object version.
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<String>,
    },
    /// Source inline in the template (`InlineCode`, `Code.ZipFile`).
    Inline(String),
    /// A container image (`ImageUri`, `Code.ImageUri`; `PackageType: Image`).
    Image(String),
}

/// One of a function's layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LayerRef {
    /// A layer version's ARN given as it is.
    Arn(String),
    /// A layer of this template, by logical id: its version ARN is known once it is published.
    Template(String),
}

/// `ImageConfig` of an image function.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    /// `EntryPoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// `Command`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// `WorkingDirectory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

/// `FunctionUrlConfig`: a function URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionUrlConfig {
    /// `AuthType`: `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// `InvokeMode`: `BUFFERED` or `RESPONSE_STREAM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_mode: Option<String>,
    /// `Cors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
}

/// CORS settings, one shape for function URLs, REST APIs' `Cors` (its quoted header values unquoted and split)
/// and HTTP APIs' `CorsConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    /// Origins (`*` for any).
    pub allow_origins: Vec<String>,
    /// Methods; empty for a REST API's `Cors` without `AllowMethods`: SAM then allows the path's own methods.
    pub allow_methods: Vec<String>,
    /// Request headers.
    pub allow_headers: Vec<String>,
    /// Response headers exposed to the page.
    pub expose_headers: Vec<String>,
    /// Seconds a preflight answer may be cached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    /// Whether credentials are allowed.
    pub allow_credentials: bool,
}

/// `EventInvokeConfig`: asynchronous invocation settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfig {
    /// `MaximumEventAgeInSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
    /// `MaximumRetryAttempts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// `DestinationConfig.OnSuccess.Destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// `DestinationConfig.OnFailure.Destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

/// `DurableConfig`, in the Lambda API's shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DurableConfig {
    /// `ExecutionTimeout`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_timeout: Option<u32>,
    /// `RetentionPeriodInDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_period_in_days: Option<u32>,
}

/// `LoggingConfig`, in the Lambda API's shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// `LogFormat`: `Text` or `JSON`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// `ApplicationLogLevel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    /// `SystemLogLevel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    /// `LogGroup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

/// A layer to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Layer {
    /// The resource's logical id.
    pub logical_id: String,
    /// `AWS::Serverless::LayerVersion` or `AWS::Lambda::LayerVersion`.
    pub resource_type: String,
    /// `LayerName`, or the logical id.
    pub name: String,
    /// `ContentUri` (SAM) or `Content` (CloudFormation): a local path or an S3 object.
    pub content: Code,
    /// `CompatibleRuntimes`.
    pub compatible_runtimes: Vec<String>,
    /// `CompatibleArchitectures`.
    pub compatible_architectures: Vec<String>,
    /// `LicenseInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_info: Option<String>,
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// REST (API Gateway v1) or HTTP (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApiKind {
    /// `AWS::Serverless::Api`, `Type: Api` events: payload format 1.0.
    Rest,
    /// `AWS::Serverless::HttpApi`, `Type: HttpApi` events: payload format 2.0 unless a route says 1.0.
    Http,
}

/// The event shape a route's function receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PayloadFormat {
    /// `1.0`: REST APIs' proxy event (and an HTTP API route's when asked for).
    #[serde(rename = "1.0")]
    V1,
    /// `2.0`: HTTP APIs' default.
    #[serde(rename = "2.0")]
    V2,
}

/// An API Gateway API with its stage and routes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Api {
    /// The resource's logical id (`ServerlessRestApi`/`ServerlessHttpApi` for the implicit ones).
    pub logical_id: String,
    /// REST or HTTP.
    pub kind: ApiKind,
    /// Made by SAM for events that name no API.
    pub implicit: bool,
    /// `Name`, or the stack's name as SAM gives it.
    pub name: String,
    /// `StageName`: `Prod` for the implicit REST API, `$default` for HTTP APIs unless given.
    pub stage_name: String,
    /// `Variables` (REST) or `StageVariables` (HTTP).
    pub stage_variables: BTreeMap<String, String>,
    /// `Cors` (REST) or `CorsConfiguration` (HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// `Auth.Authorizers`, by name.
    pub authorizers: Vec<Authorizer>,
    /// `Auth.DefaultAuthorizer` (already applied to the routes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_authorizer: Option<String>,
    /// `Auth.ApiKeyRequired` (REST): every route needs an API key unless its event says otherwise (already
    /// applied to the routes).
    pub api_key_required: bool,
    /// `BinaryMediaTypes` (REST), with SAM's `~1` unescaped to `/`.
    pub binary_media_types: Vec<String>,
    /// The routes the functions' events declare.
    pub routes: Vec<Route>,
}

/// One method and path of an API, and the function it invokes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    /// The function's logical id.
    pub function: String,
    /// The event's logical id within the function.
    pub event: String,
    /// Upper case: `GET`, `POST`, …, or `ANY`.
    pub method: String,
    /// `/items/{id}`, `/{proxy+}`; `$default` for an HTTP API's catch-all route.
    pub path: String,
    /// The event shape the function receives.
    pub payload_format: PayloadFormat,
    /// Who may call the route.
    pub auth: RouteAuth,
    /// `Auth.ApiKeyRequired` of the event, else of the API (REST).
    pub api_key_required: bool,
    /// `Auth.AuthorizationScopes`.
    pub authorization_scopes: Vec<String>,
    /// `TimeoutInMillis` of the integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_in_millis: Option<u32>,
}

/// A route's authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteAuth {
    /// Open.
    None,
    /// `AWS_IAM`: SigV4-signed requests.
    Iam,
    /// One of the API's authorizers, by name.
    Authorizer(String),
}

/// An API's authorizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Authorizer {
    /// Its name in `Auth.Authorizers`.
    pub name: String,
    /// What it checks.
    pub kind: AuthorizerKind,
}

/// What an authorizer checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AuthorizerKind {
    /// A Lambda authorizer.
    Lambda(LambdaAuthorizer),
    /// A Cognito user pool (REST): the identity header must carry a token of one of these pools.
    Cognito {
        /// `UserPoolArn`, one or more.
        user_pool_arns: Vec<String>,
        /// `Identity.Header` (default `Authorization`).
        header: String,
    },
    /// A JWT authorizer (HTTP).
    Jwt {
        /// `JwtConfiguration.issuer`.
        issuer: String,
        /// `JwtConfiguration.audience`.
        audience: Vec<String>,
        /// `IdentitySource` (default `$request.header.Authorization`).
        identity_source: String,
    },
}

/// A Lambda authorizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaAuthorizer {
    /// `FunctionArn`, resolved.
    pub function_arn: String,
    /// The logical id of the template's function with that ARN, if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// REST's `FunctionPayloadType`: `TOKEN` (the default) or `REQUEST`; HTTP APIs' are `REQUEST`.
    pub request_type: AuthorizerRequest,
    /// The event shape: `1.0` for REST; HTTP's `AuthorizerPayloadFormatVersion`.
    pub payload_format: PayloadFormat,
    /// HTTP's `EnableSimpleResponses` (payload 2.0 only): `{"isAuthorized": bool}` answers.
    pub enable_simple_responses: bool,
    /// Where the identity comes from, and how long an answer is cached.
    pub identity: Identity,
}

/// A REST Lambda authorizer's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthorizerRequest {
    /// The token of one header.
    #[serde(rename = "TOKEN")]
    Token,
    /// The request's headers, query strings, stage variables and context.
    #[serde(rename = "REQUEST")]
    Request,
}

/// A Lambda authorizer's `Identity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Identity {
    /// The token's header of a `TOKEN` authorizer (`Authorization` unless given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// `ValidationExpression`: a regular expression the token must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_expression: Option<String>,
    /// `Headers`.
    pub headers: Vec<String>,
    /// `QueryStrings`.
    pub query_strings: Vec<String>,
    /// `StageVariables`.
    pub stage_variables: Vec<String>,
    /// `Context`.
    pub context: Vec<String>,
    /// `ReauthorizeEvery`: seconds an answer is cached (0: not cached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reauthorize_every: Option<u32>,
}

/// A function's event the plan does not carry out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnhandledEvent {
    /// The function's logical id.
    pub function: String,
    /// The event's logical id.
    pub event: String,
    /// Its `Type` (`SQS`, `Schedule`, `S3`, …).
    pub kind: String,
    /// Its `Properties`, as written (intrinsic functions not evaluated).
    pub properties: serde_json::Value,
}

/// A resource lambkin does not create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Unsupported {
    /// Its logical id.
    pub logical_id: String,
    /// Its `Type`.
    pub resource_type: String,
}
