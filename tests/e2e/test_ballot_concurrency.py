"""Fifty simultaneous casts for one unit, through the sandbox: exactly one ballot is recorded.

Five representatives of the same school each have the review screen open and tap "cast" ten
times at once (double taps, impatient colleagues, a flaky network replaying presses).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import func, select

from bot import ballot_crypto
from bot.app import build_application
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import ballots, invites, meetings, people
from bot.services.ballots import Purpose
from handlers.voting import send_ballots
from models.meetings import MeetingKind, Participation, SealedBallot
from tests.conftest import TEST_MASTER_KEY, Clock, Demo, RunningBot, make_settings

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
    now, today = clock(), clock().date()
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    head = reps[0].user_id
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

    view = await meetings.create_meeting(
        db,
        telegram_id=head,
        bloc_id=(await meetings.led_blocs(db, head, today))[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    view = await meetings.open_meeting(db, telegram_id=head, meeting_id=view.id, now=now, today=today)
    for rep in reps[:10]:
        await meetings.check_in(
            db, telegram_id=rep.user_id, code=view.checkin_code or "", now=now, today=today
        )
    draft = await ballots.create_draft(
        db,
        telegram_id=head,
        meeting_id=view.id,
        purpose=Purpose.ELECT_DEPUTY,
        title="Khối phó năm học tới",
        now=now,
    )
    opened = await ballots.open_poll(
        db, telegram_id=head, poll_id=draft.id, master_key=MASTER, now=now, closes_at=now + timedelta(hours=1)
    )
    assert sum(1 for telegram_id, _ in opened.recipients if telegram_id in colleagues) == 5
    sender = build_application(
        Deps(settings=make_settings(db), db=db, master_key=MASTER),
        token="0:sandbox",
        base_url=sandbox_server.url,
    )
    async with sender:
        await send_ballots(SimpleNamespace(bot=sender.bot, deps=sender.bot_data["deps"]), opened)  # type: ignore[arg-type]

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
