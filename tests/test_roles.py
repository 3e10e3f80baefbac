"""Roles: `/incident role`, `/incident roles` and the card's Assign role modal, end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.blocks import block, field_texts
from tests.support.harness import ALICE, BOB, CAROL, DAVE, GENERAL, Harness

SCRIBE_LINE = (
    f":busts_in_silhouette: <@{ALICE}> made <@{BOB}> the *Scribe*. _Keeps the timeline complete_"
)


def _declared(harness: Harness) -> str:
    channel = harness.declare("Counterfeit sneakers flood the marketplace")
    harness.standin.rate_limits = False
    return channel.id


def _lines(harness: Harness, channel: str) -> list[str]:
    card_ts = harness.incident().card_ts
    return [m.text for m in harness.standin.messages(channel) if m.ts != card_ts]


def _roles_field(harness: Harness) -> str:
    text: str = block(harness.card().blocks, "people")["fields"][0]["text"]
    return text


def _role_events(harness: Harness) -> list[tuple[str, str | None, dict[str, object]]]:
    return [
        (e.kind, e.actor, dict(e.data))
        for e in harness.events()
        if e.kind in ("role_assigned", "owner_changed", "refused")
    ]


def test_role_command_invites_announces_updates_the_card_and_the_timeline(
    harness: Harness,
) -> None:
    channel = _declared(harness)
    assert BOB not in harness.standin.channel(channel).members

    response = harness.command(f"role <@{BOB}|bob> scribe", user=ALICE, channel=channel)

    assert response.status == 200
    assert harness.standin.ephemerals(ALICE, channel) == []
    assert BOB in harness.standin.channel(channel).members
    assert _lines(harness, channel)[-1] == SCRIBE_LINE
    assert _roles_field(harness) == f"*Roles*\nScribe: <@{BOB}>"
    (row,) = harness.roles()
    assert (row.role, row.user_id, row.assigned_by, row.ended_at) == ("scribe", BOB, ALICE, None)
    assert row.assigned_at == harness.clock.now()
    assert _role_events(harness) == [
        ("role_assigned", ALICE, {"role": "scribe", "user": BOB, "before": None, "after": BOB})
    ]
    assert harness.incident().updated_at == harness.clock.now()


@pytest.mark.parametrize(
    "text",
    [
        f"role <@{BOB}|bob> SCRIBE",
        f"role <@{BOB}|bob> Scribe",
        f"role scribe <@{BOB}|bob>",
        f"ROLE <@{BOB}> scribe",
    ],
)
def test_the_role_is_found_by_key_or_label_in_any_case_and_order(
    harness: Harness, text: str
) -> None:
    channel = _declared(harness)

    harness.command(text, channel=channel)

    assert [(r.role, r.user_id) for r in harness.roles()] == [("scribe", BOB)]


def test_a_new_holder_ends_the_previous_one_and_history_is_kept(harness: Harness) -> None:
    channel = _declared(harness)
    harness.command(f"role <@{BOB}|bob> comms", channel=channel)
    first_at = harness.clock.now()
    harness.clock.advance(timedelta(minutes=45))

    harness.command(f"role <@{CAROL}|carol> comms", user=DAVE, channel=channel)

    first, second = harness.roles()
    assert (first.user_id, first.assigned_at) == (BOB, first_at)
    assert (first.ended_at, first.ended_by) == (harness.clock.now(), DAVE)
    assert (second.user_id, second.assigned_by, second.ended_at) == (CAROL, DAVE, None)
    assert _lines(harness, channel)[-1] == (
        f":busts_in_silhouette: <@{DAVE}> made <@{CAROL}> the *Comms*, taking over from "
        f"<@{BOB}>. _Writes updates for stakeholders_"
    )
    assert _roles_field(harness) == f"*Roles*\nComms: <@{CAROL}>"
    assert _role_events(harness)[-1] == (
        "role_assigned",
        DAVE,
        {"role": "comms", "user": CAROL, "before": BOB, "after": CAROL},
    )
    assert CAROL in harness.standin.channel(channel).members


def test_the_commander_role_is_the_owner_whichever_way_it_is_assigned(
    harness: Harness,
) -> None:
    channel = _declared(harness)

    harness.command(f"role <@{BOB}|bob> Commander", channel=channel)

    card = harness.card()
    assert field_texts(card.blocks)["Owner"] == f"<@{BOB}>"
    assert _roles_field(harness) == f"*Roles*\nCommander: <@{BOB}>"
    assert "Owner <@U0BOB>" in harness.standin.channel(channel).topic
    assert _lines(harness, channel)[-1] == (
        f":busts_in_silhouette: <@{ALICE}> made <@{BOB}> the *Commander*. "
        "_Owns the incident and decides_"
    )
    # One implementation of the owner: the card's owner select ends Bob's row.
    harness.click(BOB, channel, card.ts, "incident_owner", selected_user=CAROL)
    first, second = harness.roles()
    assert (first.role, first.user_id, first.ended_by) == ("commander", BOB, BOB)
    assert (second.role, second.user_id, second.ended_at) == ("commander", CAROL, None)
    assert _role_events(harness) == [
        ("owner_changed", ALICE, {"before": None, "after": BOB}),
        ("owner_changed", BOB, {"before": BOB, "after": CAROL}),
    ]
    assert "Owner <@U0CAROL>" in harness.standin.channel(channel).topic


def test_owner_is_another_name_for_the_owner_role(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command(f"role <@{CAROL}|carol> owner", channel=channel)

    assert field_texts(harness.card().blocks)["Owner"] == f"<@{CAROL}>"


def test_assigning_a_role_someone_already_holds_changes_nothing_and_says_so(
    harness: Harness,
) -> None:
    channel = _declared(harness)
    harness.command(f"role <@{BOB}|bob> scribe", channel=channel)
    events, messages = len(harness.events()), len(harness.standin.messages(channel))
    updates = len(harness.standin.calls_to("chat.update"))

    harness.command(f"role <@{BOB}|bob> scribe", user=CAROL, channel=channel)

    (reply,) = harness.standin.ephemerals(CAROL, channel)
    assert f"<@{BOB}> is already the Scribe of INC-1; nothing changed." in reply.text
    assert len(harness.events()) == events
    assert len(harness.standin.messages(channel)) == messages
    assert len(harness.standin.calls_to("chat.update")) == updates
    assert len(harness.roles()) == 1


def test_roles_lists_the_holders_and_who_held_each_role_before(harness: Harness) -> None:
    channel = _declared(harness)
    harness.command(f"role <@{ALICE}|alice> commander", channel=channel)
    harness.command(f"role <@{BOB}|bob> scribe", channel=channel)
    harness.clock.advance(timedelta(hours=2))
    harness.command(f"role <@{CAROL}|carol> scribe", channel=channel)

    harness.command("roles", user=DAVE, channel=channel)

    (reply,) = harness.standin.ephemerals(DAVE, channel)
    assert reply.text.startswith("*Roles on INC-1*")
    commander, scribe = reply.text.split("\n")[1], reply.text.split("\n")[2:4]
    assert commander.startswith(f"*Commander*: <@{ALICE}> since <!date^")
    assert scribe[0].startswith(f"*Scribe*: <@{CAROL}> since <!date^")
    assert scribe[1].startswith(f"   ◦ before: <@{BOB}>, from <!date^")
    assert "2026-11-20 09:30 UTC" in scribe[1]
    assert "2026-11-20 11:30 UTC" in scribe[1]
    assert reply.text.endswith(
        "Never assigned: Comms, Investigator, Legal, Policy. "
        "Assign one with `/incident role @person <role>`."
    )
    assert [b["type"] for b in reply.blocks] == ["section", "section", "section", "context"]


def test_roles_on_a_fresh_incident_says_none_were_assigned(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("roles", channel=channel)

    (reply,) = harness.standin.ephemerals(ALICE, channel)
    assert "Never assigned: Commander, Comms, Scribe, Investigator, Legal, Policy." in reply.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("role", "`/incident role` needs a person and a role"),
        (f"role <@{BOB}|bob>", "Which role? Choose one of Commander, Comms, Scribe"),
        ("role scribe", "Mention the person who takes the role"),
        ("role @bob scribe", "Mention the person who takes the role"),
        (f"role <@{BOB}|bob> janitor", "Unknown role `janitor`. Choose one of Commander"),
        (f"role <@{BOB}|bob> <@{CAROL}|carol> scribe", "Assign one person at a time"),
    ],
)
def test_bad_role_commands_get_a_private_usage_text_and_change_nothing(
    harness: Harness, text: str, problem: str
) -> None:
    channel = _declared(harness)
    events = len(harness.events())

    harness.command(text, channel=channel)

    (reply,) = harness.standin.ephemerals(ALICE, channel)
    assert problem in reply.text
    assert "`/incident role @user <role>`" in reply.text  # the usage text follows
    assert harness.roles() == []
    assert len(harness.events()) == events


@pytest.mark.parametrize("text", [f"role <@{BOB}|bob> scribe", "roles"])
def test_role_commands_outside_an_incident_channel_say_where_to_use_them(
    harness: Harness, text: str
) -> None:
    harness.command(text, channel=GENERAL)

    (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert "works inside an incident channel" in reply.text
    assert harness.roles() == []


def test_the_assign_role_button_opens_a_modal_that_assigns(harness: Harness) -> None:
    channel = _declared(harness)
    harness.command(f"role <@{DAVE}|dave> scribe", channel=channel)

    harness.click(CAROL, channel, harness.card().ts, "incident_assign_role")

    (view,) = harness.standin.open_views(CAROL)
    assert view.view["title"]["text"] == "Assign a role"
    assert f"Scribe: <@{DAVE}>" in view.view["blocks"][0]["text"]["text"]
    options = view.view["blocks"][2]["element"]["options"]
    assert [o["value"] for o in options] == [
        "commander",
        "comms",
        "scribe",
        "investigator",
        "legal",
        "policy",
    ]

    harness.submit(CAROL, view.id, {"role_user": BOB, "role": "legal"})

    assert harness.standin.view(view.id).state == "closed"
    assert BOB in harness.standin.channel(channel).members
    assert _lines(harness, channel)[-1] == (
        f":busts_in_silhouette: <@{CAROL}> made <@{BOB}> the *Legal*. "
        "_Advises on legal and regulatory duties_"
    )
    assert _roles_field(harness) == f"*Roles*\nScribe: <@{DAVE}>\nLegal: <@{BOB}>"
    assert _role_events(harness)[-1] == (
        "role_assigned",
        CAROL,
        {"role": "legal", "user": BOB, "before": None, "after": BOB},
    )


def test_the_modal_says_so_when_the_person_already_holds_the_role(harness: Harness) -> None:
    channel = _declared(harness)
    harness.command(f"role <@{BOB}|bob> legal", channel=channel)
    events = len(harness.events())
    harness.click(CAROL, channel, harness.card().ts, "incident_assign_role")
    (view,) = harness.standin.open_views(CAROL)

    harness.submit(CAROL, view.id, {"role_user": BOB, "role": "legal"})

    shown = harness.standin.view(view.id)
    assert shown.state == "open"
    assert shown.errors == {
        "role_user": "They are already the Legal; pick someone else, or Cancel."
    }
    assert len(harness.events()) == events
    assert len(harness.roles()) == 1
