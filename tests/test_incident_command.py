"""`/incident help`, bad input, and the commands that work inside an incident channel."""

from __future__ import annotations

import pytest

from tests.support.blocks import field_texts
from tests.support.harness import ALICE, BOB, GENERAL, Harness


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", None),
        ("help", None),
        ("frobnicate now", "I don't know `/incident frobnicate`"),
        ("declare --sev 9 Fire", "Unknown severity `9`"),
        ("declare --domain knitting Fire", "Unknown domain `knitting`"),
        ("declare --sev", "`--sev` needs a value"),
        ("declare --bogus Fire", "Unknown option `--bogus`"),
        ("declare --sev 1", "The incident needs a title"),
        ("declare " + "x" * 151, "The title is 151 characters"),
        ("note", "needs the note text"),
    ],
)
def test_help_and_bad_input_get_a_private_usage_text(
    harness: Harness, text: str, problem: str | None
) -> None:
    response = harness.command(text)

    assert response.status == 200
    (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert "`/incident declare <title>`" in reply.text
    if problem:
        assert problem in reply.text
    assert harness.incidents() == []
    assert harness.standin.calls_to("conversations.create") == []


@pytest.mark.parametrize("verb", ["note something", "status", "timeline"])
def test_channel_commands_outside_an_incident_channel_say_where_to_use_them(
    harness: Harness, verb: str
) -> None:
    harness.command(verb)

    (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert "works inside an incident channel" in reply.text


def test_note_adds_to_the_timeline_and_the_channel(harness: Harness) -> None:
    channel = harness.declare("Listings scraped")

    harness.command("note Blocked 3 scraper IPs", user=BOB, channel=channel.id)

    event = harness.events()[-1]
    assert (event.kind, event.actor, event.text) == ("note", BOB, "Blocked 3 scraper IPs")
    assert harness.standin.messages(channel.id)[-1].text.endswith("Blocked 3 scraper IPs")


def test_status_shows_the_card_privately(harness: Harness) -> None:
    channel = harness.declare("Listings scraped")

    harness.command("status", user=BOB, channel=channel.id)

    (reply,) = harness.standin.ephemerals(BOB, channel.id)
    assert field_texts(reply.blocks)["Status"] == "Investigating"


def test_clicking_the_private_card_updates_it_and_the_pinned_one(harness: Harness) -> None:
    channel = harness.declare("Listings scraped")
    harness.command("status", user=BOB, channel=channel.id)
    (private,) = harness.standin.ephemerals(BOB, channel.id)

    harness.click(
        BOB,
        channel.id,
        private.ts,
        "incident_severity",
        selected_option="sev2",
        ephemeral_blocks=private.blocks,
    )

    assert field_texts(harness.card().blocks)["Severity"].startswith("*SEV2*")
    latest = harness.standin.ephemerals(BOB, channel.id)[-1]
    assert field_texts(latest.blocks)["Severity"].startswith("*SEV2*")


def test_timeline_lists_what_happened_in_order(harness: Harness) -> None:
    channel = harness.declare("Listings scraped")
    harness.command("note first note", channel=channel.id)
    harness.command("note second &lt;!here&gt; note", channel=channel.id)

    harness.command("timeline", channel=channel.id)

    reply = harness.standin.ephemerals(ALICE, channel.id)[-1]
    lines = reply.text.splitlines()
    assert lines[0] == "*Timeline of INC-1*"
    assert "Declared SEV3: Listings scraped" in lines[1]
    assert lines[2].endswith("noted: first note")
    assert lines[3].endswith("noted: second &lt;!here&gt; note")


def test_slack_markup_in_a_title_reads_as_typed(harness: Harness) -> None:
    harness.declare(
        "Fraud by <@U0BOB|bob> in <#C0GENERAL|general> &amp; <https://shop.example|shop>"
    )

    assert harness.incident().title == "Fraud by @bob in #general & shop"
