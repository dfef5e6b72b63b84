"""Each platform update handled once: its mark committed with what it changed.

A platform delivers an update again when it did not hear that the bot got it: a webhook POST
that timed out or was never answered, a long poll whose confirming offset never went out because
the bot died. The same update must not advance a conversation twice, check in twice or score
twice. A row per (channel, update id) says the update was handled:

- An update that writes carries its row into its own first write transaction
  (`Database.transaction()` asks the `Mark` carried for the update, bot/db.py): the step and its
  row commit together or not at all, with no transaction of the ledger's own before it. Once the
  answer is out, the row is set done, in the next batch of marks. Delivered again: done changes
  nothing; a row not done (the bot died between the commit and the answer, or before the batch)
  is handled again so that the person hears if it was a press or a command (a cast meets its
  UNIQUE row and says "already voted", with the way to the tracker), while a typed answer or a
  file is not handled again (it would feed the next step): the person is told it was saved.
  A bot killed before the commit kept nothing of the update and handles it afresh.
- An update that only read (a /whoami, a page of a list) is marked in batches, a few at a time
  in one transaction: a crash before its batch is written answers the read once more.
- In this process, an update in hand or lately handled is known from memory, without SQL.

So a read-only update costs one primary-key SELECT in its own read transaction and no write;
an update that writes, one INSERT in its own commit; the "done" marks go a hundred to a statement
(issue 16).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import secrets
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import InKind
from bot.db import Database, carrying, run_core
from models.channels import HandledUpdate

log = logging.getLogger(__name__)

KEEP = timedelta(days=3)  # Telegram reuses ids only after a week without updates
PRUNE_EVERY = 500  # marks between two prunes of old rows, per process
READ_BATCH = 100  # marks written together: read-only updates' rows, answered updates' "done"
FLUSH_AFTER = 2.0  # seconds a mark may wait for its batch
RECENT = 4096  # updates remembered as handled, per process (a retry comes within minutes)

# This process, as the rows name it (which process handled an update, when one asks).
PROCESS = secrets.token_hex(8)


class Replayed(Exception):
    """The update was marked done by someone else while this process handled it (the same update
    delivered to two processes at once): the write that found the mark is rolled back."""


@dataclass(eq=False)
class Mark:
    """One update in hand. `Database.transaction()` calls `board`, `ride` and `arrived`."""

    channel: str
    update_id: int
    at: datetime
    written: bool = False  # its row is committed
    closed: bool = False  # handling is over: writes of tasks it started carry nothing
    riding: bool = False  # a transaction is carrying it now

    def board(self) -> bool:
        if self.written or self.closed or self.riding:
            return False
        self.riding = True
        return True

    async def ride(self, session: AsyncSession) -> None:
        try:
            await run_core(
                session,
                _taken_insert(),
                {
                    "channel": self.channel,
                    "update_id": self.update_id,
                    "process": PROCESS,
                    "done": False,  # set done in the batch of marks after its answer
                    "taken_at": self.at,
                },
            )
        except IntegrityError:
            raise Replayed(f"{self.channel} update {self.update_id}") from None

    def arrived(self, committed: bool) -> None:
        self.riding = False
        self.written = self.written or committed


@dataclass(eq=False)
class Ledger:
    """One process's view of one database's ledger."""

    db: Database
    in_hand: set[tuple[str, int]] = field(default_factory=set)
    recent: OrderedDict[tuple[str, int], None] = field(default_factory=OrderedDict)
    reads: dict[tuple[str, int], datetime] = field(default_factory=dict)  # marks not yet written
    # Written with their step, answered, not yet set done: on SQLite each "done" of its own was one
    # more turn at the single writer (and one more flush to disk) per vote.
    answered: set[tuple[str, int]] = field(default_factory=set)
    marks: int = 0
    last_at: datetime | None = None
    flushing: asyncio.Task[None] | None = None
    timer: asyncio.TimerHandle | None = None

    def remember(self, key: tuple[str, int]) -> None:
        self.recent[key] = None
        while len(self.recent) > RECENT:
            self.recent.popitem(last=False)


_LEDGERS: weakref.WeakKeyDictionary[Database, Ledger] = weakref.WeakKeyDictionary()


def ledger_of(db: Database) -> Ledger:
    found = _LEDGERS.get(db)
    if found is None:
        found = _LEDGERS[db] = Ledger(db)
    return found


def hold(db: Database, channel: str, update_id: int, now: datetime) -> Mark | None:
    """The update, now in hand; None when this process has it in hand or handled it lately."""
    ledger = ledger_of(db)
    key = (channel, update_id)
    if key in ledger.in_hand or key in ledger.recent or key in ledger.reads:
        return None
    ledger.in_hand.add(key)
    return Mark(channel, update_id, now)


class SavedUnanswered(Exception):
    """Raised by a channel for an update that `must_not_repeat`: it answers with the notice."""


class Seen(StrEnum):
    NEW = "new"
    DONE = "done"  # handled and answered: delivered again, it changes nothing
    UNANSWERED = "unanswered"  # its write committed, then the process died before answering


# What a typed message or a file feeds: the step that waited for it. Handled again after its step
# committed, it would feed the step after (a target typed once, saved twice).
STEP_INPUTS = frozenset({InKind.TEXT, InKind.PHOTO, InKind.FILE})


def must_not_repeat(seen: Seen, kind: InKind) -> bool:
    """An update whose write is in but whose person never heard back: a press or a command is
    handled again so that they hear (a cast meets its UNIQUE row and says "already voted", with
    the way to the tracker; a page or a sheet is shown as it stands); a typed answer is not — the
    person is told it was saved instead (`error.saved_unanswered`)."""
    return seen is Seen.UNANSWERED and kind in STEP_INPUTS


async def handled_before(db: Database, mark: Mark) -> Seen:
    """Whether the ledger holds the update, and whether it was answered (one SELECT by primary
    key: inside `db.reading()` it shares the update's read transaction). Held, its writes are in,
    so the mark rides nothing."""
    async with db.session() as session:
        params = {"channel": mark.channel, "update_id": mark.update_id}
        found = (await run_core(session, _done_query(), params)).first()
    if found is None:
        return Seen.NEW
    mark.written = True
    return Seen.DONE if found[0] else Seen.UNANSWERED


@functools.cache
def _done_query() -> Any:
    """Built once: every update asks it."""
    table = HandledUpdate.__table__  # type: ignore[attr-defined]
    return core_select(table.c.done).where(
        table.c.channel == bindparam("channel"), table.c.update_id == bindparam("update_id")
    )


@functools.cache
def _taken_insert() -> Any:
    return insert(HandledUpdate.__table__)  # type: ignore[attr-defined]


@contextlib.contextmanager
def handling(mark: Mark) -> Iterator[None]:
    """While the update's handler runs: its first write transaction carries the mark."""
    with carrying(mark):
        yield


async def release(db: Database, mark: Mark, *, handled: bool = True) -> None:
    """The update is over. Not written with a write of its own (it only read, or it was already
    done): its mark joins the next batch. `handled=False` (it failed before it was handled, e.g.
    the database was away) leaves no mark, so a delivery again handles it."""
    mark.closed = True
    ledger = ledger_of(db)
    key = (mark.channel, mark.update_id)
    ledger.in_hand.discard(key)
    if not handled and not mark.written:
        return
    ledger.marks += 1
    ledger.last_at = mark.at
    if mark.written:
        if handled:  # answered: done in the next batch (a kill before it: handled again, so heard)
            ledger.answered.add(key)
        ledger.remember(key)
    else:
        ledger.reads[key] = mark.at
    if len(ledger.reads) + len(ledger.answered) >= READ_BATCH or ledger.marks >= PRUNE_EVERY:
        await _flush(ledger)
    elif (ledger.reads or ledger.answered) and ledger.timer is None:
        ledger.timer = asyncio.get_running_loop().call_later(FLUSH_AFTER, _later, ledger)


def _later(ledger: Ledger) -> None:
    ledger.timer = None
    if ledger.flushing is None or ledger.flushing.done():
        ledger.flushing = asyncio.ensure_future(_flush(ledger))
    else:  # one is under way: look again later rather than run two at once
        ledger.timer = asyncio.get_running_loop().call_later(FLUSH_AFTER, _later, ledger)


async def flush(db: Database) -> None:
    """Write the marks still waiting (at a clean stop)."""
    ledger = ledger_of(db)
    if ledger.timer is not None:
        ledger.timer.cancel()
        ledger.timer = None
    await _flush(ledger)


async def _flush(ledger: Ledger) -> None:
    reads, ledger.reads = ledger.reads, {}
    answered, ledger.answered = ledger.answered, set()
    prune_now = ledger.marks >= PRUNE_EVERY
    if prune_now:
        ledger.marks = 0
    if not reads and not answered and not prune_now:
        return
    db = ledger.db
    try:
        async with db.transaction() as session:
            if reads:
                rows = [
                    {
                        "channel": channel,
                        "update_id": update_id,
                        "process": PROCESS,
                        "done": True,
                        "taken_at": at,
                    }
                    for (channel, update_id), at in reads.items()
                ]
                # Another delivery may have written one of them meanwhile: that row stands.
                maker = pg_insert if db.backend == "postgresql" else sqlite_insert
                await session.exec(maker(HandledUpdate).values(rows).on_conflict_do_nothing())
            for channel in {channel for channel, _ in answered}:
                await session.exec(
                    update(HandledUpdate)
                    .where(
                        col(HandledUpdate.channel) == channel,
                        col(HandledUpdate.update_id).in_([u for c, u in answered if c == channel]),
                    )
                    .values(done=True)
                )
            if prune_now and ledger.last_at is not None:
                await session.exec(_older_than_kept(ledger.last_at))
    except Exception:
        # Best effort: a mark not written is at worst an update handled again after a crash (a
        # read answered again, a press or a command answered again, a typed answer told "saved").
        log.warning("could not write %d marks of updates", len(reads) + len(answered), exc_info=True)
        return
    for key in reads:
        ledger.remember(key)


async def prune(db: Database, now: datetime) -> None:
    async with db.transaction() as session:
        await session.exec(_older_than_kept(now))


def _older_than_kept(now: datetime) -> Any:
    return delete(HandledUpdate).where(col(HandledUpdate.taken_at) < now - KEEP)


def event_number(*parts: str) -> int:
    """A platform's string event id as the ledger's number (Zalo's ids are strings): 63 bits of
    its hash, so it fits a signed BIGINT; two ids meeting there is a 1-in-2^63 chance."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
