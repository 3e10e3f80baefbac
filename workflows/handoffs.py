"""The weekend handoff and the Monday handback, for rotations with weekend coverage.

At a weekend's start the rotation's channel gets a digest of what is open, the incoming
primary is asked (in a DM) to confirm "I have the pager", and without that confirmation
within the policy's time the backup is paged. At the weekend's end a handback digest
tells the weekday team what was declared, escalated and resolved meanwhile.

Like every reminder these are rows: a job plans the coming windows (idempotently, by
unique key), and the reminder runner fires them through ``HandoffReminders``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Handoff, Incident, Reminder, TimelineEvent
from storage.types import as_utc
from workflows import rotations
from workflows.clock import Clock
from workflows.directory import UserDirectory
from workflows.errors import InvalidInput
from workflows.gateway import SlackGateway, reminder_tag
from workflows.incident_view import current_owner
from workflows.oncall import active_overrides
from workflows.oncall_policy import Rotation
from workflows.policy import Policy
from workflows.reminders import Due, reconcile
from workflows.snapshots import HandbackDigest, HandoffDigest, OpenIncident

log = logging.getLogger(__name__)

HANDOFF = "handoff"
HANDBACK = "handback"
HANDOFF_ACK = "handoff_ack"
HANDOFF_KINDS = (HANDOFF, HANDBACK, HANDOFF_ACK)
PLANNING_HORIZON = timedelta(days=8)
_OVERRIDE_MARGIN = timedelta(days=1)


def plan_handoffs(sessions: sessionmaker[Session], policy: Policy, clock: Clock) -> None:
    """Plan the handoffs and handbacks of the coming week, one transaction per rotation.

    A replica that loses a race to plan the same window just leaves it to the winner.
    """
    now = clock.now()
    for rotation in policy.oncall.rotations:
        if rotation.weekend is None:
            continue
        try:
            with sessions.begin() as session:
                _plan_rotation(session, rotation, now)
        except IntegrityError:
            log.info("another replica planned %s's handoffs first", rotation.name)


def _plan_rotation(session: Session, rotation: Rotation, now: datetime) -> None:
    for start, end in rotations.weekend_windows(rotation, now, now + PLANNING_HORIZON):
        for kind, due in ((HANDOFF, start), (HANDBACK, end)):
            if due <= now:
                continue  # A window already under way gets its handback only.
            row = _handoff_row(session, rotation.name, kind, start, end)
            key = f"{kind}:{rotation.name}:{start.isoformat()}"
            reconcile(
                session,
                owner={"handoff_id": row.id, "kind": kind},
                desired={key: (kind, 0, due, {"series": f"{kind}:{rotation.name}"})},
                now=now,
            )


def _handoff_row(
    session: Session, rotation: str, kind: str, start: datetime, end: datetime
) -> Handoff:
    found = session.scalar(
        select(Handoff).where(
            Handoff.rotation == rotation, Handoff.kind == kind, Handoff.window_starts_at == start
        )
    )
    if found is not None:
        return found
    row = Handoff(rotation=rotation, kind=kind, window_starts_at=start, window_ends_at=end)
    session.add(row)
    session.flush()
    return row


def acknowledge(
    session: Session, handoff_id: int, user: str, policy: Policy, clock: Clock
) -> Handoff:
    """The incoming on-call confirms they have the pager; the backup will not be paged."""
    handoff = session.get(Handoff, handoff_id, with_for_update=True)
    if handoff is None or handoff.kind != HANDOFF:
        raise InvalidInput("That handoff no longer exists.")
    if handoff.acknowledged_at is None:
        handoff.acknowledged_at = clock.now()
        handoff.acknowledged_by = user
        reconcile(
            session,
            owner={"handoff_id": handoff.id, "kind": HANDOFF_ACK},
            desired={},
            now=clock.now(),
        )
    return handoff


@dataclass(frozen=True)
class HandoffReminders:
    """The reminder runner's handler for handoff, handback and handoff_ack."""

    sessions: sessionmaker[Session]
    gateway: SlackGateway
    directory: UserDirectory
    policy: Policy

    def send(self, due: Due) -> dict[str, Any] | None:
        with self.sessions() as session:
            found = self._handoff(session, due)
            if found is None:
                return None
            handoff, rotation = found
            if due.kind == HANDOFF:
                return self._hand_off(session, handoff, rotation, due)
            if due.kind == HANDOFF_ACK:
                return self._page_backup(handoff, rotation, due)
            return self._hand_back(session, handoff, rotation, due)

    def find_sent(self, due: Due) -> dict[str, Any] | None:
        """``send``'s record when its tagged post is already in the rotation's channel.

        Each DM goes before that post, so finding the post means all of it went out. A
        rotation without a channel has nothing to find; its DM may then go twice.
        """
        with self.sessions() as session:
            found = self._handoff(session, due)
            if found is None:
                return None
            handoff, rotation = found
            if rotation.channel is None:
                return None
            if self.gateway.find_posted(rotation.channel, reminder_tag(due.id)) is None:
                return None
            if due.kind == HANDOFF:
                incoming, backup = self._people(session, handoff, rotation)
                return {"incoming": incoming, "backup": backup}
            if due.kind == HANDOFF_ACK:
                return {"paged": handoff.backup}
            return {}

    def _handoff(self, session: Session, due: Due) -> tuple[Handoff, Rotation] | None:
        """The handoff and its rotation; None once the rotation left the policy."""
        handoff = session.get(Handoff, due.handoff_id)
        known = {r.name for r in self.policy.oncall.rotations}
        if handoff is None or handoff.rotation not in known:
            return None
        return handoff, self.policy.oncall.rotation(handoff.rotation)

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        handoff = session.get_one(Handoff, due.handoff_id)
        if due.kind == HANDOFF:
            handoff.posted_at = now
            handoff.incoming = record.get("incoming")
            handoff.backup = record.get("backup")
            wait = self.policy.escalation.handoff_acknowledge_within
            reconcile(
                session,
                owner={"handoff_id": handoff.id, "kind": HANDOFF_ACK},
                desired={
                    f"{HANDOFF_ACK}:{handoff.rotation}:{handoff.window_starts_at.isoformat()}": (
                        HANDOFF_ACK,
                        0,
                        now + wait,
                        {"series": f"{HANDOFF_ACK}:{handoff.rotation}"},
                    )
                },
                now=now,
            )
        elif due.kind == HANDOFF_ACK:
            handoff.escalated_at = now
        else:
            handoff.posted_at = now

    def _hand_off(
        self, session: Session, handoff: Handoff, rotation: Rotation, due: Due
    ) -> dict[str, Any]:
        digest = self._handoff_digest(session, handoff, rotation, due)
        self.gateway.post_handoff(rotation.channel, digest, reminder_tag(due.id))
        return {"incoming": digest.incoming, "backup": digest.backup}

    def _page_backup(self, handoff: Handoff, rotation: Rotation, due: Due) -> dict[str, Any] | None:
        if handoff.acknowledged_at is not None or handoff.backup is None:
            return None
        self.gateway.page_handoff_backup(
            rotation.channel, rotation.name, handoff.incoming, handoff.backup, reminder_tag(due.id)
        )
        return {"paged": handoff.backup}

    def _hand_back(
        self, session: Session, handoff: Handoff, rotation: Rotation, due: Due
    ) -> dict[str, Any]:
        digest = self._handback_digest(session, handoff, due)
        self.gateway.post_handback(rotation.channel, digest, reminder_tag(due.id))
        return {}

    def _people(
        self, session: Session, handoff: Handoff, rotation: Rotation
    ) -> tuple[str | None, str | None]:
        """The incoming primary and backup (Slack user ids), overrides included."""
        start = handoff.window_starts_at
        overrides = active_overrides(
            session, rotation.name, start - _OVERRIDE_MARGIN, handoff.window_ends_at
        )
        shift = rotations.on_call(rotation, start, overrides)
        incoming = self.directory.user_id(shift.primary)
        backup = self.directory.user_id(shift.backup) if shift.backup else None
        return incoming, backup

    def _handoff_digest(
        self, session: Session, handoff: Handoff, rotation: Rotation, due: Due
    ) -> HandoffDigest:
        incoming, backup = self._people(session, handoff, rotation)
        return HandoffDigest(
            handoff_id=handoff.id,
            rotation=rotation.name,
            starts_at=handoff.window_starts_at,
            ends_at=handoff.window_ends_at,
            incoming=incoming,
            backup=backup,
            open_incidents=tuple(open_incidents(session, self.policy)),
            late_by=due.late_by,
        )

    def _handback_digest(self, session: Session, handoff: Handoff, due: Due) -> HandbackDigest:
        start, end = handoff.window_starts_at, handoff.window_ends_at
        declared = session.scalars(
            select(Incident.id)
            .where(Incident.declared_at >= start, Incident.declared_at < end)
            .order_by(Incident.id)
        ).all()
        resolved = session.scalars(
            select(Incident.id)
            .where(Incident.resolved_at >= start, Incident.resolved_at < end)
            .order_by(Incident.id)
        ).all()
        escalations = session.scalar(
            select(func.count()).where(
                TimelineEvent.kind == "escalated",
                TimelineEvent.occurred_at >= start,
                TimelineEvent.occurred_at < end,
            )
        )
        return HandbackDigest(
            rotation=handoff.rotation,
            starts_at=start,
            ends_at=end,
            declared=tuple(declared),
            resolved=tuple(resolved),
            escalations=int(escalations or 0),
            still_open=tuple(open_incidents(session, self.policy)),
            late_by=due.late_by,
        )


def open_incidents(session: Session, policy: Policy) -> list[OpenIncident]:
    """Every unresolved incident with what the next person on call needs to know."""
    rows = session.scalars(
        select(Incident)
        .where(Incident.resolved_at.is_(None), Incident.closed_at.is_(None))
        .order_by(Incident.id)
    ).all()
    found: list[OpenIncident] = []
    for incident in rows:
        last_update = session.scalar(
            select(func.max(TimelineEvent.occurred_at)).where(
                TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "status_update"
            )
        )
        next_reminder = session.scalar(
            select(func.min(Reminder.due_at)).where(
                Reminder.incident_id == incident.id, Reminder.state == "pending"
            )
        )
        if incident.restricted:
            # The on-call channel is no member of it: severity and status, nothing more.
            found.append(
                OpenIncident(
                    id=incident.id,
                    title=None,
                    severity_label=policy.label("severity", incident.severity),
                    status_label=policy.label("status", incident.status),
                    owner=None,
                    channel_id=None,
                    last_update_at=None,
                    due_at=None,
                    next_reminder_at=None,
                )
            )
            continue
        found.append(
            OpenIncident(
                id=incident.id,
                title=incident.title,
                severity_label=policy.label("severity", incident.severity),
                status_label=policy.label("status", incident.status),
                owner=current_owner(session, incident.id, policy),
                channel_id=incident.channel_id,
                last_update_at=as_utc(last_update),
                due_at=incident.due_at,
                next_reminder_at=as_utc(next_reminder),
            )
        )
    return found
