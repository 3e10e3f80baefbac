"""`firebreak stats`: the KPIs on the command line, as text or JSON, from DATABASE_URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import cli
from storage.database import create_database_engine, create_session_factory
from tests.support.cli import Run
from tests.support.history import add_followup, add_incident

H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def history(database_url: str) -> datetime:
    """Two incidents this week, one last month; times relative to the real now (the CLI's)."""
    now = datetime.now(UTC).replace(microsecond=0)
    engine = create_database_engine(database_url)
    with create_session_factory(engine).begin() as session:
        add_incident(
            session,
            declared_at=now - 2 * D,
            severity="sev1",
            domain="counterfeit",
            source="regulator",
            market="DE",
            acknowledged_at=now - 2 * D + timedelta(minutes=3),
            resolved_at=now - 2 * D + 2 * H,
            status="resolved",
        )
        second = add_incident(
            session, declared_at=now - 3 * D, severity="sev3", domain="fraud_scam", restricted=True
        )
        add_followup(session, second, now - 3 * D, due_at=now - D)
        add_incident(session, declared_at=now - 40 * D, domain="counterfeit")
    engine.dispose()
    return now


def test_stats_as_json_is_the_kpis_model(history: datetime, run_cli: Run) -> None:
    code, out, _err = run_cli("stats", "7d", "--format", "json")

    assert code == 0
    dumped = json.loads(out)
    assert dumped["period"]["label"] == "last 7 days"
    assert dumped["declared"]["total"] == 2
    # The SEV1 was acknowledged after 3 minutes; the SEV3, never, and it is still open.
    assert dumped["time_to_acknowledge"] == {
        "n": 1,
        "p50_seconds": 180.0,
        "p90_seconds": 180.0,
        "running": 1,
    }
    assert dumped["followups"] == {"open": 1, "overdue": 1}
    assert dumped["acknowledge_sla"][0] == {
        "severity": "sev1",
        "label": "SEV1",
        "met": 1,
        "missed": 0,
        "pending": 0,
        "rate": 1.0,
    }


def test_stats_as_text_narrowed_by_domain_and_market(history: datetime, run_cli: Run) -> None:
    since = (history - 60 * D).isoformat()

    code, out, _err = run_cli(
        "stats", "--since", since, "--domain", "Counterfeit", "--market", "de"
    )

    assert code == 0
    assert out.startswith(f"Incident stats, {(history - 60 * D):%Y-%m-%d %H:%M} UTC to ")
    assert "domain counterfeit, market DE" in out
    assert "Declared: 1\n" in out  # last month's counterfeit incident has no market
    assert "Time to acknowledge  median 3m, p90 3m (n=1), 0 running" in out
    assert "  SEV1         1 met, 0 missed (100%), 0 pending" in out


def test_stats_refuses_what_it_cannot_read(
    history: datetime, run_cli: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli("stats", "--domain", "knitting")
    assert (code, out) == (2, "")
    assert "Unknown domain 'knitting'. Choose one of 'counterfeit'" in err

    code, out, err = run_cli("stats", "fortnight")
    assert (code, out) == (2, "")
    assert "'fortnight' is not a period" in err

    code, out, err = run_cli("stats", "30d", "--since", "2026-01-01")
    assert (code, out) == (2, "")
    assert "not both" in err

    with pytest.raises(SystemExit) as exited:
        cli.main(["stats", "--since", "last tuesday"])
    assert exited.value.code == 2
    assert "is not an ISO 8601 time" in capsys.readouterr().err
