"""The card's controls: severity and owner selects, Acknowledge, status buttons, "Add note".

Slack ignores anything in the answer to a click, so each control acks at once and hands
the rest on (``commands.after_ack``): authorise, save, publish. A refusal or a failure
reaches the clicker privately either way. The four that change the incident differ only in
what they read from the click and which workflow they call, so one listener factory
serves them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from commands import ids
from commands.blocks.card import card_blocks, card_fallback_text
from commands.blocks.modals import note_modal
from commands.payload import acting_user
from commands.services import Services
from workflows import incidents
from workflows.authorisation import GroupMembers
from workflows.clock import Clock
from workflows.policy import Policy
from workflows.publishing import publish_change
from workflows.snapshots import StateChange

# What a control carries: a select's choice, a button's value; None when there is nothing
# to change (Slack sends a null option when a select is cleared).
Chosen = Callable[[dict[str, Any]], str | None]
# (session, incident id, the value chosen, acting user) -> the change made, or None
Change = Callable[[Session, int, str, str], StateChange | None]
Listener = Callable[[Ack, dict[str, Any], dict[str, Any], Respond, WebClient], None]


class SetField(Protocol):
    """``incidents.change_severity``, ``assign_owner`` and ``change_status`` alike."""

    def __call__(
        self,
        session: Session,
        incident_id: int,
        value: str,
        actor: str,
        policy: Policy,
        clock: Clock,
        /,
        *,
        member_of: GroupMembers,
    ) -> StateChange | None: ...


def register(app: App, services: Services) -> None:
    policy, clock = services.policy, services.clock
    members_of = services.directory.members_of  # admins may be listed by user group

    def control(chosen: Chosen, change: Change) -> Listener:
        """The listener for one control: ack, then save and publish."""

        def listener(
            ack: Ack,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: Respond,
            client: WebClient,
        ) -> None:
            value = chosen(action)
            if value is None:
                ack()  # A cleared select: nothing to change.
                return
            incident_id = ids.incident_of(action)
            ack()

            def save_and_show() -> None:
                with services.sessions.begin() as session:
                    made = change(session, incident_id, value, acting_user(body))
                _show(services, incident_id, made, body, respond)

            services.after_ack(client, body, save_and_show)

        return listener

    def setting(set_field: SetField) -> Change:
        """Bind the policy, clock and group look-up every field change is authorised with."""
        return lambda s, i, value, u: set_field(s, i, value, u, policy, clock, member_of=members_of)

    app.action(ids.SEVERITY_SELECT)(control(_selected_option, setting(incidents.change_severity)))
    app.action(ids.OWNER_SELECT)(control(_selected_user, setting(incidents.assign_owner)))
    app.action(re.compile(rf"^{ids.STATUS_BUTTON}\."))(
        control(_button_value, setting(incidents.change_status))
    )
    app.action(ids.ACKNOWLEDGE_BUTTON)(
        control(
            _button_value,
            lambda s, i, _, u: incidents.acknowledge(s, i, u, policy, clock, member_of=members_of),
        )
    )

    @app.action(ids.ADD_NOTE_BUTTON)
    def on_add_note(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        incident_id = ids.incident_of(action)
        with services.sessions() as session:  # refused before the form, not after typing
            incidents.authorise(
                session, incident_id, policy, "note", acting_user(body), clock, members_of
            )
        ack()
        services.modals.open_modal(
            client, body, partial(note_modal, incident_id, f"INC-{incident_id}")
        )


def _selected_option(action: dict[str, Any]) -> str | None:
    return (action.get("selected_option") or {}).get("value") or None


def _selected_user(action: dict[str, Any]) -> str | None:
    return action.get("selected_user") or None


def _button_value(action: dict[str, Any]) -> str:
    return str(action.get("value", ""))


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
