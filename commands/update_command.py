"""`/incident update`: a status update for stakeholders, typed inline or through a form.

The form asks what happened, what is being done, a new status and when the next update
comes; the promise of the next update sets when Firebreak will nudge for it.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import ids
from commands.blocks.elements import input_block, option, plain_text
from commands.errors import reported_after_ack
from commands.payload import metadata, state_values
from commands.services import Services
from commands.verbs import Invocation, Verbs
from workflows import incidents
from workflows.durations import format_duration, parse_duration
from workflows.errors import InvalidInput
from workflows.policy import Policy
from workflows.publishing import publish_change, publish_status_update
from workflows.snapshots import IncidentSnapshot

NEXT_UPDATE_CHOICES = ("15m", "30m", "1h", "2h", "4h", "1d")


def register(app: App, services: Services, verbs: Verbs) -> None:
    def update(invocation: Invocation) -> None:
        incident_id = invocation.incident_here()
        if not invocation.text:
            with services.sessions() as session:
                current = incidents.load(session, incident_id, services.policy)
            invocation.ack()
            with reported_after_ack(invocation.client, invocation.body):
                invocation.client.views_open(
                    trigger_id=invocation.body["trigger_id"],
                    view=update_modal(current, services.policy),
                )
            return
        with services.sessions.begin() as session:
            entry = incidents.record_status_update(
                session,
                incident_id,
                invocation.text,
                invocation.user,
                services.policy,
                services.clock,
            )
            current = incidents.load(session, incident_id, services.policy)
        invocation.ack()
        with reported_after_ack(invocation.client, invocation.body):
            publish_status_update(services.gateway, services.policy, current, entry)

    verbs["update"] = update

    @app.view(ids.UPDATE_MODAL)
    def on_update(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        incident_id = int(metadata(view).get("incident_id", 0))
        values = state_values(view)
        happened = str(values.get("happened") or "").strip()
        doing = str(values.get("doing") or "").strip()
        if not happened:
            raise InvalidInput("Say what happened since the last update.", field="happened")
        next_in = parse_duration(str(values.get("next_update") or "1h"))
        text = f"What happened: {happened}\nWhat we're doing: {doing or '—'}"
        user = str(body["user"]["id"])
        with services.sessions.begin() as session:
            status = str(values.get("status") or "")
            change = (
                incidents.change_status(
                    session,
                    incident_id,
                    status,
                    user,
                    services.policy,
                    services.clock,
                    member_of=services.directory.members_of,
                )
                if status
                else None
            )
            entry = incidents.record_status_update(
                session, incident_id, text, user, services.policy, services.clock, next_in
            )
            current = incidents.load(session, incident_id, services.policy)
        ack()
        with reported_after_ack(client, body):
            if change is not None:
                publish_change(services.gateway, current, change)
            publish_status_update(services.gateway, services.policy, current, entry)


def update_modal(incident: IncidentSnapshot, policy: Policy) -> dict[str, Any]:
    """The form; resolving has its own form, so resolved and closed are not offered here."""
    statuses = [s for s in policy.statuses if s.stamps not in ("resolved", "closed")]
    status_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "status",
        "options": [option(s.key, s.label) for s in statuses],
    }
    if incident.status in {s.key for s in statuses}:
        status_select["initial_option"] = option(incident.status, incident.status_label)
    rules = policy.escalation.for_severity(incident.severity)
    cadence = format_duration(rules.update_every) if rules and rules.update_every else "1h"
    initial = cadence if cadence in NEXT_UPDATE_CHOICES else "1h"
    return {
        "type": "modal",
        "callback_id": ids.UPDATE_MODAL,
        "private_metadata": json.dumps({"incident_id": incident.id}),
        "title": plain_text(f"Update {incident.reference}", 24),
        "submit": plain_text("Post update", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            input_block("status", "Status", status_select),
            input_block("happened", "What happened", _text("happened")),
            input_block("doing", "What we're doing", _text("doing"), optional=True),
            input_block(
                "next_update",
                "Next update in",
                {
                    "type": "static_select",
                    "action_id": "next_update",
                    "options": [option(c, c) for c in NEXT_UPDATE_CHOICES],
                    "initial_option": option(initial, initial),
                },
            ),
        ],
    }


def _text(action_id: str) -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": 1400,
    }
