"""What one person sees in the workspace right now, as JSON for the browser client.

Read under the workspace lock and copied out, like every other observation of the
stand-in: the conversations they can open (private ones only as a member), the messages
of the open one with the ephemerals shown to them, their open modal and their Home tab.
Nothing here is decided by the bot's rules; it is what Slack's client would display.
"""

from __future__ import annotations

import copy
from typing import Any

from ..models import Channel, Message, View
from ..standin import SlackStandIn
from ..workspace import Workspace


def workspace_of(standin: SlackStandIn) -> Workspace:
    """The stand-in's workspace (the sandbox is part of the stand-in, so it may look inside)."""
    return standin._ws


def people(ws: Workspace) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "name": u.name,
            "real_name": u.real_name,
            "tz": u.tz,
            "is_bot": u.is_bot,
            "email": u.email,
        }
        for u in ws.users.values()
    ]


def _conversation(channel: Channel, user_id: str, ws: Workspace) -> dict[str, Any]:
    name = channel.name
    if channel.is_im:
        name = ws.users[ws.bot_user_id].real_name
    return {
        "id": channel.id,
        "name": name,
        "is_private": channel.is_private,
        "is_im": channel.is_im,
        "is_archived": channel.is_archived,
        "is_member": user_id in channel.members,
        "topic": channel.topic,
        "pins": list(channel.pins),
        "messages": len(ws.messages.get(channel.id, [])),
    }


def conversations(ws: Workspace, user_id: str) -> list[dict[str, Any]]:
    """Channels the person can open: public ones, private ones they are in, their DM."""
    found = []
    for channel in ws.channels.values():
        if channel.is_im:
            if channel.im_user != user_id:
                continue
        elif channel.is_private and user_id not in channel.members:
            continue
        found.append(_conversation(channel, user_id, ws))
    found.sort(key=lambda c: (c["is_im"], not c["is_member"], c["is_archived"], c["name"]))
    return found


def can_open(ws: Workspace, channel_id: str, user_id: str) -> bool:
    channel = ws.channels.get(channel_id)
    if channel is None:
        return False
    if channel.is_im:
        return channel.im_user == user_id
    return not channel.is_private or user_id in channel.members


def message_json(message: Message, ws: Workspace) -> dict[str, Any]:
    author = ws.users.get(message.user)
    return {
        "ts": message.ts,
        "user": message.user,
        "user_name": author.real_name if author else message.user,
        "is_bot": bool(author and author.is_bot),
        "text": message.text,
        "blocks": copy.deepcopy(message.blocks),
        "attachments": copy.deepcopy(message.attachments),
        "files": [
            {
                "id": f.get("id"),
                "name": f.get("name"),
                "title": f.get("title"),
                "mimetype": f.get("mimetype"),
            }
            for f in message.files
        ],
        "thread_ts": message.thread_ts,
        "ephemeral": message.ephemeral_for is not None,
        "edited": bool(message.edits),
        "reactions": copy.deepcopy(message.reactions),
    }


def messages(ws: Workspace, channel_id: str, user_id: str) -> list[dict[str, Any]]:
    """The conversation as the person sees it: its messages and their ephemerals, by time."""
    shown = list(ws.messages.get(channel_id, []))
    shown += [m for m in ws.ephemerals if m.channel == channel_id and m.ephemeral_for == user_id]
    shown.sort(key=lambda m: float(m.ts))
    return [message_json(m, ws) for m in shown]


def _view_json(view: View) -> dict[str, Any]:
    return {"id": view.id, "view": copy.deepcopy(view.view), "errors": dict(view.errors)}


def top_modal(ws: Workspace, user_id: str) -> dict[str, Any] | None:
    """The modal on top of the person's open stack, if any."""
    stack = ws.open_stack(user_id)
    return _view_json(ws.views[stack[-1]]) if stack else None


def home(ws: Workspace, user_id: str) -> dict[str, Any] | None:
    view_id = ws.home_views.get(user_id)
    return _view_json(ws.views[view_id]) if view_id else None


def snapshot(standin: SlackStandIn, user_id: str, channel_id: str | None) -> dict[str, Any]:
    """Everything the client draws for ``user_id`` with ``channel_id`` open."""
    ws = workspace_of(standin)
    with ws.lock:
        if user_id not in ws.users or ws.users[user_id].is_bot:
            raise LookupError(f"no person {user_id!r} in this workspace")
        open_channel = channel_id if channel_id and can_open(ws, channel_id, user_id) else None
        return {
            "now": ws.now(),
            "me": user_id,
            "bot": ws.bot_user_id,
            "team": ws.team_name,
            "people": people(ws),
            "usergroups": [
                {"id": g.id, "handle": g.handle, "users": list(g.users)}
                for g in ws.usergroups.values()
            ],
            "conversations": conversations(ws, user_id),
            "channel": open_channel,
            "messages": messages(ws, open_channel, user_id) if open_channel else [],
            "modal": top_modal(ws, user_id),
            "home": home(ws, user_id),
        }
