"""Who is on call when: pure functions of a rotation, an instant and the overrides.

Time is always passed in. Rules are wall-clock rules in the rotation's time zone
(a Monday 09:00 handoff stays at 09:00 local across daylight-saving changes, so a
shift spanning a change is an hour shorter or longer in real time); every instant
that comes back is an aware UTC datetime.

A rotation's own *turns* partition time: weekend windows, and the parts of weekday
shifts between them. Overrides then cut turns into pieces. A ``Shift`` is a maximal
piece with the same people: pieces inside overrides merge across turn boundaries
when nothing changes, but two plain turns are always two shifts, even when a
one-member rotation hands off to the same person (so every shift is finite).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from workflows.oncall_policy import Rotation, WeekendCoverage, WeeklyTime

Coverage = Literal["weekday", "weekend"]
_TICK = timedelta(microseconds=1)


def _utc(value: datetime, what: str) -> datetime:
    """Refuse naive datetimes: a wall time without a zone names no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware; got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Override:
    """A cover or swap: ``user`` is primary in [starts_at, ends_at)."""

    rotation: str
    user: str
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        starts = _utc(self.starts_at, "override starts_at")
        ends = _utc(self.ends_at, "override ends_at")
        if ends <= starts:
            raise ValueError(
                f"an override must end after it starts; got {starts.isoformat()} "
                f"to {ends.isoformat()}"
            )
        object.__setattr__(self, "starts_at", starts)
        object.__setattr__(self, "ends_at", ends)


@dataclass(frozen=True)
class Shift:
    """Who is primary and backup over [starts_at, ends_at), in UTC."""

    rotation: str
    primary: str
    backup: str | None
    starts_at: datetime
    ends_at: datetime
    coverage: Coverage
    overridden: bool


# Local wall time to instants ----------------------------------------------------


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time.

    An ambiguous time (fall-back) is its first occurrence; a time that does not exist
    (spring-forward gap) is the instant the gap ends, when the clock jumps past it.
    """
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == local:
        return first
    return _gap_end(local, zone)


def _gap_end(local: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant of the gap ``local`` falls in, by bisection on seconds.

    zoneinfo offers no transition lookup, but with fold=1 a gap time maps to an
    instant just before the jump and with fold=0 to one just after it.
    """
    early = math.floor(local.replace(tzinfo=zone, fold=1).timestamp())
    late = math.ceil(local.replace(tzinfo=zone, fold=0).timestamp())
    while late - early > 1:
        middle = (early + late) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) > local:
            late = middle
        else:
            early = middle
    return datetime.fromtimestamp(late, UTC)


def next_weekly(moment: WeeklyTime, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after ``after`` when it is ``moment`` on ``zone``'s clock."""
    day = _first_on_or_after(_wall(after, zone).date(), moment.day.number)
    while True:
        candidate = _instant(datetime.combine(day, moment.time), zone)
        if candidate > after:
            return candidate
        day += timedelta(days=7)


def _first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


# The rotation's own turns -------------------------------------------------------


def _handoff(rotation: Rotation, n: int) -> datetime:
    """Start of weekday shift n, counted from the first handoff on/after starts_on."""
    first = _first_on_or_after(rotation.starts_on, rotation.handoff.day.number)
    day = first + timedelta(days=n * rotation.shift_days)
    return _instant(datetime.combine(day, rotation.handoff.time), rotation.zone)


def _shift_number(rotation: Rotation, at: datetime) -> int:
    """The weekday shift whose handoffs surround ``at`` (negative before the first)."""
    first = _first_on_or_after(rotation.starts_on, rotation.handoff.day.number)
    n = (at.astimezone(rotation.zone).date() - first).days // rotation.shift_days
    while _handoff(rotation, n) > at:
        n -= 1
    while _handoff(rotation, n + 1) <= at:
        n += 1
    return n


def _weekend(rotation: Rotation, weekend: WeekendCoverage, k: int) -> tuple[datetime, datetime]:
    """Weekend window k as UTC instants, counted from the first starting on/after starts_on."""
    first = _first_on_or_after(rotation.starts_on, weekend.starts.day.number)
    local = datetime.combine(first + timedelta(weeks=k), weekend.starts.time)
    return _instant(local, rotation.zone), _instant(local + weekend.length, rotation.zone)


def _weekend_number(rotation: Rotation, weekend: WeekendCoverage, at: datetime) -> int:
    """The last weekend window that starts at or before ``at``."""
    first = _first_on_or_after(rotation.starts_on, weekend.starts.day.number)
    k = (at.astimezone(rotation.zone).date() - first).days // 7
    while _weekend(rotation, weekend, k)[0] > at:
        k -= 1
    while _weekend(rotation, weekend, k + 1)[0] <= at:
        k += 1
    return k


def _turn(
    rotation: Rotation,
    pool: tuple[str, ...],
    index: int,
    span: tuple[datetime, datetime],
    coverage: Coverage,
) -> Shift:
    """Pool member ``index`` is primary and the next one backup, wrapping around."""
    backup = pool[(index + 1) % len(pool)] if len(pool) > 1 else None
    return Shift(rotation.name, pool[index % len(pool)], backup, *span, coverage, False)


def _rotation_turn(rotation: Rotation, at: datetime) -> Shift:
    """The rotation's own turn at ``at``: a weekend window or a weekday shift between them."""
    n = _shift_number(rotation, at)
    starts, ends = _handoff(rotation, n), _handoff(rotation, n + 1)
    weekend = rotation.weekend
    if weekend is not None:
        k = _weekend_number(rotation, weekend, at)
        window = _weekend(rotation, weekend, k)
        if at < window[1]:
            return _turn(rotation, weekend.members or rotation.members, k, window, "weekend")
        starts = max(starts, window[1])
        ends = min(ends, _weekend(rotation, weekend, k + 1)[0])
    return _turn(rotation, rotation.members, n, (starts, ends), "weekday")


# Overrides ------------------------------------------------------------------------


def _covering_user(overrides: Sequence[Override], at: datetime) -> str | None:
    """The override in force at ``at``: the latest-starting, then the latest listed."""
    active = [
        (override.starts_at, position, override.user)
        for position, override in enumerate(overrides)
        if override.starts_at <= at < override.ends_at
    ]
    return max(active)[2] if active else None


def _covered(turn: Shift, user: str | None, starts: datetime, ends: datetime) -> Shift:
    """``user`` takes over as primary; covering for one's own backup swaps the two."""
    if user is None:
        return replace(turn, starts_at=starts, ends_at=ends)
    backup = turn.primary if user == turn.backup else turn.backup
    return replace(
        turn, primary=user, backup=backup, starts_at=starts, ends_at=ends, overridden=True
    )


def _piece(rotation: Rotation, overrides: Sequence[Override], at: datetime) -> Shift:
    """The part of the turn at ``at`` where the same override (or none) is in force."""
    turn = _rotation_turn(rotation, at)
    edges = sorted(
        {turn.starts_at, turn.ends_at}
        | {
            edge
            for override in overrides
            for edge in (override.starts_at, override.ends_at)
            if turn.starts_at < edge < turn.ends_at
        }
    )
    spans = list(pairwise(edges))
    users = [_covering_user(overrides, starts) for starts, _ in spans]
    here = next(i for i, (starts, ends) in enumerate(spans) if starts <= at < ends)
    first = last = here
    while first > 0 and users[first - 1] == users[here]:
        first -= 1
    while last + 1 < len(spans) and users[last + 1] == users[here]:
        last += 1
    return _covered(turn, users[here], spans[first][0], spans[last][1])


def _same_people(a: Shift, b: Shift) -> bool:
    return (a.primary, a.backup, a.coverage, a.overridden) == (
        b.primary,
        b.backup,
        b.coverage,
        b.overridden,
    )


def _for_rotation(rotation: Rotation, overrides: Sequence[Override]) -> list[Override]:
    return [override for override in overrides if override.rotation == rotation.name]


def _shift_at(rotation: Rotation, overrides: Sequence[Override], at: datetime) -> Shift:
    """The piece at ``at``, merged with neighbours that an override keeps the same.

    Only overridden pieces merge across turns, so the loops end at the overrides' edges.
    """
    shift = _piece(rotation, overrides, at)
    if not shift.overridden:
        return shift
    while _same_people(after := _piece(rotation, overrides, shift.ends_at), shift):
        shift = replace(shift, ends_at=after.ends_at)
    while _same_people(before := _piece(rotation, overrides, shift.starts_at - _TICK), shift):
        shift = replace(shift, starts_at=before.starts_at)
    return shift


# Public API ----------------------------------------------------------------------


def on_call(rotation: Rotation, at: datetime, overrides: Sequence[Override] = ()) -> Shift:
    """The shift covering ``at``, whole (not clipped to ``at``)."""
    return _shift_at(rotation, _for_rotation(rotation, overrides), _utc(at, "at"))


def shifts_between(
    rotation: Rotation, start: datetime, end: datetime, overrides: Sequence[Override] = ()
) -> list[Shift]:
    """The shifts covering [start, end) in order, the first and last clipped to it."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    mine = _for_rotation(rotation, overrides)
    shifts: list[Shift] = []
    moment = start
    while moment < end:
        shift = _shift_at(rotation, mine, moment)
        shifts.append(
            replace(shift, starts_at=max(shift.starts_at, start), ends_at=min(shift.ends_at, end))
        )
        moment = shift.ends_at
    return shifts


def next_change(rotation: Rotation, after: datetime, overrides: Sequence[Override] = ()) -> Shift:
    """The shift that follows the one covering ``after``: who takes over, and when."""
    mine = _for_rotation(rotation, overrides)
    current = _shift_at(rotation, mine, _utc(after, "after"))
    return _shift_at(rotation, mine, current.ends_at)


def weekend_windows(
    rotation: Rotation, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Weekend (handoff, handback) instants in UTC, for scheduling the digests.

    Lists every window that starts or ends in [start, end) or spans it, unclipped, so
    the scheduler sees real handoff instants; none when the rotation has no weekend.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    weekend = rotation.weekend
    if weekend is None or end == start:
        return []
    windows: list[tuple[datetime, datetime]] = []
    k = _weekend_number(rotation, weekend, start)
    while (window := _weekend(rotation, weekend, k))[0] < end:
        if window[1] >= start and window[0] < window[1]:
            windows.append(window)
        k += 1
    return windows
