"""Engines and sessions, tuned per backend.

SQLite gets WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE`` for every
transaction, so concurrent writers in one process queue instead of failing or
losing updates. PostgreSQL relies on row locks taken by the queries that need them,
and rides out a restart: dead pooled connections are replaced, not handed out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]

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


def _configure_sqlite(engine: Engine) -> None:
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
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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
