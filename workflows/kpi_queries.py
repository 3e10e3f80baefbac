"""The SQL behind each KPI: aggregates and window functions, one small result per query.

Nothing here loads incidents or events into Python: every figure is counted, summed or
ranked in the database, so memory stays flat however long the history. Policy thresholds
(per-severity durations) enter the SQL as ``CASE severity WHEN … THEN <seconds>``, so the
comparison happens in the database too. The definitions are in ``workflows.kpi_models``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import ContainmentAction, FollowUp, Incident, TimelineEvent
from workflows.kpi_models import Attainment, FollowUps, Reopens, Timing
from workflows.periods import Period
from workflows.scope import Scope, in_scope
from workflows.sql_time import (
    nearest_rank_percentiles,
    read_seconds,
    seconds_between,
    utc_param,
)

TOLERANCE_SECONDS = 0.001
"""SQLite subtracts times as Julian days, off by some microseconds (5 minutes comes out as
299.99998 s); a threshold comparison allows one millisecond so "exactly on time" is met."""

STATUS_UPDATE = "status_update"
REOPENED = "reopened"

Condition = ColumnElement[bool]
Clock = InstrumentedAttribute[datetime | None]
CLOCKS: Mapping[str, Clock] = {
    "acknowledge": Incident.acknowledged_at,
    "contain": Incident.contained_at,
    "resolve": Incident.resolved_at,
}
"""The incident clocks timed from declaration, by name."""


def in_cohort(period: Period, scope: Scope) -> list[Condition]:
    """Incidents declared in [start, end) within the scope: the cohort most figures describe."""
    return [
        Incident.declared_at >= period.start,
        Incident.declared_at < period.end,
        *in_scope(scope),
    ]


def declared_counts(
    session: Session, cohort: Sequence[Condition], column: InstrumentedAttribute[Any]
) -> list[tuple[str | None, int]]:
    """(value, incidents) for each value of ``column`` in the cohort."""
    rows = session.execute(select(column, func.count()).where(*cohort).group_by(column))
    return [(key, int(count)) for key, count in rows]


def timings(session: Session, cohort: Sequence[Condition]) -> dict[str, Timing]:
    """n, p50, p90 and running for each of ``CLOCKS``, in two queries."""
    measured = union_all(
        *(
            select(
                literal(name).label("clock"),
                seconds_between(stopped, Incident.declared_at).label("seconds"),
            ).where(*cohort, stopped.is_not(None))
            for name, stopped in CLOCKS.items()
        )
    ).subquery("measured")
    ranked = {
        row.clock: row
        for row in session.execute(
            nearest_rank_percentiles(measured, "seconds", (50, 90), by=["clock"])
        )
    }
    running = session.execute(
        select(
            *(
                _count(and_(stopped.is_(None), Incident.resolved_at.is_(None))).label(name)
                for name, stopped in CLOCKS.items()
            )
        ).where(*cohort)
    ).one()
    result: dict[str, Timing] = {}
    for name in CLOCKS:
        row = ranked.get(name)
        result[name] = Timing(
            n=int(row.n) if row else 0,
            p50_seconds=read_seconds(row.p50) if row else None,
            p90_seconds=read_seconds(row.p90) if row else None,
            running=int(getattr(running, name) or 0),
        )
    return result


def acknowledge_attainment(
    session: Session, cohort: Sequence[Condition], limits: Mapping[str, float], now: datetime
) -> dict[str, Attainment]:
    """Per severity in ``limits`` (acknowledge_within in seconds): met, missed, pending."""
    if not limits:
        return {}
    limit = severity_threshold(Incident.severity, limits) + TOLERANCE_SECONDS
    acknowledged = Incident.acknowledged_at.is_not(None)
    took = seconds_between(Incident.acknowledged_at, Incident.declared_at)
    waited = seconds_between(utc_param(now), Incident.declared_at)
    rows = session.execute(
        select(
            Incident.severity,
            _count(and_(acknowledged, took <= limit)),
            _count(or_(and_(acknowledged, took > limit), and_(not_(acknowledged), waited > limit))),
            _count(and_(not_(acknowledged), waited <= limit)),
        )
        .where(*cohort, Incident.severity.in_(list(limits)))
        .group_by(Incident.severity)
    )
    return {severity: _attainment(met, missed, pending) for severity, met, missed, pending in rows}


def update_attainment(
    session: Session, cohort: Sequence[Condition], limits: Mapping[str, float], now: datetime
) -> dict[str, Attainment]:
    """Per severity in ``limits`` (update_every in seconds): update intervals met, missed, pending.

    The marks of each incident are its declaration and its status updates up to its
    resolution; LEAD gives each mark the next one, and an interval ends there, else at
    ``resolved_at``, else now (the open interval of an unresolved incident).
    """
    if not limits:
        return {}
    tracked = [*cohort, Incident.severity.in_(list(limits))]
    declarations = select(
        Incident.id.label("incident_id"),
        Incident.severity.label("severity"),
        Incident.resolved_at.label("resolved_at"),
        Incident.declared_at.label("at"),
    ).where(*tracked)
    updates = (
        select(Incident.id, Incident.severity, Incident.resolved_at, TimelineEvent.occurred_at)
        .join(TimelineEvent, TimelineEvent.incident_id == Incident.id)
        .where(
            *tracked,
            TimelineEvent.kind == STATUS_UPDATE,
            TimelineEvent.occurred_at >= Incident.declared_at,
            or_(Incident.resolved_at.is_(None), TimelineEvent.occurred_at <= Incident.resolved_at),
        )
    )
    marks = union_all(declarations, updates).subquery("marks")
    intervals = select(
        marks.c.severity,
        marks.c.resolved_at,
        marks.c.at,
        func.lead(marks.c.at)
        .over(partition_by=marks.c.incident_id, order_by=marks.c.at)
        .label("next_at"),
    ).subquery("intervals")
    ends = func.coalesce(intervals.c.next_at, intervals.c.resolved_at, utc_param(now))
    length = seconds_between(ends, intervals.c.at)
    limit = severity_threshold(intervals.c.severity, limits) + TOLERANCE_SECONDS
    still_open = and_(intervals.c.next_at.is_(None), intervals.c.resolved_at.is_(None))
    rows = session.execute(
        select(
            intervals.c.severity,
            _count(and_(not_(still_open), length <= limit)),
            _count(length > limit),
            _count(and_(still_open, length <= limit)),
        ).group_by(intervals.c.severity)
    )
    return {severity: _attainment(met, missed, pending) for severity, met, missed, pending in rows}


def deadlines(session: Session, cohort: Sequence[Condition], now: datetime) -> Attainment:
    """Cohort incidents with a due_at: resolved by it, resolved late or overdue, not yet due."""
    due, resolved = Incident.due_at, Incident.resolved_at
    met, missed, pending = session.execute(
        select(
            _count(and_(resolved.is_not(None), resolved <= due)),
            _count(
                or_(
                    and_(resolved.is_not(None), resolved > due), and_(resolved.is_(None), due < now)
                )
            ),
            _count(and_(resolved.is_(None), due >= now)),
        ).where(*cohort, due.is_not(None))
    ).one()
    return _attainment(met, missed, pending)


def containment_totals(
    session: Session, period: Period, scope: Scope
) -> list[tuple[str, int, int]]:
    """(kind, sum of counts, actions) of the actions logged in the period, scope applied."""
    query = select(ContainmentAction.kind, func.sum(ContainmentAction.count), func.count()).where(
        ContainmentAction.occurred_at >= period.start, ContainmentAction.occurred_at < period.end
    )
    if scope.narrowed:
        query = query.join(Incident, Incident.id == ContainmentAction.incident_id).where(
            *in_scope(scope)
        )
    rows = session.execute(query.group_by(ContainmentAction.kind))
    return [(kind, int(total or 0), int(actions)) for kind, total, actions in rows]


def open_followups(session: Session, scope: Scope, now: datetime) -> FollowUps:
    """Open follow-ups now, and how many of them are past due, on incidents in the scope."""
    query = select(func.count(), _count(FollowUp.due_at < now)).where(FollowUp.status == "open")
    if scope.narrowed:
        query = query.join(Incident, Incident.id == FollowUp.incident_id).where(*in_scope(scope))
    total, overdue = session.execute(query).one()
    return FollowUps(open=int(total), overdue=int(overdue or 0))


def reopens(session: Session, cohort: Sequence[Condition]) -> Reopens:
    """Cohort incidents ever resolved, and those of them reopened at least once."""
    reopened = exists().where(
        TimelineEvent.incident_id == Incident.id, TimelineEvent.kind == REOPENED
    )
    resolved, again = session.execute(
        select(_count(or_(Incident.resolved_at.is_not(None), reopened)), _count(reopened)).where(
            *cohort
        )
    ).one()
    return Reopens(resolved=int(resolved or 0), reopened=int(again or 0))


def severity_threshold(
    severity: ColumnElement[Any] | InstrumentedAttribute[str],
    seconds: Mapping[str, float],
    otherwise: float | None = None,
) -> ColumnElement[float]:
    """A policy threshold as SQL: ``CASE severity WHEN … THEN <seconds> ELSE otherwise END``.

    ``seconds`` comes from ``EscalationPolicy.acknowledge_seconds`` or ``update_seconds``;
    a severity it does not list gets ``otherwise`` (NULL, unless given).
    """
    if not seconds:
        return literal(otherwise, Float())
    return case(dict(seconds), value=severity, else_=otherwise)


def _count(condition: Condition) -> ColumnElement[int]:
    """How many rows meet ``condition`` (COUNT of a CASE: the same on both databases)."""
    return func.count(case((condition, 1)))


def _attainment(met: Any, missed: Any, pending: Any) -> Attainment:
    return Attainment(met=int(met or 0), missed=int(missed or 0), pending=int(pending or 0))
