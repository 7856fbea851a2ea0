"""A fault-injecting HTTP proxy for the cloud tests: it sits between hub_v1 and a real S3
server on 127.0.0.1 and fails a share of requests the way clouds do (500, 503 SlowDown, a
connection reset, a stall that outlasts the client's low-speed timeout), never more than
`max_failures_in_a_row` times for the same request, so a client that retries must always
get through."""

from __future__ import annotations

import collections
import http.client
import random
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
EXPIRED_TOKEN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code>'
    b"<Message>The provided token has expired.</Message></Error>"
)
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)
INTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        failure_rate: float,
        seed: int = 0,
        max_failures_in_a_row: int = 2,
        faults: tuple[str, ...] = ("500", "503", "reset", "stall"),
        stall_seconds: float = 5.0,
        delay_seconds: float = 0.0,
    ) -> None:
        self.faults = faults
        self.stall_seconds = stall_seconds
        self.delay_seconds = delay_seconds  # added before every forwarded request (latency)
        self.upstream_port = upstream_port
        self.failure_rate = failure_rate
        self.max_failures_in_a_row = max_failures_in_a_row
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.streak: dict[tuple[str, str], int] = {}
        self.injected = {fault: 0 for fault in faults}
        self.forwarded = 0
        self.requests: collections.Counter[str] = collections.Counter()  # by HTTP method
        # By the access key id that signed them, or the bearer token they carry ("" neither);
        # requests signed with a key in
        # `expired_keys` are answered 400 ExpiredToken, as S3 answers a stale session token.
        self.signers: collections.Counter[str] = collections.Counter()
        self.expired_keys: set[str] = set()
        # Requests whose "METHOD path" this pattern matches are answered 403 AccessDenied.
        self.refuse: re.Pattern[str] | None = None
        self.answered: list[tuple[str, str, int]] = []  # (method, path, status) forwarded
        self.active = 0  # requests being handled now
        self.most_active = 0  # the most handled at once (reset it to measure a call)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _read_body(self) -> bytes | None:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    body = b""
                    while True:  # HTTP/1.1 chunked transfer coding
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return body
                        body += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else None

            def _handle(self):
                body = self._read_body()
                signer = re.search(
                    r"Credential=([^/]+)/|Bearer (\S+)", self.headers.get("Authorization", "")
                )
                key = (signer.group(1) or signer.group(2)) if signer else ""
                with proxy.lock:
                    proxy.requests[self.command] += 1
                    proxy.signers[key] += 1
                    proxy.active += 1
                    proxy.most_active = max(proxy.most_active, proxy.active)
                try:
                    if key and key in proxy.expired_keys:
                        self._error(400, EXPIRED_TOKEN)
                    elif proxy.refuse and proxy.refuse.search(f"{self.command} {self.path}"):
                        with proxy.lock:
                            proxy.answered.append((self.command, self.path, 403))
                        self._error(403, ACCESS_DENIED)
                    else:
                        self._answer(body)
                finally:
                    with proxy.lock:
                        proxy.active -= 1

            def _error(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _answer(self, body: bytes | None):
                fault = proxy._choose_fault(self.command, self.path)
                if fault == "stall":  # say nothing until the client gives up, then hang up
                    time.sleep(proxy.stall_seconds)
                    fault = "reset"
                if fault == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if fault in ("500", "503"):
                    self._error(int(fault), SLOW_DOWN if fault == "503" else INTERNAL)
                    return
                if proxy.delay_seconds:
                    time.sleep(proxy.delay_seconds)
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("connection", "transfer-encoding", "content-length")
                }
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                with proxy.lock:  # before answering: the client may look as soon as it has it
                    proxy.answered.append((self.command, self.path, response.status))
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                # A HEAD response has no body but reports the object's size.
                length = response.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                upstream.close()
                with proxy.lock:
                    proxy.forwarded += 1

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # clients open dozens of connections at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def clear(self) -> None:
        """Forgets the requests counted so far (to count one call's)."""
        with self.lock:
            self.requests.clear()
            self.signers.clear()
            self.answered.clear()
            self.most_active = 0

    def _choose_fault(self, method: str, path: str) -> str | None:
        with self.lock:
            key = (method, path)
            streak = self.streak.get(key, 0)
            if streak < self.max_failures_in_a_row and self.random.random() < self.failure_rate:
                fault = self.random.choice(self.faults)
                self.streak[key] = streak + 1
                self.injected[fault] += 1
                return fault
            self.streak[key] = 0
            return None

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
