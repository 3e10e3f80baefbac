"""Signatures of accepted Slack requests, so a replayed request is refused on every replica.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_replays",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_request_replays")),
    )
    op.create_index("ix_request_replays_seen_at", "request_replays", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_request_replays_seen_at", table_name="request_replays")
    op.drop_table("request_replays")
