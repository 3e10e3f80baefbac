"""An incident's timeline: appending events, and reading them back in order.

Every change of state writes its event through :func:`record_event`, whichever module
made the change. It lives apart from ``workflows.incidents`` so that the modules
``incidents`` itself builds on (``authorisation`` records refusals) can write events
without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent
from workflows.snapshots import TimelineEntry


def record_event(
    session: Session,
    incident: Incident | int,
    now: datetime,
    actor: str | None,
    kind: str,
    text: str,
    data: dict[str, Any],
) -> TimelineEvent:
    """Append one timeline event; the database refuses updates and deletes of its rows.

    ``incident`` is the row or, for a caller that never loaded it, just its id.
    ``text`` is plain text; renderers read user ids and times from ``data``.
    """
    event = TimelineEvent(
        incident_id=incident if isinstance(incident, int) else incident.id,
        occurred_at=now,
        actor=actor,
        kind=kind,
        text=text,
        data=data,
    )
    session.add(event)
    session.flush()
    return event


def revision(session: Session, incident_id: int) -> int:
    """How many events the incident has: it grows with every committed change of state
    (the timeline is append-only), so two reads that differ saw different states."""
    counted = session.scalar(
        select(func.count())
        .select_from(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
    )
    return counted or 0


def events(session: Session, incident_id: int) -> list[TimelineEvent]:
    """The incident's events, oldest first (ties in the order they were written)."""
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
        )
    )


def timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    """The incident's events, oldest first, as plain data for renderers."""
    return [entry_of(event) for event in events(session, incident_id)]


def entry_of(event: TimelineEvent) -> TimelineEntry:
    """A timeline event as plain data for renderers."""
    return TimelineEntry(
        occurred_at=event.occurred_at,
        actor=event.actor,
        kind=event.kind,
        text=event.text,
        data=dict(event.data),
    )
