"""Where cloud machines get their identities, served on 127.0.0.1 for the credential tests:
an EC2 instance metadata service (IMDSv2: a session token by PUT, then the role and its
credentials, each GET refused without the token), an ECS container credentials endpoint
(refused without the authorization token), and moto's STS on a port of its own (its
AssumeRoleWithWebIdentity). Each hands out temporary credentials that expire after
`lifetime` seconds, numbered so a test sees when they were fetched again."""

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
