"""A rolling restart as an orchestrator does it: two `thidua run` OS processes at once against one
PostgreSQL and one sandbox. Each polls the sandbox and runs its own reminder sweep and ballot job on
the real clock, so both see the same due pings and the same due poll. Every reminder and every ballot
reaches its person once, and the poll is closed and counted once: the jobs claim their work in the
database (tests/e2e/test_two_processes.py shows the same with two bots inside one test process)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.ballot_crypto import new_master_key
from bot.channels.telegram import markup_of
from bot.db import Database
from bot.sandbox.client import Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import ballots, meetings, reminder_settings, reminders, timetable
from bot.services.ballots import Purpose
from bot.services.demo import load_demo, load_demo_progress
from handlers.meetings import draft_card
from models.meetings import AuditEntry, MeetingKind, Poll, PollStatus
from models.organisation import Person as PersonRow
from models.reminders import Reminder, ReminderSend, SendStatus
from tests.auxil.ballots import name_counting_committee
from tests.auxil.databases import empty_postgres
from tests.auxil.people import pid
from tests.auxil.process import BotProcess

pytestmark = [pytest.mark.e2e, pytest.mark.operations, pytest.mark.postgres]

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BLOC2 = "Khối thi đua số 2"
SETTLE_SECONDS = 1.5  # several more ticks of both processes' jobs: time for any second send


@pytest.fixture
async def shared(postgres_url: str) -> AsyncIterator[Database]:
    """The one PostgreSQL database both processes use, emptied first."""
    database = Database(postgres_url)
    await empty_postgres(database)
    yield database
    await database.dispose()


@pytest.fixture
async def two_processes(
    shared: Database,
    sandbox_server: SandboxServer,
    client: SandboxClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[BotProcess, BotProcess]]:
    key = new_master_key()  # one key for both, from the environment, as a container secret gives it
    processes = [
        BotProcess(
            shared.url,
            sandbox_server.url,
            env={
                "BALLOT_MASTER_KEY": key,
                "FILE_STORE_DIR": str(tmp_path_factory.mktemp("files")),
                "POLL_PROGRESS_SECONDS": "0.3",
                "REMINDER_SWEEP_SECONDS": "0.3",
            },
        )
        for _ in range(2)
    ]
    try:
        await asyncio.gather(*(process.start(client) for process in processes))
        yield processes[0], processes[1]
    finally:
        for process in processes:
            await process.stop()


def quiet_hours_away_from(now: datetime) -> str:
    """Half an hour of quiet, hours away from now and from the 08:00 send time: the real clock may
    read 02:00 in Hồ Chí Minh City, and a ping is then held to the morning, never dropped."""
    hour = (now.astimezone(ZONE).hour + 3) % 24
    if hour == 8:
        hour = 10
    return f"{hour:02d}:00-{hour:02d}:30"


async def bot_texts(person: Person) -> list[str]:
    return [m.get("text", "") for m in await person.transcript() if m["from"]["is_bot"]]


async def wait_until_all_sent(db: Database, reminder_id: int) -> list[ReminderSend]:
    """The reminder's pings once both sweeps are through with them (expanded in one transaction)."""
    sends: list[ReminderSend] = []
    for _ in range(300):
        async with db.session() as session:
            sends = list(
                await session.exec(select(ReminderSend).where(ReminderSend.reminder_id == reminder_id))
            )
        if sends and all(send.status == SendStatus.SENT for send in sends):
            return sends
        await asyncio.sleep(0.05)
    raise AssertionError(f"reminder {reminder_id}: not every ping was sent: {sends}")


async def test_two_bot_processes_send_each_reminder_and_ballot_once_and_close_the_poll_once(
    two_processes: tuple[BotProcess, BotProcess],
    shared: Database,
    client: SandboxClient,
    sandbox_server: SandboxServer,
) -> None:
    now = datetime.now(UTC)  # the processes read the real clock
    today = now.astimezone(ZONE).date()
    _, personas = await load_demo(shared, authority_name="Sở GD&ĐT", now=now)
    await load_demo_progress(shared, bloc_number=2, now=now)
    reps = [p for p in personas if p.group == BLOC2]
    people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps]
    head = people[0]
    head_id = await pid(shared, head.user_id)
    bloc_id = (await meetings.led_blocs(shared, head_id, today))[0][0]

    # ---- a reminder: the head's "remind now"; both processes' sweeps find it due at once
    saved = await reminder_settings.set_quiet_hours(
        shared, head_id, bloc_id, quiet_hours_away_from(now), now=now, zone=ZONE
    )
    assert saved.refusal is None, saved
    due = (today + timedelta(days=30)).strftime("%d/%m/%Y")
    table = "TT | Nội dung | Thời gian hoàn thành | Đơn vị thực hiện\n" + (
        f"1 | Gửi ảnh hoạt động phong trào của đơn vị | Trước ngày {due} | Các đơn vị trực thuộc Phòng GDĐT"
    )
    saved_table = await timetable.save(
        shared, timetable.text_to_cells(table), school_year=None, bloc_id=bloc_id, now=now, zone=ZONE
    )
    assert saved_table.ok, saved_table
    options = await reminders.adhoc_options(shared, head_id, now=now, zone=ZONE)
    option = next(o for o in options or [] if o.bloc_id == bloc_id)
    answer = await reminders.send_adhoc(shared, head_id, option.milestone_id, bloc_id, now=now, zone=ZONE)
    assert answer.count >= 2, answer  # units to remind
    async with shared.session() as session:
        reminder = (
            await session.exec(select(Reminder).where(col(Reminder.dedupe_key).startswith("adhoc:")))
        ).one()
    assert reminder.id is not None
    await wait_until_all_sent(shared, reminder.id)
    await asyncio.sleep(SETTLE_SECONDS)
    async with shared.session() as session:
        sends = (
            await session.exec(select(ReminderSend).where(ReminderSend.reminder_id == reminder.id))
        ).all()
        reached = (
            await session.exec(
                select(PersonRow.telegram_id).where(col(PersonRow.id).in_([s.person_id for s in sends]))
            )
        ).all()
    assert len(sends) >= answer.count and all(s.status == SendStatus.SENT for s in sends), sends
    for person in people:
        pinged = sum(1 for said in await bot_texts(person) if option.title in said)
        assert pinged == (1 if person.user_id in reached else 0), (person.user_id, pinged)

    # ---- a secret ballot in the bloc's meeting; both processes' ballot jobs find it due at once
    await client.group(-1002, BLOC2, [p.user_id for p in reps])
    group = await client.in_group(head, -1002)
    await group.send("/nhomkhoi")
    await group.expect("đã được gắn")
    meeting = await meetings.create_meeting(
        shared,
        person_id=head_id,
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    meeting = await meetings.open_meeting(
        shared, person_id=head_id, meeting_id=meeting.id, now=now, today=today
    )
    for rep in reps[:10]:
        await meetings.check_in(
            shared,
            person_id=await pid(shared, rep.user_id),
            code=meeting.checkin_code or "",
            now=now,
            today=today,
        )
    await name_counting_committee(shared, lambda: now)  # a secret ballot opens only with one
    title = "Khối phó năm học tới"
    draft = await ballots.create_draft(
        shared, person_id=head_id, meeting_id=meeting.id, purpose=Purpose.ELECT_DEPUTY, title=title, now=now
    )
    await ballots.set_duration(shared, person_id=head_id, poll_id=draft.id, now=now, minutes=1)
    # The head's draft card as the bot shows it, put in the head's chat; the press reaches a process.
    screen = draft_card(await ballots.poll_view(shared, draft.id), "vi")
    markup = markup_of(screen)
    await sandbox_server.sandbox.call(
        "sendMessage",
        {
            "chat_id": head.chat_id,
            "text": screen.text,
            "reply_markup": json.dumps(markup.to_dict() if markup is not None else None),
        },
    )
    card = await head.expect(title)
    await head.press(card, data=f"pd:{draft.id}:open")
    for person in people[1:10]:
        await person.expect("Phiếu bầu", title)
    # The minute passes (its deadline moved, not waited for): both ballot jobs see the poll due.
    async with shared.transaction() as session:
        await session.exec(
            update(Poll)
            .where(col(Poll.id) == draft.id)
            .values(closes_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await group.expect(f"Kết quả: {title}")
    await asyncio.sleep(SETTLE_SECONDS)

    for person in people[:10]:
        received = sum(1 for said in await bot_texts(person) if "Phiếu bầu" in said and title in said)
        assert received == 1, (person.user_id, received)
    said = await bot_texts(group)
    assert sum(1 for line in said if f"Kết quả: {title}" in line) == 1, said
    async with shared.session() as session:
        poll = (await session.exec(select(Poll).where(Poll.id == draft.id))).one()
        actions = [
            entry.action
            for entry in await session.exec(
                select(AuditEntry).where(AuditEntry.subject == f"poll:{draft.id}")
            )
        ]
    assert poll.status == PollStatus.CLOSED
    assert actions.count("poll.open") == 1 and actions.count("poll.close") == 1, actions
    # Both processes lived through it all: the work was shared, not left to a lone survivor.
    assert all(process.process and process.process.returncode is None for process in two_processes)
