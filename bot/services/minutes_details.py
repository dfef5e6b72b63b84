"""The meeting as the minutes describe it: its place, chair, secretary and counting committee.

The chair sets them in the chat (handlers/meeting_details.py) or confirms what the meeting was
created with. A secret ballot is counted by a counting committee the meeting names
(models.vote_rules.needs_counting_committee), so a secret ballot does not open while the
meeting has none (`committee_missing`, asked by ballots.open_poll in its transaction).

Every refusal is a `DetailsRefusal` whose reason is a catalogue key suffix; nothing changes then.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.services import audit
from bot.services.invites import NotFoundError
from bot.services.meetings import MAX_COUNTING_COMMITTEE, _chair_of, members_of
from models.meetings import Meeting, MeetingKind, MeetingStatus, Poll
from models.organisation import Person, PersonRole, RoleKind, Unit
from models.text import nfc
from models.vote_rules import RuleSet, needs_counting_committee

MAX_NAME = 120  # a person's name in the minutes (the column's size)
MAX_PLACE = 255
MIN_LENGTH = 2


class DetailsRefusal(Exception):
    """The detail was not changed; `reason` is a catalogue key suffix (`details.refused.*`)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class BlocPerson:
    """Someone the chair may pick as chair, secretary or a committee member."""

    person_id: int
    name: str
    unit_name: str  # "" for a bloc officer with no unit


@dataclass(frozen=True)
class MeetingDetails:
    meeting_id: int
    kind: MeetingKind
    status: MeetingStatus
    starts_at: datetime
    place: str
    chair: str  # the name the minutes print ("" when none)
    secretary: str
    committee: tuple[str, ...]
    committee_needed: bool  # the meeting has a secret ballot (drafted or held)


def clean_name(text: str, *, limit: int = MAX_NAME, reason: str = "name") -> str:
    """A name as stored: NFC, single spaces; DetailsRefusal when empty, too long or holding
    control characters (a pasted zero-width or escape would print in the official minutes)."""
    cleaned = nfc(text)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise DetailsRefusal(f"{reason}_chars")
    if len(cleaned) < MIN_LENGTH:
        raise DetailsRefusal(f"{reason}_empty")
    if len(cleaned) > limit:
        raise DetailsRefusal(f"{reason}_long", limit=limit, length=len(cleaned))
    return cleaned


def clean_committee(lines: list[str]) -> list[str]:
    """The committee's names, one a line: each a clean name, no one twice, at most seven."""
    names = [clean_name(line) for line in lines if nfc(line)]
    if not names:
        raise DetailsRefusal("committee_empty")
    if len(names) > MAX_COUNTING_COMMITTEE:
        raise DetailsRefusal("committee_many", limit=MAX_COUNTING_COMMITTEE)
    keys = [name.casefold() for name in names]
    if len(set(keys)) != len(keys):
        raise DetailsRefusal("committee_twice")
    return names


def committee_of(meeting: Meeting) -> tuple[str, ...]:
    return tuple(line for line in meeting.counting_committee.splitlines() if line.strip())


async def _name_of(session: AsyncSession, person_id: int | None) -> str:
    person = await session.get(Person, person_id) if person_id else None
    return person.full_name if person else ""


async def _secret_polls(session: AsyncSession, meeting_id: int) -> bool:
    rows = await session.exec(select(Poll.rules).where(Poll.meeting_id == meeting_id))
    return any(needs_counting_committee(RuleSet.from_dict(json.loads(rules))) for rules in rows)


async def _details(session: AsyncSession, meeting: Meeting) -> MeetingDetails:
    assert meeting.id is not None
    return MeetingDetails(
        meeting_id=meeting.id,
        kind=MeetingKind(meeting.kind),
        status=MeetingStatus(meeting.status),
        starts_at=meeting.starts_at,
        place=meeting.place,
        chair=meeting.chair_name or await _name_of(session, meeting.chair_person_id),
        secretary=meeting.secretary_name or await _name_of(session, meeting.secretary_person_id),
        committee=committee_of(meeting),
        committee_needed=await _secret_polls(session, meeting.id),
    )


async def details(db: Database, *, person_id: int, meeting_id: int, today: date) -> MeetingDetails:
    """What the minutes will say, for the one who runs the meeting's bloc."""
    await _chair_of(db, person_id, meeting_id, today)
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return await _details(session, meeting)


async def _bloc_people(session: AsyncSession, meeting: Meeting) -> list[BlocPerson]:
    """The member units' representatives (in the bloc's order), then the bloc's officers."""
    members = await members_of(session, meeting.bloc_id, meeting.school_year_id)
    order = {m.unit_id: index for index, m in enumerate(members)}
    found: dict[int, BlocPerson] = {}
    reps = await session.exec(
        select(Person.id, Person.full_name, Unit.id, Unit.name)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .join(Unit, col(Unit.id) == PersonRole.unit_id)
        .where(
            col(PersonRole.unit_id).in_(list(order)),
            PersonRole.kind == RoleKind.REP,
            PersonRole.school_year_id == meeting.school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    for pid, name, _unit_id, unit_name in sorted(reps, key=lambda row: (order.get(row[2], 0), row[0] or 0)):
        if pid is not None and pid not in found and name:
            found[pid] = BlocPerson(pid, name, unit_name)
    officers = await session.exec(
        select(Person.id, Person.full_name)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .where(
            PersonRole.bloc_id == meeting.bloc_id,
            col(PersonRole.kind).in_([RoleKind.SECRETARIAT, RoleKind.HEAD_OFFICE]),
            PersonRole.school_year_id == meeting.school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
        .order_by(col(Person.id))
    )
    for pid, name in officers:
        if pid is not None and pid not in found and name:
            found[pid] = BlocPerson(pid, name, "")
    return list(found.values())


async def bloc_people(db: Database, *, person_id: int, meeting_id: int, today: date) -> list[BlocPerson]:
    await _chair_of(db, person_id, meeting_id, today)
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return await _bloc_people(session, meeting)


async def _change(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    now: datetime,
    today: date,
    what: str,
    chosen_person_id: int | None = None,
    text: str | None = None,
    lines: list[str] | None = None,
) -> MeetingDetails:
    """One detail changed, audited, in one transaction; DetailsRefusal changes nothing."""
    actor = await _chair_of(db, person_id, meeting_id, today)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFoundError(f"meeting {meeting_id}")
        chosen: BlocPerson | None = None
        if chosen_person_id is not None:
            chosen = next(
                (p for p in await _bloc_people(session, meeting) if p.person_id == chosen_person_id), None
            )
            if chosen is None:  # from button data: only the bloc's own people are offered
                raise DetailsRefusal("not_in_bloc")
        logged: dict[str, object] = {"what": what}
        if what == "place":
            meeting.place = clean_name(text or "", limit=MAX_PLACE, reason="place")
        elif what in ("chair", "secretary"):
            if chosen is not None:
                setattr(meeting, f"{what}_person_id", chosen.person_id)
                setattr(meeting, f"{what}_name", "")
                logged["person"] = chosen.person_id
            else:
                setattr(meeting, f"{what}_name", clean_name(text or ""))
                if what == "secretary":  # a typed secretary replaces a chosen one
                    meeting.secretary_person_id = None
                logged["typed"] = True
        elif what == "committee_add":
            assert chosen is not None
            names = list(committee_of(meeting))
            if chosen.name.casefold() not in [n.casefold() for n in names]:
                meeting.counting_committee = "\n".join(clean_committee([*names, chosen.name]))
            logged["size"] = len(committee_of(meeting))
        elif what == "committee":
            meeting.counting_committee = "\n".join(clean_committee(lines or []))
            logged["size"] = len(committee_of(meeting))
        elif what == "committee_clear":
            meeting.counting_committee = ""
            logged["size"] = 0
        else:
            raise ValueError(what)
        session.add(meeting)
        await audit.append(
            session,
            action="meeting.minutes_details",
            subject=f"meeting:{meeting_id}",
            at=now,
            actor_person_id=actor,
            details=logged,
        )
        return await _details(session, meeting)


async def set_place(
    db: Database, *, person_id: int, meeting_id: int, place: str, now: datetime, today: date
) -> MeetingDetails:
    return await _change(
        db, person_id=person_id, meeting_id=meeting_id, now=now, today=today, what="place", text=place
    )


async def set_officer(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    role: str,
    now: datetime,
    today: date,
    chosen_person_id: int | None = None,
    name: str | None = None,
) -> MeetingDetails:
    """The chair or the secretary ("chair"/"secretary"): a person of the bloc, or a typed name."""
    if role not in ("chair", "secretary"):
        raise ValueError(role)
    return await _change(
        db,
        person_id=person_id,
        meeting_id=meeting_id,
        now=now,
        today=today,
        what=role,
        chosen_person_id=chosen_person_id,
        text=name,
    )


async def set_committee(
    db: Database, *, person_id: int, meeting_id: int, names: list[str], now: datetime, today: date
) -> MeetingDetails:
    """The whole committee, typed one name a line; the first named chairs it (Trưởng ban)."""
    return await _change(
        db, person_id=person_id, meeting_id=meeting_id, now=now, today=today, what="committee", lines=names
    )


async def add_to_committee(
    db: Database, *, person_id: int, meeting_id: int, chosen_person_id: int, now: datetime, today: date
) -> MeetingDetails:
    return await _change(
        db,
        person_id=person_id,
        meeting_id=meeting_id,
        now=now,
        today=today,
        what="committee_add",
        chosen_person_id=chosen_person_id,
    )


async def clear_committee(
    db: Database, *, person_id: int, meeting_id: int, now: datetime, today: date
) -> MeetingDetails:
    return await _change(
        db, person_id=person_id, meeting_id=meeting_id, now=now, today=today, what="committee_clear"
    )


def committee_missing(meeting: Meeting, rules: RuleSet) -> bool:
    """A ballot that needs a counting committee, in a meeting that has named none: ballots.open_poll
    refuses to open it (`no_counting_committee`) and the chair is told to name one."""
    return needs_counting_committee(rules) and not committee_of(meeting)
