"""One-time upload pages for chats that cannot carry documents (models.channels.UploadLink)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col

from bot.db import Database
from models.channels import UploadLink

TTL = timedelta(hours=1)


class LinkState(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Claim:
    state: LinkState
    channel: str = ""
    chat_id: str = ""
    account_id: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


async def issue(db: Database, *, channel: str, chat_id: str, account_id: str, now: datetime) -> str:
    token = secrets.token_urlsafe(24)
    async with db.transaction() as session:
        session.add(
            UploadLink(
                token_hash=_hash(token),
                channel=channel,
                chat_id=chat_id,
                account_id=account_id,
                expires_at=now + TTL,
            )
        )
    return token


async def check(db: Database, token: str, *, now: datetime) -> Claim:
    """What the link is, without using it (the page with the form)."""
    async with db.session() as session:
        row = await session.get(UploadLink, _hash(token))
    if row is None:
        return Claim(LinkState.UNKNOWN)
    if row.used_at is not None:
        return Claim(LinkState.USED)
    if row.expires_at <= now:
        return Claim(LinkState.EXPIRED)
    return Claim(LinkState.OK, row.channel, row.chat_id, row.account_id)


async def use(db: Database, token: str, *, now: datetime) -> Claim:
    """Use the link once: of two uploads at once, one is taken and the other told it was used."""
    found = await check(db, token, now=now)
    if found.state is not LinkState.OK:
        return found
    async with db.transaction() as session:
        taken = await session.exec(
            update(UploadLink)
            .where(col(UploadLink.token_hash) == _hash(token), col(UploadLink.used_at).is_(None))
            .values(used_at=now)
        )
    return found if taken.rowcount == 1 else Claim(LinkState.USED)
