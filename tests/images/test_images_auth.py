"""Pulling from registries that want credentials: docker-registry behind htpasswd basic auth, and behind token
auth with a real token server (below: basic credentials checked, RS256 JWTs signed by a self-signed certificate
sent in `x5c`, the `access` claim granting one repository). `lambkin serve --registry-auth FILE` (Docker's
config.json) gives the credentials; without them, or with wrong ones, the function fails with
`ImageAccessDenied`."""

from __future__ import annotations

import base64
import datetime
import http.server
import json
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from harness import free_port

from .conftest import ROOT_ONLY, Registry, Serve, create_image_function, invoke_json

pytestmark = ROOT_ONLY

USER, PASSWORD = "lambkin", "s3cret-pass"
SERVICE, ISSUER = "test-registry", "test-issuer"
GRANTED_REPO = "tokened"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """A Docker registry token server: `GET /token?service=&scope=repository:NAME:ACTIONS` with basic credentials
    → `{"token": JWT}`; the JWT grants the requested actions on `GRANTED_REPO` only."""

    def __init__(self, directory: Path):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.datetime.now(datetime.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lambkin test token issuer")])
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                  content_commitment=False, key_encipherment=False,
                                                  data_encipherment=False, key_agreement=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.cert_path = Path(directory) / "token-cert.pem"
        self.cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.requests: list[dict] = []
        self.port = free_port()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                q = parse_qs(url.query)
                auth = self.headers.get("Authorization", "")
                creds = None
                if auth.startswith("Basic "):
                    creds = base64.b64decode(auth[6:]).decode(errors="replace")
                outer.requests.append({"path": url.path, "query": q, "creds": creds})
                if url.path != "/token" or creds != f"{USER}:{PASSWORD}":
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="token"')
                    self.send_header("Content-Type", "application/json")
                    body = b'{"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}'
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = json.dumps(outer.issue(q.get("service", [""])[0], q.get("scope", []))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def issue(self, service: str, scopes: list[str]) -> dict:
        access = []
        for scope in " ".join(scopes).split():
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind == "repository" and name == GRANTED_REPO:
                access.append({"type": "repository", "name": name,
                               "actions": [a for a in actions.split(",") if a in ("pull", "push")]})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256",
                  "x5c": [base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()]}
        claims = {"iss": ISSUER, "sub": USER, "aud": service, "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{signing_input}.{b64url(signature)}"
        return {"token": token, "access_token": token, "expires_in": 300,
                "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def registries(registry, rust_image, tmp_path_factory):
    """(htpasswd registry, token registry, token server), all serving the session registry's storage."""
    d = tmp_path_factory.mktemp("auth")
    htpasswd = d / "htpasswd"
    htpasswd.write_bytes(USER.encode() + b":" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)) + b"\n")
    tokens = TokenServer(d)
    basic = Registry(storage=registry.storage, auth={"htpasswd": {"realm": "basic-realm", "path": str(htpasswd)}})
    token = Registry(storage=registry.storage, auth={"token": {
        "realm": tokens.realm, "service": SERVICE, "issuer": ISSUER, "rootcertbundle": str(tokens.cert_path)}})
    registry.push(rust_image, "basicauth", "1")
    registry.push(rust_image, GRANTED_REPO, "1")
    registry.push(rust_image, "not-granted", "1")
    yield basic, token, tokens
    basic.close()
    token.close()
    tokens.close()


def auth_file(path: Path, user: str, password: str, *hosts: str) -> Path:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {h: {"auth": auth} for h in hosts}}))
    return path


@pytest.fixture(scope="module")
def servers(registries, tmp_path_factory):
    """Three servers: no credentials, the right ones, wrong ones (for both authenticated registries)."""
    basic, token, _ = registries
    d = tmp_path_factory.mktemp("creds")
    # No --registry-auth falls back to ~/.docker/config.json: point DOCKER_CONFIG at an empty directory.
    (d / "empty").mkdir()
    none = Serve(env={"DOCKER_CONFIG": str(d / "empty")})
    good = Serve("--registry-auth", str(auth_file(d / "good.json", USER, PASSWORD, basic.host, token.host)))
    bad = Serve("--registry-auth", str(auth_file(d / "bad.json", USER, "wrong", basic.host, token.host)))
    yield {"none": none, "good": good, "bad": bad}
    for s in (none, good, bad):
        s.close()


def test_the_registries_want_credentials(registries):
    basic, token, _ = registries
    for reg in (basic, token):
        status, headers, _ = reg._call("GET", f"/v2/{GRANTED_REPO}/manifests/1")
        assert status == 401
        assert "Www-Authenticate" in headers or "WWW-Authenticate" in headers


@pytest.mark.parametrize("kind", ["basic", "token"])
def test_without_credentials_access_denied(servers, registries, kind):
    basic, token, _ = registries
    uri = f"{basic.host}/basicauth:1" if kind == "basic" else f"{token.host}/{GRANTED_REPO}:1"
    lam = servers["none"].client()
    cfg = create_image_function(lam, f"none-{kind}", uri)
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "ImageAccessDenied", cfg
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.invoke(FunctionName=f"none-{kind}", Payload=b"{}")


@pytest.mark.parametrize("kind", ["basic", "token"])
def test_wrong_credentials_access_denied(servers, registries, kind):
    basic, token, _ = registries
    uri = f"{basic.host}/basicauth:1" if kind == "basic" else f"{token.host}/{GRANTED_REPO}:1"
    lam = servers["bad"].client()
    cfg = create_image_function(lam, f"bad-{kind}", uri)
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "ImageAccessDenied", cfg


@pytest.mark.parametrize("kind", ["basic", "token"])
def test_with_credentials_active(servers, registries, rust_image, kind):
    basic, token, tokens = registries
    uri = f"{basic.host}/basicauth:1" if kind == "basic" else f"{token.host}/{GRANTED_REPO}:1"
    server = servers["good"]
    lam = server.client()
    cfg = create_image_function(lam, f"good-{kind}", uri)
    assert cfg["State"] == "Active", (cfg, server.log())
    assert cfg["CodeSha256"] == rust_image.digest.split(":", 1)[1]
    assert invoke_json(lam, f"good-{kind}", {"auth": kind})[1] == {"auth": kind}
    if kind == "token":
        asked = [r for r in tokens.requests if r["creds"] == f"{USER}:{PASSWORD}"]
        assert asked, tokens.requests
        assert asked[-1]["query"].get("service") == [SERVICE]
        assert any(f"repository:{GRANTED_REPO}:" in s for s in asked[-1]["query"].get("scope", [])), asked[-1]


def test_token_without_access_to_the_repository(servers, registries):
    """The right credentials, but the token server grants nothing on this repository."""
    _, token, _ = registries
    lam = servers["good"].client()
    cfg = create_image_function(lam, "not-granted", f"{token.host}/not-granted:1")
    assert cfg["State"] == "Failed", cfg
    assert cfg["StateReasonCode"] == "ImageAccessDenied", cfg
