"""Where cloud machines get their identities, served on 127.0.0.1 for the credential tests:
an EC2 instance metadata service (IMDSv2: a session token by PUT, then the role and its
credentials, each GET refused without the token), an ECS container credentials endpoint
(refused without the authorization token), moto's STS on a port of its own (its
AssumeRoleWithWebIdentity), and an OAuth token endpoint that checks a Google service
account's RS256 JWT against the account's public key. Each hands out temporary credentials
that expire after `lifetime` seconds, numbered so a test sees when they were fetched again."""

from __future__ import annotations

import collections
import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLE = "hub-test-role"
CONTAINER_PATH = "/v2/credentials/hub-test"
CONTAINER_TOKEN = "container-authorization-token"


class _Served:
    """A server (``self._server``, socketserver-like) run on a thread while in a ``with``."""

    _server: Any

    def __enter__(self) -> Any:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


class MetadataEndpoints(_Served):
    """IMDSv2 under /latest/ and an ECS credentials endpoint at CONTAINER_PATH."""

    def __init__(self, lifetime: float = 3600) -> None:
        self.lifetime = lifetime
        self.requests: collections.Counter[str] = collections.Counter()
        self.issued: list[str] = []  # access key ids handed out, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def credentials(self) -> dict[str, str]:
        with self._lock:
            number = len(self.issued)
            key = f"ASIAHUBTEST{number:09d}"
            self.issued.append(key)
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=self.lifetime)
        return {
            "Code": "Success",
            "AccessKeyId": key,
            "SecretAccessKey": f"secret-{number}",
            "Token": f"session-token-{number}",
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _answer(self, status: int, body: str, kind: str = "text/plain") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:
                endpoints.requests[f"PUT {self.path}"] += 1
                if self.path != "/latest/api/token":
                    return self._answer(404, "not found")
                if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self._answer(400, "missing ttl")
                return self._answer(200, "imds-session-token")

            def do_GET(self) -> None:
                endpoints.requests[f"GET {self.path}"] += 1
                if self.path == CONTAINER_PATH:
                    if self.headers.get("Authorization") != CONTAINER_TOKEN:
                        return self._answer(401, "unauthorized")
                    body = json.dumps(endpoints.credentials())
                    return self._answer(200, body, "application/json")
                if not self.path.startswith("/latest/meta-data/iam/security-credentials/"):
                    return self._answer(404, "not found")
                if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                    return self._answer(401, "IMDSv2 needs a session token")
                role = self.path.rsplit("/", 1)[1]
                if not role:
                    return self._answer(200, ROLE)
                if role != ROLE:
                    return self._answer(404, "no such role")
                return self._answer(200, json.dumps(endpoints.credentials()), "application/json")

        return Handler


class MotoSts(_Served):
    """moto's STS alone on a port (moto's shared server takes unsigned requests for S3)."""

    def __init__(self) -> None:
        from moto.server import create_backend_app
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, create_backend_app("sts"), threaded=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"


def _base64url(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unchecked."""
    return json.loads(_base64url(token.split(".")[1]))


def signed_jwt_problem(token: str, public_key: Any, issuer: str, audience: str) -> str | None:
    """Why `token` is not an RS256 JWT that `public_key` verifies, from `issuer` for
    `audience` and valid now, or None."""
    import time

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = token.split(".")
    if len(parts) != 3:
        return "not a JWT"
    header, claims = json.loads(_base64url(parts[0])), json.loads(_base64url(parts[1]))
    if header.get("alg") != "RS256":
        return "not RS256"
    try:
        public_key.verify(
            _base64url(parts[2]), f"{parts[0]}.{parts[1]}".encode(),
            padding.PKCS1v15(), hashes.SHA256(),
        )  # fmt: skip
    except InvalidSignature:
        return "bad signature"
    if claims.get("iss") != issuer or claims.get("aud") != audience:
        return "wrong issuer or audience"
    if not claims.get("iat", 0) <= time.time() < claims.get("exp", 0):
        return "expired"
    return None


class OAuthTokenEndpoint(_Served):
    """POST /token: a JWT bearer grant whose assertion is an RS256 JWT signed by the service
    account `email` (checked against `public_key`: signature, issuer, audience, expiry) gets
    an access token ("ya29.test-<n>") that lasts `lifetime` seconds; anything else is 400."""

    def __init__(self, email: str, public_key: Any, lifetime: int = 3600) -> None:
        self.email, self.public_key, self.lifetime = email, public_key, lifetime
        self.issued: list[str] = []
        self.refused: list[str] = []  # why each refused grant was refused
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.token_uri = f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def check(self, form: dict[str, list[str]]) -> str | None:
        """Why the grant is refused, or None."""
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return "not a JWT bearer grant"
        assertion = form.get("assertion", [""])[0]
        problem = signed_jwt_problem(assertion, self.public_key, self.email, self.token_uri)
        if problem:
            return problem
        if "devstorage" not in jwt_claims(assertion).get("scope", ""):
            return "no storage scope"
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                from urllib.parse import parse_qs

                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                refusal = endpoint.check(form) if self.path == "/token" else "no such path"
                if refusal is None:
                    token = f"ya29.test-{len(endpoint.issued)}"
                    endpoint.issued.append(token)
                    answer = {"access_token": token, "expires_in": endpoint.lifetime,
                              "token_type": "Bearer"}  # fmt: skip
                    status = 200
                else:
                    endpoint.refused.append(refusal)
                    answer, status = {"error": "invalid_grant"}, 400
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
