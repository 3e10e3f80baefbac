"""Refusals that concern no one incident (exports, charts, stats, on-call overrides),
append-only like the timeline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "refusals are append-only"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER refusals_no_update BEFORE UPDATE ON refusals
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER refusals_no_delete BEFORE DELETE ON refusals
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
)
POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION refusals_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER refusals_append_only BEFORE UPDATE OR DELETE ON refusals
    FOR EACH ROW EXECUTE FUNCTION refusals_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusals")),
    )
    op.create_index("ix_refusals_occurred", "refusals", ["occurred_at"])
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER refusals_append_only ON refusals")
        op.execute("DROP FUNCTION refusals_refuse_change()")
    # SQLite drops a table's triggers with it.
    op.drop_index("ix_refusals_occurred", table_name="refusals")
    op.drop_table("refusals")
