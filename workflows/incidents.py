"""The incident lifecycle: change severity, status and owner, acknowledge, add notes.

Every function takes the caller's session and leaves committing to it, and every
change of state appends a timeline event in the same transaction.

This is the module callers import for an incident: it also re-exports declaring
(``workflows.declaration``), reading back (``workflows.incident_view``) and the
timeline (``workflows.timeline``), which live in their own modules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident, Reminder, RoleAssignment, TimelineEvent
from workflows.authorisation import (
    GroupMembers,
    enforce,
    nobody,
    severity_action,
    status_action,
)
from workflows.clock import Clock
from workflows.declaration import MAX_DESCRIPTION as MAX_DESCRIPTION
from workflows.declaration import MAX_EXTERNAL_REF as MAX_EXTERNAL_REF
from workflows.declaration import MAX_TITLE as MAX_TITLE
from workflows.declaration import DeclareRequest as DeclareRequest
from workflows.declaration import check_declare as check_declare
from workflows.declaration import declare as declare
from workflows.durations import format_duration
from workflows.errors import IncidentNotFound, InvalidInput
from workflows.incident_view import containment_totals as containment_totals
from workflows.incident_view import current_assignment as current_assignment
from workflows.incident_view import current_owner as current_owner
from workflows.incident_view import incident_in_channel as incident_in_channel
from workflows.incident_view import load as load
from workflows.incident_view import snapshot as snapshot
from workflows.lifecycle_policy import IncidentAction
from workflows.planning import replan
from workflows.policy import Policy
from workflows.snapshots import StateChange, TimelineEntry
from workflows.timeline import entry_of as entry_of
from workflows.timeline import record_event as record_event
from workflows.timeline import timeline as timeline

MAX_NOTE = 3000


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
    if change is None:
        return None
    action = severity_action(policy, incident.severity, severity)
    if action is not None:
        authorise(session, incident_id, policy, action, actor, clock, member_of)
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
        authorise(session, incident_id, policy, action, actor, clock, member_of)
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
    authorise(session, incident_id, policy, "assign_role", actor, clock, member_of)
    now = clock.now()
    hand_over(session, incident_id, role, current, user_id, actor, now)
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
    session: Session,
    incident_id: int,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> StateChange | None:
    """Stop the acknowledgement clock (once); pending acknowledgement reminders are dropped.

    Authorised as ``acknowledge``.
    """
    incident = locked(session, incident_id)
    if incident.acknowledged_at is not None:
        return None
    authorise(session, incident_id, policy, "acknowledge", actor, clock, member_of)
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
    session: Session,
    incident_id: int,
    due_at: datetime,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> StateChange | None:
    """Set the external deadline (a regulator's response date, say) and plan its reminders.

    Authorised as ``deadline``.
    """
    incident = locked(session, incident_id)
    if incident.due_at == due_at:
        return None
    authorise(session, incident_id, policy, "deadline", actor, clock, member_of)
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
    *,
    member_of: GroupMembers = nobody,
) -> TimelineEntry:
    """A status update for stakeholders; it restarts the update-reminder clock.

    ``next_update_in`` (promised in the update) replaces the severity's cadence once.
    Authorised as ``update``.
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
    authorise(session, incident_id, policy, "update", actor, clock, member_of)
    now = clock.now()
    incident.updated_at = now
    promise = {"next_update_in": int(next_update_in.total_seconds())} if next_update_in else {}
    event = record_event(session, incident, now, actor, "status_update", text, promise)
    replan(session, incident, policy, now)
    return entry_of(event)


def record_update_form(
    session: Session,
    incident_id: int,
    *,
    status: str | None,
    happened: str,
    doing: str,
    next_update_in: timedelta,
    actor: str,
    policy: Policy,
    clock: Clock,
    member_of: GroupMembers = nobody,
) -> tuple[StateChange | None, TimelineEntry]:
    """The update form: an optional move along the lifecycle and the update, together.

    The update is authorised before the move, so a refused form changes nothing.
    """
    happened, doing = happened.strip(), doing.strip()
    if not happened:
        raise InvalidInput("Say what happened since the last update.", field="happened")
    locked(session, incident_id)
    authorise(session, incident_id, policy, "update", actor, clock, member_of)
    change = None
    if status:
        change = change_status(
            session, incident_id, status, actor, policy, clock, member_of=member_of
        )
    text = f"What happened: {happened}\nWhat we're doing: {doing or '—'}"
    entry = record_status_update(
        session, incident_id, text, actor, policy, clock, next_update_in, member_of=member_of
    )
    return change, entry


def snooze(
    session: Session,
    reminder_id: int,
    length: timedelta,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> tuple[int, str, datetime]:
    """Push the next reminder of the same kind back by ``length``: (incident, kind, until).

    Authorised as ``snooze``.
    """
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or reminder.incident_id is None:
        raise InvalidInput("That reminder no longer exists.")
    incident = locked(session, reminder.incident_id)
    authorise(session, incident.id, policy, "snooze", actor, clock, member_of)
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
    session: Session,
    incident_id: int,
    text: str,
    actor: str,
    clock: Clock,
    *,
    policy: Policy | None,
    member_of: GroupMembers = nobody,
) -> TimelineEntry:
    """A note on the timeline; unlike a status update it restarts no reminder clock.

    Authorised as ``note`` against ``policy``; every caller says which (None: the caller
    has already authorised it).
    """
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
    if policy is not None:
        authorise(session, incident_id, policy, "note", actor, clock, member_of)
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


# Internals shared with ``workflows.roles``, ``workflows.closing`` and the like


def locked(session: Session, incident_id: int) -> Incident:
    """The incident, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    incident = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def authorise(
    session: Session,
    incident_id: int,
    policy: Policy,
    action: IncidentAction,
    actor: str,
    clock: Clock,
    member_of: GroupMembers,
) -> None:
    """Refuse, and keep the refusal on the timeline, unless ``actor`` may take ``action``.

    The rules turn on who owns the incident now, so this reads that first.
    """
    enforce(
        session,
        incident_id,
        policy,
        action,
        actor,
        clock,
        owner=current_owner(session, incident_id, policy),
        member_of=member_of,
    )


def hand_over(
    session: Session,
    incident_id: int,
    role: str,
    current: RoleAssignment | None,
    user_id: str,
    actor: str,
    now: datetime,
) -> None:
    """Give ``role`` to ``user_id``: the ``current`` holding is ended, not erased (history)."""
    if current is not None:
        current.ended_at = now
        current.ended_by = actor
    session.add(
        RoleAssignment(
            incident_id=incident_id, role=role, user_id=user_id, assigned_by=actor, assigned_at=now
        )
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
