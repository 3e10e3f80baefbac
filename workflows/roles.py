"""Incident roles: assigning one (history kept, never overwritten) and reading who held which.

The roles are the policy's (``roles:``). The owner role is the incident's owner, so it is
assigned through ``incidents.assign_owner`` (one implementation, one ``owner_changed``
event, whichever surface asked); every other role writes a ``role_assigned`` event with
``role``, ``user`` and ``before`` in its data. Both are authorised as ``assign_role``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import RoleAssignment
from workflows import incidents
from workflows.authorisation import GroupMembers, nobody
from workflows.clock import Clock
from workflows.errors import InvalidInput
from workflows.policy import Policy, Role


@dataclass(frozen=True)
class RoleChange:
    """One assignment made, as the channel line and the card describe it."""

    incident_id: int
    role: str
    label: str
    description: str
    user: str
    before: str | None
    actor: str
    owner: bool  # the policy's owner role: the card's Owner and the channel topic show it


@dataclass(frozen=True)
class Holding:
    """One person's time in a role."""

    user: str
    assigned_at: datetime
    assigned_by: str
    ended_at: datetime | None
    ended_by: str | None


@dataclass(frozen=True)
class RoleHistory:
    """A role on one incident: who holds it now, and who held it before (latest first)."""

    role: str
    label: str
    description: str
    current: Holding | None
    earlier: tuple[Holding, ...]


def find_role(policy: Policy, text: str) -> Role | None:
    """The role named by key or label, case-insensitively (``owner`` names the owner role)."""
    wanted = _normal(text)
    for role in policy.roles:
        if wanted in (_normal(role.key), _normal(role.label)):
            return role
    return policy.owner_role if wanted == "owner" else None


def assign(
    session: Session,
    incident_id: int,
    role: str,
    user_id: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> RoleChange | None:
    """Give ``user_id`` the role ``role`` (a key); None when they already hold it.

    The previous holder's assignment is ended (``ended_at``/``ended_by``), not erased.
    Authorised as ``assign_role``; a refusal is recorded and raised as ``NotAllowed``.
    """
    found = next((r for r in policy.roles if r.key == role), None)
    if found is None:
        raise InvalidInput(f"Unknown role {role!r}.", field="role")
    if found.owner:
        owner_change = incidents.assign_owner(
            session, incident_id, user_id, actor, policy, clock, member_of=member_of
        )
        return (
            None
            if owner_change is None
            else _change(incident_id, found, owner_change.before, user_id, actor)
        )
    incident = incidents.locked(session, incident_id)
    current = incidents.current_assignment(session, incident_id, found.key)
    if current is not None and current.user_id == user_id:
        return None
    incidents.authorise(session, incident_id, policy, "assign_role", actor, clock, member_of)
    now = clock.now()
    before = current.user_id if current else None
    incidents.hand_over(session, incident_id, found.key, current, user_id, actor, now)
    incident.updated_at = now
    incidents.record_event(
        session,
        incident,
        now,
        actor,
        "role_assigned",
        f"assigned the {found.label} role",
        {"role": found.key, "user": user_id, "before": before, "after": user_id},
    )
    return _change(incident_id, found, before, user_id, actor)


def history(session: Session, incident_id: int, policy: Policy) -> tuple[RoleHistory, ...]:
    """Every role of the policy, then any stored role it no longer lists, in that order."""
    rows = session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.incident_id == incident_id)
        .order_by(RoleAssignment.assigned_at.desc(), RoleAssignment.id.desc())
    ).all()
    by_role: dict[str, list[RoleAssignment]] = {}
    for row in rows:
        by_role.setdefault(row.role, []).append(row)
    known = [(role.key, role.label, role.description) for role in policy.roles]
    listed = {key for key, _, _ in known}
    stray = [(key, key, "") for key in sorted(by_role) if key not in listed]
    result = []
    for key, label, description in [*known, *stray]:
        held = [_holding(row) for row in by_role.get(key, [])]
        current = next((h for h in held if h.ended_at is None), None)
        result.append(
            RoleHistory(
                role=key,
                label=label,
                description=description,
                current=current,
                earlier=tuple(h for h in held if h is not current),
            )
        )
    return tuple(result)


def _change(
    incident_id: int, role: Role, before: str | None, user_id: str, actor: str
) -> RoleChange:
    return RoleChange(
        incident_id=incident_id,
        role=role.key,
        label=role.label,
        description=role.description,
        user=user_id,
        before=before,
        actor=actor,
        owner=role.owner,
    )


def _holding(row: RoleAssignment) -> Holding:
    return Holding(
        user=row.user_id,
        assigned_at=row.assigned_at,
        assigned_by=row.assigned_by,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
    )


def _normal(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
