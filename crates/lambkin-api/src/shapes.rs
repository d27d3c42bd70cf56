//! Shapes of the settings that hang off functions and layers beyond their configuration — code signing,
//! layer version policies, runtime management, recursion and scaling — as the store keeps them and, where the
//! names say so, as the API answers them (botocore's member names, PascalCase on the wire). A leaf.

use serde::{Deserialize, Serialize};

/// `AllowedPublishers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AllowedPublishers {
    /// Signing profile version ARNs (1–20).
    #[serde(default)]
    pub signing_profile_version_arns: Vec<String>,
}

/// `CodeSigningPolicies`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningPolicies {
    /// `Warn` (default) or `Enforce`.
    pub untrusted_artifact_on_deployment: String,
}

impl Default for CodeSigningPolicies {
    fn default() -> Self {
        Self {
            untrusted_artifact_on_deployment: "Warn".into(),
        }
    }
}

/// `CodeSigningConfig` (table `codesigning`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfig {
    /// `csc-` and 17 hex digits.
    pub code_signing_config_id: String,
    /// `arn:aws:lambda:<region>:<account>:code-signing-config:<id>`.
    pub code_signing_config_arn: String,
    /// Description.
    pub description: String,
    /// Who may sign.
    pub allowed_publishers: AllowedPublishers,
    /// What happens to code that fails the checks.
    pub code_signing_policies: CodeSigningPolicies,
    /// Lambda's `LastModified` format.
    pub last_modified: String,
    /// Its tags (`CreateCodeSigningConfig`'s `Tags`, `TagResource` on its ARN); stored here, answered only by
    /// `ListTags` (Lambda's `CodeSigningConfig` shape has no tags).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// The code signing configuration a function uses (table `fncodesigning`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeSigning {
    /// The configuration's ARN.
    pub code_signing_config_arn: String,
    /// The function's name.
    pub function_name: String,
}

/// A layer version's resource policy (table `layerpolicies`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LayerPolicy {
    /// The statements, as `GetLayerVersionPolicy` answers them.
    pub statements: Vec<serde_json::Value>,
    /// Changes with every change of the statements.
    pub revision_id: String,
}

/// `GetRuntimeManagementConfig`'s answer as stored per qualifier (table `runtimemgmt`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeManagement {
    /// `Auto`, `FunctionUpdate` or `Manual`.
    pub update_runtime_on: String,
    /// With `Manual`: the runtime version pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<String>,
}

/// A function's recursive loop setting (table `recursion`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RecursionConfig {
    /// `Terminate` (Lambda's default) or `Allow`.
    pub recursive_loop: String,
}

/// `FunctionScalingConfig` (table `scaling`, per qualifier).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionScalingConfig {
    /// Fewest environments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_execution_environments: Option<u32>,
    /// Most environments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_execution_environments: Option<u32>,
}
