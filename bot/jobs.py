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
    """Runs `work(deps)` every `interval` seconds (first at once when `at_start`), or sooner when
    poked; a failed run is logged and the next one comes."""

    def __init__(
        self,
        name: str,
        interval: float,
        work: Callable[[Deps], Awaitable[object]],
        deps: Deps,
        *,
        at_start: bool = False,
    ) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        self.deps = deps
        self.at_start = at_start
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Run now rather than at the next tick (e.g. right after a commit that gave it work)."""
        self._wake.set()

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.interval)
        self._wake.clear()

    async def _run(self) -> None:
        if not self.at_start:
            await self._pause()
        while True:
            try:
                await self.work(self.deps)
            except Exception:
                log.exception("job %s failed", self.name)
            await self._pause()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"job-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
