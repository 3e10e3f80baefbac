"""Which reminders an incident should have, derived from its state.

``replan`` reads the incident's row and timeline (acknowledged? last status update?
snoozed? deadline?) and reconciles its reminder rows with what they imply. Every change
of state calls it in the same transaction, so a severity change re-plans at once and
resolving cancels everything that is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Incident, Reminder, TimelineEvent
from storage.types import as_utc
from workflows.durations import format_duration
from workflows.policy import Policy
from workflows.reminders import reconcile

ACKNOWLEDGE = "acknowledge"
STATUS_UPDATE = "status_update"
DEADLINE = "deadline"
DEADLINE_BREACH = "deadline_breach"
INCIDENT_KINDS = (ACKNOWLEDGE, STATUS_UPDATE, DEADLINE, DEADLINE_BREACH)


def series(incident_id: int, kind: str) -> str:
    return f"inc{incident_id}:{kind}"


def replan(session: Session, incident: Incident, policy: Policy, now: datetime) -> None:
    """Bring the incident's pending reminders in line with its state (idempotent)."""
    desired: dict[str, tuple[str, int, datetime, dict[str, Any]]] = {}
    if incident.resolved_at is None and incident.closed_at is None:
        facts = Facts.read(session, incident)
        rules = policy.escalation.for_severity(incident.severity)
        if rules is not None and incident.acknowledged_at is None:
            step = facts.sent[ACKNOWLEDGE]
            if step < len(rules.steps):
                base = facts.last_sent.get(ACKNOWLEDGE) or incident.declared_at
                due = facts.after_snooze(ACKNOWLEDGE, max(base + rules.acknowledge_within, now))
                desired[f"{series(incident.id, ACKNOWLEDGE)}:{step}"] = (
                    ACKNOWLEDGE,
                    step,
                    due,
                    {"series": series(incident.id, ACKNOWLEDGE), "step": rules.steps[step].value},
                )
        if rules is not None and rules.update_every is not None:
            base = max(facts.last_update, facts.last_sent.get(STATUS_UPDATE, facts.last_update))
            # The first nudge after an update keeps the update's own promise, if it made one.
            cadence = (
                facts.promised
                if base == facts.last_update and facts.promised
                else rules.update_every
            )
            due = facts.after_snooze(STATUS_UPDATE, max(base + cadence, now))
            cycle = f"{facts.updates}.{facts.sent[STATUS_UPDATE]}"
            desired[f"{series(incident.id, STATUS_UPDATE)}:{cycle}"] = (
                STATUS_UPDATE,
                0,
                due,
                {"series": series(incident.id, STATUS_UPDATE)},
            )
        if incident.due_at is not None:
            _plan_deadline(desired, incident, incident.due_at, policy, now, facts)
    reconcile(
        session,
        owner={"incident_id": incident.id},
        desired=desired,
        now=now,
        kinds=INCIDENT_KINDS,
    )


def _plan_deadline(
    desired: dict[str, tuple[str, int, datetime, dict[str, Any]]],
    incident: Incident,
    deadline: datetime,
    policy: Policy,
    now: datetime,
    facts: Facts,
) -> None:
    stamp = deadline.isoformat()
    for offset in policy.escalation.deadline_reminders:
        due = deadline - offset
        if due > now:
            desired[f"{series(incident.id, DEADLINE)}:{stamp}:{format_duration(offset)}"] = (
                DEADLINE,
                0,
                facts.after_snooze(DEADLINE, due),
                {"series": series(incident.id, DEADLINE), "deadline": stamp},
            )
    desired[f"{series(incident.id, DEADLINE_BREACH)}:{stamp}"] = (
        DEADLINE_BREACH,
        0,
        max(deadline, now),
        {"series": series(incident.id, DEADLINE_BREACH), "deadline": stamp},
    )


@dataclass(frozen=True)
class Facts:
    """What planning needs from the incident's history, read in a few queries."""

    sent: dict[str, int]
    last_sent: dict[str, datetime]
    last_update: datetime
    updates: int
    snoozed: dict[str, datetime]
    promised: timedelta | None

    @classmethod
    def read(cls, session: Session, incident: Incident) -> Facts:
        sent_rows = session.execute(
            select(Reminder.kind, func.count(), func.max(Reminder.sent_at))
            .where(Reminder.incident_id == incident.id, Reminder.state == "sent")
            .group_by(Reminder.kind)
        ).all()
        sent = dict.fromkeys(INCIDENT_KINDS, 0)
        last_sent: dict[str, datetime] = {}
        for kind, count, last in sent_rows:
            sent[kind] = count
            stamp = as_utc(last)
            if stamp is not None:
                last_sent[kind] = stamp
        update_count, last_update = session.execute(
            select(func.count(), func.max(TimelineEvent.occurred_at)).where(
                TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "status_update"
            )
        ).one()
        latest_update = session.scalars(
            select(TimelineEvent.data)
            .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "status_update")
            .order_by(TimelineEvent.id.desc())
            .limit(1)
        ).first()
        promise = (latest_update or {}).get("next_update_in")
        snoozes = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "snoozed")
            .order_by(TimelineEvent.id)
        )
        snoozed = {
            str(event.data["kind"]): datetime.fromisoformat(str(event.data["until"]))
            for event in snoozes
        }
        return cls(
            sent=sent,
            last_sent=last_sent,
            last_update=as_utc(last_update) or incident.declared_at,
            updates=update_count,
            snoozed=snoozed,
            promised=timedelta(seconds=int(promise)) if promise else None,
        )

    def after_snooze(self, kind: str, due: datetime) -> datetime:
        until = self.snoozed.get(kind)
        return max(due, until) if until else due
