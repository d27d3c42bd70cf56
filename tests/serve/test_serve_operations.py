"""`lambkin serve`: every operation of botocore's `lambda` model answers, with unchanged boto3.

Each operation is called once with plausible arguments (what it needs is created first, in the order of
`CALLS`). It either works — botocore parsed the answer and every `required` member of the output shape is
present, walking nested structures, lists and maps — or, for what lambkin does not have yet (event source
mappings, capacity providers, durable executions), it answers the specific error listed here, one the model
declares for that operation. Never `UnknownOperationException`. An operation added to botocore's model that
this table does not call fails `test_every_operation_of_the_model_is_called`.
"""

from __future__ import annotations

import json

import botocore.exceptions
import pytest
from botocore import xform_name

from .conftest import ACCOUNT, ROLE, ROOT_ONLY, create, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY

REGION = "us-east-1"
FN = "ops-fn"
FN2 = "ops-fn2"
LAYER = "ops-layer"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FN}"
LAYER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{LAYER}"
SIGNER = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/ops/abcdef1234"
DURABLE = f"{FN_ARN}:$LATEST/durable-execution/run-1/0123456789abcdef"
MISSING_UUID = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"
CAPACITY_ARGS = dict(
    CapacityProviderName="ops-capacity",
    VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]},
    PermissionsConfig={"CapacityProviderOperatorRoleArn": ROLE},
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "other-account", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": "lambda:InvokeFunction"}]})

# (operation, arguments — a dict, or a function of the state for what is known only once created —, the
# error code expected, or None for a working operation). In call order.
CALLS: list[tuple[str, object, str | None]] = [
    ("GetAccountSettings", {}, None),
    ("ListFunctions", {}, None),
    ("CreateFunction", dict(FunctionName=FN2, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"ZipFile": zip_bootstrap()}), None),
    ("GetFunction", dict(FunctionName=FN), None),
    ("GetFunctionConfiguration", dict(FunctionName=FN), None),
    ("UpdateFunctionConfiguration", dict(FunctionName=FN2, Description="updated"), None),
    ("UpdateFunctionCode", dict(FunctionName=FN2, ZipFile=zip_bootstrap()), None),
    ("PublishVersion", dict(FunctionName=FN2), None),
    ("ListVersionsByFunction", dict(FunctionName=FN), None),
    ("CreateAlias", dict(FunctionName=FN2, Name="two", FunctionVersion="1"), None),
    ("GetAlias", dict(FunctionName=FN2, Name="two"), None),
    ("UpdateAlias", dict(FunctionName=FN2, Name="two", Description="still one"), None),
    ("ListAliases", dict(FunctionName=FN), None),
    ("AddPermission", dict(FunctionName=FN, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com"), None),
    ("GetPolicy", dict(FunctionName=FN), None),
    ("RemovePermission", dict(FunctionName=FN, StatementId="s3"), None),
    ("Invoke", dict(FunctionName=FN, Payload=b'{"hello": "ops"}'), None),
    ("InvokeWithResponseStream", dict(FunctionName=FN, Payload=b'{"hello": "stream"}'), None),
    ("InvokeAsync", dict(FunctionName=FN, InvokeArgs=b'{"hello": "async"}'), None),
    ("PutFunctionConcurrency", dict(FunctionName=FN2, ReservedConcurrentExecutions=5), None),
    ("GetFunctionConcurrency", dict(FunctionName=FN2), None),
    ("DeleteFunctionConcurrency", dict(FunctionName=FN2), None),
    ("TagResource", dict(Resource=FN_ARN, Tags={"team": "ops"}), None),
    ("ListTags", dict(Resource=FN_ARN), None),
    ("UntagResource", dict(Resource=FN_ARN, TagKeys=["team"]), None),
    ("PublishLayerVersion", dict(LayerName=LAYER, Content={"ZipFile": zip_files({"lib/x.txt": "x"})},
                                 CompatibleRuntimes=["provided.al2023"]), None),
    ("GetLayerVersion", dict(LayerName=LAYER, VersionNumber=1), None),
    ("GetLayerVersionByArn", dict(Arn=f"{LAYER_ARN}:1"), None),
    ("ListLayers", {}, None),
    ("ListLayerVersions", dict(LayerName=LAYER), None),
    ("AddLayerVersionPermission", dict(LayerName=LAYER, VersionNumber=1, StatementId="share",
                                       Action="lambda:GetLayerVersion", Principal="210987654321"), None),
    ("GetLayerVersionPolicy", dict(LayerName=LAYER, VersionNumber=1), None),
    ("RemoveLayerVersionPermission", dict(LayerName=LAYER, VersionNumber=1, StatementId="share"), None),
    ("PutProvisionedConcurrencyConfig", dict(FunctionName=FN2, Qualifier="two",
                                             ProvisionedConcurrentExecutions=1), None),
    ("GetProvisionedConcurrencyConfig", dict(FunctionName=FN2, Qualifier="two"), None),
    ("ListProvisionedConcurrencyConfigs", dict(FunctionName=FN2), None),
    ("DeleteProvisionedConcurrencyConfig", dict(FunctionName=FN2, Qualifier="two"), None),
    ("PutFunctionEventInvokeConfig", dict(FunctionName=FN, MaximumRetryAttempts=1), None),
    ("UpdateFunctionEventInvokeConfig", dict(FunctionName=FN, MaximumEventAgeInSeconds=600), None),
    ("GetFunctionEventInvokeConfig", dict(FunctionName=FN), None),
    ("ListFunctionEventInvokeConfigs", dict(FunctionName=FN), None),
    ("DeleteFunctionEventInvokeConfig", dict(FunctionName=FN), None),
    ("CreateFunctionUrlConfig", dict(FunctionName=FN, AuthType="NONE"), None),
    ("GetFunctionUrlConfig", dict(FunctionName=FN), None),
    ("UpdateFunctionUrlConfig", dict(FunctionName=FN, AuthType="AWS_IAM"), None),
    ("ListFunctionUrlConfigs", dict(FunctionName=FN), None),
    ("DeleteFunctionUrlConfig", dict(FunctionName=FN), None),
    ("CreateCodeSigningConfig", dict(AllowedPublishers={"SigningProfileVersionArns": [SIGNER]},
                                     CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
                                     Description="ops"), None),
    ("GetCodeSigningConfig", lambda st: dict(CodeSigningConfigArn=st["csc"]), None),
    ("UpdateCodeSigningConfig", lambda st: dict(CodeSigningConfigArn=st["csc"], Description="ops, updated"),
     None),
    ("ListCodeSigningConfigs", {}, None),
    ("PutFunctionCodeSigningConfig", lambda st: dict(CodeSigningConfigArn=st["csc"], FunctionName=FN2), None),
    ("GetFunctionCodeSigningConfig", dict(FunctionName=FN2), None),
    ("ListFunctionsByCodeSigningConfig", lambda st: dict(CodeSigningConfigArn=st["csc"]), None),
    ("DeleteFunctionCodeSigningConfig", dict(FunctionName=FN2), None),
    ("DeleteCodeSigningConfig", lambda st: dict(CodeSigningConfigArn=st["csc"]), None),
    ("PutRuntimeManagementConfig", dict(FunctionName=FN, UpdateRuntimeOn="FunctionUpdate"), None),
    ("GetRuntimeManagementConfig", dict(FunctionName=FN), None),
    ("PutFunctionRecursionConfig", dict(FunctionName=FN, RecursiveLoop="Allow"), None),
    ("GetFunctionRecursionConfig", dict(FunctionName=FN), None),
    ("PutFunctionScalingConfig", dict(FunctionName=FN2, Qualifier="1", FunctionScalingConfig={
        "MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 3}), None),
    ("GetFunctionScalingConfig", dict(FunctionName=FN2, Qualifier="1"), None),
    ("PutResourcePolicy", dict(ResourceArn=FN_ARN, Policy=POLICY), None),
    ("GetResourcePolicy", dict(ResourceArn=FN_ARN), None),
    ("DeleteResourcePolicy", dict(ResourceArn=FN_ARN), None),
    # Event source mappings: none exist; one of a queue SQS cannot show (none is reachable here) is refused.
    ("ListEventSourceMappings", {}, None),
    ("CreateEventSourceMapping", dict(FunctionName=FN,
                                      EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:ops-queue"),
     "InvalidParameterValueException"),
    ("GetEventSourceMapping", dict(UUID=MISSING_UUID), "ResourceNotFoundException"),
    ("UpdateEventSourceMapping", dict(UUID=MISSING_UUID, BatchSize=5), "ResourceNotFoundException"),
    ("DeleteEventSourceMapping", dict(UUID=MISSING_UUID), "ResourceNotFoundException"),
    # Capacity providers (Lambda Managed Instances): none exist, none can be made.
    ("ListCapacityProviders", {}, None),
    ("CreateCapacityProvider", CAPACITY_ARGS, "InvalidParameterValueException"),
    ("GetCapacityProvider", dict(CapacityProviderName="ops-capacity"), "ResourceNotFoundException"),
    ("UpdateCapacityProvider", dict(CapacityProviderName="ops-capacity"), "ResourceNotFoundException"),
    ("ListFunctionVersionsByCapacityProvider", dict(CapacityProviderName="ops-capacity"),
     "ResourceNotFoundException"),
    ("DeleteCapacityProvider", dict(CapacityProviderName="ops-capacity"), "ResourceNotFoundException"),
    # Durable executions: a function has none.
    ("ListDurableExecutionsByFunction", dict(FunctionName=FN), None),
    ("GetDurableExecution", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("GetDurableExecutionHistory", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("GetDurableExecutionState", dict(DurableExecutionArn=DURABLE, CheckpointToken="t"),
     "InvalidParameterValueException"),
    ("CheckpointDurableExecution", dict(DurableExecutionArn=DURABLE, CheckpointToken="t"),
     "InvalidParameterValueException"),
    ("StopDurableExecution", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("PauseDurableExecution", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("ResumeDurableExecution", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("DeleteDurableExecution", dict(DurableExecutionArn=DURABLE), "ResourceNotFoundException"),
    ("SendDurableExecutionCallbackSuccess", dict(CallbackId="Y2ItMQ==", Result=b"{}"), "ResourceNotFoundException"),
    ("SendDurableExecutionCallbackFailure", dict(CallbackId="Y2ItMQ=="), "ResourceNotFoundException"),
    ("SendDurableExecutionCallbackHeartbeat", dict(CallbackId="Y2ItMQ=="), "ResourceNotFoundException"),
    # Last: what the calls above used.
    ("DeleteAlias", dict(FunctionName=FN2, Name="two"), None),
    ("DeleteLayerVersion", dict(LayerName=LAYER, VersionNumber=1), None),
    ("DeleteFunction", dict(FunctionName=FN2), None),
]

# Where Lambda's answer differs from the model's `responseCode`: DeleteFunction's model says 200 (it now binds
# `StatusCode`), Lambda answers 204 (the traces in the control-plane spec).
STATUS = {"DeleteFunction": 204}


def missing_required(shape, value, path: str) -> list[str]:
    """The `required` members of `shape` absent from `value`, walking nested structures, lists and maps."""
    out: list[str] = []
    if shape.type_name == "structure" and isinstance(value, dict):
        out += [f"{path}.{m}" for m in shape.required_members if m not in value]
        for name, member in shape.members.items():
            if name in value:
                out += missing_required(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            out += missing_required(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for k, item in value.items():
            out += missing_required(shape.value, item, f"{path}[{k}]")
    return out


@pytest.fixture(scope="module")
def state(lam):
    create(lam, FN)
    return {}


def test_every_operation_of_the_model_is_called(lam):
    model = lam.meta.service_model
    called = [op for op, _, _ in CALLS]
    assert len(called) == len(set(called)), "an operation is called twice"
    assert set(model.operation_names) - set(called) == set(), "operations of the model this test does not call"
    assert set(called) - set(model.operation_names) == set(), "operations this test calls that the model lacks"


@pytest.mark.parametrize("op,args,expected", CALLS, ids=[c[0] for c in CALLS])
def test_operation_answers(lam, state, op, args, expected):
    model = lam.meta.service_model.operation_model(op)
    kwargs = args(state) if callable(args) else args
    method = getattr(lam, xform_name(op))
    if expected is None:
        out = method(**kwargs)
        status = out["ResponseMetadata"]["HTTPStatusCode"]
        assert status == STATUS.get(op, model.http.get("responseCode", 200)), f"{op} answered {status}"
        if op == "InvokeWithResponseStream":
            list(out["EventStream"])
        if model.output_shape is not None:
            assert missing_required(model.output_shape, out, op) == []
        if op == "CreateCodeSigningConfig":
            state["csc"] = out["CodeSigningConfig"]["CodeSigningConfigArn"]
        return
    with pytest.raises(botocore.exceptions.ClientError) as e:
        method(**kwargs)
    error = e.value.response["Error"]
    declared = [s.name for s in model.error_shapes]
    assert error["Code"] == expected, error
    assert expected in declared, f"{op} does not declare {expected}"
    assert error["Message"], "the error says what is missing"
