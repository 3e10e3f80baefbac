"""``/incident``: declare, note, status, timeline, help."""

from __future__ import annotations

from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import parsing
from commands.blocks.card import card_blocks, card_fallback_text
from commands.blocks.messages import section, timeline_text, usage
from commands.blocks.modals import declare_modal
from commands.declaring import declare_and_provision
from commands.services import Services
from commands.surface import INCIDENT_COMMAND
from commands.verbs import Invocation, Verbs
from commands.when import BadTime, parse_when
from workflows import incidents
from workflows.errors import NotAnIncidentChannel
from workflows.publishing import publish_change, publish_note


def register(app: App, services: Services, verbs: Verbs) -> None:
    @app.command(INCIDENT_COMMAND)
    def incident_command(
        ack: Ack, command: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        verb, _, rest = command.get("text", "").strip().partition(" ")
        handler = verbs.get(verb.lower())
        if handler is not None:
            handler(Invocation(services, ack, client, body, verb.lower(), rest.strip()))
            return
        parsed = parsing.parse_incident_command(command.get("text", ""), services.policy)
        match parsed:
            case parsing.Help():
                ack(text=usage(), blocks=section(usage()))
            case parsing.OpenDeclareForm():
                ack()
                origin = {"channel": command["channel_id"], "response_url": command["response_url"]}
                services.modals.open_modal(
                    client, body, partial(declare_modal, services.policy, origin=origin)
                )
            case parsing.Declare():
                declare_and_provision(
                    services, _declare_request(services, command, parsed), ack, client, body
                )
            case parsing.Note(text=text):
                incident_id = _incident_here(services, command, "note")
                with services.sessions.begin() as session:
                    entry = incidents.add_note(
                        session,
                        incident_id,
                        text,
                        command["user_id"],
                        services.clock,
                        policy=services.policy,
                        member_of=services.directory.members_of,
                    )
                    current = incidents.load(session, incident_id, services.policy)
                ack()
                services.after_ack(
                    client, body, partial(publish_note, services.gateway, current, entry)
                )
            case parsing.SetDeadline(when=when):
                incident_id = _incident_here(services, command, "deadline")
                zone = ZoneInfo(services.directory.time_zone(command["user_id"]))
                try:
                    due_at = parse_when(when, zone, services.clock.now())
                except BadTime as error:
                    raise parsing.UsageError(str(error)) from error
                with services.sessions.begin() as session:
                    change = incidents.set_deadline(
                        session,
                        incident_id,
                        due_at,
                        command["user_id"],
                        services.policy,
                        services.clock,
                        member_of=services.directory.members_of,
                    )
                    current = incidents.load(session, incident_id, services.policy)
                ack()
                if change is not None:
                    services.after_ack(
                        client, body, partial(publish_change, services.gateway, current, change)
                    )
            case parsing.ShowStatus():
                incident_id = _incident_here(services, command, "status")
                with services.sessions() as session:
                    current = incidents.load(session, incident_id, services.policy)
                ack(text=card_fallback_text(current), blocks=card_blocks(current, services.policy))
            case parsing.ShowTimeline():
                incident_id = _incident_here(services, command, "timeline")
                with services.sessions() as session:
                    current = incidents.load(session, incident_id, services.policy)
                    entries = incidents.timeline(session, incident_id)
                text = timeline_text(current.reference, entries)
                ack(text=text, blocks=section(text))


def _declare_request(
    services: Services, command: dict[str, Any], parsed: parsing.Declare
) -> incidents.DeclareRequest:
    due_at = None
    if parsed.due is not None:
        zone = ZoneInfo(services.directory.time_zone(command["user_id"]))
        try:
            due_at = parse_when(parsed.due, zone, services.clock.now())
        except BadTime as error:
            raise parsing.UsageError(f"`--due`: {error}") from error
    return incidents.DeclareRequest(
        title=parsed.title,
        domain=parsed.domain,
        severity=parsed.severity,
        restricted=parsed.restricted,
        source=parsed.source,
        external_ref=parsed.external_ref,
        market=parsed.market,
        due_at=due_at,
        declared_by=command["user_id"],
        # The trigger is unique per invocation and repeated verbatim when Slack retries.
        declare_key=f"slash:{command['trigger_id']}",
        origin_channel_id=command["channel_id"],
        confirmation_url=command.get("response_url"),
    )


def _incident_here(services: Services, command: dict[str, Any], verb: str) -> int:
    with services.sessions() as session:
        incident_id = incidents.incident_in_channel(session, command["channel_id"])
    if incident_id is None:
        raise NotAnIncidentChannel(verb)
    return incident_id
