"""The honours conference (Hội nghị điển hình tiên tiến, seed 003; issue 18).

The desk (for the Sở) sets the conference up and allocates seats for exemplars to units; each
unit names its exemplar delegates within its quota; the desk adds the invited guests. Every change
is checked against the whole list (models.conference.check_list): at most 200 delegates, guests at
most 30 %, each unit within its quota, nobody twice — a list that breaks a rule is refused whole,
saying by how much, and nothing changes. Each delegate gets a private code to confirm with.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.services import council, people
from bot.services.nominations import desk_of, school_of
from bot.services.registration import Refused
from models.conference import (
    CONGRESS_TITLE,
    PROGRAMME,
    Conference,
    ConferenceQuota,
    Delegate,
    DelegateKind,
    DelegateStatus,
    ListCheck,
    check_planned,
    congress_rules,
)
from models.organisation import Unit
from models.text import name_key, nfc

_QUOTA_LINE = re.compile(r"^(.+?)\s*[:=\-–]\s*(\d{1,3})\s*$")


@dataclass(frozen=True)
class DelegateView:
    id: int
    kind: DelegateKind
    full_name: str
    unit_name: str
    note: str
    status: DelegateStatus


@dataclass(frozen=True)
class ConferenceView:
    id: int
    title: str
    starts_at: datetime
    place: str
    quotas: dict[str, int]  # unit name → seats
    delegates: tuple[DelegateView, ...]
    programme: tuple[str, ...] = PROGRAMME

    @property
    def exemplars(self) -> int:
        return sum(1 for d in self.delegates if d.kind is DelegateKind.EXEMPLAR)

    @property
    def guests(self) -> int:
        return sum(1 for d in self.delegates if d.kind is DelegateKind.GUEST)


@dataclass(frozen=True)
class Invitation:
    full_name: str
    code: str  # shown once to the unit's representative, who hands it to the delegate


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def parse_names(text: str) -> list[tuple[str, str]]:
    """One delegate a line: "Họ và tên" or "Họ và tên; ghi chú" (leading "1." numbers dropped)."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*\d{1,3}[.)]\s*", "", nfc(line))
        if not line:
            continue
        name, _, note = line.partition(";")
        out.append((nfc(name), nfc(note)))
    return out


async def _profile(db: Database, person_id: int, today: date) -> people.Profile:
    found = await people.profile_of(db, person_id, today)
    assert found is not None
    return found


async def _view(session: AsyncSession, conference: Conference) -> ConferenceView:
    assert conference.id is not None
    units = {
        u.id: u.name
        for u in await session.exec(select(Unit).where(Unit.authority_id == conference.authority_id))
    }
    quotas = await session.exec(select(ConferenceQuota).where(ConferenceQuota.conference_id == conference.id))
    delegates = await session.exec(
        select(Delegate)
        .where(Delegate.conference_id == conference.id)
        .order_by(col(Delegate.kind), col(Delegate.id))  # exemplars, then guests
    )
    return ConferenceView(
        id=conference.id,
        title=conference.title,
        starts_at=conference.starts_at,
        place=conference.place,
        quotas={units.get(q.unit_id, "?"): q.seats for q in quotas},
        delegates=tuple(
            DelegateView(
                d.id or 0,
                DelegateKind(d.kind),
                d.full_name,
                units.get(d.unit_id, "") if d.unit_id else "",
                d.note,
                DelegateStatus(d.status),
            )
            for d in delegates
        ),
    )


async def current(session: AsyncSession, authority_id: int, school_year_id: int) -> Conference | None:
    return (
        await session.exec(
            select(Conference)
            .where(Conference.authority_id == authority_id, Conference.school_year_id == school_year_id)
            .order_by(col(Conference.id).desc())
        )
    ).first()


async def view_for_desk(db: Database, person_id: int, *, today: date) -> ConferenceView | None:
    desk = desk_of(await _profile(db, person_id, today))
    async with db.session() as session:
        found = await current(session, desk.authority_id, desk.school_year_id)
        return None if found is None else await _view(session, found)


async def create(
    db: Database, person_id: int, *, title: str, starts_at: datetime, place: str, today: date
) -> ConferenceView:
    desk = desk_of(await _profile(db, person_id, today))
    async with db.transaction() as session:
        conference = Conference(
            authority_id=desk.authority_id,
            school_year_id=desk.school_year_id,
            title=nfc(title),
            starts_at=starts_at,
            place=nfc(place),
        )
        session.add(conference)
        await session.flush()
        return await _view(session, conference)


def _refuse(check: ListCheck, unit_names: dict[int, str]) -> None:
    """The first broken rule, with how much it is over by (the list is refused whole)."""
    if check.duplicates:
        raise Refused("conf.refused.duplicate", names=", ".join(check.duplicates))
    if check.over_cap:
        raise Refused("conf.refused.over_cap", over=check.over_cap)
    if check.guests_over:
        raise Refused("conf.refused.guests_over", over=check.guests_over)
    if check.over_quota:
        unit, over = next(iter(check.over_quota.items()))
        raise Refused("conf.refused.over_quota", unit=unit_names.get(unit, "?"), over=over)
    if check.no_quota:
        raise Refused("conf.refused.no_quota", unit=unit_names.get(check.no_quota[0], "?"))


async def _check_whole(session: AsyncSession, conference: Conference, rows: list[Delegate]) -> None:
    quotas = {
        q.unit_id: q.seats
        for q in await session.exec(
            select(ConferenceQuota).where(ConferenceQuota.conference_id == conference.id)
        )
    }
    by_unit = Counter(d.unit_id for d in rows if d.kind == DelegateKind.EXEMPLAR and d.unit_id is not None)
    guests = sum(1 for d in rows if d.kind == DelegateKind.GUEST)
    check = check_planned(
        dict(by_unit), guests, quotas, names=[d.full_name for d in rows], cap=conference.cap
    )
    names = {
        u.id: u.name
        for u in await session.exec(select(Unit).where(Unit.authority_id == conference.authority_id))
    }
    _refuse(check, names)  # type: ignore[arg-type]


async def set_quotas(db: Database, person_id: int, text: str, *, today: date) -> ConferenceView:
    """The seats for exemplars per unit, one "Unit: seats" a line; unknown units refuse the whole."""
    desk = desk_of(await _profile(db, person_id, today))
    async with db.transaction() as session:
        conference = await current(session, desk.authority_id, desk.school_year_id)
        if conference is None:
            raise Refused("conf.refused.none")
        units = {
            u.name_key: u
            for u in await session.exec(select(Unit).where(Unit.authority_id == desk.authority_id))
        }
        wanted: dict[int, int] = {}
        for line in filter(None, (nfc(x) for x in text.splitlines())):
            found = _QUOTA_LINE.match(line)
            unit = units.get(name_key(found.group(1))) if found else None
            if found is None or unit is None or unit.id is None:
                raise Refused("conf.refused.bad_quota_line", line=line)
            wanted[unit.id] = int(found.group(2))
        if not wanted:
            raise Refused("conf.refused.bad_quota_line", line=text[:60])
        if sum(wanted.values()) > conference.cap:
            raise Refused("conf.refused.over_cap", over=sum(wanted.values()) - conference.cap)
        for row in await session.exec(
            select(ConferenceQuota).where(ConferenceQuota.conference_id == conference.id)
        ):
            if row.unit_id in wanted:
                row.seats = wanted.pop(row.unit_id)
                session.add(row)
        for unit_id, seats in wanted.items():
            session.add(ConferenceQuota(conference_id=conference.id or 0, unit_id=unit_id, seats=seats))
        await session.flush()
        rows = list(await session.exec(select(Delegate).where(Delegate.conference_id == conference.id)))
        await _check_whole(session, conference, rows)  # a lowered quota may not strand delegates
        return await _view(session, conference)


async def _replace(
    session: AsyncSession,
    conference: Conference,
    kind: DelegateKind,
    unit_id: int | None,
    names: list[tuple[str, str]],
) -> list[Invitation]:
    """Replace one unit's exemplars (or the guests) with `names`, after checking the whole list."""
    assert conference.id is not None
    rows = list(await session.exec(select(Delegate).where(Delegate.conference_id == conference.id)))
    kept = [d for d in rows if not (d.kind == kind and d.unit_id == unit_id)]
    old = {d.name_key: d for d in rows if d.kind == kind and d.unit_id == unit_id}
    fresh = [
        Delegate(
            conference_id=conference.id,
            kind=kind,
            unit_id=unit_id,
            full_name=name,
            name_key=name_key(name),
            note=note,
        )
        for name, note in names
    ]
    await _check_whole(session, conference, kept + fresh)
    invitations: list[Invitation] = []
    for row in old.values():
        await session.delete(row)
    await session.flush()
    for delegate in fresh:
        before = old.get(delegate.name_key)
        if before is not None and before.status != DelegateStatus.INVITED:
            delegate.status, delegate.person_id, delegate.code_hash = (
                before.status,
                before.person_id,
                before.code_hash,
            )
        else:
            code = secrets.token_hex(4).upper()
            delegate.code_hash = _hash(code)
            invitations.append(Invitation(delegate.full_name, code))
        session.add(delegate)
    await session.flush()
    return invitations


async def name_delegates(
    db: Database, person_id: int, text: str, *, today: date
) -> tuple[ConferenceView, list[Invitation]]:
    """A unit names its exemplar delegates (the whole list for the unit, one a line)."""
    school = await school_of(db, await _profile(db, person_id, today))
    names = parse_names(text)
    if not names:
        raise Refused("conf.refused.no_names")
    async with db.transaction() as session:
        conference = await current(session, school.authority_id, school.school_year_id)
        if conference is None:
            raise Refused("conf.refused.none")
        invitations = await _replace(session, conference, DelegateKind.EXEMPLAR, school.unit_id, names)
        return await _view(session, conference), invitations


async def name_guests(
    db: Database, person_id: int, text: str, *, today: date
) -> tuple[ConferenceView, list[Invitation]]:
    desk = desk_of(await _profile(db, person_id, today))
    names = parse_names(text)
    if not names:
        raise Refused("conf.refused.no_names")
    async with db.transaction() as session:
        conference = await current(session, desk.authority_id, desk.school_year_id)
        if conference is None:
            raise Refused("conf.refused.none")
        invitations = await _replace(session, conference, DelegateKind.GUEST, None, names)
        return await _view(session, conference), invitations


async def unit_view(db: Database, person_id: int, *, today: date) -> tuple[str, int, ConferenceView] | None:
    """The unit's name, its quota and the conference, for its representative."""
    school = await school_of(db, await _profile(db, person_id, today))
    async with db.session() as session:
        conference = await current(session, school.authority_id, school.school_year_id)
        if conference is None:
            return None
        quota = (
            await session.exec(
                select(ConferenceQuota).where(
                    ConferenceQuota.conference_id == conference.id, ConferenceQuota.unit_id == school.unit_id
                )
            )
        ).first()
        return school.unit_name, quota.seats if quota else 0, await _view(session, conference)


async def delegate_by_code(db: Database, code: str) -> tuple[str, str, datetime, str] | None:
    """(name, conference title, start, place) for a private invitation code."""
    async with db.session() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code_hash == _hash(code)))).first()
        if delegate is None:
            return None
        conference = await session.get(Conference, delegate.conference_id)
        assert conference is not None
        return delegate.full_name, conference.title, conference.starts_at, conference.place


async def answer(db: Database, person_id: int, code: str, *, attend: bool) -> str:
    """The delegate confirms (or declines) with their private code; returns their name."""
    async with db.transaction() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code_hash == _hash(code)))).first()
        if delegate is None:
            raise Refused("conf.refused.bad_code")
        if delegate.person_id is not None and delegate.person_id != person_id:
            raise Refused("conf.refused.code_used")
        delegate.person_id = person_id
        delegate.status = (DelegateStatus.CONFIRMED if attend else DelegateStatus.DECLINED).value
        session.add(delegate)
        return delegate.full_name


# ------------------------------------------------------------------ the list to the higher congress
async def propose_for_congress(db: Database, person_id: int, text: str, *, today: date) -> list[str]:
    """The desk names, from the delegates, those proposed to go to the higher congress."""
    desk = desk_of(await _profile(db, person_id, today))
    wanted = [name for name, _ in parse_names(text)]
    if not wanted:
        raise Refused("conf.refused.no_names")
    async with db.transaction() as session:
        found = await current(session, desk.authority_id, desk.school_year_id)
        if found is None:
            raise Refused("conf.refused.none")
        rows = {
            d.name_key: d
            for d in await session.exec(select(Delegate).where(Delegate.conference_id == found.id))
        }
        keys = [name_key(n) for n in wanted]
        twice = [n for i, n in enumerate(wanted) if keys[i] in keys[:i]]
        if twice:
            raise Refused("conf.refused.duplicate", names=", ".join(twice))
        unknown = [n for n, k in zip(wanted, keys, strict=True) if k not in rows]
        if unknown:
            raise Refused("conf.refused.not_delegate", names=", ".join(unknown))
        for key, row in rows.items():
            row.proposed_for_congress = key in keys
            session.add(row)
        return [rows[k].full_name for k in keys]


async def open_congress_ballot(
    db: Database, person_id: int, *, master_key: bytes, today: date, now: datetime
) -> council.CouncilBallot:
    """The conference approves the proposed list by secret ballot: the delegates who confirmed
    (and so are known to the bot) vote; passed with at least half of them agreeing."""
    desk = desk_of(await _profile(db, person_id, today))
    async with db.transaction() as session:
        found = await current(session, desk.authority_id, desk.school_year_id)
        if found is None or found.id is None:
            raise Refused("conf.refused.none")
        rows = list(await session.exec(select(Delegate).where(Delegate.conference_id == found.id)))
        proposed = [d.full_name for d in rows if d.proposed_for_congress]
        voters = [
            d.person_id for d in rows if d.status == DelegateStatus.CONFIRMED and d.person_id is not None
        ]
        if not proposed:
            raise Refused("conf.refused.no_proposal")
        if not voters:
            raise Refused("conf.refused.no_voters")
        return await council.open_poll(
            session,
            authority_id=desk.authority_id,
            school_year_id=desk.school_year_id,
            title=CONGRESS_TITLE,
            candidates=[(f"Danh sách: {', '.join(proposed)}", None)],
            electorate=council.Electorate(voters, voters, "conf.ballot_notice", "conf.ballot_notice"),
            rules=congress_rules(),
            master_key=master_key,
            person_id=person_id,
            now=now,
            conference_id=found.id,
        )
