"""Escalation intake: where it came from, their reference, the market, their deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import Reminder
from tests.support.blocks import block, field_texts
from tests.support.harness import ALICE, BOB, GENERAL, Harness


def _intake_fields(harness: Harness) -> list[str]:
    return [field["text"] for field in block(harness.card().blocks, "intake")["fields"]]


def test_declare_with_intake_flags_records_and_shows_them(harness: Harness) -> None:
    harness.declare(
        "--sev 2 --source regulator --ref DSA-2026-117 --market de --due 2026-12-01T17:00 "
        "Unsafe toys listed in DE"
    )

    incident = harness.incident()
    assert incident.title == "Unsafe toys listed in DE"
    assert (incident.source, incident.external_ref, incident.market) == (
        "regulator",
        "DSA-2026-117",
        "DE",
    )
    # No offset given: 17:00 on Alice's clock (Europe/Berlin, UTC+1 in December).
    assert incident.due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert _intake_fields(harness) == [
        "*Escalated by*\nRegulator",
        "*Their reference*\n`DSA-2026-117`",
        "*Market*\nDE",
    ]
    assert "External deadline" in field_texts(harness.card().blocks)
    assert field_texts(harness.card().blocks)["External deadline"] == (
        "<!date^1796140800^{date_short_pretty} at {time}|2026-12-01 16:00 UTC>"
    )
    declared = harness.events()[0]
    assert declared.data["source"] == "regulator"
    assert declared.data["due_at"] == "2026-12-01T16:00:00+00:00"
    assert declared.kind == "declared"
    assert declared.data == {
        "severity": "sev2",
        "domain": "other",
        "restricted": False,
        "source": "regulator",
        "external_ref": "DSA-2026-117",
        "market": "DE",
        "due_at": "2026-12-01T16:00:00+00:00",
    }


def test_the_external_deadline_feeds_the_reminders(harness: Harness) -> None:
    harness.declare("--due 2026-12-01 17:00 --source legal Takedown order")

    with harness.sessions() as session:
        planned = [
            (row.kind, row.due_at)
            for row in session.execute(
                select(Reminder.kind, Reminder.due_at)
                .where(
                    Reminder.kind.in_(("deadline", "deadline_breach")),
                    Reminder.state == "pending",
                )
                .order_by(Reminder.due_at)
            )
        ]
    deadline_reminders = [due_at for _kind, due_at in planned]
    due = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert due in deadline_reminders  # the breach alert
    assert len(deadline_reminders) == 4  # 1 day, 4 hours and 1 hour before, and the breach
    assert planned == [
        ("deadline", due - timedelta(days=1)),
        ("deadline", due - timedelta(hours=4)),
        ("deadline", due - timedelta(hours=1)),
        ("deadline_breach", due),
    ]


def test_bad_intake_flags_are_explained(harness: Harness) -> None:
    harness.command("declare --source twitter Something odd")
    harness.command("declare --market ??? Something odd")
    harness.command("declare --due someday Something odd")
    harness.command("declare Something odd --ref")

    texts = [message.text for message in harness.standin.ephemerals(ALICE, GENERAL)]
    assert "Unknown source `twitter`" in texts[0]
    assert "`regulator`" in texts[0]
    assert "'???' is not a market code" in texts[1]
    assert "`--due`: `someday` is not a time I can read" in texts[2]
    assert "`--ref` needs a value, e.g. `--ref DSA-2026-117`" in texts[3]
    assert harness.incidents() == []


def test_the_form_takes_intake_and_checks_the_market_on_its_field(harness: Harness) -> None:
    harness.command("declare")
    (view,) = harness.standin.open_views(ALICE)
    due = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    values = {
        "title": "Police request about a seller",
        "domain": "seller_identity",
        "severity": "sev2",
        "source": "law_enforcement",
        "external_ref": "  LE-4471 ",
        "market": "fr!",
        "due_at": int(due.timestamp()),
    }

    refused = harness.submit(ALICE, view.id, values)
    accepted = harness.submit(ALICE, view.id, {**values, "market": "fr"})

    assert refused.json()["errors"] == {
        "market": "'FR!' is not a market code; write a code such as DE, EU or US-CA."
    }
    assert accepted.status == 200
    (incident,) = harness.incidents()
    assert (incident.source, incident.external_ref, incident.market, incident.due_at) == (
        "law_enforcement",
        "LE-4471",
        "FR",
        due,
    )
    assert _intake_fields(harness) == [
        "*Escalated by*\nLaw enforcement",
        "*Their reference*\n`LE-4471`",
        "*Market*\nFR",
    ]


def test_incidents_can_be_listed_by_source_and_market(harness: Harness) -> None:
    harness.declare("--source regulator --market DE Unsafe heaters")
    harness.declare("--source user_reports --market FR Fake perfume")

    harness.command("list regulator", user=BOB)
    harness.command("list fr", user=BOB)

    by_source, by_market = [m.text for m in harness.standin.ephemerals(BOB)]
    assert "Open incidents escalated by Regulator" in by_source
    assert "INC-1" in by_source
    assert "INC-2" not in by_source
    assert "Open incidents in market FR" in by_market
    assert "INC-2" in by_market
    assert "INC-1" not in by_market
    # Each listing is its heading and its one incident, title and all.
    assert by_source.startswith("*Open incidents escalated by Regulator*\n")
    assert by_source.endswith("\n      Unsafe heaters")
    assert by_source.count("*INC-") == 1
    assert by_market.startswith("*Open incidents in market FR*\n")
    assert by_market.endswith("\n      Fake perfume")
    assert by_market.count("*INC-") == 1
