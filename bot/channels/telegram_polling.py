"""Long polling that confirms an update only once it has been handled.

Telegram forgets every update below the `offset` of the next getUpdates: that is how a bot
confirms what it got. PTB's Updater confirms each batch on its next call, while the batch is
still being handled, so a bot killed mid-burst loses the taps it had fetched and the people are
never told. Here the Updater talks to Telegram through `HeldOffsetBot`, which asks with the
lowest update id not yet handled: a killed bot's unfinished taps come back after the restart
(and bot/services/updates.py keeps those it did finish from being handled twice). Updates that
come back while this process still has them in hand are not queued a second time.
(PTB's own types stay out of this module: only bot/channels/telegram.py speaks Telegram.)
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

BATCH = 100  # Telegram's most updates per getUpdates
NEWCOMER_WAIT = 0.25  # seconds between looks for new updates while earlier ones are in hand
# Fetch again only once fewer than this many are in hand. Every getUpdates brings back, from the
# held offset, the updates still in hand, parsed again for nothing: asked after each finished
# update, a 500-tap burst spent a quarter of the bot's time there (bench, BENCH_PROFILE). With
# half a batch in hand the application has more queued than it runs at once.
REFILL_BELOW = BATCH // 2


class PollLedger:
    """The update ids this process fetched and has not finished, and those it finished above the
    lowest unfinished one (Telegram sends those again until the offset passes them)."""

    def __init__(self) -> None:
        self.pending: set[int] = set()
        self.finished: set[int] = set()
        self.highest = 0
        self.changed = asyncio.Event()
        self.fetched: int | None = None  # how many the last getUpdates brought, `unseen` counted

    def unseen(self, raw: list[Any]) -> list[Any]:
        """Of a getUpdates answer's raw updates, those not in hand nor finished: run by the HTTP
        client before PTB parses them, so each update is parsed once, not on every fetch that
        brings it back while the offset waits for a slower one."""
        self.fetched = len(raw)
        known = self.pending | self.finished
        return [u for u in raw if not (isinstance(u, dict) and u.get("update_id") in known)]

    @property
    def offset(self) -> int:
        if self.pending:
            return min(self.pending)
        return self.highest + 1 if self.highest else 0

    def fresh(self, updates: list[Any]) -> list[Any]:
        """The updates not in hand already, now marked as in hand."""
        new = [u for u in updates if u.update_id not in self.pending and u.update_id not in self.finished]
        for update in new:
            self.pending.add(update.update_id)
            self.highest = max(self.highest, update.update_id)
        return new

    def done(self, update_id: int) -> None:
        if update_id not in self.pending:
            return
        before = self.offset
        self.pending.discard(update_id)
        self.finished.add(update_id)
        low = self.offset
        if low != before:
            self.finished = {u for u in self.finished if u >= low}
        # A moved offset can show updates not seen yet (a batch holds at most 100); fewer in hand
        # may let the poller fetch again.
        if low != before or len(self.pending) < REFILL_BELOW:
            self.changed.set()

    @property
    def full(self) -> bool:
        return len(self.pending) >= REFILL_BELOW


class HeldOffsetBot:
    """The application's bot as the Updater sees it: getUpdates with the ledger's offset."""

    def __init__(self, bot: Any, ledger: PollLedger) -> None:
        self._bot = bot
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def get_updates(
        self,
        *args: Any,
        offset: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 (the Bot API's long poll)
        **kwargs: Any,
    ) -> Any:
        ledger = self._ledger
        wait = timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout or 0)
        while True:
            ledger.changed.clear()
            if ledger.full and wait:
                # Enough in hand: a fetch now would bring back mostly those.
                try:
                    await asyncio.wait_for(ledger.changed.wait(), wait)
                except TimeoutError:
                    return ()  # a long poll's worth of waiting: the Updater asks again
                continue
            ledger.fetched = None
            updates = await self._bot.get_updates(*args, offset=ledger.offset, timeout=timeout, **kwargs)
            # Through a client that drops the updates in hand (`unseen`), an empty answer may
            # still mean that Telegram sent some: only those in hand.
            fetched = len(updates) if ledger.fetched is None else ledger.fetched
            if not fetched:
                return updates
            fresh = ledger.fresh(list(updates))
            if fresh:
                return tuple(fresh)
            # Only updates in hand came back (the offset waits for the slowest), and Telegram
            # answers at once while there are any: wait until the offset moves, or briefly for new
            # updates behind a short batch, instead of asking again at once.
            if not wait:
                return ()
            pause = wait if fetched >= BATCH else min(wait, NEWCOMER_WAIT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ledger.changed.wait(), pause)
