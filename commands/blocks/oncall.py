"""What ``/oncall`` shows: who is on call, the schedule, overrides, and its usage.

Members arrive as the policy writes them (Slack ids or emails) together with
``people``, what the directory made of each: a user id, or None for an email Slack
does not know, which is then shown as plain text. Times are Slack dates, so every
reader sees them in their own time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from commands.text import escape, slack_date, truncate
from workflows.oncall import OverrideRecord, RotationStatus, ScheduledShift
from workflows.rotations import Shift

Block = dict[str, Any]
People = Mapping[str, str | None]

# Slack's limits for one message (PLATFORM.md, "Block Kit limits").
MAX_BLOCKS = 50
SECTION_TEXT = 3000

USAGE = "\n".join(
    [
        "*Firebreak* — `/oncall` commands:",
        "• `/oncall` — who is on call now in each rotation, and who takes over at the next "
        "handoff.",
        "• `/oncall schedule [rotation]` — the next 14 days of shifts, with overrides and their "
        "ids.",
        "• `/oncall override @user <start> <end> [rotation]` — put someone on call (a cover or a "
        "swap); it wins over the rotation. Without a rotation, the default one.",
        "   Times: `now`, `18:00` (today), `2026-12-24 18:00` or `2026-12-24T18:00`, in your own "
        "time zone unless you add `Z` or an offset such as `+01:00`. The end may count from the "
        "start, such as `+12h` or `+2d`, and an end like `06:00` before the start is the next "
        "day. Overrides end at most 90 days ahead.",
        "   Example: `/oncall override @bob now +4h`",
        "• `/oncall override cancel <id>` — cancel an override; the rotation applies again.",
        "• `/oncall help` — this text.",
    ]
)

NOT_CONFIGURED = (
    ":information_source: No on-call rotations are configured yet. Add an `oncall:` section "
    "with your rotations to the policy file (the file `FIREBREAK_CONFIG` names) and restart "
    "Firebreak; the README's *On-call* section has a complete example."
)


def usage(problem: str | None = None) -> str:
    return f":warning: {problem}\n\n{USAGE}" if problem else USAGE


def not_configured() -> tuple[str, list[Block]]:
    return NOT_CONFIGURED, sections([NOT_CONFIGURED])


# Who is on call ------------------------------------------------------------------


def status_message(statuses: Sequence[RotationStatus], people: People) -> tuple[str, list[Block]]:
    """One paragraph per rotation: who now, what coverage, until when, and who next."""
    paragraphs = [_status(status, people) for status in statuses]
    return "Who is on call now", sections(paragraphs, separator="\n\n")


def _status(status: RotationStatus, people: People) -> str:
    current, following = status.current, status.next
    lines = [
        f"*{escape(status.rotation)}* · {current.coverage} coverage",
        f"On call: {_people(current, people)}",
    ]
    if current.overridden:
        lines.append(":twisted_rightwards_arrows: An override is in force.")
    taking_over = _people(following, people)
    if following.coverage != current.coverage:
        taking_over += f" ({following.coverage} coverage)"
    if following.overridden:
        taking_over += " (override)"
    lines.append(f"Next handoff {slack_date(current.ends_at)}: {taking_over}")
    return truncate("\n".join(lines), SECTION_TEXT)


# The schedule ----------------------------------------------------------------------


def schedule_message(
    rotation: str, shifts: Sequence[ScheduledShift], people: People, days: int
) -> tuple[str, list[Block]]:
    """One line per shift, in as many sections as the lines need."""
    title = f"*{escape(rotation)}* · on call for the next {days} days (times in your time zone)"
    lines = [title, *(_schedule_line(entry, people) for entry in shifts)]
    return f"On-call schedule for {rotation}, next {days} days", sections(lines)


def _schedule_line(entry: ScheduledShift, people: People) -> str:
    shift = entry.shift
    line = (
        f"• {slack_date(shift.starts_at)} to {slack_date(shift.ends_at)} · {shift.coverage} · "
        f"{_people(shift, people)}"
    )
    if entry.override_ids:
        ids = ", ".join(f"#{override_id}" for override_id in entry.override_ids)
        line += f" (override {ids})" if len(entry.override_ids) == 1 else f" (overrides {ids})"
    return line


# Overrides -----------------------------------------------------------------------


def _window(record: OverrideRecord) -> str:
    return f"from {slack_date(record.starts_at)} to {slack_date(record.ends_at)}"


def override_confirmation(record: OverrideRecord) -> str:
    """For the person who set it, where they typed the command."""
    return (
        f":white_check_mark: Override #{record.id}: <@{record.user_id}> is on call for "
        f"*{escape(record.rotation)}* {_window(record)}. "
        f"Undo it with `/oncall override cancel {record.id}`."
    )


def override_line(record: OverrideRecord) -> str:
    """For the rotation's channel."""
    return (
        f"<@{record.created_by}> set <@{record.user_id}> on call for "
        f"{escape(record.rotation)} {_window(record)} (override #{record.id})."
    )


def cancel_confirmation(record: OverrideRecord) -> str:
    return (
        f":white_check_mark: Override #{record.id} is cancelled: <@{record.user_id}> no longer "
        f"covers *{escape(record.rotation)}* {_window(record)}; the rotation applies again."
    )


def cancel_line(record: OverrideRecord) -> str:
    return (
        f"<@{record.cancelled_by}> cancelled override #{record.id}: <@{record.user_id}> on call "
        f"for {escape(record.rotation)} {_window(record)}."
    )


def channel_problem(channel_id: str, error: str) -> str:
    """The override is saved, but its line did not reach the rotation's channel."""
    return (
        f":warning: Saved, but Slack did not take the line for <#{channel_id}> ({error}). "
        "Invite Firebreak to that channel so the team sees the next change."
    )


# Shared -------------------------------------------------------------------------


def _person(member: str, people: People) -> str:
    found = people.get(member)
    return f"<@{found}>" if found else escape(member)


def _people(shift: Shift, people: People) -> str:
    primary = _person(shift.primary, people)
    if shift.backup is None:
        return f"{primary}, no backup"
    return f"{primary}, backup {_person(shift.backup, people)}"


def sections(
    parts: Sequence[str], *, separator: str = "\n", max_blocks: int = MAX_BLOCKS
) -> list[Block]:
    """Pack ``parts`` in order into as few mrkdwn sections as fit, within one message.

    A part longer than a section is cut; parts beyond ``max_blocks`` sections are
    counted in a last line instead of shown.
    """
    texts: list[str] = []
    current = ""
    for index, part in enumerate(parts):
        piece = truncate(part, SECTION_TEXT)
        if current and len(current) + len(separator) + len(piece) <= SECTION_TEXT:
            current += separator + piece
            continue
        if current:
            texts.append(current)
        if len(texts) == max_blocks - 1:
            current = f"_…and {len(parts) - index} more not shown._"
            break
        current = piece
    if current:
        texts.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in texts]
