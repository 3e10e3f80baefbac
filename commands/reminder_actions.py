"""The buttons on reminder messages and handoff requests: Acknowledge, Snooze, "I have the pager".

Each answers the message in place (its buttons replaced by who answered and how).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from commands import ids
from commands.clicks import Answer, answer_in_place
from commands.payload import acting_user, button_number
from commands.services import Services
from commands.text import slack_date
from workflows import handoffs, incidents
from workflows.durations import parse_duration
from workflows.errors import InvalidInput
from workflows.publishing import publish_change


def register(app: App, services: Services) -> None:
    gateway = services.gateway

    @app.action(ids.REMINDER_ACKNOWLEDGE)
    def on_acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        incident_id = button_number(action.get("value"), "a reminder")

        def save() -> Answer:
            with services.sessions.begin() as session:
                change = incidents.acknowledge(
                    session,
                    incident_id,
                    user,
                    services.policy,
                    services.clock,
                    member_of=services.directory.members_of,
                )
                current = incidents.load(session, incident_id, services.policy)
            publish = None if change is None else partial(publish_change, gateway, current, change)
            return Answer(f":white_check_mark: Acknowledged by <@{user}>.", publish)

        answer_in_place(ack, services.after_ack, client, body, respond, save)

    @app.action(re.compile(rf"^{ids.REMINDER_SNOOZE}\."))
    def on_snooze(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        reminder, _, length_text = str(action.get("value", "")).partition(":")
        length = _snooze_length(length_text, services.policy.escalation.snooze)
        incident_id = button_number(reminder, "a reminder")

        def save() -> Answer:
            with services.sessions.begin() as session:
                _, _, until = incidents.snooze(
                    session,
                    incident_id,
                    length,
                    user,
                    services.policy,
                    services.clock,
                    member_of=services.directory.members_of,
                )
            return Answer(f":zzz: Snoozed by <@{user}> until {slack_date(until, '{time}')}.")

        answer_in_place(ack, services.after_ack, client, body, respond, save)

    @app.action(ids.HANDOFF_ACKNOWLEDGE)
    def on_pager(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        handoff_id = button_number(action.get("value"), "a reminder")

        def save() -> Answer:
            with services.sessions.begin() as session:
                handoff = handoffs.acknowledge(
                    session, handoff_id, user, services.policy, services.clock
                )
                rotation = handoff.rotation
            return Answer(f":white_check_mark: <@{user}> has the pager for *{rotation}*.")

        answer_in_place(ack, services.after_ack, client, body, respond, save)


def _snooze_length(text: str, offered: tuple[timedelta, ...]) -> timedelta:
    try:
        length = parse_duration(text)
    except ValueError:
        length = None
    if length not in offered:
        raise InvalidInput("That snooze length is not offered any more.")
    assert length is not None
    return length
