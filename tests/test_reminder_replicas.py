"""Two replicas on one database never send the same reminder.

The second test runs two whole apps, each with its own APScheduler, as two processes
would; the first drives two runners in lock-step for a sharper race.

Replica A is the harness's app; replica B is a second runner with its own engine and
connection pool against the same database, as a second process would have. Both fire
concurrently, in small batches, until nothing is due.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import create_app, reminder_runner, slack_client
from bot.scheduler import start_scheduler
from storage.database import create_database_engine, create_session_factory
from storage.models import Incident, Reminder
from tests.support.harness import SIGNING_SECRET, Harness, running_firebreak
from tests.support.policies import with_rotation
from workflows.reminders import ReminderRunner

INCIDENTS = 30


def _drain(runner: ReminderRunner, sent: list[str], start: threading.Barrier) -> None:
    start.wait()
    while True:
        report = runner.run_due(limit=3)
        sent.extend(report.sent)
        if not (report.sent or report.failed or report.superseded or report.cancelled):
            return


def test_two_replicas_send_each_due_reminder_exactly_once(database_url: str) -> None:
    with running_firebreak(database_url, with_rotation()) as harness:
        _declare_and_let_acknowledgement_lapse(harness)
        other_engine = create_database_engine(database_url)
        replica_b = reminder_runner(
            dataclasses.replace(
                harness.firebreak.services, sessions=create_session_factory(other_engine)
            )
        )
        sent_a: list[str] = []
        sent_b: list[str] = []
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=_drain, args=(harness.firebreak.reminders, sent_a, start)),
            threading.Thread(target=_drain, args=(replica_b, sent_b, start)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        other_engine.dispose()

        assert sorted(sent_a + sent_b) == sorted(f"inc{n}:acknowledge:0" for n in range(1, 31))
        assert set(sent_a).isdisjoint(sent_b)
        assert sent_a, "replica A sent nothing: the replicas did not run concurrently"
        assert sent_b, "replica B sent nothing: the replicas did not run concurrently"
        with harness.sessions() as session:
            channels = session.scalars(select(Incident.channel_id)).all()
            states = dict(
                session.execute(
                    select(Reminder.state, func.count())
                    .where(Reminder.kind == "acknowledge")
                    .group_by(Reminder.state)
                ).all()
            )
        assert states == {"sent": INCIDENTS, "pending": INCIDENTS}  # step 0 sent, step 1 planned
        for channel in channels:
            texts = [m.text for m in harness.standin.messages(str(channel))]
            assert sum("Still unacknowledged" in t for t in texts) == 1


def test_two_apps_with_their_own_schedulers_send_each_reminder_once(database_url: str) -> None:
    """Two whole replicas (app + APScheduler) start on one database with reminders due."""
    with running_firebreak(database_url, with_rotation()) as harness:
        _declare_and_let_acknowledgement_lapse(harness)
        other_engine = create_database_engine(database_url)
        replica_b = create_app(
            client=slack_client(harness.standin.bot_token, harness.standin.api_url),
            signing_secret=SIGNING_SECRET,
            sessions=create_session_factory(other_engine),
            policy=harness.firebreak.services.policy,
            clock=harness.clock,
        )

        schedulers = [start_scheduler(harness.firebreak), start_scheduler(replica_b)]
        try:
            deadline = time.monotonic() + 60
            while _sent(harness) < INCIDENTS:  # waiting on the schedulers' threads
                assert time.monotonic() < deadline, f"only {_sent(harness)} sent"
                time.sleep(0.05)
        finally:
            for scheduler in schedulers:
                scheduler.shutdown(wait=True)
            other_engine.dispose()

        assert _sent(harness) == INCIDENTS
        with harness.sessions() as session:
            channels = session.scalars(select(Incident.channel_id)).all()
        for channel in channels:
            texts = [m.text for m in harness.standin.messages(str(channel))]
            assert sum("Still unacknowledged" in t for t in texts) == 1


def _declare_and_let_acknowledgement_lapse(harness: Harness) -> None:
    harness.standin.rate_limits = False
    for n in range(INCIDENTS):
        harness.command(f"declare --sev 1 Wave {n}")
    harness.clock.advance(timedelta(minutes=5))


def _sent(harness: Harness) -> int:
    with harness.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(Reminder.kind == "acknowledge", Reminder.state == "sent")
            )
            or 0
        )
