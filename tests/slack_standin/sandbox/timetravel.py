"""The clock widget: what a visitor types ("+15 minutes", "to Friday 18:00") as an instant.

The sandbox only reads the text; moving time (and letting the app catch up with it) is
the :data:`TimeTravel` callable the sandbox is given. Wall-clock times are read in the
visitor's own time zone, as Slack shows times.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TimeTravel = Callable[[datetime], object]
"""Moves the shared clock forward to the given (aware) instant."""

HELP = (
    "Write a step such as +15m, +1h30m, +2 days, or a moment such as "
    "'to Friday 18:00', '18:00' or '2026-12-01 09:00'."
)
_UNITS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_STEP = re.compile(r"(\d+)\s*([a-z]+)")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?$")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ t](.+))?$")


class BadJump(ValueError):
    """The text names no moment ahead of now; the message says how to write one."""


def _step(text: str) -> timedelta | None:
    body = text.removeprefix("+").replace(" ", "")
    if not body or _STEP.sub("", body):
        return None
    seconds = 0
    for amount, unit in _STEP.findall(body):
        if unit not in _UNITS:
            raise BadJump(f"unknown unit {unit!r}. {HELP}")
        seconds += int(amount) * _UNITS[unit]
    return timedelta(seconds=seconds)


def _clock(text: str) -> time:
    match = _CLOCK.match(text.strip())
    if match is None:
        raise BadJump(f"{text!r} is not a time of day like 18:00. {HELP}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise BadJump(f"{text!r} is not a time of day. {HELP}")
    return time(hour, minute)


def _next_weekday(now_local: datetime, weekday: int, at: time) -> datetime:
    days = (weekday - now_local.weekday()) % 7
    candidate = datetime.combine(now_local.date() + timedelta(days), at, now_local.tzinfo)
    return candidate if candidate > now_local else candidate + timedelta(weeks=1)


def _moment(text: str, now_local: datetime) -> datetime:
    words = text.split(maxsplit=1)
    day = next((i for i, name in enumerate(_DAYS) if words and name.startswith(words[0])), None)
    if day is not None and len(words[0]) >= 3:
        return _next_weekday(now_local, day, _clock(words[1] if len(words) > 1 else "00:00"))
    dated = _DATE.match(text)
    if dated is not None:
        year, month, day_of_month, rest = dated.groups()
        try:
            on = date(int(year), int(month), int(day_of_month))
        except ValueError as error:
            raise BadJump(f"{text!r}: {error}. {HELP}") from None
        return datetime.combine(on, _clock(rest or "00:00"), now_local.tzinfo)
    at = _clock(text)
    candidate = datetime.combine(now_local.date(), at, now_local.tzinfo)
    return candidate if candidate > now_local else candidate + timedelta(days=1)


def target(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The instant ``text`` names, after ``now``; BadJump (with how to write it) otherwise."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise BadJump(HELP)
    step = _step(cleaned)
    if step is not None:
        if step <= timedelta(0):
            raise BadJump(f"the clock only moves forward. {HELP}")
        return now + step
    moment = _moment(cleaned.removeprefix("to "), now.astimezone(zone))
    if moment <= now:
        raise BadJump(f"{text.strip()!r} is not ahead of the sandbox's time. {HELP}")
    return moment
