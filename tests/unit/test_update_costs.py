"""What one update costs the database, counted, not timed (issue 16): a known person's update is
resolved in one read that takes no write lock; a cast issues a bounded number of statements and
still records one ballot; "reachable", "last seen" and a conversation's step are written only
when they change; reads shared for a stretch still see their own task's writes afterwards.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from bench.statements import measure_on
from bot.chat import ChatRef, Incoming, InKind
from bot.chat.router import END, Conversation, Router, Turn
from bot.db import Database
from bot.deps import Deps
from bot.services import people, reach
from models.channels import Channel
from models.conversation import ConversationState
from models.meetings import Participation, SealedBallot
from models.reminders import PersonReach
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock

pytestmark = pytest.mark.performance

WRITES = {"INSERT", "UPDATE", "DELETE"}
ANNA = "640001"


class Statements:
    """Every statement the engine runs while counting, by its first word(s)."""

    def __init__(self, db: Database) -> None:
        self.words: Counter[str] = Counter()
        self.on = False
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.on:
            text = statement.lstrip().upper()
            self.words["BEGIN IMMEDIATE" if text.startswith("BEGIN IMMEDIATE") else text.split()[0]] += 1

    def __enter__(self) -> Counter[str]:
        self.words.clear()
        self.on = True
        return self.words

    def __exit__(self, *_: object) -> None:
        self.on = False


async def test_a_known_person_s_update_is_one_read_and_a_cast_a_few_statements(
    db: Database, tmp_path: Path
) -> None:
    measured = await measure_on(db, tmp_path)
    whoami = measured.counts["whoami_again"]
    # The ledger of handled updates (was it handled before a restart?), the watcher, the
    # conversation step, the person and their roles: one read transaction on one connection, no
    # write lock. A read-only update's "done" mark waits for a batch of them
    # (bot/services/updates.py): the update itself writes nothing.
    assert whoami.get("(connections)") == 1 and whoami.get("BEGIN", 0) in (0, 1)  # SQLite names it
    assert whoami.get("SELECT", 0) <= 5
    assert not WRITES & whoami.keys() and "BEGIN IMMEDIATE" not in whoami
    answers = [m for m in measured.sandbox.transcript(measured.voter) if m["from"].get("is_bot")]
    assert any("Người Thử" in str(m.get("text", "")) for m in answers)  # /whoami answered by name

    press = measured.counts["ballot_press"]
    # Resolution (4) and the ledger's look-up, the voter's ballot (1: its open poll's frozen parts
    # are cached, and a ballot shows no turnout), then the new sheet written without reading first,
    # with the update's ledger row in the same commit (set done later, in a batch of marks).
    assert press["SELECT"] <= 6 and press["INSERT"] == 1 + 1 and not {"DELETE", "UPDATE"} & press.keys()
    assert press.get("BEGIN IMMEDIATE", 0) <= 1  # the sheet's, and nothing else (SQLite)

    cast = measured.counts["cast"]
    # Resolution (4) and the ledger's look-up, the voter's ballot and sheet (1 query), then one
    # write: who voted (only while open, one statement), the sealed ballot, the audit entry after
    # the head this process wrote last (checked in the same statement; + PostgreSQL's lock), the
    # sheet's DELETE, and in the same commit the update's ledger row (set done later, in a batch
    # of marks: one write transaction per vote).
    assert cast["INSERT"] == 3 + 1 and "UPDATE" not in cast and cast["DELETE"] == 1
    assert cast["SELECT"] + cast["INSERT"] <= (11 if db.backend == "postgresql" else 10)
    assert cast["(connections)"] <= 5
    assert cast.get("BEGIN IMMEDIATE", 0) <= 1  # the cast's (SQLite)
    async with db.session() as session:
        voted = (
            await session.exec(
                select(func.count())
                .select_from(Participation)
                .where(Participation.poll_id == measured.poll_id)
            )
        ).one()
        sealed = (
            await session.exec(
                select(func.count()).select_from(SealedBallot).where(SealedBallot.poll_id == measured.poll_id)
            )
        ).one()
    assert (voted, sealed) == (1, 1)
    texts = [str(e["message"].get("text", "")) for e in measured.sandbox.events if e["type"] == "edit"]
    assert any("Đã ghi nhận" in text for text in texts)


async def test_reachable_is_written_only_when_the_person_was_unreachable(db: Database, clock: Clock) -> None:
    profile = await people.identify_account(
        db, Channel.ZALO, ANNA, display_name="Nguyễn Thị An", language="vi", today=clock().date()
    )
    counting = Statements(db)
    with counting as words:
        assert await reach.mark_reachable(db, Channel.ZALO, ANNA) is False
    assert not WRITES & words.keys() and "BEGIN IMMEDIATE" not in words
    async with db.transaction() as session:
        session.add(PersonReach(person_id=profile.person_id, unreachable_since=clock(), reason="zalo"))
    with counting as words:
        assert await reach.mark_reachable(db, Channel.ZALO, ANNA) is True
    assert words["DELETE"] == 1
    async with db.session() as session:
        assert (await session.get(PersonReach, profile.person_id)) is None
    with counting as words:
        assert await reach.mark_reachable(db, Channel.ZALO, ANNA) is False
    assert not WRITES & words.keys()


async def test_last_seen_is_written_at_most_once_an_hour(db: Database, clock: Clock) -> None:
    now = clock()
    kwargs: dict[str, Any] = {"display_name": "Nguyễn Thị An", "language": "vi", "today": now.date()}
    await people.identify_account(db, Channel.ZALO, ANNA, now=now, **kwargs)
    counting = Statements(db)
    with counting as words:
        await people.identify_account(db, Channel.ZALO, ANNA, now=now + timedelta(minutes=30), **kwargs)
    assert not WRITES & words.keys()
    with counting as words:
        await people.identify_account(db, Channel.ZALO, ANNA, now=now + timedelta(hours=2), **kwargs)
    assert words["UPDATE"] == 1
    accounts = await people.accounts_of(db, (await people.person_of_account(db, Channel.ZALO, ANNA)) or 0)
    assert accounts[0].last_seen_at == now + timedelta(hours=2)


async def test_a_conversation_step_left_as_it_was_is_not_written_again(db: Database, clock: Clock) -> None:
    async def start(turn: Turn) -> str | None:
        turn.data["asked"] = "name"
        return "waiting"

    async def same(turn: Turn) -> str | None:
        return "waiting"  # a reply that changes nothing (e.g. a sticker where text is asked)

    async def done(turn: Turn) -> str | None:
        return END

    router = Router()
    router.conversation(
        Conversation(
            name="ask",
            entry={"ask": start},
            steps={"waiting": {InKind.STICKER: same, InKind.TEXT: done}},
        )
    )
    deps = Deps(settings=make_settings(db), db=db, clock=clock)
    profile = await people.identify_account(
        db, Channel.ZALO, ANNA, display_name="Nguyễn Thị An", language="vi", today=clock().date()
    )
    chat = ChatRef(Channel.ZALO, ANNA)

    async def send(kind: InKind, **fields: Any) -> Counter[str]:
        incoming = Incoming(chat=chat, account_id=ANNA, display_name="An", language="vi", kind=kind, **fields)
        found = await router.resolve(db, incoming)
        assert found is not None
        route, data = found
        with counting as words:
            await router.run(
                route, Turn(incoming=incoming, profile=profile, deps=deps, outlet=None, data=data)
            )  # type: ignore[arg-type]
        return Counter(words)

    counting = Statements(db)
    assert WRITES & (await send(InKind.COMMAND, command="ask")).keys()  # the step is written
    assert not WRITES & (await send(InKind.STICKER)).keys()  # unchanged: no write
    assert not WRITES & (await send(InKind.STICKER)).keys()
    async with db.session() as session:
        rows = list(await session.exec(select(ConversationState)))
    assert len(rows) == 1 and '"waiting"' in rows[0].state and '"asked": "name"' in rows[0].state
    assert (await send(InKind.TEXT, text="Nguyễn Thị An"))["DELETE"] == 1  # the end is written
    async with db.session() as session:
        assert list(await session.exec(select(ConversationState))) == []


async def test_reads_of_one_stretch_share_a_session_and_never_hide_later_writes(db: Database) -> None:
    async with db.reading():
        async with db.session() as first, db.session() as second:
            assert first is second  # one connection, one BEGIN for the whole stretch
        other: list[Any] = []

        async def elsewhere() -> None:
            async with db.session() as session:
                other.append(session)

        await asyncio.create_task(elsewhere())  # another task never shares this task's session
        assert other[0] is not first
        async with db.transaction() as session:  # a write takes its own session and commits
            session.add(ConversationState(name="t", key="k", state="{}"))
    async with db.session() as session:  # after the stretch: a fresh read sees the write
        assert (await session.get(ConversationState, ("t", "k"))) is not None
        assert session is not first
