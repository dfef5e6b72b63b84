"""The school's own vote held in the bot, at the service level (issue 18; seed 004 §II.5–6): the
2/3 quorum and the 70 % threshold at their boundaries, who may open and close it, single-use
codes, and that nothing ties a code or a voter to a choice."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from bot.ballot_crypto import new_master_key, parse_master_key
from bot.db import Database
from bot.services import council, school_vote
from bot.services.registration import Refused
from models.council import CouncilBallotCode, CouncilParticipation, CouncilPoll, CouncilSealedBallot
from models.nominations import Title
from models.vote_rules import Choice
from tests.auxil.clock import Clock
from tests.auxil.exemplars import people_without_chat
from tests.auxil.world import World, make_world
from tests.auxil.world_cache import once

pytestmark = pytest.mark.exemplars
UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
KEY = parse_master_key(new_master_key())


@pytest.fixture
async def world(db: Database, clock: Clock) -> World:
    return await once("make_world", db, clock, make_world)


async def _open(w: World, members: int, present: int, name: str = "Lê Thị Hoa") -> school_vote.Opened:
    return await school_vote.open_ballot(
        w.db,
        w.pid(UNIT),
        title=Title.CSTD_BASE,
        nominee=name,
        members=members,
        present=present,
        master_key=KEY,
        today=w.today,
        now=w.clock(),
    )


async def _vote(w: World, opened: school_vote.Opened, agree: int) -> school_vote.SchoolBallot:
    voters = await people_without_chat(w.db, len(opened.codes), "Giáo viên")
    for i, (code, voter) in enumerate(zip(opened.codes, voters, strict=True)):
        await school_vote.join(w.db, voter, code)
        choice = Choice.AGREE if i < agree else Choice.DISAGREE
        cast = await council.cast(
            w.db, ref=opened.ballot.ref, person_id=voter, ballot={1: choice}, now=w.clock()
        )
        assert cast.status is council.CastStatus.RECORDED
    return await school_vote.close(
        w.db, w.pid(UNIT), opened.ballot.ref, master_key=KEY, today=w.today, now=w.clock()
    )


async def test_the_quorum_is_two_thirds_of_all_members_counted_exactly(world: World) -> None:
    with pytest.raises(Refused) as refused:
        await _open(world, 12, 7)  # 7 of 12 < 2/3
    assert refused.value.notice.key == "school.refused.quorum"
    assert refused.value.notice.params == {"members": 12, "needed": 8, "short": 1}
    for members, present in ((0, 0), (12, 13), (12, 0)):
        with pytest.raises(Refused):
            await _open(world, members, present)
    async with world.db.session() as session:
        assert list(await session.exec(select(CouncilPoll))) == []
    opened = await _open(world, 12, 8)  # 8 of 12 is a quorum
    assert (opened.ballot.members, opened.ballot.present, len(opened.codes)) == (12, 8, 8)


async def test_seventy_percent_of_those_taking_part_passes_and_one_less_fails(world: World) -> None:
    # 10 take part: 7 agree is 70 % and passes; 6 is 60 % and fails (blank/absent count against).
    passed = await _vote(world, await _open(world, 12, 10, "Lê Thị Hoa"), agree=7)
    assert (passed.agree, passed.needed, passed.passed) == (7, 7, True)
    failed = await _vote(world, await _open(world, 12, 10, "Trần Văn Bình"), agree=6)
    assert (failed.agree, failed.passed) == (6, False)
    listed = await school_vote.for_nominee(
        world.db, world.pid(UNIT), title=Title.CSTD_BASE, full_name="LÊ THỊ HOA", today=world.today
    )
    assert [b.id for b in listed] == [passed.id]  # the same person, the same title only
    assert not await school_vote.for_nominee(
        world.db, world.pid(UNIT), title=Title.EXEMPLAR, full_name="Lê Thị Hoa", today=world.today
    )


async def test_only_the_schools_representative_opens_and_closes_and_codes_work_once(world: World) -> None:
    [teacher] = await people_without_chat(world.db, 1, "Giáo viên")
    with pytest.raises(Refused) as refused:
        await school_vote.open_ballot(
            world.db,
            teacher,
            title=Title.EXEMPLAR,
            nominee="Lê Thị Hoa",
            members=3,
            present=3,
            master_key=KEY,
            today=world.today,
            now=world.clock(),
        )
    assert refused.value.notice.key == "nom.refused.not_rep"
    opened = await _open(world, 3, 2)
    other_rep = next(pid for pid in world.bloc2_reps() if pid != world.pid(UNIT))
    with pytest.raises(Refused):  # another school's representative
        await school_vote.close(
            world.db, other_rep, opened.ballot.ref, master_key=KEY, today=world.today, now=world.clock()
        )
    [first, second] = await people_without_chat(world.db, 2, "Giáo viên")
    await school_vote.join(world.db, first, opened.codes[0])
    for who, code, key in (
        (second, opened.codes[0], "school.refused.code_used"),
        (first, opened.codes[1], "school.refused.joined"),
        (second, "00000000", "school.refused.bad_code"),
    ):
        with pytest.raises(Refused) as refused:
            await school_vote.join(world.db, who, code)
        assert refused.value.notice.key == key
    await school_vote.join(world.db, second, opened.codes[1])  # the refused tries changed nothing
    async with world.db.session() as session:
        used = [c.used for c in await session.exec(select(CouncilBallotCode))]
    assert used == [True, True]


def test_no_column_ties_a_code_or_a_voter_to_a_choice() -> None:
    code = {c.name for c in inspect(CouncilBallotCode).columns}
    voted = {c.name for c in inspect(CouncilParticipation).columns}
    sealed = {c.name for c in inspect(CouncilSealedBallot).columns}
    assert code == {"id", "poll_id", "code_hash", "used"}
    assert (code & sealed) == (voted & sealed) == {"id", "poll_id"}
