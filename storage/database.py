"""Engines and sessions, tuned per backend.

SQLite gets WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE`` for every
transaction, so concurrent writers queue instead of failing or losing updates; writers
in one process queue on a lock of the engine's own first (:class:`WriterQueue`).
PostgreSQL relies on row locks taken by the queries that need them, and rides out a
restart: dead pooled connections are replaced, not handed out.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2
READ_ONLY = "firebreak_read_only"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_database_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # pool_pre_ping: after a database restart every pooled connection is dead; each is
    # tested on checkout and replaced, so the first request after the restart succeeds.
    # connect_timeout: a host that drops packets must not hold a request past Slack's
    # 3-second ack; the request fails fast and the user is told to try again.
    connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    if "connect_timeout" in make_url(url).query:
        connect_args = {}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


class WriterQueue:
    """One writer at a time per engine, handed over the moment the last one finishes.

    SQLite admits one writer; the others wait in its busy handler, which sleeps and
    retries in steps that grow to 100 ms. Under a burst of short transactions that turns
    a wait of a few milliseconds into tens or hundreds. Queueing the process's writers
    here first means a waiter wakes when the writer before it finishes, and a write a
    user is waiting on (the replay ledger's: ``bot.replay_ledger``) goes before work
    done in the background. SQLite's busy handler still arbitrates between processes (a
    CLI command beside the bot), so the queue is an optimisation, not the guarantee: a
    writer not served within the busy timeout goes on to ``BEGIN IMMEDIATE`` and SQLite
    decides.

    A writer finishing wakes one waiter, the longest waiting of the first class that has
    any: waking them all would have every one of them take the interpreter lock only to
    go back to sleep, once per commit.
    """

    def __init__(self, timeout: float) -> None:
        lock = threading.Lock()
        self._first_turn = threading.Condition(lock)  # writers that go first wait here
        self._turn = threading.Condition(lock)  # the others here
        self._timeout = timeout
        self._holder: tuple[int, object] | None = None  # (thread, connection)
        self._first_waiting = 0
        self.waiting = 0
        """How many writers wait now (for tests)."""

    def enter(self, connection: object, *, first: bool = False) -> None:
        """Wait for ``connection``'s turn; ``first`` goes ahead of the others waiting."""
        me = threading.get_ident()
        turn = self._first_turn if first else self._turn
        with turn:
            if self._holder is not None and self._holder[0] == me:
                return  # nested in this thread's own write: waiting would wait on itself
            self.waiting += 1
            self._first_waiting += first
            try:
                served = turn.wait_for(
                    lambda: self._holder is None and (first or not self._first_waiting),
                    timeout=self._timeout,
                )
            finally:
                self.waiting -= 1
                self._first_waiting -= first
            if not served:
                log.warning("waited %s s for the SQLite writer queue; going on", self._timeout)
                return
            self._holder = (me, connection)

    def held_here(self) -> bool:
        """Whether the calling thread holds the turn (is inside a write transaction)."""
        holder = self._holder
        return holder is not None and holder[0] == threading.get_ident()

    def leave(self, connection: object) -> None:
        """The end of ``connection``'s transaction (commit or rollback, however reached)."""
        with self._turn:
            if self._holder is not None and self._holder[1] is connection:
                self._holder = None
                (self._first_turn if self._first_waiting else self._turn).notify()


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The queue of a SQLite engine made here; None for other engines."""
    return _WRITER_QUEUES.get(engine)


def _configure_sqlite(engine: Engine) -> None:
    writers = _WRITER_QUEUES[engine] = WriterQueue(SQLITE_BUSY_TIMEOUT_SECONDS)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE can be emitted.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A report reading for seconds must not hold the write lock: in WAL mode a plain
        # BEGIN reads a snapshot while the bot goes on writing.
        options = connection.get_execution_options()
        if options.get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        writers.enter(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.leave(connection)
            raise

    # Both fire however the transaction ends: commit, rollback, an exception, close().
    event.listen(engine, "commit", writers.leave)
    event.listen(engine, "rollback", writers.leave)


def create_session_factory(engine: Engine) -> SessionFactory:
    # expire_on_commit=False: workflows hand plain snapshots out after commit.
    return sessionmaker(engine, expire_on_commit=False)


def read_only(sessions: SessionFactory) -> SessionFactory:
    """Sessions for long reads (reports, exports) that never take SQLite's write lock.

    Nothing stops such a session from writing, but on SQLite a write in it may fail
    with "database is locked" instead of waiting: use it only to read.
    """
    bind = sessions.kw["bind"]
    return sessionmaker(bind.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
