"""`lambkin serve`: DeleteFunction removes everything the function owns. A function created again under the same
name starts from nothing: no URL (its old URL serves nothing), no versions, aliases, event-invoke or provisioned
configurations, concurrency, policy or tags, and none of the old function's queued events. DeleteFunction with a
version removes that version and what hangs off it."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request

import pytest

from harness import wait_for

from .conftest import ACCOUNT, ROOT_ONLY, create, queue_while_throttled

pytestmark = ROOT_ONLY
SERVE_ARGS = ("--async-delay-scale", "0.01")


def url_id(config):
    return config["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]


def get(server, path, host=None):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    c.request("GET", path, headers={"Host": host} if host else {})
    r = c.getresponse()
    return r.status, r.read()


def messages(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/logs") as r:
        return [e["message"] for e in json.loads(r.read())["events"]]


def test_recreated_function_has_no_url(server, lam):
    create(lam, "reborn")
    cfg = lam.create_function_url_config(FunctionName="reborn", AuthType="NONE")
    uid = url_id(cfg)
    status, _ = get(server, f"/lambkin/v1/urls/{uid}/before")
    assert status == 200
    lam.delete_function(FunctionName="reborn")
    status, _ = get(server, f"/lambkin/v1/urls/{uid}/gone")
    assert status == 404

    create(lam, "reborn")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="reborn")
    assert lam.list_function_url_configs(FunctionName="reborn")["FunctionUrlConfigs"] == []
    # The old URL serves nothing, by path or by Host.
    status, body = get(server, f"/lambkin/v1/urls/{uid}/after")
    assert status == 404, body
    status, body = get(server, "/after", host=f"{uid}.lambda-url.us-east-1.localhost:{server.port}")
    assert status == 404, body
    # A new URL is a new id; the old one still serves nothing.
    new = lam.create_function_url_config(FunctionName="reborn", AuthType="NONE")
    assert url_id(new) != uid
    assert get(server, f"/lambkin/v1/urls/{url_id(new)}/x")[0] == 200
    assert get(server, f"/lambkin/v1/urls/{uid}/x")[0] == 404


def test_recreated_function_starts_from_nothing(server, lam):
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:whole"
    create(lam, "whole", Tags={"team": "a"})
    lam.publish_version(FunctionName="whole")
    lam.create_alias(FunctionName="whole", Name="live", FunctionVersion="1")
    alias_url = lam.create_function_url_config(FunctionName="whole", Qualifier="live", AuthType="NONE")
    lam.create_function_url_config(FunctionName="whole", AuthType="NONE")
    lam.put_function_event_invoke_config(FunctionName="whole", MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName="whole", Qualifier="live", MaximumRetryAttempts=1)
    lam.put_function_concurrency(FunctionName="whole", ReservedConcurrentExecutions=5)
    lam.add_permission(FunctionName="whole", StatementId="s1", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    lam.put_provisioned_concurrency_config(FunctionName="whole", Qualifier="live",
                                           ProvisionedConcurrentExecutions=1)
    lam.delete_function(FunctionName="whole")
    assert get(server, f"/lambkin/v1/urls/{url_id(alias_url)}/")[0] == 404

    create(lam, "whole")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="whole")["Versions"]] == ["$LATEST"]
    assert lam.list_aliases(FunctionName="whole")["Aliases"] == []
    assert lam.list_function_url_configs(FunctionName="whole")["FunctionUrlConfigs"] == []
    assert lam.list_function_event_invoke_configs(FunctionName="whole")["FunctionEventInvokeConfigs"] == []
    assert lam.list_provisioned_concurrency_configs(
        FunctionName="whole")["ProvisionedConcurrencyConfigs"] == []
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="whole")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="whole")
    assert lam.list_tags(Resource=arn)["Tags"] == {}
    # Versions are numbered from 1 again.
    assert lam.publish_version(FunctionName="whole")["Version"] == "1"
    # The alias name is free again, and its old URL is not back.
    lam.create_alias(FunctionName="whole", Name="live", FunctionVersion="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="whole", Qualifier="live")


def test_queued_events_of_a_deleted_function_are_dropped(server, lam):
    create(lam, "dropper")
    queue_while_throttled(lam, "dropper", "old-event", 3)
    lam.delete_function(FunctionName="dropper")
    create(lam, "dropper")
    lam.invoke(FunctionName="dropper", InvocationType="Event", Payload=b'{"print": "new-event"}')
    wait_for(lambda: "new-event" in messages(server, "dropper"), 30, "the new function's event", interval=0.2)
    # Throttled events are retried within a second here (scaled backoff): give the old ones every chance.
    time.sleep(3)
    assert not [m for m in messages(server, "dropper") if m.startswith("old-event")]


def test_delete_version_takes_what_hangs_off_it(server, lam):
    create(lam, "vers")
    lam.publish_version(FunctionName="vers")
    lam.update_function_configuration(FunctionName="vers", Timeout=5)
    lam.get_waiter("function_updated_v2").wait(FunctionName="vers", WaiterConfig={"Delay": 1})
    lam.publish_version(FunctionName="vers")
    lam.put_function_event_invoke_config(FunctionName="vers", Qualifier="1", MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName="vers", Qualifier="2", MaximumRetryAttempts=1)
    lam.add_permission(FunctionName="vers", Qualifier="1", StatementId="v1", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    lam.add_permission(FunctionName="vers", StatementId="all", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    lam.put_provisioned_concurrency_config(FunctionName="vers", Qualifier="1",
                                           ProvisionedConcurrentExecutions=1)
    lam.create_alias(FunctionName="vers", Name="cur", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName="vers", Qualifier="2")

    lam.delete_function(FunctionName="vers", Qualifier="1")
    configs = lam.list_function_event_invoke_configs(FunctionName="vers")["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in configs] == ["2"]
    assert lam.list_provisioned_concurrency_configs(FunctionName="vers")["ProvisionedConcurrencyConfigs"] == []
    policy = json.loads(lam.get_policy(FunctionName="vers")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["all"]
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="vers")["Versions"]] == [
        "$LATEST", "2"]
    # Version numbers are not reused.
    lam.update_function_configuration(FunctionName="vers", Timeout=6)
    lam.get_waiter("function_updated_v2").wait(FunctionName="vers", WaiterConfig={"Delay": 1})
    assert lam.publish_version(FunctionName="vers")["Version"] == "3"
