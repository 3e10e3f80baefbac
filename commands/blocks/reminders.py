"""Reminder and escalation messages, the on-call page line, and status updates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commands import ids
from commands.blocks.elements import plain_text
from commands.text import escape, mention, slack_date, truncate
from workflows.durations import format_duration, format_span
from workflows.escalation_policy import Step
from workflows.snapshots import IncidentSnapshot, ReminderNotice, TimelineEntry

Block = dict[str, Any]


def reminder_text(notice: ReminderNotice) -> str:
    """The one-paragraph message; the mentions at its start are what page people."""
    incident = notice.incident
    who = " ".join(
        [*(mention(u) for u in notice.ping), *(f"<!subteam^{g}>" for g in notice.ping_groups)]
    )
    ref = f"*{incident.reference}* ({escape(incident.severity_label)})"
    if notice.kind == "acknowledge":
        lead = {
            Step.backup: ":rotating_light: Escalating to the on-call backup:",
            Step.manager: ":rotating_light: Escalating to the manager:",
        }.get(notice.step or Step.repage, ":alarm_clock: Still unacknowledged:")
        text = (
            f"{lead} {who} — {ref} has waited {format_span(notice.waited)} for an acknowledgement."
        )
    elif notice.kind == "status_update":
        text = (
            f":memo: {who} — time for a status update on {ref}: "
            f"none for {format_span(notice.waited)}. "
            "Post one with `/incident update <what changed>`."
        )
    elif notice.kind == "deadline":
        assert notice.deadline is not None
        text = f":hourglass: {who} — {ref}'s external deadline is {slack_date(notice.deadline)}."
    else:
        assert notice.deadline is not None
        text = (
            f":red_circle: {who} — {ref} missed its external deadline "
            f"({slack_date(notice.deadline)})."
        )
    if notice.late_by is not None:
        text += " " + late_note(notice.late_by)
    return text


def late_note(late_by: timedelta) -> str:
    """Said on anything sent after its time because the bot was down."""
    return f"_(Sent {format_span(late_by)} late: Firebreak was not running when it was due.)_"


def reminder_blocks(notice: ReminderNotice) -> list[Block]:
    text = reminder_text(notice)
    buttons: list[dict[str, Any]] = []
    if notice.kind == "acknowledge" or notice.incident.owner is None:
        buttons.append(
            {
                "type": "button",
                "action_id": ids.REMINDER_ACKNOWLEDGE,
                "text": plain_text("Acknowledge"),
                "style": "primary",
                "value": str(notice.incident.id),
            }
        )
    for snooze in notice.snooze:
        label = format_duration(snooze)
        buttons.append(
            {
                "type": "button",
                "action_id": f"{ids.REMINDER_SNOOZE}.{label}",
                "text": plain_text(f"Snooze {label}"),
                "value": f"{notice.reminder_id}:{label}",
            }
        )
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}},
        {"type": "actions", "block_id": f"reminder{notice.reminder_id}", "elements": buttons},
    ]


def page_line(user_id: str, rotation: str) -> str:
    return f":pager: Paging {mention(user_id)}, on call for *{escape(rotation)}*."


def status_update_text(incident: IncidentSnapshot, entry: TimelineEntry) -> str:
    return (
        f":information_source: *Status update on {incident.reference}* "
        f"({escape(incident.severity_label)}, {escape(incident.status_label)}) "
        f"from {mention(entry.actor)}:\n{escape(truncate(entry.text, 2800))}"
    )


def answered_reminder(message: dict[str, Any], outcome: str) -> dict[str, Any]:
    """The reminder message with its buttons replaced by who answered it and how."""
    kept = [b for b in message.get("blocks", []) if b.get("type") != "actions"]
    blocks = [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": outcome}]}]
    return {
        "text": message.get("text") or outcome,
        "blocks": blocks,
        "replace_original": True,
    }
