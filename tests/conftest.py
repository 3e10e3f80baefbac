"""Fixtures: each database-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from slack_sdk import WebClient

from tests.slack_standin import SlackStandIn
from tests.support import databases
from tests.support.cli import Run, runner
from tests.support.harness import Harness, running_firebreak

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

_postgres_skip_reason: list[str] = []


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    try:
        url = databases.create_postgres_database()
    except databases.PostgresUnavailable as error:
        reason = f"{error}: the PostgreSQL half of the suite was skipped"
        if databases.REQUIRE_POSTGRES:
            pytest.fail(f"{error} and FIREBREAK_REQUIRE_POSTGRES=1", pytrace=False)
        _postgres_skip_reason.append(reason)
        pytest.skip(reason)
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        return databases.fresh_sqlite(sqlite_template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    databases.empty_postgres(url)
    return url


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url) as running:
        yield running


@pytest.fixture
def cli_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[str], Run]:
    """``cli_on(url)("export", …)``: ``firebreak`` against the database at ``url``."""

    def bind(url: str) -> Run:
        return runner(url, monkeypatch, capsys)

    return bind


@pytest.fixture
def run_cli(database_url: str, cli_on: Callable[[str], Run]) -> Run:
    """``run_cli("audit", "INC-1")`` → (exit code, stdout, stderr), on this test's database."""
    return cli_on(database_url)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """A Slack stand-in on its own (tests of the stand-in; a module may override it)."""
    with SlackStandIn("s3cret") as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    """A Web API client pointed at the stand-in, with its bot token."""
    return WebClient(token="xoxb-standin", base_url=standin.api_url)


@pytest.fixture
def shared_dir() -> Path:
    """Slack's specs beside the checkout; tests that need them skip where they are absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not beside this checkout; this test reads Slack's specs from it")
    return SHARED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skip_reason:
        terminalreporter.write_line(
            f"PostgreSQL half SKIPPED: {_postgres_skip_reason[0]}", yellow=True
        )


# Property tests run the same examples everywhere, so a CI failure reproduces locally;
# HYPOTHESIS_PROFILE=explore searches afresh.
hypothesis_settings.register_profile("firebreak", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "firebreak"))
