"""The council's ballot on people keeps the blocs' secrecy (issue 18): who voted and what was voted
share no column but the poll and carry no time; after the count the sealed ballots are rewritten
in one transaction (on PostgreSQL none carries a cast's transaction id); the private key is gone;
one member cannot vote twice; the audit chain verifies; nothing logged names a voter's choice.
Each member's tracker is kept for them as the blocs' are (issue 15): ciphertext that opens only
with the bot's key on its own (poll, person) row, shown again by /kiemtra, never the choice."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

from bot import ballot_crypto
from bot.app import quiet_library_logs
from bot.ballot_crypto import new_master_key, parse_master_key
from bot.db import Database
from bot.services import audit, council, receipts
from models.council import CouncilParticipation, CouncilPoll, CouncilSealedBallot, crypto_id
from models.nominations import Nomination, NominationStatus, Title, VoteKind
from models.organisation import Authority, Person, PersonRole, RoleKind, SchoolYear, Unit
from models.vote_rules import Choice

pytestmark = pytest.mark.exemplars
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


async def seed(db: Database, members: int) -> tuple[int, list[int], list[int]]:
    """An authority with its desk, `members` council members and two accepted nominations."""
    async with db.transaction() as session:
        authority = Authority(name="Phòng GD&ĐT Vĩnh Thuận")
        year = SchoolYear(name="2025-2026", starts_on=date(2025, 9, 5), ends_on=date(2026, 5, 31))
        session.add_all([authority, year])
        await session.flush()
        assert authority.id is not None and year.id is not None
        unit = Unit(
            authority_id=authority.id, name="Trường TH Vĩnh Thuận 1", name_key="trường th vĩnh thuận 1"
        )
        people = [Person(full_name=f"Người {i}") for i in range(members + 1)]
        session.add_all([unit, *people])
        await session.flush()
        assert unit.id is not None
        ids = [p.id for p in people if p.id is not None]
        desk, council_ids = ids[0], ids[1:]
        session.add(
            PersonRole(
                person_id=desk,
                kind=RoleKind.EMULATION_DESK,
                authority_id=authority.id,
                school_year_id=year.id,
            )
        )
        for member in council_ids:
            session.add(
                PersonRole(
                    person_id=member,
                    kind=RoleKind.COUNCIL_MEMBER,
                    authority_id=authority.id,
                    school_year_id=year.id,
                )
            )
        nominations = [
            Nomination(
                authority_id=authority.id,
                school_year_id=year.id,
                unit_id=unit.id,
                title=Title.CSTD_CITY,
                full_name=name,
                name_key=name.casefold(),
                vote_kind=VoteKind.PAPER,
                status=NominationStatus.ACCEPTED,
            )
            for name in ("Lê Thị Hoa", "Trần Văn Bình")
        ]
        session.add_all(nominations)
        await session.flush()
        return desk, council_ids, [n.id for n in nominations if n.id is not None]


async def test_the_councils_ballot_pairs_nobody_with_a_choice(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_library_logs()  # as the bot does at start: DEBUG for our code, libraries held back
    master_key = parse_master_key(new_master_key())
    desk, members, chosen = await seed(db, 6)
    ballot = await council.open_ballot(
        db,
        person_id=desk,
        title="Chiến sĩ thi đua cấp thành phố",
        nomination_ids=chosen,
        present=members[:5],  # the sixth votes by absentee ballot
        master_key=master_key,
        today=TODAY,
        now=NOW,
    )
    trackers = []
    for i, member in enumerate(members):
        choice = Choice.AGREE if i % 2 == 0 else Choice.DISAGREE
        result = await council.cast(
            db,
            ref=ballot.ref,
            person_id=member,
            ballot={1: choice, 2: Choice.AGREE},
            now=NOW,
            master_key=master_key,
        )
        assert result.status is council.CastStatus.RECORDED and result.tracker
        trackers.append(result.tracker)
    again = await council.cast(db, ref=ballot.ref, person_id=members[0], ballot={1: Choice.AGREE}, now=NOW)
    assert again.status is council.CastStatus.ALREADY
    stranger = await council.cast(db, ref=ballot.ref, person_id=desk, ballot={1: Choice.AGREE}, now=NOW)
    assert stranger.status is council.CastStatus.NOT_ENTITLED

    # While the ballot is open each member gets back their own tracker, and only theirs.
    for member, tracker in zip(members, trackers, strict=True):
        [mine] = await receipts.receipts_of(db, person_id=member, master_key=master_key)
        assert (mine.tracker, mine.open, mine.counted) == (tracker, True, None)
        assert mine.body is receipts.Body.COUNCIL and mine.unit_name == ""
    assert await receipts.receipts_of(db, person_id=desk, master_key=master_key) == []

    async with db.engine.connect() as conn:
        cast_xmins = (
            {r[0] for r in await conn.execute(text("SELECT xmin::text FROM council_participation"))}
            if db.backend == "postgresql"
            else set()
        )
    counted = await council.close(
        db, person_id=desk, ref=ballot.ref, master_key=master_key, today=TODAY, now=NOW
    )
    assert counted.result.absentee_voted == 1 and counted.result.voted == 6
    assert [c.votes for c in counted.result.candidates] == [3, 6]  # 3 of 6 < 90 %; 6 of 6 passes
    assert counted.result.elected == (2,)
    assert sorted(counted.trackers) == sorted(trackers)

    who = {c.name for c in CouncilParticipation.__table__.columns}  # type: ignore[attr-defined]
    what = {c.name for c in CouncilSealedBallot.__table__.columns}  # type: ignore[attr-defined]
    assert who & what == {"id", "poll_id"}
    for column in [*CouncilParticipation.__table__.columns, *CouncilSealedBallot.__table__.columns]:  # type: ignore[attr-defined]
        assert "time" not in str(column.type).lower() and "date" not in str(column.type).lower()
    async with db.session() as session:
        poll = (await session.exec(select(CouncilPoll))).one()
    assert poll.sealed_private_key is None
    if db.backend == "postgresql":
        async with db.engine.connect() as conn:
            sealed_xmins = {
                r[0] for r in await conn.execute(text("SELECT xmin::text FROM council_sealed_ballot"))
            }
        assert len(cast_xmins) == 6 and not cast_xmins & sealed_xmins and len(sealed_xmins) == 1
    assert (await audit.verify(db)).ok

    # After the count: each tracker shown as counted; with another key (a copy of the database
    # without the bot's) no receipt opens, nor does one moved to another member's row or poll.
    for member, tracker in zip(members, trackers, strict=True):
        [mine] = await receipts.receipts_of(db, person_id=member, master_key=master_key)
        assert (mine.tracker, mine.open, mine.counted) == (tracker, False, True)
    other = parse_master_key(new_master_key())
    [nothing] = await receipts.receipts_of(db, person_id=members[0], master_key=other)
    assert nothing.tracker is None
    async with db.session() as session:
        rows = list(await session.exec(select(CouncilParticipation)))
    assert len(rows) == 6 and len({r.receipt for r in rows}) == 6
    for row in rows:
        assert row.receipt is not None
        sealed_for = crypto_id(row.poll_id)
        assert ballot_crypto.open_receipt(master_key, sealed_for, row.person_id, row.receipt) in trackers
        assert ballot_crypto.open_receipt(other, sealed_for, row.person_id, row.receipt) is None
        assert ballot_crypto.open_receipt(master_key, sealed_for, row.person_id + 1, row.receipt) is None
        # Bound to the council's sealing id: it does not open as a bloc poll's of the same number.
        assert ballot_crypto.open_receipt(master_key, row.poll_id, row.person_id, row.receipt) is None

    # Every row of every table: a tracker stands only among the sealed ballots and in the
    # published list (sorted), never in raw bytes (a receipt is ciphertext), never by a voter.
    raw = {bytes.fromhex(t) for t in trackers}
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(table.select())).all():
                cells = tuple(row)
                assert not any(isinstance(c, bytes) and any(r in c for r in raw) for c in cells), table.name
                if table.name not in ("council_sealed_ballot", "council_poll"):
                    assert not any(t in repr(cells) for t in trackers), table.name
    for record in caplog.records:
        message = record.getMessage()
        assert not any(tracker in message for tracker in trackers), message[:200]
