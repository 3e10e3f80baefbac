"""Real databases for the suite: a SQLite file per test, and one PostgreSQL database per run.

PostgreSQL is at FIREBREAK_TEST_POSTGRES_URL (default the local server). When it
cannot be reached, its half of the suite is skipped with the reason, unless
FIREBREAK_REQUIRE_POSTGRES=1 (as in CI), which turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage import schema
from storage.database import create_database_engine, normalise_url
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "FIREBREAK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("FIREBREAK_REQUIRE_POSTGRES") == "1"


class PostgresUnavailable(Exception):
    pass


def migrated_sqlite_template(directory: Path) -> Path:
    """Migrate once per run; each test copies the file instead of migrating again."""
    path = directory / "template.db"
    engine = create_database_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    path = directory / "firebreak.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def create_postgres_database() -> str:
    """Create a throwaway database for this run, migrated to head; returns its URL."""
    server = make_url(normalise_url(POSTGRES_URL))
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"firebreak_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        raise PostgresUnavailable(
            f"PostgreSQL is not reachable at {server.render_as_string()} "
            f"({str(error.orig).strip().splitlines()[0] if error.orig else error})"
        ) from error
    finally:
        admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = create_database_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url


def drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(
        target.set(database=make_url(normalise_url(POSTGRES_URL)).database),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def empty_postgres(url: str) -> None:
    """Clear every table and restart numbering, so each test starts at INC-1."""
    engine = create_database_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def dispose(engine: Engine) -> None:
    engine.dispose()
