"""What ``compute_kpis`` answers: plain numbers, frozen, so two periods compare field by field.

Each class docstring is the definition of its figure; README's "KPIs and `/incident stats`"
says the same in prose. Durations are float seconds; rates are met/missed counts with a
``rate`` derived from them (``None`` when nothing was decided yet).
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, computed_field

from workflows.periods import Period
from workflows.scope import Scope

__all__ = ["Scope"]  # defined with the other filters; part of Kpis

UNSPECIFIED = "unspecified"
"""How an incident with no source or no market is shown."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Count(_Frozen):
    """Incidents with one value of a dimension. ``key`` None is "unspecified" (no source)."""

    key: str | None
    label: str
    count: int


class Declared(_Frozen):
    """The cohort: incidents declared in [start, end) within the scope, counted whole and by
    current severity (policy order), domain, source and market (most first)."""

    total: int
    by_severity: tuple[Count, ...]
    by_domain: tuple[Count, ...]
    by_source: tuple[Count, ...]
    by_market: tuple[Count, ...]


class Timing(_Frozen):
    """Time from declaration until a clock stopped, over the cohort incidents whose clock stopped.

    ``n`` incidents were measured; ``p50_seconds`` is the median and ``p90_seconds`` the
    90th percentile, both by nearest rank (the value at rank ⌈p·n/100⌉ of the sorted times,
    so always a time that occurred); both None when ``n`` is 0. ``running`` counts cohort
    incidents whose clock has not stopped and that are not resolved either (an incident
    resolved without ever being contained is neither measured nor running for containment).
    """

    n: int
    p50_seconds: float | None
    p90_seconds: float | None
    running: int


class Attainment(_Frozen):
    """Met and missed against a target; ``pending`` is still undecided and not in the rate."""

    met: int
    missed: int
    pending: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        """met / (met + missed); None when nothing was decided."""
        decided = self.met + self.missed
        return self.met / decided if decided else None


class SeverityAttainment(Attainment):
    """An SLA's attainment for the cohort incidents of one (current) severity.

    Acknowledge SLA, per incident: met when acknowledged within the severity's
    ``acknowledge_within`` of declaration; missed when acknowledged later, or not
    acknowledged and that window has passed (as of now); pending when not acknowledged
    and the window is still open.

    Update SLA, per interval: an incident's life is cut at each ``status_update`` event
    (those after resolution are ignored) into intervals from declaration or an update to
    the next update, or to ``resolved_at``, or to now while unresolved. An interval no
    longer than the severity's ``update_every`` is met, a longer one missed; an unresolved
    incident's last interval not yet longer than ``update_every`` is pending.

    Severities without an escalation entry (or, for updates, without ``update_every``)
    are left out.
    """

    severity: str
    label: str


class KindTotal(_Frozen):
    """Containment of one kind logged in the period on incidents in the scope, whenever
    those were declared: ``total`` is the sum of the actions' counts, ``actions`` how many
    actions were logged."""

    kind: str
    label: str
    total: int
    actions: int


class FollowUps(_Frozen):
    """As of now, on incidents in the scope (declared at any time): ``open`` follow-ups, and
    ``overdue``, those open with a due date already passed."""

    open: int
    overdue: int


class Reopens(_Frozen):
    """Among cohort incidents ever resolved (resolved now, or reopened at least once),
    ``reopened`` is how many have at least one ``reopened`` event."""

    resolved: int
    reopened: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        """reopened / resolved; None when none was resolved."""
        return self.reopened / self.resolved if self.resolved else None


class Kpis(_Frozen):
    """Every figure for one period and scope, as of ``as_of``.

    ``deadlines`` covers cohort incidents with a ``due_at``: met when resolved at or before
    it, missed when resolved after it or unresolved with the deadline passed, pending when
    unresolved and not yet due.
    """

    period: Period
    scope: Scope
    as_of: AwareDatetime
    declared: Declared
    time_to_acknowledge: Timing
    time_to_contain: Timing
    time_to_resolve: Timing
    acknowledge_sla: tuple[SeverityAttainment, ...]
    update_sla: tuple[SeverityAttainment, ...]
    deadlines: Attainment
    containment: tuple[KindTotal, ...]
    followups: FollowUps
    reopens: Reopens
