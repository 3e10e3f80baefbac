"""The card's controls change the incident, update the card in place and say so in the channel."""

from __future__ import annotations

from tests.support.blocks import action_ids, element, field_texts
from tests.support.harness import ALICE, BOB, CAROL, Harness


def _declared(harness: Harness) -> tuple[str, str]:
    channel = harness.declare("Prohibited items listed in toys")
    harness.standin.rate_limits = False
    return channel.id, harness.card().ts


def _resolve(harness: Harness, user: str, channel: str, ts: str) -> None:
    """The card's Resolved button opens the resolve form; submit it."""
    harness.click(user, channel, ts, "incident_resolve")
    (view,) = harness.standin.open_views(user)
    harness.submit(user, view.id, {"resolution_summary": "Fixed", "root_cause": "other"})


def test_severity_select_updates_card_channel_and_timeline(harness: Harness) -> None:
    channel, ts = _declared(harness)

    harness.click(BOB, channel, ts, "incident_severity", selected_option="sev1")

    card = harness.card()
    assert field_texts(card.blocks)["Severity"].startswith("*SEV1*")
    assert element(card.blocks, "incident_severity")["initial_option"]["value"] == "sev1"
    updates = harness.standin.calls_to("chat.update")
    assert [u.args["ts"] for u in updates] == [ts]
    lines = [m.text for m in harness.standin.messages(channel) if m.ts != ts]
    assert lines == [f"<@{BOB}> changed severity from *SEV3* to *SEV1*."]
    assert harness.standin.channel(channel).topic.startswith("INC-1 · SEV1")
    event = harness.events()[-1]
    assert (event.kind, event.actor, event.occurred_at) == (
        "severity_changed",
        BOB,
        harness.clock.now(),
    )
    assert event.data == {"before": "sev3", "after": "sev1"}
    assert harness.incident().severity == "sev1"


def test_choosing_the_same_severity_again_changes_nothing(harness: Harness) -> None:
    channel, ts = _declared(harness)
    harness.click(BOB, channel, ts, "incident_severity", selected_option="sev2")
    events_before = len(harness.events())
    messages_before = len(harness.standin.messages(channel))

    harness.click(BOB, channel, ts, "incident_severity", selected_option="sev2")

    assert len(harness.events()) == events_before
    assert len(harness.standin.messages(channel)) == messages_before


def test_owner_select_assigns_invites_and_keeps_history(harness: Harness) -> None:
    channel, ts = _declared(harness)

    harness.click(ALICE, channel, ts, "incident_owner", selected_user=BOB)
    harness.click(ALICE, channel, ts, "incident_owner", selected_user=CAROL)

    card = harness.card()
    assert field_texts(card.blocks)["Owner"] == f"<@{CAROL}>"
    assert element(card.blocks, "incident_owner")["initial_user"] == CAROL
    assert {BOB, CAROL} <= harness.standin.channel(channel).members
    first, second = harness.roles()
    assert (first.user_id, first.role, first.ended_by) == (BOB, "commander", ALICE)
    assert first.ended_at is not None
    assert (second.user_id, second.ended_at) == (CAROL, None)
    assert f"<@{ALICE}> made <@{CAROL}> the owner." in [
        m.text for m in harness.standin.messages(channel)
    ]
    assert "Owner <@U0CAROL>" in harness.standin.channel(channel).topic


def test_status_buttons_follow_the_lifecycle_and_stamp_its_clocks(harness: Harness) -> None:
    channel, ts = _declared(harness)
    from datetime import timedelta

    harness.clock.advance(timedelta(minutes=20))
    harness.click(BOB, channel, ts, "incident_status.contained")
    contained_at = harness.clock.now()
    harness.clock.advance(timedelta(hours=2))
    _resolve(harness, BOB, channel, ts)

    incident = harness.incident()
    assert incident.status == "resolved"
    assert incident.contained_at == contained_at
    assert incident.resolved_at == harness.clock.now()
    card = harness.card()
    assert field_texts(card.blocks)["Status"] == "Resolved"
    assert "incident_resolve" not in action_ids(card.blocks)
    assert "incident_status.investigating" in action_ids(card.blocks)
    kinds = [e.kind for e in harness.events()]
    assert kinds == ["declared", "status_changed", "status_changed", "resolved"]


def test_reopening_clears_the_resolution_clock(harness: Harness) -> None:
    channel, ts = _declared(harness)
    _resolve(harness, BOB, channel, ts)

    harness.click(BOB, channel, ts, "incident_status.investigating")

    incident = harness.incident()
    assert incident.status == "investigating"
    assert incident.resolved_at is None


def test_add_note_button_opens_a_form_that_adds_to_the_timeline(harness: Harness) -> None:
    channel, ts = _declared(harness)

    harness.click(CAROL, channel, ts, "incident_add_note")
    (view,) = harness.standin.open_views(CAROL)
    harness.submit(CAROL, view.id, {"note": "Seller <@U0BOB> relisted 40 items"})

    assert harness.standin.view(view.id).state == "closed"
    event = harness.events()[-1]
    assert (event.kind, event.actor, event.text) == (
        "note",
        CAROL,
        "Seller <@U0BOB> relisted 40 items",
    )
    last = harness.standin.messages(channel)[-1]
    assert last.text == f":memo: Note from <@{CAROL}>: Seller &lt;@U0BOB&gt; relisted 40 items"
