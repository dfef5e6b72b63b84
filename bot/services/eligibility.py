"""Whether a unit is considered this year (seed 000 §IV.3): computed, not typed.

Not registered, or not signed the pact → not considered. The head marks the two others by hand
with a reason: an unresolved inspection or complaint → deferred ("chưa xét"); a party
organisation rated below "Hoàn thành tốt nhiệm vụ" → not considered. Ballots and exports read
`statuses()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Screen
from bot.db import Database
from bot.services import outbox
from bot.services.pact import signed_units
from bot.services.registration import (
    HEAD_SIDE,
    REVIEWERS,
    Refused,
    bloc_seat,
    bloc_units,
    record,
    registered_units,
    unit_reps,
)
from models.registration import Eligibility, EligibilityMark
from models.text import nfc

# Reason codes of computed statuses; the head's own reasons are free text.
NOT_REGISTERED = "not_registered"
NOT_SIGNED = "not_signed"


@dataclass(frozen=True)
class EligibilityView:
    unit_id: int
    unit_name: str
    status: Eligibility
    reasons: tuple[str, ...]  # codes (NOT_REGISTERED, NOT_SIGNED) and the head's reason text

    @property
    def considered(self) -> bool:
        return self.status is Eligibility.CONSIDERED


async def statuses(db: Database, bloc_id: int, school_year_id: int) -> dict[int, EligibilityView]:
    """Every unit of the bloc with its status; a head's mark outranks a computed "not considered"
    only when it is "deferred" (a pending inspection holds the whole decision back)."""
    async with db.session() as session:
        return await statuses_in(session, bloc_id, school_year_id)


async def statuses_in(session: AsyncSession, bloc_id: int, school_year_id: int) -> dict[int, EligibilityView]:
    """`statuses()` inside the caller's session (a ballot draft reads it with its candidates)."""
    units = await bloc_units(session, bloc_id, school_year_id)
    registered = await registered_units(session, bloc_id, school_year_id)
    signed = await signed_units(session, bloc_id, school_year_id)
    marks = {
        m.unit_id: m
        for m in await session.exec(
            select(EligibilityMark).where(
                EligibilityMark.bloc_id == bloc_id, EligibilityMark.school_year_id == school_year_id
            )
        )
    }
    result: dict[int, EligibilityView] = {}
    for unit in units:
        reasons: list[str] = []
        status = Eligibility.CONSIDERED
        if unit.unit_id not in registered:
            reasons.append(NOT_REGISTERED)
            status = Eligibility.NOT_CONSIDERED
        if unit.unit_id not in signed:
            reasons.append(NOT_SIGNED)
            status = Eligibility.NOT_CONSIDERED
        mark = marks.get(unit.unit_id)
        if mark is not None and mark.status != Eligibility.CONSIDERED:
            reasons.append(mark.reason)
            if mark.status == Eligibility.DEFERRED:
                status = Eligibility.DEFERRED
            else:
                status = Eligibility.NOT_CONSIDERED
        result[unit.unit_id] = EligibilityView(unit.unit_id, unit.name, status, tuple(reasons))
    return result


async def set_mark(
    db: Database,
    person_id: int,
    *,
    unit_id: int,
    status: Eligibility,
    reason: str,
    today: date,
    now: datetime,
) -> EligibilityView:
    """The head marks a unit deferred or not considered (with a reason), or clears the mark."""
    reason = nfc(reason)
    if status is not Eligibility.CONSIDERED and len(reason) < 3:
        raise Refused("elig.need_reason")
    async with db.transaction() as session:
        seat = await bloc_seat(session, person_id, today, HEAD_SIDE)
        units = {u.unit_id: u for u in await bloc_units(session, seat.bloc_id, seat.school_year_id)}
        if unit_id not in units:
            raise Refused("elig.unknown_unit")
        mark = (
            await session.exec(
                select(EligibilityMark).where(
                    EligibilityMark.bloc_id == seat.bloc_id,
                    EligibilityMark.school_year_id == seat.school_year_id,
                    EligibilityMark.unit_id == unit_id,
                )
            )
        ).first()
        old = f"{mark.status}: {mark.reason}" if mark else None
        if mark is None:
            mark = EligibilityMark(
                bloc_id=seat.bloc_id,
                school_year_id=seat.school_year_id,
                unit_id=unit_id,
                status=status,
                reason=reason,
                set_by_person_id=person_id,
                set_at=now,
            )
        mark.status, mark.reason, mark.set_by_person_id, mark.set_at = status, reason, person_id, now
        session.add(mark)
        await session.flush()
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            unit_id=unit_id,
            entity="eligibility",
            entity_id=mark.id,
            field="status",
            old=old,
            new=f"{status}: {reason}",
            reason=reason,
        )
        bloc_id, year_id = seat.bloc_id, seat.school_year_id
    return (await statuses(db, bloc_id, year_id))[unit_id]


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int
    unit_name: str
    registered: bool
    signed: bool
    sheet: str | None  # draft | submitted | final, None before /chamdiem
    eligibility: EligibilityView


@dataclass(frozen=True)
class BlocOverview:
    bloc_id: int
    bloc_name: str
    school_year_id: int
    school_year: str
    units: tuple[UnitProgress, ...]

    def missing(self, task: str) -> list[UnitProgress]:
        if task == "register":
            return [u for u in self.units if not u.registered]
        if task == "sign":
            return [u for u in self.units if not u.signed]
        return [u for u in self.units if u.sheet not in ("submitted", "final")]


async def overview(db: Database, person_id: int, *, today: date) -> BlocOverview:
    """/tinhhinh: who has registered, signed and scored, and each unit's eligibility."""
    from bot.services.scoring import sheet_status_by_unit

    async with db.session() as session:
        seat = await bloc_seat(session, person_id, today, REVIEWERS)
        units = await bloc_units(session, seat.bloc_id, seat.school_year_id)
        registered = await registered_units(session, seat.bloc_id, seat.school_year_id)
        signed = await signed_units(session, seat.bloc_id, seat.school_year_id)
        sheets = await sheet_status_by_unit(session, seat.bloc_id, seat.school_year_id)
    marks = await statuses(db, seat.bloc_id, seat.school_year_id)
    return BlocOverview(
        seat.bloc_id,
        seat.bloc_name,
        seat.school_year_id,
        seat.school_year,
        tuple(
            UnitProgress(
                u.unit_id,
                u.name,
                u.unit_id in registered,
                u.unit_id in signed,
                sheets[u.unit_id].value if u.unit_id in sheets else None,
                marks[u.unit_id],
            )
            for u in units
        ),
    )


async def remind_targets(
    db: Database, person_id: int, *, task: str, today: date
) -> list[tuple[int, str, str]]:
    """(person id, language, unit name) of every representative of a unit that has not done `task`."""
    if task not in ("register", "sign", "score"):
        raise Refused("error.stale_button")
    seen = await overview(db, person_id, today=today)
    targets: list[tuple[int, str, str]] = []
    async with db.session() as session:
        for unit in seen.missing(task):
            for rep_id, language in await unit_reps(session, unit.unit_id, seen.school_year_id):
                targets.append((rep_id, language, unit.unit_name))
    return targets


# A reminder as its reader sees it: (unit name, language) -> the screen (rendered by the handler).
ReminderScreen = Callable[[str, str], Screen]


async def remind(
    db: Database, person_id: int, *, task: str, today: date, now: datetime, screen: ReminderScreen
) -> int:
    """The head's «Nhắc» button: a reminder to every representative of a unit that has not done
    `task`, through the outbox. A second tap within the same minute reminds nobody twice.
    Returns how many reminders were queued."""
    targets = await remind_targets(db, person_id, task=task, today=today)
    queued = 0
    minute = now.strftime("%Y%m%d%H%M")
    async with db.transaction() as session:
        for rep_id, language, unit_name in targets:
            queued += await outbox.enqueue(
                session,
                person_id=rep_id,
                kind=f"remind.{task}",
                screen=screen(unit_name, language),
                dedupe_key=f"remind:{task}:{person_id}:{minute}:{rep_id}",
                now=now,
            )
    return queued
