"""`/incident stats`: the KPIs of a period as one private message.

Pure functions from ``Kpis`` to Block Kit. Only aggregate figures appear: restricted
incidents are counted like any other, and no incident's title or reference is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from commands.blocks.elements import SECTION_LIMIT, plain_text, section_block
from commands.text import escape, truncate
from workflows.durations import format_span
from workflows.kpi_models import Attainment, Count, Kpis, SeverityAttainment, Timing
from workflows.periods import Period

Block = dict[str, Any]

HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
FIELD_LIMIT = 2000
MAX_VALUES = 10
"""Values listed per breakdown line (the rest are summed as "n others")."""
MAX_KINDS = 20


def stats_blocks(kpis: Kpis) -> list[Block]:
    """Header, scope, then one block per group of figures: nine blocks whatever the data."""
    return [
        {
            "type": "header",
            "text": plain_text(f"Incident stats · {kpis.period.label}", HEADER_LIMIT),
        },
        _context(f"{describe_period(kpis)} · {escape(describe_scope(kpis))}"),
        section_block(_declared(kpis)),
        _fields(
            [
                f"*Time to acknowledge*\n{timing_text(kpis.time_to_acknowledge)}",
                f"*Time to contain*\n{timing_text(kpis.time_to_contain)}",
                f"*Time to resolve*\n{timing_text(kpis.time_to_resolve)}",
            ]
        ),
        section_block(
            _severities("Acknowledge SLA", "incidents acknowledged in time", kpis.acknowledge_sla)
        ),
        section_block(
            _severities("Update SLA", "intervals between status updates", kpis.update_sla)
        ),
        _fields(
            [
                f"*Deadlines*\n{attainment_text(kpis.deadlines)}",
                f"*Follow-ups now*\n{kpis.followups.open:,} open · "
                f"{kpis.followups.overdue:,} overdue",
                f"*Reopened*\n{_reopens(kpis)}",
            ]
        ),
        section_block(_containment(kpis)),
        _context(
            "Declared in the period; SLAs, deadlines and reopens are of those incidents, "
            "as of now. Restricted incidents are counted; none is named. "
            "Definitions: README, section KPIs and /incident stats."
        ),
    ]


def stats_text(kpis: Kpis) -> str:
    """The notification text: the headline figures in one line."""
    ack = kpis.time_to_acknowledge
    median = (
        f"median time to acknowledge {_span(ack.p50_seconds)}" if ack.n else "none acknowledged"
    )
    return (
        f"Incident stats, {kpis.period.label}: {kpis.declared.total:,} declared, {median}, "
        f"deadlines {attainment_text(kpis.deadlines)}."
    )


def working_text(period: Period) -> str:
    """The immediate answer while the figures are counted (years of history take seconds)."""
    return f":hourglass_flowing_sand: Working on it: counting the incident stats ({period.label})…"


def describe_period(kpis: Kpis) -> str:
    return f"{_utc(kpis.period.start)} → {_utc(kpis.period.end)}"


def describe_scope(kpis: Kpis) -> str:
    """The narrowing as typed back to the reader, so a misread word is noticed."""
    parts = kpis.scope.as_typed()
    return ", ".join(parts) if parts else "all domains, sources and markets"


def timing_text(timing: Timing) -> str:
    if timing.n == 0:
        measured = "none yet"
    else:
        measured = (
            f"median {_span(timing.p50_seconds)} · p90 {_span(timing.p90_seconds)} "
            f"({timing.n:,} measured)"
        )
    return f"{measured}\n{timing.running:,} still running"


def attainment_text(result: Attainment) -> str:
    text = f"{result.met:,} met · {result.missed:,} missed"
    if result.rate is not None:
        text += f" ({result.rate:.0%} met)"
    if result.pending:
        text += f" · {result.pending:,} pending"
    return text


def counts_text(counts: Sequence[Count], limit: int = MAX_VALUES) -> str:
    """``SEV1 2 · SEV2 1``; past ``limit`` values the rest are summed (``3 others 7``)."""
    if not counts:
        return "—"
    shown = [f"{escape(c.label)} {c.count:,}" for c in counts[:limit]]
    rest = counts[limit:]
    if rest:
        shown.append(f"{len(rest)} others {sum(c.count for c in rest):,}")
    return " · ".join(shown)


def _declared(kpis: Kpis) -> str:
    declared = kpis.declared
    lines = [f"*Declared: {declared.total:,}*"]
    if declared.total:
        lines += [
            f"By severity: {counts_text(declared.by_severity)}",
            f"By domain: {counts_text(declared.by_domain)}",
            f"By source: {counts_text(declared.by_source)}",
            f"By market: {counts_text(declared.by_market)}",
        ]
    return "\n".join(lines)


def _severities(title: str, what: str, rows: Sequence[SeverityAttainment]) -> str:
    if not rows:
        return f"*{title}*\n_None with a target in this period._"
    lines = [f"*{title}* — {what}"]
    lines += [f"{escape(row.label)}: {attainment_text(row)}" for row in rows]
    return "\n".join(lines)


def _reopens(kpis: Kpis) -> str:
    reopens = kpis.reopens
    text = f"{reopens.reopened:,} of {reopens.resolved:,} resolved"
    return text + (f" ({reopens.rate:.0%})" if reopens.rate is not None else "")


def _containment(kpis: Kpis) -> str:
    if not kpis.containment:
        return "*Containment in the period*\n_No actions logged._"
    lines = ["*Containment in the period*"]
    for kind in kpis.containment[:MAX_KINDS]:
        actions = "action" if kind.actions == 1 else "actions"
        lines.append(f"{escape(kind.label)}: {kind.total:,} ({kind.actions:,} {actions})")
    hidden = len(kpis.containment) - MAX_KINDS
    if hidden > 0:
        lines.append(f"_…and {hidden} more kinds._")
    return truncate("\n".join(lines), SECTION_LIMIT)


def _fields(texts: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": truncate(t, FIELD_LIMIT)} for t in texts],
    }


def _context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, CONTEXT_LIMIT)}],
    }


def _span(seconds: float | None) -> str:
    return "—" if seconds is None else format_span(timedelta(seconds=seconds))


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
