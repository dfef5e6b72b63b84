"""Evidence files in the bot's own file store: score_evidence.file_key, mime, caption

Rows from before keep their Telegram file_id in `value` and no key; they stay readable (the
evidence pack fetches them from the Bot API).

Revision ID: 0014
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("score_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("mime", sqlmodel.sql.sqltypes.AutoString(length=127), nullable=True))
        batch_op.add_column(sa.Column("caption", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_evidence", schema=None) as batch_op:
        batch_op.drop_column("caption")
        batch_op.drop_column("mime")
        batch_op.drop_column("file_key")
