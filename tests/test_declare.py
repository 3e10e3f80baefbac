"""`/incident declare <title>`: one command, one recorded incident, one provisioned channel."""

from __future__ import annotations

import re
import threading

from tests.support.blocks import action_ids, block, element, field_texts, mrkdwn_text
from tests.support.harness import ALICE, BOB, BROADCAST_CHANNEL, GENERAL, Harness

TITLE = "Counterfeit listings spike in Home & Garden"
CHANNEL_NAME = "inc-1-counterfeit-listings-spike-in-home-garden"


def test_declare_opens_a_channel_with_a_pinned_card(harness: Harness) -> None:
    response = harness.command(f"declare {TITLE}")

    assert response.status == 200
    channel = harness.standin.channel_by_name(CHANNEL_NAME)
    assert channel is not None, [
        c.args["name"] for c in harness.standin.calls_to("conversations.create")
    ]
    assert ALICE in channel.members
    assert not channel.is_private
    assert channel.topic.startswith("INC-1 · SEV3 · Investigating")

    card = harness.card()
    assert block(card.blocks, "header")["text"]["text"] == f"INC-1 · {TITLE}"
    facts = field_texts(card.blocks)
    assert facts["Severity"].startswith("*SEV3*")
    assert facts["Status"] == "Investigating"
    assert facts["Domain"] == "Other"
    assert facts["Owner"] == "_unassigned_"
    assert facts["Declared by"] == f"<@{ALICE}>"
    assert re.fullmatch(
        r"<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[^>]+>", facts["Declared"]
    )
    pins = [call.args for call in harness.standin.calls_to("pins.add")]
    assert pins == [{"channel": channel.id, "timestamp": card.ts}]


def test_card_controls_offer_severity_owner_status_and_note(harness: Harness) -> None:
    harness.declare(TITLE)
    blocks = harness.card().blocks

    severity = element(blocks, "incident_severity")
    assert severity["type"] == "static_select"
    assert [o["text"]["text"] for o in severity["options"]] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert all(o["description"]["text"] for o in severity["options"])
    assert severity["initial_option"]["value"] == "sev3"
    assert element(blocks, "incident_owner")["type"] == "users_select"
    assert action_ids(blocks)[2:] == [
        "incident_acknowledge",
        "incident_status.contained",
        "incident_status.mitigated",
        "incident_resolve",
        "incident_add_note",
        "incident_assign_role",
    ]
    assert element(blocks, "incident_status.contained").get("style") == "primary"


def test_declarer_is_told_privately_where_the_incident_lives(harness: Harness) -> None:
    channel = harness.declare(TITLE)

    seen = harness.standin.ephemerals(ALICE, GENERAL)
    assert len(seen) == 1
    assert f"<#{channel.id}>" in seen[0].text
    assert "INC-1 declared" in seen[0].text
    assert harness.standin.ephemerals(BOB) == []


def test_declaration_is_announced_in_the_broadcast_channel(harness: Harness) -> None:
    channel = harness.declare(f"--sev 1 --domain counterfeit {TITLE}")

    (announcement,) = harness.standin.messages(BROADCAST_CHANNEL)
    assert f"<#{channel.id}>" in announcement.text
    assert "INC-1" in announcement.text
    assert "SEV1" in announcement.text
    assert "Counterfeit" in announcement.text
    assert "Home &amp; Garden" in announcement.text


def test_declare_records_the_incident_and_its_first_event(harness: Harness) -> None:
    channel = harness.declare(f"--sev SEV2 --domain fraud_scam {TITLE}")

    (incident,) = harness.incidents()
    assert (incident.title, incident.severity, incident.domain) == (TITLE, "sev2", "fraud_scam")
    assert incident.status == "investigating"
    assert incident.declared_by == ALICE
    assert incident.declared_at == harness.clock.now()
    assert incident.channel_id == channel.id
    assert incident.channel_name == channel.name
    assert incident.provisioned_at is not None
    assert incident.provision_error is None
    (event,) = harness.events()
    assert (event.kind, event.actor, event.occurred_at) == ("declared", ALICE, harness.clock.now())


def test_mentions_in_a_title_ping_nobody(harness: Harness) -> None:
    # What Slack sends when someone types "@channel @here @bob" and a link, and then
    # literally "<!channel>" (which it escapes).
    harness.declare(
        "<!channel> <!here> <@U0BOB|bob> <https://evil.example|click> &lt;!channel&gt; broke"
    )

    assert harness.incident().title == "@channel @here @bob click <!channel> broke"
    sent = [m.text for m in harness.standin.messages(BROADCAST_CHANNEL)]
    sent += [mrkdwn_text(harness.card().blocks), harness.card().text]
    for text in sent:
        assert "<!channel>" not in text
        assert "<!here>" not in text
        assert "<@U0BOB" not in text
        assert "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in harness.standin.messages(BROADCAST_CHANNEL)[0].text


def test_long_and_unicode_titles_make_valid_channel_names(harness: Harness) -> None:
    channel = harness.declare("Überprüfung der Händler " + "sehr lange " * 11)

    assert len(channel.name) <= 80
    assert re.fullmatch(r"[a-z0-9_-]+", channel.name)
    assert channel.name.startswith("inc-1-uberprufung-der-handler-")
    assert not channel.name.endswith("-")


def test_a_taken_channel_name_gets_a_suffix(harness: Harness) -> None:
    harness.standin.add_channel("inc-1-payments-down")

    channel = harness.declare("Payments down")

    assert channel.name == "inc-1-payments-down-2"
    assert len(harness.incidents()) == 1


def test_slack_retrying_the_same_command_declares_once(harness: Harness) -> None:
    harness.command(f"declare {TITLE}")
    retry = harness.command(f"declare {TITLE}", retry_num=1, retry_reason="http_timeout")

    assert retry.status == 200
    assert len(harness.incidents()) == 1
    assert len(harness.standin.calls_to("conversations.create")) == 1
    assert len(harness.standin.messages(BROADCAST_CHANNEL)) == 1


def test_twenty_concurrent_declares_get_distinct_incidents_and_channels(harness: Harness) -> None:
    harness.standin.rate_limits = False  # this is about our concurrency, not Slack's limits
    results: list[int] = []

    def declare(n: int) -> None:
        results.append(
            harness.standin.slash_command(ALICE, GENERAL, "/incident", f"declare Wave {n}").status
        )

    threads = [threading.Thread(target=declare, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    harness.settle()

    # Each is acked before it is saved, so none waits on the others' writes (Bolt would
    # answer 404 to one that had not acked within 3 s).
    assert results == [200] * 20
    incidents = harness.incidents()
    assert sorted(i.id for i in incidents) == list(range(1, 21))
    assert len({i.channel_id for i in incidents}) == 20
    assert all(i.provisioned_at is not None for i in incidents)
    names = {c.args["name"] for c in harness.standin.calls_to("conversations.create")}
    assert len(names) == 20


def test_declaring_with_the_private_flag_makes_a_private_channel(harness: Harness) -> None:
    channel = harness.declare("--private Seller identity ring")

    assert channel.is_private
    (announcement,) = harness.standin.messages(BROADCAST_CHANNEL)
    assert "Seller identity ring" not in announcement.text
    assert "restricted" in announcement.text
    assert f"<#{channel.id}>" not in announcement.text


def test_a_title_with_the_word_payload_is_declared_not_lost(harness: Harness) -> None:
    """Bolt alone reads any form body containing "payload" as an interactivity payload."""
    response = harness.command("declare payload service down")

    assert response.status == 200
    assert [incident.title for incident in harness.incidents()] == ["payload service down"]
    assert harness.standin.channel_by_name("inc-1-payload-service-down") is not None
