"""`thidua run` as its own OS process, pointed at a test's sandbox and database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.sandbox.client import SandboxClient
from tests.auxil.bot import TEST_MASTER_KEY

ROOT = Path(__file__).resolve().parents[2]
# Printed by `thidua run` once it polls and its jobs run (bot/__main__.py).
RUNNING_LINE = b"Thi \xc4\x91ua Bot is running"
START_SECONDS = 30.0  # a cold interpreter importing the bot on a loaded 2-core machine


class BotProcess:
    """`thidua run` as its own OS process, pointed at the test's sandbox and database.

    `env` adds settings (e.g. BALLOT_MASTER_KEY, so two processes open each other's ballots)."""

    def __init__(self, database_url: str, sandbox_url: str, env: dict[str, str] | None = None) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "DATABASE_URL": database_url,
            "SANDBOX_URL": sandbox_url,
            "LOG_LEVEL": "WARNING",
            # The test's key, not one the process would write to the repository's keys/ (where two
            # processes starting at once on a fresh clone would race to create it).
            "BALLOT_MASTER_KEY": TEST_MASTER_KEY,
            **(env or {}),
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, client: SandboxClient) -> None:
        """Returns once the process polls the sandbox and runs its periodic jobs."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(START_SECONDS):
                while RUNNING_LINE not in await self.process.stdout.readline():
                    if self.process.stdout.at_eof():
                        await self.process.wait()
                        stderr = await self.process.stderr.read() if self.process.stderr else b""
                        raise AssertionError(stderr.decode(errors="replace"))
        except TimeoutError:
            raise AssertionError("the bot process did not start polling") from None
        # Polling began before that line (it prints nothing more that anyone need read); the
        # sandbox has seen a getUpdates within moments.
        for _ in range(100):
            if (await client.info())["stats"]["polls"] > 0:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the bot process said it runs but never asked the sandbox for updates")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # no shutdown hooks, no final flush: a crash
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            await self.kill()
