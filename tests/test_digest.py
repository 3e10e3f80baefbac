"""The weekly digest, on the manual clock: planned once, posted once, restricted kept quiet.

The harness clock starts Friday 2026-11-20 09:30 UTC. The digest here is due on Mondays
at 09:00 Europe/Berlin, so the first one is 2026-11-23 08:00 UTC and covers the seven days
from Monday 2026-11-16 08:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import Reminder
from tests.support.harness import Harness, default_policy, running_firebreak
from tests.support.history import add_action, add_followup, add_incident
from workflows.digest import plan_digest
from workflows.policy import Policy

DIGEST_CHANNEL = "C0TSLEADS"
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _policy() -> Policy:
    settings = default_policy().model_dump(mode="json")
    settings["digest"] = {
        "channel": DIGEST_CHANNEL,
        "at": {"day": "monday", "time": "09:00"},
        "time_zone": "Europe/Berlin",
        "weeks_in_chart": 4,
    }
    return Policy.model_validate(settings)


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
    assert chart.files
    (file,) = chart.files
    data = weekly.standin.uploaded(file["id"])
    assert data is not None
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


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


def test_a_digest_missed_while_down_is_posted_late_after_a_restart(weekly: Harness) -> None:
    _plan(weekly)
    weekly.clock.advance(DUE + timedelta(hours=2) - weekly.clock.now())  # down at 08:00 UTC

    _plan(weekly)  # the restarted bot plans before it fires reminders
    report = weekly.firebreak.reminders.run_due()

    assert report.sent == ["weekly_digest:2026-11-23"]
    (post,) = weekly.standin.messages(DIGEST_CHANNEL)[:1]
    assert post.text.startswith("Weekly incident digest")
    assert _pending_digests(weekly) == [("weekly_digest:2026-11-30", DUE + timedelta(days=7))]


def test_no_channel_no_digest(harness: Harness) -> None:
    _plan(harness)

    assert _pending_digests(harness) == []
