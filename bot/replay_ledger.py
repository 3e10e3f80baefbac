"""Which signed requests were already accepted, kept in the database every replica shares.

A captured request stays correctly signed for Slack's whole five-minute window; only
remembering its signature stops someone from sending it again, and only the database
lets a second replica know what the first one accepted. One INSERT per request: a
conflict on the primary key is the replay.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import Compiled

from storage.database import writer_queue
from storage.models import RequestReplay

SIGNATURE_WINDOW_SECONDS = 5 * 60
"""Slack's window: a request whose timestamp is further from now than this is refused."""
KEEP_SECONDS = 2 * SIGNATURE_WINDOW_SECONDS
"""A request seen at ``t`` carried a timestamp of at most ``t + window`` and so stays
acceptable until ``t + 2 * window``; after that its row can go."""
PRUNE_EVERY_SECONDS = 60.0


def request_digest(timestamp: str, signature: str) -> str:
    """A fixed-length key for one (timestamp, signature) pair."""
    return hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class ReplayLedger:
    """Records accepted requests; answers whether one was seen before.

    Every request waits for this write before it is acknowledged, and under load it was
    a third of the ack's own CPU when it went through SQLAlchemy's connection,
    transaction and event machinery. So the ledger keeps one DBAPI connection of its
    own, in autocommit, and runs one precompiled statement on it: one round trip on
    PostgreSQL (no checkout ping: a connection a restart killed is replaced and the
    statement sent again); on SQLite one statement that goes ahead of the background
    writers queued in this process (``storage.database.WriterQueue``).

    Database errors are raised as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError`.
    """

    def __init__(self, engine: Engine, now: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._writers = writer_queue(engine)
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._record = _Statement(
            engine,
            insert(RequestReplay)
            .values(digest=bindparam("digest"), seen_at=bindparam("seen_at"))
            .on_conflict_do_nothing()
            .returning(RequestReplay.digest),
        )
        self._prune = _Statement(
            engine, delete(RequestReplay).where(RequestReplay.seen_at < bindparam("cutoff"))
        )
        self._now = now
        self._lock = threading.Lock()
        self._connection: Any = None
        self._closer: weakref.finalize[[], ReplayLedger] | None = None
        self._next_prune = float("-inf")
        # Its connection goes with the engine's: whoever disposes the engine closes it.
        ledger = weakref.ref(self)
        event.listen(engine, "engine_disposed", lambda _engine: _close(ledger()))

    def first_sighting(self, timestamp: str, signature: str) -> bool:
        """Record the request; False when it had been recorded already (a replay)."""
        now = self._now()
        row = {
            "digest": request_digest(timestamp, signature),
            "seen_at": datetime.fromtimestamp(now, UTC),
        }
        with self._lock:
            if now >= self._next_prune:  # at most once a minute: cheap, but not free
                self._next_prune = now + PRUNE_EVERY_SECONDS
                cutoff = datetime.fromtimestamp(now - KEEP_SECONDS, UTC)
                self._execute(self._prune, {"cutoff": cutoff})
            return bool(self._execute(self._record, row))

    def close(self) -> None:
        """Close the ledger's connection (a later request opens a new one); the engine's
        ``dispose()`` does it too."""
        with self._lock:
            self._drop_connection()

    def _execute(self, statement: _Statement, values: Mapping[str, Any]) -> list[Any]:
        """Run ``statement`` once; again on a fresh connection when the old one was dead."""
        try:
            return self._run(statement, values)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        # The database dropped the connection (a restart, an idle timeout): send the
        # statement again on a new one. Had the drop come after the request was recorded,
        # the second try finds it and the request is refused as a replay; Slack shows the
        # user an error and they try again. Nothing is recorded twice either way.
        return self._run(statement, values)

    def _run(self, statement: _Statement, values: Mapping[str, Any]) -> list[Any]:
        dialect = self._engine.dialect
        connection = cursor = None
        try:
            connection = self._connection or self._connect()
            if self._writers is not None:
                self._writers.enter(connection, first=True)
            try:
                cursor = connection.cursor()
                cursor.execute(statement.sql, statement.parameters(values))
                return cursor.fetchall() if cursor.description else []
            finally:
                if self._writers is not None:
                    self._writers.leave(connection)
        except dialect.loaded_dbapi.Error as error:
            dead = connection is not None and dialect.is_disconnect(error, connection, cursor)
            if dead:
                self._drop_connection()
            raise DBAPIError.instance(
                statement.sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=dead,
                dialect=dialect,
            ) from error
        finally:
            if cursor is not None and self._connection is not None:
                cursor.close()

    def _connect(self) -> Any:
        """A connection of the ledger's own: configured as the engine's, out of its pool."""
        pooled = self._engine.raw_connection()
        connection: Any = pooled.dbapi_connection
        pooled.detach()
        if self._engine.dialect.name == "postgresql":
            connection.autocommit = True
        # (SQLite connections already commit each statement: see storage.database.)
        self._connection = connection
        self._closer = weakref.finalize(self, connection.close)
        return connection

    def _drop_connection(self) -> None:
        if self._closer is not None:
            self._closer()  # closes at most once, and is called at exit if never here
        self._connection = self._closer = None


def _close(ledger: ReplayLedger | None) -> None:
    if ledger is not None:
        ledger.close()


class _Statement:
    """A statement compiled once for ``engine``'s driver, with its parameters in order."""

    def __init__(self, engine: Engine, statement: Any) -> None:
        compiled: Compiled = statement.compile(dialect=engine.dialect)
        self.sql = compiled.string
        binds = compiled.binds  # type: ignore[attr-defined]
        self._processors = {
            name: bind.type.bind_processor(engine.dialect) for name, bind in binds.items()
        }
        self._order: Sequence[str] | None = compiled.positiontup  # type: ignore[attr-defined]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """``values`` as the driver takes them: converted by each column's type."""
        converted = {
            name: process(values[name]) if process else values[name]
            for name, process in self._processors.items()
        }
        if self._order is None:
            return converted
        return [converted[name] for name in self._order]
