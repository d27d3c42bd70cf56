"""`lambkin serve` replaying scenarios recorded against real AWS Lambda.

Each test replays one scenario of LocalStack's AWS-validated Lambda tests (github localstack/localstack,
tests/aws/services/lambda_/test_lambda_api.py; the responses AWS gave are in its test_lambda_api.snapshot.json)
with unchanged boto3, and compares what AWS recorded: status, error code, exact message, the response's keys and
their values. What the snapshots mark as dynamic (accounts in ARNs, dates, revision ids, code hashes and sizes,
request ids) is not compared. The expectations are written here from those recordings; nothing is copied.

Functions are `provided.al2023` ones (a `bootstrap`), so the scenarios need no managed runtime on the host.
"""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from .conftest import ACCOUNT, ROLE, create, zip_bootstrap, zip_files

REGION = "us-east-1"


def fn_arn(name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def failure(call, **kw) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


# The members of a function's configuration as AWS answers them, by answer (test_function_lifecycle,
# test_list_functions, test_publish_version_on_create). A function created with `Environment`.
COMMON = {
    "Architectures", "CodeSha256", "CodeSize", "Description", "Environment", "EphemeralStorage", "FunctionArn",
    "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType", "RevisionId",
    "Role", "Runtime", "SnapStart", "Timeout", "TracingConfig", "Version",
}
CREATED = COMMON | {"RuntimeVersionConfig", "State", "StateReason", "StateReasonCode"}
GOT = COMMON | {"RuntimeVersionConfig", "State", "LastUpdateStatus"}
UPDATED = GOT | {"LastUpdateStatusReason", "LastUpdateStatusReasonCode"}
LISTED = COMMON


def keys(answer: dict) -> set[str]:
    return set(answer) - {"ResponseMetadata"}


def check_defaults(c: dict, name: str) -> None:
    assert c["FunctionName"] == name
    assert c["Architectures"] == ["x86_64"] or c["Architectures"] == ["arm64"]
    assert c["EphemeralStorage"] == {"Size": 512}
    assert c["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert c["PackageType"] == "Zip"
    assert c["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert c["TracingConfig"] == {"Mode": "PassThrough"}


def check_runtime_version(c: dict) -> None:
    arn = c["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert arn.startswith(f"arn:aws:lambda:{REGION}::runtime:") and len(arn) > len("arn:aws:lambda:::runtime:")


def test_function_lifecycle(lam):
    """test_function_lifecycle: create, get, update configuration, update code, delete, delete again."""
    name = "rec-lifecycle"
    out = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                              Code={"ZipFile": zip_bootstrap()}, MemorySize=256, Timeout=5,
                              Environment={"Variables": {}})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(out) == CREATED
    check_defaults(out, name)
    check_runtime_version(out)
    assert (out["State"], out["StateReason"], out["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")
    assert (out["MemorySize"], out["Timeout"], out["Description"], out["Version"]) == (256, 5, "", "$LATEST")
    assert out["Environment"] == {"Variables": {}}
    assert out["FunctionArn"] == fn_arn(name)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})

    got = lam.get_function(FunctionName=name)
    assert set(got) - {"ResponseMetadata"} == {"Code", "Configuration"}, "no Tags member without tags"
    assert got["Code"]["RepositoryType"] == "S3" and set(got["Code"]) == {"Location", "RepositoryType"}
    c = got["Configuration"]
    assert keys(c) == GOT
    assert (c["State"], c["LastUpdateStatus"]) == ("Active", "Successful")
    assert c["RuntimeVersionConfig"] == out["RuntimeVersionConfig"]

    up = lam.update_function_configuration(FunctionName=name, Runtime="provided.al2", Description="Changed",
                                           MemorySize=512, Timeout=10, Environment={"Variables": {"ENV_A": "a"}})
    assert keys(up) == UPDATED
    assert (up["State"], up["LastUpdateStatus"], up["LastUpdateStatusReason"], up["LastUpdateStatusReasonCode"]) == (
        "Active", "InProgress", "The function is being created.", "Creating")
    assert (up["Runtime"], up["Description"], up["MemorySize"], up["Timeout"]) == ("provided.al2", "Changed", 512, 10)
    assert up["RuntimeVersionConfig"] != out["RuntimeVersionConfig"], "another runtime, another runtime version"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    c = lam.get_function(FunctionName=name)["Configuration"]
    assert keys(c) == GOT and c["LastUpdateStatus"] == "Successful"
    assert c["Environment"] == {"Variables": {"ENV_A": "a"}}

    code = lam.update_function_code(FunctionName=name, ZipFile=zip_bootstrap(extra={"more.txt": "x"}))
    assert keys(code) == UPDATED
    assert code["CodeSha256"] != out["CodeSha256"] and code["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})

    gone = lam.delete_function(FunctionName=name)
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204 and gone["StatusCode"] == 204
    assert failure(lam.delete_function, FunctionName=name) == (
        404, "ResourceNotFoundException", f"Function not found: {fn_arn(name)}")


def test_publish_version_on_create_and_list_versions(lam):
    """test_publish_version_on_create: CreateFunction with Publish answers version 1 under the unqualified ARN;
    ListVersionsByFunction lists `$LATEST` with its qualified ARN, without state members."""
    name = "rec-publish"
    out = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                              Code={"ZipFile": zip_bootstrap()}, Publish=True)
    assert out["Version"] == "1" and out["FunctionArn"] == fn_arn(name)
    assert "LastUpdateStatus" not in out and out["State"] == "Pending"
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    v1 = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    assert v1["FunctionArn"] == fn_arn(name, "1") and v1["LastUpdateStatus"] == "Successful"
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["FunctionArn"] for v in versions] == [fn_arn(name, "$LATEST"), fn_arn(name, "1")]
    assert all(keys(v) == LISTED - {"Environment"} for v in versions)
    again = lam.publish_version(FunctionName=name)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (again["Version"], again["FunctionArn"], again["State"], again["LastUpdateStatus"]) == (
        "1", fn_arn(name, "1"), "Active", "Successful")
    check_runtime_version(again)


def test_list_functions(lam):
    """test_list_functions: entries without state; with FunctionVersion=ALL, `$LATEST` has its qualified ARN."""
    for n in ("rec-list-1", "rec-list-2"):
        create(lam, n, Environment={"Variables": {}}, Publish=n.endswith("1"))
    assert failure(lam.list_functions, FunctionVersion="invalid") == (
        400, "ValidationException", "1 validation error detected: Value 'invalid' at 'functionVersion' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ALL]")
    pages = lam.get_paginator("list_functions")
    default = [f for f in pages.paginate(PaginationConfig={"PageSize": 1}).build_full_result()["Functions"]
               if f["FunctionName"].startswith("rec-list-")]
    assert sorted(f["FunctionArn"] for f in default) == [fn_arn("rec-list-1"), fn_arn("rec-list-2")]
    assert all(keys(f) == LISTED for f in default)
    every = [f for f in pages.paginate(FunctionVersion="ALL", PaginationConfig={"PageSize": 1})
             .build_full_result()["Functions"] if f["FunctionName"].startswith("rec-list-")]
    assert sorted(f["FunctionArn"] for f in every) == [
        fn_arn("rec-list-1", "$LATEST"), fn_arn("rec-list-1", "1"), fn_arn("rec-list-2", "$LATEST")]
    assert all(keys(f) == LISTED for f in every)


RUNTIME_ENUM_HEAD = "at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["
ROLE_PATTERN = ("1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must "
                "satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")


def check_runtime_refused(got: tuple[int, str, str], value: str) -> None:
    status, code, message = got
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith(f"Value {value} {RUNTIME_ENUM_HEAD}") and message.endswith("] or be a valid ARN")
    listed = message[len(f"Value {value} {RUNTIME_ENUM_HEAD}"):-len("] or be a valid ARN")].split(", ")
    # The runtimes AWS listed when the scenario was recorded (the list grows with new runtimes).
    assert {"nodejs20.x", "python3.14", "provided.al2023", "python3.12", "java21", "ruby3.3", "python3.8",
            "nodejs16.x", "dotnet8", "java8.al2", "provided.al2"} <= set(listed)


def test_create_lambda_exceptions(lam):
    """test_create_lambda_exceptions: role pattern, unknown and upper-case runtimes, architectures, a zip that
    is not one."""
    base = dict(FunctionName="rec-invalid", Handler="index.handler", PackageType="Zip",
                Code={"ZipFile": zip_files({"index.py": "def handler(e, c): return e\n"})})
    assert failure(lam.create_function, Role="r1", Runtime="python3.12", **base) == (
        400, "ValidationException", ROLE_PATTERN)
    check_runtime_refused(failure(lam.create_function, Role=ROLE, Runtime="non-existent-runtime", **base),
                          "non-existent-runtime")
    check_runtime_refused(failure(lam.create_function, Role=ROLE, Runtime="PYTHON3.9", **base), "PYTHON3.9")
    assert failure(lam.create_function, Role=ROLE, Runtime="python3.12", Architectures=["x86_64", "arm64"],
                   **base) == (400, "ValidationException", "1 validation error detected: Value '[x86_64, arm64]' "
                               "at 'architectures' failed to satisfy constraint: Member must have length less "
                               "than or equal to 1")
    assert failure(lam.create_function, Role=ROLE, Runtime="python3.12", Architectures=["X86_64"], **base) == (
        400, "ValidationException", "1 validation error detected: Value '[X86_64]' at 'architectures' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], "
        "Member must not be null]")
    assert failure(lam.create_function, Role=ROLE, Runtime="python3.12",
                   **{**base, "Code": {"ZipFile": b"this is not a zip file"}}) == (
        400, "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.")


def test_update_lambda_exceptions(lam):
    """test_update_lambda_exceptions: the same role and runtime checks on UpdateFunctionConfiguration."""
    create(lam, "rec-update-exc")
    assert failure(lam.update_function_configuration, FunctionName="rec-update-exc", Role="r1") == (
        400, "ValidationException", ROLE_PATTERN)
    check_runtime_refused(failure(lam.update_function_configuration, FunctionName="rec-update-exc",
                                  Runtime="non-existent-runtime"), "non-existent-runtime")


def test_ops_on_nonexisting_function(lam):
    """test_ops_on_nonexisting_fn, test_ops_on_nonexisting_version, test_delete_on_nonexisting_version."""
    missing = fn_arn("rec-nonexisting")
    for op in ("delete_function", "get_function", "get_function_configuration",
               "get_function_code_signing_config", "get_function_concurrency"):
        assert failure(getattr(lam, op), FunctionName="rec-nonexisting") == (
            404, "ResourceNotFoundException", f"Function not found: {missing}"), op
    assert failure(lam.get_function_url_config, FunctionName="rec-nonexisting") == (
        404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert failure(lam.get_function_event_invoke_config, FunctionName="rec-nonexisting") == (
        404, "ResourceNotFoundException", f"The function {missing}:$LATEST doesn't have an EventInvokeConfig")
    assert failure(lam.delete_function, FunctionName="rec-nonexisting", Qualifier="1") == (
        404, "ResourceNotFoundException", f"Function not found: {missing}")
    assert failure(lam.invoke, FunctionName="rec-nonexisting") == (
        404, "ResourceNotFoundException", f"Function not found: {missing}:$LATEST")
    assert failure(lam.get_function, FunctionName=missing, Qualifier="$latest") == (
        404, "ResourceNotFoundException", f"Function not found: {missing}:$latest")

    create(lam, "rec-versionless")
    for op in ("get_function", "get_function_configuration"):
        assert failure(getattr(lam, op), FunctionName="rec-versionless", Qualifier="1221") == (
            404, "ResourceNotFoundException", f"Function not found: {fn_arn('rec-versionless', '1221')}"), op
    assert failure(lam.get_function_event_invoke_config, FunctionName="rec-versionless", Qualifier="1221") == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('rec-versionless', '1221')} doesn't have an EventInvokeConfig")


def test_ops_with_arn_qualifier_mismatch(lam):
    """test_ops_with_arn_qualifier_mismatch: a qualifier in the ARN and another in `Qualifier`; the same one
    (`$LATEST`), which DeleteFunction refuses before looking the function up."""
    arn = fn_arn("some-function")
    for op in ("delete_function", "get_function", "get_function_configuration"):
        assert failure(getattr(lam, op), FunctionName=f"{arn}:1", Qualifier="$LATEST") == (
            400, "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier."), op
    assert failure(lam.delete_function, FunctionName=f"{arn}:$LATEST", Qualifier="$LATEST") == (
        400, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.")
    for op in ("get_function", "get_function_configuration"):
        assert failure(getattr(lam, op), FunctionName=f"{arn}:$LATEST", Qualifier="$LATEST") == (
            404, "ResourceNotFoundException", f"Function not found: {arn}:$LATEST"), op


def test_function_wrong_region(lam):
    """test_get_function_wrong_region, test_function_arns (function_arn_other_region_exc): an ARN of another
    region than the client's."""
    create(lam, "rec-region")
    other = f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:rec-region"
    msg = "Functions from 'us-west-2' are not reachable in this region ('us-east-1')"
    for op in ("get_function", "get_function_configuration", "get_function_url_config",
               "get_function_code_signing_config", "get_function_event_invoke_config", "get_function_concurrency",
               "delete_function", "invoke"):
        assert failure(getattr(lam, op), FunctionName=other) == (404, "ResourceNotFoundException", msg), op
    assert failure(lam.create_function, FunctionName=other.replace("rec-region", "rec-region-2"),
                   Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                   Code={"ZipFile": zip_bootstrap()}) == (404, "ResourceNotFoundException", msg)
    assert lam.get_function(FunctionName="rec-region")["Configuration"]["State"] == "Active"


def test_eventinvokeconfig_exceptions(lam):
    """test_lambda_eventinvokeconfig_exceptions: the function and the configuration that do not exist, a
    request without settings, destinations that do not exist or are the function itself."""
    create(lam, "rec-eic")
    create(lam, "rec-eic-2")
    for kw in ({"FunctionName": "doesnotexist"}, {"FunctionName": fn_arn("doesnotexist")}):
        assert failure(lam.put_function_event_invoke_config, MaximumRetryAttempts=1, **kw) == (
            404, "ResourceNotFoundException", "The function doesn't exist.")
    assert failure(lam.put_function_event_invoke_config, FunctionName="doesnotexist") == (
        400, "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.")
    assert failure(lam.put_function_event_invoke_config, FunctionName="rec-eic",
                   DestinationConfig={"OnSuccess": {"Destination": fn_arn("doesnotexist")}}) == (
        400, "InvalidParameterValueException", f"The destination ARN {fn_arn('doesnotexist')} is invalid.")
    assert failure(lam.put_function_event_invoke_config, FunctionName="rec-eic",
                   DestinationConfig={"OnSuccess": {"Destination": fn_arn("rec-eic")}}) == (
        400, "InvalidParameterValueException", "You can't specify the function as a destination for itself.")
    iam = fn_arn("rec-eic").replace(":lambda:", ":iam:")
    assert failure(lam.put_function_event_invoke_config, FunctionName="rec-eic",
                   DestinationConfig={"OnSuccess": {"Destination": iam}}) == (
        400, "InvalidParameterValueException", f"The provided destination config DestinationConfig(onSuccess="
        f"OnSuccess(destination={iam}), onFailure=null) is invalid.")
    ok = lam.put_function_event_invoke_config(
        FunctionName="rec-eic", DestinationConfig={"OnSuccess": {"Destination": fn_arn("rec-eic-2")}})
    assert ok["DestinationConfig"]["OnSuccess"]["Destination"] == fn_arn("rec-eic-2")
    assert failure(lam.list_function_event_invoke_configs, FunctionName="doesnotexist") == (
        404, "ResourceNotFoundException", "The function doesn't exist.")
    assert failure(lam.update_function_event_invoke_config, FunctionName="doesnotexist",
                   MaximumRetryAttempts=1) == (404, "ResourceNotFoundException", "The function doesn't exist.")
    assert failure(lam.get_function_event_invoke_config, FunctionName="doesnotexist") == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('doesnotexist', '$LATEST')} doesn't have an EventInvokeConfig")
    assert failure(lam.delete_function_event_invoke_config, FunctionName="doesnotexist") == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('doesnotexist', '$LATEST')} doesn't have an EventInvokeConfig")
    assert failure(lam.get_function_event_invoke_config, FunctionName="rec-eic", Qualifier="doesnotexist") == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('rec-eic', 'doesnotexist')} doesn't have an EventInvokeConfig")
    assert failure(lam.update_function_event_invoke_config, FunctionName="rec-eic-2",
                   MaximumRetryAttempts=1) == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('rec-eic-2', '$LATEST')} doesn't have an EventInvokeConfig")


LAYER_ZIP = zip_files({"python/layer_mod.py": "VALUE = 1\n"})
NOT_THERE = "The resource you requested does not exist."


def test_layer_exceptions(lam):
    """test_layer_exceptions: layer versions that do not exist, versions below 1, deletes of nothing, empty
    compatibility lists."""
    p = lam.publish_layer_version(LayerName="rec-layer", CompatibleRuntimes=["python3.12"],
                                  CompatibleArchitectures=["x86_64"], Content={"ZipFile": LAYER_ZIP})
    assert p["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(p) == {"CompatibleArchitectures", "CompatibleRuntimes", "Content", "CreatedDate", "Description",
                       "LayerArn", "LayerVersionArn", "Version"}
    assert failure(lam.list_layers, CompatibleArchitecture="archdoesnotexist") == (
        400, "ValidationException", "1 validation error detected: Value 'archdoesnotexist' at "
        "'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]")
    assert lam.list_layer_versions(LayerName="layerdoesnotexist")["LayerVersions"] == []
    assert failure(lam.get_layer_version, LayerName="layerdoesnotexist", VersionNumber=1) == (
        404, "ResourceNotFoundException", NOT_THERE)
    for v in (-1, 0):
        assert failure(lam.get_layer_version, LayerName="rec-layer", VersionNumber=v) == (
            400, "InvalidParameterValueException", "Layer Version Cannot be less than 1")
    assert failure(lam.get_layer_version, LayerName="rec-layer", VersionNumber=2) == (
        404, "ResourceNotFoundException", NOT_THERE)
    assert failure(lam.get_layer_version_by_arn, Arn=f"{p['LayerArn']}:2") == (
        404, "ResourceNotFoundException", NOT_THERE)
    status, code, _ = failure(lam.get_layer_version_by_arn, Arn=p["LayerArn"])
    assert (status, code) == (400, "ValidationException")
    for kw in ({"LayerName": "layerdoesnotexist", "VersionNumber": 1}, {"LayerName": "rec-layer", "VersionNumber": 2},
               {"LayerName": "rec-layer", "VersionNumber": 1}, {"LayerName": "rec-layer", "VersionNumber": 1}):
        assert lam.delete_layer_version(**kw)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert failure(lam.delete_layer_version, LayerName="rec-layer", VersionNumber=-1) == (
        400, "InvalidParameterValueException", "Layer Version Cannot be less than 1")
    empty = lam.publish_layer_version(LayerName="rec-layer-empty", CompatibleRuntimes=[],
                                      CompatibleArchitectures=[], Content={"ZipFile": LAYER_ZIP})
    assert (empty["CompatibleRuntimes"], empty["CompatibleArchitectures"]) == ([], [])
    # test_layer_s3_content: neither list given, neither answered.
    bare = lam.publish_layer_version(LayerName="rec-layer-bare", Content={"ZipFile": LAYER_ZIP})
    assert "CompatibleRuntimes" not in bare and "CompatibleArchitectures" not in bare


def test_layer_function_exceptions(lam):
    """test_layer_function_exceptions: two versions of one layer, layers that do not exist, a layer ARN without
    a version, a layer of another region."""
    arns = [lam.publish_layer_version(LayerName="rec-fn-layer", CompatibleArchitectures=["x86_64"],
                                      Content={"ZipFile": LAYER_ZIP})["LayerVersionArn"] for _ in range(3)]
    create(lam, "rec-layered")
    two = ("Two different versions of the same layer are not allowed to be referenced in the same function. "
           "{} and {} are versions of the same layer.")
    for layers, pair in ((arns[:2], arns[:2]), (arns, arns[:2]), ([arns[0], arns[0]], [arns[0], arns[0]])):
        assert failure(lam.update_function_configuration, FunctionName="rec-layered", Layers=layers) == (
            400, "InvalidParameterValueException", two.format(*pair))
    missing = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:doesnotexist:1"
    assert failure(lam.update_function_configuration, FunctionName="rec-layered", Layers=[missing]) == (
        400, "InvalidParameterValueException", f"Layer version {missing} does not exist.")
    nine = arns[0].rsplit(":", 1)[0] + ":9"
    assert failure(lam.update_function_configuration, FunctionName="rec-layered", Layers=[nine]) == (
        400, "InvalidParameterValueException", f"Layer version {nine} does not exist.")
    status, code, message = failure(lam.update_function_configuration, FunctionName="rec-layered",
                                    Layers=[arns[0].rsplit(":", 1)[0]])
    assert (status, code) == (400, "ValidationException") and "at 'layers' failed to satisfy constraint" in message
    assert failure(lam.create_function, FunctionName="rec-layered-2", Runtime="provided.al2023", Role=ROLE,
                   Handler="bootstrap", Code={"ZipFile": zip_bootstrap()},
                   Layers=[arns[0].replace(REGION, "eu-west-1")]) == (
        400, "InvalidParameterValueException",
        f"Layers are not in the same region as the function. Layers are expected to be in region {REGION}.")
    assert "Layers" not in lam.get_function_configuration(FunctionName="rec-layered")


def test_layer_policy_exceptions(lam):
    """test_layer_policy_exceptions: no policy yet, an action other than lambda:GetLayerVersion, a statement id
    twice, a stale revision id, layers and versions that do not exist."""
    p = lam.publish_layer_version(LayerName="rec-policy", Content={"ZipFile": LAYER_ZIP})
    assert failure(lam.get_layer_version_policy, LayerName="rec-policy", VersionNumber=1) == (
        404, "ResourceNotFoundException", "No policy is associated with the given resource.")
    grant = dict(Action="lambda:GetLayerVersion", Principal="*")
    added = lam.add_layer_version_permission(LayerName="rec-policy", VersionNumber=1, StatementId="s1", **grant)
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201 and keys(added) == {"RevisionId", "Statement"}
    assert failure(lam.add_layer_version_permission, LayerName="rec-policy", VersionNumber=1, StatementId="s2",
                   Action="*", Principal="*") == (
        400, "ValidationException", "1 validation error detected: Value '*' at 'action' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion")
    assert failure(lam.add_layer_version_permission, LayerName="rec-policy", VersionNumber=1, StatementId="s1",
                   **grant) == (409, "ResourceConflictException", "The statement id (s1) provided already exists. "
                                "Please provide a new statement id, or remove the existing statement.")
    stale = ("The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to "
             "retrieve the latest Revision Id")
    assert failure(lam.add_layer_version_permission, LayerName="rec-policy", VersionNumber=1, StatementId="s3",
                   RevisionId="wrong", **grant) == (412, "PreconditionFailedException", stale)
    for name, version in (("rec-policy-doesnotexist", 1), ("rec-policy", 2)):
        msg = (404, "ResourceNotFoundException",
               f"Layer version {p['LayerArn'].replace('rec-policy', name)}:{version} does not exist.")
        assert failure(lam.add_layer_version_permission, LayerName=name, VersionNumber=version,
                       StatementId="s9", **grant) == msg
        assert failure(lam.get_layer_version_policy, LayerName=name, VersionNumber=version) == msg
        assert failure(lam.remove_layer_version_permission, LayerName=name, VersionNumber=version,
                       StatementId="s1") == msg
    assert failure(lam.remove_layer_version_permission, LayerName="rec-policy", VersionNumber=1,
                   StatementId="doesnotexist") == (
        404, "ResourceNotFoundException", "Statement doesnotexist is not found in resource policy.")
    assert failure(lam.remove_layer_version_permission, LayerName="rec-policy", VersionNumber=1, StatementId="s1",
                   RevisionId="wrong") == (412, "PreconditionFailedException", stale)


SIGNER = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/test"


def test_code_signing_not_found_excs(lam):
    """test_code_signing_not_found_excs and test_function_code_signing_config."""
    create(lam, "rec-csc")
    out = lam.create_code_signing_config(
        Description="Testing CodeSigning Config", AllowedPublishers={"SigningProfileVersionArns": [SIGNER]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    csc = out["CodeSigningConfig"]
    assert set(csc) == {"AllowedPublishers", "CodeSigningConfigArn", "CodeSigningConfigId", "CodeSigningPolicies",
                        "Description", "LastModified"}
    arn = csc["CodeSigningConfigArn"]
    bad = arn[:-1] + ("x" if not arn.endswith("x") else "y")
    gone = (404, "ResourceNotFoundException", f"The Lambda code signing configuration {bad} can not be found.")
    assert failure(lam.delete_code_signing_config, CodeSigningConfigArn=bad) == gone
    assert lam.delete_function_code_signing_config(FunctionName="rec-csc")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    no_fn = (404, "ResourceNotFoundException", f"Function not found: {fn_arn('csc-test-doesnotexist')}")
    assert failure(lam.delete_function_code_signing_config, FunctionName="csc-test-doesnotexist") == no_fn
    assert failure(lam.put_function_code_signing_config, FunctionName="csc-test-doesnotexist",
                   CodeSigningConfigArn=arn) == no_fn
    no_csc = (404, "CodeSigningConfigNotFoundException", "The code signing configuration cannot be found. Check "
              f"that the provided configuration is not deleted: {bad}.")
    for fn in ("rec-csc", "csc-test-doesnotexist"):
        assert failure(lam.put_function_code_signing_config, FunctionName=fn, CodeSigningConfigArn=bad) == no_csc
    assert failure(lam.update_code_signing_config, CodeSigningConfigArn=bad, Description="new") == gone
    assert failure(lam.get_code_signing_config, CodeSigningConfigArn=bad) == gone
    assert failure(lam.list_functions_by_code_signing_config, CodeSigningConfigArn=bad) == gone
    assert keys(lam.get_function_code_signing_config(FunctionName="rec-csc")) == set()
    assert failure(lam.get_function_code_signing_config, FunctionName="csc-test-doesnotexist") == no_fn
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == []
    up = lam.update_code_signing_config(CodeSigningConfigArn=arn,
                                        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"})
    assert up["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    bound = lam.put_function_code_signing_config(FunctionName="rec-csc", CodeSigningConfigArn=arn)
    assert (keys(bound), bound["FunctionName"], bound["CodeSigningConfigArn"]) == (
        {"CodeSigningConfigArn", "FunctionName"}, "rec-csc", arn)
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [fn_arn("rec-csc")]
    assert lam.delete_function_code_signing_config(FunctionName="rec-csc")["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    assert lam.delete_code_signing_config(CodeSigningConfigArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_account_settings_total_code_size(lam):
    """test_account_settings, test_account_settings_total_code_size(_config_update): the members, and the total
    code size following creates, code updates, configuration updates, publishes and layers."""
    settings = lam.get_account_settings()
    assert sorted(settings["AccountLimit"]) == ["CodeSizeUnzipped", "CodeSizeZipped", "ConcurrentExecutions",
                                                "TotalCodeSize", "UnreservedConcurrentExecutions"]
    assert sorted(settings["AccountUsage"]) == ["FunctionCount", "TotalCodeSize"]

    def total() -> int:
        return lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]

    code = zip_bootstrap(extra={"size.txt": "total"})
    before = total()
    create(lam, "rec-size", code=code)
    assert total() - before == len(code)
    before = total()
    lam.update_function_configuration(FunctionName="rec-size", Description="changed")
    assert total() == before
    lam.publish_version(FunctionName="rec-size")
    assert total() - before == len(code)
    before = total()
    lam.publish_layer_version(LayerName="rec-size", Content={"ZipFile": LAYER_ZIP})
    assert total() - before == len(LAYER_ZIP)


def test_function_recursion_config(lam):
    """TestLambdaRecursion: Terminate by default, Allow stored, an invalid value refused."""
    create(lam, "rec-recursion")
    got = lam.get_function_recursion_config(FunctionName="rec-recursion")
    assert keys(got) == {"RecursiveLoop"} and got["RecursiveLoop"] == "Terminate"
    put = lam.put_function_recursion_config(FunctionName="rec-recursion", RecursiveLoop="Allow")
    assert keys(put) == {"RecursiveLoop"} and put["RecursiveLoop"] == "Allow"
    assert lam.get_function_recursion_config(FunctionName="rec-recursion")["RecursiveLoop"] == "Allow"
    assert failure(lam.put_function_recursion_config, FunctionName="rec-recursion", RecursiveLoop="InvalidValue") == (
        400, "ValidationException", "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to "
        "satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]")


def published(lam, name: str, versions: int = 2) -> None:
    """A function with `versions` published versions (each of other code)."""
    create(lam, name)
    for i in range(versions):
        if i:
            lam.update_function_code(FunctionName=name, ZipFile=zip_bootstrap(extra={"v.txt": str(i)}))
            lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
        lam.publish_version(FunctionName=name)


def test_publish_with_wrong_revisionid_and_sha256(lam):
    """test_publish_with_wrong_revisionid, test_publish_with_wrong_sha256."""
    create(lam, "rec-publish-checks")
    assert failure(lam.publish_version, FunctionName="rec-publish-checks", RevisionId="wrong") == (
        412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
    sha = lam.get_function(FunctionName="rec-publish-checks")["Configuration"]["CodeSha256"]
    assert failure(lam.publish_version, FunctionName="rec-publish-checks", CodeSha256="somenonexistentsha256") == (
        400, "InvalidParameterValueException", f"CodeSHA256 (somenonexistentsha256) is different from current "
        f"CodeSHA256 in $LATEST ({sha}). Please try again with the CodeSHA256 in $LATEST.")


def test_alias_routing_config_exceptions(server):
    """test_notfound_and_invalid_routingconfigs, test_non_existent_alias_update/deletion (AWS does not check
    the weights' range client-side: parameter validation off, as the recording was made)."""
    lam = server.client(parameter_validation=False)
    published(lam, "rec-alias")
    alias = dict(FunctionName="rec-alias", Name="custom", FunctionVersion="1")
    weights = "routingConfig.additionalVersionWeights"
    assert failure(lam.create_alias, RoutingConfig={"AdditionalVersionWeights": {"2": 0.5, "3": 0.2}}, **alias) == (
        400, "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1")
    for w in (2, -1):
        assert failure(lam.create_alias, RoutingConfig={"AdditionalVersionWeights": {"2": w}}, **alias) == (
            400, "ValidationException", f"1 validation error detected: Value '{{2={float(w)}}}' at '{weights}' "
            "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
            "equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
    assert failure(lam.create_alias, RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}, **alias) == (
        400, "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing configuration.")
    ten = (404, "ResourceNotFoundException", f"Function not found: {fn_arn('rec-alias', '10')}")
    assert failure(lam.create_alias, **{**alias, "FunctionVersion": "10"}) == ten
    assert failure(lam.create_alias, RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}}, **alias) == ten
    assert failure(lam.create_alias, RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
                   **{**alias, "FunctionVersion": "$LATEST"}) == (
        400, "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version")
    assert failure(lam.create_alias, **{**alias, "FunctionName": "rec-alias-unknown"}) == (
        404, "ResourceNotFoundException", f"Function not found: {fn_arn('rec-alias-unknown')}")
    lam.create_alias(**alias)
    assert failure(lam.create_alias, **alias) == (
        409, "ResourceConflictException", f"Alias already exists: {fn_arn('rec-alias', 'custom')}")
    assert failure(lam.get_alias, FunctionName="rec-alias", Name="non-existent") == (
        404, "ResourceNotFoundException", f"Cannot find alias arn: {fn_arn('rec-alias', 'non-existent')}")
    assert failure(lam.update_alias, FunctionName="rec-alias", Name="non-existent", Description="x") == (
        404, "ResourceNotFoundException", f"Alias not found: {fn_arn('rec-alias', 'non-existent')}")
    gone = lam.delete_alias(FunctionName="rec-alias", Name="non-existent")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_function_concurrency_exceptions(lam):
    """test_function_concurrency_exceptions."""
    for n in (1, 0):
        assert failure(lam.put_function_concurrency, FunctionName="doesnotexist", ReservedConcurrentExecutions=n) == (
            404, "ResourceNotFoundException", f"Function not found: {fn_arn('doesnotexist', '$LATEST')}")
    create(lam, "rec-concurrency")
    assert failure(lam.put_function_concurrency, FunctionName=fn_arn("rec-concurrency", "$LATEST"),
                   ReservedConcurrentExecutions=0) == (
        400, "InvalidParameterValueException", "This operation is permitted on Lambda functions only. Aliases and "
        "versions do not support this operation. Please specify either a function name or an unqualified function ARN.")


S3 = dict(Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")


def test_permission_exceptions(lam):
    """test_permission_exceptions, test_remove_multi_permissions."""
    name = "rec-permission"
    published(lam, name, versions=1)
    assert failure(lam.add_permission, FunctionName=name, StatementId="example.com", **S3) == (
        400, "ValidationException", "1 validation error detected: Value 'example.com' at 'statementId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
    assert failure(lam.add_permission, FunctionName=f"{name}:1", Qualifier="2", StatementId="s1", **S3) == (
        400, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")
    assert failure(lam.add_permission, FunctionName=name, Qualifier="$LATEST", StatementId="s1", **S3) == (
        400, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.")
    assert failure(lam.add_permission, FunctionName=name, StatementId="s1", Action="lambda:InvokeFunction",
                   Principal="invalid.nonaws.com") == (
        400, "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.")
    for kw in ({"FunctionName": "doesnotexist"}, {"FunctionName": name, "Qualifier": "42"}):
        assert failure(lam.get_policy, **kw) == (404, "ResourceNotFoundException", NOT_THERE)
    assert failure(lam.add_permission, FunctionName="doesnotexist", StatementId="s1", **S3) == (
        404, "ResourceNotFoundException", f"Function not found: {fn_arn('doesnotexist')}")
    assert failure(lam.remove_permission, FunctionName=name, StatementId="s1") == (
        404, "ResourceNotFoundException", "No policy is associated with the given resource.")
    no_alias = (404, "ResourceNotFoundException",
                f"Cannot find alias arn: {fn_arn(name, 'alias-doesnotexist')}")
    assert failure(lam.add_permission, FunctionName=name, Qualifier="alias-doesnotexist", StatementId="s1",
                   **S3) == no_alias
    for q in ("42", "valid-with-$-but-doesnotexist"):
        assert failure(lam.add_permission, FunctionName=name, Qualifier=q, StatementId="s1", **S3) == (
            404, "ResourceNotFoundException", f"Function not found: {fn_arn(name, q)}")
    added = lam.add_permission(FunctionName=name, StatementId="s3", SourceArn="arn:aws:s3:::bucket", **S3)
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(added["Statement"]) == {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": fn_arn(name),
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}
    assert failure(lam.add_permission, FunctionName=name, StatementId="s3", **S3) == (
        409, "ResourceConflictException", "The statement id (s3) provided already exists. Please provide a new "
        "statement id, or remove the existing statement.")
    assert failure(lam.remove_permission, FunctionName="doesnotexist", StatementId="s3") == (
        404, "ResourceNotFoundException", f"No policy found for: {fn_arn('doesnotexist')}")
    assert failure(lam.remove_permission, FunctionName=name, Qualifier="alias-doesnotexist",
                   StatementId="s3") == no_alias
    assert failure(lam.remove_permission, FunctionName=name, StatementId="non-existent") == (
        404, "ResourceNotFoundException", "Statement non-existent is not found in resource policy.")
    lam.remove_permission(FunctionName=name, StatementId="s3")
    assert failure(lam.get_policy, FunctionName=name) == (404, "ResourceNotFoundException", NOT_THERE)


def test_permission_fn_versioning(lam):
    """test_lambda_permission_fn_versioning, test_add_lambda_permission_fields: each version and alias has its
    own policy and revision; the function's stays as it was."""
    name = "rec-permission-versions"
    create(lam, name)
    lam.add_permission(FunctionName=name, StatementId="s3", **S3)
    base = lam.get_policy(FunctionName=name)
    lam.publish_version(FunctionName=name)
    after = lam.get_policy(FunctionName=name)
    assert (after["Policy"], after["RevisionId"]) == (base["Policy"], base["RevisionId"])
    assert failure(lam.get_policy, FunctionName=name, Qualifier="1") == (404, "ResourceNotFoundException", NOT_THERE)
    lam.add_permission(FunctionName=f"{name}:1", Qualifier="1", StatementId="s3", **S3)
    v1 = lam.get_policy(FunctionName=name, Qualifier="1")
    assert [s["Resource"] for s in json.loads(v1["Policy"])["Statement"]] == [fn_arn(name, "1")]
    lam.create_alias(FunctionName=name, Name="permission-alias", FunctionVersion="1")
    assert failure(lam.add_permission, FunctionName=name, Qualifier="permission-alias", StatementId="s3",
                   RevisionId="wrong", **S3) == (
        412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetPolicy API to retrieve the latest Revision Id")
    lam.add_permission(FunctionName=name, Qualifier="permission-alias", StatementId="s3", **S3)
    aliased = lam.get_policy(FunctionName=name, Qualifier="permission-alias")
    assert [s["Resource"] for s in json.loads(aliased["Policy"])["Statement"]] == [fn_arn(name, "permission-alias")]
    again = lam.get_policy(FunctionName=name)
    assert (again["Policy"], again["RevisionId"]) == (base["Policy"], base["RevisionId"])
    lam.add_permission(FunctionName=name, StatementId="s3_2", **S3)
    two = lam.get_policy(FunctionName=name)
    assert [s["Sid"] for s in json.loads(two["Policy"])["Statement"]] == ["s3", "s3_2"]
    assert two["RevisionId"] != base["RevisionId"]
    # Principals as Lambda writes them.
    fields = lam.add_permission(FunctionName=name, StatementId="account-id", Action="lambda:InvokeFunction",
                                Principal=ACCOUNT)
    assert json.loads(fields["Statement"])["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    url = lam.add_permission(FunctionName=name, StatementId="urlPermission", Action="lambda:InvokeFunctionUrl",
                             Principal="*", SourceArn="arn:aws:s3:::bucket", SourceAccount=ACCOUNT,
                             PrincipalOrgID="o-1234567890", FunctionUrlAuthType="NONE")
    assert json.loads(url["Statement"])["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": ACCOUNT, "lambda:FunctionUrlAuthType": "NONE",
                         "aws:PrincipalOrgID": "o-1234567890"},
        "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}


def test_tag_exceptions(lam):
    """test_tag_exceptions, test_tag_limits, test_tag_versions."""
    published(lam, "rec-tags", versions=1)
    for arn in (fn_arn("rec-tags", "1"), fn_arn("rec-tags", "$LATEST")):
        assert failure(lam.tag_resource, Resource=arn, Tags={"a": "b"}) == (
            400, "InvalidParameterValueException",
            "Tags on function aliases and versions are not supported. Please specify a function ARN.")
    missing = (404, "ResourceNotFoundException", f"Function not found: {fn_arn('doesnotexist')}")
    assert failure(lam.tag_resource, Resource=fn_arn("doesnotexist"), Tags={"a": "b"}) == missing
    assert failure(lam.list_tags, Resource=fn_arn("doesnotexist")) == missing
    assert failure(lam.untag_resource, Resource=fn_arn("doesnotexist"), TagKeys=["a"]) == missing
    assert failure(lam.tag_resource, Resource=fn_arn("rec-tags"), Tags={}) == (
        400, "InvalidParameterValueException", "An error occurred and the request cannot be processed.")
    assert lam.untag_resource(Resource=fn_arn("rec-tags"), TagKeys=["nomatch"])["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    limit = (400, "InvalidParameterValueException", "Number of tags exceeds resource tag limit.")
    assert failure(lam.tag_resource, Resource=fn_arn("rec-tags"), Tags={f"k{i}": "v" for i in range(51)}) == limit
    lam.tag_resource(Resource=fn_arn("rec-tags"), Tags={f"k{i}": "v" for i in range(50)})
    assert failure(lam.tag_resource, Resource=fn_arn("rec-tags"), Tags={"one-more": "v"}) == limit
    assert len(lam.get_function(FunctionName="rec-tags")["Tags"]) == 50
    assert failure(lam.create_function, FunctionName="rec-tags-2", Runtime="provided.al2023", Role=ROLE,
                   Handler="bootstrap", Code={"ZipFile": zip_bootstrap()},
                   Tags={f"k{i}": "v" for i in range(51)}) == limit


def test_provisioned_concurrency_exceptions(lam):
    """test_provisioned_concurrency_exceptions."""
    published(lam, "rec-provisioned", versions=1)
    none = (404, "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function")
    assert failure(lam.get_provisioned_concurrency_config, FunctionName="rec-provisioned", Qualifier="1") == none

    def alias_missing(fn, a):
        return 404, "ResourceNotFoundException", f"Cannot find alias arn: {fn_arn(fn, a)}"

    def version_missing(fn, v):
        return 404, "ResourceNotFoundException", f"Function not found: {fn_arn(fn, v)}"

    latest = (400, "InvalidParameterValueException",
              "The function resource provided must be an alias or a published version.")
    for op in (lam.get_provisioned_concurrency_config, lam.delete_provisioned_concurrency_config):
        assert failure(op, FunctionName="rec-provisioned", Qualifier="noalias") == alias_missing(
            "rec-provisioned", "noalias")
        assert failure(op, FunctionName="rec-provisioned", Qualifier="10") == version_missing("rec-provisioned", "10")
        assert failure(op, FunctionName="rec-provisioned", Qualifier="$LATEST") == latest
    assert failure(lam.get_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="noalias") == (
        alias_missing("doesnotexist", "noalias"))
    assert failure(lam.delete_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="1") == (
        version_missing("doesnotexist", "1"))
    assert lam.list_provisioned_concurrency_configs(FunctionName="rec-provisioned")[
        "ProvisionedConcurrencyConfigs"] == []
    assert failure(lam.list_provisioned_concurrency_configs, FunctionName="doesnotexist") == (
        404, "ResourceNotFoundException", f"Function not found: {fn_arn('doesnotexist')}")
    put = lam.put_provisioned_concurrency_config
    assert failure(put, FunctionName="doesnotexist", Qualifier="noalias", ProvisionedConcurrentExecutions=1) == (
        alias_missing("doesnotexist", "noalias"))
    assert failure(put, FunctionName="doesnotexist", Qualifier="1", ProvisionedConcurrentExecutions=1) == (
        version_missing("doesnotexist", "1"))
    assert failure(put, FunctionName="rec-provisioned", Qualifier="doesnotexist",
                   ProvisionedConcurrentExecutions=1) == alias_missing("rec-provisioned", "doesnotexist")
    assert failure(put, FunctionName="rec-provisioned", Qualifier="10", ProvisionedConcurrentExecutions=1) == (
        version_missing("rec-provisioned", "10"))
    assert failure(put, FunctionName="rec-provisioned", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == (
        400, "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")


def test_event_source_mapping_exceptions(lam):
    """test_event_source_mapping_exceptions: what Lambda checks before lambkin refuses a mapping."""
    uuid = "00000000-0000-0000-0000-000000000000"
    for op, kw in ((lam.get_event_source_mapping, {}), (lam.delete_event_source_mapping, {}),
                   (lam.update_event_source_mapping, {"Enabled": False})):
        assert failure(op, UUID=uuid, **kw) == (404, "ResourceNotFoundException", NOT_THERE)
    assert failure(lam.create_event_source_mapping, FunctionName="doesnotexist") == (
        400, "InvalidParameterValueException", "Unrecognized event source.")
    assert failure(lam.create_event_source_mapping, FunctionName="doesnotexist",
                   EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:somequeue") == (
        400, "InvalidParameterValueException", "Function does not exist")


def test_url_config_lifecycle(lam):
    """test_url_config_lifecycle: create, duplicate, get, update, get after delete."""
    create(lam, "rec-url")
    made = lam.create_function_url_config(FunctionName="rec-url", AuthType="NONE")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(made) == {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl"}
    assert failure(lam.create_function_url_config, FunctionName="rec-url", AuthType="NONE") == (
        409, "ResourceConflictException", f"Failed to create function url config for [functionArn = "
        f"{fn_arn('rec-url')}]. Error message:  FunctionUrlConfig exists for this Lambda function")
    got = lam.get_function_url_config(FunctionName="rec-url")
    assert keys(got) == {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "InvokeMode", "LastModifiedTime"}
    assert got["InvokeMode"] == "BUFFERED"
    up = lam.update_function_url_config(FunctionName="rec-url", AuthType="AWS_IAM")
    assert keys(up) == {"AuthType", "CreationTime", "FunctionArn", "FunctionUrl", "LastModifiedTime"}
    assert up["AuthType"] == "AWS_IAM"
    lam.delete_function_url_config(FunctionName="rec-url")
    assert failure(lam.get_function_url_config, FunctionName="rec-url") == (404, "ResourceNotFoundException", NOT_THERE)


def test_eventinvokeconfig_lifecycle(lam):
    """test_lambda_eventinvokeconfig_lifecycle: Put replaces, Update merges; a version has its own."""
    create(lam, "rec-eic-life")
    put = lam.put_function_event_invoke_config(FunctionName="rec-eic-life", MaximumRetryAttempts=0)
    assert keys(put) == {"DestinationConfig", "FunctionArn", "LastModified", "MaximumRetryAttempts"}
    assert put["DestinationConfig"] == {"OnFailure": {}, "OnSuccess": {}}
    assert put["FunctionArn"] == fn_arn("rec-eic-life", "$LATEST")
    put = lam.put_function_event_invoke_config(FunctionName="rec-eic-life", MaximumEventAgeInSeconds=60)
    assert keys(put) == {"DestinationConfig", "FunctionArn", "LastModified", "MaximumEventAgeInSeconds"}
    up = lam.update_function_event_invoke_config(FunctionName="rec-eic-life", MaximumRetryAttempts=1)
    assert (up["MaximumEventAgeInSeconds"], up["MaximumRetryAttempts"]) == (60, 1)
    listed = lam.list_function_event_invoke_configs(FunctionName="rec-eic-life")["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [fn_arn("rec-eic-life", "$LATEST")]
    lam.publish_version(FunctionName="rec-eic-life")
    assert failure(lam.get_function_event_invoke_config, FunctionName="rec-eic-life", Qualifier="1") == (
        404, "ResourceNotFoundException",
        f"The function {fn_arn('rec-eic-life', '1')} doesn't have an EventInvokeConfig")


def test_layer_compatible_runtimes(lam):
    """test_layer_exceptions (publish_layer_version_exc_*), test_layer_compatibilities: every runtime Lambda
    ever had is accepted; an unknown one is refused, listing those CreateFunction accepts today."""
    old = ["nodejs12.x", "python3.7", "java8", "dotnetcore3.1", "go1.x", "ruby2.7", "provided"]
    out = lam.publish_layer_version(LayerName="rec-compat", CompatibleRuntimes=old, Content={"ZipFile": LAYER_ZIP},
                                    CompatibleArchitectures=["arm64", "x86_64"])
    assert out["CompatibleRuntimes"] == old
    for runtimes, archs in ((["invalidruntime"], ["invalidarch"]),
                            (["invalidruntime", "invalidruntime2", "nodejs20.x"], ["invalidarch", "x86_64"])):
        status, code, message = failure(lam.publish_layer_version, LayerName="rec-compat-bad",
                                        CompatibleRuntimes=runtimes, CompatibleArchitectures=archs,
                                        Content={"ZipFile": LAYER_ZIP})
        assert (status, code) == (400, "ValidationException")
        # Both violations in one message (AWS listed the runtimes first; lambkin follows the current model's
        # member order, which lists the architectures first).
        assert message.startswith("2 validation errors detected: "), message
        errors = sorted(message.removeprefix("2 validation errors detected: ").split("; "))
        assert errors[0] == (f"Value '[{', '.join(archs)}]' at 'compatibleArchitectures' failed to satisfy "
                             "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
                             "[x86_64, arm64], Member must not be null]")
        assert errors[1].startswith(f"Value '[{', '.join(runtimes)}]' at 'compatibleRuntimes' failed to satisfy "
                                    "constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, "
                                    "provided.al2023, python3.12,") and errors[1].endswith("]")
