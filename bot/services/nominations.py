"""Nominations of exemplars and individuals, from a school to the emulation desk (issue 18).

Any time of the year a school's representative sends a nomination with the school's own vote
attached (seed 002: "gửi ngay … khi phát hiện"); it reaches the desk at once through the outbox.
The desk accepts, returns with a reason, or rejects with a reason; the school is told each time,
and every step is kept in `nomination_event`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Button, Screen
from bot.db import Database
from bot.i18n import t
from bot.services import outbox, people
from bot.services.people import Profile
from bot.services.registration import Refused
from bot.services.roster import holders
from models.council import CouncilCandidate, CouncilPoll
from models.meetings import PollStatus
from models.nominations import (
    HOLDS_PLACE,
    REASON_REQUIRED,
    TITLE_NAMES,
    Action,
    Draft,
    Nomination,
    NominationEvent,
    NominationFile,
    NominationStatus,
    NomineeKind,
    Problem,
    Title,
    VoteKind,
    next_status,
    problems,
)
from models.organisation import PersonRole, RoleKind, SchoolYear, Unit
from models.text import name_key, nfc


@dataclass(frozen=True)
class School:
    """Where a representative nominates from."""

    unit_id: int
    unit_name: str
    authority_id: int
    school_year_id: int


@dataclass(frozen=True)
class Desk:
    authority_id: int
    school_year_id: int


@dataclass(frozen=True)
class EvidenceFile:
    key: str
    name: str
    mime: str | None = None


@dataclass(frozen=True)
class Submission:
    kind: NomineeKind
    title: Title
    full_name: str
    position: str
    teaching_years: int | None
    summary: str
    achievements: str
    phone: str | None
    email: str | None
    vote_kind: VoteKind | None
    school_poll_id: int | None = None  # the school's own ballot held in the bot (school_vote.py)
    minutes_key: str | None = None
    minutes_name: str | None = None
    evidence: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True)
class NominationView:
    id: int
    unit_name: str
    kind: NomineeKind
    title: Title
    full_name: str
    position: str
    teaching_years: int | None
    summary: str
    achievements: str
    phone: str | None
    email: str | None
    vote_kind: VoteKind
    status: NominationStatus
    reason: str | None
    files: int
    history: tuple[tuple[str, str | None], ...]  # (action, reason), oldest first
    school_poll_id: int | None = None  # the school's ballot in the bot, when that is its vote

    @property
    def title_name(self) -> str:
        return TITLE_NAMES[self.title]


PROBLEM_KEYS = {
    Problem.NO_NAME: "nom.refused.no_name",
    Problem.NO_ACHIEVEMENTS: "nom.refused.no_achievements",
    Problem.NO_VOTE: "nom.refused.no_vote",
    Problem.VOTE_NOT_PASSED: "nom.refused.vote_not_passed",
    Problem.ALREADY_NOMINATED: "nom.refused.already",
}


# ------------------------------------------------------------------ who is acting
async def _year_id(session: AsyncSession, name: str) -> int:
    year = (await session.exec(select(SchoolYear).where(SchoolYear.name == name))).one()
    assert year.id is not None
    return year.id


async def school_of(db: Database, profile: Profile) -> School:
    """The school a representative speaks for; refused for anyone else."""
    reps = [r for r in profile.roles if r.kind is RoleKind.REP and r.unit_id is not None]
    if not reps:
        raise Refused("nom.refused.not_rep")
    role = reps[0]
    async with db.session() as session:
        unit = await session.get(Unit, role.unit_id)
        assert unit is not None and unit.id is not None
        return School(unit.id, unit.name, unit.authority_id, await _year_id(session, role.school_year))


def desk_of(profile: Profile) -> Desk:
    desk = [r for r in profile.authority_roles if r.kind is RoleKind.EMULATION_DESK]
    if not desk:
        raise Refused("nom.refused.not_desk")
    return Desk(desk[0].authority_id, desk[0].school_year_id)


async def _profile(db: Database, person_id: int, today: date) -> Profile:
    found = await people.profile_of(db, person_id, today)
    assert found is not None
    return found


# ------------------------------------------------------------------ views
async def _view(session: AsyncSession, nomination: Nomination) -> NominationView:
    assert nomination.id is not None
    unit = await session.get(Unit, nomination.unit_id)
    events = await session.exec(
        select(NominationEvent)
        .where(NominationEvent.nomination_id == nomination.id)
        .order_by(col(NominationEvent.id))
    )
    files = await session.exec(select(NominationFile).where(NominationFile.nomination_id == nomination.id))
    return NominationView(
        id=nomination.id,
        unit_name=unit.name if unit else "",
        kind=NomineeKind(nomination.kind),
        title=Title(nomination.title),
        full_name=nomination.full_name,
        position=nomination.position,
        teaching_years=nomination.teaching_years,
        summary=nomination.summary,
        achievements=nomination.achievements,
        phone=nomination.phone,
        email=nomination.email,
        vote_kind=VoteKind(nomination.vote_kind),
        status=NominationStatus(nomination.status),
        reason=nomination.reason,
        files=len(list(files)),
        history=tuple((e.action, e.reason) for e in events),
        school_poll_id=nomination.school_poll_id,
    )


async def view(db: Database, nomination_id: int) -> NominationView | None:
    async with db.session() as session:
        nomination = await session.get(Nomination, nomination_id)
        return None if nomination is None else await _view(session, nomination)


async def views(db: Database, ids: list[int]) -> list[NominationView]:
    async with db.session() as session:
        rows = await session.exec(
            select(Nomination).where(col(Nomination.id).in_(ids)).order_by(col(Nomination.id))
        )
        return [await _view(session, row) for row in rows]


# ------------------------------------------------------------------ the school's vote
async def school_vote_passed(
    session: AsyncSession, poll_id: int, unit_id: int, title: Title, full_name: str
) -> bool | None:
    """Did the person reach the threshold in the school's own counted ballot held in the bot
    (bot/services/school_vote.py)? None when the ballot is not this school's, is not counted yet,
    or is not on this person for this title."""
    poll = await session.get(CouncilPoll, poll_id)
    if poll is None or poll.unit_id != unit_id or poll.status != PollStatus.CLOSED or not poll.result:
        return None
    candidate = (
        await session.exec(
            select(CouncilCandidate).where(
                CouncilCandidate.poll_id == poll_id, CouncilCandidate.position == 1
            )
        )
    ).first()
    if (
        poll.title != TITLE_NAMES[title]
        or candidate is None
        or name_key(candidate.label) != name_key(full_name)
    ):
        return None
    result = json.loads(poll.result)
    line = next((c for c in result.get("candidates", []) if c.get("position") == 1), None)
    return bool(result.get("quorate") and line and line.get("passed"))


# ------------------------------------------------------------------ notices
def _desk_screen(nomination: NominationView, language: str, *, again: bool) -> Screen:
    key = "nom.desk.resubmitted" if again else "nom.desk.new"
    return Screen(
        t(language, key, name=nomination.full_name, unit=nomination.unit_name, title=nomination.title_name),
        buttons=((Button(t(language, "nom.btn.open"), f"nm:o:{nomination.id}"),),),
    )


def _school_screen(nomination: NominationView, action: Action, language: str) -> Screen:
    params = {
        "name": nomination.full_name,
        "title": nomination.title_name,
        "reason": nomination.reason or "",
    }
    if action is Action.RETURN:
        return Screen(
            t(language, "nom.school.returned", **params),
            buttons=((Button(t(language, "nom.btn.fix"), f"nm:f:{nomination.id}"),),),
        )
    if action is Action.REJECT:
        return Screen(t(language, "nom.school.rejected", **params))
    return Screen(t(language, "nom.school.accepted", **params))


async def _languages(session: AsyncSession, person_ids: list[int]) -> list[tuple[int, str]]:
    from models.organisation import Person

    rows = await session.exec(select(Person).where(col(Person.id).in_(person_ids)))
    return [(p.id, p.language) for p in rows if p.id is not None]


async def _school_reps(session: AsyncSession, unit_id: int, school_year_id: int) -> list[int]:
    rows = await session.exec(
        select(PersonRole.person_id).where(
            PersonRole.kind == RoleKind.REP.value,
            PersonRole.unit_id == unit_id,
            PersonRole.school_year_id == school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    return sorted(set(rows))


async def _tell_desk(session: AsyncSession, nomination: Nomination, *, again: bool, now: datetime) -> int:
    assert nomination.id is not None
    desk = await holders(session, RoleKind.EMULATION_DESK, nomination.authority_id, nomination.school_year_id)
    shown = await _view(session, nomination)
    round_ = len([h for h in shown.history if h[0] in (Action.SUBMIT, Action.RESUBMIT)])
    for person_id, language in await _languages(session, desk):
        await outbox.enqueue(
            session,
            person_id=person_id,
            kind="nomination",
            screen=_desk_screen(shown, language, again=again),
            dedupe_key=f"nomination:{nomination.id}:{round_}:desk:{person_id}",
            now=now,
        )
    return len(desk)


# ------------------------------------------------------------------ the school
async def submit(
    db: Database, person_id: int, form: Submission, *, today: date, now: datetime
) -> NominationView:
    """Send a nomination to the desk; refused, with nothing written, when it is incomplete, has no
    vote of the school, or names a person already nominated for the title this year."""
    school = await school_of(db, await _profile(db, person_id, today))
    full_name = nfc(form.full_name)
    try:
        async with db.transaction() as session:
            passed = None
            if form.vote_kind is VoteKind.MEETING and form.school_poll_id is not None:
                passed = await school_vote_passed(
                    session, form.school_poll_id, school.unit_id, form.title, full_name
                )
            already = await session.exec(
                select(Nomination.name_key).where(
                    Nomination.school_year_id == school.school_year_id,
                    Nomination.unit_id == school.unit_id,
                    Nomination.title == form.title.value,
                    col(Nomination.status).in_([s.value for s in HOLDS_PLACE]),
                )
            )
            found = problems(
                Draft(
                    kind=form.kind,
                    title=form.title,
                    full_name=full_name,
                    achievements=form.achievements,
                    vote_kind=form.vote_kind,
                    vote_passed=passed,
                    minutes_file_key=form.minutes_key,
                ),
                already=list(already),
            )
            if found:
                raise Refused(PROBLEM_KEYS[found[0]], name=full_name, title=TITLE_NAMES[form.title])
            assert form.vote_kind is not None
            nomination = Nomination(
                authority_id=school.authority_id,
                school_year_id=school.school_year_id,
                unit_id=school.unit_id,
                kind=form.kind.value,
                title=form.title.value,
                full_name=full_name,
                name_key=name_key(full_name),
                position=nfc(form.position),
                workplace=school.unit_name,
                teaching_years=form.teaching_years,
                summary=nfc(form.summary),
                achievements=form.achievements.strip(),
                phone=form.phone,
                email=form.email,
                vote_kind=form.vote_kind.value,
                school_poll_id=form.school_poll_id if form.vote_kind is VoteKind.MEETING else None,
                minutes_file_key=form.minutes_key,
                minutes_file_name=form.minutes_name,
                status=NominationStatus.SUBMITTED.value,
                submitted_by_person_id=person_id,
                submitted_at=now,
            )
            session.add(nomination)
            await session.flush()
            assert nomination.id is not None
            session.add(
                NominationEvent(
                    nomination_id=nomination.id, action=Action.SUBMIT, by_person_id=person_id, at=now
                )
            )
            for item in form.evidence:
                session.add(
                    NominationFile(
                        nomination_id=nomination.id, file_key=item.key, name=item.name, mime=item.mime
                    )
                )
            await session.flush()
            if not await _tell_desk(session, nomination, again=False, now=now):
                raise Refused("nom.refused.no_desk")
            return await _view(session, nomination)
    except IntegrityError:  # two representatives sent the same person at the same moment
        raise Refused("nom.refused.already", name=full_name, title=TITLE_NAMES[form.title]) from None


async def returned_to(db: Database, person_id: int, *, today: date) -> list[NominationView]:
    """The school's nominations the desk sent back, to fix and send again."""
    school = await school_of(db, await _profile(db, person_id, today))
    async with db.session() as session:
        rows = await session.exec(
            select(Nomination)
            .where(Nomination.unit_id == school.unit_id, Nomination.status == NominationStatus.RETURNED.value)
            .order_by(col(Nomination.id))
        )
        return [await _view(session, row) for row in rows]


async def resubmit(
    db: Database,
    person_id: int,
    nomination_id: int,
    *,
    achievements: str | None = None,
    summary: str | None = None,
    minutes: EvidenceFile | None = None,
    today: date,
    now: datetime,
) -> NominationView:
    """The school fixes a returned nomination and sends it again; the history keeps both rounds."""
    school = await school_of(db, await _profile(db, person_id, today))
    async with db.transaction() as session:
        nomination = await session.get(Nomination, nomination_id)
        if nomination is None or nomination.unit_id != school.unit_id:
            raise Refused("nom.refused.unknown")
        moved = next_status(NominationStatus(nomination.status), Action.RESUBMIT)
        if moved is None:
            raise Refused("nom.refused.not_returned", name=nomination.full_name)
        if achievements is not None:
            if not nfc(achievements):
                raise Refused("nom.refused.no_achievements")
            nomination.achievements = achievements.strip()
        if summary is not None:
            nomination.summary = nfc(summary)
        if minutes is not None:  # new minutes replace the school's vote, whichever it was
            nomination.minutes_file_key, nomination.minutes_file_name = minutes.key, minutes.name
            nomination.vote_kind, nomination.school_poll_id = VoteKind.PAPER.value, None
        nomination.status, nomination.submitted_at = moved.value, now
        session.add(nomination)
        session.add(
            NominationEvent(
                nomination_id=nomination_id, action=Action.RESUBMIT, by_person_id=person_id, at=now
            )
        )
        await session.flush()
        await _tell_desk(session, nomination, again=True, now=now)
        return await _view(session, nomination)


# ------------------------------------------------------------------ the desk
async def desk_queue(db: Database, person_id: int, *, today: date) -> list[NominationView]:
    """Nominations waiting for the desk's decision, oldest first."""
    desk = desk_of(await _profile(db, person_id, today))
    async with db.session() as session:
        rows = await session.exec(
            select(Nomination)
            .where(
                Nomination.authority_id == desk.authority_id,
                Nomination.school_year_id == desk.school_year_id,
                Nomination.status == NominationStatus.SUBMITTED.value,
            )
            .order_by(col(Nomination.submitted_at), col(Nomination.id))
        )
        return [await _view(session, row) for row in rows]


async def accepted(db: Database, person_id: int, *, today: date) -> list[NominationView]:
    desk = desk_of(await _profile(db, person_id, today))
    async with db.session() as session:
        rows = await session.exec(
            select(Nomination)
            .where(
                Nomination.authority_id == desk.authority_id,
                Nomination.school_year_id == desk.school_year_id,
                Nomination.status == NominationStatus.ACCEPTED.value,
            )
            .order_by(col(Nomination.id))
        )
        return [await _view(session, row) for row in rows]


async def desk_view(db: Database, person_id: int, nomination_id: int, *, today: date) -> NominationView:
    desk = desk_of(await _profile(db, person_id, today))
    async with db.session() as session:
        nomination = await session.get(Nomination, nomination_id)
        if nomination is None or nomination.authority_id != desk.authority_id:
            raise Refused("nom.refused.unknown")
        return await _view(session, nomination)


async def decide(
    db: Database,
    person_id: int,
    nomination_id: int,
    action: Action,
    *,
    reason: str | None = None,
    today: date,
    now: datetime,
) -> NominationView:
    """Accept, return or reject; a return or a rejection needs a reason. The school's
    representatives are told in the same transaction, through the outbox."""
    desk = desk_of(await _profile(db, person_id, today))
    reason = nfc(reason or "") or None
    if action in REASON_REQUIRED and reason is None:
        raise Refused("nom.refused.reason_needed")
    async with db.transaction() as session:
        nomination = await session.get(Nomination, nomination_id)
        if nomination is None or nomination.authority_id != desk.authority_id:
            raise Refused("nom.refused.unknown")
        moved = next_status(NominationStatus(nomination.status), action)
        if moved is None:
            raise Refused("nom.refused.decided", name=nomination.full_name)
        nomination.status = moved.value
        nomination.reason = reason if action in REASON_REQUIRED else nomination.reason
        if moved in (NominationStatus.ACCEPTED, NominationStatus.REJECTED):
            nomination.decided_at = now
        session.add(nomination)
        session.add(
            NominationEvent(
                nomination_id=nomination_id, action=action, reason=reason, by_person_id=person_id, at=now
            )
        )
        await session.flush()
        shown = await _view(session, nomination)
        reps = set(await _school_reps(session, nomination.unit_id, nomination.school_year_id))
        if nomination.submitted_by_person_id is not None:
            reps.add(nomination.submitted_by_person_id)
        for rep_id, language in await _languages(session, sorted(reps)):
            await outbox.enqueue(
                session,
                person_id=rep_id,
                kind="nomination",
                screen=_school_screen(shown, action, language),
                dedupe_key=f"nomination:{nomination_id}:{len(shown.history)}:school:{rep_id}",
                now=now,
            )
        return shown


async def minutes_of(db: Database, ids: list[int]) -> dict[int, tuple[str, str]]:
    """The stored minutes (file key, name) of the school's paper vote, by nomination."""
    async with db.session() as session:
        rows = await session.exec(select(Nomination).where(col(Nomination.id).in_(ids)))
        return {
            row.id: (row.minutes_file_key, row.minutes_file_name or "bien-ban")
            for row in rows
            if row.id is not None and row.minutes_file_key
        }
