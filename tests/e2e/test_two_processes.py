"""A rolling restart: two bots overlap against one PostgreSQL and one sandbox. Each has its own
engine and connection pool, its own job queue and its own poller, as two processes would (the
sandbox, like Telegram before an offset is confirmed, may hand the same update to both). Every
reminder and every ballot reaches its person once, and the poll is closed and counted once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bench.broadcast import PING_AT, delivered, prepare
from bot.db import Database
from bot.deps import Deps
from bot.reminders_job import run_sweep
from bot.sandbox.client import Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.demo import load_demo, load_demo_progress
from bot.settings import master_key
from handlers.meetings import draft_card
from models.channels import Channel
from models.meetings import AuditEntry, MeetingKind, Poll, PollStatus
from tests.auxil.bot import RunningBot, make_settings
from tests.auxil.clock import Clock
from tests.auxil.databases import empty_postgres
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.operations, pytest.mark.postgres]


@pytest.fixture
async def shared(postgres_url: str) -> AsyncIterator[Database]:
    """The one PostgreSQL database both bots use, emptied first."""
    database = Database(postgres_url)
    await empty_postgres(database)
    yield database
    await database.dispose()


@pytest.fixture
async def two_bots(
    shared: Database, sandbox_server: SandboxServer, clock: Clock
) -> AsyncIterator[tuple[RunningBot, RunningBot]]:
    bots = []
    for _ in range(2):
        own = Database(shared.url)  # an engine and a pool of its own, as in another process
        settings = make_settings(own, poll_progress_seconds=0.3)
        bots.append(
            RunningBot(
                Deps(settings=settings, db=own, clock=clock, master_key=master_key(settings)), sandbox_server
            )
        )
    try:
        await asyncio.gather(*(b.start() for b in bots))
        yield bots[0], bots[1]
    finally:
        for running in bots:
            await running.stop()
            await running.deps.db.dispose()


async def test_two_bots_send_each_reminder_once(
    two_bots: tuple[RunningBot, RunningBot], shared: Database, sandbox_server: SandboxServer, clock: Clock
) -> None:
    first, second = two_bots
    chat_ids = await prepare(shared, sandbox_server.sandbox, 60, now=clock())
    clock.now = PING_AT
    reports = await asyncio.gather(run_sweep(first.deps), run_sweep(second.deps))
    assert sum(report.sent for report in reports) == 60
    assert delivered(sandbox_server.sandbox, chat_ids) == [1] * 60
    again = await asyncio.gather(run_sweep(first.deps), run_sweep(second.deps))
    assert sum(report.sent for report in again) == 0
    assert delivered(sandbox_server.sandbox, chat_ids) == [1] * 60


async def ballots_received(person: Person, title: str) -> int:
    said = [m for m in await person.transcript() if m["from"]["is_bot"]]
    return sum(1 for m in said if "Phiếu bầu" in m.get("text", "") and title in m.get("text", ""))


async def test_two_bots_send_each_ballot_once_and_close_the_poll_once(
    two_bots: tuple[RunningBot, RunningBot],
    shared: Database,
    client: SandboxClient,
    sandbox_server: SandboxServer,
    clock: Clock,
) -> None:
    first, _ = two_bots
    now, today = clock(), clock().date()
    _, personas = await load_demo(shared, authority_name="Sở GD&ĐT", now=now)
    await load_demo_progress(shared, bloc_number=2, now=now)
    reps = [p for p in personas if p.group == "Khối thi đua số 2"]
    people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps]
    head = people[0]
    await client.group(-1002, "Khối thi đua số 2", [p.user_id for p in reps])
    group = await client.in_group(head, -1002)
    await group.send("/nhomkhoi")
    await group.expect("đã được gắn")
    meeting = await meetings.create_meeting(
        shared,
        person_id=await pid(shared, head.user_id),
        bloc_id=(await meetings.led_blocs(shared, await pid(shared, head.user_id), today))[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
        shared,
        person_id=await pid(shared, head.user_id),
        meeting_id=meeting.id,
        now=now,
        today=today,
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    meeting = await meetings.open_meeting(
        shared, person_id=await pid(shared, head.user_id), meeting_id=meeting.id, now=now, today=today
    )
    for rep in reps[:10]:
        await meetings.check_in(
            shared,
            person_id=await pid(shared, rep.user_id),
            code=meeting.checkin_code or "",
            now=now,
            today=today,
        )
    title = "Khối phó năm học tới"
    draft = await ballots.create_draft(
        shared,
        person_id=await pid(shared, head.user_id),
        meeting_id=meeting.id,
        purpose=Purpose.ELECT_DEPUTY,
        title=title,
        now=now,
    )
    await ballots.set_duration(
        shared, person_id=await pid(shared, head.user_id), poll_id=draft.id, now=now, minutes=15
    )
    # The head's draft card, as the bot shows it; the head presses "open" on it.
    screen = draft_card(await ballots.poll_view(shared, draft.id), "vi")
    await first.deps.channels[Channel.TELEGRAM].send(str(head.chat_id), screen)
    card = await head.expect(title)
    await head.press(card, data=f"pd:{draft.id}:open")

    for person in people[1:10]:
        await person.expect("Phiếu bầu", title)
    clock.advance(minutes=15)  # the deadline passes: both bots' periodic jobs see the poll due
    await group.expect(f"Kết quả: {title}")
    await asyncio.sleep(1.5)  # several more ticks of both bots: time for any second send or count

    for person in people[:10]:
        assert await ballots_received(person, title) == 1, person.first_name
    said = [m.get("text", "") for m in await group.transcript() if m["from"]["is_bot"]]
    assert sum(1 for text in said if f"Kết quả: {title}" in text) == 1, said
    assert sum(1 for text in said if "0/10 đơn vị đã bỏ phiếu" in text) == 1, said
    async with shared.session() as session:
        poll = (await session.exec(select(Poll).where(Poll.id == draft.id))).one()
        closes = (
            await session.exec(
                select(AuditEntry).where(
                    AuditEntry.action == "poll.close", AuditEntry.subject == f"poll:{draft.id}"
                )
            )
        ).all()
        opens = (
            await session.exec(
                select(AuditEntry).where(
                    AuditEntry.action == "poll.open", AuditEntry.subject == f"poll:{draft.id}"
                )
            )
        ).all()
    assert poll.status == PollStatus.CLOSED
    assert len(opens) == 1 and len(closes) == 1


async def test_two_bots_opening_and_closing_one_poll_at_once_take_turns(
    shared: Database, postgres_url: str, clock: Clock
) -> None:
    """The same press handled by both (an update delivered twice) or both deadline jobs at once:
    one opens (closes) the poll, the other is told it no longer can, and nothing fails."""
    now, today = clock(), clock().date()
    _, personas = await load_demo(shared, authority_name="Sở GD&ĐT", now=now)
    await load_demo_progress(shared, bloc_number=2, now=now)
    reps = [p for p in personas if p.group == "Khối thi đua số 2"]
    head = await pid(shared, reps[0].user_id)
    meeting = await meetings.create_meeting(
        shared,
        person_id=head,
        bloc_id=(await meetings.led_blocs(shared, head, today))[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
        shared,
        person_id=head,
        meeting_id=meeting.id,
        now=now,
        today=today,
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    meeting = await meetings.open_meeting(shared, person_id=head, meeting_id=meeting.id, now=now, today=today)
    for rep in reps[:10]:
        await meetings.check_in(
            shared,
            person_id=await pid(shared, rep.user_id),
            code=meeting.checkin_code or "",
            now=now,
            today=today,
        )
    key = master_key(make_settings(shared))
    engines = [Database(postgres_url), Database(postgres_url)]
    try:
        for round_ in range(3):
            draft = await ballots.create_draft(
                shared,
                person_id=head,
                meeting_id=meeting.id,
                purpose=Purpose.ELECT_DEPUTY,
                title=f"Khối phó, lần {round_ + 1}",
                now=now,
            )
            opened = await asyncio.gather(
                *(
                    ballots.open_poll(db, person_id=head, poll_id=draft.id, master_key=key, now=now)
                    for db in engines
                ),
                return_exceptions=True,
            )
            assert sorted(type(outcome).__name__ for outcome in opened) == ["OpenRefusal", "OpenedPoll"], (
                opened
            )
            closed = await asyncio.gather(
                *(ballots.close_poll(db, poll_id=draft.id, master_key=key, now=now) for db in engines),
                return_exceptions=True,
            )
            assert sorted(type(outcome).__name__ for outcome in closed) == ["ClosedPoll", "OpenRefusal"], (
                closed
            )
    finally:
        for db in engines:
            await db.dispose()
