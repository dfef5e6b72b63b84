"""Exports: the score workbook for 1,000 units × 40 criteria, the minutes (DOCX, PDF), and the
evidence pack of a 13-unit bloc with 10 files of 200 KB each (downloaded from memory).

The data are inserted directly (a published scale, a final sheet per unit with every line, a
closed poll's recorded tally): the benchmark measures reading them back and writing the files.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import col, select

from bench.common import fresh_database, summary
from bot.exports import minutes, score_workbook
from bot.services import evidence_pack, exports
from bot.services.roster import import_roster, parse_roster
from models.meetings import Attendance, Meeting, MeetingKind, MeetingStatus, Poll, PollCandidate, PollStatus
from models.organisation import Bloc, BlocMembership, Person, SchoolYear
from models.registration import (
    CriteriaScale,
    ScaleContent,
    ScaleCriterion,
    ScoreEvidence,
    ScoreLine,
    ScoreSheet,
    SheetStatus,
)
from models.vote_rules import selection_rules

UNITS = 1000
CONTENTS, PER_CONTENT = 4, 10
ROUNDS = 3
CONTEXT = exports.Context("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZoneInfo("Asia/Ho_Chi_Minh"))


async def _import_units(db: Any, name: str, count: int, width: int) -> None:
    """A one-bloc roster of `count` units numbered on `width` digits (the first is the head's)."""
    rows = ["Khối,Đơn vị,Vai trò"] + [
        f"1,{name} số {i:0{width}d},{'Khối trưởng' if i == 0 else 'Thành viên'}" for i in range(count)
    ]
    await import_roster(
        db, parse_roster("\n".join(rows).encode(), "r.csv"), school_year="2026-2027", authority_name="Sở"
    )


async def _scale(
    session: Any, contents: int, per_content: int, now: datetime
) -> tuple[Bloc, SchoolYear, list[int], Person, CriteriaScale, list[str]]:
    """The bloc, its year, its units in roster order, the head's person, a scale of contents × criteria."""
    bloc = (await session.exec(select(Bloc))).one()
    year = (await session.exec(select(SchoolYear))).one()
    units = [m.unit_id for m in await session.exec(select(BlocMembership).order_by(col(BlocMembership.id)))]
    person = Person(telegram_id=1, full_name="Nguyễn Thị Hồng")
    session.add(person)
    await session.flush()
    scale = CriteriaScale(
        bloc_id=bloc.id, school_year_id=year.id, version=1, published_at=now, published_by_person_id=person.id
    )
    session.add(scale)
    await session.flush()
    codes: list[str] = []
    for c in range(1, contents + 1):
        session.add(
            ScaleContent(
                scale_id=scale.id,
                position=c,
                code=str(c),
                title=f"Nội dung {c}",
                point_total=Decimal(100),
                set_criteria_count=per_content,
            )
        )
        for k in range(1, per_content + 1):
            code = f"{c}.{k}"
            codes.append(code)
            session.add(
                ScaleCriterion(
                    scale_id=scale.id,
                    position=len(codes),
                    content_code=str(c),
                    code=code,
                    title=f"Tiêu chí {code}: thực hiện tốt nhiệm vụ",
                    max_points=Decimal(10),
                    step=Decimal("0.5"),
                )
            )
    await session.flush()
    return bloc, year, units, person, scale, codes


async def _seed(db: Any) -> tuple[exports.Scope, int]:
    await _import_units(db, "Trường Tiểu học Nguyễn Việt Hồng", UNITS, 4)
    now = datetime(2027, 6, 5, 1, 30, tzinfo=UTC)
    async with db.transaction() as session:
        bloc, year, units, person, scale, codes = await _scale(session, CONTENTS, PER_CONTENT, now)
        for unit_id in units:
            session.add(
                ScoreSheet(
                    bloc_id=bloc.id,
                    school_year_id=year.id,
                    scale_id=scale.id,
                    unit_id=unit_id,
                    status=SheetStatus.FINAL,
                    submitted_at=now,
                    finalised_at=now,
                )
            )
        await session.flush()
        sheets = list(await session.exec(select(ScoreSheet.id).order_by(col(ScoreSheet.id))))
        lines = [
            {
                "sheet_id": sheet_id,
                "criterion_code": code,
                "self_score": Decimal((s * 7 + i) % 21) / 2,
                "review": "accepted",
                "final_score": Decimal((s * 7 + i) % 21) / 2,
            }
            for s, sheet_id in enumerate(sheets)
            for i, code in enumerate(codes)
        ]
        await session.execute(insert(ScoreLine.__table__), lines)  # type: ignore[attr-defined]
        meeting = Meeting(
            bloc_id=bloc.id,
            school_year_id=year.id,
            kind=MeetingKind.YEAREND,
            status=MeetingStatus.CLOSED,
            starts_at=now,
            place="Trường Tiểu học Nguyễn Việt Hồng",
            chair_person_id=person.id,
            closed_at=now,
        )
        session.add(meeting)
        await session.flush()
        present = units[: UNITS * 4 // 5]
        await session.execute(
            insert(Attendance.__table__),  # type: ignore[attr-defined]
            [
                {"meeting_id": meeting.id, "unit_id": u, "present": True, "checked_in_at": now}
                for u in present
            ],
        )
        candidates = [
            {
                "position": p,
                "votes": 800 - p * 30,
                "disagree": 0,
                "abstain": 0,
                "blank": p * 30,
                "share": f"{800 - p * 30}/800",
                "passed": p < 3,
                "elected": p < 3,
            }
            for p in range(1, 21)
        ]
        poll = Poll(
            ref="bench001",
            meeting_id=meeting.id,
            title="Cờ thi đua của UBND thành phố",
            rules=json.dumps(selection_rules(2).to_dict()),
            status=PollStatus.CLOSED,
            members=UNITS,
            present=len(present),
            closed_at=now,
            chain_head="0" * 64,
            trackers=json.dumps(["x"] * 800),
            result=json.dumps(
                {
                    "members": UNITS,
                    "present": len(present),
                    "absentee_voted": 0,
                    "voted": 800,
                    "invalid": 0,
                    "blank_ballots": 0,
                    "quorum_needed": 667,
                    "quorate": True,
                    "base": "present",
                    "base_size": 800,
                    "needed": 560,
                    "elected": [1, 2],
                    "tie": None,
                    "unfilled_seats": 0,
                    "small_poll": False,
                    "candidates": candidates,
                }
            ),
        )
        session.add(poll)
        await session.flush()
        for p in range(1, 21):
            session.add(PollCandidate(poll_id=poll.id, position=p, unit_id=units[p], label=f"Đơn vị {p:02d}"))
        return exports.Scope(bloc.id, year.id), meeting.id  # type: ignore[arg-type]


PACK_UNITS, PACK_FILES, PACK_FILE_BYTES = 13, 10, 200 * 1024


async def _seed_evidence(db: Any) -> tuple[exports.Scope, dict[str, bytes]]:
    """A 13-unit bloc, one scale of 10 criteria, a photo or a PDF of 200 KB on every line."""
    await _import_units(db, "Trường Trung học phổ thông Nguyễn Việt Hồng", PACK_UNITS, 2)
    now = datetime(2027, 5, 20, 1, 30, tzinfo=UTC)
    files: dict[str, bytes] = {}
    noise = random.Random(0)
    async with db.transaction() as session:
        bloc, year, units, person, scale, _ = await _scale(session, 1, PACK_FILES, now)
        for unit_id in units:
            sheet = ScoreSheet(bloc_id=bloc.id, school_year_id=year.id, scale_id=scale.id, unit_id=unit_id)
            session.add(sheet)
            await session.flush()
            for k in range(1, PACK_FILES + 1):
                line = ScoreLine(sheet_id=sheet.id, criterion_code=f"1.{k}", self_score=Decimal(8))  # type: ignore[arg-type]
                session.add(line)
                await session.flush()
                file_id = f"F{unit_id:03d}{k:02d}"
                photo = k % 2 == 0
                head = b"\xff\xd8\xff\xe0" if photo else b"%PDF-1.4\n"
                files[file_id] = head + noise.randbytes(PACK_FILE_BYTES - len(head))
                session.add(
                    ScoreEvidence(
                        line_id=line.id,  # type: ignore[arg-type]
                        kind="photo" if photo else "document",
                        value=file_id,
                        file_name=None if photo else f"Báo cáo tiêu chí 1.{k}.pdf",
                        added_at=now,
                        added_by_person_id=person.id,  # type: ignore[arg-type]
                    )
                )
        return exports.Scope(bloc.id, year.id), files  # type: ignore[arg-type]


async def _evidence_pack() -> dict[str, Any]:
    db, folder = await fresh_database()
    try:
        scope, files = await _seed_evidence(db)

        async def download(file_id: str) -> bytes:
            return files[file_id]

        times, size, parts = [], 0, 0
        for _ in range(ROUNDS):
            start = time.perf_counter()
            made = [part async for part in evidence_pack.parts(db, scope, CONTEXT, download)]
            times.append((time.perf_counter() - start) * 1000)
            size, parts = sum(len(p.data) for p in made), len(made)
        return {
            "evidence_pack_13_units_x_10_files_200KB": summary(times),
            "evidence_pack_bytes": size,
            "evidence_pack_parts": parts,
        }
    finally:
        await db.dispose()
        folder.cleanup()


async def run() -> dict[str, Any]:
    db, folder = await fresh_database()
    try:
        scope, meeting_id = await _seed(db)
        moment = datetime(2027, 6, 5, tzinfo=UTC)
        query_ms, render_ms, flat_ms, size = [], [], [], 0
        for _ in range(ROUNDS):
            start = time.perf_counter()
            book = await exports.score_book(db, scope, CONTEXT)
            query_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            data = score_workbook.render(book, moment)
            render_ms.append((time.perf_counter() - start) * 1000)
            size = len(data)
            # A real bloc's size (20 units) with its per-unit sheets, for comparison.
            small = replace(book, units=book.units[:20])
            start = time.perf_counter()
            score_workbook.render(small, moment)
            flat_ms.append((time.perf_counter() - start) * 1000)
        docx_ms, pdf_ms = [], []
        pdf = None
        for _ in range(ROUNDS):
            start = time.perf_counter()
            document = minutes.render(await exports.minutes_data(db, scope, CONTEXT, meeting_id))
            docx_ms.append((time.perf_counter() - start) * 1000)
        if minutes.soffice() is not None:
            start = time.perf_counter()
            pdf = await minutes.to_pdf(document)
            pdf_ms.append((time.perf_counter() - start) * 1000)
        return {
            "units": UNITS,
            "criteria": CONTENTS * PER_CONTENT,
            "workbook_query": summary(query_ms),
            "workbook_render_1000_units_summary_sheets": summary(render_ms),
            "workbook_render_20_units_with_unit_sheets": summary(flat_ms),
            "workbook_bytes": size,
            "minutes_docx_1000_members": summary(docx_ms),
            "minutes_pdf": summary(pdf_ms) if pdf_ms else "LibreOffice not installed",
            "minutes_pdf_bytes": len(pdf) if pdf else 0,
            **await _evidence_pack(),
        }
    finally:
        await db.dispose()
        folder.cleanup()
