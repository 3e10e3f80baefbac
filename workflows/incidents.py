"""The incident lifecycle: declare, change severity, status and owner, add notes, read back.

Every function takes the caller's session and leaves committing to it, and every
change of state appends a timeline event in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ContainmentAction, Incident, Reminder, RoleAssignment, TimelineEvent
from workflows.authorisation import (
    GroupMembers,
    enforce,
    nobody,
    severity_action,
    status_action,
)
from workflows.clock import Clock
from workflows.durations import format_duration
from workflows.errors import IncidentNotFound, InvalidInput
from workflows.insights_policy import MARKET_CODE
from workflows.lifecycle_policy import Action
from workflows.planning import replan
from workflows.policy import Policy
from workflows.similar import shown_on_card
from workflows.snapshots import IncidentSnapshot, StateChange, TimelineEntry

MAX_TITLE = 150
MAX_DESCRIPTION = 3000
MAX_NOTE = 3000
MAX_EXTERNAL_REF = 128

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]


class DeclareRequest(BaseModel):
    """What a declaration needs, whichever surface (command or modal) it came from."""

    model_config = ConfigDict(frozen=True)

    title: Title
    description: str = ""
    domain: str
    severity: str
    restricted: bool = False
    # Escalation intake: where it came from (a policy source key), its reference there
    # (a regulator's case number), the market it concerns, and the external deadline.
    source: str | None = None
    external_ref: str | None = None
    market: str | None = None
    due_at: datetime | None = None
    declared_by: str
    declare_key: str
    origin_channel_id: str | None = None
    confirmation_url: str | None = None


def declare(
    session: Session, request: DeclareRequest, policy: Policy, clock: Clock
) -> tuple[IncidentSnapshot, bool]:
    """Record a new incident; returns it and whether this call created it.

    A second call with the same ``declare_key`` (Slack retrying, a double submit)
    returns the incident the first call made.
    """
    _check_declare(request, policy)
    existing = session.scalar(select(Incident).where(Incident.declare_key == request.declare_key))
    if existing is not None:
        return snapshot(session, existing, policy), False
    now = clock.now()
    incident = Incident(
        title=request.title,
        description=request.description.strip(),
        domain=request.domain,
        severity=request.severity,
        status=policy.initial_status.key,
        restricted=request.restricted,
        source=_source(request.source, policy),
        external_ref=_external_ref(request.external_ref),
        market=_market(request.market, policy),
        due_at=request.due_at,
        similar=[],
        declared_by=request.declared_by,
        declared_at=now,
        updated_at=now,
        declare_key=request.declare_key,
        origin_channel_id=request.origin_channel_id,
        confirmation_url=request.confirmation_url,
        declarer_invited=False,
        card_pinned=False,
        topic_set=False,
        provision_attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(incident)
            session.flush()
    except IntegrityError:
        # Another replica inserted the same declare_key between our check and insert.
        raced = session.scalar(select(Incident).where(Incident.declare_key == request.declare_key))
        if raced is None:
            raise
        return snapshot(session, raced, policy), False
    record_event(
        session,
        incident,
        now,
        request.declared_by,
        "declared",
        f"Declared {policy.severity(request.severity).label}: {request.title}",
        {
            "severity": request.severity,
            "domain": request.domain,
            "restricted": request.restricted,
            "source": incident.source,
            "external_ref": incident.external_ref,
            "market": incident.market,
            "due_at": request.due_at.isoformat() if request.due_at else None,
        },
    )
    replan(session, incident, policy, now)
    return snapshot(session, incident, policy), True


def _check_declare(request: DeclareRequest, policy: Policy) -> None:
    if len(request.description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description is {len(request.description)} characters; "
            f"keep it under {MAX_DESCRIPTION}.",
            field="description",
        )
    if request.severity not in {s.key for s in policy.severities}:
        raise InvalidInput(f"Unknown severity {request.severity!r}.", field="severity")
    if request.domain not in {d.key for d in policy.domains}:
        raise InvalidInput(f"Unknown domain {request.domain!r}.", field="domain")
    _source(request.source, policy)
    _external_ref(request.external_ref)
    _market(request.market, policy)


def _source(text: str | None, policy: Policy) -> str | None:
    """The policy's key for a source named by key or label; empty means none."""
    if text is None or not text.strip():
        return None
    found = policy.intake.find_source(text)
    if found is None:
        choices = ", ".join(s.key for s in policy.intake.sources)
        message = f"Unknown source {text[:30]!r}. Choose one of {choices}."
        raise InvalidInput(message, field="source")
    return found.key


def _external_ref(text: str | None) -> str | None:
    """An external reference as written (``DSA-2026-117``), trimmed; empty means none."""
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_EXTERNAL_REF:
        raise InvalidInput(
            f"The external reference is {len(cleaned)} characters; keep it to {MAX_EXTERNAL_REF}.",
            field="external_ref",
        )
    return cleaned or None


def _market(text: str | None, policy: Policy) -> str | None:
    """A market code, upper-cased (``de`` is ``DE``); checked against the policy's list."""
    cleaned = (text or "").strip().upper()
    if not cleaned:
        return None
    if not MARKET_CODE.fullmatch(cleaned):
        raise InvalidInput(
            f"{cleaned[:20]!r} is not a market code; write a code such as DE, EU or US-CA.",
            field="market",
        )
    if policy.intake.markets and cleaned not in policy.intake.markets:
        choices = ", ".join(policy.intake.markets)
        raise InvalidInput(
            f"Market {cleaned!r} is not one this team covers: {choices}.", field="market"
        )
    return cleaned


def change_severity(
    session: Session,
    incident_id: int,
    severity: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> StateChange | None:
    """Set the severity; ``None`` when it already was that (a double click changes nothing).

    A downgrade (a severity later in the policy's list) is authorised as ``downgrade``;
    ``member_of`` resolves the user groups among the policy's admins.
    """
    if severity not in {s.key for s in policy.severities}:
        raise InvalidInput(f"Unknown severity {severity!r}.", field="severity")
    incident = locked(session, incident_id)
    change = _change(incident, "severity", severity, actor, policy)
    action = severity_action(policy, incident.severity, severity)
    if change is not None and action is not None:
        _authorise(session, incident_id, policy, action, actor, clock, member_of)
    if change is not None:
        incident.severity = severity
        now = clock.now()
        record_change(session, incident, now, change)
        replan(session, incident, policy, now)
    return change


def change_status(
    session: Session,
    incident_id: int,
    status: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
    preauthorised: bool = False,
) -> StateChange | None:
    """Move along the lifecycle, stamping the clock a status stops (contained, resolved...).

    Moving back before a stamped status (a reopen) clears the stamps after it,
    so time to resolve is measured to the final resolution.

    Authorised as ``reopen`` when moving back from a resolved or closed status, else as
    ``resolve`` or ``close`` when the target status stamps that clock, unless
    ``preauthorised``: a move checked when it was asked for and carried out later (the
    scheduled close), when the one who asked may no longer hold the incident.
    """
    keys = [s.key for s in policy.statuses]
    if status not in keys:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    incident = locked(session, incident_id)
    change = _change(incident, "status", status, actor, policy)
    if change is None:
        return None
    action = status_action(policy, incident.status, status)
    if action is not None and not preauthorised:
        _authorise(session, incident_id, policy, action, actor, clock, member_of)
    now = clock.now()
    target = keys.index(status)
    for position, step in enumerate(policy.statuses):
        if step.stamps is None:
            continue
        column = f"{step.stamps}_at"
        if step.key == status and getattr(incident, column) is None:
            setattr(incident, column, now)
        elif position > target:
            setattr(incident, column, None)
    incident.status = status
    record_change(session, incident, now, change)
    replan(session, incident, policy, now)
    return change


def assign_owner(
    session: Session,
    incident_id: int,
    user_id: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> StateChange | None:
    """Make ``user_id`` the owner; the previous holder's assignment is ended, not erased.

    The owner is the policy's owner role, so this is authorised as ``assign_role``; it
    is also how ``roles.assign`` assigns that role.
    """
    incident = locked(session, incident_id)
    role = policy.owner_role.key
    current = current_assignment(session, incident_id, role)
    if current is not None and current.user_id == user_id:
        return None
    enforce(
        session,
        incident_id,
        policy,
        "assign_role",
        actor,
        clock,
        owner=current.user_id if current else None,
        member_of=member_of,
    )
    now = clock.now()
    if current is not None:
        current.ended_at = now
        current.ended_by = actor
    session.add(
        RoleAssignment(
            incident_id=incident_id, role=role, user_id=user_id, assigned_by=actor, assigned_at=now
        )
    )
    change = StateChange(
        field="owner",
        actor=actor,
        before=current.user_id if current else None,
        after=user_id,
        before_label=None,
        after_label=policy.owner_role.label,
    )
    record_change(session, incident, now, change)
    return change


def acknowledge(
    session: Session, incident_id: int, actor: str, policy: Policy, clock: Clock
) -> StateChange | None:
    """Stop the acknowledgement clock (once); pending acknowledgement reminders are dropped."""
    incident = locked(session, incident_id)
    if incident.acknowledged_at is not None:
        return None
    now = clock.now()
    incident.acknowledged_at = now
    incident.acknowledged_by = actor
    change = StateChange(
        field="acknowledged",
        actor=actor,
        before=None,
        after=actor,
        before_label=None,
        after_label="acknowledged",
    )
    record_change(session, incident, now, change)
    replan(session, incident, policy, now)
    return change


def set_deadline(
    session: Session, incident_id: int, due_at: datetime, actor: str, policy: Policy, clock: Clock
) -> StateChange | None:
    """Set the external deadline (a regulator's response date, say) and plan its reminders."""
    incident = locked(session, incident_id)
    if incident.due_at == due_at:
        return None
    now = clock.now()
    before = incident.due_at
    incident.due_at = due_at
    change = StateChange(
        field="deadline",
        actor=actor,
        before=before.isoformat() if before else None,
        after=due_at.isoformat(),
        before_label=before.isoformat() if before else None,
        after_label=due_at.isoformat(),
    )
    record_change(session, incident, now, change)
    replan(session, incident, policy, now)
    return change


def record_status_update(
    session: Session,
    incident_id: int,
    text: str,
    actor: str,
    policy: Policy,
    clock: Clock,
    next_update_in: timedelta | None = None,
) -> TimelineEntry:
    """A status update for stakeholders; it restarts the update-reminder clock.

    ``next_update_in`` (promised in the update) replaces the severity's cadence once.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(
            "A status update needs text: `/incident update <what changed, what's next>`.",
            field="update",
        )
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"Keep status updates under {MAX_NOTE} characters.", field="update")
    incident = locked(session, incident_id)
    now = clock.now()
    incident.updated_at = now
    promise = {"next_update_in": int(next_update_in.total_seconds())} if next_update_in else {}
    event = record_event(session, incident, now, actor, "status_update", text, promise)
    replan(session, incident, policy, now)
    return entry_of(event)


def snooze(
    session: Session,
    reminder_id: int,
    length: timedelta,
    actor: str,
    policy: Policy,
    clock: Clock,
) -> tuple[int, str, datetime]:
    """Push the next reminder of the same kind back by ``length``: (incident, kind, until)."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or reminder.incident_id is None:
        raise InvalidInput("That reminder no longer exists.")
    incident = locked(session, reminder.incident_id)
    now = clock.now()
    until = now + length
    record_event(
        session,
        incident,
        now,
        actor,
        "snoozed",
        f"Snoozed {reminder.kind.replace('_', ' ')} reminders for {format_duration(length)}",
        {"kind": reminder.kind, "until": until.isoformat()},
    )
    replan(session, incident, policy, now)
    return incident.id, reminder.kind, until


def record_paged(session: Session, incident_id: int, clock: Clock) -> None:
    """The on-call was paged in the channel: say so on the timeline, once."""
    incident = locked(session, incident_id)
    if incident.oncall_paged_at is not None:
        return
    now = clock.now()
    incident.oncall_paged_at = now
    record_event(
        session,
        incident,
        now,
        None,
        "paged",
        f"Paged the on-call of {incident.oncall_rotation}",
        {"user": incident.oncall_paged, "rotation": incident.oncall_rotation},
    )


def add_note(
    session: Session, incident_id: int, text: str, actor: str, clock: Clock
) -> TimelineEntry:
    text = text.strip()
    if not text:
        raise InvalidInput(
            "A note needs some text: `/incident note <what happened>`.", field="note"
        )
    if len(text) > MAX_NOTE:
        raise InvalidInput(
            f"That note is {len(text)} characters; keep notes under {MAX_NOTE}.", field="note"
        )
    incident = locked(session, incident_id)
    now = clock.now()
    incident.updated_at = now
    event = record_event(session, incident, now, actor, "note", text, {})
    return entry_of(event)


def record_channel_renamed(
    session: Session, channel_id: str, new_name: str, clock: Clock
) -> int | None:
    """Keep the stored channel name in step with Slack; returns the incident id if any."""
    incident = session.scalar(
        select(Incident).where(Incident.channel_id == channel_id).with_for_update()
    )
    if incident is None or incident.channel_name == new_name:
        return None
    before = incident.channel_name
    incident.channel_name = new_name
    record_event(
        session,
        incident,
        clock.now(),
        None,
        "channel_renamed",
        f"Channel renamed from #{before} to #{new_name}",
        {"before": before, "after": new_name},
    )
    return incident.id


# Reading back


def incident_in_channel(session: Session, channel_id: str) -> int | None:
    return session.scalar(select(Incident.id).where(Incident.channel_id == channel_id))


def load(session: Session, incident_id: int, policy: Policy) -> IncidentSnapshot:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    return snapshot(session, incident, policy)


def timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    events = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    )
    return [entry_of(event) for event in events]


def snapshot(session: Session, incident: Incident, policy: Policy) -> IncidentSnapshot:
    owner = current_assignment(session, incident.id, policy.owner_role.key)
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
        owner=owner.user_id if owner else None,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        card_ts=incident.card_ts,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        oncall_paged=incident.oncall_paged,
        oncall_rotation=incident.oncall_rotation,
        due_at=incident.due_at,
        roles=_held_roles(session, incident.id, policy),
        containment=_containment_totals(session, incident.id, policy),
        source_label=policy.intake.source_label(incident.source),
        external_ref=incident.external_ref,
        market=incident.market,
        similar=shown_on_card(session, incident.similar, policy),
    )


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


def _containment_totals(
    session: Session, incident_id: int, policy: Policy
) -> tuple[tuple[str, int], ...]:
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


# Provisioning bookkeeping (the steps themselves live in workflows.provisioning)


def claim_provisioning(session: Session, incident_id: int, clock: Clock, lease: timedelta) -> bool:
    """Take a short lease on provisioning one incident, so two workers never race on it."""
    now = clock.now()
    result = session.execute(
        update(Incident)
        .where(
            Incident.id == incident_id,
            Incident.provisioned_at.is_(None),
            (Incident.provision_lease_until.is_(None)) | (Incident.provision_lease_until < now),
        )
        .values(provision_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def unprovisioned(session: Session, clock: Clock, older_than: timedelta, limit: int) -> list[int]:
    """Incidents whose Slack side is unfinished and nobody is working on."""
    now = clock.now()
    return list(
        session.scalars(
            select(Incident.id)
            .where(
                Incident.provisioned_at.is_(None),
                Incident.declared_at < now - older_than,
                (Incident.provision_lease_until.is_(None)) | (Incident.provision_lease_until < now),
            )
            .order_by(Incident.id)
            .limit(limit)
        )
    )


# Internals


def locked(session: Session, incident_id: int) -> Incident:
    """The incident, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    incident = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def current_assignment(session: Session, incident_id: int, role: str) -> RoleAssignment | None:
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


def _authorise(
    session: Session,
    incident_id: int,
    policy: Policy,
    action: Action,
    actor: str,
    clock: Clock,
    member_of: GroupMembers,
) -> None:
    """Refuse, and keep the refusal on the timeline, unless ``actor`` may take ``action``."""
    owner = current_assignment(session, incident_id, policy.owner_role.key)
    enforce(
        session,
        incident_id,
        policy,
        action,
        actor,
        clock,
        owner=owner.user_id if owner else None,
        member_of=member_of,
    )


def _change(
    incident: Incident,
    field: Literal["severity", "status"],
    value: str,
    actor: str,
    policy: Policy,
) -> StateChange | None:
    """The change setting ``field`` to ``value`` would make; ``None`` when it is already so."""
    before: str = getattr(incident, field)
    if before == value:
        return None
    return StateChange(
        field=field,
        actor=actor,
        before=before,
        after=value,
        before_label=policy.label(field, before),
        after_label=policy.label(field, value),
    )


def record_change(
    session: Session, incident: Incident, now: datetime, change: StateChange
) -> TimelineEvent:
    """Append the timeline event for a change and stamp the incident updated."""
    incident.updated_at = now
    # Plain text; renderers read user ids and times from ``data``.
    kind, text = {
        "owner": ("owner_changed", "Owner changed"),
        "acknowledged": ("acknowledged", "Acknowledged"),
        "deadline": ("deadline_set", f"External deadline set to {change.after}"),
    }.get(
        change.field,
        (
            f"{change.field}_changed",
            f"{change.field.capitalize()} {change.before_label} → {change.after_label}",
        ),
    )
    return record_event(
        session,
        incident,
        now,
        change.actor,
        kind,
        text,
        {"before": change.before, "after": change.after},
    )


def record_event(
    session: Session,
    incident: Incident,
    now: datetime,
    actor: str | None,
    kind: str,
    text: str,
    data: dict[str, Any],
) -> TimelineEvent:
    """Append one timeline event; the database refuses updates and deletes of its rows."""
    event = TimelineEvent(
        incident_id=incident.id,
        occurred_at=now,
        actor=actor,
        kind=kind,
        text=text,
        data=data,
    )
    session.add(event)
    session.flush()
    return event


def entry_of(event: TimelineEvent) -> TimelineEntry:
    """A timeline event as plain data for renderers."""
    return TimelineEntry(
        occurred_at=event.occurred_at,
        actor=event.actor,
        kind=event.kind,
        text=event.text,
        data=dict(event.data),
    )
