"""The audit trail: every change is an attributable, append-only timeline event.

A real flow through Slack (slash command, card buttons, a modal) and the scheduler is read
back with ``firebreak audit``; the database itself refuses to rewrite or remove an event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Integer,
    MetaData,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.scheduler import on_scheduler
from storage import schema
from storage.database import create_database_engine, create_session_factory
from storage.models import TimelineEvent
from storage.surfaces import on_surface
from tests.support.cli import Run
from tests.support.harness import ALICE, BOB, Harness
from tests.support.history import MONDAY, add_event, add_incident
from workflows import audit
from workflows.errors import IncidentNotFound

# What `firebreak audit INC-1` prints for the flow in _flow, surfaces as they should be.
EXPECTED_TRAIL = [
    "2026-11-20 09:30:00Z  U0ALICE  slash_command  declared  Declared SEV3: Counterfeit chargers",
    "2026-11-20 09:35:00Z  U0BOB  button  severity_changed  sev3 → sev2  Severity SEV3 → SEV2",
    "2026-11-20 09:36:00Z  U0ALICE  button  owner_changed  none → U0BOB  Owner changed",
    "2026-11-20 09:38:00Z  U0BOB  modal  status_changed  investigating → contained  "
    "Status Investigating → Contained",
    "2026-11-20 09:38:00Z  U0BOB  modal  status_update  What happened: Listings down\\n"
    "What we're doing: —",
    "2026-11-20 09:46:00Z  -  scheduler  reminder_sent  Acknowledgement reminder",
]


def _flow(harness: Harness) -> None:
    """Declare, raise the severity and pick an owner on the card, move the status in the
    update form, and let the scheduler send the overdue acknowledgement reminder."""
    channel = harness.declare("--sev 3 Counterfeit chargers")
    harness.standin.rate_limits = False
    card_ts = harness.card().ts
    harness.clock.advance(timedelta(minutes=5))
    harness.click(BOB, channel.id, card_ts, "incident_severity", selected_option="sev2")
    harness.clock.advance(timedelta(minutes=1))
    harness.click(ALICE, channel.id, card_ts, "incident_owner", selected_user=BOB)
    harness.clock.advance(timedelta(minutes=2))
    harness.command("update", user=BOB, channel=channel.id)
    (view,) = harness.standin.open_views(BOB)
    harness.submit(
        BOB, view.id, {"status": "contained", "happened": "Listings down", "next_update": "2h"}
    )
    harness.clock.advance(timedelta(minutes=8))  # SEV2: acknowledge within 15 minutes
    on_scheduler(harness.firebreak.reminders.run_due)()
    harness.settle()


def _fields(line: str) -> list[str]:
    return line.split("  ")


def test_the_audit_shows_who_changed_what_from_what_to_what(harness: Harness, run_cli: Run) -> None:
    _flow(harness)

    code, out, err = run_cli("audit", "INC-1")

    assert (code, err) == (0, "")
    printed = [_fields(line) for line in out.splitlines()]
    expected = [_fields(line) for line in EXPECTED_TRAIL]
    # Time, actor, kind, before → after and text; surfaces are checked below.
    assert [f[:2] + f[3:] for f in printed] == [f[:2] + f[3:] for f in expected]
    assert printed[-1][2] == "scheduler"


def test_the_audit_shows_the_surface_each_change_came_through(
    harness: Harness, run_cli: Run
) -> None:
    _flow(harness)

    _code, out, _err = run_cli("audit", "INC-1")

    assert out.splitlines() == EXPECTED_TRAIL


def test_the_audit_as_jsonl_carries_before_and_after_in_data(
    harness: Harness, run_cli: Run
) -> None:
    _flow(harness)

    code, out, _err = run_cli("audit", "1", "--format", "jsonl")

    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in records] == [_fields(line)[3] for line in EXPECTED_TRAIL]
    # The same events, in the same order and through the same surfaces, as the text trail.
    assert [(r["event_id"], r["surface"]) for r in records] == [
        (number, _fields(line)[2]) for number, line in enumerate(EXPECTED_TRAIL, start=1)
    ]
    severity = records[1]
    assert severity == {
        "reference": "INC-1",
        "event_id": 2,
        "occurred_at_utc": "2026-11-20 09:35:00",
        "actor": BOB,
        "surface": "button",
        "kind": "severity_changed",
        "text": "Severity SEV3 → SEV2",
        "data": {"before": "sev3", "after": "sev2"},
    }
    assert [r["data"] for r in records[2:4]] == [
        {"before": None, "after": BOB},
        {"before": "investigating", "after": "contained"},
    ]
    assert records[-1]["actor"] is None  # the scheduler acts for nobody


def test_auditing_an_unknown_incident_fails_on_stderr(run_cli: Run) -> None:
    code, out, err = run_cli("audit", "INC-42")

    assert (code, out) == (1, "")
    assert err == "firebreak: There is no incident INC-42.\n"


def test_the_trail_is_read_in_time_order_and_checks_the_incident_first(
    database_url: str,
) -> None:
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        # Recorded late but happened earlier: the trail reads by when it happened.
        add_event(session, incident, MONDAY + timedelta(minutes=9), "note", text="second")
        add_event(session, incident, MONDAY + timedelta(minutes=1), "note", text="first\nline")
    with sessions() as session:
        lines = [audit.line(entry) for entry in audit.trail(session, incident.id, batch=1)]
        with pytest.raises(IncidentNotFound):
            audit.trail(session, 99)
    engine.dispose()

    assert lines == [
        "2026-11-16 09:00:00Z  U0ALICE  system  declared  declared",
        "2026-11-16 09:01:00Z  U0ALICE  system  note  first\\nline",
        "2026-11-16 09:09:00Z  U0ALICE  system  note  second",
    ]


def test_an_event_written_from_the_command_line_says_cli(database_url: str) -> None:
    # No `firebreak` command changes an incident today; this is the attribution it will get.
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        with on_surface("cli"):
            add_event(session, incident, MONDAY, "note", text="from a terminal")
    with sessions() as session:
        surfaces = [entry.surface for entry in audit.trail(session, incident.id)]
    engine.dispose()

    assert surfaces == ["system", "cli"]


# The database refuses to rewrite history


@pytest.fixture
def engine_with_event(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    with create_session_factory(engine).begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        add_event(
            session, incident, MONDAY, "severity_changed", {"before": "sev3", "after": "sev2"}
        )
    yield engine
    engine.dispose()


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    e = TimelineEvent
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(e.id, e.incident_id, e.occurred_at, e.actor, e.kind, e.text, e.surface)
                .add_columns(e.data)
                .order_by(e.id)
            )
        ]


def _raw_update(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE timeline_events SET text = 'forged' WHERE id = 2"))


def _raw_delete(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM timeline_events WHERE id = 2"))


def _raw_delete_incident(engine: Engine) -> None:
    # ON DELETE CASCADE would take the timeline with it: refused as well.
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM incidents WHERE id = 1"))


def _orm_edit(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        event = session.get_one(TimelineEvent, 2)
        event.data = {"before": "sev3", "after": "sev4"}


def _orm_delete(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.delete(session.get_one(TimelineEvent, 2))


def _orm_bulk_update(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(TimelineEvent).values(actor="U0MALLORY"))


def _orm_bulk_delete(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(TimelineEvent).where(TimelineEvent.kind == "severity_changed"))


@pytest.mark.parametrize(
    "tamper",
    [
        _raw_update,
        _raw_delete,
        _raw_delete_incident,
        _orm_edit,
        _orm_delete,
        _orm_bulk_update,
        _orm_bulk_delete,
    ],
)
def test_the_database_refuses_to_change_or_remove_an_event(
    engine_with_event: Engine, tamper: Callable[[Engine], None]
) -> None:
    before = _snapshot(engine_with_event)
    assert len(before) == 2

    with pytest.raises(DBAPIError, match="timeline events are append-only"):
        tamper(engine_with_event)

    assert _snapshot(engine_with_event) == before


def test_appending_is_still_allowed(engine_with_event: Engine) -> None:
    with create_session_factory(engine_with_event).begin() as session:
        session.add(
            TimelineEvent(
                incident_id=1, occurred_at=MONDAY, actor=ALICE, kind="note", text="", data={}
            )
        )
    assert len(_snapshot(engine_with_event)) == 3


# Events from before migration 0004


def _required_values(table: Any) -> dict[str, Any]:
    """Some value for every NOT NULL column without a default, whatever 0003 required."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key or column.nullable or column.foreign_keys:
            continue
        if isinstance(column.type, Boolean):
            values[column.name] = False
        elif isinstance(column.type, Integer):
            values[column.name] = 0
        elif isinstance(column.type, DateTime):
            values[column.name] = datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001  # naive, as 0003 stored
        elif isinstance(column.type, JSON):
            values[column.name] = {}
        else:
            values[column.name] = "x"
    return values


def test_events_recorded_before_0004_survive_it_and_say_unrecorded(
    database_url: str,
    run_cli: Run,
) -> None:
    engine = create_database_engine(database_url)
    config = schema.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(old.tables["incidents"]).values(
                {**_required_values(old.tables["incidents"]), "id": 1, "declare_key": "old-1"}
            )
        )
        connection.execute(
            insert(old.tables["timeline_events"]).values(
                {
                    **_required_values(old.tables["timeline_events"]),
                    "incident_id": 1,
                    "actor": BOB,
                    "kind": "note",
                    "text": "written by 0.3",
                }
            )
        )
    schema.upgrade(engine)
    engine.dispose()

    code, out, _err = run_cli("audit", "INC-1")

    assert code == 0
    assert out == "2026-01-05 09:00:00Z  U0BOB  unrecorded  note  written by 0.3\n"


def test_a_trail_line_is_in_utc_and_says_none_for_a_missing_value() -> None:
    entry = audit.AuditEntry(
        event_id=1,
        incident_id=7,
        occurred_at=datetime(2026, 11, 16, 11, 5, tzinfo=timezone(timedelta(hours=1))),
        actor=None,
        surface="scheduler",
        kind="owner_changed",
        text="Owner changed",
        data={"before": "U0BOB", "after": None},
    )
    assert audit.line(entry) == (
        "2026-11-16 10:05:00Z  -  scheduler  owner_changed  U0BOB → none  Owner changed"
    )
    assert entry.reference == "INC-7"
