"""What handlers and jobs need at run time, built once by bot.app and kept in bot_data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.db import Database
from bot.settings import Settings


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=system_clock)
    master_key: bytes | None = None  # the ballot master key (bot.settings.master_key)
    # The Telegram bot's @username as getMe tells it (invite links); set when the bot starts.
    telegram_username: str | None = None
