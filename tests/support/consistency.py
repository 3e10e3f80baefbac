"""The whole database's invariants, checked after faults and races.

"Every change of state writes one timeline event, in the same transaction" is the
promise a crash, a database restart or two racing replicas could break: an incident
without its ``declared`` event, a role or a containment action without its event, a
severity whose history does not chain (a lost update). ``problems`` lists every
breach in words; ``assert_consistent`` fails a test with all of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ContainmentAction, Incident, Reminder, RoleAssignment, TimelineEvent

REMINDER_STATES = frozenset({"pending", "sending", "sent", "cancelled", "superseded"})


def assert_consistent(session: Session, *, owner_role: str = "commander") -> None:
    found = problems(session, owner_role=owner_role)
    assert not found, "the database is inconsistent:\n  " + "\n  ".join(found)


def problems(session: Session, *, owner_role: str = "commander") -> list[str]:
    """Every invariant breach in the database, one line each; empty when all hold."""
    events: dict[int, list[TimelineEvent]] = defaultdict(list)
    for event in session.scalars(select(TimelineEvent).order_by(TimelineEvent.id)):
        events[event.incident_id].append(event)
    roles: dict[int, list[RoleAssignment]] = defaultdict(list)
    for row in session.scalars(select(RoleAssignment).order_by(RoleAssignment.id)):
        roles[row.incident_id].append(row)
    actions: dict[int, list[ContainmentAction]] = defaultdict(list)
    for action in session.scalars(select(ContainmentAction).order_by(ContainmentAction.id)):
        actions[action.incident_id].append(action)
    found: list[str] = []
    for incident in session.scalars(select(Incident).order_by(Incident.id)):
        found += [
            f"{incident.reference}: {problem}"
            for problem in _incident_problems(
                incident,
                events[incident.id],
                roles[incident.id],
                actions[incident.id],
                owner_role,
            )
        ]
    found += _reminder_problems(session.scalars(select(Reminder)))
    return found


def _incident_problems(
    incident: Incident,
    events: list[TimelineEvent],
    roles: list[RoleAssignment],
    actions: list[ContainmentAction],
    owner_role: str,
) -> list[str]:
    found: list[str] = []
    declared = [e for e in events if e.kind == "declared"]
    if len(declared) != 1:
        return [f"has {len(declared)} `declared` events, not one"]
    if events[0].kind != "declared":
        found.append(f"its first event is {events[0].kind!r}, not `declared`")
    found += _chain(
        "severity", declared[0].data.get("severity"), incident.severity, _of(events, "severity")
    )
    statuses = _of(events, "status")
    if statuses:
        found += _chain("status", statuses[0].get("before"), incident.status, statuses)
    owners = _of(events, "owner")
    current_owner = next(
        (r.user_id for r in reversed(roles) if r.role == owner_role and r.ended_at is None), None
    )
    found += _chain("owner", None, current_owner, owners)
    found += _role_problems(roles, events, owner_role)
    found += _containment_problems(actions, events)
    acknowledged = sum(e.kind == "acknowledged" for e in events)
    if (incident.acknowledged_at is not None) != (acknowledged == 1) or acknowledged > 1:
        found.append(
            f"acknowledged_at is {incident.acknowledged_at} with {acknowledged} "
            "`acknowledged` events"
        )
    if incident.card_ts is not None and incident.channel_id is None:
        found.append("has a card but no channel")
    if incident.provisioned_at is not None and incident.card_ts is None:
        found.append("is marked provisioned without a card")
    return found


def _of(events: Iterable[TimelineEvent], field: str) -> list[dict[str, Any]]:
    kind = "owner_changed" if field == "owner" else f"{field}_changed"
    return [e.data for e in events if e.kind == kind]


def _chain(field: str, first: Any, final: Any, changes: list[dict[str, Any]]) -> list[str]:
    """Each change starts where the previous ended, and the last ends at the row's value.

    Two writers that both read the old value (a lost update) break the chain.
    """
    found: list[str] = []
    value = first
    for change in changes:
        if change.get("before") != value:
            found.append(
                f"{field} history breaks: a change from {change.get('before')!r} "
                f"follows one to {value!r}"
            )
        value = change.get("after")
    if value != final:
        found.append(f"{field} is {final!r} but its history ends at {value!r}")
    return found


def _role_problems(
    roles: list[RoleAssignment], events: list[TimelineEvent], owner_role: str
) -> list[str]:
    found: list[str] = []
    open_per_role = Counter(r.role for r in roles if r.ended_at is None)
    found += [f"{n} people hold {role} at once" for role, n in open_per_role.items() if n > 1]
    held = Counter((r.role, r.user_id) for r in roles)
    recorded = Counter(
        (str(e.data.get("role")), str(e.data.get("user")))
        for e in events
        if e.kind == "role_assigned"
    ) + Counter((owner_role, str(e.data.get("after"))) for e in events if e.kind == "owner_changed")
    if held != recorded:
        found.append(
            f"role assignments {dict(held)} do not match their timeline events {dict(recorded)}"
        )
    return found


def _containment_problems(
    actions: list[ContainmentAction], events: list[TimelineEvent]
) -> list[str]:
    logged = [e.data for e in events if e.kind == "action_logged"]
    rows = Counter((a.kind, a.count) for a in actions)
    recorded = Counter((str(d.get("kind")), int(d.get("count", 0))) for d in logged)
    if rows != recorded:
        return [f"containment actions {dict(rows)} do not match their events {dict(recorded)}"]
    return []


def _reminder_problems(reminders: Iterable[Reminder]) -> list[str]:
    found: list[str] = []
    for reminder in reminders:
        if reminder.state not in REMINDER_STATES:
            found.append(f"reminder {reminder.key} is in unknown state {reminder.state!r}")
        if (reminder.state == "sent") != (reminder.sent_at is not None):
            found.append(
                f"reminder {reminder.key} is {reminder.state} with sent_at {reminder.sent_at}"
            )
    return found
