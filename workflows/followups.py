"""Follow-ups: work an incident leaves behind, with an owner and a due date.

A follow-up with a due date has one pending ``followup_due`` reminder at a time, owned
by its incident and planned by ``plan_reminders`` from the follow-up rows and their
snoozes (timeline events), in the same transaction as every change. Each planned due
time is its own key (``followup<id>:<due>``): a reminder sent is never sent again, and
a snooze plans a new one a day on. Completing a follow-up cancels what is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import FollowUp, Incident, TimelineEvent
from workflows import incidents
from workflows.authorisation import GroupMembers, nobody
from workflows.clock import Clock
from workflows.durations import format_duration
from workflows.errors import AlreadyDone, IncidentNotFound, InvalidInput
from workflows.gateway import SlackGateway
from workflows.policy import Policy
from workflows.reminders import Due, reconcile
from workflows.snapshots import FollowUpNotice, FollowUpNoticeKind

MAX_TITLE = 300
FOLLOWUP_DUE = "followup_due"
FOLLOWUP_KINDS = (FOLLOWUP_DUE,)
SNOOZE = timedelta(days=1)


@dataclass(frozen=True)
class FollowUpRecord:
    id: int
    incident_id: int
    title: str
    owner: str | None
    due_at: datetime | None
    status: str
    created_by: str
    created_at: datetime
    done_at: datetime | None


def add_followup(
    session: Session,
    incident_id: int,
    title: str,
    owner: str | None,
    due_at: datetime | None,
    actor: str,
    clock: Clock,
    *,
    policy: Policy | None,
    member_of: GroupMembers = nobody,
) -> FollowUpRecord:
    """Record a follow-up and note it on the incident's timeline.

    Authorised as ``followup`` against ``policy``; None where the caller has authorised the
    step already (resolving adds the form's follow-ups under the ``resolve`` rule).
    """
    title = title.strip()
    if not title:
        raise InvalidInput("A follow-up needs a title.", field="followup")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Keep a follow-up's title under {MAX_TITLE} characters.")
    if session.get(Incident, incident_id) is None:
        raise IncidentNotFound(incident_id)
    if policy is not None:
        incidents.locked(session, incident_id)
        incidents.authorise(session, incident_id, policy, "followup", actor, clock, member_of)
    now = clock.now()
    row = FollowUp(
        incident_id=incident_id,
        title=title,
        owner=owner,
        due_at=due_at,
        status="open",
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    incidents.record_event(
        session,
        incident_id,
        now,
        actor,
        "followup",
        f"Follow-up: {title}",
        {"followup": row.id, "owner": owner, "due_at": due_at.isoformat() if due_at else None},
    )
    plan_reminders(session, incident_id, now)
    return record(row)


def open_followups(session: Session, incident_id: int | None = None) -> list[FollowUpRecord]:
    """Open follow-ups, soonest due first (undated last); of one incident, or of all."""
    query = select(FollowUp).where(FollowUp.status == "open")
    if incident_id is not None:
        query = query.where(FollowUp.incident_id == incident_id)
    rows = session.scalars(query.order_by(FollowUp.due_at.is_(None), FollowUp.due_at, FollowUp.id))
    return [record(row) for row in rows]


def record(row: FollowUp) -> FollowUpRecord:
    return FollowUpRecord(
        id=row.id,
        incident_id=row.incident_id,
        title=row.title,
        owner=row.owner,
        due_at=row.due_at,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
        done_at=row.done_at,
    )


@dataclass(frozen=True)
class ListedFollowUp:
    """One line of ``/incident followups``. A restricted incident's follow-up has no title."""

    id: int
    incident_id: int
    title: str | None
    owner: str | None
    due_at: datetime | None

    @property
    def incident_reference(self) -> str:
        return f"INC-{self.incident_id}"


def complete_followup(
    session: Session,
    followup_id: int,
    actor: str,
    clock: Clock,
    *,
    policy: Policy | None,
    member_of: GroupMembers = nobody,
) -> FollowUpRecord:
    """Mark a follow-up done, note it on its incident's timeline, drop its pending reminder.

    Authorised as ``followup`` against ``policy`` (None: already authorised).
    """
    row = _locked_open(session, followup_id, actor, clock, policy, member_of)
    now = clock.now()
    row.status = "done"
    row.done_at = now
    incidents.record_event(
        session,
        row.incident_id,
        now,
        actor,
        "followup_done",
        f"Follow-up #{row.id} done: {row.title}",
        {"followup": row.id},
    )
    plan_reminders(session, row.incident_id, now)
    return record(row)


def snooze_followup(
    session: Session,
    followup_id: int,
    actor: str,
    clock: Clock,
    length: timedelta = SNOOZE,
    *,
    policy: Policy | None,
    member_of: GroupMembers = nobody,
) -> tuple[FollowUpRecord, datetime]:
    """Remind again ``length`` from now; returns the follow-up and when it will be.

    Authorised as ``followup`` against ``policy`` (None: already authorised).
    """
    row = _locked_open(session, followup_id, actor, clock, policy, member_of)
    now = clock.now()
    until = now + length
    incidents.record_event(
        session,
        row.incident_id,
        now,
        actor,
        "followup_snoozed",
        f"Snoozed the reminder for follow-up #{row.id} for {format_duration(length)}",
        {"followup": row.id, "until": until.isoformat()},
    )
    plan_reminders(session, row.incident_id, now)
    return record(row), until


def plan_reminders(session: Session, incident_id: int, now: datetime) -> None:
    """Bring the incident's pending follow-up reminders in line with its open follow-ups.

    The incident's row is locked first, so two changes to its follow-ups plan one at a time.
    """
    session.execute(select(Incident.id).where(Incident.id == incident_id).with_for_update())
    snoozed: dict[int, datetime] = {}
    for event in session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "followup_snoozed")
        .order_by(TimelineEvent.id)
    ):
        snoozed[int(event.data["followup"])] = datetime.fromisoformat(str(event.data["until"]))
    desired: dict[str, tuple[str, int, datetime, dict[str, Any]]] = {}
    for followup in open_followups(session, incident_id):
        if followup.due_at is None:
            continue
        until = snoozed.get(followup.id)
        due = max(followup.due_at, until) if until else followup.due_at
        series = f"followup{followup.id}"
        desired[f"{series}:{due.isoformat()}"] = (
            FOLLOWUP_DUE,
            0,
            due,
            {"series": series, "followup": followup.id},
        )
    reconcile(
        session,
        owner={"incident_id": incident_id},
        desired=desired,
        now=now,
        kinds=FOLLOWUP_KINDS,
    )


def listed(session: Session, limit: int = 100) -> tuple[list[ListedFollowUp], int]:
    """Open follow-ups of every incident, soonest due first, and how many are open in all.

    Titles and owners of restricted incidents' follow-ups are left out: anyone sees the list.
    """
    rows = session.execute(
        select(FollowUp, Incident.restricted)
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(FollowUp.status == "open")
        .order_by(FollowUp.due_at.is_(None), FollowUp.due_at, FollowUp.id)
        .limit(limit)
    ).all()
    found = [
        ListedFollowUp(
            id=row.id,
            incident_id=row.incident_id,
            title=None if restricted else row.title,
            owner=None if restricted else row.owner,
            due_at=row.due_at,
        )
        for row, restricted in rows
    ]
    total = session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.status == "open")
    )
    return found, total or 0


def notice(
    session: Session,
    followup_id: int,
    kind: FollowUpNoticeKind,
    policy: Policy,
    *,
    late_by: timedelta | None = None,
) -> FollowUpNotice:
    """A follow-up as its channel line and its DMs describe it."""
    row = session.get(FollowUp, followup_id)
    if row is None:
        raise InvalidInput(f"There is no follow-up #{followup_id}.")
    incident = incidents.load(session, row.incident_id, policy)
    return FollowUpNotice(
        kind=kind,
        followup_id=row.id,
        incident_id=row.incident_id,
        incident_channel_id=incident.channel_id,
        title=row.title,
        owner=row.owner,
        answers=row.owner or incident.owner or incident.declared_by,
        created_by=row.created_by,
        due_at=row.due_at,
        late_by=late_by,
        snooze=SNOOZE if kind == "due" else None,
        restricted=incident.restricted,
    )


@dataclass(frozen=True)
class FollowUpReminders:
    """The runner's handler for ``followup_due``: DM whoever answers for the follow-up."""

    sessions: sessionmaker[Session]
    gateway: SlackGateway
    policy: Policy

    def send(self, due: Due) -> dict[str, Any] | None:
        followup_id = due.data.get("followup")
        if not isinstance(followup_id, int):
            return None
        with self.sessions() as session:
            row = session.get(FollowUp, followup_id)
            if row is None or row.status != "open":
                return None
            told = notice(session, row.id, "due", self.policy, late_by=due.late_by)
        self.gateway.send_followup(told.answers, told)
        return {"followup": told.followup_id, "pinged": [told.answers]}

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        assert due.incident_id is not None
        text = f"Reminder sent: follow-up #{record['followup']} is due{due.late_note}"
        data = {
            "reminder": due.kind,
            "followup": record["followup"],
            "late_seconds": due.late_seconds,
            "pinged": record["pinged"],
        }
        incidents.record_event(session, due.incident_id, now, None, "reminder_sent", text, data)
        plan_reminders(session, due.incident_id, now)


def _locked_open(
    session: Session,
    followup_id: int,
    actor: str,
    clock: Clock,
    policy: Policy | None,
    member_of: GroupMembers,
) -> FollowUp:
    """The follow-up, locked for this transaction; refused when missing or already done,
    or (given a ``policy``) when ``actor`` may not touch its incident's follow-ups."""
    row = session.scalar(select(FollowUp).where(FollowUp.id == followup_id).with_for_update())
    if row is None:
        raise InvalidInput(
            f"There is no follow-up #{followup_id}. `/incident followups` lists the open ones."
        )
    if row.status != "open":
        raise AlreadyDone(f"Follow-up #{followup_id} on INC-{row.incident_id} is already done.")
    if policy is not None:
        incidents.authorise(session, row.incident_id, policy, "followup", actor, clock, member_of)
    return row
