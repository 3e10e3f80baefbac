"""Escalation intake on incidents, surfaces on timeline events, an append-only timeline,
and the indexes the reports read by.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "timeline events are append-only"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER timeline_events_no_update BEFORE UPDATE ON timeline_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER timeline_events_no_delete BEFORE DELETE ON timeline_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
)
POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION timeline_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER timeline_events_append_only BEFORE UPDATE OR DELETE ON timeline_events
    FOR EACH ROW EXECUTE FUNCTION timeline_events_refuse_change()""",
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("external_ref", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("market", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("similar", sa.JSON(), nullable=False, server_default="[]"))
    _drop_server_default("incidents", "similar")
    op.create_index("ix_incidents_declared", "incidents", ["declared_at"])

    # Events written before this revision did not record their surface.
    with op.batch_alter_table("timeline_events") as batch:
        batch.add_column(
            sa.Column("surface", sa.String(length=16), nullable=False, server_default="unrecorded")
        )
    _drop_server_default("timeline_events", "surface")
    op.create_index(
        "ix_timeline_events_kind", "timeline_events", ["kind", "incident_id", "occurred_at"]
    )
    op.create_index("ix_containment_actions_occurred", "containment_actions", ["occurred_at"])

    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def _drop_server_default(table: str, column: str) -> None:
    """The default only filled existing rows; the models set the value from now on.

    SQLite cannot drop a default without rebuilding the table, and a rebuild of
    ``incidents`` would cascade-delete its children, so there the default stays.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(table, column, server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER timeline_events_append_only ON timeline_events")
        op.execute("DROP FUNCTION timeline_events_refuse_change()")
    else:
        op.execute("DROP TRIGGER timeline_events_no_update")
        op.execute("DROP TRIGGER timeline_events_no_delete")
    op.drop_index("ix_containment_actions_occurred", table_name="containment_actions")
    op.drop_index("ix_timeline_events_kind", table_name="timeline_events")
    with op.batch_alter_table("timeline_events") as batch:
        batch.drop_column("surface")
    op.drop_index("ix_incidents_declared", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("similar")
        batch.drop_column("market")
        batch.drop_column("external_ref")
        batch.drop_column("source")
