"""`thidua run` as its own OS process, pointed at a test's sandbox and database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.sandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`thidua run` as its own OS process, pointed at the test's sandbox and database."""

    def __init__(self, database_url: str, sandbox_url: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "DATABASE_URL": database_url,
            "SANDBOX_URL": sandbox_url,
            "LOG_LEVEL": "WARNING",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, client: SandboxClient) -> None:
        before = (await client.info())["stats"]["polls"]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        # Ready when it asks the sandbox for updates.
        for _ in range(300):
            if (await client.info())["stats"]["polls"] > before:
                return
            if self.process.returncode is not None:
                raise AssertionError(await self.process.stderr.read() if self.process.stderr else b"")
            await asyncio.sleep(0.05)
        raise AssertionError("the bot process did not start polling")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # no shutdown hooks, no final flush: a crash
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            await self.kill()
