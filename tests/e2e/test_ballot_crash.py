"""The bot killed during voting and started again loses no recorded vote and counts none twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from bot import ballot_crypto
from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.sandbox.core import Sandbox
from bot.sandbox.server import SandboxServer
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.demo import load_demo
from handlers.voting import outbox_ballot
from models.meetings import MeetingKind, Participation, SealedBallot
from tests.auxil.bot import TEST_MASTER_KEY
from tests.auxil.people import pid
from tests.auxil.process import BotProcess
from tests.auxil.resilience import (
    ALREADY,
    RECORDED,
    add_people,
    audit_verify,
    ballot_message,
    bot_says,
    cast_data,
    codes_in,
    counts,
    deliver_ballots,
    open_election,
    published_codes,
    seed_bloc,
    tracker_of,
)

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


async def _answers(sandbox: Sandbox, voters: list[int]) -> dict[int, str]:
    """What each voter has heard about its cast so far: "recorded <code>", "already", or nothing."""
    heard: dict[int, str] = {}
    wanted = set(voters)
    for event in sandbox.events:
        if event["chat_id"] not in wanted or (
            event["chat_id"] in heard and heard[event["chat_id"]] != "already"
        ):
            continue
        text = bot_says(event)
        if RECORDED in text and (codes := codes_in(text)):
            heard[event["chat_id"]] = f"recorded {min(codes)}"
        elif ALREADY in text:
            heard[event["chat_id"]] = "already"
    return heard


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(what)
        await asyncio.sleep(0.05)


@pytest.mark.hardening
async def test_a_200_voter_burst_survives_kills_at_random_moments(
    db: Database,
    sandbox: Sandbox,
    sandbox_server: SandboxServer,
    client: SandboxClient,
    bot_process: BotProcess,
) -> None:
    """200 voters tap "cast" at once; the bot is SIGKILLed twice at random moments of the burst
    and started again. The taps it had fetched but not handled are handled after the restart
    (long polling confirms only what was handled); none is handled twice. Every acknowledged
    ballot is counted once, the chain verifies, and every voter holds its tracker: from the answer
    to its tap, or from /kiemtra when told its unit has voted."""
    seed = int(os.environ.get("CRASH_SEED", secrets.randbelow(10**6)))
    rng = random.Random(seed)
    now = datetime.now(UTC)  # the child process reads the real clock
    bloc = await seed_bloc(db, 200, now)
    add_people(sandbox, bloc)
    opened = await open_election(db, bloc, MASTER, now)
    await deliver_ballots(db, MASTER, sandbox, now, bloc, opened)
    await bot_process.start(client)

    taps = []
    for index, user_id in enumerate(bloc.voters):
        message_id = ballot_message(sandbox, user_id, opened.poll.ref)
        tapped = await sandbox.user_presses(
            user_id, message_id, data=await cast_data(db, bloc, opened, index), forge=True
        )
        taps.append(int(tapped["update_id"]))
    for _kill in range(2):
        # A random moment of the burst: after a random number of answers (or a random time).
        heard_before = len(await _answers(sandbox, bloc.voters))
        target = heard_before + rng.randint(1, 60)
        deadline = asyncio.get_running_loop().time() + rng.uniform(0.2, 3.0)
        for _ in range(1000):
            if (
                len(await _answers(sandbox, bloc.voters)) >= target
                or asyncio.get_running_loop().time() > deadline
            ):
                break
            await asyncio.sleep(rng.uniform(0.0, 0.02))
        await bot_process.kill()
        await bot_process.start(client)

    async def all_handled() -> bool:
        return sandbox.acknowledged_update_id >= max(taps) and not any(
            u["update_id"] in taps for u in sandbox.updates
        )

    await _until(all_handled, 60, f"the taps fetched before the kills were not all handled (seed {seed})")

    async def all_heard() -> bool:  # the last answers may still be on their way
        return len(await _answers(sandbox, bloc.voters)) == len(bloc.voters)

    with contextlib.suppress(AssertionError):
        await _until(all_heard, 20, "")
    heard = await _answers(sandbox, bloc.voters)
    silent = [u for u in bloc.voters if u not in heard]
    assert not silent, (
        f"{len(silent)} voters never heard about their tap (seed {seed}): "
        f"{[(e['type'], bot_says(e)[:80]) for e in sandbox.events if e['chat_id'] in silent]}"
    )
    codes = {u: said.split()[1] for u, said in heard.items() if said.startswith("recorded")}
    for user_id in [u for u in bloc.voters if u not in codes]:
        code = await tracker_of(sandbox, user_id)
        assert code, f"voter {user_id} told its unit voted, but /kiemtra gave no tracker (seed {seed})"
        codes[user_id] = code

    assert await counts(db, opened.poll.id) == (200, 200)  # none lost, none twice
    closed = await ballots.close_poll(
        db, poll_id=opened.poll.id, master_key=MASTER, now=now, person_id=bloc.person_ids[bloc.head]
    )
    assert closed.result.voted == 200
    assert set(codes.values()) == published_codes(closed) and len(set(codes.values())) == 200
    await bot_process.stop()
    status, output = await audit_verify(db.url)
    assert status == 0, output


@pytest.fixture
async def bot_process(db: Database, sandbox_server: SandboxServer) -> AsyncIterator[BotProcess]:
    process = BotProcess(db.url, sandbox_server.url)
    process.env["BALLOT_MASTER_KEY"] = TEST_MASTER_KEY
    yield process
    await process.stop()
