"""Message responses: the app answering through a response_url or its HTTP ack body.

Both carry a message plus ``response_type`` (``ephemeral`` by default, or
``in_channel``), ``replace_original`` and ``delete_original``. A response_url takes at
most 5 POSTs within 30 minutes; past that Slack answers 404 ``used_url`` /
``expired_url``. Bad content is refused with HTTP 400 and the error code as text.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .models import Message, RecordedCall
from .webapi.base import ApiError
from .webapi.content import Content, message_content
from .workspace import RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL, ResponseUrl, Workspace


def apply_response(
    ws: Workspace,
    payload: dict[str, Any],
    *,
    channel_id: str,
    user_id: str,
    source: str,
    original: Message | None,
) -> Message | None:
    """Show a response the way Slack would; returns the message shown (None if deleted).

    ``original`` is the message ``replace_original`` / ``delete_original`` act on.
    In-channel responses appear in the channel under the invoking user's name, as Slack
    shows a slash command's public answer; ephemeral ones only to that user.
    Raises :class:`ApiError` for content Slack refuses.
    """
    if payload.get("delete_original"):
        if original is not None:
            ws.delete_message(original)
        return None
    text, blocks, attachments = (payload.get(k) for k in ("text", "blocks", "attachments"))
    if payload.get("replace_original") and original is not None:
        previous = Content(original.text, original.blocks, original.attachments)
        content = message_content(text, blocks, attachments, previous=previous)
        return ws.edit_message(
            original, text=content.text, blocks=content.blocks, attachments=content.attachments
        )
    content = message_content(text, blocks, attachments)
    in_channel = payload.get("response_type") == "in_channel"
    thread_ts = payload.get("thread_ts")
    return ws.post(
        Message(
            channel=channel_id,
            ts=ws.next_ts(),
            user=user_id,
            text=content.text,
            blocks=content.blocks,
            thread_ts=thread_ts if isinstance(thread_ts, str) else None,
            ephemeral_for=None if in_channel else user_id,
            source=source,
            attachments=content.attachments,
        )
    )


def _original(ws: Workspace, entry: ResponseUrl) -> Message | None:
    """The message a response_url's ``replace_original`` targets."""
    if entry.message_ts is not None:
        if entry.ephemeral:
            return ws.find_ephemeral(entry.channel_id, entry.message_ts, entry.user_id)
        return ws.find_message(entry.channel_id, entry.message_ts)
    if entry.last_posted is not None:
        ts, ephemeral_for = entry.last_posted
        if ephemeral_for is not None:
            return ws.find_ephemeral(entry.channel_id, ts, ephemeral_for)
        return ws.find_message(entry.channel_id, ts)
    return None


def post_to_response_url(ws: Workspace, url_id: str, body: bytes) -> tuple[int, str]:
    """Handle ``POST /response/<id>``; returns (HTTP status, text body) and records it."""
    at = ws.now()
    payload: Any = None
    with ws.lock:
        status, answer = _handle(ws, url_id, body)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = body.decode("utf-8", "replace")
        response: dict[str, Any] = {"ok": status == 200}
        if status != 200:
            response["error"] = answer
        ws.response_url_calls.append(
            RecordedCall(
                method="response_url",
                args=copy.deepcopy(payload) if isinstance(payload, dict) else {"raw": payload},
                status=status,
                response=response,
                token=None,
                at=at,
            )
        )
        ws.changed.notify_all()
    return status, answer


def _handle(ws: Workspace, url_id: str, body: bytes) -> tuple[int, str]:
    entry = ws.response_urls.get(url_id)
    if entry is None:
        return 404, "no_service"
    if ws.now() - entry.issued_at > RESPONSE_URL_TTL:
        return 404, "expired_url"
    if entry.uses >= RESPONSE_URL_MAX_USES:
        return 404, "used_url"
    try:
        payload = json.loads(body)
    except ValueError:
        return 400, "invalid_payload"
    if not isinstance(payload, dict):
        return 400, "invalid_payload"
    try:
        shown = apply_response(
            ws,
            payload,
            channel_id=entry.channel_id,
            user_id=entry.user_id,
            source="response_url",
            original=_original(ws, entry),
        )
    except ApiError as error:
        return 400, error.error
    entry.uses += 1
    if shown is not None:
        entry.last_posted = (shown.ts, shown.ephemeral_for)
    return 200, "ok"
