"""Sending incident reminders: whom each one pings, and what is recorded when it goes out.

``IncidentReminders`` is the reminder runner's handler for the incident kinds planned
by ``workflows.planning``: acknowledgement steps (re-page, backup, manager), status
update nudges, external deadline reminders and breaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from storage.models import Incident
from workflows import incidents
from workflows.directory import UserDirectory
from workflows.escalation_policy import Step
from workflows.gateway import SlackGateway, reminder_tag
from workflows.oncall import on_call_for_domain
from workflows.planning import (
    ACKNOWLEDGE,
    DEADLINE,
    DEADLINE_BREACH,
    INCIDENT_KINDS,
    STATUS_UPDATE,
    Facts,
    replan,
)
from workflows.policy import Policy
from workflows.reminders import Due
from workflows.snapshots import ReminderKind, ReminderNotice


@dataclass(frozen=True)
class IncidentReminders:
    """The runner's handler for acknowledge, status-update and deadline reminders."""

    sessions: sessionmaker[Session]
    gateway: SlackGateway
    directory: UserDirectory
    policy: Policy

    def send(self, due: Due) -> dict[str, Any] | None:
        notice = self._notice(due)
        if notice is None:
            return None
        if notice.invite and notice.incident.channel_id:
            self.gateway.invite(notice.incident.channel_id, notice.invite)
        self.gateway.send_reminder(notice)
        return {"pinged": [*notice.ping, *notice.ping_groups]}

    def find_sent(self, due: Due) -> dict[str, Any] | None:
        """``send``'s record when the reminder, tagged with its id, is already in the channel."""
        notice = self._notice(due)
        if notice is None or notice.incident.channel_id is None:
            return None
        if self.gateway.find_posted(notice.incident.channel_id, reminder_tag(due.id)) is None:
            return None
        return {"pinged": [*notice.ping, *notice.ping_groups]}

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        incident = session.get_one(Incident, due.incident_id)
        step = due.data.get("step")
        escalated = step in (Step.backup.value, Step.manager.value)
        incidents.record_event(
            session,
            incident,
            now,
            None,
            "escalated" if escalated else "reminder_sent",
            _describe(due.kind, step) + due.late_note,
            {
                "reminder": due.kind,
                "step": step,
                "late_seconds": due.late_seconds,
                "pinged": record["pinged"],
            },
        )
        replan(session, incident, self.policy, now)

    def _notice(self, due: Due) -> ReminderNotice | None:
        with self.sessions() as session:
            incident = session.get(Incident, due.incident_id)
            if incident is None or incident.resolved_at or incident.closed_at:
                return None
            if due.kind == ACKNOWLEDGE and incident.acknowledged_at is not None:
                return None
            snapshot = incidents.snapshot(session, incident, self.policy)
            if snapshot.channel_id is None:
                return None  # Not provisioned yet; provisioning pages on its own.
            responder = snapshot.owner or incident.oncall_paged or incident.declared_by
            step = Step(due.data["step"]) if "step" in due.data else None
            ping: list[str] = [responder]
            groups: list[str] = []
            invite: list[str] = []
            if step in (Step.backup, Step.manager) or due.kind == DEADLINE_BREACH:
                covering = on_call_for_domain(session, self.policy, incident.domain, due.due_at)
                ping, groups, invite = self._escalate(step, covering, responder)
            waited_from = (
                incident.declared_at
                if due.kind == ACKNOWLEDGE
                else Facts.read(session, incident).last_update
            )
            deadline = incident.due_at
        return ReminderNotice(
            reminder_id=due.id,
            kind=_kind(due.kind),
            step=step,
            incident=snapshot,
            ping=tuple(ping),
            ping_groups=tuple(groups),
            waited=due.due_at - waited_from,
            deadline=deadline,
            late_by=due.late_by,
            snooze=self.policy.escalation.snooze,
            invite=tuple(invite),
        )

    def _escalate(
        self, step: Step | None, covering: Any, responder: str
    ) -> tuple[list[str], list[str], list[str]]:
        """Whom a backup or manager step pages; falls back to the responder when unset."""
        if covering is None:
            return [responder], [], []
        rotation_name, shift = covering
        if step == Step.backup:
            backup = self.directory.user_id(shift.backup) if shift.backup else None
            return ([backup], [], [backup]) if backup else ([responder], [], [])
        target = self.policy.oncall.rotation(rotation_name).escalate_to
        if target is None:
            return [responder], [], []
        if target.startswith("S"):
            return [responder], [target], []
        manager = self.directory.user_id(target)
        return ([responder, manager], [], [manager]) if manager else ([responder], [], [])


def _kind(kind: str) -> ReminderKind:
    if kind not in INCIDENT_KINDS:
        raise ValueError(f"not an incident reminder kind: {kind}")
    return kind  # type: ignore[return-value]  # checked just above


def _describe(kind: str, step: object) -> str:
    what = {
        ACKNOWLEDGE: "Acknowledgement reminder",
        STATUS_UPDATE: "Status update reminder",
        DEADLINE: "Deadline reminder",
        DEADLINE_BREACH: "Deadline missed",
    }[kind]
    if step == Step.backup.value:
        what = "Escalated to the on-call backup"
    elif step == Step.manager.value:
        what = "Escalated to the manager"
    return what
