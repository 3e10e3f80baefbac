"""Periods the reports cover: the last N days, this calendar quarter, or two explicit times.

A period is half-open, [start, end): an incident declared exactly at ``end`` belongs to
the next period, so consecutive periods (this week and the week before) never share one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

MAX_DAYS = 3650
"""The longest ``Nd`` period: ten years is more history than any report needs."""

PERIOD_WORDS = "`7d`, `30d`, `quarter`, `week` or any `Nd` up to `3650d`"

_DAYS = re.compile(r"([0-9]{1,5})d")


class BadPeriod(ValueError):
    """The period text or times cannot be used; the message says what was wrong."""


class Period(BaseModel):
    """A span of time, [start, end), in UTC, with a label for people ("last 7 days")."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime
    label: str

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")
        return self

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @classmethod
    def last_days(cls, days: int, end: datetime) -> Period:
        """The ``days`` days ending at ``end`` (usually now)."""
        if not 1 <= days <= MAX_DAYS:
            raise BadPeriod(
                f"a period is 1 to {MAX_DAYS} days long, not {days}; write {PERIOD_WORDS}"
            )
        end = _utc(end)
        label = "last day" if days == 1 else f"last {days} days"
        return cls(start=end - timedelta(days=days), end=end, label=label)

    @classmethod
    def quarter_to_date(cls, end: datetime) -> Period:
        """The calendar quarter (UTC) that ``end`` falls in, from its first day to ``end``."""
        end = _utc(end)
        first_month = 3 * ((end.month - 1) // 3) + 1
        start = datetime(end.year, first_month, 1, tzinfo=UTC)
        label = f"{end.year} Q{(first_month + 2) // 3} to date"
        if end == start:  # the first instant of a quarter: nothing of it has passed yet
            raise BadPeriod("the quarter has only just begun; ask for `7d` or `30d` instead")
        return cls(start=start, end=end, label=label)

    @classmethod
    def between(cls, since: datetime, until: datetime) -> Period:
        """Explicit times (naive ones are read as UTC)."""
        start, end = _utc(since), _utc(until)
        if end <= start:
            raise BadPeriod(f"the period must end after it starts ({_iso(start)} → {_iso(end)})")
        return cls(start=start, end=end, label=f"{_iso(start)} to {_iso(end)}")

    @classmethod
    def parse(cls, text: str, end: datetime) -> Period:
        """``7d``, ``30d``, ``Nd``, ``week`` (the last 7 days) or ``quarter``, ending at ``end``."""
        word = text.strip().lower()
        if word == "week":
            return cls.last_days(7, end)
        if word == "quarter":
            return cls.quarter_to_date(end)
        match = _DAYS.fullmatch(word)
        if match is None:
            raise BadPeriod(f"`{word[:20]}` is not a period; write {PERIOD_WORDS}")
        return cls.last_days(int(match.group(1)), end)

    def previous(self) -> Period:
        """The period of the same length just before this one (last week for this week)."""
        return Period.between(self.start - self.length, self.start)


def is_period_word(text: str) -> bool:
    """Whether ``text`` is meant as a period (so it is not read as a market code)."""
    word = text.strip().lower()
    return word in ("week", "quarter") or _DAYS.fullmatch(word) is not None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
