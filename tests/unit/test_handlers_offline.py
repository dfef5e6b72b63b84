"""Fast handler tests: the real application over the in-process request, no port, no polling.

Each update is taken from the sandbox and processed directly, so a test reads like a chat
and runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update

from bot.app import build_application
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.request import SandboxRequest
from bot.services.demo import load_demo
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock


class OfflineChat:
    def __init__(self, application: Any, sandbox: Sandbox) -> None:
        self.application = application
        self.sandbox = sandbox

    async def say(self, user_id: int, text: str) -> list[str]:
        """Deliver a message to the bot and return the texts it sent back, in order."""
        before = len(self.sandbox.transcript(user_id))
        await self.sandbox.user_sends(user_id, text)
        raw = self.sandbox.updates.pop()
        await self.application.process_update(Update.de_json(raw, self.application.bot))
        return [
            m.get("text", "") for m in self.sandbox.transcript(user_id)[before:] if m["from"].get("is_bot")
        ]


@pytest.fixture
async def offline(db: Database, clock: Clock) -> AsyncIterator[OfflineChat]:
    sandbox = Sandbox(limits=Limits(enabled=False))
    request = SandboxRequest(sandbox)
    application = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=request,
        rate_limiter=False,
    )
    async with application:
        yield OfflineChat(application, sandbox)


async def test_whoami_for_the_deputy_of_bloc_3(offline: OfflineChat, db: Database, clock: Clock) -> None:
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    deputy = next(
        p for p in personas if p.label.startswith("Khối phó — Trường Trung học phổ thông Giai Xuân")
    )
    offline.sandbox.add_user(deputy.user_id, deputy.first_name, last_name=deputy.last_name)
    [reply] = await offline.say(deputy.user_id, "/toila")
    assert "Trường Trung học phổ thông Giai Xuân" in reply
    assert "Khối thi đua số 3" in reply and "đơn vị là Khối phó" in reply


async def test_the_secretariat_sees_its_bloc_role(offline: OfflineChat, db: Database, clock: Clock) -> None:
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    secretary = next(p for p in personas if p.label.startswith("Bộ phận Thường trực"))
    offline.sandbox.add_user(secretary.user_id, secretary.first_name, last_name=secretary.last_name)
    [reply] = await offline.say(secretary.user_id, "/whoami")
    assert "Bộ phận Thường trực của Khối thi đua số 2" in reply
    [refusal] = await offline.say(secretary.user_id, "/invite")
    assert "không có quyền" in refusal
