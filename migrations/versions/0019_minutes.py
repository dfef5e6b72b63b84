"""The minutes' chair and secretary as typed names, for people who have no chat account

Revision ID: 0019_minutes
Revises: 0019_resilience
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019_minutes"
down_revision: str | None = "0019_resilience"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        for name in ("chair_name", "secretary_name"):
            batch_op.add_column(
                sa.Column(
                    name, sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default=""
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("secretary_name")
        batch_op.drop_column("chair_name")
