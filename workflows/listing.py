"""Finding incidents: by state, by person, by severity, domain, source or market."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import FollowUp, Incident, RoleAssignment
from workflows.policy import Policy

LIST_LIMIT = 25


@dataclass(frozen=True)
class ListedIncident:
    id: int
    title: str
    severity_label: str
    status_label: str
    domain_label: str
    owner: str | None
    channel_id: str | None
    restricted: bool
    declared_at: datetime
    open: bool

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True)
class Filter:
    """What `/incident list` asked for; everything unset means "all open incidents"."""

    include_resolved: bool = False
    involving: str | None = None  # declared by, owning, or holding any role
    owner: str | None = None
    severity: str | None = None
    domain: str | None = None
    source: str | None = None
    market: str | None = None


def find(
    session: Session,
    policy: Policy,
    wanted: Filter,
    limit: int = LIST_LIMIT,
    before: int | None = None,
) -> list[ListedIncident]:
    """Newest first, older than incident ``before`` when given (the next page).

    Restricted incidents are included: the caller decides who may see them.
    """
    query = select(Incident)
    if before is not None:
        query = query.where(Incident.id < before)
    if not wanted.include_resolved:
        query = query.where(Incident.resolved_at.is_(None), Incident.closed_at.is_(None))
    if wanted.severity:
        query = query.where(Incident.severity == wanted.severity)
    if wanted.domain:
        query = query.where(Incident.domain == wanted.domain)
    if wanted.source:
        query = query.where(Incident.source == wanted.source)
    if wanted.market:
        query = query.where(Incident.market == wanted.market)
    holders = select(RoleAssignment.incident_id).where(RoleAssignment.ended_at.is_(None))
    if wanted.owner:
        query = query.where(
            Incident.id.in_(
                holders.where(
                    RoleAssignment.user_id == wanted.owner,
                    RoleAssignment.role == policy.owner_role.key,
                )
            )
        )
    if wanted.involving:
        query = query.where(
            or_(
                Incident.declared_by == wanted.involving,
                Incident.id.in_(holders.where(RoleAssignment.user_id == wanted.involving)),
            )
        )
    rows = session.scalars(query.order_by(Incident.id.desc()).limit(limit)).all()
    owners = dict(
        session.execute(
            select(RoleAssignment.incident_id, RoleAssignment.user_id).where(
                RoleAssignment.incident_id.in_([row.id for row in rows]),
                RoleAssignment.role == policy.owner_role.key,
                RoleAssignment.ended_at.is_(None),
            )
        ).all()
    )
    return [
        ListedIncident(
            id=row.id,
            title=row.title,
            severity_label=policy.label("severity", row.severity),
            status_label=policy.label("status", row.status),
            domain_label=policy.label("domain", row.domain),
            owner=owners.get(row.id),
            channel_id=row.channel_id,
            restricted=row.restricted,
            declared_at=row.declared_at,
            open=row.resolved_at is None and row.closed_at is None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Visibility:
    """What decides who may know of an incident: restricted ones only to their channel's
    members (and a follow-up also to its owner, who is told of it by DM)."""

    incident_id: int
    restricted: bool
    channel_id: str | None
    followup_owner: str | None = None


def incident_visibility(session: Session, incident_id: int) -> Visibility | None:
    """None when there is no such incident."""
    row = session.execute(
        select(Incident.restricted, Incident.channel_id).where(Incident.id == incident_id)
    ).first()
    if row is None:
        return None
    return Visibility(incident_id, row.restricted, row.channel_id)


def followup_visibility(session: Session, followup_id: int) -> Visibility | None:
    """The follow-up's incident's visibility; None when there is no such follow-up."""
    row = session.execute(
        select(FollowUp.incident_id, FollowUp.owner, Incident.restricted, Incident.channel_id)
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(FollowUp.id == followup_id)
    ).first()
    if row is None:
        return None
    return Visibility(row.incident_id, row.restricted, row.channel_id, row.owner)
