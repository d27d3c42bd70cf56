"""`lambkin serve` replaying AWS-recorded scenarios about runtimes and Lambda's limits (github
localstack/localstack, tests/aws/services/lambda_/test_lambda_api.py and its AWS-validated snapshot, as
tests/serve/test_serve_aws_recorded.py does for the other operations): runtimes past their block-create date,
the 4 KB of environment variables, the sizes of a zip and of a request, SnapStart's enum."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import ROLE, create, zip_bootstrap
from .test_serve_aws_recorded import failure

DEPRECATED = ("java8", "go1.x", "provided", "ruby2.7", "nodejs14.x", "python3.7", "dotnetcore3.1", "nodejs12.x")


@pytest.mark.parametrize("runtime", DEPRECATED)
def test_create_deprecated_function_runtime(lam, runtime):
    """TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled."""
    assert failure(lam.create_function, FunctionName=f"rec-deprecated-{runtime.replace('.', '-')}",
                   Runtime=runtime, Role=ROLE, Handler="index.handler", Code={"ZipFile": zip_bootstrap()}) == (
        400, "InvalidParameterValueException", f"The runtime parameter of {runtime} is no longer supported for "
        "creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or "
        "updating functions.")


def environment(variables: dict[str, str]) -> int:
    """The variables' size as Lambda measures it: their compact JSON."""
    return len(("{" + ",".join(f'"{k}":"{v}"' for k, v in variables.items()) + "}").encode())


def test_environment_variables_limit(lam):
    """test_large_environment_variables_fails, test_large_environment_fails_multiple_keys,
    test_lambda_envvars_near_limit_succeeds: at most 4,096 bytes of compact JSON, quoted when refused."""
    base = dict(Runtime="provided.al2023", Role=ROLE, Handler="bootstrap", Code={"ZipFile": zip_bootstrap()})
    too_big = {"LARGE_VAR": "x" * (4096 - 6 - len("LARGE_VAR"))}
    assert environment(too_big) == 4097
    assert failure(lam.create_function, FunctionName="rec-env-large", Environment={"Variables": too_big},
                   **base) == (
        400, "InvalidParameterValueException", "Lambda was unable to configure your environment variables "
        "because the environment variables you have provided exceeded the 4KB limit. String measured: "
        '{"LARGE_VAR":"' + too_big["LARGE_VAR"] + '"}')
    two = {"SMALL_VAR": "ok", "LARGE_VAR": "x" * (4097 - environment({"SMALL_VAR": "ok", "LARGE_VAR": ""}))}
    assert environment(two) == 4097
    status, code, message = failure(lam.create_function, FunctionName="rec-env-large-2",
                                    Environment={"Variables": two}, **base)
    assert (status, code) == (400, "InvalidParameterValueException")
    # Lambda quotes the keys in the order given; lambkin keeps variables sorted: compared as JSON.
    measured = message.split("exceeded the 4KB limit. String measured: ", 1)[1]
    assert len(measured) == 4097 and json.loads(measured) == two
    near = {"LARGE_VAR": "x" * (4096 - 7 - len("LARGE_VAR"))}
    assert environment(near) == 4096
    out = create(lam, "rec-env-near", Environment={"Variables": near})
    assert out["Environment"] == {"Variables": near}


def test_oversized_zipped_create_lambda(lam):
    """test_oversized_zipped_create_lambda: a zip over 50 MB."""
    assert failure(lam.create_function, FunctionName="rec-oversized", Runtime="provided.al2023", Role=ROLE,
                   Handler="bootstrap", Code={"ZipFile": os.urandom(52_428_801)}) == (
        413, "RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes")


def test_oversized_request_create_lambda(lam):
    """test_oversized_request_create_lambda: a request over Lambda's 70,167,211 bytes."""
    assert failure(lam.create_function, FunctionName="rec-oversized-request", Runtime="provided.al2023",
                   Role=ROLE, Handler="bootstrap", Code={"ZipFile": os.urandom(53_000_000)}) == (
        413, "RequestEntityTooLargeException",
        "Request must be smaller than 70167211 bytes for the CreateFunction operation")


def test_snapstart_exceptions(lam):
    """TestLambdaSnapStart::test_snapstart_exceptions."""
    assert failure(lam.create_function, FunctionName="rec-snapstart", Runtime="python3.12", Role=ROLE,
                   Handler="index.handler", Code={"ZipFile": zip_bootstrap()},
                   SnapStart={"ApplyOn": "invalidOption"}) == (
        400, "ValidationException", "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' "
        "failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]")


def test_create_function_arn_of_other_account(lam):
    """test_function_arns (function_arn_other_account_exc): 403 AccessDeniedException, without a message."""
    with pytest.raises(lam.exceptions.ClientError) as e:
        lam.create_function(FunctionName="arn:aws:lambda:us-east-1:111111111111:function:rec-other",
                            Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                            Code={"ZipFile": zip_bootstrap()})
    r = e.value.response
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]) == (403, "AccessDeniedException")
    assert not r["Error"].get("Message")
