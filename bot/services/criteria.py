"""The bloc's criteria and point scale (tiêu chí, thang điểm): upload, check, publish.

A scale is checked whole (models.scoring_rules: the file's shape, then the plan's rules) and
published only when nothing is wrong. Publishing adds a new version; the pact is signed on a
version, and a version that sheets were already submitted against cannot be replaced.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.i18n import t
from bot.services import handoffs
from bot.services.notices import Notice
from bot.services.registration import HEAD_SIDE, Bilingual, Refused, bloc_seat, read_table, record
from models.registration import (
    CriteriaScale,
    PactSignature,
    ScaleContent,
    ScaleCriterion,
    ScoreSheet,
    SheetStatus,
)
from models.scoring_rules import (
    Content,
    Criterion,
    check_scale,
    format_points,
    scale_from_rows,
    scale_to_rows,
)


@dataclass(frozen=True)
class ScaleView:
    scale_id: int
    bloc_id: int
    school_year_id: int
    version: int
    published_at: datetime
    contents: tuple[Content, ...]
    criteria: tuple[Criterion, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.point_total for c in self.contents), Decimal(0))

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code.casefold() == code.casefold()), None)


@dataclass(frozen=True)
class Checked:
    """A scale read from a file or from chat, with every problem found (empty when it may be published)."""

    contents: tuple[Content, ...]
    criteria: tuple[Criterion, ...]
    problems: tuple[Notice, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.contents) and bool(self.criteria)


def _check(rows: list[list[str]]) -> Checked:
    contents, criteria, errors = scale_from_rows(rows)
    problems: list[Notice] = [
        Bilingual("crit.problem", {"vi": e.message_vi, "en": e.message_en}) for e in errors
    ]
    if not errors:
        problems += [
            Bilingual("crit.problem", {"vi": v.message_vi, "en": v.message_en})
            for v in check_scale(contents, criteria)
        ]
        if not contents or not criteria:
            problems.append(Notice("crit.empty"))
    return Checked(tuple(contents), tuple(criteria), tuple(problems))


def check_file(data: bytes, file_name: str) -> Checked:
    rows, problem = read_table(data, file_name)
    if problem:
        return Checked((), (), (problem,))
    return _check(rows)


async def check_file_off_loop(data: bytes, file_name: str) -> Checked:
    """`check_file` in a worker thread: a sheet's parsing must not hold up the event loop."""
    return await asyncio.to_thread(check_file, data, file_name)


def check_text(text: str) -> Checked:
    """A scale typed in chat: a header line and one line per row, cells split by ';', '|' or tabs."""
    rows = []
    for line in text.splitlines():
        for mark in ("|", "\t"):
            line = line.replace(mark, ";")
        rows.append([cell.strip() for cell in line.split(";")])
    return _check(rows)


def template() -> bytes:
    """An example scale in the layout the bot reads (codes as text, so '1.10' stays '1.10')."""
    contents = [
        Content("1", "Thực hiện nhiệm vụ chính trị", Decimal(60), 3),
        Content("2", "Công tác thi đua, khen thưởng", Decimal(40), 2),
    ]
    criteria = [
        Criterion("1.1", "1", "Tỷ lệ học sinh lên lớp, tốt nghiệp", Decimal(30), Decimal("0.5")),
        Criterion("1.2", "1", "Đổi mới phương pháp dạy học", Decimal(20)),
        Criterion("1.3", "1", "Xây dựng trường đạt chuẩn", Decimal(10)),
        Criterion("2.1", "2", "Đăng ký và ký kết giao ước thi đua đúng hạn", Decimal(20)),
        Criterion("2.2", "2", "Phát hiện, bồi dưỡng điển hình tiên tiến", Decimal(20)),
    ]
    from openpyxl import Workbook  # on first use: start-up stays light

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Thang điểm"
    for row in scale_to_rows(contents, criteria):
        sheet.append(row)
    for cell in sheet["A"]:
        cell.number_format = "@"
    sheet.column_dimensions["B"].width = 50
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def _current(session: AsyncSession, bloc_id: int, school_year_id: int) -> CriteriaScale | None:
    return (
        await session.exec(
            select(CriteriaScale)
            .where(CriteriaScale.bloc_id == bloc_id, CriteriaScale.school_year_id == school_year_id)
            .order_by(col(CriteriaScale.version).desc())
            .limit(1)
        )
    ).first()


async def load_view(session: AsyncSession, scale: CriteriaScale) -> ScaleView:
    contents = await session.exec(
        select(ScaleContent).where(ScaleContent.scale_id == scale.id).order_by(col(ScaleContent.position))
    )
    criteria = await session.exec(
        select(ScaleCriterion)
        .where(ScaleCriterion.scale_id == scale.id)
        .order_by(col(ScaleCriterion.position))
    )
    assert scale.id is not None
    return ScaleView(
        scale_id=scale.id,
        bloc_id=scale.bloc_id,
        school_year_id=scale.school_year_id,
        version=scale.version,
        published_at=scale.published_at,
        contents=tuple(Content(c.code, c.title, c.point_total, c.set_criteria_count) for c in contents),
        criteria=tuple(
            Criterion(c.code, c.content_code, c.title, c.max_points, c.step, c.added_by_bloc)
            for c in criteria
        ),
    )


async def current_scale(session: AsyncSession, bloc_id: int, school_year_id: int) -> ScaleView | None:
    scale = await _current(session, bloc_id, school_year_id)
    return await load_view(session, scale) if scale else None


async def publish(db: Database, person_id: int, checked: Checked, *, today: date, now: datetime) -> ScaleView:
    """Publish a checked scale for the head's bloc, as a new version, with history."""
    if not checked.ok:
        raise Refused("crit.refused", count=len(checked.problems))
    # The rules are checked again here, so no caller can publish a scale that breaks them.
    if check_scale(list(checked.contents), list(checked.criteria)):
        raise Refused("crit.refused", count=1)
    async with db.transaction() as session:
        seat = await bloc_seat(session, person_id, today, HEAD_SIDE)
        previous = await _current(session, seat.bloc_id, seat.school_year_id)
        if previous is not None:
            used = (
                await session.exec(
                    select(ScoreSheet).where(
                        ScoreSheet.scale_id == previous.id, ScoreSheet.status != SheetStatus.DRAFT
                    )
                )
            ).first()
            if used is not None:
                raise Refused("crit.in_use")
        scale = CriteriaScale(
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            version=(previous.version + 1) if previous else 1,
            published_at=now,
            published_by_person_id=person_id,
        )
        session.add(scale)
        await session.flush()
        assert scale.id is not None
        for position, content in enumerate(checked.contents):
            session.add(
                ScaleContent(
                    scale_id=scale.id,
                    position=position,
                    code=content.code,
                    title=content.title,
                    point_total=content.point_total,
                    set_criteria_count=content.set_criteria_count,
                )
            )
        for position, criterion in enumerate(checked.criteria):
            session.add(
                ScaleCriterion(
                    scale_id=scale.id,
                    position=position,
                    content_code=criterion.content_code,
                    code=criterion.code,
                    title=criterion.title,
                    max_points=criterion.max_points,
                    step=criterion.step,
                    added_by_bloc=criterion.added_by_bloc,
                )
            )
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=seat.bloc_id,
            school_year_id=seat.school_year_id,
            entity="scale",
            entity_id=scale.id,
            field="version",
            old=previous.version if previous else None,
            new=scale.version,
        )
        await session.flush()
        view = await load_view(session, scale)
        await _tell_units(session, seat.bloc_id, seat.school_year_id, previous, view, person_id, now)
        return view


async def _tell_units(
    session: AsyncSession,
    bloc_id: int,
    school_year_id: int,
    previous: CriteriaScale | None,
    view: ScaleView,
    person_id: int,
    now: datetime,
) -> None:
    """Every representative hears of the new scale; a unit that signed the pact on the version
    it replaces is asked to read it and sign again (its signature was for the old scale)."""
    signed: set[int] = set()
    if previous is not None:
        signed = set(
            await session.exec(select(PactSignature.unit_id).where(PactSignature.scale_id == previous.id))
        )
    total = format_points(view.total)
    for unit_id, reps in (await handoffs.reps_by_unit(session, bloc_id, school_year_id)).items():
        key = "handoff.republished" if unit_id in signed else "handoff.published"
        await handoffs.tell(
            session,
            reps,
            bloc_id=bloc_id,
            event=f"scale:{view.scale_id}",
            render=lambda lang, key=key: handoffs.screen(  # type: ignore[misc]
                t(lang, key, version=view.version, total=total),
                t(lang, "handoff.btn.sign"),
                "task:sign",
            ),
            now=now,
            skip=person_id,
        )
