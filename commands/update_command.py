"""`/incident update`: a status update for stakeholders, typed inline or through a form.

The form asks what happened, what is being done, a new status and when the next update
comes; the promise of the next update sets when Firebreak will nudge for it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import ids
from commands.blocks.modals import update_modal
from commands.payload import acting_user, metadata_incident, state_values, text_value
from commands.services import Services
from commands.slack_text import readable
from commands.verbs import Invocation, Verbs
from workflows import incidents
from workflows.durations import parse_duration
from workflows.publishing import publish_change, publish_status_update


def register(app: App, services: Services, verbs: Verbs) -> None:
    def update(invocation: Invocation) -> None:
        incident_id = invocation.incident_here()
        if not invocation.text:
            with services.sessions() as session:
                # Refused before the form, not after it is filled in.
                incidents.authorise(
                    session,
                    incident_id,
                    services.policy,
                    "update",
                    invocation.user,
                    services.clock,
                    services.directory.members_of,
                )
                current = incidents.load(session, incident_id, services.policy)
            invocation.ack()
            services.modals.open_modal(
                invocation.client, invocation.body, partial(update_modal, current, services.policy)
            )
            return
        with services.sessions.begin() as session:
            entry = incidents.record_status_update(
                session,
                incident_id,
                readable(invocation.text),
                invocation.user,
                services.policy,
                services.clock,
                member_of=services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        invocation.ack()
        invocation.after_ack(
            partial(publish_status_update, services.gateway, services.policy, current, entry),
        )

    verbs["update"] = update

    @app.view(ids.UPDATE_MODAL)
    def on_update(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        incident_id = metadata_incident(view)
        values = state_values(view)
        with services.sessions.begin() as session:
            change, entry = incidents.record_update_form(
                session,
                incident_id,
                status=text_value(values, "status"),
                happened=text_value(values, "happened") or "",
                doing=text_value(values, "doing") or "",
                next_update_in=parse_duration(text_value(values, "next_update") or "1h"),
                actor=acting_user(body),
                policy=services.policy,
                clock=services.clock,
                member_of=services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        ack()

        def publish() -> None:
            if change is not None:
                publish_change(services.gateway, current, change)
            publish_status_update(services.gateway, services.policy, current, entry)

        services.after_ack(client, body, publish)
