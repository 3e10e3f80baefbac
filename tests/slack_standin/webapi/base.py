"""What every Web API method handler shares: its context, its error, its table row.

A handler is a plain function ``(call: ApiCall) -> dict`` that runs while the workspace
lock is held. It returns the success body (``ok`` is added for it) or raises
:class:`ApiError`. Arguments have already been checked against the method's
:class:`MethodSpec` (unknown and missing ones) before the handler runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..models import Channel, User
from ..workspace import Workspace

JSON_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata"})
"""Arguments slack_sdk sends as JSON strings inside form bodies; decoded on arrival."""


class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, ...}``."""

    def __init__(
        self,
        error: str,
        *,
        messages: Sequence[str] = (),
        status: int = 200,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.status = status
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would send."""
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class ApiCall:
    """One Web API call being handled: decoded arguments plus the workspace."""

    method: str
    args: dict[str, Any]
    ws: Workspace
    base_url: str
    issue_socket_link: Callable[[], str] | None = None
    """Issues a single-use Socket Mode URL (``apps.connections.open``)."""

    def text(self, name: str) -> str | None:
        """A string argument; None when absent or empty."""
        value = self.args.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument (``true``/``1`` in forms, ``true`` in JSON)."""
        value = self.args.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true")

    def structured(self, name: str) -> Any:
        """A JSON argument (already decoded on arrival); None when absent."""
        value = self.args.get(name)
        return None if value == "" else value

    # ---- shared lookups -------------------------------------------------------------

    def user(self, user_id: str | None, error: str = "user_not_found") -> User:
        """The user ``user_id`` or ``error``."""
        user = self.ws.users.get(user_id or "")
        if user is None:
            raise ApiError(error)
        return user

    def channel(
        self,
        name: str = "channel",
        *,
        member: bool = True,
        writable: bool = True,
        allow_user_id: bool = False,
    ) -> Channel:
        """The conversation named by argument ``name``; see :meth:`conversation`."""
        return self.conversation(
            self.text(name) or "", member=member, writable=writable, allow_user_id=allow_user_id
        )

    def conversation(
        self,
        channel_id: str,
        *,
        member: bool = True,
        writable: bool = True,
        allow_user_id: bool = False,
    ) -> Channel:
        """The conversation ``channel_id``, checked the way Slack does.

        ``channel_not_found`` for unknown ids and private channels the bot is not in,
        ``is_archived`` when ``writable``, ``not_in_channel`` when ``member`` and the bot
        is not a member. With ``allow_user_id`` a user id means the bot's IM with them.
        """
        if allow_user_id and channel_id in self.ws.users:
            return self.ws.im_for(channel_id)
        channel = self.ws.visible_channel(channel_id)
        if channel is None:
            raise ApiError("channel_not_found")
        if writable and channel.is_archived:
            raise ApiError("is_archived")
        if member and self.ws.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel


Handler = Callable[[ApiCall], dict[str, Any]]
TokenType = Literal["bot", "app"]
"""Which token a method takes: the bot token (``xoxb-``) or the app-level one (``xapp-``)."""


@dataclass(frozen=True)
class MethodSpec:
    """A row of the method table.

    ``required`` maps each required argument to the error Slack gives when it is missing
    (None: the generic ``invalid_arguments``). ``optional`` lists the other accepted
    arguments; ``token`` is always accepted. ``tier`` is the label from
    ``rate_limit_tiers.json``. Any other known token than ``token_type`` gives
    ``not_allowed_token_type``.
    """

    name: str
    handler: Handler
    tier: str
    required: Mapping[str, str | None] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    token_type: TokenType = "bot"

    @property
    def accepted(self) -> frozenset[str]:
        """Every argument name the method takes (besides ``token``)."""
        return self.optional | frozenset(self.required)


def method(
    name: str,
    handler: Handler,
    tier: str,
    *,
    required: Mapping[str, str | None] | None = None,
    optional: str = "",
    token_type: TokenType = "bot",  # noqa: S107 - a token kind, not a token
) -> MethodSpec:
    """Build a :class:`MethodSpec`; ``optional`` is a space-separated list of names."""
    return MethodSpec(
        name, handler, tier, dict(required or {}), frozenset(optional.split()), token_type
    )


def decode_json_arg(value: Any) -> Any:
    """Decode a JSON-string argument; a string that is not JSON is kept as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
