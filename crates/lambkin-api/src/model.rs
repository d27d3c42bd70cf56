//! The REST API's resource shapes (botocore's model names, PascalCase on the wire) and what the store keeps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `Environment`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// `Variables`.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// `EnvironmentResponse`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentResponse {
    /// `Variables`.
    pub variables: BTreeMap<String, String>,
}

/// A layer as a function configuration lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionLayer {
    /// Layer version ARN.
    pub arn: String,
    /// Size of the layer's zip.
    pub code_size: u64,
}

/// `EphemeralStorage`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    /// MB.
    pub size: u32,
}

/// `TracingConfig(Response)`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    /// `Active` or `PassThrough`.
    pub mode: String,
}

/// `DeadLetterConfig`: where Lambda would send an asynchronous event that failed for good (an SQS queue or an
/// SNS topic). lambkin keeps such events as its own dead letters (`/lambkin/v1/…/dead-letters`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    /// Queue or topic ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
}

/// `VpcConfigResponse`. lambkin has no VPCs: the subnets and security groups are stored and answered as
/// given, `VpcId` is empty (it would be the subnets' VPC), and an environment's network is lambkin's own.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfigResponse {
    /// Subnets.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Security groups.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Always empty (no VPCs here).
    #[serde(default)]
    pub vpc_id: String,
    /// Outbound IPv6 on dual-stack subnets.
    #[serde(default)]
    pub ipv6_allowed_for_dual_stack: bool,
}

/// `SnapStartResponse`: `OptimizationStatus` is `On` for a published version of a function with `ApplyOn`
/// `PublishedVersions`, else `Off` (as Lambda answers; lambkin takes no snapshots).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStartResponse {
    /// `PublishedVersions` or `None`.
    pub apply_on: String,
    /// `On` or `Off`.
    pub optimization_status: String,
}

impl Default for SnapStartResponse {
    fn default() -> Self {
        Self {
            apply_on: "None".into(),
            optimization_status: "Off".into(),
        }
    }
}

/// `FileSystemConfig`: an EFS access point and where the function sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemConfig {
    /// Access point ARN (mapped to a host directory by `serve --efs`).
    pub arn: String,
    /// `/mnt/<name>`.
    pub local_mount_path: String,
}

/// `LoggingConfig`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// `Text` or `JSON`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// Application log level (JSON only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    /// System log level (JSON only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    /// Log group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

/// `FunctionConfiguration`, as every function operation answers it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    /// Name.
    pub function_name: String,
    /// ARN (qualified for published versions).
    pub function_arn: String,
    /// Runtime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Execution role.
    pub role: String,
    /// Handler.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Zip size.
    pub code_size: u64,
    /// Description.
    pub description: String,
    /// Seconds.
    pub timeout: u32,
    /// MB.
    pub memory_size: u32,
    /// `2026-11-24T04:25:00.000+0000`.
    pub last_modified: String,
    /// base64 SHA-256 of the zip.
    pub code_sha256: String,
    /// `$LATEST` or a number.
    pub version: String,
    /// Variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentResponse>,
    /// Tracing.
    pub tracing_config: TracingConfig,
    /// Changes with every update.
    pub revision_id: String,
    /// Layers.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub layers: Vec<FunctionLayer>,
    /// `Pending`, `Active`, `Inactive`, `Failed`.
    pub state: String,
    /// Why, while not active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// Code for `StateReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<String>,
    /// `InProgress`, `Successful`, `Failed`.
    pub last_update_status: String,
    /// Why, while in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason: Option<String>,
    /// Code for the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<String>,
    /// `Zip`.
    pub package_type: String,
    /// `["x86_64"]` or `["arm64"]`.
    pub architectures: Vec<String>,
    /// `/tmp` size.
    pub ephemeral_storage: EphemeralStorage,
    /// SnapStart.
    #[serde(default)]
    pub snap_start: SnapStartResponse,
    /// Logging.
    pub logging_config: LoggingConfig,
    /// Dead-letter target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    /// KMS key.
    #[serde(skip_serializing_if = "Option::is_none", rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
    /// VPC settings, once given (cleared ones answer with empty lists, as Lambda does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfigResponse>,
    /// EFS access points (at most one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_system_configs: Vec<FileSystemConfig>,
    /// A container image function's `ImageConfig`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config_response: Option<ImageConfigResponse>,
    /// A durable function's settings (set at creation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_config: Option<DurableConfig>,
}

/// `DurableConfig`: a durable function's execution timeout and how long its executions are kept once ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DurableConfig {
    /// `ExecutionTimeout`, seconds (1 to 31,622,400).
    pub execution_timeout: u64,
    /// `RetentionPeriodInDays` (1 to 90; 14 when not given).
    pub retention_period_in_days: u32,
    /// `KMSKeyArn`, kept and answered (payloads are not encrypted by lambkin).
    #[serde(rename = "KMSKeyArn", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

/// `ImageConfigResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfigResponse {
    /// The overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config: Option<ImageConfig>,
}

/// `ImageConfig`: what a container image function overrides of its image's configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    /// Replaces the image's `ENTRYPOINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// Replaces the image's `CMD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Replaces the image's `WORKDIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

/// A container image function's image, as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ImageRecord {
    /// `Code.ImageUri`, as last asked for (by the create, or an `UpdateFunctionCode` that may still be pulling).
    pub uri: String,
    /// `repository@sha256:…` of the image that runs; empty until the first pull succeeded.
    #[serde(default)]
    pub resolved: String,
    /// The image's own `ENTRYPOINT`, `CMD`, `WORKDIR` and `ENV` (`K=V`).
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// `CMD`.
    #[serde(default)]
    pub cmd: Vec<String>,
    /// `WORKDIR` (empty: unset).
    #[serde(default)]
    pub working_dir: String,
    /// `ENV`.
    #[serde(default)]
    pub env: Vec<String>,
    /// What is being pulled for `uri` (a create, or an `UpdateFunctionCode` still in progress): the digest it
    /// named when it was asked for (`repository@sha256:…`), else `uri` itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulling: Option<String>,
}

/// Members only `GetFunction`, `GetFunctionConfiguration` and the create/update/publish answers carry:
/// Lambda's `ListFunctions` and `ListVersionsByFunction` entries have no state.
const STATE_MEMBERS: [&str; 7] = [
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
    "RuntimeVersionConfig",
];

impl FunctionConfiguration {
    /// The log group the function writes to: its `LoggingConfig.LogGroup`, else Lambda's
    /// `/aws/lambda/<name>`.
    pub fn log_group(&self) -> String {
        self.logging_config
            .log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.function_name))
    }

    /// The configuration as a single-function answer has it: with `RuntimeVersionConfig` for a managed
    /// runtime, as Lambda answers (`arn:aws:lambda:<region>::runtime:<id>`; lambkin's id is derived from the
    /// runtime's name, as it serves one version of each runtime).
    pub fn answer(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(rt) = &self.runtime {
            let mut parts = self.function_arn.split(':');
            let (partition, region) = (parts.nth(1), parts.nth(1));
            if let (Some(p), Some(r)) = (partition, region) {
                use sha2::Digest;
                let id = hex::encode(sha2::Sha256::digest(rt.as_bytes()));
                v["RuntimeVersionConfig"] = serde_json::json!({"RuntimeVersionArn": format!("arn:{p}:lambda:{r}::runtime:{id}")});
            }
        }
        v
    }

    /// The configuration as `CreateFunction` answers it: no `LastUpdateStatus` (nothing was updated yet).
    pub fn created(&self) -> serde_json::Value {
        let mut v = self.answer();
        if let Some(o) = v.as_object_mut() {
            for k in &STATE_MEMBERS[3..6] {
                o.remove(*k);
            }
        }
        v
    }

    /// The configuration as a list entry (`ListFunctions`, `ListVersionsByFunction`): without state members, and
    /// `$LATEST` with its qualified ARN (`…:function:NAME:$LATEST`) when `latest_qualified`, as Lambda lists it
    /// next to versions.
    pub fn listed(&self, latest_qualified: bool) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            for k in STATE_MEMBERS {
                o.remove(k);
            }
        }
        if latest_qualified && self.version == "$LATEST" {
            v["FunctionArn"] = serde_json::json!(format!("{}:$LATEST", self.function_arn));
        }
        v
    }
}

/// A layer a function version uses, as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerUse {
    /// Layer version ARN.
    pub arn: String,
    /// Its zip's SHA-256 (hex): where its tree is.
    pub sha256_hex: String,
    /// Zip size.
    pub code_size: u64,
    /// Unpacked size.
    pub unpacked_size: u64,
}

/// One version of a function (`$LATEST` or published), as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionRecord {
    /// What the API answers.
    pub config: FunctionConfiguration,
    /// The code zip's SHA-256 (hex).
    pub code_hex: String,
    /// Unpacked size of the code.
    pub unpacked_size: u64,
    /// Layers in order.
    pub layers: Vec<LayerUse>,
    /// A container image function's image (`PackageType: Image`; its code and layers are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRecord>,
    /// The customer-managed KMS key the code's zip is encrypted with (`Code.SourceKMSKeyArn`), answered in
    /// `GetFunction`'s `Code` (Terraform's `source_kms_key_arn` is read from there). lambkin does not encrypt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_kms_key_arn: Option<String>,
}

/// A function as the store keeps it (table `functions`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionRecord {
    /// `$LATEST`.
    pub latest: VersionRecord,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// `ReservedConcurrentExecutions`.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Resource policy statements.
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
    /// Policy revision.
    #[serde(default)]
    pub policy_revision: String,
    /// Revisions of the policies of versions and aliases (statements naming them), by qualifier: each
    /// qualifier's policy is its own, as Lambda keeps it.
    #[serde(default)]
    pub qualifier_policy_revisions: BTreeMap<String, String>,
    /// Highest published version number so far.
    #[serde(default)]
    pub last_version: u64,
    /// `$LATEST`'s description when the last version was published (a version's own may be PublishVersion's):
    /// a new description is a change a PublishVersion publishes, as Lambda does.
    #[serde(default)]
    pub published_description: Option<String>,
    /// Made anew by every CreateFunction: what a queued event was accepted for, so an event of a deleted
    /// function never reaches a new function of the same name (empty for records written before it existed).
    #[serde(default)]
    pub incarnation: String,
}

/// `AliasRoutingConfiguration`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RoutingConfig {
    /// version → weight (0..1).
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
}

/// `AliasConfiguration`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    /// Alias ARN.
    pub alias_arn: String,
    /// Name.
    pub name: String,
    /// Version it points to.
    pub function_version: String,
    /// Description.
    pub description: String,
    /// Changes with every update.
    pub revision_id: String,
    /// Weighted routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<RoutingConfig>,
}

/// `LayerVersionContentOutput`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct LayerContent {
    /// Download URL.
    pub location: String,
    /// base64 SHA-256.
    pub code_sha256: String,
    /// Zip size.
    pub code_size: u64,
}

/// A layer version (`GetLayerVersion`'s answer), as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct LayerVersion {
    /// What is downloaded.
    pub content: LayerContent,
    /// Layer ARN.
    pub layer_arn: String,
    /// Layer version ARN.
    pub layer_version_arn: String,
    /// Description.
    pub description: String,
    /// `2026-11-24T04:25:00.000+0000`.
    pub created_date: String,
    /// Number.
    pub version: u64,
    /// Runtimes, as given (Lambda answers `[]` when given empty, nothing when not given).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compatible_runtimes: Option<Vec<String>>,
    /// Architectures, as given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compatible_architectures: Option<Vec<String>>,
    /// License.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_info: Option<String>,
}

/// A layer version as the store keeps it (table `layers`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerRecord {
    /// What the API answers.
    pub version: LayerVersion,
    /// The zip's SHA-256 (hex): where its tree is.
    pub sha256_hex: String,
    /// Unpacked size.
    pub unpacked_size: u64,
}

/// `Cors` of a function URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    /// `Access-Control-Allow-Credentials`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// Allowed request headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// Allowed methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// Allowed origins (`*` for any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<String>,
    /// Headers exposed to the browser.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// Preflight cache, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
}

/// A function URL configuration as the store keeps it (table `urls`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UrlConfig {
    /// The URL id (`<id>.lambda-url.<region>.localhost`).
    pub id: String,
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// Function name.
    pub function: String,
    /// Alias (none for `$LATEST`).
    pub qualifier: Option<String>,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// `BUFFERED` or `RESPONSE_STREAM`.
    pub invoke_mode: String,
    /// CORS.
    pub cors: Option<Cors>,
    /// ISO 8601.
    pub creation_time: String,
    /// ISO 8601.
    pub last_modified_time: String,
}

/// `OnSuccess` / `OnFailure`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    /// A function ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `DestinationConfig`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    /// After a success.
    #[serde(default)]
    pub on_success: Destination,
    /// After the last failure.
    #[serde(default)]
    pub on_failure: Destination,
}

/// `FunctionEventInvokeConfig`, answered as stored (table `eventconfigs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfig {
    /// Seconds since the epoch (the model's timestamp).
    pub last_modified: f64,
    /// Qualified function ARN.
    pub function_arn: String,
    /// 0–2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// 60–21,600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
    /// Destinations.
    pub destination_config: DestinationConfig,
}

/// A provisioned-concurrency setting as the store keeps it (table `provisioned`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProvisionedSetting {
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// Function name.
    pub function: String,
    /// Version or alias.
    pub qualifier: String,
    /// Environments wanted.
    pub requested: u32,
    /// Lambda's `LastModified` format.
    pub last_modified: String,
}
