"""Turning ``/oncall`` text into typed commands, and typed times into instants.

Parsing needs only the text and the policy, so a typo is answered before anything
is looked up. Times are parsed into *moments* first and made into instants later,
once the invoking user's time zone is known (``resolve_window``):

* ``now``; ``+2h``/``+1d`` (an end counts from the start, a start from now);
* ``18:00`` — a start is today; an end is the first 18:00 after the start, so
  ``22:00 06:00`` is one night;
* ``2026-12-24 18:00``, ``2026-12-24T18:00`` or ``2026-12-24`` (midnight);
* any of the clock forms with ``Z`` or an offset such as ``+01:00``, which is honoured;
  without one, the time is the user's own wall-clock time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from commands.parsing import UsageError, truncate_word
from commands.slack_text import user_id
from workflows.durations import parse_duration
from workflows.policy import Policy


class OnCallUsageError(UsageError):
    """``/oncall`` text that cannot be understood; answered with the ``/oncall`` usage."""


# Commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowOnCall:
    pass


@dataclass(frozen=True)
class ShowSchedule:
    rotation: str


@dataclass(frozen=True)
class SetOverride:
    user_id: str
    starts: Moment
    ends: Moment
    rotation: str


@dataclass(frozen=True)
class CancelOverride:
    override_id: int


@dataclass(frozen=True)
class NotConfigured:
    """Any on-call question asked while the policy lists no rotation."""


@dataclass(frozen=True)
class Help:
    pass


OnCallCommand = ShowOnCall | ShowSchedule | SetOverride | CancelOverride | NotConfigured | Help


# Moments: a typed time, not yet an instant ----------------------------------------------


@dataclass(frozen=True)
class Now:
    pass


@dataclass(frozen=True)
class Later:
    """``+2h``: after the start (for an end) or after now (for a start)."""

    span: timedelta


@dataclass(frozen=True)
class ClockTime:
    """``18:00``: a time of day with no date; ``zone`` None means the user's."""

    time: time
    zone: tzinfo | None


@dataclass(frozen=True)
class Dated:
    """``2026-12-24 18:00``: a calendar date and time; ``zone`` None means the user's."""

    when: datetime
    zone: tzinfo | None


Moment = Now | Later | ClockTime | Dated

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE)
_DATE_TIME = re.compile(rf"{_DATE.pattern}T(.+)", re.IGNORECASE)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
_ID = re.compile(r"#?(\d{1,9})")
_TOKENS = re.compile(r"<[^<>]*>|\S+")

_OVERRIDE_FORM = "`/oncall override @user <start> <end> [rotation]`"
_EXAMPLE = "such as `/oncall override @bob now +4h` or `/oncall override @bob 22:00 06:00`"


def parse_oncall_command(text: str, policy: Policy) -> OnCallCommand:
    words = _TOKENS.findall(text)
    verb = words[0].lower() if words else ""
    rest = words[1:]
    if verb in ("help", "-h", "--help"):
        return Help()
    if verb not in ("", "now", "who", "status", "schedule", "override"):
        raise OnCallUsageError(f"I don't know `/oncall {truncate_word(words[0])}`.")
    if not policy.oncall.rotations:
        return NotConfigured()
    if verb == "schedule":
        if len(rest) > 1:
            raise OnCallUsageError("`/oncall schedule` takes at most one rotation name.")
        return ShowSchedule(_rotation(rest[0] if rest else None, policy))
    if verb == "override":
        return _parse_override(rest, policy)
    if rest:
        raise OnCallUsageError(
            f"`/oncall {verb}` takes nothing after it; try `/oncall schedule {rest[0]}` "
            "for one rotation."
        )
    return ShowOnCall()


def _parse_override(words: list[str], policy: Policy) -> SetOverride | CancelOverride:
    if words and words[0].lower() == "cancel":
        match = _ID.fullmatch(words[1]) if len(words) == 2 else None
        if match is None:
            raise OnCallUsageError(
                "Say which override to cancel by its id: `/oncall override cancel 12` "
                "(`/oncall schedule` lists the ids)."
            )
        return CancelOverride(int(match.group(1)))
    if not words:
        raise OnCallUsageError(f"Say who covers and when: {_OVERRIDE_FORM}, {_EXAMPLE}.")
    who = user_id(words[0])
    if who is None:
        raise OnCallUsageError(
            f"`{truncate_word(words[0])}` is not a Slack user; "
            f"name who covers with an @-mention, {_EXAMPLE}."
        )
    starts, position = _moment(words, 1, "start")
    ends, position = _moment(words, position, "end")
    rest = words[position:]
    if len(rest) > 1:
        raise OnCallUsageError(
            f"I don't understand `{truncate_word(' '.join(rest))}`; "
            f"after the end comes only a rotation name: {_OVERRIDE_FORM}."
        )
    return SetOverride(who, starts, ends, _rotation(rest[0] if rest else None, policy))


def _moment(words: list[str], position: int, what: str) -> tuple[Moment, int]:
    """The moment written at ``words[position]`` (two words for ``date time``), and what follows."""
    if position >= len(words):
        raise OnCallUsageError(
            f"The override needs a start and an end: {_OVERRIDE_FORM}, {_EXAMPLE}."
        )
    word = words[position]
    lowered = word.lower()
    if lowered == "now":
        return Now(), position + 1
    if word.startswith("+"):
        try:
            return Later(parse_duration(word[1:])), position + 1
        except ValueError as error:
            raise OnCallUsageError(f"The {what} `{truncate_word(word)}`: {error}.") from None
    if _TIME.fullmatch(word):
        clock, zone = _clock(word, what)
        return ClockTime(clock, zone), position + 1
    if match := _DATE_TIME.fullmatch(word):
        day = _date(match, word, what)
        clock, zone = _clock(match.group(4), what, whole=word)
        return Dated(datetime.combine(day, clock), zone), position + 1
    if match := _DATE.fullmatch(word):
        day = _date(match, word, what)
        following = words[position + 1] if position + 1 < len(words) else ""
        if _TIME.fullmatch(following):
            clock, zone = _clock(following, what)
            return Dated(datetime.combine(day, clock), zone), position + 2
        return Dated(datetime.combine(day, time()), None), position + 1
    raise OnCallUsageError(
        f"The {what} `{truncate_word(word)}` is not a time I read. Write `now`, `18:00`, "
        "`2026-12-24 18:00` (or with `T`, `Z` or an offset such as `+01:00`), "
        "or for the end a length such as `+12h`."
    )


def _date(match: re.Match[str], word: str, what: str) -> date:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise OnCallUsageError(
            f"The {what} `{truncate_word(word)}` is not a date; write it as YYYY-MM-DD."
        ) from None


def _clock(word: str, what: str, *, whole: str | None = None) -> tuple[time, tzinfo | None]:
    match = _TIME.fullmatch(word)
    if match is None:
        raise OnCallUsageError(
            f"The {what} `{truncate_word(whole or word)}` is not a time; "
            "write it as HH:MM, such as 18:00."
        )
    hour, minute, second, offset = match.groups()
    return time(int(hour), int(minute), int(second or 0)), _zone(offset, whole or word, what)


def _zone(offset: str | None, word: str, what: str) -> tzinfo | None:
    if offset is None:
        return None
    if offset.upper() == "Z":
        return UTC
    match = _OFFSET.fullmatch(offset)
    assert match is not None  # _TIME only matches offsets of this shape
    sign, hours, minutes = match.groups()
    span = timedelta(hours=int(hours), minutes=int(minutes))
    if span >= timedelta(hours=24) or int(minutes) >= 60:
        raise OnCallUsageError(f"The {what} `{truncate_word(word)}` has an impossible offset.")
    return timezone(-span if sign == "-" else span)


def _rotation(name: str | None, policy: Policy) -> str:
    oncall = policy.oncall
    if name is None:
        assert oncall.default_rotation is not None  # set whenever rotations are listed
        return oncall.default_rotation
    wanted = name.lower()
    if wanted in {rotation.name for rotation in oncall.rotations}:
        return wanted
    known = ", ".join(f"`{rotation.name}`" for rotation in oncall.rotations)
    raise OnCallUsageError(f"There is no rotation `{truncate_word(name)}`. Rotations: {known}.")


# From moments to instants --------------------------------------------------------


def resolve_window(
    starts: Moment, ends: Moment, zone: tzinfo, now: datetime
) -> tuple[datetime, datetime]:
    """The UTC instants a user in ``zone`` meant at ``now``.

    ``now`` is taken to the whole minute, so a repeated "now" names the same instant.
    Wall times that a daylight-saving change skips or repeats are read as Python
    does with ``fold=0``: a skipped time is an hour later, a repeated one the first.
    """
    current = now.astimezone(UTC).replace(second=0, microsecond=0)
    try:
        start = _instant(starts, zone, current, anchor=None)
        end = _instant(ends, zone, current, anchor=start)
    except OverflowError:
        raise OnCallUsageError("That is too far in the future for an override.") from None
    return start, end


def _instant(moment: Moment, zone: tzinfo, now: datetime, anchor: datetime | None) -> datetime:
    """``anchor`` is the start, when resolving an end: relative times count from it."""
    match moment:
        case Now():
            return now
        case Later(span=span):
            return (anchor or now) + span
        case Dated(when=when, zone=own):
            return when.replace(tzinfo=own or zone).astimezone(UTC)
        case ClockTime(time=clock, zone=own):
            local_zone = own or zone
            base = (anchor or now).astimezone(local_zone)
            candidate = datetime.combine(base.date(), clock, tzinfo=local_zone)
            if anchor is not None and candidate <= anchor:
                candidate = datetime.combine(base.date() + timedelta(days=1), clock, local_zone)
            return candidate.astimezone(UTC)
