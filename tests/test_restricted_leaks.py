"""A restricted incident never leaks to someone outside its private channel, on any surface.

Each test builds the same scene: Alice declares a restricted incident through the form
(distinctive title and description, Zara as its owner and Legal, a note, a containment
action, a follow-up, a status update), and Carol declares an ordinary one beside it. Carol,
who is not in the restricted incident's channel, then uses one surface like an attacker with
a normal account would, and the test gathers everything Carol can read in Slack (public
channels, her DMs and private answers, her Home tab, modals and files:
tests/support/visibility.py) and finds none of the restricted incident's words in it, while
the ordinary incident does show, so no test passes by showing nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from storage.models import FollowUp, Incident
from tests.slack_standin import Channel, SlackStandIn
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    Harness,
    running_firebreak,
)
from tests.support.policies import DIGEST_CHANNEL, ONCALL_CHANNEL, with_rotation, with_weekly_digest
from tests.support.visibility import leaks, visible
from workflows.digest import plan_digest
from workflows.handoffs import plan_handoffs
from workflows.policy import Policy

ZARA = "U0ZARA"  # works only on the restricted incident
TITLE = "Quokka payout laundering ring"
SECRETS = (
    "Quokka",  # title
    "Zanzibar",  # description
    "Xylophone",  # note
    "Marmoset",  # containment note
    "Pelican",  # follow-up
    "Walrus",  # status update
    "Yellowtail",  # resolution
    ZARA,  # the people on it
)
PUBLIC_TITLE = "Counterfeit chargers flood Electronics"
EXEC_CHANNEL = "C0EXEC"
DIGEST_DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin


def _policy(base: Policy | None = None) -> Policy:
    digesting = with_weekly_digest(base or Policy.model_validate({}), weeks_in_chart=4)
    settings = digesting.model_dump(mode="json")
    settings["channels"]["broadcast"] = BROADCAST_CHANNEL
    settings["lifecycle"]["stakeholders"] = [{"channel": EXEC_CHANNEL, "severities": ["sev1"]}]
    return Policy.model_validate(settings)


@dataclass(frozen=True)
class Scene:
    harness: Harness
    restricted: Channel  # INC-2
    public: Channel  # INC-1

    @property
    def standin(self) -> SlackStandIn:
        return self.harness.standin

    def in_restricted(self, text: str, user: str = ALICE) -> None:
        response = self.harness.command(text, user=user, channel=self.restricted.id)
        assert response.status == 200, response.body

    def leaks_to(self, user: str = CAROL) -> list[str]:
        return leaks(self.standin, user, SECRETS)

    def seen_by(self, user: str = CAROL) -> str:
        return visible(self.standin, user)

    def last_answer(self, user: str = CAROL) -> str:
        return self.standin.ephemerals(user)[-1].text


def _set_the_scene(harness: Harness) -> Scene:
    standin = harness.standin
    standin.rate_limits = False
    standin.add_user(ZARA, "zara")
    members = ["U0FIREBOT", ALICE, BOB, CAROL, DAVE]
    standin.add_channel("ts-leads", channel_id=DIGEST_CHANNEL, members=members)
    standin.add_channel("exec", channel_id=EXEC_CHANNEL, members=members)
    public = harness.declare(f"--sev 1 --domain fraud_scam {PUBLIC_TITLE}", user=CAROL)

    harness.command("declare")
    (form,) = standin.open_views(ALICE)
    harness.submit(
        ALICE,
        form.id,
        {
            "title": TITLE,
            "description": "Zanzibar mule accounts move seller payouts",
            "domain": "fraud_scam",
            "severity": "sev1",
            "restricted": ["restricted"],
        },
    )
    restricted_id = harness.incident(2).channel_id
    assert restricted_id is not None
    assert harness.incident(2).restricted
    scene = Scene(harness, standin.channel(restricted_id), public)
    harness.click(ALICE, restricted_id, harness.card(2).ts, "incident_owner", selected_user=ZARA)
    scene.in_restricted(f"role <@{ZARA}|zara> legal")
    scene.in_restricted("note Xylophone ledger shows the loop")
    scene.in_restricted("action listing_removed 12 Marmoset storefronts")
    scene.in_restricted(f"followup Pelican audit of payout rails <@{ZARA}|zara> +1d")
    scene.in_restricted("update Walrus wallets frozen pending Legal")
    return scene


@pytest.fixture
def scene(database_url: str) -> Iterator[Scene]:
    with running_firebreak(database_url, _policy()) as harness:
        scene = _set_the_scene(harness)
        assert CAROL not in harness.standin.channel(scene.restricted.id).members
        yield scene
        assert harness.standin.internal_errors == []


def _resolve(scene: Scene, channel: str, summary: str) -> None:
    """Resolve through the form, as the owner (Zara owns the restricted one)."""
    harness = scene.harness
    user = ZARA if channel == scene.restricted.id else CAROL
    harness.command("resolve", user=user, channel=channel)
    view = scene.standin.open_views(user)[-1]
    harness.submit(user, view.id, {"resolution_summary": summary, "root_cause": "bad_actor"})
    assert scene.standin.view(view.id).state == "closed"


# Broadcast


def test_the_broadcast_announcement_names_nothing_but_the_reference(scene: Scene) -> None:
    announced = [m.text for m in scene.standin.messages(BROADCAST_CHANNEL)]

    assert any(PUBLIC_TITLE in text for text in announced)
    (locked,) = [text for text in announced if "INC-2" in text]
    assert locked.startswith(":lock: A restricted incident, INC-2, was declared.")
    assert f"<@{ALICE}>" not in locked  # nor who is on it
    exec_posts = " ".join(m.text for m in scene.standin.messages(EXEC_CHANNEL))
    assert exec_posts == ""  # the sev1 stakeholders get no restricted status update
    assert scene.leaks_to() == []


# /incident list


def _crowd_the_channel(scene: Scene, size: int) -> str:
    """Fill the restricted channel past one page of members; returns a member listed last."""
    client = WebClient(token=scene.standin.bot_token, base_url=scene.standin.api_url)
    crowd = [f"U1{n:05d}" for n in range(size)]
    for user_id in [*crowd, "U9LATE"]:
        scene.standin.add_user(user_id, f"p{user_id.lower()}")
    for start in range(0, size, 1000):
        client.conversations_invite(channel=scene.restricted.id, users=crowd[start : start + 1000])
    client.conversations_invite(channel=scene.restricted.id, users="U9LATE")
    return "U9LATE"


def test_list_shows_a_restricted_incident_only_to_its_members(scene: Scene) -> None:
    late_member = _crowd_the_channel(scene, 1200)

    for words in ("", "all", "sev1", "fraud_scam", "mine"):
        scene.harness.command(f"list {words}".strip(), user=CAROL)
        answer = scene.last_answer()
        assert "INC-1" in answer
        assert PUBLIC_TITLE in answer
        assert "INC-2" not in answer
    assert scene.leaks_to() == []

    scene.harness.command("list", user=late_member)  # past the first 1000 members
    assert TITLE in scene.last_answer(late_member)


# App Home


def test_the_home_tab_hides_an_incident_whose_channel_you_left(scene: Scene) -> None:
    scene.in_restricted(f"role <@{CAROL}|carol> comms")  # Carol is invited, then leaves
    scene.standin.leave(CAROL, scene.restricted.id)
    scene.harness.click(
        CAROL, scene.public.id, scene.harness.card(1).ts, "incident_owner", selected_user=CAROL
    )

    scene.standin.send_event(
        {"type": "app_home_opened", "user": CAROL, "tab": "home", "channel": "D0CAROL"}
    )
    scene.harness.settle()

    home = scene.standin.home(CAROL)
    assert home is not None
    assert PUBLIC_TITLE in str(home.view)
    assert "INC-2" not in str(home.view)
    assert scene.leaks_to() == []


# Weekly digest


def test_the_weekly_digest_and_its_chart_name_only_the_reference(scene: Scene) -> None:
    harness = scene.harness
    services = harness.firebreak.services
    plan_digest(services.sessions, services.policy, services.clock)
    harness.clock.advance(DIGEST_DUE - harness.clock.now())
    harness.firebreak.reminders.run_due()
    harness.settle()

    digest = scene.standin.messages(DIGEST_CHANNEL)
    assert digest, "no digest was posted"
    posted = str([m.blocks for m in digest])
    assert PUBLIC_TITLE in posted  # past its SLA
    assert ":lock: INC-2 (restricted)" in posted
    assert any(m.files for m in digest)  # the chart
    assert scene.leaks_to() == []


# /incident stats


def test_stats_count_a_restricted_incident_without_naming_it(scene: Scene) -> None:
    for words in ("7d", "30d fraud_scam", "quarter"):
        scene.harness.command(f"stats {words}", user=CAROL)
    answers = [str(m.blocks) for m in scene.standin.ephemerals(CAROL)]
    assert sum("Declared" in answer for answer in answers) == 3
    assert scene.leaks_to() == []


# /incident export


@pytest.mark.parametrize("kind", ["incidents", "timeline", "actions", "followups"])
def test_an_export_leaves_restricted_incidents_out(scene: Scene, kind: str) -> None:
    scene.harness.command("action account_suspended 3 chargers resellers", channel=scene.public.id)
    scene.harness.command("followup Chargers detection rule +2d", channel=scene.public.id)

    scene.harness.command(f"export {kind}", user=CAROL, channel=BROADCAST_CHANNEL)

    shared = [m for m in scene.standin.messages(BROADCAST_CHANNEL) if m.files]
    assert shared, scene.standin.ephemerals(CAROL)[-1].text
    data = scene.standin.uploaded(shared[-1].files[0]["id"])
    assert data is not None
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows
    assert {row.get("reference", row.get("incident")) for row in rows} == {"INC-1"}
    assert scene.leaks_to() == []


# Search: everything a non-member can read, after the whole lifecycle


def test_nothing_a_non_member_can_search_mentions_it(scene: Scene) -> None:
    _resolve(scene, scene.restricted.id, "Yellowtail accounts closed")
    scene.in_restricted("report")
    scene.in_restricted("close", user=ZARA)
    _resolve(scene, scene.public.id, "Chargers delisted")

    everything = scene.seen_by()
    assert PUBLIC_TITLE in everything
    assert "INC-2" in everything  # the reference, and only that, is public
    assert scene.leaks_to() == []
    assert scene.leaks_to(DAVE) == []
    assert leaks(scene.standin, ALICE, SECRETS)  # the members do see it


# Similar-incident suggestions


def test_similar_suggestions_never_offer_a_restricted_incident(scene: Scene) -> None:
    _resolve(scene, scene.restricted.id, "Yellowtail accounts closed")
    _resolve(scene, scene.public.id, "Chargers delisted")

    scene.harness.declare("Payout laundering ring through mule sellers", user=CAROL)  # INC-3
    scene.harness.declare("Electronics chargers counterfeit wave", user=CAROL)  # INC-4

    assert [item["id"] for item in scene.harness.incident(3).similar] == []  # not even kept
    assert "INC-2" not in str(scene.harness.card(3).blocks)
    assert PUBLIC_TITLE in str(scene.harness.card(4).blocks)  # suggestions do work
    assert scene.leaks_to() == []


def test_a_suggestion_restricted_later_disappears_from_the_card(scene: Scene) -> None:
    _resolve(scene, scene.public.id, "Chargers delisted")
    scene.harness.declare("Electronics chargers counterfeit wave", user=CAROL)  # INC-3
    assert PUBLIC_TITLE in str(scene.harness.card(3).blocks)

    with scene.harness.sessions.begin() as session:  # INC-1 turns out to be sensitive
        session.get_one(Incident, 1).restricted = True
    card = scene.harness.card(3)
    scene.harness.click(CAROL, card.channel, card.ts, "incident_severity", selected_option="sev2")

    assert "SEV2" in str(scene.harness.card(3).blocks)
    assert PUBLIC_TITLE not in str(scene.harness.card(3).blocks)
    scene.harness.command("status", user=CAROL, channel=card.channel)
    assert "INC-3" in scene.last_answer()
    assert PUBLIC_TITLE not in scene.last_answer()


# Answers to lookups by number from outside the channel


def _as_if_unknown(answer: str, number: str) -> str:
    return answer.replace(number, "N")


def test_lookups_by_number_answer_as_if_it_did_not_exist(scene: Scene) -> None:
    _resolve(scene, scene.restricted.id, "Yellowtail accounts closed")
    with scene.harness.sessions() as session:
        followup_id = session.scalars(select(FollowUp.id).where(FollowUp.incident_id == 2)).one()

    scene.harness.command("reopen INC-2", user=CAROL)
    restricted = scene.last_answer()
    scene.harness.command("reopen INC-99", user=CAROL)
    unknown = scene.last_answer()
    assert _as_if_unknown(restricted, "2") == _as_if_unknown(unknown, "99")
    assert scene.harness.incident(2).resolved_at is not None  # not reopened

    scene.harness.command(f"followup done {followup_id}", user=CAROL)
    restricted = scene.last_answer()
    scene.harness.command("followup done 999", user=CAROL)
    unknown = scene.last_answer()
    assert _as_if_unknown(restricted, str(followup_id)) == _as_if_unknown(unknown, "999")
    with scene.harness.sessions() as session:
        assert session.get_one(FollowUp, followup_id).status == "open"

    for verb in ("status", "timeline", "actions", "roles", "note hello", "followups"):
        scene.harness.command(f"{verb} INC-2", user=CAROL)
    assert scene.leaks_to() == []


# Follow-up DMs to someone outside the channel


def test_a_followup_dm_to_a_non_member_carries_no_details(scene: Scene) -> None:
    scene.in_restricted(f"followup Pelican payout rail review <@{CAROL}|carol> +2d")
    scene.harness.clock.advance(timedelta(days=2, minutes=1))
    scene.harness.firebreak.reminders.run_due()
    scene.harness.settle()

    dms = scene.standin.dms(CAROL)
    assert len(dms) == 2  # assigned, then due
    assert all("INC-2" in m.text for m in dms)
    assert scene.leaks_to() == []
    zara = " ".join(m.text for m in scene.standin.dms(ZARA))
    assert "Pelican" in zara  # a member is told what it is


# Weekend handoff and handback digests


@pytest.fixture
def oncall(database_url: str) -> Iterator[Scene]:
    policy = _policy(with_rotation())
    with running_firebreak(database_url, policy) as harness:
        harness.standin.add_channel(
            "trust-safety-oncall",
            channel_id=ONCALL_CHANNEL,
            members=["U0FIREBOT", ALICE, BOB, CAROL, DAVE],
        )
        harness.standin.add_usergroup("S0MANAGERS", "managers", [BOB])
        yield _set_the_scene(harness)
        assert harness.standin.internal_errors == []


def test_handoff_digests_show_only_the_reference(oncall: Scene) -> None:
    harness = oncall.harness
    services = harness.firebreak.services
    for number, channel in ((1, oncall.public.id), (2, oncall.restricted.id)):
        harness.click(CAROL, channel, harness.card(number).ts, "incident_acknowledge")
    plan_handoffs(services.sessions, services.policy, services.clock)
    for moment in (
        datetime(2026, 11, 20, 17, 0, tzinfo=UTC),  # the weekend handoff
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),  # Monday's handback
    ):
        harness.clock.advance(moment - harness.clock.now())
        harness.firebreak.reminders.run_due()
        harness.settle()

    posts = str([m.blocks for m in oncall.standin.messages(ONCALL_CHANNEL)])
    assert "Weekend handoff" in posts
    assert "Weekend handback" in posts
    assert PUBLIC_TITLE in posts
    assert "INC-2" in posts
    assert DAVE not in oncall.standin.channel(oncall.restricted.id).members
    assert oncall.leaks_to(DAVE) == []
