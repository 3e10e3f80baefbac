"""Spans of time as operators write them in the policy file and in commands: "5m", "2h30m", "1w"."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_DURATION = re.compile(r"(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?")
_UNITS = (("w", timedelta(weeks=1)), ("d", timedelta(days=1)), ("h", timedelta(hours=1)))


def problem(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the operator exactly as written."""
    return PydanticCustomError(kind, message)


def parse_duration(text: str) -> timedelta:
    """Read the compact form operators write ("5m", "2h", "1d", "1w", "1h30m").

    Units are w, d, h, m, largest first, each at most once; the result is positive.
    """
    compact = text.strip()
    match = _DURATION.fullmatch(compact)
    if not compact or match is None:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit (w, d, h, m), "
            "largest unit first, such as '30m', '2h', '1h30m', '1d' or '1w'"
        )
    weeks, days, hours, minutes = (int(part or 0) for part in match.groups())
    try:
        parsed = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None
    if parsed <= timedelta(0):
        raise ValueError(f"duration {text!r} must be longer than zero")
    return parsed


def format_duration(value: timedelta) -> str:
    """The compact form ``parse_duration`` reads back (90 minutes is "1h30m")."""
    if value <= timedelta(0) or value % timedelta(minutes=1):
        raise ValueError(f"{value} is not a positive whole number of minutes")
    parts: list[str] = []
    rest = value
    for unit, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    if rest:
        parts.append(f"{rest // timedelta(minutes=1)}m")
    return "".join(parts)


def format_span(value: timedelta) -> str:
    """How long something took or waited, for people: whole minutes, at least "1m"."""
    return format_duration(max(value // timedelta(minutes=1), 1) * timedelta(minutes=1))


def _duration_input(value: object) -> timedelta:
    """Accept the compact string (from YAML) or a timedelta (from code); nothing else.

    Plain numbers are refused: "shift: 7" would otherwise silently mean seven seconds.
    """
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError as error:
            raise problem("duration", str(error)) from None
    if isinstance(value, timedelta):
        if value <= timedelta(0) or value % timedelta(minutes=1):
            raise problem("duration", "a duration must be a positive whole number of minutes")
        return value
    raise problem("duration", "expected a duration with a unit, such as '30m', '2h', '1d' or '1w'")


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration_input),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?$"}),
]
"""A positive span written "5m", "2h", "1d", "1w" or "1h30m"; a ``timedelta`` in code."""
