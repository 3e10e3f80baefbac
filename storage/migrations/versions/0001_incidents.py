"""Incidents, role assignments and the timeline.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("declared_by", sa.String(length=32), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("contained_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolution_summary", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.String(length=64), nullable=True),
        sa.Column("declare_key", sa.String(length=255), nullable=False),
        sa.Column("origin_channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("declarer_invited", sa.Boolean(), nullable=False),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("card_pinned", sa.Boolean(), nullable=False),
        sa.Column("topic_set", sa.Boolean(), nullable=False),
        sa.Column("announcement_ts", sa.String(length=32), nullable=True),
        sa.Column("confirmation_url", sa.Text(), nullable=True),
        sa.Column("provisioned_at", UTCDateTime(), nullable=True),
        sa.Column("provision_attempts", sa.Integer(), nullable=False),
        sa.Column("provision_error", sa.Text(), nullable=True),
        sa.Column("provision_lease_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_incidents_channel_id")),
        sa.UniqueConstraint("declare_key", name=op.f("uq_incidents_declare_key")),
    )
    op.create_index(
        "ix_incidents_unprovisioned", "incidents", ["provisioned_at", "declared_at"], unique=False
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("assigned_by", sa.String(length=32), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_role_assignments_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
    )
    op.create_index(
        "ix_role_assignments_current",
        "role_assignments",
        ["incident_id", "role", "ended_at"],
        unique=False,
    )
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_timeline_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
    )
    op.create_index(
        "ix_timeline_events_incident",
        "timeline_events",
        ["incident_id", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_timeline_events_incident", table_name="timeline_events")
    op.drop_table("timeline_events")
    op.drop_index("ix_role_assignments_current", table_name="role_assignments")
    op.drop_table("role_assignments")
    op.drop_index("ix_incidents_unprovisioned", table_name="incidents")
    op.drop_table("incidents")
