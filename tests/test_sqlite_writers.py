"""SQLite writers in one process queue on the engine's lock, and every way out of a
transaction gives it back: commit, rollback, an exception, a dropped connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.replay_ledger import ReplayLedger
from storage.database import (
    create_database_engine,
    create_session_factory,
    read_only,
    writer_queue,
)
from storage.models import Incident
from tests.support import databases
from tests.support.history import MONDAY, add_incident
from tests.support.waiting import wait_until

WAIT_SECONDS = 10.0  # far below the 30 s busy timeout: a leaked lock fails the test


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    engine = create_database_engine(databases.fresh_sqlite(sqlite_template, tmp_path))
    yield engine
    engine.dispose()


def write_elsewhere(sessions: sessionmaker[Session]) -> bool:
    """Write one incident from another thread; whether it finished in time."""
    done = threading.Event()

    def write() -> None:
        with sessions.begin() as session:
            add_incident(session, declared_at=MONDAY)
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(WAIT_SECONDS)


def start_writer(sessions: sessionmaker[Session], name: str, order: list[str]) -> threading.Thread:
    """Write incident ``name`` from another thread; ``order`` records when it committed."""

    def run() -> None:
        with sessions.begin() as session:
            add_incident(session, title=name, declared_at=MONDAY)
            order.append(name)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def test_a_second_writer_waits_for_the_first_and_then_writes(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    finished = threading.Event()
    with sessions.begin() as first:
        add_incident(first, declared_at=MONDAY)

        def second() -> None:
            with sessions.begin() as session:
                add_incident(session, declared_at=MONDAY)
            finished.set()

        threading.Thread(target=second, daemon=True).start()
        assert not finished.wait(0.2)  # queued behind the open transaction
    assert finished.wait(WAIT_SECONDS)
    assert count(sessions) == 2


def test_a_failed_transaction_gives_the_lock_back(engine: Engine) -> None:
    sessions = create_session_factory(engine)

    def fail_mid_transaction() -> None:
        with sessions.begin() as session:
            add_incident(session, declared_at=MONDAY)
            raise RuntimeError("a listener failed mid-transaction")

    with pytest.raises(RuntimeError):
        fail_mid_transaction()
    assert write_elsewhere(sessions)
    assert count(sessions) == 1


def test_a_failed_statement_gives_the_lock_back(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with pytest.raises(Exception, match="no_such_table"), sessions.begin() as session:
        session.execute(text("INSERT INTO no_such_table VALUES (1)"))
    assert write_elsewhere(sessions)


def test_a_connection_dropped_mid_transaction_gives_the_lock_back(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    connection = engine.connect()
    transaction = connection.begin()
    connection.invalidate()  # as when the driver reports the connection unusable
    transaction.rollback()
    connection.close()
    assert write_elsewhere(sessions)


def test_readers_do_not_queue_behind_a_writer(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    read = threading.Event()

    def report() -> None:
        with read_only(sessions)() as session:
            session.scalar(select(func.count()).select_from(Incident))
        read.set()

    with sessions.begin() as writer:
        add_incident(writer, declared_at=MONDAY)
        threading.Thread(target=report, daemon=True).start()
        assert read.wait(WAIT_SECONDS)


def test_the_replay_ledger_goes_before_background_writes(engine: Engine) -> None:
    """The replay ledger records each request before its ack: it must not queue behind
    every background transaction already waiting."""
    sessions = create_session_factory(engine)
    ledger = ReplayLedger(engine)

    def record_request() -> None:
        assert ledger.first_sighting("1800000000", "v0=urgent")
        order.append("urgent")

    queue = writer_queue(engine)
    assert queue is not None
    order: list[str] = []

    with sessions.begin() as holder:
        add_incident(holder, title="holder", declared_at=MONDAY)
        background = [start_writer(sessions, "background 1", order)]
        wait_until(lambda: queue.waiting == 1, "the first writer to queue")
        background.append(start_writer(sessions, "background 2", order))
        wait_until(lambda: queue.waiting == 2, "the second writer to queue")
        first = threading.Thread(target=record_request, daemon=True)
        first.start()
        wait_until(lambda: queue.waiting == 3, "the ledger to queue")
    for thread in [*background, first]:
        thread.join(WAIT_SECONDS)

    assert order[0] == "urgent"
    assert sorted(order[1:]) == ["background 1", "background 2"]


def test_waiting_writers_are_served_one_after_another_in_the_order_they_came(
    engine: Engine,
) -> None:
    """Each commit hands the lock to the next writer only; none is forgotten."""
    sessions = create_session_factory(engine)
    queue = writer_queue(engine)
    assert queue is not None
    order: list[str] = []
    names = [f"writer {n}" for n in range(1, 7)]
    with sessions.begin() as holder:
        add_incident(holder, title="holder", declared_at=MONDAY)
        writers = []
        for name in names:
            writers.append(start_writer(sessions, name, order))
            wait_until(lambda: queue.waiting == len(writers), f"{name} to queue")
    for thread in writers:
        thread.join(WAIT_SECONDS)

    assert order == names
    assert count(sessions) == 1 + len(names)
