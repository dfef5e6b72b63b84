"""A deadline extended for one unit (/mohan <task> <unit> [days]), at the service layer (both backends).

Units are numbered as /xetthidua lists them (eligibility.overview); an extension lets that unit,
and only it, submit after the bloc's deadline; the bloc's reopening still works beside it; a
refusal shows the latest date that applied to the unit; every grant is in the change history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, func, select

from bot.chat import Screen
from bot.db import Database
from bot.services import criteria, eligibility, outbox, pact, registration
from bot.services.outbox import decode_screen
from bot.services.registration import Refused
from models.channels import OutboxMessage
from models.registration import ChangeHistory, DeadlineExtension, PactSignature, Registration, Task
from tests.auxil.clock import Clock
from tests.auxil.world import HEAD, SCALE, World, make_world, register_unit
from tests.auxil.world_cache import once

pytestmark = pytest.mark.registration

SECRETARIAT = "Bộ phận Thường trực — Khối thi đua số 2"


@pytest.fixture
async def world(db: Database, clock: Clock) -> World:
    return await once("make_world", db, clock, make_world)


async def numbered(w: World) -> dict[str, int]:
    """unit name -> the number /xetthidua shows for it."""
    seen = await eligibility.overview(w.db, w.pid(HEAD), today=w.today)
    return {u.unit_name: n for n, u in enumerate(seen.units, 1)}


def unit_of(w: World, person_id: int) -> str:
    persona = next(p for p in w.personas if w.ids[p.user_id] == person_id)
    return persona.label.split(" — ")[-1]


async def refused_at(w: World, person_id: int) -> datetime:
    """The date a registration by this person is refused with (fails if it is not refused)."""
    with pytest.raises(Refused) as refused:
        await register_unit(w, person_id)
    assert refused.value.notice.key == "reg.deadline_passed"
    return refused.value.notice.params["deadline"]


async def count(db: Database, table: type, *where: object) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(table).where(*where))).one())  # type: ignore[arg-type]


async def set_register_deadline(w: World, due: datetime) -> None:
    await registration.set_deadline(
        w.db, w.pid(HEAD), task=Task.REGISTER, due_at=due, today=w.today, now=w.clock()
    )


async def test_an_extension_lets_only_that_unit_submit(world: World) -> None:
    head = world.pid(HEAD)
    late, other = world.bloc2_reps()[3], world.bloc2_reps()[6]
    numbers = await numbered(world)
    due = world.clock() + timedelta(days=1)
    await set_register_deadline(world, due)
    world.clock.advance(days=2)
    assert await refused_at(world, late) == due

    granted = await registration.extend_for_unit(
        world.db,
        head,
        task=Task.REGISTER,
        unit_number=numbers[unit_of(world, late)],
        days=2,
        today=world.today,
        now=world.clock(),
        reason="Trường đi dã ngoại",
    )
    assert granted.unit_name == unit_of(world, late) and granted.unit_number == 4
    assert granted.until == world.clock() + timedelta(days=2) and granted.previous is None
    assert granted.reps == (late,)  # the unit's representative, by our person id

    # The late unit registers; another unit is still refused with the bloc's own deadline.
    assert (await register_unit(world, late)).version == 1
    assert await refused_at(world, other) == due
    async with world.db.session() as session:
        saved = (await session.exec(select(Registration))).all()
    assert [r.unit_id for r in saved] == [granted.unit_id]

    # When the extension runs out, the unit's refusal shows the extension's date, not the deadline.
    world.clock.advance(days=2, seconds=1)
    assert await refused_at(world, late) == granted.until
    assert await refused_at(world, other) == due


async def test_the_bloc_reopening_still_works_and_the_later_date_is_shown(world: World) -> None:
    head = world.pid(HEAD)
    late, other = world.bloc2_reps()[3], world.bloc2_reps()[6]
    numbers = await numbered(world)
    due = world.clock() + timedelta(days=1)
    await set_register_deadline(world, due)
    world.clock.advance(days=2)  # due + 1 day
    extended = await registration.extend_for_unit(
        world.db,
        head,
        task=Task.REGISTER,
        unit_number=numbers[unit_of(world, late)],
        days=3,
        today=world.today,
        now=world.clock(),
    )
    reopened = await registration.reopen(
        world.db, head, task=Task.REGISTER, days=1, today=world.today, now=world.clock()
    )
    assert reopened < extended.until

    world.clock.advance(hours=12)  # inside both windows: everyone may submit
    assert (await register_unit(world, other)).version == 1
    world.clock.advance(days=1)  # the reopening is over, the extension is not
    assert await refused_at(world, world.bloc2_reps()[8]) == reopened
    assert (await register_unit(world, late)).version == 1
    world.clock.advance(days=2)  # both over: the late unit is shown its later extension
    assert await refused_at(world, late) == extended.until
    assert await refused_at(world, other) == reopened

    # A longer reopening for the whole bloc outlasts the unit's extension, and is then the date shown.
    longer = await registration.reopen(
        world.db, head, task=Task.REGISTER, days=5, today=world.today, now=world.clock()
    )
    assert (await register_unit(world, late)).version == 2
    world.clock.advance(days=6)
    assert await refused_at(world, late) == longer

    seen = await eligibility.overview(world.db, head, today=world.today)
    views = await registration.deadlines(world.db, bloc_id=seen.bloc_id, school_year_id=seen.school_year_id)
    assert [(v.task, v.due_at, v.reopened_until) for v in views] == [(Task.REGISTER, due, longer)]
    assert [(e.number, e.unit_name, e.until) for e in views[0].extensions] == [
        (4, unit_of(world, late), extended.until)
    ]


async def test_each_grant_is_in_the_history_and_a_new_grant_replaces_the_date(world: World) -> None:
    head = world.pid(HEAD)
    late = world.bloc2_reps()[3]
    number = (await numbered(world))[unit_of(world, late)]
    await set_register_deadline(world, world.clock() + timedelta(days=1))
    world.clock.advance(days=2)
    first = await registration.extend_for_unit(
        world.db,
        head,
        task=Task.REGISTER,
        unit_number=number,
        days=2,
        today=world.today,
        now=world.clock(),
        reason="Trường đi dã ngoại",
    )
    world.clock.advance(hours=1)
    second = await registration.extend_for_unit(
        world.db, head, task=Task.REGISTER, unit_number=number, days=1, today=world.today, now=world.clock()
    )
    assert second.previous == first.until and second.until < first.until  # shortened on purpose
    async with world.db.session() as session:
        rows = (await session.exec(select(DeadlineExtension))).all()
        history = (
            await session.exec(
                select(ChangeHistory)
                .where(ChangeHistory.entity == "deadline")
                .order_by(col(ChangeHistory.id))
            )
        ).all()
    assert [(r.unit_id, r.task, r.until, r.set_by_person_id, r.set_at) for r in rows] == [
        (first.unit_id, "register", second.until, head, world.clock())
    ]
    assert [(h.field, h.person_id, h.unit_id) for h in history] == [
        ("register", head, None),
        ("register.extended", head, first.unit_id),
        ("register.extended", head, first.unit_id),
    ]
    assert history[1].old_value is None and history[1].new_value == first.until.isoformat()
    assert history[1].reason == "Trường đi dã ngoại"
    assert history[2].old_value == first.until.isoformat()
    assert history[2].new_value == second.until.isoformat()
    assert history[2].at == world.clock() and history[2].reason is None
    assert history[1].entity_id == history[0].entity_id  # the deadline the extension is of


async def test_only_the_head_side_extends_and_a_bad_number_saves_nothing(world: World) -> None:
    head, rep = world.pid(HEAD), world.bloc2_reps()[3]
    secretary = world.pid(SECRETARIAT)

    async def extend(who: int, number: int, days: int = 2, task: Task = Task.REGISTER) -> str:
        with pytest.raises(Refused) as refused:
            await registration.extend_for_unit(
                world.db, who, task=task, unit_number=number, days=days, today=world.today, now=world.clock()
            )
        return refused.value.notice.key

    await set_register_deadline(world, world.clock() + timedelta(days=1))
    world.clock.advance(days=2)
    assert await extend(rep, 4) == "error.not_allowed"
    assert await extend(secretary, 4) == "error.not_allowed"
    for number in (0, 14, 999):
        with pytest.raises(Refused) as refused:
            await registration.extend_for_unit(
                world.db,
                head,
                task=Task.REGISTER,
                unit_number=number,
                days=2,
                today=world.today,
                now=world.clock(),
            )
        assert refused.value.notice.key == "deadline.unknown_unit"
        assert refused.value.notice.params == {"number": number, "count": 13}
    assert await extend(head, 4, days=0) == "reg.bad_days"
    assert await extend(head, 4, days=91) == "reg.bad_days"
    assert await extend(head, 4, task=Task.SELF_SCORE) == "reg.no_deadline"
    assert await count(world.db, DeadlineExtension) == 0
    assert await count(world.db, ChangeHistory, ChangeHistory.field == "register.extended") == 0
    assert await refused_at(world, rep) == world.clock() - timedelta(days=1)


async def test_an_extension_of_the_pact_lets_that_unit_sign(world: World) -> None:
    head, db = world.pid(HEAD), world.db
    late, other = world.bloc2_reps()[3], world.bloc2_reps()[6]
    scale = await criteria.publish(db, head, criteria.check_text(SCALE), today=world.today, now=world.clock())
    await registration.set_deadline(
        db,
        head,
        task=Task.SIGN_PACT,
        due_at=world.clock() + timedelta(hours=1),
        today=world.today,
        now=world.clock(),
    )
    world.clock.advance(hours=2)
    await registration.extend_for_unit(
        db,
        head,
        task=Task.SIGN_PACT,
        unit_number=(await numbered(world))[unit_of(world, late)],
        days=1,
        today=world.today,
        now=world.clock(),
    )
    assert not (
        await pact.sign(db, late, scale_id=scale.scale_id, today=world.today, now=world.clock())
    ).already
    with pytest.raises(Refused) as refused:
        await pact.sign(db, other, scale_id=scale.scale_id, today=world.today, now=world.clock())
    assert refused.value.notice.key == "reg.deadline_passed"
    assert await count(db, PactSignature) == 1


async def test_a_representatives_lich_shows_the_deadline_the_bot_enforces_for_their_unit(
    world: World,
) -> None:
    """/lich shows the head's deadline even when no timetable is loaded, with the unit's own
    extension where it has one; a unit that has registered sees it done."""
    from zoneinfo import ZoneInfo

    from bot.services import reminders

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    late, other = world.bloc2_reps()[3], world.bloc2_reps()[6]
    due = world.clock() + timedelta(days=3)
    await set_register_deadline(world, due)

    async def register_item(person_id: int) -> reminders.AgendaItem:
        found = await reminders.agenda(world.db, person_id, now=world.clock(), zone=zone)
        [item] = [i for i in found.items if i.task == "register"]
        return item

    item = await register_item(other)
    assert item.milestone_id == 0 and item.head_deadline == due and not item.done
    assert item.due_on == due.astimezone(zone).date() and item.unit_name == unit_of(world, other)

    numbers = await numbered(world)
    world.clock.advance(days=4)
    granted = await registration.extend_for_unit(
        world.db,
        world.pid(HEAD),
        task=Task.REGISTER,
        unit_number=numbers[unit_of(world, late)],
        days=5,
        today=world.today,
        now=world.clock(),
    )
    assert (await register_item(late)).head_deadline == granted.until
    assert (await register_item(other)).head_deadline == due  # overdue, not done: still listed

    await register_unit(world, late)
    assert (await register_item(late)).done


async def test_the_unit_is_told_through_the_outbox_and_only_of_a_grant_that_was_saved(world: World) -> None:
    head, late = world.pid(HEAD), world.bloc2_reps()[3]
    number = (await numbered(world))[unit_of(world, late)]

    def notice(granted: registration.Extension, language: str) -> Screen:
        return Screen(f"{granted.unit_name} · {language}")

    await set_register_deadline(world, world.clock() + timedelta(days=1))
    world.clock.advance(days=2)
    with pytest.raises(Refused):  # no deadline for scoring: nothing to extend, nobody told
        await registration.extend_for_unit(
            world.db,
            head,
            task=Task.SELF_SCORE,
            unit_number=number,
            days=2,
            today=world.today,
            now=world.clock(),
            notice=notice,
        )
    assert await count(world.db, OutboxMessage) == 0

    granted = await registration.extend_for_unit(
        world.db,
        head,
        task=Task.REGISTER,
        unit_number=number,
        days=2,
        today=world.today,
        now=world.clock(),
        notice=notice,
    )
    async with world.db.session() as session:
        queued = (await session.exec(select(OutboxMessage))).all()
    assert [(m.person_id, m.kind) for m in queued] == [(late, "deadline.extended")]
    assert decode_screen(queued[0].screen).text == f"{granted.unit_name} · vi"  # the reader's language
    assert [d.person_id for d in await outbox.status(world.db, granted.dedupe_prefix)] == [late]


async def test_the_heads_reminder_is_queued_once_per_representative_even_if_tapped_twice(
    world: World,
) -> None:
    head, rep = world.pid(HEAD), world.bloc2_reps()[3]

    def screen(unit_name: str, language: str) -> Screen:
        return Screen(unit_name)

    remind = {"task": "register", "today": world.today, "now": world.clock(), "screen": screen}
    assert await eligibility.remind(world.db, head, **remind) == 13  # type: ignore[arg-type]
    with pytest.raises(Refused) as again:  # one tap, one effect: "reminded at …" (issue 12)
        await eligibility.remind(world.db, head, **remind)  # type: ignore[arg-type]
    assert again.value.notice.key == "status.already_reminded"
    with pytest.raises(Refused):  # a representative reminds nobody
        await eligibility.remind(world.db, rep, **remind)  # type: ignore[arg-type]
    with pytest.raises(Refused):  # a forged task
        await eligibility.remind(world.db, head, **{**remind, "task": "vote"})  # type: ignore[arg-type]
    async with world.db.session() as session:
        queued = (await session.exec(select(OutboxMessage))).all()
    assert sorted(m.person_id for m in queued) == sorted(world.bloc2_reps())
