"""Issue 15: each update handled once and none dropped.

Long polling confirms an update only once it is handled (bot/channels/telegram_polling.py); the
ledger of handled updates (bot/services/updates.py) is written in the same commit as the update's
own first write, so a bot killed at any moment either kept the update's step and its mark, or
neither; the webhook answers Telegram only once the update is handled; Zalo's events go through
the same ledger.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import select
from telegram import Update

from bot.app import build_application
from bot.channels.telegram_polling import BATCH, NEWCOMER_WAIT, REFILL_BELOW, HeldOffsetBot, PollLedger
from bot.channels.zalo.adapter import ZaloChannel
from bot.channels.zalo.client import ZaloBot
from bot.chat.router import Router, Turn
from bot.db import Database
from bot.deps import Deps
from bot.i18n import t
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.request import SandboxRequest
from bot.sandbox.zalo import InProcessTransport
from bot.services import updates
from bot.transport import AiohttpRequest
from bot.web import SECRET_HEADER, WebServer, build_web_app, telegram_webhook
from models.channels import HandledUpdate
from models.conversation import ConversationState
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock

pytestmark = pytest.mark.hardening

NOTE = "ghi-test"  # the rows the test command writes (a table every schema has)


class Boom(Exception):
    pass


async def _notes(db: Database) -> list[str]:
    async with db.session() as session:
        rows = (await session.exec(select(ConversationState).where(ConversationState.name == NOTE))).all()
    return sorted(row.state for row in rows)


async def _ledger(db: Database) -> list[tuple[str, int]]:
    async with db.session() as session:
        rows = (await session.exec(select(HandledUpdate))).all()
    return sorted((row.channel, row.update_id) for row in rows)


@pytest.fixture
async def afresh(db: Database) -> AsyncIterator[Callable[[], Database]]:
    """The same database as a process started afresh sees it: its own engine, its own ledger."""
    made: list[Database] = []

    def make() -> Database:
        made.append(Database(db.url))
        return made[-1]

    yield make
    for other in made:
        await other.dispose()


async def _write(db: Database, key: str, text: str) -> None:
    async with db.transaction() as session:
        session.add(ConversationState(name=NOTE, key=key, state=text))


async def test_the_done_mark_commits_with_the_update_s_first_write_or_not_at_all(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    now = clock()
    mark = updates.hold(db, "telegram", 41, now)
    assert mark is not None
    assert updates.hold(db, "telegram", 41, now) is None  # in hand in this process
    # The process dies inside the step's write: neither the step nor the mark is kept.
    with updates.handling(mark), pytest.raises(Boom):
        async with db.transaction() as session:
            session.add(ConversationState(name=NOTE, key="41", state="first try"))
            raise Boom
    assert await _notes(db) == [] and await _ledger(db) == []
    await updates.release(db, mark, handled=False)  # (the process's own bookkeeping)
    # Delivered again, handled: the step and the mark in one commit; a later write carries nothing.
    mark = updates.hold(db, "telegram", 41, now)
    assert mark is not None and await updates.handled_before(db, mark) is updates.Seen.NEW
    with updates.handling(mark):
        await _write(db, "41", "handled")
        assert await _ledger(db) == [("telegram", 41)]  # committed with the step, not after it
        await _write(db, "41b", "its conversation state")
    await updates.release(db, mark)
    assert await _notes(db) == ["handled", "its conversation state"]
    # Answered, but its "done" waits for the next batch of marks: killed now, a process started
    # afresh finds it written and not answered; once the batch is out, done.
    other = afresh()
    again = updates.hold(other, "telegram", 41, now)
    assert again is not None and await updates.handled_before(other, again) is updates.Seen.UNANSWERED
    await updates.release(other, again, handled=False)
    await updates.flush(db)
    other = afresh()
    again = updates.hold(other, "telegram", 41, now)
    assert again is not None and await updates.handled_before(other, again) is updates.Seen.DONE
    await updates.release(other, again)
    assert updates.hold(other, "telegram", 41, now) is None  # now known without SQL
    assert updates.hold(db, "zalo", 41, now) is not None  # another channel's 41 is another update


async def test_a_read_only_update_is_marked_in_a_batch_and_a_double_delivery_rolls_back(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    now = clock()
    read = updates.hold(db, "telegram", 7, now)
    assert read is not None
    await updates.release(db, read)  # it wrote nothing
    assert updates.hold(db, "telegram", 7, now) is None  # known here at once
    assert await _ledger(db) == []  # its mark waits for its batch
    await updates.flush(db)
    assert await _ledger(db) == [("telegram", 7)]
    # The same update in two processes at once (a webhook retried to another one): the first
    # commit wins; the second's write finds the mark and is rolled back with it.
    other = afresh()
    here, there = updates.hold(db, "telegram", 8, now), updates.hold(other, "telegram", 8, now)
    assert here is not None and there is not None
    with updates.handling(here):
        await _write(db, "8", "here")
    with updates.handling(there), pytest.raises(updates.Replayed):
        await _write(other, "8'", "there")
    assert await _notes(db) == ["here"]
    # Rows older than the keeping time go at a prune; the rest stay.
    clock.advance(days=4)
    newer = updates.hold(db, "telegram", 9, clock())
    assert newer is not None
    with updates.handling(newer):
        await _write(db, "9", "later")
    await updates.prune(db, clock())
    assert await _ledger(db) == [("telegram", 9)]


def _command_router(
    calls: list[str],
    gate: asyncio.Event | None = None,
    committed: asyncio.Event | None = None,
    started: asyncio.Event | None = None,
) -> Router:
    """/ghi writes a note (the step) and answers; it signals `started`, may wait at `gate` before
    writing, and signal `committed` after (then hang, as a bot killed right there would)."""

    async def ghi(turn: Turn) -> str | None:
        calls.append(turn.incoming.text or "")
        if started is not None:
            started.set()
        if gate is not None:
            await gate.wait()
        await _write(turn.deps.db, f"{turn.incoming.chat.chat_id}:{len(calls)}", turn.incoming.text or "")
        if committed is not None:
            committed.set()
            await asyncio.Event().wait()  # killed here, before anything else happens
        await turn.say("Đã ghi")
        return None

    async def xem(turn: Turn) -> str | None:
        calls.append(turn.incoming.text or "")
        await turn.say("Chỉ xem")
        return None

    router = Router()
    router.command("ghi", ghi)
    router.command("xem", xem)
    return router


def _telegram(db: Database, clock: Clock, sandbox: Sandbox, router: Router) -> Any:
    return build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
        router=router,
    )


async def _deliver(application: Any, raw: dict[str, Any]) -> None:
    await application.process_update(Update.de_json(dict(raw), application.bot))


async def _killed_when(application: Any, raw: dict[str, Any], reached: asyncio.Event) -> None:
    """The update handled until `reached`, then the process killed there (its task cancelled)."""
    task = asyncio.create_task(_deliver(application, raw))
    await asyncio.wait_for(reached.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def _answers(sandbox: Sandbox, chat_id: int) -> list[str]:
    return [str(m.get("text")) for m in sandbox.transcript(chat_id) if m["from"].get("is_bot")]


async def test_a_bot_killed_before_or_after_a_step_s_commit_handles_it_so_the_person_hears(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    sandbox.add_user(5001, "An")
    calls: list[str] = []
    committed = asyncio.Event()
    await sandbox.user_sends(5001, "/ghi một")
    raw = sandbox.updates.pop()
    async with _telegram(db, clock, sandbox, _command_router(calls, committed=committed)) as application:
        await _killed_when(application, raw, committed)  # the kill: right after the step's commit
    assert await _notes(db) == ["/ghi một"]
    # Started afresh, Telegram delivers the update again (the poll's offset never went out).
    other = afresh()
    async with _telegram(other, clock, sandbox, _command_router(calls)) as application:
        await _deliver(application, raw)
    # Its write is in but nobody heard: handled again (a cast meets its UNIQUE row and says
    # "already voted"), this time answered and marked done.
    assert calls == ["/ghi một", "/ghi một"] and _answers(sandbox, 5001) == ["Đã ghi"]
    other = afresh()
    async with _telegram(other, clock, sandbox, _command_router(calls)) as application:
        await _deliver(application, raw)
    assert calls == ["/ghi một", "/ghi một"]  # answered and done: never again

    # Killed before the step's commit instead: nothing of it was kept, and it is handled afresh.
    gate = asyncio.Event()
    started = asyncio.Event()
    await sandbox.user_sends(5001, "/ghi hai")
    raw = sandbox.updates.pop()
    async with _telegram(
        db, clock, sandbox, _command_router(calls, gate=gate, started=started)
    ) as application:
        await _killed_when(application, raw, started)
    other = afresh()
    async with _telegram(other, clock, sandbox, _command_router(calls)) as application:
        await _deliver(application, raw)
        await _deliver(application, raw)  # and once more
    assert calls == ["/ghi một", "/ghi một", "/ghi hai", "/ghi hai"]
    assert await _notes(db) == ["/ghi hai", "/ghi một", "/ghi một"]
    assert _answers(sandbox, 5001) == ["Đã ghi", "Đã ghi"]


async def test_a_typed_answer_saved_before_a_kill_is_not_fed_to_the_next_step(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    """A typed answer feeds the step that waited for it: handled again after its commit, it would
    feed the step after. Delivered again, it is not handled; the person is told it was saved."""
    sandbox = Sandbox(limits=Limits(enabled=False))
    sandbox.add_user(5002, "Bình")
    calls: list[str] = []
    committed = asyncio.Event()

    def typed_router(**signals: asyncio.Event) -> Router:
        router = _command_router(calls, **signals)
        router.fallback = router.commands["ghi"][0].handler  # plain text goes where /ghi goes
        return router

    await sandbox.user_sends(5002, "mười lăm")
    raw = sandbox.updates.pop()
    async with _telegram(db, clock, sandbox, typed_router(committed=committed)) as application:
        await _killed_when(
            application, raw, committed
        )  # the kill: right after the step's commit, before the answer
    for _ in range(2):  # delivered again after a restart, and once more
        other = afresh()
        async with _telegram(other, clock, sandbox, typed_router()) as application:
            await _deliver(application, raw)
    assert calls == ["mười lăm"] and await _notes(db) == ["mười lăm"]
    assert _answers(sandbox, 5002) == [t("vi", "error.saved_unanswered")]


async def test_the_webhook_answers_only_once_the_update_is_handled(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    sandbox.add_user(5002, "Bình")
    calls: list[str] = []
    gate = asyncio.Event()
    started = asyncio.Event()
    await sandbox.user_sends(5002, "/ghi ba")
    raw = sandbox.updates.pop()
    headers = {SECRET_HEADER: "s3cret"}

    async def serve(application: Any, database: Database) -> WebServer:
        app = build_web_app(
            Deps(settings=make_settings(database), db=database), [telegram_webhook(application, "s3cret")]
        )
        server = WebServer(app, "127.0.0.1", 0)
        await server.start()
        return server

    async with (
        httpx.AsyncClient(timeout=15) as http,
        _telegram(db, clock, sandbox, _command_router(calls, gate=gate, started=started)) as first,
    ):
        server = await serve(first, db)
        try:
            post = asyncio.create_task(http.post(f"{server.url}/telegram", json=raw, headers=headers))
            await asyncio.wait_for(started.wait(), 10)
            await asyncio.sleep(0.2)
            assert not post.done()  # in hand, not handled: no answer yet (a crash now: Telegram retries)
            assert await _ledger(db) == []
            gate.set()
            assert (await post).status_code == 200
            # By the time Telegram hears 200, the step, its mark and the answer are there.
            assert await _notes(db) == ["/ghi ba"] and await _ledger(db) == [
                ("telegram", int(raw["update_id"]))
            ]
            assert _answers(sandbox, 5002) == ["Đã ghi"]
            # Telegram, not having heard (a timeout), posts it again: 200, nothing changes.
            assert (await http.post(f"{server.url}/telegram", json=raw, headers=headers)).status_code == 200
        finally:
            await server.stop()
    other = afresh()
    async with (
        httpx.AsyncClient(timeout=15) as http,
        _telegram(other, clock, sandbox, _command_router(calls)) as again,
    ):
        server = await serve(again, other)
        try:  # and to a process started afresh
            assert (await http.post(f"{server.url}/telegram", json=raw, headers=headers)).status_code == 200
        finally:
            await server.stop()
    assert calls == ["/ghi ba"]
    assert await _notes(db) == ["/ghi ba"] and _answers(sandbox, 5002) == ["Đã ghi"]


async def test_a_zalo_event_delivered_again_changes_nothing(
    db: Database, clock: Clock, afresh: Callable[[], Database]
) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    sandbox.zalo.add_user("zl1", "Lan")
    calls: list[str] = []
    channels: list[ZaloChannel] = []

    def channel(database: Database) -> ZaloChannel:
        http = httpx.AsyncClient(transport=InProcessTransport(sandbox))
        made = ZaloChannel(
            Deps(settings=make_settings(database), db=database, clock=clock),
            _command_router(calls),
            ZaloBot(sandbox.zalo.token, "http://sandbox/zalo", http),
        )
        channels.append(made)
        return made

    async def poll(into: ZaloChannel) -> None:
        event = await into.bot.get_updates(timeout=0)
        assert event is not None
        await into.handle(event)

    def answers() -> list[str]:
        return [str(m.get("text")) for m in sandbox.zalo.transcript("zl1") if m["from"].get("is_bot")]

    try:
        bot = channel(db)
        written = await sandbox.zalo.user_sends("zl1", "/ghi bốn")
        await poll(bot)
        read = await sandbox.zalo.user_sends("zl1", "/xem")
        await poll(bot)
        assert calls == ["/ghi bốn", "/xem"] and answers() == ["Đã ghi", "Chỉ xem"]
        # Zalo posts each again (it heard no answer): in this process, known from memory.
        sandbox.zalo.pending += [dict(written), dict(read)]
        await poll(bot)
        await poll(bot)
        await bot.close()  # a clean stop writes the read's mark too
        # And to a process started afresh: known from the ledger.
        fresh = channel(afresh())
        sandbox.zalo.pending += [dict(written), dict(read)]
        await poll(fresh)
        await poll(fresh)
        assert calls == ["/ghi bốn", "/xem"] and answers() == ["Đã ghi", "Chỉ xem"]
        assert await _notes(db) == ["/ghi bốn"]
        assert [channel for channel, _ in await _ledger(db)] == ["zalo", "zalo"]
    finally:
        for made in channels:
            await made.close()
            await made.bot.http.aclose()


async def test_long_polling_confirms_only_what_was_handled(db: Database, clock: Clock) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    application = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    sandbox.add_user(5001, "An")
    ids = [int((await sandbox.user_sends(5001, f"tin {n}"))["update_id"]) for n in range(3)]
    async with application:
        polling: Any = application.updater.bot  # what the Updater polls through
        ledger = application.poll_ledger
        assert [u.update_id for u in await polling.get_updates(timeout=0)] == ids
        ledger.done(ids[1])  # the second is handled, the first is not
        assert list(await polling.get_updates(timeout=0)) == []  # nothing new, nothing queued twice
        assert sandbox.acknowledged_update_id < ids[0]  # nothing confirmed: all three would come back
        ledger.done(ids[0])
        assert list(await polling.get_updates(timeout=0)) == []
        assert sandbox.acknowledged_update_id == ids[1]  # the first two confirmed, the third not
        assert [u["update_id"] for u in sandbox.updates] == [ids[2]]
    # A process started afresh (the old one killed) gets the unhandled one again.
    again = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    async with again:
        fresh: Any = again.updater.bot
        assert [u.update_id for u in await fresh.get_updates(timeout=0)] == [ids[2]]


async def test_long_polling_asks_again_only_once_fewer_than_half_a_batch_are_in_hand() -> None:
    """Each getUpdates brings back, from the held offset, the updates still in hand: asked after
    every finished update, a burst re-read its backlog hundreds of times (issue 16's profile)."""

    @dataclass(frozen=True)
    class Tap:
        update_id: int

    asked: list[int] = []

    class Telegram:  # what getUpdates returns from an offset: the next BATCH of 300 taps
        async def get_updates(self, *, offset: int, **_: Any) -> tuple[Tap, ...]:
            asked.append(offset)
            return tuple(Tap(i) for i in range(max(offset, 1), min(max(offset, 1) + BATCH, 301)))

    ledger = PollLedger()
    polling = HeldOffsetBot(Telegram(), ledger)
    first = await polling.get_updates(timeout=5)
    assert [u.update_id for u in first] == list(range(1, 101)) and asked == [0]
    asking = asyncio.create_task(polling.get_updates(timeout=5))
    for update_id in range(1, 100 - REFILL_BELOW + 1):  # finished in order, one by one
        ledger.done(update_id)
        await asyncio.sleep(0)
    assert not asking.done() and asked == [0]  # half a batch still in hand: not asked
    ledger.done(100 - REFILL_BELOW + 1)
    fresh = await asyncio.wait_for(asking, 5)
    assert asked == [0, 100 - REFILL_BELOW + 2]  # asked once, from the lowest in hand
    assert [u.update_id for u in fresh] == list(range(101, 100 - REFILL_BELOW + 2 + BATCH))


async def test_long_polling_parses_each_update_once_however_often_it_comes_back() -> None:
    """The HTTP client drops the updates in hand before PTB parses them (`PollLedger.unseen`): a
    burst finished out of order brings each update back many times, and it used to be parsed
    every time (issue 16's profile)."""

    @dataclass(frozen=True)
    class Tap:
        update_id: int

    parsed: Counter[int] = Counter()
    asked: list[int] = []

    class Telegram:  # getUpdates from an offset, through a client that filters like AiohttpRequest
        async def get_updates(self, *, offset: int, **_: Any) -> tuple[Tap, ...]:
            asked.append(offset)
            start = max(offset, 1)
            raw = [{"update_id": i} for i in range(start, min(start + BATCH, 301))]
            kept = ledger.unseen(raw)
            parsed.update(u["update_id"] for u in kept)
            return tuple(Tap(u["update_id"]) for u in kept)

    ledger = PollLedger()
    polling = HeldOffsetBot(Telegram(), ledger)
    got: list[int] = []
    slow: list[int] = []
    while len(got) < 300:
        batch = [u.update_id for u in await polling.get_updates(timeout=0)]
        got += batch
        for update_id in reversed(batch[1:]):  # all but the first of a batch finish at once,
            ledger.done(update_id)
        for update_id in slow:  # the first finishes a fetch later: the offset waited for it
            ledger.done(update_id)
        slow = batch[:1] or slow
    assert sorted(got) == list(range(1, 301)) and max(parsed.values()) == 1

    # Only updates in hand come back (the last slow one holds the offset): nothing is parsed,
    # and the poller waits between asks instead of asking again at once.
    fetches = len(asked)
    polling_on = asyncio.create_task(polling.get_updates(timeout=5))
    await asyncio.sleep(0.6)
    assert not polling_on.done() and 1 <= len(asked) - fetches <= 0.6 / NEWCOMER_WAIT + 1
    polling_on.cancel()
    assert max(parsed.values()) == 1


def test_the_http_client_filters_a_list_result_and_nothing_else() -> None:
    seen: list[list[Any]] = []

    def keep_odd(raw: list[Any]) -> list[Any]:
        seen.append(raw)
        return [u for u in raw if u["update_id"] % 2]

    client = AiohttpRequest(results=keep_odd)
    data = client.parse_json_payload(b'{"ok": true, "result": [{"update_id": 1}, {"update_id": 2}]}')
    assert data["result"] == [{"update_id": 1}]
    assert client.parse_json_payload(b'{"ok": true, "result": {"id": 5}}')["result"] == {"id": 5}
    assert AiohttpRequest().parse_json_payload(b'{"ok": true, "result": [{"update_id": 2}]}')["result"]
    assert len(seen) == 1
