"""Council receipts: a council (or school, or conference) voter's tracker kept for them encrypted
(council_participation.receipt), shown again by /kiemtra as the blocs' are; nomination.vote_poll_id
dropped (a bloc meeting's ballot as a nomination's vote: no conversation ever set it)

Revision ID: 0020_council_receipts
Revises: 0019_minutes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_council_receipts"
down_revision: str | None = "0019_minutes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("council_participation", sa.Column("receipt", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("nomination") as batch:
        batch.drop_column("vote_poll_id")


def downgrade() -> None:
    with op.batch_alter_table("nomination") as batch:
        batch.add_column(sa.Column("vote_poll_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_nomination_vote_poll_id_poll", "poll", ["vote_poll_id"], ["id"])
    with op.batch_alter_table("council_participation") as batch:
        batch.drop_column("receipt")
