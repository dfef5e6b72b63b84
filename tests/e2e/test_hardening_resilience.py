"""Issue 15, resilience: a flaky network, replayed updates, a tracker always retrievable.

The real bot polls the sandbox over HTTP. The sandbox fails 30 % of the bot's sends and edits
(`Sandbox.faults`) or delivers updates again with their own ids (`Sandbox.redeliver`, what a
lost confirmation makes Telegram do).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import pytest
from sqlmodel import SQLModel

from bot import ballot_crypto
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.client import SandboxClient
from bot.sandbox.core import Sandbox
from bot.sandbox.server import SandboxServer
from bot.services import ballots, meetings
from models.meetings import MeetingKind
from models.vote_rules import Purpose
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import TEST_MASTER_KEY, Demo, RunningBot, make_settings
from tests.auxil.clock import Clock
from tests.auxil.people import pid
from tests.auxil.pg_cluster import ThrowawayCluster, postgres_bin
from tests.auxil.process import ROOT
from tests.auxil.resilience import (
    add_people,
    answer_after,
    ballot_message,
    cast_data,
    codes_in,
    counts,
    deliver_ballots,
    open_election,
    published_codes,
    seed_bloc,
    tracker_of,
    vote_until_told,
)
from tests.auxil.scale_chat import HEAD, UNIT, publish_scale

pytestmark = [pytest.mark.e2e, pytest.mark.hardening, pytest.mark.ballot]
MASTER = ballot_crypto.parse_master_key(TEST_MASTER_KEY)


async def test_a_flaky_network_leaves_no_voter_without_a_tracker(
    bot: RunningBot, sandbox: Sandbox, sandbox_server: SandboxServer, db: Database, clock: Clock
) -> None:
    """30 % of sends and edits fail while 40 voters cast at once. Each voter does what a person
    would: taps again when nothing or an apology came back, and asks /kiemtra when told the unit
    has voted. Every voter ends with its own tracker, every ballot is counted once."""
    now = clock()
    bloc = await seed_bloc(db, 40, now)
    add_people(sandbox, bloc)
    opened = await open_election(db, bloc, MASTER, now)
    await deliver_ballots(db, MASTER, sandbox, now, bloc, opened)
    sandbox.faults.set(0.3, seed=15)

    async def voter(index: int, user_id: int) -> tuple[str, str | None]:
        message_id = ballot_message(sandbox, user_id, opened.poll.ref)
        outcome, code = await vote_until_told(
            sandbox, user_id, message_id, await cast_data(db, bloc, opened, index)
        )
        if code is None:
            code = await tracker_of(sandbox, user_id)
        return outcome, code

    results = await asyncio.gather(*(voter(i, u) for i, u in enumerate(bloc.voters)))
    injected = sandbox.faults.injected
    sandbox.faults.set(0.0)
    assert injected >= 10, "the network was not flaky enough to show anything"
    codes = [code for _, code in results]
    assert all(codes), [outcome for outcome, code in results if not code]
    assert await counts(db, opened.poll.id) == (40, 40)  # none lost, none doubled
    closed = await ballots.close_poll(
        db, poll_id=opened.poll.id, master_key=MASTER, now=now, person_id=bloc.person_ids[bloc.head]
    )
    assert closed.result.voted == 40
    assert set(codes) == published_codes(closed) and len(set(codes)) == 40  # each voter's own ballot


async def test_kiemtra_shows_a_voters_trackers_only_in_a_private_chat(
    bot: RunningBot,
    client: SandboxClient,
    sandbox: Sandbox,
    sandbox_server: SandboxServer,
    db: Database,
    clock: Clock,
) -> None:
    now = clock()
    bloc = await seed_bloc(db, 4, now)
    add_people(sandbox, bloc)
    opened = await open_election(db, bloc, MASTER, now, candidates=2)
    await deliver_ballots(db, MASTER, sandbox, now, bloc, opened)
    voter = await client.person(bloc.voters[1], "Bền Bỉ 1", last_name="Người")
    none_yet = await client.person(bloc.voters[2], "Bền Bỉ 2", last_name="Người")
    await none_yet.send("/kiemtra")
    assert not codes_in((await none_yet.expect("chưa bỏ phiếu nào")).text)

    message_id = ballot_message(sandbox, voter.user_id, opened.poll.ref)
    outcome, code = await vote_until_told(
        sandbox, voter.user_id, message_id, await cast_data(db, bloc, opened, 1)
    )
    assert outcome == "recorded" and code
    await voter.send("/kiemtra")
    mine = await voter.expect("Mã kiểm tra các phiếu", code, "đang bỏ phiếu", "không cho biết đã chọn gì")
    assert codes_in(mine.text) == {code}
    for candidate in opened.poll.on_ballot:
        if candidate.unit_id != bloc.unit_ids[1]:  # the voter's own unit is named as the one that voted
            assert candidate.label not in mine.text  # never the choice

    # In a group, nobody's trackers: the room would read them.
    await client.group(-1_015_015, "Khối Bền Bỉ", bloc.voters)
    group = await client.in_group(voter, -1_015_015)
    await group.send("/kiemtra")
    refused = await group.expect("chat riêng")
    assert not codes_in(refused.text)

    closed = await ballots.close_poll(
        db, poll_id=opened.poll.id, master_key=MASTER, now=now, person_id=bloc.person_ids[bloc.head]
    )
    assert code in published_codes(closed)
    await voter.send("/kiemtra")
    await voter.expect(code, "đã được đếm")
    await none_yet.send("/kiemtra")
    await none_yet.expect("chưa bỏ phiếu nào")


# ------------------------------------------------------------------ replayed updates
async def _rows(db: Database) -> dict[str, list[str]]:
    """Every row of every table but the ledger of handled updates, as text, sorted (the outbox:
    what is in it)."""
    out: dict[str, list[str]] = {}
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "handled_update":
                continue
            rows = (await conn.execute(table.select())).all()
            if table.name == "outbox_message":
                # What was put in the outbox, not how far the delivery job (which runs on its own,
                # and tells heads of demo people it cannot reach) has got with sending it.
                out[table.name] = sorted(
                    f"{r.dedupe_key} {r.person_id} {r.kind}" for r in rows if r.kind != "handoff.unreachable"
                )
                continue
            out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out


async def _settled(sandbox: Sandbox, update_ids: list[int]) -> None:
    """Until the bot has confirmed these updates (it confirms only what it has handled)."""
    for _ in range(400):
        if sandbox.acknowledged_update_id >= max(update_ids) and not any(
            u["update_id"] in update_ids for u in sandbox.updates
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never confirmed the updates")


async def _replayed(bot: RunningBot, sandbox: Sandbox, db: Database, chat_id: int, update_id: int) -> None:
    """Deliver a handled update again, both ways, and check that it changed nothing."""
    from telegram import Update

    await _settled(sandbox, [update_id])
    await asyncio.sleep(0.3)  # the delivery and ballot jobs finish what they do anyway
    before = await _rows(db)
    seen = sandbox.last_seq()
    # The bot stops, its last confirmation lost; started again, it gets the update again.
    await bot.stop()
    await sandbox.redeliver([update_id])
    await bot.start()
    await _settled(sandbox, [update_id])
    # And twice more at once in the running process, as a retried webhook would bring it.
    raw = sandbox.delivered[update_id]
    for _ in range(2):
        await bot.application.update_queue.put(Update.de_json(dict(raw), bot.application.bot))
    for _ in range(100):
        if bot.application.update_queue.empty():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    after = await _rows(db)
    changed = {name for name in before if before[name] != after[name]}
    assert not changed, {name: set(after[name]) ^ set(before[name]) for name in changed}
    said = [e for e in sandbox.events if e["seq"] > seen and e["chat_id"] == chat_id]
    assert not [e for e in said if e["type"] in ("message", "edit", "callback_answer")], said


async def test_a_replayed_update_changes_nothing(
    bot: RunningBot, sandbox: Sandbox, demo: Demo, db: Database, clock: Clock
) -> None:
    """A registration step, a score, a check-in and a cast, each delivered again with its own id
    while its conversation waits for the next answer, after a restart (the confirmation lost) and
    twice in one process (a retried webhook): no row changes, nobody hears anything more."""
    head = await demo.person(HEAD)
    await publish_scale(head)
    rep = await demo.person(UNIT)

    async def sent(text: str) -> int:
        return int((await rep.send(text))["update_id"])

    # A registration step: a target typed at step 2 (a second copy would be a second target).
    await rep.send("/dangky")
    ask = await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.press(ask, "Tập thể lao động xuất sắc")
    await rep.expect("Bước 2/5")
    update_id = await sent("100% giáo viên đạt chuẩn nghề nghiệp")
    await rep.expect("chỉ tiêu thứ 1")
    await _replayed(bot, sandbox, db, rep.user_id, update_id)
    await rep.send("/huy")
    await rep.expect()
    # A score (a second copy would be taken as the evidence the next step asks for).
    await rep.send("/chamdiem")
    await rep.expect("Tiêu chí 1.1")
    update_id = await sent("7,5")
    await rep.expect("Đã lưu 7,5 điểm")
    await _replayed(bot, sandbox, db, rep.user_id, update_id)
    await rep.send("/huy")
    await rep.expect()
    # A check-in.
    now, today = clock(), clock().date()
    head_id = await pid(db, demo.persona(HEAD).user_id)
    bloc_id = (await meetings.led_blocs(db, head_id, today))[0][0]
    view = await meetings.create_meeting(
        db,
        person_id=head_id,
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    view = await meetings.open_meeting(db, person_id=head_id, meeting_id=view.id, now=now, today=today)
    update_id = await sent(f"/diemdanh {view.checkin_code}")
    await rep.expect("Đã điểm danh")
    await _replayed(bot, sandbox, db, rep.user_id, update_id)
    for persona in demo.personas:  # the others, for the quorum
        if persona.group == "Khối thi đua số 2" and persona.user_id != rep.user_id:
            await meetings.check_in(
                db,
                person_id=await pid(db, persona.user_id),
                code=view.checkin_code or "",
                now=now,
                today=today,
            )
    # A cast.
    from handlers.voting import outbox_ballot

    await name_counting_committee(db, lambda: now)  # a secret ballot opens only with one
    draft = await ballots.create_draft(
        db,
        person_id=head_id,
        meeting_id=view.id,
        purpose=Purpose.ELECT_HEAD,
        title="Khối trưởng năm học tới",
        now=now,
    )
    await ballots.open_poll(
        db, person_id=head_id, poll_id=draft.id, master_key=MASTER, now=now, ballot_screen=outbox_ballot
    )
    ballot = await rep.expect("Phiếu bầu")
    pick = next(b for b in ballot.buttons if b["callback_data"].startswith(f"v:{draft.ref}:t"))
    await rep.press(ballot, data=pick["callback_data"])
    picked = await rep.expect("Phiếu bầu")
    review_press = next(b for b in picked.buttons if b["callback_data"].startswith(f"v:{draft.ref}:r"))
    await rep.press(picked, data=review_press["callback_data"])
    review = await rep.expect("Xem lại phiếu")
    cast = next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
    pressed = await sandbox.user_presses(rep.user_id, review.id, data=cast, forge=True)
    await rep.expect("Đã ghi nhận")
    await _replayed(bot, sandbox, db, rep.user_id, int(pressed["update_id"]))
    assert await counts(db, draft.id) == (1, 1)


# ------------------------------------------------------------------ a database outage
@pytest.fixture
async def cluster() -> AsyncIterator[ThrowawayCluster]:
    """A PostgreSQL cluster of the test's own, to stop and start (skipped only where PostgreSQL is
    not installed and CI is not set)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's initdb and pg_ctl are required in CI (/usr/lib/postgresql/*/bin)")
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    made = ThrowawayCluster(bin_dir)
    try:
        await made.create()
        yield made
    finally:
        await made.destroy()


async def _migrate(url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, out.decode()


async def test_a_database_outage_is_answered_and_survived(
    cluster: ThrowawayCluster, sandbox: Sandbox, sandbox_server: SandboxServer, clock: Clock
) -> None:
    """PostgreSQL stops while people use the bot: a voter's tap and a /kiemtra are answered
    "thử lại sau" and change nothing; PostgreSQL starts again and the bot, untouched, records the
    next tap; the ballot recorded before the outage is still there and still the voter's."""
    await _migrate(cluster.url)
    db = Database(cluster.url)
    now = clock()
    bloc = await seed_bloc(db, 6, now)
    add_people(sandbox, bloc)
    opened = await open_election(db, bloc, MASTER, now, candidates=2)
    await deliver_ballots(db, MASTER, sandbox, now, bloc, opened)
    running = RunningBot(
        Deps(settings=make_settings(db), db=db, clock=clock, master_key=MASTER), sandbox_server
    )
    await running.start()
    first, second, third = bloc.voters[3], bloc.voters[4], bloc.voters[5]

    async def tap(index: int) -> tuple[int, str]:
        user_id = bloc.voters[index]
        return ballot_message(sandbox, user_id, opened.poll.ref), await cast_data(db, bloc, opened, index)

    try:
        outcome, before = await vote_until_told(sandbox, first, *await tap(3))
        assert outcome == "recorded" and before

        message_id, data = await tap(4)  # the second voter's sheet, made while the database is up
        await cluster.stop()
        seen = sandbox.last_seq()
        await sandbox.user_presses(second, message_id, data=data, forge=True)
        heard = await answer_after(sandbox, second, seen, 15)
        assert heard is not None and "thử lại sau" in heard[0] and "không truy cập được dữ liệu" in heard[0]
        seen = sandbox.last_seq()
        await sandbox.user_sends(third, "/kiemtra")
        heard = await answer_after(sandbox, third, seen, 15)
        assert heard is not None and "thử lại sau" in heard[0] and "không truy cập được dữ liệu" in heard[0]

        await cluster.start()
        outcome, after = await vote_until_told(sandbox, second, message_id, data)
        assert outcome == "recorded" and after
        assert await tracker_of(sandbox, first) == before  # acknowledged before the outage: still there
        assert await counts(db, opened.poll.id) == (2, 2)
        closed = await ballots.close_poll(
            db, poll_id=opened.poll.id, master_key=MASTER, now=now, person_id=bloc.person_ids[bloc.head]
        )
        assert published_codes(closed) == {before, after}
    finally:
        await running.stop()
        await db.dispose()
