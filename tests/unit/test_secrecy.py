"""Ballot secrecy as a property of everything the bot keeps or writes (issue 5), on both backends.

Ten representatives vote in an approval ballot and a selection, each with a choice of their own.
Then every table, every log record and every file of the dossier is read, and for every voter
we look for anything of theirs (their Telegram id, their name) in the same row, record or file
line as anything of their ballot (its tracker, its short code, its sealed bytes). Nothing may
pair them. On PostgreSQL the system columns are read too: after the close, no sealed ballot
shares a creating transaction (xmin) with a participation row.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import SQLModel, select

from bot import ballot_crypto
from bot.app import quiet_library_logs
from bot.db import Database
from bot.exports import minutes
from bot.services import ballots, exports, receipts
from bot.services.ballots import CastStatus, Purpose
from models.meetings import Participation, Poll, SealedBallot
from models.organisation import Person
from models.vote_rules import Choice
from tests.auxil.ballots import MASTER, Bloc2
from tests.auxil.clock import Clock
from tests.auxil.people import person_id_of, pid

pytestmark = [pytest.mark.ballot, pytest.mark.export]


@dataclass
class Voter:
    telegram_id: int
    name: str
    trackers: list[str] = field(default_factory=list)
    sealed: list[bytes] = field(default_factory=list)

    @property
    def identity(self) -> tuple[str, ...]:
        return (str(self.telegram_id), self.name)

    @property
    def ballot_marks(self) -> tuple[str, ...]:
        codes = [ballot_crypto.short_code(t) for t in self.trackers]
        return (*self.trackers, *codes, *(s.hex() for s in self.sealed))


def pairs(line: str, voters: list[Voter]) -> list[str]:
    """The voters whose identity and one of whose ballot marks both appear in `line`."""
    return [
        v.name
        for v in voters
        if any(i in line for i in v.identity) and any(m and m in line for m in v.ballot_marks)
    ]


async def vote(bloc2: Bloc2) -> tuple[list[Voter], list[int]]:
    """An approval ballot and a selection of 3, ten voters, every choice different."""
    await bloc2.meeting(present=10)
    voters: list[Voter] = []
    async with bloc2.db.session() as session:
        for rep in bloc2.reps[:10]:
            person = (await session.exec(select(Person).where(Person.telegram_id == rep.user_id))).one()
            voters.append(Voter(rep.user_id, person.full_name))
    closed = []
    approval = await bloc2.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    for index, voter in enumerate(voters):
        answers = {
            c.position: (Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN)[(index + c.position) % 3]
            for c in approval.on_ballot
        }
        result = await ballots.cast(
            bloc2.db,
            poll_ref=approval.ref,
            person_id=await pid(bloc2.db, voter.telegram_id),
            ballot=answers,
            now=bloc2.clock(),
            master_key=MASTER,  # as the bot casts: the unit's tracker kept for it, encrypted
        )
        assert result.status is CastStatus.RECORDED and result.tracker
        voter.trackers.append(result.tracker)
    closed.append(approval.id)
    selection = await bloc2.poll(Purpose.SELECTION, "Bằng khen UBND thành phố", seats=3)
    own = {c.unit_id: c.position for c in selection.on_ballot}
    for index, voter in enumerate(voters):
        mine = await ballots.ballot_for(
            bloc2.db, poll_ref=selection.ref, person_id=await pid(bloc2.db, voter.telegram_id)
        )
        assert mine is not None
        others = [c.position for c in selection.on_ballot if c.position != own.get(mine.unit_id or 0)]
        picks = frozenset(others[(index + k) % len(others)] for k in range(1 + index % 3))
        result = await ballots.cast(
            bloc2.db,
            poll_ref=selection.ref,
            person_id=await pid(bloc2.db, voter.telegram_id),
            ballot=picks,
            now=bloc2.clock(),
            master_key=MASTER,
        )
        assert result.status is CastStatus.RECORDED and result.tracker
        voter.trackers.append(result.tracker)
    closed.append(selection.id)
    async with bloc2.db.session() as session:
        by_tracker = {row.tracker: row.sealed for row in await session.exec(select(SealedBallot))}
    for voter in voters:
        voter.sealed = [by_tracker[t] for t in voter.trackers]
    return voters, closed


async def close(bloc2: Bloc2, poll_ids: list[int]) -> None:
    for poll_id in poll_ids:
        await ballots.close_poll(
            bloc2.db,
            poll_id=poll_id,
            master_key=MASTER,
            now=bloc2.clock(),
            person_id=await pid(bloc2.db, bloc2.head),
        )


def file_lines(name: str, data: bytes, folder: Path) -> list[str]:
    """A file of the dossier as the lines a reader sees: rows, paragraphs, table rows, PDF lines."""
    if name.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data))
        return [
            " | ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
    if name.endswith(".docx"):
        document = Document(io.BytesIO(data))
        lines = [p.text for p in document.paragraphs]
        lines += [" | ".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
        return lines
    if name.endswith(".csv"):
        return data.decode("utf-8-sig").splitlines()
    if name.endswith(".pdf"):
        path = folder / name
        path.write_bytes(data)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
        return out.decode().splitlines()
    return []  # the chart: bars of final scores, drawn from the score sheets only


async def test_nothing_kept_or_written_pairs_a_voter_with_a_ballot(
    bloc2: Bloc2,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_library_logs()  # as the bot does at start: DEBUG for our code, libraries held back
    voters, poll_ids = await vote(bloc2)
    await close(bloc2, poll_ids)
    db: Database = bloc2.db

    # The two tables of a vote share no column but the poll, and carry no time.
    who = {c.name for c in Participation.__table__.columns}  # type: ignore[attr-defined]
    what = {c.name for c in SealedBallot.__table__.columns}  # type: ignore[attr-defined]
    assert who & what == {"id", "poll_id"}
    for column in [*Participation.__table__.columns, *SealedBallot.__table__.columns]:  # type: ignore[attr-defined]
        assert "time" not in str(column.type).lower() and "date" not in str(column.type).lower()

    # Every row of every table.
    rows_read = 0
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(table.select())).all():
                rows_read += 1
                line = repr(tuple(row))
                assert not pairs(line, voters), (table.name, line[:200])
                if table.name != "sealed_ballot":
                    assert not any(s in tuple(row) for v in voters for s in v.sealed), table.name
                # Nor a tracker's raw bytes (a receipt is ciphertext, never the tracker itself).
                raw = {bytes.fromhex(t) for v in voters for t in v.trackers}
                assert not any(isinstance(c, bytes) and any(r in c for r in raw) for c in tuple(row))
        if db.backend == "postgresql":
            # The close rewrote the sealed ballots in one transaction: their xmin is the close's,
            # never a cast's, and their order on disk is not the order of the casts.
            cast_xmins = {
                r[0]
                for r in await conn.execute(
                    text("SELECT xmin::text FROM participation WHERE poll_id = ANY(:ids)"), {"ids": poll_ids}
                )
            }
            sealed = (
                await conn.execute(
                    text("SELECT xmin::text, tracker FROM sealed_ballot WHERE poll_id = :id ORDER BY ctid"),
                    {"id": poll_ids[1]},
                )
            ).all()
            assert len(cast_xmins) == 2 * len(voters)  # one transaction per cast
            assert not cast_xmins & {x for x, _ in sealed}
            assert len({x for x, _ in sealed}) == 1
            assert [t for _, t in sealed] != [v.trackers[1] for v in voters]  # 1 chance in 10! to fail
    assert rows_read > 100

    # The dossier: every file the head can export, and the CSV copies.
    head_scope = await exports.scope_for(db, await person_id_of(db, bloc2.head), clock().date())
    files = []
    for kind in (exports.Kind.ALL, exports.Kind.CSV):
        files += (await exports.export(db, head_scope, kind, context(), today=clock().date())).files
    names = {f.name.split("_")[0] for f in files}
    assert {"bien-ban-hop-binh-xet", "to-trinh", "danh-sach-de-nghi", "bang-diem"} <= names
    if shutil.which("pdftotext") and minutes.soffice():
        assert any(f.name.endswith(".pdf") for f in files)
    every_mark = {m for v in voters for m in v.ballot_marks}
    for item in files:
        lines = file_lines(item.name, item.data, tmp_path)
        whole = "\n".join(lines)
        # The minutes' annex lists the trackers as the group was shown them at close, sorted
        # (so that every voter can check theirs was counted): sorted, never in casting order, never
        # a code or sealed bytes, and no other export names a ballot at all.
        shown = [m for m in every_mark if m in whole]
        if item.name.startswith("bien-ban-hop-binh-xet"):
            trackers = {t for v in voters for t in v.trackers}
            assert set(shown) <= trackers, item.name
            positions = sorted((whole.index(t), t) for t in shown)
            for poll_trackers in _per_poll(voters):
                listed = [t for _, t in positions if t in poll_trackers]
                assert listed == sorted(listed), item.name
        else:
            assert not shown, item.name
        # And no line anywhere pairs a person with a ballot.
        assert not any(pairs(line, voters) for line in lines), item.name

    # Every log record of the whole run, at DEBUG (on SQLite this caught aiosqlite printing each
    # INSERT with its parameters, before the bot held that logger back).
    for record in caplog.records:
        message = record.getMessage()
        assert not pairs(message, voters), message[:200]
        assert not [m for m in every_mark if m in message], message[:200]


def _per_poll(voters: list[Voter]) -> list[set[str]]:
    """Each poll's trackers (a voter's n-th tracker is of the n-th poll)."""
    count = max(len(v.trackers) for v in voters)
    return [{v.trackers[n] for v in voters if len(v.trackers) > n} for n in range(count)]


def context() -> exports.Context:
    from zoneinfo import ZoneInfo

    return exports.Context(
        "Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZoneInfo("Asia/Ho_Chi_Minh")
    )


async def test_the_closed_ballots_still_verify_after_the_rewrite(bloc2: Bloc2) -> None:
    """The rewrite at close changes where the sealed ballots sit, never what they are: every
    voter's tracker still verifies and the chain still closes on the published head."""
    voters, poll_ids = await vote(bloc2)
    await close(bloc2, poll_ids)
    async with bloc2.db.session() as session:
        polls = {p.id: p for p in await session.exec(select(Poll).where(Poll.id.in_(poll_ids)))}  # type: ignore[union-attr]
        kept = {row.tracker: row.sealed for row in await session.exec(select(SealedBallot))}
    for voter in voters:
        for tracker, sealed in zip(voter.trackers, voter.sealed, strict=True):
            assert kept[tracker] == sealed
            [match] = await ballots.verify_tracker(bloc2.db, ballot_crypto.short_code(tracker))
            assert match.tracker == tracker
    for poll_id in poll_ids:
        poll = polls[poll_id]
        assert ballot_crypto.verify_chain(json.loads(poll.trackers or "[]"), poll_id, poll.chain_head or "")


@pytest.mark.hardening
async def test_a_voter_sees_only_its_own_trackers_again(bloc2: Bloc2) -> None:
    """/kiemtra with no code (bot/services/receipts.py): each representative gets back exactly the
    trackers of the ballots its unit cast, open or closed; the receipts open only with the master
    key and only on their own (poll, unit) row, so a database copy pairs no unit with a ballot."""
    voters, poll_ids = await vote(bloc2)
    for voter in voters:
        mine = await receipts.receipts_of(
            bloc2.db, person_id=await pid(bloc2.db, voter.telegram_id), master_key=MASTER
        )
        assert sorted(r.tracker or "" for r in mine) == sorted(voter.trackers)
        assert all(r.open and r.counted is None for r in mine)
    await close(bloc2, poll_ids[:1])
    for voter in voters:
        mine = await receipts.receipts_of(
            bloc2.db, person_id=await pid(bloc2.db, voter.telegram_id), master_key=MASTER
        )
        closed = [r for r in mine if not r.open]
        assert [r.tracker for r in closed] == [voter.trackers[0]] and closed[0].counted is True

    # Another key (a copy of the database without the bot's key) opens no receipt; a receipt moved
    # onto another unit's row does not open there.
    other = ballot_crypto.parse_master_key(ballot_crypto.new_master_key())
    async with bloc2.db.session() as session:
        rows = list(await session.exec(select(Participation).where(Participation.poll_id == poll_ids[1])))
    assert len(rows) == len(voters) and all(r.receipt for r in rows)
    for row in rows:
        assert row.receipt is not None
        assert ballot_crypto.open_receipt(other, row.poll_id, row.unit_id, row.receipt) is None
        assert ballot_crypto.open_receipt(MASTER, row.poll_id, row.unit_id + 1, row.receipt) is None
        assert ballot_crypto.open_receipt(MASTER, poll_ids[0], row.unit_id, row.receipt) is None
    nobody = await receipts.receipts_of(
        bloc2.db, person_id=await pid(bloc2.db, voters[0].telegram_id), master_key=other
    )
    assert nobody and all(r.tracker is None for r in nobody)
