"""Roles: ``/incident role``, ``/incident roles`` and the card's Assign role button.

``/incident role @person <role>`` and the Assign role modal both end in ``roles.assign``
(which enforces the policy's ``assign_role`` rule); the assignment is saved before
``ack()``, then published: the person invited, one line in the channel, the card
(and, for the owner role, the topic) updated. Who may do what lives in
``workflows/authorisation.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from commands import ids
from commands.blocks.messages import section
from commands.blocks.roles import (
    ROLE_FIELD,
    ROLE_MODAL,
    ROLE_USER_FIELD,
    already_held,
    assign_role_modal,
    assigned_line,
    roles_blocks,
    roles_text,
)
from commands.parsing import UsageError, truncate_word
from commands.payload import acting_user, metadata_incident, state_values, text_value
from commands.services import Services
from commands.slack_text import unescape, user_id
from commands.verbs import Invocation, Verbs
from workflows import incidents, roles
from workflows.errors import AlreadyDone, InvalidInput
from workflows.gateway import SlackFailure
from workflows.policy import Policy
from workflows.roles import RoleChange
from workflows.snapshots import IncidentSnapshot

_MARKUP = re.compile(r"<[^<>]*>")
EXAMPLE = "`/incident role @alice comms`"


@dataclass(frozen=True)
class Assignment:
    """What ``/incident role`` or the modal asked for."""

    user: str
    role: str  # a key of the policy's roles


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this feature's listeners and its `/incident` verbs."""

    def assign_and_publish(
        incident_id: int,
        wanted: Assignment,
        actor: str,
        ack: Ack,
        client: WebClient,
        body: dict[str, Any],
        *,
        in_modal: bool,
    ) -> None:
        with services.sessions.begin() as session:
            change = roles.assign(
                session,
                incident_id,
                wanted.role,
                wanted.user,
                actor,
                services.policy,
                services.clock,
                member_of=services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        if change is None:
            role = roles.find_role(services.policy, wanted.role)
            label = role.label if role else wanted.role
            if in_modal:
                raise AlreadyDone(f"They are already the {label}; pick someone else, or Cancel.")
            # Rendered here (it mentions the holder), so it is not escaped as an error's text is.
            ack(f":warning: {already_held(label, wanted.user, current.reference)}")
            return
        ack()
        services.after_ack(client, body, partial(_publish, services, client, current, change))

    def assign_role(invocation: Invocation) -> None:
        wanted = parse_assignment(invocation.text, services.policy)
        incident_id = invocation.incident_here()
        assign_and_publish(
            incident_id,
            wanted,
            invocation.user,
            invocation.ack,
            invocation.client,
            invocation.body,
            in_modal=False,
        )

    def list_roles(invocation: Invocation) -> None:
        incident_id = invocation.incident_here()
        with services.sessions() as session:
            current = incidents.load(session, incident_id, services.policy)
            held = roles.history(session, incident_id, services.policy)
        invocation.ack(
            text=roles_text(current.reference, held),
            blocks=roles_blocks(current.reference, held),
        )

    verbs["role"] = assign_role
    verbs["roles"] = list_roles

    @app.action(ids.ASSIGN_ROLE_BUTTON)
    def on_assign_role(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        incident_id = ids.incident_of(action)
        with services.sessions() as session:
            # Refused before the form, not after it is filled in.
            incidents.authorise(
                session,
                incident_id,
                services.policy,
                "assign_role",
                acting_user(body),
                services.clock,
                services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        ack()
        channel = (body.get("channel") or {}).get("id") or current.channel_id
        services.modals.open_modal(
            client, body, partial(assign_role_modal, current, services.policy, channel=channel)
        )

    @app.view(ROLE_MODAL)
    def on_assign_role_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        incident_id, wanted = parse_modal(view, services.policy)
        assign_and_publish(incident_id, wanted, acting_user(body), ack, client, body, in_modal=True)


def parse_assignment(text: str, policy: Policy) -> Assignment:
    """``@person <role>`` (either order; the role by key or label, any case)."""
    tokens = _MARKUP.findall(text)
    people = [found for token in tokens if (found := user_id(token)) is not None]
    rest = unescape(" ".join(_MARKUP.sub(" ", text).split()))
    choices = ", ".join(role.label for role in policy.roles)
    if not people and not rest:
        raise UsageError(
            f"`/incident role` needs a person and a role: {EXAMPLE}. Roles: {choices}."
        )
    if not people:
        raise UsageError(f"Mention the person who takes the role, e.g. {EXAMPLE}.")
    if len(people) > 1:
        raise UsageError(f"Assign one person at a time, e.g. {EXAMPLE}.")
    if not rest:
        raise UsageError(f"Which role? Choose one of {choices}, e.g. {EXAMPLE}.")
    role = roles.find_role(policy, rest)
    if role is None:
        raise UsageError(f"Unknown role `{truncate_word(rest)}`. Choose one of {choices}.")
    return Assignment(user=people[0], role=role.key)


def parse_modal(view: dict[str, Any], policy: Policy) -> tuple[int, Assignment]:
    """(incident id, assignment) from a submitted Assign role modal."""
    values = state_values(view)
    user = text_value(values, ROLE_USER_FIELD)
    if not user:
        raise InvalidInput("Choose the person who takes the role.", field=ROLE_USER_FIELD)
    role = roles.find_role(policy, text_value(values, ROLE_FIELD) or "")
    if role is None:
        raise InvalidInput("Choose one of the roles listed.", field=ROLE_FIELD)
    try:
        incident_id = metadata_incident(view)
    except (TypeError, ValueError):
        incident_id = 0
    return incident_id, Assignment(user=user, role=role.key)


def _publish(
    services: Services, client: WebClient, incident: IncidentSnapshot, change: RoleChange
) -> None:
    """Invite the person, say it in the channel, refresh the card (and the topic's owner)."""
    if incident.channel_id is None:
        return  # Still being provisioned: the card will be posted from the current state.
    services.gateway.invite(incident.channel_id, [change.user])
    line = assigned_line(change)
    try:
        client.chat_postMessage(channel=incident.channel_id, text=line, blocks=section(line))
    except SlackApiError as error:
        raise SlackFailure("chat.postMessage", str(error.response.get("error"))) from error
    except SlackClientError as error:
        raise SlackFailure("chat.postMessage", type(error).__name__) from error
    services.gateway.update_card(incident)
    if change.owner:
        services.gateway.set_topic(incident)
