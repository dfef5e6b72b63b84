"""The school's own vote held in the bot (issue 18): a person-keyed ballot of a school's staff on
a person it nominates, its one-time codes, and the nomination's link to it

Revision ID: 0019_exemplars
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019_exemplars"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("council_poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_council_poll_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key("fk_council_poll_unit_id", "unit", ["unit_id"], ["id"])

    op.create_table(
        "council_ballot_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["council_poll.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("council_ballot_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_ballot_code_poll_id"), ["poll_id"], unique=False)

    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_poll_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_nomination_school_poll_id", "council_poll", ["school_poll_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.drop_constraint("fk_nomination_school_poll_id", type_="foreignkey")
        batch_op.drop_column("school_poll_id")
    with op.batch_alter_table("council_ballot_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_ballot_code_poll_id"))
    op.drop_table("council_ballot_code")
    with op.batch_alter_table("council_poll", schema=None) as batch_op:
        batch_op.drop_constraint("fk_council_poll_unit_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_council_poll_unit_id"))
        batch_op.drop_column("unit_id")
