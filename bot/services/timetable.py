"""The year's timetable: read it (text, CSV, XLSX), show it, save it, and plan its pings.

Reading is models.timetable's job (read as written or refuse with the reason); this module adds
the school year, the scope (the department's timetable for every bloc, or one bloc's own), a
draft that waits for the importer's confirmation, and the `reminder` rows a saved timetable
creates. A table with any unreadable row saves nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.services import people, uploads
from bot.services.notices import Notice
from bot.services.progress import Task
from bot.services.roster import get_or_create_year
from models.organisation import Bloc, BlocMembership, Person, SchoolYear
from models.reminders import (
    Milestone,
    MilestoneMute,
    Reminder,
    ReminderKind,
    ReminderSchedule,
    ReminderSend,
    ReminderStatus,
    SendStatus,
    TimetableDraft,
)
from models.school_year import school_year_bounds, school_year_of
from models.text import strip_diacritics
from models.timetable import (
    Audience,
    DueKind,
    DueWindow,
    TimetableParse,
    next_allowed,
    parse_rows,
    parse_table_text,
    ping_times,
)

MAX_FILE_BYTES = 2 * 1024 * 1024
DRAFT_TTL = timedelta(days=1)
UNITS, HEADS = "units", "heads"

# Words in a milestone's title that name a task the bot can start (compared without diacritics).
_TASK_WORDS: list[tuple[re.Pattern[str], Task]] = [
    (re.compile(r"\bky ket giao uoc|\bky giao uoc"), Task.SIGN_PACT),
    (re.compile(r"\bdang ky thi dua"), Task.REGISTER),
    (re.compile(r"\btu cham diem|\bcham diem"), Task.SELF_SCORE),
]


def infer_task(title: str) -> Task | None:
    """The task a milestone asks for, when the bot can start it (its ping then carries a button)."""
    folded = strip_diacritics(title).casefold()
    for pattern, task in _TASK_WORDS:
        if pattern.search(folded):
            return task
    return None


# --------------------------------------------------------------------------- reading


def read_table(data: bytes, filename: str) -> list[list[object]] | Notice:
    """The cells of a CSV (UTF-8) or the first sheet of an XLSX; a Notice says why not."""
    suffix = Path(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        return Notice("timetable.bad_file", {"file": filename, "detail": "> 2 MB"})
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Notice("timetable.bad_encoding")
        if suffix == ".txt":
            return [[text]]  # pasted text saved as a file: parsed as text by the caller
        try:
            return [list(row) for row in uploads.csv_rows(text)]
        except uploads.TableTooBig as too_big:
            return too_big.notice(filename)
        except uploads.UnreadableTable as unreadable:
            return Notice("timetable.bad_file", {"file": filename, "detail": str(unreadable)})
    if suffix == ".xlsx":
        try:
            return uploads.xlsx_rows(data)
        except uploads.TableTooBig as too_big:
            return too_big.notice(filename)
        except uploads.UnreadableTable as unreadable:
            return Notice("timetable.bad_file", {"file": filename, "detail": str(unreadable)})
    return Notice("timetable.bad_type", {"file": filename})


async def read_table_off_loop(data: bytes, filename: str) -> list[list[object]] | Notice:
    """`read_table` in a worker thread, so a big sheet does not hold up everybody else's taps."""
    return await asyncio.to_thread(read_table, data, filename)


def text_to_cells(text: str) -> list[list[object]]:
    """Pasted text travels as one cell per line, so a draft stores text and files alike."""
    return [[line] for line in text.splitlines()]


def _parse(cells: Sequence[Sequence[object]], hint: tuple[int, int]) -> TimetableParse:
    if all(len(row) <= 1 for row in cells):  # pasted text: one line per row
        return parse_table_text("\n".join(str(row[0]) if row else "" for row in cells), hint)
    return parse_rows(cells, hint)


@dataclass(frozen=True)
class PreviewRow:
    number: int
    title: str
    due_on: date
    starts_on: date | None
    due_text: str
    kind: str
    responsible: str
    audiences: tuple[str, ...]
    blocs: tuple[int, ...]
    task: str | None


@dataclass(frozen=True)
class RefusedRow:
    row: int
    text: str
    reason_vi: str
    reason_en: str

    def reason(self, lang: str | None) -> str:
        return self.reason_en if lang == "en" else self.reason_vi


@dataclass
class Preview:
    """What the importer is shown before anything is saved."""

    school_year: str
    scope: str  # a bloc's name, or "" for every bloc
    rows: list[PreviewRow] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    problem: Notice | None = None  # a problem with the whole table (file type, school year)
    draft_id: int | None = None
    skipped_preamble: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.refused and bool(self.rows)


def _year_hint(name: str) -> tuple[int, int]:
    _, starts_on, _ = school_year_bounds(name)
    return starts_on.year, starts_on.year + 1


def check(cells: Sequence[Sequence[object]], *, school_year: str | None, today: date) -> Preview:
    """Parse and check a table for one school year: pure, nothing is written.

    Without an explicit year, the year is the one all the table's dates fall in (a table of
    2023-2024 read in 2026 stays 2023-2024); dates spread over two years are refused.
    """
    year = school_year_bounds(school_year)[0] if school_year else school_year_of(today)
    parsed = _parse(cells, _year_hint(year))
    preview = Preview(school_year=year, scope="", skipped_preamble=parsed.skipped_preamble)
    preview.refused = [RefusedRow(e.row, e.text, e.reason_vi, e.reason_en) for e in parsed.errors]
    if not parsed.milestones and not parsed.errors:
        preview.problem = Notice("timetable.empty")
        return preview
    years = {school_year_of(m.due.due_on) for m in parsed.milestones}
    if school_year is None and len(years) == 1:
        preview.school_year = year = years.pop()
    _, starts_on, ends_on = school_year_bounds(year)
    for m in parsed.milestones:
        if not starts_on <= m.due.due_on <= ends_on:
            preview.refused.append(
                RefusedRow(
                    m.source_row,
                    m.due.source,
                    f"Hạn {m.due.due_on:%d/%m/%Y} nằm ngoài năm học {year}.",
                    f"The due date {m.due.due_on:%d/%m/%Y} is outside school year {year}.",
                )
            )
            continue
        preview.rows.append(
            PreviewRow(
                number=m.number,
                title=m.title,
                due_on=m.due.due_on,
                starts_on=m.due.starts_on,
                due_text=m.due.source,
                kind=m.due.kind.value,
                responsible=m.responsible.source,
                audiences=tuple(sorted(a.value for a in m.responsible.audiences)),
                blocs=m.responsible.blocs,
                task=(task.value if (task := infer_task(m.title)) else None),
            )
        )
    preview.refused.sort(key=lambda r: r.row)
    return preview


# --------------------------------------------------------------------------- saving


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    school_year: str
    scope: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    reminders: int = 0
    preview: Preview | None = None  # when refused: the rows and their reasons


@dataclass(frozen=True)
class Schedule:
    offsets_days: tuple[int, ...] = (7, 2, 0)
    send_at: time = time(8, 0)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


async def schedule_of(session: AsyncSession, bloc_id: int) -> Schedule:
    row = await session.get(ReminderSchedule, bloc_id)
    if row is None:
        return Schedule()
    offsets = tuple(sorted({int(x) for x in row.offsets_days.split(",") if x.strip()}, reverse=True))
    return Schedule(offsets, _hhmm(row.send_at), _hhmm(row.quiet_start), _hhmm(row.quiet_end))


async def set_schedule(
    db: Database, bloc_id: int, schedule: Schedule, *, zone: ZoneInfo, now: datetime
) -> int:
    """Change a bloc's ping schedule; its pings not yet due are planned again. Returns how many."""
    async with db.transaction() as session:
        return await apply_schedule(session, bloc_id, schedule, zone=zone, now=now)


async def apply_schedule(
    session: AsyncSession, bloc_id: int, schedule: Schedule, *, zone: ZoneInfo, now: datetime
) -> int:
    """Store a bloc's schedule and make what is still unsent follow it, in the caller's transaction.

    Pings are rows planned ahead (`plan_pings` at import), so a change must re-plan them: the
    bloc's pings not yet due are dropped and planned again from the new schedule. What was
    already expanded or sent stays as history, and its dedupe key keeps an offset that already
    fired from firing twice. A new moment already gone is planned only if it is today (today's
    ping moved to an earlier hour must still go); one from an earlier day would arrive at once
    as a burst about a schedule that did not exist then. Quiet hours are read at send time by
    the sweep; only sends already held back until the old quiet end are moved. Returns how many
    pings were planned.
    """
    row = await session.get(ReminderSchedule, bloc_id) or ReminderSchedule(bloc_id=bloc_id)
    row.offsets_days = ",".join(str(d) for d in schedule.offsets_days)
    row.send_at = schedule.send_at.strftime("%H:%M")
    row.quiet_start = schedule.quiet_start.strftime("%H:%M")
    row.quiet_end = schedule.quiet_end.strftime("%H:%M")
    session.add(row)
    await session.flush()
    await session.exec(
        delete(Reminder).where(
            col(Reminder.bloc_id) == bloc_id,
            col(Reminder.kind) == ReminderKind.PING,
            col(Reminder.status) == ReminderStatus.PENDING,
            col(Reminder.due_at) > now,
        )
    )
    civil = next_allowed(now, schedule.quiet_start, schedule.quiet_end, zone)
    # Today's overdue list for the head, planned by an earlier sweep at the old hour: at the new one.
    for overdue in await session.exec(
        select(Reminder).where(
            col(Reminder.bloc_id) == bloc_id,
            col(Reminder.kind) == ReminderKind.OVERDUE,
            col(Reminder.status) == ReminderStatus.PENDING,
            col(Reminder.due_at) > now,
        )
    ):
        day = overdue.due_at.astimezone(zone).date()
        moment = datetime.combine(day, schedule.send_at, tzinfo=zone)
        overdue.due_at = max(next_allowed(moment, schedule.quiet_start, schedule.quiet_end, zone), civil)
        session.add(overdue)
    # Sends held back by the old quiet hours (never tried: attempts = 0, so not a retry's backoff)
    # go at the first civil moment of the new ones; the sweep checks quiet hours again anyway.
    await session.exec(
        update(ReminderSend)
        .where(
            col(ReminderSend.status) == SendStatus.PENDING,
            col(ReminderSend.claim_token).is_(None),
            col(ReminderSend.attempts) == 0,
            col(ReminderSend.not_before) > now,
            col(ReminderSend.reminder_id).in_(select(Reminder.id).where(col(Reminder.bloc_id) == bloc_id)),
        )
        .values(not_before=civil)
    )
    milestones = list(await session.exec(select(Milestone)))
    today_starts = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    return await plan_pings(session, milestones, zone=zone, only_bloc=bloc_id, skip_before=today_starts)


def audiences_for(milestone: Milestone, bloc_number: int) -> set[str]:
    """Who in bloc `bloc_number` is pinged about a milestone: its units, its head, or nobody."""
    wanted = {int(n) for n in milestone.blocs.split(",") if n}
    if wanted and bloc_number not in wanted:
        return set()
    kinds = set(milestone.audiences.split(","))
    found: set[str] = set()
    if Audience.UNITS in kinds or Audience.BLOCS in kinds:
        found.add(UNITS)
    if Audience.BLOC_HEADS in kinds:
        found.add(HEADS)
    return found  # the department is not a chat user: its rows are listed, never pinged


async def blocs_of_year(session: AsyncSession, school_year_id: int) -> list[Bloc]:
    query = (
        select(Bloc)
        .where(
            col(Bloc.id).in_(
                select(BlocMembership.bloc_id).where(BlocMembership.school_year_id == school_year_id)
            )
        )
        .order_by(col(Bloc.number))
    )
    return list(await session.exec(query))


def ping_key(milestone: Milestone, bloc_id: int, audience: str, offset: int) -> str:
    # The due day is part of the key: a deadline moved by a re-import gets its pings again.
    return f"ping:{milestone.id}:{bloc_id}:{audience}:{offset}:{milestone.due_on.isoformat()}"


async def plan_pings(
    session: AsyncSession,
    milestones: Sequence[Milestone],
    *,
    zone: ZoneInfo,
    only_bloc: int | None = None,
    skip_before: datetime | None = None,
) -> int:
    """Create the missing `reminder` rows (a week before, two days before, on the day) for milestones.

    Moments already past are planned too (the sweep sends only the latest still relevant), unless
    they fall before `skip_before`.
    """
    if not milestones:
        return 0
    existing = set(
        await session.exec(
            select(Reminder.dedupe_key).where(col(Reminder.milestone_id).in_([m.id for m in milestones]))
        )
    )
    blocs_by_year: dict[int, list[Bloc]] = {}
    schedules: dict[int, Schedule] = {}
    created = 0
    for milestone in milestones:
        if milestone.school_year_id not in blocs_by_year:
            blocs_by_year[milestone.school_year_id] = await blocs_of_year(session, milestone.school_year_id)
        for bloc in blocs_by_year[milestone.school_year_id]:
            assert bloc.id is not None
            if (milestone.bloc_id is not None and milestone.bloc_id != bloc.id) or (
                only_bloc is not None and bloc.id != only_bloc
            ):
                continue
            if bloc.id not in schedules:
                schedules[bloc.id] = await schedule_of(session, bloc.id)
            schedule = schedules[bloc.id]
            for audience in sorted(audiences_for(milestone, bloc.number)):
                for offset in schedule.offsets_days:
                    key = ping_key(milestone, bloc.id, audience, offset)
                    if key in existing:
                        continue
                    due = due_window(milestone)
                    at = ping_times(
                        due, (offset,), schedule.send_at, schedule.quiet_start, schedule.quiet_end, zone
                    )[0]
                    if skip_before is not None and at < skip_before:
                        continue
                    session.add(
                        Reminder(
                            dedupe_key=key,
                            kind=ReminderKind.PING,
                            school_year_id=milestone.school_year_id,
                            bloc_id=bloc.id,
                            milestone_id=milestone.id,
                            audience=audience,
                            offset_days=offset,
                            due_at=at,
                        )
                    )
                    existing.add(key)
                    created += 1
    await session.flush()
    return created


def due_window(milestone: Milestone) -> DueWindow:
    return DueWindow(milestone.starts_on, milestone.due_on, DueKind(milestone.due_kind), milestone.due_text)


async def _drop_milestones(session: AsyncSession, ids: list[int]) -> None:
    """Remove milestones with everything hanging off them (the table no longer lists them)."""
    if not ids:
        return
    reminder_ids = select(Reminder.id).where(col(Reminder.milestone_id).in_(ids))
    await session.exec(delete(ReminderSend).where(col(ReminderSend.reminder_id).in_(reminder_ids)))
    await session.exec(delete(Reminder).where(col(Reminder.milestone_id).in_(ids)))
    await session.exec(delete(MilestoneMute).where(col(MilestoneMute.milestone_id).in_(ids)))
    await session.exec(delete(Milestone).where(col(Milestone.id).in_(ids)))


async def _bloc_by_number(session: AsyncSession, number: int) -> Bloc | None:
    return (await session.exec(select(Bloc).where(Bloc.number == number))).first()


async def save(
    db: Database,
    cells: Sequence[Sequence[object]],
    *,
    school_year: str | None,
    bloc_id: int | None,
    now: datetime,
    zone: ZoneInfo,
    person_id: int | None = None,
) -> ImportResult:
    """Check the whole table and, only if every row reads, save it and plan its pings (one transaction).

    Saving the same table again changes nothing; a changed row is updated and its pings not yet
    sent are planned again; a row no longer in the table is removed.
    """
    preview = check(cells, school_year=school_year, today=now.astimezone(zone).date())
    async with db.transaction() as session:
        bloc = await session.get(Bloc, bloc_id) if bloc_id is not None else None
        scope = bloc.name if bloc is not None else ""
        preview.scope = scope
        if not preview.ok:
            return ImportResult(False, preview.school_year, scope, preview=preview)
        year = await get_or_create_year(session, preview.school_year)
        current = {
            m.number: m
            for m in await session.exec(
                select(Milestone).where(
                    Milestone.school_year_id == year.id,
                    col(Milestone.bloc_id).is_(None)
                    if bloc_id is None
                    else col(Milestone.bloc_id) == bloc_id,
                )
            )
        }
        added = changed = unchanged = 0
        saved: list[Milestone] = []
        for row in preview.rows:
            values = {
                "title": row.title,
                "due_kind": row.kind,
                "due_text": row.due_text[:255],
                "starts_on": row.starts_on,
                "due_on": row.due_on,
                "audiences": ",".join(row.audiences),
                "blocs": ",".join(str(n) for n in row.blocs),
                "responsible_text": row.responsible[:255],
                "task": row.task,
            }
            milestone = current.pop(row.number, None)
            if milestone is None:
                milestone = Milestone(
                    school_year_id=year.id,  # type: ignore[arg-type]
                    bloc_id=bloc_id,
                    number=row.number,
                    imported_at=now,
                    imported_by_person_id=person_id,
                    **values,  # type: ignore[arg-type]
                )
                added += 1
            elif all(getattr(milestone, k) == v for k, v in values.items()):
                unchanged += 1
            else:
                for key, value in values.items():
                    setattr(milestone, key, value)
                milestone.imported_at = now
                changed += 1
                # Its pings not yet due follow the new date; the ones already sent stay as history.
                await session.exec(
                    delete(Reminder).where(
                        col(Reminder.milestone_id) == milestone.id,
                        col(Reminder.status) == ReminderStatus.PENDING,
                        col(Reminder.kind) == ReminderKind.PING,
                    )
                )
            session.add(milestone)
            saved.append(milestone)
        await session.flush()
        removed = [m.id for m in current.values() if m.id is not None]
        await _drop_milestones(session, removed)
        planned = await plan_pings(session, saved, zone=zone)
        return ImportResult(
            True,
            preview.school_year,
            scope,
            added=added,
            changed=changed,
            removed=len(removed),
            unchanged=unchanged,
            reminders=planned,
        )


# --------------------------------------------------------------------------- drafts (chat import)


class NotAllowedError(Exception):
    """This person may not load a timetable; nothing was changed."""


@dataclass(frozen=True)
class Scope:
    bloc_id: int | None
    school_year: str | None


async def import_scope(db: Database, person_id: int, today: date) -> Scope:
    """Whose timetable a person loads: an administrator's is every bloc's; a head's is their bloc's."""
    profile = await people.profile_of(db, person_id, today)
    if profile is None:
        raise NotAllowedError
    year = profile.roles[0].school_year if profile.roles else None
    if profile.is_admin:
        return Scope(None, year)
    led = profile.led_bloc_ids()
    if not led:
        raise NotAllowedError
    return Scope(led[0], year)


async def create_draft(
    db: Database, person_id: int, cells: Sequence[Sequence[object]], *, now: datetime, zone: ZoneInfo
) -> Preview:
    """Check a pasted or uploaded table; when every row reads, keep it as a draft to confirm."""
    today = now.astimezone(zone).date()
    scope = await import_scope(db, person_id, today)
    preview = check(cells, school_year=None, today=today)
    profile = await people.profile_of(db, person_id, today)  # before the transaction: SQLite has one writer
    assert profile is not None
    async with db.transaction() as session:
        if scope.bloc_id is not None:
            bloc = await session.get(Bloc, scope.bloc_id)
            preview.scope = bloc.name if bloc else ""
        if not preview.ok:
            return preview
        year = await get_or_create_year(session, preview.school_year)
        draft = TimetableDraft(
            person_id=profile.person_id,
            school_year_id=year.id,  # type: ignore[arg-type]
            bloc_id=scope.bloc_id,
            rows_json=json.dumps([[_plain(c) for c in row] for row in cells], ensure_ascii=False),
            created_at=now,
        )
        session.add(draft)
        await session.flush()
        preview.draft_id = draft.id
        return preview


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


class DraftGoneError(Exception):
    """The draft is unknown, not this person's, already saved or expired."""


async def save_draft(
    db: Database, draft_id: int, person_id: int, *, now: datetime, zone: ZoneInfo
) -> ImportResult:
    """Save a confirmed draft once: a double tap on "Lưu" finds it used and saves nothing more."""
    today = now.astimezone(zone).date()
    profile = await people.profile_of(db, person_id, today)
    async with db.transaction() as session:
        draft = await session.get(TimetableDraft, draft_id)
        if (
            profile is None
            or draft is None
            or draft.person_id != profile.person_id
            or draft.used_at is not None
            or draft.created_at + DRAFT_TTL < now
        ):
            raise DraftGoneError
        year = await session.get(SchoolYear, draft.school_year_id)
        assert year is not None
        draft.used_at = now
        session.add(draft)
        cells, bloc_id, year_name = json.loads(draft.rows_json), draft.bloc_id, year.name
    result = await save(
        db, cells, school_year=year_name, bloc_id=bloc_id, now=now, zone=zone, person_id=profile.person_id
    )
    return result


async def drop_draft(db: Database, draft_id: int, person_id: int, *, now: datetime) -> None:
    async with db.transaction() as session:
        draft = await session.get(TimetableDraft, draft_id)
        person = await session.get(Person, person_id)
        if draft is None or person is None or draft.person_id != person.id or draft.used_at is not None:
            raise DraftGoneError
        draft.used_at = now
        session.add(draft)


async def save_for_cli(
    db: Database,
    cells: Sequence[Sequence[object]],
    *,
    bloc_number: int | None,
    school_year: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> ImportResult | Notice:
    bloc_id = None
    if bloc_number is not None:
        async with db.session() as session:
            bloc = await _bloc_by_number(session, bloc_number)
        if bloc is None:
            return Notice("timetable.no_bloc", {"bloc": bloc_number})
        bloc_id = bloc.id
    return await save(db, cells, school_year=school_year, bloc_id=bloc_id, now=now, zone=zone)
