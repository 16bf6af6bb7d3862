"""A scripted HTTP server in a thread, for what a live gateway cannot show on demand."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""
    chunks: list[bytes] | None = None
    """Send the body chunked, piece by piece (a stream), instead of body."""
    chunk_delay: float = 0.0
    trailers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def error_body(code: str, message: str = "something went wrong") -> dict[str, Any]:
    return {"detail": {"error": code, "message": message, "docs": "https://keine.tech/api-docs"}}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that left (a timeout test) is expected


class ScriptedServer:
    """Answers each request with the next scripted Reply (a 599 when none is left)."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer._lock:
                    outer.received.append(
                        Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    reply = outer.replies.pop(0) if outer.replies else Reply(599, b"no reply scripted")
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                headers = {"X-Request-Id": f"req-{len(outer.received)}", "Connection": "close"}
                headers.update(reply.headers)
                if reply.chunks is not None:
                    headers.setdefault("Content-Type", "text/event-stream")
                    headers["Transfer-Encoding"] = "chunked"
                    if reply.trailers:
                        headers["Trailer"] = ", ".join(reply.trailers)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    for chunk in reply.chunks:
                        if reply.chunk_delay:
                            time.sleep(reply.chunk_delay)
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n")
                    for k, v in reply.trailers.items():
                        self.wfile.write(f"{k}: {v}\r\n".encode())
                    self.wfile.write(b"\r\n")
                    self.wfile.flush()
                    return
                raw = reply.body
                if isinstance(raw, dict):
                    raw = json.dumps(raw).encode()
                    headers.setdefault("Content-Type", "application/json")
                elif isinstance(raw, str):
                    raw = raw.encode()
                headers["Content-Length"] = str(len(raw))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies = list(replies)
            self.received = []

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
