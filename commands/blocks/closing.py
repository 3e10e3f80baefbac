"""Resolving and closing: the resolve form and the lines posted about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands import ids
from commands.blocks.elements import input_block, modal, option, plain_text
from commands.text import channel_link, escape, mention, slack_date, truncate
from workflows import closing
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot, TimelineEntry

View = dict[str, Any]

# Slack's limit for any plain_text_input; longer follow-ups go through /incident followup.
MAX_FOLLOWUPS_TEXT = 3000


def resolve_modal(incident: IncidentSnapshot, policy: Policy, *, summary: str = "") -> View:
    """The resolve form: summary, root-cause category, impact and follow-ups."""
    summary_input: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": closing.MAX_SUMMARY,
        "placeholder": plain_text("What stopped the harm, and how do we know it is over?", 150),
    }
    if summary:
        summary_input["initial_value"] = summary[: closing.MAX_SUMMARY]
    metadata = {"incident_id": incident.id, "channel": incident.channel_id}
    return modal(
        ids.RESOLVE_MODAL,
        f"Resolve {incident.reference}",
        "Resolve",
        metadata=metadata,
        blocks=[
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(
                        f"*{incident.reference}* · {escape(incident.title)}\n"
                        "Resolving stops its reminders and tells the broadcast channel.",
                        3000,
                    ),
                },
            },
            input_block(closing.SUMMARY_FIELD, "Resolution summary", summary_input),
            input_block(
                closing.ROOT_CAUSE_FIELD,
                "Root cause",
                {
                    "type": "static_select",
                    "placeholder": plain_text("Choose a category"),
                    "options": [
                        option(kind.key, kind.label, kind.description)
                        for kind in policy.lifecycle.root_causes
                    ],
                },
            ),
            input_block(
                closing.IMPACT_FIELD,
                "Impact",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "max_length": closing.MAX_IMPACT,
                    "placeholder": plain_text("Who or what was affected, and how much", 150),
                },
                optional=True,
            ),
            input_block(
                closing.FOLLOWUPS_FIELD,
                "Follow-ups",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "max_length": MAX_FOLLOWUPS_TEXT,
                    "placeholder": plain_text("One per line", 150),
                },
                optional=True,
                hint="One follow-up per line. Give them owners and due dates later with "
                "/incident followup.",
            ),
        ],
    )


def resolution_line(incident: IncidentSnapshot, entry: TimelineEntry) -> str:
    """What the incident channel is told when the incident is resolved."""
    impact = entry.data.get("impact")
    count = int(entry.data.get("followups") or 0)
    followups = f"{count} recorded; `/incident followups` lists them" if count else "none recorded"
    lines = [
        f":white_check_mark: *{incident.reference} resolved* by {mention(entry.actor)}.",
        f"*Summary:* {escape(truncate(entry.text, 1200))}",
        f"*Root cause:* {escape(str(entry.data.get('root_cause_label', '')))}",
        f"*Impact:* {escape(truncate(str(impact), 1200)) if impact else '_not recorded_'}",
        f"*Follow-ups:* {followups}",
        "`/incident close` posts the report and archives this channel; "
        "`/incident reopen` if it comes back.",
    ]
    return "\n".join(lines)


def resolution_broadcast(incident: IncidentSnapshot, entry: TimelineEntry) -> str:
    """The broadcast channel's line; a restricted incident shows no details at all."""
    if incident.restricted:
        return f":lock: {incident.reference} (restricted) was resolved."
    where = channel_link(incident.channel_id, "#" + (incident.channel_name or ""))
    return (
        f":white_check_mark: {incident.reference} resolved "
        f"({escape(incident.severity_label)}, {escape(incident.domain_label)}): "
        f"*{escape(truncate(incident.title, 150))}* in {where}.\n"
        f"Root cause: {escape(str(entry.data.get('root_cause_label', '')))}. "
        f"{escape(truncate(entry.text, 500))}"
    )


def close_scheduled_line(incident: IncidentSnapshot, entry: TimelineEntry) -> str:
    archive_at = datetime.fromisoformat(str(entry.data["archive_at"]))
    return (
        f":file_cabinet: {mention(entry.actor)} closed {incident.reference}. "
        f"This channel will be archived {slack_date(archive_at)}; the report is posted first. "
        "`/incident reopen` cancels that."
    )


def closed_line(incident: IncidentSnapshot) -> str:
    return (
        f":file_cabinet: {incident.reference} is closed and this channel is archived now. "
        "The incident report is above."
    )


def report_comment(title: str) -> str:
    return f":page_facing_up: {escape(title)}"


def reopened_reply(incident: IncidentSnapshot, channel_archived: bool) -> str:
    """The reopener's private answer; an archived channel needs a person to unarchive it."""
    text = f":arrows_counterclockwise: {incident.reference} is reopened ({incident.status_label})."
    if channel_archived:
        text += (
            f" Its channel {channel_link(incident.channel_id, '#' + (incident.channel_name or ''))}"
            " is archived: unarchive it in Slack (channel details → Settings) to work there again."
        )
    return text
