"""Resolving, reopening and closing an incident, and posting its report.

* ``resolve`` records the resolution (summary, root cause, impact, follow-ups) and moves
  the incident to the policy's resolving status; that cancels its pending reminders.
* ``reopen`` moves a resolved or closed incident back to the first status; its reminders
  are planned again and a pending archive is cancelled.
* ``schedule_close`` plans the channel's archiving ``lifecycle.archive_after`` from now,
  as a reminder of kind ``archive``; ``ArchiveReminders`` fires it: it posts the report
  if none was posted yet (the channel is never archived before the report exists),
  archives the channel and moves the incident to the closing status.
* ``post_report`` renders the report, uploads it into the incident's own channel and
  notes that on the timeline.

Every database function takes the caller's session; the functions that talk to Slack
take a session factory and never hold a transaction open across a Slack call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Incident, Reminder
from workflows import followups as followup_domain
from workflows import incidents
from workflows.authorisation import GroupMembers, nobody
from workflows.clock import Clock, FixedClock
from workflows.errors import AlreadyDone, IncidentNotFound, InvalidInput
from workflows.gateway import SlackGateway
from workflows.planning import replan
from workflows.policy import Policy, Status
from workflows.reminders import Due, reconcile
from workflows.report import format_time, render_report
from workflows.snapshots import IncidentSnapshot, StateChange, TimelineEntry

ARCHIVE = "archive"
CLOSING_KINDS = (ARCHIVE,)

MAX_SUMMARY = 3000
MAX_IMPACT = 3000
MAX_FOLLOWUPS = 20

# The resolve form's inputs; a field error names one so Slack shows it under that input.
SUMMARY_FIELD = "resolution_summary"
ROOT_CAUSE_FIELD = "root_cause"
IMPACT_FIELD = "impact"
FOLLOWUPS_FIELD = "followups"


@dataclass(frozen=True)
class Reopened:
    change: StateChange
    channel_archived: bool


@dataclass(frozen=True)
class ClosePlan:
    entry: TimelineEntry
    archive_at: datetime
    report_needed: bool


def resolving_status(policy: Policy) -> Status:
    return next(s for s in policy.statuses if s.stamps == "resolved")


def closing_status(policy: Policy) -> Status | None:
    return next((s for s in policy.statuses if s.stamps == "closed"), None)


# Resolving and reopening


def check_resolvable(
    session: Session,
    incident_id: int,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> None:
    """Refuse before the form is filled in: already resolved or closed, or not ``actor``'s
    to resolve (``lifecycle.authorisation.resolve``, the refusal kept on the timeline;
    submitting checks it again)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    _refuse_if_resolved(incident)
    incidents.authorise(session, incident_id, policy, "resolve", actor, clock, member_of)


def resolve(
    session: Session,
    incident_id: int,
    summary: str,
    root_cause: str,
    impact: str | None,
    followups: Sequence[str],
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> TimelineEntry:
    """Record the resolution and move to the resolving status; returns the ``resolved`` event.

    Follow-ups (one title each; blank ones are skipped) are recorded without an owner.
    Nothing is written when any field is refused, or when ``actor`` may not resolve
    (``incidents.change_status`` enforces the policy's authorisation).
    """
    summary = summary.strip()
    impact = (impact or "").strip()
    titles = [title.strip() for title in followups if title.strip()]
    _check_resolution(summary, root_cause, impact, titles, policy)
    incident = incidents.locked(session, incident_id)
    _refuse_if_resolved(incident)
    incident.resolution_summary = summary
    incident.root_cause = root_cause
    incident.impact = impact or None
    incidents.change_status(
        session,
        incident_id,
        resolving_status(policy).key,
        actor,
        policy,
        clock,
        member_of=member_of,
    )
    cause = next(kind for kind in policy.lifecycle.root_causes if kind.key == root_cause)
    event = incidents.record_event(
        session,
        incident,
        clock.now(),
        actor,
        "resolved",
        summary,
        {
            "root_cause": root_cause,
            "root_cause_label": cause.label,
            "impact": impact or None,
            "followups": len(titles),
        },
    )
    for title in titles:
        # Under the ``resolve`` rule, already enforced: not ``followup`` as well.
        followup_domain.add_followup(
            session, incident_id, title, None, None, actor, clock, policy=None
        )
    return incidents.entry_of(event)


def _check_resolution(
    summary: str, root_cause: str, impact: str, titles: list[str], policy: Policy
) -> None:
    if not summary:
        raise InvalidInput("Say how it was resolved: the summary is required.", field=SUMMARY_FIELD)
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            f"The summary is {len(summary)} characters; keep it under {MAX_SUMMARY}.",
            field=SUMMARY_FIELD,
        )
    if root_cause not in {kind.key for kind in policy.lifecycle.root_causes}:
        raise InvalidInput("Choose a root-cause category.", field=ROOT_CAUSE_FIELD)
    if len(impact) > MAX_IMPACT:
        raise InvalidInput(
            f"The impact is {len(impact)} characters; keep it under {MAX_IMPACT}.",
            field=IMPACT_FIELD,
        )
    if len(titles) > MAX_FOLLOWUPS:
        raise InvalidInput(
            f"That is {len(titles)} follow-ups; add at most {MAX_FOLLOWUPS} here "
            "and the rest with `/incident followup`.",
            field=FOLLOWUPS_FIELD,
        )
    for number, title in enumerate(titles, start=1):
        if len(title) > followup_domain.MAX_TITLE:
            raise InvalidInput(
                f"Follow-up {number} is {len(title)} characters; "
                f"keep each under {followup_domain.MAX_TITLE}.",
                field=FOLLOWUPS_FIELD,
            )


def _refuse_if_resolved(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise AlreadyDone(
            f"{incident.reference} is already closed. `/incident reopen {incident.reference}` "
            "reopens it."
        )
    if incident.resolved_at is not None:
        raise AlreadyDone(
            f"{incident.reference} is already resolved. `/incident reopen` reopens it; "
            "`/incident close` archives its channel."
        )


def reopen(
    session: Session,
    incident_id: int,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> Reopened:
    """Back to the first status from resolved or closed; a pending archive is cancelled.

    Authorised as ``reopen`` (by ``incidents.change_status``, or here when the policy has
    no closing status to move back from).
    """
    incident = incidents.locked(session, incident_id)
    if incident.resolved_at is None and incident.closed_at is None:
        raise InvalidInput(
            f"{incident.reference} is not resolved or closed, so there is nothing to reopen."
        )
    before = policy.label("status", incident.status)
    first = policy.initial_status
    stamps = next((s.stamps for s in policy.statuses if s.key == incident.status), None)
    if stamps not in ("resolved", "closed"):
        # change_status authorises only moves back from a resolved or closed status.
        incidents.authorise(session, incident_id, policy, "reopen", actor, clock, member_of)
    incident.closed_at = None  # change_status clears it too when the policy has a closing status
    change = incidents.change_status(
        session, incident_id, first.key, actor, policy, clock, member_of=member_of
    )
    now = clock.now()
    if change is None:  # Already at the first status (a policy edited since): reopen anyway.
        incident.resolved_at = None
        replan(session, incident, policy, now)
        change = StateChange(
            field="status",
            actor=actor,
            before=incident.status,
            after=first.key,
            before_label=before,
            after_label=first.label,
        )
    incidents.record_event(
        session,
        incident,
        now,
        actor,
        "reopened",
        f"Reopened (was {before})",
        {"before": change.before, "after": first.key},
    )
    _plan_archive(session, incident_id, {}, now)
    return Reopened(change=change, channel_archived=incident.channel_archived_at is not None)


# Closing


def schedule_close(
    session: Session,
    incident_id: int,
    actor: str,
    policy: Policy,
    clock: Clock,
    *,
    member_of: GroupMembers = nobody,
) -> ClosePlan:
    """Plan the archiving of a resolved incident's channel ``lifecycle.archive_after`` from now.

    This is where ``close`` is authorised: the archiving itself is Firebreak's, later.
    """
    incident = incidents.locked(session, incident_id)
    if incident.closed_at is not None:
        raise AlreadyDone(f"{incident.reference} is already closed.")
    if incident.resolved_at is None:
        raise InvalidInput(
            f"{incident.reference} is not resolved yet, so it cannot be closed. "
            "Resolve it first with `/incident resolve`; then `/incident close` archives "
            "its channel."
        )
    if incident.channel_id is None:
        raise InvalidInput(f"{incident.reference} has no channel yet; try again in a minute.")
    incidents.authorise(session, incident_id, policy, "close", actor, clock, member_of)
    key = _archive_key(incident)
    pending = session.scalar(
        select(Reminder).where(Reminder.key == key, Reminder.state.in_(("pending", "sending")))
    )
    if pending is not None:
        raise AlreadyDone(
            f"{incident.reference} is already closing: its channel is archived at "
            f"{format_time(pending.due_at)}. `/incident reopen` cancels that."
        )
    now = clock.now()
    archive_at = now + policy.lifecycle.archive_after
    data = {"actor": actor, "resolved_at": _stamp(incident)}
    _plan_archive(session, incident_id, {key: (ARCHIVE, 0, archive_at, data)}, now)
    event = incidents.record_event(
        session,
        incident,
        now,
        actor,
        "close_scheduled",
        f"Closing: the channel will be archived at {format_time(archive_at)}",
        {"archive_at": archive_at.isoformat()},
    )
    return ClosePlan(
        entry=incidents.entry_of(event),
        archive_at=archive_at,
        report_needed=incident.report_posted_at is None,
    )


def _archive_key(incident: Incident) -> str:
    # One archive per resolution: a reopened and resolved-again incident closes afresh.
    return f"inc{incident.id}:{ARCHIVE}:{_stamp(incident)}"


def _stamp(incident: Incident) -> str:
    return incident.resolved_at.isoformat() if incident.resolved_at else "unresolved"


def _plan_archive(
    session: Session,
    incident_id: int,
    desired: dict[str, tuple[str, int, datetime, dict[str, Any]]],
    now: datetime,
) -> None:
    reconcile(
        session, owner={"incident_id": incident_id}, desired=desired, now=now, kinds=CLOSING_KINDS
    )


def record_closed(
    session: Session, incident_id: int, requested_by: str, policy: Policy, now: datetime
) -> None:
    """The channel is archived: the incident moves to the closing status (stamping closed_at).

    ``/incident close`` was authorised when it was typed; the move is carried out now.
    """
    target = closing_status(policy)
    if target is not None:
        incidents.change_status(
            session,
            incident_id,
            target.key,
            requested_by,
            policy,
            FixedClock(now),
            preauthorised=True,
        )
    incident = incidents.locked(session, incident_id)
    incident.closed_at = now  # also when the policy has no closing status
    incident.channel_archived_at = now
    incidents.record_event(
        session,
        incident,
        now,
        None,
        "closed",
        f"Closed and the channel #{incident.channel_name or incident.channel_id} archived",
        {"requested_by": requested_by, "channel": incident.channel_id},
    )
    replan(session, incident, policy, now)


@dataclass(frozen=True)
class ArchiveReminders:
    """The runner's handler for ``archive``: report (if missing), archive, close."""

    sessions: sessionmaker[Session]
    gateway: SlackGateway
    policy: Policy
    clock: Clock

    def send(self, due: Due) -> dict[str, Any] | None:
        if due.incident_id is None:
            return None
        with self.sessions() as session:
            incident = session.get(Incident, due.incident_id)
            if (
                incident is None
                or incident.closed_at is not None
                or incident.resolved_at is None
                or _stamp(incident) != due.data.get("resolved_at")
                or incident.channel_id is None
            ):
                return None  # Reopened (or moved back) since `/incident close`: nothing to do.
            needs_report = incident.report_posted_at is None
            archived = incident.channel_archived_at is not None
            snapshot = incidents.snapshot(session, incident, self.policy)
        if archived:
            # Closed before, reopened, resolved again: the channel stayed archived (Slack
            # does not let a bot unarchive), and the report of the first close is in it.
            self.gateway.archive_channel(str(snapshot.channel_id))
            return {"channel": snapshot.channel_id}
        if needs_report:
            post_report(self.sessions, self.gateway, snapshot.id, None, self.policy, self.clock)
        closed = _as_closed(snapshot, self.policy)
        self.gateway.update_card(closed)
        self.gateway.post_closed(closed)
        self.gateway.archive_channel(str(snapshot.channel_id))
        return {"channel": snapshot.channel_id}

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        assert due.incident_id is not None
        record_closed(session, due.incident_id, str(due.data.get("actor")), self.policy, now)


def _as_closed(snapshot: IncidentSnapshot, policy: Policy) -> IncidentSnapshot:
    """How the card reads once closed, shown just before the channel is archived."""
    target = closing_status(policy)
    if target is None:
        return snapshot
    return dataclasses.replace(snapshot, status=target.key, status_label=target.label)


# The report


def report_filename(incident_id: int) -> str:
    return f"INC-{incident_id}-report.md"


def post_report(
    sessions: sessionmaker[Session],
    gateway: SlackGateway,
    incident_id: int,
    actor: str | None,
    policy: Policy,
    clock: Clock,
) -> str:
    """Upload the report into the incident's own channel and note it; returns the file id."""
    with sessions() as session:
        content = render_report(session, incident_id, policy)
        current = incidents.load(session, incident_id, policy)
    if current.channel_id is None:
        raise InvalidInput(f"{current.reference} has no channel yet; try again in a minute.")
    uploaded = gateway.upload_report(
        current.channel_id,
        report_filename(incident_id),
        content,
        f"{current.reference} incident report",
    )
    with sessions.begin() as session:
        incident = incidents.locked(session, incident_id)
        now = clock.now()
        incident.report_posted_at = now
        incidents.record_event(
            session,
            incident,
            now,
            actor,
            "report_posted",
            f"Incident report posted ({report_filename(incident_id)})",
            {"file": uploaded.id, "permalink": uploaded.permalink},
        )
    return uploaded.id


def publish_resolved(
    gateway: SlackGateway,
    incident: IncidentSnapshot,
    entry: TimelineEntry,
    broadcast: str | None,
) -> None:
    """Show a saved resolution: card, topic, the channel and the broadcast channel."""
    if incident.channel_id is None:
        return
    gateway.update_card(incident)
    gateway.set_topic(incident)
    gateway.post_resolution(incident, entry, broadcast)
