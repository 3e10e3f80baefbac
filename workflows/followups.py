"""Follow-ups: work an incident leaves behind, with an owner and a due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import FollowUp, Incident, TimelineEvent
from workflows.clock import Clock
from workflows.errors import IncidentNotFound, InvalidInput

MAX_TITLE = 300


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
) -> FollowUpRecord:
    """Record a follow-up and note it on the incident's timeline."""
    title = title.strip()
    if not title:
        raise InvalidInput("A follow-up needs a title.", field="followup")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Keep a follow-up's title under {MAX_TITLE} characters.")
    if session.get(Incident, incident_id) is None:
        raise IncidentNotFound(incident_id)
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
    session.add(
        TimelineEvent(
            incident_id=incident_id,
            occurred_at=now,
            actor=actor,
            kind="followup",
            text=f"Follow-up: {title}",
            data={
                "followup": row.id,
                "owner": owner,
                "due_at": due_at.isoformat() if due_at else None,
            },
        )
    )
    session.flush()
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
