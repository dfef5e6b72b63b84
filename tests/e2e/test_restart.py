"""A bot process killed mid-conversation, started again, goes on at the same question."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.chat.router import STATE_TABLE_NAME
from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import invites
from bot.services.demo import load_demo
from models.channels import HandledUpdate
from models.conversation import ConversationState
from tests.auxil.process import BotProcess

pytestmark = pytest.mark.e2e


async def _conversation_saved(db: Database, chat_id: int) -> None:
    for _ in range(100):
        async with db.session() as session:
            rows = (
                await session.exec(
                    select(ConversationState).where(ConversationState.name == STATE_TABLE_NAME)
                )
            ).all()
            # The update marked done too (bot/services/updates.py): a kill between the reply and
            # that mark has the update handled again after the restart, by design.
            pending = (await session.exec(select(HandledUpdate).where(HandledUpdate.done == False))).all()  # noqa: E712
        if not pending and any(
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
