"""The records the stand-in keeps about its fake workspace.

These are the nouns tests look at: users, channels, messages, views and the log of
Web API calls. Values that never change after creation are frozen; records that Slack
mutates (a channel's members, a view's state) are plain dataclasses, and the stand-in
only ever hands out deep copies of them, so a test can never race the server thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MessageSource = Literal[
    "chat.postMessage",
    "chat.postEphemeral",
    "files.completeUploadExternal",
    "ack",
    "response_url",
    "user",
]
"""Where a message came from: a Web API call, the bot's HTTP answer to an inbound
request, a POST to a response_url, or a human posting in the channel (``say``)."""

ViewState = Literal["open", "closed"]


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the stand-in saw it, including failed and rate-limited ones."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    token: str | None
    at: float

    @property
    def ok(self) -> bool:
        """True when Slack answered ``{"ok": true}``."""
        return self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        """The ``error`` code of a failed call, else None."""
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass(frozen=True)
class User:
    """A member of the workspace (a human or the bot user)."""

    id: str
    name: str
    real_name: str
    tz: str
    email: str | None
    is_bot: bool
    bot_id: str | None = None


@dataclass(frozen=True)
class UserGroup:
    """A user group (``@handle``, id ``S…``) and the user ids in it."""

    id: str
    handle: str
    name: str
    users: tuple[str, ...]


@dataclass
class Channel:
    """A conversation: public or private channel, or the bot's IM with one user."""

    id: str
    name: str
    is_private: bool
    topic: str
    purpose: str
    members: set[str]
    created: int
    is_archived: bool
    creator: str = ""
    is_im: bool = False
    im_user: str | None = None
    topic_creator: str = ""
    topic_last_set: int = 0
    purpose_creator: str = ""
    purpose_last_set: int = 0
    pins: list[str] = field(default_factory=list)
    """Timestamps of pinned messages, in pinning order."""


@dataclass(frozen=True)
class Message:
    """A message as a member of the workspace would see it.

    ``ephemeral_for`` is set for messages only one user sees. ``source`` says how it
    got there (see :data:`MessageSource`). ``edits`` keeps every earlier version
    (``{"text", "blocks", "edited_at"}``) replaced by ``chat.update`` or a response_url.
    """

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    ephemeral_for: str | None
    source: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edits: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    bot_id: str | None = None


@dataclass
class View:
    """A modal (or Home tab) shown to one user.

    Every view in a modal stack is its own record with its own id; ``stack`` is the
    whole stack the view belongs to, root first, as view payloads (the top one is what
    the user sees). ``errors`` holds the last ``response_action: errors`` answer.
    """

    id: str
    user_id: str
    view: dict[str, Any]
    state: ViewState
    errors: dict[str, str]
    stack: list[dict[str, Any]]
    root_view_id: str = ""
