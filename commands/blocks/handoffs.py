"""Weekend handoff and handback digests, and the "I have the pager" request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commands import ids
from commands.blocks.elements import plain_text, section_block
from commands.text import channel_link, escape, mention, slack_date, truncate
from workflows.durations import format_span
from workflows.snapshots import HandbackDigest, HandoffDigest, OpenIncident

Block = dict[str, Any]
MAX_LISTED = 40  # lines of incidents; a digest stays well inside one message


def _late(late_by: timedelta | None) -> str:
    if late_by is None:
        return ""
    return f"\n_(Posted {format_span(late_by)} late: Firebreak was not running at handoff time.)_"


def incident_line(incident: OpenIncident) -> str:
    state = f"{escape(incident.severity_label)} · {escape(incident.status_label)}"
    if incident.title is None:  # restricted: no title, people or times
        return f"• :lock: {incident.reference} (restricted) · {state}"
    where = channel_link(incident.channel_id, incident.reference)
    parts = [
        f"{where} *{escape(truncate(incident.title, 80))}*",
        state,
        f"owner {mention(incident.owner)}",
    ]
    if incident.last_update_at:
        parts.append(f"last update {slack_date(incident.last_update_at)}")
    if incident.due_at:
        parts.append(f":hourglass: deadline {slack_date(incident.due_at)}")
    if incident.next_reminder_at:
        parts.append(f"next reminder {slack_date(incident.next_reminder_at)}")
    return "• " + " · ".join(parts)


def _incident_list(incidents: tuple[OpenIncident, ...]) -> str:
    if not incidents:
        return "_No open incidents._"
    lines = [incident_line(i) for i in incidents[:MAX_LISTED]]
    if len(incidents) > MAX_LISTED:
        lines.append(f"_…and {len(incidents) - MAX_LISTED} more._")
    return truncate("\n".join(lines), 3000)


def handoff_text(digest: HandoffDigest) -> str:
    return (
        f":handshake: *Weekend handoff for {escape(digest.rotation)}*: "
        f"{mention(digest.incoming)} has the pager from {slack_date(digest.starts_at)} "
        f"to {slack_date(digest.ends_at)}; backup {mention(digest.backup)}."
        f"{_late(digest.late_by)}"
    )


def handoff_blocks(digest: HandoffDigest) -> list[Block]:
    count = len(digest.open_incidents)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": handoff_text(digest)}},
        {"type": "header", "text": plain_text(f"Open incidents ({count})", 150)},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _incident_list(digest.open_incidents)},
        },
    ]


def pager_request(digest: HandoffDigest) -> tuple[str, list[Block]]:
    """The DM to the incoming on-call, with the button that stops the backup being paged."""
    count = len(digest.open_incidents)
    text = (
        f":pager: You are on call for *{escape(digest.rotation)}* this weekend, "
        f"{slack_date(digest.starts_at)} to {slack_date(digest.ends_at)}. "
        f"{count} incident(s) are open. Please confirm you have the pager."
    )
    return text, [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": f"handoff{digest.handoff_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.HANDOFF_ACKNOWLEDGE,
                    "text": plain_text("I have the pager"),
                    "style": "primary",
                    "value": str(digest.handoff_id),
                }
            ],
        },
    ]


def backup_page_text(rotation: str, incoming: str | None, backup: str) -> str:
    return (
        f":rotating_light: {mention(backup)}: nobody confirmed the *{escape(rotation)}* pager "
        f"(incoming {mention(incoming)}). You are the backup; please take it."
    )


def handback_text(digest: HandbackDigest) -> str:
    declared = ", ".join(f"INC-{n}" for n in digest.declared) or "none"
    resolved = ", ".join(f"INC-{n}" for n in digest.resolved) or "none"
    return (
        f":sunrise: *Weekend handback for {escape(digest.rotation)}* "
        f"({slack_date(digest.starts_at)} to {slack_date(digest.ends_at)})\n"
        f"Declared: {declared}\nResolved: {resolved}\nEscalations: {digest.escalations}"
        f"{_late(digest.late_by)}"
    )


def handback_blocks(digest: HandbackDigest) -> list[Block]:
    count = len(digest.still_open)
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(handback_text(digest), 3000)},
        },
        {"type": "header", "text": plain_text(f"Still open ({count})", 150)},
        section_block(_incident_list(digest.still_open)),
    ]
