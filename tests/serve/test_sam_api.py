"""API Gateway's emulation on `serve --api-listen`: a SAM template's `HttpApi` (payload 2.0) and `Api` (REST,
payload 1.0) events served after `lambkin deploy --template`, requests checked field by field in the events the
function receives, responses mapped back as API Gateway maps them, CORS preflight, a Lambda authorizer that denies
and allows, and API Gateway's own errors (no route, a malformed answer).
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness import LAMBKIN, Lines, free_port
from serve.conftest import ROOT_ONLY

pytestmark = ROOT_ONLY

API_PORT = free_port()
SERVE_ARGS = ("--api-listen", f"127.0.0.1:{API_PORT}")
API = f"http://127.0.0.1:{API_PORT}"

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: {runtime}
    CodeUri: fn/
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://app.example"]
        AllowMethods: [GET, POST]
        AllowHeaders: [content-type]
      Auth:
        Authorizers:
          Gate:
            FunctionArn: !GetAtt Authorizer.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [x-key]
          Counted:
            FunctionArn: !GetAtt CountingAuthorizer.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [x-key]
              ReauthorizeEvery: 300
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Hello:
          Type: HttpApi
          Properties:
            ApiId: !Ref Http
            Path: /hello/{{name}}
            Method: get
        Secret:
          Type: HttpApi
          Properties:
            ApiId: !Ref Http
            Path: /secret
            Method: get
            Auth:
              Authorizer: Gate
        Counted:
          Type: HttpApi
          Properties:
            ApiId: !Ref Http
            Path: /counted
            Method: get
            Auth:
              Authorizer: Counted
        Items:
          Type: Api
          Properties:
            Path: /items/{{id}}
            Method: post
        Proxy:
          Type: Api
          Properties:
            Path: /files/{{proxy+}}
            Method: any
  Broken:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.broken
      Events:
        Bad:
          Type: Api
          Properties:
            Path: /bad
            Method: get
        Bare:
          Type: HttpApi
          Properties:
            ApiId: !Ref Http
            Path: /bare
            Method: get
  Authorizer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.authorize
  CountingAuthorizer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.authorize_counted
"""

APP = """\
import json


def echo(event, context):
    return {"statusCode": 201, "headers": {"content-type": "application/json", "x-fn": "echo"},
            "multiValueHeaders": {"x-multi": ["a", "b"]}, "body": json.dumps(event)}


def broken(event, context):
    # Not a proxy response: REST answers 502; an HTTP API (2.0) passes it through as the JSON body.
    return {"just": "data"}


def authorize(event, context):
    return {"isAuthorized": event["headers"].get("x-key") == "open-sesame", "context": {"who": "tester"}}


CALLS = {}


def authorize_counted(event, context):
    key = event["headers"]["x-key"]
    CALLS[key] = CALLS.get(key, 0) + 1
    return {"isAuthorized": key != "no", "context": {"calls": CALLS[key]}}
"""


def request(method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(API + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def deployed(server, tmp_path_factory) -> str:
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:]) if len(r) > 1}
    runtime = next(rt for rt in ("python3.12", "python3.13", "python3.11") if table.get(rt) in ("served", "available"))
    root: Path = tmp_path_factory.mktemp("apiapp")
    (root / "fn").mkdir()
    (root / "fn" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE.format(runtime=runtime))
    p = subprocess.run([str(LAMBKIN), "deploy", "--template"], cwd=root,
                       env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "GET /hello/{name}" in p.stderr and API in p.stderr, p.stderr
    return p.stderr


def test_http_api_event_and_response(deployed):
    status, headers, body = request("GET", "/hello/ann?x=1&x=2&y=3", headers={
        "Cookie": "a=1; b=2", "X-Trace": "t1", "Origin": "https://app.example"})
    assert status == 201 and headers["x-fn"] == "echo"
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    ev = json.loads(body)
    assert ev["version"] == "2.0" and ev["routeKey"] == "GET /hello/{name}"
    assert ev["rawPath"] == "/hello/ann" and ev["rawQueryString"] == "x=1&x=2&y=3"
    assert ev["pathParameters"] == {"name": "ann"}
    assert ev["queryStringParameters"] == {"x": "1,2", "y": "3"}
    assert ev["cookies"] == ["a=1", "b=2"] and "cookie" not in ev["headers"]
    assert ev["headers"]["x-trace"] == "t1"
    ctx = ev["requestContext"]
    assert ctx["http"]["method"] == "GET" and ctx["http"]["path"] == "/hello/ann"
    assert ctx["http"]["sourceIp"] == "127.0.0.1" and ctx["stage"] == "$default"
    assert ctx["routeKey"] == "GET /hello/{name}" and ctx["requestId"]
    assert ev["isBase64Encoded"] is False


def test_rest_api_event_and_multi_value_fields(deployed):
    status, headers, body = request("POST", "/items/42?tag=a&tag=b", body=b'{"n": 1}',
                                    headers={"Content-Type": "application/json"})
    assert status == 201
    ev = json.loads(body)
    assert ev["httpMethod"] == "POST" and ev["resource"] == "/items/{id}" and ev["path"] == "/items/42"
    assert ev["pathParameters"] == {"id": "42"}
    assert ev["queryStringParameters"] == {"tag": "b"}
    assert ev["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert ev["body"] == '{"n": 1}' and ev["isBase64Encoded"] is False
    # REST events name headers as clients write them (title case here, as sam local does), with X-Forwarded-*.
    assert ev["headers"]["Content-Type"] == "application/json"
    assert ev["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert ev["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert ev["requestContext"]["stage"] == "Prod" and ev["requestContext"]["resourcePath"] == "/items/{id}"
    assert ev["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    status, _, body = request("DELETE", "/files/a/b/c.txt")
    ev = json.loads(body)
    assert status == 201 and ev["pathParameters"] == {"proxy": "a/b/c.txt"} and ev["httpMethod"] == "DELETE"


def test_gateway_errors(deployed):
    status, headers, body = request("GET", "/nowhere")
    assert status in (403, 404)
    status, _, body = request("GET", "/bad")
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    status, headers, body = request("GET", "/bare")
    assert status == 200 and json.loads(body) == {"just": "data"}


def test_cors_preflight(deployed):
    status, headers, _ = request("OPTIONS", "/hello/ann", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert status in (200, 204)
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "GET" in headers["Access-Control-Allow-Methods"]


def test_a_lambda_authorizer_denies_then_allows(deployed):
    status, _, _ = request("GET", "/secret")
    assert status == 401
    status, _, _ = request("GET", "/secret", headers={"x-key": "wrong"})
    assert status == 403
    status, _, body = request("GET", "/secret", headers={"x-key": "open-sesame"})
    assert status == 201
    assert json.loads(body)["requestContext"]["authorizer"]["lambda"] == {"who": "tester"}


def test_an_authorizer_answer_is_kept_for_reauthorize_every(deployed):
    # Each identity's answer is kept: the warm authorizer, invoked again, would count on.
    calls = []
    for key in ["a", "a", "b", "a", "b"]:
        status, _, body = request("GET", "/counted", headers={"x-key": key})
        assert status == 201
        calls.append(json.loads(body)["requestContext"]["authorizer"]["lambda"]["calls"])
    assert calls == [1, 1, 1, 1, 1]
    # A kept denial is a denial.
    for _ in range(2):
        status, _, _ = request("GET", "/counted", headers={"x-key": "no"})
        assert status == 403


def test_dev_serves_the_api_with_hot_reload(server, deployed, tmp_path):
    root = tmp_path / "devapi"
    (root / "fn").mkdir(parents=True)
    (root / "fn" / "app.py").write_text(APP)
    out = subprocess.run([str(LAMBKIN), "runtime", "ls", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    table = {r[0]: r[1] for r in (line.split(None, 2) for line in out.splitlines()[1:]) if len(r) > 1}
    runtime = next(rt for rt in ("python3.12", "python3.13", "python3.11") if table.get(rt) in ("served", "available"))
    (root / "template.yaml").write_text(TEMPLATE.format(runtime=runtime))
    proc = subprocess.Popen([str(LAMBKIN), "dev"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={"LAMBKIN_ENDPOINT": server.endpoint, "PATH": "/usr/bin:/bin"})
    out = Lines(proc)

    try:
        out.wait(lambda l: l.startswith("watching "))
        assert any("GET /hello/{name}" in l for l in out.seen), out.seen
        status, headers, _ = request("GET", "/hello/x")
        assert status == 201 and headers["x-fn"] == "echo"
        (root / "fn" / "app.py").write_text(APP.replace('"x-fn": "echo"', '"x-fn": "reloaded"'))
        out.wait(lambda l: "reloaded function Echo" in l, timeout=60)
        status, headers, _ = request("GET", "/hello/x")
        assert status == 201 and headers["x-fn"] == "reloaded"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
