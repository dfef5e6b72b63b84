"""Who a chat account is, and what a chat that cannot show buttons was last offered.

A person is ours; each chat platform (channel) knows them by its own id. `ChannelAccount` maps
(channel, external id) to a person, so services take our person ids and a person may speak
through Telegram and Zalo at once. See docs/channels.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.types import UTCDateTime, utcnow


class Channel(StrEnum):
    TELEGRAM = "telegram"
    ZALO = "zalo"


class ChannelAccount(SQLModel, table=True):
    """One chat account of a person: (channel, the platform's user id) → person."""

    __tablename__ = "channel_account"

    channel: str = Field(primary_key=True, max_length=16)
    external_id: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the person last wrote from this account (kept to the hour): a notice for a person
    # with two apps goes to the one they use.
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LinkCode(SQLModel, table=True):
    """A one-time code (`/lienket`) that lets a person's account on another channel join them.

    Only the code's SHA-256 is kept, as for invites: a copy of the database links nobody."""

    __tablename__ = "link_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(max_length=16)  # where it was asked for: it is used on another channel
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UploadLink(SQLModel, table=True):
    """A one-time page on the bot's web server to upload a spreadsheet, for a chat that cannot
    carry documents (Zalo): the file comes back into that person's conversation as if sent there.
    Only the token's SHA-256 is kept."""

    __tablename__ = "upload_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    account_id: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChatMenu(SQLModel, table=True):
    """The options last shown as a numbered list in a chat without buttons (Zalo), so that a reply
    "2" or the option's words can be read as the press. JSON list of [label, data]; never used for
    a secret ballot's review (that exchange is kept in no table)."""

    __tablename__ = "chat_menu"

    channel: str = Field(primary_key=True, max_length=16)
    chat_id: str = Field(primary_key=True, max_length=64)
    options: str = Field(max_length=20000)
    shown_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message to one person, sent by the delivery job at least once, on the app they use.

    Written in the same transaction as what it tells, so a notice goes out only for what was
    committed; `dedupe_key` makes enqueuing twice (a double tap, a retried job) one message."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=32)
    screen: str = Field(max_length=60000)  # JSON of bot.chat.Screen, in the recipient's language
    file_name: str | None = Field(default=None, max_length=255)
    file_key: str | None = Field(default=None, max_length=64)  # bot.files.FileStore key
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    sent_channel: str | None = Field(default=None, max_length=16)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=255)


class HandledUpdate(SQLModel, table=True):
    """An update a bot process took from a platform, by the platform's update id.

    Taken before it is handled and marked done after: the same update delivered again (a
    webhook retried, a poll whose confirmation was lost) finds it done and changes nothing; one
    taken by a process that died before finishing it is handled again after the restart. Rows
    are dropped after a few days (Telegram reuses ids only after a quiet week)."""

    __tablename__ = "handled_update"

    channel: str = Field(primary_key=True, max_length=16)
    update_id: int = Field(primary_key=True, sa_type=BigInteger)
    process: str = Field(max_length=32)
    done: bool = False
    taken_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
