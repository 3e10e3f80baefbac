"""The KPIs of a hand-built week, every figure worked out by hand below, on both databases.

The week is [MONDAY, MONDAY + 7d), read at NOW = MONDAY + 7d (so ``7d`` ending now). Times
are offsets from MONDAY (2026-11-16 09:00 UTC). The policy's escalation: SEV1 acknowledge
within 5m, update every 30m; SEV2 15m and 1h; SEV3 1h and no update target; SEV4 none.

    INC-1 +0h (the period's first instant)  SEV1 counterfeit     regulator          DE
          ack +4m, contained +20m, resolved +1h20m; due +1h20m (met, exactly on time)
          updates +25m, +1h05m, and +2h (after resolution: ignored)
          actions: 100 listings removed (+10m), 3 accounts suspended (+15m)
    INC-2 +1d   SEV1 fraud_scam   user_reports  US-CA  restricted
          ack +5m (exactly on time); never contained or resolved; due +2d (passed)
          update +30m (exactly on time); open follow-up due +5d (overdue)
    INC-3 +2d   SEV2 counterfeit  regulator     DE
          ack +20m, contained +1h, resolved +3h, reopened +4h, resolved again +6h; due +5h
          updates +50m, +1h40m, +4h30m; 50 listings removed (+2d30m); a done follow-up
    INC-4 NOW-10m  SEV2 prohibited_item  no source  no market
          nothing yet; due NOW+1d
    INC-5 +3d   SEV3 counterfeit  internal_detection  FR
          never acknowledged or contained, resolved +2h; update +30m (SEV3 has no target)
          7 content removed (+3d1h)
    INC-6 +4d   SEV4 harmful_content  legal  DE
          ack +3h, contained +3h30m, reopened +5h (so unresolved); follow-ups: open without a
          due date, open due NOW+1d
    INC-7 -1d   (before the period) SEV1 counterfeit regulator DE, unresolved, due +1d
          reopened; 999 listings removed at -23h (before the period), 5 payouts held +1h
          (in it); open follow-up due +1d (overdue)
    INC-8 NOW   (the period's end: the next period's) SEV1
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from storage.database import create_database_engine, create_session_factory
from tests.support.history import MONDAY, add_action, add_event, add_followup, add_incident
from workflows.kpi_models import (
    Attainment,
    Count,
    Declared,
    FollowUps,
    KindTotal,
    Reopens,
    SeverityAttainment,
    Timing,
)
from workflows.kpis import Kpis, Period, Scope, compute_kpis
from workflows.periods import BadPeriod
from workflows.policy import Policy
from workflows.scope import BadScope, scope_for

NOW = MONDAY + timedelta(days=7)
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)

POLICY = Policy.model_validate(
    {
        "escalation": {
            "severities": {
                "sev1": {"acknowledge_within": "5m", "update_every": "30m"},
                "sev2": {"acknowledge_within": "15m", "update_every": "1h"},
                "sev3": {"acknowledge_within": "1h"},
            }
        }
    }
)


def _week(session: Session) -> None:
    t = MONDAY
    one = add_incident(
        session,
        declared_at=t,
        severity="sev1",
        domain="counterfeit",
        source="regulator",
        market="DE",
        acknowledged_at=t + 4 * M,
        contained_at=t + 20 * M,
        resolved_at=t + 80 * M,
        due_at=t + 80 * M,
        status="resolved",
    )
    for at in (t + 25 * M, t + 65 * M, t + 2 * H):
        add_event(session, one, at, "status_update")
    add_action(session, one, t + 10 * M, "listing_removed", 100)
    add_action(session, one, t + 15 * M, "account_suspended", 3)

    t = MONDAY + D
    two = add_incident(
        session,
        declared_at=t,
        severity="sev1",
        domain="fraud_scam",
        source="user_reports",
        market="US-CA",
        restricted=True,
        acknowledged_at=t + 5 * M,
        due_at=t + D,
    )
    add_event(session, two, t + 30 * M, "status_update")
    add_followup(session, two, t + H, due_at=MONDAY + 5 * D)

    t = MONDAY + 2 * D
    three = add_incident(
        session,
        declared_at=t,
        severity="sev2",
        domain="counterfeit",
        source="regulator",
        market="DE",
        acknowledged_at=t + 20 * M,
        contained_at=t + H,
        resolved_at=t + 6 * H,
        due_at=t + 5 * H,
        status="resolved",
    )
    for at in (t + 50 * M, t + 100 * M, t + 270 * M):
        add_event(session, three, at, "status_update")
    add_event(session, three, t + 4 * H, "reopened")
    add_action(session, three, t + 30 * M, "listing_removed", 50)
    add_followup(session, three, t + 6 * H, done_at=t + 7 * H)

    add_incident(
        session,
        declared_at=NOW - 10 * M,
        severity="sev2",
        domain="prohibited_item",
        due_at=NOW + D,
    )

    t = MONDAY + 3 * D
    five = add_incident(
        session,
        declared_at=t,
        severity="sev3",
        domain="counterfeit",
        source="internal_detection",
        market="FR",
        resolved_at=t + 2 * H,
        status="resolved",
    )
    add_event(session, five, t + 30 * M, "status_update")
    add_action(session, five, t + H, "content_removed", 7)

    t = MONDAY + 4 * D
    six = add_incident(
        session,
        declared_at=t,
        severity="sev4",
        domain="harmful_content",
        source="legal",
        market="DE",
        acknowledged_at=t + 3 * H,
        contained_at=t + 210 * M,
    )
    add_event(session, six, t + 5 * H, "reopened")
    add_followup(session, six, t + 5 * H)
    add_followup(session, six, t + 5 * H, due_at=NOW + D)

    t = MONDAY - D
    seven = add_incident(
        session,
        declared_at=t,
        severity="sev1",
        domain="counterfeit",
        source="regulator",
        market="DE",
        due_at=MONDAY + D,
    )
    add_event(session, seven, t + 2 * H, "reopened")
    add_action(session, seven, t + H, "listing_removed", 999)
    add_action(session, seven, MONDAY + H, "payout_held", 5)
    add_followup(session, seven, t + H, due_at=MONDAY + D)

    add_incident(session, declared_at=NOW, severity="sev1")


@pytest.fixture
def sessions(database_url: str) -> Iterator[Session]:
    engine = create_database_engine(database_url)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        _week(session)
    with factory() as session:
        yield session
    engine.dispose()


def _kpis(session: Session, scope: Scope | None = None) -> Kpis:
    return compute_kpis(session, POLICY, Period.parse("7d", NOW), scope or Scope(), NOW)


def test_declared_counts_the_cohort_by_severity_domain_source_and_market(
    sessions: Session,
) -> None:
    # INC-1…6: INC-7 came before the period and INC-8 at its end. Restricted INC-2 counts.
    assert _kpis(sessions).declared == Declared(
        total=6,
        by_severity=(  # policy order
            Count(key="sev1", label="SEV1", count=2),  # INC-1, 2
            Count(key="sev2", label="SEV2", count=2),  # INC-3, 4
            Count(key="sev3", label="SEV3", count=1),  # INC-5
            Count(key="sev4", label="SEV4", count=1),  # INC-6
        ),
        by_domain=(  # most first, then by label
            Count(key="counterfeit", label="Counterfeit", count=3),  # INC-1, 3, 5
            Count(key="fraud_scam", label="Fraud / scam", count=1),
            Count(key="harmful_content", label="Harmful content", count=1),
            Count(key="prohibited_item", label="Prohibited item", count=1),
        ),
        by_source=(
            Count(key="regulator", label="Regulator", count=2),  # INC-1, 3
            Count(key="internal_detection", label="Internal detection", count=1),
            Count(key="legal", label="Legal", count=1),
            Count(key="user_reports", label="User reports", count=1),
            Count(key=None, label="unspecified", count=1),  # INC-4
        ),
        by_market=(
            Count(key="DE", label="DE", count=3),  # INC-1, 3, 6
            Count(key="FR", label="FR", count=1),
            Count(key="US-CA", label="US-CA", count=1),
            Count(key=None, label="unspecified", count=1),
        ),
    )


def test_times_to_acknowledge_contain_and_resolve(sessions: Session) -> None:
    kpis = _kpis(sessions)

    # Acknowledged: INC-1 240 s, INC-2 300, INC-3 1200, INC-6 10800. n = 4: the median is
    # rank ⌈2⌉ (300), p90 rank ⌈3.6⌉ = 4 (10800). Running: INC-4 (INC-5 was resolved unacked).
    assert kpis.time_to_acknowledge == Timing(n=4, p50_seconds=300, p90_seconds=10800, running=1)
    # Contained: INC-1 1200, INC-3 3600, INC-6 12600: ranks 2 and 3. Running: INC-2 and
    # INC-4; INC-5 was resolved without being contained, so it is neither.
    assert kpis.time_to_contain == Timing(n=3, p50_seconds=3600, p90_seconds=12600, running=2)
    # Resolved: INC-1 4800, INC-5 7200, INC-3 21600 (its final resolution, after the reopen).
    # Running: INC-2, INC-4, INC-6 (reopened).
    assert kpis.time_to_resolve == Timing(n=3, p50_seconds=7200, p90_seconds=21600, running=3)


def test_acknowledge_and_update_sla_attainment_per_severity(sessions: Session) -> None:
    kpis = _kpis(sessions)

    assert kpis.acknowledge_sla == (
        # INC-1 in 4m, INC-2 in exactly 5m: both met.
        SeverityAttainment(severity="sev1", label="SEV1", met=2, missed=0, pending=0),
        # INC-3 in 20m > 15m: missed; INC-4 waiting 10m of its 15m: pending.
        SeverityAttainment(severity="sev2", label="SEV2", met=0, missed=1, pending=1),
        # INC-5 never acknowledged and its hour is long gone: missed. SEV4 has no target.
        SeverityAttainment(severity="sev3", label="SEV3", met=0, missed=1, pending=0),
    )
    assert kpis.acknowledge_sla[0].rate == 1.0
    assert kpis.acknowledge_sla[1].rate == 0.0
    assert kpis.update_sla == (
        # INC-1 (30m): 0→25m met, 25m→65m missed, 65m→80m (resolved) met; +2h is ignored.
        # INC-2: 0→30m met (exactly), 30m→NOW missed (unresolved, long overdue).
        SeverityAttainment(severity="sev1", label="SEV1", met=3, missed=2, pending=0),
        # INC-3 (1h): 0→50m met, 50m→100m met, 100m→270m missed, 270m→360m (resolved) missed.
        # INC-4: its first interval is 10m old: pending. SEV3 and SEV4 have no update target.
        SeverityAttainment(severity="sev2", label="SEV2", met=2, missed=2, pending=1),
    )
    assert kpis.update_sla[0].rate == 0.6


def test_deadlines_containment_followups_and_reopens(sessions: Session) -> None:
    kpis = _kpis(sessions)

    # INC-1 resolved exactly at its deadline: met. INC-2 unresolved past it and INC-3
    # resolved an hour late: missed. INC-4 due tomorrow: pending. INC-7 is not in the cohort.
    assert kpis.deadlines == Attainment(met=1, missed=2, pending=1)
    # Logged in the period on any incident (INC-7's payouts too, not its older 999 listings).
    assert kpis.containment == (
        KindTotal(kind="listing_removed", label="Listings removed", total=150, actions=2),
        KindTotal(kind="content_removed", label="Content removed", total=7, actions=1),
        KindTotal(kind="payout_held", label="Payouts held", total=5, actions=1),
        KindTotal(kind="account_suspended", label="Accounts suspended", total=3, actions=1),
    )
    # Open now: INC-2's (overdue), INC-6's two (one undated, one due tomorrow), INC-7's
    # (overdue). INC-3's is done.
    assert kpis.followups == FollowUps(open=4, overdue=2)
    # Ever resolved in the cohort: INC-1, INC-3, INC-5, INC-6 (reopened, so resolved once).
    # Reopened: INC-3 and INC-6 (INC-7's reopen is outside the cohort).
    assert kpis.reopens == Reopens(resolved=4, reopened=2)
    assert kpis.reopens.rate == 0.5


def test_a_domain_narrows_every_figure(sessions: Session) -> None:
    kpis = _kpis(sessions, scope_for(POLICY, domain="Counterfeit"))

    # Cohort INC-1, 3, 5; INC-7 (counterfeit) still counts for containment and follow-ups.
    assert kpis.declared.total == 3
    assert kpis.time_to_acknowledge == Timing(n=2, p50_seconds=240, p90_seconds=1200, running=0)
    assert [(a.severity, a.met, a.missed, a.pending) for a in kpis.acknowledge_sla] == [
        ("sev1", 1, 0, 0),
        ("sev2", 0, 1, 0),
        ("sev3", 0, 1, 0),
    ]
    assert kpis.deadlines == Attainment(met=1, missed=1, pending=0)
    assert [(k.kind, k.total) for k in kpis.containment] == [
        ("listing_removed", 150),
        ("content_removed", 7),
        ("payout_held", 5),
        ("account_suspended", 3),
    ]
    assert kpis.followups == FollowUps(open=1, overdue=1)  # INC-7's
    assert kpis.reopens == Reopens(resolved=3, reopened=1)


def test_a_market_and_a_source_narrow_too(sessions: Session) -> None:
    german = _kpis(sessions, scope_for(POLICY, market="de"))

    # Cohort INC-1, 3, 6. Containment: INC-1, INC-3 and INC-7 (DE), not INC-5's (FR).
    assert german.scope == Scope(market="DE")
    assert german.declared.total == 3
    assert [(k.kind, k.total, k.actions) for k in german.containment] == [
        ("listing_removed", 150, 2),
        ("payout_held", 5, 1),
        ("account_suspended", 3, 1),
    ]
    assert german.followups == FollowUps(open=3, overdue=1)  # INC-6's two, INC-7's

    regulator = _kpis(sessions, scope_for(POLICY, source="regulator", market="DE"))
    assert regulator.declared.by_severity == (
        Count(key="sev1", label="SEV1", count=1),
        Count(key="sev2", label="SEV2", count=1),
    )
    assert regulator.update_sla == (
        SeverityAttainment(severity="sev1", label="SEV1", met=2, missed=1, pending=0),
        SeverityAttainment(severity="sev2", label="SEV2", met=2, missed=2, pending=0),
    )
    assert regulator.followups == FollowUps(open=1, overdue=1)


def test_an_empty_period_has_zeros_and_no_rates(sessions: Session) -> None:
    kpis = compute_kpis(
        sessions, POLICY, Period.between(MONDAY - 30 * D, MONDAY - 20 * D), Scope(), NOW
    )

    assert kpis.declared.total == 0
    assert kpis.time_to_resolve == Timing(n=0, p50_seconds=None, p90_seconds=None, running=0)
    assert kpis.acknowledge_sla == ()
    assert kpis.deadlines.rate is None
    assert kpis.reopens.rate is None
    assert kpis.containment == ()
    assert kpis.followups == FollowUps(open=4, overdue=2)  # as of now, whatever the period


def test_the_result_dumps_to_json_with_its_rates(sessions: Session) -> None:
    dumped = _kpis(sessions).model_dump(mode="json")

    assert dumped["period"]["label"] == "last 7 days"
    assert dumped["reopens"] == {"resolved": 4, "reopened": 2, "rate": 0.5}
    assert dumped["deadlines"]["rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("text", "start", "label"),
    [
        ("7d", NOW - 7 * D, "last 7 days"),
        ("week", NOW - 7 * D, "last 7 days"),
        ("30D", NOW - 30 * D, "last 30 days"),
        ("1d", NOW - D, "last day"),
        ("3650d", NOW - 3650 * D, "last 3650 days"),
        ("quarter", datetime(2026, 10, 1, tzinfo=UTC), "2026 Q4 to date"),
    ],
)
def test_periods_end_now(text: str, start: datetime, label: str) -> None:
    period = Period.parse(text, NOW)

    assert (period.start, period.end, period.label) == (start, NOW, label)


@pytest.mark.parametrize("text", ["0d", "3651d", "fortnight", "7", "-7d"])
def test_a_bad_period_says_what_is_possible(text: str) -> None:
    with pytest.raises(BadPeriod, match="7d"):
        Period.parse(text, NOW)


def test_the_previous_period_is_as_long_and_ends_where_this_one_starts() -> None:
    this_week = Period.parse("7d", NOW)

    last_week = this_week.previous()

    assert (last_week.start, last_week.end) == (MONDAY - 7 * D, MONDAY)


def test_explicit_times_are_utc_and_ordered() -> None:
    naive = datetime(2026, 11, 1, 12, 0)  # noqa: DTZ001 - naive on purpose: read as UTC

    assert Period.between(naive, NOW).start == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(BadPeriod, match="must end after it starts"):
        Period.between(NOW, NOW - D)


def test_an_unknown_scope_lists_the_choices() -> None:
    with pytest.raises(BadScope, match="`counterfeit`"):
        scope_for(POLICY, domain="knitting")
    with pytest.raises(BadScope, match="`regulator`"):
        scope_for(POLICY, source="pigeon")
    with pytest.raises(BadScope, match="not a market code"):
        scope_for(POLICY, market="D")
    covered = Policy.model_validate({"intake": {"markets": ["DE", "FR"]}})
    with pytest.raises(BadScope, match="DE, FR"):
        scope_for(covered, market="IT")
