"""Outbox helpers for tests whose setup happens "before" the scenario."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col

from bot.db import Database
from models.channels import OutboxMessage


async def settle(db: Database, now: datetime) -> None:
    """The notices of a setup done through the services (a scale published, a sheet sent) count as
    delivered long ago: they must not arrive in the middle of the scenario (on Zalo a late notice's
    numbered options would become what a typed "1" means)."""
    async with db.transaction() as session:
        await session.exec(
            update(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None)).values(sent_at=now)  # type: ignore[call-overload]
        )
