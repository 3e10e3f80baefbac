"""Channel methods: conversations.create, invite, join, info, setTopic, archive, members."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ..models import Channel
from .base import ApiCall, ApiError
from .render import channel_json, message_json

CHANNEL_NAME_MAX = 80
TOPIC_MAX = 250
INVITE_MAX_USERS = 1000
MEMBERS_DEFAULT_LIMIT = 100
MEMBERS_MAX_LIMIT = 1000
_NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")
_PUNCTUATION_ONLY = re.compile(r"^[-_]+$")


def channel_name_error(name: str) -> str | None:
    """Slack's error for a bad channel name, or None when the name is acceptable.

    Only lowercase a-z, digits, ``-`` and ``_``; 1 to 80 characters; not only
    punctuation (PLATFORM.md, Channel names; conversations.create errors).
    """
    if not name:
        return "invalid_name_required"
    if len(name) > CHANNEL_NAME_MAX:
        return "invalid_name_maxlength"
    if not _NAME_CHARS.match(name):
        return "invalid_name_specials"
    if _PUNCTUATION_ONLY.match(name):
        return "invalid_name_punctuation"
    return None


def conversations_create(call: ApiCall) -> dict[str, Any]:
    """A new channel; the bot is its creator and first member."""
    ws = call.ws
    name = call.text("name") or ""
    error = channel_name_error(name)
    if error is not None:
        raise ApiError(error)
    if ws.channel_by_name(name) is not None:
        raise ApiError("name_taken")
    channel = Channel(
        id=ws.new_id("C"),
        name=name,
        is_private=call.flag("is_private"),
        topic="",
        purpose="",
        members={ws.bot_user_id},
        created=int(ws.now()),
        is_archived=False,
        creator=ws.bot_user_id,
    )
    ws.add_channel(channel)
    return {"channel": channel_json(ws, channel, num_members=False)}


def conversations_invite(call: ApiCall) -> dict[str, Any]:
    """Add users (comma-separated ids) to a channel the bot is in."""
    ws = call.ws
    channel = call.channel()
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    user_ids = [u.strip() for u in (call.text("users") or "").split(",") if u.strip()]
    if not user_ids:
        raise ApiError("no_user")
    if len(user_ids) > INVITE_MAX_USERS:
        raise ApiError("too_many_users")
    for user_id in user_ids:
        if user_id == ws.bot_user_id:
            raise ApiError("cant_invite_self")
        if user_id not in ws.users:
            raise ApiError("user_not_found")
    if all(user_id in channel.members for user_id in user_ids):
        raise ApiError("already_in_channel")
    channel.members.update(user_ids)
    return {"channel": channel_json(ws, channel, num_members=False)}


def conversations_join(call: ApiCall) -> dict[str, Any]:
    """The bot joins a public channel (private ones need an invitation)."""
    ws = call.ws
    channel = ws.channels.get(call.text("channel") or "")
    if channel is None:
        raise ApiError("channel_not_found")
    if channel.is_im or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    body: dict[str, Any] = {}
    if ws.bot_user_id in channel.members:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.members.add(ws.bot_user_id)
    body["channel"] = channel_json(ws, channel, num_members=False)
    return body


def conversations_info(call: ApiCall) -> dict[str, Any]:
    """A channel's details; private channels the bot is not in do not exist for it."""
    channel = call.channel(member=False, writable=False)
    body = channel_json(call.ws, channel, num_members=call.flag("include_num_members"))
    if call.flag("include_locale"):
        body["locale"] = "en-US"
    return {"channel": body}


def conversations_set_topic(call: ApiCall) -> dict[str, Any]:
    """Set a channel topic (at most 250 characters)."""
    channel = call.channel()
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    topic = call.text("topic") or ""
    if len(topic) > TOPIC_MAX:
        raise ApiError("too_long")
    channel.topic = topic
    channel.topic_creator = call.ws.bot_user_id
    channel.topic_last_set = int(call.ws.now())
    return {"channel": channel_json(call.ws, channel, num_members=False)}


def conversations_archive(call: ApiCall) -> dict[str, Any]:
    """Archive a channel (not #general, not twice)."""
    channel = call.channel(writable=False, member=False)
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("already_archived")
    if channel.name == "general":
        raise ApiError("cant_archive_general")
    if call.ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    channel.is_archived = True
    return {}


def conversations_history(call: ApiCall) -> dict[str, Any]:
    """A channel's messages, newest first, up to ``latest`` (inclusive when asked)."""
    channel = call.channel(writable=False)
    latest = call.text("latest")
    oldest = call.text("oldest")
    inclusive = call.flag("inclusive")
    limit = int(call.text("limit") or 100)
    if not 1 <= limit <= 999:
        raise ApiError("invalid_limit")

    def wanted(ts: str) -> bool:
        if latest is not None and (float(ts) > float(latest) or (ts == latest and not inclusive)):
            return False
        return not (
            oldest is not None and (float(ts) < float(oldest) or (ts == oldest and not inclusive))
        )

    found = [m for m in reversed(call.ws.messages.get(channel.id, [])) if wanted(m.ts)]
    messages = [message_json(call.ws, m) for m in found[:limit]]
    if not call.flag("include_all_metadata"):
        for message in messages:  # Slack returns message metadata only when asked
            message.pop("metadata", None)
    return {
        "messages": messages,
        "has_more": len(found) > limit,
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": ""},
    }


def conversations_list(call: ApiCall) -> dict[str, Any]:
    """Public channels, and the private ones the bot is in (``types`` picks which)."""
    ws = call.ws
    types = set((call.text("types") or "public_channel").split(","))
    limit = int(call.text("limit") or 100)
    if not 1 <= limit <= 1000:
        raise ApiError("invalid_limit")
    cursor = call.text("cursor") or "0"
    if not cursor.isdigit():
        raise ApiError("invalid_cursor")
    start = int(cursor)
    listed = [
        channel
        for channel in ws.channels.values()
        if not channel.is_im
        and ("private_channel" if channel.is_private else "public_channel") in types
        and not (channel.is_private and ws.bot_user_id not in channel.members)
        and not (call.flag("exclude_archived") and channel.is_archived)
    ]
    page = listed[start : start + limit]
    more = start + limit < len(listed)
    return {
        "channels": [channel_json(ws, channel, num_members=True) for channel in page],
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def conversations_members(call: ApiCall) -> dict[str, Any]:
    """Who is in a channel, one page at a time; private channels only when the bot is in them.

    As Slack pages it: ``limit`` defaults to 100 and is capped at 1000; while members remain,
    ``response_metadata.next_cursor`` is an opaque cursor to pass back as ``cursor``, and it
    is empty on the last page. A cursor Slack did not issue is ``invalid_cursor``.
    """
    channel = call.channel(writable=False, member=False)
    raw_limit = call.text("limit")
    try:
        limit = MEMBERS_DEFAULT_LIMIT if raw_limit is None else int(raw_limit)
    except ValueError:
        raise ApiError("invalid_limit") from None
    if limit < 1:
        raise ApiError("invalid_limit")
    limit = min(limit, MEMBERS_MAX_LIMIT)
    members = sorted(channel.members)
    start = 0
    cursor = call.text("cursor")
    if cursor is not None:
        start = _members_cursor_position(cursor, members)
    page = members[start : start + limit]
    rest = members[start + limit :]
    next_cursor = _members_cursor(rest[0]) if rest else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def _members_cursor(next_member: str) -> str:
    return base64.b64encode(f"user:{next_member}".encode()).decode()


def _members_cursor_position(cursor: str, members: list[str]) -> int:
    """Where the page a cursor names starts; members who left since are skipped over."""
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None
    kind, _, member = decoded.partition(":")
    if kind != "user" or not member:
        raise ApiError("invalid_cursor")
    return next((i for i, m in enumerate(members) if m >= member), len(members))
