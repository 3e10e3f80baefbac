"""`/incident list` and the App Home tab, restricted incidents shown only to their members."""

from __future__ import annotations

import pytest

from tests.support.harness import ALICE, BOB, CAROL, Harness
from workflows import incidents
from workflows.listing import LIST_LIMIT


def _listed(harness: Harness, user: str, text: str = "") -> str:
    harness.command(f"list {text}".strip(), user=user)
    return harness.standin.ephemerals(user)[-1].text


def test_list_shows_open_incidents_with_links(harness: Harness) -> None:
    first = harness.declare("--sev 1 Counterfeit wave")
    second = harness.declare("--domain fraud_scam Refund fraud")

    text = _listed(harness, BOB)

    assert text.startswith("*Open incidents*")
    assert text.index("INC-2") < text.index("INC-1")  # newest first
    assert f"<#{first.id}> *INC-1* SEV1 · Investigating" in text
    assert f"<#{second.id}> *INC-2* SEV3" in text
    assert "Refund fraud" in text


def test_list_narrows_by_severity_domain_and_person(harness: Harness) -> None:
    harness.declare("--sev 1 Counterfeit wave")
    harness.declare("--domain fraud_scam Refund fraud", user=BOB)

    assert "INC-2" not in _listed(harness, ALICE, "sev1")
    assert "INC-1" not in _listed(harness, ALICE, "fraud_scam")
    mine = _listed(harness, BOB, "mine")
    assert "INC-2" in mine
    assert "INC-1" not in mine


def test_resolved_incidents_are_listed_only_with_all(harness: Harness) -> None:
    channel = harness.declare("Short one")

    with harness.sessions.begin() as session:  # resolved directly: the form is tested elsewhere
        incidents.change_status(
            session, 1, "resolved", ALICE, harness.firebreak.services.policy, harness.clock
        )

    assert "_None._" in _listed(harness, ALICE)
    assert f"<#{channel.id}>" in _listed(harness, ALICE, "all")


def test_a_restricted_incident_is_listed_only_to_its_members(harness: Harness) -> None:
    harness.declare("--private Seller identity ring")  # Alice declared: she is a member

    assert "Seller identity ring" in _listed(harness, ALICE)
    outsider = _listed(harness, CAROL)
    assert "INC-1" not in outsider
    assert "Seller identity ring" not in outsider


def test_hidden_restricted_incidents_do_not_crowd_out_older_ones(harness: Harness) -> None:
    """The newest 25 are all restricted and hidden from Carol: the list goes on past them."""
    harness.standin.rate_limits = False
    for n in range(1, 4):
        harness.command(f"declare Listing takedown {n}")
    for n in range(LIST_LIMIT):
        harness.command(f"declare --private Seller ring {n}")

    outsider = _listed(harness, CAROL)

    assert [f"*INC-{n}*" in outsider for n in (3, 2, 1)] == [True, True, True]
    assert "Seller ring" not in outsider
    assert len(harness.standin.calls_to("conversations.members")) == LIST_LIMIT


@pytest.mark.parametrize("word", ["knitting", "sev9"])
def test_an_unknown_filter_says_what_is_possible(harness: Harness, word: str) -> None:
    text = _listed(harness, ALICE, word)

    assert f"I can't list by `{word}`" in text
    assert "`mine`" in text


def test_the_home_tab_shows_your_incidents_and_who_is_on_call(harness: Harness) -> None:
    channel = harness.declare("--sev 2 Counterfeit wave")
    harness.declare("--private Seller identity ring", user=BOB)
    harness.standin.rate_limits = False
    harness.click(ALICE, channel.id, harness.card().ts, "incident_owner", selected_user=ALICE)

    harness.standin.send_event(
        {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0ALICE"}
    )
    harness.settle()

    home = harness.standin.home(ALICE)
    assert home is not None
    text = "\n".join(b["text"]["text"] for b in home.view["blocks"] if b["type"] == "section")
    assert "*Incidents you own*" in text
    assert f"<#{channel.id}> *INC-1*" in text
    assert "Seller identity ring" not in text  # Bob's restricted incident; Alice is not in it
    assert "_No rotations are configured._" in text
