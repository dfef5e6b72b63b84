"""What handlers and jobs need at run time, built once by bot.app and kept in bot_data."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.chat import Deliverer
from bot.db import Database
from bot.files import FileStore, link_secret
from bot.settings import Settings
from models.channels import Channel


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
    # The bot's web server as people's phones reach it (signed file links); set when it starts.
    public_url: str | None = None
    # Each running channel's way to reach a chat outside a conversation (bot.chat.Deliverer).
    channels: dict[Channel, Deliverer] = field(default_factory=dict)
    # Wakes the delivery job (bot.delivery) right after a commit that put messages in the outbox.
    poke_delivery: Callable[[], None] = field(default=lambda: None)
    # One message edited from different people's updates in this process, one edit at a time
    # (a chair's live card: a voter's update must not turn it back into the card after the chair
    # made it a question).
    message_locks: defaultdict[tuple[int, int], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    files: FileStore = field(init=False)
    link_secret: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.files = FileStore(self.settings.file_store_dir)
        self.link_secret = link_secret(self.master_key)
