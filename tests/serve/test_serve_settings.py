"""`lambkin serve`: the function settings Lambda stores and answers — TracingConfig, DeadLetterConfig, KMSKeyArn,
VpcConfig, SnapStart, FileSystemConfigs — through create / update / get / list / publish with unchanged boto3
and the AWS CLI; EFS access points mapped to a host directory (`--efs ARN=DIR`) and shared by two functions;
GetAccountSettings' usage following creates, publishes and deletes."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import botocore.exceptions
import pytest

from .conftest import ACCOUNT, ROLE, ROOT_ONLY, cli, create, zip_bootstrap, zip_files

AP = f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:access-point/fsap-0123456789abcdef0"
UNMAPPED_AP = f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:access-point/fsap-0fedcba9876543210"
# Not there yet: `serve` creates it (and, sandboxed, gives it to uid 993).
EFS_DIR = Path(tempfile.mkdtemp(prefix="lambkin-efs-")) / "shared"
SERVE_ARGS = ("--efs", f"{AP}={EFS_DIR}")
# Made at import (the server's options need it): removed at exit, whether or not a test of the module ran.
atexit.register(shutil.rmtree, EFS_DIR.parent, ignore_errors=True)

DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:failures"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY2 = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/abcd1234-12ab-34cd-56ef-1234567890ab"

# A function that writes and reads files, and says who it runs as.
FILES_FN = """#!/usr/bin/python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    ev = json.loads(r.read() or b"{}")
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    out = {"uid": os.getuid(), "gid": os.getgid()}
    try:
        if "write" in ev:
            with open(ev["write"], "w") as f:
                f.write(ev["text"])
            out["wrote"] = True
        if "read" in ev:
            out["read"] = open(ev["read"]).read()
        if "list" in ev:
            out["list"] = sorted(os.listdir(ev["list"]))
    except OSError as e:
        out["error"] = f"{type(e).__name__}: {e.strerror}"
    conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=json.dumps(out))
    conn.getresponse().read()
"""


def error_of(excinfo) -> tuple[str, int, str]:
    e = excinfo.value
    return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
            e.response["Error"].get("Message", ""))


def settings_of(c: dict) -> dict:
    return {k: c.get(k) for k in ("TracingConfig", "DeadLetterConfig", "KMSKeyArn", "VpcConfig", "SnapStart",
                                   "FileSystemConfigs")}


def invoke(lam, name: str, event: dict) -> dict:
    r = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in r, r["Payload"].read()
    return json.loads(r["Payload"].read())


def test_defaults_are_lambdas(lam):
    out = create(lam, "plain")
    s = settings_of(out)
    assert s["TracingConfig"] == {"Mode": "PassThrough"}
    assert s["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    # Never set: not answered at all.
    for absent in ("DeadLetterConfig", "KMSKeyArn", "VpcConfig", "FileSystemConfigs"):
        assert absent not in out, absent
    lam.delete_function(FunctionName="plain")


def test_each_setting_round_trips_through_create_update_get_and_publish(lam):
    vpc = {"SubnetIds": ["subnet-0a1b2c3d"], "SecurityGroupIds": ["sg-0A1b2C3d"]}
    out = create(lam, "configured", TracingConfig={"Mode": "Active"}, DeadLetterConfig={"TargetArn": DLQ},
                 KMSKeyArn=KEY, VpcConfig=vpc, FileSystemConfigs=[{"Arn": AP, "LocalMountPath": "/mnt/shared"}])
    want = {
        "TracingConfig": {"Mode": "Active"},
        "DeadLetterConfig": {"TargetArn": DLQ},
        "KMSKeyArn": KEY,
        # lambkin has no VPCs: the VPC of the subnets is not known.
        "VpcConfig": {**vpc, "VpcId": "", "Ipv6AllowedForDualStack": False},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "FileSystemConfigs": [{"Arn": AP, "LocalMountPath": "/mnt/shared"}],
    }
    assert settings_of(out) == want
    assert settings_of(lam.get_function(FunctionName="configured")["Configuration"]) == want
    assert settings_of(lam.get_function_configuration(FunctionName="configured")) == want
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == "configured"]
    assert [settings_of(f) for f in listed] == [want]

    v1 = lam.publish_version(FunctionName="configured")
    assert v1["Version"] == "1" and settings_of(v1) == want

    # Each member changed; what an update does not name stays.
    vpc2 = {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-9"], "Ipv6AllowedForDualStack": True}
    up = lam.update_function_configuration(FunctionName="configured", TracingConfig={"Mode": "PassThrough"},
                                           DeadLetterConfig={"TargetArn": TOPIC}, KMSKeyArn=KEY2, VpcConfig=vpc2)
    want2 = {**want, "TracingConfig": {"Mode": "PassThrough"}, "DeadLetterConfig": {"TargetArn": TOPIC},
             "KMSKeyArn": KEY2, "VpcConfig": {**vpc2, "VpcId": ""}}
    assert settings_of(up) == want2
    lam.get_waiter("function_updated_v2").wait(FunctionName="configured", WaiterConfig={"Delay": 1})
    assert settings_of(lam.get_function_configuration(FunctionName="configured")) == want2
    # `{}` changes nothing (as on Lambda: its TargetArn stays).
    lam.update_function_configuration(FunctionName="configured", DeadLetterConfig={}, TracingConfig={},
                                      VpcConfig={}, SnapStart={})
    assert settings_of(lam.get_function_configuration(FunctionName="configured")) == want2

    # Cleared the ways Terraform clears them: empty ARNs, empty lists.
    cleared = lam.update_function_configuration(
        FunctionName="configured", DeadLetterConfig={"TargetArn": ""}, KMSKeyArn="",
        VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}, FileSystemConfigs=[])
    for gone in ("DeadLetterConfig", "KMSKeyArn", "FileSystemConfigs"):
        assert gone not in cleared, gone
    # A VPC once set and then removed is answered with empty lists, as Lambda does.
    assert cleared["VpcConfig"] == {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": "",
                                    "Ipv6AllowedForDualStack": False}

    # Published versions are snapshots: version 1 kept what it was published with.
    assert settings_of(lam.get_function_configuration(FunctionName="configured", Qualifier="1")) == want
    versions = lam.list_versions_by_function(FunctionName="configured")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    assert settings_of(versions[1]) == want
    everything = lam.list_functions(FunctionVersion="ALL")["Functions"]
    v2 = lam.publish_version(FunctionName="configured")
    assert v2["Version"] == "2" and "DeadLetterConfig" not in v2
    assert any(f.get("FunctionArn", "").endswith(":configured:1") and settings_of(f) == want for f in everything)
    lam.delete_function(FunctionName="configured")


def test_snap_start_as_lambda_reports_it(lam):
    # SnapStart is for Java 11+, Python 3.12+ and .NET 8+.
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        create(lam, "snappy", SnapStart={"ApplyOn": "PublishedVersions"})
    assert error_of(e) == ("InvalidParameterValueException", 400,
                           "provided.al2023 is not supported for SnapStart enabled functions.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(lam, "snappy", SnapStart={"ApplyOn": "invalidOption"})
    assert error_of(e) == (
        "ValidationException", 400,
        "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: "
        "Member must satisfy enum value set: [PublishedVersions, None]")
    # Off is fine for any runtime.
    out = create(lam, "snap-off", SnapStart={"ApplyOn": "None"})
    assert out["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName="snap-off", SnapStart={"ApplyOn": "PublishedVersions"})
    lam.delete_function(FunctionName="snap-off")

    # A runtime that takes it (created even where this host cannot serve it yet).
    code = zip_files({"index.py": "def handler(event, context):\n    return event\n"})
    made = None
    for runtime in ("python3.12", "python3.13", "python3.14"):
        try:
            made = lam.create_function(FunctionName="snappy", Runtime=runtime, Role=ROLE, Handler="index.handler",
                                       Code={"ZipFile": code}, SnapStart={"ApplyOn": "PublishedVersions"})
            break
        except lam.exceptions.InvalidParameterValueException as err:
            assert "SnapStart" not in str(err), err
    if made is None:
        pytest.skip("no Python 3.12+ runtime can be created on this host")
    # $LATEST is never optimised; a published version is.
    assert made["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    v1 = lam.publish_version(FunctionName="snappy")
    assert v1["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert lam.get_function(FunctionName="snappy", Qualifier=v1["Version"])["Configuration"]["SnapStart"] == \
        {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert lam.get_function(FunctionName="snappy")["Configuration"]["SnapStart"]["OptimizationStatus"] == "Off"
    # Publishing again without a change returns the same version.
    assert lam.publish_version(FunctionName="snappy")["Version"] == v1["Version"]
    up = lam.update_function_configuration(FunctionName="snappy", SnapStart={"ApplyOn": "None"})
    assert up["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    lam.get_waiter("function_updated_v2").wait(FunctionName="snappy", WaiterConfig={"Delay": 1})
    v2 = lam.publish_version(FunctionName="snappy")
    assert v2["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    lam.delete_function(FunctionName="snappy")


@pytest.mark.parametrize("kw, code, message", [
    (dict(TracingConfig={"Mode": "Sometimes"}), "ValidationException",
     "1 validation error detected: Value 'Sometimes' at 'tracingConfig.mode' failed to satisfy constraint: "
     "Member must satisfy enum value set: [Active, PassThrough]"),
    (dict(DeadLetterConfig={"TargetArn": "arn:aws:s3:::bucket"}), "InvalidParameterValueException",
     "Invalid dead letter queue ARN: The service specified by the TargetArn is not supported for dead letter "
     "configuration."),
    (dict(DeadLetterConfig={"TargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo"}),
     "InvalidParameterValueException",
     "Invalid dead letter queue ARN: FIFO SQS queue is not supported for dead letter configuration"),
    (dict(DeadLetterConfig={"TargetArn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:dlq"}), "InvalidParameterValueException",
     "Invalid dead letter queue ARN: The resource specified by the TargetArn must be in the same region as the "
     "Lambda function it's associated with."),
    (dict(KMSKeyArn=f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/mine"), "InvalidParameterValueException",
     "Lambda was unable to configure access to your environment variables because the KMS key is invalid for "
     "CreateGrant. Please check your KMS key settings. KMS Exception: InvalidArnException KMS Message: Key Aliases "
     "are not supported for this operation."),
    (dict(KMSKeyArn="key-1"), "ValidationException",
     "1 validation error detected: Value 'key-1' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy "
     "regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"),
    (dict(DeadLetterConfig={"TargetArn": "dlq"}), "ValidationException",
     "1 validation error detected: Value 'dlq' at 'deadLetterConfig.targetArn' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"),
    (dict(DeadLetterConfig={"TargetArn": ""}), "InvalidParameterValueException",
     "Invalid dead letter queue ARN: ARNs must start with 'arn:': "),
    (dict(VpcConfig={"SubnetIds": ["net-1"], "SecurityGroupIds": ["sg-1"]}), "ValidationException",
     "1 validation error detected: Value '[net-1]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member "
     "must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length "
     "greater than or equal to 0, Member must satisfy regular expression pattern: subnet-[0-9a-z]*]"),
    (dict(VpcConfig={"SubnetIds": ["subnet-1"], "SecurityGroupIds": [f"sg-{i}" for i in range(6)]}),
     "ValidationException",
     "1 validation error detected: Value '[sg-0, sg-1, sg-2, sg-3, sg-4, sg-5]' at 'vpcConfig.securityGroupIds' "
     "failed to satisfy constraint: Member must have length less than or equal to 5"),
    (dict(FileSystemConfigs=[{"Arn": AP, "LocalMountPath": "/data"}]), "ValidationException",
     "1 validation error detected: Value '/data' at 'fileSystemConfigs.1.member.localMountPath' failed to "
     "satisfy constraint: Member must satisfy regular expression pattern: /mnt/[a-zA-Z0-9-_.]+"),
    (dict(FileSystemConfigs=[{"Arn": UNMAPPED_AP, "LocalMountPath": "/mnt/other"}]),
     "InvalidParameterValueException",
     f"This lambkin server has no directory for the file system access point {UNMAPPED_AP}: start `lambkin serve` "
     f"with --efs {UNMAPPED_AP}=DIR (or efs = [\"{UNMAPPED_AP}=DIR\"] in its config file)."),
])
def test_lambdas_checks(lam, kw, code, message):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName="refused", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"ZipFile": zip_bootstrap()}, **kw)
    assert error_of(e) == (code, 400, message)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="refused")


def test_unknown_access_point_refused_on_update_too(lam):
    create(lam, "no-efs")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.update_function_configuration(FunctionName="no-efs",
                                          FileSystemConfigs=[{"Arn": UNMAPPED_AP, "LocalMountPath": "/mnt/x"}])
    assert "--efs" in error_of(e)[2] and UNMAPPED_AP in error_of(e)[2]
    assert "FileSystemConfigs" not in lam.get_function_configuration(FunctionName="no-efs")
    lam.delete_function(FunctionName="no-efs")


def test_aws_cli_round_trip(server, lam):
    zip_path = EFS_DIR.parent / "cli.zip"
    zip_path.write_bytes(zip_bootstrap())
    versions = [1] + ([2] if Path("/usr/bin/aws").exists() else [])
    for v in versions:
        name = f"cli-settings-v{v}"
        rc, out, err = cli(
            server, "lambda", "create-function", "--function-name", name, "--runtime", "provided.al2023",
            "--role", ROLE, "--handler", "bootstrap", "--zip-file", f"fileb://{zip_path}",
            "--tracing-config", "Mode=Active", "--dead-letter-config", f"TargetArn={DLQ}", "--kms-key-arn", KEY,
            "--vpc-config", "SubnetIds=subnet-1,subnet-2,SecurityGroupIds=sg-1",
            "--file-system-configs", f"Arn={AP},LocalMountPath=/mnt/shared", v=v)
        assert rc == 0, err
        created = json.loads(out)
        assert created["TracingConfig"] == {"Mode": "Active"}
        assert created["VpcConfig"]["SubnetIds"] == ["subnet-1", "subnet-2"]
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
        rc, out, err = cli(server, "lambda", "update-function-configuration", "--function-name", name,
                           "--snap-start", "ApplyOn=None", "--tracing-config", "Mode=PassThrough", v=v)
        assert rc == 0, err
        rc, out, err = cli(server, "lambda", "get-function-configuration", "--function-name", name, v=v)
        assert rc == 0, err
        got = json.loads(out)
        # CLI v2 2.9's model predates Ipv6AllowedForDualStack, and prints only what its model knows.
        got["VpcConfig"].pop("Ipv6AllowedForDualStack", None)
        assert settings_of(got) == {
            "TracingConfig": {"Mode": "PassThrough"}, "DeadLetterConfig": {"TargetArn": DLQ}, "KMSKeyArn": KEY,
            "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"], "VpcId": ""},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "FileSystemConfigs": [{"Arn": AP, "LocalMountPath": "/mnt/shared"}],
        }
        rc, out, err = cli(server, "lambda", "create-function", "--function-name", f"{name}-x", "--runtime",
                           "provided.al2023", "--role", ROLE, "--handler", "bootstrap", "--zip-file",
                           f"fileb://{zip_path}", "--file-system-configs",
                           f"Arn={UNMAPPED_AP},LocalMountPath=/mnt/shared", v=v)
        assert rc != 0 and "InvalidParameterValueException" in err and "--efs" in err
        lam.delete_function(FunctionName=name)


@ROOT_ONLY
def test_an_access_point_shared_by_two_functions(lam):
    """Two functions on one access point: what one writes under /mnt/shared the other reads; on the host the file
    is in the mapped directory and belongs to the functions' uid (993, as an access point's POSIX user)."""
    code = zip_files({"bootstrap": FILES_FN}, {"bootstrap": 0o755})
    fs = [{"Arn": AP, "LocalMountPath": "/mnt/shared"}]
    create(lam, "efs-writer", code, FileSystemConfigs=fs)
    create(lam, "efs-reader", code)
    # The reader gets the access point by an update, mounted elsewhere.
    lam.update_function_configuration(FunctionName="efs-reader",
                                      FileSystemConfigs=[{"Arn": AP, "LocalMountPath": "/mnt/data"}])
    lam.get_waiter("function_updated_v2").wait(FunctionName="efs-reader", WaiterConfig={"Delay": 1})

    wrote = invoke(lam, "efs-writer", {"write": "/mnt/shared/hello.txt", "text": "from the writer"})
    assert wrote == {"uid": 993, "gid": 993, "wrote": True}
    read = invoke(lam, "efs-reader", {"read": "/mnt/data/hello.txt", "list": "/mnt/data"})
    assert read["read"] == "from the writer" and read["list"] == ["hello.txt"]
    host_file = EFS_DIR / "hello.txt"
    assert host_file.read_text() == "from the writer"
    st = host_file.stat()
    assert (st.st_uid, st.st_gid) == (993, 993)
    assert (EFS_DIR.stat().st_uid, EFS_DIR.stat().st_gid) == (993, 993)
    # The host writes, the functions see it (a live directory, not a copy).
    (EFS_DIR / "from-host.txt").write_text("host")
    os.chown(EFS_DIR / "from-host.txt", 993, 993)
    assert invoke(lam, "efs-writer", {"read": "/mnt/shared/from-host.txt"})["read"] == "host"
    # The rest of the root stays read-only; a function without the access point does not see it.
    assert "Read-only file system" in invoke(lam, "efs-writer", {"write": "/mnt/other.txt", "text": "x"})["error"]
    create(lam, "efs-none", code)
    assert "FileNotFoundError" in invoke(lam, "efs-none", {"list": "/mnt/shared"})["error"]
    # Published versions keep their access point.
    v1 = lam.publish_version(FunctionName="efs-writer")["Version"]
    r = lam.invoke(FunctionName="efs-writer", Qualifier=v1,
                   Payload=json.dumps({"read": "/mnt/shared/hello.txt"}).encode())
    assert json.loads(r["Payload"].read())["read"] == "from the writer"
    for name in ("efs-writer", "efs-reader", "efs-none"):
        lam.delete_function(FunctionName=name)


def test_account_usage_follows_functions_versions_and_layers(lam):
    def usage():
        return lam.get_account_settings()["AccountUsage"]

    base = usage()
    code = zip_bootstrap()
    create(lam, "counted-1", code)
    after_one = usage()
    assert after_one == {"FunctionCount": base["FunctionCount"] + 1, "TotalCodeSize": base["TotalCodeSize"] + len(code)}
    create(lam, "counted-2", code)
    assert usage()["FunctionCount"] == base["FunctionCount"] + 2
    # A published version counts its zip again, as on Lambda.
    lam.publish_version(FunctionName="counted-1")
    assert usage()["TotalCodeSize"] == base["TotalCodeSize"] + 3 * len(code)
    # Layer archives count too.
    layer_zip = zip_files({"lib/x.txt": "x" * 100})
    layer = lam.publish_layer_version(LayerName="counted-layer", Content={"ZipFile": layer_zip})
    assert usage()["TotalCodeSize"] == base["TotalCodeSize"] + 3 * len(code) + layer["Content"]["CodeSize"]
    lam.delete_layer_version(LayerName="counted-layer", VersionNumber=layer["Version"])
    lam.delete_function(FunctionName="counted-1")
    assert usage() == {"FunctionCount": base["FunctionCount"] + 1, "TotalCodeSize": base["TotalCodeSize"] + len(code)}
    lam.delete_function(FunctionName="counted-2")
    assert usage() == base
    limits = lam.get_account_settings()["AccountLimit"]
    assert limits["CodeSizeZipped"] == 52_428_800 and limits["CodeSizeUnzipped"] == 262_144_000
    assert limits["ConcurrentExecutions"] == 1000


@ROOT_ONLY
def test_an_access_point_no_longer_mapped_fails_the_invoke(tmp_path):
    """A function keeps its FileSystemConfigs when the operator drops the `--efs` mapping: its invokes then fail
    as Lambda's do when the file system cannot be mounted (EFSMountFailureException, 403)."""
    from .conftest import Serve
    own = Serve("--efs", f"{UNMAPPED_AP}={tmp_path / 'efs'}")
    try:
        lam = own.client()
        create(lam, "orphaned", FileSystemConfigs=[{"Arn": UNMAPPED_AP, "LocalMountPath": "/mnt/gone"}])
        assert (tmp_path / "efs").is_dir()
        own.stop()
        own.args = [a for a in own.args if a != "--efs" and not a.startswith(UNMAPPED_AP)]
        own.restart()
        lam = own.client()
        assert lam.get_function_configuration(FunctionName="orphaned")["FileSystemConfigs"] == \
            [{"Arn": UNMAPPED_AP, "LocalMountPath": "/mnt/gone"}]
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.invoke(FunctionName="orphaned", Payload=b"{}")
        code, status, message = error_of(e)
        assert (code, status) == ("EFSMountFailureException", 403)
        assert UNMAPPED_AP in message and "--efs" in message
    finally:
        own.close()


@ROOT_ONLY
def test_process_isolation_links_the_directory_at_its_mount_path(tmp_path):
    """Without a mount namespace (`--isolation process`) the directory appears at its `/mnt/<name>` as a host
    symlink, made when the path is free."""
    import uuid
    from .conftest import Serve
    mount = f"/mnt/lambkin-test-{uuid.uuid4().hex[:12]}"
    own = Serve("--isolation", "process", "--efs", f"{UNMAPPED_AP}={tmp_path / 'efs'}")
    try:
        lam = own.client()
        code = zip_files({"bootstrap": FILES_FN}, {"bootstrap": 0o755})
        create(lam, "linked", code, FileSystemConfigs=[{"Arn": UNMAPPED_AP, "LocalMountPath": mount}])
        wrote = invoke(lam, "linked", {"write": f"{mount}/x.txt", "text": "via the link"})
        assert wrote["wrote"] is True
        assert (tmp_path / "efs" / "x.txt").read_text() == "via the link"
        assert Path(mount).resolve() == (tmp_path / "efs").resolve()
    finally:
        own.close()
        if Path(mount).is_symlink():
            Path(mount).unlink()


def test_one_file_system_at_most(lam):
    two = [{"Arn": AP, "LocalMountPath": "/mnt/a"}, {"Arn": AP, "LocalMountPath": "/mnt/b"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(lam, "two-fs", FileSystemConfigs=two)
    code, status, message = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected: Value '[{Arn=")
    assert message.endswith("at 'fileSystemConfigs' failed to satisfy constraint: Member must have length less "
                            "than or equal to 1")
