"""The bot killed during voting and started again loses no recorded vote and counts none twice."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from bot import ballot_crypto
from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.demo import load_demo
from handlers.voting import outbox_ballot
from models.meetings import MeetingKind, Participation, SealedBallot
from tests.auxil.bot import TEST_MASTER_KEY
from tests.auxil.people import pid
from tests.auxil.process import BotProcess

pytestmark = [pytest.mark.e2e, pytest.mark.ballot]
MASTER = ballot_crypto.parse_master_key(TEST_MASTER_KEY)


async def _press(person: Person, message: BotMessage, fragment: str) -> None:
    button = next(b for b in message.buttons if fragment in b["text"])
    await person.press(message, data=button["callback_data"])


async def _to_review(person: Person, candidate: str) -> BotMessage:
    ballot = await person.expect("Phiếu bầu")
    await _press(person, ballot, f". {candidate}")
    ballot = await person.next_message()
    await _press(person, ballot, "Xem lại")
    return await person.expect("Xem lại phiếu")


async def test_votes_survive_a_killed_bot(
    db: Database, sandbox_server: SandboxServer, client: SandboxClient, bot_process: BotProcess
) -> None:
    now = datetime.now(UTC)  # the child process reads the real clock
    today = now.date()
    _, personas = await load_demo(db, authority_name="Sở Giáo dục và Đào tạo thành phố Cần Thơ", now=now)
    reps = [p for p in personas if p.group == "Khối thi đua số 2"]
    head = reps[0].user_id
    people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps]
    blocs = await meetings.led_blocs(db, await pid(db, head), today)
    view = await meetings.create_meeting(
        db,
        person_id=await pid(db, head),
        bloc_id=blocs[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
        db,
        person_id=await pid(db, head),
        meeting_id=view.id,
        now=now,
        today=today,
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    view = await meetings.open_meeting(
        db, person_id=await pid(db, head), meeting_id=view.id, now=now, today=today
    )
    for rep in reps[:10]:
        await meetings.check_in(
            db, person_id=await pid(db, rep.user_id), code=view.checkin_code or "", now=now, today=today
        )
    draft = await ballots.create_draft(
        db,
        person_id=await pid(db, head),
        meeting_id=view.id,
        purpose=Purpose.ELECT_HEAD,
        title="Khối trưởng năm học tới",
        now=now,
    )
    # The ballots go into the outbox as the chair's press puts them; the bot process delivers them.
    opened = await ballots.open_poll(
        db,
        person_id=await pid(db, head),
        poll_id=draft.id,
        master_key=MASTER,
        now=now,
        ballot_screen=outbox_ballot,
    )

    candidate = opened.poll.on_ballot[1].label
    await bot_process.start(client)
    trackers = []
    for person in people[:5]:
        review = await _to_review(person, candidate)
        await _press(person, review, "Bỏ phiếu")
        trackers.append(re.search(r"Mã kiểm tra: (\S+)", (await person.expect("Đã ghi nhận")).text).group(1))  # type: ignore[union-attr]

    # The sixth voter taps "cast" and the bot dies at once: recorded or not, never twice.
    review = await _to_review(people[5], candidate)
    cast_data = next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
    await people[5].press(review, data=cast_data)
    await bot_process.kill()
    await bot_process.start(client)
    await people[5].press(review, data=cast_data, forge=True)  # the voter, unsure, taps again
    for person in people[6:10]:
        review = await _to_review(person, candidate)
        await _press(person, review, "Bỏ phiếu")
        await person.expect("Đã ghi nhận")

    closed = await ballots.close_poll(
        db, poll_id=opened.poll.id, master_key=MASTER, now=now, person_id=await pid(db, head)
    )
    assert closed.result.voted == 10
    assert closed.result.by_id[opened.poll.on_ballot[1].position].votes == 10
    async with db.session() as session:
        participations = (await session.exec(select(func.count()).select_from(Participation))).one()
        sealed = (await session.exec(select(func.count()).select_from(SealedBallot))).one()
    assert participations == sealed == 10
    published = {ballot_crypto.short_code(tracker) for tracker in closed.trackers}
    assert set(trackers) <= published


@pytest.fixture
async def bot_process(db: Database, sandbox_server: SandboxServer) -> AsyncIterator[BotProcess]:
    process = BotProcess(db.url, sandbox_server.url)
    process.env["BALLOT_MASTER_KEY"] = TEST_MASTER_KEY
    yield process
    await process.stop()
