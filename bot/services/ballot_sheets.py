"""A voter's unfinished ballot ("sheet") between presses: a ballot of up to 200 candidates does
not fit in a button's 64 bytes, so the buttons carry a random sheet token and the state is kept
here, sealed under that token (bot/ballot_crypto.py). The row's key is derived from the token too:
the table alone names no voter and reads no choice, and a restart loses no unfinished ballot.
Sheets of polls no longer open are dropped by the ballot job (`forget_closed`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ballot_crypto
from bot.db import Database, run_core
from models.conversation import ConversationState
from models.meetings import Poll, PollStatus

SHEETS = "ballot_sheet"  # the rows' name in conversation_state


@dataclass(frozen=True)
class Sheet:
    token: str
    state: str
    page: int
    version: int  # moves on at every change: a review names the version it showed


def _context(poll_ref: str, person_id: int) -> str:
    return f"{poll_ref}:{person_id}"


def _key(poll_ref: str, token: str, person_id: int) -> str:
    return f"{poll_ref}:{ballot_crypto.sheet_row_key(token, _context(poll_ref, person_id))}"


async def load(db: Database, *, poll_ref: str, person_id: int, token: str) -> Sheet | None:
    """The voter's sheet under `token`; None for a token that is not theirs (forged, or gone).
    (A press reads its sheet with the voter's ballot instead: `ballots.ballot_and_sheet`.)"""
    key = row_key(poll_ref, token, person_id)
    if not key:
        return None
    async with db.session() as session:
        row = await session.get(ConversationState, (SHEETS, key))
    return None if row is None else opened(poll_ref, person_id, token, row.state)


def row_key(poll_ref: str, token: str, person_id: int) -> str:
    """The key of the sheet under `token` (for a caller that reads the row in a query of its own:
    a press reads it with the voter's ballot); "" for a token no sheet can have."""
    return _key(poll_ref, token, person_id) if token and len(token) <= 32 else ""


def opened(poll_ref: str, person_id: int, token: str, sealed: str) -> Sheet | None:
    """The sheet sealed in a row read under `row_key`; None when `token` does not open it."""
    plain = ballot_crypto.open_sheet(token, _context(poll_ref, person_id), sealed)
    if plain is None:
        return None
    saved = json.loads(plain)
    return Sheet(token, str(saved["s"]), int(saved["p"]), int(saved["v"]))


async def save(
    db: Database, *, poll_ref: str, person_id: int, token: str | None, state: str, page: int, version: int
) -> Sheet:
    """Keep the sheet (a new one, with a new token, when `token` is None), one version on."""
    known = bool(token)
    token = token or ballot_crypto.new_sheet_token()
    sheet = Sheet(token, state, page, version + 1)
    plain = json.dumps({"s": state, "p": page, "v": sheet.version}).encode()
    sealed = ballot_crypto.seal_sheet(token, _context(poll_ref, person_id), plain)
    row = {"name": SHEETS, "key": _key(poll_ref, token, person_id), "state": sealed}
    async with db.transaction() as session:
        # Written, not read first: a new token's row cannot exist yet; a known one's is updated
        # (and made again if it went meanwhile, as the ballot job drops closed polls' sheets).
        done = None
        if known:
            done = await run_core(
                session, _sheet_update(), {"at_name": SHEETS, "at_key": row["key"], "sealed": sealed}
            )
        if done is None or done.rowcount != 1:
            await run_core(session, _sheet_insert(), row)
    return sheet


@cache
def _sheet_update() -> Any:
    table = ConversationState.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.name == bindparam("at_name"), table.c.key == bindparam("at_key"))
        .values(state=bindparam("sealed"))
    )


@cache
def _sheet_insert() -> Any:
    return insert(ConversationState.__table__)  # type: ignore[attr-defined]


async def forget(session: AsyncSession, *, poll_ref: str, person_id: int, token: str) -> None:
    """Drop a sheet once its ballot is cast, inside the cast's own transaction (the sheet goes with
    its commit): one DELETE by the key, nothing read first."""
    if not token:
        return
    await run_core(session, _sheet_delete(), {"key": _key(poll_ref, token, person_id)})


@cache
def _sheet_delete() -> Any:
    table = ConversationState.__table__  # type: ignore[attr-defined]
    return delete(table).where(table.c.name == SHEETS, table.c.key == bindparam("key"))


async def forget_closed(db: Database) -> int:
    """Drop the sheets of polls no longer open; how many.

    Run by the ballot job while votes come in: the keys are read without the write lock, and
    the lock is taken only when a poll's sheets are to go (one DELETE per such poll)."""
    async with db.session() as session:
        keys = list(await session.exec(select(ConversationState.key).where(ConversationState.name == SHEETS)))
        if not keys:
            return 0
        refs = {key.split(":", 1)[0] for key in keys}
        still_open = set(
            await session.exec(
                select(Poll.ref).where(col(Poll.ref).in_(refs), Poll.status == PollStatus.OPEN)
            )
        )
    gone = refs - still_open
    if not gone:
        return 0
    dropped = 0
    async with db.transaction() as session:
        for ref in sorted(gone):
            prefix = f"{ref}:"
            done = await session.exec(
                delete(ConversationState).where(
                    col(ConversationState.name) == SHEETS,
                    func.substr(col(ConversationState.key), 1, len(prefix)) == prefix,
                )
            )
            dropped += done.rowcount
    return dropped
