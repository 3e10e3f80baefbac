"""Slack failing at random: nothing is lost, nothing is done twice, limits are respected.

The stand-in fails a seeded share of every Web API call: HTTP 500, 429 with Retry-After,
a dropped connection, or a slow answer. Slow means Slack still carries the call out but
answers after ``SLOW`` seconds; the bot's client here times out after ``CLIENT_TIMEOUT``
(production: 10 s), just below it, so real timeouts happen without each costing 10 s.
That is the fault a retry can turn into a duplicate, the one the tests look hardest at.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from commands.blocks.card import card_blocks
from storage.models import ContainmentAction, Handoff, Reminder
from tests.slack_standin import Message, RecordedCall, SlackStandIn
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    Harness,
    default_policy,
    running_firebreak,
)
from tests.support.policies import (
    DIGEST_CHANNEL,
    ONCALL_CHANNEL,
    with_rotation,
    with_weekly_digest,
)
from workflows import incidents
from workflows.digest import plan_digest
from workflows.handoffs import plan_handoffs
from workflows.reminders import RunReport

CLIENT_TIMEOUT = 0.5
SLOW = 1.0
SHARE = 0.3
SEED = 20261120
INCIDENTS = 4
MAX_ROUNDS = 25


def _tagged(messages: list[Message], kind: str, key: int | str) -> list[Message]:
    """The bot's messages carrying the tag ``kind``/``key`` (see commands.gateway)."""
    return [
        m
        for m in messages
        if m.metadata is not None
        and m.metadata.get("event_type") == f"firebreak_{kind}"
        and m.metadata.get("event_payload", {}).get("key") == str(key)
    ]


def _resume_until(harness: Harness, done: Any, what: str) -> None:
    """Run the resume job (clock moved past its threshold) until ``done()`` holds."""
    for _ in range(MAX_ROUNDS):
        if done():
            return
        harness.clock.advance(timedelta(minutes=3))  # past the lease of a worker that gave up
        harness.firebreak.services.provisioner.resume_pending()
    raise AssertionError(f"not done after {MAX_ROUNDS} rounds under faults: {what}")


def _told(standin: SlackStandIn, user: str, channel: str) -> bool:
    return any("Slack did not take" in m.text for m in standin.ephemerals(user, channel))


def _retries_after_429(calls: list[RecordedCall]) -> list[tuple[RecordedCall, RecordedCall]]:
    """Each 429 paired with the next call of the same method and arguments: its retry."""
    pairs = []
    for index, call in enumerate(calls):
        if call.status != 429:
            continue
        retry = next(
            (c for c in calls[index + 1 :] if c.method == call.method and c.args == call.args),
            None,
        )
        if retry is not None:
            pairs.append((call, retry))
    return pairs


def test_random_slack_faults_lose_nothing_and_do_nothing_twice(database_url: str) -> None:
    policy = with_rotation()
    with running_firebreak(
        database_url, policy, client_timeout=CLIENT_TIMEOUT, pace_posts=True
    ) as harness:
        standin = harness.standin
        harness.command("help")  # Bolt authorises (auth.test) once, before Slack turns flaky
        standin.flaky(SHARE, seed=SEED, slow_seconds=SLOW)

        for n in range(INCIDENTS):
            harness.command(f"declare Flaky incident {n}", user=ALICE)
        assert len(harness.incidents()) == INCIDENTS  # every declare recorded, faults or not
        _resume_until(
            harness,
            lambda: all(i.card_ts for i in harness.incidents()),
            "every incident has its channel and card",
        )

        for incident in harness.incidents():
            channel = str(incident.channel_id)
            harness.command(f"note Seller cluster {incident.id} traced", channel=channel)
            harness.command(f"action listing_removed {100 + incident.id}", channel=channel)
            harness.command(f"role <@{BOB}|bob> comms", channel=channel)
            ts = str(incident.card_ts)
            harness.click(ALICE, channel, ts, "incident_severity", selected_option="sev1")
            harness.click(ALICE, channel, ts, "incident_status.contained")

        # Nobody acknowledges: the first acknowledgement reminder of each falls due.
        harness.clock.advance(timedelta(minutes=61))
        for _ in range(6):
            harness.firebreak.reminders.run_due()
            harness.clock.advance(timedelta(minutes=3))  # past RETRY_AFTER and the lease

        standin.clear_faults()
        standin.wait_idle()  # slow calls the client gave up on still land in Slack
        harness.clock.advance(timedelta(minutes=3))
        harness.firebreak.services.provisioner.resume_pending()
        harness.firebreak.reminders.run_due()
        harness.settle()

        calls = standin.calls
        faults = Counter(c.status for c in calls if c.status in (0, 429, 500))
        assert set(faults) == {0, 429, 500}, f"faults not all exercised: {faults}"
        announcements = standin.messages(BROADCAST_CHANNEL)
        for incident in harness.incidents():
            _assert_fully_provisioned_once(harness, incident.id, announcements)
            _assert_changes_kept_and_shown_or_told(harness, incident.id)
        _assert_each_due_reminder_sent_once(harness)

        created = [c for c in calls if c.method == "conversations.create" and c.ok]
        assert len(created) == INCIDENTS  # no second channel for anyone
        pairs = _retries_after_429(calls)
        assert pairs, "no 429 was retried"
        for limited, retry in pairs:  # RateLimitErrorRetryHandler waited Retry-After
            assert retry.at - limited.at >= 1.0, (limited.method, retry.at - limited.at)
        assert standin.rate_violations == []
        assert standin.internal_errors == []


def _assert_fully_provisioned_once(
    harness: Harness, incident_id: int, announcements: list[Message]
) -> None:
    standin = harness.standin
    row = harness.incident(incident_id)
    assert row.provisioned_at is not None, (incident_id, row.provision_error)
    channel = standin.channel(str(row.channel_id))
    assert channel.name == row.channel_name
    assert {ALICE, CAROL} <= channel.members  # declarer and the on-call
    messages = standin.messages(channel.id)
    (card,) = _tagged(messages, "card", incident_id)
    assert card.ts == row.card_ts
    assert channel.pins == [card.ts]
    assert channel.topic.startswith(f"INC-{incident_id}")
    assert len(_tagged(messages, "page", incident_id)) == 1
    (announced,) = _tagged(announcements, "announcement", incident_id)
    assert announced.ts == row.announcement_ts


def _assert_changes_kept_and_shown_or_told(harness: Harness, incident_id: int) -> None:
    """Every change is in the database; Slack shows it, or the user was told it did not."""
    standin = harness.standin
    row = harness.incident(incident_id)
    channel = str(row.channel_id)
    kinds = Counter(e.kind for e in harness.events(incident_id))
    assert kinds["note"] == 1
    assert kinds["action_logged"] == 1
    assert kinds["role_assigned"] >= 1
    assert (row.severity, row.status) == ("sev1", "contained")
    assert [(r.role, r.user_id) for r in harness.roles(incident_id) if r.role == "comms"] == [
        ("comms", BOB)
    ]
    with harness.sessions() as session:
        actions = session.scalars(
            select(ContainmentAction).where(ContainmentAction.incident_id == incident_id)
        ).all()
        expected_card = card_blocks(
            incidents.load(session, incident_id, harness.firebreak.services.policy),
            harness.firebreak.services.policy,
        )
    assert [a.count for a in actions] == [100 + incident_id]

    texts = [m.text for m in standin.messages(channel)]
    note_lines = [t for t in texts if f"Seller cluster {incident_id} traced" in t]
    assert len(note_lines) <= 1  # never twice
    if not note_lines:
        assert _told(standin, ALICE, channel)
    if harness.card(incident_id).blocks != expected_card:
        assert _told(standin, ALICE, channel)  # the last card update was lost: said so


def _assert_each_due_reminder_sent_once(harness: Harness) -> None:
    with harness.sessions() as session:
        due = session.scalars(select(Reminder).where(Reminder.due_at <= harness.clock.now())).all()
    fired = [r for r in due if r.kind == "acknowledge"]
    assert fired, "no acknowledgement reminder fell due"
    for reminder in fired:
        assert reminder.state in ("sent", "superseded", "cancelled"), (reminder.key, reminder.state)
        channel = str(harness.incident(int(str(reminder.incident_id))).channel_id)
        posted = _tagged(harness.standin.messages(channel), "reminder", reminder.id)
        assert len(posted) == (1 if reminder.state == "sent" else 0), reminder.key


# One fault at a time: each answer lost after Slack carried the call out, then a retry.


def _slow_once(harness: Harness, method: str, nth: int = 1) -> None:
    """Make call ``nth`` of ``method`` from now on land in Slack after the client gave up."""
    for _ in range(nth - 1):
        harness.standin.fail(method, status=200, times=1)  # answered normally
    harness.standin.fail(method, status=200, delay=SLOW)


def _resume_after_lost_answer(harness: Harness) -> None:
    """Resume until provisioned: on a loaded machine another call may outlast the 0.5 s
    client timeout too, and is resumed like the first."""
    harness.standin.wait_idle()
    _resume_until(
        harness,
        lambda: all(i.provisioned_at is not None for i in harness.incidents()),
        "provisioning after a lost answer",
    )


def test_a_channel_created_after_the_client_gave_up_is_adopted_not_doubled(
    database_url: str,
) -> None:
    with running_firebreak(database_url, client_timeout=CLIENT_TIMEOUT) as harness:
        _slow_once(harness, "conversations.create")
        harness.command("declare Lost answer")
        assert harness.incident().channel_id is None

        _resume_after_lost_answer(harness)

        row = harness.incident()
        assert row.provisioned_at is not None
        created = [c for c in harness.standin.calls_to("conversations.create") if c.ok]
        assert [c.response["channel"]["id"] for c in created] == [row.channel_id]
        assert harness.standin.channel(str(row.channel_id)).name == "inc-1-lost-answer"


def test_a_card_and_an_announcement_posted_after_a_timeout_are_found_not_posted_again(
    database_url: str,
) -> None:
    with running_firebreak(database_url, client_timeout=CLIENT_TIMEOUT) as harness:
        _slow_once(harness, "chat.postMessage")  # the card
        harness.command("declare Card answer lost")
        _resume_after_lost_answer(harness)
        _slow_once(harness, "chat.postMessage", nth=2)  # the card is fine, the announcement not
        harness.command("declare Announcement answer lost")
        _resume_after_lost_answer(harness)

        announcements = harness.standin.messages(BROADCAST_CHANNEL)
        for incident in harness.incidents():
            assert incident.provisioned_at is not None
            messages = harness.standin.messages(str(incident.channel_id))
            (card,) = _tagged(messages, "card", incident.id)
            assert card.ts == incident.card_ts
            (announced,) = _tagged(announcements, "announcement", incident.id)
            assert announced.ts == incident.announcement_ts


def test_a_reminder_whose_answer_was_lost_is_marked_sent_not_sent_twice(
    database_url: str,
) -> None:
    with running_firebreak(database_url, with_rotation(), client_timeout=CLIENT_TIMEOUT) as h:
        h.declare("Reminder answer lost")
        h.clock.advance(timedelta(minutes=61))
        h.standin.fail("chat.postMessage", status=200, delay=SLOW)

        first = h.firebreak.reminders.run_due()
        h.standin.wait_idle()
        h.clock.advance(timedelta(minutes=2))
        second = h.firebreak.reminders.run_due()

        assert first.failed == ["inc1:acknowledge:0"]
        assert second.sent == ["inc1:acknowledge:0"]
        with h.sessions() as session:
            row = session.scalars(select(Reminder).where(Reminder.key == first.failed[0])).one()
        assert row.state == "sent"
        assert (
            len(_tagged(h.standin.messages(str(h.incident().channel_id)), "reminder", row.id)) == 1
        )
        assert [e.kind for e in h.events()].count("reminder_sent") == 1


HANDOFF_AT = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # see tests/test_handoffs.py
HANDBACK_AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _lose_the_answer_then_retry(h: Harness, nth: int) -> tuple[RunReport, RunReport]:
    """Run what is due with post ``nth`` landing after the client gave up; run it again."""
    _slow_once(h, "chat.postMessage", nth=nth)
    first = h.firebreak.reminders.run_due()
    h.standin.wait_idle()
    h.clock.advance(timedelta(minutes=2))
    return first, h.firebreak.reminders.run_due()


def test_a_weekend_whose_channel_posts_lost_their_answers_posts_each_once(
    database_url: str,
) -> None:
    """Handoff, backup page and handback: each DM goes first, then the tagged post is lost."""
    with running_firebreak(database_url, with_rotation(), client_timeout=CLIENT_TIMEOUT) as h:
        h.standin.rate_limits = False
        h.standin.add_channel(
            "trust-safety-oncall", channel_id=ONCALL_CHANNEL, members=["U0FIREBOT", CAROL, DAVE]
        )
        services = h.firebreak.services
        plan_handoffs(services.sessions, services.policy, services.clock)
        window = HANDOFF_AT.isoformat()
        stages = (
            (HANDOFF_AT, 2, f"handoff:trust-safety:{window}"),  # Carol's DM, then the channel
            (HANDOFF_AT + timedelta(minutes=32), 2, f"handoff_ack:trust-safety:{window}"),
            (HANDBACK_AT, 1, f"handback:trust-safety:{window}"),
        )
        for moment, nth, key in stages:
            h.clock.advance(moment - h.clock.now())
            first, second = _lose_the_answer_then_retry(h, nth)
            assert (first.failed, second.sent) == ([key], [key])

        with h.sessions() as session:
            sent = session.scalars(select(Reminder).where(Reminder.state == "sent")).all()
        posts = h.standin.messages(ONCALL_CHANNEL)
        assert sorted(r.kind for r in sent) == ["handback", "handoff", "handoff_ack"]
        for reminder in sent:
            assert len(_tagged(posts, "reminder", reminder.id)) == 1, reminder.key
        assert len(posts) == 3
        assert [len(h.standin.dms(user)) for user in (CAROL, DAVE)] == [1, 1]
        with h.sessions() as session:
            handoff = session.scalars(
                select(Handoff).where(
                    Handoff.kind == "handoff", Handoff.window_starts_at == HANDOFF_AT
                )
            ).one()
        assert (handoff.incoming, handoff.backup) == (CAROL, DAVE)


def test_a_weekly_digest_whose_answer_was_lost_is_posted_once(database_url: str) -> None:
    policy = with_weekly_digest(default_policy())
    with running_firebreak(database_url, policy, client_timeout=CLIENT_TIMEOUT) as h:
        h.standin.rate_limits = False
        h.standin.add_channel("ts-leads", channel_id=DIGEST_CHANNEL, members=["U0FIREBOT"])
        services = h.firebreak.services
        plan_digest(services.sessions, services.policy, services.clock)
        h.clock.advance(HANDBACK_AT - h.clock.now())

        first, second = _lose_the_answer_then_retry(h, nth=1)

        assert first.failed == second.sent == ["weekly_digest:2026-11-23"]
        posts = [m for m in h.standin.messages(DIGEST_CHANNEL) if m.text]
        assert len(posts) == 1
        assert "digest" in posts[0].text.lower()


def test_a_burst_of_notes_keeps_to_slacks_posting_rate(database_url: str) -> None:
    with running_firebreak(database_url, pace_posts=True) as harness:
        harness.standin.rate_limits = False  # nothing pushes back: the bot paces itself
        channel = harness.declare("Chatty incident")
        for n in range(8):
            harness.command(f"note Finding {n}", channel=channel.id)

        texts = [m.text for m in harness.standin.messages(channel.id)]
        assert all(any(f"Finding {n}" in t for t in texts) for n in range(8))
        assert harness.standin.rate_violations == []


def test_flaky_faults_are_seeded_and_recorded(standin: SlackStandIn) -> None:
    client = WebClient(token=standin.bot_token, base_url=standin.api_url, retry_handlers=[])
    standin.flaky(0.5, kinds=("500", "429"), seed=3)
    outcomes = []
    for _ in range(12):
        try:
            client.auth_test()
            outcomes.append(200)
        except SlackApiError as error:
            outcomes.append(error.response.status_code)
    standin.clear_faults()
    client.auth_test()

    recorded = [c.status for c in standin.calls_to("auth.test")]
    assert recorded == [*outcomes, 200]
    assert set(outcomes) == {200, 429, 500}
    limited = [c for c in standin.calls_to("auth.test") if c.status == 429]
    assert all(c.response == {"ok": False, "error": "ratelimited"} for c in limited)
