"""conversation_state.state as TEXT: a step's notes hold what was typed (a nominee's achievements
in full, a pasted list), past the 2,000 characters PostgreSQL enforced (found by the fuzz)

Revision ID: 0020_fuzz
Revises: 0020_council_receipts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_fuzz"
down_revision: str | None = "0020_council_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_state") as batch:
        batch.alter_column("state", existing_type=sa.String(length=2000), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_state") as batch:
        batch.alter_column("state", existing_type=sa.Text(), type_=sa.String(length=2000), existing_nullable=False)
