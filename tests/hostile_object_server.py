"""An S3 / GCS look-alike on 127.0.0.1 for the hostile-server tests: it serves real hub_v1
objects (copied from a store) as both clouds' read APIs do (whole, ranged and suffix GETs,
ETags and generations, conditional GETs), and misbehaves on the requests a test picks.

A test sets `misbehave` to a function of (request, served) that returns the answer to send
instead of the honest one (`served`), or None to send the honest one. Everything it sends is
bounded: endless bodies stop after `most_bytes` or when the client hangs up.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    key: str  # the object's name in the bucket
    headers: dict[str, str]  # names in lower case
    query: dict[str, str]
    range: tuple[int | None, int | None] | None  # (first, last) or (None, suffix length)
    condition: str  # the generation an If-None-Match / ifGenerationNotMatch names, or ""


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterator[bytes] = b""  # an iterator is sent chunked, as it comes
    bytes_per_second: float | None = None  # trickle the body at this rate


class HostileObjectServer:
    """Serves `objects` ({name in the bucket: bytes}) as S3 (path style) and GCS (JSON API)."""

    def __init__(self, objects: dict[str, bytes], most_bytes: int = 512 << 20) -> None:
        self.objects = dict(objects)
        self.generations = dict.fromkeys(self.objects, 1)
        self.most_bytes = most_bytes
        self.sent = 0  # body bytes sent, all answers together
        self.requests: list[Request] = []
        self.misbehave: Callable[[Request, Answer], Answer | None] | None = None
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                request = server.parse(self)
                with server.lock:
                    server.requests.append(request)
                honest = server.honest_answer(request)
                misbehaving = server.misbehave(request, honest) if server.misbehave else None
                # OSError: the client hung up, which is what it should do with a hostile answer.
                with contextlib.suppress(OSError):
                    server.send(self, misbehaving or honest)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def replace(self, key: str, value: bytes) -> None:
        """A new version of `key` (a new ETag and generation)."""
        with self.lock:
            self.objects[key] = value
            self.generations[key] = self.generations.get(key, 0) + 1

    @staticmethod
    def parse(handler: http.server.BaseHTTPRequestHandler) -> Request:
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        if url.path.startswith("/storage/v1/b/"):  # GCS: /storage/v1/b/BUCKET/o/ENCODED
            key = urllib.parse.unquote(url.path.split("/o/", 1)[1])
            condition = query.get("ifGenerationNotMatch", "")
        else:  # S3, path style: /BUCKET/KEY
            key = urllib.parse.unquote(url.path.split("/", 2)[2])
            condition = headers.get("if-none-match", "")
        ranged = None
        spec = headers.get("range", "")
        if spec.startswith("bytes="):
            first, _, last = spec[6:].partition("-")
            ranged = (int(first), int(last) if last else None) if first else (None, int(last))
        return Request(handler.command, key, headers, query, ranged, condition)

    def honest_answer(self, request: Request) -> Answer:
        with self.lock:
            value = self.objects.get(request.key)
            generation = str(self.generations.get(request.key, 0))
        if value is None:
            body = b"<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>"
            return Answer(404, {"Content-Type": "application/xml"}, body)
        versions = {"ETag": f'"{generation}"', "x-goog-generation": generation}
        if request.condition in (f'"{generation}"', generation):
            return Answer(304, versions)
        if request.range is None:
            return Answer(200, versions, value)
        first, last = request.range
        if first is None:  # a suffix
            first = max(0, len(value) - (last or 0))
            last = len(value) - 1
        last = len(value) - 1 if last is None else min(last, len(value) - 1)
        if first >= len(value):
            return Answer(416, {"Content-Range": f"bytes */{len(value)}"})
        content_range = {"Content-Range": f"bytes {first}-{last}/{len(value)}"}
        return Answer(206, {**versions, **content_range}, value[first : last + 1])

    def send(self, handler: http.server.BaseHTTPRequestHandler, answer: Answer) -> None:
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        if isinstance(answer.body, bytes):
            if "Content-Length" not in answer.headers:
                handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            self.write(handler, answer.body, answer.bytes_per_second)
            return
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for block in answer.body:
            if self.sent >= self.most_bytes:
                break
            handler.wfile.write(b"%x\r\n" % len(block))
            self.write(handler, block, answer.bytes_per_second)
            handler.wfile.write(b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    def write(self, handler, body: bytes, bytes_per_second: float | None) -> None:
        if bytes_per_second is None:
            handler.wfile.write(body)
            self.sent += len(body)
            return
        step = max(1, int(bytes_per_second / 4))
        for start in range(0, len(body), step):
            handler.wfile.write(body[start : start + step])
            handler.wfile.flush()
            self.sent += len(body[start : start + step])
            time.sleep(step / bytes_per_second)


def endless(block: bytes = b"\0" * 65536) -> Iterator[bytes]:
    """A body that never ends (the server stops it at its `most_bytes`)."""
    while True:
        yield block
