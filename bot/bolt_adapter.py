"""Bolt's WSGI adapter, with slash-command bodies parsed correctly.

Bolt 1.x decides a form body is an interactivity payload when the raw body contains the
word ``payload`` anywhere, so ``/incident declare payload service down`` reaches Bolt as
an empty body, matches no listener and is answered 404: the command is lost. Here a form
body is read as an interactivity payload only when it has a ``payload`` field.

Behind the request guard (``bot.request_guard``) the body arrives already parsed, in
the WSGI environ under :data:`PARSED_BODY_ENVIRON`, and is not parsed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context

PARSED_BODY_ENVIRON = "firebreak.parsed_body"
"""The WSGI environ key under which the request guard leaves the body it parsed."""


class FormAwareBoltRequest(BoltRequest):
    """A :class:`BoltRequest` whose form fields survive a ``payload`` inside their values."""

    def __init__(
        self,
        *,
        body: str,
        query: str,
        headers: dict[str, str | Sequence[str]],
        parsed: dict[str, Any] | None = None,
    ) -> None:
        if parsed is not None:
            super().__init__(body="", query=query, headers=headers)
            self.raw_body = body  # what Bolt's own signature check reads
            self.body = parsed
            self.context = build_context(BoltContext(), parsed)
            return
        super().__init__(body=body, query=query, headers=headers)
        if self.body or not body or self.content_type == "application/json":
            return
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in fields and fields:
            self.body = fields
            self.context = build_context(BoltContext(), self.body)


class FirebreakRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler, building :class:`FormAwareBoltRequest`s."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            FormAwareBoltRequest(
                body=request.get_body(),
                query=request.query_string,
                headers=request.get_headers(),
                parsed=request.environ.get(PARSED_BODY_ENVIRON),
            )
        )
