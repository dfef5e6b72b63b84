"""One person, two apps: `/lienket` gives a one-time code; sent from the other app, it joins that
account to the person, who then sees the same unit, tasks and ballots on both."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select

from bot.db import Database
from models.channels import Channel, ChannelAccount, LinkCode
from models.organisation import Person, PersonRole

CODE_TTL = timedelta(minutes=15)
# No 0/O, 1/I/L: a code read off one phone and typed on another. 8 characters ≈ 40 bits.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class LinkStatus(StrEnum):
    LINKED = "linked"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    SAME_CHANNEL = "same_channel"
    HAS_ROLES = "has_roles"
    ALREADY_LINKED = "already_linked"  # the person already has another account on this channel
    ALREADY_SAME = "already_same"


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus
    person_id: int | None = None
    full_name: str = ""
    channel: Channel | None = None  # for SAME_CHANNEL: where the code was made


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


async def issue_code(
    db: Database, person_id: int, channel: Channel, *, now: datetime
) -> tuple[str, datetime]:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    expires = now + CODE_TTL
    async with db.transaction() as session:
        session.add(
            LinkCode(code_hash=_hash(code), person_id=person_id, channel=channel.value, expires_at=expires)
        )
    return code, expires


async def redeem_code(
    db: Database, code: str, *, channel: Channel, external_id: str, now: datetime
) -> LinkResult:
    """Point this account (channel, external_id) at the code's person. Nothing changes unless
    every check passes; the code works once even when sent twice at once."""
    async with db.transaction() as session:
        link = await session.get(LinkCode, _hash(code))
        if link is None:
            return LinkResult(LinkStatus.UNKNOWN)
        owner = await session.get(Person, link.person_id)
        assert owner is not None and owner.id is not None
        if link.channel == channel.value:
            return LinkResult(LinkStatus.SAME_CHANNEL, channel=Channel(link.channel))
        account = await session.get(ChannelAccount, (channel.value, external_id))
        if account is not None and account.person_id == owner.id:
            return LinkResult(LinkStatus.ALREADY_SAME, owner.id, owner.full_name)
        if link.used_at is not None:
            return LinkResult(LinkStatus.USED)
        if link.expires_at <= now:
            return LinkResult(LinkStatus.EXPIRED)
        other = (
            await session.exec(
                select(ChannelAccount).where(
                    ChannelAccount.person_id == owner.id, ChannelAccount.channel == channel.value
                )
            )
        ).first()
        if other is not None:
            return LinkResult(LinkStatus.ALREADY_LINKED, channel=channel)
        previous: Person | None = None
        if account is not None:
            previous = await session.get(Person, account.person_id)
            held = (
                await session.exec(
                    select(PersonRole).where(PersonRole.person_id == account.person_id).limit(1)
                )
            ).first()
            if held is not None or (previous is not None and previous.is_admin and not owner.is_admin):
                return LinkResult(LinkStatus.HAS_ROLES)
        claimed = await session.exec(
            update(LinkCode)
            .where(col(LinkCode.code_hash) == link.code_hash, col(LinkCode.used_at).is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            return LinkResult(LinkStatus.USED)
        # The platform id moves to the owner; the stranger person created on first contact stays
        # behind with no account (other rows may still name it, e.g. the audit log).
        if previous is not None:
            if channel is Channel.TELEGRAM:
                previous.telegram_id = None
            elif channel is Channel.ZALO:
                previous.zalo_id = None
            session.add(previous)
            await session.flush()
            await session.delete(account)
            await session.flush()
        if channel is Channel.TELEGRAM:
            owner.telegram_id = int(external_id)
        elif channel is Channel.ZALO:
            owner.zalo_id = external_id
        session.add(owner)
        session.add(
            ChannelAccount(channel=channel.value, external_id=external_id, person_id=owner.id, linked_at=now)
        )
        return LinkResult(LinkStatus.LINKED, owner.id, owner.full_name)
