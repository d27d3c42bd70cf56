"""`lambkin serve`: the Lambda REST API through unchanged boto3 — the life of functions, versions, aliases,
layers, concurrency, tags, policies, and the error shapes of the spec."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import urllib.request
import zipfile

import botocore.exceptions
import pytest

from .conftest import ACCOUNT, ROLE, ROOT_ONLY, create, zip_bootstrap, zip_files

pytestmark = ROOT_ONLY


def error_of(excinfo) -> tuple[str, int, str]:
    e = excinfo.value
    return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
            e.response["Error"].get("Message", ""))


def test_create_get_list_delete(lam):
    code = zip_bootstrap()
    out = lam.create_function(
        FunctionName="life", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
        Code={"ZipFile": code}, Description="d", Environment={"Variables": {"KEY_A": "1"}},
        Tags={"team": "x"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:life"
    assert out["State"] == "Pending" and out["StateReasonCode"] == "Creating"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert out["CodeSize"] == len(code)
    assert (out["Version"], out["MemorySize"], out["Timeout"]) == ("$LATEST", 128, 3)
    assert out["EphemeralStorage"] == {"Size": 512}
    assert out["PackageType"] == "Zip" and out["Architectures"] == ["x86_64"]
    assert out["Environment"] == {"Variables": {"KEY_A": "1"}}
    assert out["RevisionId"]
    lam.get_waiter("function_active_v2").wait(FunctionName="life", WaiterConfig={"Delay": 1})
    got = lam.get_function(FunctionName="life")
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert got["Tags"] == {"team": "x"}
    assert got["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert r.read() == code
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "life" in names
    assert lam.delete_function(FunctionName="life")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_function(FunctionName="life")
    assert error_of(e) == ("ResourceNotFoundException", 404,
                           f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:life")


def test_create_twice_is_a_conflict(lam):
    create(lam, "twice")
    with pytest.raises(lam.exceptions.ResourceConflictException) as e:
        create(lam, "twice")
    assert error_of(e)[:2] == ("ResourceConflictException", 409)
    assert "Function already exist: twice" in str(e.value)


def test_pagination(lam):
    for i in range(5):
        create(lam, f"page{i}")
    seen = []
    marker = None
    while True:
        kw = {"MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        page = lam.list_functions(**kw)
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert [n for n in seen if n.startswith("page")] == [f"page{i}" for i in range(5)]
    assert len(seen) == len(set(seen))
    paginated = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 3}) for f in p["Functions"]]
    assert paginated == seen


@pytest.mark.parametrize("kw,code,field", [
    ({"MemorySize": 64}, "ValidationException", "memorySize"),
    ({"MemorySize": 10241}, "ValidationException", "memorySize"),
    ({"Timeout": 0}, "ValidationException", "timeout"),
    ({"Timeout": 901}, "ValidationException", "timeout"),
    ({"EphemeralStorage": {"Size": 100}}, "ValidationException", "ephemeralStorage"),
    ({"Runtime": "cobol"}, "InvalidParameterValueException", "cobol"),
    ({"PackageType": "Image", "Code": {"ImageUri": "x"}}, "InvalidParameterValueException", "Image"),
    ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException", "AWS_REGION"),
    ({"Layers": [f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:{i}" for i in range(1, 7)]},
     "InvalidParameterValueException", "more than 5 layers"),
    ({"Layers": [f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:missing:1"]},
     "InvalidParameterValueException", "does not exist"),
    ({"DurableConfig": {"RetentionPeriodInDays": 3}}, "InvalidParameterValueException",
     "DurableConfig.ExecutionTimeout is required"),
    # What lambkin cannot honour yet is refused by name, never silently ignored.
    ({"TenancyConfig": {"TenantIsolationMode": "PER_TENANT"}}, "InvalidParameterValueException",
     "TenancyConfig: lambkin does not support tenant isolation yet"),
])
def test_invalid_create(server, kw, code, field):
    # botocore checks ranges itself; switch that off so the server's own validation answers.
    lam = server.client(parameter_validation=False)
    args = dict(FunctionName="invalid", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                Code={"ZipFile": zip_bootstrap()})
    args.update(kw)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(**args)
    got_code, status, message = error_of(e)
    assert (got_code, status) == (code, 400), e.value.response
    assert field in (message or str(e.value))
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == code


def bad_zip(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        boot = zipfile.ZipInfo("bootstrap")
        boot.external_attr = 0o100755 << 16
        z.writestr(boot, "#!/bin/sh\n")
        if kind == "dotdot":
            z.writestr("../escape.txt", "x")
        elif kind == "absolute":
            z.writestr("/etc/escape.txt", "x")
        elif kind in ("symlink-abs", "symlink-up"):
            link = zipfile.ZipInfo("link")
            link.external_attr = (0o120777 << 16)
            z.writestr(link, "/etc/passwd" if kind == "symlink-abs" else "../../etc/passwd")
        elif kind == "bomb":
            info = zipfile.ZipInfo("zeros")
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                block = b"\0" * (1 << 20)
                for _ in range(300):
                    f.write(block)
    if kind == "garbage":
        return b"this is not a zip file at all"
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["garbage", "dotdot", "absolute", "symlink-abs", "symlink-up", "bomb"])
def test_bad_zips_are_refused(lam, kind):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName=f"badzip-{kind}", Runtime="provided.al2023", Role=ROLE,
                            Handler="bootstrap", Code={"ZipFile": bad_zip(kind)})
    assert error_of(e)[:2] == ("InvalidParameterValueException", 400), e.value.response
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=f"badzip-{kind}")


def test_unzipped_size_limit(lam):
    # 260 MB of zeros in several entries, each under the bomb ratio: refused for its unpacked size.
    buf = io.BytesIO()
    rnd = os.urandom(1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        boot = zipfile.ZipInfo("bootstrap")
        boot.external_attr = 0o100755 << 16
        z.writestr(boot, "#!/bin/sh\n")
        info = zipfile.ZipInfo("big")
        with z.open(info, "w", force_zip64=True) as f:
            for _ in range(40):
                f.write(rnd)
    small = buf.getvalue()
    assert len(small) < 50 * 1024 * 1024
    # Under the limit works (40 MB unpacked); the layer test covers the combined limit.
    create(lam, "bigish", small)


def test_update_code_and_configuration(lam):
    create(lam, "upd")
    new = zip_bootstrap(extra={"marker.txt": "v2"})
    out = lam.update_function_code(FunctionName="upd", ZipFile=new)
    assert out["LastUpdateStatus"] == "InProgress"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(new).digest()).decode()
    lam.get_waiter("function_updated_v2").wait(FunctionName="upd", WaiterConfig={"Delay": 1})
    out = lam.update_function_configuration(FunctionName="upd", Timeout=30, MemorySize=256,
                                            Environment={"Variables": {"KEY_B": "2"}})
    assert (out["Timeout"], out["MemorySize"]) == (30, 256)
    lam.get_waiter("function_updated_v2").wait(FunctionName="upd", WaiterConfig={"Delay": 1})
    cfg = lam.get_function_configuration(FunctionName="upd")
    assert cfg["LastUpdateStatus"] == "Successful"
    assert cfg["Environment"]["Variables"] == {"KEY_B": "2"}
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_function_configuration(FunctionName="upd", Timeout=5, RevisionId="stale")


def test_versions_aliases_and_qualifiers(lam):
    create(lam, "ver")
    v1 = lam.publish_version(FunctionName="ver", Description="first")
    assert v1["Version"] == "1" and v1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert v1["FunctionArn"].endswith(":function:ver:1")
    # Unchanged $LATEST: publishing again returns version 1.
    assert lam.publish_version(FunctionName="ver")["Version"] == "1"
    lam.update_function_configuration(FunctionName="ver", Environment={"Variables": {"VERSION": "2"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName="ver", WaiterConfig={"Delay": 1})
    assert lam.publish_version(FunctionName="ver")["Version"] == "2"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]]
    assert versions == ["$LATEST", "1", "2"]

    alias = lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
    assert alias["AliasArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:ver:live"
    assert lam.get_alias(FunctionName="ver", Name="live")["FunctionVersion"] == "1"
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_alias(FunctionName="ver", Name="nope", FunctionVersion="9")

    def invoked(**kw):
        r = lam.invoke(Payload=b"{}", **kw)
        return r["ExecutedVersion"], json.loads(r["Payload"].read())

    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:ver"
    assert invoked(FunctionName="ver") == ("$LATEST", invoked(FunctionName="ver")[1])
    ex, body = invoked(FunctionName="ver", Qualifier="live")
    assert (ex, body["version"], body["arn"]) == ("1", "1", f"{arn}:live")
    assert invoked(FunctionName="ver:2")[0] == "2"
    assert invoked(FunctionName=f"{arn}:live")[0] == "1"
    assert invoked(FunctionName=f"{ACCOUNT}:function:ver", Qualifier="2")[0] == "2"
    assert invoked(FunctionName=arn)[0] == "$LATEST"
    with pytest.raises(botocore.exceptions.ClientError):
        lam.invoke(FunctionName="ver:1", Qualifier="2", Payload=b"{}")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="ver", Qualifier="7", Payload=b"{}")
    assert lam.get_function(FunctionName="ver", Qualifier="live")["Configuration"]["Version"] == "1"

    lam.update_alias(FunctionName="ver", Name="live", FunctionVersion="2")
    assert invoked(FunctionName="ver", Qualifier="live")[0] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName="ver")["Aliases"]] == ["live"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName="ver", Qualifier="2")
    lam.delete_function(FunctionName="ver", Qualifier="1")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]] == \
        ["$LATEST", "2"]
    lam.delete_alias(FunctionName="ver", Name="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName="ver", Name="live")


def test_layers_are_merged_under_opt(lam):
    l1 = lam.publish_layer_version(LayerName="deps", Content={"ZipFile": zip_files(
        {"layer.txt": "from layer 1", "shared.txt": "layer 1"})}, CompatibleRuntimes=["provided.al2023"])
    assert l1["Version"] == 1 and l1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert l1["LayerVersionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:deps:1"
    l2 = lam.publish_layer_version(LayerName="more", Content={"ZipFile": zip_files(
        {"shared.txt": "layer 2"})})
    create(lam, "layered", Layers=[l1["LayerVersionArn"], l2["LayerVersionArn"]])
    cfg = lam.get_function_configuration(FunctionName="layered")
    assert [x["Arn"] for x in cfg["Layers"]] == [l1["LayerVersionArn"], l2["LayerVersionArn"]]

    def read(path):
        return json.loads(lam.invoke(FunctionName="layered",
                                     Payload=json.dumps({"read": path}))["Payload"].read())["read"]

    assert read("/opt/layer.txt") == "from layer 1"
    assert read("/opt/shared.txt") == "layer 2"  # later layers win
    got = lam.get_layer_version(LayerName="deps", VersionNumber=1)
    assert got["Content"]["CodeSha256"] == l1["Content"]["CodeSha256"]
    assert lam.get_layer_version_by_arn(Arn=l1["LayerVersionArn"])["Version"] == 1
    assert "deps" in [x["LayerName"] for x in lam.list_layers()["Layers"]]
    assert [v["Version"] for v in lam.list_layer_versions(LayerName="deps")["LayerVersions"]] == [1]
    lam.delete_layer_version(LayerName="deps", VersionNumber=1)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version(LayerName="deps", VersionNumber=1)
    # The function keeps its copy.
    assert read("/opt/layer.txt") == "from layer 1"


def test_concurrency_tags_policy_account(lam):
    create(lam, "misc")
    assert lam.put_function_concurrency(FunctionName="misc", ReservedConcurrentExecutions=3)[
        "ReservedConcurrentExecutions"] == 3
    assert lam.get_function_concurrency(FunctionName="misc")["ReservedConcurrentExecutions"] == 3
    assert lam.get_function(FunctionName="misc")["Concurrency"] == {"ReservedConcurrentExecutions": 3}
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_concurrency(FunctionName="misc", ReservedConcurrentExecutions=950)
    lam.delete_function_concurrency(FunctionName="misc")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="misc")

    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:misc"
    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}

    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="misc")
    st = lam.add_permission(FunctionName="misc", StatementId="s3", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
    statement = json.loads(st["Statement"])
    assert statement["Sid"] == "s3" and statement["Principal"] == {"Service": "s3.amazonaws.com"}
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName="misc", StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com")
    policy = json.loads(lam.get_policy(FunctionName="misc")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName="misc", StatementId="s3")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName="misc", StatementId="s3")

    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] >= 1


def test_error_shapes_on_the_wire(server):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.port)
    c.request("GET", "/2015-03-31/functions/does-not-exist")
    r = c.getresponse()
    body = json.loads(r.read())
    assert r.status == 404
    assert r.getheader("x-amzn-ErrorType") == "ResourceNotFoundException"
    assert body["Type"] == "User" and "Function not found" in body["Message"]
    c.request("POST", "/2015-03-31/functions", body=b"{not json", headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 400 and r.getheader("x-amzn-ErrorType") == "InvalidRequestContentException"
    # Trailing slashes (AWS CLI v2's older model) are accepted.
    c.request("GET", "/2015-03-31/functions/")
    r = c.getresponse()
    assert r.status == 200 and "Functions" in json.loads(r.read())
    c.request("GET", "/2016-08-19/account-settings/")
    r = c.getresponse()
    assert r.status == 200 and "AccountLimit" in json.loads(r.read())


def test_regions_are_separate(server):
    east, west = server.client("us-east-1"), server.client("eu-west-1")
    create(west, "regional")
    assert west.get_function(FunctionName="regional")["Configuration"]["FunctionArn"] == \
        f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:regional"
    with pytest.raises(east.exceptions.ResourceNotFoundException):
        east.get_function(FunctionName="regional")


def test_weighted_alias_splits_traffic(lam):
    create(lam, "split")
    lam.publish_version(FunctionName="split")
    lam.update_function_configuration(FunctionName="split", Environment={"Variables": {"VERSION": "2"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName="split", WaiterConfig={"Delay": 1})
    assert lam.publish_version(FunctionName="split")["Version"] == "2"
    lam.create_alias(FunctionName="split", Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    assert lam.get_alias(FunctionName="split", Name="canary")["RoutingConfig"] == {
        "AdditionalVersionWeights": {"2": 0.3}}
    runs = 200
    seen = {"1": 0, "2": 0}
    for _ in range(runs):
        r = lam.invoke(FunctionName="split", Qualifier="canary", Payload=b"{}")
        seen[r["ExecutedVersion"]] += 1
        r["Payload"].read()
    # 30 % of 200 is 60; 4.6 standard deviations either side (p < 1e-5 of a false failure).
    assert 30 <= seen["2"] <= 90, seen


def test_what_lambkin_cannot_honour_is_refused_on_update_and_publish(lam):
    create(lam, "beyond")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.update_function_configuration(FunctionName="beyond", DurableConfig={"ExecutionTimeout": 60})
    assert "only be set when a function is created" in e.value.response["Error"]["Message"]
    for call, kw, member in [
        (lam.update_function_code, dict(ZipFile=zip_bootstrap(), PublishTo="LATEST_PUBLISHED"), "PublishTo"),
        (lam.publish_version, dict(PublishTo="LATEST_PUBLISHED"), "PublishTo"),
    ]:
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
            call(FunctionName="beyond", **kw)
        assert e.value.response["Error"]["Message"].startswith(f"{member}: lambkin does not support"), e.value.response
    assert lam.get_function_configuration(FunctionName="beyond")["State"] == "Active"


def test_an_architecture_other_than_the_hosts_is_recorded_as_given(lam):
    """Deployment tools commonly ask for arm64: Lambda would create the function, and so does lambkin; it runs on
    the host's architecture (this script bootstrap runs unchanged) and answers the architecture it was given."""
    import platform
    host = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
    other = "x86_64" if host == "arm64" else "arm64"
    lam.create_function(FunctionName="other-arch", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                        Code={"ZipFile": zip_bootstrap()}, Architectures=[other])
    assert lam.get_function_configuration(FunctionName="other-arch")["Architectures"] == [other]
    assert lam.invoke(FunctionName="other-arch", Payload=b"{}")["StatusCode"] == 200
    cfg = lam.update_function_code(FunctionName="other-arch", ZipFile=zip_bootstrap(), Architectures=[host])
    assert cfg["Architectures"] == [host]
    assert lam.get_function_configuration(FunctionName="other-arch")["Architectures"] == [host]
