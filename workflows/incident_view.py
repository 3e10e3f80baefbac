"""Reading an incident back: the plain snapshot renderers and jobs are handed, and its holders.

Only reads; the changes are in ``workflows.incidents``, which re-exports these names so
callers keep one module to import.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ContainmentAction, Incident, RoleAssignment
from workflows.errors import IncidentNotFound
from workflows.policy import Policy
from workflows.similar import shown_on_card
from workflows.snapshots import IncidentSnapshot
from workflows.timeline import revision


def incident_in_channel(session: Session, channel_id: str) -> int | None:
    return session.scalar(select(Incident.id).where(Incident.channel_id == channel_id))


def load(session: Session, incident_id: int, policy: Policy) -> IncidentSnapshot:
    # The revision is read before the rest, so what is read is at least that recent.
    counted = revision(session, incident_id)
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    return snapshot(session, incident, policy, counted)


def snapshot(
    session: Session, incident: Incident, policy: Policy, counted: int | None = None
) -> IncidentSnapshot:
    """The incident as plain data; ``counted`` is its revision, when read before the row."""
    return IncidentSnapshot(
        id=incident.id,
        title=incident.title,
        description=incident.description,
        domain=incident.domain,
        domain_label=policy.label("domain", incident.domain),
        severity=incident.severity,
        severity_label=policy.label("severity", incident.severity),
        severity_description=next(
            (s.description for s in policy.severities if s.key == incident.severity), ""
        ),
        status=incident.status,
        status_label=policy.label("status", incident.status),
        restricted=incident.restricted,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        updated_at=incident.updated_at,
        owner=current_owner(session, incident.id, policy),
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        card_ts=incident.card_ts,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        oncall_paged=incident.oncall_paged,
        oncall_rotation=incident.oncall_rotation,
        due_at=incident.due_at,
        roles=_held_roles(session, incident.id, policy),
        containment=containment_totals(session, incident.id, policy),
        source_label=policy.intake.source_label(incident.source),
        external_ref=incident.external_ref,
        market=incident.market,
        similar=shown_on_card(session, incident.similar, policy),
        revision=revision(session, incident.id) if counted is None else counted,
    )


def current_assignment(session: Session, incident_id: int, role: str) -> RoleAssignment | None:
    """Who holds ``role`` now (the latest assignment not ended), if anybody."""
    return session.scalar(
        select(RoleAssignment)
        .where(
            RoleAssignment.incident_id == incident_id,
            RoleAssignment.role == role,
            RoleAssignment.ended_at.is_(None),
        )
        .order_by(RoleAssignment.id.desc())
        .limit(1)
    )


def current_owner(session: Session, incident_id: int, policy: Policy) -> str | None:
    """The user id holding the policy's owner role now; authorisation rules turn on it."""
    held = current_assignment(session, incident_id, policy.owner_role.key)
    return held.user_id if held else None


def containment_totals(
    session: Session, incident_id: int, policy: Policy
) -> tuple[tuple[str, int], ...]:
    """(kind label, total count): the policy's kinds in its order, then stray keys sorted."""
    totals = dict(
        session.execute(
            select(ContainmentAction.kind, func.sum(ContainmentAction.count))
            .where(ContainmentAction.incident_id == incident_id)
            .group_by(ContainmentAction.kind)
        ).all()
    )
    kinds = policy.lifecycle.containment_kinds
    known = [(kind.label, int(totals.pop(kind.key))) for kind in kinds if kind.key in totals]
    return tuple(known + [(key, int(total)) for key, total in sorted(totals.items())])


def _held_roles(session: Session, incident_id: int, policy: Policy) -> tuple[tuple[str, str], ...]:
    held = session.execute(
        select(RoleAssignment.role, RoleAssignment.user_id)
        .where(RoleAssignment.incident_id == incident_id, RoleAssignment.ended_at.is_(None))
        .order_by(RoleAssignment.id)
    ).all()
    order = {role.key: position for position, role in enumerate(policy.roles)}
    labels = {role.key: role.label for role in policy.roles}
    ranked = sorted(held, key=lambda row: order.get(row.role, len(order)))
    return tuple((labels.get(row.role, row.role), row.user_id) for row in ranked)
