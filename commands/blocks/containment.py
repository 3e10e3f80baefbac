"""Containment lines and totals, the "Mark contained" offer, follow-up DMs and listings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands import ids
from commands.blocks.elements import plain_text, section_block
from commands.blocks.reminders import late_note
from commands.text import channel_link, escape, mention, slack_date, truncate
from workflows.containment import ContainmentOverview
from workflows.durations import format_duration
from workflows.followups import ListedFollowUp
from workflows.lifecycle_policy import Kind
from workflows.snapshots import ContainmentLogged, FollowUpNotice, IncidentSnapshot

Block = dict[str, Any]

SECTION_LIMIT = 3000
MAX_LISTED = 40


def lower_label(label: str) -> str:
    """ "Listings removed" reads "listings removed" mid-sentence; "IPs blocked" stays."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _counted(count: int, label: str) -> str:
    return f"{count:,} {escape(lower_label(label))}"


# Containment


def containment_line(logged: ContainmentLogged) -> str:
    """``<@U1> logged 1,240 listings removed: spring sale sellers``."""
    line = f"{mention(logged.actor)} logged {_counted(logged.count, logged.kind_label)}"
    if logged.note:
        line += f": {escape(truncate(logged.note, 2000))}"
    return line


def contain_offer(incident: IncidentSnapshot, logged: ContainmentLogged) -> tuple[str, list[Block]]:
    """The first action's question: is the harm contained? One button says yes."""
    label = logged.offer_label or "contained"
    text = (
        f":shield: First containment action on {incident.reference}. "
        f"Has the harm stopped spreading? Mark the incident *{escape(label)}* "
        "to stop the time-to-contain clock."
    )
    button = {
        "type": "button",
        "action_id": ids.MARK_CONTAINED_BUTTON,
        "text": plain_text(f"Mark {lower_label(label)}"),
        "style": "primary",
        "value": str(incident.id),
    }
    blocks = [
        section_block(text),
        {"type": "actions", "block_id": f"contain{incident.id}", "elements": [button]},
    ]
    return text, blocks


def actions_text(overview: ContainmentOverview) -> str:
    """``/incident actions``: totals per kind, then the latest actions, newest first."""
    header = f"*Containment on {overview.reference}*"
    if not overview.totals:
        return (
            f"{header}\n_No containment actions yet._ "
            "Log one with `/incident action <kind> <count> [note]`."
        )
    totals = "\n".join(f"• {escape(label)}: *{count:,}*" for label, count in overview.totals)
    lines = [header, totals, f"*Latest {len(overview.recent)} of {overview.logged}*"]
    for action in overview.recent:
        when = slack_date(action.occurred_at, "{date_short} {time}")
        line = f"• {when} · {mention(action.actor)} · {_counted(action.count, action.kind_label)}"
        if action.note:
            line += f": {escape(truncate(action.note, 100))}"
        lines.append(line)
    return truncate("\n".join(lines), SECTION_LIMIT)


def kinds_text(kinds: tuple[Kind, ...]) -> str:
    return ", ".join(f"`{kind.key}` ({escape(kind.label)})" for kind in kinds)


# Follow-ups


def _due(due_at: datetime | None, now: datetime | None = None) -> str:
    if due_at is None:
        return "no due date"
    text = f"due {slack_date(due_at)}"
    if now is not None and due_at <= now:
        text += " :warning: *overdue*"
    return text


def followup_line(notice: FollowUpNotice) -> str:
    """The incident channel's line about a new follow-up."""
    owner = f"owner {mention(notice.owner)}" if notice.owner else "no owner"
    return (
        f":clipboard: {mention(notice.created_by)} added follow-up #{notice.followup_id}: "
        f"*{escape(truncate(notice.title, 300))}* ({owner}, {_due(notice.due_at)})"
    )


def followup_dm_text(notice: FollowUpNotice, *, details: bool = True) -> str:
    """The DM; without ``details`` (a restricted incident, a reader outside its channel)
    only the numbers, not what it is or who is on it."""
    if not details:
        what = "was given to you" if notice.kind == "assigned" else "is due"
        return (
            f":lock: Follow-up #{notice.followup_id} on {notice.incident_reference} {what}. "
            "The incident is restricted and you are not in its channel, so its details are not "
            "shown here: ask its members to invite you."
        )
    where = channel_link(notice.incident_channel_id, notice.incident_reference)
    title = escape(truncate(notice.title, 300))
    if notice.kind == "assigned":
        return (
            f":clipboard: {mention(notice.created_by)} gave you follow-up #{notice.followup_id} "
            f"on {notice.incident_reference} ({where}): *{title}*. It is {_due(notice.due_at)}."
        )
    text = (
        f":alarm_clock: Follow-up #{notice.followup_id} on {notice.incident_reference} "
        f"is due: *{title}*"
    )
    if notice.owner is None:
        text += (
            f"\nIt has no owner, so it comes to you as the person responsible for "
            f"{notice.incident_reference}."
        )
    if notice.late_by is not None:
        text += "\n" + late_note(notice.late_by)
    return text


def followup_dm_blocks(notice: FollowUpNotice, *, details: bool = True) -> list[Block]:
    buttons: list[Block] = [
        {
            "type": "button",
            "action_id": ids.FOLLOWUP_DONE_BUTTON,
            "text": plain_text("Done"),
            "style": "primary",
            "value": str(notice.followup_id),
        }
    ]
    if notice.snooze is not None:
        buttons.append(
            {
                "type": "button",
                "action_id": ids.FOLLOWUP_SNOOZE_BUTTON,
                "text": plain_text(f"Snooze {format_duration(notice.snooze)}"),
                "value": str(notice.followup_id),
            }
        )
    return [
        section_block(followup_dm_text(notice, details=details)),
        {"type": "actions", "block_id": f"followup{notice.followup_id}", "elements": buttons},
    ]


def followups_text(found: list[ListedFollowUp], total: int, now: datetime) -> str:
    """``/incident followups``: every open follow-up, soonest due first, in one section."""
    if not found:
        return "*Open follow-ups*\n_None: every follow-up is done._"
    header = f"*Open follow-ups ({total})*"
    footer = "Done with one? `/incident followup done <number>`."
    budget = SECTION_LIMIT - len(header) - len(footer) - 60  # room for the "more" line
    lines: list[str] = []
    for item in found[:MAX_LISTED]:
        if item.title is None:  # restricted: neither what it is nor who has it
            line = f"• #{item.id} · :lock: {item.incident_reference} (restricted)"
        else:
            what = f"{item.incident_reference} *{escape(truncate(item.title, 120))}*"
            owner = f"owner {mention(item.owner)}" if item.owner else "no owner"
            line = f"• #{item.id} · {what} · {owner}"
        line += f" · {_due(item.due_at, now)}"
        if sum(len(kept) + 1 for kept in lines) + len(line) > budget:
            break
        lines.append(line)
    if total > len(lines):
        lines.append(f"_…and {total - len(lines)} more._")
    return "\n".join([header, *lines, footer])
