"""The incident domain's tables.

Names follow DESIGN.md: an incident, its role assignments (history kept) and
its append-only timeline. Slack provisioning progress lives on the incident so
that a declare interrupted by a Slack failure can be resumed step by step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.surfaces import current_surface
from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so Alembic can alter constraints on SQLite."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Incident(Base):
    """One incident. Its primary key is the number shown as ``INC-<id>``."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))
    restricted: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime | None]
    # Escalation intake: where it came from, its reference there, the market it concerns.
    source: Mapped[str | None] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(128))
    market: Mapped[str | None] = mapped_column(String(16))
    # Past incidents offered on the card at declaration: [{"id": 12, "score": 0.4, "why": …}].
    similar: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    declared_by: Mapped[str] = mapped_column(String(32))
    declared_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    contained_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(String(64))
    impact: Mapped[str | None] = mapped_column(Text)
    report_posted_at: Mapped[datetime | None]
    channel_archived_at: Mapped[datetime | None]

    # Idempotency: one declare request (a slash command's trigger or a modal's view id)
    # makes at most one incident, however often Slack retries it or a user double-submits.
    declare_key: Mapped[str] = mapped_column(String(255), unique=True)
    origin_channel_id: Mapped[str | None] = mapped_column(String(32))

    # Slack provisioning, resumable step by step.
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    declarer_invited: Mapped[bool] = mapped_column(default=False)
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_pinned: Mapped[bool] = mapped_column(default=False)
    topic_set: Mapped[bool] = mapped_column(default=False)
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    confirmation_url: Mapped[str | None] = mapped_column(Text)
    # The on-call rotation paged for this incident, and whom it paged (resolved to a user id).
    oncall_rotation: Mapped[str | None] = mapped_column(String(64))
    oncall_paged: Mapped[str | None] = mapped_column(String(32))
    oncall_paged_at: Mapped[datetime | None]
    provisioned_at: Mapped[datetime | None]
    provision_attempts: Mapped[int] = mapped_column(default=0)
    provision_error: Mapped[str | None] = mapped_column(Text)
    provision_lease_until: Mapped[datetime | None]

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", order_by="RoleAssignment.id"
    )
    events: Mapped[list[TimelineEvent]] = relationship(
        back_populates="incident", order_by="TimelineEvent.id"
    )

    __table_args__ = (
        Index("ix_incidents_unprovisioned", "provisioned_at", "declared_at"),
        Index("ix_incidents_declared", "declared_at"),
    )

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


class RoleAssignment(Base):
    """Who held a role on an incident, and when. Never overwritten: a reassignment ends the row."""

    __tablename__ = "role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(32))

    incident: Mapped[Incident] = relationship(back_populates="roles")

    __table_args__ = (Index("ix_role_assignments_current", "incident_id", "role", "ended_at"),)


class TimelineEvent(Base):
    """An append-only fact about an incident: every change of state writes one.

    The database refuses to update or delete a row (triggers from migration 0004), so the
    timeline is an audit trail: who, what, before and after (in ``data``), when, and
    through which surface.
    """

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    surface: Mapped[str] = mapped_column(String(16), default=current_surface)

    incident: Mapped[Incident] = relationship(back_populates="events")

    __table_args__ = (
        Index("ix_timeline_events_incident", "incident_id", "occurred_at"),
        Index("ix_timeline_events_kind", "kind", "incident_id", "occurred_at"),
    )


class OnCallOverride(Base):
    """A cover or swap: ``user_id`` is the rotation's primary in [starts_at, ends_at)."""

    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_oncall_overrides_window", "rotation", "ends_at", "starts_at"),)


class Reminder(Base):
    """Something due at a time: the scheduler only wakes code that claims due rows.

    ``state`` moves pending → sending (claimed until ``claimed_until``) → sent, or to
    cancelled. ``key`` is unique, so two replicas planning the same reminder insert one.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_reminders_due", "state", "due_at"),
        Index("ix_reminders_incident", "incident_id", "state"),
    )


class Handoff(Base):
    """A weekend handoff (or Monday handback) of one rotation, posted once per window."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    window_starts_at: Mapped[datetime]
    window_ends_at: Mapped[datetime]
    incoming: Mapped[str | None] = mapped_column(String(32))
    backup: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    escalated_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("rotation", "kind", "window_starts_at"),)


class ContainmentAction(Base):
    """What was done to contain harm, counted: 1,240 listings removed, 37 accounts suspended."""

    __tablename__ = "containment_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    count: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_containment_actions_incident", "incident_id", "kind"),
        Index("ix_containment_actions_occurred", "occurred_at"),
    )


class FollowUp(Base):
    """Work an incident leaves behind, owned and dated, tracked until done."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_follow_ups_open", "status", "due_at"),)


class RequestReplay(Base):
    """An accepted Slack request's signature; a second arrival of it is a replay.

    Kept only for Slack's five-minute signing window, so the table stays tiny.
    """

    __tablename__ = "request_replays"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]

    __table_args__ = (Index("ix_request_replays_seen_at", "seen_at"),)


class Refusal(Base):
    """An attempt the policy refused that concerns no one incident (an export, an override).

    Refusals of an incident's steps are on its timeline (kind ``refused``); these have no
    incident to hang on. Append-only, like the timeline (triggers from migration 0006).
    """

    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    surface: Mapped[str] = mapped_column(String(16), default=current_surface)
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_refusals_occurred", "occurred_at"),)
