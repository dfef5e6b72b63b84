"""Bloc meetings: creating them, opening them, and who is in the room.

Presence is what quorum and ballots are computed from, so checking in takes a short code the
chair reads out in the room (a forwarded button would let someone "attend" from home).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Screen
from bot.db import Database
from bot.services import audit, outbox, people
from bot.services.invites import NotAllowedError, NotFoundError
from models.meetings import (
    CHECKIN_CODE_DIGITS,
    CHECKIN_TRIES,
    CHECKIN_WAIT_MINUTES,
    Attendance,
    BlocChat,
    CheckinAttempt,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from models.numbers import is_id
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind, SchoolYear, Unit
from models.school_year import school_year_of
from models.text import nfc, nfc_lines
from models.types import id_of
from models.vote_rules import is_quorate, ordinary_title_rules, quorum_needed


@dataclass(frozen=True)
class MemberUnit:
    unit_id: int
    name: str
    position: Position


@dataclass(frozen=True)
class MeetingView:
    id: int
    bloc_id: int
    bloc_name: str
    school_year: str
    kind: MeetingKind
    status: MeetingStatus
    starts_at: datetime
    place: str
    agenda: str
    checkin_code: str | None
    members: tuple[MemberUnit, ...]
    present_unit_ids: frozenset[int]
    group_chat_id: int | None
    card_chat_id: int | None
    card_message_id: int | None
    chair_person_id: int | None = None

    @property
    def present(self) -> int:
        return len(self.present_unit_ids)

    @property
    def quorum_needed(self) -> int:
        return quorum_needed(len(self.members), ordinary_title_rules())

    @property
    def quorate(self) -> bool:
        return bool(self.members) and is_quorate(self.present, len(self.members), ordinary_title_rules())

    @property
    def absent(self) -> tuple[MemberUnit, ...]:
        return tuple(m for m in self.members if m.unit_id not in self.present_unit_ids)


async def members_of(session: AsyncSession, bloc_id: int, school_year_id: int) -> tuple[MemberUnit, ...]:
    rows = (
        await session.exec(
            select(BlocMembership, Unit)
            .join(Unit, col(Unit.id) == BlocMembership.unit_id)
            .where(BlocMembership.bloc_id == bloc_id, BlocMembership.school_year_id == school_year_id)
            .order_by(col(BlocMembership.id))
        )
    ).all()
    return tuple(MemberUnit(unit.id, unit.name, Position(m.position)) for m, unit in rows)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Recipient:
    """A representative to be told something: our person id and the language they read."""

    person_id: int
    language: str


async def representatives(
    session: AsyncSession, unit_ids: list[int], school_year_id: int
) -> dict[int, list[Recipient]]:
    """The active representatives of each unit (whichever app they use)."""
    rows = (
        await session.exec(
            select(PersonRole.unit_id, Person.id, Person.language)
            .join(Person, col(Person.id) == PersonRole.person_id)
            .where(
                col(PersonRole.unit_id).in_(unit_ids),
                PersonRole.kind == RoleKind.REP,
                PersonRole.school_year_id == school_year_id,
                col(PersonRole.revoked_at).is_(None),
            )
            .order_by(col(PersonRole.id))
        )
    ).all()
    found: dict[int, list[Recipient]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, person_id, language in rows:
        if (
            unit_id is not None
            and person_id is not None
            and person_id not in [r.person_id for r in found[unit_id]]
        ):
            found[unit_id].append(Recipient(person_id, language or "vi"))
    return found


async def _view(session: AsyncSession, meeting: Meeting) -> MeetingView:
    bloc = await session.get(Bloc, meeting.bloc_id)
    year = await session.get(SchoolYear, meeting.school_year_id)
    assert bloc is not None and year is not None and meeting.id is not None
    present = {
        a.unit_id
        for a in await session.exec(
            select(Attendance).where(Attendance.meeting_id == meeting.id, col(Attendance.present).is_(True))
        )
    }
    chat = await session.get(BlocChat, meeting.bloc_id)
    return MeetingView(
        id=meeting.id,
        bloc_id=bloc.id,  # type: ignore[arg-type]
        bloc_name=bloc.name,
        school_year=year.name,
        kind=MeetingKind(meeting.kind),
        status=MeetingStatus(meeting.status),
        starts_at=meeting.starts_at,
        place=meeting.place,
        agenda=meeting.agenda,
        checkin_code=meeting.checkin_code,
        members=await members_of(session, bloc.id, year.id),  # type: ignore[arg-type]
        present_unit_ids=frozenset(present),
        group_chat_id=chat.chat_id if chat else None,
        card_chat_id=meeting.card_chat_id,
        card_message_id=meeting.card_message_id,
        chair_person_id=meeting.chair_person_id,
    )


async def view(db: Database, meeting_id: int) -> MeetingView:
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFoundError(f"meeting {meeting_id}")
        return await _view(session, meeting)


async def _officer_person_id(db: Database, person_id: int, bloc_id: int, today: date) -> int:
    """The person, if they run this bloc (head, deputy, head's office) or are an admin."""
    who = await people.profile_of(db, person_id, today)
    if who is None or not (who.is_admin or bloc_id in who.led_bloc_ids()):
        raise NotAllowedError
    return who.person_id


async def _chair_of(db: Database, person_id: int, meeting_id: int, today: date) -> int:
    """The acting person's id, if they run the bloc of this meeting; NotFound/NotAllowed otherwise."""
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"meeting {meeting_id}")
    return await _officer_person_id(db, person_id, meeting.bloc_id, today)


async def led_blocs(db: Database, person_id: int, today: date) -> list[tuple[int, str]]:
    """(bloc id, name) of every bloc this person runs this year."""
    who = await people.profile_of(db, person_id, today)
    if who is None:
        return []
    ids = who.led_bloc_ids()
    if not ids and who.is_admin:
        async with db.session() as session:
            return [(b.id, b.name) for b in await session.exec(select(Bloc).order_by(col(Bloc.number)))]  # type: ignore[misc]
    names = {role.bloc_id: role.bloc_name for role in who.roles}
    return [(bloc_id, names[bloc_id]) for bloc_id in ids]


async def default_place(db: Database, bloc_id: int, kind: MeetingKind, today: date) -> str | None:
    """Seed 000 §II.2.5: the mid-year review at the deputy's unit, the year-end one at the head's."""
    wanted = {
        MeetingKind.MIDYEAR: Position.DEPUTY,
        MeetingKind.YEAREND: Position.HEAD,
        MeetingKind.PACT: Position.HEAD,
    }
    position = wanted.get(kind)
    if position is None:
        return None
    async with db.session() as session:
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
        ).first()
        if year is None:
            return None
        for member in await members_of(session, bloc_id, year.id):  # type: ignore[arg-type]
            if member.position is position:
                return member.name
    return None


async def create_meeting(
    db: Database,
    *,
    person_id: int,
    bloc_id: int,
    kind: MeetingKind,
    starts_at: datetime,
    place: str,
    agenda: str,
    now: datetime,
    today: date,
) -> MeetingView:
    person_id = await _officer_person_id(db, person_id, bloc_id, today)
    async with db.transaction() as session:
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
        ).first()
        if year is None:
            raise NotFoundError(school_year_of(today))
        meeting = Meeting(
            bloc_id=bloc_id,
            school_year_id=year.id,  # type: ignore[arg-type]
            kind=kind,
            starts_at=starts_at,
            place=nfc(place),
            agenda=nfc_lines(agenda),  # the minutes list the agenda line by line
            chair_person_id=person_id,
            created_by_person_id=person_id,
        )
        session.add(meeting)
        await session.flush()
        await audit.append(
            session,
            action="meeting.create",
            subject=f"meeting:{meeting.id}",
            at=now,
            actor_person_id=person_id,
            details={"kind": kind.value, "starts_at": starts_at.isoformat()},
        )
        return await _view(session, meeting)


async def open_meeting(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    now: datetime,
    today: date,
    notice: Callable[[MeetingView, str], Screen] | None = None,
) -> MeetingView:
    """Start the meeting: a fresh check-in code for the chair to read out. With `notice` (the
    invitation, rendered in a language), every member unit's representatives are told through
    the outbox, in the same transaction (the caller pokes delivery after it returns)."""
    person_id = await _chair_of(db, person_id, meeting_id, today)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        if meeting.status == MeetingStatus.PLANNED:
            if notice is not None:
                view_now = await _view(session, meeting)
                reps = await representatives(
                    session, [m.unit_id for m in view_now.members], meeting.school_year_id
                )
                for recipients in reps.values():
                    for recipient in recipients:
                        if recipient.person_id == person_id:
                            continue  # the chair started it: no notice to themself
                        await outbox.enqueue(
                            session,
                            person_id=recipient.person_id,
                            kind="meeting.open",
                            screen=notice(view_now, recipient.language),
                            dedupe_key=f"meeting:{meeting_id}:open:{recipient.person_id}",
                            now=now,
                        )
            meeting.status = MeetingStatus.OPEN
            meeting.opened_at = now
            meeting.checkin_code = new_code()
            session.add(meeting)
            await audit.append(
                session,
                action="meeting.open",
                subject=f"meeting:{meeting_id}",
                at=now,
                actor_person_id=person_id,
            )
        return await _view(session, meeting)


async def close_meeting(
    db: Database, *, person_id: int, meeting_id: int, now: datetime, today: date
) -> MeetingView:
    person_id = await _chair_of(db, person_id, meeting_id, today)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        if meeting.status != MeetingStatus.CLOSED:
            meeting.status = MeetingStatus.CLOSED
            meeting.closed_at = now
            meeting.checkin_code = None
            session.add(meeting)
            await audit.append(
                session,
                action="meeting.close",
                subject=f"meeting:{meeting_id}",
                at=now,
                actor_person_id=person_id,
            )
        return await _view(session, meeting)


MAX_COUNTING_COMMITTEE = 7


async def set_minutes_details(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    now: datetime,
    today: date,
    secretary_person_id: int | None = None,
    counting_committee: list[str] | None = None,
    council_representative: str | None = None,
) -> MeetingView:
    """Who the minutes name besides the chair: the secretary (a person of the bloc), the counting
    committee of the secret ballots and the department council's representative. Only what is
    given changes; ValueError names what is wrong and changes nothing."""
    person_id = await _chair_of(db, person_id, meeting_id, today)
    committee = [nfc(name)[:120] for name in counting_committee or [] if nfc(name)]
    if len(committee) > MAX_COUNTING_COMMITTEE:
        raise ValueError("counting_committee")
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        changed: dict[str, object] = {}
        if secretary_person_id is not None:
            if await session.get(Person, secretary_person_id) is None:
                raise ValueError("secretary_person_id")
            meeting.secretary_person_id = secretary_person_id
            changed["secretary_person_id"] = secretary_person_id
        if counting_committee is not None:
            meeting.counting_committee = "\n".join(committee)
            changed["counting_committee"] = len(committee)
        if council_representative is not None:
            meeting.council_representative = nfc(council_representative)[:255]
            changed["council_representative"] = bool(meeting.council_representative)
        session.add(meeting)
        await audit.append(
            session,
            action="meeting.minutes_details",
            subject=f"meeting:{meeting_id}",
            at=now,
            actor_person_id=person_id,
            details=changed,
        )
        return await _view(session, meeting)


async def forget_card(db: Database, chat_id: int, message_id: int) -> None:
    """The message that was a chair's card became another screen (a menu, a question): live
    edits must not turn it back into the card under the chair's thumb."""
    async with db.transaction() as session:
        for meeting in await session.exec(
            select(Meeting).where(Meeting.card_chat_id == chat_id, Meeting.card_message_id == message_id)
        ):
            meeting.card_chat_id, meeting.card_message_id = None, None
            session.add(meeting)


async def is_card(db: Database, chat_id: int, message_id: int) -> bool:
    """Whether this message is still some meeting's live card (forget_card not called since)."""
    async with db.session() as session:
        found = await session.exec(
            select(Meeting.id).where(Meeting.card_chat_id == chat_id, Meeting.card_message_id == message_id)
        )
        return found.first() is not None


async def remember_card(db: Database, meeting_id: int, chat_id: int, message_id: int) -> None:
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is not None:
            meeting.card_chat_id, meeting.card_message_id = chat_id, message_id
            session.add(meeting)


def new_code(old: str | None = None) -> str:
    """A fresh six-digit check-in code, never the one it replaces."""
    while True:
        code = f"{secrets.randbelow(10**CHECKIN_CODE_DIGITS):0{CHECKIN_CODE_DIGITS}d}"
        if code != old:
            return code


def typed_code(text: str) -> str:
    """What a person typed, as a code: spaces dropped ("123 456" is read as it is said)."""
    return "".join(nfc(text).split())


# How long after a meeting ended a code for it is answered "the meeting has ended".
ENDED_HINT = timedelta(hours=12)


@dataclass(frozen=True)
class CheckIn:
    # "present", "already", "bad_code", "locked", "other_bloc", "ended", "no_meeting", "not_member"
    status: str
    meeting: MeetingView | None = None
    unit_name: str = ""
    locked_until: datetime | None = None
    tries_left: int | None = None


async def _attempt(session: AsyncSession, meeting_id: int, person_id: int, now: datetime) -> CheckinAttempt:
    row = (
        await session.exec(
            select(CheckinAttempt).where(
                CheckinAttempt.meeting_id == meeting_id, CheckinAttempt.person_id == person_id
            )
        )
    ).first()
    return row or CheckinAttempt(meeting_id=meeting_id, person_id=person_id, failures=0, last_at=now)


async def check_in(db: Database, *, person_id: int, code: str, now: datetime, today: date) -> CheckIn:
    """Check the person's unit in to the open meeting of their bloc whose code they typed.

    Wrong codes are counted per person and meeting in the database; after CHECKIN_TRIES of them
    the person waits CHECKIN_WAIT_MINUTES, and while they wait no code is even compared."""
    who = await people.profile_of(db, person_id, today)
    units_by_bloc = {
        role.bloc_id: (role.unit_id, role.unit_name)
        for role in (who.roles if who else ())
        if role.kind is RoleKind.REP and role.unit_id is not None
    }
    if not units_by_bloc or who is None:
        return CheckIn("not_member")
    code = typed_code(code)
    try:
        return await _check_in(db, who.person_id, units_by_bloc, code, now)
    except IntegrityError:  # the same person's first wrong code twice at once: count it again
        return await _check_in(db, who.person_id, units_by_bloc, code, now)


async def _check_in(
    db: Database,
    person_id: int,
    units_by_bloc: dict[int, tuple[int, str | None]],
    code: str,
    now: datetime,
) -> CheckIn:
    async with db.transaction() as session:
        meetings = list(
            await session.exec(
                select(Meeting).where(
                    col(Meeting.bloc_id).in_(list(units_by_bloc)), Meeting.status == MeetingStatus.OPEN
                )
            )
        )
        if not meetings:
            ended = (
                await session.exec(
                    select(Meeting.id).where(
                        col(Meeting.bloc_id).in_(list(units_by_bloc)),
                        Meeting.status == MeetingStatus.CLOSED,
                        col(Meeting.closed_at) >= now - ENDED_HINT,
                    )
                )
            ).first()
            return CheckIn("ended" if ended is not None else "no_meeting")
        attempts = [await _attempt(session, id_of(m), person_id, now) for m in meetings]
        waits = [a.locked_until for a in attempts if a.locked_until is not None and a.locked_until > now]
        if waits:
            return CheckIn("locked", locked_until=max(waits))
        meeting = next(
            # Compared as bytes: compare_digest refuses str with non-ASCII characters ("²", "١").
            (
                m
                for m in meetings
                if m.checkin_code and secrets.compare_digest(m.checkin_code.encode(), code.encode("utf-8"))
            ),
            None,
        )
        if meeting is None:
            other = (
                code.isascii()
                and code.isdigit()
                and (
                    await session.exec(
                        select(Meeting.id).where(
                            Meeting.status == MeetingStatus.OPEN,
                            Meeting.checkin_code == code,
                            col(Meeting.bloc_id).not_in(list(units_by_bloc)),
                        )
                    )
                ).first()
                is not None
            )
            locked_until: datetime | None = None
            tries_left = CHECKIN_TRIES
            for attempt in attempts:
                attempt.failures += 1
                attempt.last_at = now
                if attempt.failures >= CHECKIN_TRIES:
                    attempt.failures, attempt.locked_until = 0, now + timedelta(minutes=CHECKIN_WAIT_MINUTES)
                    locked_until = attempt.locked_until
                    await audit.append(
                        session,
                        action="meeting.checkin_locked",
                        subject=f"meeting:{attempt.meeting_id}",
                        at=now,
                        actor_person_id=person_id,
                        details={"until": attempt.locked_until.isoformat()},
                    )
                tries_left = min(tries_left, CHECKIN_TRIES - attempt.failures)
                session.add(attempt)
            if locked_until is not None:  # the meeting, for the chair's card to show who waits
                return CheckIn("locked", await _view(session, meetings[0]), locked_until=locked_until)
            return CheckIn("other_bloc" if other else "bad_code", tries_left=tries_left)
        for attempt in attempts:
            if attempt.meeting_id == meeting.id and attempt.id is not None and attempt.failures:
                attempt.failures = 0
                session.add(attempt)
        unit_id, unit_name = units_by_bloc[meeting.bloc_id]
        assert unit_id is not None
        row = (
            await session.exec(
                select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.unit_id == unit_id)
            )
        ).first()
        if row is not None and row.present:
            return CheckIn("already", await _view(session, meeting), unit_name or "")
        if row is None:
            row = Attendance(
                meeting_id=id_of(meeting), unit_id=unit_id, checked_in_at=now, by_person_id=person_id
            )
        else:
            row.present, row.checked_in_at, row.checked_out_at = True, now, None
        session.add(row)
        await session.flush()
        await audit.append(
            session,
            action="meeting.checkin",
            subject=f"meeting:{meeting.id}",
            at=now,
            actor_person_id=person_id,
            details={"unit": unit_id},
        )
        return CheckIn("present", await _view(session, meeting), unit_name or "")


@dataclass(frozen=True)
class LockedOut:
    person_name: str
    unit_name: str
    until: datetime


async def locked_out(db: Database, meeting_id: int, now: datetime) -> list[LockedOut]:
    """Who waits after too many wrong codes, for the chair's card (soonest free first)."""
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            return []
        rows = list(
            await session.exec(
                select(CheckinAttempt, Person)
                .join(Person, col(Person.id) == CheckinAttempt.person_id)
                .where(CheckinAttempt.meeting_id == meeting_id, col(CheckinAttempt.locked_until) > now)
                .order_by(col(CheckinAttempt.locked_until))
            )
        )
        if not rows:
            return []
        reps = await _units_of_people(session, [id_of(p) for _, p in rows], meeting)
        return [
            LockedOut(person.full_name, reps.get(id_of(person), ""), attempt.locked_until)  # type: ignore[arg-type]
            for attempt, person in rows
        ]


async def _units_of_people(session: AsyncSession, person_ids: list[int], meeting: Meeting) -> dict[int, str]:
    """The unit each person represents in the meeting's bloc (name), where they do."""
    members = {m.unit_id: m.name for m in await members_of(session, meeting.bloc_id, meeting.school_year_id)}
    rows = await session.exec(
        select(PersonRole.person_id, PersonRole.unit_id).where(
            col(PersonRole.person_id).in_(person_ids),
            PersonRole.kind == RoleKind.REP,
            PersonRole.school_year_id == meeting.school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    return {pid: members[uid] for pid, uid in rows if uid in members}


async def rotate_code(
    db: Database, *, person_id: int, meeting_id: int, now: datetime, today: date, reason: str = "chair"
) -> MeetingView:
    """The chair asks for a new code: the old one stops working at once."""
    person_id = await _chair_of(db, person_id, meeting_id, today)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        if meeting.status != MeetingStatus.OPEN:
            raise NotAllowedError("meeting not open")
        meeting.checkin_code = new_code(meeting.checkin_code)
        session.add(meeting)
        await audit.append(
            session,
            action="meeting.code_rotated",
            subject=f"meeting:{meeting_id}",
            at=now,
            actor_person_id=person_id,
            details={"reason": reason},
        )
        return await _view(session, meeting)


async def code_exposed(
    db: Database,
    *,
    person_id: int,
    code: str,
    now: datetime,
    notice: Callable[[MeetingView, str], Screen],
) -> MeetingView | None:
    """A code was typed where others can read it (a group): if it opens a meeting, that meeting
    gets a new code at once and its chair is told privately, through the outbox (the caller pokes
    delivery). None when the code opens no meeting."""
    code = typed_code(code)
    if not (code.isascii() and code.isdigit()):
        return None
    async with db.transaction() as session:
        meeting = (
            await session.exec(
                select(Meeting).where(Meeting.status == MeetingStatus.OPEN, Meeting.checkin_code == code)
            )
        ).first()
        if meeting is None:
            return None
        meeting.checkin_code = new_code(code)
        session.add(meeting)
        await audit.append(
            session,
            action="meeting.code_rotated",
            subject=f"meeting:{meeting.id}",
            at=now,
            actor_person_id=person_id,
            details={"reason": "exposed"},
        )
        found = await _view(session, meeting)
        if meeting.chair_person_id is not None:
            chair = await session.get(Person, meeting.chair_person_id)
            await outbox.enqueue(
                session,
                person_id=meeting.chair_person_id,
                kind="meeting.code_exposed",
                screen=notice(found, (chair.language if chair else None) or "vi"),
                dedupe_key=f"meeting:{meeting.id}:exposed:{found.checkin_code}",
                now=now,
            )
        return found


async def mark_attendance(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    unit_id: int,
    present: bool,
    reason: str,
    now: datetime,
    today: date,
) -> MeetingView:
    """The chair checks a member unit in or out by hand; the reason goes into the audit log.
    ValueError("reason") for an empty reason; NotFound for a unit that is not a member."""
    person_id = await _chair_of(db, person_id, meeting_id, today)
    reason = nfc(reason).strip()[:200]
    if not reason:
        raise ValueError("reason")
    if not is_id(unit_id):
        raise NotFoundError(f"unit {unit_id}")
    async with db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        if meeting.status != MeetingStatus.OPEN:
            raise NotAllowedError("meeting not open")
        members = await members_of(session, meeting.bloc_id, meeting.school_year_id)
        if unit_id not in [m.unit_id for m in members]:
            raise NotFoundError(f"unit {unit_id}")
        row = (
            await session.exec(
                select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.unit_id == unit_id)
            )
        ).first()
        if present and (row is None or not row.present):
            if row is None:
                row = Attendance(
                    meeting_id=meeting_id, unit_id=unit_id, checked_in_at=now, by_person_id=person_id
                )
            else:
                row.present, row.checked_in_at, row.checked_out_at = True, now, None
                row.by_person_id = person_id
        elif not present and row is not None and row.present:
            row.present, row.checked_out_at = False, now
        else:
            return await _view(session, meeting)  # already so: nothing to record
        session.add(row)
        await session.flush()
        await audit.append(
            session,
            action="meeting.checkin_by_chair" if present else "meeting.checkout_by_chair",
            subject=f"meeting:{meeting_id}",
            at=now,
            actor_person_id=person_id,
            details={"unit": unit_id, "reason": reason},
        )
        return await _view(session, meeting)


async def check_out(
    db: Database, *, person_id: int, meeting_id: int, unit_id: int, now: datetime, today: date
) -> MeetingView:
    """The chair records that a unit left the room."""
    person_id = await _chair_of(db, person_id, meeting_id, today)
    if not is_id(unit_id):  # from button data: a number no column holds is no unit
        raise NotFoundError(f"unit {unit_id}")
    async with db.transaction() as session:
        row = (
            await session.exec(
                select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.unit_id == unit_id)
            )
        ).first()
        if row is not None and row.present:
            row.present, row.checked_out_at = False, now
            session.add(row)
            await audit.append(
                session,
                action="meeting.checkout",
                subject=f"meeting:{meeting_id}",
                at=now,
                actor_person_id=person_id,
                details={"unit": unit_id},
            )
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return await _view(session, meeting)


class GroupTakenError(NotAllowedError):
    """The group is already another bloc's group; nothing was changed."""

    def __init__(self, bloc_name: str) -> None:
        super().__init__(bloc_name)
        self.bloc_name = bloc_name


async def link_group(db: Database, *, person_id: int, chat_id: int, today: date, now: datetime) -> str:
    """Make this Telegram group the bloc's group (announcements, progress, results)."""
    blocs = await led_blocs(db, person_id, today)
    if not blocs:
        raise NotAllowedError
    bloc_id, bloc_name = blocs[0]
    async with db.transaction() as session:
        for stale in await session.exec(select(BlocChat).where(BlocChat.chat_id == chat_id)):
            if stale.bloc_id != bloc_id:
                # Another bloc's group: only that bloc's head may move its link, never a stranger.
                other = await session.get(Bloc, stale.bloc_id)
                raise GroupTakenError(other.name if other else f"#{stale.bloc_id}")
            await session.delete(stale)
        await session.flush()
        existing = await session.get(BlocChat, bloc_id)
        if existing is None:
            session.add(BlocChat(bloc_id=bloc_id, chat_id=chat_id, linked_at=now))
        else:
            existing.chat_id, existing.linked_at = chat_id, now
            session.add(existing)
    return bloc_name


async def meetings_of(db: Database, bloc_id: int, today: date) -> list[MeetingView]:
    async with db.session() as session:
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
        ).first()
        if year is None:
            return []
        rows = await session.exec(
            select(Meeting)
            .where(Meeting.bloc_id == bloc_id, Meeting.school_year_id == year.id)
            .order_by(col(Meeting.starts_at).desc())
        )
        return [await _view(session, m) for m in rows]
