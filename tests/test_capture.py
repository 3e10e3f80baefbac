"""The pin emoji on a message in an incident channel puts it on the timeline, once."""

from __future__ import annotations

from tests.support.harness import ALICE, BOB, GENERAL, Harness


def _with_bob(harness: Harness) -> str:
    """An incident channel Bob is in (made owner, so Firebreak invited him)."""
    channel = harness.declare("Scraper wave")
    harness.standin.rate_limits = False
    harness.click(ALICE, channel.id, harness.card().ts, "incident_owner", selected_user=BOB)
    return channel.id


def test_a_pinned_message_lands_on_the_timeline(harness: Harness) -> None:
    channel = harness.standin.channel(_with_bob(harness))
    said, _ = harness.standin.say(BOB, channel.id, "Seller <@U0CAROL|carol> relisted 40 items")
    harness.settle()

    harness.standin.react(ALICE, channel.id, said.ts, "pushpin")
    harness.settle()

    event = harness.events()[-1]
    assert (event.kind, event.actor) == ("pinned_message", ALICE)
    assert event.text == "Seller @carol relisted 40 items"
    assert event.data["author"] == BOB
    assert event.data["permalink"].endswith(f"/archives/{channel.id}/p{said.ts.replace('.', '')}")
    assert harness.standin.ephemerals(ALICE, channel.id)[-1].text.startswith(":pushpin: Added")

    harness.command("timeline", channel=channel.id)
    assert (
        "Seller @carol relisted 40 items" in harness.standin.ephemerals(ALICE, channel.id)[-1].text
    )


def test_the_same_message_is_captured_once(harness: Harness) -> None:
    channel = harness.standin.channel(_with_bob(harness))
    said, _ = harness.standin.say(BOB, channel.id, "Blocked the scraper")
    harness.settle()

    harness.standin.react(ALICE, channel.id, said.ts, "pushpin")
    harness.standin.react(BOB, channel.id, said.ts, "pushpin")
    harness.settle()

    assert [e.kind for e in harness.events()].count("pinned_message") == 1


def test_other_reactions_and_other_channels_are_ignored(harness: Harness) -> None:
    channel = harness.standin.channel(_with_bob(harness))
    said, _ = harness.standin.say(BOB, channel.id, "ok")
    elsewhere, _ = harness.standin.say(BOB, GENERAL, "not an incident")
    harness.settle()

    harness.standin.react(ALICE, channel.id, said.ts, "eyes")
    harness.standin.react(ALICE, GENERAL, elsewhere.ts, "pushpin")
    harness.settle()

    assert "pinned_message" not in [e.kind for e in harness.events()]
