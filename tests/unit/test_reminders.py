"""Issue 6 services: importing the timetable, and the sweep under a clock moved by hand.

Every test runs on SQLite and PostgreSQL (the `db` fixture). The sender is a fake that records
what would have gone to Telegram, so the assertions are about who got what, when, how often.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.db import Database
from bot.services import progress, reach, reminders, timetable
from bot.services.progress import Task
from models.channels import Channel
from models.organisation import Bloc, BlocMembership, Person, Unit
from models.reminders import Milestone, PersonReach, Reminder, ReminderSend, SendStatus
from tests.auxil.clock import TEST_NOW, Clock
from tests.auxil.reminders import (
    VN,
    Crash,
    FakeTelegram,
    head_chat,
    load,
    local,
    rep_chats,
    sweep,
)

pytestmark = pytest.mark.reminders

SEED_001 = Path(__file__).parent / "timetable_seed001.txt"


async def recipients(db: Database) -> int:
    """People pinged about a department-wide item: one per unit's representative.

    Seed 000 lists one unit in two blocs; its representative gets one ping per milestone, not two.
    """
    return len({chat for chats in (await rep_chats(db)).values() for chat in chats})


# --------------------------------------------------------------------------- the importer


async def test_seed_001_is_saved_whole_in_its_own_school_year_and_again_changes_nothing(
    db: Database, clock: Clock
) -> None:
    cells = timetable.text_to_cells(SEED_001.read_text(encoding="utf-8"))
    first = await timetable.save(db, cells, school_year=None, bloc_id=None, now=clock(), zone=VN)
    assert first.ok and first.school_year == "2023-2024"  # read from its dates, not from today (2026)
    assert (first.added, first.changed, first.removed) == (17, 0, 0)
    async with db.session() as session:
        saved = {m.number: m for m in await session.exec(select(Milestone))}
    assert saved[5].due_on.isoformat() == "2024-02-29" and saved[5].due_kind == "month"
    assert saved[9].starts_on.isoformat() == "2024-05-20"  # type: ignore[union-attr]
    assert saved[4].audiences == "bloc_heads" and saved[4].blocs == "1,2,3"
    assert saved[2].task == Task.REGISTER and saved[3].task == Task.SIGN_PACT
    again = await timetable.save(db, cells, school_year=None, bloc_id=None, now=clock(), zone=VN)
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 17)


async def test_malformed_lines_are_refused_with_the_reason_and_nothing_is_saved(
    db: Database, clock: Clock
) -> None:
    text = SEED_001.read_text(encoding="utf-8")
    text = text.replace("Trước ngày 15/4/2024", "Trước ngày 31/02/2024")  # no such day
    text = text.replace("Ngày 15/8/2024\tPhòng GDĐT", "Sớm nhất có thể\tPhòng GDĐT")  # not a date
    text = text.rstrip("\n") + "\n18.\tMột dòng thiếu cột\tTrước ngày 01/8/2024"
    result = await timetable.save(
        db, timetable.text_to_cells(text), school_year=None, bloc_id=None, now=clock(), zone=VN
    )
    assert not result.ok and result.preview is not None
    reasons = {r.row: r.reason("vi") for r in result.preview.refused}
    assert "31/02/2024 không tồn tại" in reasons[8]
    assert "Không đọc được thời gian “Sớm nhất có thể”" in reasons[21]
    assert "cần đúng 4" in reasons[22]
    assert "does not exist" in result.preview.refused[0].reason("en")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Milestone))).one() == 0


def test_xlsx_and_csv_round_trip_give_the_same_milestones() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    text = SEED_001.read_text(encoding="utf-8")
    today = TEST_NOW.date()
    from_text = timetable.check(timetable.text_to_cells(text), school_year=None, today=today)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["KHUNG KẾ HOẠCH THỜI GIAN"])  # a title above the header, as in the plan
    for line in text.splitlines():
        if line.strip():
            sheet.append(line.split("\t"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = timetable.read_table(buffer.getvalue(), "khung.xlsx")
    assert isinstance(cells, list)
    from_xlsx = timetable.check(cells, school_year=None, today=today)
    csv_bytes = "\n".join(
        ",".join(f'"{c}"' for c in line.split("\t")) for line in text.splitlines() if line.strip()
    ).encode("utf-8-sig")
    csv_cells = timetable.read_table(csv_bytes, "khung.csv")
    assert isinstance(csv_cells, list)
    from_csv = timetable.check(csv_cells, school_year=None, today=today)
    assert from_text.ok and from_xlsx.ok and from_csv.ok
    assert len(from_xlsx.rows) == 17
    assert [(r.number, r.due_on, r.starts_on, r.audiences, r.blocs) for r in from_xlsx.rows] == [
        (r.number, r.due_on, r.starts_on, r.audiences, r.blocs) for r in from_text.rows
    ]
    assert from_csv.rows == from_text.rows
    assert isinstance(timetable.read_table(b"x", "khung.pdf"), timetable.Notice)


def test_a_date_outside_the_chosen_school_year_is_refused() -> None:
    table = "TT | Nội dung | Thời gian hoàn thành | Đơn vị thực hiện\n1 | Việc | Ngày 15/10/2025 | Phòng GDĐT"
    preview = timetable.check(timetable.text_to_cells(table), school_year="2026-2027", today=TEST_NOW.date())
    assert not preview.ok and "ngoài năm học 2026-2027" in preview.refused[0].reason_vi


# --------------------------------------------------------------------------- the schedule


async def test_pings_fire_a_week_two_days_and_on_the_day_at_eight_and_only_once(
    db: Database, clock: Clock
) -> None:
    await load(db, clock)
    units = await recipients(db)
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 7, 59)
    await sweep(db, fake, clock)
    assert fake.sent == []
    clock.now = local(30, 11, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert len(fake.sent) == units
    assert all("Còn 7 ngày." in out.text and "07/12/2026" in out.text for _, out in fake.sent)
    await sweep(db, fake, clock)
    clock.advance(minutes=5)
    await sweep(db, fake, clock)
    assert len(fake.sent) == units  # nothing twice
    for day, left in ((5, "Còn 2 ngày."), (7, "Hôm nay là hạn cuối.")):
        clock.now = local(day, 12, 2026, 8, 0, 30)
        before = len(fake.sent)
        await sweep(db, fake, clock)
        assert len(fake.sent) - before == units
        assert all(left in out.text for _, out in fake.sent[before:])
    assert {at.astimezone(VN).time() for at, _ in fake.sent} <= {time(8, 0), time(8, 0, 30)}
    assert set(fake.chats().values()) == {3}


async def test_quiet_hours_hold_a_late_ping_until_seven(db: Database, clock: Clock) -> None:
    await load(db, clock)
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 23, 15)  # the bot was down all day
    report = await sweep(db, fake, clock)
    assert fake.sent == [] and report.deferred > 0
    clock.now = local(1, 12, 2026, 6, 59)
    await sweep(db, fake, clock)
    assert fake.sent == []
    clock.now = local(1, 12, 2026, 7, 0)
    await sweep(db, fake, clock)
    assert len(fake.sent) == await recipients(db)
    for at, _ in fake.sent:
        assert time(7, 0) <= at.astimezone(VN).time() < time(21, 0)


async def test_a_bot_down_for_days_sends_the_latest_missed_ping_once_and_none_past_the_deadline(
    db: Database, clock: Clock
) -> None:
    await load(db, clock)
    fake = FakeTelegram(clock)
    clock.now = local(6, 12, 2026, 9, 0)  # missed 30/11 and 05/12
    report = await sweep(db, fake, clock)
    assert len(fake.sent) == await recipients(db)
    assert all("Còn 1 ngày." in out.text for _, out in fake.sent)
    assert report.superseded > 0
    clock.now = local(9, 12, 2026, 9, 0)  # down again over the deadline: the on-the-day ping is moot
    before = len(fake.sent)
    report = await sweep(db, fake, clock)
    pings = [out for _, out in fake.sent[before:] if "Nhắc việc" in out.text]
    assert pings == [] and report.irrelevant > 0
    # … and the heads get the overdue list instead, once a day.
    digests = [out for _, out in fake.sent[before:] if "quá hạn" in out.text]
    assert len(digests) == 4 and all("Nộp hồ sơ đăng ký thi đua" in d.text for d in digests)
    assert all("48" not in d.text and "/" in d.text for d in digests)
    await sweep(db, fake, clock)
    assert len(fake.sent) == before + 4
    clock.now = local(10, 12, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert len(fake.sent) == before + 8


async def test_units_that_are_done_are_not_pinged(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(db, clock)
    async with db.session() as session:
        bloc2 = (await session.exec(select(Bloc).where(Bloc.number == 2))).one()
        bloc2_units = list(
            await session.exec(select(BlocMembership.unit_id).where(BlocMembership.bloc_id == bloc2.id))
        )
    registered = set(bloc2_units[:5])

    async def units_done(db: Database, task: Task, *, bloc_id: int, school_year_id: int) -> set[int]:
        return registered if task == Task.REGISTER and bloc_id == bloc2.id else set()

    monkeypatch.setattr(progress, "units_done", units_done)
    reps = await rep_chats(db)
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert len(fake.sent) == await recipients(db) - 5
    for unit_id in registered:
        for chat in reps[unit_id]:
            assert all(out.person_id != chat or "Khối thi đua số 2" not in out.text for _, out in fake.sent)
    # A unit that registers after its ping was planned is dropped at send time too.
    registered.add(bloc2_units[5])
    clock.now = local(5, 12, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert len(fake.sent) == 2 * (await recipients(db) - 5) - 1


async def test_a_restart_between_two_sweeps_neither_loses_nor_repeats(db: Database, clock: Clock) -> None:
    await load(db, clock)
    units = await recipients(db)
    clock.now = local(30, 11, 2026, 8, 0)
    dying = FakeTelegram(clock, crash_after=10)
    with pytest.raises(Crash):
        await sweep(db, dying, clock, concurrency=1)
    assert len(dying.sent) == 10
    await db.dispose()  # the process is gone; a new one opens the same database
    restarted = Database(db.url)
    try:
        fresh = FakeTelegram(clock)
        clock.advance(seconds=30)
        await sweep(restarted, fresh, clock)
        # The one send in flight at the crash waits for its claim's lease; all the others go now.
        assert len(fresh.sent) == units - 10 - 1
        clock.advance(minutes=11)
        await sweep(restarted, fresh, clock)
        delivered = dying.chats() + fresh.chats()
        assert sum(delivered.values()) == units
        assert not set(dying.chats()) & set(fresh.chats())  # nobody got the same ping twice
        await sweep(restarted, fresh, clock)
        assert sum((dying.chats() + fresh.chats()).values()) == units
    finally:
        await restarted.dispose()


async def test_two_sweeps_at_once_send_each_ping_once(db: Database, clock: Clock) -> None:
    import asyncio

    await load(db, clock)
    clock.now = local(30, 11, 2026, 8, 0)
    fake = FakeTelegram(clock)
    await asyncio.gather(sweep(db, fake, clock), sweep(db, fake, clock), sweep(db, fake, clock))
    assert len(fake.sent) == await recipients(db)
    assert len({out.send_id for _, out in fake.sent}) == len(fake.sent)


async def test_a_person_who_blocked_the_bot_is_marked_and_reported_to_the_head_once(
    db: Database, clock: Clock
) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)
    async with db.session() as session:
        unit = (
            await session.exec(select(Unit).where(Unit.name == "Trường THCS&THPT Nguyễn Bình Khiêm"))
        ).one()
    blocked = (await rep_chats(db))[unit.id][0]  # type: ignore[index]
    fake = FakeTelegram(clock, blocked={blocked})
    clock.now = local(30, 11, 2026, 8, 0)
    report = await sweep(db, fake, clock)
    assert report.unreachable == 1
    reports = [out for _, out in fake.sent if out.person_id == head and "Không gửi được" in out.text]
    assert len(reports) == 1 and "Trường THCS&amp;THPT Nguyễn Bình Khiêm" in reports[0].text
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(PersonReach))).one() == 1
    # The next ping is not even tried, and the head is not told again.
    fake.blocked.clear()
    clock.now = local(5, 12, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert blocked not in fake.chats()
    assert len([o for _, o in fake.sent if "Không gửi được" in o.text]) == 1
    # Writing to the bot again (unblocking) lets the pings through.
    async with db.session() as session:
        telegram_id = (await session.get(Person, blocked)).telegram_id  # type: ignore[union-attr]
    assert await reach.mark_reachable(db, Channel.TELEGRAM, str(telegram_id))
    clock.now = local(7, 12, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert fake.chats()[blocked] == 1


async def test_the_head_gets_one_digest_of_everyone_unreachable_per_sweep(db: Database, clock: Clock) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)
    reps = await rep_chats(db)
    async with db.session() as session:
        units = {
            u.name: u.id
            for u in await session.exec(
                select(Unit).where(
                    col(Unit.name).in_(
                        ["Trường THCS&THPT Nguyễn Bình Khiêm", "Trường Trung học phổ thông An Khánh"]
                    )
                )
            )
        }
    blocked = {reps[unit_id][0] for unit_id in units.values()}  # type: ignore[index]
    fake = FakeTelegram(clock, blocked=blocked)
    clock.now = local(30, 11, 2026, 8, 0)
    report = await sweep(db, fake, clock)
    assert report.unreachable == 2
    digests = [out for _, out in fake.sent if "Không gửi được" in out.text]
    assert [d.person_id for d in digests] == [head]  # one message to the head, not one per person
    assert "tới 2 người" in digests[0].text
    for name in ("Trường THCS&amp;THPT Nguyễn Bình Khiêm", "Trường Trung học phổ thông An Khánh"):
        assert digests[0].text.count(name) == 1
    async with db.session() as session:
        rows = list(
            await session.exec(
                select(ReminderSend)
                .join(Reminder, col(Reminder.id) == ReminderSend.reminder_id)
                .where(Reminder.kind == "unreachable")
            )
        )
    # Each person is still its own row (reported once), and both rows went in the one message.
    assert len(rows) == 2 and {r.status for r in rows} == {SendStatus.SENT}
    assert len({r.message_ref for r in rows}) == 1 and rows[0].message_ref is not None
    # Later sweeps neither repeat the digest nor report the same people again.
    for day in (5, 7):
        clock.now = local(day, 12, 2026, 8, 0)
        await sweep(db, fake, clock)
    assert len([out for _, out in fake.sent if "Không gửi được" in out.text]) == 1


async def test_a_digest_too_long_for_one_message_is_split_and_names_everyone_once(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)
    async with db.session() as session:
        bloc2 = (await session.exec(select(Bloc).where(Bloc.number == 2))).one()
        units = list(
            await session.exec(select(BlocMembership.unit_id).where(BlocMembership.bloc_id == bloc2.id))
        )
    reps = await rep_chats(db)
    blocked = set(sorted(reps[u][0] for u in units if head not in reps[u])[:5])  # five, not the head
    monkeypatch.setattr(reminders, "DIGEST_CHARS", 250)  # about two lines a message
    fake = FakeTelegram(clock, blocked=blocked)
    clock.now = local(30, 11, 2026, 8, 0)
    await sweep(db, fake, clock)
    digests = [out for _, out in fake.sent if "Không gửi được" in out.text]
    assert 1 < len(digests) < 5 and {d.person_id for d in digests} == {head}
    assert all(len(d.text) < 4096 for d in digests)
    assert sum(d.text.count("\n• ") for d in digests) == 5  # everyone, once


async def test_snooze_once_and_mute(db: Database, clock: Clock) -> None:
    await load(db, clock)
    fake = FakeTelegram(clock)
    clock.now = local(30, 11, 2026, 8, 0)
    await sweep(db, fake, clock)
    first, second = fake.sent[0][1], fake.sent[1][1]
    assert [b.data for b in first.buttons[0]] == ["task:register"]
    assert [b.data for b in first.buttons[1]] == [f"rm:sn:{first.send_id}", f"rm:mu:{first.send_id}"]
    # Somebody else's ping: refused, nothing changes.
    assert (
        await reminders.snooze(db, first.send_id, second.person_id, now=clock(), zone=VN)
    ).answer == "gone"
    snoozed = await reminders.snooze(db, first.send_id, first.person_id, now=clock(), zone=VN)
    assert snoozed.answer == "ok" and snoozed.when == local(1, 12, 2026, 8, 0)
    again = await reminders.snooze(db, first.send_id, first.person_id, now=clock(), zone=VN)
    assert again.answer == "already"
    assert (await reminders.mute_from_send(db, second.send_id, second.person_id, now=clock())).answer == "ok"
    clock.now = local(1, 12, 2026, 8, 0)
    before = len(fake.sent)
    await sweep(db, fake, clock)
    assert [out.person_id for _, out in fake.sent[before:]] == [first.person_id]
    assert "Nhắc lại" in fake.sent[-1][1].text
    assert [b.data for row in fake.sent[-1][1].buttons for b in row][-1].startswith(
        "rm:mu:"
    )  # no second snooze
    clock.now = local(5, 12, 2026, 8, 0)
    await sweep(db, fake, clock)
    assert second.person_id not in [out.person_id for _, out in fake.sent[before:]]


async def test_the_heads_adhoc_reminder_goes_to_the_units_missing_the_item(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)
    options = await reminders.adhoc_options(db, head, now=clock(), zone=VN)
    assert options is not None and [o.number for o in options] == [1]  # item 2 is the heads' own
    async with db.session() as session:
        bloc2 = (await session.exec(select(Bloc).where(Bloc.number == 2))).one()
        units = list(
            await session.exec(select(BlocMembership.unit_id).where(BlocMembership.bloc_id == bloc2.id))
        )

    async def units_done(db: Database, task: Task, *, bloc_id: int, school_year_id: int) -> set[int]:
        return set(units[:10])

    monkeypatch.setattr(progress, "units_done", units_done)
    result = await reminders.send_adhoc(db, head, options[0].milestone_id, bloc2.id, now=clock(), zone=VN)  # type: ignore[arg-type]
    assert result.answer == "ok" and result.count == 3
    assert (
        await reminders.send_adhoc(db, head, options[0].milestone_id, bloc2.id, now=clock(), zone=VN)
    ).answer == "already"  # type: ignore[arg-type]
    stranger = (await rep_chats(db))[units[-1]][0]
    refused = await reminders.send_adhoc(
        db, stranger, options[0].milestone_id, bloc2.id, now=clock(), zone=VN
    )  # type: ignore[arg-type]
    assert refused.answer == "not_allowed"
    fake = FakeTelegram(clock)
    await sweep(db, fake, clock)
    assert len(fake.sent) == 3 and all("Khối trưởng nhắc việc" in out.text for _, out in fake.sent)


async def test_agenda_lists_a_persons_own_items(db: Database, clock: Clock) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)
    mine = await reminders.agenda(db, head, now=clock(), zone=VN)
    assert [(i.number, i.unit_name is None) for i in mine.items] == [(1, False), (2, True)]
    assert (await reminders.agenda(db, 123456, now=clock(), zone=VN)).has_role is False


async def test_the_schedule_is_a_setting_per_bloc(db: Database, clock: Clock) -> None:
    await load(db, clock)
    async with db.session() as session:
        bloc2 = (await session.exec(select(Bloc).where(Bloc.number == 2))).one()
    await timetable.set_schedule(
        db,
        bloc2.id,  # type: ignore[arg-type]
        timetable.Schedule((3,), time(14, 30), time(22, 0), time(6, 0)),
        zone=VN,
        now=clock(),
    )
    async with db.session() as session:
        due = list(
            await session.exec(
                select(Reminder.due_at).where(Reminder.bloc_id == bloc2.id, Reminder.kind == "ping")
            )
        )
    assert sorted(d.astimezone(VN) for d in due) == [
        datetime(2026, 12, 4, 14, 30, tzinfo=VN),
        datetime(2027, 1, 11, 14, 30, tzinfo=VN),
    ]


async def test_sends_are_rows_with_a_sent_mark(db: Database, clock: Clock) -> None:
    await load(db, clock)
    clock.now = local(30, 11, 2026, 8, 0)
    await sweep(db, FakeTelegram(clock), clock)
    async with db.session() as session:
        rows = list(await session.exec(select(ReminderSend)))
    sent = [r for r in rows if r.status == SendStatus.SENT]
    assert len(sent) == await recipients(db)
    assert all(r.sent_at == clock() and r.message_ref and r.claim_token for r in sent)
    # The unit listed in two blocs: its second send for the same item was dropped, not sent.
    assert [(r.status, r.skip_reason) for r in rows if r.status != SendStatus.SENT] == [
        ("skipped", "superseded")
    ]
