"""Reading a moment typed in a command: "2026-12-01 17:00", "2026-12-01T17:00Z", "+3d", "now".

Without an explicit offset a time is in the typing user's own time zone (Slack tells
us which), because that is the clock they were looking at.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from commands.text import quoted
from workflows.durations import parse_duration

_LOCAL = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})")
EXAMPLES = "`2026-12-01 17:00`, `2026-12-01T17:00+01:00`, `+3d` or `now`"


class BadTime(ValueError):
    """The text is not a moment; the message says how to write one."""


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The UTC instant ``text`` names, or :class:`BadTime` saying how to write one."""
    try:
        return _parse(text.strip(), zone, now)
    except OverflowError:
        # "+999999999d", or year 1 or 9999 shifted past the calendar's edge by a zone.
        raise BadTime(f"`{quoted(text.strip(), 60)}` is too far from today.") from None


def _parse(cleaned: str, zone: ZoneInfo, now: datetime) -> datetime:
    if cleaned.lower() == "now":
        return now
    relative = cleaned.removeprefix("in ").strip()
    if relative.startswith("+") or cleaned.lower().startswith("in "):
        try:
            return now + parse_duration(relative.lstrip("+"))
        except ValueError as error:
            raise BadTime(f"`{quoted(cleaned, 60)}` is not a time from now: {error}.") from None
    local = _LOCAL.fullmatch(cleaned)
    try:
        if local:
            naive = datetime.fromisoformat(f"{local.group(1)}T{local.group(2).zfill(5)}")
            return naive.replace(tzinfo=zone).astimezone(UTC)
        parsed = datetime.fromisoformat(cleaned.replace("z", "Z"))
    except ValueError:
        raise BadTime(
            f"`{quoted(cleaned, 60)}` is not a time I can read. Write {EXAMPLES}."
        ) from None
    if parsed.tzinfo is None:
        if len(cleaned) == 10:
            raise BadTime(f"`{quoted(cleaned, 60)}` has no time of day. Write {EXAMPLES}.")
        return parsed.replace(tzinfo=zone).astimezone(UTC)
    return parsed.astimezone(UTC)
