"""The weekly digest message: this week beside last week, then what needs attention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from commands.blocks.elements import plain_text, section_block
from commands.text import channel_link, escape, mention, slack_date, truncate
from workflows.digest_data import MostContained, Overdue, OverdueFollowUp, WeeklyDigest
from workflows.durations import format_span
from workflows.kpi_models import Attainment, Kpis, Timing

Block = dict[str, Any]
T = TypeVar("T")
NOT_MEASURED = "n/a"


def digest_text(digest: WeeklyDigest) -> str:
    """The notification text (and what a client without blocks shows)."""
    week = digest.week
    return (
        f"Weekly incident digest: {week.declared.total} declared, "
        f"{digest.past_sla_total} open past their SLA, "
        f"{digest.overdue_followups_total} follow-ups overdue."
    )


def digest_blocks(digest: WeeklyDigest) -> list[Block]:
    week, previous = digest.week, digest.previous
    start = slack_date(week.period.start, "{date_short}")
    end = slack_date(week.period.end, "{date_short}")
    blocks: list[Block] = [
        {"type": "header", "text": plain_text("Weekly incident digest", 150)},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"The seven days from {start} to {end}"}],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*This week* (last week in brackets)"},
            "fields": [{"type": "mrkdwn", "text": text} for text in _figures(week, previous)],
        },
    ]
    kinds = week.containment
    if kinds:
        lines = [
            f"{escape(k.label)}: *{k.total:,}* ({k.actions:,} actions)" for k in week.containment
        ]
        blocks.append(section_block("*Containment this week*\n" + "\n".join(lines)))
    blocks.append(
        _listing(
            "Open incidents past their SLA",
            digest.past_sla,
            digest.past_sla_total,
            _overdue_line,
            "None: every open incident is acknowledged, updated and inside its deadline.",
        )
    )
    blocks.append(
        _listing(
            "Overdue follow-ups",
            digest.overdue_followups,
            digest.overdue_followups_total,
            _followup_line,
            "None.",
        )
    )
    if digest.most_contained:
        lines = [_contained_line(item) for item in digest.most_contained]
        blocks.append(section_block("*Most containment this week*\n" + "\n".join(lines)))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Figures are defined in Firebreak's README (KPIs). "
                    "`/incident stats 7d` breaks them down; the chart follows.",
                }
            ],
        }
    )
    return blocks


def _figures(week: Kpis, previous: Kpis) -> list[str]:
    """Ten fields at most (Block Kit's limit for one section)."""
    return [
        f"*Declared*\n{week.declared.total} ({previous.declared.total})",
        f"*Median to acknowledge*\n{_median(week.time_to_acknowledge)} "
        f"({_median(previous.time_to_acknowledge)})",
        f"*Median to contain*\n{_median(week.time_to_contain)} "
        f"({_median(previous.time_to_contain)})",
        f"*Median to resolve*\n{_median(week.time_to_resolve)} "
        f"({_median(previous.time_to_resolve)})",
        f"*Acknowledged in time*\n{_rate(_total(week.acknowledge_sla))} "
        f"({_rate(_total(previous.acknowledge_sla))})",
        f"*Updates on time*\n{_rate(_total(week.update_sla))} "
        f"({_rate(_total(previous.update_sla))})",
        f"*Deadlines missed*\n{week.deadlines.missed} ({previous.deadlines.missed})",
        f"*Reopened*\n{week.reopens.reopened} ({previous.reopens.reopened})",
    ]


def _median(timing: Timing) -> str:
    if timing.p50_seconds is None:
        return NOT_MEASURED
    return format_span(timedelta(seconds=timing.p50_seconds))


def _total(per_severity: tuple[Attainment, ...]) -> Attainment:
    return Attainment(
        met=sum(item.met for item in per_severity),
        missed=sum(item.missed for item in per_severity),
        pending=sum(item.pending for item in per_severity),
    )


def _rate(attainment: Attainment) -> str:
    if attainment.rate is None:
        return NOT_MEASURED
    decided = attainment.met + attainment.missed
    return f"{attainment.rate:.0%} of {decided}"


def _listing(
    heading: str, items: tuple[T, ...], total: int, line: Callable[[T], str], empty: str
) -> Block:
    if not items:
        return section_block(f"*{heading}*\n{empty}")
    lines = [line(item) for item in items]
    if total > len(items):
        lines.append(f"_…and {total - len(items)} more._")
    return section_block(truncate(f"*{heading}* ({total})\n" + "\n".join(lines), 3000))


def _named(incident_id: int, title: str | None, channel_id: str | None) -> str:
    reference = f"INC-{incident_id}"
    if title is None:
        return f":lock: {reference} (restricted)"
    return f"{channel_link(channel_id, reference)} *{escape(truncate(title, 70))}*"


def _overdue_line(item: Overdue) -> str:
    return (
        f"• {_named(item.incident_id, item.title, item.channel_id)} "
        f"{escape(item.severity_label)} · {', '.join(item.reasons)} · "
        f"since {slack_date(item.since)}"
    )


def _followup_line(item: OverdueFollowUp) -> str:
    if item.title is None:  # restricted: neither what it is nor who has it
        return (
            f"• #{item.id} (restricted incident) · INC-{item.incident_id} · "
            f"due {slack_date(item.due_at)}"
        )
    return (
        f"• #{item.id} {escape(truncate(item.title, 70))} · INC-{item.incident_id} · "
        f"{mention(item.owner)} · due {slack_date(item.due_at)}"
    )


def _contained_line(item: MostContained) -> str:
    return (
        f"• {_named(item.incident_id, item.title, item.channel_id)} "
        f"*{item.total:,}* in {item.actions:,} actions"
    )
