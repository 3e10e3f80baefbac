"""Socket Mode: Slack's outbound side over a WebSocket instead of POSTs to a Request URL.

A Socket Mode app has no public URL. It calls ``apps.connections.open`` with its app-level
token, gets a ``ws://`` URL with a single-use ticket, opens it and receives ``hello``;
from then on Slack sends each request as an envelope and the app acks it with
``{"envelope_id", "payload"?}`` within 3 s (PLATFORM.md "Socket Mode vs HTTP",
PAYLOADS.md section 6). This module is that WebSocket endpoint, run with the
``websockets`` library's sync server on its own port on 127.0.0.1, plus the envelope
exchange: the ack comes back as the same :class:`InboundResponse` an HTTP answer gives,
so the callers in ``actions.py`` interpret both alike.

Slack pings its clients; the short ping interval here also matters to slack_sdk's builtin
client, which holds its receive lock while blocked in ``recv()`` (3 s timeout): traffic
lets it close, and switch connections, within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .inbound import ACK_DEADLINE, InboundResponse

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

# websockets (a test extra) is imported where a connection is served, not here: the browser
# sandbox runs the stand-in in HTTP mode from a plain `pip install -e .`.

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]

PING_INTERVAL = 0.5
"""Seconds of silence after which the server pings (see the module docstring). Sent from
each connection's receive loop: the sync server of websockets 13 has no keepalive."""
CLOSE_TIMEOUT = 2.0
"""How long a close waits for the client's side of the closing handshake."""
LINK_PATH = "/link/"
_DEBUG_INFO: dict[str, Any] = {
    "host": "slack-standin",
    "build_number": 1,
    "approximate_connection_time": 18060,
}


def envelope_payload(kind: EnvelopeType, body: bytes) -> dict[str, Any]:
    """What goes into an envelope's ``payload`` for the body HTTP mode would POST.

    Slash command form fields become a JSON object of those fields; an interactivity
    request's single ``payload=`` field is decoded; an Events API body is taken as is.
    """
    if kind == "events_api":
        decoded: dict[str, Any] = json.loads(body)
        return decoded
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if kind == "interactive":
        payload: dict[str, Any] = json.loads(fields["payload"])
        return payload
    return dict(fields)


def ack_response(ack: Mapping[str, Any], elapsed: float) -> InboundResponse:
    """The ack frame as the HTTP answer it stands for: 200, its payload as a JSON body."""
    if "payload" not in ack or ack["payload"] is None:
        return InboundResponse(200, {}, "", elapsed)
    body = json.dumps(ack["payload"])
    return InboundResponse(200, {"content-type": "application/json"}, body, elapsed)


def no_answer(problem: str, elapsed: float = 0.0) -> InboundResponse:
    """Status 0 (no answer at all) with what Slack would hold against it."""
    return InboundResponse(0, {}, "", elapsed, (problem,))


@dataclass(eq=False)
class _Link:
    """One accepted WebSocket connection, ``ready`` (open for envelopes) from hello until
    a disconnect or close starts. Frames go out one at a time, hello first: it is sent
    under ``send_lock``, taken before the link turns ready."""

    connection: ServerConnection
    ready: bool = False
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: Mapping[str, Any]) -> None:
        with self.send_lock:
            self.send_unlocked(message)

    def send_unlocked(self, message: Mapping[str, Any]) -> None:
        """Send while the caller holds ``send_lock``."""
        self.connection.send(json.dumps(message, separators=(",", ":")))


@dataclass(eq=False)
class _Pending:
    """An envelope waiting for its ack."""

    acked: threading.Event = field(default_factory=threading.Event)
    ack: dict[str, Any] = field(default_factory=dict)


class SocketModeServer:
    """The WebSocket endpoint for one app, started on the first ``apps.connections.open``."""

    def __init__(self, app_id: str) -> None:
        self._app_id = app_id
        self._cond = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._pending: dict[str, _Pending] = {}
        self._accepted = 0
        self.errors: list[str] = []
        """Tracebacks of bugs in this module's handlers (should stay empty)."""

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Bind 127.0.0.1 on an OS-chosen port and serve in a daemon thread; idempotent."""
        from websockets.sync.server import serve

        with self._cond:
            if self._server is not None:
                return
            self._server = serve(
                self._handle,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                compression=None,
                close_timeout=CLOSE_TIMEOUT,
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                name=f"slack-standin-socket:{self.port}",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Close every connection and stop serving; idempotent."""
        with self._cond:
            server, thread, links = self._server, self._thread, list(self._links)
            self._server = self._thread = None
            for link in links:
                link.ready = False
        for link in links:
            link.connection.close(reason="server stopping")
        if server is not None and thread is not None:
            server.shutdown()
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The bound port (raises if not started)."""
        if self._server is None:
            raise RuntimeError("the Socket Mode endpoint is not started")
        return int(self._server.socket.getsockname()[1])

    # ---- connections --------------------------------------------------------------------

    def issue_link(self) -> str:
        """A WebSocket URL with a fresh single-use ticket (starts serving if needed)."""
        self.start()
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}{LINK_PATH}?ticket={ticket}"

    @property
    def accepted(self) -> int:
        """Connections accepted so far (reconnects included)."""
        with self._cond:
            return self._accepted

    def wait_for_connection(self, timeout: float) -> None:
        """Block until a connection is open (hello goes out on it before any other frame);
        AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(link.ready for link in self._links):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no Socket Mode connection within {timeout} s "
                        f"({self._accepted} accepted so far)"
                    )
                self._cond.wait(remaining)

    def disconnect(self, reason: str) -> int:
        """Send ``disconnect`` on every open connection, then close them; returns how many.

        The connections stop counting as open at once, so a following
        :meth:`wait_for_connection` waits for the app's new connection.
        """
        from websockets.exceptions import ConnectionClosed

        with self._cond:
            links = [link for link in self._links if link.ready]
            for link in links:
                link.ready = False
        for link in links:
            with contextlib.suppress(ConnectionClosed):
                link.send({"type": "disconnect", "reason": reason, "debug_info": _DEBUG_INFO})
            link.connection.close(reason=reason)
        return len(links)

    # ---- envelopes ----------------------------------------------------------------------

    def exchange(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> InboundResponse:
        """Send one envelope on the newest open connection and wait for its ack.

        While the app is between connections (a reconnect), the envelope waits up to the
        ack deadline for the new one, as Slack holds it. No ack within the deadline gives
        status 0 and a problem; a later ack is ignored, as Slack ignores it.
        """
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ("" if retry_attempt is None else "timeout")
        return self.exchange_envelope(envelope)

    def exchange_envelope(self, envelope: Mapping[str, Any]) -> InboundResponse:
        """Send ``envelope`` as given (any shape; for tests of what Slack should never send)
        and wait for the ack of its ``envelope_id``, as :meth:`exchange` does."""
        from websockets.exceptions import ConnectionClosed

        link = self._newest_link(ACK_DEADLINE)
        if link is None:
            return no_answer(
                f"no Socket Mode connection open for {ACK_DEADLINE:g} s; "
                "Slack could not deliver the request"
            )
        envelope_id = str(envelope.get("envelope_id"))
        pending = _Pending()
        with self._cond:
            self._pending[envelope_id] = pending
        started = time.monotonic()
        try:
            link.send(envelope)
            acked = pending.acked.wait(ACK_DEADLINE)
        except ConnectionClosed:
            acked = False
        finally:
            with self._cond:
                self._pending.pop(envelope_id, None)
        elapsed = time.monotonic() - started
        if not acked:
            return no_answer(
                f"no ack within {ACK_DEADLINE:g} s; Slack gives up after {ACK_DEADLINE:g} s",
                elapsed,
            )
        return ack_response(pending.ack, elapsed)

    def send_frame(self, frame: str) -> None:
        """Send the text ``frame`` as is on the newest open connection, expecting no ack
        (not JSON, no envelope_id: what Slack should never send)."""
        link = self._newest_link(ACK_DEADLINE)
        if link is None:
            raise AssertionError("no Socket Mode connection open to send a frame on")
        with link.send_lock:
            link.connection.send(frame)

    def _newest_link(self, timeout: float) -> _Link | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                ready = [link for link in self._links if link.ready]
                if ready:
                    return ready[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    # ---- websockets callbacks (server threads) ------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Let the upgrade through only for a path of :meth:`issue_link` with an unused ticket."""
        parts = urlsplit(request.path)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        with self._cond:
            valid = parts.path == LINK_PATH and ticket in self._tickets
            self._tickets.discard(ticket)
        if valid:
            return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _handle(self, connection: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        link = _Link(connection)
        try:
            with link.send_lock:
                with self._cond:
                    self._accepted += 1
                    self._links.append(link)
                    link.ready = True
                    count = sum(1 for other in self._links if other.ready)
                    self._cond.notify_all()
                link.send_unlocked(
                    {
                        "type": "hello",
                        "num_connections": count,
                        "debug_info": _DEBUG_INFO,
                        "connection_info": {"app_id": self._app_id},
                    }
                )
            while True:
                try:
                    message = connection.recv(timeout=PING_INTERVAL)
                except TimeoutError:
                    connection.ping()
                    continue
                self._receive(message)
        except ConnectionClosed:
            pass
        except Exception:
            self.errors.append(traceback.format_exc())
        finally:
            with self._cond:
                link.ready = False
                if link in self._links:
                    self._links.remove(link)
                self._cond.notify_all()

    def _receive(self, message: str | bytes) -> None:
        """Match an ack to its envelope; anything else is what Slack ignores."""
        try:
            frame = json.loads(message)
        except ValueError:
            return
        if not isinstance(frame, dict):
            return
        with self._cond:
            pending = self._pending.get(str(frame.get("envelope_id")))
        if pending is not None and not pending.acked.is_set():
            pending.ack = frame
            pending.acked.set()
