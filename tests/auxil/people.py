"""Test helpers for people: services take our person ids; demo personas carry Telegram ids."""

from __future__ import annotations

from sqlmodel import select

from bot.db import Database
from models.organisation import Person


async def person_id_of(db: Database, telegram_id: int) -> int:
    """Our person id for a Telegram id (a stranger's unknown id gets one no person has)."""
    async with db.session() as session:
        found = (await session.exec(select(Person.id).where(Person.telegram_id == telegram_id))).first()
    return found if found is not None else -telegram_id


async def pid(db: Database, telegram_user_id: int) -> int:
    """The person id of someone the test knows exists."""
    found = await person_id_of(db, telegram_user_id)
    assert found > 0, f"no person for Telegram user {telegram_user_id}"
    return found
