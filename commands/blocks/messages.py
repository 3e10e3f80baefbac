"""Ephemeral answers: usage, errors, the timeline."""

from __future__ import annotations

from typing import Any

from commands.blocks.elements import section_block
from commands.text import escape, mention, slack_date, truncate
from workflows.snapshots import TimelineEntry

USAGE = "\n".join(
    [
        "*Firebreak* — `/incident` commands:",
        "• `/incident declare <title>` — declare an incident and open its channel.",
        "   Options: `--sev <SEV1…>`, `--domain <domain>`, `--private`; for an escalation "
        "`--source <regulator…>`, `--ref <their reference>`, `--market <DE…>`, "
        "`--due <deadline>`. "
        "Example: `/incident declare --sev 2 --source regulator --ref DSA-2026-117 "
        "--market DE --due 2026-12-01T17:00 Counterfeit toys listed in DE`",
        "• `/incident declare` — open the declare form (title, description, domain, severity, "
        "restricted).",
        "In an incident channel:",
        "• `/incident note <text>` — add a note to the timeline.",
        "• `/incident update [text]` — post a status update (without text: the update form).",
        "• `/incident deadline <when>` — set an external deadline (e.g. a regulator's), "
        "in your time zone: `2026-12-01 17:00`, or `+3d`.",
        "• `/incident status` — show the incident's card.",
        "• `/incident timeline` — show the timeline so far.",
        "• `/incident role @user <role>` — assign a role; `/incident roles` lists who holds which.",
        "• `/incident action <kind> <count> [note]` — log a containment action "
        "(e.g. `listing_removed 1240`).",
        "• `/incident followup <title> [@owner] [due date]` — a follow-up.",
        "• `/incident resolve` — resolve with a summary and root cause; `/incident reopen`; "
        "`/incident close` archives the channel.",
        "• `/incident report` — the incident report, as a Markdown file.",
        "Anywhere:",
        "• `/incident list [open|all|mine|owned|sev1|<domain>|<source>|<market>]` — "
        "find incidents.",
        "• `/incident stats [7d|30d|quarter] [domain] [source] [market]` — the team's KPIs.",
        "• `/incident chart [12w] [severity|domain] [domain] [market]` — incidents per week "
        "and time to resolve, as a chart here.",
        "• `/incident export <incidents|timeline|actions|followups> [since] [excel]` — "
        "a CSV file here.",
        "• `/incident followups` — open follow-ups; `/incident followup done <n>` completes one.",
        "• `/incident help` — this text.",
    ]
)

# A section holds 3000 characters; stay a little under for the "earlier" line.
_TIMELINE_BUDGET = 2800


def usage(problem: str | None = None) -> str:
    return f":warning: {problem}\n\n{USAGE}" if problem else USAGE


def timeline_text(reference: str, entries: list[TimelineEntry]) -> str:
    """The newest events that fit one message section, oldest first."""
    header = f"*Timeline of {reference}*"
    lines: list[str] = []
    used = len(header)
    for entry in reversed(entries):
        line = _timeline_line(entry)
        if used + len(line) + 1 > _TIMELINE_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    lines.reverse()
    hidden = len(entries) - len(lines)
    if hidden:
        lines.insert(0, f"_{hidden} earlier event(s) not shown_")
    return "\n".join([header, *lines])


def _timeline_line(entry: TimelineEntry) -> str:
    when = slack_date(entry.occurred_at, "{date_short} {time}")
    who = mention(entry.actor) if entry.actor else "Firebreak"
    if entry.kind == "owner_changed":
        what = f"made {mention(str(entry.data.get('after')))} the owner"
    elif entry.kind == "note":
        what = f"noted: {escape(truncate(entry.text, 500))}"
    else:
        what = escape(truncate(entry.text, 500))
    return f"• {when} · {who} {what}"


def section(text: str) -> list[dict[str, Any]]:
    """A message made of one section."""
    return [section_block(text)]
