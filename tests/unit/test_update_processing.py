"""People side by side: different people's updates run at once, one person's and one chat's in
the order they arrived; a known person is resolved by a read that does not hold up writers.

The real application (its update processor, as `build_application` wires it) takes updates from
its queue, as long polling feeds it; a gate in front of the handlers holds an update until the
test lets it go, so overlap and order are shown by events, not by timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.app import build_application
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.request import SandboxRequest
from bot.services import people
from models.organisation import Person
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock

pytestmark = pytest.mark.performance

ANNA, BINH, CHI = 610_001, 610_002, 610_003
GROUP = -1_006_100
WAIT = 10.0  # seconds before a test calls a missing step a failure (never reached when it passes)


class Gate:
    """Notes when each update's handling starts and ends; holds "slow" ones until released."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.release = asyncio.Event()
        self.seen: dict[str, asyncio.Event] = {}
        self.begun: dict[str, asyncio.Event] = {}

    def done(self, text: str) -> asyncio.Event:
        return self.seen.setdefault(text, asyncio.Event())

    def beginning(self, text: str) -> asyncio.Event:
        return self.begun.setdefault(text, asyncio.Event())

    async def __call__(self, update: Update, _context: Any) -> None:
        assert update.message is not None and update.message.text is not None
        text = update.message.text
        self.log.append(("start", text))
        self.beginning(text).set()
        if text.startswith("slow"):
            await self.release.wait()
        self.log.append(("end", text))
        self.done(text).set()
        raise ApplicationHandlerStop  # the rest of the bot is not what is measured here

    def started(self, text: str) -> bool:
        return ("start", text) in self.log


class Room:
    def __init__(self, application: Any, sandbox: Sandbox, gate: Gate) -> None:
        self.application = application
        self.sandbox = sandbox
        self.gate = gate

    async def send(self, user_id: int, text: str, chat_id: int | None = None) -> None:
        await self.sandbox.user_sends(user_id, text, chat_id)
        raw = self.sandbox.updates.pop()
        await self.application.update_queue.put(Update.de_json(raw, self.application.bot))

    async def handled(self, text: str) -> None:
        await asyncio.wait_for(self.gate.done(text).wait(), WAIT)


@pytest.fixture
async def room(db: Database, clock: Clock) -> AsyncIterator[Room]:
    sandbox = Sandbox(limits=Limits(enabled=False))
    sandbox.add_user(ANNA, "Anna")
    sandbox.add_user(BINH, "Bình")
    sandbox.add_user(CHI, "Chi")
    sandbox.add_group(GROUP, "Khối thi đua số 6", [ANNA, BINH])
    application = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    gate = Gate()
    application.add_handler(TypeHandler(Update, gate), group=-100)
    async with application:
        await application.start()
        try:
            yield Room(application, sandbox, gate)
        finally:
            gate.release.set()
            await application.stop()


async def test_a_slow_update_of_one_person_does_not_hold_up_another(room: Room) -> None:
    await room.send(ANNA, "slow export")
    await room.send(ANNA, "anna's next")
    await room.send(BINH, "binh's message")
    await room.handled("binh's message")  # while Anna's first update is still being handled
    assert room.gate.started("slow export") and not room.gate.started("anna's next")
    room.gate.release.set()
    await room.handled("anna's next")
    anna = [entry for entry in room.gate.log if entry[1] != "binh's message"]
    assert anna == [
        ("start", "slow export"),
        ("end", "slow export"),
        ("start", "anna's next"),
        ("end", "anna's next"),
    ]


async def test_one_person_s_updates_are_handled_in_the_order_they_came(room: Room) -> None:
    steps = [f"step {n}" for n in range(12)]
    for text in steps:
        await room.send(ANNA, text)
    await room.handled(steps[-1])
    assert [text for moment, text in room.gate.log if moment == "start"] == steps
    # Never two of them at once: each ends before the next starts.
    assert room.gate.log == [(moment, text) for text in steps for moment in ("start", "end")]


async def test_one_chat_s_updates_keep_their_order_across_people(room: Room) -> None:
    await room.send(ANNA, "slow in the group", GROUP)
    await room.send(BINH, "binh in the group", GROUP)
    await room.send(CHI, "chi in private")
    await room.handled("chi in private")  # someone outside the group goes ahead meanwhile
    assert not room.gate.started("binh in the group")  # the group waits for Anna's update
    room.gate.release.set()
    await room.handled("binh in the group")
    group = [entry for entry in room.gate.log if entry[1] != "chi in private"]
    assert group == [
        ("start", "slow in the group"),
        ("end", "slow in the group"),
        ("start", "binh in the group"),
        ("end", "binh in the group"),
    ]


async def test_many_people_run_side_by_side(room: Room) -> None:
    users = [620_000 + n for n in range(6)]
    for user_id in users:
        room.sandbox.add_user(user_id, f"Người {user_id}")
        await room.send(user_id, f"slow {user_id}")
    # Every one of them is being handled at the same moment: none waits for another to finish.
    for user_id in users:
        await asyncio.wait_for(room.gate.beginning(f"slow {user_id}").wait(), WAIT)
    assert not any(moment == "end" for moment, _ in room.gate.log)
    room.gate.release.set()
    for user_id in users:
        await room.handled(f"slow {user_id}")


# ------------------------------------------------------------------ reads do not take the write lock
async def test_a_known_person_is_resolved_while_a_writer_holds_the_database(
    db: Database, clock: Clock
) -> None:
    await people.identify(db, ANNA, display_name="Nguyễn Thị An", language="vi")
    writing = asyncio.Event()
    finish = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as session:
            session.add(Person(telegram_id=BINH, full_name="Trần Văn Bình"))
            await session.flush()
            writing.set()
            await finish.wait()

    task = asyncio.create_task(writer())
    await asyncio.wait_for(writing.wait(), WAIT)
    try:
        # On SQLite a write transaction (BEGIN IMMEDIATE) is open: a read that wanted the write
        # lock would queue behind it until the busy timeout, and this would time out.
        found = await asyncio.wait_for(
            people.resolve(db, ANNA, clock().date(), display_name="Nguyễn Thị An", language="vi"), WAIT
        )
        assert found.full_name == "Nguyễn Thị An" and found.roles == ()
        same = await asyncio.wait_for(people.identify(db, ANNA, display_name="Tên khác", language="en"), WAIT)
        assert same.full_name == "Nguyễn Thị An"  # a known person's name is not rewritten
    finally:
        finish.set()
        await task


async def test_a_writer_is_not_blocked_by_an_open_read(db: Database, clock: Clock) -> None:
    await people.identify(db, ANNA, display_name="Nguyễn Thị An", language="vi")
    async with db.session() as session:
        assert (await session.exec(select(Person).where(Person.telegram_id == ANNA))).one()
        # The read's transaction is still open here.
        await asyncio.wait_for(people.identify(db, BINH, display_name="Trần Văn Bình", language="vi"), WAIT)
    async with db.session() as session:
        assert (await session.exec(select(Person).where(Person.telegram_id == BINH))).one()


async def test_a_new_person_and_a_new_admin_are_still_written(db: Database, clock: Clock) -> None:
    first = await people.resolve(db, ANNA, clock().date(), display_name="Nguyễn Thị An", language="vi")
    assert first.full_name == "Nguyễn Thị An" and not first.is_admin
    again = await people.resolve(
        db, ANNA, clock().date(), display_name="Nguyễn Thị An", language="vi", admin_ids=[ANNA]
    )
    assert again.is_admin and again.person_id == first.person_id
