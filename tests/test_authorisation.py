"""Who may resolve, close, reopen, downgrade and assign roles: the policy's rules, enforced in
the domain, seen through the card and the commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from commands.directory import SlackDirectory
from storage.database import create_database_engine, create_session_factory
from tests.slack_standin import SlackStandIn
from tests.support.blocks import field_texts
from tests.support.clock import ManualClock
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    Harness,
    running_firebreak,
)
from workflows import incidents, roles
from workflows.authorisation import require, severity_action, status_action
from workflows.errors import NotAllowed
from workflows.policy import Policy

DOWNGRADE_REFUSAL = (
    ":warning: Only the incident's commander or an admin may downgrade the severity."
)


def policy(**authorisation: Any) -> Policy:
    return Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "lifecycle": {"authorisation": authorisation},
        }
    )


def no_groups(group: str) -> frozenset[str]:
    raise AssertionError(f"looked up {group} although nothing needed it")


# The rule itself


@pytest.mark.parametrize(
    ("rules", "actor", "owner", "allowed"),
    [
        ({}, BOB, ALICE, False),  # downgrade defaults to the commander
        ({}, ALICE, ALICE, True),  # the commander may
        ({}, BOB, None, True),  # nobody owns it yet: anyone may
        ({"downgrade": "anyone"}, BOB, ALICE, True),
        ({"admins": [BOB]}, BOB, ALICE, True),  # an admin by user id
        ({"admins": [CAROL]}, BOB, ALICE, False),
        ({"admins": ["S0ADMINS"]}, DAVE, ALICE, True),  # an admin by user group
        ({"admins": ["S0ADMINS"]}, BOB, ALICE, False),
    ],
)
def test_require_allows_anyone_the_commander_and_admins(
    rules: dict[str, Any], actor: str, owner: str | None, allowed: bool
) -> None:
    groups = {"S0ADMINS": frozenset({DAVE})}

    def member_of(group: str) -> frozenset[str]:
        return groups.get(group, frozenset())

    if allowed:
        require(policy(**rules), "downgrade", actor, owner=owner, member_of=member_of)
    else:
        with pytest.raises(NotAllowed) as refused:
            require(policy(**rules), "downgrade", actor, owner=owner, member_of=member_of)
        assert (refused.value.action, refused.value.actor) == ("downgrade", actor)


@pytest.mark.parametrize(
    ("action", "sentence"),
    [
        ("resolve", "Only the incident's commander or an admin may resolve the incident."),
        ("close", "Only the incident's commander or an admin may close the incident."),
        ("reopen", "Only the incident's commander or an admin may reopen the incident."),
        ("downgrade", "Only the incident's commander or an admin may downgrade the severity."),
        ("assign_role", "Only the incident's commander or an admin may assign roles."),
    ],
)
def test_a_refusal_is_one_clear_sentence(action: Any, sentence: str) -> None:
    strict = policy(
        resolve="commander", close="commander", reopen="commander", assign_role="commander"
    )
    with pytest.raises(NotAllowed, match=f"^{sentence}$"):
        require(strict, action, BOB, owner=ALICE, member_of=lambda _group: frozenset())


def test_groups_are_looked_up_only_when_nothing_else_allows() -> None:
    rules = policy(admins=["S0ADMINS", CAROL])
    require(rules, "downgrade", ALICE, owner=ALICE, member_of=no_groups)
    require(rules, "downgrade", CAROL, owner=ALICE, member_of=no_groups)
    require(rules, "reopen", BOB, owner=ALICE, member_of=no_groups)
    require(rules, "downgrade", BOB, owner=None, member_of=no_groups)


def test_which_moves_need_which_rule() -> None:
    rules = Policy()
    assert severity_action(rules, "sev2", "sev3") == "downgrade"
    assert severity_action(rules, "sev2", "sev1") is None
    assert severity_action(rules, "retired", "sev4") is None
    assert status_action(rules, "investigating", "contained") == "containment"
    assert status_action(rules, "contained", "mitigated") is None
    assert status_action(rules, "mitigated", "resolved") == "resolve"
    assert status_action(rules, "investigating", "closed") == "close"
    assert status_action(rules, "resolved", "closed") == "close"
    assert status_action(rules, "resolved", "mitigated") == "reopen"
    assert status_action(rules, "closed", "investigating") == "reopen"
    assert status_action(rules, "closed", "resolved") == "reopen"
    assert status_action(rules, "contained", "investigating") is None


# In the domain: every caller obeys, and a refusal is kept


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    yield create_session_factory(engine)
    engine.dispose()


def _incident_owned_by(
    sessions: sessionmaker[Session], rules: Policy, clock: ManualClock, owner: str | None
) -> int:
    request = incidents.DeclareRequest(
        title="Fake chargers", domain="other", severity="sev2", declared_by=ALICE, declare_key="k1"
    )
    with sessions.begin() as session:
        created, _ = incidents.declare(session, request, rules, clock)
        if owner is not None:
            incidents.assign_owner(session, created.id, owner, owner, rules, clock)
    return created.id


def _kinds(sessions: sessionmaker[Session], incident_id: int) -> list[str]:
    with sessions() as session:
        return [e.kind for e in incidents.timeline(session, incident_id)]


@pytest.mark.parametrize(("status", "action"), [("resolved", "resolve"), ("closed", "close")])
def test_resolving_and_closing_are_the_commanders(
    sessions: sessionmaker[Session], status: str, action: str
) -> None:
    clock, rules = ManualClock(), Policy()
    incident_id = _incident_owned_by(sessions, rules, clock, owner=ALICE)

    with sessions.begin() as session:
        incidents.add_note(session, incident_id, "about to resolve", BOB, clock, policy=rules)
        with pytest.raises(NotAllowed):
            incidents.change_status(session, incident_id, status, BOB, rules, clock)

    with sessions() as session:
        current = incidents.load(session, incident_id, rules)
        refusal = incidents.timeline(session, incident_id)[-1]
    assert current.status == "investigating"
    assert _kinds(sessions, incident_id) == ["declared", "owner_changed", "refused"]  # no note
    assert (refusal.actor, refusal.data) == (BOB, {"action": action, "actor": BOB})

    with sessions.begin() as session:
        change = incidents.change_status(session, incident_id, status, ALICE, rules, clock)
    assert change is not None
    with sessions() as session:
        assert incidents.load(session, incident_id, rules).status == status


def test_reopening_is_anyones_by_default_and_the_commanders_when_asked(
    sessions: sessionmaker[Session],
) -> None:
    clock, rules = ManualClock(), policy(reopen="commander")
    incident_id = _incident_owned_by(sessions, rules, clock, owner=ALICE)
    with sessions.begin() as session:
        incidents.change_status(session, incident_id, "resolved", ALICE, rules, clock)

    with pytest.raises(NotAllowed, match="may reopen the incident"), sessions.begin() as session:
        incidents.change_status(session, incident_id, "mitigated", BOB, rules, clock)
    with sessions.begin() as session:
        incidents.change_status(session, incident_id, "mitigated", BOB, Policy(), clock)

    with sessions() as session:
        current = incidents.load(session, incident_id, rules)
    assert current.status == "mitigated"
    assert _kinds(sessions, incident_id)[-2:] == ["refused", "status_changed"]


def test_admin_groups_come_from_the_directory(sessions: sessionmaker[Session]) -> None:
    clock, rules = ManualClock(), policy(admins=["S0LEADS"])
    incident_id = _incident_owned_by(sessions, rules, clock, owner=ALICE)
    asked: list[str] = []

    def member_of(group: str) -> frozenset[str]:
        asked.append(group)
        return frozenset({CAROL})

    with sessions.begin() as session:
        incidents.change_severity(
            session, incident_id, "sev3", CAROL, rules, clock, member_of=member_of
        )
    with pytest.raises(NotAllowed), sessions.begin() as session:
        incidents.change_severity(
            session, incident_id, "sev4", BOB, rules, clock, member_of=member_of
        )
    with sessions.begin() as session:
        incidents.change_severity(
            session, incident_id, "sev1", BOB, rules, clock, member_of=member_of
        )
    assert asked == ["S0LEADS", "S0LEADS"]  # raising the severity needed nobody's say-so
    with sessions() as session:
        assert incidents.load(session, incident_id, rules).severity == "sev1"


# Through Slack: the card, the commands, the modal


def _declared(harness: Harness, owner: str | None = ALICE) -> tuple[str, str]:
    channel = harness.declare("Prohibited items listed in toys")
    harness.standin.rate_limits = False
    ts = harness.card().ts
    if owner is not None:
        harness.click(owner, channel.id, ts, "incident_owner", selected_user=owner)
    return channel.id, ts


def test_a_refused_downgrade_changes_nothing_is_told_privately_and_kept(database_url: str) -> None:
    with running_firebreak(database_url) as harness:
        channel, ts = _declared(harness)
        updates = len(harness.standin.calls_to("chat.update"))
        messages = len(harness.standin.messages(channel))
        events = len(harness.events())

        harness.click(BOB, channel, ts, "incident_severity", selected_option="sev4")

        assert harness.incident().severity == "sev3"
        assert field_texts(harness.card().blocks)["Severity"].startswith("*SEV3*")
        assert len(harness.standin.calls_to("chat.update")) == updates
        assert len(harness.standin.messages(channel)) == messages
        (told,) = harness.standin.ephemerals(BOB, channel)
        assert told.text == DOWNGRADE_REFUSAL
        assert len(harness.events()) == events + 1
        refusal = harness.events()[-1]
        assert (refusal.kind, refusal.actor, refusal.occurred_at) == (
            "refused",
            BOB,
            harness.clock.now(),
        )
        assert refusal.data == {"action": "downgrade", "actor": BOB}


def test_anyone_may_raise_the_severity_and_the_commander_may_lower_it(database_url: str) -> None:
    with running_firebreak(database_url) as harness:
        channel, ts = _declared(harness)

        harness.click(BOB, channel, ts, "incident_severity", selected_option="sev1")
        assert harness.incident().severity == "sev1"
        harness.click(ALICE, channel, ts, "incident_severity", selected_option="sev4")

        assert harness.incident().severity == "sev4"
        assert harness.standin.ephemerals(BOB, channel) == []
        assert harness.standin.ephemerals(ALICE, channel) == []
        assert "refused" not in [e.kind for e in harness.events()]


def test_with_no_owner_yet_anyone_may_downgrade(database_url: str) -> None:
    with running_firebreak(database_url) as harness:
        channel, ts = _declared(harness, owner=None)

        harness.click(BOB, channel, ts, "incident_severity", selected_option="sev4")

        assert harness.incident().severity == "sev4"
        assert field_texts(harness.card().blocks)["Severity"].startswith("*SEV4*")


def test_admins_by_user_id_may_downgrade(database_url: str) -> None:
    with running_firebreak(database_url, policy(admins=[CAROL])) as harness:
        channel, ts = _declared(harness)

        harness.click(BOB, channel, ts, "incident_severity", selected_option="sev4")
        assert harness.incident().severity == "sev3"
        harness.click(CAROL, channel, ts, "incident_severity", selected_option="sev4")

        assert harness.incident().severity == "sev4"
        (told,) = harness.standin.ephemerals(BOB, channel)
        assert told.text == DOWNGRADE_REFUSAL
        assert harness.standin.ephemerals(CAROL, channel) == []


def test_admins_by_user_group_may_downgrade(database_url: str) -> None:
    with running_firebreak(database_url, policy(admins=["S0ADMINS", "S0LEADS"])) as harness:
        harness.standin.add_usergroup("S0LEADS", "incident-leads", [CAROL])
        channel, ts = _declared(harness)

        harness.click(DAVE, channel, ts, "incident_severity", selected_option="sev4")
        assert harness.incident().severity == "sev4"
        harness.click(ALICE, channel, ts, "incident_severity", selected_option="sev1")
        harness.click(CAROL, channel, ts, "incident_severity", selected_option="sev2")
        assert harness.incident().severity == "sev2"
        harness.click(BOB, channel, ts, "incident_severity", selected_option="sev3")

        assert harness.incident().severity == "sev2"
        (told,) = harness.standin.ephemerals(BOB, channel)
        assert told.text == DOWNGRADE_REFUSAL
        looked_up = [c.args["usergroup"] for c in harness.standin.calls_to("usergroups.users.list")]
        assert looked_up == ["S0ADMINS", "S0LEADS"]  # each group once: the directory caches


def test_reopening_from_the_card_can_be_the_commanders(database_url: str) -> None:
    rules = policy(reopen="commander")
    with running_firebreak(database_url, rules) as harness:
        channel, ts = _declared(harness)
        with harness.sessions.begin() as session:
            incidents.change_status(session, 1, "resolved", ALICE, rules, harness.clock)
            resolved = incidents.load(session, 1, rules)
        harness.firebreak.services.gateway.update_card(resolved)  # however it was resolved

        harness.click(BOB, channel, ts, "incident_status.investigating")
        assert harness.incident().status == "resolved"
        (told,) = harness.standin.ephemerals(BOB, channel)
        assert told.text.endswith("may reopen the incident.")
        assert harness.events()[-1].data == {"action": "reopen", "actor": BOB}

        harness.click(ALICE, channel, ts, "incident_status.investigating")
        assert harness.incident().status == "investigating"
        assert harness.incident().resolved_at is None


def test_assigning_roles_can_be_the_commanders(database_url: str) -> None:
    with running_firebreak(database_url, policy(assign_role="commander")) as harness:
        channel, ts = _declared(harness)
        rows = len(harness.roles())

        harness.command(f"role <@{CAROL}|carol> scribe", user=BOB, channel=channel)
        harness.click(BOB, channel, ts, "incident_owner", selected_user=BOB)

        assert len(harness.roles()) == rows
        assert field_texts(harness.card().blocks)["Owner"] == f"<@{ALICE}>"
        replies = [m.text for m in harness.standin.ephemerals(BOB, channel)]
        assert (
            replies == [":warning: Only the incident's commander or an admin may assign roles."] * 2
        )
        refusals = [e.data for e in harness.events() if e.kind == "refused"]
        assert refusals == [{"action": "assign_role", "actor": BOB}] * 2
        assert CAROL not in harness.standin.channel(channel).members

        harness.command(f"role <@{CAROL}|carol> scribe", user=ALICE, channel=channel)
        assert [(r.role, r.user_id) for r in harness.roles()][-1] == ("scribe", CAROL)


def test_assigning_roles_in_the_modal_is_refused_on_the_form(database_url: str) -> None:
    with running_firebreak(database_url, policy(assign_role="commander")) as harness:
        channel, ts = _declared(harness, owner=None)
        harness.click(BOB, channel, ts, "incident_assign_role")  # nobody in command yet
        (view,) = harness.standin.open_views(BOB)
        harness.click(ALICE, channel, ts, "incident_owner", selected_user=ALICE)

        harness.submit(BOB, view.id, {"role_user": CAROL, "role": "comms"})

        shown = harness.standin.view(view.id)
        assert shown.state == "open"
        assert shown.errors == {
            "role_user": "Only the incident's commander or an admin may assign roles."
        }
        assert [r.role for r in harness.roles()] == ["commander"]
        assert harness.events()[-1].data == {"action": "assign_role", "actor": BOB}


def test_the_assign_role_form_is_not_even_opened_for_someone_refused(database_url: str) -> None:
    with running_firebreak(database_url, policy(assign_role="commander")) as harness:
        channel, ts = _declared(harness)

        harness.click(BOB, channel, ts, "incident_assign_role")

        assert harness.standin.open_views(BOB) == []
        (told,) = harness.standin.ephemerals(BOB, channel)
        assert told.text == ":warning: Only the incident's commander or an admin may assign roles."
        assert harness.events()[-1].data == {"action": "assign_role", "actor": BOB}


def test_admins_only_rules_refuse_even_the_commander(database_url: str) -> None:
    with running_firebreak(database_url, policy(admins=[CAROL], note="admins")) as harness:
        channel, _ = _declared(harness)

        harness.command("note the commander's note", user=ALICE, channel=channel)
        harness.command("note the admin's note", user=CAROL, channel=channel)

        (told,) = harness.standin.ephemerals(ALICE, channel)
        assert told.text == ":warning: Only an admin may add notes to the timeline."
        notes = [(e.actor, e.text) for e in harness.events() if e.kind == "note"]
        assert notes == [(CAROL, "the admin's note")]


def test_with_no_owner_yet_anyone_may_take_command(database_url: str) -> None:
    with running_firebreak(database_url, policy(assign_role="commander")) as harness:
        channel, _ = _declared(harness, owner=None)

        harness.command(f"role <@{BOB}|bob> commander", user=BOB, channel=channel)
        harness.command(f"role <@{CAROL}|carol> commander", user=ALICE, channel=channel)

        assert field_texts(harness.card().blocks)["Owner"] == f"<@{BOB}>"
        assert harness.events()[-1].data == {"action": "assign_role", "actor": ALICE}


def test_the_domain_refuses_role_changes_whoever_calls(sessions: sessionmaker[Session]) -> None:
    clock, rules = ManualClock(), policy(assign_role="commander")
    incident_id = _incident_owned_by(sessions, rules, clock, owner=ALICE)

    with pytest.raises(NotAllowed), sessions.begin() as session:
        roles.assign(session, incident_id, "legal", BOB, BOB, rules, clock)

    with sessions() as session:
        held = roles.history(session, incident_id, rules)
    assert [h.role for h in held if h.current] == ["commander"]


# The directory behind the groups


def test_the_directory_caches_group_members_and_knows_no_unknown_group() -> None:
    with SlackStandIn("s3cret") as standin:
        directory = SlackDirectory(WebClient(token=standin.bot_token, base_url=standin.api_url))

        assert directory.members_of("S0ADMINS") == frozenset({DAVE})
        assert directory.members_of("S0ADMINS") == frozenset({DAVE})
        assert directory.members_of("S0UNKNOWN") == frozenset()

        assert [c.args["usergroup"] for c in standin.calls_to("usergroups.users.list")] == [
            "S0ADMINS",
            "S0UNKNOWN",
        ]
