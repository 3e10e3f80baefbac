"""HTTP plumbing: a threaded stdlib server on 127.0.0.1 that hands requests to a router.

It knows nothing about Slack. The router gets a parsed :class:`HttpRequest` and returns an
:class:`HttpReply`; a reply with ``reset=True`` makes the server drop the TCP connection
without answering (an RST), which is how a connection reset is injected. An exception in
the router becomes an HTTP 500 and its traceback is kept in :attr:`HttpServer.errors`, so a
bug in the stand-in cannot pass for a Slack failure unnoticed.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpRequest:
    """One request: header names lower-cased, body fully read."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class HttpReply:
    """One answer (or a connection reset)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


Router = Callable[[HttpRequest], HttpReply]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default per-request stderr log."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.router(request)
        except Exception:
            self.server.errors.append(traceback.format_exc())
            reply = HttpReply(500, b'{"ok":false,"error":"standin_internal_error"}')
        if reply.reset:
            self._reset()
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # The caller gave up waiting (a timeout): no one to tell.

    def _reset(self) -> None:
        """Close with SO_LINGER 0 so the peer sees a reset, not an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, router: Router, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.router = router
        self.errors: list[str] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """Keep unexpected handler errors instead of printing them."""
        self.errors.append(traceback.format_exc())


class HttpServer:
    """A :class:`ThreadingHTTPServer` on 127.0.0.1 (port 0: OS-chosen), in a daemon thread."""

    def __init__(self, router: Router, port: int = 0) -> None:
        self._router = router
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve; idempotent (a stopped server is not restarted)."""
        if self._server is not None:
            return
        self._server = _Server(self._router, self._port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"slack-standin:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; idempotent."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._thread = None
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The bound port (raises if not started)."""
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return int(self._server.server_address[1])

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised while serving."""
        return list(self._server.errors) if self._server is not None else []
