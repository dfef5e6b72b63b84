"""`thidua audit verify` catches every edit of a closed poll's stored ballots, trackers and result
(issue 15): each edit is made with SQL on a real closed poll, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot import ballot_crypto
from bot.__main__ import audit_verify
from bot.db import Database
from bot.services import audit, ballots
from bot.services.ballots import BallotTamper, CastStatus, Purpose
from models.meetings import Poll, SealedBallot
from models.vote_rules import BallotKind, Choice, encode_ballot
from tests.auxil.ballots import MASTER, Bloc2
from tests.auxil.bot import make_settings
from tests.auxil.people import pid

pytestmark = pytest.mark.hardening


class Closed:
    def __init__(self, db: Database, poll_id: int, trackers: list[str]) -> None:
        self.db, self.poll_id, self.trackers = db, poll_id, trackers

    async def sql(self, statement: str, **params: object) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(text(statement), params)

    async def poll(self) -> Poll:
        async with self.db.session() as session:
            return (await session.exec(select(Poll).where(Poll.id == self.poll_id))).one()

    async def sealed(self, tracker: str) -> bytes:
        async with self.db.session() as session:
            row = (await session.exec(select(SealedBallot).where(SealedBallot.tracker == tracker))).one()
            return row.sealed

    async def problems(self) -> set[tuple[int, BallotTamper, str]]:
        assert (await audit.verify(self.db)).ok  # the log itself was not touched: the data was
        return {(p.poll_id, p.kind, p.detail) for p in await ballots.verify_polls(self.db)}


@pytest.fixture
async def closed(bloc2: Bloc2) -> Closed:
    bloc, db, clock = bloc2, bloc2.db, bloc2.clock
    await bloc.meeting(present=10)
    poll = await bloc.poll(Purpose.SELECTION, "Bằng khen UBND thành phố", seats=3)
    positions = [c.position for c in poll.on_ballot]
    trackers = []
    for index, rep in enumerate(bloc.reps[:10]):
        mine = await ballots.ballot_for(db, poll_ref=poll.ref, person_id=await pid(db, rep.user_id))
        assert mine is not None
        others = [
            p for p in positions if p != dict((c.unit_id, c.position) for c in poll.on_ballot)[mine.unit_id]
        ]
        cast = await ballots.cast(
            db,
            poll_ref=poll.ref,
            person_id=await pid(db, rep.user_id),
            ballot=frozenset(others[index % 3 : index % 3 + 2]),
            now=clock(),
        )
        assert cast.status is CastStatus.RECORDED and cast.tracker
        trackers.append(cast.tracker)
    await ballots.close_poll(
        db, poll_id=poll.id, master_key=MASTER, now=clock(), person_id=await pid(db, bloc.head)
    )
    return Closed(db, poll.id, sorted(trackers))


async def test_an_untouched_database_verifies(closed: Closed, capsys: pytest.CaptureFixture[str]) -> None:
    assert await closed.problems() == set()
    assert await audit_verify(make_settings(closed.db)) == 0
    assert "NGUYÊN VẸN" in capsys.readouterr().out


async def test_one_flipped_byte_of_a_sealed_ballot_is_named(
    closed: Closed, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = closed.trackers[3]
    sealed = bytearray(await closed.sealed(victim))
    sealed[100] ^= 0x01
    await closed.sql("UPDATE sealed_ballot SET sealed = :s WHERE tracker = :t", s=bytes(sealed), t=victim)
    code = ballot_crypto.short_code(victim)
    assert await closed.problems() == {(closed.poll_id, BallotTamper.ALTERED, code)}
    assert await audit_verify(make_settings(closed.db)) == 1
    out = capsys.readouterr().out
    assert f"Cuộc bỏ phiếu #{closed.poll_id}: phiếu kín bị sửa" in out and code in out


async def test_a_ballot_swapped_for_a_well_formed_one_with_its_own_tracker_is_named(closed: Closed) -> None:
    poll = await closed.poll()
    assert poll.public_key is not None
    forged = ballot_crypto.seal(
        poll.public_key, encode_ballot(BallotKind.SELECTION, frozenset({1, 2})), closed.poll_id
    )
    victim = closed.trackers[0]
    await closed.sql(
        "UPDATE sealed_ballot SET sealed = :s, tracker = :new WHERE tracker = :old",
        s=forged,
        new=ballot_crypto.tracker(forged),
        old=victim,
    )
    assert await closed.problems() == {
        (closed.poll_id, BallotTamper.UNPUBLISHED, ballot_crypto.short_code(ballot_crypto.tracker(forged))),
        (closed.poll_id, BallotTamper.MISSING, ballot_crypto.short_code(victim)),
    }


async def test_a_deleted_sealed_ballot_is_named(closed: Closed, capsys: pytest.CaptureFixture[str]) -> None:
    victim = closed.trackers[5]
    await closed.sql("DELETE FROM sealed_ballot WHERE tracker = :t", t=victim)
    assert await closed.problems() == {
        (closed.poll_id, BallotTamper.MISSING, ballot_crypto.short_code(victim))
    }
    assert await audit_verify(make_settings(closed.db)) == 1
    assert "mã đã công bố nhưng phiếu kín không còn" in capsys.readouterr().out


@pytest.mark.parametrize("field", ["votes", "voted"])
async def test_votes_added_to_the_stored_result_are_named(closed: Closed, field: str) -> None:
    result = json.loads((await closed.poll()).result or "")
    if field == "votes":
        result["candidates"][0]["votes"] += 1
    else:
        result["voted"] += 1
    await closed.sql(
        "UPDATE poll SET result = :r WHERE id = :p", r=json.dumps(result, sort_keys=True), p=closed.poll_id
    )
    found = await closed.problems()
    assert {(p, kind) for p, kind, _ in found} == {(closed.poll_id, BallotTamper.RESULT)}
    if field == "voted":
        assert (closed.poll_id, BallotTamper.RESULT, "voted 10 ≠ 11") in found


async def test_an_edited_tracker_list_is_named(closed: Closed) -> None:
    forged = "f" * 64
    edited = sorted([*closed.trackers[1:], forged])
    await closed.sql("UPDATE poll SET trackers = :t WHERE id = :p", t=json.dumps(edited), p=closed.poll_id)
    found = await closed.problems()
    assert (closed.poll_id, BallotTamper.LIST, "10 trackers do not rebuild the chain head") in found
    assert (closed.poll_id, BallotTamper.UNPUBLISHED, ballot_crypto.short_code(closed.trackers[0])) in found


async def test_a_tracker_list_edited_with_a_rebuilt_chain_head_is_named(closed: Closed) -> None:
    """Rebuilding the poll's chain head to match still differs from the head in the close entry."""
    edited = closed.trackers[:-1]
    head = ballot_crypto.chain_head(edited, closed.poll_id)
    await closed.sql(
        "UPDATE poll SET trackers = :t, chain_head = :h WHERE id = :p",
        t=json.dumps(edited),
        h=head,
        p=closed.poll_id,
    )
    kinds = {kind for _, kind, _ in await closed.problems()}
    assert {BallotTamper.HEAD, BallotTamper.LIST, BallotTamper.UNPUBLISHED} <= kinds


async def test_an_open_polls_altered_or_deleted_sealed_ballot_is_named(bloc2: Bloc2) -> None:
    bloc, db, clock = bloc2, bloc2.db, bloc2.clock
    await bloc.meeting(present=10)
    poll = await bloc.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    trackers = []
    for rep in bloc.reps[:3]:
        mine = await ballots.ballot_for(db, poll_ref=poll.ref, person_id=await pid(db, rep.user_id))
        assert mine is not None
        ballot = {c.position: Choice.AGREE for c in poll.on_ballot if c.unit_id != mine.unit_id}
        cast = await ballots.cast(
            db, poll_ref=poll.ref, person_id=await pid(db, rep.user_id), ballot=ballot, now=clock()
        )
        assert cast.status is CastStatus.RECORDED and cast.tracker
        trackers.append(cast.tracker)
    opened = Closed(db, poll.id, sorted(trackers))
    assert await opened.problems() == set()
    sealed = bytearray(await opened.sealed(trackers[0]))
    sealed[-1] ^= 0x80
    await opened.sql(
        "UPDATE sealed_ballot SET sealed = :s WHERE tracker = :t", s=bytes(sealed), t=trackers[0]
    )
    await opened.sql("DELETE FROM sealed_ballot WHERE tracker = :t", t=trackers[1])
    assert await opened.problems() == {
        (poll.id, BallotTamper.ALTERED, ballot_crypto.short_code(trackers[0])),
        (poll.id, BallotTamper.COUNT, "2 ≠ 3"),
    }
