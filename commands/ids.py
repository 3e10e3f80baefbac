"""Action, block and callback ids the Block Kit builders and listeners share."""

from __future__ import annotations

import re
from typing import Any

from workflows.errors import InvalidInput

SEVERITY_SELECT = "incident_severity"
OWNER_SELECT = "incident_owner"
STATUS_BUTTON = "incident_status"
ADD_NOTE_BUTTON = "incident_add_note"
ACKNOWLEDGE_BUTTON = "incident_acknowledge"
ASSIGN_ROLE_BUTTON = "incident_assign_role"

REMINDER_ACKNOWLEDGE = "reminder_acknowledge"
REMINDER_SNOOZE = "reminder_snooze"
HANDOFF_ACKNOWLEDGE = "handoff_acknowledge"

DECLARE_MODAL = "incident_declare"
NOTE_MODAL = "incident_note"
UPDATE_MODAL = "incident_update"

# Modal input blocks are named after the field they collect, so a validation
# error about a field lands on its input.
TITLE_FIELD = "title"
DESCRIPTION_FIELD = "description"
DOMAIN_FIELD = "domain"
SEVERITY_FIELD = "severity"
RESTRICTED_FIELD = "restricted"
# Escalation intake; block ids equal the DeclareRequest field names, so a field's
# validation error is shown on its own block.
SOURCE_FIELD = "source"
EXTERNAL_REF_FIELD = "external_ref"
MARKET_FIELD = "market"
DUE_FIELD = "due_at"
NOTE_FIELD = "note"

_CARD_BLOCK = re.compile(r"^inc(\d+)\.")


def card_block_id(incident_id: int, part: str) -> str:
    return f"inc{incident_id}.{part}"


def incident_of(action: dict[str, Any]) -> int:
    """The incident whose card (or message) a clicked control belongs to."""
    incident_id = incident_from_block_id(str(action.get("block_id", "")))
    if incident_id is None:
        raise InvalidInput("That control does not belong to an incident card.")
    return incident_id


def incident_from_block_id(block_id: str) -> int | None:
    match = _CARD_BLOCK.match(block_id)
    return int(match.group(1)) if match else None


# Containment and follow-ups (commands/containment_command.py)
MARK_CONTAINED_BUTTON = "containment_mark_contained"
FOLLOWUP_DONE_BUTTON = "followup_done"
FOLLOWUP_SNOOZE_BUTTON = "followup_snooze"

# Resolving and closing (commands/closing_command.py)
RESOLVE_BUTTON = "incident_resolve"
RESOLVE_MODAL = "incident_resolve_form"
