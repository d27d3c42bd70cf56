//! The function settings lambkin stores and answers as Lambda does but enforces in its own way: `TracingConfig`,
//! `DeadLetterConfig`, `KMSKeyArn`, `VpcConfig`, `SnapStart` and `FileSystemConfigs` — validated with Lambda's
//! messages, laid over a configuration on CreateFunction and UpdateFunctionConfiguration, and shown per
//! version (`SnapStart.OptimizationStatus`).
//!
//! What each means here: tracing only marks the mode (no X-Ray daemon); a dead-letter target is kept and
//! answered, failed asynchronous events go to lambkin's own dead letters; the KMS key is kept (variables are
//! not encrypted at rest by lambkin); a VPC is kept (environments get lambkin's own network, there are no
//! VPCs, `VpcId` is empty); SnapStart is kept and reported as Lambda reports it, environments always start
//! with a full init; file systems are real: an access point the operator mapped (`serve --efs ARN=DIR`) is
//! mounted read-write at `LocalMountPath` in every environment of the function.

use crate::error::{ApiError, ApiResult};
use crate::model::{
    DeadLetterConfig, FileSystemConfig, FunctionConfiguration, SnapStartResponse, TracingConfig,
    VpcConfigResponse,
};
use crate::operation::{SettingsInput, VpcConfigInput};
use crate::service::Service;

/// Which request the settings come from: CreateFunction starts from Lambda's defaults, an update changes
/// only what it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Request {
    Create,
    Update,
}

/// Runtimes Lambda takes SnapStart for: Java 11 and later, Python 3.12 and later, .NET 8 and later.
fn snap_start_runtime(runtime: &str) -> bool {
    let at_least = |prefix: &str, min: u32| {
        runtime
            .strip_prefix(prefix)
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|v| v >= min)
    };
    at_least("java", 11) || at_least("python3.", 12) || at_least("dotnet", 8)
}

/// The settings of one configuration that this module owns.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub tracing_config: TracingConfig,
    pub dead_letter_config: Option<DeadLetterConfig>,
    pub kms_key_arn: Option<String>,
    pub vpc_config: Option<VpcConfigResponse>,
    pub snap_start: SnapStartResponse,
    pub file_system_configs: Vec<FileSystemConfig>,
}

impl Settings {
    /// A new function's: `PassThrough` tracing, SnapStart off, nothing else.
    pub(super) fn new_function() -> Self {
        Self {
            tracing_config: TracingConfig {
                mode: "PassThrough".into(),
            },
            dead_letter_config: None,
            kms_key_arn: None,
            vpc_config: None,
            snap_start: SnapStartResponse::default(),
            file_system_configs: Vec::new(),
        }
    }

    /// A configuration's.
    pub(super) fn of(c: &FunctionConfiguration) -> Self {
        Self {
            tracing_config: c.tracing_config.clone(),
            dead_letter_config: c.dead_letter_config.clone(),
            kms_key_arn: c.kms_key_arn.clone(),
            vpc_config: c.vpc_config.clone(),
            snap_start: c.snap_start.clone(),
            file_system_configs: c.file_system_configs.clone(),
        }
    }

    /// Sets them in `c`.
    pub(super) fn put(self, c: &mut FunctionConfiguration) {
        c.tracing_config = self.tracing_config;
        c.dead_letter_config = self.dead_letter_config;
        c.kms_key_arn = self.kms_key_arn;
        c.vpc_config = self.vpc_config;
        c.snap_start = self.snap_start;
        c.file_system_configs = self.file_system_configs;
    }
}

/// Lays the settings of a request over `current` (a new function's, or `$LATEST`'s for an update), checking
/// each as Lambda does; `runtime` is the function's (after the update), `region` its region. Changes nothing
/// when a check fails.
pub(super) fn apply(
    service: &Service,
    region: &str,
    runtime: &str,
    current: Settings,
    input: SettingsInput,
    request: Request,
) -> ApiResult<Settings> {
    let mut c = current;
    // The members' own constraints (patterns, enums, lengths) were checked before any operation ran
    // (`constraints`); here is what Lambda checks of the values beyond them.
    if let Some(mode) = input.tracing_config.and_then(|t| t.mode) {
        c.tracing_config = TracingConfig { mode };
    }
    // An empty `VpcConfig` or `SnapStart` (`{}`) changes nothing.
    if let Some(vpc) = input.vpc_config.filter(|v| {
        v.subnet_ids.is_some()
            || v.security_group_ids.is_some()
            || v.ipv6_allowed_for_dual_stack.is_some()
    }) {
        c.vpc_config = Some(vpc_config(vpc)?);
    }
    if let Some(apply_on) = input.snap_start.and_then(|s| s.apply_on) {
        c.snap_start = SnapStartResponse {
            apply_on,
            optimization_status: "Off".into(),
        };
    }
    if c.snap_start.apply_on == "PublishedVersions" && !snap_start_runtime(runtime) {
        return Err(ApiError::invalid(format!(
            "{runtime} is not supported for SnapStart enabled functions."
        )));
    }
    if let Some(d) = input.dead_letter_config {
        match d.target_arn.as_deref() {
            // `{}` changes nothing; an empty ARN removes the target (how Terraform clears it).
            None => {}
            Some("") if request == Request::Update => c.dead_letter_config = None,
            Some(arn) => {
                check_dead_letter_target(arn, region)?;
                c.dead_letter_config = Some(DeadLetterConfig {
                    target_arn: Some(arn.to_owned()),
                });
            }
        }
    }
    if let Some(key) = input.kms_key_arn {
        if key.is_empty() {
            c.kms_key_arn = None;
        } else {
            check_kms_key(&key)?;
            c.kms_key_arn = Some(key);
        }
    }
    if let Some(fs) = input.file_system_configs {
        check_file_systems(service, &fs)?;
        c.file_system_configs = fs;
    }
    Ok(c)
}

/// `SnapStart` as a published version answers it: optimised when the function applies it to published
/// versions.
pub(super) fn published_snap_start(c: &mut FunctionConfiguration) {
    c.snap_start.optimization_status = if c.snap_start.apply_on == "PublishedVersions" {
        "On"
    } else {
        "Off"
    }
    .into();
}

/// Java's rendering of a list in Lambda's validation messages: `[a, b]`.
fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// `VpcConfig` as stored: the lists as given (both empty detaches the function from its VPC, which Lambda
/// then answers with empty lists), `VpcId` empty.
fn vpc_config(vpc: VpcConfigInput) -> ApiResult<VpcConfigResponse> {
    let subnets = vpc.subnet_ids.unwrap_or_default();
    let groups = vpc.security_group_ids.unwrap_or_default();
    for (items, at, max, prefix, pattern, upper) in [
        (
            &subnets,
            "vpcConfig.subnetIds",
            16,
            "subnet-",
            "subnet-[0-9a-z]*",
            false,
        ),
        (
            &groups,
            "vpcConfig.securityGroupIds",
            5,
            "sg-",
            "sg-[0-9a-zA-Z]*",
            true,
        ),
    ] {
        if items.len() > max {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at '{at}' failed to satisfy constraint: Member must have length less than or equal to {max}",
                list(items)
            )));
        }
        let bad = |id: &String| {
            id.len() > 1024
                || !id.strip_prefix(prefix).is_some_and(|rest| {
                    rest.bytes().all(|b| {
                        b.is_ascii_digit()
                            || b.is_ascii_lowercase()
                            || (upper && b.is_ascii_uppercase())
                    })
                })
        };
        if items.iter().any(bad) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at '{at}' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: {pattern}]",
                list(items)
            )));
        }
    }
    Ok(VpcConfigResponse {
        subnet_ids: subnets,
        security_group_ids: groups,
        vpc_id: String::new(),
        ipv6_allowed_for_dual_stack: vpc.ipv6_allowed_for_dual_stack.unwrap_or(false),
    })
}

/// A dead-letter target: an SQS queue or SNS topic of the function's region, not FIFO.
fn check_dead_letter_target(arn: &str, region: &str) -> ApiResult<()> {
    let invalid = |why: &str| ApiError::invalid(format!("Invalid dead letter queue ARN: {why}"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, arn_region, _account, resource] = parts.as_slice() else {
        return Err(invalid(&format!("ARNs must start with 'arn:': {arn}")));
    };
    if *prefix != "arn" {
        return Err(invalid(&format!("ARNs must start with 'arn:': {arn}")));
    }
    if *service != "sqs" && *service != "sns" {
        return Err(invalid(
            "The service specified by the TargetArn is not supported for dead letter configuration.",
        ));
    }
    if *arn_region != region {
        return Err(invalid(
            "The resource specified by the TargetArn must be in the same region as the Lambda function it's associated with.",
        ));
    }
    if resource.ends_with(".fifo") {
        let kind = if *service == "sqs" {
            "SQS queue"
        } else {
            "SNS topic"
        };
        return Err(invalid(&format!(
            "FIFO {kind} is not supported for dead letter configuration"
        )));
    }
    Ok(())
}

/// A KMS key for the environment variables: a key, not an alias (lambkin has no KMS to ask more of it).
fn check_kms_key(arn: &str) -> ApiResult<()> {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    if arn.split(':').nth(2) == Some("kms") && resource.starts_with("alias/") {
        return Err(ApiError::invalid(
            "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: InvalidArnException KMS Message: Key Aliases are not supported for this operation.",
        ));
    }
    Ok(())
}

/// botocore's `FileSystemArn` pattern, as Lambda prints it.
const FILE_SYSTEM_ARN_PATTERN: &str = r"arn:aws[a-zA-Z-]*:elasticfilesystem:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$|^arn:aws[-a-z]*:s3files:[0-9a-z-:]+:file-system/fs-[0-9a-f]{17,40}/access-point/fsap-[0-9a-f]{17,40}";

/// `FileSystemConfigs`: at most one, an EFS access point this server maps to a directory, mounted directly
/// under `/mnt`. Values and patterns are quoted as Lambda's messages quote them (the model's pattern text,
/// objects as `{Member=value}`), as the generic constraint check does.
fn check_file_systems(service: &Service, fs: &[FileSystemConfig]) -> ApiResult<()> {
    if fs.len() > 1 {
        let shown: Vec<String> = fs
            .iter()
            .map(|f| format!("{{Arn={}, LocalMountPath={}}}", f.arn, f.local_mount_path))
            .collect();
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{}' at 'fileSystemConfigs' failed to satisfy constraint: Member must have length less than or equal to 1",
            list(&shown)
        )));
    }
    for f in fs {
        if f.arn.len() > 256
            || !crate::efs::is_access_point_arn(&f.arn) && !f.arn.contains(":s3files:")
        {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'fileSystemConfigs.1.member.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: {FILE_SYSTEM_ARN_PATTERN}",
                f.arn
            )));
        }
        let path_ok = f.local_mount_path.len() <= 160
            && f.local_mount_path.strip_prefix("/mnt/").is_some_and(|n| {
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            });
        if !path_ok {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'fileSystemConfigs.1.member.localMountPath' failed to satisfy constraint: Member must satisfy regular expression pattern: /mnt/[a-zA-Z0-9-_.]+",
                f.local_mount_path
            )));
        }
        if !lambkin_sandbox::plan::SharedDir::valid_target(&f.local_mount_path) {
            return Err(ApiError::invalid(format!(
                "LocalMountPath {} does not name a directory under /mnt: use /mnt/<name>.",
                f.local_mount_path
            )));
        }
        if f.arn.contains(":s3files:") {
            return Err(ApiError::invalid(format!(
                "lambkin mounts EFS access points only, not the S3 Files access point {}: map an EFS access point to a directory with `lambkin serve --efs ARN=DIR`.",
                f.arn
            )));
        }
        if !service.config.efs.contains_key(&f.arn) {
            return Err(ApiError::invalid(format!(
                "This lambkin server has no directory for the file system access point {}: start `lambkin serve` with --efs {}=DIR (or efs = [\"{}=DIR\"] in its config file).",
                f.arn, f.arn, f.arn
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_start_runtimes() {
        for ok in [
            "java11",
            "java17",
            "java21",
            "java25",
            "python3.12",
            "python3.14",
            "dotnet8",
            "dotnet10",
        ] {
            assert!(snap_start_runtime(ok), "{ok}");
        }
        for no in [
            "java8.al2",
            "python3.11",
            "python3.9",
            "nodejs22.x",
            "provided.al2023",
            "dotnet6",
            "ruby3.4",
        ] {
            assert!(!snap_start_runtime(no), "{no}");
        }
    }

    #[test]
    fn dead_letter_targets() {
        assert!(
            check_dead_letter_target("arn:aws:sqs:us-east-1:123456789012:dlq", "us-east-1").is_ok()
        );
        assert!(
            check_dead_letter_target("arn:aws:sns:us-east-1:123456789012:topic", "us-east-1")
                .is_ok()
        );
        let msg = |arn: &str| {
            check_dead_letter_target(arn, "us-east-1")
                .unwrap_err()
                .message
        };
        assert!(msg("arn:aws:s3:::bucket")
            .contains("service specified by the TargetArn is not supported"));
        assert!(msg("arn:aws:sqs:eu-west-1:123456789012:dlq").contains("same region"));
        assert_eq!(
            msg("arn:aws:sqs:us-east-1:123456789012:q.fifo"),
            "Invalid dead letter queue ARN: FIFO SQS queue is not supported for dead letter configuration"
        );
        assert!(msg("").contains("ARNs must start with 'arn:'"));
    }

    #[test]
    fn kms_aliases_are_refused() {
        assert!(check_kms_key(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        .is_ok());
        let e = check_kms_key("arn:aws:kms:us-east-1:123456789012:alias/mine").unwrap_err();
        assert!(e.message.contains("Key Aliases are not supported"));
    }

    #[test]
    fn vpc_lists() {
        let v = vpc_config(VpcConfigInput {
            subnet_ids: Some(vec!["subnet-0abc".into()]),
            security_group_ids: Some(vec!["sg-0AbC".into()]),
            ipv6_allowed_for_dual_stack: None,
        })
        .expect("valid");
        assert_eq!(v.vpc_id, "");
        assert!(!v.ipv6_allowed_for_dual_stack);
        let e = vpc_config(VpcConfigInput {
            subnet_ids: Some(vec!["subnet-ok".into(), "net-1".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            e.message
                .contains("Value '[subnet-ok, net-1]' at 'vpcConfig.subnetIds'"),
            "{}",
            e.message
        );
        let e = vpc_config(VpcConfigInput {
            security_group_ids: Some((0..6).map(|i| format!("sg-{i}")).collect()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e
            .message
            .ends_with("Member must have length less than or equal to 5"));
    }
}
