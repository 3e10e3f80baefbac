"""Requests being answered go before background work: post-ack work, reminders and the
rest make way at each Slack call, for at most ``max_wait`` at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltResponse
from sqlalchemy import Engine

from bot.server import answers_first_for
from commands.answers_first import AnswersFirst
from storage.database import create_database_engine, create_session_factory
from tests.support import databases
from tests.support.harness import ALICE, BOB, GENERAL, Harness
from tests.support.waiting import wait_until

WAIT_SECONDS = 10.0


def in_background(answers_first: AnswersFirst, done: list[str]) -> threading.Thread:
    def work() -> None:
        answers_first.make_way()
        done.append("background work")

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_background_work_waits_while_a_request_is_answered_and_goes_on_when_it_is_out() -> None:
    answers_first = AnswersFirst(max_wait=WAIT_SECONDS * 3)
    done: list[str] = []
    with answers_first.answering():
        worker = in_background(answers_first, done)
        wait_until(lambda: answers_first.waiting == 1, "the background thread to wait")
        assert done == []
    worker.join(WAIT_SECONDS)
    assert done == ["background work"]


def test_background_work_waits_for_the_last_of_several_answers() -> None:
    answers_first = AnswersFirst(max_wait=WAIT_SECONDS * 3)
    done: list[str] = []
    second_in = threading.Event()
    second_out = threading.Event()

    def second_request() -> None:
        with answers_first.answering():
            second_in.set()
            second_out.wait(WAIT_SECONDS)

    other = threading.Thread(target=second_request, daemon=True)
    with answers_first.answering():
        other.start()
        assert second_in.wait(WAIT_SECONDS)
        worker = in_background(answers_first, done)
        wait_until(lambda: answers_first.waiting == 1, "the background thread to wait")
    assert done == []  # one answer is still being given
    second_out.set()
    worker.join(WAIT_SECONDS)
    other.join(WAIT_SECONDS)
    assert done == ["background work"]


def test_a_thread_answering_a_request_never_waits_for_the_others() -> None:
    answers_first = AnswersFirst(max_wait=WAIT_SECONDS * 3)
    with answers_first.answering():
        other = threading.Thread(target=lambda: _answer_with(answers_first), daemon=True)
        other.start()
        other.join(WAIT_SECONDS)
        assert not other.is_alive()


def _answer_with(answers_first: AnswersFirst) -> None:
    with answers_first.answering():
        answers_first.make_way()


def test_background_work_waits_at_most_max_wait_under_an_endless_stream() -> None:
    answers_first = AnswersFirst(max_wait=0.01)
    done: list[str] = []
    with answers_first.answering():
        in_background(answers_first, done).join(WAIT_SECONDS)
        assert done == ["background work"]


def test_background_work_waits_for_a_quiet_moment_after_the_last_answer() -> None:
    """Between two requests of a steady stream the count touches zero; that is no pause.
    (A real-time wait of one second: the pause is measured by the wall clock.)"""
    answers_first = AnswersFirst(max_wait=WAIT_SECONDS * 3, quiet=1.0)
    done: list[str] = []
    with answers_first.answering():
        pass
    worker = in_background(answers_first, done)
    wait_until(lambda: answers_first.waiting == 1, "the background thread to wait")
    assert done == []  # no request in flight, but the last one was a moment ago
    worker.join(WAIT_SECONDS)
    assert done == ["background work"]


def test_nothing_waits_when_no_request_is_being_answered() -> None:
    answers_first = AnswersFirst(max_wait=WAIT_SECONDS * 3)
    done: list[str] = []
    in_background(answers_first, done).join(WAIT_SECONDS)
    assert done == ["background work"]


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    engine = create_database_engine(databases.fresh_sqlite(sqlite_template, tmp_path))
    yield engine
    engine.dispose()


def test_a_thread_holding_the_sqlite_write_lock_never_waits(sqlite_engine: Engine) -> None:
    """Every answer records its request through that lock: waiting would stall them all."""
    answers_first = answers_first_for(sqlite_engine)
    answers_first.max_wait = WAIT_SECONDS * 3
    sessions = create_session_factory(sqlite_engine)
    done: list[str] = []

    def write_then_call_slack() -> None:
        with sessions.begin() as session:
            session.connection()  # BEGIN IMMEDIATE: the write lock is held
            answers_first.make_way()
            done.append("background work")

    with answers_first.answering():
        worker = threading.Thread(target=write_then_call_slack, daemon=True)
        worker.start()
        worker.join(WAIT_SECONDS)
        assert done == ["background work"]


def test_provisioning_makes_way_for_a_request_being_answered(harness: Harness) -> None:
    """Through the real bot: Bob's declaration is acknowledged at once, and its channel
    is created only once Alice's request, still being answered, has its answer."""
    answers_first = harness.answers_first
    answers_first.max_wait = WAIT_SECONDS * 3
    answers_first.quiet = 0  # only a request still being answered holds work back
    held = threading.Event()
    release = threading.Event()

    def hold_alices_list(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        if body.get("user_id") == ALICE and body.get("text") == "list":
            held.set()
            release.wait(WAIT_SECONDS)
        return next()

    harness.firebreak.app.use(hold_alices_list)
    answers: list[int] = []
    alice = threading.Thread(
        target=lambda: answers.append(
            harness.standin.slash_command(ALICE, GENERAL, "/incident", "list").status
        ),
        daemon=True,
    )
    alice.start()
    try:
        assert held.wait(WAIT_SECONDS)
        declared = harness.standin.slash_command(BOB, GENERAL, "/incident", "declare Held back")
        assert declared.status == 200
        assert declared.problems == ()
        wait_until(lambda: answers_first.waiting == 1, "provisioning to make way")
        assert harness.standin.calls_to("conversations.create") == []
    finally:
        release.set()
        alice.join(WAIT_SECONDS)
    harness.settle()

    assert answers == [200]
    (created,) = harness.standin.calls_to("conversations.create")
    assert created.ok
    assert harness.incident().card_ts is not None


def test_opening_a_form_counts_as_answering(harness: Harness) -> None:
    """A form opens on a trigger that lasts three seconds: background work makes way for
    it as for an answer. Bob's declaration waits while Alice's form is being opened."""
    answers_first = harness.answers_first
    answers_first.max_wait = WAIT_SECONDS * 3
    answers_first.quiet = 0  # only a request still being answered holds work back
    opening = harness.standin.hold("views.open")
    assert harness.standin.slash_command(ALICE, GENERAL, "/incident", "declare").status == 200
    try:
        opening.wait_held()
        declared = harness.standin.slash_command(BOB, GENERAL, "/incident", "declare Held back")
        assert declared.status == 200
        wait_until(lambda: answers_first.waiting == 1, "provisioning to make way")
        assert harness.standin.calls_to("conversations.create") == []
    finally:
        opening.release()
    harness.settle()

    (opened,) = harness.standin.calls_to("views.open")
    assert opened.ok
    (created,) = harness.standin.calls_to("conversations.create")
    assert created.ok
    assert harness.incident().card_ts is not None
