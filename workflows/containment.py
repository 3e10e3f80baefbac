"""Containment actions: what was done to stop the harm, counted, with running totals per kind.

Logging an action writes its row and an ``action_logged`` timeline event in one
transaction. An incident's first action, while it is still before the policy's
"contained" status, comes with an offer to mark it contained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ContainmentAction, Incident
from workflows import incidents
from workflows.authorisation import GroupMembers, nobody
from workflows.clock import Clock
from workflows.errors import IncidentNotFound, InvalidInput
from workflows.gateway import SlackGateway
from workflows.lifecycle_policy import Kind
from workflows.policy import Policy, Status
from workflows.snapshots import ContainmentLogged, IncidentSnapshot, StateChange

MAX_COUNT = 10_000_000
MAX_NOTE = 1000
RECENT = 20


@dataclass(frozen=True)
class ContainmentRecord:
    id: int
    kind: str
    kind_label: str
    count: int
    note: str
    actor: str
    occurred_at: datetime


@dataclass(frozen=True)
class ContainmentOverview:
    """What ``/incident actions`` shows: totals per kind and the latest actions."""

    incident_id: int
    totals: tuple[tuple[str, int], ...]
    recent: tuple[ContainmentRecord, ...]
    logged: int  # how many actions there are in all

    @property
    def reference(self) -> str:
        return f"INC-{self.incident_id}"


def find_kind(policy: Policy, text: str) -> Kind | None:
    """A containment kind by key or label, case-insensitively ("Listings removed" too)."""
    wanted = _normal(text)
    for kind in policy.lifecycle.containment_kinds:
        if wanted in (_normal(kind.key), _normal(kind.label)):
            return kind
    return None


def contained_status(policy: Policy) -> Status | None:
    """The status that stamps the "contained" clock, if the policy has one."""
    return next((s for s in policy.statuses if s.stamps == "contained"), None)


def log_action(
    session: Session,
    incident_id: int,
    kind: str,
    count: int,
    note: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> ContainmentLogged:
    """Record one action and its timeline event; say whether to offer "Mark contained".

    Authorised as ``containment``.
    """
    found = find_kind(policy, kind)
    if found is None:
        raise InvalidInput(f"Unknown containment kind {kind!r}.", field="kind")
    if not 0 < count <= MAX_COUNT:
        raise InvalidInput(f"A count is a whole number from 1 to {MAX_COUNT:,}.", field="count")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.", field="note")
    incident = incidents.locked(session, incident_id)
    incidents.authorise(session, incident_id, policy, "containment", actor, clock, member_of)
    first = _logged(session, incident_id) == 0
    now = clock.now()
    row = ContainmentAction(
        incident_id=incident_id,
        kind=found.key,
        count=count,
        note=note,
        actor=actor,
        occurred_at=now,
    )
    session.add(row)
    incident.updated_at = now
    text = f"Logged {found.label}: {count:,}" + (f" ({note})" if note else "")
    data = {"kind": found.key, "count": count, "note": note}
    incidents.record_event(session, incident, now, actor, "action_logged", text, data)
    offer = contained_status(policy) if first and _before_contained(incident, policy) else None
    return ContainmentLogged(
        id=row.id,
        incident_id=incident_id,
        kind=found.key,
        kind_label=found.label,
        count=count,
        note=note,
        actor=actor,
        occurred_at=now,
        offer_status=offer.key if offer else None,
        offer_label=offer.label if offer else None,
    )


def mark_contained(
    session: Session,
    incident_id: int,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> StateChange | None:
    """Move the incident to its "contained" status; None when it already is there or past it.

    A late click on an old offer never moves an incident backwards. Authorised as
    ``containment`` (by ``incidents.change_status``).
    """
    status = contained_status(policy)
    if status is None:
        raise InvalidInput("This workspace's lifecycle has no contained status.")
    incident = incidents.locked(session, incident_id)
    if not _before_contained(incident, policy):
        return None
    return incidents.change_status(
        session, incident_id, status.key, actor, policy, clock, member_of=member_of
    )


def overview(session: Session, incident_id: int, policy: Policy) -> ContainmentOverview:
    if session.get(Incident, incident_id) is None:
        raise IncidentNotFound(incident_id)
    labels = {kind.key: kind.label for kind in policy.lifecycle.containment_kinds}
    rows = session.scalars(
        select(ContainmentAction)
        .where(ContainmentAction.incident_id == incident_id)
        .order_by(ContainmentAction.occurred_at.desc(), ContainmentAction.id.desc())
        .limit(RECENT)
    )
    recent = tuple(
        ContainmentRecord(
            id=row.id,
            kind=row.kind,
            kind_label=labels.get(row.kind, row.kind),
            count=row.count,
            note=row.note,
            actor=row.actor,
            occurred_at=row.occurred_at,
        )
        for row in rows
    )
    return ContainmentOverview(
        incident_id=incident_id,
        totals=incidents.containment_totals(session, incident_id, policy),
        recent=recent,
        logged=_logged(session, incident_id),
    )


def publish_logged(
    gateway: SlackGateway, incident: IncidentSnapshot, logged: ContainmentLogged
) -> None:
    """The card's totals, the line in the channel, and the first action's offer."""
    if incident.channel_id is None:
        return  # Still being provisioned: the card will be posted with the totals.
    gateway.update_card(incident)
    gateway.post_containment(incident, logged)


def _before_contained(incident: Incident, policy: Policy) -> bool:
    keys = [s.key for s in policy.statuses]
    status = contained_status(policy)
    if status is None or incident.status not in keys:
        return False
    return keys.index(incident.status) < keys.index(status.key)


def _logged(session: Session, incident_id: int) -> int:
    """How many actions the incident has logged."""
    counted = session.scalar(
        select(func.count())
        .select_from(ContainmentAction)
        .where(ContainmentAction.incident_id == incident_id)
    )
    return counted or 0


def _normal(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
