"""A voter's unfinished ballot ("sheet") between presses: a ballot of up to 200 candidates does
not fit in a button's 64 bytes, so the buttons carry a random sheet token and the state is kept
here, sealed under that token (bot/ballot_crypto.py). The row's key is derived from the token too:
the table alone names no voter and reads no choice, and a restart loses no unfinished ballot.
Sheets of polls no longer open are dropped by the ballot job (`forget_closed`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import col, select

from bot import ballot_crypto
from bot.db import Database
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
    """The voter's sheet under `token`; None for a token that is not theirs (forged, or gone)."""
    if not token or len(token) > 32:
        return None
    async with db.session() as session:
        row = await session.get(ConversationState, (SHEETS, _key(poll_ref, token, person_id)))
    if row is None:
        return None
    plain = ballot_crypto.open_sheet(token, _context(poll_ref, person_id), row.state)
    if plain is None:
        return None
    saved = json.loads(plain)
    return Sheet(token, str(saved["s"]), int(saved["p"]), int(saved["v"]))


async def save(
    db: Database, *, poll_ref: str, person_id: int, token: str | None, state: str, page: int, version: int
) -> Sheet:
    """Keep the sheet (a new one, with a new token, when `token` is None), one version on."""
    token = token or ballot_crypto.new_sheet_token()
    sheet = Sheet(token, state, page, version + 1)
    plain = json.dumps({"s": state, "p": page, "v": sheet.version}).encode()
    sealed = ballot_crypto.seal_sheet(token, _context(poll_ref, person_id), plain)
    key = _key(poll_ref, token, person_id)
    async with db.transaction() as session:
        row = await session.get(ConversationState, (SHEETS, key))
        if row is None:
            row = ConversationState(name=SHEETS, key=key, state=sealed)
        else:
            row.state = sealed
        session.add(row)
    return sheet


async def forget(db: Database, *, poll_ref: str, person_id: int, token: str) -> None:
    """Drop a sheet once its ballot is cast."""
    async with db.transaction() as session:
        row = await session.get(ConversationState, (SHEETS, _key(poll_ref, token, person_id)))
        if row is not None:
            await session.delete(row)


async def forget_closed(db: Database) -> int:
    """Drop the sheets of polls no longer open; how many."""
    async with db.transaction() as session:
        rows = list(await session.exec(select(ConversationState).where(ConversationState.name == SHEETS)))
        if not rows:
            return 0
        refs = {row.key.split(":", 1)[0] for row in rows}
        still_open = set(
            await session.exec(
                select(Poll.ref).where(col(Poll.ref).in_(refs), Poll.status == PollStatus.OPEN)
            )
        )
        gone = [row for row in rows if row.key.split(":", 1)[0] not in still_open]
        for row in gone:
            await session.delete(row)
        return len(gone)
