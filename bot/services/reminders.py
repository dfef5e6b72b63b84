"""Deadline pings: the sweep that sends what is due, and what people do with a ping.

One periodic job calls `sweep()`. It never sleeps and takes `now` from the caller (the bot's
clock), so tests move time by hand. Sending goes through a `Sender` the chat layer provides:
this module never imports telegram.

Delivery is at-least-once with a per-row claim, so that two sweeps (two workers, or a slow sweep
and the next) and restarts neither lose nor repeat a ping:

1. expand: a due `reminder` becomes one `reminder_send` per person, in one transaction guarded by
   a conditional UPDATE (pending -> expanded) and UNIQUE (reminder, person);
2. claim: right before it is sent, a send gets a random claim token and time in its own commit
   (a conditional UPDATE); another sweep skips a row whose claim is younger than LEASE;
3. send, then mark the row sent in its own commit, matching the claim token.

A crash between 2 and 3 leaves a claimed row that is sent again once its lease runs out: the
only window in which a person could get a ping twice (Telegram has no idempotency key), and
the price of never losing one. A crash anywhere else repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Button, Screen
from bot.db import Database
from bot.i18n import Raw
from bot.services import people, progress
from bot.services.notices import Notice
from bot.services.progress import Task, task_button_data
from bot.services.timetable import HEADS, UNITS, audiences_for, blocs_of_year, schedule_of
from models.channels import ChannelAccount
from models.numbers import is_id
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind, SchoolYear, Unit
from models.registration import DeadlineExtension, TaskDeadline
from models.reminders import (
    Milestone,
    MilestoneMute,
    PersonReach,
    Reminder,
    ReminderKind,
    ReminderSend,
    ReminderStatus,
    SendStatus,
)
from models.school_year import school_year_of
from models.timetable import format_date, next_allowed
from models.types import id_of

log = logging.getLogger("thidua.reminders")

LEASE = timedelta(minutes=10)  # longer than any one send, 429 waits included
MAX_ATTEMPTS = 5
SNOOZE = timedelta(days=1)
SNOOZE_SAME_DAY = timedelta(hours=3)  # when tomorrow would be past the deadline
ADHOC_LOOKBACK_DAYS = 30
AGENDA_OVERDUE_DAYS = 30
MAX_DIGEST_BUTTONS = 6
DIGEST_CHARS = 3500  # the unreachable list's lines per message, under Telegram's 4096 with title and footer
PING_KINDS = (ReminderKind.PING, ReminderKind.SNOOZE, ReminderKind.ADHOC)


# --------------------------------------------------------------------------- what the chat layer sees


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the person blocked the bot or never started it
    RETRY = "retry"  # a network error or a 429 the rate limiter gave up on
    FAILED = "failed"  # refused for good (400)


@dataclass(frozen=True)
class Outgoing:
    """One ping for one person; the sender picks the app (the one the person wrote from last)."""

    send_id: int
    person_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    @property
    def screen(self) -> Screen:
        return Screen(self.text, buttons=self.buttons)


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    message_id: str | None = None  # where the channel gives one
    retry_after: float | None = None
    detail: str = ""
    channel: str | None = None  # where it went (models.channels.Channel)
    chat_id: str | None = None


Sender = Callable[[Outgoing], Awaitable[Outcome]]


@dataclass
class SweepReport:
    overdue_lists: int = 0
    expanded: int = 0
    superseded: int = 0
    irrelevant: int = 0
    sent: int = 0
    skipped: int = 0
    deferred: int = 0
    unreachable: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    send_id: int
    token: str
    outgoing: Outgoing
    person_id: int
    unit_id: int | None
    bloc_id: int
    school_year_id: int
    kind: str
    # A digest is one message for several send rows (the head's list of unreachable people):
    # they are claimed together, all or none, and marked together.
    more_ids: tuple[int, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.send_id, *self.more_ids)


class _DoneCache:
    """units_done per (task, bloc, year), asked once per sweep: the answer comes from issue 4's tables."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.known: dict[tuple[str, int, int], set[int]] = {}

    async def get(self, task: str | None, bloc_id: int, school_year_id: int) -> set[int]:
        if task is None:
            return set()
        key = (task, bloc_id, school_year_id)
        if key not in self.known:
            self.known[key] = await progress.units_done(
                self.db, Task(task), bloc_id=bloc_id, school_year_id=school_year_id
            )
        return self.known[key]


# --------------------------------------------------------------------------- the sweep


async def sweep(
    db: Database,
    send: Sender,
    *,
    now: datetime,
    zone: ZoneInfo,
    concurrency: int = 30,
    batch: int = 200,
    lease: timedelta = LEASE,
) -> SweepReport:
    """Send every ping that is due at `now`; safe to run from several places at once."""
    report = SweepReport()
    done = _DoneCache(db)
    await _plan_overdue(db, now, zone, done, report)
    await _expand_due(db, now, zone, done, report)
    limit = asyncio.Semaphore(concurrency)
    stopping = False

    async def deliver_one(item: _Claimed) -> None:
        nonlocal stopping
        async with limit:
            if stopping:
                return  # shutting down: claim nothing new, the next sweep has these rows
            try:
                if await _claim(db, item, now, lease):  # else another sweep has it
                    await _deliver(db, send, item, now, report)
            except BaseException:
                stopping = True
                raise

    for _ in range(2):  # a second round tells the heads about the people found unreachable in the first
        blocked_before = report.unreachable
        while True:
            claimed = await _claim_batch(db, now, zone, done, report, batch, lease)
            if not claimed:
                break
            await asyncio.gather(*(deliver_one(item) for item in claimed))
        if report.unreachable == blocked_before:
            break
        await _expand_due(db, now, zone, done, report)
    return report


def _today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


async def _plan_overdue(
    db: Database, now: datetime, zone: ZoneInfo, done: _DoneCache, report: SweepReport
) -> None:
    """Once a day per bloc, at its send time, list the overdue items to its head (if there are any)."""
    today = _today(now, zone)
    async with db.session() as session:
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
        ).first()
        if year is None or year.id is None:
            return
        milestones = list(
            await session.exec(
                select(Milestone).where(Milestone.school_year_id == year.id, col(Milestone.due_on) < today)
            )
        )
        if not milestones:
            return
        planned = set(
            await session.exec(
                select(Reminder.dedupe_key).where(
                    col(Reminder.dedupe_key).like(f"overdue:%:{today.isoformat()}")
                )
            )
        )
        blocs = await blocs_of_year(session, year.id)
        schedules = {bloc.id: await schedule_of(session, bloc.id) for bloc in blocs if bloc.id is not None}
    for bloc in blocs:
        assert bloc.id is not None
        key = f"overdue:{bloc.id}:{today.isoformat()}"
        if key in planned:
            continue
        if not await _overdue_items(db, bloc, year.id, milestones, done, muted=set()):
            continue
        schedule = schedules[bloc.id]
        due_at = next_allowed(
            datetime.combine(today, schedule.send_at, tzinfo=zone),
            schedule.quiet_start,
            schedule.quiet_end,
            zone,
        )
        try:
            async with db.transaction() as session:
                session.add(
                    Reminder(
                        dedupe_key=key,
                        kind=ReminderKind.OVERDUE,
                        school_year_id=year.id,
                        bloc_id=bloc.id,
                        audience=HEADS,
                        due_at=due_at,
                        created_at=now,
                    )
                )
            report.overdue_lists += 1
        except IntegrityError:
            pass  # another sweep planned it first


@dataclass(frozen=True)
class OverdueItem:
    milestone_id: int
    number: int
    title: str
    due_on: date
    missing: int | None  # units not done, when the bot knows
    total: int | None


async def _overdue_items(
    db: Database,
    bloc: Bloc,
    school_year_id: int,
    milestones: Sequence[Milestone],
    done: _DoneCache,
    *,
    muted: set[int],
) -> list[OverdueItem]:
    """Overdue milestones of a bloc not yet resolved: some unit has not done it, or the bot cannot tell."""
    assert bloc.id is not None
    items: list[OverdueItem] = []
    members: set[int] | None = None
    for m in sorted(milestones, key=lambda m: (m.due_on, m.number)):
        if m.id in muted or (m.bloc_id is not None and m.bloc_id != bloc.id):
            continue
        if not audiences_for(m, bloc.number):
            continue
        missing = total = None
        if m.task is not None and UNITS in audiences_for(m, bloc.number):
            if members is None:
                async with db.session() as session:
                    members = set(
                        await session.exec(
                            select(BlocMembership.unit_id).where(
                                BlocMembership.bloc_id == bloc.id,
                                BlocMembership.school_year_id == school_year_id,
                            )
                        )
                    )
            finished = await done.get(m.task, bloc.id, school_year_id)
            total, missing = len(members), len(members - finished)
            if missing == 0:
                continue  # resolved: everybody did it
        assert m.id is not None
        items.append(OverdueItem(m.id, m.number, m.title, m.due_on, missing, total))
    return items


async def _expand_due(
    db: Database, now: datetime, zone: ZoneInfo, done: _DoneCache, report: SweepReport
) -> None:
    async with db.session() as session:
        due = list(
            await session.exec(
                select(Reminder)
                .where(Reminder.status == ReminderStatus.PENDING, col(Reminder.due_at) <= now)
                .order_by(col(Reminder.due_at), col(Reminder.id))
            )
        )
        milestones = {
            m.id: m
            for m in await session.exec(
                select(Milestone).where(
                    col(Milestone.id).in_({r.milestone_id for r in due if r.milestone_id})
                )
            )
        }
    for reminder in due:
        milestone = milestones.get(reminder.milestone_id) if reminder.milestone_id else None
        finished: set[int] = set()
        if milestone is not None and reminder.audience == UNITS:
            finished = await done.get(milestone.task, reminder.bloc_id, reminder.school_year_id)
        await _expand_one(db, reminder, milestone, finished, now, zone, report)


async def _expand_one(
    db: Database,
    reminder: Reminder,
    milestone: Milestone | None,
    finished: set[int],
    now: datetime,
    zone: ZoneInfo,
    report: SweepReport,
) -> None:
    today = _today(now, zone)
    async with db.transaction() as session:
        # The conditional UPDATE is the claim: of two sweeps, one expands, the other finds nothing.
        taken = await session.exec(
            update(Reminder)
            .where(col(Reminder.id) == reminder.id, col(Reminder.status) == ReminderStatus.PENDING)
            .values(status=ReminderStatus.EXPANDED, expanded_at=now)
        )
        if taken.rowcount != 1:
            return
        verdict = await _relevance(session, reminder, milestone, now, today, zone)
        if verdict is not None:
            await session.exec(update(Reminder).where(col(Reminder.id) == reminder.id).values(status=verdict))
            if verdict == ReminderStatus.SUPERSEDED:
                report.superseded += 1
            else:
                report.irrelevant += 1
            return
        targets = await _targets(session, reminder, milestone, finished)
        if milestone is not None and reminder.kind in PING_KINDS and targets:
            # A person with an older ping still waiting (deferred by quiet hours) gets only this one.
            older = select(Reminder.id).where(
                col(Reminder.milestone_id) == milestone.id, col(Reminder.id) != reminder.id
            )
            await session.exec(
                update(ReminderSend)
                .where(
                    col(ReminderSend.reminder_id).in_(older),
                    col(ReminderSend.person_id).in_([p for p, _ in targets]),
                    col(ReminderSend.status) == SendStatus.PENDING,
                    col(ReminderSend.claim_token).is_(None),
                )
                .values(status=SendStatus.SKIPPED, skip_reason="superseded")
            )
        for person_id, unit_id in targets:
            session.add(
                ReminderSend(
                    reminder_id=reminder.id,  # type: ignore[arg-type]
                    person_id=person_id,
                    unit_id=unit_id,
                    not_before=now,
                )
            )
        report.expanded += 1


async def _relevance(
    session: AsyncSession,
    reminder: Reminder,
    milestone: Milestone | None,
    now: datetime,
    today: date,
    zone: ZoneInfo,
) -> str | None:
    """Why a reminder that came due should not be sent (None: send it).

    "No longer relevant" after downtime: its milestone is gone; a pre-deadline ping found after
    the deadline (the overdue list takes over); a ping overtaken by a later ping for the same
    thing that is also due (only the latest goes); yesterday's overdue list.
    """
    if reminder.kind in PING_KINDS and milestone is None:
        return ReminderStatus.IRRELEVANT
    if reminder.kind in (ReminderKind.PING, ReminderKind.SNOOZE) and milestone and milestone.due_on < today:
        return ReminderStatus.IRRELEVANT
    if reminder.kind == ReminderKind.PING:
        later = (
            await session.exec(
                select(func.count())
                .select_from(Reminder)
                .where(
                    Reminder.milestone_id == reminder.milestone_id,
                    Reminder.bloc_id == reminder.bloc_id,
                    Reminder.audience == reminder.audience,
                    Reminder.kind == ReminderKind.PING,
                    col(Reminder.due_at) > reminder.due_at,
                    col(Reminder.due_at) <= now,
                )
            )
        ).one()
        if later:
            return ReminderStatus.SUPERSEDED
    if reminder.kind == ReminderKind.OVERDUE and reminder.due_at.astimezone(zone).date() < today:
        return ReminderStatus.SUPERSEDED
    return None


async def _targets(
    session: AsyncSession, reminder: Reminder, milestone: Milestone | None, finished: set[int]
) -> list[tuple[int, int | None]]:
    """(person, unit) pairs to ping, from the roster of this moment; one row per person."""
    year, bloc = reminder.school_year_id, reminder.bloc_id
    pairs: list[tuple[int, int | None]] = []
    if reminder.audience == UNITS:
        units = set(
            await session.exec(
                select(BlocMembership.unit_id).where(
                    BlocMembership.bloc_id == bloc, BlocMembership.school_year_id == year
                )
            )
        )
        if reminder.unit_id is not None:
            units &= {reminder.unit_id}
        units -= finished
        if units:
            found = await session.exec(
                select(PersonRole.person_id, PersonRole.unit_id)
                .where(
                    PersonRole.kind == RoleKind.REP,
                    PersonRole.school_year_id == year,
                    col(PersonRole.unit_id).in_(units),
                    col(PersonRole.revoked_at).is_(None),
                )
                .order_by(col(PersonRole.id))
            )
            pairs = [(p, u) for p, u in found]
    else:
        head_unit = (
            await session.exec(
                select(BlocMembership.unit_id).where(
                    BlocMembership.bloc_id == bloc,
                    BlocMembership.school_year_id == year,
                    BlocMembership.position == Position.HEAD,
                )
            )
        ).first()
        heads = or_(
            (col(PersonRole.kind) == RoleKind.REP) & (col(PersonRole.unit_id) == head_unit),
            (col(PersonRole.kind) == RoleKind.HEAD_OFFICE) & (col(PersonRole.bloc_id) == bloc),
        )
        head_people = await session.exec(
            select(PersonRole.person_id)
            .where(heads, PersonRole.school_year_id == year, col(PersonRole.revoked_at).is_(None))
            .order_by(col(PersonRole.id))
        )
        pairs = [(p, head_unit) for p in head_people]
    if reminder.person_id is not None:
        pairs = [pair for pair in pairs if pair[0] == reminder.person_id]
    if reminder.subject_person_id is not None:
        pairs = [pair for pair in pairs if pair[0] != reminder.subject_person_id]
    if not pairs:
        return []
    ids = {p for p, _ in pairs}
    # Someone who never wrote to the bot on any app cannot be reached: no row for them.
    with_chat = set(
        await session.exec(
            select(Person.id).where(
                col(Person.id).in_(ids),
                or_(
                    col(Person.telegram_id).is_not(None),
                    col(Person.zalo_id).is_not(None),
                    col(Person.id).in_(select(ChannelAccount.person_id)),
                ),
            )
        )
    )
    muted: set[int] = set()
    if milestone is not None:
        muted = set(
            await session.exec(
                select(MilestoneMute.person_id).where(
                    MilestoneMute.milestone_id == milestone.id, col(MilestoneMute.person_id).in_(ids)
                )
            )
        )
    already = set(
        await session.exec(select(ReminderSend.person_id).where(ReminderSend.reminder_id == reminder.id))
    )
    seen: set[int] = set()
    chosen: list[tuple[int, int | None]] = []
    for person_id, unit_id in pairs:
        if person_id in seen or person_id not in with_chat or person_id in muted or person_id in already:
            continue
        seen.add(person_id)
        chosen.append((person_id, unit_id))
    return chosen


def _claim_free(lease_start: datetime) -> Any:
    return or_(col(ReminderSend.claim_token).is_(None), col(ReminderSend.claimed_at) < lease_start)


async def _claim_batch(
    db: Database,
    now: datetime,
    zone: ZoneInfo,
    done: _DoneCache,
    report: SweepReport,
    batch: int,
    lease: timedelta,
) -> list[_Claimed]:
    """Decide each due send: skip it, defer it to a civil hour, or return it to be claimed and sent."""
    today = _today(now, zone)
    lease_start = now - lease
    due_sends = (
        select(ReminderSend, Reminder, Person)
        .join(Reminder, col(Reminder.id) == ReminderSend.reminder_id)
        .join(Person, col(Person.id) == ReminderSend.person_id)
        .where(
            ReminderSend.status == SendStatus.PENDING,
            col(ReminderSend.not_before) <= now,
            _claim_free(lease_start),
        )
    )
    async with db.session() as session:
        rows = list(
            (
                await session.exec(
                    due_sends.order_by(col(ReminderSend.not_before), col(ReminderSend.id)).limit(batch)
                )
            ).all()
        )
        if not rows:
            return []
        # A head's unreachable reports all go in one digest: fetch every one waiting for the heads
        # in this batch, so the batch limit cannot split a digest in two.
        reporting = {p.id for _, r, p in rows if r.kind == ReminderKind.UNREACHABLE}
        if reporting:
            have = {send.id for send, _, _ in rows}
            rows += [
                row
                for row in await session.exec(
                    due_sends.where(
                        Reminder.kind == ReminderKind.UNREACHABLE, col(ReminderSend.person_id).in_(reporting)
                    ).order_by(col(ReminderSend.id))
                )
                if row[0].id not in have
            ]
        person_ids = {p.id for _, _, p in rows}
        milestone_ids = {r.milestone_id for _, r, _ in rows if r.milestone_id}
        milestones = {
            m.id: m for m in await session.exec(select(Milestone).where(col(Milestone.id).in_(milestone_ids)))
        }
        unreachable = set(
            await session.exec(
                select(PersonReach.person_id).where(col(PersonReach.person_id).in_(person_ids))
            )
        )
        mutes = {
            (m.milestone_id, m.person_id)
            for m in await session.exec(
                select(MilestoneMute).where(col(MilestoneMute.person_id).in_(person_ids))
            )
        }
        blocs = {
            id_of(b): b
            for b in await session.exec(select(Bloc).where(col(Bloc.id).in_({r.bloc_id for _, r, _ in rows})))
        }
        units = {
            u.id: u
            for u in await session.exec(
                select(Unit).where(col(Unit.id).in_({s.unit_id for s, _, _ in rows if s.unit_id}))
            )
        }
        schedules = {bloc_id: await schedule_of(session, bloc_id) for bloc_id in blocs}
    decisions: dict[
        int, tuple[str, str | None, datetime | None]
    ] = {}  # send id -> (status, reason, not_before)
    to_send: list[
        tuple[ReminderSend, Reminder, Person, str, tuple[tuple[Button, ...], ...], tuple[int, ...]]
    ] = []
    digests: dict[int, list[tuple[ReminderSend, Reminder, Person]]] = {}  # head -> their reports
    for send, reminder, person in rows:
        assert send.id is not None
        milestone = milestones.get(reminder.milestone_id) if reminder.milestone_id else None
        schedule = schedules[reminder.bloc_id]
        civil = next_allowed(now, schedule.quiet_start, schedule.quiet_end, zone)
        if person.id in unreachable:
            decisions[send.id] = (SendStatus.UNREACHABLE, "blocked", None)
            continue
        if milestone is not None and (milestone.id, person.id) in mutes:
            decisions[send.id] = (SendStatus.SKIPPED, "muted", None)
            continue
        if reminder.kind in PING_KINDS and (
            milestone is None or (reminder.kind != ReminderKind.ADHOC and milestone.due_on < today)
        ):
            decisions[send.id] = (SendStatus.SKIPPED, "irrelevant", None)
            continue
        if reminder.kind == ReminderKind.OVERDUE and reminder.due_at.astimezone(zone).date() < today:
            decisions[send.id] = (SendStatus.SKIPPED, "superseded", None)
            continue
        if (
            milestone is not None
            and send.unit_id is not None
            and reminder.audience == UNITS
            and send.unit_id in await done.get(milestone.task, reminder.bloc_id, reminder.school_year_id)
        ):
            decisions[send.id] = (SendStatus.SKIPPED, "done", None)
            continue
        if civil > now:  # quiet hours: wait for the morning, never drop
            decisions[send.id] = (SendStatus.PENDING, None, civil)
            continue
        if reminder.kind == ReminderKind.UNREACHABLE:
            assert person.id is not None
            digests.setdefault(person.id, []).append((send, reminder, person))
            continue
        rendered = await _render(
            db, send, reminder, person, milestone, blocs[reminder.bloc_id], units, done, now, zone
        )
        if rendered is None:
            decisions[send.id] = (SendStatus.SKIPPED, "irrelevant", None)
            continue
        to_send.append((send, reminder, person, *rendered, ()))
    for reports in digests.values():
        by_id = {send.id: (send, reminder) for send, reminder, _ in reports if send.id is not None}
        head = reports[0][2]
        messages, gone = await _render_unreachable(db, head, [(i, r) for i, (_, r) in by_id.items()], blocs)
        # A person no longer on the roster is not reported; nobody else is left out.
        decisions.update((send_id, (SendStatus.SKIPPED, "irrelevant", None)) for send_id in gone)
        for text, ids in messages:
            first, first_reminder = by_id[ids[0]]
            to_send.append((first, first_reminder, head, text, (), tuple(ids[1:])))
    async with db.transaction() as session:
        for send_id, (status, reason, not_before) in decisions.items():
            values: dict[str, Any] = {"status": status, "skip_reason": reason}
            if not_before is not None:
                values = {"not_before": not_before}
                report.deferred += 1
            elif status == SendStatus.UNREACHABLE:
                report.unreachable += 1
            else:
                report.skipped += 1
            await session.exec(
                update(ReminderSend)
                .where(
                    col(ReminderSend.id) == send_id,
                    col(ReminderSend.status) == SendStatus.PENDING,
                    _claim_free(lease_start),
                )
                .values(**values)
            )
    if not to_send:
        # Only decisions this round; look again in case the batch limit hid more due rows.
        return [] if not decisions else await _claim_batch(db, now, zone, done, report, batch, lease)
    claimed: list[_Claimed] = []
    for send, reminder, person, text, buttons, more in to_send:
        assert send.id is not None and person.id is not None
        claimed.append(
            _Claimed(
                send_id=send.id,
                token=secrets.token_hex(8),
                outgoing=Outgoing(send.id, person.id, text, buttons),
                person_id=person.id,
                unit_id=send.unit_id,
                bloc_id=reminder.bloc_id,
                school_year_id=reminder.school_year_id,
                kind=reminder.kind,
                more_ids=more,
            )
        )
    return claimed


async def _claim(db: Database, item: _Claimed, now: datetime, lease: timedelta) -> bool:
    """Take one send for this sweep, in its own commit, just before sending it.

    Claiming row by row (not a whole batch) means a crash strands at most the rows in flight,
    which wait out the lease; every other row is free for the next sweep at once.
    """
    try:
        async with db.transaction() as session:
            taken = await session.exec(
                update(ReminderSend)
                .where(
                    col(ReminderSend.id).in_(item.ids),
                    col(ReminderSend.status) == SendStatus.PENDING,
                    _claim_free(now - lease),
                )
                .values(claim_token=item.token, claimed_at=now)
            )
            if taken.rowcount != len(item.ids):
                # Part of a digest was taken by another sweep: claim none of it, so nobody is
                # reported twice; what is left is in the next sweep's digest.
                raise _PartlyTaken
    except _PartlyTaken:
        return False
    return True


class _PartlyTaken(Exception):
    """Rolls back a claim that could not take every row of its message."""


async def _deliver(db: Database, send: Sender, item: _Claimed, now: datetime, report: SweepReport) -> None:
    try:
        outcome = await send(item.outgoing)
    except Exception as exc:  # the sender should map errors; anything else is retried later
        log.warning("send %s raised %s", item.send_id, type(exc).__name__)
        outcome = Outcome(Delivery.RETRY, detail=type(exc).__name__)
    mine = col(ReminderSend.id).in_(item.ids) & (col(ReminderSend.claim_token) == item.token)
    async with db.transaction() as session:
        if outcome.delivery == Delivery.SENT:
            await session.exec(
                update(ReminderSend)
                .where(mine)
                .values(
                    status=SendStatus.SENT,
                    sent_at=now,
                    channel=outcome.channel,
                    chat_ref=outcome.chat_id,
                    message_ref=outcome.message_id,
                    attempts=ReminderSend.attempts + 1,
                )
            )
            report.sent += 1
        elif outcome.delivery == Delivery.BLOCKED:
            await session.exec(
                update(ReminderSend)
                .where(mine)
                .values(
                    status=SendStatus.UNREACHABLE, skip_reason="blocked", attempts=ReminderSend.attempts + 1
                )
            )
            report.unreachable += 1
        else:
            rows = list(await session.exec(select(ReminderSend).where(mine).order_by(col(ReminderSend.id))))
            if not rows:
                return
            # A digest's rows share one message, so they share its verdict; the most-tried row counts.
            attempts = max(row.attempts for row in rows) + 1
            gave_up = outcome.delivery == Delivery.FAILED or attempts >= MAX_ATTEMPTS
            backoff = max(outcome.retry_after or 0, 60 * 2 ** (attempts - 1))
            for row in rows:
                row.attempts = attempts
                if gave_up:
                    row.status = SendStatus.FAILED
                    row.skip_reason = (outcome.detail or "failed")[:32]
                else:
                    row.not_before = now + timedelta(seconds=min(backoff, 3600))
                    row.claim_token = None
                    row.claimed_at = None
                session.add(row)
            if gave_up:
                report.failed += 1
            else:
                report.retried += 1
    if outcome.delivery == Delivery.BLOCKED:
        await _record_unreachable(db, item, outcome.detail, now)


async def _record_unreachable(db: Database, item: _Claimed, detail: str, now: datetime) -> None:
    """Stop sending to a person who blocked the bot, and tell the bloc's head once per episode."""
    try:
        async with db.transaction() as session:
            reach = await session.get(PersonReach, item.person_id)
            if reach is None:
                reach = PersonReach(
                    person_id=item.person_id, unreachable_since=now, reason=detail[:255] or "403"
                )
                session.add(reach)
                await session.flush()
            if item.kind == ReminderKind.UNREACHABLE:
                return  # a head who blocked the bot is not reported to themselves
            key = f"unreachable:{item.person_id}:{item.bloc_id}:{reach.unreachable_since:%Y%m%d%H%M%S}"
            exists = (await session.exec(select(Reminder.id).where(Reminder.dedupe_key == key))).first()
            if exists is None:
                session.add(
                    Reminder(
                        dedupe_key=key,
                        kind=ReminderKind.UNREACHABLE,
                        school_year_id=item.school_year_id,
                        bloc_id=item.bloc_id,
                        audience=HEADS,
                        subject_person_id=item.person_id,
                        unit_id=item.unit_id,
                        due_at=now,
                        created_at=now,
                    )
                )
    except IntegrityError:
        pass  # a parallel sweep recorded it first


# --------------------------------------------------------------------------- rendering


def _t(lang: str, key: str, **params: Any) -> str:
    return Notice(key, params).render(lang)


def days_left_text(lang: str, due_on: date, today: date) -> str:
    days = (due_on - today).days
    if days > 0:
        return _t(lang, "reminders.days_left", days=days)
    if days == 0:
        return _t(lang, "reminders.due_today")
    return _t(lang, "reminders.overdue_by", days=-days)


async def _render(
    db: Database,
    send: ReminderSend,
    reminder: Reminder,
    person: Person,
    milestone: Milestone | None,
    bloc: Bloc,
    units: dict[int | None, Unit],
    done: _DoneCache,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[str, tuple[tuple[Button, ...], ...]] | None:
    """The message in the person's language and its buttons; None when there is nothing to say."""
    lang = person.language
    today = _today(now, zone)
    assert send.id is not None
    if reminder.kind in PING_KINDS and milestone is not None:
        head = {
            ReminderKind.PING: "reminders.ping.title",
            ReminderKind.SNOOZE: "reminders.snooze.title",
            ReminderKind.ADHOC: "reminders.adhoc.title",
        }[ReminderKind(reminder.kind)]
        lines = [
            _t(lang, head, bloc=bloc.name),
            _t(lang, "reminders.ping.milestone", number=milestone.number, title=milestone.title),
            _t(lang, "reminders.ping.due", due=format_date(milestone.due_on), written=milestone.due_text),
            days_left_text(lang, milestone.due_on, today),
        ]
        unit = units.get(send.unit_id)
        if unit is not None and reminder.audience == UNITS:
            lines.append(_t(lang, "reminders.ping.unit", unit=unit.name))
        rows: list[tuple[Button, ...]] = []
        if milestone.task is not None and reminder.audience == UNITS:
            rows.append(
                (
                    Button(
                        _t(lang, f"reminders.button.{milestone.task}"), task_button_data(Task(milestone.task))
                    ),
                )
            )
        actions = []
        if reminder.kind != ReminderKind.SNOOZE:
            actions.append(Button(_t(lang, "reminders.button.snooze"), f"rm:sn:{send.id}"))
        actions.append(Button(_t(lang, "reminders.button.mute"), f"rm:mu:{send.id}"))
        rows.append(tuple(actions))
        return "\n".join(lines), tuple(rows)
    if reminder.kind == ReminderKind.OVERDUE:
        async with db.session() as session:
            milestones = list(
                await session.exec(
                    select(Milestone).where(
                        Milestone.school_year_id == reminder.school_year_id, col(Milestone.due_on) < today
                    )
                )
            )
            muted = set(
                await session.exec(
                    select(MilestoneMute.milestone_id).where(MilestoneMute.person_id == person.id)
                )
            )
        items = await _overdue_items(db, bloc, reminder.school_year_id, milestones, done, muted=muted)
        if not items:
            return None
        lines = [_t(lang, "reminders.overdue.title", bloc=bloc.name)]
        buttons: list[tuple[Button, ...]] = []
        for item in items:
            missing = (
                _t(lang, "reminders.overdue.missing", missing=item.missing, total=item.total)
                if item.missing is not None
                else ""
            )
            lines.append(
                _t(
                    lang,
                    "reminders.overdue.line",
                    number=item.number,
                    title=item.title,
                    due=format_date(item.due_on),
                    missing=Raw(missing),
                )
            )
            if len(buttons) < MAX_DIGEST_BUTTONS:
                buttons.append(
                    (
                        Button(
                            _t(lang, "reminders.button.remind_units", number=item.number),
                            f"rm:ad:{item.milestone_id}:{bloc.id}",
                        ),
                        Button(
                            _t(lang, "reminders.button.resolved", number=item.number),
                            f"rm:ok:{item.milestone_id}",
                        ),
                    )
                )
        lines.append(_t(lang, "reminders.overdue.footer"))
        return "\n".join(lines), tuple(buttons)
    return None  # UNREACHABLE reports go out as one digest per head: _render_unreachable


async def _render_unreachable(
    db: Database, head: Person, reports: Sequence[tuple[int, Reminder]], blocs: dict[int, Bloc]
) -> tuple[list[tuple[str, list[int]]], list[int]]:
    """The head's digest of everyone found unreachable, with unit and phone, in the head's language.

    `reports` are (send id, its reminder). Returns the messages, each with the send ids it
    covers, and the send ids about people no longer on the roster. One message unless the list
    outgrows a Telegram message; each person appears once even when reported from two blocs.
    """
    subject_ids = {r.subject_person_id for _, r in reports if r.subject_person_id is not None}
    unit_ids = {r.unit_id for _, r in reports if r.unit_id is not None}
    async with db.session() as session:
        subjects = {
            p.id: p for p in await session.exec(select(Person).where(col(Person.id).in_(subject_ids)))
        }
        units = {u.id: u for u in await session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    lang = head.language
    entries: dict[int, tuple[str, str, str, list[int]]] = {}  # person -> (unit, name, line, send ids)
    gone: list[int] = []
    for send_id, reminder in reports:
        subject = subjects.get(reminder.subject_person_id)
        if subject is None or subject.id is None:
            gone.append(send_id)
            continue
        if subject.id in entries:
            entries[subject.id][3].append(send_id)
            continue
        unit = units.get(reminder.unit_id)
        bloc = blocs.get(reminder.bloc_id)
        where = unit.name if unit else bloc.name if bloc else ""
        name = subject.full_name or "?"
        line = _t(
            lang,
            "reminders.unreachable.line",
            name=name,
            unit=where,
            phone=subject.phone or _t(lang, "reminders.no_phone"),
        )
        entries[subject.id] = (where, name, line, [send_id])
    chunks: list[list[tuple[str, list[int]]]] = [[]]
    size = 0
    for _, _, line, ids in sorted(entries.values()):  # by unit, then name
        if chunks[-1] and size + len(line) > DIGEST_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append((line, ids))
        size += len(line) + 1
    footer = _t(lang, "reminders.unreachable.footer")
    messages = [
        (
            "\n".join(
                [
                    _t(lang, "reminders.unreachable.title", count=len(chunk)),
                    *(line for line, _ in chunk),
                    footer,
                ]
            ),
            [send_id for _, ids in chunk for send_id in ids],
        )
        for chunk in chunks
        if chunk
    ]
    return messages, gone


# --------------------------------------------------------------------------- buttons on a ping


class Answer(StrEnum):
    OK = "ok"
    ALREADY = "already"
    GONE = "gone"  # stale or forged button: nothing changed
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class ButtonResult:
    answer: Answer
    when: datetime | None = None  # a snooze: when the ping comes again
    count: int = 0  # an ad-hoc reminder: how many units it goes to


async def _own_send(
    session: AsyncSession, send_id: int, person_id: int
) -> tuple[ReminderSend, Reminder] | None:
    if not is_id(send_id):  # from button data: a number no column holds is no ping
        return None
    row = (
        await session.exec(
            select(ReminderSend, Reminder)
            .join(Reminder, col(Reminder.id) == ReminderSend.reminder_id)
            .where(ReminderSend.id == send_id, ReminderSend.person_id == person_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def sent_ping(
    db: Database, send_id: int, person_id: int, *, zone: ZoneInfo
) -> tuple[str, tuple[tuple[Button, ...], ...]] | None:
    """A ping this person got, as it read when it was sent, with only its task button left: what
    the ping becomes, where the channel can edit it, once it was snoozed or muted."""
    async with db.session() as session:
        found = await _own_send(session, send_id, person_id)
        if found is None or found[0].sent_at is None or found[1].milestone_id is None:
            return None
        send, reminder = found
        person = await session.get(Person, person_id)
        milestone = await session.get(Milestone, reminder.milestone_id)
        bloc = await session.get(Bloc, reminder.bloc_id)
        unit = await session.get(Unit, send.unit_id) if send.unit_id is not None else None
    if person is None or milestone is None or bloc is None or send.sent_at is None:
        return None
    rendered = await _render(
        db,
        send,
        reminder,
        person,
        milestone,
        bloc,
        {unit.id: unit} if unit else {},
        _DoneCache(db),
        send.sent_at,
        zone,
    )
    if rendered is None:
        return None
    text, rows = rendered
    return text, tuple(row for row in rows if all(b.data.startswith("task:") for b in row))


async def snooze(
    db: Database, send_id: int, person_id: int, *, now: datetime, zone: ZoneInfo
) -> ButtonResult:
    """Remind me again later, once per ping: tomorrow, or in a few hours when tomorrow is too late."""
    today = _today(now, zone)
    async with db.transaction() as session:
        found = await _own_send(session, send_id, person_id)
        if found is None or found[1].milestone_id is None:
            return ButtonResult(Answer.GONE)
        send, reminder = found
        if reminder.kind == ReminderKind.SNOOZE:
            return ButtonResult(Answer.ALREADY)
        milestone = await session.get(Milestone, reminder.milestone_id)
        if milestone is None or milestone.due_on < today:
            return ButtonResult(Answer.GONE)
        key = f"snooze:{send_id}"
        existing = (await session.exec(select(Reminder).where(Reminder.dedupe_key == key))).first()
        if existing is not None:
            return ButtonResult(Answer.ALREADY, when=existing.due_at)
        schedule = await schedule_of(session, reminder.bloc_id)
        later = now + SNOOZE
        if later.astimezone(zone).date() > milestone.due_on:
            later = now + SNOOZE_SAME_DAY
        when = next_allowed(later, schedule.quiet_start, schedule.quiet_end, zone)
        session.add(
            Reminder(
                dedupe_key=key,
                kind=ReminderKind.SNOOZE,
                school_year_id=reminder.school_year_id,
                bloc_id=reminder.bloc_id,
                milestone_id=reminder.milestone_id,
                audience=reminder.audience,
                unit_id=send.unit_id,
                person_id=send.person_id,
                due_at=when,
                created_at=now,
            )
        )
        return ButtonResult(Answer.OK, when=when)


async def _mute(session: AsyncSession, milestone_id: int, person_id: int, now: datetime) -> Answer:
    existing = (
        await session.exec(
            select(MilestoneMute).where(
                MilestoneMute.milestone_id == milestone_id, MilestoneMute.person_id == person_id
            )
        )
    ).first()
    if existing is not None:
        return Answer.ALREADY
    session.add(MilestoneMute(milestone_id=milestone_id, person_id=person_id, muted_at=now))
    # Its pings already waiting for this person are dropped too.
    await session.exec(
        update(ReminderSend)
        .where(
            col(ReminderSend.person_id) == person_id,
            col(ReminderSend.status) == SendStatus.PENDING,
            col(ReminderSend.claim_token).is_(None),
            col(ReminderSend.reminder_id).in_(
                select(Reminder.id).where(Reminder.milestone_id == milestone_id)
            ),
        )
        .values(status=SendStatus.SKIPPED, skip_reason="muted")
    )
    return Answer.OK


async def mute_from_send(db: Database, send_id: int, person_id: int, *, now: datetime) -> ButtonResult:
    """No more pings about this milestone for me (the head's daily list leaves it out too)."""
    try:
        async with db.transaction() as session:
            found = await _own_send(session, send_id, person_id)
            if found is None or found[1].milestone_id is None:
                return ButtonResult(Answer.GONE)
            return ButtonResult(await _mute(session, found[1].milestone_id, found[0].person_id, now))
    except IntegrityError:
        return ButtonResult(Answer.ALREADY)  # a double tap raced itself


async def mute_milestone(db: Database, milestone_id: int, person_id: int, *, now: datetime) -> ButtonResult:
    """The head takes a milestone off their overdue list (done outside the bot, or not theirs)."""
    try:
        async with db.transaction() as session:
            person = await session.get(Person, person_id)
            milestone = await session.get(Milestone, milestone_id)
            if person is None or person.id is None or milestone is None:
                return ButtonResult(Answer.GONE)
            return ButtonResult(await _mute(session, milestone_id, person.id, now))
    except IntegrityError:
        return ButtonResult(Answer.ALREADY)


# --------------------------------------------------------------------------- the head's ad-hoc reminder


@dataclass(frozen=True)
class AdhocOption:
    milestone_id: int
    bloc_id: int
    bloc_name: str
    number: int
    title: str
    due_on: date
    missing: int | None
    total: int


async def led_blocs(db: Database, person_id: int, today: date) -> list[int] | None:
    """The blocs whose reminders this person runs (None: not a bloc officer nor an admin).

    The one officer check of the head's reminder commands (/nhacviec, /caidatnhac).
    """
    found = await _led_blocs(db, person_id, today)
    return None if found is None or not found[0] else found[0]


async def _led_blocs(db: Database, person_id: int, today: date) -> tuple[list[int], int | None] | None:
    profile = await people.profile_of(db, person_id, today)
    if profile is None:
        return None
    led = profile.led_bloc_ids()
    if not led and profile.is_admin:
        async with db.session() as session:
            year = (
                await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
            ).first()
            if year is None or year.id is None:
                return [], None
            led = [b.id for b in await blocs_of_year(session, year.id) if b.id is not None]
    return led, profile.person_id


async def adhoc_options(
    db: Database, person_id: int, *, now: datetime, zone: ZoneInfo
) -> list[AdhocOption] | None:
    """Milestones of the blocs this person leads that units must do, not long past; None: not a bloc officer."""
    today = _today(now, zone)
    led = await _led_blocs(db, person_id, today)
    if led is None or not led[0]:
        return None
    done = _DoneCache(db)
    options: list[AdhocOption] = []
    async with db.session() as session:
        blocs = list(
            await session.exec(select(Bloc).where(col(Bloc.id).in_(led[0])).order_by(col(Bloc.number)))
        )
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == school_year_of(today)))
        ).first()
        if year is None or year.id is None:
            return []
        milestones = list(
            await session.exec(
                select(Milestone)
                .where(
                    Milestone.school_year_id == year.id,
                    col(Milestone.due_on) >= today - timedelta(days=ADHOC_LOOKBACK_DAYS),
                )
                .order_by(col(Milestone.due_on), col(Milestone.number))
            )
        )
        members = {
            bloc.id: set(
                await session.exec(
                    select(BlocMembership.unit_id).where(
                        BlocMembership.bloc_id == bloc.id, BlocMembership.school_year_id == year.id
                    )
                )
            )
            for bloc in blocs
        }
    for bloc in blocs:
        assert bloc.id is not None
        for m in milestones:
            if (m.bloc_id is not None and m.bloc_id != bloc.id) or UNITS not in audiences_for(m, bloc.number):
                continue
            assert m.id is not None
            total = len(members[bloc.id])
            missing = None
            if m.task is not None:
                missing = len(members[bloc.id] - await done.get(m.task, bloc.id, year.id))
                if missing == 0:
                    continue
            options.append(AdhocOption(m.id, bloc.id, bloc.name, m.number, m.title, m.due_on, missing, total))
    return options


async def send_adhoc(
    db: Database, person_id: int, milestone_id: int, bloc_id: int, *, now: datetime, zone: ZoneInfo
) -> ButtonResult:
    """The head reminds the bloc's units that have not done a milestone; once per milestone a day."""
    today = _today(now, zone)
    led = await _led_blocs(db, person_id, today)
    if led is None or bloc_id not in led[0]:
        return ButtonResult(Answer.NOT_ALLOWED)
    async with db.session() as session:
        found = await session.get(Milestone, milestone_id)
    # units_done opens its own session: ask before the write transaction (SQLite has one writer).
    finished = await _DoneCache(db).get(found.task, bloc_id, found.school_year_id) if found else set()
    try:
        async with db.transaction() as session:
            milestone = await session.get(Milestone, milestone_id)
            bloc = await session.get(Bloc, bloc_id)
            if (
                milestone is None
                or bloc is None
                or (milestone.bloc_id is not None and milestone.bloc_id != bloc_id)
                or UNITS not in audiences_for(milestone, bloc.number)
            ):
                return ButtonResult(Answer.GONE)
            key = f"adhoc:{milestone_id}:{bloc_id}:{today.isoformat()}"
            if (
                await session.exec(select(Reminder.id).where(Reminder.dedupe_key == key))
            ).first() is not None:
                return ButtonResult(Answer.ALREADY)
            members = set(
                await session.exec(
                    select(BlocMembership.unit_id).where(
                        BlocMembership.bloc_id == bloc_id,
                        BlocMembership.school_year_id == milestone.school_year_id,
                    )
                )
            )
            schedule = await schedule_of(session, bloc_id)
            when = next_allowed(now, schedule.quiet_start, schedule.quiet_end, zone)
            session.add(
                Reminder(
                    dedupe_key=key,
                    kind=ReminderKind.ADHOC,
                    school_year_id=milestone.school_year_id,
                    bloc_id=bloc_id,
                    milestone_id=milestone_id,
                    audience=UNITS,
                    due_at=now,
                    created_by_person_id=led[1],
                    created_at=now,
                )
            )
            return ButtonResult(Answer.OK, when=when, count=len(members - finished))
    except IntegrityError:
        return ButtonResult(Answer.ALREADY)


# --------------------------------------------------------------------------- /lich


@dataclass(frozen=True)
class AgendaItem:
    milestone_id: int
    number: int
    title: str
    due_on: date
    due_text: str
    bloc_name: str
    unit_name: str | None
    done: bool
    muted: bool
    task: str | None
    bloc_id: int | None = None
    unit_id: int | None = None
    # The deadline the bot enforces for this unit (/hanchot, a reopening, the unit's extension),
    # when the head has set one; milestone_id 0 marks an item that is only that deadline.
    head_deadline: datetime | None = None


@dataclass
class Agenda:
    has_role: bool
    items: list[AgendaItem] = field(default_factory=list)


async def agenda(db: Database, person_id: int, *, now: datetime, zone: ZoneInfo) -> Agenda:
    """A person's own items: upcoming ones, and recent overdue ones not done, soonest first."""
    today = _today(now, zone)
    profile = await people.profile_of(db, person_id, today)
    if profile is None or not profile.roles:
        return Agenda(has_role=False)
    done = _DoneCache(db)
    result = Agenda(has_role=True)
    async with db.session() as session:
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == profile.roles[0].school_year))
        ).first()
        if year is None or year.id is None:
            return result
        milestones = list(
            await session.exec(
                select(Milestone)
                .where(
                    Milestone.school_year_id == year.id,
                    col(Milestone.due_on) >= today - timedelta(days=AGENDA_OVERDUE_DAYS),
                )
                .order_by(col(Milestone.due_on), col(Milestone.number))
            )
        )
        muted = set(
            await session.exec(
                select(MilestoneMute.milestone_id).where(MilestoneMute.person_id == profile.person_id)
            )
        )
    # (bloc id, bloc number, bloc name, unit) for each hat: a unit's representative, or a head.
    hats: list[tuple[int, int, str, int | None, str | None, str]] = []
    for role in profile.roles:
        if role.kind is RoleKind.REP:
            hats.append((role.bloc_id, role.bloc_number, role.bloc_name, role.unit_id, role.unit_name, UNITS))
        if role.kind is RoleKind.HEAD_OFFICE or (
            role.kind is RoleKind.REP and role.position is Position.HEAD
        ):
            hats.append((role.bloc_id, role.bloc_number, role.bloc_name, None, None, HEADS))
    seen: set[tuple[int, int | None]] = set()
    for m in milestones:
        assert m.id is not None
        for bloc_id, number, bloc_name, unit_id, unit_name, audience in hats:
            if (m.bloc_id is not None and m.bloc_id != bloc_id) or audience not in audiences_for(m, number):
                continue
            if (m.id, unit_id) in seen:
                continue
            is_done = unit_id is not None and unit_id in await done.get(m.task, bloc_id, year.id)
            if m.due_on < today and (is_done or m.task is None):
                continue  # past and done (or the bot cannot tell): the head's overdue list has it
            seen.add((m.id, unit_id))
            result.items.append(
                AgendaItem(
                    m.id,
                    m.number,
                    m.title,
                    m.due_on,
                    m.due_text,
                    bloc_name,
                    unit_name,
                    is_done,
                    m.id in muted,
                    m.task,
                    bloc_id,
                    unit_id,
                )
            )
    await _with_head_deadlines(db, result, hats, year.id, done, today, zone)
    return result


async def _with_head_deadlines(
    db: Database,
    result: Agenda,
    hats: list[tuple[int, int, str, int | None, str | None, str]],
    school_year_id: int,
    done: _DoneCache,
    today: date,
    zone: ZoneInfo,
) -> None:
    """Put the head's deadlines on a representative's agenda: beside the timetable's item for the
    same task, or as an item of their own when the timetable has none (or none is loaded yet).
    The date shown is the one the bot enforces for that unit: the latest of the deadline, the
    bloc's reopening and the unit's own extension."""
    units = {
        (bloc_id, unit_id): (name, bloc_name) for bloc_id, _, bloc_name, unit_id, name, _ in hats if unit_id
    }
    if not units:
        return
    async with db.session() as session:
        deadlines = list(
            await session.exec(
                select(TaskDeadline).where(
                    TaskDeadline.school_year_id == school_year_id,
                    col(TaskDeadline.bloc_id).in_({bloc_id for bloc_id, _ in units}),
                )
            )
        )
        extensions = {
            (e.bloc_id, e.task, e.unit_id): e.until
            for e in await session.exec(
                select(DeadlineExtension).where(
                    DeadlineExtension.school_year_id == school_year_id,
                    col(DeadlineExtension.unit_id).in_({unit_id for _, unit_id in units}),
                )
            )
        }
    for (bloc_id, unit_id), (unit_name, bloc_name) in units.items():
        for deadline in deadlines:
            if deadline.bloc_id != bloc_id:
                continue
            windows = [deadline.reopened_until, extensions.get((bloc_id, deadline.task, unit_id))]
            enforced = max([deadline.due_at, *(w for w in windows if w is not None)])
            beside = [
                i
                for i, item in enumerate(result.items)
                if (item.bloc_id, item.unit_id, item.task) == (bloc_id, unit_id, deadline.task)
            ]
            for i in beside:
                result.items[i] = replace(result.items[i], head_deadline=enforced)
            if beside:
                continue
            is_done = unit_id in await done.get(deadline.task, bloc_id, school_year_id)
            due_on = enforced.astimezone(zone).date()
            if due_on < today and is_done:
                continue
            result.items.append(
                AgendaItem(
                    0,
                    0,
                    "",
                    due_on,
                    "",
                    bloc_name,
                    unit_name,
                    is_done,
                    False,
                    deadline.task,
                    bloc_id,
                    unit_id,
                    enforced,
                )
            )
    result.items.sort(key=lambda item: item.due_on)  # stable: the timetable's order within a day
