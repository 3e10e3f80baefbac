"""Modals: declaring an incident, adding a note."""

from __future__ import annotations

from typing import Any

from commands import ids
from commands.blocks.card import severity_option
from commands.blocks.elements import input_block, modal, option, plain_text
from workflows.durations import format_duration
from workflows.incidents import MAX_DESCRIPTION, MAX_EXTERNAL_REF, MAX_NOTE, MAX_TITLE
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot

View = dict[str, Any]


def declare_modal(policy: Policy, *, title: str = "", origin: dict[str, str] | None = None) -> View:
    """The declare form; ``origin`` (channel, response_url) rides along to confirm afterwards."""
    title_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.TITLE_FIELD,
        "max_length": MAX_TITLE,
        "placeholder": plain_text("What is happening, in a few words", 150),
    }
    if title:
        title_input["initial_value"] = title[:MAX_TITLE]
    return modal(
        ids.DECLARE_MODAL,
        "Declare an incident",
        "Declare",
        metadata=origin,
        blocks=[
            input_block(ids.TITLE_FIELD, "Title", title_input),
            input_block(
                ids.DESCRIPTION_FIELD,
                "Description",
                {
                    "type": "plain_text_input",
                    "action_id": ids.DESCRIPTION_FIELD,
                    "multiline": True,
                    "max_length": MAX_DESCRIPTION,
                    "placeholder": plain_text("What do we know so far? Who reported it?", 150),
                },
                optional=True,
            ),
            input_block(
                ids.DOMAIN_FIELD,
                "Domain",
                {
                    "type": "static_select",
                    "action_id": ids.DOMAIN_FIELD,
                    "options": [option(d.key, d.label) for d in policy.domains],
                    "initial_option": option(
                        policy.default_domain, policy.domain(policy.default_domain).label
                    ),
                },
            ),
            input_block(
                ids.SEVERITY_FIELD,
                "Severity",
                {
                    "type": "static_select",
                    "action_id": ids.SEVERITY_FIELD,
                    "options": [option(s.key, s.label, s.description) for s in policy.severities],
                    "initial_option": severity_option(policy, policy.default_severity),
                },
            ),
            input_block(
                ids.RESTRICTED_FIELD,
                "Visibility",
                {
                    "type": "checkboxes",
                    "action_id": ids.RESTRICTED_FIELD,
                    "options": [
                        option(
                            "restricted",
                            "Restricted (private channel)",
                            "Details stay with the people invited",
                        )
                    ],
                },
                optional=True,
            ),
            *_intake_inputs(policy),
        ],
    )


def _intake_inputs(policy: Policy) -> list[dict[str, Any]]:
    """Where an escalation came from, their reference, the market and their deadline."""
    return [
        input_block(
            ids.SOURCE_FIELD,
            "Escalated by",
            {
                "type": "static_select",
                "action_id": ids.SOURCE_FIELD,
                "placeholder": plain_text("Where did this come from?"),
                "options": [option(s.key, s.label) for s in policy.intake.sources],
            },
            optional=True,
        ),
        input_block(
            ids.EXTERNAL_REF_FIELD,
            "Their reference",
            {
                "type": "plain_text_input",
                "action_id": ids.EXTERNAL_REF_FIELD,
                "max_length": MAX_EXTERNAL_REF,
                "placeholder": plain_text("A case or ticket number, such as DSA-2026-117"),
            },
            optional=True,
        ),
        input_block(
            ids.MARKET_FIELD,
            "Market",
            {
                "type": "plain_text_input",
                "action_id": ids.MARKET_FIELD,
                "max_length": 16,
                "placeholder": plain_text("Country or region code, such as DE, EU or US-CA"),
            },
            optional=True,
        ),
        input_block(
            ids.DUE_FIELD,
            "External deadline",
            {"type": "datetimepicker", "action_id": ids.DUE_FIELD},
            optional=True,
        ),
    ]


def note_modal(incident_id: int, reference: str) -> View:
    return modal(
        ids.NOTE_MODAL,
        f"Note on {reference}",
        "Add note",
        metadata={"incident_id": incident_id},
        blocks=[
            input_block(
                ids.NOTE_FIELD,
                "Note",
                {
                    "type": "plain_text_input",
                    "action_id": ids.NOTE_FIELD,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            )
        ],
    )


NEXT_UPDATE_CHOICES = ("15m", "30m", "1h", "2h", "4h", "1d")


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
    return modal(
        ids.UPDATE_MODAL,
        f"Update {incident.reference}",
        "Post update",
        metadata={"incident_id": incident.id},
        blocks=[
            input_block("status", "Status", status_select),
            input_block("happened", "What happened", _update_text("happened")),
            input_block("doing", "What we're doing", _update_text("doing"), optional=True),
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
    )


def _update_text(action_id: str) -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": 1400,
    }
