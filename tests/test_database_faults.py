"""PostgreSQL restarted under load: refused requests say so, nothing is half-written, and
everything works again once the database is back, without anyone touching the bot.

The database is a private cluster of this module's own (the shared server must never go
down), really stopped and started with ``pg_ctl``. Several users declare, note, click
and log actions at once while it is down.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from sqlalchemy import func, select

from bot.scheduler import start_scheduler
from storage.models import Incident, Reminder, TimelineEvent
from tests.slack_standin import InboundResponse
from tests.support.consistency import assert_consistent
from tests.support.harness import ALICE, BOB, CAROL, DAVE, GENERAL, Harness, running_firebreak
from tests.support.policies import with_rotation
from tests.support.private_postgres import PrivatePostgres, running_private_postgres
from tests.support.waiting import wait_until

UNREACHABLE = "I couldn't save that: the database is unreachable"
USERS = (ALICE, BOB, CAROL, DAVE)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    with running_private_postgres() as running:
        yield running


@pytest.fixture
def harness(cluster: PrivatePostgres) -> Iterator[Harness]:
    if not cluster.running():
        cluster.start()
    with running_firebreak(cluster.create_database()) as running:
        running.standin.rate_limits = False
        yield running


def test_requests_while_the_database_is_down_are_refused_clearly_and_work_after_it(
    harness: Harness, cluster: PrivatePostgres
) -> None:
    channel = harness.declare("Counterfeit chargers")
    card = harness.card().ts
    # Every pooled connection has been used, so each one is stale after the restart.
    _all_at_once(harness, _load(harness, channel.id, card, "before"))
    events_before = len(harness.events())

    cluster.stop()
    assert _health(harness) == (503, "unreachable")
    answers = _all_at_once(harness, _load(harness, channel.id, card, "during"))

    for answer in answers:
        assert answer.status == 200
        assert answer.problems == (), answer.problems  # acknowledged within Slack's 3 s
    for user in USERS:
        told = [m.text for m in harness.standin.ephemerals(user)]
        assert sum(UNREACHABLE in text for text in told) == 4, told
        assert all("Nothing was changed; try again in a moment" in t for t in told[-4:])

    cluster.start()
    # The first request after the restart must not meet a dead pooled connection.
    first = harness.command("note Back after the restart", channel=channel.id)
    assert first.problems == ()
    assert _health(harness) == (200, "ok")
    answers = _all_at_once(harness, _load(harness, channel.id, card, "after"))

    assert all(a.problems == () for a in answers)
    for user in USERS:
        assert sum(UNREACHABLE in m.text for m in harness.standin.ephemerals(user)) == 4
    incidents = harness.incidents()
    titles = {i.title for i in incidents}
    assert {f"Declared after by {user}" for user in USERS} <= titles
    assert not any("during" in title for title in titles)  # nothing from the outage
    assert all(i.card_ts is not None for i in incidents)  # every one provisioned
    notes = [e.text for e in harness.events() if e.kind == "note"]
    assert "Back after the restart" in notes
    assert {f"after from {user}" for user in USERS} <= set(notes)
    assert not any("during" in note for note in notes)
    assert len(harness.events()) > events_before
    with harness.sessions() as session:
        assert_consistent(session)


def test_the_first_requests_after_a_quiet_restart_meet_no_dead_connection(
    harness: Harness, cluster: PrivatePostgres
) -> None:
    """Nobody asked anything while it was down: every pooled connection is stale."""
    channel = harness.declare("Prohibited items relisted")
    card = harness.card().ts
    _all_at_once(harness, _load(harness, channel.id, card, "before"))

    cluster.restart()
    answers = _all_at_once(harness, _load(harness, channel.id, card, "after"))

    assert all(a.problems == () for a in answers)
    for user in USERS:
        assert not [m.text for m in harness.standin.ephemerals(user) if UNREACHABLE in m.text]
    notes = [e.text for e in harness.events() if e.kind == "note"]
    assert {f"after from {user}" for user in USERS} <= set(notes)


def test_a_restart_in_the_middle_of_load_leaves_nothing_half_written(
    harness: Harness, cluster: PrivatePostgres
) -> None:
    """Requests race a real restart: each is either done in full or refused, never half."""
    channel = harness.declare("Seller fraud ring")
    card = harness.card().ts
    stop = threading.Event()
    answers: list[tuple[str, str, InboundResponse]] = []
    lock = threading.Lock()

    def user_loop(user: str) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            for kind, act in _acts_of(harness, user, channel.id, card, f"{n}"):
                answer = act()
                with lock:
                    answers.append((user, kind, answer))

    threads = [threading.Thread(target=user_loop, args=(user,)) for user in USERS]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # load running before the restart (wall time, not a result)
    cluster.restart(outage_seconds=1.0)
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    harness.settle()

    assert answers
    bad = [(u, k, a.status, a.problems) for u, k, a in answers if a.status != 200 or a.problems]
    assert not bad, bad
    # Provisioning cut off by the outage is finished by the resume job once its lease ends.
    harness.clock.advance(timedelta(minutes=3))
    harness.firebreak.services.provisioner.resume_pending()
    with harness.sessions() as session:
        assert_consistent(session)
        unprovisioned = session.scalar(
            select(func.count()).where(Incident.provisioned_at.is_(None))
        )
    assert unprovisioned == 0
    refused = sum(UNREACHABLE in m.text for user in USERS for m in harness.standin.ephemerals(user))
    assert refused > 0, "the restart refused nothing: it did not happen under load"
    after = harness.command("note All quiet again", channel=channel.id)
    assert after.problems == ()
    assert harness.events()[-1].text == "All quiet again"


def test_a_reminder_due_during_the_outage_is_sent_once_after_it(cluster: PrivatePostgres) -> None:
    if not cluster.running():
        cluster.start()
    with running_firebreak(cluster.create_database(), with_rotation()) as harness:
        channel = harness.declare("Payout account takeover")
        harness.command("declare --sev 1 Unacknowledged while down")
        paged = harness.incidents()[-1]
        failures: list[JobExecutionEvent] = []

        cluster.stop()
        harness.clock.advance(timedelta(minutes=6))  # the acknowledgement reminder falls due
        scheduler = start_scheduler(harness.firebreak)
        scheduler.add_listener(failures.append, EVENT_JOB_ERROR)
        try:
            scheduler.modify_job("fire-reminders", next_run_time=datetime.now(UTC))
            wait_until(
                lambda: any(f.job_id == "fire-reminders" for f in failures),
                "a failed run",
                timeout=30,
                poll=0.05,
            )
            assert scheduler.get_job("fire-reminders") is not None  # the job outlives it

            cluster.start()
            scheduler.modify_job("fire-reminders", next_run_time=datetime.now(UTC))
            wait_until(
                lambda: _reminders_sent(harness) >= 1,
                "the reminder after the restart",
                timeout=30,
                poll=0.05,
            )
            scheduler.modify_job("fire-reminders", next_run_time=datetime.now(UTC))
            harness.standin.wait_idle()
        finally:
            scheduler.shutdown(wait=True)

        assert paged.channel_id is not None
        texts = [m.text for m in harness.standin.messages(paged.channel_id)]
        assert sum("Still unacknowledged" in text for text in texts) == 1
        assert channel.id != paged.channel_id
        with harness.sessions() as session:
            assert_consistent(session)
            reminded = session.scalars(
                select(TimelineEvent.kind).where(TimelineEvent.incident_id == paged.id)
            ).all()
        assert reminded.count("reminder_sent") == 1


# Load: what each user does, once


def _load(
    harness: Harness, channel_id: str, card_ts: str, tag: str
) -> list[tuple[str, Callable[[], InboundResponse]]]:
    return [act for user in USERS for act in _acts_of(harness, user, channel_id, card_ts, tag)]


def _acts_of(
    harness: Harness, user: str, channel_id: str, card_ts: str, tag: str
) -> list[tuple[str, Callable[[], InboundResponse]]]:
    """One user's load: a declaration, a note, a card click and a containment action."""
    standin = harness.standin
    severity = {ALICE: "sev1", BOB: "sev2", CAROL: "sev3", DAVE: "sev1"}[user]
    return [
        ("declare", _bind(standin.slash_command, user, GENERAL, "/incident", _title(tag, user))),
        (
            "note",
            _bind(standin.slash_command, user, channel_id, "/incident", f"note {tag} from {user}"),
        ),
        (
            "click",
            lambda: standin.click(
                user, channel_id, card_ts, "incident_severity", selected_option=severity
            ),
        ),
        (
            "action",
            _bind(
                standin.slash_command,
                user,
                channel_id,
                "/incident",
                f"action listing_removed 3 {tag} by {user}",
            ),
        ),
    ]


def _title(tag: str, user: str) -> str:
    return f"declare Declared {tag} by {user}"


def _bind(send: Callable[..., InboundResponse], *args: str) -> Callable[[], InboundResponse]:
    return lambda: send(*args)


def _all_at_once(
    harness: Harness, acts: list[tuple[str, Callable[[], InboundResponse]]]
) -> list[InboundResponse]:
    """Send every request from its own thread, released together; wait for all work."""
    start = threading.Barrier(len(acts))
    answers: list[InboundResponse | None] = [None] * len(acts)

    def run(index: int, act: Callable[[], InboundResponse]) -> None:
        start.wait()
        answers[index] = act()

    threads = [threading.Thread(target=run, args=(i, act)) for i, (_, act) in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    harness.settle()
    return [answer for answer in answers if answer is not None]


def _health(harness: Harness) -> tuple[int, str]:
    assert harness.standin.request_url is not None
    url = harness.standin.request_url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())["database"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["database"]


def _reminders_sent(harness: Harness) -> int:
    with harness.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(Reminder.kind == "acknowledge", Reminder.state == "sent")
            )
            or 0
        )


def test_a_declare_saved_before_the_database_went_away_is_not_called_unsaved(
    harness: Harness, cluster: PrivatePostgres
) -> None:
    """Saved, then the database goes while Slack creates the channel: the declarer must
    not be told "nothing was changed" (they would declare it again)."""
    held = harness.standin.hold("conversations.create")
    declaring = threading.Thread(
        target=harness.standin.slash_command,
        args=(ALICE, GENERAL, "/incident", "declare Fake sneakers"),
    )
    declaring.start()
    held.wait_held()
    cluster.stop()
    held.release()
    declaring.join(timeout=30)
    harness.settle()

    told = [m.text for m in harness.standin.ephemerals(ALICE)]
    told += [str(call.args.get("text", "")) for call in harness.standin.response_url_calls]
    assert any("INC-1 is saved" in text for text in told), told
    assert not any(UNREACHABLE in text for text in told), told
    cluster.start()
    (incident,) = harness.incidents()
    assert incident.title == "Fake sneakers"
