"""`lambkin serve` driven the way deployment tools drive Lambda: the Terraform AWS provider's (and so Pulumi's)
create → read → update → read → destroy of each `aws_lambda_*` resource, replayed with unchanged boto3 sending
exactly the provider's request shapes, in its order, and checking what its readers and waiters need of the
answers.

Read from hashicorp/terraform-provider-aws, internal/service/lambda/*.go (aws-sdk-go-v2 era):

* `aws_lambda_function` create: CreateFunction with `Description` always (`""` when unset), `MemorySize`,
  `Timeout`, `Publish` (false by default), `PackageType`, `Tags`, and only the blocks the configuration has —
  `Environment` only with variables, `VpcConfig` with `Ipv6AllowedForDualStack` and both id lists (empty lists
  when the block is given empty), `TracingConfig`, `EphemeralStorage`, `LoggingConfig`, `SnapStart` (`None` when
  the block is absent), `Architectures`; then GetFunction until found (`ResourceNotFoundException` means not
  yet), GetFunction until `State` leaves `Pending` for `Active`/`ActiveNonInvocable` (`Failed` is an error naming
  `StateReasonCode: StateReason`), PutFunctionConcurrency when `reserved_concurrent_executions` ≥ 0.
* its read: GetFunction (an answer without `Code` or `Configuration` is an error), ListVersionsByFunction
  (`MaxItems` 10000; the last version of the last page is the "latest published"), GetFunctionCodeSigningConfig.
* its update: Put/DeleteFunctionCodeSigningConfig; UpdateFunctionConfiguration carrying only what changed, with
  its "removed" forms — `DeadLetterConfig{TargetArn:""}`, `Environment{Variables:{}}`, `FileSystemConfigs:[]`,
  `KMSKeyArn:""`, `VpcConfig{Ipv6AllowedForDualStack:false, SecurityGroupIds:[], SubnetIds:[]}`,
  `SnapStart{ApplyOn:None}`, `LoggingConfig` whole; GetFunction until `LastUpdateStatus` is `Successful`;
  UpdateFunctionCode (`Architectures` when changed); Put/DeleteFunctionConcurrency; PublishVersion (retried on
  `ResourceConflictException` "in progress"), then GetFunctionConfiguration of that version until
  `LastUpdateStatus` is `Successful` (a missing one counts as `InProgress`); tags through TagResource /
  UntagResource on the function's ARN.
* its destroy: `replace_security_groups_on_destroy` first sends UpdateFunctionConfiguration with a `VpcConfig`
  holding `SecurityGroupIds` only; DeleteFunction (`ResourceNotFoundException` is success); GetFunction until
  `ResourceNotFoundException`. `skip_destroy` sends nothing.
* `aws_lambda_alias`: CreateAlias / UpdateAlias always with `Description` (`""`) and `RoutingConfig` — an empty
  object `{}` when no weights; after an update without weights, GetAlias until no weights remain.
* `aws_lambda_permission`: AddPermission (`Qualifier`, `SourceArn`, `SourceAccount`, `PrincipalOrgID`,
  `EventSourceToken`, `FunctionUrlAuthType`, `InvokedViaFunctionUrl`); read: GetPolicy (with the `Qualifier`),
  the statement found by `Sid`, its qualifier taken from `Resource`, `Principal` as `{"Service": …}`,
  `{"AWS": …}` or `"*"`, conditions under `StringEquals` / `ArnLike` / `Bool`; destroy: RemovePermission, then
  GetPolicy until the statement is gone (a `ResourceNotFoundException` counts as gone).
* `aws_lambda_function_url`: CreateFunctionUrlConfig (`Cors` with `AllowCredentials` always), for `NONE` the
  `FunctionURLAllowPublicAccess` (lambda:InvokeFunctionUrl) and `FunctionURLAllowInvokeAction`
  (lambda:InvokeFunction, `InvokedViaFunctionUrl`) permissions; UpdateFunctionUrlConfig with only what changed.
* `aws_lambda_layer_version`: PublishLayerVersion with `Description` and `LicenseInfo` always (`""`), then
  GetLayerVersion by name and number; destroy DeleteLayerVersion (`skip_destroy` keeps it).
* `aws_lambda_layer_version_permission`: `layer_name` may be the layer's ARN; AddLayerVersionPermission,
  GetLayerVersionPolicy (policy JSON, `RevisionId`), RemoveLayerVersionPermission.
* `aws_lambda_function_event_invoke_config`, `aws_lambda_provisioned_concurrency_config` (waits for `READY`;
  `ProvisionedConcurrencyConfigNotFoundException` means gone), `aws_lambda_code_signing_config` (its read also
  lists the configuration's tags), `aws_lambda_runtime_management_config` (destroy puts `Auto` back),
  `aws_lambda_function_recursion_config` (destroy puts `Terminate` back).
"""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest

from .conftest import ACCOUNT, ROLE, ROOT_ONLY, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY

REGION = "us-east-1"
SIGNER = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/tf/abcdef1234"
DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:tf-dlq"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOG_GROUP = "/aws/lambda/tf-custom"


def code(marker: str = "") -> bytes:
    """A `provided.al2023` zip; `marker` changes its hash (a new `source_code_hash`)."""
    return zip_bootstrap(extra={"marker.txt": marker} if marker else None)


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def poll(refresh, pending: set[str], target: set[str], what: str, tries: int = 600):
    """The provider's `StateChangeConf`: refresh until the state is a target; a state neither pending nor target
    fails as the provider fails ("unexpected state")."""
    for _ in range(tries):
        out, state = refresh()
        if state in target:
            return out
        assert state in pending, f"{what}: unexpected state {state!r}: {out}"
        time.sleep(0.05)
    raise AssertionError(f"{what}: still {state!r}")


# ---------------------------------------------------------------------------------------------------------------
# The provider's finders and waiters (function.go).


def find_function(lam, name: str, qualifier: str | None = None) -> dict | None:
    """`findFunction`: GetFunction; `ResourceNotFoundException` is "not found"; an answer without `Code` or
    `Configuration` is an error."""
    args = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
    try:
        out = lam.get_function(**args)
    except lam.exceptions.ResourceNotFoundException:
        return None
    assert out.get("Code") is not None and out.get("Configuration") is not None, out
    return out


def wait_function_created(lam, name: str) -> dict:
    def refresh():
        out = find_function(lam, name)
        return out, (out["Configuration"].get("State", "") if out else "")

    out = poll(refresh, {"Pending"}, {"Active", "ActiveNonInvocable"}, "waitFunctionCreated")
    return out["Configuration"]


def wait_function_updated(lam, name: str) -> dict:
    def refresh():
        out = find_function(lam, name)
        return out, (out["Configuration"].get("LastUpdateStatus", "") if out else "")

    return poll(refresh, {"InProgress"}, {"Successful"}, "waitFunctionUpdated")["Configuration"]


def wait_function_configuration_updated(lam, arn: str, qualifier: str) -> dict:
    def refresh():
        out = lam.get_function_configuration(FunctionName=arn, Qualifier=qualifier)
        return out, out.get("LastUpdateStatus") or "InProgress"

    return poll(refresh, {"InProgress"}, {"Successful"}, "waitFunctionConfigurationUpdated")


def wait_function_deleted(lam, name: str) -> None:
    def refresh():
        out = find_function(lam, name)
        return out, ("" if out is None else out["Configuration"].get("State", ""))

    poll(refresh, {"Active", "ActiveNonInvocable", "Pending", "Inactive", "Failed", "Deleting"}, {""},
         "waitFunctionDeleted")


def read_function(lam, name: str) -> dict:
    """`resourceFunctionRead` (no qualifier): GetFunction, ListVersionsByFunction for the latest published
    version, GetFunctionCodeSigningConfig (Zip functions); returns the attributes Terraform would store."""
    out = find_function(lam, name)
    assert out is not None
    cfg = out["Configuration"]
    state = {
        "arn": cfg["FunctionArn"],
        "architectures": cfg.get("Architectures"),
        "code_sha256": cfg["CodeSha256"],
        "dead_letter_config": (cfg.get("DeadLetterConfig") or {}).get("TargetArn"),
        "description": cfg.get("Description"),
        "environment": cfg.get("Environment"),
        "ephemeral_storage": (cfg.get("EphemeralStorage") or {}).get("Size"),
        "file_system_config": cfg.get("FileSystemConfigs", []),
        "handler": cfg.get("Handler"),
        "kms_key_arn": cfg.get("KMSKeyArn"),
        "last_modified": cfg["LastModified"],
        "layers": [layer["Arn"] for layer in cfg.get("Layers", [])],
        "logging_config": cfg.get("LoggingConfig"),
        "memory_size": cfg["MemorySize"],
        "package_type": cfg["PackageType"],
        "reserved_concurrent_executions": (out.get("Concurrency") or {}).get("ReservedConcurrentExecutions", -1),
        "role": cfg["Role"],
        "runtime": cfg.get("Runtime"),
        "snap_start": cfg.get("SnapStart"),
        "source_code_size": cfg["CodeSize"],
        "timeout": cfg["Timeout"],
        "tracing_config": (cfg.get("TracingConfig") or {}).get("Mode", "PassThrough"),
        "vpc_config": cfg.get("VpcConfig"),
        "tags": out.get("Tags", {}),
    }
    versions, marker, latest = [], None, None
    while True:
        page = lam.list_versions_by_function(FunctionName=name, MaxItems=10000,
                                             **({"Marker": marker} if marker else {}))
        versions += page["Versions"]
        marker = page.get("NextMarker")
        if page["Versions"] and not marker:
            latest = page["Versions"][-1]
        if not marker:
            break
    assert latest is not None, "ListVersionsByFunction: no versions (the provider's empty-result error)"
    state["version"] = latest["Version"]
    state["qualified_arn"] = latest["FunctionArn"]
    if cfg["PackageType"] == "Zip":
        # Without a configuration Lambda answers no ARN (the provider stores `aws.ToString(nil)`, "").
        csc = lam.get_function_code_signing_config(FunctionName=name)
        state["code_signing_config_arn"] = csc.get("CodeSigningConfigArn") or ""
    return state


# ---------------------------------------------------------------------------------------------------------------
# aws_lambda_function


def test_function_full_lifecycle(lam):
    name = "tf-func"
    csc = lam.create_code_signing_config(
        Description="", AllowedPublishers={"SigningProfileVersionArns": [SIGNER]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
    )["CodeSigningConfig"]["CodeSigningConfigArn"]

    # Create: what `resource "aws_lambda_function"` with every optional block given sends.
    lam.create_function(
        Code={"ZipFile": code()},
        Description="",
        FunctionName=name,
        MemorySize=128,
        PackageType="Zip",
        Publish=False,
        Role=ROLE,
        Tags={"Name": "tf-func", "ManagedBy": "terraform"},
        Timeout=3,
        Architectures=["x86_64"],
        CodeSigningConfigArn=csc,
        DeadLetterConfig={"TargetArn": DLQ},
        Environment={"Variables": {"STAGE": "dev"}},
        EphemeralStorage={"Size": 512},
        Handler="bootstrap",
        Runtime="provided.al2023",
        LoggingConfig={"LogFormat": "Text", "LogGroup": LOG_GROUP},
        KMSKeyArn=KEY,
        SnapStart={"ApplyOn": "None"},
        TracingConfig={"Mode": "PassThrough"},
        VpcConfig={"Ipv6AllowedForDualStack": False, "SecurityGroupIds": [], "SubnetIds": []},
    )
    assert find_function(lam, name) is not None
    wait_function_created(lam, name)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)

    s = read_function(lam, name)
    assert s["version"] == "$LATEST" and s["qualified_arn"].endswith(":$LATEST")
    assert s["code_signing_config_arn"] == csc
    assert s["reserved_concurrent_executions"] == 5
    assert s["tracing_config"] == "PassThrough"
    assert s["ephemeral_storage"] == 512
    assert s["environment"] == {"Variables": {"STAGE": "dev"}}
    assert s["dead_letter_config"] == DLQ
    assert s["kms_key_arn"] == KEY
    assert s["logging_config"]["LogFormat"] == "Text" and s["logging_config"]["LogGroup"] == LOG_GROUP
    assert s["architectures"] == ["x86_64"]
    assert s["tags"] == {"Name": "tf-func", "ManagedBy": "terraform"}
    # flattenSnapStart: `ApplyOn: None` (or no SnapStart) is "no block"; anything else would be a diff.
    assert (s["snap_start"] or {}).get("ApplyOn", "None") == "None"
    # An empty VpcConfig block is suppressed as a diff only when the answer's lists are empty (or absent).
    vpc = s["vpc_config"] or {}
    assert not vpc.get("SubnetIds") and not vpc.get("SecurityGroupIds")

    # Update 1: the configuration's blocks removed, as the provider sends a removal.
    lam.delete_function_code_signing_config(FunctionName=name)
    lam.update_function_configuration(
        FunctionName=name,
        DeadLetterConfig={"TargetArn": ""},
        Description="now described",
        Environment={"Variables": {}},
        FileSystemConfigs=[],
        KMSKeyArn="",
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"},
        MemorySize=256,
        SnapStart={"ApplyOn": "None"},
        Timeout=10,
        TracingConfig={"Mode": "Active"},
        VpcConfig={"Ipv6AllowedForDualStack": False, "SecurityGroupIds": [], "SubnetIds": []},
    )
    wait_function_updated(lam, name)
    lam.update_function_code(FunctionName=name, ZipFile=code("v2"), Architectures=["x86_64"])
    wait_function_updated(lam, name)
    lam.delete_function_concurrency(FunctionName=name)
    lam.untag_resource(Resource=s["arn"], TagKeys=["ManagedBy"])
    lam.tag_resource(Resource=s["arn"], Tags={"Team": "infra"})

    s2 = read_function(lam, name)
    assert s2["code_signing_config_arn"] == ""
    assert s2["dead_letter_config"] is None
    # No variables: no `Environment` at all (Terraform's acceptance test expects no `environment` back).
    assert s2["environment"] is None
    assert not s2["kms_key_arn"]
    assert s2["description"] == "now described"
    assert s2["memory_size"] == 256 and s2["timeout"] == 10
    assert s2["tracing_config"] == "Active"
    assert s2["logging_config"]["LogFormat"] == "JSON"
    assert s2["logging_config"]["ApplicationLogLevel"] == "INFO"
    assert s2["architectures"] == ["x86_64"]
    assert s2["code_sha256"] != s["code_sha256"]
    assert s2["reserved_concurrent_executions"] == -1
    assert s2["tags"] == {"Name": "tf-func", "Team": "infra"}

    # Update 2: `publish = true` turned on: PublishVersion, then the version's configuration waited on.
    out = lam.publish_version(FunctionName=name)
    cfg = wait_function_configuration_updated(lam, out["FunctionArn"], out["Version"])
    assert cfg["Version"] == out["Version"] == "1"
    s3 = read_function(lam, name)
    assert s3["version"] == "1" and s3["qualified_arn"] == out["FunctionArn"]

    # Destroy.
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=name)
    lam.delete_code_signing_config(CodeSigningConfigArn=csc)


def test_function_publish_on_create_and_qualified_read(lam):
    """`publish = true` at create: CreateFunction `Publish: true`; the read's latest published version is 1;
    a read with `qualifier` uses GetFunction(Qualifier) and GetFunctionConcurrency."""
    name = "tf-published"
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName=name, MemorySize=128,
                        PackageType="Zip", Publish=True, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023")
    wait_function_created(lam, name)
    s = read_function(lam, name)
    assert s["version"] == "1" and s["qualified_arn"].endswith(":1")
    out = find_function(lam, name, "1")
    assert out["Configuration"]["Version"] == "1"
    # The `aws_lambda_function` data source with `qualifier = "$LATEST"` stores the answer's ARN as
    # `qualified_arn`: Lambda answers it qualified.
    latest = find_function(lam, name, "$LATEST")["Configuration"]
    assert latest["FunctionArn"].endswith(f":{name}:$LATEST")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)


def test_function_vpc_replace_security_groups_on_destroy(lam):
    """A function in a VPC: create with subnets and groups; destroy with `replace_security_groups_on_destroy`
    sends a `VpcConfig` with `SecurityGroupIds` only, then waits for `LastUpdateStatus`."""
    name = "tf-vpc"
    lam.create_function(
        Code={"ZipFile": code()}, Description="", FunctionName=name, MemorySize=128, PackageType="Zip",
        Publish=False, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap", Runtime="provided.al2023",
        VpcConfig={"Ipv6AllowedForDualStack": False, "SecurityGroupIds": ["sg-0123456789abcdef0"],
                   "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]},
    )
    wait_function_created(lam, name)
    vpc = read_function(lam, name)["vpc_config"]
    assert vpc["SecurityGroupIds"] == ["sg-0123456789abcdef0"]
    assert sorted(vpc["SubnetIds"]) == ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    assert "VpcId" in vpc  # the provider stores `vpc_id` and uses it to find the default group on destroy

    # The VPC block removed: the provider's "no VPC" shape.
    lam.update_function_configuration(
        FunctionName=name,
        VpcConfig={"Ipv6AllowedForDualStack": False, "SecurityGroupIds": [], "SubnetIds": []})
    wait_function_updated(lam, name)
    vpc = read_function(lam, name)["vpc_config"] or {}
    assert not vpc.get("SubnetIds") and not vpc.get("SecurityGroupIds")

    lam.update_function_configuration(
        FunctionName=name,
        VpcConfig={"Ipv6AllowedForDualStack": False, "SecurityGroupIds": ["sg-0123456789abcdef0"],
                   "SubnetIds": ["subnet-0123456789abcdef0"]})
    wait_function_updated(lam, name)

    # Destroy with replace_security_groups_on_destroy / replacement_security_group_ids.
    lam.update_function_configuration(FunctionName=name, VpcConfig={"SecurityGroupIds": ["sg-0aaaaaaaaaaaaaaaa"]})
    wait_function_updated(lam, name)
    assert read_function(lam, name)["vpc_config"]["SecurityGroupIds"] == ["sg-0aaaaaaaaaaaaaaaa"]
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)


def test_function_source_kms_key(lam):
    """`source_kms_key_arn`: sent as `Code.SourceKMSKeyArn` at create and with every UpdateFunctionCode; the read
    takes it from GetFunction's `Code.SourceKMSKeyArn` (absent, Terraform would see a change on every plan and
    upload the code again on every apply)."""
    name = "tf-source-key"
    lam.create_function(Code={"ZipFile": code(), "SourceKMSKeyArn": KEY}, Description="", FunctionName=name,
                        MemorySize=128, PackageType="Zip", Publish=False, Role=ROLE, Timeout=3,
                        Handler="bootstrap", Runtime="provided.al2023")
    wait_function_created(lam, name)
    assert find_function(lam, name)["Code"]["SourceKMSKeyArn"] == KEY
    lam.update_function_code(FunctionName=name, ZipFile=code("v2"), SourceKMSKeyArn=KEY)
    wait_function_updated(lam, name)
    assert find_function(lam, name)["Code"]["SourceKMSKeyArn"] == KEY
    # The attribute removed: the code uploaded without a key (Lambda's own key again).
    lam.update_function_code(FunctionName=name, ZipFile=code("v3"))
    wait_function_updated(lam, name)
    assert "SourceKMSKeyArn" not in find_function(lam, name)["Code"]
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)


@pytest.mark.parametrize("member", [
    {"CapacityProviderConfig": {"LambdaManagedInstancesCapacityProviderConfig": {
        "CapacityProviderArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:capacity-provider:tf"}}},
    {"TenancyConfig": {"TenantIsolationMode": "PER_TENANT"}},
])
def test_function_members_lambkin_cannot_apply_are_refused(lam, member):
    """`capacity_provider_config`, `tenancy_config`: refused with lambkin's reason (dropped silently, Terraform's
    read would find none and replace the function on every apply)."""
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="lambkin does not support"):
        lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName="tf-refused", MemorySize=128,
                            PackageType="Zip", Publish=False, Role=ROLE, Timeout=3, Handler="bootstrap",
                            Runtime="provided.al2023", **member)
    assert find_function(lam, "tf-refused") is None
    if "TenancyConfig" not in member:
        lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName="tf-refused", MemorySize=128,
                            PackageType="Zip", Publish=False, Role=ROLE, Timeout=3, Handler="bootstrap",
                            Runtime="provided.al2023")
        wait_function_created(lam, "tf-refused")
        with pytest.raises(lam.exceptions.InvalidParameterValueException, match="lambkin does not support"):
            lam.update_function_configuration(FunctionName="tf-refused", **member)
        lam.delete_function(FunctionName="tf-refused")


def test_durable_config_reads_back_as_applied(lam):
    """`durable_config`: what Terraform applies it reads back unchanged (no replacement on the next plan); a
    change of its retention is an in-place update."""
    name = "tf-durable"
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName=name, MemorySize=128,
                        PackageType="Zip", Publish=False, Role=ROLE, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023",
                        DurableConfig={"ExecutionTimeout": 60, "RetentionPeriodInDays": 14})
    wait_function_created(lam, name)
    assert lam.get_function(FunctionName=name)["Configuration"]["DurableConfig"] == {
        "ExecutionTimeout": 60, "RetentionPeriodInDays": 14}
    lam.update_function_configuration(FunctionName=name, DurableConfig={"ExecutionTimeout": 60,
                                                                        "RetentionPeriodInDays": 7})
    wait_function_updated(lam, name)
    assert find_function(lam, name)["Configuration"]["DurableConfig"]["RetentionPeriodInDays"] == 7
    lam.delete_function(FunctionName=name)


def test_function_refresh_after_outside_delete(lam):
    """A function deleted outside Terraform: the refresh's GetFunction answers `ResourceNotFoundException`
    (removed from state); destroy's DeleteFunction of a missing function is the same error (success)."""
    name = "tf-gone"
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName=name, MemorySize=128,
                        PackageType="Zip", Publish=False, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023")
    wait_function_created(lam, name)
    lam.delete_function(FunctionName=name)
    assert find_function(lam, name) is None
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_versions_by_function(FunctionName=name, MaxItems=10000)


# ---------------------------------------------------------------------------------------------------------------
# Resources attached to a function.


@pytest.fixture()
def fn(lam, request):
    name = f"tf-{request.node.name.removeprefix('test_').replace('_', '-')}"[:64]
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName=name, MemorySize=128,
                        PackageType="Zip", Publish=True, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023")
    wait_function_created(lam, name)
    yield name
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass


def test_alias(lam, fn):
    lam.update_function_configuration(FunctionName=fn, MemorySize=256)
    wait_function_updated(lam, fn)
    v2 = lam.publish_version(FunctionName=fn, Description="")["Version"]
    assert v2 == "2"
    out = lam.create_alias(Description="", FunctionName=fn, FunctionVersion="1", Name="live", RoutingConfig={})
    arn = out["AliasArn"]
    got = lam.get_alias(FunctionName=fn, Name="live")
    assert got["AliasArn"] == arn and got["FunctionVersion"] == "1" and got["Description"] == ""
    assert not (got.get("RoutingConfig") or {}).get("AdditionalVersionWeights")

    lam.update_alias(Description="", FunctionName=fn, FunctionVersion="1", Name="live",
                     RoutingConfig={"AdditionalVersionWeights": {v2: 0.25}})
    assert lam.get_alias(FunctionName=fn, Name="live")["RoutingConfig"]["AdditionalVersionWeights"] == {v2: 0.25}

    # Weights removed: `RoutingConfig: {}`, then GetAlias until none remain.
    lam.update_alias(Description="shifted", FunctionName=fn, FunctionVersion=v2, Name="live", RoutingConfig={})
    got = lam.get_alias(FunctionName=fn, Name="live")
    assert not (got.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert got["FunctionVersion"] == v2 and got["Description"] == "shifted"

    # The function may be given by its ARN (the alias's `function_name` is often `aws_lambda_function.x.arn`).
    fn_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    assert lam.get_alias(FunctionName=fn_arn, Name="live")["AliasArn"] == arn

    lam.delete_alias(FunctionName=fn, Name="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName=fn, Name="live")


def find_statement(lam, fn: str, sid: str, qualifier: str = "") -> dict | None:
    """`findPolicyStatementByTwoPartKey`: GetPolicy (with the qualifier); the statement of that `Sid`."""
    try:
        out = lam.get_policy(FunctionName=fn, **({"Qualifier": qualifier} if qualifier else {}))
    except lam.exceptions.ResourceNotFoundException:
        return None
    assert out["RevisionId"]
    doc = json.loads(out["Policy"])
    return next((st for st in doc["Statement"] if st["Sid"] == sid), None)


def test_permission(lam, fn):
    fn_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    lam.create_alias(Description="", FunctionName=fn, FunctionVersion="1", Name="prod", RoutingConfig={})

    # A service principal with a source ARN and account on an alias, the function named by its ARN.
    lam.add_permission(Action="lambda:InvokeFunction", FunctionName=fn_arn, Principal="events.amazonaws.com",
                       StatementId="AllowExecutionFromEventBridge", Qualifier="prod",
                       SourceArn=f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tf", SourceAccount=ACCOUNT)
    st = find_statement(lam, fn_arn, "AllowExecutionFromEventBridge", "prod")
    assert st is not None
    assert st["Resource"] == f"{fn_arn}:prod"  # getQualifierFromAliasOrVersionARN
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Action"] == "lambda:InvokeFunction" and st["Effect"] == "Allow"
    assert st["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tf"
    assert st["Condition"]["StringEquals"]["AWS:SourceAccount"] == ACCOUNT

    # An account principal, an org condition, an event source token; unqualified.
    lam.add_permission(Action="lambda:InvokeFunction", FunctionName=fn, Principal="111122223333",
                       StatementId="tf-20240101000000000000000001", PrincipalOrgID="o-a1b2c3d4e5",
                       EventSourceToken="token-1")
    st = find_statement(lam, fn, "tf-20240101000000000000000001")
    assert st["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert st["Resource"] == fn_arn
    assert st["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-a1b2c3d4e5"
    assert st["Condition"]["StringEquals"]["lambda:EventSourceToken"] == "token-1"

    # A public function URL's permissions.
    lam.add_permission(Action="lambda:InvokeFunctionUrl", FunctionName=fn, Principal="*",
                       StatementId="url", FunctionUrlAuthType="NONE")
    lam.add_permission(Action="lambda:InvokeFunction", FunctionName=fn, Principal="*",
                       StatementId="via-url", InvokedViaFunctionUrl=True)
    assert find_statement(lam, fn, "url")["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"] == "NONE"
    st = find_statement(lam, fn, "via-url")
    assert st["Principal"] == "*"
    assert st["Condition"]["Bool"]["lambda:InvokedViaFunctionUrl"] == "true"

    # A second apply of the same statement: Lambda's conflict (the provider retries it, then fails).
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(Action="lambda:InvokeFunctionUrl", FunctionName=fn, Principal="*",
                           StatementId="url", FunctionUrlAuthType="NONE")

    # Destroy: RemovePermission, then GetPolicy until the statement is gone.
    for sid in ("url", "via-url", "tf-20240101000000000000000001"):
        lam.remove_permission(FunctionName=fn, StatementId=sid)
        assert find_statement(lam, fn, sid) is None
    lam.remove_permission(FunctionName=fn_arn, StatementId="AllowExecutionFromEventBridge", Qualifier="prod")
    assert find_statement(lam, fn_arn, "AllowExecutionFromEventBridge", "prod") is None
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName=fn, StatementId="url")


def test_function_url(lam, fn):
    cors = {"AllowCredentials": False, "AllowMethods": ["GET", "POST"], "AllowOrigins": ["*"], "MaxAge": 300}
    out = lam.create_function_url_config(AuthType="NONE", FunctionName=fn, Cors=cors, InvokeMode="BUFFERED")
    lam.add_permission(Action="lambda:InvokeFunctionUrl", FunctionName=fn, FunctionUrlAuthType="NONE",
                       Principal="*", StatementId="FunctionURLAllowPublicAccess")
    lam.add_permission(Action="lambda:InvokeFunction", FunctionName=fn, InvokedViaFunctionUrl=True,
                       Principal="*", StatementId="FunctionURLAllowInvokeAction")
    got = lam.get_function_url_config(FunctionName=fn)
    assert got["FunctionUrl"] == out["FunctionUrl"] and got["AuthType"] == "NONE"
    assert got["Cors"]["AllowCredentials"] is False and got["Cors"]["MaxAge"] == 300
    assert got["InvokeMode"] == "BUFFERED" and got["FunctionArn"]

    # Only what changed: the auth type, and the cors block removed (an empty `Cors`).
    lam.update_function_url_config(FunctionName=fn, AuthType="AWS_IAM")
    lam.update_function_url_config(FunctionName=fn, Cors={})
    got = lam.get_function_url_config(FunctionName=fn)
    assert got["AuthType"] == "AWS_IAM"
    assert not (got.get("Cors") or {}).get("AllowOrigins")

    # A URL on an alias.
    lam.create_alias(Description="", FunctionName=fn, FunctionVersion="1", Name="web", RoutingConfig={})
    lam.create_function_url_config(AuthType="AWS_IAM", FunctionName=fn, Qualifier="web")
    got = lam.get_function_url_config(FunctionName=fn, Qualifier="web")
    assert got["FunctionArn"].endswith(":web")
    # `invoke_mode` defaults to BUFFERED in the configuration: the answer must say so when none was given.
    assert got["InvokeMode"] == "BUFFERED"
    # The provider's `url_id`: the first label of the URL's host.
    assert got["FunctionUrl"].split("://")[1].split(".")[0]
    lam.delete_function_url_config(FunctionName=fn, Qualifier="web")

    lam.delete_function_url_config(FunctionName=fn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName=fn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_url_config(FunctionName=fn)


def test_event_invoke_config(lam, fn):
    # lambkin delivers to functions only (an SQS/SNS/EventBridge destination is refused, see the report).
    dest = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"].replace(fn, "tf-failures")
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName="tf-failures", MemorySize=128,
                        PackageType="Zip", Publish=False, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023")
    wait_function_created(lam, "tf-failures")
    # No destination_config block: the provider sends no DestinationConfig; MaximumRetryAttempts always (2).
    lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2)
    got = lam.get_function_event_invoke_config(FunctionName=fn)
    assert got["MaximumRetryAttempts"] == 2
    dc = got.get("DestinationConfig") or {}
    assert not (dc.get("OnFailure") or {}).get("Destination") and not (dc.get("OnSuccess") or {}).get("Destination")

    # Update: the whole configuration again, with a destination and an age; an empty on_success.
    lam.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=60,
                                         DestinationConfig={"OnFailure": {"Destination": dest}})
    got = lam.get_function_event_invoke_config(FunctionName=fn)
    assert got["MaximumRetryAttempts"] == 0 and got["MaximumEventAgeInSeconds"] == 60
    assert got["DestinationConfig"]["OnFailure"]["Destination"] == dest

    # On a version (id `name:qualifier`).
    lam.put_function_event_invoke_config(FunctionName=fn, Qualifier="1", MaximumRetryAttempts=1,
                                         DestinationConfig={})
    assert lam.get_function_event_invoke_config(FunctionName=fn, Qualifier="1")["MaximumRetryAttempts"] == 1
    lam.delete_function_event_invoke_config(FunctionName=fn, Qualifier="1")

    lam.delete_function_event_invoke_config(FunctionName=fn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=fn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_event_invoke_config(FunctionName=fn)
    lam.delete_function(FunctionName="tf-failures")


def test_provisioned_concurrency(lam, fn):
    lam.put_provisioned_concurrency_config(FunctionName=fn, ProvisionedConcurrentExecutions=1, Qualifier="1")

    def refresh():
        out = lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier="1")
        assert out["Status"] != "FAILED", out.get("StatusReason")
        return out, out["Status"]

    out = poll(refresh, {"IN_PROGRESS"}, {"READY"}, "waitProvisionedConcurrencyConfigReady")
    assert out["AllocatedProvisionedConcurrentExecutions"] == 1
    assert out["RequestedProvisionedConcurrentExecutions"] == 1

    lam.delete_provisioned_concurrency_config(FunctionName=fn, Qualifier="1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier="1")
    assert error_code(e) in ("ProvisionedConcurrencyConfigNotFoundException", "ResourceNotFoundException")

    # The common configuration: `qualifier = aws_lambda_alias.live.name`.
    lam.create_alias(Description="", FunctionName=fn, FunctionVersion="1", Name="live", RoutingConfig={})
    lam.put_provisioned_concurrency_config(FunctionName=fn, ProvisionedConcurrentExecutions=1, Qualifier="live")

    def refresh_alias():
        out = lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier="live")
        return out, out["Status"]

    poll(refresh_alias, {"IN_PROGRESS"}, {"READY"}, "waitProvisionedConcurrencyConfigReady (alias)")
    lam.delete_provisioned_concurrency_config(FunctionName=fn, Qualifier="live")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier="live")
    assert error_code(e) in ("ProvisionedConcurrencyConfigNotFoundException", "ResourceNotFoundException")


def test_runtime_management_config(lam, fn):
    out = lam.put_runtime_management_config(FunctionName=fn, UpdateRuntimeOn="FunctionUpdate")
    assert out["UpdateRuntimeOn"] == "FunctionUpdate" and out["FunctionArn"]
    got = lam.get_runtime_management_config(FunctionName=fn)
    assert got["UpdateRuntimeOn"] == "FunctionUpdate"
    # On a version too (the resource's optional `qualifier`).
    out = lam.put_runtime_management_config(FunctionName=fn, Qualifier="1", UpdateRuntimeOn="Auto")
    assert out["FunctionArn"].endswith(":1")
    # Destroy: Auto put back.
    lam.put_runtime_management_config(FunctionName=fn, UpdateRuntimeOn="Auto")
    assert lam.get_runtime_management_config(FunctionName=fn)["UpdateRuntimeOn"] == "Auto"


def test_function_recursion_config(lam, fn):
    out = lam.put_function_recursion_config(FunctionName=fn, RecursiveLoop="Allow")
    assert out["RecursiveLoop"] == "Allow"
    assert lam.get_function_recursion_config(FunctionName=fn)["RecursiveLoop"] == "Allow"
    lam.put_function_recursion_config(FunctionName=fn, RecursiveLoop="Terminate")
    assert lam.get_function_recursion_config(FunctionName=fn)["RecursiveLoop"] == "Terminate"


# ---------------------------------------------------------------------------------------------------------------
# Resources of their own.


def test_code_signing_config(lam):
    out = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [SIGNER]}, Description="", Tags={"Name": "tf-csc"},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
    )["CodeSigningConfig"]
    arn = out["CodeSigningConfigArn"]
    got = lam.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"]
    assert got["CodeSigningConfigId"] and got["LastModified"] and got["Description"] == ""
    assert lam.list_tags(Resource=arn)["Tags"] == {"Name": "tf-csc"}

    lam.update_code_signing_config(CodeSigningConfigArn=arn, Description="enforced",
                                   CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})
    got = lam.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"]
    assert got["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"] == "Enforce"
    assert got["AllowedPublishers"]["SigningProfileVersionArns"] == [SIGNER]
    lam.tag_resource(Resource=arn, Tags={"Team": "infra"})
    lam.untag_resource(Resource=arn, TagKeys=["Name"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"Team": "infra"}

    lam.delete_code_signing_config(CodeSigningConfigArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_code_signing_config(CodeSigningConfigArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_code_signing_config(CodeSigningConfigArn=arn)


def test_layer_version_and_permission(lam):
    layer = zip_files({"python/tf_layer.py": "X = 1\n"})
    out = lam.publish_layer_version(
        Content={"ZipFile": layer}, Description="", LayerName="tf-layer", LicenseInfo="",
        CompatibleRuntimes=["python3.12", "provided.al2023"], CompatibleArchitectures=["x86_64", "arm64"],
    )
    version_arn, layer_arn, number = out["LayerVersionArn"], out["LayerArn"], out["Version"]
    # The resource's id is the version ARN; the read parses name and number out of it.
    name, parsed = version_arn.split(":")[6], int(version_arn.split(":")[7])
    assert (name, parsed) == ("tf-layer", number)
    got = lam.get_layer_version(LayerName=name, VersionNumber=number)
    assert got["LayerVersionArn"] == version_arn and got["LayerArn"] == layer_arn
    assert got["Content"]["CodeSha256"] and got["Content"]["CodeSize"] == len(layer)
    assert got["CreatedDate"] and got["Description"] == "" and got.get("LicenseInfo", "") == ""
    assert sorted(got["CompatibleRuntimes"]) == ["provided.al2023", "python3.12"]
    assert sorted(got["CompatibleArchitectures"]) == ["arm64", "x86_64"]

    # aws_lambda_layer_version_permission, `layer_name` given as the layer's ARN (a common configuration).
    for layer_name, sid, principal in ((layer_arn, "tf-account", "111122223333"), (name, "tf-public", "*")):
        args = dict(Action="lambda:GetLayerVersion", LayerName=layer_name, Principal=principal,
                    StatementId=sid, VersionNumber=number)
        if principal == "*":
            args["OrganizationId"] = "o-a1b2c3d4e5"
        lam.add_layer_version_permission(**args)
        got = lam.get_layer_version_policy(LayerName=layer_name, VersionNumber=number)
        assert got["RevisionId"]
        doc = json.loads(got["Policy"])
        st = next(s for s in doc["Statement"] if s["Sid"] == sid)
        assert st["Action"] == "lambda:GetLayerVersion"
        if principal == "*":
            assert st["Principal"] == "*"
            assert st["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-a1b2c3d4e5"
        else:
            assert st["Principal"] == {"AWS": f"arn:aws:iam::{principal}:root"}
    for layer_name, sid in ((layer_arn, "tf-account"), (name, "tf-public")):
        lam.remove_layer_version_permission(LayerName=layer_name, StatementId=sid, VersionNumber=number)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version_policy(LayerName=layer_arn, VersionNumber=number)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_layer_version_permission(LayerName=name, StatementId="tf-public", VersionNumber=number)

    # A function using the layer by version ARN (the function's `layers`), then the layer replaced.
    lam.create_function(Code={"ZipFile": code()}, Description="", FunctionName="tf-layered", MemorySize=128,
                        PackageType="Zip", Publish=False, Role=ROLE, Tags={}, Timeout=3, Handler="bootstrap",
                        Runtime="provided.al2023", Layers=[version_arn])
    wait_function_created(lam, "tf-layered")
    assert read_function(lam, "tf-layered")["layers"] == [version_arn]
    lam.update_function_configuration(FunctionName="tf-layered", Layers=[])
    wait_function_updated(lam, "tf-layered")
    assert read_function(lam, "tf-layered")["layers"] == []
    lam.delete_function(FunctionName="tf-layered")

    # Destroy: DeleteLayerVersion; the read then answers ResourceNotFoundException; deleting again is fine.
    lam.delete_layer_version(LayerName=name, VersionNumber=number)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version(LayerName=name, VersionNumber=number)
    lam.delete_layer_version(LayerName=name, VersionNumber=number)


# ---------------------------------------------------------------------------------------------------------------
# A managed runtime: Terraform's waiter needs `Pending` while the runtime is prepared, then `Active`; a runtime
# this host cannot serve is `Failed` with the `StateReasonCode`/`StateReason` the provider puts in its error.


def test_managed_runtime_created_pending_then_active(lam):
    name = "tf-python"
    lam.create_function(Code={"ZipFile": zip_files({"app.py": "def handler(e, c):\n    return e\n"})},
                        Description="", FunctionName=name, MemorySize=128, PackageType="Zip", Publish=False,
                        Role=ROLE, Tags={}, Timeout=3, Handler="app.handler", Runtime="python3.12")
    cfg = wait_function_created(lam, name)
    assert cfg["State"] == "Active" and cfg["LastUpdateStatus"] == "Successful"
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)


def test_runtime_this_host_lacks_fails_with_a_reason(lam):
    name = "tf-missing-runtime"
    lam.create_function(Code={"ZipFile": zip_files({"app.py": "def handler(e, c):\n    return e\n"})},
                        Description="", FunctionName=name, MemorySize=128, PackageType="Zip", Publish=False,
                        Role=ROLE, Tags={}, Timeout=3, Handler="app.handler", Runtime="python3.14")
    out = find_function(lam, name)["Configuration"]
    if out["State"] == "Active":
        pytest.skip("this host serves python3.14")
    # waitFunctionCreated stops on `Failed` ("unexpected state") and reports "<StateReasonCode>: <StateReason>".
    assert out["State"] == "Failed"
    assert out["StateReasonCode"] == "InvalidRuntime" and out["StateReason"]
    with pytest.raises(AssertionError, match="unexpected state 'Failed'"):
        wait_function_created(lam, name)
    # A later `terraform apply` replaces the tainted function: DeleteFunction, then the wait for its absence.
    lam.delete_function(FunctionName=name)
    wait_function_deleted(lam, name)
