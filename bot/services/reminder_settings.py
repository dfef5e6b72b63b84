"""A bloc's ping settings as its head sees and changes them (/caidatnhac).

Who may: the officer check of the head's other reminder commands (`reminders.led_blocs`: the
head's and deputy's representatives, the head's office, admins). What may be saved:
models.reminder_settings. Saving stores the schedule and re-plans the bloc's unsent pings in one
transaction (timetable.apply_schedule); a result comes back only after the commit, so "saved"
is never said about something that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.db import Database
from bot.services import reminders, timetable
from bot.services.notices import Notice
from bot.services.timetable import Schedule, schedule_of
from models.organisation import Bloc
from models.reminder_settings import (
    Problem,
    clock_text,
    offsets_problem,
    parse_clock,
    parse_quiet_hours,
    schedule_problem,
)

ECHO_LIMIT = 40  # how much of a refused input is quoted back


@dataclass(frozen=True)
class BlocSettings:
    bloc_id: int
    bloc_name: str
    schedule: Schedule


@dataclass(frozen=True)
class Saved:
    """The settings after a save, or why nothing was saved."""

    settings: BlocSettings | None = None
    refusal: Notice | None = None
    replanned: int = 0  # pings planned again from the new schedule

    @property
    def ok(self) -> bool:
        return self.refusal is None


NOT_ALLOWED = Notice("remset.not_allowed")


async def settings_for(db: Database, person_id: int, *, today: date) -> list[BlocSettings] | None:
    """The settings of every bloc this person runs, by bloc number; None: not theirs to see."""
    led = await reminders.led_blocs(db, person_id, today)
    if led is None:
        return None
    async with db.session() as session:
        blocs = list(await session.exec(select(Bloc).where(col(Bloc.id).in_(led)).order_by(col(Bloc.number))))
        return [
            BlocSettings(b.id, b.name, await schedule_of(session, b.id)) for b in blocs if b.id is not None
        ]


async def settings_of(db: Database, person_id: int, bloc_id: int, *, today: date) -> BlocSettings | None:
    """One bloc's settings, if this person runs it (a forged bloc id gets None)."""
    found = await settings_for(db, person_id, today=today)
    return next((s for s in found or [] if s.bloc_id == bloc_id), None)


def _refusal(problem: Problem, schedule: Schedule) -> Notice:
    return Notice(
        f"remset.{problem.value}",
        {
            "send_at": clock_text(schedule.send_at),
            "start": clock_text(schedule.quiet_start),
            "end": clock_text(schedule.quiet_end),
        },
    )


def _echo(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


async def _officer_of(db: Database, person_id: int, bloc_id: int | None, today: date) -> int | Notice:
    """The bloc to change if this person runs it, else why not: checked before any remark on the input."""
    led = await reminders.led_blocs(db, person_id, today)
    if led is None:
        return NOT_ALLOWED
    if bloc_id is None:  # a typed value after a restart forgot which card it was for
        if len(led) != 1:
            return Notice("remset.choose_bloc")
        return led[0]
    return bloc_id if bloc_id in led else NOT_ALLOWED


async def _save(
    db: Database,
    bloc_id: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    offsets: tuple[int, ...] | None = None,
    send_at: time | None = None,
    quiet: tuple[time, time] | None = None,
) -> Saved:
    async with db.transaction() as session:
        # The bloc row is the lock (FOR NO KEY UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        # serialises writers): a head and a deputy changing the send time and the quiet hours at
        # once are checked one after the other, so no pair of saves can combine into a send time
        # inside quiet hours.
        bloc = (
            await session.exec(select(Bloc).where(col(Bloc.id) == bloc_id).with_for_update(key_share=True))
        ).first()
        if bloc is None or bloc.id is None:
            return Saved(refusal=NOT_ALLOWED)
        current = await schedule_of(session, bloc.id)
        wanted = current
        if offsets is not None:
            wanted = replace(wanted, offsets_days=tuple(sorted(set(offsets), reverse=True)))
        if send_at is not None:
            wanted = replace(wanted, send_at=send_at)
        if quiet is not None:
            wanted = replace(wanted, quiet_start=quiet[0], quiet_end=quiet[1])
        problem = schedule_problem(wanted.offsets_days, wanted.send_at, wanted.quiet_start, wanted.quiet_end)
        if problem is not None:
            return Saved(refusal=_refusal(problem, wanted))
        replanned = 0
        if wanted != current:
            replanned = await timetable.apply_schedule(session, bloc.id, wanted, zone=zone, now=now)
        saved = Saved(BlocSettings(bloc.id, bloc.name, wanted), replanned=replanned)
    return saved  # after the commit


async def choose_offsets(
    db: Database, person_id: int, bloc_id: int, offsets: tuple[int, ...], *, now: datetime, zone: ZoneInfo
) -> Saved:
    """Ping this many days before each due day (0: on the day itself)."""
    bloc = await _officer_of(db, person_id, bloc_id, now.astimezone(zone).date())
    if isinstance(bloc, Notice):
        return Saved(refusal=bloc)
    if offsets_problem(offsets) is not None:
        return Saved(refusal=Notice("remset.bad_offsets"))
    return await _save(db, bloc, now=now, zone=zone, offsets=offsets)


async def set_send_time(
    db: Database, person_id: int, bloc_id: int | None, text: str, *, now: datetime, zone: ZoneInfo
) -> Saved:
    """The local time of day pings go out, typed as HH:MM; must be outside quiet hours."""
    bloc = await _officer_of(db, person_id, bloc_id, now.astimezone(zone).date())
    if isinstance(bloc, Notice):
        return Saved(refusal=bloc)
    send_at = parse_clock(text)
    if send_at is None:
        return Saved(refusal=Notice(f"remset.{Problem.BAD_TIME.value}", {"text": _echo(text)}))
    return await _save(db, bloc, now=now, zone=zone, send_at=send_at)


async def set_quiet_hours(
    db: Database, person_id: int, bloc_id: int | None, text: str, *, now: datetime, zone: ZoneInfo
) -> Saved:
    """The hours nobody is messaged, typed as HH:MM-HH:MM (may wrap midnight)."""
    bloc = await _officer_of(db, person_id, bloc_id, now.astimezone(zone).date())
    if isinstance(bloc, Notice):
        return Saved(refusal=bloc)
    quiet = parse_quiet_hours(text)
    if quiet is None:
        return Saved(refusal=Notice(f"remset.{Problem.BAD_QUIET.value}", {"text": _echo(text)}))
    return await _save(db, bloc, now=now, zone=zone, quiet=quiet)
