"""Times typed in commands, read in the typing user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.when import BadTime, parse_when

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 17:00", datetime(2026, 12, 1, 16, 0, tzinfo=UTC)),
        ("2026-12-01T17:00", datetime(2026, 12, 1, 16, 0, tzinfo=UTC)),
        ("2026-07-01 9:05", datetime(2026, 7, 1, 7, 5, tzinfo=UTC)),
        ("2026-12-01T17:00Z", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("2026-12-01T17:00-05:00", datetime(2026, 12, 1, 22, 0, tzinfo=UTC)),
        ("+3d", NOW + timedelta(days=3)),
        ("in 2h30m", NOW + timedelta(hours=2, minutes=30)),
        ("now", NOW),
    ],
)
def test_readable_times(text: str, expected: datetime) -> None:
    assert parse_when(text, BERLIN, NOW) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2026-12-01", "+3 days", "2026-13-01 10:00", ""])
def test_unreadable_times_say_how_to_write_one(text: str) -> None:
    with pytest.raises(BadTime, match=r"`2026-12-01 17:00`|time from now|no time of day"):
        parse_when(text, BERLIN, NOW)
