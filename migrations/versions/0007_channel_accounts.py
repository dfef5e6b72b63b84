"""Channel accounts (Telegram, Zalo → person), link codes, numbered menus, the outbox

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_account",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("channel", "external_id"),
    )
    op.create_index(op.f("ix_channel_account_person_id"), "channel_account", ["person_id"], unique=False)
    op.create_table(
        "link_code",
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index(op.f("ix_link_code_person_id"), "link_code", ["person_id"], unique=False)
    op.create_table(
        "upload_link",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "chat_menu",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("options", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("shown_at", models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id"),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("screen", sqlmodel.sql.sqltypes.AutoString(length=60000), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("file_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("due_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("sent_channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("failed_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(op.f("ix_outbox_message_due_at"), "outbox_message", ["due_at"], unique=False)
    op.create_index(op.f("ix_outbox_message_person_id"), "outbox_message", ["person_id"], unique=False)
    op.create_index(op.f("ix_outbox_message_sent_at"), "outbox_message", ["sent_at"], unique=False)
    # Every Telegram user the bot already knows keeps their person.
    op.execute(
        "INSERT INTO channel_account (channel, external_id, person_id, linked_at, last_seen_at) "
        "SELECT 'telegram', CAST(telegram_id AS VARCHAR(64)), id, created_at, created_at FROM person "
        "WHERE telegram_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO channel_account (channel, external_id, person_id, linked_at, last_seen_at) "
        "SELECT 'zalo', zalo_id, id, created_at, created_at FROM person WHERE zalo_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("outbox_message")
    op.drop_table("chat_menu")
    op.drop_table("upload_link")
    op.drop_index(op.f("ix_link_code_person_id"), table_name="link_code")
    op.drop_table("link_code")
    op.drop_index(op.f("ix_channel_account_person_id"), table_name="channel_account")
    op.drop_table("channel_account")
