"""A start for the sandbox that does not depend on when the tests run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SATURDAY = 5


def next_saturday_noon(now: datetime | None = None) -> datetime:
    """Saturday noon UTC after ``now``: no weekday shift is running, so the sandbox's story
    starts at its on-call's next Monday shift (10:00 Berlin), whatever the real time."""
    now = now or datetime.now(UTC)
    days = (SATURDAY - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)
