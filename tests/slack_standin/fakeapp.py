"""A scripted app to point the stand-in's inbound side at, for testing the stand-in itself.

It listens on 127.0.0.1 like the bot would, records every request with its signature
checked by slack_sdk's own :class:`SignatureVerifier`, and answers through a ``responder``
callable (default: an empty 200, a plain ack). The responder runs in the server thread
before the answer is sent, so it can call the Web API first, as a Bolt listener does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from .server import HttpReply, HttpRequest, HttpServer


@dataclass(frozen=True)
class Received:
    """One request the app got."""

    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def form(self) -> dict[str, str]:
        """Form fields (slash commands, interactivity)."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def payload(self) -> dict[str, Any]:
        """The decoded ``payload=`` field of an interactivity request."""
        decoded: dict[str, Any] = json.loads(self.form["payload"])
        return decoded

    @property
    def json(self) -> dict[str, Any]:
        """The JSON body of an Events API request."""
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded


@dataclass(frozen=True)
class Reply:
    """What the app answers."""

    status: int = 200
    body: str = ""
    content_type: str = "application/json"

    @classmethod
    def json_body(cls, payload: dict[str, Any], status: int = 200) -> Reply:
        """A JSON answer."""
        return cls(status, json.dumps(payload))


Responder = Callable[[Received], Reply]


class FakeApp:
    """An HTTP app on 127.0.0.1 that records signed requests and answers as scripted."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self.responder: Responder = lambda _: Reply()
        self._http = HttpServer(self._route)

    def __enter__(self) -> FakeApp:
        self._http.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._http.stop()

    @property
    def url(self) -> str:
        """The Request URL to give the stand-in."""
        return f"http://127.0.0.1:{self._http.port}/slack/events"

    @property
    def received(self) -> list[Received]:
        """Requests so far, in order."""
        with self._lock:
            return list(self._received)

    @property
    def errors(self) -> list[str]:
        """Exceptions raised by the responder."""
        return self._http.errors

    def _route(self, request: HttpRequest) -> HttpReply:
        valid = self._verifier.is_valid(
            body=request.body,
            timestamp=request.headers.get("x-slack-request-timestamp", ""),
            signature=request.headers.get("x-slack-signature", ""),
        )
        received = Received(request.headers, request.body, valid)
        with self._lock:
            self._received.append(received)
        if not valid:
            return HttpReply(401, b"invalid signature", content_type="text/plain")
        reply = self.responder(received)
        return HttpReply(reply.status, reply.body.encode(), content_type=reply.content_type)
