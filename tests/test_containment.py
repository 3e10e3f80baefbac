"""Containment actions: `/incident action`, the card's totals, the "Mark contained" offer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commands.blocks.containment import (
    actions_text,
    contain_offer,
    containment_line,
    lower_label,
)
from commands.blocks.messages import section
from storage.models import ContainmentAction
from tests.slack_standin import Message, validate_blocks
from tests.support.blocks import action_ids, block, field_texts
from tests.support.harness import ALICE, BOB, CAROL, GENERAL, Harness
from workflows.containment import ContainmentOverview, ContainmentRecord
from workflows.snapshots import ContainmentLogged, IncidentSnapshot

OFFER = "containment_mark_contained"
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _containment_lines(harness: Harness) -> list[str]:
    fields = block(harness.card().blocks, "people")["fields"]
    text = next(f["text"] for f in fields if f["text"].startswith("*Containment*"))
    return str(text).splitlines()[1:]


def _bot_messages(harness: Harness, channel: str) -> list[Message]:
    return [m for m in harness.standin.messages(channel) if m.user == "U0FIREBOT"]


def _actions(harness: Harness) -> list[ContainmentAction]:
    with harness.sessions() as session:
        return list(session.scalars(select(ContainmentAction).order_by(ContainmentAction.id)))


def _offers(harness: Harness, channel: str) -> list[Message]:
    return [m for m in _bot_messages(harness, channel) if OFFER in action_ids(m.blocks)]


def test_actions_add_up_on_the_card_per_kind(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command(
        "action listing_removed 1,240 spring sale sellers", user=BOB, channel=channel.id
    )
    harness.command("action account_suspended 37", user=CAROL, channel=channel.id)
    harness.command("action Listings removed 60", channel=channel.id)  # by label, any case

    assert _containment_lines(harness) == ["Listings removed: *1,300*", "Accounts suspended: *37*"]
    rows = [(a.kind, a.count, a.note, a.actor) for a in _actions(harness)]
    assert rows == [
        ("listing_removed", 1240, "spring sale sellers", BOB),
        ("account_suspended", 37, "", CAROL),
        ("listing_removed", 60, "", ALICE),
    ]
    assert all(a.occurred_at == harness.clock.now() for a in _actions(harness))
    lines = [m.text for m in _bot_messages(harness, channel.id)]
    assert f"<@{BOB}> logged 1,240 listings removed: spring sale sellers" in lines
    assert f"<@{CAROL}> logged 37 accounts suspended" in lines
    assert lines[-1] == f"<@{ALICE}> logged 60 listings removed"
    logged = [e for e in harness.events() if e.kind == "action_logged"]
    assert [(e.actor, e.data) for e in logged] == [
        (BOB, {"kind": "listing_removed", "count": 1240, "note": "spring sale sellers"}),
        (CAROL, {"kind": "account_suspended", "count": 37, "note": ""}),
        (ALICE, {"kind": "listing_removed", "count": 60, "note": ""}),
    ]
    assert logged[0].text == "Logged Listings removed: 1,240 (spring sale sellers)"


def test_the_largest_count_is_accepted(harness: Harness) -> None:
    channel = harness.declare("Payout fraud")

    harness.command("action payout_held 10,000,000", channel=channel.id)

    assert [a.count for a in _actions(harness)] == [10_000_000]
    assert _containment_lines(harness) == ["Payouts held: *10,000,000*"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("action", "Say what was done"),
        ("action frobnicate 5", "Unknown containment kind `frobnicate`"),
        ("action 1240 listings", "Unknown containment kind `1240`"),
        ("action listing_removed", "How many?"),
        ("action listing_removed lots", "`lots` is not a count"),
        ("action listing_removed -5", "`-5` is not a count"),
        ("action listing_removed 12,40", "`12,40` is not a count"),
        ("action listing_removed 1.5", "`1.5` is not a count"),
        ("action listing_removed 0", "A count is at least 1"),
        ("action listing_removed 10,000,001", "Log at most 10,000,000 in one action"),
    ],
)
def test_bad_kinds_and_counts_get_a_usage_listing_the_kinds(
    harness: Harness, text: str, problem: str
) -> None:
    channel = harness.declare("Counterfeit sneakers")
    posted = len(harness.standin.messages(channel.id))

    harness.command(text, user=BOB, channel=channel.id)

    (reply,) = harness.standin.ephemerals(BOB, channel.id)
    assert problem in reply.text
    assert "`/incident action <kind> <count> [note]`" in reply.text
    if "kind" in problem or "what was done" in problem:
        assert "`listing_removed` (Listings removed)" in reply.text
        assert "`payout_held` (Payouts held)" in reply.text
    assert _actions(harness) == []
    assert len(harness.standin.messages(channel.id)) == posted


def test_actions_outside_an_incident_channel_say_where_to_use_them(harness: Harness) -> None:
    harness.command("action listing_removed 5")

    (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert "works inside an incident channel" in reply.text
    assert _actions(harness) == []


def test_the_first_action_offers_to_mark_the_incident_contained(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command("action listing_removed 1240", user=BOB, channel=channel.id)
    harness.command("action account_suspended 12", user=BOB, channel=channel.id)

    (offer,) = _offers(harness, channel.id)
    assert "First containment action on INC-1" in offer.text
    button = offer.blocks[-1]["elements"][0]
    assert button["text"]["text"] == "Mark contained"
    messages = _bot_messages(harness, channel.id)
    assert messages.index(offer) == len(messages) - 2  # right after the first action's line

    harness.click(CAROL, channel.id, offer.ts, OFFER)

    incident = harness.incident()
    assert incident.status == "contained"
    assert incident.contained_at == harness.clock.now()
    assert field_texts(harness.card().blocks)["Status"] == "Contained"
    answered = next(m for m in harness.standin.messages(channel.id) if m.ts == offer.ts)
    assert action_ids(answered.blocks) == []
    assert (
        answered.blocks[-1]["elements"][0]["text"]
        == f":shield: <@{CAROL}> marked INC-1 *Contained*."
    )
    assert f"<@{CAROL}> changed status from *Investigating* to *Contained*." in [
        m.text for m in _bot_messages(harness, channel.id)
    ]
    change = harness.events()[-1]
    assert (change.kind, change.actor, change.data) == (
        "status_changed",
        CAROL,
        {"before": "investigating", "after": "contained"},
    )


def test_no_offer_once_the_incident_is_contained(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.click(ALICE, channel.id, harness.card().ts, "incident_status.contained")

    harness.command("action listing_removed 1240", channel=channel.id)

    assert _offers(harness, channel.id) == []
    assert _containment_lines(harness) == ["Listings removed: *1,240*"]


def test_a_late_click_on_the_offer_never_moves_the_incident_back(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("action listing_removed 1240", channel=channel.id)
    (offer,) = _offers(harness, channel.id)
    harness.click(ALICE, channel.id, harness.card().ts, "incident_status.mitigated")
    events = len(harness.events())

    harness.click(BOB, channel.id, offer.ts, OFFER)

    assert harness.incident().status == "mitigated"
    assert len(harness.events()) == events
    answered = next(m for m in harness.standin.messages(channel.id) if m.ts == offer.ts)
    assert answered.blocks[-1]["elements"][0]["text"] == "INC-1 is already *Mitigated*."


def test_actions_lists_totals_and_the_latest_twenty_privately(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    for count in range(1, 22):
        harness.command(f"action listing_removed {count} batch {count}", channel=channel.id)
    harness.command("action other 3 warned sellers", user=BOB, channel=channel.id)
    posted = len(harness.standin.messages(channel.id))

    harness.command("actions", user=CAROL, channel=channel.id)

    (reply,) = harness.standin.ephemerals(CAROL, channel.id)
    lines = reply.text.splitlines()
    assert lines[:3] == [
        "*Containment on INC-1*",
        "• Listings removed: *231*",
        "• Other actions: *3*",
    ]
    assert lines[3] == "*Latest 20 of 22*"
    latest = lines[4:]
    assert len(latest) == 20
    assert latest[0].endswith(f"<@{BOB}> · 3 other actions: warned sellers")
    assert latest[1].endswith(f"<@{ALICE}> · 21 listings removed: batch 21")
    assert latest[-1].endswith("· 3 listings removed: batch 3")
    assert len(harness.standin.messages(channel.id)) == posted  # nothing in the channel


def test_actions_before_any_were_logged(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command("actions", channel=channel.id)

    (reply,) = harness.standin.ephemerals(ALICE, channel.id)
    assert "_No containment actions yet._" in reply.text


notes = st.text(max_size=1000)


@settings(max_examples=100, deadline=None)
@given(note=notes, count=st.integers(1, 10_000_000), title=st.text(min_size=1, max_size=150))
def test_containment_messages_are_valid_block_kit(note: str, count: int, title: str) -> None:
    incident = IncidentSnapshot(
        id=42,
        title=title,
        description="",
        domain="other",
        domain_label="Other",
        severity="sev3",
        severity_label="SEV3",
        severity_description="",
        status="investigating",
        status_label="Investigating",
        restricted=False,
        declared_by=ALICE,
        declared_at=WHEN,
        updated_at=WHEN,
        owner=None,
        channel_id="C0INC",
        channel_name="inc-42",
        card_ts="1.0001",
    )
    logged = ContainmentLogged(
        id=1,
        incident_id=42,
        kind="listing_removed",
        kind_label="Listings removed",
        count=count,
        note=note,
        actor=BOB,
        occurred_at=WHEN,
        offer_status="contained",
        offer_label="Contained",
    )
    assert validate_blocks(section(containment_line(logged)), "message") == []
    assert validate_blocks(contain_offer(incident, logged)[1], "message") == []
    recent = tuple(
        ContainmentRecord(n, "other", "Other actions", count, note, BOB, WHEN) for n in range(20)
    )
    overview = ContainmentOverview(42, (("Listings removed", count),) * 50, recent, 99)
    assert validate_blocks(section(actions_text(overview)), "message") == []


def test_labels_read_mid_sentence() -> None:
    assert lower_label("Listings removed") == "listings removed"
    assert lower_label("IPs blocked") == "IPs blocked"
