"""Resolving, reopening, closing and the incident report: /incident resolve|reopen|close|report.

``/incident resolve`` and the card's resolve button open the resolve form; its submission
records the resolution before ``ack()`` (so a refused field is shown on the form) and
tells the channel and the broadcast channel after. ``/incident close`` plans the channel's
archiving (posting the report first if there is none yet); the ``archive`` reminder does
the rest when it is due.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import ids
from commands.blocks.closing import reopened_reply, resolve_modal
from commands.blocks.messages import section
from commands.membership import require_visible_incident
from commands.payload import acting_user, metadata_incident, state_values, text_value
from commands.services import Services
from commands.slack_text import readable
from commands.verbs import Invocation, Verbs
from workflows import closing, incidents
from workflows.errors import InvalidInput
from workflows.publishing import publish_change
from workflows.reminders import ReminderHandler

_REFERENCE = re.compile(r"^(?:inc-?)?(\d{1,9})$", re.IGNORECASE)


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this feature's listeners and its `/incident` verbs."""

    def resolve_verb(call: Invocation) -> None:
        # `/incident resolve <text>` starts the form with that text as the summary.
        _open_resolve_form(
            services, call.ack, call.client, call.body, call.incident_here(), readable(call.text)
        )

    verbs["resolve"] = resolve_verb
    verbs["reopen"] = lambda call: _reopen(services, call)
    verbs["close"] = lambda call: _close(services, call)
    verbs["report"] = lambda call: _report(services, call)

    @app.action(ids.RESOLVE_BUTTON)
    def on_resolve_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        incident_id = ids.incident_of(action)
        _open_resolve_form(services, ack, client, body, incident_id, "")

    @app.view(ids.RESOLVE_MODAL)
    def on_resolve(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        incident_id = metadata_incident(view)
        values = state_values(view)
        with services.sessions.begin() as session:
            entry = closing.resolve(
                session,
                incident_id,
                summary=text_value(values, closing.SUMMARY_FIELD) or "",
                root_cause=text_value(values, closing.ROOT_CAUSE_FIELD) or "",
                impact=text_value(values, closing.IMPACT_FIELD),
                followups=(text_value(values, closing.FOLLOWUPS_FIELD) or "").splitlines(),
                actor=acting_user(body),
                policy=services.policy,
                clock=services.clock,
                member_of=services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        ack()
        services.after_ack(
            client,
            body,
            partial(
                closing.publish_resolved,
                services.gateway,
                current,
                entry,
                services.policy.channels.broadcast,
            ),
        )


def reminder_handlers(services: Services) -> dict[str, ReminderHandler]:
    """This feature's reminder kinds and their handlers, for the runner."""
    archive = closing.ArchiveReminders(
        services.sessions, services.gateway, services.policy, services.clock
    )
    return {closing.ARCHIVE: archive}


def _open_resolve_form(
    services: Services,
    ack: Ack,
    client: WebClient,
    body: dict[str, Any],
    incident_id: int,
    summary: str,
) -> None:
    with services.sessions() as session:
        closing.check_resolvable(
            session,
            incident_id,
            acting_user(body),
            services.policy,
            services.clock,
            member_of=services.directory.members_of,
        )
        current = incidents.load(session, incident_id, services.policy)
    ack()
    services.modals.open_modal(
        client, body, partial(resolve_modal, current, services.policy, summary=summary.strip())
    )


def _reopen(services: Services, call: Invocation) -> None:
    """`/incident reopen` here, or `/incident reopen INC-12` anywhere (its channel may be
    archived, where nobody can type)."""
    incident_id = _referenced(call.text) if call.text else call.incident_here()
    require_visible_incident(services, call.client, call.user, incident_id)
    with services.sessions.begin() as session:
        reopened = closing.reopen(
            session,
            incident_id,
            call.user,
            services.policy,
            services.clock,
            member_of=services.directory.members_of,
        )
        current = incidents.load(session, incident_id, services.policy)
    if reopened.channel_archived or current.channel_id != call.channel:
        text = reopened_reply(current, reopened.channel_archived)
        call.ack(text=text, blocks=section(text))
    else:
        call.ack()
    if not reopened.channel_archived:
        call.after_ack(
            partial(publish_change, services.gateway, current, reopened.change),
        )


def _close(services: Services, call: Invocation) -> None:
    incident_id = call.incident_here()
    with services.sessions.begin() as session:
        plan = closing.schedule_close(
            session,
            incident_id,
            call.user,
            services.policy,
            services.clock,
            member_of=services.directory.members_of,
        )
        current = incidents.load(session, incident_id, services.policy)
    call.ack()

    def publish() -> None:
        if plan.report_needed:
            _post_report(services, incident_id, call.user)
        services.gateway.post_close_scheduled(current, plan.entry)

    call.after_ack(publish)


def _report(services: Services, call: Invocation) -> None:
    incident_id = call.incident_here()
    call.ack()
    call.after_ack(partial(_post_report, services, incident_id, call.user))


def _post_report(services: Services, incident_id: int, actor: str) -> None:
    closing.post_report(
        services.sessions, services.gateway, incident_id, actor, services.policy, services.clock
    )


def _referenced(text: str) -> int:
    match = _REFERENCE.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"`/incident reopen` takes an incident reference such as `INC-12`, not `{text}`."
        )
    return int(match.group(1))
