"""Conversation state in the same database as everything else.

Only conversations are persisted (docs/architecture.md: data lives in tables, not in PTB's dicts). The
application flushes after every update (see bot.app.ThiduaApplication), so a bot killed
between two messages resumes at the step the person was on.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.db import Database
from models.conversation import ConversationState


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self.db.session() as session:
            rows = await session.exec(select(ConversationState).where(ConversationState.name == name))
            return {tuple(json.loads(row.key)): json.loads(row.state) for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded_key = json.dumps(list(key))
        async with self.db.transaction() as session:
            row = await session.get(ConversationState, (name, encoded_key))
            if new_state is None:
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                row = ConversationState(name=name, key=encoded_key, state=json.dumps(new_state))
            else:
                row.state = json.dumps(new_state)
            session.add(row)

    # Nothing but conversations is stored; PTB still requires the full interface.
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
