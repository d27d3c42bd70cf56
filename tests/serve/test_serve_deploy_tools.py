"""`lambkin serve` driven the way the other deployment tools drive Lambda, with unchanged boto3 sending their
request shapes in their order: CloudFormation's Lambda resources (so CDK and SAM stacks), `cdk deploy --hotswap`
and `sam sync --code`, `serverless deploy function`, and Terraform's code and layers in S3. The Terraform
provider's finders and waiters come from test_serve_terraform_flows.py."""

from __future__ import annotations

from .conftest import ROLE, ROOT_ONLY, Serve, zip_files
from .test_serve_terraform_flows import (
    code,
    find_statement,
    poll,
    read_function,
    wait_function_configuration_updated,
    wait_function_created,
    wait_function_deleted,
    wait_function_updated,
)
from .test_serve_s3 import BUCKET, S3_ENV, s3, s3_endpoint  # noqa: F401  (fixtures)

pytestmark = ROOT_ONLY


# ---------------------------------------------------------------------------------------------------------------
# CloudFormation (CDK, SAM) and the Serverless framework. AWS's own AWS::Lambda::* handlers are not public; the
# shapes below are those of the resource schemas (aws-cloudformation/aws-cloudformation-resource-schema's
# registry documents) and of LocalStack's re-implementation of the handlers: a generated name, Tags as a map,
# environment values as strings, GetFunction until `State` is `Active` (`Failed` fails the stack with the
# state's reason); AWS::Lambda::Version publishes with `CodeSha256` and waits on the version's configuration;
# AWS::Lambda::EventInvokeConfig is always qualified (CDK's `configureAsyncInvoke` uses `$LATEST`);
# AWS::Lambda::Url and AWS::Lambda::Permission name their function by ARN (an alias's ARN for a qualified one).


def test_cloudformation_shapes(lam):
    name = "MyStack-HandlerFn4C3B2A1D-AbCdEfGhIjKl"
    zipped = code()
    out = lam.create_function(
        FunctionName=name, Role=ROLE, Handler="bootstrap", Runtime="provided.al2023", Code={"ZipFile": zipped},
        MemorySize=128, Timeout=3, Environment={"Variables": {"PORT": "8080", "DEBUG": "false"}},
        Tags={"aws-cdk:app": "demo"}, TracingConfig={"Mode": "PassThrough"}, Architectures=["x86_64"],
        LoggingConfig={"LogFormat": "JSON"},
    )
    fn_arn = out["FunctionArn"]
    assert lam.get_function(FunctionName=fn_arn)["Configuration"]["State"] in ("Pending", "Active")
    wait_function_created(lam, name)

    # AWS::Lambda::Version: PublishVersion with the code's hash, then the version's configuration waited on.
    sha = lam.get_function_configuration(FunctionName=fn_arn)["CodeSha256"]
    v = lam.publish_version(FunctionName=fn_arn, CodeSha256=sha, Description="deployed by cdk")
    cfg = wait_function_configuration_updated(lam, fn_arn, v["Version"])
    assert cfg["State"] == "Active" and cfg["Description"] == "deployed by cdk"
    # AWS::Lambda::Alias (SAM's AutoPublishAlias).
    alias_arn = lam.create_alias(FunctionName=fn_arn, Name="live", FunctionVersion=v["Version"])["AliasArn"]

    # AWS::Lambda::EventInvokeConfig on $LATEST.
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST", MaximumRetryAttempts=0)
    assert lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")["MaximumRetryAttempts"] == 0
    lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")

    # AWS::Lambda::Url on the alias, named by the alias's ARN; AWS::Lambda::Permission by ARN too.
    url = lam.create_function_url_config(FunctionName=alias_arn, AuthType="NONE")
    assert url["FunctionArn"] == alias_arn
    assert lam.get_function_url_config(FunctionName=alias_arn)["FunctionUrl"] == url["FunctionUrl"]
    lam.add_permission(FunctionName=alias_arn, StatementId="MyStack-UrlPerm", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    assert find_statement(lam, name, "MyStack-UrlPerm", "live")["Resource"] == alias_arn
    lam.remove_permission(FunctionName=alias_arn, StatementId="MyStack-UrlPerm")
    lam.delete_function_url_config(FunctionName=alias_arn)

    # Stack deletion: the alias, the version, the function (each NotFound is success).
    lam.delete_alias(FunctionName=fn_arn, Name="live")
    lam.delete_function(FunctionName=fn_arn, Qualifier=v["Version"])
    lam.delete_function(FunctionName=fn_arn)
    wait_function_deleted(lam, name)


def test_serverless_deploy_function(lam):
    """`serverless deploy function -f x`: GetFunction; UpdateFunctionConfiguration with what differs (an empty
    `Layers` list to drop layers, string environment values); GetFunction until `State` is `Active` and
    `LastUpdateStatus` `Successful`; UpdateFunctionCode unless the zip's base64 SHA-256 equals `CodeSha256`."""
    import base64
    import hashlib

    name = "my-service-dev-hello"
    first = code()
    lam.create_function(FunctionName=name, Role=ROLE, Handler="bootstrap", Runtime="provided.al2023",
                        Code={"ZipFile": first})
    wait_function_created(lam, name)

    remote = lam.get_function(FunctionName=name)["Configuration"]
    assert remote["CodeSha256"] == base64.b64encode(hashlib.sha256(first).digest()).decode()

    lam.update_function_configuration(FunctionName=name, MemorySize=512, Timeout=6, Layers=[],
                                      Environment={"Variables": {"STAGE": "dev", "RETRIES": "3"}},
                                      VpcConfig={"SecurityGroupIds": [], "SubnetIds": []})

    def ensure_state():
        c = lam.get_function(FunctionName=name)["Configuration"]
        ok = c["State"] == "Active" and c["LastUpdateStatus"] == "Successful"
        return c, "ready" if ok else "waiting"

    poll(ensure_state, {"waiting"}, {"ready"}, "ensureFunctionState")
    second = code("v2")
    lam.update_function_code(FunctionName=name, ZipFile=second)
    cfg = poll(ensure_state, {"waiting"}, {"ready"}, "ensureFunctionState")
    assert cfg["CodeSha256"] == base64.b64encode(hashlib.sha256(second).digest()).decode()
    assert cfg["MemorySize"] == 512 and cfg["Environment"]["Variables"] == {"STAGE": "dev", "RETRIES": "3"}
    lam.delete_function(FunctionName=name)


# ---------------------------------------------------------------------------------------------------------------
# Code and layers in S3 (`s3_bucket`/`s3_key`/`s3_object_version`): a real S3-compatible server (moto's, as in
# test_serve_s3.py) and a `serve` configured the way the SDKs are.



def test_function_and_layer_from_s3(s3, s3_endpoint):
    srv = Serve(env={**S3_ENV, "AWS_ENDPOINT_URL_S3": s3_endpoint})
    try:
        lam = srv.client()
        v1 = s3.put_object(Bucket=BUCKET, Key="tf/fn.zip", Body=code("s3-1"))["VersionId"]
        layer_v = s3.put_object(Bucket=BUCKET, Key="tf/layer.zip",
                                Body=zip_files({"python/x.py": "X = 1\n"}))["VersionId"]

        # aws_lambda_layer_version with s3_* (Description and LicenseInfo always sent).
        out = lam.publish_layer_version(
            Content={"S3Bucket": BUCKET, "S3Key": "tf/layer.zip", "S3ObjectVersion": layer_v},
            Description="", LayerName="tf-s3-layer", LicenseInfo="")
        got = lam.get_layer_version(LayerName="tf-s3-layer", VersionNumber=out["Version"])
        assert got["Content"]["CodeSha256"] and got["Content"]["CodeSize"] > 0

        # aws_lambda_function with s3_bucket/s3_key/s3_object_version.
        name = "tf-s3"
        lam.create_function(Code={"S3Bucket": BUCKET, "S3Key": "tf/fn.zip", "S3ObjectVersion": v1},
                            Description="", FunctionName=name, MemorySize=128, PackageType="Zip", Publish=False,
                            Role=ROLE, Timeout=3, Handler="bootstrap", Runtime="provided.al2023",
                            Layers=[out["LayerVersionArn"]])
        wait_function_created(lam, name)
        first = read_function(lam, name)
        assert first["layers"] == [out["LayerVersionArn"]]

        # A new object version: UpdateFunctionCode with the three members, then LastUpdateStatus waited on.
        v2 = s3.put_object(Bucket=BUCKET, Key="tf/fn.zip", Body=code("s3-2"))["VersionId"]
        lam.update_function_code(FunctionName=name, S3Bucket=BUCKET, S3Key="tf/fn.zip", S3ObjectVersion=v2)
        wait_function_updated(lam, name)
        assert read_function(lam, name)["code_sha256"] != first["code_sha256"]

        lam.delete_function(FunctionName=name)
        wait_function_deleted(lam, name)
        lam.delete_layer_version(LayerName="tf-s3-layer", VersionNumber=out["Version"])
    finally:
        srv.close()


def test_cdk_hotswap_and_sam_sync(lam):
    """`cdk deploy --hotswap` and `sam sync --code` skip CloudFormation: UpdateFunctionCode, the SDK's
    `FunctionUpdatedV2` waiter, then (CDK, a function with a version and an alias) PublishVersion, the
    `PublishedVersionActive` waiter and UpdateAlias; SAM publishes a layer and points the function at it."""
    name = "HotswapStack-Fn9270CBC0-Zq1x2c3v4b5n"
    lam.create_function(FunctionName=name, Role=ROLE, Handler="bootstrap", Runtime="provided.al2023",
                        Code={"ZipFile": code()}, Publish=True)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    lam.update_function_code(FunctionName=name, ZipFile=code("hot"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    v = lam.publish_version(FunctionName=name)
    assert v["Version"] == "2"
    lam.get_waiter("published_version_active").wait(FunctionName=name, Qualifier=v["Version"],
                                                    WaiterConfig={"Delay": 1})
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion=v["Version"])
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"

    layer = lam.publish_layer_version(LayerName="sam-deps", Content={"ZipFile": zip_files({"lib/a.txt": "a"})},
                                      CompatibleRuntimes=["provided.al2023"])
    lam.update_function_configuration(FunctionName=name, Layers=[layer["LayerVersionArn"]])
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    assert [la["Arn"] for la in lam.get_function(FunctionName=name)["Configuration"]["Layers"]] == \
        [layer["LayerVersionArn"]]
    lam.delete_function(FunctionName=name)
    lam.delete_layer_version(LayerName="sam-deps", VersionNumber=layer["Version"])
