"""Where a ping went: the channel and its chat and message ids as text (Zalo's are not numbers)

Revision ID: 0016
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_send") as batch:
        batch.add_column(sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("chat_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("message_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # Old rows keep their Telegram ids readable in the new columns too.
    op.execute(
        "UPDATE reminder_send SET channel = 'telegram', chat_ref = CAST(chat_id AS VARCHAR(64)), "
        "message_ref = CAST(message_id AS VARCHAR(64)) WHERE chat_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("reminder_send") as batch:
        batch.drop_column("message_ref")
        batch.drop_column("chat_ref")
        batch.drop_column("channel")
