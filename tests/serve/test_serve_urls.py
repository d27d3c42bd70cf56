"""`lambkin serve`: function URLs (configs through boto3; the URLs through a plain HTTP client, by `Host` and
by path) with payload format 2.0, BUFFERED and RESPONSE_STREAM (the real `lambda_http` crate), CORS; and
`InvokeWithResponseStream` passing chunks as they are written."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from harness import bin_path

from .conftest import ACCOUNT, ROOT_ONLY, create, zip_bootstrap

pytestmark = ROOT_ONLY


def url_id(config):
    return config["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]


def request(server, method, path, body=None, headers=None, host=None):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    h = dict(headers or {})
    if host:
        h["Host"] = host
    c.request(method, path, body=body, headers=h)
    return c.getresponse()


def test_url_config_lifecycle_and_buffered_requests(server, lam):
    create(lam, "web")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="web")
    cfg = lam.create_function_url_config(FunctionName="web", AuthType="NONE",
                                         Cors={"AllowOrigins": ["https://app.example"],
                                               "AllowMethods": ["GET", "POST"], "MaxAge": 60})
    assert cfg["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert cfg["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:web"
    # As AWS answers (LocalStack snapshot test_url_config_lifecycle): no InvokeMode unless one was given; Get has it.
    assert "InvokeMode" not in cfg and cfg["AuthType"] == "NONE"
    assert lam.get_function_url_config(FunctionName="web")["InvokeMode"] == "BUFFERED"
    assert cfg["FunctionUrl"].startswith("http://") and ".lambda-url.us-east-1.localhost:" in cfg["FunctionUrl"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function_url_config(FunctionName="web", AuthType="NONE")
    assert lam.get_function_url_config(FunctionName="web")["FunctionUrl"] == cfg["FunctionUrl"]
    assert len(lam.list_function_url_configs(FunctionName="web")["FunctionUrlConfigs"]) == 1
    uid = url_id(cfg)

    # By Host header.
    r = request(server, "POST", "/items/7?color=red&size=m", body=b'{"n": 1}',
                headers={"Content-Type": "application/json", "Cookie": "a=1; b=2"},
                host=f"{uid}.lambda-url.us-east-1.localhost:{server.port}")
    seen = json.loads(r.read())
    assert r.status == 200
    assert r.getheader("x-raw-path") == "/items/7"
    assert r.getheader("set-cookie") == "flavour=oat"
    assert seen["method"] == "POST" and seen["path"] == "/items/7"
    assert seen["query"] == {"color": "red", "size": "m"}
    assert seen["cookies"] == ["a=1", "b=2"]
    assert seen["body"] == '{"n": 1}' and seen["isBase64Encoded"] is False
    # By path, with a binary body and a status chosen by the function.
    r = request(server, "PUT", f"/lambkin/v1/urls/{uid}/bin?status=201", body=b"\x00\xff\x10",
                headers={"Content-Type": "application/octet-stream"})
    seen = json.loads(r.read())
    assert r.status == 201 and seen["isBase64Encoded"] is True and seen["path"] == "/bin"
    # CORS: a preflight is answered without the function; allowed origins get the header.
    r = request(server, "OPTIONS", f"/lambkin/v1/urls/{uid}/x",
                headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    r.read()
    assert r.getheader("access-control-allow-origin") == "https://app.example"
    assert r.getheader("access-control-max-age") == "60"
    r = request(server, "GET", f"/lambkin/v1/urls/{uid}/", headers={"Origin": "https://app.example"})
    r.read()
    assert r.getheader("access-control-allow-origin") == "https://app.example"
    r = request(server, "GET", f"/lambkin/v1/urls/{uid}/", headers={"Origin": "https://evil.example"})
    r.read()
    assert r.getheader("access-control-allow-origin") is None

    upd = lam.update_function_url_config(FunctionName="web", InvokeMode="RESPONSE_STREAM")
    assert upd["InvokeMode"] == "RESPONSE_STREAM"
    lam.delete_function_url_config(FunctionName="web")
    r = request(server, "GET", f"/lambkin/v1/urls/{uid}/")
    r.read()
    assert r.status == 404


def test_streamed_url_and_invoke_with_response_stream(server, lam):
    code = zip_bootstrap(bin_path("rust-stream"))
    create(lam, "streamer", code)
    cfg = lam.create_function_url_config(FunctionName="streamer", AuthType="NONE",
                                         InvokeMode="RESPONSE_STREAM")
    uid = url_id(cfg)
    # Warm the environment first so timings measure streaming, not the cold start.
    request(server, "GET", f"/lambkin/v1/urls/{uid}/?delay_ms=1").read()
    t = time.time()
    r = request(server, "GET", f"/lambkin/v1/urls/{uid}/?delay_ms=400")
    assert r.status == 200
    assert r.getheader("content-type", "").startswith("text/plain")
    first = r.read1(64)
    first_at = time.time() - t
    rest = r.read()
    total = time.time() - t
    assert (first + rest).decode() == "chunk-0\nchunk-1\nchunk-2\n"
    assert first.startswith(b"chunk-0")
    assert first_at < total - 0.5, (first_at, total)

    # The same function through InvokeWithResponseStream: the lambda_http prelude is part of the payload.
    ev = {"version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "delay_ms=400",
          "queryStringParameters": {"delay_ms": "400"}, "headers": {},
          "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
                                      "sourceIp": "127.0.0.1", "userAgent": "t"},
                             "accountId": "anonymous", "apiId": "x", "domainName": "x", "domainPrefix": "x",
                             "requestId": "r", "routeKey": "$default", "stage": "$default",
                             "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
          "isBase64Encoded": False}
    t = time.time()
    resp = lam.invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps(ev).encode())
    arrivals = []
    data = b""
    for e in resp["EventStream"]:
        if "PayloadChunk" in e:
            arrivals.append(time.time() - t)
            data += e["PayloadChunk"]["Payload"]
    assert b"chunk-0\nchunk-1\nchunk-2\n" in data
    assert arrivals[0] < arrivals[-1] - 0.5, arrivals
