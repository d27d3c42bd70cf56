//! Long because generated: botocore 1.44.18's `lambda` model (2015-03-31) as data, written by
//! `scripts/gen_constraints.py` (do not edit: run it again). Lambda's differences from the model are in
//! `overrides.rs`.

use super::schema::{Kind::*, Loc::*, Member, Op, Pattern, Payload, Shape};

/// The botocore version this table was generated from.
pub(crate) const BOTOCORE: &str = "1.44.18";

/// Every operation of the model, sorted by name.
pub(crate) static OPERATIONS: &[Op] = &[
    Op { name: "AddLayerVersionPermission", method: "POST", uri: "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "VersionNumber", wire: "VersionNumber", loc: Path, required: true, shape: &S_LAYER_VERSION_NUMBER },
        Member { name: "StatementId", wire: "StatementId", loc: Body, required: true, shape: &S_STATEMENT_ID },
        Member { name: "Action", wire: "Action", loc: Body, required: true, shape: &S_LAYER_PERMISSION_ALLOWED_ACTION },
        Member { name: "Principal", wire: "Principal", loc: Body, required: true, shape: &S_LAYER_PERMISSION_ALLOWED_PRINCIPAL },
        Member { name: "OrganizationId", wire: "OrganizationId", loc: Body, required: false, shape: &S_ORGANIZATION_ID },
        Member { name: "RevisionId", wire: "RevisionId", loc: Query, required: false, shape: &S_STRING },
    ] },
    Op { name: "AddPermission", method: "POST", uri: "/2015-03-31/functions/{FunctionName}/policy", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "StatementId", wire: "StatementId", loc: Body, required: true, shape: &S_STATEMENT_ID },
        Member { name: "Action", wire: "Action", loc: Body, required: true, shape: &S_ACTION },
        Member { name: "Principal", wire: "Principal", loc: Body, required: true, shape: &S_PRINCIPAL },
        Member { name: "SourceArn", wire: "SourceArn", loc: Body, required: false, shape: &S_ARN },
        Member { name: "FunctionUrlAuthType", wire: "FunctionUrlAuthType", loc: Body, required: false, shape: &S_FUNCTION_URL_AUTH_TYPE },
        Member { name: "InvokedViaFunctionUrl", wire: "InvokedViaFunctionUrl", loc: Body, required: false, shape: &S_INVOKED_VIA_FUNCTION_URL },
        Member { name: "SourceAccount", wire: "SourceAccount", loc: Body, required: false, shape: &S_SOURCE_OWNER },
        Member { name: "EventSourceToken", wire: "EventSourceToken", loc: Body, required: false, shape: &S_EVENT_SOURCE_TOKEN },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_STRING },
        Member { name: "PrincipalOrgID", wire: "PrincipalOrgID", loc: Body, required: false, shape: &S_PRINCIPAL_ORG_ID },
    ] },
    Op { name: "CheckpointDurableExecution", method: "POST", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "CheckpointToken", wire: "CheckpointToken", loc: Body, required: true, shape: &S_CHECKPOINT_TOKEN },
        Member { name: "Updates", wire: "Updates", loc: Body, required: false, shape: &S_OPERATION_UPDATES },
        Member { name: "ClientToken", wire: "ClientToken", loc: Body, required: false, shape: &S_CLIENT_TOKEN },
    ] },
    Op { name: "CreateAlias", method: "POST", uri: "/2015-03-31/functions/{FunctionName}/aliases", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Name", wire: "Name", loc: Body, required: true, shape: &S_ALIAS },
        Member { name: "FunctionVersion", wire: "FunctionVersion", loc: Body, required: true, shape: &S_VERSION_WITH_LATEST_PUBLISHED },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "RoutingConfig", wire: "RoutingConfig", loc: Body, required: false, shape: &S_ALIAS_ROUTING_CONFIGURATION },
    ] },
    Op { name: "CreateCapacityProvider", method: "POST", uri: "/2025-11-30/capacity-providers", payload: Payload::Json, members: &[
        Member { name: "CapacityProviderName", wire: "CapacityProviderName", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_NAME },
        Member { name: "VpcConfig", wire: "VpcConfig", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_VPC_CONFIG },
        Member { name: "PermissionsConfig", wire: "PermissionsConfig", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_PERMISSIONS_CONFIG },
        Member { name: "InstanceRequirements", wire: "InstanceRequirements", loc: Body, required: false, shape: &S_INSTANCE_REQUIREMENTS },
        Member { name: "CapacityProviderScalingConfig", wire: "CapacityProviderScalingConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_SCALING_CONFIG },
        Member { name: "KmsKeyArn", wire: "KmsKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN_NON_EMPTY },
        Member { name: "Tags", wire: "Tags", loc: Body, required: false, shape: &S_TAGS },
        Member { name: "PropagateTags", wire: "PropagateTags", loc: Body, required: false, shape: &S_PROPAGATE_TAGS },
        Member { name: "TelemetryConfig", wire: "TelemetryConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_TELEMETRY_CONFIG },
    ] },
    Op { name: "CreateCodeSigningConfig", method: "POST", uri: "/2020-04-22/code-signing-configs", payload: Payload::Json, members: &[
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "AllowedPublishers", wire: "AllowedPublishers", loc: Body, required: true, shape: &S_ALLOWED_PUBLISHERS },
        Member { name: "CodeSigningPolicies", wire: "CodeSigningPolicies", loc: Body, required: false, shape: &S_CODE_SIGNING_POLICIES },
        Member { name: "Tags", wire: "Tags", loc: Body, required: false, shape: &S_TAGS },
    ] },
    Op { name: "CreateEventSourceMapping", method: "POST", uri: "/2015-03-31/event-source-mappings", payload: Payload::Json, members: &[
        Member { name: "EventSourceArn", wire: "EventSourceArn", loc: Body, required: false, shape: &S_ARN },
        Member { name: "FunctionName", wire: "FunctionName", loc: Body, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Enabled", wire: "Enabled", loc: Body, required: false, shape: &S_ENABLED },
        Member { name: "BatchSize", wire: "BatchSize", loc: Body, required: false, shape: &S_BATCH_SIZE },
        Member { name: "FilterCriteria", wire: "FilterCriteria", loc: Body, required: false, shape: &S_FILTER_CRITERIA },
        Member { name: "KMSKeyArn", wire: "KMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
        Member { name: "MetricsConfig", wire: "MetricsConfig", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_METRICS_CONFIG },
        Member { name: "LoggingConfig", wire: "LoggingConfig", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_LOGGING_CONFIG },
        Member { name: "ScalingConfig", wire: "ScalingConfig", loc: Body, required: false, shape: &S_SCALING_CONFIG },
        Member { name: "MaximumBatchingWindowInSeconds", wire: "MaximumBatchingWindowInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_BATCHING_WINDOW_IN_SECONDS },
        Member { name: "ParallelizationFactor", wire: "ParallelizationFactor", loc: Body, required: false, shape: &S_PARALLELIZATION_FACTOR },
        Member { name: "StartingPosition", wire: "StartingPosition", loc: Body, required: false, shape: &S_EVENT_SOURCE_POSITION },
        Member { name: "StartingPositionTimestamp", wire: "StartingPositionTimestamp", loc: Body, required: false, shape: &S_DATE },
        Member { name: "DestinationConfig", wire: "DestinationConfig", loc: Body, required: false, shape: &S_DESTINATION_CONFIG },
        Member { name: "MaximumRecordAgeInSeconds", wire: "MaximumRecordAgeInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_RECORD_AGE_IN_SECONDS },
        Member { name: "BisectBatchOnFunctionError", wire: "BisectBatchOnFunctionError", loc: Body, required: false, shape: &S_BISECT_BATCH_ON_FUNCTION_ERROR },
        Member { name: "MaximumRetryAttempts", wire: "MaximumRetryAttempts", loc: Body, required: false, shape: &S_MAXIMUM_RETRY_ATTEMPTS_EVENT_SOURCE_MAPPING },
        Member { name: "Tags", wire: "Tags", loc: Body, required: false, shape: &S_TAGS },
        Member { name: "TumblingWindowInSeconds", wire: "TumblingWindowInSeconds", loc: Body, required: false, shape: &S_TUMBLING_WINDOW_IN_SECONDS },
        Member { name: "Topics", wire: "Topics", loc: Body, required: false, shape: &S_TOPICS },
        Member { name: "Queues", wire: "Queues", loc: Body, required: false, shape: &S_QUEUES },
        Member { name: "SourceAccessConfigurations", wire: "SourceAccessConfigurations", loc: Body, required: false, shape: &S_SOURCE_ACCESS_CONFIGURATIONS },
        Member { name: "SelfManagedEventSource", wire: "SelfManagedEventSource", loc: Body, required: false, shape: &S_SELF_MANAGED_EVENT_SOURCE },
        Member { name: "FunctionResponseTypes", wire: "FunctionResponseTypes", loc: Body, required: false, shape: &S_FUNCTION_RESPONSE_TYPE_LIST },
        Member { name: "AmazonManagedKafkaEventSourceConfig", wire: "AmazonManagedKafkaEventSourceConfig", loc: Body, required: false, shape: &S_AMAZON_MANAGED_KAFKA_EVENT_SOURCE_CONFIG },
        Member { name: "SelfManagedKafkaEventSourceConfig", wire: "SelfManagedKafkaEventSourceConfig", loc: Body, required: false, shape: &S_SELF_MANAGED_KAFKA_EVENT_SOURCE_CONFIG },
        Member { name: "DocumentDBEventSourceConfig", wire: "DocumentDBEventSourceConfig", loc: Body, required: false, shape: &S_DOCUMENT_DB_EVENT_SOURCE_CONFIG },
        Member { name: "ProvisionedPollerConfig", wire: "ProvisionedPollerConfig", loc: Body, required: false, shape: &S_PROVISIONED_POLLER_CONFIG },
    ] },
    Op { name: "CreateFunction", method: "POST", uri: "/2015-03-31/functions", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Body, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Runtime", wire: "Runtime", loc: Body, required: false, shape: &S_RUNTIME },
        Member { name: "Role", wire: "Role", loc: Body, required: true, shape: &S_ROLE_ARN },
        Member { name: "Handler", wire: "Handler", loc: Body, required: false, shape: &S_HANDLER },
        Member { name: "Code", wire: "Code", loc: Body, required: true, shape: &S_FUNCTION_CODE },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "Timeout", wire: "Timeout", loc: Body, required: false, shape: &S_TIMEOUT },
        Member { name: "MemorySize", wire: "MemorySize", loc: Body, required: false, shape: &S_MEMORY_SIZE },
        Member { name: "Publish", wire: "Publish", loc: Body, required: false, shape: &S_BOOLEAN },
        Member { name: "PublishTo", wire: "PublishTo", loc: Body, required: false, shape: &S_FUNCTION_VERSION_LATEST_PUBLISHED },
        Member { name: "VpcConfig", wire: "VpcConfig", loc: Body, required: false, shape: &S_VPC_CONFIG },
        Member { name: "PackageType", wire: "PackageType", loc: Body, required: false, shape: &S_PACKAGE_TYPE },
        Member { name: "DeadLetterConfig", wire: "DeadLetterConfig", loc: Body, required: false, shape: &S_DEAD_LETTER_CONFIG },
        Member { name: "Environment", wire: "Environment", loc: Body, required: false, shape: &S_ENVIRONMENT },
        Member { name: "KMSKeyArn", wire: "KMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
        Member { name: "TracingConfig", wire: "TracingConfig", loc: Body, required: false, shape: &S_TRACING_CONFIG },
        Member { name: "Tags", wire: "Tags", loc: Body, required: false, shape: &S_TAGS },
        Member { name: "Layers", wire: "Layers", loc: Body, required: false, shape: &S_LAYER_LIST },
        Member { name: "FileSystemConfigs", wire: "FileSystemConfigs", loc: Body, required: false, shape: &S_FILE_SYSTEM_CONFIG_LIST },
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Body, required: false, shape: &S_CODE_SIGNING_CONFIG_ARN },
        Member { name: "ImageConfig", wire: "ImageConfig", loc: Body, required: false, shape: &S_IMAGE_CONFIG },
        Member { name: "Architectures", wire: "Architectures", loc: Body, required: false, shape: &S_ARCHITECTURES_LIST },
        Member { name: "EphemeralStorage", wire: "EphemeralStorage", loc: Body, required: false, shape: &S_EPHEMERAL_STORAGE },
        Member { name: "SnapStart", wire: "SnapStart", loc: Body, required: false, shape: &S_SNAP_START },
        Member { name: "LoggingConfig", wire: "LoggingConfig", loc: Body, required: false, shape: &S_LOGGING_CONFIG },
        Member { name: "TenancyConfig", wire: "TenancyConfig", loc: Body, required: false, shape: &S_TENANCY_CONFIG },
        Member { name: "CapacityProviderConfig", wire: "CapacityProviderConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_CONFIG },
        Member { name: "DurableConfig", wire: "DurableConfig", loc: Body, required: false, shape: &S_DURABLE_CONFIG },
        Member { name: "RuntimeConfig", wire: "RuntimeConfig", loc: Body, required: false, shape: &S_FUNCTION_RUNTIME_CONFIG },
        Member { name: "AcceleratorConfig", wire: "AcceleratorConfig", loc: Body, required: false, shape: &S_ACCELERATOR_CONFIG },
    ] },
    Op { name: "CreateFunctionUrlConfig", method: "POST", uri: "/2021-10-31/functions/{FunctionName}/url", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_URL_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_FUNCTION_URL_QUALIFIER },
        Member { name: "AuthType", wire: "AuthType", loc: Body, required: true, shape: &S_FUNCTION_URL_AUTH_TYPE },
        Member { name: "Cors", wire: "Cors", loc: Body, required: false, shape: &S_CORS },
        Member { name: "InvokeMode", wire: "InvokeMode", loc: Body, required: false, shape: &S_INVOKE_MODE },
    ] },
    Op { name: "DeleteAlias", method: "DELETE", uri: "/2015-03-31/functions/{FunctionName}/aliases/{Name}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Name", wire: "Name", loc: Path, required: true, shape: &S_ALIAS },
    ] },
    Op { name: "DeleteCapacityProvider", method: "DELETE", uri: "/2025-11-30/capacity-providers/{CapacityProviderName}", payload: Payload::Json, members: &[
        Member { name: "CapacityProviderName", wire: "CapacityProviderName", loc: Path, required: true, shape: &S_CAPACITY_PROVIDER_NAME },
    ] },
    Op { name: "DeleteCodeSigningConfig", method: "DELETE", uri: "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", payload: Payload::Json, members: &[
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Path, required: true, shape: &S_CODE_SIGNING_CONFIG_ARN },
    ] },
    Op { name: "DeleteDurableExecution", method: "DELETE", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
    ] },
    Op { name: "DeleteEventSourceMapping", method: "DELETE", uri: "/2015-03-31/event-source-mappings/{UUID}", payload: Payload::Json, members: &[
        Member { name: "UUID", wire: "UUID", loc: Path, required: true, shape: &S_UUID_STRING },
    ] },
    Op { name: "DeleteFunction", method: "DELETE", uri: "/2015-03-31/functions/{FunctionName}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "DeleteFunctionCodeSigningConfig", method: "DELETE", uri: "/2020-06-30/functions/{FunctionName}/code-signing-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
    ] },
    Op { name: "DeleteFunctionConcurrency", method: "DELETE", uri: "/2017-10-31/functions/{FunctionName}/concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
    ] },
    Op { name: "DeleteFunctionEventInvokeConfig", method: "DELETE", uri: "/2019-09-25/functions/{FunctionName}/event-invoke-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "DeleteFunctionUrlConfig", method: "DELETE", uri: "/2021-10-31/functions/{FunctionName}/url", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_URL_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_FUNCTION_URL_QUALIFIER },
    ] },
    Op { name: "DeleteLayerVersion", method: "DELETE", uri: "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "VersionNumber", wire: "VersionNumber", loc: Path, required: true, shape: &S_LAYER_VERSION_NUMBER },
    ] },
    Op { name: "DeleteProvisionedConcurrencyConfig", method: "DELETE", uri: "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: true, shape: &S_QUALIFIER },
    ] },
    Op { name: "DeleteResourcePolicy", method: "DELETE", uri: "/2026-07-09/resource-policy/{ResourceArn}", payload: Payload::Json, members: &[
        Member { name: "ResourceArn", wire: "ResourceArn", loc: Path, required: true, shape: &S_POLICY_RESOURCE_ARN },
        Member { name: "RevisionId", wire: "RevisionId", loc: Query, required: false, shape: &S_REVISION_ID },
    ] },
    Op { name: "GetAccountSettings", method: "GET", uri: "/2016-08-19/account-settings", payload: Payload::Json, members: &[
    ] },
    Op { name: "GetAlias", method: "GET", uri: "/2015-03-31/functions/{FunctionName}/aliases/{Name}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Name", wire: "Name", loc: Path, required: true, shape: &S_ALIAS },
    ] },
    Op { name: "GetCapacityProvider", method: "GET", uri: "/2025-11-30/capacity-providers/{CapacityProviderName}", payload: Payload::Json, members: &[
        Member { name: "CapacityProviderName", wire: "CapacityProviderName", loc: Path, required: true, shape: &S_CAPACITY_PROVIDER_NAME },
    ] },
    Op { name: "GetCodeSigningConfig", method: "GET", uri: "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", payload: Payload::Json, members: &[
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Path, required: true, shape: &S_CODE_SIGNING_CONFIG_ARN },
    ] },
    Op { name: "GetDurableExecution", method: "GET", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "IncludeExecutionData", wire: "IncludeExecutionData", loc: Query, required: false, shape: &S_INCLUDE_EXECUTION_DATA },
    ] },
    Op { name: "GetDurableExecutionHistory", method: "GET", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/history", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "IncludeExecutionData", wire: "IncludeExecutionData", loc: Query, required: false, shape: &S_INCLUDE_EXECUTION_DATA },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_ITEM_COUNT },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "ReverseOrder", wire: "ReverseOrder", loc: Query, required: false, shape: &S_REVERSE_ORDER },
    ] },
    Op { name: "GetDurableExecutionState", method: "GET", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/state", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "CheckpointToken", wire: "CheckpointToken", loc: Query, required: true, shape: &S_CHECKPOINT_TOKEN },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_ITEM_COUNT },
    ] },
    Op { name: "GetEventSourceMapping", method: "GET", uri: "/2015-03-31/event-source-mappings/{UUID}", payload: Payload::Json, members: &[
        Member { name: "UUID", wire: "UUID", loc: Path, required: true, shape: &S_UUID_STRING },
    ] },
    Op { name: "GetFunction", method: "GET", uri: "/2015-03-31/functions/{FunctionName}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "GetFunctionCodeSigningConfig", method: "GET", uri: "/2020-06-30/functions/{FunctionName}/code-signing-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
    ] },
    Op { name: "GetFunctionConcurrency", method: "GET", uri: "/2019-09-30/functions/{FunctionName}/concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
    ] },
    Op { name: "GetFunctionConfiguration", method: "GET", uri: "/2015-03-31/functions/{FunctionName}/configuration", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "GetFunctionEventInvokeConfig", method: "GET", uri: "/2019-09-25/functions/{FunctionName}/event-invoke-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "GetFunctionRecursionConfig", method: "GET", uri: "/2024-08-31/functions/{FunctionName}/recursion-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_UNQUALIFIED_FUNCTION_NAME },
    ] },
    Op { name: "GetFunctionScalingConfig", method: "GET", uri: "/2025-11-30/functions/{FunctionName}/function-scaling-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_UNQUALIFIED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: true, shape: &S_PUBLISHED_FUNCTION_QUALIFIER },
    ] },
    Op { name: "GetFunctionUrlConfig", method: "GET", uri: "/2021-10-31/functions/{FunctionName}/url", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_URL_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_FUNCTION_URL_QUALIFIER },
    ] },
    Op { name: "GetLayerVersion", method: "GET", uri: "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "VersionNumber", wire: "VersionNumber", loc: Path, required: true, shape: &S_LAYER_VERSION_NUMBER },
    ] },
    Op { name: "GetLayerVersionByArn", method: "GET", uri: "/2018-10-31/layers", payload: Payload::Json, members: &[
        Member { name: "Arn", wire: "Arn", loc: Query, required: true, shape: &S_LAYER_VERSION_ARN },
    ] },
    Op { name: "GetLayerVersionPolicy", method: "GET", uri: "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "VersionNumber", wire: "VersionNumber", loc: Path, required: true, shape: &S_LAYER_VERSION_NUMBER },
    ] },
    Op { name: "GetPolicy", method: "GET", uri: "/2015-03-31/functions/{FunctionName}/policy", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "GetProvisionedConcurrencyConfig", method: "GET", uri: "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: true, shape: &S_QUALIFIER },
    ] },
    Op { name: "GetResourcePolicy", method: "GET", uri: "/2026-07-09/resource-policy/{ResourceArn}", payload: Payload::Json, members: &[
        Member { name: "ResourceArn", wire: "ResourceArn", loc: Path, required: true, shape: &S_POLICY_RESOURCE_ARN },
    ] },
    Op { name: "GetRuntimeManagementConfig", method: "GET", uri: "/2021-07-20/functions/{FunctionName}/runtime-management-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
    ] },
    Op { name: "Invoke", method: "POST", uri: "/2015-03-31/functions/{FunctionName}/invocations", payload: Payload::Raw, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "InvocationType", wire: "X-Amz-Invocation-Type", loc: Header, required: false, shape: &S_INVOCATION_TYPE },
        Member { name: "LogType", wire: "X-Amz-Log-Type", loc: Header, required: false, shape: &S_LOG_TYPE },
        Member { name: "ClientContext", wire: "X-Amz-Client-Context", loc: Header, required: false, shape: &S_STRING },
        Member { name: "DurableExecutionName", wire: "X-Amz-Durable-Execution-Name", loc: Header, required: false, shape: &S_DURABLE_EXECUTION_NAME },
        Member { name: "Payload", wire: "Payload", loc: Body, required: false, shape: &S_BLOB },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "TenantId", wire: "X-Amz-Tenant-Id", loc: Header, required: false, shape: &S_TENANT_ID },
    ] },
    Op { name: "InvokeAsync", method: "POST", uri: "/2014-11-13/functions/{FunctionName}/invoke-async", payload: Payload::Raw, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "InvokeArgs", wire: "InvokeArgs", loc: Body, required: true, shape: &S_BLOB_STREAM },
    ] },
    Op { name: "InvokeWithResponseStream", method: "POST", uri: "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", payload: Payload::Raw, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "LogType", wire: "X-Amz-Log-Type", loc: Header, required: false, shape: &S_LOG_TYPE },
        Member { name: "ClientContext", wire: "X-Amz-Client-Context", loc: Header, required: false, shape: &S_STRING },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "Payload", wire: "Payload", loc: Body, required: false, shape: &S_BLOB },
        Member { name: "TenantId", wire: "X-Amz-Tenant-Id", loc: Header, required: false, shape: &S_TENANT_ID },
        Member { name: "InvocationType", wire: "X-Amz-Invocation-Type", loc: Header, required: false, shape: &S_RESPONSE_STREAMING_INVOCATION_TYPE },
    ] },
    Op { name: "ListAliases", method: "GET", uri: "/2015-03-31/functions/{FunctionName}/aliases", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "FunctionVersion", wire: "FunctionVersion", loc: Query, required: false, shape: &S_VERSION_WITH_LATEST_PUBLISHED },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "ListCapacityProviders", method: "GET", uri: "/2025-11-30/capacity-providers", payload: Payload::Json, members: &[
        Member { name: "State", wire: "State", loc: Query, required: false, shape: &S_CAPACITY_PROVIDER_STATE },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_FIFTY_LIST_ITEMS },
    ] },
    Op { name: "ListCodeSigningConfigs", method: "GET", uri: "/2020-04-22/code-signing-configs", payload: Payload::Json, members: &[
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "ListDurableExecutionsByFunction", method: "GET", uri: "/2025-12-01/functions/{FunctionName}/durable-executions", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "DurableExecutionName", wire: "DurableExecutionName", loc: Query, required: false, shape: &S_DURABLE_EXECUTION_NAME },
        Member { name: "Statuses", wire: "Statuses", loc: Query, required: false, shape: &S_EXECUTION_STATUS_LIST },
        Member { name: "StartedAfter", wire: "StartedAfter", loc: Query, required: false, shape: &S_EXECUTION_TIMESTAMP },
        Member { name: "StartedBefore", wire: "StartedBefore", loc: Query, required: false, shape: &S_EXECUTION_TIMESTAMP },
        Member { name: "ReverseOrder", wire: "ReverseOrder", loc: Query, required: false, shape: &S_REVERSE_ORDER },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_ITEM_COUNT },
    ] },
    Op { name: "ListEventSourceMappings", method: "GET", uri: "/2015-03-31/event-source-mappings", payload: Payload::Json, members: &[
        Member { name: "EventSourceArn", wire: "EventSourceArn", loc: Query, required: false, shape: &S_ARN },
        Member { name: "FunctionName", wire: "FunctionName", loc: Query, required: false, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "ListFunctionEventInvokeConfigs", method: "GET", uri: "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_FUNCTION_EVENT_INVOKE_CONFIG_LIST_ITEMS },
    ] },
    Op { name: "ListFunctionUrlConfigs", method: "GET", uri: "/2021-10-31/functions/{FunctionName}/urls", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_URL_FUNCTION_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_ITEMS },
    ] },
    Op { name: "ListFunctionVersionsByCapacityProvider", method: "GET", uri: "/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions", payload: Payload::Json, members: &[
        Member { name: "CapacityProviderName", wire: "CapacityProviderName", loc: Path, required: true, shape: &S_CAPACITY_PROVIDER_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_FIFTY_LIST_ITEMS },
    ] },
    Op { name: "ListFunctions", method: "GET", uri: "/2015-03-31/functions", payload: Payload::Json, members: &[
        Member { name: "MasterRegion", wire: "MasterRegion", loc: Query, required: false, shape: &S_MASTER_REGION },
        Member { name: "FunctionVersion", wire: "FunctionVersion", loc: Query, required: false, shape: &S_FUNCTION_VERSION },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "ListFunctionsByCodeSigningConfig", method: "GET", uri: "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions", payload: Payload::Json, members: &[
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Path, required: true, shape: &S_CODE_SIGNING_CONFIG_ARN },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "ListLayerVersions", method: "GET", uri: "/2018-10-31/layers/{LayerName}/versions", payload: Payload::Json, members: &[
        Member { name: "CompatibleArchitecture", wire: "CompatibleArchitecture", loc: Query, required: false, shape: &S_ARCHITECTURE },
        Member { name: "CompatibleRuntime", wire: "CompatibleRuntime", loc: Query, required: false, shape: &S_RUNTIME },
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LAYER_LIST_ITEMS },
    ] },
    Op { name: "ListLayers", method: "GET", uri: "/2018-10-31/layers", payload: Payload::Json, members: &[
        Member { name: "CompatibleArchitecture", wire: "CompatibleArchitecture", loc: Query, required: false, shape: &S_ARCHITECTURE },
        Member { name: "CompatibleRuntime", wire: "CompatibleRuntime", loc: Query, required: false, shape: &S_RUNTIME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LAYER_LIST_ITEMS },
    ] },
    Op { name: "ListProvisionedConcurrencyConfigs", method: "GET", uri: "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_PROVISIONED_CONCURRENCY_CONFIG_LIST_ITEMS },
    ] },
    Op { name: "ListTags", method: "GET", uri: "/2017-03-31/tags/{Resource}", payload: Payload::Json, members: &[
        Member { name: "Resource", wire: "Resource", loc: Path, required: true, shape: &S_TAGGABLE_RESOURCE },
    ] },
    Op { name: "ListVersionsByFunction", method: "GET", uri: "/2015-03-31/functions/{FunctionName}/versions", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Marker", wire: "Marker", loc: Query, required: false, shape: &S_STRING },
        Member { name: "MaxItems", wire: "MaxItems", loc: Query, required: false, shape: &S_MAX_LIST_ITEMS },
    ] },
    Op { name: "PauseDurableExecution", method: "POST", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/pause", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "ClientToken", wire: "ClientToken", loc: Body, required: false, shape: &S_CLIENT_TOKEN },
        Member { name: "Reason", wire: "Reason", loc: Body, required: false, shape: &S_PAUSE_REASON },
        Member { name: "ExecutionTimeoutPaused", wire: "ExecutionTimeoutPaused", loc: Body, required: false, shape: &S_EXECUTION_TIMEOUT_PAUSED },
    ] },
    Op { name: "PublishLayerVersion", method: "POST", uri: "/2018-10-31/layers/{LayerName}/versions", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "Content", wire: "Content", loc: Body, required: true, shape: &S_LAYER_VERSION_CONTENT_INPUT },
        Member { name: "CompatibleArchitectures", wire: "CompatibleArchitectures", loc: Body, required: false, shape: &S_COMPATIBLE_ARCHITECTURES },
        Member { name: "CompatibleRuntimes", wire: "CompatibleRuntimes", loc: Body, required: false, shape: &S_COMPATIBLE_RUNTIMES },
        Member { name: "LicenseInfo", wire: "LicenseInfo", loc: Body, required: false, shape: &S_LICENSE_INFO },
    ] },
    Op { name: "PublishVersion", method: "POST", uri: "/2015-03-31/functions/{FunctionName}/versions", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "CodeSha256", wire: "CodeSha256", loc: Body, required: false, shape: &S_STRING },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_STRING },
        Member { name: "PublishTo", wire: "PublishTo", loc: Body, required: false, shape: &S_FUNCTION_VERSION_LATEST_PUBLISHED },
    ] },
    Op { name: "PutFunctionCodeSigningConfig", method: "PUT", uri: "/2020-06-30/functions/{FunctionName}/code-signing-config", payload: Payload::Json, members: &[
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Body, required: true, shape: &S_CODE_SIGNING_CONFIG_ARN },
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
    ] },
    Op { name: "PutFunctionConcurrency", method: "PUT", uri: "/2017-10-31/functions/{FunctionName}/concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "ReservedConcurrentExecutions", wire: "ReservedConcurrentExecutions", loc: Body, required: true, shape: &S_RESERVED_CONCURRENT_EXECUTIONS },
    ] },
    Op { name: "PutFunctionEventInvokeConfig", method: "PUT", uri: "/2019-09-25/functions/{FunctionName}/event-invoke-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "MaximumRetryAttempts", wire: "MaximumRetryAttempts", loc: Body, required: false, shape: &S_MAXIMUM_RETRY_ATTEMPTS },
        Member { name: "MaximumEventAgeInSeconds", wire: "MaximumEventAgeInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_EVENT_AGE_IN_SECONDS },
        Member { name: "DestinationConfig", wire: "DestinationConfig", loc: Body, required: false, shape: &S_DESTINATION_CONFIG },
    ] },
    Op { name: "PutFunctionRecursionConfig", method: "PUT", uri: "/2024-08-31/functions/{FunctionName}/recursion-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_UNQUALIFIED_FUNCTION_NAME },
        Member { name: "RecursiveLoop", wire: "RecursiveLoop", loc: Body, required: true, shape: &S_RECURSIVE_LOOP },
    ] },
    Op { name: "PutFunctionScalingConfig", method: "PUT", uri: "/2025-11-30/functions/{FunctionName}/function-scaling-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_UNQUALIFIED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: true, shape: &S_PUBLISHED_FUNCTION_QUALIFIER },
        Member { name: "FunctionScalingConfig", wire: "FunctionScalingConfig", loc: Body, required: false, shape: &S_FUNCTION_SCALING_CONFIG },
    ] },
    Op { name: "PutProvisionedConcurrencyConfig", method: "PUT", uri: "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: true, shape: &S_QUALIFIER },
        Member { name: "ProvisionedConcurrentExecutions", wire: "ProvisionedConcurrentExecutions", loc: Body, required: true, shape: &S_POSITIVE_INTEGER },
    ] },
    Op { name: "PutResourcePolicy", method: "PUT", uri: "/2026-07-09/resource-policy/{ResourceArn}", payload: Payload::Json, members: &[
        Member { name: "ResourceArn", wire: "ResourceArn", loc: Path, required: true, shape: &S_POLICY_RESOURCE_ARN },
        Member { name: "Policy", wire: "Policy", loc: Body, required: true, shape: &S_RESOURCE_POLICY },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_REVISION_ID },
    ] },
    Op { name: "PutRuntimeManagementConfig", method: "PUT", uri: "/2021-07-20/functions/{FunctionName}/runtime-management-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "UpdateRuntimeOn", wire: "UpdateRuntimeOn", loc: Body, required: true, shape: &S_UPDATE_RUNTIME_ON },
        Member { name: "RuntimeVersionArn", wire: "RuntimeVersionArn", loc: Body, required: false, shape: &S_RUNTIME_VERSION_ARN },
    ] },
    Op { name: "RemoveLayerVersionPermission", method: "DELETE", uri: "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}", payload: Payload::Json, members: &[
        Member { name: "LayerName", wire: "LayerName", loc: Path, required: true, shape: &S_LAYER_NAME_OR_ARN },
        Member { name: "VersionNumber", wire: "VersionNumber", loc: Path, required: true, shape: &S_LAYER_VERSION_NUMBER },
        Member { name: "StatementId", wire: "StatementId", loc: Path, required: true, shape: &S_STATEMENT_ID },
        Member { name: "RevisionId", wire: "RevisionId", loc: Query, required: false, shape: &S_STRING },
    ] },
    Op { name: "RemovePermission", method: "DELETE", uri: "/2015-03-31/functions/{FunctionName}/policy/{StatementId}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "StatementId", wire: "StatementId", loc: Path, required: true, shape: &S_NAMESPACED_STATEMENT_ID },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "RevisionId", wire: "RevisionId", loc: Query, required: false, shape: &S_STRING },
    ] },
    Op { name: "ResumeDurableExecution", method: "POST", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/resume", payload: Payload::Json, members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "ClientToken", wire: "ClientToken", loc: Body, required: false, shape: &S_CLIENT_TOKEN },
        Member { name: "Reason", wire: "Reason", loc: Body, required: false, shape: &S_RESUME_REASON },
    ] },
    Op { name: "SendDurableExecutionCallbackFailure", method: "POST", uri: "/2025-12-01/durable-execution-callbacks/{CallbackId}/fail", payload: Payload::Struct("Error"), members: &[
        Member { name: "CallbackId", wire: "CallbackId", loc: Path, required: true, shape: &S_CALLBACK_ID },
        Member { name: "Error", wire: "Error", loc: Body, required: false, shape: &S_ERROR_OBJECT },
    ] },
    Op { name: "SendDurableExecutionCallbackHeartbeat", method: "POST", uri: "/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat", payload: Payload::Json, members: &[
        Member { name: "CallbackId", wire: "CallbackId", loc: Path, required: true, shape: &S_CALLBACK_ID },
    ] },
    Op { name: "SendDurableExecutionCallbackSuccess", method: "POST", uri: "/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed", payload: Payload::Raw, members: &[
        Member { name: "CallbackId", wire: "CallbackId", loc: Path, required: true, shape: &S_CALLBACK_ID },
        Member { name: "Result", wire: "Result", loc: Body, required: false, shape: &S_BINARY_OPERATION_PAYLOAD },
    ] },
    Op { name: "StopDurableExecution", method: "POST", uri: "/2025-12-01/durable-executions/{DurableExecutionArn}/stop", payload: Payload::Struct("Error"), members: &[
        Member { name: "DurableExecutionArn", wire: "DurableExecutionArn", loc: Path, required: true, shape: &S_DURABLE_EXECUTION_ARN },
        Member { name: "Error", wire: "Error", loc: Body, required: false, shape: &S_ERROR_OBJECT },
    ] },
    Op { name: "TagResource", method: "POST", uri: "/2017-03-31/tags/{Resource}", payload: Payload::Json, members: &[
        Member { name: "Resource", wire: "Resource", loc: Path, required: true, shape: &S_TAGGABLE_RESOURCE },
        Member { name: "Tags", wire: "Tags", loc: Body, required: true, shape: &S_TAGS },
    ] },
    Op { name: "UntagResource", method: "DELETE", uri: "/2017-03-31/tags/{Resource}", payload: Payload::Json, members: &[
        Member { name: "Resource", wire: "Resource", loc: Path, required: true, shape: &S_TAGGABLE_RESOURCE },
        Member { name: "TagKeys", wire: "tagKeys", loc: Query, required: true, shape: &S_TAG_KEY_LIST },
    ] },
    Op { name: "UpdateAlias", method: "PUT", uri: "/2015-03-31/functions/{FunctionName}/aliases/{Name}", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Name", wire: "Name", loc: Path, required: true, shape: &S_ALIAS },
        Member { name: "FunctionVersion", wire: "FunctionVersion", loc: Body, required: false, shape: &S_VERSION_WITH_LATEST_PUBLISHED },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "RoutingConfig", wire: "RoutingConfig", loc: Body, required: false, shape: &S_ALIAS_ROUTING_CONFIGURATION },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_STRING },
    ] },
    Op { name: "UpdateCapacityProvider", method: "PUT", uri: "/2025-11-30/capacity-providers/{CapacityProviderName}", payload: Payload::Json, members: &[
        Member { name: "CapacityProviderName", wire: "CapacityProviderName", loc: Path, required: true, shape: &S_CAPACITY_PROVIDER_NAME },
        Member { name: "CapacityProviderScalingConfig", wire: "CapacityProviderScalingConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_SCALING_CONFIG },
        Member { name: "PropagateTags", wire: "PropagateTags", loc: Body, required: false, shape: &S_PROPAGATE_TAGS },
        Member { name: "TelemetryConfig", wire: "TelemetryConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_TELEMETRY_CONFIG },
    ] },
    Op { name: "UpdateCodeSigningConfig", method: "PUT", uri: "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", payload: Payload::Json, members: &[
        Member { name: "CodeSigningConfigArn", wire: "CodeSigningConfigArn", loc: Path, required: true, shape: &S_CODE_SIGNING_CONFIG_ARN },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "AllowedPublishers", wire: "AllowedPublishers", loc: Body, required: false, shape: &S_ALLOWED_PUBLISHERS },
        Member { name: "CodeSigningPolicies", wire: "CodeSigningPolicies", loc: Body, required: false, shape: &S_CODE_SIGNING_POLICIES },
    ] },
    Op { name: "UpdateEventSourceMapping", method: "PUT", uri: "/2015-03-31/event-source-mappings/{UUID}", payload: Payload::Json, members: &[
        Member { name: "UUID", wire: "UUID", loc: Path, required: true, shape: &S_UUID_STRING },
        Member { name: "FunctionName", wire: "FunctionName", loc: Body, required: false, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Enabled", wire: "Enabled", loc: Body, required: false, shape: &S_ENABLED },
        Member { name: "BatchSize", wire: "BatchSize", loc: Body, required: false, shape: &S_BATCH_SIZE },
        Member { name: "FilterCriteria", wire: "FilterCriteria", loc: Body, required: false, shape: &S_FILTER_CRITERIA },
        Member { name: "KMSKeyArn", wire: "KMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
        Member { name: "MetricsConfig", wire: "MetricsConfig", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_METRICS_CONFIG },
        Member { name: "LoggingConfig", wire: "LoggingConfig", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_LOGGING_CONFIG },
        Member { name: "ScalingConfig", wire: "ScalingConfig", loc: Body, required: false, shape: &S_SCALING_CONFIG },
        Member { name: "MaximumBatchingWindowInSeconds", wire: "MaximumBatchingWindowInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_BATCHING_WINDOW_IN_SECONDS },
        Member { name: "ParallelizationFactor", wire: "ParallelizationFactor", loc: Body, required: false, shape: &S_PARALLELIZATION_FACTOR },
        Member { name: "DestinationConfig", wire: "DestinationConfig", loc: Body, required: false, shape: &S_DESTINATION_CONFIG },
        Member { name: "MaximumRecordAgeInSeconds", wire: "MaximumRecordAgeInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_RECORD_AGE_IN_SECONDS },
        Member { name: "BisectBatchOnFunctionError", wire: "BisectBatchOnFunctionError", loc: Body, required: false, shape: &S_BISECT_BATCH_ON_FUNCTION_ERROR },
        Member { name: "MaximumRetryAttempts", wire: "MaximumRetryAttempts", loc: Body, required: false, shape: &S_MAXIMUM_RETRY_ATTEMPTS_EVENT_SOURCE_MAPPING },
        Member { name: "TumblingWindowInSeconds", wire: "TumblingWindowInSeconds", loc: Body, required: false, shape: &S_TUMBLING_WINDOW_IN_SECONDS },
        Member { name: "SourceAccessConfigurations", wire: "SourceAccessConfigurations", loc: Body, required: false, shape: &S_SOURCE_ACCESS_CONFIGURATIONS },
        Member { name: "FunctionResponseTypes", wire: "FunctionResponseTypes", loc: Body, required: false, shape: &S_FUNCTION_RESPONSE_TYPE_LIST },
        Member { name: "AmazonManagedKafkaEventSourceConfig", wire: "AmazonManagedKafkaEventSourceConfig", loc: Body, required: false, shape: &S_AMAZON_MANAGED_KAFKA_EVENT_SOURCE_CONFIG },
        Member { name: "SelfManagedKafkaEventSourceConfig", wire: "SelfManagedKafkaEventSourceConfig", loc: Body, required: false, shape: &S_SELF_MANAGED_KAFKA_EVENT_SOURCE_CONFIG },
        Member { name: "DocumentDBEventSourceConfig", wire: "DocumentDBEventSourceConfig", loc: Body, required: false, shape: &S_DOCUMENT_DB_EVENT_SOURCE_CONFIG },
        Member { name: "ProvisionedPollerConfig", wire: "ProvisionedPollerConfig", loc: Body, required: false, shape: &S_PROVISIONED_POLLER_CONFIG },
    ] },
    Op { name: "UpdateFunctionCode", method: "PUT", uri: "/2015-03-31/functions/{FunctionName}/code", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "ZipFile", wire: "ZipFile", loc: Body, required: false, shape: &S_BLOB },
        Member { name: "S3Bucket", wire: "S3Bucket", loc: Body, required: false, shape: &S_S3_BUCKET },
        Member { name: "S3Key", wire: "S3Key", loc: Body, required: false, shape: &S_S3_KEY },
        Member { name: "S3ObjectVersion", wire: "S3ObjectVersion", loc: Body, required: false, shape: &S_S3_OBJECT_VERSION },
        Member { name: "S3ObjectStorageMode", wire: "S3ObjectStorageMode", loc: Body, required: false, shape: &S_S3_OBJECT_STORAGE_MODE },
        Member { name: "ImageUri", wire: "ImageUri", loc: Body, required: false, shape: &S_STRING },
        Member { name: "Architectures", wire: "Architectures", loc: Body, required: false, shape: &S_ARCHITECTURES_LIST },
        Member { name: "Publish", wire: "Publish", loc: Body, required: false, shape: &S_BOOLEAN },
        Member { name: "PublishTo", wire: "PublishTo", loc: Body, required: false, shape: &S_FUNCTION_VERSION_LATEST_PUBLISHED },
        Member { name: "DryRun", wire: "DryRun", loc: Body, required: false, shape: &S_BOOLEAN },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_STRING },
        Member { name: "SourceKMSKeyArn", wire: "SourceKMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
    ] },
    Op { name: "UpdateFunctionConfiguration", method: "PUT", uri: "/2015-03-31/functions/{FunctionName}/configuration", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_NAME },
        Member { name: "Role", wire: "Role", loc: Body, required: false, shape: &S_ROLE_ARN },
        Member { name: "Handler", wire: "Handler", loc: Body, required: false, shape: &S_HANDLER },
        Member { name: "Description", wire: "Description", loc: Body, required: false, shape: &S_DESCRIPTION },
        Member { name: "Timeout", wire: "Timeout", loc: Body, required: false, shape: &S_TIMEOUT },
        Member { name: "MemorySize", wire: "MemorySize", loc: Body, required: false, shape: &S_MEMORY_SIZE },
        Member { name: "VpcConfig", wire: "VpcConfig", loc: Body, required: false, shape: &S_VPC_CONFIG },
        Member { name: "Environment", wire: "Environment", loc: Body, required: false, shape: &S_ENVIRONMENT },
        Member { name: "Runtime", wire: "Runtime", loc: Body, required: false, shape: &S_RUNTIME },
        Member { name: "DeadLetterConfig", wire: "DeadLetterConfig", loc: Body, required: false, shape: &S_DEAD_LETTER_CONFIG },
        Member { name: "KMSKeyArn", wire: "KMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
        Member { name: "TracingConfig", wire: "TracingConfig", loc: Body, required: false, shape: &S_TRACING_CONFIG },
        Member { name: "RevisionId", wire: "RevisionId", loc: Body, required: false, shape: &S_STRING },
        Member { name: "Layers", wire: "Layers", loc: Body, required: false, shape: &S_LAYER_LIST },
        Member { name: "FileSystemConfigs", wire: "FileSystemConfigs", loc: Body, required: false, shape: &S_FILE_SYSTEM_CONFIG_LIST },
        Member { name: "ImageConfig", wire: "ImageConfig", loc: Body, required: false, shape: &S_IMAGE_CONFIG },
        Member { name: "EphemeralStorage", wire: "EphemeralStorage", loc: Body, required: false, shape: &S_EPHEMERAL_STORAGE },
        Member { name: "SnapStart", wire: "SnapStart", loc: Body, required: false, shape: &S_SNAP_START },
        Member { name: "LoggingConfig", wire: "LoggingConfig", loc: Body, required: false, shape: &S_LOGGING_CONFIG },
        Member { name: "CapacityProviderConfig", wire: "CapacityProviderConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_CONFIG },
        Member { name: "DurableConfig", wire: "DurableConfig", loc: Body, required: false, shape: &S_DURABLE_CONFIG },
        Member { name: "RuntimeConfig", wire: "RuntimeConfig", loc: Body, required: false, shape: &S_FUNCTION_RUNTIME_CONFIG },
        Member { name: "AcceleratorConfig", wire: "AcceleratorConfig", loc: Body, required: false, shape: &S_ACCELERATOR_CONFIG },
    ] },
    Op { name: "UpdateFunctionEventInvokeConfig", method: "POST", uri: "/2019-09-25/functions/{FunctionName}/event-invoke-config", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER },
        Member { name: "MaximumRetryAttempts", wire: "MaximumRetryAttempts", loc: Body, required: false, shape: &S_MAXIMUM_RETRY_ATTEMPTS },
        Member { name: "MaximumEventAgeInSeconds", wire: "MaximumEventAgeInSeconds", loc: Body, required: false, shape: &S_MAXIMUM_EVENT_AGE_IN_SECONDS },
        Member { name: "DestinationConfig", wire: "DestinationConfig", loc: Body, required: false, shape: &S_DESTINATION_CONFIG },
    ] },
    Op { name: "UpdateFunctionUrlConfig", method: "PUT", uri: "/2021-10-31/functions/{FunctionName}/url", payload: Payload::Json, members: &[
        Member { name: "FunctionName", wire: "FunctionName", loc: Path, required: true, shape: &S_FUNCTION_URL_FUNCTION_NAME },
        Member { name: "Qualifier", wire: "Qualifier", loc: Query, required: false, shape: &S_FUNCTION_URL_QUALIFIER },
        Member { name: "AuthType", wire: "AuthType", loc: Body, required: false, shape: &S_FUNCTION_URL_AUTH_TYPE },
        Member { name: "Cors", wire: "Cors", loc: Body, required: false, shape: &S_CORS },
        Member { name: "InvokeMode", wire: "InvokeMode", loc: Body, required: false, shape: &S_INVOKE_MODE },
    ] },
];

static P0: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]{1,140}|[a-zA-Z0-9-_]{1,140})");
static P1: Pattern = Pattern::new("([a-zA-Z0-9-_]+)");
static P2: Pattern = Pattern::new("lambda:GetLayerVersion");
static P3: Pattern = Pattern::new("\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root");
static P4: Pattern = Pattern::new("o-[a-z0-9]{10,32}");
static P5: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?");
static P6: Pattern = Pattern::new("(lambda:[*]|lambda:[a-zA-Z]+|[*])");
static P7: Pattern = Pattern::new("[^\\s]+");
static P8: Pattern = Pattern::new("arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)");
static P9: Pattern = Pattern::new("\\d{12}");
static P10: Pattern = Pattern::new("[a-zA-Z0-9._\\-]+");
static P11: Pattern = Pattern::new("\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+");
static P12: Pattern = Pattern::new("arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):function:([a-zA-Z0-9_-]+):(\\$LATEST(?:\\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)");
static P13: Pattern = Pattern::new("[A-Za-z0-9+/]+={0,2}");
static P14: Pattern = Pattern::new("[a-zA-Z0-9-_]+");
static P15: Pattern = Pattern::new("[\\x20-\\x7E]+");
static P16: Pattern = Pattern::new("[a-zA-Z0-9\\._:\\/=+\\-@ ]+");
static P17: Pattern = Pattern::new("[\\x21-\\x7E]+");
static P18: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
static P19: Pattern = Pattern::new("(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
static P20: Pattern = Pattern::new("(\\$LATEST(\\.PUBLISHED)?|[0-9]+)");
static P21: Pattern = Pattern::new("[0-9]+");
static P22: Pattern = Pattern::new("(arn:aws[a-zA-Z-]*:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:capacity-provider:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+");
static P23: Pattern = Pattern::new("subnet-[0-9a-z]*");
static P24: Pattern = Pattern::new("sg-[0-9a-zA-Z]*");
static P25: Pattern = Pattern::new("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
static P26: Pattern = Pattern::new("[a-zA-Z0-9\\.\\*\\-]+");
static P27: Pattern = Pattern::new("arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*");
static P28: Pattern = Pattern::new("([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)");
static P29: Pattern = Pattern::new("[\\.\\-_/#A-Za-z0-9]+");
static P30: Pattern = Pattern::new("[\\s\\S]*");
static P31: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
static P32: Pattern = Pattern::new("$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)");
static P33: Pattern = Pattern::new("[^.]([a-zA-Z0-9\\-_.]+)");
static P34: Pattern = Pattern::new("[ a-zA-Z0-9-\\/*:_+=.@-]*");
static P35: Pattern = Pattern::new("(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9]):[0-9]{1,5}");
static P36: Pattern = Pattern::new("[a-zA-Z0-9-\\/*:_+=.@-]*");
static P37: Pattern = Pattern::new("[^ /\\.$\\x22]*");
static P38: Pattern = Pattern::new("(^(?!(system\\x2e)))(^[_a-zA-Z0-9])([^$]*)");
static P39: Pattern = Pattern::new("[a-zA-Z0-9-_]*");
static P40: Pattern = Pattern::new("[0-9A-Za-z\\.\\-_]*(?<!\\.)");
static P41: Pattern = Pattern::new(".*");
static P42: Pattern = Pattern::new("[a-zA-Z]([a-zA-Z0-9_])+");
static P43: Pattern = Pattern::new("((arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+))");
static P44: Pattern = Pattern::new("arn:aws[a-zA-Z-]*:elasticfilesystem:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:access-point/fsap-[a-f0-9]{17}$|^arn:aws[-a-z]*:s3files:[0-9a-z-:]+:file-system/fs-[0-9a-f]{17,40}/access-point/fsap-[0-9a-f]{17,40}");
static P45: Pattern = Pattern::new("/mnt/[a-zA-Z0-9-_.]+");
static P46: Pattern = Pattern::new("arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}");
static P47: Pattern = Pattern::new("arn:aws[a-zA-Z-]*:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:capacity-provider:[a-zA-Z0-9-_]+");
static P48: Pattern = Pattern::new("arn:[a-z-]+:lambda:[a-z0-9-]+:\\d{12}:runtime/.+");
static P49: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]{1,64})(:((?!\\d+$)[0-9a-zA-Z-_]+))?");
static P50: Pattern = Pattern::new("((?!^\\d+$)^[0-9a-zA-Z-_]+$)");
static P51: Pattern = Pattern::new("(|[a-zA-Z0-9$_-]+)");
static P52: Pattern = Pattern::new("arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_])+)?|runtime/[a-zA-Z0-9-_./]+)");
static P53: Pattern = Pattern::new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
static P54: Pattern = Pattern::new("(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)");
static P55: Pattern = Pattern::new("(\\$LATEST\\.PUBLISHED|[0-9]+)");
static P56: Pattern = Pattern::new("ALL|(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}");
static P57: Pattern = Pattern::new("arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(capacity-provider|network-connector):[a-zA-Z0-9-_]{1,64})");
static P58: Pattern = Pattern::new("[\\s\\S]+");
static P59: Pattern = Pattern::new("((arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}::runtime:.+)|(arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:runtime/[A-Za-z0-9_.-]{1,128}/version/[A-Za-z0-9_.-]{1,128}))");
static P60: Pattern = Pattern::new("([a-zA-Z0-9-_.]+)");

static S_ACCELERATOR_CONFIG: Shape = Shape { name: "AcceleratorConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "AcceleratorMemorySize", wire: "AcceleratorMemorySize", loc: Body, required: true, shape: &S_ACCELERATOR_MEMORY_GB },
    ]) };
static S_ACCELERATOR_MEMORY_GB: Shape = Shape { name: "AcceleratorMemoryGB", type_name: "integer", sensitive: false, kind: Int { min: None, max: None } };
static S_ACTION: Shape = Shape { name: "Action", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P6), enums: &[] } };
static S_ADDITIONAL_VERSION: Shape = Shape { name: "AdditionalVersion", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P21), enums: &[] } };
static S_ADDITIONAL_VERSION_WEIGHTS: Shape = Shape { name: "AdditionalVersionWeights", type_name: "map", sensitive: false, kind: Map { min: None, max: None, key: &S_ADDITIONAL_VERSION, value: &S_WEIGHT } };
static S_ALIAS: Shape = Shape { name: "Alias", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P19), enums: &[] } };
static S_ALIAS_ROUTING_CONFIGURATION: Shape = Shape { name: "AliasRoutingConfiguration", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "AdditionalVersionWeights", wire: "AdditionalVersionWeights", loc: Body, required: false, shape: &S_ADDITIONAL_VERSION_WEIGHTS },
    ]) };
static S_ALLOW_CREDENTIALS: Shape = Shape { name: "AllowCredentials", type_name: "boolean", sensitive: false, kind: Other };
static S_ALLOW_METHODS_LIST: Shape = Shape { name: "AllowMethodsList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(6), member: &S_METHOD } };
static S_ALLOW_ORIGINS_LIST: Shape = Shape { name: "AllowOriginsList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(100), member: &S_ORIGIN } };
static S_ALLOWED_PUBLISHERS: Shape = Shape { name: "AllowedPublishers", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SigningProfileVersionArns", wire: "SigningProfileVersionArns", loc: Body, required: true, shape: &S_SIGNING_PROFILE_VERSION_ARNS },
    ]) };
static S_AMAZON_MANAGED_KAFKA_EVENT_SOURCE_CONFIG: Shape = Shape { name: "AmazonManagedKafkaEventSourceConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ConsumerGroupId", wire: "ConsumerGroupId", loc: Body, required: false, shape: &S_URI },
        Member { name: "SchemaRegistryConfig", wire: "SchemaRegistryConfig", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_REGISTRY_CONFIG },
    ]) };
static S_APPLICATION_LOG_LEVEL: Shape = Shape { name: "ApplicationLogLevel", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] } };
static S_ARCHITECTURE: Shape = Shape { name: "Architecture", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["x86_64", "arm64"] } };
static S_ARCHITECTURES_LIST: Shape = Shape { name: "ArchitecturesList", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(1), member: &S_ARCHITECTURE } };
static S_ARN: Shape = Shape { name: "Arn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P8), enums: &[] } };
static S_BATCH_SIZE: Shape = Shape { name: "BatchSize", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(10000) } };
static S_BINARY_OPERATION_PAYLOAD: Shape = Shape { name: "BinaryOperationPayload", type_name: "blob", sensitive: true, kind: Blob { min: Some(0), max: Some(1048576) } };
static S_BISECT_BATCH_ON_FUNCTION_ERROR: Shape = Shape { name: "BisectBatchOnFunctionError", type_name: "boolean", sensitive: false, kind: Other };
static S_BLOB: Shape = Shape { name: "Blob", type_name: "blob", sensitive: true, kind: Blob { min: None, max: None } };
static S_BLOB_STREAM: Shape = Shape { name: "BlobStream", type_name: "blob", sensitive: false, kind: Blob { min: None, max: None } };
static S_BOOLEAN: Shape = Shape { name: "Boolean", type_name: "boolean", sensitive: false, kind: Other };
static S_CALLBACK_ID: Shape = Shape { name: "CallbackId", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P13), enums: &[] } };
static S_CALLBACK_OPTIONS: Shape = Shape { name: "CallbackOptions", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "TimeoutSeconds", wire: "TimeoutSeconds", loc: Body, required: false, shape: &S_CALLBACK_OPTIONS_TIMEOUT_SECONDS_INTEGER },
        Member { name: "HeartbeatTimeoutSeconds", wire: "HeartbeatTimeoutSeconds", loc: Body, required: false, shape: &S_CALLBACK_OPTIONS_HEARTBEAT_TIMEOUT_SECONDS_INTEGER },
    ]) };
static S_CALLBACK_OPTIONS_HEARTBEAT_TIMEOUT_SECONDS_INTEGER: Shape = Shape { name: "CallbackOptionsHeartbeatTimeoutSecondsInteger", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(99999999) } };
static S_CALLBACK_OPTIONS_TIMEOUT_SECONDS_INTEGER: Shape = Shape { name: "CallbackOptionsTimeoutSecondsInteger", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(99999999) } };
static S_CAPACITY_PROVIDER_ARN: Shape = Shape { name: "CapacityProviderArn", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(140), pattern: Some(&P47), enums: &[] } };
static S_CAPACITY_PROVIDER_CONFIG: Shape = Shape { name: "CapacityProviderConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "LambdaManagedInstancesCapacityProviderConfig", wire: "LambdaManagedInstancesCapacityProviderConfig", loc: Body, required: true, shape: &S_LAMBDA_MANAGED_INSTANCES_CAPACITY_PROVIDER_CONFIG },
    ]) };
static S_CAPACITY_PROVIDER_LOGGING_CONFIG: Shape = Shape { name: "CapacityProviderLoggingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SystemLogLevel", wire: "SystemLogLevel", loc: Body, required: false, shape: &S_SYSTEM_LOG_LEVEL },
        Member { name: "LogGroup", wire: "LogGroup", loc: Body, required: false, shape: &S_LOG_GROUP },
    ]) };
static S_CAPACITY_PROVIDER_MAX_V_CPU_COUNT: Shape = Shape { name: "CapacityProviderMaxVCpuCount", type_name: "integer", sensitive: false, kind: Int { min: Some(2), max: Some(15000) } };
static S_CAPACITY_PROVIDER_NAME: Shape = Shape { name: "CapacityProviderName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(140), pattern: Some(&P22), enums: &[] } };
static S_CAPACITY_PROVIDER_PERMISSIONS_CONFIG: Shape = Shape { name: "CapacityProviderPermissionsConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "CapacityProviderOperatorRoleArn", wire: "CapacityProviderOperatorRoleArn", loc: Body, required: true, shape: &S_ROLE_ARN },
    ]) };
static S_CAPACITY_PROVIDER_PREDEFINED_METRIC_TYPE: Shape = Shape { name: "CapacityProviderPredefinedMetricType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["LambdaCapacityProviderAverageCPUUtilization", "LambdaCapacityProviderAverageGPUUtilization"] } };
static S_CAPACITY_PROVIDER_SCALING_CONFIG: Shape = Shape { name: "CapacityProviderScalingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "MaxVCpuCount", wire: "MaxVCpuCount", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_MAX_V_CPU_COUNT },
        Member { name: "ScalingMode", wire: "ScalingMode", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_SCALING_MODE },
        Member { name: "ScalingPolicies", wire: "ScalingPolicies", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_SCALING_POLICIES_LIST },
    ]) };
static S_CAPACITY_PROVIDER_SCALING_MODE: Shape = Shape { name: "CapacityProviderScalingMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Auto", "Manual"] } };
static S_CAPACITY_PROVIDER_SCALING_POLICIES_LIST: Shape = Shape { name: "CapacityProviderScalingPoliciesList", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(10), member: &S_TARGET_TRACKING_SCALING_POLICY } };
static S_CAPACITY_PROVIDER_SECURITY_GROUP_IDS: Shape = Shape { name: "CapacityProviderSecurityGroupIds", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(5), member: &S_SECURITY_GROUP_ID } };
static S_CAPACITY_PROVIDER_STATE: Shape = Shape { name: "CapacityProviderState", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Pending", "Active", "Failed", "Deleting"] } };
static S_CAPACITY_PROVIDER_SUBNET_IDS: Shape = Shape { name: "CapacityProviderSubnetIds", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(16), member: &S_SUBNET_ID } };
static S_CAPACITY_PROVIDER_TELEMETRY_CONFIG: Shape = Shape { name: "CapacityProviderTelemetryConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "LoggingConfig", wire: "LoggingConfig", loc: Body, required: false, shape: &S_CAPACITY_PROVIDER_LOGGING_CONFIG },
    ]) };
static S_CAPACITY_PROVIDER_VPC_CONFIG: Shape = Shape { name: "CapacityProviderVpcConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SubnetIds", wire: "SubnetIds", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_SUBNET_IDS },
        Member { name: "SecurityGroupIds", wire: "SecurityGroupIds", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_SECURITY_GROUP_IDS },
    ]) };
static S_CHAINED_INVOKE_OPTIONS: Shape = Shape { name: "ChainedInvokeOptions", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "FunctionName", wire: "FunctionName", loc: Body, required: true, shape: &S_NAMESPACED_FUNCTION_NAME },
        Member { name: "TenantId", wire: "TenantId", loc: Body, required: false, shape: &S_TENANT_ID },
        Member { name: "XAmznTraceId", wire: "XAmznTraceId", loc: Body, required: false, shape: &S_X_AMZN_TRACE_ID },
    ]) };
static S_CHECKPOINT_TOKEN: Shape = Shape { name: "CheckpointToken", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(2048), pattern: Some(&P13), enums: &[] } };
static S_CLIENT_TOKEN: Shape = Shape { name: "ClientToken", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(64), pattern: Some(&P17), enums: &[] } };
static S_CODE_SIGNING_CONFIG_ARN: Shape = Shape { name: "CodeSigningConfigArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(200), pattern: Some(&P46), enums: &[] } };
static S_CODE_SIGNING_POLICIES: Shape = Shape { name: "CodeSigningPolicies", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "UntrustedArtifactOnDeployment", wire: "UntrustedArtifactOnDeployment", loc: Body, required: false, shape: &S_CODE_SIGNING_POLICY },
    ]) };
static S_CODE_SIGNING_POLICY: Shape = Shape { name: "CodeSigningPolicy", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Warn", "Enforce"] } };
static S_COLLECTION_NAME: Shape = Shape { name: "CollectionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(57), pattern: Some(&P38), enums: &[] } };
static S_COMPATIBLE_ARCHITECTURES: Shape = Shape { name: "CompatibleArchitectures", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(2), member: &S_ARCHITECTURE } };
static S_COMPATIBLE_RUNTIMES: Shape = Shape { name: "CompatibleRuntimes", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(15), member: &S_RUNTIME } };
static S_CONTEXT_OPTIONS: Shape = Shape { name: "ContextOptions", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ReplayChildren", wire: "ReplayChildren", loc: Body, required: false, shape: &S_REPLAY_CHILDREN },
    ]) };
static S_CORS: Shape = Shape { name: "Cors", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "AllowCredentials", wire: "AllowCredentials", loc: Body, required: false, shape: &S_ALLOW_CREDENTIALS },
        Member { name: "AllowHeaders", wire: "AllowHeaders", loc: Body, required: false, shape: &S_HEADERS_LIST },
        Member { name: "AllowMethods", wire: "AllowMethods", loc: Body, required: false, shape: &S_ALLOW_METHODS_LIST },
        Member { name: "AllowOrigins", wire: "AllowOrigins", loc: Body, required: false, shape: &S_ALLOW_ORIGINS_LIST },
        Member { name: "ExposeHeaders", wire: "ExposeHeaders", loc: Body, required: false, shape: &S_HEADERS_LIST },
        Member { name: "MaxAge", wire: "MaxAge", loc: Body, required: false, shape: &S_MAX_AGE },
    ]) };
static S_DATABASE_NAME: Shape = Shape { name: "DatabaseName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(63), pattern: Some(&P37), enums: &[] } };
static S_DATE: Shape = Shape { name: "Date", type_name: "timestamp", sensitive: false, kind: Other };
static S_DEAD_LETTER_CONFIG: Shape = Shape { name: "DeadLetterConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "TargetArn", wire: "TargetArn", loc: Body, required: false, shape: &S_RESOURCE_ARN },
    ]) };
static S_DESCRIPTION: Shape = Shape { name: "Description", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(256), pattern: None, enums: &[] } };
static S_DESTINATION_ARN: Shape = Shape { name: "DestinationArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(350), pattern: Some(&P32), enums: &[] } };
static S_DESTINATION_CONFIG: Shape = Shape { name: "DestinationConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "OnSuccess", wire: "OnSuccess", loc: Body, required: false, shape: &S_ON_SUCCESS },
        Member { name: "OnFailure", wire: "OnFailure", loc: Body, required: false, shape: &S_ON_FAILURE },
    ]) };
static S_DIRECT_S3_READ: Shape = Shape { name: "DirectS3Read", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["ENABLED", "DISABLED", "AUTO"] } };
static S_DOCUMENT_DB_EVENT_SOURCE_CONFIG: Shape = Shape { name: "DocumentDBEventSourceConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "DatabaseName", wire: "DatabaseName", loc: Body, required: false, shape: &S_DATABASE_NAME },
        Member { name: "CollectionName", wire: "CollectionName", loc: Body, required: false, shape: &S_COLLECTION_NAME },
        Member { name: "FullDocument", wire: "FullDocument", loc: Body, required: false, shape: &S_FULL_DOCUMENT },
    ]) };
static S_DURABLE_CONFIG: Shape = Shape { name: "DurableConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "KMSKeyArn", wire: "KMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
        Member { name: "RetentionPeriodInDays", wire: "RetentionPeriodInDays", loc: Body, required: false, shape: &S_RETENTION_PERIOD_IN_DAYS },
        Member { name: "ExecutionTimeout", wire: "ExecutionTimeout", loc: Body, required: false, shape: &S_EXECUTION_TIMEOUT },
    ]) };
static S_DURABLE_EXECUTION_ARN: Shape = Shape { name: "DurableExecutionArn", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P12), enums: &[] } };
static S_DURABLE_EXECUTION_NAME: Shape = Shape { name: "DurableExecutionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(64), pattern: Some(&P14), enums: &[] } };
static S_ENABLED: Shape = Shape { name: "Enabled", type_name: "boolean", sensitive: false, kind: Other };
static S_END_POINT_TYPE: Shape = Shape { name: "EndPointType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["KAFKA_BOOTSTRAP_SERVERS"] } };
static S_ENDPOINT: Shape = Shape { name: "Endpoint", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(300), pattern: Some(&P35), enums: &[] } };
static S_ENDPOINT_LISTS: Shape = Shape { name: "EndpointLists", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(10), member: &S_ENDPOINT } };
static S_ENDPOINTS: Shape = Shape { name: "Endpoints", type_name: "map", sensitive: false, kind: Map { min: Some(1), max: Some(2), key: &S_END_POINT_TYPE, value: &S_ENDPOINT_LISTS } };
static S_ENVIRONMENT: Shape = Shape { name: "Environment", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Variables", wire: "Variables", loc: Body, required: false, shape: &S_ENVIRONMENT_VARIABLES },
    ]) };
static S_ENVIRONMENT_VARIABLE_NAME: Shape = Shape { name: "EnvironmentVariableName", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: Some(&P42), enums: &[] } };
static S_ENVIRONMENT_VARIABLE_VALUE: Shape = Shape { name: "EnvironmentVariableValue", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_ENVIRONMENT_VARIABLES: Shape = Shape { name: "EnvironmentVariables", type_name: "map", sensitive: true, kind: Map { min: None, max: None, key: &S_ENVIRONMENT_VARIABLE_NAME, value: &S_ENVIRONMENT_VARIABLE_VALUE } };
static S_EPHEMERAL_STORAGE: Shape = Shape { name: "EphemeralStorage", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Size", wire: "Size", loc: Body, required: true, shape: &S_EPHEMERAL_STORAGE_SIZE },
    ]) };
static S_EPHEMERAL_STORAGE_SIZE: Shape = Shape { name: "EphemeralStorageSize", type_name: "integer", sensitive: false, kind: Int { min: Some(512), max: Some(32768) } };
static S_ERROR_DATA: Shape = Shape { name: "ErrorData", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_ERROR_MESSAGE: Shape = Shape { name: "ErrorMessage", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_ERROR_OBJECT: Shape = Shape { name: "ErrorObject", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ErrorMessage", wire: "ErrorMessage", loc: Body, required: false, shape: &S_ERROR_MESSAGE },
        Member { name: "ErrorType", wire: "ErrorType", loc: Body, required: false, shape: &S_ERROR_TYPE },
        Member { name: "ErrorData", wire: "ErrorData", loc: Body, required: false, shape: &S_ERROR_DATA },
        Member { name: "StackTrace", wire: "StackTrace", loc: Body, required: false, shape: &S_STACK_TRACE_ENTRIES },
    ]) };
static S_ERROR_TYPE: Shape = Shape { name: "ErrorType", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_EVENT_SOURCE_MAPPING_LOGGING_CONFIG: Shape = Shape { name: "EventSourceMappingLoggingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SystemLogLevel", wire: "SystemLogLevel", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_SYSTEM_LOG_LEVEL },
    ]) };
static S_EVENT_SOURCE_MAPPING_METRIC: Shape = Shape { name: "EventSourceMappingMetric", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["EventCount", "ErrorCount", "KafkaMetrics"] } };
static S_EVENT_SOURCE_MAPPING_METRIC_LIST: Shape = Shape { name: "EventSourceMappingMetricList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(3), member: &S_EVENT_SOURCE_MAPPING_METRIC } };
static S_EVENT_SOURCE_MAPPING_METRICS_CONFIG: Shape = Shape { name: "EventSourceMappingMetricsConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Metrics", wire: "Metrics", loc: Body, required: false, shape: &S_EVENT_SOURCE_MAPPING_METRIC_LIST },
    ]) };
static S_EVENT_SOURCE_MAPPING_SYSTEM_LOG_LEVEL: Shape = Shape { name: "EventSourceMappingSystemLogLevel", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["DEBUG", "INFO", "WARN"] } };
static S_EVENT_SOURCE_POSITION: Shape = Shape { name: "EventSourcePosition", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] } };
static S_EVENT_SOURCE_TOKEN: Shape = Shape { name: "EventSourceToken", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(256), pattern: Some(&P10), enums: &[] } };
static S_EXECUTION_ENVIRONMENT_MEMORY_GI_B_PER_V_CPU: Shape = Shape { name: "ExecutionEnvironmentMemoryGiBPerVCpu", type_name: "double", sensitive: false, kind: Double { min: Some(2.0), max: Some(8.0) } };
static S_EXECUTION_STATUS: Shape = Shape { name: "ExecutionStatus", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING", "PAUSING", "PAUSED"] } };
static S_EXECUTION_STATUS_LIST: Shape = Shape { name: "ExecutionStatusList", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(10), member: &S_EXECUTION_STATUS } };
static S_EXECUTION_TIMEOUT: Shape = Shape { name: "ExecutionTimeout", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(31622400) } };
static S_EXECUTION_TIMEOUT_PAUSED: Shape = Shape { name: "ExecutionTimeoutPaused", type_name: "boolean", sensitive: false, kind: Other };
static S_EXECUTION_TIMESTAMP: Shape = Shape { name: "ExecutionTimestamp", type_name: "timestamp", sensitive: false, kind: Other };
static S_FILE_SYSTEM_ARN: Shape = Shape { name: "FileSystemArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(256), pattern: Some(&P44), enums: &[] } };
static S_FILE_SYSTEM_CONFIG: Shape = Shape { name: "FileSystemConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Arn", wire: "Arn", loc: Body, required: true, shape: &S_FILE_SYSTEM_ARN },
        Member { name: "LocalMountPath", wire: "LocalMountPath", loc: Body, required: true, shape: &S_LOCAL_MOUNT_PATH },
        Member { name: "S3FilesConfig", wire: "S3FilesConfig", loc: Body, required: false, shape: &S_S3_FILES_CONFIG },
    ]) };
static S_FILE_SYSTEM_CONFIG_LIST: Shape = Shape { name: "FileSystemConfigList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(1), member: &S_FILE_SYSTEM_CONFIG } };
static S_FILTER: Shape = Shape { name: "Filter", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Pattern", wire: "Pattern", loc: Body, required: false, shape: &S_PATTERN },
    ]) };
static S_FILTER_CRITERIA: Shape = Shape { name: "FilterCriteria", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Filters", wire: "Filters", loc: Body, required: false, shape: &S_FILTER_LIST },
    ]) };
static S_FILTER_LIST: Shape = Shape { name: "FilterList", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_FILTER } };
static S_FULL_DOCUMENT: Shape = Shape { name: "FullDocument", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["UpdateLookup", "Default"] } };
static S_FUNCTION_CODE: Shape = Shape { name: "FunctionCode", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ZipFile", wire: "ZipFile", loc: Body, required: false, shape: &S_BLOB },
        Member { name: "S3Bucket", wire: "S3Bucket", loc: Body, required: false, shape: &S_S3_BUCKET },
        Member { name: "S3Key", wire: "S3Key", loc: Body, required: false, shape: &S_S3_KEY },
        Member { name: "S3ObjectVersion", wire: "S3ObjectVersion", loc: Body, required: false, shape: &S_S3_OBJECT_VERSION },
        Member { name: "S3ObjectStorageMode", wire: "S3ObjectStorageMode", loc: Body, required: false, shape: &S_S3_OBJECT_STORAGE_MODE },
        Member { name: "ImageUri", wire: "ImageUri", loc: Body, required: false, shape: &S_STRING },
        Member { name: "SourceKMSKeyArn", wire: "SourceKMSKeyArn", loc: Body, required: false, shape: &S_KMS_KEY_ARN },
    ]) };
static S_FUNCTION_NAME: Shape = Shape { name: "FunctionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(140), pattern: Some(&P18), enums: &[] } };
static S_FUNCTION_RESPONSE_TYPE: Shape = Shape { name: "FunctionResponseType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["ReportBatchItemFailures"] } };
static S_FUNCTION_RESPONSE_TYPE_LIST: Shape = Shape { name: "FunctionResponseTypeList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(1), member: &S_FUNCTION_RESPONSE_TYPE } };
static S_FUNCTION_RUNTIME_ALIAS: Shape = Shape { name: "FunctionRuntimeAlias", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: None, enums: &[] } };
static S_FUNCTION_RUNTIME_ARN: Shape = Shape { name: "FunctionRuntimeArn", type_name: "string", sensitive: false, kind: Str { min: Some(48), max: Some(2048), pattern: Some(&P48), enums: &[] } };
static S_FUNCTION_RUNTIME_CONFIG: Shape = Shape { name: "FunctionRuntimeConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "RuntimeArn", wire: "RuntimeArn", loc: Body, required: true, shape: &S_FUNCTION_RUNTIME_ARN },
        Member { name: "RuntimeAlias", wire: "RuntimeAlias", loc: Body, required: true, shape: &S_FUNCTION_RUNTIME_ALIAS },
    ]) };
static S_FUNCTION_SCALING_CONFIG: Shape = Shape { name: "FunctionScalingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "MinExecutionEnvironments", wire: "MinExecutionEnvironments", loc: Body, required: false, shape: &S_FUNCTION_SCALING_CONFIG_EXECUTION_ENVIRONMENTS },
        Member { name: "MaxExecutionEnvironments", wire: "MaxExecutionEnvironments", loc: Body, required: false, shape: &S_FUNCTION_SCALING_CONFIG_EXECUTION_ENVIRONMENTS },
    ]) };
static S_FUNCTION_SCALING_CONFIG_EXECUTION_ENVIRONMENTS: Shape = Shape { name: "FunctionScalingConfigExecutionEnvironments", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(15000) } };
static S_FUNCTION_URL_AUTH_TYPE: Shape = Shape { name: "FunctionUrlAuthType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["NONE", "AWS_IAM"] } };
static S_FUNCTION_URL_FUNCTION_NAME: Shape = Shape { name: "FunctionUrlFunctionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(140), pattern: Some(&P49), enums: &[] } };
static S_FUNCTION_URL_QUALIFIER: Shape = Shape { name: "FunctionUrlQualifier", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P50), enums: &[] } };
static S_FUNCTION_VERSION: Shape = Shape { name: "FunctionVersion", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["ALL"] } };
static S_FUNCTION_VERSION_LATEST_PUBLISHED: Shape = Shape { name: "FunctionVersionLatestPublished", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["LATEST_PUBLISHED"] } };
static S_HANDLER: Shape = Shape { name: "Handler", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(128), pattern: Some(&P7), enums: &[] } };
static S_HEADER: Shape = Shape { name: "Header", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(1024), pattern: Some(&P41), enums: &[] } };
static S_HEADERS_LIST: Shape = Shape { name: "HeadersList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(100), member: &S_HEADER } };
static S_IMAGE_CONFIG: Shape = Shape { name: "ImageConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "EntryPoint", wire: "EntryPoint", loc: Body, required: false, shape: &S_STRING_LIST },
        Member { name: "Command", wire: "Command", loc: Body, required: false, shape: &S_STRING_LIST },
        Member { name: "WorkingDirectory", wire: "WorkingDirectory", loc: Body, required: false, shape: &S_WORKING_DIRECTORY },
    ]) };
static S_INCLUDE_EXECUTION_DATA: Shape = Shape { name: "IncludeExecutionData", type_name: "boolean", sensitive: false, kind: Other };
static S_INSTANCE_REQUIREMENTS: Shape = Shape { name: "InstanceRequirements", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Architectures", wire: "Architectures", loc: Body, required: false, shape: &S_ARCHITECTURES_LIST },
        Member { name: "AllowedInstanceTypes", wire: "AllowedInstanceTypes", loc: Body, required: false, shape: &S_INSTANCE_TYPE_SET },
        Member { name: "ExcludedInstanceTypes", wire: "ExcludedInstanceTypes", loc: Body, required: false, shape: &S_INSTANCE_TYPE_SET },
    ]) };
static S_INSTANCE_TYPE: Shape = Shape { name: "InstanceType", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(30), pattern: Some(&P26), enums: &[] } };
static S_INSTANCE_TYPE_SET: Shape = Shape { name: "InstanceTypeSet", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(400), member: &S_INSTANCE_TYPE } };
static S_INVOCATION_TYPE: Shape = Shape { name: "InvocationType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Event", "RequestResponse", "DryRun"] } };
static S_INVOKE_MODE: Shape = Shape { name: "InvokeMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["BUFFERED", "RESPONSE_STREAM"] } };
static S_INVOKED_VIA_FUNCTION_URL: Shape = Shape { name: "InvokedViaFunctionUrl", type_name: "boolean", sensitive: false, kind: Other };
static S_ITEM_COUNT: Shape = Shape { name: "ItemCount", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(1000) } };
static S_KMS_KEY_ARN: Shape = Shape { name: "KMSKeyArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P31), enums: &[] } };
static S_KMS_KEY_ARN_NON_EMPTY: Shape = Shape { name: "KMSKeyArnNonEmpty", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P27), enums: &[] } };
static S_KAFKA_EVENT_SOURCE_MAPPING_CONSUMPTION_MODE: Shape = Shape { name: "KafkaEventSourceMappingConsumptionMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Stream", "Queue"] } };
static S_KAFKA_SCHEMA_REGISTRY_ACCESS_CONFIG: Shape = Shape { name: "KafkaSchemaRegistryAccessConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Type", wire: "Type", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_REGISTRY_AUTH_TYPE },
        Member { name: "URI", wire: "URI", loc: Body, required: false, shape: &S_ARN },
    ]) };
static S_KAFKA_SCHEMA_REGISTRY_ACCESS_CONFIG_LIST: Shape = Shape { name: "KafkaSchemaRegistryAccessConfigList", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_KAFKA_SCHEMA_REGISTRY_ACCESS_CONFIG } };
static S_KAFKA_SCHEMA_REGISTRY_AUTH_TYPE: Shape = Shape { name: "KafkaSchemaRegistryAuthType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["BASIC_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH", "SERVER_ROOT_CA_CERTIFICATE", "OAUTHBEARER_AUTH"] } };
static S_KAFKA_SCHEMA_REGISTRY_CONFIG: Shape = Shape { name: "KafkaSchemaRegistryConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SchemaRegistryURI", wire: "SchemaRegistryURI", loc: Body, required: false, shape: &S_SCHEMA_REGISTRY_URI },
        Member { name: "EventRecordFormat", wire: "EventRecordFormat", loc: Body, required: false, shape: &S_SCHEMA_REGISTRY_EVENT_RECORD_FORMAT },
        Member { name: "AccessConfigs", wire: "AccessConfigs", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_REGISTRY_ACCESS_CONFIG_LIST },
        Member { name: "SchemaValidationConfigs", wire: "SchemaValidationConfigs", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_VALIDATION_CONFIG_LIST },
    ]) };
static S_KAFKA_SCHEMA_VALIDATION_ATTRIBUTE: Shape = Shape { name: "KafkaSchemaValidationAttribute", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["KEY", "VALUE"] } };
static S_KAFKA_SCHEMA_VALIDATION_CONFIG: Shape = Shape { name: "KafkaSchemaValidationConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Attribute", wire: "Attribute", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_VALIDATION_ATTRIBUTE },
    ]) };
static S_KAFKA_SCHEMA_VALIDATION_CONFIG_LIST: Shape = Shape { name: "KafkaSchemaValidationConfigList", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_KAFKA_SCHEMA_VALIDATION_CONFIG } };
static S_LAMBDA_MANAGED_INSTANCES_CAPACITY_PROVIDER_CONFIG: Shape = Shape { name: "LambdaManagedInstancesCapacityProviderConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "CapacityProviderArn", wire: "CapacityProviderArn", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_ARN },
        Member { name: "PerExecutionEnvironmentMaxConcurrency", wire: "PerExecutionEnvironmentMaxConcurrency", loc: Body, required: false, shape: &S_PER_EXECUTION_ENVIRONMENT_MAX_CONCURRENCY },
        Member { name: "ExecutionEnvironmentMemoryGiBPerVCpu", wire: "ExecutionEnvironmentMemoryGiBPerVCpu", loc: Body, required: false, shape: &S_EXECUTION_ENVIRONMENT_MEMORY_GI_B_PER_V_CPU },
    ]) };
static S_LAYER_LIST: Shape = Shape { name: "LayerList", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_LAYER_VERSION_ARN } };
static S_LAYER_NAME_OR_ARN: Shape = Shape { name: "LayerNameOrArn", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(2048), pattern: Some(&P0), enums: &[] } };
static S_LAYER_PERMISSION_ALLOWED_ACTION: Shape = Shape { name: "LayerPermissionAllowedAction", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(22), pattern: Some(&P2), enums: &[] } };
static S_LAYER_PERMISSION_ALLOWED_PRINCIPAL: Shape = Shape { name: "LayerPermissionAllowedPrincipal", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P3), enums: &[] } };
static S_LAYER_VERSION_ARN: Shape = Shape { name: "LayerVersionArn", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(2048), pattern: Some(&P43), enums: &[] } };
static S_LAYER_VERSION_CONTENT_INPUT: Shape = Shape { name: "LayerVersionContentInput", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "S3Bucket", wire: "S3Bucket", loc: Body, required: false, shape: &S_S3_BUCKET },
        Member { name: "S3Key", wire: "S3Key", loc: Body, required: false, shape: &S_S3_KEY },
        Member { name: "S3ObjectVersion", wire: "S3ObjectVersion", loc: Body, required: false, shape: &S_S3_OBJECT_VERSION },
        Member { name: "S3ObjectStorageMode", wire: "S3ObjectStorageMode", loc: Body, required: false, shape: &S_S3_OBJECT_STORAGE_MODE },
        Member { name: "ZipFile", wire: "ZipFile", loc: Body, required: false, shape: &S_BLOB },
    ]) };
static S_LAYER_VERSION_NUMBER: Shape = Shape { name: "LayerVersionNumber", type_name: "long", sensitive: false, kind: Int { min: None, max: None } };
static S_LICENSE_INFO: Shape = Shape { name: "LicenseInfo", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(512), pattern: Some(&P41), enums: &[] } };
static S_LOCAL_MOUNT_PATH: Shape = Shape { name: "LocalMountPath", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(160), pattern: Some(&P45), enums: &[] } };
static S_LOG_FORMAT: Shape = Shape { name: "LogFormat", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["JSON", "Text"] } };
static S_LOG_GROUP: Shape = Shape { name: "LogGroup", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(512), pattern: Some(&P29), enums: &[] } };
static S_LOG_TYPE: Shape = Shape { name: "LogType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["None", "Tail"] } };
static S_LOGGING_CONFIG: Shape = Shape { name: "LoggingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "LogFormat", wire: "LogFormat", loc: Body, required: false, shape: &S_LOG_FORMAT },
        Member { name: "ApplicationLogLevel", wire: "ApplicationLogLevel", loc: Body, required: false, shape: &S_APPLICATION_LOG_LEVEL },
        Member { name: "SystemLogLevel", wire: "SystemLogLevel", loc: Body, required: false, shape: &S_SYSTEM_LOG_LEVEL },
        Member { name: "LogGroup", wire: "LogGroup", loc: Body, required: false, shape: &S_LOG_GROUP },
    ]) };
static S_MASTER_REGION: Shape = Shape { name: "MasterRegion", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(50), pattern: Some(&P56), enums: &[] } };
static S_MAX_AGE: Shape = Shape { name: "MaxAge", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(86400) } };
static S_MAX_FIFTY_LIST_ITEMS: Shape = Shape { name: "MaxFiftyListItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(50) } };
static S_MAX_FUNCTION_EVENT_INVOKE_CONFIG_LIST_ITEMS: Shape = Shape { name: "MaxFunctionEventInvokeConfigListItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(50) } };
static S_MAX_ITEMS: Shape = Shape { name: "MaxItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(50) } };
static S_MAX_LAYER_LIST_ITEMS: Shape = Shape { name: "MaxLayerListItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(50) } };
static S_MAX_LIST_ITEMS: Shape = Shape { name: "MaxListItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(10000) } };
static S_MAX_PROVISIONED_CONCURRENCY_CONFIG_LIST_ITEMS: Shape = Shape { name: "MaxProvisionedConcurrencyConfigListItems", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(50) } };
static S_MAXIMUM_BATCHING_WINDOW_IN_SECONDS: Shape = Shape { name: "MaximumBatchingWindowInSeconds", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(300) } };
static S_MAXIMUM_CONCURRENCY: Shape = Shape { name: "MaximumConcurrency", type_name: "integer", sensitive: false, kind: Int { min: Some(2), max: Some(1000) } };
static S_MAXIMUM_EVENT_AGE_IN_SECONDS: Shape = Shape { name: "MaximumEventAgeInSeconds", type_name: "integer", sensitive: false, kind: Int { min: Some(60), max: Some(21600) } };
static S_MAXIMUM_NUMBER_OF_POLLERS: Shape = Shape { name: "MaximumNumberOfPollers", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(10000) } };
static S_MAXIMUM_RECORD_AGE_IN_SECONDS: Shape = Shape { name: "MaximumRecordAgeInSeconds", type_name: "integer", sensitive: false, kind: Int { min: Some(-1), max: Some(604800) } };
static S_MAXIMUM_RETRY_ATTEMPTS: Shape = Shape { name: "MaximumRetryAttempts", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(2) } };
static S_MAXIMUM_RETRY_ATTEMPTS_EVENT_SOURCE_MAPPING: Shape = Shape { name: "MaximumRetryAttemptsEventSourceMapping", type_name: "integer", sensitive: false, kind: Int { min: Some(-1), max: Some(10000) } };
static S_MEMORY_SIZE: Shape = Shape { name: "MemorySize", type_name: "integer", sensitive: false, kind: Int { min: Some(128), max: Some(32768) } };
static S_METHOD: Shape = Shape { name: "Method", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(6), pattern: Some(&P41), enums: &[] } };
static S_METRIC_TARGET_VALUE: Shape = Shape { name: "MetricTargetValue", type_name: "double", sensitive: false, kind: Double { min: Some(0.0), max: Some(100.0) } };
static S_MINIMUM_NUMBER_OF_POLLERS: Shape = Shape { name: "MinimumNumberOfPollers", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(200) } };
static S_NAMESPACED_FUNCTION_NAME: Shape = Shape { name: "NamespacedFunctionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(256), pattern: Some(&P5), enums: &[] } };
static S_NAMESPACED_STATEMENT_ID: Shape = Shape { name: "NamespacedStatementId", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(100), pattern: Some(&P60), enums: &[] } };
static S_NULLABLE_BOOLEAN: Shape = Shape { name: "NullableBoolean", type_name: "boolean", sensitive: false, kind: Other };
static S_NUMERIC_LATEST_PUBLISHED_OR_ALIAS_QUALIFIER: Shape = Shape { name: "NumericLatestPublishedOrAliasQualifier", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P11), enums: &[] } };
static S_ON_FAILURE: Shape = Shape { name: "OnFailure", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Destination", wire: "Destination", loc: Body, required: false, shape: &S_DESTINATION_ARN },
    ]) };
static S_ON_SUCCESS: Shape = Shape { name: "OnSuccess", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Destination", wire: "Destination", loc: Body, required: false, shape: &S_DESTINATION_ARN },
    ]) };
static S_OPERATION_ACTION: Shape = Shape { name: "OperationAction", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"] } };
static S_OPERATION_ID: Shape = Shape { name: "OperationId", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(64), pattern: Some(&P14), enums: &[] } };
static S_OPERATION_NAME: Shape = Shape { name: "OperationName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(256), pattern: Some(&P15), enums: &[] } };
static S_OPERATION_PAYLOAD: Shape = Shape { name: "OperationPayload", type_name: "string", sensitive: true, kind: Str { min: Some(0), max: Some(6291456), pattern: None, enums: &[] } };
static S_OPERATION_SUB_TYPE: Shape = Shape { name: "OperationSubType", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(32), pattern: Some(&P14), enums: &[] } };
static S_OPERATION_TYPE: Shape = Shape { name: "OperationType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE"] } };
static S_OPERATION_UPDATE: Shape = Shape { name: "OperationUpdate", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Id", wire: "Id", loc: Body, required: true, shape: &S_OPERATION_ID },
        Member { name: "ParentId", wire: "ParentId", loc: Body, required: false, shape: &S_OPERATION_ID },
        Member { name: "Name", wire: "Name", loc: Body, required: false, shape: &S_OPERATION_NAME },
        Member { name: "Type", wire: "Type", loc: Body, required: true, shape: &S_OPERATION_TYPE },
        Member { name: "SubType", wire: "SubType", loc: Body, required: false, shape: &S_OPERATION_SUB_TYPE },
        Member { name: "Action", wire: "Action", loc: Body, required: true, shape: &S_OPERATION_ACTION },
        Member { name: "Payload", wire: "Payload", loc: Body, required: false, shape: &S_OPERATION_PAYLOAD },
        Member { name: "Error", wire: "Error", loc: Body, required: false, shape: &S_ERROR_OBJECT },
        Member { name: "ContextOptions", wire: "ContextOptions", loc: Body, required: false, shape: &S_CONTEXT_OPTIONS },
        Member { name: "StepOptions", wire: "StepOptions", loc: Body, required: false, shape: &S_STEP_OPTIONS },
        Member { name: "WaitOptions", wire: "WaitOptions", loc: Body, required: false, shape: &S_WAIT_OPTIONS },
        Member { name: "CallbackOptions", wire: "CallbackOptions", loc: Body, required: false, shape: &S_CALLBACK_OPTIONS },
        Member { name: "ChainedInvokeOptions", wire: "ChainedInvokeOptions", loc: Body, required: false, shape: &S_CHAINED_INVOKE_OPTIONS },
    ]) };
static S_OPERATION_UPDATES: Shape = Shape { name: "OperationUpdates", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_OPERATION_UPDATE } };
static S_ORGANIZATION_ID: Shape = Shape { name: "OrganizationId", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(34), pattern: Some(&P4), enums: &[] } };
static S_ORIGIN: Shape = Shape { name: "Origin", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(253), pattern: Some(&P41), enums: &[] } };
static S_PACKAGE_TYPE: Shape = Shape { name: "PackageType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Zip", "Image"] } };
static S_PARALLELIZATION_FACTOR: Shape = Shape { name: "ParallelizationFactor", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(10) } };
static S_PATTERN: Shape = Shape { name: "Pattern", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(4096), pattern: Some(&P30), enums: &[] } };
static S_PAUSE_REASON: Shape = Shape { name: "PauseReason", type_name: "string", sensitive: true, kind: Str { min: Some(0), max: Some(1024), pattern: None, enums: &[] } };
static S_PER_EXECUTION_ENVIRONMENT_MAX_CONCURRENCY: Shape = Shape { name: "PerExecutionEnvironmentMaxConcurrency", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(1600) } };
static S_POLICY_RESOURCE_ARN: Shape = Shape { name: "PolicyResourceArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(512), pattern: Some(&P52), enums: &[] } };
static S_POSITIVE_INTEGER: Shape = Shape { name: "PositiveInteger", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: None } };
static S_PRINCIPAL: Shape = Shape { name: "Principal", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(2048), pattern: Some(&P7), enums: &[] } };
static S_PRINCIPAL_ORG_ID: Shape = Shape { name: "PrincipalOrgID", type_name: "string", sensitive: false, kind: Str { min: Some(12), max: Some(34), pattern: Some(&P4), enums: &[] } };
static S_PROPAGATE_TAGS: Shape = Shape { name: "PropagateTags", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Mode", wire: "Mode", loc: Body, required: false, shape: &S_PROPAGATE_TAGS_MODE },
        Member { name: "ExplicitTags", wire: "ExplicitTags", loc: Body, required: false, shape: &S_PROPAGATE_TAGS_EXPLICIT_TAGS_MAP },
    ]) };
static S_PROPAGATE_TAGS_EXPLICIT_TAGS_MAP: Shape = Shape { name: "PropagateTagsExplicitTagsMap", type_name: "map", sensitive: false, kind: Map { min: Some(0), max: Some(40), key: &S_TAG_KEY, value: &S_TAG_VALUE } };
static S_PROPAGATE_TAGS_MODE: Shape = Shape { name: "PropagateTagsMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["None", "Explicit"] } };
static S_PROVISIONED_POLLER_CONFIG: Shape = Shape { name: "ProvisionedPollerConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "MinimumPollers", wire: "MinimumPollers", loc: Body, required: false, shape: &S_MINIMUM_NUMBER_OF_POLLERS },
        Member { name: "MaximumPollers", wire: "MaximumPollers", loc: Body, required: false, shape: &S_MAXIMUM_NUMBER_OF_POLLERS },
        Member { name: "PollerGroupName", wire: "PollerGroupName", loc: Body, required: false, shape: &S_PROVISIONED_POLLER_GROUP_NAME },
    ]) };
static S_PROVISIONED_POLLER_GROUP_NAME: Shape = Shape { name: "ProvisionedPollerGroupName", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(128), pattern: Some(&P39), enums: &[] } };
static S_PUBLISHED_FUNCTION_QUALIFIER: Shape = Shape { name: "PublishedFunctionQualifier", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P55), enums: &[] } };
static S_QUALIFIER: Shape = Shape { name: "Qualifier", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P51), enums: &[] } };
static S_QUEUE: Shape = Shape { name: "Queue", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1000), pattern: Some(&P30), enums: &[] } };
static S_QUEUES: Shape = Shape { name: "Queues", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(1), member: &S_QUEUE } };
static S_RECURSIVE_LOOP: Shape = Shape { name: "RecursiveLoop", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Allow", "Terminate"] } };
static S_REPLAY_CHILDREN: Shape = Shape { name: "ReplayChildren", type_name: "boolean", sensitive: false, kind: Other };
static S_RESERVED_CONCURRENT_EXECUTIONS: Shape = Shape { name: "ReservedConcurrentExecutions", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: None } };
static S_RESOURCE_ARN: Shape = Shape { name: "ResourceArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P31), enums: &[] } };
static S_RESOURCE_POLICY: Shape = Shape { name: "ResourcePolicy", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(20480), pattern: Some(&P58), enums: &[] } };
static S_RESPONSE_STREAMING_INVOCATION_TYPE: Shape = Shape { name: "ResponseStreamingInvocationType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["RequestResponse", "DryRun"] } };
static S_RESUME_REASON: Shape = Shape { name: "ResumeReason", type_name: "string", sensitive: true, kind: Str { min: Some(0), max: Some(1024), pattern: None, enums: &[] } };
static S_RETENTION_PERIOD_IN_DAYS: Shape = Shape { name: "RetentionPeriodInDays", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(90) } };
static S_REVERSE_ORDER: Shape = Shape { name: "ReverseOrder", type_name: "boolean", sensitive: false, kind: Other };
static S_REVISION_ID: Shape = Shape { name: "RevisionId", type_name: "string", sensitive: false, kind: Str { min: Some(36), max: Some(36), pattern: Some(&P53), enums: &[] } };
static S_ROLE_ARN: Shape = Shape { name: "RoleArn", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(10000), pattern: Some(&P25), enums: &[] } };
static S_RUNTIME: Shape = Shape { name: "Runtime", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "java8", "java8.al2", "java11", "java17", "java21", "java25", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0", "provided", "provided.al2", "provided.al2023", "nodejs26.x", "python3.15", "java8.al2023", "java11.al2023", "java17.al2023", "custom"] } };
static S_RUNTIME_VERSION_ARN: Shape = Shape { name: "RuntimeVersionArn", type_name: "string", sensitive: false, kind: Str { min: Some(26), max: Some(2048), pattern: Some(&P59), enums: &[] } };
static S_S3_BUCKET: Shape = Shape { name: "S3Bucket", type_name: "string", sensitive: false, kind: Str { min: Some(3), max: Some(63), pattern: Some(&P40), enums: &[] } };
static S_S3_FILES_CONFIG: Shape = Shape { name: "S3FilesConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "DirectS3Read", wire: "DirectS3Read", loc: Body, required: false, shape: &S_DIRECT_S3_READ },
    ]) };
static S_S3_KEY: Shape = Shape { name: "S3Key", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P41), enums: &[] } };
static S_S3_OBJECT_STORAGE_MODE: Shape = Shape { name: "S3ObjectStorageMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["COPY", "REFERENCE"] } };
static S_S3_OBJECT_VERSION: Shape = Shape { name: "S3ObjectVersion", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P41), enums: &[] } };
static S_SCALING_CONFIG: Shape = Shape { name: "ScalingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "MaximumConcurrency", wire: "MaximumConcurrency", loc: Body, required: false, shape: &S_MAXIMUM_CONCURRENCY },
    ]) };
static S_SCHEMA_REGISTRY_EVENT_RECORD_FORMAT: Shape = Shape { name: "SchemaRegistryEventRecordFormat", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["JSON", "SOURCE"] } };
static S_SCHEMA_REGISTRY_URI: Shape = Shape { name: "SchemaRegistryUri", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(10000), pattern: Some(&P36), enums: &[] } };
static S_SECURITY_GROUP_ID: Shape = Shape { name: "SecurityGroupId", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(1024), pattern: Some(&P24), enums: &[] } };
static S_SECURITY_GROUP_IDS: Shape = Shape { name: "SecurityGroupIds", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(5), member: &S_SECURITY_GROUP_ID } };
static S_SELF_MANAGED_EVENT_SOURCE: Shape = Shape { name: "SelfManagedEventSource", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Endpoints", wire: "Endpoints", loc: Body, required: false, shape: &S_ENDPOINTS },
    ]) };
static S_SELF_MANAGED_KAFKA_EVENT_SOURCE_CONFIG: Shape = Shape { name: "SelfManagedKafkaEventSourceConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ConsumerGroupId", wire: "ConsumerGroupId", loc: Body, required: false, shape: &S_URI },
        Member { name: "SchemaRegistryConfig", wire: "SchemaRegistryConfig", loc: Body, required: false, shape: &S_KAFKA_SCHEMA_REGISTRY_CONFIG },
        Member { name: "ConsumptionMode", wire: "ConsumptionMode", loc: Body, required: false, shape: &S_KAFKA_EVENT_SOURCE_MAPPING_CONSUMPTION_MODE },
    ]) };
static S_SIGNING_PROFILE_VERSION_ARNS: Shape = Shape { name: "SigningProfileVersionArns", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(20), member: &S_ARN } };
static S_SNAP_START: Shape = Shape { name: "SnapStart", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "ApplyOn", wire: "ApplyOn", loc: Body, required: false, shape: &S_SNAP_START_APPLY_ON },
    ]) };
static S_SNAP_START_APPLY_ON: Shape = Shape { name: "SnapStartApplyOn", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["PublishedVersions", "None"] } };
static S_SOURCE_ACCESS_CONFIGURATION: Shape = Shape { name: "SourceAccessConfiguration", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Type", wire: "Type", loc: Body, required: false, shape: &S_SOURCE_ACCESS_TYPE },
        Member { name: "URI", wire: "URI", loc: Body, required: false, shape: &S_URI },
    ]) };
static S_SOURCE_ACCESS_CONFIGURATIONS: Shape = Shape { name: "SourceAccessConfigurations", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(23), member: &S_SOURCE_ACCESS_CONFIGURATION } };
static S_SOURCE_ACCESS_TYPE: Shape = Shape { name: "SourceAccessType", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["BASIC_AUTH", "VPC_SUBNET", "VPC_SECURITY_GROUP", "SASL_SCRAM_512_AUTH", "SASL_SCRAM_256_AUTH", "VIRTUAL_HOST", "CLIENT_CERTIFICATE_TLS_AUTH", "SERVER_ROOT_CA_CERTIFICATE", "OAUTHBEARER_AUTH", "OAUTHBEARER_SCOPE", "OAUTHBEARER_AUDIENCE", "OAUTHBEARER_LOGICAL_CLUSTER", "OAUTHBEARER_IDENTITY_POOL", "IAM_AUTH", "IAM_OAUTHBEARER_AUTH"] } };
static S_SOURCE_OWNER: Shape = Shape { name: "SourceOwner", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(12), pattern: Some(&P9), enums: &[] } };
static S_STACK_TRACE_ENTRIES: Shape = Shape { name: "StackTraceEntries", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_STACK_TRACE_ENTRY } };
static S_STACK_TRACE_ENTRY: Shape = Shape { name: "StackTraceEntry", type_name: "string", sensitive: true, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_STATEMENT_ID: Shape = Shape { name: "StatementId", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(100), pattern: Some(&P1), enums: &[] } };
static S_STEP_OPTIONS: Shape = Shape { name: "StepOptions", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "NextAttemptDelaySeconds", wire: "NextAttemptDelaySeconds", loc: Body, required: false, shape: &S_STEP_OPTIONS_NEXT_ATTEMPT_DELAY_SECONDS_INTEGER },
    ]) };
static S_STEP_OPTIONS_NEXT_ATTEMPT_DELAY_SECONDS_INTEGER: Shape = Shape { name: "StepOptionsNextAttemptDelaySecondsInteger", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(31622400) } };
static S_STRING: Shape = Shape { name: "String", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &[] } };
static S_STRING_LIST: Shape = Shape { name: "StringList", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(1500), member: &S_STRING } };
static S_SUBNET_ID: Shape = Shape { name: "SubnetId", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(1024), pattern: Some(&P23), enums: &[] } };
static S_SUBNET_IDS: Shape = Shape { name: "SubnetIds", type_name: "list", sensitive: false, kind: List { min: Some(0), max: Some(16), member: &S_SUBNET_ID } };
static S_SYSTEM_LOG_LEVEL: Shape = Shape { name: "SystemLogLevel", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["DEBUG", "INFO", "WARN"] } };
static S_TAG_KEY: Shape = Shape { name: "TagKey", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(128), pattern: Some(&P28), enums: &[] } };
static S_TAG_KEY_LIST: Shape = Shape { name: "TagKeyList", type_name: "list", sensitive: false, kind: List { min: None, max: None, member: &S_TAG_KEY } };
static S_TAG_VALUE: Shape = Shape { name: "TagValue", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(256), pattern: Some(&P28), enums: &[] } };
static S_TAGGABLE_RESOURCE: Shape = Shape { name: "TaggableResource", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(10000), pattern: Some(&P57), enums: &[] } };
static S_TAGS: Shape = Shape { name: "Tags", type_name: "map", sensitive: false, kind: Map { min: None, max: None, key: &S_TAG_KEY, value: &S_TAG_VALUE } };
static S_TARGET_TRACKING_SCALING_POLICY: Shape = Shape { name: "TargetTrackingScalingPolicy", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "PredefinedMetricType", wire: "PredefinedMetricType", loc: Body, required: true, shape: &S_CAPACITY_PROVIDER_PREDEFINED_METRIC_TYPE },
        Member { name: "TargetValue", wire: "TargetValue", loc: Body, required: true, shape: &S_METRIC_TARGET_VALUE },
    ]) };
static S_TENANCY_CONFIG: Shape = Shape { name: "TenancyConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "TenantIsolationMode", wire: "TenantIsolationMode", loc: Body, required: true, shape: &S_TENANT_ISOLATION_MODE },
    ]) };
static S_TENANT_ID: Shape = Shape { name: "TenantId", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(256), pattern: Some(&P16), enums: &[] } };
static S_TENANT_ISOLATION_MODE: Shape = Shape { name: "TenantIsolationMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["PER_TENANT"] } };
static S_TIMEOUT: Shape = Shape { name: "Timeout", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(5400) } };
static S_TOPIC: Shape = Shape { name: "Topic", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(249), pattern: Some(&P33), enums: &[] } };
static S_TOPICS: Shape = Shape { name: "Topics", type_name: "list", sensitive: false, kind: List { min: Some(1), max: Some(1), member: &S_TOPIC } };
static S_TRACING_CONFIG: Shape = Shape { name: "TracingConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "Mode", wire: "Mode", loc: Body, required: false, shape: &S_TRACING_MODE },
    ]) };
static S_TRACING_MODE: Shape = Shape { name: "TracingMode", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Active", "PassThrough"] } };
static S_TUMBLING_WINDOW_IN_SECONDS: Shape = Shape { name: "TumblingWindowInSeconds", type_name: "integer", sensitive: false, kind: Int { min: Some(0), max: Some(900) } };
static S_URI: Shape = Shape { name: "URI", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(200), pattern: Some(&P34), enums: &[] } };
static S_UUID_STRING: Shape = Shape { name: "UUIDString", type_name: "string", sensitive: false, kind: Str { min: Some(36), max: Some(36), pattern: None, enums: &[] } };
static S_UNQUALIFIED_FUNCTION_NAME: Shape = Shape { name: "UnqualifiedFunctionName", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(140), pattern: Some(&P54), enums: &[] } };
static S_UPDATE_RUNTIME_ON: Shape = Shape { name: "UpdateRuntimeOn", type_name: "string", sensitive: false, kind: Str { min: None, max: None, pattern: None, enums: &["Auto", "Manual", "FunctionUpdate"] } };
static S_VERSION_WITH_LATEST_PUBLISHED: Shape = Shape { name: "VersionWithLatestPublished", type_name: "string", sensitive: false, kind: Str { min: Some(1), max: Some(1024), pattern: Some(&P20), enums: &[] } };
static S_VPC_CONFIG: Shape = Shape { name: "VpcConfig", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "SubnetIds", wire: "SubnetIds", loc: Body, required: false, shape: &S_SUBNET_IDS },
        Member { name: "SecurityGroupIds", wire: "SecurityGroupIds", loc: Body, required: false, shape: &S_SECURITY_GROUP_IDS },
        Member { name: "Ipv6AllowedForDualStack", wire: "Ipv6AllowedForDualStack", loc: Body, required: false, shape: &S_NULLABLE_BOOLEAN },
    ]) };
static S_WAIT_OPTIONS: Shape = Shape { name: "WaitOptions", type_name: "structure", sensitive: false, kind: Struct(&[
        Member { name: "WaitSeconds", wire: "WaitSeconds", loc: Body, required: false, shape: &S_WAIT_OPTIONS_WAIT_SECONDS_INTEGER },
    ]) };
static S_WAIT_OPTIONS_WAIT_SECONDS_INTEGER: Shape = Shape { name: "WaitOptionsWaitSecondsInteger", type_name: "integer", sensitive: false, kind: Int { min: Some(1), max: Some(31622400) } };
static S_WEIGHT: Shape = Shape { name: "Weight", type_name: "double", sensitive: false, kind: Double { min: Some(0.0), max: Some(1.0) } };
static S_WORKING_DIRECTORY: Shape = Shape { name: "WorkingDirectory", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(1000), pattern: None, enums: &[] } };
static S_X_AMZN_TRACE_ID: Shape = Shape { name: "XAmznTraceId", type_name: "string", sensitive: false, kind: Str { min: Some(0), max: Some(8192), pattern: None, enums: &[] } };
