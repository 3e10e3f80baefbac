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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select

from bot.app import Firebreak, create_app, reminder_runner, slack_client
from bot.scheduler import start_scheduler
from storage.database import create_database_engine, create_session_factory
from storage.models import Incident, Reminder
from tests.support.harness import CAROL, SIGNING_SECRET, Harness, running_firebreak
from tests.support.policies import (
    DIGEST_CHANNEL,
    ONCALL_CHANNEL,
    with_rotation,
    with_weekly_digest,
)
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
        replica_b = _second_app(harness, other_engine)

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


HANDOFF_AT = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Friday 18:00 Berlin
DIGEST_AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin, and the handback


def test_two_schedulers_post_the_handoff_and_the_weekly_digest_once(database_url: str) -> None:
    """Both replicas plan and fire on their own clocks' ticks; each post goes out once."""
    with running_firebreak(database_url, with_weekly_digest(with_rotation())) as harness:
        harness.standin.rate_limits = False
        for name, channel in (("ts-leads", DIGEST_CHANNEL), ("ts-oncall", ONCALL_CHANNEL)):
            harness.standin.add_channel(name, channel_id=channel, members=["U0FIREBOT", CAROL])
        harness.command("declare --sev 2 Counterfeit wave")
        other_engine = create_database_engine(database_url)
        replica_b = _second_app(harness, other_engine)
        schedulers = [start_scheduler(harness.firebreak), start_scheduler(replica_b)]
        try:
            _until(
                lambda: _pending(harness, "handoff") and _pending(harness, "weekly_digest"), "plans"
            )
            harness.clock.advance(HANDOFF_AT - harness.clock.now())
            _fire(schedulers)
            # Recorded, not only posted: days on the clock would end the lease of a replica
            # still sending, and the other would take the handoff over as a dead one's.
            _until(lambda: _state(harness, "handoff", HANDOFF_AT) == "sent", "the handoff")
            harness.clock.advance(DIGEST_AT - harness.clock.now())
            _fire(schedulers)
            _until(lambda: _posts(harness, DIGEST_CHANNEL, "") >= 1, "the digest")
            _fire(schedulers)  # and once more, both at once: nothing is due any longer
            time.sleep(0.5)  # let both schedulers' threads run (nothing to wait on)
            harness.standin.wait_idle()
        finally:
            for scheduler in schedulers:
                scheduler.shutdown(wait=True)
            other_engine.dispose()

        assert _posts(harness, ONCALL_CHANNEL, "Weekend handoff") == 1
        assert _posts(harness, ONCALL_CHANNEL, "handback") == 1
        digests = [m for m in harness.standin.messages(DIGEST_CHANNEL) if m.user == "U0FIREBOT"]
        assert sum("digest" in m.text.lower() for m in digests) == 1, [m.text for m in digests]
        with harness.sessions() as session:
            kinds = session.scalars(select(Reminder.kind).where(Reminder.state == "sent")).all()
        assert kinds.count("weekly_digest") == 1
    assert kinds.count("handoff") == 1


def _pending(harness: Harness, prefix: str) -> bool:
    with harness.sessions() as session:
        kinds = session.scalars(select(Reminder.kind).where(Reminder.state == "pending")).all()
    return any(kind.startswith(prefix) for kind in kinds)


def _state(harness: Harness, kind: str, due: datetime) -> str | None:
    with harness.sessions() as session:
        return session.scalar(
            select(Reminder.state).where(Reminder.kind == kind, Reminder.due_at == due)
        )


def _posts(harness: Harness, channel: str, words: str) -> int:
    return sum(
        words.lower() in m.text.lower()
        for m in harness.standin.messages(channel)
        if m.user == "U0FIREBOT"
    )


def _fire(schedulers: list[BackgroundScheduler]) -> None:
    """Wake both replicas' reminder jobs now, as their 15-second ticks would."""
    for scheduler in schedulers:
        scheduler.modify_job("fire-reminders", next_run_time=datetime.now(UTC))


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not done():  # waiting on the schedulers' threads
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _second_app(harness: Harness, engine: Engine) -> Firebreak:
    """Another whole app on the same database and Slack, as a second replica runs."""
    return create_app(
        client=slack_client(harness.standin.bot_token, harness.standin.api_url),
        signing_secret=SIGNING_SECRET,
        sessions=create_session_factory(engine),
        policy=harness.firebreak.services.policy,
        clock=harness.clock,
    )
