"""`/incident stats`: a fast "working on it", then the figures, privately; mistakes get usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commands.blocks.stats import stats_blocks
from tests.support.blocks import mrkdwn_text
from tests.support.harness import ALICE, BOB, CAROL, Harness
from tests.support.history import add_action, add_event, add_incident
from workflows.kpi_models import (
    Attainment,
    Count,
    Declared,
    FollowUps,
    KindTotal,
    Kpis,
    Reopens,
    Scope,
    SeverityAttainment,
    Timing,
)
from workflows.periods import Period

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def _history(harness: Harness) -> None:
    """Three incidents this week (one restricted), one a fortnight ago."""
    now = harness.clock.now()
    with harness.sessions.begin() as session:
        first = add_incident(
            session,
            declared_at=now - 2 * D,
            title="Counterfeit chargers",
            severity="sev1",
            domain="counterfeit",
            source="regulator",
            market="DE",
            acknowledged_at=now - 2 * D + 4 * M,
            resolved_at=now - 2 * D + 2 * H,
            status="resolved",
        )
        add_event(session, first, now - 2 * D + 20 * M, "status_update")
        add_action(session, first, now - 2 * D + 30 * M, "listing_removed", 1240)
        add_incident(
            session,
            declared_at=now - D,
            title="Seller identity ring",
            severity="sev2",
            domain="seller_identity",
            market="FR",
            restricted=True,
            acknowledged_at=now - D + 10 * M,
        )
        add_incident(
            session, declared_at=now - H, title="Refund fraud", severity="sev3", domain="fraud_scam"
        )
        add_incident(session, declared_at=now - 14 * D, title="Old one", market="DE")


def _answers(harness: Harness, text: str, user: str = ALICE) -> list[Any]:
    response = harness.command(f"stats {text}".strip(), user=user)
    assert response.status == 200
    assert response.problems == ()
    return harness.standin.ephemerals(user)


def _shown(message: Any) -> str:
    """Everything a reader sees: the header's plain text and every mrkdwn text."""
    headers = [b["text"]["text"] for b in message.blocks if b["type"] == "header"]
    return "\n".join([*headers, mrkdwn_text(message.blocks)])


def test_stats_answers_working_on_it_then_the_weeks_figures(harness: Harness) -> None:
    _history(harness)

    working, result = _answers(harness, "7d")

    assert working.text.startswith(":hourglass_flowing_sand: Working on it")
    assert result.text.startswith("Incident stats, last 7 days: 3 declared")
    shown = _shown(result)
    assert "Incident stats · last 7 days" in shown
    assert "*Declared: 3*" in shown
    assert "By severity: SEV1 1 · SEV2 1 · SEV3 1" in shown
    assert "By market: DE 1 · FR 1 · unspecified 1" in shown
    # Acknowledged after 4m and 10m: the median is the first (rank ⌈1⌉), p90 the second.
    assert "median 4m · p90 10m (2 measured)\n1 still running" in shown
    assert "SEV1: 1 met · 0 missed (100% met)" in shown
    assert "Listings removed: 1,240 (1 action)" in shown
    assert "2026-11-13 09:30 UTC → 2026-11-20 09:30 UTC · all domains, sources" in shown
    assert "By source: unspecified 2 · Regulator 1" in shown
    assert "median 2h · p90 2h (1 measured)\n2 still running" in shown  # to resolve
    # Restricted incidents are counted, but no incident is named.
    assert "By domain: Counterfeit 1 · Fraud / scam 1 · Seller identity 1" in shown
    assert "SEV2: 1 met · 0 missed (100% met)" in shown  # the restricted one, in 10m
    assert "Seller identity ring" not in shown
    assert "INC-" not in shown


def test_stats_narrow_by_domain_source_and_market_in_any_order(harness: Harness) -> None:
    _history(harness)

    result = _answers(harness, "de regulator 30d Counterfeit", user=BOB)[-1]

    shown = _shown(result)
    assert "Incident stats · last 30 days" in shown
    assert "domain counterfeit, source regulator, market DE" in shown
    assert "*Declared: 1*" in shown  # the fortnight-old DE one has no source
    assert "By severity: SEV1 1\nBy domain: Counterfeit 1\nBy source: Regulator 1" in shown
    assert "Listings removed: 1,240 (1 action)" in shown


def test_stats_default_to_the_last_seven_days(harness: Harness) -> None:
    _history(harness)

    shown = _shown(_answers(harness, "")[-1])

    assert "*Declared: 3*" in shown
    assert shown.startswith("Incident stats · last 7 days\n")


def test_stats_for_this_quarter(harness: Harness) -> None:
    _history(harness)

    result = _answers(harness, "quarter")[-1]

    assert "Incident stats · 2026 Q4 to date" in _shown(result)
    assert "*Declared: 4*" in _shown(result)


def test_a_word_that_is_nothing_known_gets_the_usage_at_once(harness: Harness) -> None:
    _history(harness)

    (answer,) = _answers(harness, "fortnight")

    assert (
        "I can't read `fortnight` as a period, domain or source, and no incident has market "
        "`FORTNIGHT`" in answer.text
    )
    assert "`/incident stats [period] [domain] [source] [market]`" in answer.text


def test_a_market_no_incident_had_is_refused_and_one_that_is_not_a_code_too(
    harness: Harness,
) -> None:
    _history(harness)

    assert "*Declared: 1*" in _shown(_answers(harness, "fr")[-1])
    (unknown,) = _answers(harness, "IT", user=BOB)
    assert "no incident has market `IT`" in unknown.text
    (malformed,) = _answers(harness, "fraud_scma", user=CAROL)
    assert "I can't read `fraud_scma` as a period, domain, source or market." in malformed.text


def test_two_periods_or_a_bad_length_are_refused(harness: Harness) -> None:
    (twice,) = _answers(harness, "7d 30d")
    assert "Give one period at most (`7d` and `30d`)" in twice.text

    too_long = _answers(harness, "9999d")[-1]
    assert "A period is 1 to 3650 days long, not 9999" in too_long.text


def _crowded() -> Kpis:
    """More of everything than a message holds: 100 domains, 300 markets, 50 kinds."""
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    many = tuple(
        Count(key=f"k{i}", label=f"<!channel> label {i:02d}".ljust(40, "x"), count=i)
        for i in range(300)
    )
    timing = Timing(n=10**6, p50_seconds=59.4, p90_seconds=10**8, running=10**5)
    rows = tuple(
        SeverityAttainment(
            severity=f"s{i}", label=f"Severity {i}".ljust(40, "x"), met=i, missed=1, pending=2
        )
        for i in range(20)
    )
    return Kpis(
        period=Period.parse("3650d", now),
        scope=Scope(domain="d" * 64, market="US-CA", source="s" * 64),
        as_of=now,
        declared=Declared(
            total=10**6,
            by_severity=many[:20],
            by_domain=many[:100],
            by_source=many[:50],
            by_market=many,
        ),
        time_to_acknowledge=timing,
        time_to_contain=timing,
        time_to_resolve=timing,
        acknowledge_sla=rows,
        update_sla=rows,
        deadlines=Attainment(met=0, missed=0, pending=3),
        containment=tuple(
            KindTotal(kind=f"k{i}", label="Listings removed".ljust(40, "x"), total=10**9, actions=i)
            for i in range(50)
        ),
        followups=FollowUps(open=5, overdue=0),
        reopens=Reopens(resolved=0, reopened=0),
    )


def test_the_stats_message_keeps_within_block_kit_limits() -> None:
    blocks = stats_blocks(_crowded())

    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        elif block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
        elif "fields" in block:
            assert len(block["fields"]) <= 10
            assert all(len(f["text"]) <= 2000 for f in block["fields"])
        else:
            assert len(block["text"]["text"]) <= 3000
    shown = mrkdwn_text(blocks)
    assert "<!channel>" not in shown  # labels are escaped
    assert "290 others 44,805" in shown  # markets past the tenth are summed: 10 + … + 299
    assert "median 1m · p90 165w2d9h46m (1,000,000 measured)" in shown
    assert "0 met · 0 missed · 3 pending" in shown  # no rate without a decision
