"""`lambkin serve`: round trips of the settings beyond a function's configuration, with unchanged boto3 — code
signing (an `Enforce` configuration refuses unsigned code, `Warn` logs), layer version permissions applied to a
caller of another account, recursive loop detection of destination chains, runtime management, resource
policies — and their removal with the function."""

from __future__ import annotations

import json
import urllib.request
from functools import partial

import botocore.exceptions
import pytest

from harness import wait_for

from .conftest import ACCOUNT, ROOT_ONLY, Serve, create, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY

OTHER = "210987654321"
REGION = "us-east-1"
# A second access key, mapped to another account (on loopback any key is accepted; this one names a caller).
SERVE_ARGS = ("--access-key", f"AKIDOTHER:secret:{OTHER}", "--async-delay-scale", "0.01")
SIGNER = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/release/abcdef1234"

wait_for = partial(wait_for, timeout=60, interval=0.2)


def code(e) -> tuple[str, str]:
    err = e.value.response["Error"]
    return err["Code"], err["Message"]


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def messages(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/logs?limit=10000") as r:
        return [e["message"] for e in json.loads(r.read())["events"]]


def dead_letters(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/dead-letters") as r:
        return json.loads(r.read())["deadLetters"]


def csc(lam, policy: str) -> str:
    out = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [SIGNER]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy})["CodeSigningConfig"]
    assert out["CodeSigningConfigId"].startswith("csc-") and len(out["CodeSigningConfigId"]) == 21
    assert out["CodeSigningConfigArn"] == \
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:{out['CodeSigningConfigId']}"
    return out["CodeSigningConfigArn"]


def test_code_signing(server, lam):
    enforce = csc(lam, "Enforce")
    with pytest.raises(lam.exceptions.CodeVerificationFailedException) as e:
        create(lam, "signed-enforced", CodeSigningConfigArn=enforce)
    assert code(e)[1] == (
        "Lambda cannot deploy the function. The function or layer might be signed using a signature that the "
        "client is not configured to accept. Check the provided signature for "
        f"{fn_arn('signed-enforced')}.")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="signed-enforced")

    warn = csc(lam, "Warn")
    create(lam, "signed-warned", CodeSigningConfigArn=warn)
    assert "carries no signature" in server.log()
    got = lam.get_function_code_signing_config(FunctionName="signed-warned")
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (warn, "signed-warned")
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=warn)["FunctionArns"] == \
        [fn_arn("signed-warned")]
    lam.update_function_code(FunctionName="signed-warned", ZipFile=zip_bootstrap())

    # Changes apply at the next deployment.
    updated = lam.update_code_signing_config(
        CodeSigningConfigArn=warn, CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})
    assert updated["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Enforce"}
    assert updated["CodeSigningConfig"]["AllowedPublishers"]["SigningProfileVersionArns"] == [SIGNER]
    with pytest.raises(lam.exceptions.CodeVerificationFailedException):
        lam.update_function_code(FunctionName="signed-warned", ZipFile=zip_bootstrap())
    # Layers are code too.
    layer = lam.publish_layer_version(LayerName="unsigned", Content={"ZipFile": zip_files({"x.txt": "x"})})
    with pytest.raises(lam.exceptions.CodeVerificationFailedException):
        lam.update_function_configuration(FunctionName="signed-warned", Layers=[layer["LayerVersionArn"]])

    # A configuration in use cannot be deleted.
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_code_signing_config(CodeSigningConfigArn=warn)
    lam.delete_function_code_signing_config(FunctionName="signed-warned")
    assert "CodeSigningConfigArn" not in lam.get_function_code_signing_config(FunctionName="signed-warned")
    lam.update_function_code(FunctionName="signed-warned", ZipFile=zip_bootstrap())
    lam.delete_code_signing_config(CodeSigningConfigArn=warn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_code_signing_config(CodeSigningConfigArn=warn)
    assert code(e)[1] == f"The Lambda code signing configuration {warn} can not be found."
    with pytest.raises(lam.exceptions.CodeSigningConfigNotFoundException) as e:
        lam.put_function_code_signing_config(CodeSigningConfigArn=warn, FunctionName="signed-warned")
    assert code(e)[1] == ("The code signing configuration cannot be found. Check that the provided "
                          f"configuration is not deleted: {warn}.")
    listed = [c["CodeSigningConfigArn"] for c in lam.list_code_signing_configs()["CodeSigningConfigs"]]
    assert enforce in listed and warn not in listed

    # The binding goes with its function.
    lam.put_function_code_signing_config(CodeSigningConfigArn=enforce, FunctionName="signed-warned")
    lam.delete_function(FunctionName="signed-warned")
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=enforce)["FunctionArns"] == []
    lam.delete_code_signing_config(CodeSigningConfigArn=enforce)


def test_layer_permissions_across_accounts(server, lam):
    other = server.client(key="AKIDOTHER", secret="secret")
    layer = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": zip_files({"x.txt": "x"})})
    arn = layer["LayerVersionArn"]

    def refused(call):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        return code(e)

    denied = refused(lambda: other.get_layer_version_by_arn(Arn=arn))
    assert denied == ("AccessDeniedException",
                      f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: lambda:GetLayerVersion on "
                      f"resource: {arn} because no resource-based policy allows the lambda:GetLayerVersion action")
    refused(lambda: other.get_layer_version(LayerName=layer["LayerArn"], VersionNumber=1))
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert code(e)[1] == "No policy is associated with the given resource."

    added = lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="to-other",
                                             Action="lambda:GetLayerVersion", Principal=OTHER)
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(added["Statement"]) == {
        "Sid": "to-other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "lambda:GetLayerVersion", "Resource": arn}
    assert other.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
    assert other.get_layer_version(LayerName=layer["LayerArn"], VersionNumber=1)["Version"] == 1
    # Another account has no functions (nor anything else) here.
    assert refused(lambda: other.list_functions())[0] == "AccessDeniedException"
    assert refused(lambda: other.create_function(
        FunctionName="borrower", Runtime="provided.al2023", Role=f"arn:aws:iam::{OTHER}:role/r",
        Handler="bootstrap", Code={"ZipFile": zip_bootstrap()}, Layers=[arn]))[0] == "AccessDeniedException"

    policy = lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert policy["RevisionId"] == added["RevisionId"]
    doc = json.loads(policy["Policy"])
    assert doc["Version"] == "2012-10-17" and doc["Id"] == "default"
    assert [s["Sid"] for s in doc["Statement"]] == ["to-other"]

    with pytest.raises(lam.exceptions.ResourceConflictException) as e:
        lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="to-other",
                                         Action="lambda:GetLayerVersion", Principal="*")
    assert code(e)[1] == ("The statement id (to-other) provided already exists. Please provide a new statement "
                          "id, or remove the existing statement.")
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="s2",
                                         Action="lambda:GetLayerVersion", Principal="*", RevisionId="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="s3",
                                         Action="*", Principal="*")
    assert code(e) == ("ValidationException", "1 validation error detected: Value '*' at 'action' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.add_layer_version_permission(LayerName="shared", VersionNumber=2, StatementId="s4",
                                         Action="lambda:GetLayerVersion", Principal="*")
    assert code(e)[1] == f"Layer version {layer['LayerArn']}:2 does not exist."

    # An organization's accounts: lambkin knows no organizations, so it grants nobody here.
    org = lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="org",
                                           Action="lambda:GetLayerVersion", Principal="*",
                                           OrganizationId="o-abcdefghij")
    assert json.loads(org["Statement"])["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="nope")
    assert code(e)[1] == "Statement nope is not found in resource policy."
    lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="to-other")
    refused(lambda: other.get_layer_version_by_arn(Arn=arn))

    # Everyone.
    lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="all",
                                     Action="lambda:GetLayerVersion", Principal="*")
    assert other.get_layer_version_by_arn(Arn=arn)["Version"] == 1
    # The policy goes with its layer version.
    lam.delete_layer_version(LayerName="shared", VersionNumber=1)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)


LOOPER = """#!/usr/bin/python3
import http.client, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse(); r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    print("loop-hop", flush=True)
    conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=b'{"ok": true}')
    conn.getresponse().read()
"""


def looper(lam, name: str):
    """Two functions, `name` and `name-b`, each the other's OnSuccess destination (Lambda refuses a function
    as its own destination)."""
    pair = (name, f"{name}-b")
    for n in pair:
        create(lam, n, code=zip_files({"bootstrap": LOOPER}, {"bootstrap": 0o755}))
    for n, to in (pair, pair[::-1]):
        lam.put_function_event_invoke_config(
            FunctionName=n, DestinationConfig={"OnSuccess": {"Destination": fn_arn(to)}})


def hops(server, name) -> int:
    """Invocations of the loop `name` and `name-b` together."""
    return sum(messages(server, n).count("loop-hop") for n in (name, f"{name}-b"))


def test_recursive_loop_is_stopped_after_16_invocations(server, lam):
    looper(lam, "loop")
    assert lam.get_function_recursion_config(FunctionName="loop")["RecursiveLoop"] == "Terminate"
    lam.invoke(FunctionName="loop", InvocationType="Event", Payload=b'{"start": 1}')
    letters = wait_for(lambda: dead_letters(server, "loop"), what="the stopped event")
    assert letters[0]["requestContext"]["condition"] == "RecursiveInvocationException"
    # 16 invocations ran (their log lines may trail the dead letter a little), the 17th was stopped.
    wait_for(lambda: hops(server, "loop") >= 16, what="16 log lines")
    assert hops(server, "loop") == 16
    assert "recursive loop detected" in server.log()


def test_recursive_loop_allowed_continues(server, lam):
    looper(lam, "loop-ok")
    out = lam.put_function_recursion_config(FunctionName="loop-ok", RecursiveLoop="Allow")
    assert out["RecursiveLoop"] == "Allow"
    lam.put_function_recursion_config(FunctionName="loop-ok-b", RecursiveLoop="Allow")
    assert lam.get_function_recursion_config(FunctionName="loop-ok")["RecursiveLoop"] == "Allow"
    lam.invoke(FunctionName="loop-ok", InvocationType="Event", Payload=b'{"start": 1}')
    wait_for(lambda: hops(server, "loop-ok") >= 20, what="20 invocations")
    # Bounded: back to Terminate, the chain stops at its next invocation.
    lam.put_function_recursion_config(FunctionName="loop-ok", RecursiveLoop="Terminate")
    wait_for(lambda: dead_letters(server, "loop-ok"), what="the stopped event")
    assert hops(server, "loop-ok") >= 20
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_function_recursion_config(FunctionName="loop-ok", RecursiveLoop="Sometimes")
    assert code(e) == ("ValidationException", "1 validation error detected: Value 'Sometimes' at 'recursiveLoop' "
                       "failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]")


def test_runtime_management(lam):
    create(lam, "managed")
    got = lam.get_runtime_management_config(FunctionName="managed")
    assert got["UpdateRuntimeOn"] == "Auto" and "RuntimeVersionArn" not in got
    assert got["FunctionArn"] == fn_arn("managed")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_runtime_management_config(FunctionName="managed", UpdateRuntimeOn="Manual")
    version = f"arn:aws:lambda:{REGION}::runtime:" + "0" * 64
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_runtime_management_config(FunctionName="managed", UpdateRuntimeOn="Auto",
                                          RuntimeVersionArn=version)
    out = lam.put_runtime_management_config(FunctionName="managed", UpdateRuntimeOn="Manual",
                                            RuntimeVersionArn=version)
    assert (out["UpdateRuntimeOn"], out["RuntimeVersionArn"]) == ("Manual", version)
    got = lam.get_runtime_management_config(FunctionName="managed")
    assert (got["UpdateRuntimeOn"], got["RuntimeVersionArn"]) == ("Manual", version)
    lam.publish_version(FunctionName="managed")
    lam.create_alias(FunctionName="managed", Name="live", FunctionVersion="1")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.put_runtime_management_config(FunctionName="managed", Qualifier="live", UpdateRuntimeOn="Auto")
    assert code(e)[1] == f"The provided function name {fn_arn('managed')}:live is invalid. Aliases are not allowed."
    assert lam.get_runtime_management_config(FunctionName="managed", Qualifier="1")["UpdateRuntimeOn"] == "Auto"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_runtime_management_config(FunctionName="managed", UpdateRuntimeOn="Never")
    assert code(e)[0] == "ValidationException"
    # Settings go with the function: a new function of the same name starts from the defaults.
    lam.put_function_recursion_config(FunctionName="managed", RecursiveLoop="Allow")
    lam.delete_function(FunctionName="managed")
    create(lam, "managed")
    assert lam.get_runtime_management_config(FunctionName="managed")["UpdateRuntimeOn"] == "Auto"
    assert lam.get_function_recursion_config(FunctionName="managed")["RecursiveLoop"] == "Terminate"


def test_resource_policy(lam):
    create(lam, "guarded")
    arn = fn_arn("guarded")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_resource_policy(ResourceArn=arn)
    lam.add_permission(FunctionName="guarded", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "lambda:InvokeFunction"}]}
    put = lam.put_resource_policy(ResourceArn=arn, Policy=json.dumps(policy))
    got = lam.get_resource_policy(ResourceArn=arn)
    assert got["RevisionId"] == put["RevisionId"]
    statements = json.loads(got["Policy"])["Statement"]
    # It replaced what AddPermission had added, and GetPolicy shows the same policy.
    assert [s["Sid"] for s in statements] == ["other"] and statements[0]["Resource"] == arn
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName="guarded")["Policy"])["Statement"]] == \
        ["other"]
    public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"}]}
    with pytest.raises(lam.exceptions.PublicPolicyException):
        lam.put_resource_policy(ResourceArn=arn, Policy=json.dumps(public))
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.delete_resource_policy(ResourceArn=arn, RevisionId="00000000-0000-0000-0000-000000000000")
    lam.delete_resource_policy(ResourceArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_resource_policy(ResourceArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_resource_policy(ResourceArn=f"{arn}:7")


def test_other_account_key_is_verified_off_loopback():
    s = Serve("--access-key", "AKIDLAMBKIN:s3cr3t", "--access-key", f"AKIDOTHER:0ther:{OTHER}",
              listen_host="0.0.0.0")
    try:
        owner = s.client(key="AKIDLAMBKIN", secret="s3cr3t")
        other = s.client(key="AKIDOTHER", secret="0ther")
        arn = owner.publish_layer_version(LayerName="l", Content={"ZipFile": zip_files({"x": "x"})})[
            "LayerVersionArn"]
        owner.add_layer_version_permission(LayerName="l", VersionNumber=1, StatementId="o",
                                           Action="lambda:GetLayerVersion", Principal=OTHER)
        assert other.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
        with pytest.raises(botocore.exceptions.ClientError) as e:
            other.list_functions()
        assert code(e)[0] == "AccessDeniedException"
        forged = s.client(key="AKIDOTHER", secret="wrong")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            forged.get_layer_version_by_arn(Arn=arn)
        assert code(e)[0] == "InvalidSignatureException"
    finally:
        s.close()
