"""Exports: the documented columns, their values, CSV safety, filters, the CLI and Slack.

Histories are hand-built (tests/support/history.py), so every expected cell is worked out
by hand from the rows written. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from commands import export_command
from storage.database import create_database_engine, create_session_factory
from storage.models import RoleAssignment
from storage.surfaces import on_surface
from tests.support.cli import Run
from tests.support.harness import ALICE, BOB, GENERAL, Harness
from tests.support.history import (
    MONDAY,
    add_action,
    add_event,
    add_followup,
    add_incident,
)
from workflows import exports
from workflows.exports import ExportQuery

OWNER_ROLE = "commander"  # the default policy's owner role

HEADERS = {
    "incidents": "reference,title,description,domain,severity,status,restricted,source,"
    "external_ref,market,declared_by,declared_at_utc,due_utc,owner,acknowledged_by,"
    "acknowledged_at_utc,contained_at_utc,resolved_at_utc,closed_at_utc,"
    "seconds_to_acknowledge,seconds_to_contain,seconds_to_resolve,root_cause,"
    "resolution_summary,impact,channel_id,channel_name",
    "timeline": "reference,event_id,occurred_at_utc,actor,surface,kind,text,data",
    "actions": "reference,action_id,occurred_at_utc,kind,count,note,actor",
    "followups": "reference,followup_id,title,status,owner,due_utc,done,done_at_utc,"
    "created_by,created_at_utc",
}


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    yield create_session_factory(engine)
    engine.dispose()


def _export(
    sessions: sessionmaker[Session],
    kind: exports.Kind,
    *,
    format: exports.Format = "csv",
    **query: Any,
) -> str:
    sink = io.StringIO()
    with sessions() as session:
        exports.export(session, ExportQuery(kind, **query), OWNER_ROLE, sink, format=format)
    return sink.getvalue()


def _lines(text: str) -> list[str]:
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("kind", exports.KINDS)
def test_every_export_starts_with_its_documented_header(
    sessions: sessionmaker[Session], kind: exports.Kind
) -> None:
    assert _export(sessions, kind) == HEADERS[kind] + "\n"


def test_incident_rows_carry_utc_times_whole_seconds_and_the_current_owner(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        first = add_incident(
            session,
            declared_at=MONDAY,
            title='Counterfeit "VoltKing" chargers, batch 2',
            status="resolved",
            source="regulator",
            external_ref="DSA-2026-117",
            market="DE",
            acknowledged_at=MONDAY + timedelta(minutes=5),
            contained_at=MONDAY + timedelta(hours=1),
            resolved_at=MONDAY + timedelta(days=1, hours=2, seconds=30),
            closed_at=MONDAY + timedelta(days=2),
            due_at=MONDAY + timedelta(days=3),
            root_cause="detection_gap",
            owner=BOB,
        )
        first.resolution_summary = "Removed listings; suspended 3 sellers"
        first.channel_id, first.channel_name = "C0INC1", "inc-1-counterfeit-voltking"
        # Bob handed the incident to Carol: the export shows Carol, and one row.
        handed = MONDAY + timedelta(hours=2)
        session.query(RoleAssignment).filter_by(incident_id=first.id).update(
            {"ended_at": handed, "ended_by": BOB}
        )
        session.add(
            RoleAssignment(
                incident_id=first.id,
                role=OWNER_ROLE,
                user_id="U0CAROL",
                assigned_by=BOB,
                assigned_at=handed,
            )
        )
        # A role other than the owner's does not count as the owner.
        session.add(
            RoleAssignment(
                incident_id=first.id,
                role="comms",
                user_id="U0DAVE",
                assigned_by=BOB,
                assigned_at=handed,
            )
        )
        add_incident(session, declared_at=MONDAY + timedelta(hours=3), severity="sev4")

    assert _lines(_export(sessions, "incidents"))[1:] == [
        'INC-1,"Counterfeit ""VoltKing"" chargers, batch 2",,counterfeit,sev2,resolved,false,'
        "regulator,DSA-2026-117,DE,U0ALICE,2026-11-16 09:00:00,2026-11-19 09:00:00,U0CAROL,"
        "U0ALICE,2026-11-16 09:05:00,2026-11-16 10:00:00,2026-11-17 11:00:30,"
        "2026-11-18 09:00:00,300,3600,93630,detection_gap,Removed listings; suspended 3 sellers,"
        ",C0INC1,inc-1-counterfeit-voltking",
        "INC-2,Counterfeit sneakers,,counterfeit,sev4,investigating,false,,,,U0ALICE,"
        "2026-11-16 12:00:00,,,,,,,,,,,,,,,",
    ]


def test_timeline_rows_carry_the_event_its_surface_and_its_data_as_json(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        with on_surface("button"):
            add_event(
                session,
                incident,
                MONDAY + timedelta(minutes=5),
                "severity_changed",
                {"before": "sev3", "after": "sev2"},
                BOB,
                "Severity SEV3 → SEV2",
            )
        add_event(
            session, incident, MONDAY + timedelta(minutes=9), "note", {}, None, "Größe, 2 lines\nok"
        )

    assert _lines(_export(sessions, "timeline"))[1:] == [
        'INC-1,1,2026-11-16 09:00:00,U0ALICE,system,declared,declared,"{""severity"":""sev2""}"',
        "INC-1,2,2026-11-16 09:05:00,U0BOB,button,severity_changed,Severity SEV3 → SEV2,"
        '"{""before"":""sev3"",""after"":""sev2""}"',
        'INC-1,3,2026-11-16 09:09:00,,system,note,"Größe, 2 lines',
        'ok",{}',
    ]


def test_action_and_followup_rows(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        add_action(session, incident, MONDAY + timedelta(minutes=20), "listing_removed", 1240, "x")
        add_followup(
            session,
            incident,
            MONDAY + timedelta(hours=1),
            "Block the keywords",
            due_at=datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
        )
        add_followup(
            session,
            incident,
            MONDAY + timedelta(hours=2),
            "Tune the classifier",
            done_at=MONDAY + timedelta(days=1),
            owner=None,
        )

    assert _lines(_export(sessions, "actions"))[1:] == [
        "INC-1,1,2026-11-16 09:20:00,listing_removed,1240,x,U0BOB"
    ]
    assert _lines(_export(sessions, "followups"))[1:] == [
        "INC-1,1,Block the keywords,open,U0BOB,2026-11-27 17:00:00,false,,U0ALICE,"
        "2026-11-16 10:00:00",
        "INC-1,2,Tune the classifier,done,,,true,2026-11-17 09:00:00,U0ALICE,2026-11-16 11:00:00",
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_as_a_formula_get_a_leading_quote(
    sessions: sessionmaker[Session], start: str
) -> None:
    dangerous = f'{start}HYPERLINK("http://evil.example","x")'
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY, title=dangerous)
        add_action(session, incident, MONDAY, "listing_removed", 3, note=dangerous)

    [incident_row] = _cells(_export(sessions, "incidents"))
    [action_row] = _cells(_export(sessions, "actions"))
    assert incident_row["title"] == "'" + dangerous
    assert action_row["note"] == "'" + dangerous
    [as_json] = _lines(_export(sessions, "actions", format="jsonl"))
    assert json.loads(as_json)["note"] == dangerous  # JSONL is written as stored


def test_only_the_leading_character_matters_for_formula_escaping() -> None:
    assert exports.csv_cell("a=b-c") == "a=b-c"
    assert exports.csv_cell("") == ""
    assert exports.csv_cell(-5) == "-5"  # a number is not a formula
    assert exports.csv_cell(True) == "true"
    assert exports.csv_cell(None) == ""
    assert exports.csv_cell({"note": "=x"}) == '{"note":"=x"}'


def _with_restricted_history(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for restricted in (False, True):
            incident = add_incident(session, declared_at=MONDAY, restricted=restricted)
            add_action(session, incident, MONDAY, "listing_removed", 1)
            add_followup(session, incident, MONDAY)


@pytest.mark.parametrize("kind", exports.KINDS)
def test_restricted_incidents_are_exported_only_when_asked_for(
    sessions: sessionmaker[Session], kind: exports.Kind
) -> None:
    _with_restricted_history(sessions)

    default = [row["reference"] for row in _cells(_export(sessions, kind))]
    asked = [row["reference"] for row in _cells(_export(sessions, kind, include_restricted=True))]

    assert default == ["INC-1"]
    assert asked == ["INC-1", "INC-2"]


@pytest.mark.parametrize("kind", exports.KINDS)
def test_since_and_until_filter_on_each_tables_own_time(
    sessions: sessionmaker[Session], kind: exports.Kind
) -> None:
    # Each day's incident is declared that day and has its event, action and follow-up then.
    with sessions.begin() as session:
        for day in range(3):
            moment = MONDAY + timedelta(days=day)
            incident = add_incident(session, declared_at=moment, title=f"day {day}")
            add_action(session, incident, moment, "listing_removed", day + 1)
            add_followup(session, incident, moment, f"day {day}")
    tuesday = MONDAY + timedelta(days=1)

    since = _cells(_export(sessions, kind, since=tuesday))
    window = _cells(_export(sessions, kind, since=tuesday, until=tuesday + timedelta(days=1)))

    assert [row["reference"] for row in since] == ["INC-2", "INC-3"]
    assert [row["reference"] for row in window] == ["INC-2"]


def test_jsonl_is_one_object_per_line_with_typed_values(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_incident(
            session,
            declared_at=MONDAY,
            acknowledged_at=MONDAY + timedelta(seconds=90),
            title="Line one\nline two",
        )
        add_incident(session, declared_at=MONDAY + timedelta(hours=1))

    lines = _lines(_export(sessions, "incidents", format="jsonl"))
    first, second = (json.loads(line) for line in lines)
    assert list(first) == HEADERS["incidents"].split(",")
    assert first["title"] == "Line one\nline two"
    assert first["restricted"] is False
    assert first["seconds_to_acknowledge"] == 90
    assert first["acknowledged_at_utc"] == "2026-11-16 09:01:30"
    assert second["owner"] is None
    timeline = _lines(_export(sessions, "timeline", format="jsonl"))
    declared = json.loads(timeline[0])
    assert declared["data"] == {"severity": "sev2"}  # an object, not text


def test_excel_mode_starts_with_a_byte_order_mark(sessions: sessionmaker[Session]) -> None:
    sink = io.StringIO()
    with sessions() as session:
        exports.export(session, ExportQuery("actions"), OWNER_ROLE, sink, excel=True)
    assert sink.getvalue() == "\ufeff" + HEADERS["actions"] + "\n"


def test_rows_are_fetched_in_batches_not_all_at_once(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    with sessions.begin() as session:
        incident = add_incident(session, declared_at=MONDAY)
        for minute in range(1, 6):
            add_event(session, incident, MONDAY + timedelta(minutes=minute), "note")
    seen: list[dict[str, Any]] = []
    engine = create_database_engine(database_url)

    def remember(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if "timeline_events" in statement:
            seen.append(dict(context.execution_options))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        with create_session_factory(engine)() as session:
            found = exports.rows(session, ExportQuery("timeline"), OWNER_ROLE, batch=2)
            assert next(found)["event_id"] == 1
            assert sum(1 for _ in found) == 5
    finally:
        engine.dispose()

    [options] = seen
    assert options["stream_results"] is True
    assert options["yield_per"] == 2


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01 09:30", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
        ("2026-11-01T09:30:15Z", datetime(2026, 11, 1, 9, 30, 15, tzinfo=UTC)),
        ("2026-11-01T10:30+01:00", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_bounds_are_dates_or_times_in_utc_unless_they_say_otherwise(
    text: str, moment: datetime
) -> None:
    assert exports.parse_moment(text) == moment


def test_unreadable_or_backwards_bounds_are_refused() -> None:
    with pytest.raises(exports.BadMoment, match="is not a date or time"):
        exports.parse_moment("last tuesday")
    with pytest.raises(exports.BadMoment, match="before the end"):
        ExportQuery("timeline", since=MONDAY, until=MONDAY)


# The command line


def test_firebreak_export_writes_the_file_named_by_out(
    sessions: sessionmaker[Session], run_cli: Run, tmp_path: Path
) -> None:
    _with_restricted_history(sessions)
    out = tmp_path / "followups.csv"

    code, printed, err = run_cli("export", "followups", "--out", str(out))

    assert code == 0
    assert out.read_text(encoding="utf-8") == _export(sessions, "followups")
    assert [row["reference"] for row in _cells(out.read_text(encoding="utf-8"))] == ["INC-1"]
    assert not (tmp_path / "followups.csv.partial").exists()
    assert printed == ""
    assert err == f"firebreak: wrote 1 followups rows to {out}\n"


def test_firebreak_export_takes_filters_formats_and_restricted(
    sessions: sessionmaker[Session], run_cli: Run
) -> None:
    _with_restricted_history(sessions)

    code, out, _err = run_cli("export", "incidents", "--format", "jsonl", "--include-restricted")
    assert code == 0
    lines = _lines(out)
    assert [json.loads(line)["reference"] for line in lines] == ["INC-1", "INC-2"]

    code, out, _err = run_cli("export", "timeline", "--since", "2026-11-17")
    assert code == 0
    assert out == HEADERS["timeline"] + "\n"
    # The same export from the start of the history has INC-1's events: the bound did that.
    code, out, _err = run_cli("export", "timeline", "--since", "2026-11-16")
    assert [row["reference"] for row in _cells(out)] == ["INC-1"]


# Slack: /incident export


def _shared_files(harness: Harness, channel: str) -> list[dict[str, Any]]:
    return [f for m in harness.standin.messages(channel) if m.files for f in m.files]


def test_the_slack_export_shares_a_csv_in_the_channel_without_restricted_incidents(
    harness: Harness,
) -> None:
    channel = harness.declare("--sev 2 Counterfeit chargers")
    harness.declare("--private Leaked seller data")
    harness.standin.rate_limits = False
    harness.command("note =cmd|' /C calc'!A0", channel=channel.id)

    harness.command("export timeline", user=BOB, channel=channel.id)

    assert [event.kind for event in harness.events(2)] == ["declared"]  # one it could leak
    [shared] = _shared_files(harness, channel.id)
    assert shared["name"] == "firebreak-timeline-2026-11-20-0930.csv"
    assert shared["title"] == "Firebreak export: timeline events"
    content = harness.standin.uploaded(shared["id"])
    assert content is not None
    with harness.sessions() as session:
        expected = io.StringIO()
        exports.export(session, ExportQuery("timeline"), OWNER_ROLE, expected)
    assert content == expected.getvalue().encode("utf-8")
    found = _cells(content.decode())
    assert [(row["reference"], row["kind"]) for row in found] == [
        ("INC-1", "declared"),
        ("INC-1", "note"),
    ]
    assert found[1]["text"] == "'=cmd|' /C calc'!A0"
    [message] = [m for m in harness.standin.messages(channel.id) if m.files]
    assert message.text == (
        ":page_facing_up: Timeline events: 2 rows, times in UTC, "
        f"for <@{BOB}>. Restricted incidents are not included; a Firebreak admin can export "
        "them with `firebreak export timeline --include-restricted`."
    )


def test_the_slack_export_takes_a_since_and_excel(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        add_incident(session, declared_at=MONDAY, title="Last week's sneakers")  # INC-1
    channel = harness.declare("Counterfeit chargers")  # INC-2, on Friday 2026-11-20
    harness.standin.rate_limits = False

    harness.command("export incidents 2026-11-20 excel", channel=channel.id)

    [shared] = _shared_files(harness, channel.id)
    content = harness.standin.uploaded(shared["id"])
    assert content is not None
    assert content.startswith(b"\xef\xbb\xbf" + HEADERS["incidents"].encode())
    rows = _cells(content.decode("utf-8-sig"))
    assert [(row["reference"], row["title"]) for row in rows] == [("INC-2", "Counterfeit chargers")]
    [message] = [m for m in harness.standin.messages(channel.id) if m.files]
    assert message.text.startswith(
        ":page_facing_up: Incidents since 2026-11-20 00:00 UTC: 1 row, times in UTC"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("export", "Say what to export."),
        ("export bananas", "I can't export `bananas`."),
        ("export timeline last-tuesday", "`last-tuesday` is not a date or time."),
    ],
)
def test_a_bad_slack_export_gets_the_usage_privately(
    harness: Harness, text: str, problem: str
) -> None:
    channel = harness.declare("Counterfeit chargers")

    harness.command(text, channel=channel.id)

    answer = harness.standin.ephemerals(ALICE)[-1].text
    assert problem in answer
    assert "/incident export <incidents|timeline|actions|followups> [since] [excel]" in answer
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def _told(harness: Harness, user: str = ALICE) -> list[str]:
    """What the user was told privately. The acknowledgement and a message sent after it
    race to the stand-in, so the order between them is not asserted."""
    return [m.text for m in harness.standin.ephemerals(user)]


def test_an_export_too_big_for_slack_points_to_the_command_line(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = harness.declare("Counterfeit chargers")
    monkeypatch.setattr(export_command, "MAX_EXPORT_BYTES", 200)

    harness.command("export timeline", channel=channel.id)

    [answer] = [text for text in _told(harness) if "too large" in text]
    assert "too large to share in Slack" in answer
    assert "`firebreak export timeline --out timeline.csv`" in answer
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_an_empty_export_is_not_shared(harness: Harness) -> None:
    channel = harness.declare("Counterfeit chargers")

    harness.command("export actions", channel=channel.id)

    assert "There are no containment actions to export (restricted incidents aside)." in (
        _told(harness)
    )
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_a_channel_without_the_bot_gets_a_clear_answer(harness: Harness) -> None:
    harness.declare("Counterfeit chargers")

    harness.command("export incidents", channel=GENERAL)

    assert any("I'm not a member" in text for text in _told(harness))
    assert not _shared_files(harness, GENERAL)
