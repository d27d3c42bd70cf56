"""`lambkin serve` with code and layers in S3: a real S3-compatible server (moto's standalone server, a
subprocess on a free port, versioning enabled) holds the zips; `serve` finds it the way the AWS SDKs do
(`AWS_ENDPOINT_URL_S3`, credentials and region from the environment) or by `--s3-endpoint-url`. Unchanged boto3
and AWS CLI; Lambda's error texts for missing buckets, keys and versions; signed `Code.Location` URLs."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest

from harness import MotoServer, free_port

from .conftest import ROLE, ROOT_ONLY, Serve, cli, zip_bootstrap

pytestmark = ROOT_ONLY

BUCKET = "lambkin-code"


def error_of(excinfo) -> tuple[str, int, str]:
    e = excinfo.value
    return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
            e.response["Error"].get("Message", ""))


def sha(code: bytes) -> str:
    return base64.b64encode(hashlib.sha256(code).digest()).decode()


@pytest.fixture(scope="module")
def s3_endpoint():
    moto = MotoServer()
    yield moto.endpoint
    moto.close()


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def server(s3_endpoint):
    """`serve` configured as the SDKs are: `AWS_ENDPOINT_URL_S3` and credentials in the environment."""
    s = Serve(env={**S3_ENV, "AWS_ENDPOINT_URL_S3": s3_endpoint})
    yield s
    s.close()


def put(s3, key: str, body: bytes) -> str:
    return s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]


def code_v(n: int) -> bytes:
    return zip_bootstrap(extra={"version.txt": f"v{n}"})


def read(lam, name: str, path: str, qualifier: str | None = None):
    kw = {"Qualifier": qualifier} if qualifier else {}
    out = lam.invoke(FunctionName=name, Payload=json.dumps({"read": path}).encode(), **kw)
    assert "FunctionError" not in out, out["Payload"].read()
    return json.loads(out["Payload"].read())["read"]


def wait_active(lam, name: str):
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})


def wait_updated(lam, name: str):
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})


def test_create_from_s3_invoke_and_download(lam, s3):
    code = code_v(1)
    put(s3, "fn/v1.zip", code)
    out = lam.create_function(FunctionName="from-s3", Runtime="provided.al2023", Role=ROLE,
                              Handler="bootstrap", Code={"S3Bucket": BUCKET, "S3Key": "fn/v1.zip"})
    assert out["CodeSha256"] == sha(code) and out["CodeSize"] == len(code)
    wait_active(lam, "from-s3")
    assert read(lam, "from-s3", "/var/task/version.txt") == "v1"
    got = lam.get_function(FunctionName="from-s3")
    assert got["Code"]["RepositoryType"] == "S3"
    location = got["Code"]["Location"]
    assert "Signature=" in location and "Expires=" in location
    with urllib.request.urlopen(location) as r:
        body = r.read()
    assert body == code and sha(body) == got["Configuration"]["CodeSha256"]


@pytest.mark.parametrize("v", [1, 2])
def test_create_from_s3_with_the_aws_cli(lam, s3, server, v):
    code = code_v(5)
    put(s3, "fn/cli.zip", code)
    name = f"cli-s3-v{v}"
    rc, out, err = cli(server, "lambda", "create-function", "--function-name", name, "--runtime",
                       "provided.al2023", "--role", ROLE, "--handler", "bootstrap",
                       "--code", f"S3Bucket={BUCKET},S3Key=fn/cli.zip", v=v)
    assert rc == 0, err
    assert json.loads(out)["CodeSha256"] == sha(code)
    wait_active(lam, name)
    assert read(lam, name, "/var/task/version.txt") == "v5"
    rc, out, err = cli(server, "lambda", "create-function", "--function-name", f"{name}-missing", "--runtime",
                       "provided.al2023", "--role", ROLE, "--handler", "bootstrap",
                       "--code", f"S3Bucket={BUCKET},S3Key=fn/none.zip", v=v)
    assert rc != 0
    assert "An error occurred (InvalidParameterValueException) when calling the CreateFunction operation" in err
    assert ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
            "The specified key does not exist.") in err


def test_tampered_or_unsigned_download_is_refused(lam, server):
    code = code_v(7)
    lam.create_function(FunctionName="signed", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                        Code={"ZipFile": code})
    location = lam.get_function(FunctionName="signed")["Code"]["Location"]
    base, query = location.split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    later = str(int(params["Expires"]) + 3600)
    cases = {
        "tampered expiry": f"{base}?Expires={later}&Signature={params['Signature']}",
        "tampered signature": f"{base}?Expires={params['Expires']}&Signature={'0' * 64}",
        "unsigned": base,
        "expired": f"{base}?Expires=1000000000&Signature={params['Signature']}",
    }
    for what, url in cases.items():
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url)
        assert e.value.code == 403, what
        assert e.value.headers["x-amzn-ErrorType"] == "AccessDeniedException", what
        message = json.loads(e.value.read())["message"]
        assert "GetFunction" in message, (what, message)


def test_update_code_with_object_versions(lam, s3, server):
    v1 = put(s3, "fn/app.zip", code_v(1))
    v2 = put(s3, "fn/app.zip", code_v(2))
    lam.create_function(FunctionName="versions", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                        Code={"S3Bucket": BUCKET, "S3Key": "fn/app.zip", "S3ObjectVersion": v1},
                        Publish=True)
    wait_active(lam, "versions")
    assert read(lam, "versions", "/var/task/version.txt") == "v1"
    # The newest object when no version is named.
    out = lam.update_function_code(FunctionName="versions", S3Bucket=BUCKET, S3Key="fn/app.zip", Publish=True)
    assert out["CodeSha256"] == sha(code_v(2)) and out["Version"] == "2"
    wait_updated(lam, "versions")
    assert read(lam, "versions", "/var/task/version.txt") == "v2"
    # Back to the old version by its id, with the AWS CLI.
    rc, stdout, stderr = cli(server, "lambda", "update-function-code", "--function-name", "versions",
                             "--s3-bucket", BUCKET, "--s3-key", "fn/app.zip", "--s3-object-version", v1)
    assert rc == 0, stderr
    assert json.loads(stdout)["CodeSha256"] == sha(code_v(1))
    wait_updated(lam, "versions")
    assert read(lam, "versions", "/var/task/version.txt") == "v1"
    assert read(lam, "versions", "/var/task/version.txt", qualifier="2") == "v2"
    assert v2 != v1


def test_layer_from_s3(lam, s3):
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as z:
        z.writestr("greeting.txt", "hello from an S3 layer")
    version = put(s3, "layers/greeting.zip", layer.getvalue())
    out = lam.publish_layer_version(LayerName="greeting", Content={
        "S3Bucket": BUCKET, "S3Key": "layers/greeting.zip", "S3ObjectVersion": version})
    assert out["Content"]["CodeSha256"] == sha(layer.getvalue())
    with urllib.request.urlopen(out["Content"]["Location"]) as r:
        assert r.read() == layer.getvalue()
    got = lam.get_layer_version(LayerName="greeting", VersionNumber=out["Version"])
    with urllib.request.urlopen(got["Content"]["Location"]) as r:
        assert r.read() == layer.getvalue()
    lam.create_function(FunctionName="with-s3-layer", Runtime="provided.al2023", Role=ROLE,
                        Handler="bootstrap", Code={"ZipFile": zip_bootstrap()},
                        Layers=[out["LayerVersionArn"]])
    wait_active(lam, "with-s3-layer")
    assert read(lam, "with-s3-layer", "/opt/greeting.txt") == "hello from an S3 layer"


def test_missing_bucket_key_and_version(lam, s3):
    put(s3, "fn/present.zip", code_v(3))
    missing_version = str(uuid.uuid4())
    cases = [
        ({"S3Bucket": "no-such-bucket-lambkin", "S3Key": "fn/present.zip"},
         "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: "
         "The specified bucket does not exist"),
        ({"S3Bucket": BUCKET, "S3Key": "fn/absent.zip"},
         "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
         "The specified key does not exist."),
        ({"S3Bucket": BUCKET, "S3Key": "fn/present.zip", "S3ObjectVersion": missing_version},
         "Error occurred while GetObject. S3 Error Code: NoSuchVersion. S3 Error Message: "
         "The specified version does not exist."),
    ]
    for code, message in cases:
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
            lam.create_function(FunctionName="missing", Runtime="provided.al2023", Role=ROLE,
                                Handler="bootstrap", Code=code)
        assert error_of(e) == ("InvalidParameterValueException", 400, message)
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
            lam.publish_layer_version(LayerName="missing", Content=code)
        assert error_of(e) == ("InvalidParameterValueException", 400, message)
    lam.create_function(FunctionName="keeps-code", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                        Code={"ZipFile": code_v(4)})
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.update_function_code(FunctionName="keeps-code", S3Bucket=BUCKET, S3Key="fn/absent.zip")
    assert error_of(e)[2] == cases[1][1]
    assert lam.get_function(FunctionName="keeps-code")["Configuration"]["CodeSha256"] == sha(code_v(4))


def test_zip_and_s3_together_or_neither(lam):
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_function(FunctionName="both", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"ZipFile": zip_bootstrap(), "S3Bucket": BUCKET, "S3Key": "k.zip"})
    assert error_of(e) == ("InvalidParameterValueException", 400,
                           "Please do not provide other FunctionCode parameters when providing a ZipFile.")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_function(FunctionName="neither", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={})
    assert error_of(e) == ("InvalidParameterValueException", 400, "Please provide a source for function code.")
    lam.create_function(FunctionName="upd", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                        Code={"ZipFile": zip_bootstrap()})
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.update_function_code(FunctionName="upd")
    assert error_of(e) == ("InvalidParameterValueException", 400, "Please provide a source for function code.")


def test_unzipped_limit(lam, s3):
    # 251 entries of 1 MiB of zeros: a small zip that unpacks past Lambda's 262,144,000 bytes.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("bootstrap"), "#!/bin/sh\n")
        for i in range(251):
            z.writestr(f"pad/{i}", bytes(1024 * 1024))
    put(s3, "fn/huge.zip", buf.getvalue())
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_function(FunctionName="huge", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"S3Bucket": BUCKET, "S3Key": "fn/huge.zip"})
    assert error_of(e) == ("InvalidParameterValueException", 400,
                           "Unzipped size must be smaller than 262144000 bytes")


def test_s3_endpoint_option_and_unreachable_endpoint(s3_endpoint):
    # `--s3-endpoint-url` wins over the environment; a server nobody listens on is an error, not a hang.
    dead = free_port()
    s = Serve("--s3-endpoint-url", f"http://127.0.0.1:{dead}",
              env={**S3_ENV, "AWS_ENDPOINT_URL_S3": s3_endpoint})
    try:
        lam = s.client()
        with pytest.raises(lam.exceptions.ServiceException) as e:
            lam.create_function(FunctionName="unreachable", Runtime="provided.al2023", Role=ROLE,
                                Handler="bootstrap", Code={"S3Bucket": BUCKET, "S3Key": "fn/v1.zip"})
        code, status, message = error_of(e)
        assert (code, status) == ("ServiceException", 500)
        assert f"127.0.0.1:{dead}" in message and "Error occurred while GetObject" in message
    finally:
        s.close()


def test_access_denied(tmp_path):
    # Its own S3 server enforcing IAM after the setup's 4 calls: a user without a policy cannot GetObject.
    moto = MotoServer(env={"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
    s = None
    try:
        endpoint = moto.endpoint
        kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
        admin = boto3.client("s3", **kw)
        admin.create_bucket(Bucket="private-code")
        admin.put_object(Bucket="private-code", Key="fn.zip", Body=zip_bootstrap())
        iam = boto3.client("iam", **kw)
        iam.create_user(UserName="no-rights")
        key = iam.create_access_key(UserName="no-rights")["AccessKey"]
        s = Serve(env={"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
                       "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": endpoint})
        lam = s.client()
        with pytest.raises(lam.exceptions.ClientError) as e:
            lam.create_function(FunctionName="denied", Runtime="provided.al2023", Role=ROLE,
                                Handler="bootstrap", Code={"S3Bucket": "private-code", "S3Key": "fn.zip"})
        assert error_of(e) == (
            "AccessDeniedException", 403,
            "Your access has been denied by S3, please make sure your request credentials have permission to "
            "GetObject for private-code/fn.zip. S3 Error Code: AccessDenied. S3 Error Message: Access Denied")
    finally:
        if s is not None:
            s.close()
        moto.close()


def test_download_off_loopback_and_after_restart(s3_endpoint):
    # Listening beyond loopback (SigV4 on the API), the download URL is its own credential; its secret lives in
    # the data directory, so a URL stays good across a restart.
    s = Serve("--access-key", "AKIDLAMBKIN:s3cr3t", listen_host="0.0.0.0",
              env={**S3_ENV, "AWS_ENDPOINT_URL_S3": s3_endpoint})
    try:
        lam = s.client(key="AKIDLAMBKIN", secret="s3cr3t")
        code = code_v(9)
        lam.create_function(FunctionName="offlo", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"ZipFile": code})
        location = lam.get_function(FunctionName="offlo")["Code"]["Location"]
        with urllib.request.urlopen(location) as r:
            assert r.read() == code
        s.stop()
        s.restart()
        with urllib.request.urlopen(location) as r:
            assert r.read() == code
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(location.replace("Signature=", "Signature=0"))
        assert e.value.code == 403
    finally:
        s.close()
