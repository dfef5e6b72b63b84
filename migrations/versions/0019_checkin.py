"""The meeting room: wrong check-in codes per person and meeting (checkin_attempt)

Revision ID: 0019_checkin
Revises: 0019_exemplars
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0019_checkin"
down_revision: str | None = "0019_exemplars"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", models.types.UTCDateTime(), nullable=True),
        sa.Column("last_at", models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "person_id"),
    )
    op.create_index(op.f("ix_checkin_attempt_meeting_id"), "checkin_attempt", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_checkin_attempt_meeting_id"), table_name="checkin_attempt")
    op.drop_table("checkin_attempt")
