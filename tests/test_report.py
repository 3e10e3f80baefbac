"""The incident report: its Markdown (against a golden file), the upload, and the CLI.

The golden file ``tests/golden/incident_report.md`` is the report of the incident scripted
in ``_scripted_incident``, on the harness's manual clock. After an intended change to the
report, regenerate it and review the diff:

    FIREBREAK_REGENERATE_GOLDEN=1 pytest tests/test_report.py -k golden
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.models import ContainmentAction
from tests.support.cli import Run
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    GENERAL,
    Harness,
)
from workflows import followups
from workflows.report import cell, format_span, render_report

GOLDEN = Path(__file__).parent / "golden" / "incident_report.md"
REGENERATE = os.environ.get("FIREBREAK_REGENERATE_GOLDEN") == "1"


def _minutes(harness: Harness, minutes: int) -> None:
    harness.clock.advance(timedelta(minutes=minutes))


def _scripted_incident(harness: Harness) -> str:
    """Declare at 09:30 UTC, then acknowledge, raise, own, note, contain, follow up, resolve."""
    channel = harness.declare("--sev 3 --domain counterfeit Counterfeit chargers | sold as branded")
    harness.standin.rate_limits = False
    card_ts = harness.card().ts
    _minutes(harness, 7)
    harness.click(BOB, channel.id, card_ts, "incident_acknowledge")
    _minutes(harness, 5)
    harness.click(BOB, channel.id, card_ts, "incident_severity", selected_option="sev2")
    _minutes(harness, 3)
    harness.click(ALICE, channel.id, card_ts, "incident_owner", selected_user=BOB)
    _minutes(harness, 10)
    harness.click(BOB, channel.id, card_ts, "incident_owner", selected_user=CAROL)
    _minutes(harness, 5)
    harness.command(
        "note Seller 'VoltKing' relisted 40 items | checking <@U0DAVE|dave>",
        user=CAROL,
        channel=channel.id,
    )
    _minutes(harness, 20)
    with harness.sessions.begin() as session:
        session.add(
            ContainmentAction(
                incident_id=1,
                kind="listing_removed",
                count=1240,
                note="Bulk takedown | batch 1",
                actor=DAVE,
                occurred_at=harness.clock.now(),
            )
        )
        session.add(
            ContainmentAction(
                incident_id=1,
                kind="account_suspended",
                count=3,
                note="",
                actor=CAROL,
                occurred_at=harness.clock.now(),
            )
        )
        session.add(
            ContainmentAction(
                incident_id=1,
                kind="listing_removed",
                count=60,
                note="Stragglers",
                actor=DAVE,
                occurred_at=harness.clock.now() + timedelta(minutes=1),
            )
        )
    _minutes(harness, 5)
    harness.click(CAROL, channel.id, card_ts, "incident_status.contained")
    _minutes(harness, 15)
    with harness.sessions.begin() as session:
        followups.add_followup(
            session,
            1,
            "Block the brand's keywords in new listings",
            DAVE,
            datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
            CAROL,
            harness.clock,
            policy=harness.firebreak.services.policy,
        )
    _minutes(harness, 45)
    harness.command("resolve", user=CAROL, channel=channel.id)
    (view,) = harness.standin.open_views(CAROL)
    harness.submit(
        CAROL,
        view.id,
        {
            "resolution_summary": "Removed every listing and suspended the seller's accounts.\n"
            "No new listings for 30 minutes.",
            "root_cause": "detection_gap",
            "impact": "About 310 buyers | 2 storefronts.\nRefunds offered to all.",
            "followups": "Tune the counterfeit classifier for chargers",
        },
    )
    assert harness.incident().status == "resolved"
    return channel.id


def test_the_report_matches_the_golden_file(harness: Harness) -> None:
    _scripted_incident(harness)

    with harness.sessions() as session:
        report = render_report(session, 1, harness.firebreak.services.policy)

    if REGENERATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(report, encoding="utf-8")
    assert report == GOLDEN.read_text(encoding="utf-8"), (
        "the report changed; if that was intended, regenerate the golden file with "
        "FIREBREAK_REGENERATE_GOLDEN=1 and review the diff"
    )


def test_the_report_command_uploads_the_markdown_as_a_file(harness: Harness) -> None:
    channel = _scripted_incident(harness)
    _minutes(harness, 30)
    uploads_before = len(harness.standin.calls_to("files.completeUploadExternal"))
    with harness.sessions() as session:
        expected = render_report(session, 1, harness.firebreak.services.policy)

    harness.command("report", user=ALICE, channel=channel)

    get_url = harness.standin.calls_to("files.getUploadURLExternal")[-1]
    assert get_url.args["filename"] == "INC-1-report.md"
    complete = harness.standin.calls_to("files.completeUploadExternal")
    assert len(complete) == uploads_before + 1
    [message] = [m for m in harness.standin.messages(channel) if m.files]
    assert message.text == ":page_facing_up: INC-1 incident report"
    assert message.source == "files.completeUploadExternal"
    [shared] = message.files
    assert (shared["name"], shared["title"]) == ("INC-1-report.md", "INC-1 incident report")
    assert harness.standin.uploaded(shared["id"]) == expected.encode()
    incident = harness.incident()
    assert incident.report_posted_at == harness.clock.now()
    posted = harness.events()[-1]
    assert (posted.kind, posted.actor, posted.data) == (
        "report_posted",
        ALICE,
        {"file": shared["id"], "permalink": shared["permalink"]},
    )


def test_a_restricted_incidents_report_stays_in_its_private_channel(harness: Harness) -> None:
    channel = harness.declare("--private Leaked seller data")
    harness.standin.rate_limits = False

    harness.command("report", channel=channel.id)

    assert harness.standin.channel(channel.id).is_private
    (message,) = [m for m in harness.standin.messages(channel.id) if m.files]
    assert harness.standin.uploaded(message.files[0]["id"]) is not None
    for elsewhere in (BROADCAST_CHANNEL, GENERAL):
        assert not any(m.files for m in harness.standin.messages(elsewhere))


def test_the_report_command_needs_an_incident_channel(harness: Harness) -> None:
    harness.declare("Somewhere else")

    harness.command("report", channel=GENERAL)

    assert "works inside an incident channel" in harness.standin.ephemerals(ALICE)[-1].text
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_an_open_incident_reports_what_has_not_happened_yet(harness: Harness) -> None:
    harness.declare("Fresh incident")

    with harness.sessions() as session:
        report = render_report(session, 1, harness.firebreak.services.policy)

    assert "| Time to acknowledge | not yet |" in report
    assert "| Time to contain | not yet |" in report
    assert "| Time to resolve | not yet |" in report
    assert "## Resolution\n\nNot resolved yet." in report
    assert "No containment actions were logged." in report
    assert "No follow-ups." in report
    assert "| Owner | unassigned |" in report


def test_firebreak_report_prints_the_same_markdown(harness: Harness, run_cli: Run) -> None:
    _scripted_incident(harness)
    with harness.sessions() as session:
        expected = render_report(session, 1, harness.firebreak.services.policy)

    assert run_cli("report", "INC-1")[:2] == (0, expected)
    assert run_cli("report", "1")[:2] == (0, expected)

    code, out, err = run_cli("report", "INC-42")
    assert (code, out) == (1, "")
    assert "There is no incident INC-42." in err

    code, _out, err = run_cli("report", "forty-two")
    assert code == 2
    assert "not an incident reference" in err


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (timedelta(seconds=59), "0h 00m"),
        (timedelta(minutes=5), "0h 05m"),
        (timedelta(hours=1, minutes=5, seconds=30), "1h 05m"),
        (timedelta(hours=23, minutes=59), "23h 59m"),
        (timedelta(days=2, hours=3), "2d 03h 00m"),
    ],
)
def test_durations_read_as_hours_and_minutes(span: timedelta, shown: str) -> None:
    assert format_span(span) == shown


def test_table_cells_escape_pipes_and_keep_line_breaks() -> None:
    assert cell("a | b\nc\\d") == "a \\| b<br>c\\\\d"
    assert cell("  ") == "—"
    assert cell(None) == "—"
