"""Weekly trends, worked out by hand from a small history, on SQLite and PostgreSQL.

``now`` is Thursday 19 Nov 2026; four weeks are the ones starting 26 Oct, 2 Nov, 9 Nov
and 16 Nov. The history (declared → resolved):

    A  Mon 16 Nov 09:00  sev1 counterfeit          DE   resolved after 2 h
    B  Tue 17 Nov 09:00  sev2 counterfeit               resolved after 4 h
    C  Tue 17 Nov 10:00  sev2 fraud_scam                open
    D  Sun 15 Nov 23:59  sev1 regulatory_request   (restricted, from a regulator) 2 h
    E  Tue 10 Nov 10:00  sev3 counterfeit          DE   resolved after 1 h
    F  Wed 11 Nov 09:00  sev3 fraud_scam                resolved after 10 h
    G  Mon 26 Oct 00:00  sev4 other                     open
    H  Sun 25 Oct 23:59  sev1 counterfeit               before the window

Week of 9 Nov resolves in 1 h, 2 h, 10 h: nearest-rank median is the 2nd (2 h), p90 the
3rd (10 h). Week of 16 Nov: 2 h, 4 h: median the 1st (2 h), p90 the 2nd (4 h).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy.orm import Session

from storage.database import create_database_engine, create_session_factory
from tests.support.history import MONDAY, add_incident
from workflows.errors import InvalidInput
from workflows.policy import Policy
from workflows.trends import WeeklyTrend, trend_title, weekly_trend

NOW = MONDAY + timedelta(days=3)
WEEKS = (date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16))
HOUR = 3600.0
POLICY = Policy()


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_database_engine(database_url)
    with create_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _history(session: Session) -> None:
    def incident(
        declared: datetime,
        severity: str,
        domain: str,
        hours: float | None,
        *,
        market: str | None = None,
        source: str | None = None,
        restricted: bool = False,
    ) -> None:
        resolved = declared + timedelta(hours=hours) if hours is not None else None
        add_incident(
            session,
            declared_at=declared,
            severity=severity,
            domain=domain,
            resolved_at=resolved,
            status="resolved" if resolved else "investigating",
            market=market,
            source=source,
            restricted=restricted,
        )

    day = timedelta(days=1)
    incident(MONDAY, "sev1", "counterfeit", 2, market="DE")  # A
    incident(MONDAY + day, "sev2", "counterfeit", 4)  # B
    incident(MONDAY + day + timedelta(hours=1), "sev2", "fraud_scam", None)  # C
    sunday_night = datetime(2026, 11, 15, 23, 59, tzinfo=UTC)
    incident(sunday_night, "sev1", "regulatory_request", 2, source="regulator", restricted=True)
    incident(datetime(2026, 11, 10, 10, 0, tzinfo=UTC), "sev3", "counterfeit", 1, market="DE")
    incident(datetime(2026, 11, 11, 9, 0, tzinfo=UTC), "sev3", "fraud_scam", 10)  # F
    incident(datetime(2026, 10, 26, 0, 0, tzinfo=UTC), "sev4", "other", None)  # G
    incident(datetime(2026, 10, 25, 23, 59, tzinfo=UTC), "sev1", "counterfeit", 1)  # H
    session.flush()


def _counts(trend: WeeklyTrend) -> dict[str, tuple[int, ...]]:
    return {series.key: series.counts for series in trend.series}


def test_counts_and_times_to_resolve_per_week_by_severity(session: Session) -> None:
    _history(session)

    trend = weekly_trend(session, POLICY, 4, "severity", NOW)

    assert trend.weeks == WEEKS
    assert [(s.key, s.label) for s in trend.series] == [
        ("sev1", "SEV1"),
        ("sev2", "SEV2"),
        ("sev3", "SEV3"),
        ("sev4", "SEV4"),
    ]
    assert _counts(trend) == {
        "sev1": (0, 0, 1, 1),  # D on the Sunday night is still the week of 9 Nov
        "sev2": (0, 0, 0, 2),
        "sev3": (0, 0, 2, 0),
        "sev4": (1, 0, 0, 0),  # G at Monday 00:00 opens the window; H just before is out
    }
    assert trend.declared == (1, 0, 3, 3)
    assert trend.total == 7
    assert trend.resolved == (0, 0, 3, 2)
    assert trend.median_resolve_seconds == (None, None, 2 * HOUR, 2 * HOUR)
    assert trend.p90_resolve_seconds == (None, None, 10 * HOUR, 4 * HOUR)
    assert trend.scope == ()
    assert trend_title(trend) == "Incidents per week by severity, last 4 weeks"


def test_by_domain_follows_the_policys_order_with_every_domain(session: Session) -> None:
    _history(session)

    trend = weekly_trend(session, POLICY, 4, "domain", NOW)

    assert [s.key for s in trend.series] == [d.key for d in POLICY.domains]
    assert trend.series[3].label == "Fraud / scam"
    nonzero = {key: counts for key, counts in _counts(trend).items() if any(counts)}
    assert nonzero == {
        "counterfeit": (0, 0, 1, 2),
        "fraud_scam": (0, 0, 1, 1),
        "regulatory_request": (0, 0, 1, 0),
        "other": (1, 0, 0, 0),
    }
    assert trend.median_resolve_seconds == (None, None, 2 * HOUR, 2 * HOUR)


def test_filters_narrow_counts_and_times(session: Session) -> None:
    _history(session)

    counterfeit = weekly_trend(session, POLICY, 4, "severity", NOW, domain="counterfeit")
    assert counterfeit.declared == (0, 0, 1, 2)
    assert counterfeit.median_resolve_seconds == (None, None, 1 * HOUR, 2 * HOUR)
    assert counterfeit.p90_resolve_seconds == (None, None, 1 * HOUR, 4 * HOUR)

    german = weekly_trend(session, POLICY, 4, "domain", NOW, market="DE")
    assert german.declared == (0, 0, 1, 1)
    assert german.scope == ("market DE",)

    regulator = weekly_trend(session, POLICY, 4, "severity", NOW, source="regulator")
    assert _counts(regulator)["sev1"] == (0, 0, 1, 0)
    assert regulator.declared == (0, 0, 1, 0)

    both = weekly_trend(session, POLICY, 4, "severity", NOW, domain="counterfeit", market="DE")
    assert both.declared == (0, 0, 1, 1)
    assert trend_title(both) == (
        "Incidents per week by severity, last 4 weeks · Counterfeit · market DE"
    )


def test_every_week_is_present_when_nothing_happened(session: Session) -> None:
    trend = weekly_trend(session, POLICY, 12, "severity", NOW)

    assert len(trend.weeks) == 12
    assert trend.weeks[-1] == date(2026, 11, 16)
    assert trend.weeks[0] == date(2026, 8, 31)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(trend.weeks))
    assert trend.declared == (0,) * 12
    assert trend.resolved == (0,) * 12
    assert trend.median_resolve_seconds == (None,) * 12
    assert [s.total for s in trend.series] == [0, 0, 0, 0]


def test_keys_the_policy_no_longer_lists_come_last_as_stored(session: Session) -> None:
    add_incident(session, declared_at=MONDAY, severity="sev0")
    add_incident(session, declared_at=MONDAY, severity="sev2")
    session.flush()

    trend = weekly_trend(session, POLICY, 2, "severity", NOW)

    assert [(s.key, s.label, s.counts) for s in trend.series[-2:]] == [
        ("sev4", "SEV4", (0, 0)),
        ("sev0", "sev0", (0, 1)),
    ]


def test_the_current_week_is_the_one_now_falls_in_in_utc(session: Session) -> None:
    sunday_late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    trend = weekly_trend(session, POLICY, 2, "severity", sunday_late)
    assert trend.weeks == (date(2026, 11, 9), date(2026, 11, 16))


@pytest.mark.parametrize("weeks", [1, 105])
def test_weeks_out_of_range_are_refused(session: Session, weeks: int) -> None:
    with pytest.raises(InvalidInput, match="2 to 104 weeks"):
        weekly_trend(session, POLICY, weeks, "severity", NOW)
