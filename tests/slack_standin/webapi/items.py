"""Methods acting on an existing message: pins.add and reactions.add."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .base import ApiCall, ApiError

_EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")


def pins_add(call: ApiCall) -> dict[str, Any]:
    """Pin a message of a channel the bot is in (once)."""
    channel = call.channel()
    ts = call.text("timestamp")
    if ts is None:
        raise ApiError("no_item_specified")
    if call.ws.find_message(channel.id, ts) is None:
        raise ApiError("message_not_found")
    if ts in channel.pins:
        raise ApiError("already_pinned")
    channel.pins.append(ts)
    return {}


def reactions_add(call: ApiCall) -> dict[str, Any]:
    """The bot reacts to a message; the emoji name comes without colons."""
    ws = call.ws
    channel = call.channel(member=False)
    name = call.text("name") or ""
    if not _EMOJI_NAME.match(name):
        raise ApiError("invalid_name")
    message = ws.find_message(channel.id, call.text("timestamp") or "")
    if message is None:
        raise ApiError("message_not_found")
    users = message.reactions.get(name, [])
    if ws.bot_user_id in users:
        raise ApiError("already_reacted")
    reactions = {**message.reactions, name: [*users, ws.bot_user_id]}
    ws.swap_message(message, replace(message, reactions=reactions))
    return {}
