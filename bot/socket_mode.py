"""Socket Mode with every envelope checked before Bolt sees it.

Over the WebSocket there is no signature to verify: the connection itself is the
authentication. What can still arrive is a frame that is not JSON, an envelope
without an id or of an unknown type, or a payload a listener cannot use. slack_sdk
would log those with a traceback (or hand Bolt a payload that fails deep inside a
listener); here each one is a single warning, an empty ack when it has an id (so
Slack does not send it again), and the connection stays up.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from time import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack_payloads import PAYLOAD_KINDS, payload_problem
from commands.answers_first import AnswersFirst

log = logging.getLogger("firebreak.socket_mode")

CONTROL_TYPES = frozenset({"hello", "disconnect"})
"""Frames about the connection itself, which slack_sdk handles; they carry no envelope."""
_SHOWN = 40
"""How much of an unexpected value a warning quotes."""


def envelope_problem(message: dict[str, Any]) -> str | None:
    """Why ``message`` must not reach a listener, or None when it may."""
    kind = message.get("type")
    if kind in CONTROL_TYPES:
        return None
    envelope_id = message.get("envelope_id")
    if not isinstance(envelope_id, str) or not envelope_id:
        return "no envelope_id"
    if kind not in PAYLOAD_KINDS:
        return f"unknown type {repr(kind)[:_SHOWN]}"
    return payload_problem(kind, message.get("payload"))


class EnvelopeCheckingClient(SocketModeClient):
    """slack_sdk's builtin client, dropping what :func:`envelope_problem` refuses."""

    def enqueue_message(self, message: str) -> None:
        try:
            frame = json.loads(message)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            log.warning("dropped a Socket Mode frame that is not a JSON object")
            return
        super().enqueue_message(message)

    def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        problem = envelope_problem(message)
        if problem is None:
            super().run_message_listeners(message, raw_message)
            return
        envelope_id = message.get("envelope_id")
        log.warning(
            "dropped a Socket Mode envelope (id %s): %s", repr(envelope_id)[:_SHOWN], problem
        )
        if isinstance(envelope_id, str) and envelope_id:
            self.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))


class CheckedSocketModeHandler(BaseSocketModeHandler):
    """Bolt's Socket Mode handler, on :class:`EnvelopeCheckingClient`; with
    ``answers_first``, each envelope counts as being answered until its ack is sent."""

    def __init__(self, app: App, app_token: str, answers_first: AnswersFirst | None = None) -> None:
        self.app = app
        self.app_token = app_token
        self._answering = answers_first.answering if answers_first else nullcontext
        self.client = EnvelopeCheckingClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Dispatch to Bolt and ack with its answer, as Bolt's own handler does."""
        start = time()
        with self._answering():
            send_response(client, req, run_bolt_app(self.app, req), start)
