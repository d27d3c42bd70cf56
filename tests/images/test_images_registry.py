"""Container-image functions pulled from a real registry (Debian's docker-registry on loopback): the static Rust
echo function as an image — Pending → Active, the Code/CodeSha256 GetFunction answers, invokes (warm, async,
function URL), versions pinned to a digest, concurrency; ECR-style URIs through `--ecr-registry`; multi-platform
indexes; the failures (missing tag, another architecture, unreachable registry) and the API rules."""

from __future__ import annotations

import http.client
import json
import urllib.request

import botocore.exceptions
import pytest

from harness import free_port, wait_for

from .conftest import ROOT_ONLY, Image, Index, Layer, Serve, create_image_function, tail, wait_state

pytestmark = ROOT_ONLY

ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture(scope="module")
def server(registry):
    s = Serve("--ecr-registry", registry.host, "--insecure-registry", registry.host)
    yield s
    s.close()


@pytest.fixture(scope="module")
def lam(server):
    return server.client()


@pytest.fixture(scope="module")
def echo_uri(registry, rust_image):
    registry.push(rust_image, "echo", "1")
    return f"{registry.host}/echo:1"


def messages(server, name):
    with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/logs") as r:
        return [e["message"] for e in json.loads(r.read())["events"]]


def echo(lam, name, payload, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kw)
    body = r["Payload"].read()
    assert "FunctionError" not in r, (body, tail(r))
    return r, json.loads(body)


def test_static_binary_on_scratch_image(server, lam, registry, scratch_image):
    """A `FROM scratch` image holding only a static binary is a valid Lambda image (no libc in it at all)."""
    registry.push(scratch_image, "scratch", "1")
    cfg = create_image_function(lam, "scratch", f"{registry.host}/scratch:1")
    assert cfg["State"] == "Active", cfg
    assert echo(lam, "scratch", {"scratch": True})[1] == {"scratch": True}


def test_rust_image_pending_then_active(server, lam, registry, rust_image, echo_uri):
    out = create_image_function(lam, "rust-img", echo_uri, wait=False)
    assert out["PackageType"] == "Image"
    assert out["State"] == "Pending"
    assert out.get("StateReasonCode") == "Creating"
    # The tag is resolved at once, as Lambda does: the answer already names the digest that will run.
    assert out["CodeSha256"] == rust_image.digest.split(":", 1)[1]
    assert "Runtime" not in out and "Handler" not in out
    cfg = wait_state(lam, "rust-img")
    assert cfg["State"] == "Active", (cfg, server.log())
    assert cfg["LastUpdateStatus"] == "Successful"
    assert cfg["CodeSha256"] == rust_image.digest.split(":", 1)[1]
    fn = lam.get_function(FunctionName="rust-img")
    assert fn["Code"]["RepositoryType"] == "ECR"
    assert fn["Code"]["ImageUri"] == echo_uri
    assert fn["Code"]["ResolvedImageUri"] == f"{registry.host}/echo@{rust_image.digest}"
    assert "ImageConfigResponse" not in fn["Configuration"]

    r, body = echo(lam, "rust-img", {"hello": "image"}, LogType="Tail")
    assert body == {"hello": "image"}
    assert r["ExecutedVersion"] == "$LATEST"
    assert "REPORT RequestId" in tail(r)
    # Warm: the second invoke answers too (the same environment, no second Init).
    r, body = echo(lam, "rust-img", {"n": 2}, LogType="Tail")
    assert body == {"n": 2}
    assert "Init Duration" not in tail(r)


def test_rust_image_async_and_url(server, lam, echo_uri):
    create_image_function(lam, "rust-async", echo_uri)
    r = lam.invoke(FunctionName="rust-async", InvocationType="Event", Payload=b'{"async": 1}')
    assert r["StatusCode"] == 202
    rid = r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    wait_for(lambda: any(f"START RequestId: {rid}" in m for m in messages(server, "rust-async")), timeout=120,
             interval=0.5, what="the async event's START line")
    wait_for(lambda: any(f"END RequestId: {rid}" in m for m in messages(server, "rust-async")), timeout=60,
             interval=0.5, what="the async event's END line")

    cfg = lam.create_function_url_config(FunctionName="rust-async", AuthType="NONE")
    uid = cfg["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    c.request("POST", "/some/path?q=1", body=b'{"via": "url"}',
              headers={"Host": f"{uid}.lambda-url.us-east-1.localhost:{server.port}",
                       "Content-Type": "application/json"})
    resp = c.getresponse()
    event = json.loads(resp.read())
    assert resp.status == 200
    # The echo function returns the URL's payload-2.0 event: not a proxy answer, so it is the body as is.
    assert event["rawPath"] == "/some/path"
    assert event["body"] == '{"via": "url"}'
    assert event["requestContext"]["http"]["method"] == "POST"


def test_version_pinned_to_digest(server, lam, registry, rust_image):
    registry.push(rust_image, "pinned", "v")
    uri = f"{registry.host}/pinned:v"
    create_image_function(lam, "pinned", uri)
    v1 = lam.publish_version(FunctionName="pinned")
    assert v1["Version"] == "1"
    assert v1["CodeSha256"] == rust_image.digest.split(":", 1)[1]

    # A new image under the same tag: an extra layer (a different digest), the same function.
    newer = rust_image.with_layers(Layer().file("var/task/VERSION", "2\n"),
                                   config={"Env": ["PATH=/usr/bin:/bin", "FROM_IMAGE=newer"]})
    assert newer.digest != rust_image.digest
    registry.push(newer, "pinned", "v")
    upd = lam.update_function_code(FunctionName="pinned", ImageUri=uri)
    assert upd["State"] == "Active"
    assert upd["LastUpdateStatus"] in ("InProgress", "Successful")
    # (test_update_code_shows_in_progress checks the status right after the update; here only the outcome.)
    cfg = wait_for(lambda: (c := wait_state(lam, "pinned"))["CodeSha256"] != rust_image.digest.split(":", 1)[1]
                   and c, timeout=300, interval=0.5, what="the updated image")
    assert cfg["LastUpdateStatus"] == "Successful", cfg
    assert cfg["CodeSha256"] == newer.digest.split(":", 1)[1]
    latest = lam.get_function(FunctionName="pinned")
    assert latest["Code"]["ResolvedImageUri"] == f"{registry.host}/pinned@{newer.digest}"
    pinned = lam.get_function(FunctionName="pinned", Qualifier="1")
    assert pinned["Code"]["ResolvedImageUri"] == f"{registry.host}/pinned@{rust_image.digest}"
    assert pinned["Configuration"]["CodeSha256"] == rust_image.digest.split(":", 1)[1]

    r, body = echo(lam, "pinned", {"v": "latest"})
    assert body == {"v": "latest"} and r["ExecutedVersion"] == "$LATEST"
    r, body = echo(lam, "pinned", {"v": "one"}, Qualifier="1")
    assert body == {"v": "one"} and r["ExecutedVersion"] == "1"
    v2 = lam.publish_version(FunctionName="pinned")
    assert v2["Version"] == "2" and v2["CodeSha256"] == newer.digest.split(":", 1)[1]


def test_update_code_shows_in_progress(server, lam, registry, rust_image):
    """Right after UpdateFunctionCode, GetFunctionConfiguration answers the update: `InProgress`, or already
    `Successful` with the new image — never `Successful` with the old code (what `function_updated_v2` waits on)."""
    registry.push(rust_image, "progress", "t")
    uri = f"{registry.host}/progress:t"
    old = create_image_function(lam, "progress", uri)["CodeSha256"]
    newer = rust_image.with_layers(Layer().file("var/task/VERSION", "progress\n"))
    registry.push(newer, "progress", "t")
    upd = lam.update_function_code(FunctionName="progress", ImageUri=uri)
    assert upd["LastUpdateStatus"] == "InProgress", upd
    seen = lam.get_function_configuration(FunctionName="progress")
    assert seen["LastUpdateStatus"] == "InProgress" or seen["CodeSha256"] != old, \
        f"right after UpdateFunctionCode: {seen['LastUpdateStatus']} with the old CodeSha256 {old}"
    lam.get_waiter("function_updated_v2").wait(FunctionName="progress", WaiterConfig={"Delay": 1})
    assert lam.get_function_configuration(FunctionName="progress")["CodeSha256"] == newer.digest.split(":", 1)[1]


def test_reserved_concurrency(server, lam, echo_uri):
    create_image_function(lam, "rust-conc", echo_uri)
    assert lam.put_function_concurrency(FunctionName="rust-conc",
                                        ReservedConcurrentExecutions=0)["ReservedConcurrentExecutions"] == 0
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName="rust-conc", Payload=b"{}")
    lam.put_function_concurrency(FunctionName="rust-conc", ReservedConcurrentExecutions=2)
    assert echo(lam, "rust-conc", {"x": 1})[1] == {"x": 1}
    lam.delete_function_concurrency(FunctionName="rust-conc")


def test_ecr_uri_pulled_from_ecr_registry(server, lam, registry, rust_image):
    docker_flavoured = Image(rust_image.layers, rust_image.config, docker=True)
    registry.push(docker_flavoured, "team/fn", "1")
    uri = f"{ECR_HOST}/team/fn:1"
    cfg = create_image_function(lam, "ecr-fn", uri)
    assert cfg["State"] == "Active", (cfg, server.log())
    assert cfg["CodeSha256"] == docker_flavoured.digest.split(":", 1)[1]
    fn = lam.get_function(FunctionName="ecr-fn")
    assert fn["Code"]["ImageUri"] == uri
    assert fn["Code"]["ResolvedImageUri"] == f"{ECR_HOST}/team/fn@{docker_flavoured.digest}"
    assert echo(lam, "ecr-fn", {"ecr": True})[1] == {"ecr": True}


@pytest.mark.parametrize("docker", [False, True], ids=["oci-index", "docker-manifest-list"])
def test_multi_platform_index_takes_amd64(server, lam, registry, rust_image, docker):
    arm = Image(rust_image.layers, rust_image.config, architecture="arm64", docker=docker)
    amd = Image(rust_image.layers + [Layer().file("var/task/ARCH", "amd64")], rust_image.config, docker=docker)
    index = Index([arm, amd], docker=docker)
    registry.push(index, "multi", f"docker-{docker}")
    name = f"multi-{int(docker)}"
    cfg = create_image_function(lam, name, f"{registry.host}/multi:docker-{docker}")
    assert cfg["State"] == "Active", (cfg, server.log())
    assert echo(lam, name, {"multi": docker})[1] == {"multi": docker}


def test_missing_tag_is_image_deleted(server, lam, registry, echo_uri):
    cfg = create_image_function(lam, "no-tag", f"{registry.host}/echo:does-not-exist")
    assert cfg["State"] == "Failed"
    assert cfg["StateReasonCode"] == "ImageDeleted", cfg
    assert cfg["StateReason"]
    cfg = create_image_function(lam, "no-repo", f"{registry.host}/never/pushed:1")
    assert cfg["State"] == "Failed" and cfg["StateReasonCode"] == "ImageDeleted", cfg
    with pytest.raises(lam.exceptions.ResourceConflictException) as e:
        lam.invoke(FunctionName="no-tag", Payload=b"{}")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


@pytest.mark.parametrize("as_index", [False, True], ids=["manifest", "index"])
def test_other_architecture_is_invalid_image(server, lam, registry, rust_image, as_index):
    arm = Image(rust_image.layers, rust_image.config, architecture="arm64")
    registry.push(Index([arm]) if as_index else arm, "armonly", f"i{int(as_index)}")
    name = f"arm-{int(as_index)}"
    cfg = create_image_function(lam, name, f"{registry.host}/armonly:i{int(as_index)}")
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "InvalidImage", cfg
    assert "arm64" in cfg["StateReason"] or "architecture" in cfg["StateReason"].lower(), cfg["StateReason"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.invoke(FunctionName=name, Payload=b"{}")


def test_arm64_function_takes_arm64_of_index_or_fails(server, lam, registry, rust_image):
    """`Architectures: [arm64]` asks for the arm64 image: an amd64-only image does not fit it."""
    registry.push(rust_image, "amdonly", "1")
    try:
        cfg = create_image_function(lam, "wants-arm", f"{registry.host}/amdonly:1", Architectures=["arm64"])
    except botocore.exceptions.ClientError as e:
        # A host that cannot run arm64 may refuse the architecture outright.
        assert e.response["Error"]["Code"] == "InvalidParameterValueException", e.response
        return
    assert cfg["State"] == "Failed" and cfg["StateReasonCode"] == "InvalidImage", cfg


def test_unreachable_registry_fails(server, lam):
    port = free_port()
    cfg = create_image_function(lam, "unreachable", f"127.0.0.1:{port}/echo:1")
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "InvalidImage", cfg
    assert cfg["StateReason"]


def test_pending_function_answers_409_then_update_code(server, lam, registry, rust_image, echo_uri):
    # A Failed function updated with a good image becomes usable.
    cfg = create_image_function(lam, "fixme", f"{registry.host}/echo:later")
    assert cfg["State"] == "Failed"
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.invoke(FunctionName="fixme", Payload=b"{}")
    lam.update_function_code(FunctionName="fixme", ImageUri=echo_uri)

    def recovered():
        c = wait_state(lam, "fixme")
        return c if c["State"] != "Failed" or "later" not in c.get("StateReason", "") else None
    cfg = wait_for(recovered, timeout=300, interval=0.5, what="the update of a Failed function")
    assert cfg["State"] == "Active", cfg
    assert cfg["LastUpdateStatus"] == "Successful", cfg
    assert echo(lam, "fixme", {"fixed": 1})[1] == {"fixed": 1}


def test_api_rules(server, lam, echo_uri):
    for extra in ({"Runtime": "python3.12"}, {"Handler": "app.handler"}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            create_image_function(lam, "bad-img", echo_uri, wait=False, **extra)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", (extra, e.value.response)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # An Image function without an ImageUri, a Zip function given one.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName="bad-img", PackageType="Image", Role="arn:aws:iam::123456789012:role/l",
                            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"

    create_image_function(lam, "rules", echo_uri)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_function_code(FunctionName="rules", ZipFile=b"PK\x05\x06" + b"\x00" * 18)
    err = e.value.response["Error"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Code"] == "InvalidParameterValueException"
    assert err["Message"] == "Please provide ImageUri when updating a function with packageType Image."
