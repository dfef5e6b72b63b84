"""/caidatnhac's service: a bloc head sees and changes the ping schedule, and the pings follow it.

Every database test runs on SQLite and PostgreSQL (the `db` fixture); the clock is moved by hand
and the sender is the recording fake of test_reminders, so the assertions are about who gets
which ping when.
"""

from __future__ import annotations

import asyncio
from datetime import time

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.services import reminder_settings, timetable
from bot.services.demo import load_demo
from bot.services.reminder_settings import BlocSettings
from handlers.reminder_settings import CALLBACK, card, when_text
from models.organisation import Bloc, BlocMembership, Person
from models.reminder_settings import Problem, parse_clock, parse_quiet_hours, schedule_problem
from models.reminders import Reminder, ReminderSchedule
from tests.auxil.clock import Clock
from tests.auxil.reminders import AUTHORITY, TABLE_2026, VN, FakeTelegram, local, rep_chats, sweep

pytestmark = pytest.mark.reminders

BLOC2 = "Khối thi đua số 2"


async def load(db: Database, clock: Clock) -> dict[str, int]:
    """Seed 000's roster and the 2026 table; returns label -> person id of the demo people."""
    _, personas = await load_demo(db, authority_name=AUTHORITY, now=clock())
    result = await timetable.save(
        db, timetable.text_to_cells(TABLE_2026), school_year=None, bloc_id=None, now=clock(), zone=VN
    )
    assert result.ok
    async with db.session() as session:
        ids = dict((await session.exec(select(Person.telegram_id, Person.id))).all())
    return {p.label: ids[p.user_id] for p in personas}


def who(people: dict[str, int], fragment: str) -> int:
    return next(user for label, user in people.items() if label.startswith(fragment))


async def bloc_id(db: Database, number: int) -> int:
    async with db.session() as session:
        found = (await session.exec(select(Bloc.id).where(Bloc.number == number))).one()
    assert found is not None
    return found


async def bloc_chats(db: Database, number: int) -> set[int]:
    """Person ids of the representatives of a bloc's units."""
    async with db.session() as session:
        units = set(
            await session.exec(
                select(BlocMembership.unit_id)
                .join(Bloc, col(Bloc.id) == BlocMembership.bloc_id)
                .where(Bloc.number == number)
            )
        )
    reps = await rep_chats(db)
    return {chat for unit in units for chat in reps.get(unit, [])}


async def snapshot(db: Database) -> tuple[list[tuple[int, str, str, str, str]], list[tuple[str, str]]]:
    """Everything a settings change may touch: the stored schedules and the planned reminders."""
    async with db.session() as session:
        schedules = [
            (s.bloc_id, s.offsets_days, s.send_at, s.quiet_start, s.quiet_end)
            for s in await session.exec(select(ReminderSchedule).order_by(col(ReminderSchedule.bloc_id)))
        ]
        planned = sorted((r.dedupe_key, r.due_at.isoformat()) for r in await session.exec(select(Reminder)))
    return schedules, planned


# --------------------------------------------------------------------------- the rules


def test_what_a_head_may_type() -> None:
    assert parse_clock("08:00") == time(8) and parse_clock(" 7:05 ") == time(7, 5)
    assert parse_clock("23:59") == time(23, 59)
    for wrong in ("24:00", "8h", "8:5", "08:60", "8 giờ", "", "08:00:00", "-1:00"):
        assert parse_clock(wrong) is None, wrong
    assert parse_quiet_hours("21:00-07:00") == (time(21), time(7))
    assert parse_quiet_hours("22:00 – 6:30") == (time(22), time(6, 30))  # an en dash from a phone
    for wrong in ("21:00", "21:00-", "21-07", "21:00-25:00", "21:00 đến 07:00"):
        assert parse_quiet_hours(wrong) is None, wrong
    assert schedule_problem((7, 2, 0), time(8), time(21), time(7)) is None
    assert schedule_problem((7, 2, 0), time(22), time(21), time(7)) is Problem.SEND_IN_QUIET  # wraps midnight
    assert schedule_problem((7, 2, 0), time(6, 59), time(21), time(7)) is Problem.SEND_IN_QUIET
    assert schedule_problem((7, 2, 0), time(7), time(21), time(7)) is None  # the end is not quiet
    assert schedule_problem((7, 2, 0), time(8), time(7), time(7)) is Problem.QUIET_EMPTY
    assert schedule_problem((90, 0), time(8), time(21), time(7)) is Problem.BAD_OFFSETS
    assert schedule_problem((), time(8), time(21), time(7)) is Problem.BAD_OFFSETS


def test_the_card_reads_as_a_sentence_and_its_buttons_fit_telegram() -> None:
    settings = BlocSettings(999_999_999, BLOC2, timetable.Schedule())
    text, buttons = card(settings, "vi")
    assert (
        "Nhắc trước 7 ngày, 2 ngày và đúng ngày hạn, lúc <b>08:00</b>; không nhắn từ <b>21:00</b> đến <b>07:00</b>."
        in text
    )
    assert when_text("vi", (1, 0)) == "trước 1 ngày và đúng ngày hạn"
    assert when_text("en", (14, 7, 2, 0)) == "14 days, 7 days, 2 days before and on the due day"
    assert when_text("en", (1,)) == "1 day before"
    datas = [b.data for row in buttons for b in row]
    assert all(isinstance(d, str) and len(d.encode()) <= 64 and CALLBACK.fullmatch(d) for d in datas)
    for forged in ("rs:2:t\n", "rs:2:x", "rs:-1:t", "rs:2:p:1.0.", "rs:2", "rs:9999999999:t", "rm:2:t"):
        assert CALLBACK.fullmatch(forged) is None, forged


# --------------------------------------------------------------------------- the service


async def test_the_head_changes_the_schedule_and_the_planned_pings_follow_it(
    db: Database, clock: Clock
) -> None:
    people = await load(db, clock)
    head = who(people, "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa")
    bloc2 = await bloc_id(db, 2)
    today = clock().astimezone(VN).date()
    [shown] = await reminder_settings.settings_for(db, head, today=today) or []
    assert (shown.bloc_name, shown.schedule) == (BLOC2, timetable.Schedule())

    saved = await reminder_settings.choose_offsets(db, head, bloc2, (3, 1, 0), now=clock(), zone=VN)
    assert saved.ok and saved.settings is not None and saved.settings.schedule.offsets_days == (3, 1, 0)
    assert saved.replanned == 6  # 2 milestones × 3 offsets, none of them past
    saved = await reminder_settings.set_send_time(db, head, bloc2, "14:30", now=clock(), zone=VN)
    assert saved.ok and saved.settings is not None and saved.settings.schedule.send_at == time(14, 30)
    # The deputy reads what the head saved: it is in the database, not in the head's chat.
    deputy = who(people, "Khối phó — Trường Trung học phổ thông Bình Thủy")
    seen = await reminder_settings.settings_of(db, deputy, bloc2, today=today)
    assert seen is not None and seen.schedule == timetable.Schedule((3, 1, 0), time(14, 30))

    chats = await bloc_chats(db, 2)
    fake = FakeTelegram(clock)

    def bloc2_pings(since: int) -> list[int]:
        return [out.person_id for _, out in fake.sent[since:] if BLOC2 in out.text]

    clock.now = local(30, 11, 2026, 8, 0)  # the old "a week before": the other blocs only
    await sweep(db, fake, clock)
    assert fake.sent and bloc2_pings(0) == []
    for day, left in ((4, "Còn 3 ngày."), (6, "Còn 1 ngày."), (7, "Hôm nay là hạn cuối.")):
        clock.now = local(day, 12, 2026, 14, 29)
        before = len(fake.sent)
        await sweep(db, fake, clock)
        assert bloc2_pings(before) == [], day  # not at 08:00, not a minute early
        clock.now = local(day, 12, 2026, 14, 30)
        before = len(fake.sent)
        await sweep(db, fake, clock)
        assert sorted(bloc2_pings(before)) == sorted(chats), day  # everyone once
        assert all(left in out.text for _, out in fake.sent[before:])
    # The heads' own item (due 14/01/2027) follows the new schedule too.
    async with db.session() as session:
        later = list(
            await session.exec(
                select(Reminder).where(
                    Reminder.bloc_id == bloc2, Reminder.kind == "ping", Reminder.status == "pending"
                )
            )
        )
    assert sorted(r.due_at.astimezone(VN).strftime("%d/%m %H:%M") for r in later) == [
        "11/01 14:30",
        "13/01 14:30",
        "14/01 14:30",
    ]


async def test_a_ping_held_back_by_the_old_quiet_hours_goes_by_the_new_ones(
    db: Database, clock: Clock
) -> None:
    people = await load(db, clock)
    head = who(people, "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa")
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 21, 30)  # the bot was down all day: 08:00's pings wait for 07:00
    report = await sweep(db, fake, clock)
    assert fake.sent == [] and report.deferred > 0

    saved = await reminder_settings.set_quiet_hours(
        db, head, await bloc_id(db, 2), "22:00-06:00", now=clock(), zone=VN
    )
    assert saved.ok and saved.settings is not None
    assert (saved.settings.schedule.quiet_start, saved.settings.schedule.quiet_end) == (time(22), time(6))
    await sweep(db, fake, clock)
    # 21:30 is a civil hour for bloc 2 now; the other blocs keep 21:00-07:00.
    assert fake.sent and all(BLOC2 in out.text for _, out in fake.sent)
    only_bloc2 = await bloc_chats(db, 2) - (await bloc_chats(db, 3))
    assert only_bloc2 <= set(fake.chats()) and set(fake.chats().values()) == {1}
    before = len(fake.sent)
    clock.now = local(1, 12, 2026, 6, 59)
    await sweep(db, fake, clock)
    assert len(fake.sent) == before
    clock.now = local(1, 12, 2026, 7, 0)
    await sweep(db, fake, clock)
    assert fake.sent[before:] and all(BLOC2 not in out.text for _, out in fake.sent[before:])
    assert set(fake.chats().values()) == {1}  # nobody got the week-before ping twice


async def test_bad_values_are_refused_with_the_reason_and_change_nothing(db: Database, clock: Clock) -> None:
    people = await load(db, clock)
    head = who(people, "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa")
    bloc2 = await bloc_id(db, 2)
    before = await snapshot(db)
    send_time, quiet = reminder_settings.set_send_time, reminder_settings.set_quiet_hours
    cases = [
        (send_time, "25:00", "remset.bad_time", "«25:00» không phải giờ hợp lệ"),
        (send_time, "8h", "remset.bad_time", "dạng HH:MM (24 giờ)"),
        (send_time, "22:15", "remset.send_in_quiet", "giờ gửi 22:15 nằm trong khoảng không nhắn 21:00–07:00"),
        (quiet, "21:00", "remset.bad_quiet", "ví dụ 21:00-07:00"),
        (quiet, "07:00-07:00", "remset.quiet_empty", "trùng nhau (07:00)"),
        (
            quiet,
            "06:00-09:00",
            "remset.send_in_quiet",
            "giờ gửi 08:00 nằm trong khoảng không nhắn 06:00–09:00",
        ),
    ]
    for change, text, key, reason in cases:
        saved = await change(db, head, bloc2, text, now=clock(), zone=VN)
        assert not saved.ok and saved.refusal is not None and saved.refusal.key == key, text
        assert reason in saved.refusal.render("vi"), (text, saved.refusal.render("vi"))
        assert saved.refusal.render("en")  # said in English too
    for offsets in ((), (90, 0), (2, 2, 0), (9, 8, 7, 6, 5, 4, 3)):
        saved = await reminder_settings.choose_offsets(db, head, bloc2, offsets, now=clock(), zone=VN)
        assert saved.refusal is not None and saved.refusal.key == "remset.bad_offsets", offsets
    assert await snapshot(db) == before


async def test_two_officers_saving_at_once_cannot_combine_into_a_send_time_inside_quiet_hours(
    db: Database, clock: Clock
) -> None:
    people = await load(db, clock)
    head = who(people, "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa")
    deputy = who(people, "Khối phó — Trường Trung học phổ thông Bình Thủy")
    bloc2 = await bloc_id(db, 2)
    # Each is fine against today's settings (08:00, 21:00-07:00); together they are not.
    first, second = await asyncio.gather(
        reminder_settings.set_send_time(db, head, bloc2, "20:00", now=clock(), zone=VN),
        reminder_settings.set_quiet_hours(db, deputy, bloc2, "19:00-07:00", now=clock(), zone=VN),
    )
    assert [first.ok, second.ok].count(True) == 1
    refused = second if first.ok else first
    assert refused.refusal is not None and refused.refusal.key == "remset.send_in_quiet"
    [stored] = (await snapshot(db))[0]
    assert (stored[2], stored[3]) in {("20:00", "21:00"), ("08:00", "19:00")}


async def test_only_the_blocs_officers_may_see_or_change_it(db: Database, clock: Clock) -> None:
    people = await load(db, clock)
    bloc2 = await bloc_id(db, 2)
    today = clock().astimezone(VN).date()
    before = await snapshot(db)
    outsiders = {
        "a unit's representative": who(people, "Trường Trung học phổ thông Châu Văn Liêm"),
        "the secretariat": who(people, "Bộ phận Thường trực — Khối thi đua số 2"),
        "another bloc's head": who(people, "Khối trưởng — Trường Trung học phổ thông Lưu Hữu Phước"),
        "a stranger": 555_000,
    }
    for name, person in outsiders.items():
        assert await reminder_settings.settings_of(db, person, bloc2, today=today) is None, name
        for saved in (
            await reminder_settings.choose_offsets(db, person, bloc2, (1, 0), now=clock(), zone=VN),
            await reminder_settings.set_send_time(db, person, bloc2, "09:00", now=clock(), zone=VN),
            await reminder_settings.set_send_time(db, person, bloc2, "nonsense", now=clock(), zone=VN),
            await reminder_settings.set_quiet_hours(db, person, bloc2, "22:00-06:00", now=clock(), zone=VN),
        ):
            assert saved.refusal is not None and saved.refusal.key == "remset.not_allowed", name
    rep = outsiders["a unit's representative"]
    assert await reminder_settings.settings_for(db, rep, today=today) is None
    refused = await reminder_settings.set_quiet_hours(db, rep, None, "22:00-06:00", now=clock(), zone=VN)
    assert refused.refusal is not None and refused.refusal.key == "remset.not_allowed"
    assert await snapshot(db) == before
    # The deputy runs the bloc with the head; a value typed with no card in mind goes to their one bloc.
    deputy = who(people, "Khối phó — Trường Trung học phổ thông Bình Thủy")
    saved = await reminder_settings.set_send_time(db, deputy, None, "07:30", now=clock(), zone=VN)
    assert saved.ok and saved.settings is not None and saved.settings.bloc_id == bloc2


async def test_a_change_on_the_day_of_a_ping_neither_loses_nor_repeats_it(db: Database, clock: Clock) -> None:
    people = await load(db, clock)
    head = who(people, "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa")
    bloc2 = await bloc_id(db, 2)
    chats = await bloc_chats(db, 2)
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 9, 0)  # today's "a week before" went at 08:00
    await sweep(db, fake, clock)
    week_before = [out.person_id for _, out in fake.sent if BLOC2 in out.text]
    # (The unit listed in blocs 2 and 3 gets one of the two blocs' pings, as before.)
    assert len(set(week_before)) == len(week_before) and set(week_before) >= chats - await bloc_chats(db, 3)
    # Moving the hour re-plans what is left; the ping that already went is not sent again.
    saved = await reminder_settings.set_send_time(db, head, bloc2, "10:00", now=clock(), zone=VN)
    assert saved.ok
    clock.now = local(30, 11, 2026, 10, 0)
    before = len(fake.sent)
    await sweep(db, fake, clock)
    assert [out for _, out in fake.sent[before:] if BLOC2 in out.text] == []
    # A new preset whose moment for today is already past still sends today's ping, once.
    clock.now = local(4, 12, 2026, 11, 0)
    saved = await reminder_settings.choose_offsets(db, head, bloc2, (3, 1, 0), now=clock(), zone=VN)
    assert saved.ok
    before = len(fake.sent)
    await sweep(db, fake, clock)
    await sweep(db, fake, clock)
    today = [out for _, out in fake.sent[before:] if BLOC2 in out.text]
    assert sorted(out.person_id for out in today) == sorted(chats)
    assert all("Còn 3 ngày." in out.text for out in today)
