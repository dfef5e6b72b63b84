"""What the minutes name besides the chair: the counting committee and the council's representative

Revision ID: 0008
Revises: 0014 (re-chained after merging main, which holds 0007 and 0014)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counting_committee", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "council_representative",
                sqlmodel.sql.sqltypes.AutoString(length=255),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("council_representative")
        batch_op.drop_column("counting_committee")
