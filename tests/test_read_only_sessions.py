"""A long report must not hold SQLite's write lock: the bot goes on writing meanwhile."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.database import create_database_engine, create_session_factory, read_only
from storage.models import Incident
from tests.support.history import MONDAY, add_incident


def test_a_read_only_session_lets_others_write_while_it_reads(database_url: str) -> None:
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    with read_only(sessions)() as report:
        before = report.scalar(select(func.count()).select_from(Incident))  # transaction open

        with sessions.begin() as writer:  # would wait for the lock, then fail, on SQLite
            add_incident(writer, declared_at=MONDAY)

        during = report.scalar(select(func.count()).select_from(Incident))
    with sessions() as session:
        after = session.scalar(select(func.count()).select_from(Incident))
    engine.dispose()

    assert (before, after) == (0, 1)
    assert during in (0, 1)  # a snapshot on SQLite; read committed on PostgreSQL
    # SQLite (WAL) reads one snapshot for the whole transaction, from its first read: the
    # writer committed after it, so the report does not see the new row. PostgreSQL's
    # default, read committed, sees every row committed before each statement.
    expected_during = 0 if engine.dialect.name == "sqlite" else 1
    assert during == expected_during
