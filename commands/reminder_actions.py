"""The buttons on reminder messages: Acknowledge and Snooze."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from commands import ids
from commands.blocks.reminders import answered_reminder
from commands.services import Services
from workflows import handoffs, incidents
from workflows.durations import parse_duration
from workflows.errors import InvalidInput
from workflows.publishing import publish_change


def register(app: App, services: Services) -> None:
    @app.action(ids.REMINDER_ACKNOWLEDGE)
    def on_acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = str(body["user"]["id"])
        incident_id = _int(action.get("value"))
        with services.sessions.begin() as session:
            change = incidents.acknowledge(
                session, incident_id, user, services.policy, services.clock
            )
            current = incidents.load(session, incident_id, services.policy)
        respond(
            **answered_reminder(
                body.get("message", {}), f":white_check_mark: Acknowledged by <@{user}>."
            )
        )
        if change is not None:
            publish_change(services.gateway, current, change)

    @app.action(re.compile(rf"^{ids.REMINDER_SNOOZE}\."))
    def on_snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = str(body["user"]["id"])
        reminder, _, length_text = str(action.get("value", "")).partition(":")
        length = parse_duration(length_text)
        if length not in services.policy.escalation.snooze:
            raise InvalidInput("That snooze length is not offered any more.")
        with services.sessions.begin() as session:
            _, _, until = incidents.snooze(
                session, _int(reminder), length, user, services.policy, services.clock
            )
        stamp = f"<!date^{int(until.timestamp())}^{{time}}|{until:%H:%M} UTC>"
        respond(
            **answered_reminder(
                body.get("message", {}), f":zzz: Snoozed by <@{user}> until {stamp}."
            )
        )

    @app.action(ids.HANDOFF_ACKNOWLEDGE)
    def on_pager(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = str(body["user"]["id"])
        with services.sessions.begin() as session:
            handoff = handoffs.acknowledge(
                session, _int(action.get("value")), user, services.policy, services.clock
            )
            rotation = handoff.rotation
        outcome = f":white_check_mark: <@{user}> has the pager for *{rotation}*."
        respond(**answered_reminder(body.get("message", {}), outcome))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput("That button does not belong to a reminder.") from None
