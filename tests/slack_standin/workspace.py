"""The fake workspace: every piece of Slack-side state, behind one lock.

The Web API handlers, the response_url endpoint and the inbound request builders all read
and write this object, each while holding :attr:`Workspace.lock`. It knows nothing about
HTTP; it only owns state, id generation and the lookups several callers share.
"""

from __future__ import annotations

import copy
import secrets
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from .clock import Clock
from .models import Channel, Message, RecordedCall, User, UserGroup, View

TRIGGER_TTL = 3.0
"""Seconds a trigger_id can be exchanged for a view (PLATFORM.md, trigger_id)."""

RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
"""A response_url takes at most 5 POSTs within 30 minutes (PLATFORM.md, response_url)."""


@dataclass
class Trigger:
    """A trigger_id handed to the app with an inbound request."""

    id: str
    user_id: str
    issued_at: float
    view_id: str | None = None
    """The view the interaction happened in, if any (where views.push stacks)."""
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url handed to the app with a slash command or a message action."""

    id: str
    channel_id: str
    user_id: str
    issued_at: float
    message_ts: str | None = None
    """The message the action came from; what ``replace_original`` replaces."""
    ephemeral: bool = False
    uses: int = 0
    last_posted: tuple[str, str | None] | None = None
    """(ts, ephemeral_for) of the last message this URL posted."""


@dataclass
class Upload:
    """A file announced with files.getUploadURLExternal."""

    id: str
    filename: str
    length: int
    created: int
    data: bytes | None = None
    title: str = ""
    alt_txt: str | None = None
    shared_to: list[str] = field(default_factory=list)


class Workspace:
    """All state of one fake Slack workspace (team) with one installed app."""

    def __init__(
        self,
        *,
        clock: Clock,
        team_id: str,
        team_domain: str,
        bot_user_id: str,
        app_id: str,
    ) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        """Notified whenever a Web API call is recorded (see ``SlackStandIn.wait_for``)."""
        self.clock = clock
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_domain.replace("-", " ").title()
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.app_id = app_id
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.ims: dict[str, str] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.uploads: dict[str, Upload] = {}
        self.calls: list[RecordedCall] = []
        self.response_url_calls: list[RecordedCall] = []
        self._counters: dict[str, int] = {}
        self._last_ts_us = 0

    # ---- ids and timestamps -------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as ``C0SI000004`` (unique per prefix)."""
        while True:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
            candidate = f"{prefix}0SI{n:06d}"
            if candidate not in self.users and candidate not in self.channels:
                return candidate

    def next_ts(self) -> str:
        """A message timestamp, strictly increasing across the workspace."""
        now_us = int(self.clock.now() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def now(self) -> float:
        """Stand-in time (see :class:`Clock`)."""
        return self.clock.now()

    # ---- users and channels -------------------------------------------------------

    def add_user(self, user: User) -> None:
        """Add or replace a user."""
        self.users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        """Add a channel (its message list starts empty)."""
        self.channels[channel.id] = channel
        self.messages.setdefault(channel.id, [])

    def channel_by_name(self, name: str) -> Channel | None:
        """The channel called ``name`` (archived ones included)."""
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        return None

    def im_for(self, user_id: str) -> Channel:
        """The bot's IM with ``user_id``, opened on first use like Slack does."""
        channel_id = self.ims.get(user_id)
        if channel_id is None:
            channel_id = self.new_id("D")
            self.ims[user_id] = channel_id
            self.add_channel(
                Channel(
                    id=channel_id,
                    name=user_id,
                    is_private=True,
                    topic="",
                    purpose="",
                    members={user_id, self.bot_user_id},
                    created=int(self.now()),
                    is_archived=False,
                    is_im=True,
                    im_user=user_id,
                )
            )
        return self.channels[channel_id]

    def visible_channel(self, channel_id: str) -> Channel | None:
        """The channel as the bot can see it: private channels it is not in are hidden."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        if channel.is_private and self.bot_user_id not in channel.members:
            return None
        return channel

    # ---- messages -----------------------------------------------------------------

    def post(self, message: Message) -> Message:
        """Store a message (channel message or ephemeral) and return it."""
        if message.ephemeral_for is not None:
            self.ephemerals.append(message)
        else:
            self.messages.setdefault(message.channel, []).append(message)
        return message

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        """The channel message with timestamp ``ts`` (not ephemerals)."""
        for message in self.messages.get(channel_id, []):
            if message.ts == ts:
                return message
        return None

    def find_ephemeral(self, channel_id: str, ts: str, user_id: str) -> Message | None:
        """The ephemeral message with timestamp ``ts`` shown to ``user_id``."""
        for message in self.ephemerals:
            if (message.channel, message.ts, message.ephemeral_for) == (channel_id, ts, user_id):
                return message
        return None

    def edit_message(self, old: Message, **changes: Any) -> Message:
        """Replace ``old`` in place (same position), remembering its previous version."""
        history = [
            *old.edits,
            {"text": old.text, "blocks": old.blocks, "edited_at": self.now()},
        ]
        new = replace(old, edits=history, **changes)
        self._swap(old, new)
        return new

    def swap_message(self, old: Message, new: Message) -> None:
        """Replace ``old`` by ``new`` without recording an edit (reactions, pins)."""
        self._swap(old, new)

    def delete_message(self, message: Message) -> None:
        """Remove a message from its channel or from the ephemerals."""
        box = self.ephemerals if message.ephemeral_for else self.messages[message.channel]
        box[:] = [m for m in box if m is not message]

    def _swap(self, old: Message, new: Message) -> None:
        box = self.ephemerals if old.ephemeral_for else self.messages[old.channel]
        for index, candidate in enumerate(box):
            if candidate is old:
                box[index] = new
                return
        raise KeyError(f"message {old.ts} is not stored")

    # ---- triggers and response_urls -----------------------------------------------

    def issue_trigger(self, user_id: str, view_id: str | None = None) -> str:
        """A fresh trigger_id owned by ``user_id``, valid for :data:`TRIGGER_TTL`."""
        n = self._counters.get("trigger", 0) + 1
        self._counters["trigger"] = n
        trigger_id = f"{int(self.now())}{n:04d}.{self.team_id}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.now(), view_id)
        return trigger_id

    def issue_response_url(
        self,
        base_url: str,
        *,
        channel_id: str,
        user_id: str,
        message_ts: str | None = None,
        ephemeral: bool = False,
    ) -> str:
        """A fresh response_url on this server, good for 5 uses in 30 minutes."""
        url_id = f"{self.team_id}/{len(self.response_urls) + 1}/{secrets.token_hex(12)}"
        self.response_urls[url_id] = ResponseUrl(
            url_id, channel_id, user_id, self.now(), message_ts, ephemeral
        )
        return f"{base_url}/response/{url_id}"

    # ---- views --------------------------------------------------------------------

    def view_snapshot(self, view: View) -> View:
        """A deep copy of ``view`` with its stack filled in."""
        stack_ids = self.stacks.get(view.root_view_id, [view.id])
        stack = [copy.deepcopy(self.views[v].view) for v in stack_ids if v in self.views]
        snapshot = copy.deepcopy(view)
        snapshot.stack = stack
        return snapshot

    def open_stack(self, user_id: str) -> list[str]:
        """Ids of the user's open modal stack, root first (empty when none is open)."""
        for root_id in reversed(list(self.stacks)):
            ids = self.stacks[root_id]
            if ids and self.views[root_id].user_id == user_id:
                return ids
        return []

    def close_view(self, view_id: str) -> None:
        """Close one view; popping it off its stack."""
        view = self.views[view_id]
        view.state = "closed"
        stack = self.stacks.get(view.root_view_id)
        if stack and view_id in stack:
            stack.remove(view_id)

    def close_stack(self, root_view_id: str) -> None:
        """Close every view of a stack (``response_action: clear``)."""
        for view_id in list(self.stacks.get(root_view_id, [])):
            self.close_view(view_id)
