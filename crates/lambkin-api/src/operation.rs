//! Long because it is the table of every operation (botocore's 91 and lambkin's own) and the input shape each
//! one parses: splitting it would scatter one table.
//!
//! The operations of the API as typed values: `routes.rs` turns a request into an [`Operation`] (one variant per
//! Lambda operation, named as botocore names it, plus lambkin's own endpoints), `ops` executes it. A variant
//! carries what its operation reads of the request: path members as given (percent-decoded; names are
//! validated by the operation, with the operation's messages), query members, headers, and the body parsed
//! into the operation's input shape (botocore's members, PascalCase on the wire).
//!
//! A body that does not parse, or a bad `MaxItems`, is carried as its error ([`Body`], [`Page`]): the
//! operation answers it at the point where Lambda does (after a bad function name, for instance), so every
//! request keeps the answer it had before operations were typed.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::model::{
    Cors, DeadLetterConfig, DestinationConfig, Environment, FileSystemConfig, LoggingConfig,
    RoutingConfig,
};

/// A JSON body parsed into an operation's input, or why it could not be.
pub(crate) type Body<T> = ApiResult<T>;

/// `MaxItems` (1–10,000, default 50) and `Marker`, or why `MaxItems` is not valid.
pub(crate) type Page = ApiResult<(usize, Option<String>)>;

/// `CompatibleRuntime` and `CompatibleArchitecture` of the layer listings.
#[derive(Debug, Default)]
pub(crate) struct LayerFilter {
    pub compatible_runtime: Option<String>,
    pub compatible_architecture: Option<String>,
}

/// A function as the request names it and its `?Qualifier=`: what the operations on one version or alias of a
/// function read of the path and the query.
#[derive(Debug, Default)]
pub(crate) struct Qualified {
    /// `FunctionName` as given.
    pub function: String,
    /// `?Qualifier=`.
    pub qualifier: Option<String>,
}

/// The trace headers of an invoke request.
#[derive(Debug, Default, Clone)]
pub(crate) struct TraceHeaders {
    /// `X-Amzn-Trace-Id`.
    pub amzn: Option<String>,
    /// W3C `traceparent` (read when tracing is on).
    pub traceparent: Option<String>,
    /// W3C `tracestate` (with `traceparent`).
    pub tracestate: Option<String>,
}

impl TraceHeaders {
    /// The headers of a request; `None` when it has none of them.
    pub(crate) fn of(header: impl Fn(&str) -> Option<String>) -> Option<TraceHeaders> {
        let h = TraceHeaders {
            amzn: header("X-Amzn-Trace-Id"),
            traceparent: header("traceparent"),
            tracestate: header("tracestate"),
        };
        (h.amzn.is_some() || h.traceparent.is_some()).then_some(h)
    }
}

/// What an invoke reads of the request (`Invoke`, `InvokeWithResponseStream`, `InvokeAsync`).
#[derive(Debug, Default)]
pub(crate) struct InvokeInput {
    /// `FunctionName` as given.
    pub function: String,
    /// `?Qualifier=`.
    pub qualifier: Option<String>,
    /// `X-Amz-Invocation-Type`.
    pub invocation_type: Option<String>,
    /// `X-Amz-Log-Type`.
    pub log_type: Option<String>,
    /// `X-Amz-Client-Context` (base64 JSON, decoded by the operation).
    pub client_context: Option<String>,
    /// The caller's trace headers, when it sent any.
    pub trace_id: Option<TraceHeaders>,
    /// `X-Amz-Tenant-Id`.
    pub tenant_id: Option<String>,
    /// `X-Amz-Durable-Execution-Name`.
    pub durable_execution_name: Option<String>,
    /// The event.
    pub payload: Bytes,
}

/// One request to the API, parsed.
// Made once per request and moved straight into its execution: boxing the large inputs would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Operation {
    // Functions
    CreateFunction {
        input: Body<CreateFunctionInput>,
    },
    ListFunctions {
        page: Page,
        function_version: Option<String>,
    },
    GetFunction(Qualified),
    DeleteFunction(Qualified),
    GetFunctionConfiguration(Qualified),
    UpdateFunctionConfiguration {
        function: String,
        input: Body<UpdateConfigInput>,
    },
    UpdateFunctionCode {
        function: String,
        input: Body<UpdateCodeInput>,
    },
    // Versions and aliases
    PublishVersion {
        function: String,
        input: Body<PublishVersionInput>,
    },
    ListVersionsByFunction {
        function: String,
        page: Page,
    },
    CreateAlias {
        function: String,
        input: Body<AliasInput>,
    },
    ListAliases {
        function: String,
        page: Page,
        function_version: Option<String>,
    },
    GetAlias {
        function: String,
        alias: String,
    },
    UpdateAlias {
        function: String,
        alias: String,
        input: Body<AliasInput>,
    },
    DeleteAlias {
        function: String,
        alias: String,
    },
    // Policy
    AddPermission(Qualified, Body<PermissionInput>),
    GetPolicy {
        function: String,
        qualifier: Option<String>,
    },
    RemovePermission {
        function: String,
        statement_id: String,
        revision_id: Option<String>,
        qualifier: Option<String>,
    },
    // Invoke
    Invoke(InvokeInput),
    InvokeWithResponseStream(InvokeInput),
    InvokeAsync(InvokeInput),
    // Concurrency
    PutFunctionConcurrency {
        function: String,
        input: Body<ConcurrencyInput>,
    },
    GetFunctionConcurrency {
        function: String,
    },
    DeleteFunctionConcurrency {
        function: String,
    },
    // Tags
    ListTags {
        resource: String,
    },
    TagResource {
        resource: String,
        input: Body<TagInput>,
    },
    UntagResource {
        resource: String,
        tag_keys: Vec<String>,
    },
    // Account
    GetAccountSettings,
    // Layers
    PublishLayerVersion {
        layer: String,
        input: Body<PublishLayerInput>,
    },
    GetLayerVersion {
        layer: String,
        version: String,
    },
    GetLayerVersionByArn {
        arn: Option<String>,
    },
    ListLayers {
        page: Page,
        filter: LayerFilter,
    },
    ListLayerVersions {
        layer: String,
        page: Page,
        filter: LayerFilter,
    },
    DeleteLayerVersion {
        layer: String,
        version: String,
    },
    // Provisioned concurrency
    PutProvisionedConcurrencyConfig(Qualified, Body<ProvisionedInput>),
    GetProvisionedConcurrencyConfig(Qualified),
    DeleteProvisionedConcurrencyConfig(Qualified),
    ListProvisionedConcurrencyConfigs {
        function: String,
    },
    // Asynchronous invocation settings
    PutFunctionEventInvokeConfig(Qualified, Body<EventInvokeConfigInput>),
    UpdateFunctionEventInvokeConfig(Qualified, Body<EventInvokeConfigInput>),
    GetFunctionEventInvokeConfig(Qualified),
    DeleteFunctionEventInvokeConfig(Qualified),
    ListFunctionEventInvokeConfigs {
        function: String,
        page: Page,
    },
    // Function URL configurations
    CreateFunctionUrlConfig(Qualified, Body<UrlConfigInput>),
    GetFunctionUrlConfig(Qualified),
    UpdateFunctionUrlConfig(Qualified, Body<UrlConfigInput>),
    DeleteFunctionUrlConfig(Qualified),
    ListFunctionUrlConfigs {
        function: String,
    },
    // Layer version permissions
    AddLayerVersionPermission {
        layer: String,
        version: String,
        revision_id: Option<String>,
        input: Body<LayerPermissionInput>,
    },
    GetLayerVersionPolicy {
        layer: String,
        version: String,
    },
    RemoveLayerVersionPermission {
        layer: String,
        version: String,
        statement_id: String,
        revision_id: Option<String>,
    },
    // Code signing
    CreateCodeSigningConfig {
        input: Body<CodeSigningConfigInput>,
    },
    GetCodeSigningConfig {
        arn: String,
    },
    UpdateCodeSigningConfig {
        arn: String,
        input: Body<CodeSigningConfigInput>,
    },
    DeleteCodeSigningConfig {
        arn: String,
    },
    ListCodeSigningConfigs {
        page: Page,
    },
    ListFunctionsByCodeSigningConfig {
        arn: String,
        page: Page,
    },
    PutFunctionCodeSigningConfig {
        function: String,
        input: Body<FunctionCodeSigningInput>,
    },
    GetFunctionCodeSigningConfig {
        function: String,
    },
    DeleteFunctionCodeSigningConfig {
        function: String,
    },
    // Runtime management, recursion, scaling
    GetRuntimeManagementConfig(Qualified),
    PutRuntimeManagementConfig(Qualified, Body<RuntimeManagementInput>),
    GetFunctionRecursionConfig {
        function: String,
    },
    PutFunctionRecursionConfig {
        function: String,
        input: Body<RecursionInput>,
    },
    GetFunctionScalingConfig(Qualified),
    PutFunctionScalingConfig(Qualified, Body<ScalingInput>),
    // Resource policies (API 2026-07-09)
    GetResourcePolicy {
        arn: String,
    },
    PutResourcePolicy {
        arn: String,
        input: Body<ResourcePolicyInput>,
    },
    DeleteResourcePolicy {
        arn: String,
        revision_id: Option<String>,
    },
    // Event source mappings (`ops/mappings.rs`)
    ListEventSourceMappings {
        page: Page,
        function: Option<String>,
        source: Option<String>,
    },
    CreateEventSourceMapping(Body<EventSourceMappingInput>),
    GetEventSourceMapping {
        uuid: String,
    },
    UpdateEventSourceMapping {
        uuid: String,
        input: Body<EventSourceMappingInput>,
    },
    DeleteEventSourceMapping {
        uuid: String,
    },
    // Capacity providers (not supported yet)
    ListCapacityProviders {
        page: Page,
    },
    CreateCapacityProvider,
    GetCapacityProvider {
        name: String,
    },
    UpdateCapacityProvider {
        name: String,
    },
    DeleteCapacityProvider {
        name: String,
    },
    ListFunctionVersionsByCapacityProvider {
        name: String,
    },
    // Durable executions (`ops/durable.rs` reads each one's members from its `DurableCall`)
    ListDurableExecutionsByFunction(DurableCall),
    GetDurableExecution(DurableCall),
    GetDurableExecutionHistory(DurableCall),
    GetDurableExecutionState(DurableCall),
    CheckpointDurableExecution(DurableCall),
    StopDurableExecution(DurableCall),
    PauseDurableExecution(DurableCall),
    ResumeDurableExecution(DurableCall),
    DeleteDurableExecution(DurableCall),
    SendDurableExecutionCallbackSuccess(DurableCall),
    SendDurableExecutionCallbackFailure(DurableCall),
    SendDurableExecutionCallbackHeartbeat(DurableCall),
    // lambkin's own (`/lambkin/v1/…`)
    LambkinListDeadLetters {
        function: String,
    },
    LambkinDownloadCode {
        sha256: String,
        expires: Option<String>,
        signature: Option<String>,
    },
    LambkinGetLogs {
        function: String,
        since: u64,
        cursor: Option<String>,
        limit: usize,
    },
    LambkinHealth,
    LambkinPutStack {
        stack: String,
        body: Bytes,
    },
    LambkinDeleteStack {
        stack: String,
    },
}

impl Operation {
    /// botocore's name of the operation (`GetFunction`), or lambkin's own (`LambkinHealth`): what the
    /// constraint table is keyed by.
    pub(crate) fn name(&self) -> &'static str {
        use Operation as O;
        match self {
            O::CreateFunction { .. } => "CreateFunction",
            O::ListFunctions { .. } => "ListFunctions",
            O::GetFunction { .. } => "GetFunction",
            O::DeleteFunction { .. } => "DeleteFunction",
            O::GetFunctionConfiguration { .. } => "GetFunctionConfiguration",
            O::UpdateFunctionConfiguration { .. } => "UpdateFunctionConfiguration",
            O::UpdateFunctionCode { .. } => "UpdateFunctionCode",
            O::PublishVersion { .. } => "PublishVersion",
            O::ListVersionsByFunction { .. } => "ListVersionsByFunction",
            O::CreateAlias { .. } => "CreateAlias",
            O::ListAliases { .. } => "ListAliases",
            O::GetAlias { .. } => "GetAlias",
            O::UpdateAlias { .. } => "UpdateAlias",
            O::DeleteAlias { .. } => "DeleteAlias",
            O::AddPermission { .. } => "AddPermission",
            O::GetPolicy { .. } => "GetPolicy",
            O::RemovePermission { .. } => "RemovePermission",
            O::Invoke { .. } => "Invoke",
            O::InvokeWithResponseStream { .. } => "InvokeWithResponseStream",
            O::InvokeAsync { .. } => "InvokeAsync",
            O::PutFunctionConcurrency { .. } => "PutFunctionConcurrency",
            O::GetFunctionConcurrency { .. } => "GetFunctionConcurrency",
            O::DeleteFunctionConcurrency { .. } => "DeleteFunctionConcurrency",
            O::ListTags { .. } => "ListTags",
            O::TagResource { .. } => "TagResource",
            O::UntagResource { .. } => "UntagResource",
            O::GetAccountSettings => "GetAccountSettings",
            O::PublishLayerVersion { .. } => "PublishLayerVersion",
            O::GetLayerVersion { .. } => "GetLayerVersion",
            O::GetLayerVersionByArn { .. } => "GetLayerVersionByArn",
            O::ListLayers { .. } => "ListLayers",
            O::ListLayerVersions { .. } => "ListLayerVersions",
            O::DeleteLayerVersion { .. } => "DeleteLayerVersion",
            O::PutProvisionedConcurrencyConfig { .. } => "PutProvisionedConcurrencyConfig",
            O::GetProvisionedConcurrencyConfig { .. } => "GetProvisionedConcurrencyConfig",
            O::DeleteProvisionedConcurrencyConfig { .. } => "DeleteProvisionedConcurrencyConfig",
            O::ListProvisionedConcurrencyConfigs { .. } => "ListProvisionedConcurrencyConfigs",
            O::PutFunctionEventInvokeConfig { .. } => "PutFunctionEventInvokeConfig",
            O::UpdateFunctionEventInvokeConfig { .. } => "UpdateFunctionEventInvokeConfig",
            O::GetFunctionEventInvokeConfig { .. } => "GetFunctionEventInvokeConfig",
            O::DeleteFunctionEventInvokeConfig { .. } => "DeleteFunctionEventInvokeConfig",
            O::ListFunctionEventInvokeConfigs { .. } => "ListFunctionEventInvokeConfigs",
            O::CreateFunctionUrlConfig { .. } => "CreateFunctionUrlConfig",
            O::GetFunctionUrlConfig { .. } => "GetFunctionUrlConfig",
            O::UpdateFunctionUrlConfig { .. } => "UpdateFunctionUrlConfig",
            O::DeleteFunctionUrlConfig { .. } => "DeleteFunctionUrlConfig",
            O::ListFunctionUrlConfigs { .. } => "ListFunctionUrlConfigs",
            O::AddLayerVersionPermission { .. } => "AddLayerVersionPermission",
            O::GetLayerVersionPolicy { .. } => "GetLayerVersionPolicy",
            O::RemoveLayerVersionPermission { .. } => "RemoveLayerVersionPermission",
            O::CreateCodeSigningConfig { .. } => "CreateCodeSigningConfig",
            O::GetCodeSigningConfig { .. } => "GetCodeSigningConfig",
            O::UpdateCodeSigningConfig { .. } => "UpdateCodeSigningConfig",
            O::DeleteCodeSigningConfig { .. } => "DeleteCodeSigningConfig",
            O::ListCodeSigningConfigs { .. } => "ListCodeSigningConfigs",
            O::ListFunctionsByCodeSigningConfig { .. } => "ListFunctionsByCodeSigningConfig",
            O::PutFunctionCodeSigningConfig { .. } => "PutFunctionCodeSigningConfig",
            O::GetFunctionCodeSigningConfig { .. } => "GetFunctionCodeSigningConfig",
            O::DeleteFunctionCodeSigningConfig { .. } => "DeleteFunctionCodeSigningConfig",
            O::GetRuntimeManagementConfig { .. } => "GetRuntimeManagementConfig",
            O::PutRuntimeManagementConfig { .. } => "PutRuntimeManagementConfig",
            O::GetFunctionRecursionConfig { .. } => "GetFunctionRecursionConfig",
            O::PutFunctionRecursionConfig { .. } => "PutFunctionRecursionConfig",
            O::GetFunctionScalingConfig { .. } => "GetFunctionScalingConfig",
            O::PutFunctionScalingConfig { .. } => "PutFunctionScalingConfig",
            O::GetResourcePolicy { .. } => "GetResourcePolicy",
            O::PutResourcePolicy { .. } => "PutResourcePolicy",
            O::DeleteResourcePolicy { .. } => "DeleteResourcePolicy",
            O::ListEventSourceMappings { .. } => "ListEventSourceMappings",
            O::CreateEventSourceMapping(_) => "CreateEventSourceMapping",
            O::GetEventSourceMapping { .. } => "GetEventSourceMapping",
            O::UpdateEventSourceMapping { .. } => "UpdateEventSourceMapping",
            O::DeleteEventSourceMapping { .. } => "DeleteEventSourceMapping",
            O::ListCapacityProviders { .. } => "ListCapacityProviders",
            O::CreateCapacityProvider => "CreateCapacityProvider",
            O::GetCapacityProvider { .. } => "GetCapacityProvider",
            O::UpdateCapacityProvider { .. } => "UpdateCapacityProvider",
            O::DeleteCapacityProvider { .. } => "DeleteCapacityProvider",
            O::ListFunctionVersionsByCapacityProvider { .. } => {
                "ListFunctionVersionsByCapacityProvider"
            }
            O::ListDurableExecutionsByFunction(_) => "ListDurableExecutionsByFunction",
            O::GetDurableExecution(_) => "GetDurableExecution",
            O::GetDurableExecutionHistory(_) => "GetDurableExecutionHistory",
            O::GetDurableExecutionState(_) => "GetDurableExecutionState",
            O::CheckpointDurableExecution(_) => "CheckpointDurableExecution",
            O::StopDurableExecution(_) => "StopDurableExecution",
            O::PauseDurableExecution(_) => "PauseDurableExecution",
            O::ResumeDurableExecution(_) => "ResumeDurableExecution",
            O::DeleteDurableExecution(_) => "DeleteDurableExecution",
            O::SendDurableExecutionCallbackSuccess(_) => "SendDurableExecutionCallbackSuccess",
            O::SendDurableExecutionCallbackFailure(_) => "SendDurableExecutionCallbackFailure",
            O::SendDurableExecutionCallbackHeartbeat(_) => "SendDurableExecutionCallbackHeartbeat",
            O::LambkinListDeadLetters { .. } => "LambkinListDeadLetters",
            O::LambkinDownloadCode { .. } => "LambkinDownloadCode",
            O::LambkinGetLogs { .. } => "LambkinGetLogs",
            O::LambkinHealth => "LambkinHealth",
            O::LambkinPutStack { .. } => "LambkinPutStack",
            O::LambkinDeleteStack { .. } => "LambkinDeleteStack",
        }
    }
}

/// `FunctionCode`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeInput {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
    #[serde(rename = "SourceKMSKeyArn")]
    pub source_kms_key_arn: Option<String>,
}

/// `CreateFunction`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateFunctionInput {
    pub function_name: Option<String>,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub code: Option<CodeInput>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    #[serde(default)]
    pub publish: bool,
    pub environment: Option<Environment>,
    pub layers: Option<Vec<String>>,
    pub architectures: Option<Vec<String>>,
    pub ephemeral_storage: Option<EphemeralStorageInput>,
    pub package_type: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub logging_config: Option<LoggingConfig>,
    pub image_config: Option<crate::model::ImageConfig>,
    pub durable_config: Option<DurableConfigInput>,
    #[serde(flatten)]
    pub settings: SettingsInput,
    pub code_signing_config_arn: Option<String>,
    #[serde(flatten)]
    pub beyond: BeyondLambkin,
}

/// `EphemeralStorage`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EphemeralStorageInput {
    pub size: i64,
}

/// `TracingConfig`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TracingInput {
    pub mode: Option<String>,
}

/// `VpcConfig`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VpcConfigInput {
    pub subnet_ids: Option<Vec<String>>,
    pub security_group_ids: Option<Vec<String>>,
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

/// `SnapStart`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SnapStartInput {
    pub apply_on: Option<String>,
}

/// The members of CreateFunction and UpdateFunctionConfiguration that `ops::settings` checks, stores and
/// answers (one shape, flattened into both inputs).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SettingsInput {
    pub tracing_config: Option<TracingInput>,
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
    pub vpc_config: Option<VpcConfigInput>,
    pub snap_start: Option<SnapStartInput>,
    pub file_system_configs: Option<Vec<FileSystemConfig>>,
}

/// Members of the function operations' inputs that ask for what lambkin cannot honour yet (Lambda Managed Instances, tenant isolation, accelerators, customer-managed runtimes): given, they are refused by
/// name (`ops::unsupported::refuse_beyond`) rather than ignored, so a deployment never believes it got them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BeyondLambkin {
    pub capacity_provider_config: Option<serde_json::Value>,
    pub publish_to: Option<serde_json::Value>,
    pub tenancy_config: Option<serde_json::Value>,
    pub runtime_config: Option<serde_json::Value>,
    pub accelerator_config: Option<serde_json::Value>,
}

/// `UpdateFunctionCode`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateCodeInput {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
    #[serde(rename = "SourceKMSKeyArn")]
    pub source_kms_key_arn: Option<String>,
    #[serde(default)]
    pub publish: bool,
    #[serde(default)]
    pub dry_run: bool,
    pub revision_id: Option<String>,
    pub architectures: Option<Vec<String>>,
    #[serde(flatten)]
    pub beyond: BeyondLambkin,
}

/// `UpdateFunctionConfiguration`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateConfigInput {
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<Environment>,
    pub runtime: Option<String>,
    pub layers: Option<Vec<String>>,
    pub ephemeral_storage: Option<EphemeralStorageInput>,
    pub revision_id: Option<String>,
    pub logging_config: Option<LoggingConfig>,
    pub image_config: Option<crate::model::ImageConfig>,
    pub durable_config: Option<DurableConfigInput>,
    #[serde(flatten)]
    pub settings: SettingsInput,
    #[serde(flatten)]
    pub beyond: BeyondLambkin,
}

/// A durable execution operation's request: what its path names (an execution ARN, a callback id, or a
/// function), its query and its body; the operation reads its own members.
pub(crate) struct DurableCall {
    /// The path's label, percent-decoded.
    pub target: String,
    /// Query pairs.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl DurableCall {
    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        crate::request::query_value(&self.query, name)
    }

    /// Every value of a repeated query parameter.
    pub fn queries(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A query flag (`true`/`false`).
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.query(name).map(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// `DurableConfig` as given (its ranges are checked by the model's constraints first).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DurableConfigInput {
    pub execution_timeout: Option<u64>,
    pub retention_period_in_days: Option<u32>,
    #[serde(rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
}

/// `PublishVersion`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PublishVersionInput {
    pub code_sha256: Option<String>,
    pub description: Option<String>,
    pub revision_id: Option<String>,
    #[serde(flatten)]
    pub beyond: BeyondLambkin,
}

/// `CreateAlias` / `UpdateAlias`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AliasInput {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<RoutingConfig>,
    pub revision_id: Option<String>,
}

/// `PutFunctionConcurrency`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConcurrencyInput {
    pub reserved_concurrent_executions: Option<i64>,
}

/// `TagResource`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagInput {
    pub tags: Option<BTreeMap<String, String>>,
}

/// `AddPermission`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PermissionInput {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub event_source_token: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    pub principal_org_id: Option<String>,
    pub function_url_auth_type: Option<String>,
    pub invoked_via_function_url: Option<bool>,
    pub revision_id: Option<String>,
}

/// `LayerVersionContentInput`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LayerContentInput {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub s3_object_version: Option<String>,
}

/// `PublishLayerVersion`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PublishLayerInput {
    pub content: Option<LayerContentInput>,
    pub description: Option<String>,
    pub compatible_runtimes: Option<Vec<String>>,
    pub compatible_architectures: Option<Vec<String>>,
    pub license_info: Option<String>,
}

/// What `CreateEventSourceMapping`'s body names before lambkin refuses it (Lambda checks these first).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EventSourceMappingInput {
    pub function_name: Option<String>,
    pub event_source_arn: Option<String>,
    pub self_managed_event_source: Option<serde_json::Value>,
    pub enabled: Option<bool>,
    pub batch_size: Option<u32>,
    pub maximum_batching_window_in_seconds: Option<u32>,
    pub filter_criteria: Option<FilterCriteria>,
    pub function_response_types: Option<Vec<String>>,
    pub scaling_config: Option<ScalingConfig>,
    pub destination_config: Option<DestinationConfig>,
    pub starting_position: Option<String>,
    pub starting_position_timestamp: Option<f64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_record_age_in_seconds: Option<i64>,
    pub parallelization_factor: Option<u32>,
    pub bisect_batch_on_function_error: Option<bool>,
    pub tumbling_window_in_seconds: Option<u32>,
    pub topics: Option<Vec<String>>,
    pub queues: Option<Vec<String>>,
    pub source_access_configurations: Option<serde_json::Value>,
    pub document_d_b_event_source_config: Option<serde_json::Value>,
    pub amazon_managed_kafka_event_source_config: Option<serde_json::Value>,
    pub self_managed_kafka_event_source_config: Option<serde_json::Value>,
    pub provisioned_poller_config: Option<serde_json::Value>,
    #[serde(rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
    pub metrics_config: Option<serde_json::Value>,
    pub logging_config: Option<serde_json::Value>,
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

/// An event source mapping's `FilterCriteria`.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FilterCriteria {
    pub filters: Option<Vec<Filter>>,
}

/// One filter of `FilterCriteria`.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Filter {
    pub pattern: Option<String>,
}

/// An event source mapping's `ScalingConfig`.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ScalingConfig {
    pub maximum_concurrency: Option<u32>,
}

/// `Put`/`UpdateFunctionEventInvokeConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EventInvokeConfigInput {
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age_in_seconds: Option<i64>,
    pub destination_config: Option<DestinationConfig>,
}

/// `PutProvisionedConcurrencyConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ProvisionedInput {
    pub provisioned_concurrent_executions: Option<i64>,
}

/// `Create`/`UpdateFunctionUrlConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UrlConfigInput {
    pub auth_type: Option<String>,
    pub cors: Option<Cors>,
    pub invoke_mode: Option<String>,
}

/// `AddLayerVersionPermission`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LayerPermissionInput {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub organization_id: Option<String>,
}

/// `Create`/`UpdateCodeSigningConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeSigningConfigInput {
    pub description: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub allowed_publishers: Option<crate::shapes::AllowedPublishers>,
    pub code_signing_policies: Option<CodeSigningPoliciesInput>,
}

/// `CodeSigningPolicies` as a request gives it (the member may be left out).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeSigningPoliciesInput {
    pub untrusted_artifact_on_deployment: Option<String>,
}

/// `PutFunctionCodeSigningConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FunctionCodeSigningInput {
    pub code_signing_config_arn: Option<String>,
}

/// `PutRuntimeManagementConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RuntimeManagementInput {
    pub update_runtime_on: Option<String>,
    pub runtime_version_arn: Option<String>,
}

/// `PutFunctionRecursionConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RecursionInput {
    pub recursive_loop: Option<String>,
}

/// `PutFunctionScalingConfig`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ScalingInput {
    pub function_scaling_config: Option<ScalingValues>,
}

/// `FunctionScalingConfig` as a request gives it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ScalingValues {
    pub min_execution_environments: Option<i64>,
    pub max_execution_environments: Option<i64>,
}

/// `PutResourcePolicy`'s body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ResourcePolicyInput {
    pub policy: Option<String>,
    pub revision_id: Option<String>,
}
