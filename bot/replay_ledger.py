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
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import writes_first
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
    """Records accepted requests; answers whether one was seen before."""

    def __init__(self, engine: Engine, now: Callable[[], float] = time.time) -> None:
        # The request waits for this write before it is acknowledged, so it takes the
        # shortest way: one autocommit round trip on PostgreSQL; on SQLite, ahead of the
        # background writers queued in this process.
        postgres = engine.dialect.name == "postgresql"
        self._engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if postgres
            else writes_first(engine)
        )
        # Built once: the digest and time are bound per request.
        insert = postgresql.insert if postgres else sqlite.insert
        self._record = (
            insert(RequestReplay).on_conflict_do_nothing().returning(RequestReplay.digest)
        )
        self._now = now
        self._lock = threading.Lock()
        self._next_prune = float("-inf")

    def first_sighting(self, timestamp: str, signature: str) -> bool:
        """Record the request; False when it had been recorded already (a replay)."""
        now = self._now()
        seen_at = datetime.fromtimestamp(now, UTC)
        row = {"digest": request_digest(timestamp, signature), "seen_at": seen_at}
        with self._engine.begin() as connection:
            if self._prune_due(now):
                cutoff = datetime.fromtimestamp(now - KEEP_SECONDS, UTC)
                connection.execute(delete(RequestReplay).where(RequestReplay.seen_at < cutoff))
            return connection.execute(self._record, row).first() is not None

    def _prune_due(self, now: float) -> bool:
        """At most once a minute per process: pruning is cheap, but not free."""
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + PRUNE_EVERY_SECONDS
            return True
