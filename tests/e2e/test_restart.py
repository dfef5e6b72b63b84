"""A bot process killed mid-conversation, started again, goes on at the same question."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.chat.router import STATE_TABLE_NAME
from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import invites
from bot.services.demo import load_demo
from models.conversation import ConversationState

pytestmark = pytest.mark.e2e
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


async def _conversation_saved(db: Database, chat_id: int) -> None:
    for _ in range(100):
        async with db.session() as session:
            rows = (
                await session.exec(
                    select(ConversationState).where(ConversationState.name == STATE_TABLE_NAME)
                )
            ).all()
        if any(
            row.key.startswith(f"telegram:{chat_id}:") and json.loads(row.state)["c"] == "joining"
            for row in rows
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the conversation state was never written to the database")


@pytest.fixture
async def bot_process(db: Database, sandbox_server: SandboxServer) -> AsyncIterator[BotProcess]:
    process = BotProcess(db.url, sandbox_server.url)
    yield process
    await process.stop()


async def test_conversation_survives_a_killed_bot(
    db: Database, client: SandboxClient, bot_process: BotProcess
) -> None:
    now = datetime.now(UTC)  # the child process reads the real clock
    await load_demo(db, authority_name="Sở Giáo dục và Đào tạo thành phố Cần Thơ", now=now)
    batch = await invites.issue_invites(
        db, bloc_number=4, now=now, ttl=timedelta(days=2), unit_names=["Trường THCS & THPT Tân Lộc"]
    )

    await bot_process.start(client)
    person = await client.person(556001, "Yến", last_name="Đỗ Thị")
    await person.send(f"/start {batch.invites[0].token}")
    await person.expect("Trường THCS & THPT Tân Lộc", "họ và tên")
    # The state is written right after the reply (milliseconds); a person types for seconds.
    await _conversation_saved(db, person.chat_id)

    await bot_process.kill()
    await bot_process.start(client)

    await person.send("Đỗ Thị Hải Yến")
    await person.expect("Số điện thoại")  # the same conversation, next question
    await person.send("Bỏ qua")
    await person.expect("Đã lưu", "Đỗ Thị Hải Yến")
    await person.send("/whoami")
    await person.expect("Trường THCS & THPT Tân Lộc", "Khối thi đua số 4")
