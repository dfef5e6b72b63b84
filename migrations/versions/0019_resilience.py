"""Resilience: a voter's tracker kept for them encrypted (participation.receipt); the updates
each process took and finished (handled_update), so a replayed update changes nothing

Revision ID: 0019_resilience
Revises: 0019_checkin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0019_resilience"
down_revision: str | None = "0019_checkin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("participation", sa.Column("receipt", sa.LargeBinary(), nullable=True))
    op.create_table(
        "handled_update",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("process", sa.String(length=32), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("taken_at", models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "update_id"),
    )
    op.create_index("ix_handled_update_taken_at", "handled_update", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_update_taken_at", table_name="handled_update")
    op.drop_table("handled_update")
    with op.batch_alter_table("participation") as batch:
        batch.drop_column("receipt")
