"""Weekly trends: incidents declared per week by severity or domain, and how long they took.

Two aggregate queries do the work (counts grouped by week and key; nearest-rank median and
90th percentile of time to resolve grouped by week), so the cost stays a few dozen rows
read back however many incidents there are. Python only fills in the weeks with nothing
in them and puts the series in the policy's order. Weeks are ISO weeks: Monday 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from storage.models import Incident
from workflows.errors import InvalidInput
from workflows.policy import Policy
from workflows.scope import Scope, in_scope
from workflows.sql_time import (
    nearest_rank_percentiles,
    read_seconds,
    seconds_between,
    week_start,
)

TrendBy = Literal["severity", "domain"]

MIN_WEEKS = 2
MAX_WEEKS = 104


@dataclass(frozen=True)
class TrendSeries:
    """One severity's (or domain's) incidents declared in each week of the trend."""

    key: str
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class WeeklyTrend:
    """What a trend chart shows; every tuple but ``series`` has one item per week.

    ``series`` holds every key the policy lists, in its order (even those with no
    incidents, so a key keeps its place), then stored keys the policy no longer lists.
    Time to resolve is measured on the incidents *declared* that week that are resolved
    by now: a week's median can still move while its incidents are open. Restricted
    incidents are counted like any other; nothing here names an incident.
    """

    by: TrendBy
    weeks: tuple[date, ...]  # the Mondays, oldest first; the current week is the last
    series: tuple[TrendSeries, ...]
    resolved: tuple[int, ...]  # incidents declared that week and resolved since
    median_resolve_seconds: tuple[float | None, ...]
    p90_resolve_seconds: tuple[float | None, ...]
    scope: tuple[str, ...] = ()  # the filters applied: ("Counterfeit", "market DE")

    @property
    def declared(self) -> tuple[int, ...]:
        """Incidents declared per week, all series together."""
        return tuple(sum(week) for week in zip(*(s.counts for s in self.series), strict=True))

    @property
    def total(self) -> int:
        return sum(series.total for series in self.series)


def weekly_trend(
    session: Session,
    policy: Policy,
    weeks: int,
    by: TrendBy,
    now: datetime,
    *,
    domain: str | None = None,
    market: str | None = None,
    source: str | None = None,
) -> WeeklyTrend:
    """The last ``weeks`` weeks up to and including the one ``now`` falls in.

    ``domain``, ``market`` and ``source`` narrow the incidents counted; they are keys as
    stored (see ``workflows.scope.scope_for`` for turning what a person typed into them).
    """
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"A trend covers {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}.")
    mondays = week_mondays(now, weeks)
    start = datetime.combine(mondays[0], time(0), tzinfo=UTC)
    end = datetime.combine(mondays[-1] + timedelta(days=7), time(0), tzinfo=UTC)
    scope = Scope(domain=domain, market=market, source=source)
    where = [Incident.declared_at >= start, Incident.declared_at < end, *in_scope(scope)]

    counts = _counts(session, by, where)
    resolving = _resolve_times(session, where)
    index = {monday: position for position, monday in enumerate(mondays)}
    listed = [item.key for item in (policy.severities if by == "severity" else policy.domains)]
    strays = sorted({key for _, key in counts} - set(listed))
    series = tuple(
        TrendSeries(
            key=key,
            label=policy.label(by, key),
            counts=tuple(counts.get((monday, key), 0) for monday in mondays),
        )
        for key in [*listed, *strays]
    )
    per_week: list[tuple[int, float | None, float | None]] = [(0, None, None)] * len(mondays)
    for monday, measured in resolving.items():
        per_week[index[monday]] = measured
    return WeeklyTrend(
        by=by,
        weeks=mondays,
        series=series,
        resolved=tuple(n for n, _, _ in per_week),
        median_resolve_seconds=tuple(p50 for _, p50, _ in per_week),
        p90_resolve_seconds=tuple(p90 for _, _, p90 in per_week),
        scope=scope.labels(policy),
    )


def week_mondays(now: datetime, weeks: int) -> tuple[date, ...]:
    """The Mondays (UTC) of the ``weeks`` weeks ending with the one ``now`` is in."""
    today = now.astimezone(UTC).date()
    current = today - timedelta(days=today.weekday())
    return tuple(current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1))


def _counts(
    session: Session, by: TrendBy, where: Sequence[ColumnElement[bool]]
) -> dict[tuple[date, str], int]:
    key = Incident.severity if by == "severity" else Incident.domain
    week = week_start(Incident.declared_at)
    statement = (
        select(week.label("week"), key.label("key"), func.count().label("n"))
        .where(*where)
        .group_by(week, key)
    )
    return {
        (date.fromisoformat(row.week), row.key): int(row.n) for row in session.execute(statement)
    }


def _resolve_times(
    session: Session, where: Sequence[ColumnElement[bool]]
) -> dict[date, tuple[int, float | None, float | None]]:
    measured = (
        select(
            week_start(Incident.declared_at).label("week"),
            seconds_between(Incident.resolved_at, Incident.declared_at).label("seconds"),
        )
        .where(*where, Incident.resolved_at.is_not(None))
        .subquery("measured")
    )
    statement = nearest_rank_percentiles(measured, "seconds", (50, 90), by=["week"])
    return {
        date.fromisoformat(row.week): (int(row.n), read_seconds(row.p50), read_seconds(row.p90))
        for row in session.execute(statement)
    }


def trend_title(trend: WeeklyTrend) -> str:
    """A chart title saying what is counted, over how long, and for which scope."""
    title = f"Incidents per week by {trend.by}, last {len(trend.weeks)} weeks"
    return " · ".join([title, *trend.scope])
