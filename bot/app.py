"""Wires the bot: the conversations (handlers.build_router), the Telegram application around its
adapter (rate limiter, per-person update order), the Zalo channel, and the periodic jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, Updater
from telegram.request import BaseRequest

import handlers
from bot import logs
from bot.channels import telegram as telegram_channel
from bot.channels.telegram_polling import HeldOffsetBot, PollLedger
from bot.channels.zalo.adapter import ZaloChannel
from bot.channels.zalo.client import ZaloBot
from bot.chat.router import Router
from bot.deps import Deps
from bot.jobs import Periodic
from bot.services import updates
from bot.transport import AiohttpRequest


def quiet_library_logs() -> None:
    """Never let libraries log update contents: at DEBUG, python-telegram-bot prints every update,
    and a ballot button's callback data carries the voter's unfinished choices next to their id.
    httpx logs request URLs, which carry the bot token. aiosqlite, at DEBUG, prints every SQL
    statement with its parameters: a cast's participation row and its sealed ballot side by side.
    (SQLAlchemy's own loggers start at WARNING unless someone turns them up.)"""
    for name, level in (
        ("telegram", logging.INFO),
        ("httpx", logging.WARNING),
        ("httpcore", logging.WARNING),
        ("aiosqlite", logging.WARNING),
        ("sqlalchemy", logging.WARNING),
        ("apscheduler", logging.WARNING),  # a line per job run, several a minute: noise, not news
    ):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < level:
            logger.setLevel(level)


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Different people's updates run side by side; one person's, and one chat's, in the order
    they arrived (a conversation's next step must see the previous one's state; a group's
    commands stay in order too).

    PTB's own semaphore is taken before `do_process_update` is called, so it is set far above
    the real bound: a person waiting for their own previous update must not hold a slot that
    somebody else could use. The real bound (`limit`) is taken after the person's and the
    chat's turns have come. Locks are taken in one order (person, then chat), so they cannot
    deadlock, and each is dropped once nobody holds or awaits it.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(max_concurrent_updates=4096)
        self.limit = limit
        self._running = asyncio.BoundedSemaphore(limit)
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @staticmethod
    def keys(update: object) -> list[Hashable]:
        if not isinstance(update, Update):
            return []
        keys: list[Hashable] = []
        if update.effective_user is not None:
            keys.append(("user", update.effective_user.id))
        if update.effective_chat is not None:
            keys.append(("chat", update.effective_chat.id))
        return keys

    def _lock(self, key: Hashable) -> asyncio.Lock:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        return lock

    def _unlock(self, key: Hashable) -> None:
        lock, users = self._locks[key]
        lock.release()
        if users == 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # Called in arrival order, and nothing above awaits before the locks are asked for:
        # asyncio's locks are first come, first served, so each key's updates keep their order.
        held: list[Hashable] = []
        waiting: Hashable | None = None
        try:
            for key in self.keys(update):
                waiting = key
                await self._lock(key).acquire()
                held.append(key)
                waiting = None
            async with self._running:
                await coroutine
        finally:
            for key in reversed(held):
                self._unlock(key)
            if waiting is not None:
                self._forget(waiting)

    def _forget(self, key: Hashable) -> None:
        """A key asked for but never acquired (the update was cancelled while waiting)."""
        lock, users = self._locks[key]
        if users == 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


BURST = 25  # messages sent at once, at most, under Telegram's overall limit


class ThiduaApplication(Application):  # type: ignore[type-arg]
    """Log lines written while an update is handled carry its id and its sender's."""

    poll_ledger: PollLedger | None = None

    async def process_update(self, update: object) -> None:
        sender = update.effective_user if isinstance(update, Update) else None
        number = update.update_id if isinstance(update, Update) else None
        try:
            with logs.update_context(number, sender.id if sender else None):
                await super().process_update(update)
        finally:
            # Handled (or given up on with an apology): long polling may confirm it now.
            if self.poll_ledger is not None and number is not None:
                self.poll_ledger.done(number)

    async def shutdown(self) -> None:
        # The marks still waiting for their batch (bot/services/updates.py), however the
        # application is stopped: by stop_bot or by leaving `async with application`.
        deps = self.bot_data.get("deps")
        if deps is not None:
            await updates.flush(deps.db)
        await super().shutdown()


def build_router() -> Router:
    return handlers.build_router()


def build_jobs(deps: Deps) -> list[Periodic]:
    """The periodic jobs of the conversations (the ballot job), run in every mode."""
    return handlers.periodic_jobs(deps)


def build_zalo(deps: Deps, router: Router, *, token: str, base_url: str | None = None) -> ZaloChannel:
    """The Zalo side: our httpx client and the adapter serving the same conversations."""
    bot = ZaloBot(token, base_url) if base_url else ZaloBot(token)
    return ZaloChannel(deps, router, bot)


def build_application(
    deps: Deps,
    *,
    token: str,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limiter: bool = True,
    router: Router | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot, for Telegram (default base_url), the sandbox over HTTP (base_url) or in process (request)."""
    builder: Any = (
        ApplicationBuilder()
        .application_class(ThiduaApplication)
        .token(token)
        .concurrent_updates(PerPersonUpdateProcessor(deps.settings.concurrent_updates))
    )
    if rate_limiter:
        # Telegram's flood limits; a 429 is waited out and retried, never dropped.
        # Telegram's 30 messages/s, with bursts of at most 25 rather than 30: a whole burst of 30
        # could meet Telegram's bucket a little short (a request's way there varies), and each 429
        # pauses every send for its retry_after, a second at least. 5 spare messages absorb that.
        rate = FloodLimit.MESSAGES_PER_SECOND
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=BURST, overall_time_period=BURST / rate, max_retries=8)
        )
    if base_url is not None:
        builder = builder.base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
    # Long polling confirms an update only once it is handled (bot/channels/telegram_polling.py).
    ledger = PollLedger()
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    else:
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1, results=ledger.unseen)
        )
    quiet_library_logs()
    application = builder.build()
    application.poll_ledger = ledger
    application.updater = Updater(
        bot=HeldOffsetBot(application.bot, ledger),  # type: ignore[arg-type]
        update_queue=application.update_queue,
    )
    application.bot_data["deps"] = deps
    application.bot_data["router"] = router = router or handlers.build_router()
    # Every conversation is channel-neutral: the Telegram adapter is the application's only handler.
    telegram_channel.install(application, router)
    return application


async def start_bot(application: Application, *, poll_timeout: int = 10) -> None:  # type: ignore[type-arg]
    """Initialise, publish the default command menu, and start long polling.

    PTB calls `post_init` only from run_polling(); the sandbox runner and the tests manage the
    lifecycle themselves, so start-up lives here, once.
    """
    await application.initialize()
    application.bot_data["deps"].telegram_username = application.bot.username
    await telegram_channel.set_default_menu(application.bot)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    await application.start()


async def stop_bot(application: Application) -> None:  # type: ignore[type-arg]
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()  # (which writes the ledger's waiting marks)
