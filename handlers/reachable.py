"""Every message, on any app: a person who had blocked the bot writes again, so their pings resume."""

from __future__ import annotations

from bot.chat import Incoming
from bot.chat.router import Router
from bot.db import Database
from bot.services import reach


async def reachable_again(db: Database, incoming: Incoming) -> None:
    """A person who had blocked the bot writes again, on any of their apps: their pings resume."""
    if incoming.chat.private:
        await reach.mark_reachable(db, incoming.channel, incoming.account_id)


def register(router: Router) -> None:
    router.watch(reachable_again)
