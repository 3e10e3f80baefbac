"""``firebreak chart``: the weekly trend chart written to a PNG file.

The same figures and drawing as ``/incident chart``, for people who want the picture
outside Slack (a slide, a ticket) or for a bot that is not in the channel.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli_support import CommandFailed, Subcommands, policy_for, sessions_for
from bot.settings import Settings
from workflows.charts import render_trend_chart
from workflows.clock import SystemClock
from workflows.errors import InvalidInput
from workflows.scope import scope_for
from workflows.trends import MAX_WEEKS, MIN_WEEKS, trend_title, weekly_trend


def add_commands(commands: Subcommands) -> None:
    """Add ``firebreak chart`` to ``firebreak``."""
    chart = commands.add_parser(
        "chart",
        help="write the weekly trend chart (incidents per week, time to resolve) as a PNG",
        description="Incidents declared per week, stacked by severity or domain, and the "
        "median and 90th percentile time to resolve, for the last weeks up to this one "
        "(weeks start on Monday, UTC). Restricted incidents are counted.",
    )
    chart.add_argument(
        "--weeks",
        type=int,
        help=f"how many weeks, {MIN_WEEKS} to {MAX_WEEKS}; default: the policy's "
        "digest.weeks_in_chart (12)",
    )
    chart.add_argument(
        "--by", choices=("severity", "domain"), default="severity", help="what splits the bars"
    )
    chart.add_argument("--domain", help="only this domain (key or label)")
    chart.add_argument("--market", help="only this market, e.g. DE")
    chart.add_argument("--source", help="only escalations from this source (key or label)")
    chart.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    chart.set_defaults(run=_chart)


def _chart(settings: Settings, args: argparse.Namespace) -> int:
    policy = policy_for(settings)
    weeks: int = policy.digest.weeks_in_chart if args.weeks is None else args.weeks
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise CommandFailed(f"--weeks must be {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}")
    try:
        scope = scope_for(policy, domain=args.domain, market=args.market, source=args.source)
    except InvalidInput as error:
        raise CommandFailed(str(error)) from error
    with sessions_for(settings)() as session:
        trend = weekly_trend(
            session,
            policy,
            weeks,
            args.by,
            SystemClock().now(),
            domain=scope.domain,
            market=scope.market,
            source=scope.source,
        )
    title = trend_title(trend)
    out: Path = args.out
    try:
        out.write_bytes(render_trend_chart(trend, title))
    except OSError as error:
        raise CommandFailed(f"could not write {out}: {error.strerror}") from error
    noun = "incident" if trend.total == 1 else "incidents"
    print(f"wrote {out}: {title} ({trend.total:,} {noun})")
    return 0
