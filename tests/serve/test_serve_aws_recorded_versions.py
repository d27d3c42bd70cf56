"""`lambkin serve` replaying AWS-recorded scenarios about versions, aliases and concurrency (github
localstack/localstack, tests/aws/services/lambda_/test_lambda_api.py and its AWS-validated snapshot, as
tests/serve/test_serve_aws_recorded.py does for the other operations)."""

from __future__ import annotations

from .conftest import ACCOUNT, create
from .test_serve_aws_recorded import failure, fn_arn, keys


def test_version_lifecycle(lam):
    """test_version_lifecycle: a new description alone is a new version; a version takes `$LATEST`'s
    description unless PublishVersion gives one; publishing an unchanged function answers the last version."""
    name = "rec-versions"
    create(lam, name, Description="No version :(")
    lam.update_function_configuration(FunctionName=name, Description="First version :)")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    first = lam.publish_version(FunctionName=name, Description="First version description :)")
    assert (first["Version"], first["Description"]) == ("1", "First version description :)")
    lam.update_function_configuration(FunctionName=name, Description="Second version :))")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    assert lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]["Description"] == (
        "First version description :)")
    second = lam.publish_version(FunctionName=name)
    assert (second["Version"], second["Description"]) == ("2", "Second version :))")
    third = lam.publish_version(FunctionName=name, Description="Third version description :)))")
    assert (third["Version"], third["Description"], third["RevisionId"]) == (
        "2", "Second version :))", second["RevisionId"])
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    lam.delete_function(FunctionName=name, Qualifier="1")
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "2"]


def two_versions(lam, name: str) -> None:
    create(lam, name)
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="changed")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    assert lam.publish_version(FunctionName=name)["Version"] == "2"


def test_alias_lifecycle(lam):
    """test_alias_lifecycle: answers with and without RoutingConfig; an empty one removes it; GetFunction of an
    alias answers the alias's ARN."""
    name = "rec-aliases"
    two_versions(lam, name)
    a = lam.create_alias(FunctionName=name, Name="aliasname1_1", FunctionVersion="1", Description="custom-alias",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}})
    assert a["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(a) == {"AliasArn", "Description", "FunctionVersion", "Name", "RevisionId", "RoutingConfig"}
    assert a["AliasArn"] == fn_arn(name, "aliasname1_1")
    plain = lam.create_alias(FunctionName=name, Name="aliasname1_3", FunctionVersion="1")
    assert keys(plain) == {"AliasArn", "Description", "FunctionVersion", "Name", "RevisionId"}
    assert plain["Description"] == ""
    got = lam.get_function(FunctionName=name, Qualifier="aliasname1_1")
    assert got["Configuration"]["FunctionArn"] == fn_arn(name, "aliasname1_1")
    assert failure(lam.get_function, FunctionName=name, Qualifier="aliasdoesnotexist") == (
        404, "ResourceNotFoundException", f"Function not found: {fn_arn(name, 'aliasdoesnotexist')}")
    up = lam.update_alias(FunctionName=name, Name="aliasname1_1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in up and up["RevisionId"] != a["RevisionId"]
    same = lam.update_alias(FunctionName=name, Name="aliasname1_3")
    assert same["RevisionId"] != plain["RevisionId"]
    listed = lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
    assert [x["Name"] for x in listed] == ["aliasname1_1", "aliasname1_3"]
    assert lam.delete_alias(FunctionName=name, Name="aliasname1_1")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_function_concurrency(lam):
    """test_function_concurrency: 0 and 1 reserved; after Delete, Get answers nothing."""
    create(lam, "rec-reserved")
    for n in (0, 1):
        out = lam.put_function_concurrency(FunctionName="rec-reserved", ReservedConcurrentExecutions=n)
        assert keys(out) == {"ReservedConcurrentExecutions"} and out["ReservedConcurrentExecutions"] == n
    assert lam.get_function_concurrency(FunctionName="rec-reserved")["ReservedConcurrentExecutions"] == 1
    assert lam.delete_function_concurrency(FunctionName="rec-reserved")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert keys(lam.get_function_concurrency(FunctionName="rec-reserved")) == set()


def test_provisioned_lifecycle(lam):
    """test_lambda_provisioned_lifecycle: a version provisioned directly or through an alias, not both."""
    name = "rec-provisioned-life"
    create(lam, name)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert keys(out) == {"AllocatedProvisionedConcurrentExecutions", "AvailableProvisionedConcurrentExecutions",
                         "LastModified", "RequestedProvisionedConcurrentExecutions", "Status"}
    assert (out["Status"], out["RequestedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 1)
    assert failure(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="live",
                   ProvisionedConcurrentExecutions=1) == (
        409, "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert failure(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier="1") == (
        404, "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function")
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert failure(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="1",
                   ProvisionedConcurrentExecutions=1) == (
        409, "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias")
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    lam.delete_alias(FunctionName=name, Name="live")
    assert failure(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier="live") == (
        404, "ResourceNotFoundException", f"Cannot find alias arn: {fn_arn(name, 'live')}")
    assert lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []


def test_reserved_provisioned_overlap(lam):
    """test_lambda.py TestLambdaConcurrency::test_reserved_provisioned_overlap: reserved concurrency is never
    below the function's provisioned concurrency, all versions together."""
    name = "rec-overlap"
    two_versions(lam, name)
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert failure(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=1) == (
        400, "InvalidParameterValueException",
        " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    over = (400, "InvalidParameterValueException",
            "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function")
    assert failure(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="2",
                   ProvisionedConcurrentExecutions=1) == over
    assert failure(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="1",
                   ProvisionedConcurrentExecutions=3) == over
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")


def test_invoke_answer_members(lam):
    """test_lambda.py test_basic_invoke, test_invocation_with_logs, test_invocation_type_event,
    test_invocation_type_dry_run: the members each kind of invoke answers."""
    create(lam, "rec-invoke")
    kinds = (({}, 200, {"ExecutedVersion", "Payload", "StatusCode"}),
             ({"LogType": "Tail"}, 200, {"ExecutedVersion", "LogResult", "Payload", "StatusCode"}),
             ({"InvocationType": "Event"}, 202, {"Payload", "StatusCode"}),
             ({"InvocationType": "DryRun"}, 204, {"Payload", "StatusCode"}))
    for kw, status, members in kinds:
        out = lam.invoke(FunctionName="rec-invoke", Payload=b"{}", **kw)
        assert (out["StatusCode"], keys(out)) == (status, members), kw


def test_tag_exceptions_other_resources(lam):
    """test_tag_exceptions[event_source_mapping], [capacity_provider]: resources of those kinds that do not
    exist (lambkin has none)."""
    esm = f"arn:aws:lambda:us-east-1:{ACCOUNT}:event-source-mapping:00000000-0000-0000-0000-000000000000"
    cp = f"arn:aws:lambda:us-east-1:{ACCOUNT}:capacity-provider:rec-provider"
    for arn, what in ((esm, "Event source mapping"), (cp, "Capacity provider")):
        missing = (404, "ResourceNotFoundException", f"{what} not found: {arn}")
        assert failure(lam.tag_resource, Resource=arn, Tags={"a": "b"}) == missing
        assert failure(lam.untag_resource, Resource=arn, TagKeys=["a"]) == missing
        assert failure(lam.list_tags, Resource=arn) == missing
        status, code, _ = failure(lam.tag_resource, Resource=f"{arn}:alias", Tags={"a": "b"})
        assert (status, code) == (400, "ValidationException")


def test_provisioned_concurrency_limits(lam):
    """test_provisioned_concurrency_limits: provisioned concurrency comes out of the account's unreserved
    concurrency, which keeps at least 100."""
    create(lam, "rec-provisioned-limits")
    lam.publish_version(FunctionName="rec-provisioned-limits")
    limit = lam.get_account_settings()["AccountLimit"]
    unreserved, total = limit["UnreservedConcurrentExecutions"], limit["ConcurrentExecutions"]
    put = dict(FunctionName="rec-provisioned-limits", Qualifier="1")
    assert failure(lam.put_provisioned_concurrency_config, ProvisionedConcurrentExecutions=total + 1, **put) == (
        400, "InvalidParameterValueException",
        f"Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{unreserved}].")
    assert failure(lam.put_provisioned_concurrency_config, ProvisionedConcurrentExecutions=unreserved, **put) == (
        400, "InvalidParameterValueException", "Specified ConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")
    for n in (total + 1, total):
        assert failure(lam.put_function_concurrency, FunctionName="rec-provisioned-limits",
                       ReservedConcurrentExecutions=n) == (
            400, "InvalidParameterValueException", "Specified ReservedConcurrentExecutions for function decreases "
            "account's UnreservedConcurrentExecution below its minimum value of [100].")
