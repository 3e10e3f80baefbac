"""Message methods: chat.postMessage, chat.postEphemeral, chat.update, chat.getPermalink."""

from __future__ import annotations

from typing import Any

from ..models import Message
from .base import ApiCall, ApiError
from .content import Content, message_content
from .render import message_json


def _content_args(call: ApiCall) -> tuple[Any, Any, Any]:
    """(text, blocks, attachments); ``markdown_text`` stands for text and excludes both."""
    text, blocks = call.args.get("text"), call.structured("blocks")
    markdown = call.text("markdown_text")
    if markdown is not None:
        if text not in (None, "") or blocks:
            raise ApiError("markdown_text_conflict")
        text = markdown
    return text, blocks, call.structured("attachments")


def chat_post_message(call: ApiCall) -> dict[str, Any]:
    """Post as the bot into a channel it is in, or into its IM with a user (``U…``).

    The bot is treated as lacking ``chat:write.public``: posting into a public channel it
    has not joined is ``not_in_channel``.
    """
    ws = call.ws
    channel = call.channel(allow_user_id=True)
    content = message_content(*_content_args(call))
    metadata = call.structured("metadata")
    message = ws.post(
        Message(
            channel=channel.id,
            ts=ws.next_ts(),
            user=ws.bot_user_id,
            text=content.text,
            blocks=content.blocks,
            thread_ts=call.text("thread_ts"),
            ephemeral_for=None,
            source="chat.postMessage",
            attachments=content.attachments,
            metadata=metadata if isinstance(metadata, dict) else None,
            bot_id=ws.bot_id,
        )
    )
    return {"channel": channel.id, "ts": message.ts, "message": message_json(ws, message)}


def chat_post_ephemeral(call: ApiCall) -> dict[str, Any]:
    """Show a message to one member of a channel the bot is in."""
    ws = call.ws
    channel = call.channel()
    user = call.user(call.text("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    content = message_content(*_content_args(call))
    message = ws.post(
        Message(
            channel=channel.id,
            ts=ws.next_ts(),
            user=ws.bot_user_id,
            text=content.text,
            blocks=content.blocks,
            thread_ts=call.text("thread_ts"),
            ephemeral_for=user.id,
            source="chat.postEphemeral",
            attachments=content.attachments,
            bot_id=ws.bot_id,
        )
    )
    return {"message_ts": message.ts}


def chat_update(call: ApiCall) -> dict[str, Any]:
    """Edit one of the bot's own messages in place; absent fields keep their value."""
    ws = call.ws
    channel = call.channel(member=False)
    old = ws.find_message(channel.id, call.text("ts") or "")
    if old is None:
        raise ApiError("message_not_found")
    if old.user != ws.bot_user_id or old.bot_id is None:
        raise ApiError("cant_update_message")
    content = message_content(
        *_content_args(call), previous=Content(old.text, old.blocks, old.attachments)
    )
    new = ws.edit_message(
        old, text=content.text, blocks=content.blocks, attachments=content.attachments
    )
    return {
        "channel": channel.id,
        "ts": new.ts,
        "text": new.text,
        "message": message_json(ws, new),
    }


def chat_get_permalink(call: ApiCall) -> dict[str, Any]:
    """A link to a message, on this server: ``/archives/<channel>/p<ts without dot>``."""
    channel = call.channel(member=False, writable=False, allow_user_id=False)
    message = call.ws.find_message(channel.id, call.text("message_ts") or "")
    if message is None:
        raise ApiError("message_not_found")
    permalink = f"{call.base_url}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts is not None and message.thread_ts != message.ts:
        permalink += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": permalink}
