"""Firing what is due. The rows are the truth; the scheduler only calls ``run_due``.

Each run claims due rows in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so replicas never claim the same row; SQLite's single writer does the
same), then sends each through the handler for its kind, and finally marks it sent
together with the handler's follow-up (timeline, next reminder) in one transaction.

A claim lasts ``LEASE``: a process killed mid-send leaves the row to be claimed again
once the lease runs out, so a reminder is never lost. Nor is it sent twice: the row
says ``sending`` (committed) before Slack is asked, and a send that failed stays
``sending`` too, since Slack may have taken a message whose answer was lost. Taking
over such a row asks its handler first whether the message is already there (it
carries the reminder's id, see ``FindsSent``): found, the row is only marked sent;
not found, it is sent once, saying it is late when it is.

After downtime nothing bursts: of several due reminders with the same ``series``
(one incident's acknowledgement chain, say) only the latest is sent — saying it is
late — and the others are marked superseded.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Reminder
from workflows.clock import Clock
from workflows.durations import format_span
from workflows.gateway import SlackFailure

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
RETRY_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Due:
    """One claimed reminder, as plain data for its handler."""

    id: int
    key: str
    kind: str
    incident_id: int | None
    handoff_id: int | None
    step: int
    due_at: datetime
    data: dict[str, Any]
    late_by: timedelta | None
    resumed: bool = False
    """An earlier attempt may have reached Slack (its worker died, or its answer was lost)."""

    @property
    def late_seconds(self) -> int | None:
        """How late it went out, in whole seconds, as the timeline records it."""
        return int(self.late_by.total_seconds()) if self.late_by else None

    @property
    def late_note(self) -> str:
        """`` (sent 5m late)`` for a timeline text when it went out late, else nothing."""
        return "" if self.late_by is None else f" (sent {format_span(self.late_by)} late)"

    @property
    def series(self) -> str:
        """Reminders in one series replace each other when several are due at once."""
        return str(self.data.get("series", self.key))


class ReminderHandler(Protocol):
    def send(self, due: Due) -> dict[str, Any] | None:
        """Send it and return what to record about it; None when it no longer applies
        (it is then cancelled, not sent). Raises ``SlackFailure`` when Slack could not
        take it: it is retried later.
        """
        ...

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        """Record that it went out (timeline, next reminder), in the marking transaction."""
        ...


@runtime_checkable
class FindsSent(Protocol):
    """A handler whose messages carry the reminder's id, so a lost send can be found."""

    def find_sent(self, due: Due) -> dict[str, Any] | None:
        """What ``send`` would have returned, if its message is already in Slack; else None.
        Raises ``SlackFailure`` when Slack cannot be asked."""
        ...


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class ReminderRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        handlers: Mapping[str, ReminderHandler],
        late_after: timedelta,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._handlers = handlers
        self._late_after = late_after

    def run_due(self, limit: int = 100) -> RunReport:
        report = RunReport()
        claimed = self._claim(limit)
        for due in self._drop_superseded(claimed, report):
            self._fire(due, report)
        return report

    def _claim(self, limit: int) -> list[Due]:
        now = self._clock.now()
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(Reminder)
                .where(
                    Reminder.due_at <= now,
                    or_(
                        and_(
                            Reminder.state == "pending",
                            or_(Reminder.claimed_until.is_(None), Reminder.claimed_until <= now),
                        ),
                        # A claim whose worker died: its lease ran out, take it over.
                        and_(Reminder.state == "sending", Reminder.claimed_until <= now),
                    ),
                )
                .order_by(Reminder.due_at, Reminder.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            claimed = [self._due(row, now, resumed=row.state == "sending") for row in rows]
            for row in rows:
                row.state = "sending"
                row.claimed_until = now + LEASE
            return claimed

    def _due(self, row: Reminder, now: datetime, *, resumed: bool) -> Due:
        lateness = now - row.due_at
        return Due(
            id=row.id,
            key=row.key,
            kind=row.kind,
            incident_id=row.incident_id,
            handoff_id=row.handoff_id,
            step=row.step,
            due_at=row.due_at,
            data=dict(row.data),
            late_by=lateness if lateness > self._late_after else None,
            resumed=resumed,
        )

    def _drop_superseded(self, claimed: list[Due], report: RunReport) -> list[Due]:
        latest: dict[str, Due] = {}
        for due in claimed:  # ordered by due time: the last one of a series wins
            latest[due.series] = due
        keep = {due.id for due in latest.values()}
        stale = [due for due in claimed if due.id not in keep]
        if stale:
            with self._sessions.begin() as session:
                for due in stale:
                    row = session.get_one(Reminder, due.id)
                    row.state = "superseded"
                    report.superseded.append(due.key)
        return [due for due in claimed if due.id in keep]

    def _fire(self, due: Due, report: RunReport) -> None:
        handler = self._handlers.get(due.kind)
        if handler is None:
            log.error("no handler for reminder kind %r (%s); leaving it pending", due.kind, due.key)
            self._release(due, self._clock.now() + RETRY_AFTER)
            report.failed.append(due.key)
            return
        try:
            record = self._already_sent(handler, due)
            if record is None:
                record = handler.send(due)
        except SlackFailure as failure:
            log.warning("reminder %s not sent, retrying later: %s", due.key, failure)
            # Still "sending": Slack may hold the message, so the retry looks first.
            self._release(due, self._clock.now() + RETRY_AFTER, state="sending")
            report.failed.append(due.key)
            return
        now = self._clock.now()
        with self._sessions.begin() as session:
            row = session.get_one(Reminder, due.id)
            row.claimed_until = None
            if record is None:
                row.state = "cancelled"
                report.cancelled.append(due.key)
                return
            row.state = "sent"
            row.sent_at = now
            session.flush()
            handler.sent(session, due, record, now)
        report.sent.append(due.key)

    @staticmethod
    def _already_sent(handler: ReminderHandler, due: Due) -> dict[str, Any] | None:
        """On a resumed attempt, the record of the message an earlier one got into Slack."""
        if not due.resumed or not isinstance(handler, FindsSent):
            return None
        found = handler.find_sent(due)
        if found is not None:
            log.info("reminder %s was already in Slack; marking it sent", due.key)
        return found

    def _release(self, due: Due, retry_at: datetime, state: str = "pending") -> None:
        with self._sessions.begin() as session:
            row = session.get_one(Reminder, due.id)
            row.state = state
            row.claimed_until = retry_at


def reconcile(
    session: Session,
    *,
    owner: Mapping[str, Any],
    desired: Mapping[str, tuple[str, int, datetime, dict[str, Any]]],
    now: datetime,
    kinds: Collection[str] | None = None,
) -> None:
    """Make the pending reminders of ``owner`` exactly ``desired``.

    ``kinds`` limits which of the owner's reminders this plan governs.
    ``desired`` maps each key to (kind, step, due, data). Missing ones are inserted,
    changed ones moved, unwanted pending ones cancelled; a reminder already sent is never
    sent again, and a cancelled one is revived by key.
    """
    filters = [getattr(Reminder, name) == value for name, value in owner.items()]
    if kinds is not None:  # other features' reminders of the same owner are not ours to touch
        filters.append(Reminder.kind.in_(kinds))
    existing = {row.key: row for row in session.scalars(select(Reminder).where(*filters))}
    for key, row in existing.items():
        if row.state == "pending" and key not in desired:
            row.state = "cancelled"
    for key, (kind, step, due_at, data) in desired.items():
        found = existing.get(key)
        if found is None:
            fields = {
                **owner,
                "key": key,
                "kind": kind,
                "step": step,
                "due_at": due_at,
                "state": "pending",
                "created_at": now,
                "data": data,
            }
            session.add(Reminder(**fields))
        elif found.state in ("pending", "cancelled"):
            found.state = "pending"
            found.due_at = due_at
            found.data = data
    session.flush()
