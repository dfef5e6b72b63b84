"""Who is talking: the person behind a chat id, their roles, and their own details."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database, run_core
from models.channels import Channel, ChannelAccount
from models.organisation import (
    AUTHORITY_ROLES,
    Authority,
    Bloc,
    BlocMembership,
    Person,
    PersonRole,
    Position,
    RoleKind,
    SchoolYear,
    Unit,
)
from models.permissions import Capacity
from models.text import nfc
from models.types import id_of, utcnow


@dataclass(frozen=True)
class RoleView:
    kind: RoleKind
    school_year: str
    bloc_id: int
    bloc_number: int
    bloc_name: str
    unit_id: int | None = None
    unit_name: str | None = None
    position: Position | None = None  # the unit's place in the bloc, for a representative


@dataclass(frozen=True)
class AuthorityRole:
    """A role for the whole authority (issue 18): the emulation desk, a council member."""

    kind: RoleKind
    school_year: str
    school_year_id: int
    authority_id: int
    authority_name: str


@dataclass(frozen=True)
class Profile:
    person_id: int
    telegram_id: int | None
    full_name: str
    phone: str | None
    language: str
    is_admin: bool
    roles: tuple[RoleView, ...] = ()
    # Kept apart from `roles` (which are all about one bloc) so that bloc code never meets them.
    authority_roles: tuple[AuthorityRole, ...] = ()

    @property
    def capacities(self) -> frozenset[Capacity]:
        held: set[Capacity] = {Capacity.ADMIN} if self.is_admin else set()
        held |= {Capacity(role.kind.value) for role in self.authority_roles}
        for role in self.roles:
            if role.kind is RoleKind.REP:
                held.add(Capacity.REP)
                if role.position is Position.HEAD:
                    held.add(Capacity.HEAD)
                elif role.position is Position.DEPUTY:
                    held.add(Capacity.DEPUTY)
            else:
                held.add(Capacity(role.kind.value))
        return frozenset(held)

    def led_bloc_ids(self) -> list[int]:
        """Blocs this person runs: as the head's or deputy's representative, or the head's office."""
        return sorted(
            {
                role.bloc_id
                for role in self.roles
                if role.kind is RoleKind.HEAD_OFFICE
                or (role.kind is RoleKind.REP and role.position in (Position.HEAD, Position.DEPUTY))
            }
        )


async def _person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).first()


async def identify(
    db: Database,
    telegram_id: int,
    *,
    display_name: str,
    language: str,
    admin_ids: Iterable[int] = (),
) -> Person:
    """The person for a Telegram user, created on first contact with their Telegram name.

    Someone already known, with nothing to change, is only read: on SQLite a read does not
    queue behind the single writer (every update of every person comes through here)."""
    admin = telegram_id in set(admin_ids)
    async with db.session() as session:
        person = await _person_by_telegram(session, telegram_id)
    if person is not None and (person.is_admin or not admin):
        return person
    async with db.transaction() as session:
        person = await _person_by_telegram(session, telegram_id)
        if person is None:
            person = Person(
                telegram_id=telegram_id, full_name=nfc(display_name)[:255], language=language, is_admin=admin
            )
            session.add(person)
            await session.flush()
            session.add(
                ChannelAccount(
                    channel=Channel.TELEGRAM, external_id=str(telegram_id), person_id=id_of(person)
                )
            )
        elif admin and not person.is_admin:
            person.is_admin = True
            session.add(person)
        await session.flush()
        return person


async def resolve(
    db: Database,
    telegram_id: int,
    today: date,
    *,
    display_name: str,
    language: str,
    admin_ids: Iterable[int] = (),
) -> Profile:
    """The person behind an update with their roles, in one read when they are known and nothing
    changed; created (or made admin) in a write transaction otherwise."""
    admin = telegram_id in set(admin_ids)
    async with db.session() as session:
        person = await _person_by_telegram(session, telegram_id)
        if person is not None and person.id is not None and (person.is_admin or not admin):
            return await _profile(session, person, today)
    await identify(db, telegram_id, display_name=display_name, language=language, admin_ids=admin_ids)
    found = await profile(db, telegram_id, today)
    assert found is not None
    return found


async def roles_of(session: AsyncSession, person_id: int, today: date) -> tuple[RoleView, ...]:
    """Roles in the latest school year that has begun and in which this person holds one.

    One query: each role with its year, and for a representative the unit's memberships of that
    year (the bloc of a bloc-level role otherwise)."""
    rows = (
        await session.exec(
            # sqlmodel types select() for up to four columns; this one reads five in one round trip.
            select(PersonRole, SchoolYear, BlocMembership, Bloc, Unit)  # type: ignore[call-overload]
            .join(SchoolYear, col(SchoolYear.id) == PersonRole.school_year_id)
            .outerjoin(
                BlocMembership,
                (col(PersonRole.kind) == RoleKind.REP)
                & (col(BlocMembership.unit_id) == PersonRole.unit_id)
                & (col(BlocMembership.school_year_id) == PersonRole.school_year_id),
            )
            .outerjoin(Bloc, col(Bloc.id) == func.coalesce(BlocMembership.bloc_id, PersonRole.bloc_id))
            .outerjoin(Unit, col(Unit.id) == BlocMembership.unit_id)
            .where(PersonRole.person_id == person_id, col(PersonRole.revoked_at).is_(None))
            .where(SchoolYear.starts_on <= today)
            .order_by(col(SchoolYear.starts_on).desc(), col(PersonRole.id), col(Bloc.number))
        )
    ).all()
    # The desk's and the council's roles are the authority's, not a bloc's (authority_roles_of).
    rows = [row for row in rows if row[0].kind not in AUTHORITY_ROLES]
    if not rows:
        return ()
    latest = rows[0][1].id
    views: list[RoleView] = []
    for role, year, membership, bloc, unit in rows:
        if year.id != latest:
            continue
        if role.kind == RoleKind.REP:
            if membership is None or bloc is None or unit is None:
                continue  # a unit outside every bloc this year
            views.append(
                RoleView(
                    kind=RoleKind.REP,
                    school_year=year.name,
                    bloc_id=id_of(bloc),
                    bloc_number=bloc.number,
                    bloc_name=bloc.name,
                    unit_id=unit.id,
                    unit_name=unit.name,
                    position=Position(membership.position),
                )
            )
        else:
            assert bloc is not None and bloc.id is not None
            views.append(
                RoleView(
                    kind=RoleKind(role.kind),
                    school_year=year.name,
                    bloc_id=id_of(bloc),
                    bloc_number=bloc.number,
                    bloc_name=bloc.name,
                )
            )
    return tuple(views)


async def authority_roles_of(session: AsyncSession, person_id: int, today: date) -> tuple[AuthorityRole, ...]:
    """The desk and council roles in the latest school year that has begun."""
    rows = (
        await session.exec(
            select(PersonRole, SchoolYear, Authority)
            .join(SchoolYear, col(SchoolYear.id) == PersonRole.school_year_id)
            .join(Authority, col(Authority.id) == PersonRole.authority_id)
            .where(PersonRole.person_id == person_id, col(PersonRole.revoked_at).is_(None))
            .where(col(PersonRole.kind).in_([k.value for k in AUTHORITY_ROLES]))
            .where(SchoolYear.starts_on <= today)
            .order_by(col(SchoolYear.starts_on).desc(), col(PersonRole.id))
        )
    ).all()
    if not rows:
        return ()
    latest = rows[0][1].id
    return tuple(
        AuthorityRole(RoleKind(role.kind), year.name, year.id, authority.id, authority.name)  # type: ignore[arg-type]
        for role, year, authority in rows
        if year.id == latest
    )


@cache
def _roles_query() -> Any:
    """Every role of a person with its year, bloc, unit and authority: built once (building the
    statement cost more than running it), with the person and the day as parameters."""
    return (
        select(  # type: ignore[call-overload]
            PersonRole.kind,
            SchoolYear.id,
            SchoolYear.name,
            BlocMembership.position,
            Bloc.id,
            Bloc.number,
            Bloc.name,
            Unit.id,
            Unit.name,
            Authority.id,
            Authority.name,
        )
        .join(SchoolYear, col(SchoolYear.id) == PersonRole.school_year_id)
        .outerjoin(
            BlocMembership,
            (col(PersonRole.kind) == RoleKind.REP)
            & (col(BlocMembership.unit_id) == PersonRole.unit_id)
            & (col(BlocMembership.school_year_id) == PersonRole.school_year_id),
        )
        .outerjoin(Bloc, col(Bloc.id) == func.coalesce(BlocMembership.bloc_id, PersonRole.bloc_id))
        .outerjoin(Unit, col(Unit.id) == BlocMembership.unit_id)
        .outerjoin(Authority, col(Authority.id) == PersonRole.authority_id)
        .where(col(PersonRole.person_id) == bindparam("person_id"), col(PersonRole.revoked_at).is_(None))
        .where(col(SchoolYear.starts_on) <= bindparam("today"))
        .order_by(col(SchoolYear.starts_on).desc(), col(PersonRole.id), col(Bloc.number))
    )


@cache
def _account_query() -> Any:
    """The person behind a chat account (the columns a Profile takes), and when it was last seen:
    built once."""
    return (
        select(  # type: ignore[call-overload]
            Person.id,
            Person.telegram_id,
            Person.full_name,
            Person.phone,
            Person.language,
            Person.is_admin,
            ChannelAccount.last_seen_at,
        )
        .join(ChannelAccount, col(ChannelAccount.person_id) == Person.id)
        .where(
            col(ChannelAccount.channel) == bindparam("channel"),
            col(ChannelAccount.external_id) == bindparam("external_id"),
        )
    )


async def all_roles_of(
    session: AsyncSession, person_id: int, today: date
) -> tuple[tuple[RoleView, ...], tuple[AuthorityRole, ...]]:
    """`roles_of` and `authority_roles_of` in one round trip, columns only (no ORM rows to
    build): every update resolves its person's roles, so this is on every update's path."""
    rows = (await run_core(session, _roles_query(), {"person_id": person_id, "today": today})).all()
    bloc_rows = [row for row in rows if RoleKind(row[0]) not in AUTHORITY_ROLES]
    desk_rows = [row for row in rows if RoleKind(row[0]) in AUTHORITY_ROLES and row[9] is not None]
    views: list[RoleView] = []
    latest = bloc_rows[0][1] if bloc_rows else None
    for (
        kind,
        year_id,
        year_name,
        position,
        bloc_id,
        number,
        bloc_name,
        unit_id,
        unit_name,
        _a,
        _n,
    ) in bloc_rows:
        if year_id != latest:
            continue
        if RoleKind(kind) is RoleKind.REP:
            if position is None or bloc_id is None or unit_id is None:
                continue  # a unit outside every bloc this year
            views.append(
                RoleView(
                    kind=RoleKind.REP,
                    school_year=year_name,
                    bloc_id=bloc_id,
                    bloc_number=number,
                    bloc_name=bloc_name,
                    unit_id=unit_id,
                    unit_name=unit_name,
                    position=Position(position),
                )
            )
        else:
            assert bloc_id is not None
            views.append(RoleView(RoleKind(kind), year_name, bloc_id, number, bloc_name))
    latest = desk_rows[0][1] if desk_rows else None
    desk = tuple(
        AuthorityRole(RoleKind(row[0]), row[2], row[1], row[9], row[10])
        for row in desk_rows
        if row[1] == latest
    )
    return tuple(views), desk


async def _profile(session: AsyncSession, person: Person, today: date) -> Profile:
    assert person.id is not None
    return await _profile_of_columns(
        session,
        today,
        (person.id, person.telegram_id, person.full_name, person.phone, person.language, person.is_admin),
    )


async def _profile_of_columns(session: AsyncSession, today: date, columns: tuple[Any, ...]) -> Profile:
    """The profile of a person read as columns (id, telegram id, name, phone, language, admin),
    with their roles."""
    person_id, telegram_id, full_name, phone, language, is_admin = columns
    roles, authority_roles = await all_roles_of(session, person_id, today)
    return Profile(person_id, telegram_id, full_name, phone, language, is_admin, roles, authority_roles)


async def profile(db: Database, telegram_id: int, today: date) -> Profile | None:
    async with db.session() as session:
        person = await _person_by_telegram(session, telegram_id)
        if person is None or person.id is None:
            return None
        return await _profile(session, person, today)


async def profile_of(db: Database, person_id: int, today: date) -> Profile | None:
    """A person's profile by our own id (what the channel-neutral conversations use)."""
    async with db.session() as session:
        person = await session.get(Person, person_id)
        return None if person is None else await _profile(session, person, today)


async def accounts_of(db: Database, person_id: int) -> list[ChannelAccount]:
    """A person's chat accounts, the one they wrote from last first."""
    async with db.session() as session:
        rows = await session.exec(
            select(ChannelAccount)
            .where(ChannelAccount.person_id == person_id)
            .order_by(col(ChannelAccount.last_seen_at).desc())
        )
        return list(rows)


async def person_of_account(db: Database, channel: Channel, external_id: str) -> int | None:
    async with db.session() as session:
        account = await session.get(ChannelAccount, (channel.value, external_id))
        return None if account is None else account.person_id


async def identify_account(
    db: Database,
    channel: Channel,
    external_id: str,
    *,
    display_name: str,
    language: str,
    today: date,
    admin: bool = False,
    now: datetime | None = None,
) -> Profile:
    """The person behind a chat account, with their roles; created on first contact.

    Read first: a known account whose admin flag has not changed costs no write (and so, on
    SQLite, never waits for the single writer); when it was last seen is written once an hour."""
    async with db.session() as session:
        params = {"channel": channel.value, "external_id": external_id}
        known = (await run_core(session, _account_query(), params)).first()
        if known is not None:
            *person, last_seen_at = known  # the profile's columns, then when it was last seen
            if known.is_admin or not admin:  # not made an admin by this message
                found = await _profile_of_columns(session, today, tuple(person))
                if now is not None and last_seen_at < now - SEEN_GRANULARITY:
                    await _seen(db, channel, external_id, now)
                return found
    for _attempt in range(2):  # two first contacts at once: the loser reads the winner's row
        try:
            async with db.transaction() as session:
                person = await _claim_account(session, channel, external_id, display_name, language, now)
                if admin and not person.is_admin:
                    person.is_admin = True
                    session.add(person)
                await session.flush()
                return await _profile(session, person, today)
        except IntegrityError:
            continue
    raise RuntimeError(f"could not register the {channel} account")


SEEN_GRANULARITY = timedelta(hours=1)


async def _seen(db: Database, channel: Channel, external_id: str, now: datetime) -> None:
    async with db.transaction() as session:
        await session.exec(
            update(ChannelAccount)
            .where(
                col(ChannelAccount.channel) == channel.value, col(ChannelAccount.external_id) == external_id
            )
            .values(last_seen_at=now)
        )


async def _claim_account(
    session: AsyncSession,
    channel: Channel,
    external_id: str,
    display_name: str,
    language: str,
    now: datetime | None,
) -> Person:
    account = await session.get(ChannelAccount, (channel.value, external_id))
    if account is not None:
        person = await session.get(Person, account.person_id)
        assert person is not None
        return person
    person = None
    if channel is Channel.TELEGRAM:  # known to the Telegram-only services before this table existed
        person = await _person_by_telegram(session, int(external_id))
    if person is None:
        person = Person(full_name=nfc(display_name)[:255], language=language)
        if channel is Channel.TELEGRAM:
            person.telegram_id = int(external_id)
        elif channel is Channel.ZALO:
            person.zalo_id = external_id
        session.add(person)
        await session.flush()
    assert person.id is not None
    seen = now or utcnow()
    session.add(
        ChannelAccount(
            channel=channel.value,
            external_id=external_id,
            person_id=person.id,
            linked_at=seen,
            last_seen_at=seen,
        )
    )
    return person


async def set_language(db: Database, person_id: int, language: str) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        if person is not None:
            person.language = language
            session.add(person)


_LETTER = re.compile(r"[^\W\d_]")
_PHONE_JUNK = re.compile(r"[\s.\-()]")


def clean_full_name(text: str) -> str | None:
    """A plausible full name, NFC; None when it is not one (too short, too long, no letters)."""
    name = nfc(text)
    if not 2 <= len(name) <= 100 or not _LETTER.search(name) or name.startswith("/"):
        return None
    return name


def clean_phone(text: str) -> str | None:
    """A Vietnamese phone number in national form (0 + 9 or 10 digits), from '+84 912.345.678' etc."""
    digits = _PHONE_JUNK.sub("", nfc(text))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if digits.isascii() and digits.isdigit() and digits.startswith("0") and len(digits) in (10, 11):
        return digits
    return None


async def update_details(
    db: Database, person_id: int, *, full_name: str | None = None, phone: str | None = None
) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None:
            return
        if full_name is not None:
            person.full_name = full_name
        if phone is not None:
            person.phone = phone
        session.add(person)
