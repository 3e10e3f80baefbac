"""On-call answers backed by the database: overrides, who is on call now and next, schedules.

The rotation arithmetic is pure (``workflows.rotations``); this module adds what only
the database knows, the overrides people record, and hands back plain data. Members
come back as the policy writes them (Slack ids or emails): turning them into Slack
users is the caller's job, through the ``UserDirectory`` port.

Every function takes the caller's session and leaves committing to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import OnCallOverride
from workflows import rotations
from workflows.clock import Clock
from workflows.errors import AlreadyDone, InvalidInput, OverrideNotFound
from workflows.oncall_policy import MAX_SHIFT, Rotation
from workflows.policy import Policy
from workflows.rotations import Shift

MAX_AHEAD = timedelta(days=90)
"""How far ahead an override may end: far enough for holidays, near enough to stay current."""
SCHEDULE_DAYS = 14

# A turn lasts at most a shift plus a weekend, so overrides that ended longer ago than
# this cannot change where the current shift starts or ends.
_LOOKBACK = MAX_SHIFT + timedelta(weeks=1)
# Overrides end at most MAX_AHEAD after they are recorded; this reaches past any of them.
_HORIZON = MAX_AHEAD + MAX_SHIFT + timedelta(weeks=1)


@dataclass(frozen=True)
class OverrideRecord:
    """One stored override, as the listener shows it and cancels it."""

    id: int
    rotation: str
    user_id: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None


@dataclass(frozen=True)
class RotationStatus:
    """Who is on call in one rotation at a moment, and who takes over at the next handoff."""

    rotation: str
    current: Shift
    next: Shift


@dataclass(frozen=True)
class ScheduledShift:
    """A shift in a schedule, with the overrides (by id) that put its people there."""

    shift: Shift
    override_ids: tuple[int, ...]


# Overrides -----------------------------------------------------------------------


def add_override(
    session: Session,
    policy: Policy,
    rotation: str,
    user_id: str,
    starts_at: datetime,
    ends_at: datetime,
    actor: str,
    clock: Clock,
) -> OverrideRecord:
    """Record that ``user_id`` is primary in ``rotation`` over [starts_at, ends_at).

    The same override recorded twice while the first still stands (a Slack retry, a
    command typed twice) raises ``AlreadyDone`` rather than adding a second row, so
    cancelling one never leaves an identical twin in force.
    """
    _rotation(policy, rotation)
    now = clock.now()
    _check_window(starts_at, ends_at, now)
    if not user_id:
        raise InvalidInput("Say who covers, with an @-mention.", field="user")
    twin = session.scalar(
        select(OnCallOverride)
        .where(
            OnCallOverride.rotation == rotation,
            OnCallOverride.user_id == user_id,
            OnCallOverride.starts_at == starts_at,
            OnCallOverride.ends_at == ends_at,
            OnCallOverride.cancelled_at.is_(None),
        )
        .order_by(OnCallOverride.id)
    )
    if twin is not None:
        raise AlreadyDone(f"That override is already recorded as #{twin.id}; nothing changed.")
    row = OnCallOverride(
        rotation=rotation,
        user_id=user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    for moment, name in ((starts_at, "start"), (ends_at, "end")):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"override {name} must be timezone-aware; got {moment.isoformat()}")
    if ends_at <= starts_at:
        raise InvalidInput("The override must end after it starts.", field="end")
    if ends_at <= now:
        raise InvalidInput(
            "That override would already be over; give an end in the future "
            "(add a date, such as 2026-12-24 18:00, for another day).",
            field="end",
        )
    if ends_at - now > MAX_AHEAD:
        raise InvalidInput(
            f"An override may end at most {MAX_AHEAD.days} days ahead; "
            "change the rotation in the policy file for anything longer.",
            field="end",
        )


def cancel_override(session: Session, override_id: int, actor: str, clock: Clock) -> OverrideRecord:
    """Cancel an override; the rotation (or an older override) applies again.

    The row stays, with who cancelled it and when. Cancelling twice raises ``AlreadyDone``.
    """
    row = session.get(OnCallOverride, override_id, with_for_update=True)
    if row is None:
        raise OverrideNotFound(override_id)
    if row.cancelled_at is not None:
        raise AlreadyDone(f"Override #{override_id} was already cancelled; nothing changed.")
    row.cancelled_at = clock.now()
    row.cancelled_by = actor
    session.flush()
    return _record(row)


def active_overrides(
    session: Session, rotation: str, start: datetime, end: datetime
) -> list[rotations.Override]:
    """The rotation's overrides not cancelled and overlapping [start, end), oldest first.

    The order matters: when two overrides start together, the later one recorded wins.
    """
    return [_override(row) for row in _rows(session, rotation, start, end)]


def _rows(session: Session, rotation: str, start: datetime, end: datetime) -> list[OnCallOverride]:
    return list(
        session.scalars(
            select(OnCallOverride)
            .where(
                OnCallOverride.rotation == rotation,
                OnCallOverride.cancelled_at.is_(None),
                OnCallOverride.ends_at > start,
                OnCallOverride.starts_at < end,
            )
            .order_by(OnCallOverride.id)
        )
    )


# Who is on call ------------------------------------------------------------------


def status(session: Session, policy: Policy, at: datetime) -> list[RotationStatus]:
    """Every rotation's current shift and the one after it, in policy order."""
    answers: list[RotationStatus] = []
    for rotation in policy.oncall.rotations:
        overrides = active_overrides(session, rotation.name, at - _LOOKBACK, at + _HORIZON)
        current = rotations.on_call(rotation, at, overrides)
        following = rotations.next_change(rotation, at, overrides)
        answers.append(RotationStatus(rotation.name, current, following))
    return answers


def schedule(
    session: Session, policy: Policy, rotation: str, start: datetime, days: int = SCHEDULE_DAYS
) -> list[ScheduledShift]:
    """The shifts of [start, start + days), the first and last clipped, overrides applied."""
    found = _rotation(policy, rotation)
    end = start + timedelta(days=days)
    rows = _rows(session, rotation, start, end)
    overrides = [_override(row) for row in rows]
    return [
        ScheduledShift(shift, _responsible(shift, rows))
        for shift in rotations.shifts_between(found, start, end, overrides)
    ]


def on_call_for_domain(
    session: Session, policy: Policy, domain: str, at: datetime
) -> tuple[str, Shift] | None:
    """Who to page for an incident in ``domain``: its mapped rotation, else the default.

    None when no rotation is configured.
    """
    rotation = policy.oncall.rotation_for_domain(domain)
    if rotation is None:
        return None
    overrides = active_overrides(session, rotation.name, at - _LOOKBACK, at + _HORIZON)
    return rotation.name, rotations.on_call(rotation, at, overrides)


# Helpers -------------------------------------------------------------------------


def _rotation(policy: Policy, name: str) -> Rotation:
    try:
        return policy.oncall.rotation(name)
    except KeyError:
        known = ", ".join(r.name for r in policy.oncall.rotations) or "none configured"
        raise InvalidInput(
            f"There is no rotation {name!r}. Rotations: {known}.", field="rotation"
        ) from None


def _responsible(shift: Shift, rows: Sequence[OnCallOverride]) -> tuple[int, ...]:
    """The overrides in force somewhere in ``shift``.

    The winner only changes at an override's edge, so asking at the shift's start and
    at every edge inside it finds each one, by the rule ``rotations`` applies.
    """
    if not shift.overridden:
        return ()
    moments = {shift.starts_at} | {
        edge
        for row in rows
        for edge in (row.starts_at, row.ends_at)
        if shift.starts_at < edge < shift.ends_at
    }
    winners = {_winner(rows, moment) for moment in moments}
    return tuple(sorted(winner for winner in winners if winner is not None))


def _winner(rows: Sequence[OnCallOverride], at: datetime) -> int | None:
    """As ``rotations`` decides: the latest-starting override in force, then the latest listed."""
    live = [
        (row.starts_at, position, row.id)
        for position, row in enumerate(rows)
        if row.starts_at <= at < row.ends_at
    ]
    return max(live)[2] if live else None


def _override(row: OnCallOverride) -> rotations.Override:
    return rotations.Override(row.rotation, row.user_id, row.starts_at, row.ends_at)


def _record(row: OnCallOverride) -> OverrideRecord:
    return OverrideRecord(
        id=row.id,
        rotation=row.rotation,
        user_id=row.user_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        cancelled_by=row.cancelled_by,
    )
