"""What happens after the ack happens off Bolt's listener threads, and a failure there
still reaches the person who asked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from commands.errors import DATABASE_UNREACHABLE
from tests.support.harness import GENERAL, Harness, running_firebreak


@pytest.fixture
def one_listener_thread(database_url: str) -> Iterator[Harness]:
    """Bolt with a single listener thread: any listener that kept it would stop the next ack."""
    with running_firebreak(database_url, listener_threads=1) as harness:
        yield harness


def test_a_declaration_waiting_on_slack_does_not_hold_up_the_next_answer(
    one_listener_thread: Harness,
) -> None:
    harness = one_listener_thread
    held = harness.standin.hold("conversations.create")
    try:
        first = harness.standin.slash_command("U0ALICE", GENERAL, "/incident", "declare Held")
        second = harness.standin.slash_command("U0BOB", GENERAL, "/incident", "help")
    finally:
        held.release()
    harness.settle()

    assert (first.status, first.problems) == (200, ())
    assert (second.status, second.problems) == (200, ())
    assert "/incident declare" in second.body  # the usage, answered while Slack was held
    (incident,) = harness.incidents()
    assert incident.title == "Held"
    assert incident.channel_id is not None  # provisioning finished once Slack answered


def test_a_database_failing_right_after_the_ack_is_told_privately_and_saves_nothing(
    harness: Harness,
) -> None:
    engine = harness.sessions.kw["bind"]
    assert isinstance(engine, Engine)

    def refuse_incident_rows(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INCIDENTS"):
            raise engine.dialect.loaded_dbapi.OperationalError("the server closed the connection")

    event.listen(engine, "before_cursor_execute", refuse_incident_rows)
    try:
        response = harness.command("declare Lost to the outage")
    finally:
        event.remove(engine, "before_cursor_execute", refuse_incident_rows)

    assert (response.status, response.body) == (200, "")  # the ack went before the save
    told = [str(call.args.get("text", "")) for call in harness.standin.response_url_calls]
    assert told == [DATABASE_UNREACHABLE]
    assert harness.incidents() == []
    assert harness.standin.calls_to("conversations.create") == []
