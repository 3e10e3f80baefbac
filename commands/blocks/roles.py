"""Roles in Block Kit: the line an assignment posts, the roles list, the Assign role modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.blocks.elements import modal, option, plain_text, section_block
from commands.text import escape, mention, slack_date, truncate
from workflows.policy import Policy
from workflows.roles import Holding, RoleChange, RoleHistory
from workflows.snapshots import IncidentSnapshot

Block = dict[str, Any]

# The Assign role modal: its callback id and its two inputs (block and action ids).
ROLE_MODAL = "incident_assign_role"
ROLE_USER_FIELD = "role_user"
ROLE_FIELD = "role"

SECTION_LIMIT = 3000
MAX_BLOCKS = 50


def assigned_line(change: RoleChange) -> str:
    """Who made whom what, and what the role means."""
    taking_over = f", taking over from {mention(change.before)}" if change.before else ""
    line = (
        f":busts_in_silhouette: {mention(change.actor)} made {mention(change.user)} "
        f"the *{escape(change.label)}*{taking_over}."
    )
    if change.description:
        line += f" _{escape(change.description)}_"
    return line


def already_held(label: str, user: str, reference: str) -> str:
    return f"{mention(user)} is already the {escape(label)} of {reference}; nothing changed."


def roles_text(reference: str, roles: tuple[RoleHistory, ...]) -> str:
    """The whole list as one text (notifications, and clients that show no blocks)."""
    return truncate("\n".join([_title(reference), *_held_sections(roles), _footnote(roles)]), 4000)


def roles_blocks(reference: str, roles: tuple[RoleHistory, ...]) -> list[Block]:
    """One section per role someone holds or held; the never assigned ones in a footnote."""
    sections = [
        section_block(_title(reference)),
        *(section_block(t) for t in _held_sections(roles)),
    ]
    footnote = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(_footnote(roles), SECTION_LIMIT)}],
    }
    return [*sections[: MAX_BLOCKS - 1], footnote]


def assign_role_modal(
    incident: IncidentSnapshot, policy: Policy, *, channel: str | None
) -> dict[str, Any]:
    """Pick a person and one of the policy's roles; submitting assigns it."""
    holders = ", ".join(f"{escape(label)}: {mention(user)}" for label, user in incident.roles)
    return modal(
        ROLE_MODAL,
        "Assign a role",
        "Assign",
        metadata={"incident_id": incident.id, "channel": channel},
        blocks=[
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(
                        f"*{escape(incident.reference)}* · {escape(incident.title)}\n"
                        f"Roles now: {holders or '_none yet_'}",
                        SECTION_LIMIT,
                    ),
                },
            },
            {
                "type": "input",
                "block_id": ROLE_USER_FIELD,
                "label": plain_text("Person"),
                "element": {
                    "type": "users_select",
                    "action_id": ROLE_USER_FIELD,
                    "placeholder": plain_text("Who takes the role?"),
                },
            },
            {
                "type": "input",
                "block_id": ROLE_FIELD,
                "label": plain_text("Role"),
                "element": {
                    "type": "static_select",
                    "action_id": ROLE_FIELD,
                    "placeholder": plain_text("Choose a role"),
                    "options": [option(r.key, r.label, r.description) for r in policy.roles][:100],
                },
            },
        ],
    )


def _title(reference: str) -> str:
    return f"*Roles on {escape(reference)}*"


def _held_sections(roles: tuple[RoleHistory, ...]) -> list[str]:
    return [_rolesection_block(role) for role in roles if role.current or role.earlier]


def _rolesection_block(role: RoleHistory) -> str:
    label = f"*{escape(role.label)}*"
    if role.current:
        head = f"{label}: {mention(role.current.user)} since {_when(role.current.assigned_at)}"
    else:
        head = f"{label}: _nobody now_"
    lines = [head]
    lines.extend(f"   ◦ before: {_earlier(holding)}" for holding in role.earlier)
    return truncate("\n".join(lines), SECTION_LIMIT)


def _earlier(holding: Holding) -> str:
    until = _when(holding.ended_at) if holding.ended_at else "now"
    return f"{mention(holding.user)}, from {_when(holding.assigned_at)} to {until}"


def _footnote(roles: tuple[RoleHistory, ...]) -> str:
    free = [escape(role.label) for role in roles if not (role.current or role.earlier)]
    hint = "Assign one with `/incident role @person <role>`."
    return f"Never assigned: {', '.join(free)}. {hint}" if free else hint


def _when(moment: datetime) -> str:
    return slack_date(moment, "{date_short_pretty} {time}")
