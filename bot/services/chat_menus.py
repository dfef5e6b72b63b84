"""The options a chat without buttons was last offered (see models.channels.ChatMenu)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.db import Database
from models.channels import ChatMenu

Option = tuple[str, str, str]  # what to type ("1" or "a"), the label, the press's data


async def remember(
    db: Database, channel: str, chat_id: str, options: list[tuple[str, str]], now: datetime
) -> None:
    async with db.transaction() as session:
        row = await session.get(ChatMenu, (channel, chat_id))
        encoded = json.dumps(options, ensure_ascii=False)
        if row is None:
            row = ChatMenu(channel=channel, chat_id=chat_id, options=encoded, shown_at=now)
        else:
            row.options, row.shown_at = encoded, now
        session.add(row)


async def forget(db: Database, channel: str, chat_id: str) -> None:
    async with db.session() as session:
        present = await session.get(ChatMenu, (channel, chat_id))
    if present is None:
        return  # the common case costs no write
    async with db.transaction() as session:
        row = await session.get(ChatMenu, (channel, chat_id))
        if row is not None:
            await session.delete(row)


async def shown(db: Database, channel: str, chat_id: str) -> list[Option]:
    async with db.session() as session:
        row = await session.get(ChatMenu, (channel, chat_id))
    return [] if row is None else [(key, label, data) for key, label, data in json.loads(row.options)]
