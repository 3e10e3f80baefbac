"""PostgreSQL connections are pinged before use only when they waited in the pool.

A connection that sat idle may have died with a database restart: the ping finds it
dead and the pool hands out a fresh one. One handed back moments ago is used as it is
(a round trip saved before every busy request's ack); if it did die, that one request
fails and every connection the pool held is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage import database
from storage.database import create_database_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no server to restart: its connections are never pinged")
    made = create_database_engine(database_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _kill_the_pooled_connection(engine: Engine, url: str) -> None:
    with engine.connect() as connection:
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    killer = create_database_engine(url)
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_dead_connection_that_waited_in_the_pool_is_replaced_before_use(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has waited long enough
    _kill_the_pooled_connection(engine, database_url)

    with engine.connect() as connection:
        assert connection.scalar(text("SELECT 1")) == 1


def test_a_connection_handed_back_moments_ago_is_used_without_a_ping(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)  # always "moments ago"
    _kill_the_pooled_connection(engine, database_url)

    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # unpinged: the one request that fails
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT 1")) == 1  # the pool replaced it
