"""Follow-ups: `/incident followup(s)`, the owner's DM, Done, and the overdue reminder.

The harness clock starts on Friday 2026-11-20 09:30 UTC; Alice is in Europe/Berlin,
Bob in America/New_York, Carol in Asia/Tokyo.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commands.blocks.containment import followup_dm_blocks, followup_line, followups_text
from commands.blocks.messages import section
from storage.models import FollowUp, Reminder
from tests.slack_standin import Message, validate_blocks
from tests.support.blocks import action_ids
from tests.support.harness import ALICE, BOB, CAROL, DAVE, GENERAL, Harness
from workflows.followups import ListedFollowUp
from workflows.snapshots import FollowUpNotice, FollowUpNoticeKind

DONE, SNOOZE = "followup_done", "followup_snooze"
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _later(harness: Harness, **delta: float) -> list[str]:
    """Move the clock, fire what is due, and return the follow-up reminders sent."""
    harness.clock.advance(timedelta(**delta))
    report = harness.firebreak.reminders.run_due()
    harness.settle()
    return [key for key in report.sent if key.startswith("followup")]


def _followups(harness: Harness) -> list[FollowUp]:
    with harness.sessions() as session:
        return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def _reminders(harness: Harness) -> list[Reminder]:
    with harness.sessions() as session:
        return list(
            session.scalars(
                select(Reminder).where(Reminder.kind == "followup_due").order_by(Reminder.id)
            )
        )


def _bot_lines(harness: Harness, channel: str) -> list[str]:
    return [m.text for m in harness.standin.messages(channel) if m.user == "U0FIREBOT"]


def _outcome(harness: Harness, message: Message) -> str:
    now = next(m for m in harness.standin.messages(message.channel) if m.ts == message.ts)
    assert action_ids(now.blocks) == []
    return str(now.blocks[-1]["elements"][0]["text"])


def test_a_follow_up_gets_its_owner_and_a_due_date_in_the_typers_time_zone(
    harness: Harness,
) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command(
        "followup Review seller onboarding <@U0CAROL|carol> 2026-12-01",
        user=BOB,
        channel=channel.id,
    )

    (followup,) = _followups(harness)
    assert (followup.title, followup.owner, followup.created_by, followup.status) == (
        "Review seller onboarding",
        CAROL,
        BOB,
        "open",
    )
    # A bare date is 17:00 on that day where Bob is (New York, EST: UTC-5).
    assert followup.due_at == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    event = harness.events()[-1]
    assert (event.kind, event.actor, event.data["followup"], event.data["owner"]) == (
        "followup",
        BOB,
        1,
        CAROL,
    )
    line = _bot_lines(harness, channel.id)[-1]
    assert line.startswith(
        f":clipboard: <@{BOB}> added follow-up #1: *Review seller onboarding* (owner <@{CAROL}>, "
        "due <!date^"
    )
    (dm,) = harness.standin.dms(CAROL)
    assert f"<@{BOB}> gave you follow-up #1 on INC-1" in dm.text
    assert "*Review seller onboarding*" in dm.text
    assert action_ids(dm.blocks) == [DONE]
    assert [(r.key, r.state, r.due_at) for r in _reminders(harness)] == [
        ("followup1:2026-12-01T22:00:00+00:00", "pending", followup.due_at)
    ]


@pytest.mark.parametrize(
    ("text", "title", "owner", "due"),
    [
        (
            "Refund buyers <@U0DAVE|dave> 2026-11-23 09:00",
            "Refund buyers",
            DAVE,
            "2026-11-23 14:00",
        ),
        ("Ask <@U0DAVE|dave> about refunds +3d", "Ask about refunds", DAVE, "2026-11-23 09:30"),
        (
            "Write the &lt;postmortem&gt; &amp; share it",
            "Write the <postmortem> & share it",
            None,
            None,
        ),
        ("Tell <#C0GENERAL|general> on 2026-12-01", "Tell #general on", None, "2026-12-01 22:00"),
    ],
)
def test_owner_anywhere_and_due_date_last(
    harness: Harness, text: str, title: str, owner: str | None, due: str | None
) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command(f"followup {text}", user=BOB, channel=channel.id)

    (followup,) = _followups(harness)
    assert (followup.title, followup.owner) == (title, owner)
    expected = datetime.fromisoformat(f"{due}+00:00") if due else None
    assert followup.due_at == expected
    if owner is None:
        assert harness.standin.dms(BOB) == []
        assert "(no owner, " in _bot_lines(harness, channel.id)[-1]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("followup", "A follow-up needs a title"),
        ("followup <@U0BOB|bob> 2026-12-01", "A follow-up needs a title"),
        ("followup Fix it <@U0BOB|bob> <@U0DAVE|dave>", "A follow-up has one owner"),
        ("followup Fix it 2026-13-45", "`2026-13-45 17:00` is not a time I can read"),
        ("followup Fix it 2026-11-19", "That due date (2026-11-19) has already passed"),
        ("followup done", "Say which follow-up"),
        ("followup done 99", "There is no follow-up #99"),
    ],
)
def test_bad_follow_ups_are_refused_privately(harness: Harness, text: str, problem: str) -> None:
    channel = harness.declare("Counterfeit sneakers")

    harness.command(text, user=BOB, channel=channel.id)

    (reply,) = harness.standin.ephemerals(BOB, channel.id)
    assert problem in reply.text
    assert _followups(harness) == []


def test_adding_one_outside_an_incident_channel_says_where(harness: Harness) -> None:
    harness.command("followup Fix it")

    (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert "works inside an incident channel" in reply.text


def test_followups_lists_every_incident_and_hides_restricted_titles(harness: Harness) -> None:
    first = harness.declare("Counterfeit sneakers")
    secret = harness.declare("--private Insider leak")
    harness.command("followup Audit sellers <@U0BOB|bob> +5d", channel=first.id)
    harness.command("followup Rotate the leaked keys <@U0CAROL|carol> +2d", channel=secret.id)
    harness.command("followup Write the postmortem", channel=first.id)
    harness.command("followup Retire old flow +1d", channel=first.id)
    harness.command("followup done 4", channel=first.id)

    harness.command("followups", user=DAVE)

    (reply,) = harness.standin.ephemerals(DAVE, GENERAL)
    lines = reply.text.splitlines()
    assert lines[0] == "*Open follow-ups (3)*"
    assert lines[1].startswith("• #2 · :lock: INC-2 (restricted) · due <!date^")  # no owner
    assert lines[2].startswith(f"• #1 · INC-1 *Audit sellers* · owner <@{BOB}> · due <!date^")
    assert lines[3] == "• #3 · INC-1 *Write the postmortem* · no owner · no due date"
    assert "leaked" not in reply.text
    assert "Retire" not in reply.text


def test_followups_marks_the_overdue(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("followup Audit sellers +1d", channel=channel.id)
    harness.clock.advance(timedelta(days=1))

    harness.command("followups", channel=channel.id)

    reply = harness.standin.ephemerals(ALICE, channel.id)[-1]
    assert reply.text.splitlines()[1].endswith(":warning: *overdue*")


def test_done_by_command_completes_it_and_no_reminder_follows(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("followup Audit sellers <@U0BOB|bob> +1d", channel=channel.id)

    harness.command("followup done #1", user=BOB)  # anywhere, by its number

    (followup,) = _followups(harness)
    assert (followup.status, followup.done_at) == ("done", harness.clock.now())
    (reply,) = harness.standin.ephemerals(BOB, GENERAL)
    assert reply.text == ":white_check_mark: Follow-up #1 on INC-1 is done."
    event = harness.events()[-1]
    assert (event.kind, event.actor, event.data) == ("followup_done", BOB, {"followup": 1})
    assert [r.state for r in _reminders(harness)] == ["cancelled"]
    assert _later(harness, days=2) == []
    assert len(harness.standin.dms(BOB)) == 1  # the assignment only

    harness.command("followup done 1", user=BOB)

    assert "already done" in harness.standin.ephemerals(BOB, GENERAL)[-1].text


def test_done_from_the_owners_dm(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("followup Audit sellers <@U0BOB|bob> +1d", channel=channel.id)
    (dm,) = harness.standin.dms(BOB)

    harness.click(BOB, dm.channel, dm.ts, DONE)

    assert _followups(harness)[0].status == "done"
    assert _outcome(harness, dm) == f":white_check_mark: Done, marked by <@{BOB}>."
    assert harness.events()[-1].kind == "followup_done"
    assert _later(harness, days=2) == []


def test_the_overdue_reminder_comes_at_exactly_the_due_time(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    # Alice is in Berlin: 10:00 there on Saturday is 09:00 UTC.
    harness.command("followup Audit sellers <@U0BOB|bob> 2026-11-21 10:00", channel=channel.id)

    assert _later(harness, hours=23, minutes=29, seconds=59) == []
    assert _later(harness, seconds=1) == ["followup1:2026-11-21T09:00:00+00:00"]
    reminder = harness.standin.dms(BOB)[-1]
    assert reminder.text.startswith(":alarm_clock: Follow-up #1 on INC-1 is due: *Audit sellers*")
    assert action_ids(reminder.blocks) == [DONE, SNOOZE]
    assert reminder.blocks[-1]["elements"][1]["text"]["text"] == "Snooze 1d"
    sent = harness.events()[-1]
    assert (sent.kind, sent.actor) == ("reminder_sent", None)
    assert sent.data["reminder"] == "followup_due"
    assert (sent.data["followup"], sent.data["pinged"]) == (1, [BOB])
    assert _later(harness, days=3) == []  # once


def test_without_an_owner_the_incident_owner_is_reminded(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers", user=DAVE)
    harness.command("followup Audit sellers +1h", channel=channel.id)
    assert _later(harness, hours=1) == ["followup1:2026-11-20T10:30:00+00:00"]
    assert harness.standin.dms(DAVE)[-1].text.startswith(":alarm_clock: Follow-up #1")
    assert "It has no owner" in harness.standin.dms(DAVE)[-1].text

    harness.click(ALICE, channel.id, harness.card().ts, "incident_owner", selected_user=CAROL)
    harness.command("followup Refund buyers +1h", channel=channel.id)

    assert _later(harness, hours=1) == ["followup2:2026-11-20T11:30:00+00:00"]
    assert "*Refund buyers*" in harness.standin.dms(CAROL)[-1].text


def test_snooze_reminds_again_a_day_later(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("followup Audit sellers <@U0BOB|bob> +1d", channel=channel.id)
    _later(harness, days=1)
    reminder = harness.standin.dms(BOB)[-1]

    harness.click(BOB, reminder.channel, reminder.ts, SNOOZE)

    assert _outcome(harness, reminder).startswith(
        f":zzz: Snoozed by <@{BOB}>; reminding again <!date^"
    )
    snoozed = harness.events()[-1]
    assert (snoozed.kind, snoozed.actor) == ("followup_snoozed", BOB)
    assert _later(harness, hours=23, minutes=59) == []
    assert _later(harness, minutes=1) == ["followup1:2026-11-22T09:30:00+00:00"]
    again = harness.standin.dms(BOB)[-1]
    assert action_ids(again.blocks) == [DONE, SNOOZE]

    harness.click(BOB, again.channel, again.ts, DONE)

    assert _followups(harness)[0].status == "done"
    assert _later(harness, days=2) == []


def test_completing_before_the_due_time_cancels_the_reminder(harness: Harness) -> None:
    channel = harness.declare("Counterfeit sneakers")
    harness.command("followup Audit sellers <@U0BOB|bob> +1d", channel=channel.id)
    harness.command("followup Refund buyers <@U0BOB|bob> +1d", channel=channel.id)
    first = harness.standin.dms(BOB)[0]

    harness.click(BOB, first.channel, first.ts, DONE)

    assert [r.state for r in _reminders(harness)] == ["cancelled", "pending"]
    assert _later(harness, days=1) == ["followup2:2026-11-21T09:30:00+00:00"]
    assert "*Refund buyers*" in harness.standin.dms(BOB)[-1].text


titles = st.text(min_size=1, max_size=300).filter(lambda t: t.strip() != "")


@settings(max_examples=100, deadline=None)
@given(title=titles, kind=st.sampled_from(["assigned", "due"]), owner=st.sampled_from([None, BOB]))
def test_follow_up_messages_are_valid_block_kit(
    title: str, kind: FollowUpNoticeKind, owner: str | None
) -> None:
    notice = FollowUpNotice(
        kind=kind,
        followup_id=7,
        incident_id=3,
        incident_channel_id="C0INC",
        title=title,
        owner=owner,
        answers=owner or ALICE,
        created_by=ALICE,
        due_at=WHEN,
        late_by=timedelta(hours=2) if kind == "due" else None,
        snooze=timedelta(days=1) if kind == "due" else None,
    )
    assert validate_blocks(followup_dm_blocks(notice), "message") == []
    assert validate_blocks(section(followup_line(notice)), "message") == []


@settings(max_examples=30, deadline=None)
@given(titles=st.lists(st.one_of(st.none(), titles), min_size=1, max_size=120))
def test_the_follow_up_list_fits_one_message(titles: list[str | None]) -> None:
    found = [
        ListedFollowUp(id=n, incident_id=n, title=title, owner=BOB, due_at=WHEN)
        for n, title in enumerate(titles, start=1)
    ]
    text = followups_text(found, len(found) + 5, WHEN)
    assert len(text) <= 3000
    assert validate_blocks(section(text), "message") == []
    assert text.endswith("`/incident followup done <number>`.")
