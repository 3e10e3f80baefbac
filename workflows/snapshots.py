"""Plain, immutable views of an incident handed out of the domain (to renderers, to jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from workflows.escalation_policy import Step


@dataclass(frozen=True)
class SimilarIncident:
    """A past incident offered on a new one's card: what it was, its cause, its report."""

    id: int
    title: str
    channel_id: str | None
    root_cause: str | None
    report_link: str | None
    why: str  # "same domain; shares “sneaker”, “counterfeit”"

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True)
class IncidentSnapshot:
    id: int
    title: str
    description: str
    domain: str
    domain_label: str
    severity: str
    severity_label: str
    severity_description: str
    status: str
    status_label: str
    restricted: bool
    declared_by: str
    declared_at: datetime
    updated_at: datetime
    owner: str | None
    channel_id: str | None
    channel_name: str | None
    card_ts: str | None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    oncall_paged: str | None = None
    oncall_rotation: str | None = None
    due_at: datetime | None = None
    # (role label, user id) for every role currently held, in the policy's order
    roles: tuple[tuple[str, str], ...] = ()
    # (containment kind label, total count), in the policy's order
    containment: tuple[tuple[str, int], ...] = ()
    # Escalation intake: source label, the reference there, the market.
    source_label: str | None = None
    external_ref: str | None = None
    market: str | None = None
    similar: tuple[SimilarIncident, ...] = ()
    # How many timeline events the incident had when this was read: every change writes
    # one, so a card rendered from this is stale once the count has moved on.
    revision: int = 0

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True)
class StateChange:
    """One change made to an incident, as the channel line and the timeline describe it."""

    field: Literal["severity", "status", "owner", "acknowledged", "deadline"]
    actor: str
    before: str | None
    after: str
    before_label: str | None
    after_label: str


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]


ReminderKind = Literal["acknowledge", "status_update", "deadline", "deadline_breach"]


@dataclass(frozen=True)
class ReminderNotice:
    """What one reminder message says and whom it pings (plain data for the gateway)."""

    reminder_id: int
    kind: ReminderKind
    step: Step | None
    incident: IncidentSnapshot
    ping: tuple[str, ...]
    ping_groups: tuple[str, ...]
    waited: timedelta
    deadline: datetime | None
    late_by: timedelta | None
    snooze: tuple[timedelta, ...]
    invite: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenIncident:
    """One line of a handoff digest. A restricted incident carries no title or channel."""

    id: int
    title: str | None
    severity_label: str
    status_label: str
    owner: str | None
    channel_id: str | None
    last_update_at: datetime | None
    due_at: datetime | None
    next_reminder_at: datetime | None

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True)
class HandoffDigest:
    handoff_id: int
    rotation: str
    starts_at: datetime
    ends_at: datetime
    incoming: str | None
    backup: str | None
    open_incidents: tuple[OpenIncident, ...]
    late_by: timedelta | None


@dataclass(frozen=True)
class HandbackDigest:
    rotation: str
    starts_at: datetime
    ends_at: datetime
    declared: tuple[int, ...]
    resolved: tuple[int, ...]
    escalations: int
    still_open: tuple[OpenIncident, ...]
    late_by: timedelta | None


@dataclass(frozen=True)
class ContainmentLogged:
    """One containment action as the channel line describes it.

    ``offer_status`` is set on an incident's first action while it is still before its
    "contained" status: the status key (and label) a "Mark contained" button moves it to.
    """

    id: int
    incident_id: int
    kind: str
    kind_label: str
    count: int
    note: str
    actor: str
    occurred_at: datetime
    offer_status: str | None = None
    offer_label: str | None = None


FollowUpNoticeKind = Literal["assigned", "due"]


@dataclass(frozen=True)
class FollowUpNotice:
    """A follow-up as its channel or one person is told about it: new, or due (a reminder).

    ``answers`` is who answers for it: its owner, else the incident's owner, else the
    incident's declarer.
    """

    kind: FollowUpNoticeKind
    followup_id: int
    incident_id: int
    incident_channel_id: str | None
    title: str
    owner: str | None
    answers: str
    created_by: str
    due_at: datetime | None
    late_by: timedelta | None = None
    snooze: timedelta | None = None
    restricted: bool = False  # then only its channel's members may be told what it is

    @property
    def incident_reference(self) -> str:
        return f"INC-{self.incident_id}"
