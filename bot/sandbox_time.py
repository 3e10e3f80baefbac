"""Time in the sandbox: one clock for Slack and the bot, and jumps the bot catches up with.

The stand-in's clock (epoch seconds that only move forward) is the one truth; the bot
reads it through :class:`EpochClock`. A jump does not skip what the bot would have done
in between: :class:`TimeMachine` stops the clock at every moment something is due (a
pending reminder, at least once a day for the planners) and runs the scheduler's own
jobs there, so a 45-minute jump sends the three escalation steps in order, on time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import Firebreak
from bot.scheduler import run_jobs_now
from storage.models import Reminder
from workflows import rotations
from workflows.policy import Policy

PLANNING_STOP = timedelta(days=1)
"""Longest stretch a jump skips without running the jobs (the planners look 8 days ahead)."""
MAX_STOPS = 500
"""A jump that needs more stops than this ends early rather than running for minutes."""
START_AFTER_HANDOFF = timedelta(hours=1)


class EpochClock:
    """A :class:`workflows.clock.Clock` reading epoch seconds from the stand-in's clock."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._seconds(), UTC)


class TimeMachine:
    """Moves the shared clock and runs the bot's scheduled jobs, one caller at a time."""

    def __init__(
        self, firebreak: Firebreak, clock: EpochClock, advance: Callable[[float], None]
    ) -> None:
        self._firebreak = firebreak
        self._clock = clock
        self._advance = advance
        self._lock = threading.Lock()

    def tick(self) -> None:
        """What the scheduler does on wall time: run every job as of now."""
        with self._lock:
            run_jobs_now(self._firebreak)

    def travel(self, target: datetime) -> int:
        """Move to ``target``, stopping wherever something falls due; returns the stops."""
        with self._lock:
            run_jobs_now(self._firebreak)
            stops = 0
            while stops < MAX_STOPS:
                now = self._clock.now()
                if now >= target:
                    break
                stop = min(target, now + PLANNING_STOP, self._next_due(now) or target)
                self._advance((stop - now).total_seconds())
                run_jobs_now(self._firebreak)
                stops += 1
            return stops

    def _next_due(self, now: datetime) -> datetime | None:
        """The first moment after ``now`` a pending reminder may be claimed."""
        sessions = self._firebreak.services.sessions
        with sessions() as session:
            due = session.scalar(
                select(func.min(Reminder.due_at)).where(
                    Reminder.state == "pending", Reminder.due_at > now
                )
            )
            retry = session.scalar(
                select(func.min(Reminder.claimed_until)).where(
                    Reminder.state.in_(("pending", "sending")), Reminder.claimed_until > now
                )
            )
        found = [moment for moment in (due, retry) if moment is not None]
        return min(found).astimezone(UTC) if found else None


def starting_moment(policy: Policy, on_call: str, now: datetime) -> datetime:
    """``now`` if ``on_call`` is primary on a weekday now, else an hour into their next such
    shift: the sandbox's story starts with them holding the pager."""
    rotation = next((r for r in policy.oncall.rotations if on_call in r.members), None)
    if rotation is None:
        return now
    shift = rotations.on_call(rotation, now)
    for _ in range(4 * len(rotation.members) + 8):
        if shift.primary == on_call and shift.coverage == "weekday":
            if shift.starts_at <= now:
                return now
            return shift.starts_at + START_AFTER_HANDOFF
        shift = rotations.next_change(rotation, shift.starts_at)
    return now
