"""``firebreak stats``: the KPIs of a period from the database, as text or JSON.

The same figures as `/incident stats` (``workflows.kpis``), for scripts and for people
at a terminal: ``--format json`` prints the ``Kpis`` model as it is.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bot.cli_support import CommandFailed, Subcommands, policy_for, sessions_for
from bot.settings import Settings
from workflows.durations import format_span
from workflows.kpi_models import Attainment, Count, SeverityAttainment, Timing
from workflows.kpis import Kpis, Period, compute_kpis
from workflows.periods import BadPeriod
from workflows.scope import BadScope, scope_for


def add_commands(commands: Subcommands) -> None:
    """Add this module's subcommands to ``firebreak``."""
    stats = commands.add_parser(
        "stats",
        help="incident KPIs of a period (uses DATABASE_URL and FIREBREAK_CONFIG)",
        description="Incidents declared in the period, times to acknowledge, contain and "
        "resolve, SLA attainment, deadlines, containment, follow-ups and reopens. "
        "README: 'KPIs and /incident stats' defines each figure.",
    )
    stats.add_argument(
        "period",
        nargs="?",
        help="7d, 30d, quarter (this calendar quarter so far), week or Nd up to 3650d, "
        "ending now (or at --until); default 7d",
    )
    stats.add_argument("--since", type=_moment, help="period start, ISO 8601 (UTC if no offset)")
    stats.add_argument("--until", type=_moment, help="period end, ISO 8601; default now")
    stats.add_argument("--domain", help="only this domain (key or label)")
    stats.add_argument("--market", help="only this market code, such as DE")
    stats.add_argument("--source", help="only this source (key or label)")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.set_defaults(run=_stats)


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    policy = policy_for(settings)
    now = datetime.now(UTC)
    period = _period(args, now)
    try:
        scope = scope_for(policy, domain=args.domain, market=args.market, source=args.source)
    except BadScope as error:
        raise CommandFailed(str(error).replace("`", "'")) from error
    with sessions_for(settings)() as session:
        kpis = compute_kpis(session, policy, period, scope, now)
    if args.format == "json":
        sys.stdout.write(kpis.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_text(kpis))
    return 0


def _period(args: argparse.Namespace, now: datetime) -> Period:
    try:
        if args.since is not None:
            if args.period is not None:
                raise CommandFailed("give a period word or --since, not both")
            return Period.between(args.since, args.until or now)
        return Period.parse(args.period or "7d", args.until or now)
    except BadPeriod as error:
        raise CommandFailed(str(error).replace("`", "'")) from error


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time; write 2026-11-16 or 2026-11-16T09:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def render_text(kpis: Kpis) -> str:
    """A plain-text report, one figure a line, for a terminal or an email."""
    period, scope = kpis.period, kpis.scope
    narrowed = scope.as_typed()
    declared = kpis.declared
    lines = [
        f"Incident stats, {period.label}",
        f"  {_utc(period.start)} to {_utc(period.end)}, as of {_utc(kpis.as_of)}",
        f"  {', '.join(narrowed) if narrowed else 'all domains, sources and markets'}",
        "",
        f"Declared: {declared.total}",
        f"  by severity  {_counts(declared.by_severity)}",
        f"  by domain    {_counts(declared.by_domain)}",
        f"  by source    {_counts(declared.by_source)}",
        f"  by market    {_counts(declared.by_market)}",
        "",
        f"Time to acknowledge  {_timing(kpis.time_to_acknowledge)}",
        f"Time to contain      {_timing(kpis.time_to_contain)}",
        f"Time to resolve      {_timing(kpis.time_to_resolve)}",
        "",
        "Acknowledge SLA (incidents)",
        *_per_severity(kpis.acknowledge_sla),
        "Update SLA (intervals between status updates)",
        *_per_severity(kpis.update_sla),
        f"Deadlines            {_attainment(kpis.deadlines)}",
        "",
        "Containment logged in the period",
        *(
            f"  {kind.label:<24} {kind.total} ({_actions(kind.actions)})"
            for kind in kpis.containment
        ),
        *([] if kpis.containment else ["  none"]),
        "",
        f"Follow-ups now       {kpis.followups.open} open, {kpis.followups.overdue} overdue",
        f"Reopened             {kpis.reopens.reopened} of {kpis.reopens.resolved} resolved"
        + (f" ({kpis.reopens.rate:.0%})" if kpis.reopens.rate is not None else ""),
    ]
    return "\n".join(lines) + "\n"


def _per_severity(rows: tuple[SeverityAttainment, ...]) -> list[str]:
    return [f"  {row.label:<12} {_attainment(row)}" for row in rows] or ["  none with a target"]


def _actions(count: int) -> str:
    return "1 action" if count == 1 else f"{count} actions"


def _counts(counts: tuple[Count, ...]) -> str:
    return ", ".join(f"{c.label} {c.count}" for c in counts) or "-"


def _timing(timing: Timing) -> str:
    if timing.n == 0:
        return f"none measured, {timing.running} running"
    return (
        f"median {_span(timing.p50_seconds)}, p90 {_span(timing.p90_seconds)} "
        f"(n={timing.n}), {timing.running} running"
    )


def _attainment(result: Attainment) -> str:
    rate = f" ({result.rate:.0%})" if result.rate is not None else ""
    return f"{result.met} met, {result.missed} missed{rate}, {result.pending} pending"


def _span(seconds: float | None) -> str:
    return "-" if seconds is None else format_span(timedelta(seconds=seconds))


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
