"""A deadline extended for one unit (/mohan <task> <unit> [days])

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bloc_id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("task", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("until", models.types.UTCDateTime(), nullable=False),
        sa.Column("set_by_person_id", sa.Integer(), nullable=False),
        sa.Column("set_at", models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bloc_id"], ["bloc.id"]),
        sa.ForeignKeyConstraint(["school_year_id"], ["school_year.id"]),
        sa.ForeignKeyConstraint(["set_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bloc_id", "school_year_id", "task", "unit_id"),
    )
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_extension_bloc_id"), ["bloc_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deadline_extension_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_extension_unit_id"))
        batch_op.drop_index(batch_op.f("ix_deadline_extension_bloc_id"))
    op.drop_table("deadline_extension")
