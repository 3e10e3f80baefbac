"""`/incident update`: inline or through the form, to the channel, broadcast and stakeholders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.support.harness import ALICE, BROADCAST_CHANNEL, Harness, running_firebreak
from workflows.policy import Policy

LEGAL = "C0LEGAL"
SAFETY = "C0SAFETY"


@pytest.fixture
def subscribed(database_url: str) -> Iterator[Harness]:
    policy = Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "lifecycle": {
                "stakeholders": [
                    {"channel": LEGAL, "domains": ["regulatory_request"]},
                    {"channel": SAFETY, "severities": ["sev1"]},
                ]
            },
        }
    )
    with running_firebreak(database_url, policy) as harness:
        harness.standin.rate_limits = False
        for name, channel in (("legal", LEGAL), ("safety", SAFETY)):
            harness.standin.add_channel(name, channel_id=channel, members=["U0FIREBOT"])
        yield harness


def _texts(harness: Harness, channel: str) -> list[str]:
    return [m.text for m in harness.standin.messages(channel)]


def test_the_form_posts_a_structured_update_and_can_move_the_status(subscribed: Harness) -> None:
    channel = subscribed.declare("--sev 1 --domain regulatory_request DSA request")
    subscribed.command("update", channel=channel.id)
    (view,) = subscribed.standin.open_views(ALICE)
    offered = view.view["blocks"][0]["element"]["options"]
    assert [o["value"] for o in offered] == ["investigating", "contained", "mitigated"]

    subscribed.submit(
        ALICE,
        view.id,
        {
            "status": "contained",
            "happened": "Regulator asked for seller data",
            "doing": "Legal drafting the reply",
            "next_update": "2h",
        },
    )

    assert subscribed.incident().status == "contained"
    update = _texts(subscribed, channel.id)[-1]
    assert update.startswith(":information_source: *Status update on INC-1* (SEV1, Contained)")
    assert "What happened: Regulator asked for seller data" in update
    assert "What we're doing: Legal drafting the reply" in update
    assert _texts(subscribed, BROADCAST_CHANNEL)[-1] == update
    assert _texts(subscribed, LEGAL) == [update]  # subscribed to the domain
    assert _texts(subscribed, SAFETY) == [update]  # subscribed to SEV1


def test_the_promised_next_update_sets_the_next_nudge(subscribed: Harness) -> None:
    channel = subscribed.declare("--sev 1 DSA request")  # SEV1 nudges every 30m by default
    subscribed.click(ALICE, channel.id, subscribed.card().ts, "incident_acknowledge")
    subscribed.command("update", channel=channel.id)
    (view,) = subscribed.standin.open_views(ALICE)
    subscribed.submit(ALICE, view.id, {"happened": "Scoped it", "next_update": "2h"})

    subscribed.clock.advance(timedelta(minutes=119))
    assert subscribed.firebreak.reminders.run_due().sent == []
    subscribed.clock.advance(timedelta(minutes=1))
    assert [k.split(":")[1] for k in subscribed.firebreak.reminders.run_due().sent] == [
        "status_update"
    ]


def test_updates_to_other_domains_skip_unsubscribed_stakeholders(subscribed: Harness) -> None:
    channel = subscribed.declare("--sev 3 --domain counterfeit Fakes")

    subscribed.command("update Removed 40 listings", channel=channel.id)

    assert _texts(subscribed, LEGAL) == []
    assert _texts(subscribed, SAFETY) == []
    assert _texts(subscribed, BROADCAST_CHANNEL)[-1].endswith("Removed 40 listings")


def test_a_restricted_incident_updates_only_its_own_channel(subscribed: Harness) -> None:
    channel = subscribed.declare("--private --sev 1 --domain regulatory_request Quiet one")
    before = len(_texts(subscribed, BROADCAST_CHANNEL))

    subscribed.command("update Secret progress", channel=channel.id)

    assert _texts(subscribed, channel.id)[-1].endswith("Secret progress")
    assert len(_texts(subscribed, BROADCAST_CHANNEL)) == before
    assert _texts(subscribed, LEGAL) == []
    assert _texts(subscribed, SAFETY) == []


def test_the_form_needs_what_happened(subscribed: Harness) -> None:
    channel = subscribed.declare("DSA request")
    subscribed.command("update", channel=channel.id)
    (view,) = subscribed.standin.open_views(ALICE)

    response = subscribed.submit(ALICE, view.id, {"happened": " ", "next_update": "1h"})

    assert response.json() == {
        "response_action": "errors",
        "errors": {"happened": "Say what happened since the last update."},
    }


def test_an_inline_update_reads_mentions_as_names(subscribed: Harness) -> None:
    channel = subscribed.declare("Counterfeit chargers")

    subscribed.command("update <@U0BOB|bob> is rolling back &amp; watching", channel=channel.id)

    (update,) = [e for e in subscribed.events() if e.kind == "status_update"]
    assert update.text == "@bob is rolling back & watching"
