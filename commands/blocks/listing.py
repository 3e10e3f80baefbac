"""Lists of incidents (for `/incident list` and the App Home tab)."""

from __future__ import annotations

from typing import Any

from commands.text import channel_link, escape, mention, slack_date, truncate
from workflows.listing import ListedIncident

Block = dict[str, Any]


def incident_line(incident: ListedIncident) -> str:
    lock = ":lock: " if incident.restricted else ""
    where = channel_link(incident.channel_id, incident.reference)
    state = f"{escape(incident.severity_label)} · {escape(incident.status_label)}"
    return (
        f"{lock}{where} *{incident.reference}* {state} · {escape(incident.domain_label)} · "
        f"owner {mention(incident.owner)} · {slack_date(incident.declared_at, '{date_short}')}\n"
        f"      {escape(truncate(incident.title, 120))}"
    )


def incident_list_text(heading: str, incidents: list[ListedIncident]) -> str:
    if not incidents:
        return f"*{heading}*\n_None._"
    lines = [f"*{heading}*"]
    for incident in incidents:
        line = incident_line(incident)
        if sum(len(x) + 1 for x in lines) + len(line) > 2900:
            lines.append(f"_…and {len(incidents) - len(lines) + 1} more._")
            break
        lines.append(line)
    return "\n".join(lines)
