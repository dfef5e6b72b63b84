"""Where a person is in a chat conversation, so that a restart picks up at the same step."""

from __future__ import annotations

from sqlalchemy import Text
from sqlmodel import Field, SQLModel


class ConversationState(SQLModel, table=True):
    __tablename__ = "conversation_state"

    name: str = Field(primary_key=True, max_length=64)  # the ConversationHandler's name
    key: str = Field(primary_key=True, max_length=128)  # JSON of PTB's key tuple (chat id, user id)
    # JSON of the step and its notes, which hold what was typed (a nominee's achievements in full).
    state: str = Field(sa_type=Text)
