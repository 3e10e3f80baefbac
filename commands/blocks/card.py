"""The incident's summary card, its topic, and the lines posted about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands import ids
from commands.blocks.elements import option, plain_text
from commands.text import channel_link, escape, link, mention, slack_date, truncate
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot, StateChange, TimelineEntry

Block = dict[str, Any]

MAX_TOPIC = 250


def severity_option(policy: Policy, key: str) -> dict[str, Any]:
    severity = policy.severity(key)
    return option(severity.key, severity.label, severity.description)


def card_blocks(incident: IncidentSnapshot, policy: Policy) -> list[Block]:
    """Reference, title, facts and the controls that change them."""
    blocks: list[Block] = [
        {
            "type": "header",
            "block_id": ids.card_block_id(incident.id, "header"),
            "text": plain_text(f"{incident.reference} · {incident.title}", 150),
        },
        {
            "type": "section",
            "block_id": ids.card_block_id(incident.id, "facts"),
            "fields": [
                {"type": "mrkdwn", "text": f"*Severity*\n{_severity_text(incident)}"},
                {"type": "mrkdwn", "text": f"*Status*\n{escape(incident.status_label)}"},
                {"type": "mrkdwn", "text": f"*Domain*\n{escape(incident.domain_label)}"},
                {"type": "mrkdwn", "text": f"*Owner*\n{mention(incident.owner)}"},
                {"type": "mrkdwn", "text": f"*Declared by*\n{mention(incident.declared_by)}"},
                {"type": "mrkdwn", "text": f"*Declared*\n{slack_date(incident.declared_at)}"},
                *_response_fields(incident),
            ],
        },
    ]
    if incident.description:
        blocks.append(
            {
                "type": "section",
                "block_id": ids.card_block_id(incident.id, "description"),
                "text": {"type": "mrkdwn", "text": truncate(escape(incident.description), 3000)},
            }
        )
    if incident.source_label or incident.external_ref or incident.market:
        blocks.append(_intake(incident))
    if incident.roles or incident.containment:
        blocks.append(_people_and_actions(incident))
    if incident.similar:
        blocks.append(_similar(incident))
    if incident.restricted:
        blocks.append(
            {
                "type": "context",
                "block_id": ids.card_block_id(incident.id, "restricted"),
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": ":lock: Restricted incident: details stay in this private channel.",
                    }
                ],
            }
        )
    blocks.append(_controls(incident, policy))
    blocks.append(_status_buttons(incident, policy))
    blocks.append(
        {
            "type": "context",
            "block_id": ids.card_block_id(incident.id, "updated"),
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Last change {slack_date(incident.updated_at)}"
                    " · `/incident help` for commands",
                }
            ],
        }
    )
    return blocks


def _intake(incident: IncidentSnapshot) -> Block:
    """Where the escalation came from, their reference and the market it concerns."""
    fields = []
    if incident.source_label:
        fields.append(f"*Escalated by*\n{escape(incident.source_label)}")
    if incident.external_ref:
        reference = escape(incident.external_ref).replace("`", "'")
        fields.append(f"*Their reference*\n`{reference}`")
    if incident.market:
        fields.append(f"*Market*\n{escape(incident.market)}")
    return {
        "type": "section",
        "block_id": ids.card_block_id(incident.id, "intake"),
        "fields": [{"type": "mrkdwn", "text": text} for text in fields],
    }


def _similar(incident: IncidentSnapshot) -> Block:
    """Past incidents like this one: responders see what was found and done before."""
    lines = ["*Similar past incidents*"]
    for past in incident.similar:
        title = escape(truncate(past.title, 80))
        where = channel_link(past.channel_id, past.reference)
        facts = [f"root cause: {escape(past.root_cause)}" if past.root_cause else "no root cause"]
        if past.report_link:
            facts.append(link(past.report_link, "report"))
        lines.append(f"• {where} *{past.reference}* {title} — {' · '.join(facts)}")
        if past.why:
            lines.append(f"    _{escape(past.why)}_")
    return {
        "type": "section",
        "block_id": ids.card_block_id(incident.id, "similar"),
        "text": {"type": "mrkdwn", "text": truncate("\n".join(lines), 3000)},
    }


def _people_and_actions(incident: IncidentSnapshot) -> Block:
    """Who holds which role, and the running containment totals."""
    fields = []
    if incident.roles:
        lines = [f"{escape(label)}: {mention(user)}" for label, user in incident.roles]
        fields.append({"type": "mrkdwn", "text": truncate("*Roles*\n" + "\n".join(lines), 2000)})
    if incident.containment:
        lines = [f"{escape(label)}: *{count:,}*" for label, count in incident.containment]
        fields.append(
            {"type": "mrkdwn", "text": truncate("*Containment*\n" + "\n".join(lines), 2000)}
        )
    return {
        "type": "section",
        "block_id": ids.card_block_id(incident.id, "people"),
        "fields": fields,
    }


def _response_fields(incident: IncidentSnapshot) -> list[dict[str, str]]:
    """Acknowledgement, who was paged and the external deadline, when there are any."""
    fields = []
    if incident.acknowledged_at and incident.acknowledged_by:
        when = slack_date(incident.acknowledged_at)
        fields.append(f"*Acknowledged*\n{mention(incident.acknowledged_by)}, {when}")
    else:
        fields.append("*Acknowledged*\n_not yet_")
    if incident.oncall_paged:
        rotation = escape(incident.oncall_rotation or "on-call")
        fields.append(f"*On call paged*\n{mention(incident.oncall_paged)} ({rotation})")
    if incident.due_at:
        fields.append(f"*External deadline*\n{slack_date(incident.due_at)}")
    return [{"type": "mrkdwn", "text": text} for text in fields]


def _severity_text(incident: IncidentSnapshot) -> str:
    label = f"*{escape(incident.severity_label)}*"
    if incident.severity_description:
        return f"{label} — {escape(incident.severity_description)}"
    return label


def _controls(incident: IncidentSnapshot, policy: Policy) -> Block:
    severity_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.SEVERITY_SELECT,
        "placeholder": plain_text("Set severity"),
        "options": [option(s.key, s.label, s.description) for s in policy.severities],
    }
    if incident.severity in {s.key for s in policy.severities}:
        severity_select["initial_option"] = severity_option(policy, incident.severity)
    owner_select: dict[str, Any] = {
        "type": "users_select",
        "action_id": ids.OWNER_SELECT,
        "placeholder": plain_text("Assign owner"),
    }
    if incident.owner:
        owner_select["initial_user"] = incident.owner
    return {
        "type": "actions",
        "block_id": ids.card_block_id(incident.id, "controls"),
        "elements": [severity_select, owner_select],
    }


def _status_buttons(incident: IncidentSnapshot, policy: Policy) -> Block:
    """One button per lifecycle step except the current one; closing is its own flow.

    The resolving step's button opens the resolve form (summary, root cause…) instead of
    changing the status at once.
    """
    steps = [s for s in policy.statuses if s.stamps != "closed"]
    keys = [s.key for s in steps]
    following = keys.index(incident.status) + 1 if incident.status in keys else 0
    elements: list[dict[str, Any]] = []
    for position, step in enumerate(steps):
        if step.key == incident.status:
            continue
        action_id = (
            ids.RESOLVE_BUTTON if step.stamps == "resolved" else f"{ids.STATUS_BUTTON}.{step.key}"
        )
        button: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": plain_text(step.label),
            "value": step.key,
        }
        if position == following:
            button["style"] = "primary"
        elements.append(button)
    if incident.acknowledged_at is None:
        elements.insert(
            0,
            {
                "type": "button",
                "action_id": ids.ACKNOWLEDGE_BUTTON,
                "text": plain_text("Acknowledge"),
                "style": "danger",
                "value": "acknowledge",
            },
        )
    elements.append(
        {
            "type": "button",
            "action_id": ids.ADD_NOTE_BUTTON,
            "text": plain_text("Add note"),
            "value": "note",
        }
    )
    elements.append(
        {
            "type": "button",
            "action_id": ids.ASSIGN_ROLE_BUTTON,
            "text": plain_text("Assign role"),
            "value": "role",
        }
    )
    return {
        "type": "actions",
        "block_id": ids.card_block_id(incident.id, "status"),
        "elements": elements[:25],
    }


def card_fallback_text(incident: IncidentSnapshot) -> str:
    """Notification text for the card, shown where blocks are not."""
    state = f"{incident.severity_label} · {incident.status_label}"
    return escape(f"{incident.reference} · {state}: {incident.title}")


def topic_text(incident: IncidentSnapshot) -> str:
    owner = f"Owner <@{incident.owner}>" if incident.owner else "No owner yet"
    labels = escape(f"{incident.severity_label} · {incident.status_label}")
    topic = f"{incident.reference} · {labels} · {owner}"
    return truncate(topic, MAX_TOPIC)


def announcement(incident: IncidentSnapshot) -> tuple[str, list[Block]]:
    """One line for the broadcast channel; a restricted incident shows no details."""
    if incident.restricted:
        text = (
            f":lock: A restricted incident, {incident.reference}, was declared. "
            "Details are shared with its members only."
        )
    else:
        text = (
            f":rotating_light: {incident.reference} declared "
            f"({escape(incident.severity_label)}, {escape(incident.domain_label)}): "
            f"*{escape(truncate(incident.title, 150))}* in "
            f"{channel_link(incident.channel_id, '#' + (incident.channel_name or ''))} "
            f"by {mention(incident.declared_by)}"
        )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def confirmation(incident: IncidentSnapshot) -> str:
    where = channel_link(incident.channel_id, f"#{incident.channel_name}")
    return f":white_check_mark: {incident.reference} declared. Join the response in {where}."


def change_line(change: StateChange) -> str:
    who = mention(change.actor)
    if change.field == "owner":
        return f"{who} made {mention(change.after)} the owner."
    if change.field == "acknowledged":
        return f":white_check_mark: {who} acknowledged the incident."
    if change.field == "deadline":
        due = datetime.fromisoformat(change.after)
        return f":hourglass: {who} set the external deadline to {slack_date(due)}."
    return (
        f"{who} changed {change.field} from *{escape(change.before_label or '—')}* "
        f"to *{escape(change.after_label)}*."
    )


def note_line(entry: TimelineEntry) -> str:
    return f":memo: Note from {mention(entry.actor)}: {escape(truncate(entry.text, 2900))}"
