"""The domain without Slack: a session, plain data, a clock — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from storage.database import create_database_engine, create_session_factory
from storage.models import Incident
from tests.support.clock import ManualClock
from workflows import incidents
from workflows.errors import IncidentNotFound, InvalidInput
from workflows.policy import Policy

POLICY = Policy()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    yield create_session_factory(engine)
    engine.dispose()


def _request(key: str = "slash:1", title: str = "Fire") -> incidents.DeclareRequest:
    return incidents.DeclareRequest(
        title=title, domain="other", severity="sev3", declared_by="U1", declare_key=key
    )


def test_times_come_back_aware_and_in_utc(sessions: sessionmaker[Session]) -> None:
    berlin = timezone(timedelta(hours=1))
    clock = ManualClock(datetime(2026, 3, 29, 3, 15, tzinfo=berlin))
    with sessions.begin() as session:
        created, _ = incidents.declare(session, _request(), POLICY, clock)

    with sessions() as session:
        stored = session.get_one(Incident, created.id)
    assert stored.declared_at == datetime(2026, 3, 29, 2, 15, tzinfo=UTC)
    assert stored.declared_at.tzinfo is UTC


def test_naive_times_are_refused(sessions: sessionmaker[Session]) -> None:
    clock = ManualClock(datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        incidents.declare(session, _request(), POLICY, clock)


def test_the_same_declare_key_declares_once_even_when_racing(
    sessions: sessionmaker[Session],
) -> None:
    clock = ManualClock()
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def declare() -> None:
        barrier.wait()
        with sessions.begin() as session:
            results.append(incidents.declare(session, _request("view:V1"), POLICY, clock)[1])

    threads = [threading.Thread(target=declare) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 7 + [True]
    with sessions() as session:
        assert session.query(Incident).count() == 1


def test_concurrent_changes_are_all_recorded(sessions: sessionmaker[Session]) -> None:
    clock = ManualClock()
    with sessions.begin() as session:
        created, _ = incidents.declare(session, _request(), POLICY, clock)

    def note(n: int) -> None:
        with sessions.begin() as session:
            incidents.add_note(session, created.id, f"note {n}", "U2", clock, policy=None)

    threads = [threading.Thread(target=note, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with sessions() as session:
        texts = {e.text for e in incidents.timeline(session, created.id) if e.kind == "note"}
    assert texts == {f"note {n}" for n in range(10)}


def test_unknown_values_and_incidents_are_refused(sessions: sessionmaker[Session]) -> None:
    clock = ManualClock()
    with sessions.begin() as session:
        created, _ = incidents.declare(session, _request(), POLICY, clock)
    with pytest.raises(InvalidInput, match="Unknown severity"), sessions.begin() as session:
        incidents.change_severity(session, created.id, "sev9", "U1", POLICY, clock)
    with pytest.raises(IncidentNotFound, match="INC-999"), sessions.begin() as session:
        incidents.change_status(session, 999, "resolved", "U1", POLICY, clock)
    with pytest.raises(InvalidInput, match="needs some text"), sessions.begin() as session:
        incidents.add_note(session, created.id, "   ", "U1", clock, policy=None)
