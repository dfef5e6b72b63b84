"""Đăng ký thi đua: a unit's collective title, targets, people, new model and projects.

What a representative types is kept as a draft row (JSON) until they confirm, so a restart loses
nothing and an amendment leaves the confirmed registration untouched until it is confirmed in
turn. Confirming replaces the registration's lines in one transaction and records the change.

This module also holds what the other issue-4 services share: who is acting for which unit or
bloc (`unit_seat`, `bloc_seat`), the head's deadlines, the change history and `Refused`.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Screen
from bot.db import Database
from bot.i18n import t
from bot.services import handoffs, outbox, people, uploads
from bot.services.notices import Notice
from models.organisation import BlocMembership, Position, RoleKind, SchoolYear, Unit
from models.permissions import Capacity
from models.registration import (
    ChangeHistory,
    DeadlineExtension,
    Registration,
    RegistrationDraft,
    RegistrationIndividual,
    RegistrationProject,
    RegistrationTarget,
    Task,
    TaskDeadline,
)
from models.text import nfc, strip_diacritics

MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot may download from Telegram (getFile)
LIST_FILE_TYPES = (".xlsx", ".csv")
MAX_ITEMS = 200  # targets, people or projects in one registration: a guard, not a rule

# Collective titles (danh hiệu tập thể); the last two are the city's and need a new model.
COLLECTIVE_TITLES: tuple[str, ...] = (
    "Tập thể lao động tiên tiến",
    "Tập thể lao động xuất sắc",
    "Bằng khen",
    "Cờ thi đua",
)
NEEDS_NEW_MODEL = frozenset({"Bằng khen", "Cờ thi đua"})
INDIVIDUAL_TITLES: tuple[str, ...] = (
    "Lao động tiên tiến",
    "Chiến sĩ thi đua cơ sở",
    "Chiến sĩ thi đua cấp thành phố",
    "Bằng khen",
)
_TITLE_ALIASES = {
    "ldtt": "Lao động tiên tiến",
    "cstdcs": "Chiến sĩ thi đua cơ sở",
    "cstd co so": "Chiến sĩ thi đua cơ sở",
    "cstd cap thanh pho": "Chiến sĩ thi đua cấp thành phố",
    "cstdtp": "Chiến sĩ thi đua cấp thành phố",
}
PEOPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("ho va ten", "ho ten", "full name", "name"),
    "job": ("chuc vu", "chuc danh", "job", "position"),
    "title": ("danh hieu", "danh hieu dang ky", "danh hieu thi dua", "title"),
}
PEOPLE_HEADER = ("Họ và tên", "Chức vụ", "Danh hiệu đăng ký")


@dataclass(frozen=True)
class Bilingual(Notice):
    """A message that comes with both languages already written (the pure rules' messages)."""

    def render(self, lang: str | None) -> str:
        return html.escape(str(self.params["en" if lang == "en" else "vi"]), quote=False)


class Refused(Exception):
    """The request was refused for a reason the person can act on; nothing was changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.notice = Notice(key, params)


# ------------------------------------------------------------------ who is acting
@dataclass(frozen=True)
class UnitSeat:
    """A representative acting for one unit of one bloc in one school year."""

    person_id: int
    unit_id: int
    unit_name: str
    bloc_id: int
    bloc_name: str
    school_year_id: int
    school_year: str


@dataclass(frozen=True)
class BlocSeat:
    """A person acting for a bloc: the head's or deputy's representative, head's office, secretariat."""

    person_id: int
    bloc_id: int
    bloc_name: str
    school_year_id: int
    school_year: str
    capacities: frozenset[Capacity]


async def _year_id(session: AsyncSession, name: str) -> int:
    year = (await session.exec(select(SchoolYear).where(SchoolYear.name == name))).first()
    assert year is not None and year.id is not None
    return year.id


async def unit_seat(session: AsyncSession, person_id: int, today: date) -> UnitSeat:
    """The unit this person represents (the first, for the rare unit listed in two blocs)."""
    for role in await people.roles_of(session, person_id, today):
        if role.kind is RoleKind.REP and role.unit_id is not None:
            return UnitSeat(
                person_id=person_id,
                unit_id=role.unit_id,
                unit_name=role.unit_name or "",
                bloc_id=role.bloc_id,
                bloc_name=role.bloc_name,
                school_year_id=await _year_id(session, role.school_year),
                school_year=role.school_year,
            )
    raise Refused("reg.not_rep")


async def bloc_seat(
    session: AsyncSession, person_id: int, today: date, allowed: Iterable[Capacity]
) -> BlocSeat:
    """The first bloc in which the person holds one of the `allowed` capacities."""
    wanted = frozenset(allowed)
    held: dict[int, set[Capacity]] = {}
    views: dict[int, people.RoleView] = {}
    for role in await people.roles_of(session, person_id, today):
        hats = held.setdefault(role.bloc_id, set())
        views.setdefault(role.bloc_id, role)
        if role.kind is RoleKind.REP:
            if role.position is Position.HEAD:
                hats.add(Capacity.HEAD)
            elif role.position is Position.DEPUTY:
                hats.add(Capacity.DEPUTY)
        else:
            hats.add(Capacity(role.kind.value))
    for bloc_id, hats in held.items():
        if hats & wanted:
            view = views[bloc_id]
            return BlocSeat(
                person_id=person_id,
                bloc_id=bloc_id,
                bloc_name=view.bloc_name,
                school_year_id=await _year_id(session, view.school_year),
                school_year=view.school_year,
                capacities=frozenset(hats),
            )
    raise Refused("error.not_allowed")


HEAD_SIDE = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE})
REVIEWERS = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT})


@dataclass(frozen=True)
class UnitRef:
    unit_id: int
    name: str
    position: str


async def bloc_units(session: AsyncSession, bloc_id: int, school_year_id: int) -> list[UnitRef]:
    rows = await session.exec(
        select(BlocMembership, Unit)
        .join(Unit, col(Unit.id) == BlocMembership.unit_id)
        .where(BlocMembership.bloc_id == bloc_id, BlocMembership.school_year_id == school_year_id)
        .order_by(col(BlocMembership.id))
    )
    return [UnitRef(unit.id, unit.name, membership.position) for membership, unit in rows if unit.id]


async def unit_reps(session: AsyncSession, unit_id: int, school_year_id: int) -> list[tuple[int, str]]:
    """(person id, language) of a unit's current representatives, on whichever app each uses:
    the people its notices and reminders are for (sent through the outbox)."""
    from models.organisation import Person, PersonRole

    rows = await session.exec(
        select(Person.id, Person.language)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .where(
            PersonRole.unit_id == unit_id,
            PersonRole.kind == RoleKind.REP,
            PersonRole.school_year_id == school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    return sorted({(int(person_id), language) for person_id, language in rows if person_id is not None})


# ------------------------------------------------------------------ history and deadlines
def record(
    session: AsyncSession,
    *,
    at: datetime,
    person_id: int | None,
    bloc_id: int,
    school_year_id: int,
    entity: str,
    entity_id: int | None,
    unit_id: int | None = None,
    field: str = "",
    old: object = None,
    new: object = None,
    reason: str | None = None,
) -> None:
    """Add a history row inside the caller's transaction, so the change and its record commit together."""

    def text(value: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str)

    session.add(
        ChangeHistory(
            at=at,
            person_id=person_id,
            bloc_id=bloc_id,
            school_year_id=school_year_id,
            unit_id=unit_id,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=text(old),
            new_value=text(new),
            reason=reason,
        )
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    person_id: int | None
    entity: str
    entity_id: int | None
    unit_id: int | None
    field: str
    old: str | None
    new: str | None
    reason: str | None


async def history(
    db: Database, *, bloc_id: int, school_year_id: int, entity: str | None = None
) -> list[HistoryEntry]:
    async with db.session() as session:
        query = select(ChangeHistory).where(
            ChangeHistory.bloc_id == bloc_id, ChangeHistory.school_year_id == school_year_id
        )
        if entity is not None:
            query = query.where(ChangeHistory.entity == entity)
        rows = await session.exec(query.order_by(col(ChangeHistory.id)))
        return [
            HistoryEntry(
                r.at,
                r.person_id,
                r.entity,
                r.entity_id,
                r.unit_id,
                r.field,
                r.old_value,
                r.new_value,
                r.reason,
            )
            for r in rows
        ]


async def deadline_of(
    session: AsyncSession, bloc_id: int, school_year_id: int, task: Task
) -> TaskDeadline | None:
    return (
        await session.exec(
            select(TaskDeadline).where(
                TaskDeadline.bloc_id == bloc_id,
                TaskDeadline.school_year_id == school_year_id,
                TaskDeadline.task == task,
            )
        )
    ).first()


async def extension_of(
    session: AsyncSession, bloc_id: int, school_year_id: int, task: Task, unit_id: int
) -> DeadlineExtension | None:
    return (
        await session.exec(
            select(DeadlineExtension).where(
                DeadlineExtension.bloc_id == bloc_id,
                DeadlineExtension.school_year_id == school_year_id,
                DeadlineExtension.task == task,
                DeadlineExtension.unit_id == unit_id,
            )
        )
    ).first()


async def window_of(
    session: AsyncSession, bloc_id: int, school_year_id: int, task: Task, *, unit_id: int
) -> datetime | None:
    """The latest moment `task` is open for this unit (deadline, reopening, extension); None
    without a deadline."""
    deadline = await deadline_of(session, bloc_id, school_year_id, task)
    if deadline is None:
        return None
    extension = await extension_of(session, bloc_id, school_year_id, task, unit_id)
    return max(
        w for w in (deadline.due_at, deadline.reopened_until, extension.until if extension else None) if w
    )


async def check_deadline(
    session: AsyncSession, bloc_id: int, school_year_id: int, task: Task, now: datetime, *, unit_id: int
) -> None:
    """Refuse after the head's deadline, unless the head has reopened the task for the whole bloc,
    or extended it for this unit, until later."""
    deadline = await deadline_of(session, bloc_id, school_year_id, task)
    if deadline is None or now <= deadline.due_at:
        return
    extension = await extension_of(session, bloc_id, school_year_id, task, unit_id)
    windows = [w for w in (deadline.reopened_until, extension.until if extension else None) if w is not None]
    if any(now <= until for until in windows):
        return
    # The latest date that applied to this unit; a reopening or an extension shorter than what
    # was left of the deadline does not bring the deadline forward.
    raise Refused("reg.deadline_passed", deadline=max([deadline.due_at, *windows]))


# A deadline's notice to a representative: (language, the date it replaces or None) → screen.
DeadlineNotice = Callable[[str, datetime | None], Screen]


async def set_deadline(
    db: Database,
    person_id: int,
    *,
    task: Task,
    due_at: datetime,
    today: date,
    now: datetime,
    notice: DeadlineNotice | None = None,
    allow_past: bool = False,
) -> BlocSeat:
    """Set or move a task's deadline; with `notice`, every unit's representatives are told in the
    same transaction (once per date: setting the same date again tells nobody twice)."""
    if due_at < now and not allow_past:
        # A date already gone closes the task at once: only on purpose, said again with "xacnhan".
        raise Refused("deadline.past", at=due_at)
    async with db.transaction() as session:
        seat = await bloc_seat(session, person_id, today, HEAD_SIDE)
        deadline = await deadline_of(session, seat.bloc_id, seat.school_year_id, task)
        before = deadline.due_at if deadline else None
        old = before.isoformat() if before else None
        if deadline is None:
            deadline = TaskDeadline(
                bloc_id=seat.bloc_id, school_year_id=seat.school_year_id, task=task, due_at=due_at
            )
        deadline.due_at, deadline.reopened_until, deadline.set_by_person_id = due_at, None, person_id
        session.add(deadline)
        await session.flush()
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            entity="deadline",
            entity_id=deadline.id,
            field=task.value,
            old=old,
            new=due_at.isoformat(),
        )
        if notice is not None and before != due_at:
            await handoffs.tell(
                session,
                await handoffs.all_reps(session, seat.bloc_id, seat.school_year_id),
                bloc_id=seat.bloc_id,
                event=f"deadline:{task.value}:{due_at.isoformat()}",
                render=lambda lang: notice(lang, before),
                now=now,
                skip=person_id,
            )
        return seat


async def reopen(
    db: Database,
    person_id: int,
    *,
    task: Task,
    days: int,
    today: date,
    now: datetime,
    notice: Callable[[str, datetime], Screen] | None = None,
) -> datetime:
    """The head reopens a task for `days` days from now; the original deadline stays on record.
    With `notice`, the units that have not done the task are told (the others have nothing to do)."""
    if not 1 <= days <= 90:
        raise Refused("reg.bad_days")
    async with db.transaction() as session:
        seat = await bloc_seat(session, person_id, today, HEAD_SIDE)
        deadline = await deadline_of(session, seat.bloc_id, seat.school_year_id, task)
        if deadline is None:
            raise Refused("reg.no_deadline")
        until = now + timedelta(days=days)
        old = deadline.reopened_until.isoformat() if deadline.reopened_until else None
        deadline.reopened_until = until
        session.add(deadline)
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            entity="deadline",
            entity_id=deadline.id,
            field=f"{task.value}.reopened",
            old=old,
            new=until.isoformat(),
        )
        if notice is not None:
            done = await units_done(session, seat.bloc_id, seat.school_year_id, task)
            by_unit = await handoffs.reps_by_unit(session, seat.bloc_id, seat.school_year_id)
            concerned = [rep for unit, reps in by_unit.items() if unit not in done for rep in reps]
            await handoffs.tell(
                session,
                concerned,
                bloc_id=seat.bloc_id,
                event=f"reopened:{task.value}:{until.isoformat()}",
                render=lambda lang: notice(lang, until),
                now=now,
                skip=person_id,
            )
        return until


async def units_done(session: AsyncSession, bloc_id: int, school_year_id: int, task: Task) -> set[int]:
    """The units that have done `task` (registered, signed the current pact, sent their sheet)."""
    if task is Task.REGISTER:
        return await registered_units(session, bloc_id, school_year_id)
    if task is Task.SIGN_PACT:
        from bot.services.pact import signed_units

        return await signed_units(session, bloc_id, school_year_id)
    from models.registration import ScoreSheet, SheetStatus

    rows = await session.exec(
        select(ScoreSheet.unit_id).where(
            ScoreSheet.bloc_id == bloc_id,
            ScoreSheet.school_year_id == school_year_id,
            ScoreSheet.status != SheetStatus.DRAFT,
        )
    )
    return set(rows)


@dataclass(frozen=True)
class Extension:
    """A deadline extended for one unit, and who is to be told about it."""

    task: Task
    unit_id: int
    unit_number: int
    unit_name: str
    until: datetime
    previous: datetime | None
    reps: tuple[int, ...]  # person ids of the unit's representatives, told through the outbox

    @property
    def dedupe_prefix(self) -> str:
        """The outbox key of this grant's notices (one per representative)."""
        return f"deadline.extended:{self.task.value}:{self.unit_id}:{self.until.isoformat()}:"


# What a representative is told of an extension, in their language (rendered by the handler).
ExtensionNotice = Callable[[Extension, str], Screen]


async def unit_by_number(session: AsyncSession, bloc_id: int, school_year_id: int, number: int) -> UnitRef:
    """The bloc's unit numbered `number` (from 1) in the order /xetthidua lists them."""
    units = await bloc_units(session, bloc_id, school_year_id)
    if not 1 <= number <= len(units):
        raise Refused("deadline.unknown_unit", number=number, count=len(units))
    return units[number - 1]


async def extend_for_unit(
    db: Database,
    person_id: int,
    *,
    task: Task,
    unit_number: int,
    days: int,
    today: date,
    now: datetime,
    reason: str = "",
    notice: ExtensionNotice | None = None,
) -> Extension:
    """The head gives one unit `days` more days from now, without reopening the task for the bloc.

    Granting again replaces the unit's date (longer or shorter); every grant is in the history.
    With `notice`, each of the unit's representatives is told through the outbox, in the same
    transaction: told only of a grant that was saved."""
    if not 1 <= days <= 90:
        raise Refused("reg.bad_days")
    reason = nfc(reason)[:1000]
    async with db.transaction() as session:
        seat = await bloc_seat(session, person_id, today, HEAD_SIDE)
        unit = await unit_by_number(session, seat.bloc_id, seat.school_year_id, unit_number)
        deadline = await deadline_of(session, seat.bloc_id, seat.school_year_id, task)
        if deadline is None:
            raise Refused("reg.no_deadline")
        until = now + timedelta(days=days)
        row = await extension_of(session, seat.bloc_id, seat.school_year_id, task, unit.unit_id)
        previous = row.until if row else None
        if row is None:
            row = DeadlineExtension(
                bloc_id=seat.bloc_id,
                school_year_id=seat.school_year_id,
                task=task,
                unit_id=unit.unit_id,
                until=until,
                set_by_person_id=person_id,
                set_at=now,
            )
        row.until, row.set_by_person_id, row.set_at = until, person_id, now
        session.add(row)
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            unit_id=unit.unit_id,
            entity="deadline",
            entity_id=deadline.id,
            field=f"{task.value}.extended",
            old=previous.isoformat() if previous else None,
            new=until.isoformat(),
            reason=reason or None,
        )
        reps = await unit_reps(session, unit.unit_id, seat.school_year_id)
        granted = Extension(
            task, unit.unit_id, unit_number, unit.name, until, previous, tuple(p for p, _ in reps)
        )
        if notice is not None:
            for rep_id, language in reps:
                await outbox.enqueue(
                    session,
                    person_id=rep_id,
                    kind="deadline.extended",
                    screen=notice(granted, language),
                    dedupe_key=f"{granted.dedupe_prefix}{rep_id}",
                    now=now,
                )
        return granted


@dataclass(frozen=True)
class UnitExtension:
    number: int | None  # as /xetthidua lists the units; None for a unit no longer in the bloc
    unit_id: int
    unit_name: str
    until: datetime


@dataclass(frozen=True)
class DeadlineView:
    task: Task
    due_at: datetime
    reopened_until: datetime | None
    extensions: tuple[UnitExtension, ...]


async def deadlines(db: Database, *, bloc_id: int, school_year_id: int) -> list[DeadlineView]:
    """The bloc's deadlines with their reopening and per-unit extensions, in the year's order."""
    async with db.session() as session:
        rows = {
            d.task: d
            for d in await session.exec(
                select(TaskDeadline).where(
                    TaskDeadline.bloc_id == bloc_id, TaskDeadline.school_year_id == school_year_id
                )
            )
        }
        extended = list(
            await session.exec(
                select(DeadlineExtension, Unit)
                .join(Unit, col(Unit.id) == DeadlineExtension.unit_id)
                .where(
                    DeadlineExtension.bloc_id == bloc_id, DeadlineExtension.school_year_id == school_year_id
                )
            )
        )
        numbers = {u.unit_id: n for n, u in enumerate(await bloc_units(session, bloc_id, school_year_id), 1)}
    result = []
    for task in Task:
        deadline = rows.get(task.value)
        if deadline is None:
            continue
        extensions = sorted(
            (
                UnitExtension(numbers.get(e.unit_id), e.unit_id, unit.name, e.until)
                for e, unit in extended
                if e.task == task.value
            ),
            key=lambda x: (x.number is None, x.number or 0, x.unit_name),
        )
        result.append(DeadlineView(task, deadline.due_at, deadline.reopened_until, tuple(extensions)))
    return result


# ------------------------------------------------------------------ the draft
@dataclass
class Person:
    full_name: str
    job: str
    title: str


@dataclass
class Draft:
    title: str | None = None
    targets: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    new_model: str | None = None
    projects: list[tuple[str, str]] = field(default_factory=list)  # (project | topic, title)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        raw = json.loads(text or "{}")
        return cls(
            title=raw.get("title"),
            targets=list(raw.get("targets", [])),
            people=[Person(**p) for p in raw.get("people", [])],
            new_model=raw.get("new_model"),
            projects=[(k, t) for k, t in raw.get("projects", [])],
        )

    @property
    def needs_model(self) -> bool:
        return self.title in NEEDS_NEW_MODEL


@dataclass(frozen=True)
class RegistrationView:
    unit_id: int
    unit_name: str
    draft: Draft
    version: int
    submitted_at: datetime | None


async def _draft_row(session: AsyncSession, seat: UnitSeat) -> RegistrationDraft | None:
    return (
        await session.exec(
            select(RegistrationDraft).where(
                RegistrationDraft.bloc_id == seat.bloc_id,
                RegistrationDraft.school_year_id == seat.school_year_id,
                RegistrationDraft.unit_id == seat.unit_id,
            )
        )
    ).first()


async def _registration(
    session: AsyncSession, bloc_id: int, year_id: int, unit_id: int
) -> Registration | None:
    return (
        await session.exec(
            select(Registration).where(
                Registration.bloc_id == bloc_id,
                Registration.school_year_id == year_id,
                Registration.unit_id == unit_id,
            )
        )
    ).first()


async def _as_draft(session: AsyncSession, registration: Registration) -> Draft:
    targets = await session.exec(
        select(RegistrationTarget)
        .where(RegistrationTarget.registration_id == registration.id)
        .order_by(col(RegistrationTarget.position))
    )
    individuals = await session.exec(
        select(RegistrationIndividual)
        .where(RegistrationIndividual.registration_id == registration.id)
        .order_by(col(RegistrationIndividual.position))
    )
    projects = await session.exec(
        select(RegistrationProject)
        .where(RegistrationProject.registration_id == registration.id)
        .order_by(col(RegistrationProject.position))
    )
    return Draft(
        title=registration.collective_title,
        targets=[t.text for t in targets],
        people=[Person(i.full_name, i.job, i.title) for i in individuals],
        new_model=registration.new_model,
        projects=[(p.kind, p.title) for p in projects],
    )


async def current(
    db: Database, *, bloc_id: int, school_year_id: int, unit_id: int
) -> RegistrationView | None:
    async with db.session() as session:
        registration = await _registration(session, bloc_id, school_year_id, unit_id)
        if registration is None:
            return None
        unit = await session.get(Unit, unit_id)
        return RegistrationView(
            unit_id,
            unit.name if unit else "",
            await _as_draft(session, registration),
            registration.version,
            registration.submitted_at,
        )


@dataclass(frozen=True)
class Started:
    seat: UnitSeat
    draft: Draft
    amending: bool
    version: int
    open_until: datetime | None = None  # the deadline that applies to this unit, shown at the start
    resumed: bool = False  # a draft typed before, kept: go on with it or start again


def next_step(draft: Draft) -> str:
    """Where a kept draft goes on: the first step still missing something, else the last."""
    if draft.title is None:
        return "title"
    if not draft.targets:
        return "targets"
    if not draft.people:
        return "people"
    if draft.needs_model and not draft.new_model:
        return "model"
    return "projects"


async def start(db: Database, person_id: int, *, today: date, now: datetime, keep: bool = False) -> Started:
    """Open a fresh draft: empty, or a copy of the confirmed registration for an amendment.

    With `keep`, a draft already being typed is kept as it is (`Started.resumed`): what was
    typed before /dangky was typed again is not lost; the person chooses to go on or start again."""
    async with db.transaction() as session:
        seat = await unit_seat(session, person_id, today)
        await check_deadline(
            session, seat.bloc_id, seat.school_year_id, Task.REGISTER, now, unit_id=seat.unit_id
        )
        registration = await _registration(session, seat.bloc_id, seat.school_year_id, seat.unit_id)
        draft = await _as_draft(session, registration) if registration else Draft()
        row = await _draft_row(session, seat)
        if keep and row is not None and Draft.from_json(row.payload) != draft:
            until = await window_of(
                session, seat.bloc_id, seat.school_year_id, Task.REGISTER, unit_id=seat.unit_id
            )
            return Started(
                seat,
                Draft.from_json(row.payload),
                registration is not None,
                registration.version if registration else 0,
                until,
                resumed=True,
            )
        row = row or RegistrationDraft(
            bloc_id=seat.bloc_id, school_year_id=seat.school_year_id, unit_id=seat.unit_id
        )
        row.payload, row.updated_at = draft.to_json(), now
        session.add(row)
        until = await window_of(
            session, seat.bloc_id, seat.school_year_id, Task.REGISTER, unit_id=seat.unit_id
        )
        return Started(
            seat, draft, registration is not None, registration.version if registration else 0, until
        )


async def edit(
    db: Database, person_id: int, *, today: date, now: datetime, change: Callable[[Draft], None]
) -> Draft:
    """Apply `change` to the person's draft and save it; `change` may raise Refused (then nothing is saved)."""
    async with db.transaction() as session:
        seat = await unit_seat(session, person_id, today)
        row = await _draft_row(session, seat)
        if row is None:
            raise Refused("reg.no_draft")
        draft = Draft.from_json(row.payload)
        change(draft)
        row.payload, row.updated_at = draft.to_json(), now
        session.add(row)
        return draft


async def draft_of(db: Database, person_id: int, *, today: date) -> Draft:
    async with db.session() as session:
        seat = await unit_seat(session, person_id, today)
        row = await _draft_row(session, seat)
        if row is None:
            raise Refused("reg.no_draft")
        return Draft.from_json(row.payload)


# ------------------------------------------------------------------ checks of what is typed
def set_title(index: int) -> Callable[[Draft], None]:
    if not 0 <= index < len(COLLECTIVE_TITLES):
        raise Refused("reg.bad_title")

    def change(draft: Draft) -> None:
        draft.title = COLLECTIVE_TITLES[index]
        if not draft.needs_model:
            draft.new_model = None

    return change


def add_target(text: str) -> Callable[[Draft], None]:
    target = nfc(text)
    if not 3 <= len(target) <= 1000 or target.startswith("/"):
        raise Refused("reg.bad_target")

    def change(draft: Draft) -> None:
        if len(draft.targets) >= MAX_ITEMS:
            raise Refused("reg.too_many")
        draft.targets.append(target)

    return change


def clear(part: str) -> Callable[[Draft], None]:
    def change(draft: Draft) -> None:
        if part == "targets":
            draft.targets.clear()
        elif part == "people":
            draft.people.clear()
        elif part == "projects":
            draft.projects.clear()
        else:
            raise Refused("reg.bad_title")

    return change


def add_people(rows: list[Person]) -> Callable[[Draft], None]:
    def change(draft: Draft) -> None:
        if len(draft.people) + len(rows) > MAX_ITEMS:
            raise Refused("reg.too_many")
        known = {nfc(p.full_name).casefold() for p in draft.people}
        for row in rows:
            if row.full_name.casefold() in known:
                # Uploading the list again replaces a person's line instead of doubling it.
                draft.people = [p for p in draft.people if p.full_name.casefold() != row.full_name.casefold()]
            draft.people.append(row)

    return change


def drop_person(number: int) -> Callable[[Draft], None]:
    """Remove the person numbered `number` (from 1, as the list shows them) and only them."""

    def change(draft: Draft) -> None:
        if not 1 <= number <= len(draft.people):
            raise Refused("reg.people.no_number", number=number, count=len(draft.people))
        del draft.people[number - 1]

    return change


def replace_person(number: int, row: Person) -> Callable[[Draft], None]:
    """Put `row` in place of the person numbered `number`; the others stay as they are."""

    def change(draft: Draft) -> None:
        if not 1 <= number <= len(draft.people):
            raise Refused("reg.people.no_number", number=number, count=len(draft.people))
        draft.people[number - 1] = row

    return change


def set_model(text: str) -> Callable[[Draft], None]:
    model = nfc(text)
    if not 3 <= len(model) <= 2000 or model.startswith("/"):
        raise Refused("reg.bad_model")

    def change(draft: Draft) -> None:
        draft.new_model = model

    return change


def add_project(text: str) -> Callable[[Draft], None]:
    entry = nfc(text)
    folded = strip_diacritics(entry).casefold()
    kind = "project"
    for prefix, named in (
        ("chuyen de", "topic"),
        ("cong trinh", "project"),
        ("topic", "topic"),
        ("project", "project"),
    ):
        if folded.startswith(prefix):
            kind, entry = named, entry[len(prefix) :].lstrip(" :.-–")
            break
    if not 3 <= len(entry) <= 1000 or entry.startswith("/"):
        raise Refused("reg.bad_project")

    def change(draft: Draft) -> None:
        if len(draft.projects) >= MAX_ITEMS:
            raise Refused("reg.too_many")
        draft.projects.append((kind, entry))

    return change


def individual_title(text: str) -> str | None:
    folded = strip_diacritics(nfc(text)).casefold().strip(" .")
    for title in INDIVIDUAL_TITLES:
        if strip_diacritics(title).casefold() == folded:
            return title
    return _TITLE_ALIASES.get(folded.replace(".", "").replace("đ", "d"))


def _person_row(line: int, name: str, job: str, title: str, problems: list[Notice]) -> Person | None:
    clean_name = people.clean_full_name(name)
    if clean_name is None:
        problems.append(Notice("reg.people.bad_name", {"line": line, "value": name}))
        return None
    found = individual_title(title)
    if found is None:
        problems.append(
            Notice(
                "reg.people.bad_title", {"line": line, "value": title, "titles": ", ".join(INDIVIDUAL_TITLES)}
            )
        )
        return None
    return Person(clean_name, nfc(job)[:255], found)


def people_from_text(text: str) -> tuple[list[Person], list[Notice]]:
    """Lines 'Họ và tên; Chức vụ; Danh hiệu' (or without the job); every bad line is named.

    Rows copied from a spreadsheet (cells split by tabs, the template's header first) are read
    too: on Zalo, which takes no documents, pasting is how a list comes in."""
    rows: list[Person] = []
    problems: list[Notice] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = nfc(raw.replace("\t", ";"))  # tabs before nfc, which makes them spaces
        if not line:
            continue
        cells = [cell.strip() for cell in line.replace("|", ";").split(";")]
        if _is_people_header(cells):
            continue
        if len(cells) == 2:
            cells = [cells[0], "", cells[1]]
        if len(cells) != 3:
            problems.append(Notice("reg.people.bad_line", {"line": number, "value": line}))
            continue
        name, job, title = cells
        row = _person_row(number, name, job, title, problems)
        if row:
            rows.append(row)
    if not rows and not problems:
        problems.append(Notice("reg.people.empty"))
    return rows, problems


def _is_people_header(cells: list[str]) -> bool:
    folded = [strip_diacritics(cell).casefold().strip(" :*") for cell in cells]
    return bool(folded) and folded[0] in PEOPLE_COLUMNS["name"]


def check_list_file(file_name: str, size: int | None) -> Notice | None:
    """Before downloading: the type by its name and the size Telegram reports."""
    if Path(file_name or "").suffix.lower() not in LIST_FILE_TYPES:
        return Notice("reg.file.bad_type", {"file": file_name or "?"})
    if size is not None and size > MAX_FILE_BYTES:
        return Notice(
            "reg.file.too_big", {"file": file_name, "size": f"{size / 1024 / 1024:.1f}".replace(".", ",")}
        )
    return None


def read_table(data: bytes, file_name: str) -> tuple[list[list[str]], Notice | None]:
    """Rows of an XLSX (first sheet) or a UTF-8 CSV as text cells."""
    problem = check_list_file(file_name, len(data))
    if problem:
        return [], problem
    try:
        if file_name.lower().endswith(".csv"):
            try:
                text = uploads.csv_text(data)
            except UnicodeDecodeError:
                return [], Notice("roster.bad_encoding")
            return [[nfc(c) for c in row] for row in uploads.csv_rows(text)], None
        cells = uploads.xlsx_rows(data)
    except uploads.TableTooBig as too_big:
        return [], too_big.notice(file_name)
    except uploads.UnreadableTable as unreadable:
        return [], Notice("reg.file.unreadable", {"file": file_name, "detail": str(unreadable)})
    rows = [
        [
            "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else nfc(str(v)))
            for v in row
        ]
        for row in cells
    ]
    return rows, None


async def people_off_loop(data: bytes, file_name: str) -> tuple[list[Person], list[Notice]]:
    """`people_from_file` in a worker thread: reading a sheet is CPU work the event loop must not wait on."""
    return await asyncio.to_thread(people_from_file, data, file_name)


def people_from_file(data: bytes, file_name: str) -> tuple[list[Person], list[Notice]]:
    table, problem = read_table(data, file_name)
    if problem:
        return [], [problem]
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        return [], [Notice("reg.people.empty")]
    header = [strip_diacritics(cell).casefold().strip(" :*") for cell in table[0]]
    columns = {
        name: next((i for i, h in enumerate(header) if h in aliases), None)
        for name, aliases in PEOPLE_COLUMNS.items()
    }
    missing = [
        label
        for key, label in zip(("name", "job", "title"), PEOPLE_HEADER, strict=True)
        if key != "job" and columns[key] is None
    ]
    if missing:
        return [], [
            Notice("reg.file.missing_column", {"column": m, "found": ", ".join(table[0])}) for m in missing
        ]

    def cell(row: list[str], key: str) -> str:
        index = columns[key]
        return row[index].strip() if index is not None and index < len(row) else ""

    rows: list[Person] = []
    problems: list[Notice] = []
    for offset, row in enumerate(table[1:]):
        person = _person_row(offset + 2, cell(row, "name"), cell(row, "job"), cell(row, "title"), problems)
        if person:
            rows.append(person)
    if not rows and not problems:
        problems.append(Notice("reg.people.empty"))
    return rows, problems


def people_template() -> bytes:
    from openpyxl import Workbook  # on first use: start-up stays light

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append(list(PEOPLE_HEADER))
    sheet.append(["Nguyễn Văn An", "Giáo viên", "Lao động tiên tiến"])
    sheet.append(["Trần Thị Bình", "Tổ trưởng", "Chiến sĩ thi đua cơ sở"])
    for letter, width in (("A", 30), ("B", 20), ("C", 30)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ confirming
def problems_of(draft: Draft) -> list[Notice]:
    found = []
    if draft.title is None:
        found.append(Notice("reg.missing.title"))
    if not draft.targets:
        found.append(Notice("reg.missing.targets"))
    if not draft.people:
        found.append(Notice("reg.missing.people"))
    if draft.needs_model and not draft.new_model:
        found.append(Notice("reg.missing.model", {"title": draft.title or ""}))
    return found


async def submit(db: Database, person_id: int, *, today: date, now: datetime) -> RegistrationView:
    """Confirm the draft as the unit's registration (first time or amendment), with history."""
    async with db.transaction() as session:
        seat = await unit_seat(session, person_id, today)
        await check_deadline(
            session, seat.bloc_id, seat.school_year_id, Task.REGISTER, now, unit_id=seat.unit_id
        )
        row = await _draft_row(session, seat)
        if row is None:
            raise Refused("reg.no_draft")
        draft = Draft.from_json(row.payload)
        problems = problems_of(draft)
        if problems:
            raise Refused("reg.incomplete", count=len(problems))
        assert draft.title is not None
        registration = await _registration(session, seat.bloc_id, seat.school_year_id, seat.unit_id)
        before = await _as_draft(session, registration) if registration else None
        if registration is None:
            registration = Registration(
                bloc_id=seat.bloc_id,
                school_year_id=seat.school_year_id,
                unit_id=seat.unit_id,
                collective_title=draft.title,
                submitted_at=now,
                submitted_by_person_id=person_id,
            )
        else:
            registration.version += 1
            for table in (RegistrationTarget, RegistrationIndividual, RegistrationProject):
                await session.exec(delete(table).where(col(table.registration_id) == registration.id))
        registration.collective_title, registration.new_model = draft.title, draft.new_model
        registration.submitted_at, registration.submitted_by_person_id = now, person_id
        session.add(registration)
        await session.flush()
        assert registration.id is not None
        for position, text in enumerate(draft.targets):
            session.add(RegistrationTarget(registration_id=registration.id, position=position, text=text))
        for position, person in enumerate(draft.people):
            session.add(
                RegistrationIndividual(
                    registration_id=registration.id,
                    position=position,
                    full_name=person.full_name,
                    job=person.job,
                    title=person.title,
                )
            )
        for position, (kind, title) in enumerate(draft.projects):
            session.add(
                RegistrationProject(
                    registration_id=registration.id, position=position, kind=kind, title=title
                )
            )
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            unit_id=seat.unit_id,
            entity="registration",
            entity_id=registration.id,
            field=f"v{registration.version}",
            old=asdict(before) if before else None,
            new=asdict(draft),
        )
        await session.delete(row)
        key = "handoff.amended" if before else "handoff.registered"
        version = registration.version
        await handoffs.tell(
            session,
            await handoffs.bloc_people(session, seat.bloc_id, seat.school_year_id, HEAD_SIDE),
            bloc_id=seat.bloc_id,
            event=f"registered:{seat.unit_id}:v{version}",
            render=lambda lang: handoffs.screen(
                t(lang, key, unit=seat.unit_name, version=version, title=draft.title or ""),
                t(lang, "handoff.btn.status"),
                "st:view",
            ),
            now=now,
            skip=person_id,
        )
        return RegistrationView(seat.unit_id, seat.unit_name, draft, registration.version, now)


async def registered_units(session: AsyncSession, bloc_id: int, school_year_id: int) -> set[int]:
    rows = await session.exec(
        select(Registration.unit_id).where(
            Registration.bloc_id == bloc_id, Registration.school_year_id == school_year_id
        )
    )
    return set(rows)
