"""Our person id for a demo person known by their Telegram user id (services take person ids)."""

from __future__ import annotations

from sqlmodel import select

from bot.db import Database
from models.organisation import Person


async def pid(db: Database, telegram_user_id: int) -> int:
    async with db.session() as session:
        found = (await session.exec(select(Person.id).where(Person.telegram_id == telegram_user_id))).first()
    assert found is not None, f"no person for Telegram user {telegram_user_id}"
    return found
