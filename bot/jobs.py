"""Periodic jobs that run in every mode (Telegram, Zalo, both, the sandbox), not on PTB's job
queue, which exists only where Telegram runs: a Zalo-only bot must close its ballots too."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.deps import Deps

log = logging.getLogger("thidua.jobs")


class Periodic:
    """Runs `work(deps)` every `interval` seconds; a failed run is logged and the next one comes."""

    def __init__(
        self, name: str, interval: float, work: Callable[[Deps], Awaitable[None]], deps: Deps
    ) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        self.deps = deps
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.work(self.deps)
            except Exception:
                log.exception("job %s failed", self.name)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"job-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
