"""The on-call part of the policy file: rotations, their shifts, weekend coverage.

Wall-clock settings (handoff, weekend window) are read in the rotation's own IANA
time zone, so they keep their local meaning across daylight-saving changes; the
arithmetic that turns them into instants lives in ``workflows.rotations``.

Validators raise ``PydanticCustomError`` rather than ``ValueError`` so an operator
sees ``oncall.rotations.0.time_zone: unknown time zone 'Europe/Berln'`` with no
"Value error," prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from workflows.durations import Duration, format_duration, problem
from workflows.policy_types import ChannelId, Key
from workflows.policy_types import Strict as _Strict

MINUTES_PER_WEEK = 7 * 24 * 60
MAX_WEEKEND = timedelta(days=6)
MIN_SHIFT = timedelta(days=1)
MAX_SHIFT = timedelta(weeks=4)
MAX_MEMBERS = 100

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_USERGROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


# Weekly wall-clock times -------------------------------------------------------


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as ``date.weekday()`` counts, so dates can be matched to it."""
        return list(Weekday).index(self)


def _clock_input(value: object) -> time:
    """Accept "HH:MM" (24 h) or a whole-minute naive ``time``.

    YAML 1.1 reads an unquoted 18:00 as the base-60 number 1080, so numbers get a
    message that says to quote the time instead of being guessed at.
    """
    if isinstance(value, time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise problem("wall_time", "a time must be a whole minute with no time zone")
        return value
    if isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        return time(int(match[1]), int(match[2]))
    if isinstance(value, int) and not isinstance(value, bool):
        raise problem(
            "wall_time",
            "write the time in quotes, such as '18:00': YAML reads an unquoted "
            "18:00 as the number 1080",
        )
    raise problem("wall_time", f"{value!r} is not a 24-hour time 'HH:MM', such as '09:00'")


WallTime = Annotated[
    time,
    BeforeValidator(_clock_input),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}),
]


class WeeklyTime(_Strict):
    """A local wall-clock moment that recurs every week, such as Friday 18:00."""

    day: Weekday
    time: WallTime

    @property
    def minute_of_week(self) -> int:
        """Minutes since Monday 00:00, so two weekly times can be compared and subtracted."""
        return self.day.number * 24 * 60 + self.time.hour * 60 + self.time.minute

    def __str__(self) -> str:
        return f"{self.day.value} {self.time.strftime('%H:%M')}"


# People -------------------------------------------------------------------------


def _member(value: str) -> str:
    """Members are named the way Slack or the directory knows them, nothing looser."""
    if _USER_ID.fullmatch(value) or _EMAIL.fullmatch(value):
        return value
    raise problem("member", f"{value!r} is neither a Slack user id (U… or W…) nor an email address")


def _escalatee(value: str) -> str:
    """A manager is a person; a team is a Slack user group."""
    if _USER_ID.fullmatch(value) or _USERGROUP_ID.fullmatch(value) or _EMAIL.fullmatch(value):
        return value
    raise problem(
        "escalatee",
        f"{value!r} is not a Slack user id (U… or W…), user group id (S…) or email address",
    )


Member = Annotated[str, AfterValidator(_member)]
"""A Slack user id (``U…``/``W…``) or an email address."""
Escalatee = Annotated[str, AfterValidator(_escalatee)]
"""A manager (user id or email) or a Slack user group id (``S…``)."""


def _unique(values: Iterable[str], what: str) -> None:
    """Refuse repeats; emails are compared without case, as mail servers do in practice."""
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for value in values:
        folded = value.casefold() if "@" in value else value
        if folded in seen and value not in repeated:
            repeated.append(value)
        seen.setdefault(folded, value)
    if repeated:
        raise problem("unique", f"{what} must be unique; repeated: {', '.join(repeated)}")


# Rotations ------------------------------------------------------------------------


class WeekendCoverage(_Strict):
    """A weekly window, Friday evening to Monday morning by default, with its own turn order."""

    starts: WeeklyTime = WeeklyTime(day=Weekday.friday, time=time(18, 0))
    ends: WeeklyTime = WeeklyTime(day=Weekday.monday, time=time(9, 0))
    members: tuple[Member, ...] = Field(
        default=(),
        max_length=MAX_MEMBERS,
        description="Empty: the weekday members take weekends in turn, counted separately.",
    )

    @field_validator("members")
    @classmethod
    def _members_unique(cls, members: tuple[str, ...]) -> tuple[str, ...]:
        _unique(members, "weekend members")
        return members

    @model_validator(mode="after")
    def _sensible_window(self) -> Self:
        if self.starts == self.ends:
            raise problem(
                "weekend", f"the weekend starts and ends at the same time ({self.starts})"
            )
        if self.length > MAX_WEEKEND:
            raise problem(
                "weekend",
                f"the weekend from {self.starts} to {self.ends} is longer than 6 days; "
                "leave at least a day of weekday coverage",
            )
        return self

    @property
    def length(self) -> timedelta:
        """Wall-clock length of the window (real length differs by an hour across DST)."""
        minutes = (self.ends.minute_of_week - self.starts.minute_of_week) % MINUTES_PER_WEEK
        return timedelta(minutes=minutes)


class Rotation(_Strict):
    """Ordered members taking turns, handing off at a local wall-clock time."""

    name: Key
    time_zone: str = Field(description="IANA name, such as 'Europe/Berlin'.")
    members: tuple[Member, ...]
    handoff: WeeklyTime = WeeklyTime(day=Weekday.monday, time=time(9, 0))
    shift: Duration = timedelta(weeks=1)
    weekend: WeekendCoverage | None = WeekendCoverage()
    starts_on: date = Field(
        default=date(2026, 1, 5),
        description="members[0] takes the first handoff on or after this date.",
    )
    channel: ChannelId | None = Field(default=None, description="Where handoff digests go.")
    escalate_to: Escalatee | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise problem("time_zone", f"unknown time zone {name!r}") from None
        return name

    @field_validator("members")
    @classmethod
    def _members_fit(cls, members: tuple[str, ...]) -> tuple[str, ...]:
        if not 1 <= len(members) <= MAX_MEMBERS:
            raise problem(
                "members", f"a rotation needs 1 to {MAX_MEMBERS} members; got {len(members)}"
            )
        _unique(members, "members")
        return members

    @field_validator("shift")
    @classmethod
    def _whole_days(cls, shift: timedelta) -> timedelta:
        if shift % timedelta(days=1):
            raise problem(
                "shift",
                f"a shift is a whole number of days, such as '1d' or '1w'; "
                f"got {format_duration(shift)!r}",
            )
        if not MIN_SHIFT <= shift <= MAX_SHIFT:
            raise problem("shift", f"a shift lasts from 1d to 4w; got {format_duration(shift)!r}")
        return shift

    @property
    def zone(self) -> ZoneInfo:
        """The rotation's time zone, already known to exist."""
        return ZoneInfo(self.time_zone)

    @property
    def shift_days(self) -> int:
        """Shifts are whole days, so handoffs can be counted on the local calendar."""
        return self.shift.days


class OnCallPolicy(_Strict):
    """The rotations, which one answers by default, and which one each domain pages."""

    rotations: tuple[Rotation, ...] = Field(default=(), max_length=100)
    default_rotation: Key | None = Field(
        default=None,
        validate_default=True,
        description="Defaults to the first rotation.",
    )
    domain_rotations: dict[Key, Key] = Field(
        default_factory=dict, description="Incident domain key -> rotation name."
    )

    @field_validator("rotations")
    @classmethod
    def _names_unique(cls, rotations: tuple[Rotation, ...]) -> tuple[Rotation, ...]:
        _unique((rotation.name for rotation in rotations), "rotation names")
        return rotations

    @field_validator("default_rotation")
    @classmethod
    def _default_is_listed(cls, name: str | None, info: ValidationInfo) -> str | None:
        rotations: tuple[Rotation, ...] | None = info.data.get("rotations")
        if rotations is None:  # rotations were invalid; that error is reported already
            return name
        if name is None:
            return rotations[0].name if rotations else None
        if name not in {rotation.name for rotation in rotations}:
            raise problem("rotation", f"default_rotation {name!r} is not a listed rotation")
        return name

    @field_validator("domain_rotations")
    @classmethod
    def _mapped_rotations_exist(
        cls, mapping: dict[str, str], info: ValidationInfo
    ) -> dict[str, str]:
        rotations: tuple[Rotation, ...] | None = info.data.get("rotations")
        if rotations is None:
            return mapping
        names = {rotation.name for rotation in rotations}
        unknown = [f"{domain} -> {name}" for domain, name in mapping.items() if name not in names]
        if unknown:
            raise problem(
                "rotation", f"these domains name no listed rotation: {', '.join(unknown)}"
            )
        return mapping

    def rotation(self, name: str) -> Rotation:
        """The rotation called ``name``; a KeyError names it when there is none."""
        for rotation in self.rotations:
            if rotation.name == name:
                return rotation
        raise KeyError(f"no rotation named {name!r}")

    def rotation_for_domain(self, domain: str) -> Rotation | None:
        """Who to page for an incident in ``domain``: its mapped rotation, else the default."""
        name = self.domain_rotations.get(domain, self.default_rotation)
        return None if name is None else self.rotation(name)
