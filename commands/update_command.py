"""`/incident update`: a status update for stakeholders, typed inline or through a form.

The form asks what happened, what is being done, a new status and when the next update
comes; the promise of the next update sets when Firebreak will nudge for it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import ids
from commands.blocks.modals import update_modal
from commands.errors import reported_after_ack
from commands.payload import acting_user, metadata, state_values
from commands.services import Services
from commands.verbs import Invocation, Verbs
from workflows import incidents
from workflows.durations import parse_duration
from workflows.errors import InvalidInput
from workflows.publishing import publish_change, publish_status_update


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
        user = acting_user(body)
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
