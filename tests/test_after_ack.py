"""A request is answered before the work it asks for is done: that work, and opening a
modal, happen on pools of their own, and a failure after the ack still reaches the person
who asked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.app import AFTER_ACK_THREADS
from commands.errors import DATABASE_UNREACHABLE
from tests.support.harness import ALICE, BOB, GENERAL, Harness


def test_a_declaration_is_answered_while_slack_still_holds_its_channel(
    harness: Harness,
) -> None:
    held = harness.standin.hold("conversations.create")
    try:
        first = harness.standin.slash_command(ALICE, GENERAL, "/incident", "declare Held")
        second = harness.standin.slash_command(BOB, GENERAL, "/incident", "help")
        held.wait_held()
    finally:
        held.release()
    harness.settle()

    assert (first.status, first.problems) == (200, ())  # within Slack's 3 s, Slack held
    assert (second.status, second.problems) == (200, ())
    assert "/incident declare" in second.body  # the usage, answered while Slack was held
    (incident,) = harness.incidents()
    assert incident.title == "Held"
    assert incident.channel_id is not None  # provisioning finished once Slack answered


def test_a_form_opens_while_every_post_ack_thread_waits_on_slack(harness: Harness) -> None:
    """A trigger_id lasts three seconds: opening a modal never queues behind provisioning."""
    holds = [harness.standin.hold("conversations.create") for _ in range(AFTER_ACK_THREADS)]
    try:
        for n in range(AFTER_ACK_THREADS):
            declared = harness.standin.slash_command(ALICE, GENERAL, "/incident", f"declare H{n}")
            assert declared.status == 200
        for hold in holds:
            hold.wait_held()  # every post-ack thread now waits on Slack
        form = harness.standin.slash_command(BOB, GENERAL, "/incident", "declare")
        harness.standin.wait_for(
            lambda: bool(harness.standin.calls_to("views.open")), timeout=2, what="the form"
        )
    finally:
        for hold in holds:
            hold.release()
    harness.settle()

    assert (form.status, form.problems) == (200, ())
    assert len(harness.incidents()) == AFTER_ACK_THREADS


def test_an_event_is_acknowledged_while_its_work_still_waits_on_slack(harness: Harness) -> None:
    """Slack resends an event not acked within three seconds: the work would run twice."""
    held = harness.standin.hold("views.publish")
    try:
        opened = harness.standin.send_event(
            {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0ALICE"}
        )
        held.wait_held()  # the Home tab is being published while the event is answered
    finally:
        held.release()
    harness.settle()

    assert (opened.status, opened.problems) == (200, ())
    home = harness.standin.home(ALICE)
    assert home is not None  # published once Slack answered
    assert len(harness.standin.calls_to("views.publish")) == 1


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
