"""The KPIs of a period: how much was declared, how fast it was handled, which targets held.

``compute_kpis`` runs a dozen aggregate queries (``workflows.kpi_queries``) and labels
their rows with the policy; the figures are defined on the models in
``workflows.kpi_models``. Everything is counted in the database, so a period of years
costs a handful of result rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import Incident
from workflows import kpi_queries as q
from workflows.kpi_models import (
    UNSPECIFIED,
    Attainment,
    Count,
    Declared,
    KindTotal,
    Kpis,
    SeverityAttainment,
)
from workflows.periods import Period
from workflows.policy import Policy
from workflows.scope import Scope

__all__ = ["Kpis", "Period", "Scope", "compute_kpis"]


def compute_kpis(
    session: Session, policy: Policy, period: Period, scope: Scope, now: datetime
) -> Kpis:
    """Every KPI of the incidents declared in ``period`` within ``scope``, as of ``now``.

    ``now`` decides what is still pending or running and what is overdue; pass the present
    (a clock's ``now()``), also for a past period: history is not rewound to ``now``.
    """
    cohort = q.in_cohort(period, scope)
    timings = q.timings(session, cohort)
    escalation = policy.escalation
    acknowledge = q.acknowledge_attainment(session, cohort, escalation.acknowledge_seconds(), now)
    updates = q.update_attainment(session, cohort, escalation.update_seconds(), now)
    return Kpis(
        period=period,
        scope=scope,
        as_of=now,
        declared=_declared(session, policy, cohort),
        time_to_acknowledge=timings["acknowledge"],
        time_to_contain=timings["contain"],
        time_to_resolve=timings["resolve"],
        acknowledge_sla=_by_severity(policy, acknowledge),
        update_sla=_by_severity(policy, updates),
        deadlines=q.deadlines(session, cohort, now),
        containment=_containment(session, policy, period, scope),
        followups=q.open_followups(session, scope, now),
        reopens=q.reopens(session, cohort),
    )


def _declared(session: Session, policy: Policy, cohort: list[q.Condition]) -> Declared:
    severities = q.declared_counts(session, cohort, Incident.severity)
    order = {s.key: position for position, s in enumerate(policy.severities)}
    return Declared(
        total=sum(count for _, count in severities),
        by_severity=tuple(
            Count(key=key, label=policy.label("severity", key or ""), count=count)
            for key, count in sorted(
                severities, key=lambda row: (order.get(row[0] or "", len(order)), row[0] or "")
            )
        ),
        by_domain=_most_first(
            (key, policy.label("domain", key or ""), count)
            for key, count in q.declared_counts(session, cohort, Incident.domain)
        ),
        by_source=_most_first(
            (key, policy.intake.source_label(key) or UNSPECIFIED, count)
            for key, count in q.declared_counts(session, cohort, Incident.source)
        ),
        by_market=_most_first(
            (key, key or UNSPECIFIED, count)
            for key, count in q.declared_counts(session, cohort, Incident.market)
        ),
    )


def _most_first(rows: Iterable[tuple[str | None, str, int]]) -> tuple[Count, ...]:
    ordered = sorted(rows, key=lambda row: (-row[2], row[1]))
    return tuple(Count(key=key, label=label, count=count) for key, label, count in ordered)


def _by_severity(policy: Policy, found: dict[str, Attainment]) -> tuple[SeverityAttainment, ...]:
    """Policy order; severities the escalation policy names but the cohort lacks are left out."""
    known = [s.key for s in policy.severities]
    keys = [key for key in known if key in found] + sorted(set(found) - set(known))
    return tuple(
        SeverityAttainment(
            severity=key,
            label=policy.label("severity", key),
            met=found[key].met,
            missed=found[key].missed,
            pending=found[key].pending,
        )
        for key in keys
    )


def _containment(
    session: Session, policy: Policy, period: Period, scope: Scope
) -> tuple[KindTotal, ...]:
    labels = {kind.key: kind.label for kind in policy.lifecycle.containment_kinds}
    rows = q.containment_totals(session, period, scope)
    return tuple(
        KindTotal(kind=kind, label=labels.get(kind, kind), total=total, actions=actions)
        for kind, total, actions in sorted(
            rows, key=lambda row: (-row[1], labels.get(row[0], row[0]))
        )
    )
