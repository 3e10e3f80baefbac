"""kill -9 of the real bot process during a declare or a reminder, then a restart.

The bot runs as ``python -m bot.cli serve`` (HTTP mode) against a stand-in in this test.
The kill is deterministic: the stand-in holds one chosen Web API call in flight (after
Slack carried it out, or before), the test SIGKILLs the bot while it waits for the
answer, then lets the call go. Leases last two minutes of real time; instead of waiting,
the test runs them out in the database ("two minutes later"), which is what the clock
would do. ``FIREBREAK_RESUME_AFTER_SECONDS=1`` makes the resume job run every second.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.database import create_database_engine, create_session_factory
from storage.models import Incident, Reminder, TimelineEvent
from tests.slack_standin import Message, SlackStandIn
from tests.support.harness import ALICE, BROADCAST_CHANNEL, GENERAL, SIGNING_SECRET
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 15.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tagged(messages: list[Message], kind: str, key: int) -> list[Message]:
    return [
        m
        for m in messages
        if m.metadata is not None
        and m.metadata.get("event_type") == f"firebreak_{kind}"
        and m.metadata.get("event_payload", {}).get("key") == str(key)
    ]


class Bot:
    """Starts, kills and restarts ``firebreak serve`` against one stand-in and database."""

    def __init__(self, standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
        self.standin = standin
        self.port = _free_port()
        policy = tmp_path / "policy.yml"
        policy.write_text(f"channels:\n  broadcast: {BROADCAST_CHANNEL}\n")
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "FIREBREAK_CONFIG": str(policy),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "FIREBREAK_RESUME_AFTER_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        self.log = tmp_path / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        standin.request_url = f"http://127.0.0.1:{self.port}/slack/events"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no commit."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def bot_and_database(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[Bot, sessionmaker[Session]]]:
    engine = create_database_engine(database_url)
    with SlackStandIn(signing_secret=SIGNING_SECRET) as standin:
        bot = Bot(standin, database_url, tmp_path)
        try:
            yield bot, create_session_factory(engine)
        finally:
            bot.stop()
            standin.clear_faults()
            engine.dispose()
            assert standin.internal_errors == []


def _incidents(sessions: sessionmaker[Session]) -> list[Incident]:
    with sessions() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def _run_out_leases(sessions: sessionmaker[Session]) -> None:
    """What two minutes would do: every lease a dead worker held has run out."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with sessions.begin() as session:
        session.execute(
            update(Incident)
            .where(Incident.provision_lease_until.is_not(None))
            .values(provision_lease_until=past)
        )
        session.execute(
            update(Reminder).where(Reminder.claimed_until.is_not(None)).values(claimed_until=past)
        )


# The calls of one declare, in order (no rotation: no on-call invite or page).
DECLARE_CALLS = [
    ("conversations.create", 1, True),
    ("conversations.create", 1, False),
    ("conversations.invite", 1, True),
    ("chat.postMessage", 1, True),  # the card
    ("pins.add", 1, True),
    ("conversations.setTopic", 1, True),
    ("chat.postMessage", 2, True),  # the announcement
    ("chat.postMessage", 2, False),
]


@pytest.mark.parametrize(("method", "nth", "carry_out"), DECLARE_CALLS)
def test_a_declare_killed_during_any_slack_call_resumes_to_one_whole_incident(
    database_url: str, tmp_path: Path, method: str, nth: int, carry_out: bool
) -> None:
    with bot_and_database(database_url, tmp_path) as (bot, sessions):
        standin = bot.standin
        bot.start()
        hold = standin.hold(method, nth=nth, carry_out=carry_out)
        assert (
            standin.slash_command(ALICE, GENERAL, "/incident", "declare Killed midway").status
            == 200
        )
        hold.wait_held()
        bot.kill()
        hold.release()
        (incident,) = _incidents(sessions)
        assert incident.provisioned_at is None  # a half incident, for now

        _run_out_leases(sessions)
        bot.start()
        wait_until(
            lambda: _incidents(sessions)[0].provisioned_at is not None,
            "provisioning",
            timeout=15,
            poll=0.1,
        )

        (incident,) = _incidents(sessions)
        created = [c for c in standin.calls_to("conversations.create") if c.ok]
        assert [c.response["channel"]["id"] for c in created] == [incident.channel_id]
        channel = standin.channel(str(incident.channel_id))
        assert ALICE in channel.members
        (card,) = _tagged(standin.messages(channel.id), "card", incident.id)
        assert card.ts == incident.card_ts
        assert channel.pins == [card.ts]
        assert channel.topic.startswith("INC-1")
        (announced,) = _tagged(standin.messages(BROADCAST_CHANNEL), "announcement", incident.id)
        assert announced.ts == incident.announcement_ts


@pytest.mark.parametrize("carry_out", [True, False], ids=["after-slack-took-it", "before"])
def test_a_reminder_killed_in_flight_is_delivered_exactly_once(
    database_url: str, tmp_path: Path, carry_out: bool
) -> None:
    with bot_and_database(database_url, tmp_path) as (bot, sessions):
        standin = bot.standin
        bot.start()
        assert (
            standin.slash_command(ALICE, GENERAL, "/incident", "declare Nobody answers").status
            == 200
        )
        wait_until(
            lambda: (_incidents(sessions) or [Incident()])[0].provisioned_at,
            "provisioning",
            timeout=15,
            poll=0.1,
        )
        bot.kill()
        # An hour on: the acknowledgement reminder is five minutes overdue.
        with sessions.begin() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.key == "inc1:acknowledge:0")
                .values(due_at=datetime.now(UTC) - timedelta(minutes=5))
            )
        hold = standin.hold("chat.postMessage", carry_out=carry_out)
        bot.start()  # the reminder job runs at once
        hold.wait_held()
        bot.kill()
        hold.release()

        _run_out_leases(sessions)
        bot.start()

        def reminder() -> Reminder:
            with sessions() as session:
                return session.scalars(
                    select(Reminder).where(Reminder.key == "inc1:acknowledge:0")
                ).one()

        wait_until(
            lambda: reminder().state == "sent",
            "the reminder to be marked sent",
            timeout=15,
            poll=0.1,
        )
        (incident,) = _incidents(sessions)
        posted = _tagged(standin.messages(str(incident.channel_id)), "reminder", reminder().id)
        assert len(posted) == 1
        if not carry_out:
            assert "late" in posted[0].text  # sent after the crash, and says so
        with sessions() as session:
            events = session.scalars(
                select(TimelineEvent.kind).where(TimelineEvent.kind == "reminder_sent")
            ).all()
        assert len(events) == 1
