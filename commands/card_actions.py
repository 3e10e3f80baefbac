"""The card's controls: severity and owner selects, Acknowledge, status buttons, "Add note".

Each control writes its change before ``ack()`` (so a refusal is answered at once) and
publishes it to Slack after, under ``reported_after_ack``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from commands import ids
from commands.blocks.card import card_blocks, card_fallback_text
from commands.blocks.modals import note_modal
from commands.errors import reported_after_ack
from commands.payload import acting_user
from commands.services import Services
from workflows import incidents
from workflows.publishing import publish_change
from workflows.snapshots import StateChange

# (session, incident id, acting user) -> the change made, or None when nothing changed
Change = Callable[[Session, int, str], StateChange | None]


def register(app: App, services: Services) -> None:
    members_of = services.directory.members_of  # admins may be listed by user group

    def apply(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        change: Change,
    ) -> None:
        incident_id = ids.incident_of(action)
        with services.sessions.begin() as session:
            made = change(session, incident_id, acting_user(body))
        ack()
        with reported_after_ack(client, body):
            _show(services, incident_id, made, body, respond)

    @app.action(ids.SEVERITY_SELECT)
    def on_severity(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        value = (action.get("selected_option") or {}).get("value")
        if not value:
            ack()  # Slack sends a null option when a select is cleared; nothing to change.
            return
        apply(
            ack,
            body,
            action,
            respond,
            client,
            lambda s, i, u: incidents.change_severity(
                s, i, value, u, services.policy, services.clock, member_of=members_of
            ),
        )

    @app.action(ids.OWNER_SELECT)
    def on_owner(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        owner = action.get("selected_user")
        if not owner:
            ack()
            return
        apply(
            ack,
            body,
            action,
            respond,
            client,
            lambda s, i, u: incidents.assign_owner(
                s, i, owner, u, services.policy, services.clock, member_of=members_of
            ),
        )

    @app.action(re.compile(rf"^{ids.STATUS_BUTTON}\."))
    def on_status(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        status = str(action.get("value", ""))
        apply(
            ack,
            body,
            action,
            respond,
            client,
            lambda s, i, u: incidents.change_status(
                s, i, status, u, services.policy, services.clock, member_of=members_of
            ),
        )

    @app.action(ids.ACKNOWLEDGE_BUTTON)
    def on_acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        apply(
            ack,
            body,
            action,
            respond,
            client,
            lambda s, i, u: incidents.acknowledge(s, i, u, services.policy, services.clock),
        )

    @app.action(ids.ADD_NOTE_BUTTON)
    def on_add_note(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        incident_id = ids.incident_of(action)
        ack()
        with reported_after_ack(client, body):
            client.views_open(
                trigger_id=body["trigger_id"], view=note_modal(incident_id, f"INC-{incident_id}")
            )


def _show(
    services: Services,
    incident_id: int,
    change: StateChange | None,
    body: dict[str, Any],
    respond: Respond,
) -> None:
    """Publish a saved change; a repeated click (no change) publishes nothing."""
    if change is None:
        return
    with services.sessions() as session:
        current = incidents.load(session, incident_id, services.policy)
    if body.get("container", {}).get("is_ephemeral"):
        # The click came from a private copy of the card (`/incident status`): refresh it too.
        respond(
            text=card_fallback_text(current),
            blocks=card_blocks(current, services.policy),
            replace_original=True,
        )
    publish_change(services.gateway, current, change)
