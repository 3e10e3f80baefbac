"""``/incident`` verbs that live in their own modules (roles, actions, closing, listing…).

The slash command listener looks the first word up here before its built-in verbs, so a
feature adds a verb by registering a handler in its own module, not by editing the router.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from commands.services import Services
from workflows import incidents
from workflows.errors import NotAnIncidentChannel


@dataclass(frozen=True)
class Invocation:
    """One ``/incident <verb> …`` as typed, with what a handler needs to answer it."""

    services: Services
    ack: Ack
    client: WebClient
    body: dict[str, Any]  # the slash command payload (user_id, channel_id, trigger_id, …)
    verb: str
    text: str  # everything after the verb, as Slack sent it (mentions as <@U…|name>)

    @property
    def user(self) -> str:
        return str(self.body["user_id"])

    @property
    def channel(self) -> str:
        return str(self.body["channel_id"])

    def after_ack(self, work: Callable[[], object]) -> None:
        """Hand ``work`` on once acked (``commands.after_ack``); failures reach the typer."""
        self.services.after_ack(self.client, self.body, work)

    def incident_here(self) -> int:
        """The incident whose channel this was typed in, or a clear refusal."""
        with self.services.sessions() as session:
            incident_id = incidents.incident_in_channel(session, self.channel)
        if incident_id is None:
            raise NotAnIncidentChannel(self.verb)
        return incident_id


Verbs = dict[str, Callable[[Invocation], None]]
