"""Invite links: how a unit's representative joins.

A link carries a random token (`/start <token>`); the database keeps only its SHA-256. The
token works once and expires. Opening it binds the person to the unit as its representative.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.db import Database
from bot.services import people
from models.organisation import Bloc, BlocMembership, Invite, Person, PersonRole, RoleKind, SchoolYear, Unit
from models.school_year import school_year_of
from models.text import name_key
from models.types import id_of

TOKEN_BYTES = (
    24  # 32 URL-safe characters: unguessable, and well inside Telegram's 64-character start parameter
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


@dataclass(frozen=True)
class IssuedInvite:
    unit_name: str
    token: str


@dataclass(frozen=True)
class InviteBatch:
    bloc_name: str
    expires_at: datetime
    invites: tuple[IssuedInvite, ...]


class RedeemStatus(StrEnum):
    JOINED = "joined"
    ALREADY = "already"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RedeemResult:
    status: RedeemStatus
    unit_name: str = ""
    bloc_name: str = ""
    school_year: str = ""
    expires_at: datetime | None = None


class NotAllowedError(Exception):
    """The person may not do this; nothing was changed."""


class NotFoundError(Exception):
    """The bloc, unit or year named does not exist; nothing was changed."""


async def issue_invites(
    db: Database,
    *,
    bloc_number: int,
    now: datetime,
    ttl: timedelta,
    school_year: str | None = None,
    unit_names: list[str] | None = None,
    created_by_person_id: int | None = None,
) -> InviteBatch:
    """One fresh link per unit of the bloc (or per unit named), in one transaction."""
    year_name = school_year or school_year_of(now.date())
    async with db.transaction() as session:
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == year_name))).first()
        bloc = (await session.exec(select(Bloc).where(Bloc.number == bloc_number))).first()
        if year is None or bloc is None:
            raise NotFoundError(f"bloc {bloc_number} / school year {year_name}")
        query = (
            select(Unit)
            .join(BlocMembership, col(BlocMembership.unit_id) == Unit.id)
            .where(BlocMembership.bloc_id == bloc.id, BlocMembership.school_year_id == year.id)
            .order_by(col(BlocMembership.id))
        )
        units = list(await session.exec(query))
        if unit_names:
            wanted = {name_key(name) for name in unit_names}
            units = [unit for unit in units if unit.name_key in wanted]
            if len(units) != len(wanted):
                raise NotFoundError(", ".join(unit_names))
        issued: list[IssuedInvite] = []
        expires_at = now + ttl
        for unit in units:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            session.add(
                Invite(
                    token_hash=hash_token(token),
                    school_year_id=id_of(year),
                    bloc_id=id_of(bloc),
                    unit_id=id_of(unit),
                    created_by_person_id=created_by_person_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            issued.append(IssuedInvite(unit_name=unit.name, token=token))
        return InviteBatch(bloc_name=bloc.name, expires_at=expires_at, invites=tuple(issued))


async def issue_for_officer(
    db: Database, person_id: int, *, now: datetime, ttl: timedelta
) -> list[InviteBatch]:
    """Links for every bloc the person runs this year; refuses a person who runs none."""
    who = await people.profile_of(db, person_id, now.date())
    if who is None:
        raise NotAllowedError
    bloc_ids = who.led_bloc_ids()
    if not bloc_ids and who.is_admin:
        async with db.session() as session:
            bloc_ids = [b.id for b in await session.exec(select(Bloc).order_by(col(Bloc.number))) if b.id]
    if not bloc_ids:
        raise NotAllowedError
    batches = []
    async with db.session() as session:
        numbers = [
            bloc.number
            for bloc in await session.exec(
                select(Bloc).where(col(Bloc.id).in_(bloc_ids)).order_by(col(Bloc.number))
            )
        ]
    year = who.roles[0].school_year if who.roles else None
    for number in numbers:
        batches.append(
            await issue_invites(
                db, bloc_number=number, now=now, ttl=ttl, school_year=year, created_by_person_id=who.person_id
            )
        )
    return batches


async def redeem(
    db: Database,
    token: str,
    *,
    person_id: int,
    now: datetime,
) -> RedeemResult:
    """Bind the person to the invite's unit. Single use even when two people open it at once."""
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None:
            return RedeemResult(RedeemStatus.UNKNOWN)
        found = (
            await session.exec(
                select(Invite, Unit, Bloc, SchoolYear)
                .join(Unit, col(Unit.id) == Invite.unit_id)
                .join(Bloc, col(Bloc.id) == Invite.bloc_id)
                .join(SchoolYear, col(SchoolYear.id) == Invite.school_year_id)
                .where(Invite.token_hash == hash_token(token))
            )
        ).first()
        if found is None:
            return RedeemResult(RedeemStatus.UNKNOWN)
        invite, unit, bloc, year = found
        described: dict[str, Any] = {"unit_name": unit.name, "bloc_name": bloc.name, "school_year": year.name}
        already = (
            await session.exec(
                select(PersonRole).where(
                    PersonRole.person_id == person.id,
                    PersonRole.kind == RoleKind.REP,
                    PersonRole.unit_id == unit.id,
                    PersonRole.school_year_id == year.id,
                    col(PersonRole.revoked_at).is_(None),
                )
            )
        ).first()
        if already is not None:
            return RedeemResult(RedeemStatus.ALREADY, **described)
        if invite.used_at is not None:
            return RedeemResult(RedeemStatus.USED, **described)
        if invite.expires_at <= now:
            return RedeemResult(RedeemStatus.EXPIRED, expires_at=invite.expires_at, **described)
        # Conditional update: of two people opening the same link at once, exactly one wins.
        claimed = await session.exec(
            update(Invite)
            .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
            .values(used_at=now, used_by_person_id=person.id)
        )
        if claimed.rowcount != 1:
            return RedeemResult(RedeemStatus.USED, **described)
        session.add(
            PersonRole(
                person_id=id_of(person),
                school_year_id=id_of(year),
                kind=RoleKind.REP,
                unit_id=unit.id,
                granted_at=now,
            )
        )
        return RedeemResult(RedeemStatus.JOINED, **described)


async def bind_representative(
    db: Database, person_id: int, *, unit_name: str, school_year: str, now: datetime
) -> None:
    """Make a person a unit's representative directly (demo data, the operator's command line)."""
    async with db.transaction() as session:
        unit = (await session.exec(select(Unit).where(Unit.name_key == name_key(unit_name)))).first()
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == school_year))).first()
        person = await session.get(Person, person_id)
        if unit is None or year is None or person is None:
            raise NotFoundError(unit_name)
        session.add(
            PersonRole(
                person_id=person_id,
                school_year_id=id_of(year),
                kind=RoleKind.REP,
                unit_id=unit.id,
                granted_at=now,
            )
        )
