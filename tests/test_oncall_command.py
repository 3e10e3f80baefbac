"""`/oncall`: who is on call now and next, overrides, the schedule, and what goes wrong.

The policy's main rotation, trust-safety, is in Europe/Berlin (UTC+1 in winter), hands
off on Monday 09:00 and counts from Monday 2026-11-02: Alice, Bob, then Carol (written
by email), with Dave and Bob covering weekends from Friday 18:00 to Monday 09:00. The
clock starts on Friday 2026-11-20 09:30 UTC, in Carol's week, so:

* now: Carol, backup Alice, weekday coverage until Friday 18:00 Berlin (17:00 UTC);
* then: Dave, backup Bob, weekend coverage until Monday 2026-11-23 09:00 (08:00 UTC);
* then: Alice, backup Bob, for the week.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from commands.blocks.oncall import schedule_message
from storage.models import OnCallOverride
from tests.slack_standin import Message, validate_blocks
from tests.support.blocks import mrkdwn_text
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    DAVE,
    GENERAL,
    Harness,
    running_firebreak,
)
from workflows import oncall
from workflows.oncall import ScheduledShift
from workflows.policy import Policy
from workflows.rotations import Shift

ONCALL_CHANNEL = "C0ONCALL"
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _policy(**oncall_section: Any) -> Policy:
    rotations = [
        {
            "name": "trust-safety",
            "time_zone": "Europe/Berlin",
            "members": [ALICE, BOB, "carol@example.com"],
            "handoff": {"day": "monday", "time": "09:00"},
            "weekend": {
                "starts": {"day": "friday", "time": "18:00"},
                "ends": {"day": "monday", "time": "09:00"},
                "members": [DAVE, BOB],
            },
            "starts_on": "2026-11-02",
            "channel": ONCALL_CHANNEL,
        },
        {
            "name": "payments",
            "time_zone": "America/New_York",
            "members": [DAVE, "zoe@example.com"],
            "shift": "1d",
            "weekend": None,
            "starts_on": "2026-11-02",
        },
    ]
    return Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "oncall": {"rotations": rotations, **oncall_section},
        }
    )


POLICY = _policy(domain_rotations={"fraud_scam": "payments"})


@pytest.fixture
def team(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url, POLICY) as harness:
        # A public channel Firebreak was never invited to: it joins to post there.
        harness.standin.add_channel("oncall", channel_id=ONCALL_CHANNEL, members=[ALICE, BOB])
        yield harness


def run(harness: Harness, text: str, *, user: str = ALICE, channel: str = GENERAL) -> Message:
    """Type ``/oncall text`` and return the last thing the user was shown privately."""
    response = harness.standin.slash_command(user, channel, "/oncall", text)
    harness.settle()
    assert response.status == 200, response.body
    assert response.problems == ()
    assert harness.standin.internal_errors == []
    return harness.standin.ephemerals(user, channel)[-1]


def date_of(moment: datetime) -> str:
    """How a Slack date for ``moment`` starts; each reader sees it in their own zone."""
    return f"<!date^{int(moment.timestamp())}^"


def paragraph(reply: Message, rotation: str) -> str:
    """The part of the answer about one rotation."""
    paragraphs = [p for block in reply.blocks for p in mrkdwn_text([block]).split("\n\n")]
    found = [p for p in paragraphs if p.startswith(f"*{rotation}*")]
    assert len(found) == 1, mrkdwn_text(reply.blocks)
    return found[0]


def overrides(harness: Harness) -> list[OnCallOverride]:
    with harness.sessions() as session:
        return list(session.scalars(select(OnCallOverride).order_by(OnCallOverride.id)))


def schedule_lines(reply: Message) -> list[str]:
    return [line for line in mrkdwn_text(reply.blocks).splitlines() if line.startswith("• ")]


# Who is on call now ---------------------------------------------------------------


def test_oncall_names_who_is_on_call_now_and_who_takes_over(team: Harness) -> None:
    reply = run(team, "")

    lines = paragraph(reply, "trust-safety").splitlines()
    assert lines == [
        "*trust-safety* · weekday coverage",
        f"On call: <@{CAROL}>, backup <@{ALICE}>",
        f"Next handoff {date_of(FRIDAY_EVENING)}{{date_short_pretty}} at {{time}}"
        f"|2026-11-20 17:00 UTC>: <@{DAVE}>, backup <@{BOB}> (weekend coverage)",
    ]
    assert validate_blocks(reply.blocks, "message") == []


def test_emails_in_the_policy_are_resolved_through_slack(team: Harness) -> None:
    reply = run(team, "")

    looked_up = [call.args["email"] for call in team.standin.calls_to("users.lookupByEmail")]
    assert sorted(looked_up) == ["carol@example.com", "zoe@example.com"]
    assert f"<@{CAROL}>" in paragraph(reply, "trust-safety")
    # Zoe is not in this Slack workspace: she is named as written, and nobody is pinged.
    payments = paragraph(reply, "payments")
    assert "zoe@example.com" in payments
    assert "<@zoe" not in payments


def test_on_saturday_the_weekend_pool_is_on_call(team: Harness) -> None:
    team.clock.advance(timedelta(days=1, hours=2, minutes=30))  # Saturday 12:00 UTC

    reply = run(team, "now")

    lines = paragraph(reply, "trust-safety").splitlines()
    assert lines[0] == "*trust-safety* · weekend coverage"
    assert lines[1] == f"On call: <@{DAVE}>, backup <@{BOB}>"
    assert lines[2].startswith(f"Next handoff {date_of(MONDAY_MORNING)}")
    assert lines[2].endswith(f": <@{ALICE}>, backup <@{BOB}> (weekday coverage)")


def test_with_no_rotations_oncall_says_how_to_configure_them(database_url: str) -> None:
    with running_firebreak(database_url) as harness:
        for text in ("", "schedule", "override <@U0BOB|bob> now +1h"):
            reply = run(harness, text)

            assert "No on-call rotations are configured yet" in reply.text
            assert "`oncall:` section" in reply.text
            assert "README's *On-call* section" in reply.text
        assert overrides(harness) == []


def test_the_mapped_rotation_answers_for_a_domain_and_the_default_for_the_rest(
    team: Harness,
) -> None:
    with team.sessions() as session:
        fraud = oncall.on_call_for_domain(session, POLICY, "fraud_scam", NOW)
        other = oncall.on_call_for_domain(session, POLICY, "counterfeit", NOW)

    assert fraud is not None
    assert other is not None
    assert (fraud[0], other[0]) == ("payments", "trust-safety")
    assert (other[1].primary, other[1].backup) == ("carol@example.com", ALICE)


# Overrides -------------------------------------------------------------------------


def test_an_override_wins_over_the_rotation_until_it_is_cancelled(team: Harness) -> None:
    confirmation = run(team, "override <@U0BOB|bob> now +2h")

    (row,) = overrides(team)
    ends = NOW + timedelta(hours=2)
    assert (row.rotation, row.user_id, row.starts_at, row.ends_at) == (
        "trust-safety",
        BOB,
        NOW,
        ends,
    )
    assert (row.created_by, row.created_at, row.cancelled_at) == (ALICE, NOW, None)
    assert confirmation.text.startswith(
        f":white_check_mark: Override #{row.id}: <@{BOB}> is on call for *trust-safety* "
        f"from {date_of(NOW)}"
    )
    assert f"`/oncall override cancel {row.id}`" in confirmation.text
    (line,) = team.standin.messages(ONCALL_CHANNEL)
    assert line.text.startswith(f"<@{ALICE}> set <@{BOB}> on call for trust-safety from ")
    assert date_of(ends) in line.text
    assert line.text.endswith(f"(override #{row.id}).")

    status = paragraph(run(team, ""), "trust-safety").splitlines()
    assert status[1:] == [
        f"On call: <@{BOB}>, backup <@{ALICE}>",
        ":twisted_rightwards_arrows: An override is in force.",
        f"Next handoff {date_of(ends)}{{date_short_pretty}} at {{time}}|2026-11-20 11:30 UTC>: "
        f"<@{CAROL}>, backup <@{ALICE}>",
    ]
    assert schedule_lines(run(team, "schedule"))[0].endswith(
        f"weekday · <@{BOB}>, backup <@{ALICE}> (override #{row.id})"
    )

    team.clock.advance(timedelta(minutes=10))
    cancelled = run(team, f"override cancel {row.id}", user=BOB)

    (row,) = overrides(team)
    assert (row.cancelled_by, row.cancelled_at) == (BOB, NOW + timedelta(minutes=10))
    assert cancelled.text.startswith(f":white_check_mark: Override #{row.id} is cancelled")
    assert team.standin.messages(ONCALL_CHANNEL)[-1].text.startswith(
        f"<@{BOB}> cancelled override #{row.id}: <@{BOB}> on call for trust-safety"
    )
    status = paragraph(run(team, ""), "trust-safety").splitlines()
    assert status[1] == f"On call: <@{CAROL}>, backup <@{ALICE}>"
    assert "override" not in "\n".join(status)
    assert "(override" not in mrkdwn_text(run(team, "schedule").blocks)


def test_covering_for_the_backup_swaps_primary_and_backup(team: Harness) -> None:
    run(team, "override <@U0ALICE|alice> now +1h")

    status = paragraph(run(team, ""), "trust-safety").splitlines()

    assert status[1] == f"On call: <@{ALICE}>, backup <@{CAROL}>"


def test_an_override_can_name_another_rotation_and_then_posts_nowhere(team: Harness) -> None:
    run(team, "override <@U0CAROL|carol> now 18:00 payments", user=BOB)

    (row,) = overrides(team)
    assert row.rotation == "payments"
    # 18:00 for Bob is New York time: 23:00 UTC.
    assert row.ends_at == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert f"On call: <@{CAROL}>" in paragraph(run(team, ""), "payments")
    assert paragraph(run(team, ""), "trust-safety").splitlines()[1] == (
        f"On call: <@{CAROL}>, backup <@{ALICE}>"
    )
    assert team.standin.messages(ONCALL_CHANNEL) == []


@pytest.mark.parametrize(
    ("typed", "starts", "ends"),
    [
        # New York is UTC-5 in November; it is 04:30 there when the clock starts.
        ("2026-11-20 18:00 2026-11-21T06:00", "2026-11-20 23:00", "2026-11-21 11:00"),
        ("22:00 06:00", "2026-11-21 03:00", "2026-11-21 11:00"),
        ("2026-11-21 +1d", "2026-11-21 05:00", "2026-11-22 05:00"),
        ("2026-11-20T18:00Z 2026-11-20 20:00+01:00", "2026-11-20 18:00", "2026-11-20 19:00"),
        ("now 2026-11-20T08:00-05:00", "2026-11-20 09:30", "2026-11-20 13:00"),
    ],
)
def test_times_are_read_in_the_typing_users_own_time_zone(
    team: Harness, typed: str, starts: str, ends: str
) -> None:
    run(team, f"override <@U0CAROL|carol> {typed}", user=BOB)

    (row,) = overrides(team)
    assert (row.starts_at, row.ends_at) == (
        datetime.fromisoformat(f"{starts}Z"),
        datetime.fromisoformat(f"{ends}Z"),
    )
    assert row.created_by == BOB


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("override <@U0BOB|bob> now +2h knitting", "There is no rotation `knitting`"),
        (
            "override <@U0BOB|bob> 2026-11-20 12:00 2026-11-20 11:00",
            "The override must end after it starts",
        ),
        ("override <@U0BOB|bob> 12:00 11:00pm", "The end `11:00pm` is not a time I read"),
        ("override bob now +2h", "`bob` is not a Slack user"),
        ("override @bob now +2h", "`@bob` is not a Slack user"),
        ("override <#C0GENERAL|general> now +2h", "is not a Slack user"),
        ("override <@U0BOB|bob> 25:00 +2h", "The start `25:00` is not a time I read"),
        ("override <@U0BOB|bob> 2026-02-30 10:00 +1h", "`2026-02-30` is not a date"),
        ("override <@U0BOB|bob> now +2x", "The end `+2x`"),
        ("override <@U0BOB|bob> now", "needs a start and an end"),
        ("override <@U0BOB|bob> now 2027-06-01 10:00", "at most 90 days ahead"),
        ("override <@U0BOB|bob> 06:00 08:00", "would already be over"),
        ("override <@U0BOB|bob> now +2h trust-safety extra", "after the end comes only"),
        ("override cancel", "Say which override to cancel"),
        ("override", "Say who covers and when"),
        ("schedule knitting", "There is no rotation `knitting`"),
        ("frobnicate", "I don't know `/oncall frobnicate`"),
        ("help", None),
    ],
)
def test_help_and_bad_input_get_the_usage_and_change_nothing(
    team: Harness, text: str, problem: str | None
) -> None:
    reply = run(team, text)

    assert "`/oncall override @user <start> <end> [rotation]`" in reply.text
    if problem:
        assert reply.text.startswith(":warning: ")
        assert problem in reply.text
    assert overrides(team) == []
    assert team.standin.messages(ONCALL_CHANNEL) == []


def test_the_same_override_twice_is_recorded_once(team: Harness) -> None:
    run(team, "override <@U0BOB|bob> 12:00 14:00")

    again = run(team, "override <@U0BOB|bob> 12:00 14:00")

    assert len(overrides(team)) == 1
    assert again.text == ":warning: That override is already recorded as #1; nothing changed."
    assert len(team.standin.messages(ONCALL_CHANNEL)) == 1


def test_cancelling_an_unknown_or_cancelled_override_says_so(team: Harness) -> None:
    assert "There is no on-call override #7" in run(team, "override cancel 7").text
    run(team, "override <@U0BOB|bob> now +1h")
    run(team, "override cancel #1")

    again = run(team, "override cancel 1")

    assert "Override #1 was already cancelled" in again.text
    (row,) = overrides(team)
    assert row.cancelled_by == ALICE


def test_a_channel_firebreak_cannot_post_in_is_reported_and_the_override_kept(
    team: Harness,
) -> None:
    team.standin.fail("chat.postMessage", status=200, error="channel_not_found")

    reply = run(team, "override <@U0BOB|bob> now +1h")

    assert len(overrides(team)) == 1
    assert "Saved, but Slack did not take the line" in reply.text
    assert "channel_not_found" in reply.text


# The schedule ----------------------------------------------------------------------


def test_schedule_lists_the_next_fourteen_days_shift_by_shift(team: Harness) -> None:
    reply = run(team, "schedule")

    assert validate_blocks(reply.blocks, "message") == []
    text = mrkdwn_text(reply.blocks)
    assert text.startswith("*trust-safety* · on call for the next 14 days")
    lines = schedule_lines(reply)
    expected = [
        (NOW, FRIDAY_EVENING, f"weekday · <@{CAROL}>, backup <@{ALICE}>"),
        (FRIDAY_EVENING, MONDAY_MORNING, f"weekend · <@{DAVE}>, backup <@{BOB}>"),
        (
            MONDAY_MORNING,
            datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
            f"weekday · <@{ALICE}>, backup <@{BOB}>",
        ),
        (
            datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
            f"weekend · <@{BOB}>, backup <@{DAVE}>",
        ),
        (
            datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
            NOW + timedelta(days=14),
            f"weekday · <@{BOB}>, backup <@{CAROL}>",
        ),
    ]
    assert len(lines) == len(expected)
    for line, (starts, ends, people) in zip(lines, expected, strict=True):
        assert line.startswith(f"• {date_of(starts)}")
        assert f" to {date_of(ends)}" in line
        assert line.endswith(people)


def test_schedule_keeps_local_handoff_times_across_a_daylight_saving_change(
    team: Harness,
) -> None:
    # Berlin moves to summer time on Sunday 2027-03-28: Monday 09:00 is 08:00 UTC the week
    # before and 07:00 UTC after; Friday 18:00 is 17:00 UTC before and 16:00 UTC after.
    team.clock.advance(datetime(2027, 3, 22, 9, 30, tzinfo=UTC) - NOW)

    reply = run(team, "schedule trust-safety")

    assert validate_blocks(reply.blocks, "message") == []
    lines = schedule_lines(reply)
    handoffs = [
        datetime(2027, 3, 26, 17, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 2, 16, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
    ]
    assert len(lines) == 5
    for line, handoff in zip(lines, handoffs, strict=False):
        assert f" to {date_of(handoff)}" in line
    assert "|2027-03-29 07:00 UTC>" in mrkdwn_text(reply.blocks)


def test_a_long_schedule_is_split_into_sections_within_slacks_limits(team: Harness) -> None:
    # Sixty one-hour covers in the daily payments rotation: far more than one section holds.
    with team.sessions.begin() as session:
        for hour in range(60):
            starts = NOW + timedelta(hours=2 * hour + 1)
            oncall.add_override(
                session,
                POLICY,
                "payments",
                CAROL if hour % 2 else BOB,
                starts,
                starts + timedelta(hours=1),
                ALICE,
                team.clock,
            )

    reply = run(team, "schedule payments")

    assert validate_blocks(reply.blocks, "message") == []
    assert 1 < len(reply.blocks) <= 50
    assert all(len(block["text"]["text"]) <= 3000 for block in reply.blocks)
    lines = schedule_lines(reply)
    overridden = [line for line in lines if "(override #" in line]
    assert len(overridden) == 60
    assert overridden[0].endswith(f"<@{BOB}>, backup <@{DAVE}> (override #1)")


def test_a_schedule_too_long_for_one_message_says_how_much_was_left_out() -> None:
    shift = Shift(
        "payments", DAVE, "zoe@example.com", NOW, NOW + timedelta(hours=1), "weekday", True
    )
    entries = [ScheduledShift(shift, (7,)) for _ in range(2000)]

    _, blocks = schedule_message("payments", entries, {DAVE: DAVE, "zoe@example.com": None}, 14)

    assert validate_blocks(blocks, "message") == []
    assert len(blocks) == 50
    shown = sum(text.count("\n• ") + text.startswith("• ") for text in _texts(blocks))
    hidden = re.fullmatch(r"_…and (\d+) more not shown\._", _texts(blocks)[-1])
    assert hidden is not None
    assert shown + int(hidden.group(1)) == 2000
    assert (
        _texts(blocks)[0]
        .splitlines()[1]
        .endswith(f"weekday · <@{DAVE}>, backup zoe@example.com (override #7)")
    )


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks]
