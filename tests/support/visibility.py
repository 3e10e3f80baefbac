"""Everything one Slack user can read, gathered from the stand-in's records.

What a person sees is what Slack would show or let them search: every message in a public
channel (member or not: search finds them), every message in a private channel they are in,
their DMs with the bot, what was shown to them privately (ephemerals, response_url answers),
their App Home tab and open modals, and the contents of every file shared where they can
read it. Tests of restricted incidents assert that secret words appear in none of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tests.slack_standin import Channel, Message, SlackStandIn

SEEDED_CHANNELS = ("C0GENERAL", "C0INCIDENTS")


@dataclass(frozen=True)
class Seen:
    """One thing a user can read, and where it is (for the failure message)."""

    where: str
    text: str


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _channel_ids(standin: SlackStandIn, extra: Iterable[str]) -> set[str]:
    """Every conversation the bot touched, named by a call's arguments or answer."""
    found = set(SEEDED_CHANNELS) | set(extra)
    for call in standin.calls:
        for key in ("channel", "channel_id"):
            value = call.args.get(key)
            if isinstance(value, str) and value[:1] in ("C", "G", "D"):
                found.add(value)
        answered = call.response.get("channel")
        if isinstance(answered, str):
            found.add(answered)
        elif isinstance(answered, dict) and isinstance(answered.get("id"), str):
            found.add(answered["id"])
    return found


def can_read(channel: Channel, user: str) -> bool:
    """Public channels are searchable by everyone; private ones and DMs by their members."""
    if channel.is_im:
        return channel.im_user == user
    return not channel.is_private or user in channel.members


def _message(standin: SlackStandIn, where: str, message: Message) -> list[Seen]:
    found = [
        Seen(where, message.text),
        Seen(f"{where} blocks", _dump(message.blocks)),
        Seen(f"{where} attachments", _dump(message.attachments)),
        Seen(f"{where} earlier versions", _dump(message.edits)),
        Seen(f"{where} file details", _dump(message.files)),
    ]
    for shared in message.files:
        data = standin.uploaded(str(shared.get("id")))
        if data is not None:
            found.append(
                Seen(f"{where} file {shared.get('name')}", data.decode("utf-8", "replace"))
            )
    return found


def seen_by(standin: SlackStandIn, user: str, *, channels: Iterable[str] = ()) -> list[Seen]:
    """Everything ``user`` can read now (``channels``: ids the calls may not name)."""
    found: list[Seen] = []
    for channel_id in sorted(_channel_ids(standin, channels)):
        try:
            channel = standin.channel(channel_id)
        except KeyError:
            continue
        if not can_read(channel, user):
            continue
        where = f"#{channel.name} ({channel_id})"
        found.append(Seen(f"{where} name and topic", f"{channel.name} {channel.topic}"))
        for message in standin.messages(channel_id):
            if message.ephemeral_for is None:
                found.extend(_message(standin, where, message))
    for message in standin.ephemerals(user):
        found.extend(_message(standin, f"ephemeral in {message.channel}", message))
    for message in standin.dms(user):
        found.extend(_message(standin, "DM", message))
    home = standin.home(user)
    if home is not None:
        found.append(Seen("App Home", _dump(home.view)))
    for view in standin.open_views(user):
        found.append(Seen(f"modal {view.id}", _dump(view.stack)))
    return found


def leaks(
    standin: SlackStandIn, user: str, secrets: Iterable[str], *, channels: Iterable[str] = ()
) -> list[str]:
    """``where: secret`` for every secret ``user`` can read (case-insensitive); [] is clean."""
    wanted = [secret.lower() for secret in secrets]
    return [
        f"{item.where}: {secret!r}"
        for item in seen_by(standin, user, channels=channels)
        for secret in wanted
        if secret in item.text.lower()
    ]


def visible(standin: SlackStandIn, user: str, *, channels: Iterable[str] = ()) -> str:
    """All of it as one text, for asserting that what should show does show."""
    return "\n".join(item.text for item in seen_by(standin, user, channels=channels))
