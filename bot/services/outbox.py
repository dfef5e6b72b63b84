"""Messages to people that go out after the commit, at least once, on the app each person uses.

Everything sent to many people (ballots, meeting notices, hand-off notices) is a row here,
written in the transaction of what it tells (`enqueue`), delivered by bot.delivery's job:
claimed with a lease (two processes never send one row twice while both are alive), sent, then
marked. A timeout on one recipient does not stop the others; a person who blocked the bot is
marked failed at once and not retried.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Button, Screen
from bot.db import Database
from models.channels import OutboxMessage

LEASE = timedelta(minutes=2)  # a claim older than this was a process that died mid-send
MAX_ATTEMPTS = 6


def encode_screen(screen: Screen) -> str:
    return json.dumps(asdict(screen), ensure_ascii=False)


def decode_screen(text: str) -> Screen:
    raw = json.loads(text)
    buttons = tuple(tuple(Button(**b) for b in row) for row in raw.get("buttons", ()))
    return Screen(
        text=raw["text"],
        buttons=buttons,
        suggestions=tuple(raw.get("suggestions", ())),
        clear_suggestions=bool(raw.get("clear_suggestions")),
        typed_numbers=bool(raw.get("typed_numbers")),
        secret=bool(raw.get("secret")),
    )


async def enqueue(
    session: AsyncSession,
    *,
    person_id: int,
    kind: str,
    screen: Screen,
    dedupe_key: str,
    now: datetime,
    file_name: str | None = None,
    file_key: str | None = None,
) -> bool:
    """Add a message in the caller's transaction; False when one with this key exists already."""
    if screen.secret:
        raise ValueError("a secret screen is never stored")
    found = (
        await session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    ).first()
    if found is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                OutboxMessage(
                    dedupe_key=dedupe_key,
                    person_id=person_id,
                    kind=kind,
                    screen=encode_screen(screen),
                    file_name=file_name,
                    file_key=file_key,
                    due_at=now,
                )
            )
    except IntegrityError:  # the same key enqueued at the same moment elsewhere
        return False
    return True


@dataclass(frozen=True)
class Claimed:
    id: int
    person_id: int
    kind: str
    screen: Screen
    file_name: str | None
    file_key: str | None
    attempts: int


async def claim(db: Database, *, worker: str, now: datetime, limit: int = 50) -> list[Claimed]:
    """Due rows, each claimed by this worker with a conditional update (at most one claimant)."""
    free = or_(col(OutboxMessage.claimed_at).is_(None), col(OutboxMessage.claimed_at) < now - LEASE)
    async with db.session() as session:
        rows = list(
            await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.failed_at).is_(None))
                .where(OutboxMessage.due_at <= now, free)
                .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
                .limit(limit)
            )
        )
    claimed: list[Claimed] = []
    for row in rows:
        async with db.transaction() as session:
            won = await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.sent_at).is_(None), free)
                .values(claimed_at=now, claimed_by=worker)
            )
        if won.rowcount == 1:
            assert row.id is not None
            claimed.append(
                Claimed(
                    row.id,
                    row.person_id,
                    row.kind,
                    decode_screen(row.screen),
                    row.file_name,
                    row.file_key,
                    row.attempts,
                )
            )
    return claimed


async def mark_sent(db: Database, message_id: int, *, channel: str, now: datetime) -> None:
    async with db.transaction() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(sent_at=now, sent_channel=channel, claimed_at=None, claimed_by=None)
        )


async def mark_failed(db: Database, message_id: int, *, error: str, now: datetime, final: bool) -> None:
    """A final failure (unreachable, or too many tries) ends it; otherwise it is tried again later,
    each time a little later (1, 2, 4… minutes)."""
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:255]
        row.claimed_at = None
        row.claimed_by = None
        if final or row.attempts >= MAX_ATTEMPTS:
            row.failed_at = now
        else:
            row.due_at = now + timedelta(minutes=2 ** (row.attempts - 1))
        session.add(row)


@dataclass(frozen=True)
class Delivery:
    kind: str
    person_id: int
    sent: bool
    failed: bool
    last_error: str | None


async def status(db: Database, dedupe_prefix: str) -> list[Delivery]:
    """What became of the messages whose key starts with `dedupe_prefix` (e.g. one poll's ballots)."""
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith(dedupe_prefix))
        )
        return [
            Delivery(r.kind, r.person_id, r.sent_at is not None, r.failed_at is not None, r.last_error)
            for r in rows
        ]
