"""Hand-built incident history for report tests: rows written directly, every time explicit.

Report tests work their right answers out by hand from these rows, so each helper writes
exactly what it is told and nothing else (no reminders, no Slack).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import ContainmentAction, FollowUp, Incident, RoleAssignment, TimelineEvent

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
"""A Monday 09:00 UTC, the anchor most hand-built histories count from."""

_keys = itertools.count(1)


def add_incident(
    session: Session,
    *,
    declared_at: datetime,
    title: str = "Counterfeit sneakers",
    description: str = "",
    severity: str = "sev2",
    domain: str = "counterfeit",
    status: str = "investigating",
    source: str | None = None,
    market: str | None = None,
    external_ref: str | None = None,
    restricted: bool = False,
    acknowledged_at: datetime | None = None,
    contained_at: datetime | None = None,
    resolved_at: datetime | None = None,
    closed_at: datetime | None = None,
    due_at: datetime | None = None,
    root_cause: str | None = None,
    owner: str | None = None,
    declared_by: str = "U0ALICE",
) -> Incident:
    """One incident row with its ``declared`` event (and owner assignment, if given)."""
    incident = Incident(
        title=title,
        description=description,
        domain=domain,
        severity=severity,
        status=status,
        restricted=restricted,
        source=source,
        market=market,
        external_ref=external_ref,
        similar=[],
        due_at=due_at,
        declared_by=declared_by,
        declared_at=declared_at,
        acknowledged_at=acknowledged_at,
        acknowledged_by=declared_by if acknowledged_at else None,
        contained_at=contained_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        root_cause=root_cause,
        updated_at=declared_at,
        declare_key=f"history-{next(_keys)}",
        declarer_invited=True,
        card_pinned=True,
        topic_set=True,
        provisioned_at=declared_at,
        provision_attempts=1,
    )
    session.add(incident)
    session.flush()
    add_event(session, incident, declared_at, "declared", {"severity": severity}, declared_by)
    if owner is not None:
        session.add(
            RoleAssignment(
                incident_id=incident.id,
                role="commander",
                user_id=owner,
                assigned_by=declared_by,
                assigned_at=declared_at,
            )
        )
        session.flush()
    return incident


def add_event(
    session: Session,
    incident: Incident,
    at: datetime,
    kind: str,
    data: dict[str, Any] | None = None,
    actor: str | None = "U0ALICE",
    text: str = "",
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident.id,
        occurred_at=at,
        actor=actor,
        kind=kind,
        text=text or kind.replace("_", " "),
        data=data or {},
    )
    session.add(event)
    session.flush()
    return event


def add_action(
    session: Session, incident: Incident, at: datetime, kind: str, count: int, note: str = ""
) -> ContainmentAction:
    action = ContainmentAction(
        incident_id=incident.id, kind=kind, count=count, note=note, actor="U0BOB", occurred_at=at
    )
    session.add(action)
    session.flush()
    return action


def add_followup(
    session: Session,
    incident: Incident,
    created_at: datetime,
    title: str = "Add a detection rule",
    *,
    due_at: datetime | None = None,
    done_at: datetime | None = None,
    owner: str | None = "U0BOB",
) -> FollowUp:
    row = FollowUp(
        incident_id=incident.id,
        title=title,
        owner=owner,
        due_at=due_at,
        status="done" if done_at else "open",
        created_by="U0ALICE",
        created_at=created_at,
        done_at=done_at,
    )
    session.add(row)
    session.flush()
    return row
