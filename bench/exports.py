"""Exports: the score workbook for 1,000 units × 40 criteria, and the minutes (DOCX, PDF).

The data are inserted directly (a published scale, a final sheet per unit with every line, a
closed poll's recorded tally): the benchmark measures reading them back and writing the files.
"""

from __future__ import annotations

import json
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
from bot.services import exports
from bot.services.roster import import_roster, parse_roster
from models.meetings import Attendance, Meeting, MeetingKind, MeetingStatus, Poll, PollCandidate, PollStatus
from models.organisation import Bloc, BlocMembership, Person, SchoolYear
from models.registration import (
    CriteriaScale,
    ScaleContent,
    ScaleCriterion,
    ScoreLine,
    ScoreSheet,
    SheetStatus,
)
from models.vote_rules import selection_rules

UNITS = 1000
CONTENTS, PER_CONTENT = 4, 10
ROUNDS = 3
CONTEXT = exports.Context("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZoneInfo("Asia/Ho_Chi_Minh"))


async def _seed(db: Any) -> tuple[exports.Scope, int]:
    rows = ["Khối,Đơn vị,Vai trò"] + [
        f"1,Trường Tiểu học Nguyễn Việt Hồng số {i:04d},{'Khối trưởng' if i == 0 else 'Thành viên'}"
        for i in range(UNITS)
    ]
    await import_roster(
        db, parse_roster("\n".join(rows).encode(), "r.csv"), school_year="2026-2027", authority_name="Sở"
    )
    now = datetime(2027, 6, 5, 1, 30, tzinfo=UTC)
    async with db.transaction() as session:
        bloc = (await session.exec(select(Bloc))).one()
        year = (await session.exec(select(SchoolYear))).one()
        units = [
            m.unit_id for m in await session.exec(select(BlocMembership).order_by(col(BlocMembership.id)))
        ]
        person = Person(telegram_id=1, full_name="Nguyễn Thị Hồng")
        session.add(person)
        await session.flush()
        scale = CriteriaScale(
            bloc_id=bloc.id,
            school_year_id=year.id,
            version=1,
            published_at=now,
            published_by_person_id=person.id,
        )
        session.add(scale)
        await session.flush()
        codes = []
        for c in range(1, CONTENTS + 1):
            session.add(
                ScaleContent(
                    scale_id=scale.id,
                    position=c,
                    code=str(c),
                    title=f"Nội dung {c}",
                    point_total=Decimal(100),
                    set_criteria_count=PER_CONTENT,
                )
            )
            for k in range(1, PER_CONTENT + 1):
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
        }
    finally:
        await db.dispose()
        folder.cleanup()
