"""`/incident chart [weeks] [severity|domain] [domain] [market]`: the weekly trend, as a PNG.

Parsed before ``ack()``, so a mistake is answered at once with the usage. Drawing takes a
moment, so the ack only says it has started; the chart is computed, drawn and uploaded to
the channel the command was typed in afterwards, and a refusal from Slack (the bot is not
in that channel) reaches the requester through the one error path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from slack_bolt import App

from commands.blocks.messages import section
from commands.errors import NotShared
from commands.parsing import UsageError, truncate_word
from commands.permission import require_workspace
from commands.services import Services
from commands.text import escape, mention
from commands.verbs import Invocation, Verbs
from storage.database import read_only
from workflows.charts import render_trend_chart
from workflows.errors import InvalidInput
from workflows.gateway import SlackFailure
from workflows.insights_policy import MARKET_CODE
from workflows.policy import Policy
from workflows.scope import Scope, known_market, scope_for
from workflows.trends import (
    MAX_WEEKS,
    MIN_WEEKS,
    TrendBy,
    WeeklyTrend,
    trend_title,
    weekly_trend,
)

USAGE = (
    "`/incident chart [weeks] [severity|domain] [domain] [market]` posts a chart here: "
    "incidents declared per week and how long they took to resolve. Weeks as `12` or `12w` "
    f"({MIN_WEEKS} to {MAX_WEEKS}; by default the digest's); `severity` (the default) or "
    "`domain` splits the bars; a domain such as `counterfeit`, a market such as `DE` or a "
    "source such as `regulator` narrows it. Example: `/incident chart 26w domain DE`."
)
DRAWING = ":bar_chart: Drawing the chart…"

T = TypeVar("T")

_WEEKS = re.compile(r"^(\d{1,6})(?:w|wk|wks|week|weeks)?$", re.IGNORECASE)
_BY: dict[str, TrendBy] = {
    "severity": "severity",
    "severities": "severity",
    "sev": "severity",
    "domain": "domain",
    "domains": "domain",
}


@dataclass(frozen=True)
class ChartRequest:
    weeks: int
    by: TrendBy
    scope: Scope


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register ``/incident chart``."""
    verbs["chart"] = draw_chart


def draw_chart(call: Invocation) -> None:
    services = call.services
    require_workspace(services, "chart", call.user, f"/incident chart {call.text}".strip())

    def is_known_market(code: str) -> bool:
        with services.sessions() as session:
            return known_market(session, services.policy, code) is not None

    request = parse_chart(call.text, services.policy, is_known_market)
    call.ack(text=DRAWING, blocks=section(DRAWING))
    call.after_ack(partial(post_chart, services, call.channel, call.user, request))


def post_chart(services: Services, channel: str, requester: str, request: ChartRequest) -> str:
    """Compute, draw and upload the chart into ``channel``; returns the file id."""
    with read_only(services.sessions)() as session:
        trend = weekly_trend(
            session,
            services.policy,
            request.weeks,
            request.by,
            services.clock.now(),
            domain=request.scope.domain,
            market=request.scope.market,
            source=request.scope.source,
        )
    title = trend_title(trend)
    png = render_trend_chart(trend, title)
    try:
        return services.gateway.upload_file(
            channel, chart_filename(trend), png, title, _comment(trend, title, requester)
        )
    except SlackFailure as failure:
        raise NotShared(failure, "the chart", "ask for the chart in a channel I'm in") from failure


def chart_filename(trend: WeeklyTrend) -> str:
    return f"incidents-by-{trend.by}-{len(trend.weeks)}w-to-{trend.weeks[-1]:%Y-%m-%d}.png"


def _comment(trend: WeeklyTrend, title: str, requester: str) -> str:
    noun = "incident" if trend.total == 1 else "incidents"
    return (
        f":bar_chart: {escape(title)}: {trend.total:,} {noun}, weeks starting Monday UTC, "
        f"for {mention(requester)}. Restricted incidents are counted; none is named."
    )


def parse_chart(text: str, policy: Policy, is_market: Callable[[str], bool]) -> ChartRequest:
    """Words in any order: a number of weeks, what splits the bars, and filters.

    Any word could be read as a market code, so one is taken as a market only when
    ``is_market`` says so; a mistyped domain is refused instead of drawing nothing.
    """
    weeks: int | None = None
    by: TrendBy | None = None
    typed: dict[str, str] = {}
    for word in text.split():
        lowered = word.lower()
        weeks_match = _WEEKS.match(word)
        if weeks_match:
            weeks = _once("the number of weeks", weeks, _weeks(int(weeks_match.group(1))))
        elif lowered in _BY:
            by = _once("`severity` or `domain`", by, _BY[lowered])
        elif policy.find_domain(word) is not None:
            typed["domain"] = _once("a domain", typed.get("domain"), word)
        elif policy.intake.find_source(word) is not None:
            typed["source"] = _once("a source", typed.get("source"), word)
        elif policy.find_severity(word) is not None:
            raise UsageError(
                f"The chart splits the bars by severity; it can't be narrowed to "
                f"`{truncate_word(word)}`. {USAGE}"
            )
        elif MARKET_CODE.fullmatch(word.upper()) and is_market(word.upper()):
            typed["market"] = _once("a market", typed.get("market"), word)
        else:
            raise UsageError(
                f"I don't understand `{truncate_word(word)}` here: it is not a number of "
                "weeks, `severity` or `domain`, a domain, a source, or a market incidents "
                f"were declared with. {USAGE}"
            )
    try:
        scope = scope_for(policy, **typed)
    except InvalidInput as error:
        raise UsageError(f"{error} {USAGE}") from None
    return ChartRequest(
        weeks=weeks if weeks is not None else policy.digest.weeks_in_chart,
        by=by or "severity",
        scope=scope,
    )


def _weeks(count: int) -> int:
    if not MIN_WEEKS <= count <= MAX_WEEKS:
        raise UsageError(f"A chart covers {MIN_WEEKS} to {MAX_WEEKS} weeks, not {count}. {USAGE}")
    return count


def _once(what: str, already: T | None, value: T) -> T:
    if already is not None:
        raise UsageError(f"Give {what} only once. {USAGE}")
    return value
