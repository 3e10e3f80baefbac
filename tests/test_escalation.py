"""Paging and escalation: nothing urgent is forgotten, nobody is paged twice for one thing.

Time moves on the harness's manual clock; the scheduler's job (``run_due``) is called
where the scheduler would call it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from commands.errors import DATABASE_UNREACHABLE
from storage.models import Reminder
from tests.support.blocks import action_ids, field_texts
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    Harness,
    running_firebreak,
)
from tests.support.policies import MANAGERS, with_rotation
from workflows.reminders import RunReport


@pytest.fixture
def oncall(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url, with_rotation()) as harness:
        harness.standin.rate_limits = False
        yield harness


def _later(harness: Harness, **delta: float) -> RunReport:
    harness.clock.advance(timedelta(**delta))
    report = harness.firebreak.reminders.run_due()
    harness.settle()
    return report


def _bot_lines(harness: Harness, channel: str) -> list[str]:
    return [m.text for m in harness.standin.messages(channel) if m.user == "U0FIREBOT"]


def _reminders(harness: Harness) -> list[Reminder]:
    with harness.sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def test_declaring_pages_the_on_call_primary(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")

    assert CAROL in channel.members
    assert f":pager: Paging <@{CAROL}>, on call for *trust-safety*." in _bot_lines(
        oncall, channel.id
    )
    facts = field_texts(oncall.card().blocks)
    assert facts["On call paged"] == f"<@{CAROL}> (trust-safety)"
    assert facts["Acknowledged"] == "_not yet_"
    incident = oncall.incident()
    assert (incident.oncall_rotation, incident.oncall_paged) == ("trust-safety", CAROL)
    assert [e.kind for e in oncall.events()] == ["declared", "paged"]


def test_an_on_call_slack_does_not_know_leaves_the_declarer_invited_and_the_card_posted(
    database_url: str,
) -> None:
    """A policy naming a user id Slack does not know (a typo, a deleted account) must not
    stop every declaration: the declarer is invited alone and nobody is paged."""
    ghost = "U0GHOST"
    with running_firebreak(database_url, with_rotation(members=[ghost, "U0BOB"])) as harness:
        harness.standin.rate_limits = False
        channel = harness.declare("--sev 1 Scam wave")

        incident = harness.incident()
        assert incident.provisioned_at is not None
        assert incident.card_ts is not None
        assert ALICE in harness.standin.channel(channel.id).members
        assert (incident.oncall_rotation, incident.oncall_paged) == ("trust-safety", None)
        assert ghost not in " ".join(_bot_lines(harness, channel.id))


def test_unacknowledged_sev1_escalates_step_by_step(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")

    assert _later(oncall, minutes=4, seconds=59).sent == []
    first = _later(oncall, seconds=1)
    assert first.sent == ["inc1:acknowledge:0"]
    repage = _bot_lines(oncall, channel.id)[-1]
    assert repage.startswith(f":alarm_clock: Still unacknowledged: <@{CAROL}>")
    assert "has waited 5m" in repage
    reminder = oncall.standin.messages(channel.id)[-1]
    assert action_ids(reminder.blocks) == [
        "reminder_acknowledge",
        "reminder_snooze.15m",
        "reminder_snooze.1h",
    ]

    assert _later(oncall, minutes=5).sent == ["inc1:acknowledge:1"]
    assert DAVE in oncall.standin.channel(channel.id).members  # dave@example.com, looked up
    assert _bot_lines(oncall, channel.id)[-1].startswith(
        f":rotating_light: Escalating to the on-call backup: <@{DAVE}>"
    )

    assert _later(oncall, minutes=5).sent == ["inc1:acknowledge:2"]
    assert f"<!subteam^{MANAGERS}>" in _bot_lines(oncall, channel.id)[-1]

    assert _later(oncall, hours=1).sent == ["inc1:status_update:0.0"]  # steps are exhausted
    kinds = [(e.kind, e.data.get("step")) for e in oncall.events() if e.actor is None]
    assert kinds[1:] == [
        ("reminder_sent", "repage"),
        ("escalated", "backup"),
        ("escalated", "manager"),
        ("reminder_sent", None),
    ]


def test_acknowledging_on_the_card_stops_the_chain(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")

    oncall.click(CAROL, channel.id, oncall.card().ts, "incident_acknowledge")

    incident = oncall.incident()
    assert incident.acknowledged_by == CAROL
    assert incident.acknowledged_at == oncall.clock.now()
    assert field_texts(oncall.card().blocks)["Acknowledged"].startswith(f"<@{CAROL}>, <!date^")
    assert "incident_acknowledge" not in action_ids(oncall.card().blocks)
    assert f":white_check_mark: <@{CAROL}> acknowledged the incident." in _bot_lines(
        oncall, channel.id
    )
    assert _later(oncall, minutes=29).sent == []
    assert [r.state for r in _reminders(oncall) if r.kind == "acknowledge"] == ["cancelled"]


def test_acknowledge_on_a_reminder_answers_it_in_place(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    _later(oncall, minutes=5)
    reminder = oncall.standin.messages(channel.id)[-1]

    oncall.click(CAROL, channel.id, reminder.ts, "reminder_acknowledge")

    assert oncall.incident().acknowledged_by == CAROL
    answered = next(m for m in oncall.standin.messages(channel.id) if m.ts == reminder.ts)
    assert action_ids(answered.blocks) == []
    assert (
        answered.blocks[-1]["elements"][0]["text"]
        == f":white_check_mark: Acknowledged by <@{CAROL}>."
    )
    assert _later(oncall, minutes=10).sent == []


def test_snooze_pushes_the_next_reminder_back(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    _later(oncall, minutes=5)
    reminder = oncall.standin.messages(channel.id)[-1]

    oncall.click(CAROL, channel.id, reminder.ts, "reminder_snooze.15m")

    assert _later(oncall, minutes=14, seconds=59).sent == []
    assert _later(oncall, seconds=1).sent == ["inc1:acknowledge:1"]
    assert oncall.events()[-2].kind == "snoozed"


def test_status_updates_are_posted_and_reset_the_update_clock(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    oncall.click(CAROL, channel.id, oncall.card().ts, "incident_acknowledge")

    assert _later(oncall, minutes=30).sent == ["inc1:status_update:0.0"]
    assert "time for a status update" in _bot_lines(oncall, channel.id)[-1]

    _later(oncall, minutes=10)
    oncall.command("update 340 listings removed; sellers suspended", user=CAROL, channel=channel.id)

    update = _bot_lines(oncall, channel.id)[-1]
    assert update.startswith(":information_source: *Status update on INC-1*")
    assert update.endswith("340 listings removed; sellers suspended")
    assert _bot_lines(oncall, BROADCAST_CHANNEL)[-1] == update
    assert _later(oncall, minutes=29).sent == []
    assert _later(oncall, minutes=1).sent == ["inc1:status_update:1.1"]


def test_raising_the_severity_replans_at_once(oncall: Harness) -> None:
    channel = oncall.declare("Scam wave")  # SEV3: one hour to acknowledge
    _later(oncall, minutes=10)

    oncall.click(ALICE, channel.id, oncall.card().ts, "incident_severity", selected_option="sev1")

    # SEV1 allows five minutes, and ten have passed: the reminder is due now, not late.
    report = _later(oncall, seconds=1)
    assert report.sent == ["inc1:acknowledge:0"]
    assert "late" not in _bot_lines(oncall, channel.id)[-1]


def test_resolving_cancels_every_pending_reminder(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    oncall.command("deadline +2d", channel=channel.id)

    oncall.click(ALICE, channel.id, oncall.card().ts, "incident_resolve")
    (form,) = oncall.standin.open_views(ALICE)
    oncall.submit(ALICE, form.id, {"resolution_summary": "Scam stopped", "root_cause": "bad_actor"})

    assert {r.state for r in _reminders(oncall)} == {"cancelled"}
    assert _later(oncall, days=3).sent == []


def test_an_external_deadline_reminds_before_and_alerts_after(oncall: Harness) -> None:
    channel = oncall.declare("--sev 4 Regulator request")
    oncall.click(CAROL, channel.id, oncall.card().ts, "incident_acknowledge")

    oncall.command("deadline 2026-11-23 17:00", user=BOB, channel=channel.id)  # Bob is in New York

    deadline = oncall.incident().due_at
    assert deadline is not None
    assert deadline.isoformat() == "2026-11-23T22:00:00+00:00"
    assert "External deadline" in field_texts(oncall.card().blocks)
    sent: list[str] = []
    while oncall.clock.now() < deadline + timedelta(minutes=1):
        sent += [k for k in _later(oncall, minutes=30).sent if "deadline" in k]
    stamp = "2026-11-23T22:00:00+00:00"
    assert sent == [
        f"inc1:deadline:{stamp}:1d",
        f"inc1:deadline:{stamp}:4h",
        f"inc1:deadline:{stamp}:1h",
        f"inc1:deadline_breach:{stamp}",
    ]
    assert _bot_lines(oncall, channel.id)[-1].startswith(":red_circle:")


def test_after_downtime_each_reminder_is_sent_once_and_says_it_is_late(oncall: Harness) -> None:
    channel = oncall.declare("--sev 4 Regulator request")
    oncall.click(CAROL, channel.id, oncall.card().ts, "incident_acknowledge")
    oncall.command("deadline +1d2h", channel=channel.id)

    report = _later(oncall, days=2)  # the bot was down for two days

    assert sorted(report.sent) == [
        "inc1:deadline:2026-11-21T11:30:00+00:00:1h",
        "inc1:deadline_breach:2026-11-21T11:30:00+00:00",
        "inc1:status_update:0.0",
    ]
    assert len(report.superseded) == 2  # the 1d and 4h reminders: no burst
    for line in _bot_lines(oncall, channel.id)[-3:]:
        assert "late: Firebreak was not running when it was due." in line


def test_a_claim_whose_worker_died_is_sent_once_after_its_lease(oncall: Harness) -> None:
    oncall.declare("--sev 1 Scam wave")
    oncall.clock.advance(timedelta(minutes=5))
    runner = oncall.firebreak.reminders
    claimed = runner._claim(limit=10)  # a worker claims, then is killed before sending
    assert [d.key for d in claimed] == ["inc1:acknowledge:0"]

    assert runner.run_due().sent == []  # still leased
    assert _later(oncall, minutes=2).sent == ["inc1:acknowledge:0"]
    assert _later(oncall, seconds=1).sent == []


def test_a_slack_failure_leaves_the_reminder_to_retry(oncall: Harness) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    oncall.standin.fail("chat.postMessage", status=500, times=3)

    assert _later(oncall, minutes=5).failed == ["inc1:acknowledge:0"]
    assert _later(oncall, seconds=30).sent == []
    assert _later(oncall, seconds=30).sent == ["inc1:acknowledge:0"]
    assert sum("Still unacknowledged" in line for line in _bot_lines(oncall, channel.id)) == 1


def test_a_reminder_click_is_answered_while_the_database_is_busy(oncall: Harness) -> None:
    """Saved after the ack, as on the card: a slow database never costs Slack's 3 seconds."""
    channel = oncall.declare("--sev 1 Scam wave")
    _later(oncall, minutes=5)
    reminder = oncall.standin.messages(channel.id)[-1]

    engine = oncall.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    saving = threading.Event()
    free = threading.Event()

    def stall_incident_updates(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE INCIDENTS"):
            saving.set()
            free.wait(timeout=10)

    event.listen(engine, "before_cursor_execute", stall_incident_updates)
    try:
        answered = oncall.standin.click(CAROL, channel.id, reminder.ts, "reminder_acknowledge")
        assert saving.wait(timeout=5), "the acknowledgement was never saved"
    finally:
        free.set()
        oncall.settle()  # the save has left the listener: removing it now is safe
        event.remove(engine, "before_cursor_execute", stall_incident_updates)

    assert (answered.status, answered.problems) == (200, ())
    assert oncall.incident().acknowledged_by == CAROL  # saved once the database was free
    done = next(m for m in oncall.standin.messages(channel.id) if m.ts == reminder.ts)
    assert action_ids(done.blocks) == []


def test_a_reminder_click_whose_save_fails_is_told_and_keeps_its_buttons(
    oncall: Harness,
) -> None:
    channel = oncall.declare("--sev 1 Scam wave")
    _later(oncall, minutes=5)
    reminder = oncall.standin.messages(channel.id)[-1]
    engine = oncall.sessions.kw["bind"]
    assert isinstance(engine, Engine)

    def refuse_incident_updates(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE INCIDENTS"):
            raise engine.dialect.loaded_dbapi.OperationalError("the server closed the connection")

    before = len(oncall.standin.response_url_calls)
    event.listen(engine, "before_cursor_execute", refuse_incident_updates)
    try:
        refused = oncall.click(CAROL, channel.id, reminder.ts, "reminder_acknowledge")
    finally:
        event.remove(engine, "before_cursor_execute", refuse_incident_updates)

    assert (refused.status, refused.body) == (200, "")  # answered before the save was tried
    told = [c.args.get("text") for c in oncall.standin.response_url_calls[before:]]
    assert told == [DATABASE_UNREACHABLE]
    assert oncall.incident().acknowledged_by is None
    kept = next(m for m in oncall.standin.messages(channel.id) if m.ts == reminder.ts)
    assert "reminder_acknowledge" in action_ids(kept.blocks)  # to be pressed again

    oncall.click(CAROL, channel.id, reminder.ts, "reminder_acknowledge")

    assert oncall.incident().acknowledged_by == CAROL
