"""The card's controls: severity select, owner select, status buttons, "Add note"."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from commands import ids
from commands.blocks.card import card_blocks, card_fallback_text
from commands.blocks.modals import note_modal
from commands.services import Services
from workflows import incidents
from workflows.errors import InvalidInput
from workflows.publishing import publish_change
from workflows.snapshots import StateChange


def register(app: App, services: Services) -> None:
    @app.action(ids.SEVERITY_SELECT)
    def on_severity(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        selected = action.get("selected_option") or {}
        if not selected.get("value"):
            return  # Slack sends a null option when a select is cleared; nothing to change.
        incident_id = _incident_of(action)
        with services.sessions.begin() as session:
            change = incidents.change_severity(
                session,
                incident_id,
                selected["value"],
                _user(body),
                services.policy,
                services.clock,
            )
        _show(services, incident_id, change, body, respond)

    @app.action(ids.OWNER_SELECT)
    def on_owner(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = action.get("selected_user")
        if not user_id:
            return
        incident_id = _incident_of(action)
        with services.sessions.begin() as session:
            change = incidents.assign_owner(
                session, incident_id, user_id, _user(body), services.policy, services.clock
            )
        _show(services, incident_id, change, body, respond)

    @app.action(re.compile(rf"^{ids.STATUS_BUTTON}\."))
    def on_status(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        incident_id = _incident_of(action)
        with services.sessions.begin() as session:
            change = incidents.change_status(
                session,
                incident_id,
                action.get("value", ""),
                _user(body),
                services.policy,
                services.clock,
            )
        _show(services, incident_id, change, body, respond)

    @app.action(ids.ACKNOWLEDGE_BUTTON)
    def on_acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        incident_id = _incident_of(action)
        with services.sessions.begin() as session:
            change = incidents.acknowledge(
                session, incident_id, _user(body), services.policy, services.clock
            )
        _show(services, incident_id, change, body, respond)

    @app.action(ids.ADD_NOTE_BUTTON)
    def on_add_note(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        incident_id = _incident_of(action)
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


def _incident_of(action: dict[str, Any]) -> int:
    incident_id = ids.incident_from_block_id(str(action.get("block_id", "")))
    if incident_id is None:
        raise InvalidInput("That control does not belong to an incident card.")
    return incident_id


def _user(body: dict[str, Any]) -> str:
    return str(body["user"]["id"])
