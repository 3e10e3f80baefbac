"""Slack-shaped JSON for the workspace records (users, channels, messages, files).

The field sets follow ``samples/web_api/*.json`` and ``samples/shapes/api.*.json``, so a
bot that reads a response the way it would read Slack's finds the same keys.
"""

from __future__ import annotations

import mimetypes
import zoneinfo
from datetime import datetime
from typing import Any

from ..models import Channel, Message, User
from ..workspace import Upload, Workspace

_TZ_NAMES = {
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "JST": "Japan Standard Time",
    "IST": "India Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}


def tz_details(tz: str, at: float) -> tuple[int, str]:
    """(tz_offset seconds, tz_label) of an IANA zone at epoch ``at``, as users.info gives."""
    try:
        local = datetime.fromtimestamp(at, zoneinfo.ZoneInfo(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0, "Coordinated Universal Time"
    offset = local.utcoffset()
    abbreviation = local.tzname() or tz
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return seconds, _TZ_NAMES.get(abbreviation, abbreviation)


def user_json(ws: Workspace, user: User, *, include_locale: bool = False) -> dict[str, Any]:
    """A user object as users.info returns it."""
    offset, label = tz_details(user.tz, ws.now())
    profile: dict[str, Any] = {
        "avatar_hash": "g" + user.id.lower()[-10:],
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "status_text": "",
        "status_emoji": "",
        "team": ws.team_id,
        "image_48": f"https://avatars.example/{user.id}_48.png",
        "image_72": f"https://avatars.example/{user.id}_72.png",
    }
    if user.email is not None:
        profile["email"] = user.email
    if user.is_bot:
        profile["bot_id"] = user.bot_id
        profile["api_app_id"] = ws.app_id
    body: dict[str, Any] = {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": False,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": label,
        "tz_offset": offset,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1_700_000_000,
        "is_email_confirmed": user.email is not None,
        "who_can_share_contact_card": "EVERYONE",
    }
    if include_locale:
        body["locale"] = "en-US"
    return body


def channel_json(ws: Workspace, channel: Channel, *, num_members: bool = True) -> dict[str, Any]:
    """A conversation object as conversations.info / create / invite return it."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_archived": False,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": ws.team_id,
            "updated": channel.created * 1000,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    body: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "pending_connected_team_ids": [],
        "shared_team_ids": [ws.team_id],
        "context_team_id": ws.team_id,
        "updated": channel.created * 1000,
        "creator": channel.creator,
        "is_member": ws.bot_user_id in channel.members,
        "last_read": "0000000000.000000",
        "topic": {
            "value": channel.topic,
            "creator": channel.topic_creator,
            "last_set": channel.topic_last_set,
        },
        "purpose": {
            "value": channel.purpose,
            "creator": channel.purpose_creator,
            "last_set": channel.purpose_last_set,
        },
        "previous_names": [],
        "priority": 0,
    }
    if num_members:
        body["num_members"] = len(channel.members)
    return body


def message_json(ws: Workspace, message: Message) -> dict[str, Any]:
    """A message object as chat.postMessage returns it and block_actions carry it."""
    body: dict[str, Any] = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": ws.team_id,
    }
    if message.bot_id is not None:
        body["bot_id"] = message.bot_id
        body["app_id"] = ws.app_id
        body["bot_profile"] = {
            "id": message.bot_id,
            "app_id": ws.app_id,
            "name": ws.users[ws.bot_user_id].name if ws.bot_user_id in ws.users else "bot",
            "team_id": ws.team_id,
            "deleted": False,
        }
    if message.blocks:
        body["blocks"] = message.blocks
    if message.attachments:
        body["attachments"] = message.attachments
    if message.files:
        body["files"] = message.files
        body["upload"] = False
    if message.thread_ts is not None:
        body["thread_ts"] = message.thread_ts
    if message.metadata is not None:
        body["metadata"] = message.metadata
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": users, "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if message.edits:
        body["edited"] = {"user": message.user, "ts": message.ts}
    return body


def file_json(ws: Workspace, upload: Upload, base_url: str) -> dict[str, Any]:
    """A file object as files.completeUploadExternal returns it."""
    mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "binary"
    url = f"{base_url}/files/{upload.id}/{upload.filename}"
    shared = [ws.channels[c] for c in upload.shared_to]
    public = [c.id for c in shared if not c.is_private]
    private = [c.id for c in shared if c.is_private and not c.is_im]
    ims = [c.id for c in shared if c.is_im]
    body: dict[str, Any] = {
        "id": upload.id,
        "created": upload.created,
        "timestamp": upload.created,
        "name": upload.filename,
        "title": upload.title or upload.filename,
        "mimetype": mimetype,
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": ws.bot_user_id,
        "user_team": ws.team_id,
        "editable": False,
        "size": len(upload.data or b""),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(public),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": url,
        "url_private_download": url,
        "permalink": f"{base_url}/files/{ws.bot_user_id}/{upload.id}/{upload.filename}",
        "permalink_public": f"{base_url}/files-pub/{upload.id}",
        "comments_count": 0,
        "is_starred": False,
        "shares": {},
        "channels": public,
        "groups": private,
        "ims": ims,
        "has_rich_preview": False,
        "file_access": "visible",
    }
    if upload.alt_txt:
        body["alt_txt"] = upload.alt_txt
    return body
