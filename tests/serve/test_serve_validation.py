"""`lambkin serve`'s validation, through unchanged boto3 with its own client-side checks off: each class of
constrained member answers Lambda's exact `ValidationException` text (or the exception Lambda uses instead),
and the declared constraint table matches the botocore model of this venv (the drift test).

Lambda's texts come from responses recorded against AWS (LocalStack's `*.snapshot.json` of
tests/aws/services/lambda_, reports in public issues); see crates/lambkin-api/src/constraints/.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess

import botocore.exceptions
import pytest

from harness import LAMBKIN, ROOT

from .conftest import ACCOUNT, ROLE, zip_bootstrap

# Validation needs no sandbox: any user can run this module.
SERVE_ARGS = ("--isolation", "process")

FUNCTION_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                         r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")


@pytest.fixture(scope="module")
def raw(server):
    """boto3 without its parameter validation: what reaches the server is what the test sends."""
    return server.client(parameter_validation=False)


def refused(call, **kw) -> tuple[str, int, str]:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


def create_args(**kw) -> dict:
    args = dict(FunctionName="valid", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                Code={"ZipFile": zip_bootstrap()})
    args.update(kw)
    return args


def one(value: str | None, at: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"1 validation error detected: Value {shown} at '{at}' failed to satisfy constraint: {constraint}"


ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"


@pytest.mark.parametrize("kw,message", [
    # A pattern.
    ({"Role": "r1"}, one("r1", "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}")),
    # A string's maximum length.
    ({"Description": "d" * 257}, one("d" * 257, "description", "Member must have length less than or equal to 256")),
    # A nested member's minimum length.
    ({"Code": {"S3Bucket": "ab", "S3Key": "k"}},
     one("ab", "code.s3Bucket", "Member must have length greater than or equal to 3")),
    # Ranges: Lambda's 900 s and 10,240 MB, not the model's larger maxima.
    ({"Timeout": 901}, one("901", "timeout", "Member must have value less than or equal to 900")),
    ({"MemorySize": 10241}, one("10241", "memorySize", "Member must have value less than or equal to 10240")),
    ({"MemorySize": 64}, one("64", "memorySize", "Member must have value greater than or equal to 128")),
    ({"EphemeralStorage": {"Size": 100}},
     one("100", "ephemeralStorage.size", "Member must have value greater than or equal to 512")),
    # An enum.
    ({"PackageType": "Jar"}, one("Jar", "packageType", "Member must satisfy enum value set: [Zip, Image]")),
    # A list's length, a list's members.
    ({"Architectures": ["x86_64", "arm64"]},
     one("[x86_64, arm64]", "architectures", "Member must have length less than or equal to 1")),
    ({"Architectures": ["X86_64"]},
     one("[X86_64]", "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: "
         "[x86_64, arm64], Member must not be null]")),
    # A map's keys, sensitive: the value is not shown.
    ({"Environment": {"Variables": {"my-var": "x"}}},
     "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must "
     "satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"),
    # The handler.
    ({"Handler": "app handler"},
     one("app handler", "handler", r"Member must satisfy regular expression pattern: [^\s]+")),
])
def test_create_function_member_classes(raw, kw, message):
    assert refused(raw.create_function, **create_args(**kw)) == ("ValidationException", 400, message)


def test_several_violations_are_listed_in_one_answer(raw):
    code, status, message = refused(raw.create_function, **create_args(Role="r1", Timeout=0, Handler=""))
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "3 validation errors detected: "
        f"Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        f"{ROLE_PATTERN}; "
        r"Value '' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\s]+; "
        "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1")


def test_path_query_and_header_members(raw):
    assert refused(raw.get_function, FunctionName="my-function!") == (
        "ValidationException", 400,
        one("my-function!", "functionName", f"Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"))
    long = "a" * 129
    assert refused(raw.get_function, FunctionName="demo", Qualifier=long) == (
        "ValidationException", 400, one(long, "qualifier", "Member must have length less than or equal to 128"))
    assert refused(raw.get_function_url_config, FunctionName="demo", Qualifier="1") == (
        "ValidationException", 400,
        one("1", "qualifier", r"Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)"))
    assert refused(raw.invoke, FunctionName="demo", InvocationType="Sync") == (
        "ValidationException", 400,
        one("Sync", "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"))
    assert refused(raw.untag_resource, Resource=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:demo", TagKeys=[]) == (
        "ValidationException", 400, one(None, "tagKeys", "Member must not be null"))
    assert refused(raw.list_layers, MaxItems=51) == (
        "ValidationException", 400, one("51", "maxItems", "Member must have value less than or equal to 50"))


def test_aliases_statements_and_maps(raw):
    assert refused(raw.create_alias, FunctionName="demo", Name="2024", FunctionVersion="1") == (
        "ValidationException", 400,
        one("2024", "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"))
    assert refused(raw.create_alias, FunctionName="demo", Name="live", FunctionVersion="1",
                   RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}}) == (
        "ValidationException", 400,
        one("{2=2.0}", "routingConfig.additionalVersionWeights",
            "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
            "Member must have value greater than or equal to 0.0, Member must not be null]"))
    assert refused(raw.add_permission, FunctionName="demo", StatementId="example.com",
                   Action="lambda:InvokeFunction", Principal="s3.amazonaws.com") == (
        "ValidationException", 400,
        one("example.com", "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"))
    assert refused(raw.create_function_url_config, FunctionName="demo", AuthType="NONE", InvokeMode="UNKNOWN") == (
        "ValidationException", 400,
        one("UNKNOWN", "invokeMode", "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"))


def test_every_operation_of_the_model_is_checked(raw):
    # Whether or not lambkin serves the operation yet, its constraints are answered first, as Lambda's.
    assert refused(raw.put_function_recursion_config, FunctionName="demo", RecursiveLoop="InvalidValue") == (
        "ValidationException", 400,
        one("InvalidValue", "recursiveLoop", "Member must satisfy enum value set: [Terminate, Allow]"))
    assert refused(raw.put_function_code_signing_config, FunctionName="demo", CodeSigningConfigArn="csc") == (
        "ValidationException", 400,
        one("csc", "codeSigningConfigArn",
            r"Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}"
            r"((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}"))


def test_layers(raw):
    bad = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:deps"
    assert refused(raw.create_function, **create_args(Layers=[bad])) == (
        "ValidationException", 400,
        one(f"[{bad}]", "layers",
            "Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have "
            "length greater than or equal to 1, Member must satisfy regular expression pattern: "
            r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:"
            r"[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]"))
    assert refused(raw.get_layer_version_by_arn, Arn=bad)[:2] == ("ValidationException", 400)
    assert refused(raw.get_layer_version, LayerName="deps", VersionNumber=0) == (
        "InvalidParameterValueException", 400, "Layer Version Cannot be less than 1")
    assert refused(raw.publish_layer_version, LayerName="bad name", Content={"ZipFile": b"PK"})[:2] == (
        "ValidationException", 400)


def test_lambdas_own_rules(raw):
    # A bare name of 65 characters: InvalidParameterValueException, in validation words.
    assert refused(raw.create_function, **create_args(FunctionName="a" * 65)) == (
        "InvalidParameterValueException", 400,
        one("a" * 65, "functionName", "Member must have length less than or equal to 64"))
    # Elsewhere such a name is looked up, and not found.
    assert refused(raw.get_function, FunctionName="a" * 65) == (
        "ResourceNotFoundException", 404, f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:{'a' * 65}")
    # A role of another account.
    assert refused(raw.create_function, **create_args(Role="arn:aws:iam::999999999999:role/r")) == (
        "AccessDeniedException", 403, "Cross-account pass role is not allowed.")
    # An image package with a runtime and a handler: refused, as Lambda refuses it.
    code, status, message = refused(raw.create_function, **create_args(PackageType="Image", Code={"ImageUri": "x"}))
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "Runtime and Handler are not supported for functions with PackageType Image" in message


def test_valid_requests_pass(raw):
    out = raw.create_function(**create_args(FunctionName="valid-ok", Timeout=900, MemorySize=1024,
                                            Description="d" * 256, Architectures=["x86_64"]))
    assert (out["FunctionName"], out["Timeout"]) == ("valid-ok", 900)
    assert raw.update_function_configuration(FunctionName="valid-ok", Timeout=1)["Timeout"] == 1


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_constraints", ROOT / "scripts" / "gen_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_declared_constraints_match_botocores_model():
    """Drift: the binary's table against this venv's botocore. On failure, run
    `.venv/bin/python scripts/gen_constraints.py` and review crates/lambkin-api/src/constraints/overrides.rs."""
    gen = load_generator()
    model, version = gen.load_model()
    dump = json.loads(subprocess.run([str(LAMBKIN), "api", "constraints", "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    assert sorted(op["name"] for op in dump["operations"]) == sorted(model["operations"])
    expected = gen.rows(model)
    got = dump["rows"]
    missing = [r for r in expected if r not in got]
    stale = [r for r in got if r not in expected]
    assert not missing and not stale, (
        f"the table (botocore {dump['botocore']}) differs from botocore {version}: "
        f"{len(missing)} rows not declared, e.g. {missing[:3]}; {len(stale)} declared rows gone, e.g. {stale[:3]}")
    shapes = model["shapes"]
    for o in dump["overrides"]:
        assert o["shape"] in shapes, f"override of a shape the model no longer has: {o}"
        assert o["why"], o
        shape = shapes[o["shape"]]
        if o["change"] == "max":
            assert shape.get("max") == o["model"], f"the model's maximum changed: {o} vs {shape.get('max')}"
        elif o["change"] == "pattern":
            assert shape.get("pattern") == o["model"], f"the model's pattern changed: {o}"
        elif o["change"] == "enum":
            assert sorted(shape.get("enum", [])) == sorted(o["lambda"]), f"the model's enum changed: {o}"
    for r in dump["rules"]:
        op = model["operations"][r["operation"]]
        assert r["member"] in shapes[op["input"]["shape"]]["members"], r
