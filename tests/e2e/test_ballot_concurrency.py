"""Fifty simultaneous casts for one unit, through the sandbox: exactly one ballot is recorded.

Five representatives of the same school each have the review screen open and tap "cast" ten
times at once (double taps, impatient colleagues, a flaky network replaying presses).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from bot import ballot_crypto
from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import ballots, invites, meetings, people
from bot.services.ballots import Purpose
from handlers.voting import outbox_ballot, post_progress_line
from models.meetings import MeetingKind, Participation, SealedBallot
from tests.auxil.bot import TEST_MASTER_KEY, Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.ballot]
MASTER = ballot_crypto.parse_master_key(TEST_MASTER_KEY)


async def _review(person: Person, candidate: str) -> BotMessage:
    ballot = await person.expect("Phiếu bầu")
    button = next(b for b in ballot.buttons if f". {candidate}" in b["text"])
    await person.press(ballot, data=button["callback_data"])
    ballot = await person.next_message()
    await person.press(
        ballot, data=next(b["callback_data"] for b in ballot.buttons if "Xem lại" in b["text"])
    )
    return await person.expect("Xem lại phiếu")


async def test_fifty_simultaneous_casts_for_one_unit_record_one_ballot(
    bot: RunningBot,
    client: SandboxClient,
    demo: Demo,
    db: Database,
    clock: Clock,
    sandbox_server: SandboxServer,
) -> None:
    now = clock()
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    school = reps[4].label  # one member school, represented by five people
    colleagues = [reps[4].user_id]
    for index in range(4):
        person = await people.identify(
            db, 880_000 + index, display_name=f"Đồng nghiệp {index}", language="vi"
        )
        assert person.id is not None
        await invites.bind_representative(db, person.id, unit_name=school, school_year="2026-2027", now=now)
        colleagues.append(880_000 + index)
    screens = [await client.person(user_id, f"Đại diện {n}") for n, user_id in enumerate(colleagues)]
    for rep in reps:
        if rep.user_id not in colleagues:
            await client.person(rep.user_id, rep.first_name, last_name=rep.last_name)

    opened = await _open_deputy_election(db, clock, reps, bot)
    candidate = opened.poll.on_ballot[0].label
    reviews = [await _review(screen, candidate) for screen in screens]
    presses = [
        screen.press(review, data=next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"]))
        for screen, review in zip(screens, reviews, strict=True)
        for _ in range(10)
    ]
    await asyncio.gather(*presses)  # 50 presses, all in flight at once

    # Every press is answered: one "recorded" (its answer is silent), 49 "already voted".
    answers = [
        (await screen.callback_answer(wait_seconds=30))["text"] or "" for screen in screens for _ in range(10)
    ]
    assert sum("đã bỏ phiếu rồi" in text for text in answers) == 49
    assert answers.count("") == 1
    transcripts = [await screen.transcript() for screen in screens]
    recorded = [m for messages in transcripts for m in messages if "Đã ghi nhận" in m.get("text", "")]
    assert len(recorded) == 1
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Participation))).one() == 1
        assert (await session.exec(select(func.count()).select_from(SealedBallot))).one() == 1


async def _open_deputy_election(
    db: Database, clock: Clock, reps: list, bot: RunningBot, *, minutes: int | None = None
) -> ballots.OpenedPoll:
    """Bloc 2 in session with its first ten units present, and next year's deputy on the ballot,
    sent to the voters by the production code path (a bot that is not polling)."""
    now, today = clock(), clock().date()
    head = reps[0].user_id
    view = await meetings.create_meeting(
        db,
        person_id=await pid(db, head),
        bloc_id=(await meetings.led_blocs(db, await pid(db, head), today))[0][0],
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
        purpose=Purpose.ELECT_DEPUTY,
        title="Khối phó năm học tới",
        now=now,
    )
    if minutes is not None:
        await ballots.set_duration(
            db, person_id=await pid(db, head), poll_id=draft.id, now=now, minutes=minutes
        )
    opened = await ballots.open_poll(
        db,
        person_id=await pid(db, head),
        poll_id=draft.id,
        master_key=MASTER,
        now=now,
        ballot_screen=outbox_ballot,
    )
    bot.deps.poke_delivery()  # the running bot's delivery job sends them
    await post_progress_line(bot.deps, opened.poll, None)
    return opened


async def test_a_ballot_closes_at_its_deadline_and_the_result_is_posted(
    bot: RunningBot,
    client: SandboxClient,
    demo: Demo,
    db: Database,
    clock: Clock,
    sandbox_server: SandboxServer,
) -> None:
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    voters = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps]
    await client.group(-1002, "Khối thi đua số 2", [p.user_id for p in reps])
    group = await client.in_group(voters[0], -1002)
    await group.send("/nhomkhoi")
    await group.expect("đã được gắn")
    opened = await _open_deputy_election(db, clock, reps, bot, minutes=15)
    candidate = opened.poll.on_ballot[2].label
    for voter in voters[:3]:
        review = await _review(voter, candidate)
        await voter.press(
            review, data=next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
        )
        await voter.expect("Đã ghi nhận")
    await group.expect("3/10 đơn vị đã bỏ phiếu")  # the batched progress line
    clock.advance(minutes=15)  # the deadline passes: the periodic job closes and counts
    result = await group.expect("Kết quả: Khối phó năm học tới")
    assert f"✅ {candidate}: 3 phiếu" not in result.text  # 3 of 10 present is below half
    assert f"❌ {candidate}: 3 phiếu (30,00%)" in result.text and "Số phiếu: 3/10" in result.text
    assert await ballots.due_for_closing(db, clock()) == []
