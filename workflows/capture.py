"""Capturing a Slack message on the incident timeline (the pin-emoji reaction)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent
from workflows import incidents
from workflows.authorisation import GroupMembers, nobody
from workflows.clock import Clock
from workflows.policy import Policy
from workflows.snapshots import TimelineEntry
from workflows.timeline import entry_of, record_event

MAX_CAPTURED = 3000


@dataclass(frozen=True)
class CapturedMessage:
    channel_id: str
    ts: str
    author: str | None
    text: str
    permalink: str | None


def capture(
    session: Session,
    incident_id: int,
    message: CapturedMessage,
    actor: str,
    clock: Clock,
    *,
    policy: Policy | None,
    member_of: GroupMembers = nobody,
) -> TimelineEntry | None:
    """Add the message to the timeline once; a second reaction on it adds nothing.

    A capture is a note: authorised as ``note`` against ``policy`` (None: the caller has
    already authorised it).
    """
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        return None
    already = session.scalars(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "pinned_message"
        )
    ).all()
    if any(data.get("ts") == message.ts for data in already):
        return None
    if policy is not None:
        incidents.authorise(session, incident_id, policy, "note", actor, clock, member_of)
    now = clock.now()
    text = message.text if len(message.text) <= MAX_CAPTURED else message.text[:MAX_CAPTURED] + "…"
    incident.updated_at = now
    data = {"ts": message.ts, "author": message.author, "permalink": message.permalink}
    event = record_event(session, incident, now, actor, "pinned_message", text, data)
    return entry_of(event)
