"""The weekly digest, on the manual clock: planned once, posted once, restricted kept quiet.

The harness clock starts Friday 2026-11-20 09:30 UTC. The digest here is due on Mondays
at 09:00 Europe/Berlin, so the first one is 2026-11-23 08:00 UTC and covers the seven days
from Monday 2026-11-16 08:00 UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import Reminder
from tests.slack_standin import Message
from tests.support.blocks import mrkdwn_text
from tests.support.harness import Harness, default_policy, running_firebreak
from tests.support.history import add_action, add_followup, add_incident
from tests.support.policies import DIGEST_CHANNEL, with_weekly_digest
from workflows.digest import plan_digest
from workflows.policy import Policy

DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
UNACKNOWLEDGED = "not acknowledged, update overdue"


def _policy() -> Policy:
    return with_weekly_digest(default_policy(), weeks_in_chart=4)


@pytest.fixture
def weekly(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url, _policy()) as harness:
        harness.standin.rate_limits = False
        harness.standin.add_channel(
            "ts-leads", channel_id=DIGEST_CHANNEL, members=["U0FIREBOT", "U0ALICE"]
        )
        yield harness


def _plan(harness: Harness) -> None:
    services = harness.firebreak.services
    plan_digest(services.sessions, services.policy, services.clock)


def _pending_digests(harness: Harness) -> list[tuple[str, datetime]]:
    with harness.sessions() as session:
        rows = session.execute(
            select(Reminder.key, Reminder.due_at).where(
                Reminder.kind == "weekly_digest", Reminder.state == "pending"
            )
        ).all()
    return [(row.key, row.due_at) for row in rows]


def _digest_rows(harness: Harness) -> list[tuple[str, str, datetime | None]]:
    """Every weekly digest reminder: its key, its state and when it was sent."""
    with harness.sessions() as session:
        rows = session.execute(
            select(Reminder.key, Reminder.state, Reminder.sent_at)
            .where(Reminder.kind == "weekly_digest")
            .order_by(Reminder.due_at)
        ).all()
    return [(row.key, row.state, row.sent_at) for row in rows]


def _at(day: int, hour: int) -> str:
    """How the digest writes a November 2026 time (UTC) for every reader's time zone."""
    moment = datetime(2026, 11, day, hour, 0, tzinfo=UTC)
    layout = "{date_short_pretty} at {time}"
    return f"<!date^{int(moment.timestamp())}^{layout}|{moment:%Y-%m-%d %H:%M} UTC>"


def _day(day: int) -> str:
    """How the digest writes the day of a November 2026 digest time (08:00 UTC)."""
    moment = datetime(2026, 11, day, 8, 0, tzinfo=UTC)
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _sections(message: Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]


def _everything_shown(harness: Harness) -> str:
    """Every message in the digest channel: text, blocks and shared files' names and titles."""
    return json.dumps(
        [[m.text, m.blocks, m.files] for m in harness.standin.messages(DIGEST_CHANNEL)],
        ensure_ascii=False,
    )


def test_the_next_digest_is_planned_once_in_the_policy_time_zone(weekly: Harness) -> None:
    _plan(weekly)
    _plan(weekly)  # a second replica, or the next tick

    assert _pending_digests(weekly) == [("weekly_digest:2026-11-23", DUE)]


def test_the_digest_compares_the_weeks_and_lists_what_needs_attention(weekly: Harness) -> None:
    this_week = DUE - timedelta(days=3)  # Friday 2026-11-20 08:00 UTC
    with weekly.sessions.begin() as session:
        add_incident(session, declared_at=DUE - timedelta(days=10), title="Last week's fraud")
        late = add_incident(
            session,
            declared_at=this_week,
            title="Counterfeit chargers",
            severity="sev2",
            acknowledged_at=this_week + 5 * HOUR,  # sev2 wants 15 minutes: missed
        )
        add_incident(
            session,
            declared_at=this_week + HOUR,
            title="Secret seller ring",
            severity="sev1",
            restricted=True,  # never acknowledged: past its SLA, but named by reference only
        )
        resolved = add_incident(
            session,
            declared_at=this_week + 2 * HOUR,
            title="Fake reviews",
            severity="sev3",
            acknowledged_at=this_week + 2 * HOUR + timedelta(minutes=10),
            resolved_at=this_week + 8 * HOUR,
        )
        add_action(session, late, this_week + 3 * HOUR, "listing_removed", 1240)
        add_action(session, resolved, this_week + 4 * HOUR, "listing_removed", 30)
        add_followup(
            session, resolved, this_week, "Add a review-farm rule", due_at=this_week + HOUR
        )
    _plan(weekly)

    weekly.clock.advance(DUE - weekly.clock.now())
    first = weekly.firebreak.reminders.run_due()
    again = weekly.firebreak.reminders.run_due()

    assert first.sent == ["weekly_digest:2026-11-23"]
    assert again.sent == []
    post, chart = weekly.standin.messages(DIGEST_CHANNEL)
    assert post.text == (
        "Weekly incident digest: 3 declared, 3 open past their SLA, 1 follow-ups overdue."
    )
    fields = [f["text"] for b in post.blocks if b["type"] == "section" for f in b.get("fields", [])]
    assert "*Declared*\n3 (1)" in fields
    # This week only the sev3 was acknowledged in time; the sev2 was late and the restricted
    # sev1 never was. Last week's one incident was never acknowledged.
    assert "*Acknowledged in time*\n33% of 3 (0% of 1)" in fields
    texts = "\n".join(
        b["text"]["text"] for b in post.blocks if "text" in b and b["type"] == "section"
    )
    assert ":lock: INC-3 (restricted)" in texts
    assert "Secret seller ring" not in texts
    assert "*Counterfeit chargers*" in texts
    assert "#1 Add a review-farm rule · INC-4" in texts
    assert "*1,240* in 1 actions" in texts
    assert _sections(post) == [
        "*This week* (last week in brackets)",
        "*Containment this week*\nListings removed: *1,270* (2 actions)",
        # Last week's is still unacknowledged; the sev2 owes an update (hourly); the
        # restricted sev1 was never acknowledged.
        "*Open incidents past their SLA* (3)\n"
        f"• INC-1 *Last week's fraud* SEV2 · {UNACKNOWLEDGED} · since {_at(13, 8)}\n"
        f"• INC-2 *Counterfeit chargers* SEV2 · update overdue · since {_at(20, 8)}\n"
        f"• :lock: INC-3 (restricted) SEV1 · {UNACKNOWLEDGED} · since {_at(20, 9)}",
        "*Overdue follow-ups* (1)\n"
        f"• #1 Add a review-farm rule · INC-4 · <@U0BOB> · due {_at(20, 9)}",
        "*Most containment this week*\n"
        "• INC-2 *Counterfeit chargers* *1,240* in 1 actions\n"
        "• INC-4 *Fake reviews* *30* in 1 actions",
    ]
    assert "Secret seller ring" not in _everything_shown(weekly)
    assert chart.files
    (file,) = chart.files
    data = weekly.standin.uploaded(file["id"])
    assert data is not None
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (file["name"], file["title"]) == (
        "weekly-trend.png",
        "Incidents per week by severity, last 4 weeks",
    )
    assert _digest_rows(weekly) == [("weekly_digest:2026-11-23", "sent", DUE)]


def test_a_restricted_incident_is_named_by_reference_only_in_every_list(
    weekly: Harness,
) -> None:
    this_week = DUE - timedelta(days=3)
    with weekly.sessions.begin() as session:
        secret = add_incident(
            session, declared_at=this_week, title="Secret seller ring", restricted=True
        )
        add_action(session, secret, this_week + HOUR, "account_suspended", 7, "Ring's accounts")
        add_followup(
            session, secret, this_week, "Trace the ring's payouts", due_at=this_week + HOUR
        )
    _plan(weekly)

    weekly.clock.advance(DUE - weekly.clock.now())
    weekly.firebreak.reminders.run_due()

    post, _chart = weekly.standin.messages(DIGEST_CHANNEL)
    assert _sections(post)[2:] == [
        "*Open incidents past their SLA* (1)\n"
        f"• :lock: INC-1 (restricted) SEV2 · {UNACKNOWLEDGED} · since {_at(20, 8)}",
        "*Overdue follow-ups* (1)\n"
        f"• #1 (restricted incident) · INC-1 · due {_at(20, 9)}",  # nor who has it
        "*Most containment this week*\n• :lock: INC-1 (restricted) *7* in 1 actions",
    ]
    shown = _everything_shown(weekly)
    for secret_text in ("Secret seller ring", "Trace the ring's payouts", "Ring's accounts"):
        assert secret_text not in shown


def test_a_failed_chart_does_not_post_the_digest_twice(weekly: Harness) -> None:
    _plan(weekly)
    weekly.standin.fail("files.getUploadURLExternal", status=200, error="internal_error", times=5)

    weekly.clock.advance(DUE - weekly.clock.now())
    first = weekly.firebreak.reminders.run_due()
    weekly.clock.advance(timedelta(minutes=5))
    again = weekly.firebreak.reminders.run_due()

    assert first.sent == ["weekly_digest:2026-11-23"]
    assert again.sent == []
    (post,) = weekly.standin.messages(DIGEST_CHANNEL)
    assert post.text.startswith("Weekly incident digest: 0 declared")
    assert len(weekly.standin.calls_to("files.getUploadURLExternal")) >= 1  # it was tried
    assert _digest_rows(weekly)[0] == ("weekly_digest:2026-11-23", "sent", DUE)


def test_a_digest_missed_while_down_is_posted_late_after_a_restart(weekly: Harness) -> None:
    _plan(weekly)
    weekly.clock.advance(DUE + timedelta(hours=2) - weekly.clock.now())  # down at 08:00 UTC

    _plan(weekly)  # the restarted bot plans before it fires reminders
    report = weekly.firebreak.reminders.run_due()

    assert report.sent == ["weekly_digest:2026-11-23"]
    (post,) = weekly.standin.messages(DIGEST_CHANNEL)[:1]
    assert post.text.startswith("Weekly incident digest")
    assert _pending_digests(weekly) == [("weekly_digest:2026-11-30", DUE + timedelta(days=7))]
    # Posted once, with its chart; the week is the one ending when it fell due, not now.
    post, chart = weekly.standin.messages(DIGEST_CHANNEL)
    assert chart.files
    assert f"The seven days from {_day(16)} to {_day(23)}" in mrkdwn_text(post.blocks)
    assert _digest_rows(weekly) == [
        ("weekly_digest:2026-11-23", "sent", DUE + timedelta(hours=2)),
        ("weekly_digest:2026-11-30", "pending", None),
    ]


def test_no_channel_no_digest(harness: Harness) -> None:
    _plan(harness)

    assert _pending_digests(harness) == []
