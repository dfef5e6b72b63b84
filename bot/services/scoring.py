"""Tự chấm điểm, review and ranking (docs/domain.md step 4; seed 000 §III.1).

A unit's sheet has one line per criterion of the bloc's current scale. The sheet keeps the
criterion the representative is on (`cursor`), so /chamdiem resumes there after any pause or
restart. Once submitted, the secretariat accepts lines or proposes another score with a reason;
the unit agrees or answers; the head (or deputy) decides disputed lines and finalises. Every
score change is written to the change history. Totals and ranks use models.scoring_rules, in
exact decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Button, Screen
from bot.db import Database
from bot.i18n import Raw, t
from bot.services import handoffs, outbox
from bot.services.criteria import ScaleView, current_scale, load_view
from bot.services.registration import (
    REVIEWERS,
    Bilingual,
    Refused,
    bloc_seat,
    bloc_units,
    check_deadline,
    record,
    registered_units,
    unit_reps,
    unit_seat,
    window_of,
)
from models.organisation import Person, Unit
from models.permissions import Capacity
from models.registration import (
    ChangeHistory,
    CriteriaScale,
    LineReview,
    ScoreEvidence,
    ScoreLine,
    ScoreSheet,
    SheetStatus,
    Task,
)
from models.scoring_rules import Content, Criterion, ScoreError, format_points, parse_score, rank, unit_total
from models.types import id_of

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".jpg",
        ".jpeg",
        ".png",
        ".zip",
        ".odt",
        ".ods",
    }
)
FILE_KINDS = frozenset({"photo", "document"})
FINALISERS = frozenset({Capacity.HEAD, Capacity.DEPUTY})
_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class SheetState:
    """Where a representative is in their sheet."""

    sheet_id: int
    unit_name: str
    status: SheetStatus
    position: int  # 0-based cursor; == count when past the last criterion
    count: int
    criterion: Criterion | None
    content: Content | None
    score: Decimal | None  # the score already given for the current criterion
    evidence: int  # evidence items on the current line
    awaiting_evidence: bool
    unscored: tuple[str, ...]  # codes without a score, in scale order
    total: Decimal  # sum of the self-scores given so far
    # At the end, before sending: (code, score, evidence count) of every criterion.
    overview: tuple[tuple[str, Decimal | None, int], ...] = ()
    open_until: datetime | None = None  # the deadline that applies to the unit (at the start)
    not_done: tuple[str, ...] = ()  # "register", "sign": what the unit has not done, said at the start


async def _scale_of(session: AsyncSession, sheet: ScoreSheet) -> ScaleView:
    scale = await session.get(CriteriaScale, sheet.scale_id)
    assert scale is not None
    return await load_view(session, scale)


async def _lines(session: AsyncSession, sheet_id: int) -> dict[str, ScoreLine]:
    rows = await session.exec(select(ScoreLine).where(ScoreLine.sheet_id == sheet_id))
    return {line.criterion_code: line for line in rows}


async def _state(session: AsyncSession, sheet: ScoreSheet, unit_name: str) -> SheetState:
    assert sheet.id is not None
    scale = await _scale_of(session, sheet)
    lines = await _lines(session, sheet.id)
    count = len(scale.criteria)
    position = min(sheet.cursor, count)
    criterion = scale.criteria[position] if position < count else None
    content = None
    evidence = 0
    score = None
    if criterion is not None:
        content = next((c for c in scale.contents if c.code == criterion.content_code), None)
        line = lines[criterion.code]
        score = line.self_score
        evidence = (
            await session.exec(
                select(func.count()).select_from(ScoreEvidence).where(ScoreEvidence.line_id == line.id)
            )
        ).one()
    scores = [lines[c.code].self_score for c in scale.criteria]
    overview: tuple[tuple[str, Decimal | None, int], ...] = ()
    if criterion is None:
        counts = dict(
            (
                await session.exec(
                    select(ScoreEvidence.line_id, func.count())
                    .where(col(ScoreEvidence.line_id).in_([line.id for line in lines.values()]))
                    .group_by(col(ScoreEvidence.line_id))
                )
            ).all()
        )
        overview = tuple(
            (c.code, lines[c.code].self_score, int(counts.get(id_of(lines[c.code]), 0)))
            for c in scale.criteria
        )
    return SheetState(
        overview=overview,
        sheet_id=sheet.id,
        unit_name=unit_name,
        status=SheetStatus(sheet.status),
        position=position,
        count=count,
        criterion=criterion,
        content=content,
        score=score,
        evidence=int(evidence),
        awaiting_evidence=sheet.awaiting_evidence,
        unscored=tuple(c.code for c, s in zip(scale.criteria, scores, strict=True) if s is None),
        total=unit_total(s for s in scores if s is not None),
    )


async def find_sheet(db: Database, person_id: int, *, today: date) -> SheetState | None:
    """Where the representative is in the unit's sheet, without making one; None without a sheet."""
    async with db.session() as session:
        try:
            seat = await unit_seat(session, person_id, today)
        except Refused:
            return None
        scale = await current_scale(session, seat.bloc_id, seat.school_year_id)
        if scale is None:
            return None
        sheet = (
            await session.exec(
                select(ScoreSheet).where(
                    ScoreSheet.scale_id == scale.scale_id, ScoreSheet.unit_id == seat.unit_id
                )
            )
        ).first()
        return None if sheet is None else await _state(session, sheet, seat.unit_name)


async def open_sheet(db: Database, person_id: int, *, today: date, now: datetime | None = None) -> SheetState:
    """The unit's sheet on the current scale, created with one empty line per criterion.

    With `now` (a person starting the task): a sheet still to send after the deadline is refused
    here, before any score is typed, and the state says the deadline and what the unit has not
    done (registration, the pact) that its consideration depends on."""
    async with db.transaction() as session:
        seat = await unit_seat(session, person_id, today)
        scale = await current_scale(session, seat.bloc_id, seat.school_year_id)
        if scale is None:
            raise Refused("pact.no_scale")
        sheet = (
            await session.exec(
                select(ScoreSheet).where(
                    ScoreSheet.scale_id == scale.scale_id, ScoreSheet.unit_id == seat.unit_id
                )
            )
        ).first()
        if now is not None and (sheet is None or sheet.status == SheetStatus.DRAFT):
            await check_deadline(
                session, seat.bloc_id, seat.school_year_id, Task.SELF_SCORE, now, unit_id=seat.unit_id
            )
        if sheet is None:
            sheet = ScoreSheet(
                bloc_id=seat.bloc_id,
                school_year_id=seat.school_year_id,
                scale_id=scale.scale_id,
                unit_id=seat.unit_id,
            )
            session.add(sheet)
            await session.flush()
            for criterion in scale.criteria:
                session.add(ScoreLine(sheet_id=sheet.id, criterion_code=criterion.code))  # type: ignore[arg-type]
            await session.flush()
        found = await _state(session, sheet, seat.unit_name)
        if now is None:
            return found
        from bot.services.pact import signed_units

        not_done = []
        if seat.unit_id not in await registered_units(session, seat.bloc_id, seat.school_year_id):
            not_done.append("register")
        if seat.unit_id not in await signed_units(session, seat.bloc_id, seat.school_year_id):
            not_done.append("sign")
        until = await window_of(
            session, seat.bloc_id, seat.school_year_id, Task.SELF_SCORE, unit_id=seat.unit_id
        )
        return replace(found, open_until=until, not_done=tuple(not_done))


async def _my_sheet(
    session: AsyncSession, person_id: int, today: date, sheet_id: int
) -> tuple[ScoreSheet, str]:
    """The sheet, if this person represents its unit: another unit's representative is refused."""
    seat = await unit_seat(session, person_id, today)
    sheet = await session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise Refused("score.no_sheet")
    if sheet.unit_id != seat.unit_id:
        unit = await session.get(Unit, sheet.unit_id)
        raise Refused("score.not_your_unit", unit=unit.name if unit else "?")
    return sheet, seat.unit_name


def _editable(sheet: ScoreSheet) -> None:
    if sheet.status != SheetStatus.DRAFT:
        raise Refused("score.already_submitted")


async def state(db: Database, person_id: int, *, sheet_id: int, today: date) -> SheetState:
    async with db.session() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        return await _state(session, sheet, unit_name)


async def enter_score(
    db: Database, person_id: int, *, sheet_id: int, text: str, today: date, now: datetime
) -> tuple[SheetState, Decimal]:
    """Score the current criterion from what was typed; a bad number is refused, nothing saved."""
    async with db.transaction() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        _editable(sheet)
        scale = await _scale_of(session, sheet)
        if sheet.cursor >= len(scale.criteria):
            raise Refused("score.at_end")
        criterion = scale.criteria[sheet.cursor]
        parsed = parse_score(text, criterion)
        if isinstance(parsed, ScoreError):
            raise Refused(
                "score.bad", detail=Bilingual("", {"vi": parsed.message_vi, "en": parsed.message_en})
            )
        line = (await _lines(session, sheet_id))[criterion.code]
        if line.self_score != parsed:
            record(
                session,
                at=now,
                person_id=person_id,
                bloc_id=sheet.bloc_id,
                school_year_id=sheet.school_year_id,
                unit_id=sheet.unit_id,
                entity="score_line",
                entity_id=line.id,
                field=f"{criterion.code}.self",
                old=None if line.self_score is None else str(line.self_score),
                new=str(parsed),
            )
        line.self_score = parsed
        sheet.awaiting_evidence = True
        session.add_all([line, sheet])
        await session.flush()
        return await _state(session, sheet, unit_name), parsed


def check_evidence_file(file_name: str | None, size: int | None) -> None:
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise Refused("score.evidence.bad_type", file=file_name or "?")
    if size is not None and size > MAX_EVIDENCE_BYTES:
        raise Refused(
            "score.evidence.too_big",
            file=file_name or "?",
            size=f"{size / 1024 / 1024:.1f}".replace(".", ","),
        )


def check_evidence(kind: str, file_name: str | None, size: int | None) -> None:
    """A file's type and size, checked before its bytes are fetched: a refused file is never copied."""
    if kind == "document":
        check_evidence_file(file_name, size)
    elif kind == "photo" and size is not None and size > MAX_EVIDENCE_BYTES:
        raise Refused(
            "score.evidence.too_big", file="ảnh", size=f"{size / 1024 / 1024:.1f}".replace(".", ",")
        )


async def add_evidence(
    db: Database,
    person_id: int,
    *,
    sheet_id: int,
    kind: str,
    value: str,
    today: date,
    now: datetime,
    file_name: str | None = None,
    size: int | None = None,
    file_key: str | None = None,
    mime: str | None = None,
    caption: str | None = None,
) -> SheetState:
    """Attach a photo, document, link or note to the current line. A file's bytes are in the
    bot's file store under `file_key`; `value` is then the platform's handle, kept for reference."""
    if kind in FILE_KINDS:
        check_evidence(kind, file_name, size)
        caption = " ".join(caption.split())[:1000] or None if caption else None
    else:
        value = value.strip()
        kind = "link" if _LINK.match(value) else "note"
        if not 2 <= len(value) <= 2000:
            raise Refused("score.evidence.bad_note")
    async with db.transaction() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        _editable(sheet)
        scale = await _scale_of(session, sheet)
        if sheet.cursor >= len(scale.criteria):
            raise Refused("score.at_end")
        line = (await _lines(session, sheet_id))[scale.criteria[sheet.cursor].code]
        session.add(
            ScoreEvidence(
                line_id=id_of(line),
                kind=kind,
                value=value,
                file_name=file_name,
                file_key=file_key if kind in FILE_KINDS else None,
                mime=mime if kind in FILE_KINDS else None,
                caption=caption if kind in FILE_KINDS else None,
                added_at=now,
                added_by_person_id=person_id,
            )
        )
        await session.flush()
        return await _state(session, sheet, unit_name)


async def drop_evidence(
    db: Database, person_id: int, *, sheet_id: int, code: str, today: date, now: datetime
) -> tuple[SheetState, str]:
    """Remove the evidence added last on criterion `code`, while the sheet is not sent (to replace
    it, send the right one next). Gone from the sheet and so from the evidence pack; the file's
    bytes stay in the store (kept by content, maybe shared). Returns what was removed, named."""
    async with db.transaction() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        _editable(sheet)
        line = (await _lines(session, sheet_id)).get(code)
        if line is None:
            raise Refused("score.no_criterion", code=code)
        last = (
            await session.exec(
                select(ScoreEvidence)
                .where(ScoreEvidence.line_id == line.id)
                .order_by(col(ScoreEvidence.id).desc())
            )
        ).first()
        if last is None:
            raise Refused("score.evidence.none", code=code)
        named = last.file_name or last.caption or last.value
        record(
            session,
            at=now,
            person_id=person_id,
            bloc_id=sheet.bloc_id,
            school_year_id=sheet.school_year_id,
            unit_id=sheet.unit_id,
            entity="score_evidence",
            entity_id=last.id,
            field=f"{code}.removed",
            old=named,
            new=None,
        )
        await session.delete(last)
        await session.flush()
        return await _state(session, sheet, unit_name), named[:80]


@dataclass(frozen=True)
class EvidenceView:
    kind: str  # photo | document | link | note
    value: str
    file_name: str | None
    file_key: str | None
    caption: str | None


async def evidence_for_review(
    db: Database, person_id: int, *, line_id: int, today: date
) -> tuple[LineView, list[EvidenceView]]:
    """A line's evidence, for the secretariat and the head's side (any state of the sheet)."""
    async with db.session() as session:
        seat = await bloc_seat(session, person_id, today, REVIEWERS)
        line = await session.get(ScoreLine, line_id)
        sheet = await session.get(ScoreSheet, line.sheet_id) if line else None
        if line is None or sheet is None or sheet.bloc_id != seat.bloc_id:
            raise Refused("score.no_sheet")
        view = await _sheet_view(session, sheet)
        rows = await session.exec(
            select(ScoreEvidence).where(ScoreEvidence.line_id == line_id).order_by(col(ScoreEvidence.id))
        )
        items = [EvidenceView(r.kind, r.value, r.file_name, r.file_key, r.caption) for r in rows]
        return next(v for v in view.lines if v.line_id == line_id), items


async def move(
    db: Database, person_id: int, *, sheet_id: int, action: str, code: str, today: date
) -> SheetState:
    """A button: next / skip / back from criterion `code`, or go to `code`; checked against the scale."""
    async with db.transaction() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        _editable(sheet)
        scale = await _scale_of(session, sheet)
        codes = [c.code for c in scale.criteria]
        if code not in codes and code != "end":
            raise Refused("score.no_criterion", code=code)
        if action == "go":
            sheet.cursor = codes.index(code)
        elif action in ("next", "skip", "back"):
            here = codes[sheet.cursor] if sheet.cursor < len(codes) else "end"
            if here != code:
                raise Refused("error.stale_button")
            if action == "back":
                sheet.cursor = max(0, sheet.cursor - 1)
            elif action == "skip":
                sheet.cursor = min(len(codes), sheet.cursor + 1)
            else:
                # After a score, go on to the next criterion still without one (back to review others).
                lines = await _lines(session, sheet_id)
                later = [i for i in range(sheet.cursor + 1, len(codes)) if lines[codes[i]].self_score is None]
                sheet.cursor = later[0] if later else len(codes)
        else:
            raise Refused("error.stale_button")
        sheet.awaiting_evidence = False
        session.add(sheet)
        await session.flush()
        return await _state(session, sheet, unit_name)


async def submit(db: Database, person_id: int, *, sheet_id: int, today: date, now: datetime) -> SheetState:
    async with db.transaction() as session:
        sheet, unit_name = await _my_sheet(session, person_id, today, sheet_id)
        _editable(sheet)
        current = await _state(session, sheet, unit_name)
        if current.unscored:
            raise Refused("score.unscored", codes=", ".join(current.unscored))
        await check_deadline(
            session, sheet.bloc_id, sheet.school_year_id, Task.SELF_SCORE, now, unit_id=sheet.unit_id
        )
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, now
        session.add(sheet)
        _log_status(session, sheet, person_id, now, SheetStatus.DRAFT)
        await session.flush()
        # The head's side is told in this transaction: a sheet sent is a sheet waiting for them.
        total = format_points(current.total)
        await handoffs.tell(
            session,
            await handoffs.bloc_people(session, sheet.bloc_id, sheet.school_year_id, REVIEWERS),
            bloc_id=sheet.bloc_id,
            event=f"sheet_submitted:{sheet.id}",
            render=lambda lang: handoffs.screen(
                t(lang, "handoff.sheet_submitted", unit=unit_name, total=total),
                t(lang, "handoff.btn.review"),
                f"rv:{sheet.id}",
            ),
            now=now,
            skip=person_id,
        )
        return await _state(session, sheet, unit_name)


# ------------------------------------------------------------------ review
@dataclass(frozen=True)
class LineView:
    line_id: int
    code: str
    title: str
    max_points: Decimal
    self_score: Decimal | None
    review: LineReview
    proposed: Decimal | None
    reason: str | None
    answer: str | None
    final: Decimal | None
    evidence: int
    proposed_by: Proposer | None = None


@dataclass(frozen=True)
class Proposer:
    """Who proposed a line's adjustment (from the change history): told the unit's answer."""

    person_id: int
    name: str
    capacity: Capacity

    def label(self, lang: str) -> str:
        role = t(lang, f"who.{self.capacity.value}")
        return t(lang, "who.named", role=role, name=self.name) if self.name else role


# The hat a proposer is named by, the highest they hold in the bloc.
_NAMED_BY = (Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT)


async def proposers(session: AsyncSession, sheet: ScoreSheet, line_ids: list[int]) -> dict[int, Proposer]:
    """The person who last proposed another score on each line, with the hat they wore then."""
    if not line_ids:
        return {}
    rows = await session.exec(
        select(ChangeHistory.entity_id, ChangeHistory.person_id, ChangeHistory.at)
        .where(
            ChangeHistory.entity == "score_line",
            col(ChangeHistory.entity_id).in_(line_ids),
            col(ChangeHistory.field).endswith(".proposed"),
        )
        .order_by(col(ChangeHistory.id))
    )
    latest = {
        int(line_id): (person_id, at)
        for line_id, person_id, at in rows
        if person_id is not None and line_id is not None
    }
    found: dict[int, Proposer] = {}
    for line_id, (person_id, at) in latest.items():
        person = await session.get(Person, person_id)
        try:
            seat = await bloc_seat(session, person_id, at.date(), _NAMED_BY)
            capacity = next(c for c in _NAMED_BY if c in seat.capacities)
        except Refused:
            capacity = Capacity.SECRETARIAT
        found[line_id] = Proposer(person_id, person.full_name if person else "", capacity)
    return found


@dataclass(frozen=True)
class SheetView:
    sheet_id: int
    unit_id: int
    unit_name: str
    status: SheetStatus
    lines: tuple[LineView, ...]

    @property
    def self_total(self) -> Decimal:
        return unit_total(line.self_score for line in self.lines if line.self_score is not None)

    @property
    def final_total(self) -> Decimal:
        return unit_total(line.final for line in self.lines if line.final is not None)

    def count(self, review: LineReview) -> int:
        return sum(1 for line in self.lines if line.review is review)


async def _sheet_view(session: AsyncSession, sheet: ScoreSheet) -> SheetView:
    assert sheet.id is not None
    scale = await _scale_of(session, sheet)
    lines = await _lines(session, sheet.id)
    counts = dict(
        (
            await session.exec(
                select(ScoreEvidence.line_id, func.count())
                .where(col(ScoreEvidence.line_id).in_([line.id for line in lines.values()]))
                .group_by(col(ScoreEvidence.line_id))
            )
        ).all()
    )
    unit = await session.get(Unit, sheet.unit_id)
    asked = [line.id for line in lines.values() if line.proposed_score is not None and line.id is not None]
    named = await proposers(session, sheet, asked)
    views = []
    for criterion in scale.criteria:
        line = lines[criterion.code]
        assert line.id is not None
        views.append(
            LineView(
                line.id,
                criterion.code,
                criterion.title,
                criterion.max_points,
                line.self_score,
                LineReview(line.review),
                line.proposed_score,
                line.proposed_reason,
                line.unit_answer,
                line.final_score,
                int(counts.get(line.id, 0)),
                named.get(line.id),
            )
        )
    return SheetView(
        sheet.id, sheet.unit_id, unit.name if unit else "", SheetStatus(sheet.status), tuple(views)
    )


async def review_list(db: Database, person_id: int, *, today: date) -> list[SheetView]:
    """The bloc's sheets that were sent to the head, for the secretariat and the head's side."""
    async with db.session() as session:
        seat = await bloc_seat(session, person_id, today, REVIEWERS)
        sheets = await session.exec(
            select(ScoreSheet)
            .where(
                ScoreSheet.bloc_id == seat.bloc_id,
                ScoreSheet.school_year_id == seat.school_year_id,
                ScoreSheet.status != SheetStatus.DRAFT,
            )
            .order_by(col(ScoreSheet.submitted_at), col(ScoreSheet.id))
        )
        return [await _sheet_view(session, sheet) for sheet in sheets]


async def _reviewable(
    session: AsyncSession,
    person_id: int,
    today: date,
    sheet_id: int,
    allowed: frozenset[Capacity] = REVIEWERS,
) -> ScoreSheet:
    seat = await bloc_seat(session, person_id, today, allowed)
    sheet = await session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.bloc_id != seat.bloc_id or sheet.school_year_id != seat.school_year_id:
        raise Refused("score.no_sheet")
    if sheet.status != SheetStatus.SUBMITTED:
        raise Refused("review.not_open")
    return sheet


async def sheet_for_review(db: Database, person_id: int, *, sheet_id: int, today: date) -> SheetView:
    async with db.session() as session:
        seat = await bloc_seat(session, person_id, today, REVIEWERS)
        sheet = await session.get(ScoreSheet, sheet_id)
        if sheet is None or sheet.bloc_id != seat.bloc_id:
            raise Refused("score.no_sheet")
        return await _sheet_view(session, sheet)


async def _line_for_review(
    session: AsyncSession, person_id: int, today: date, line_id: int, allowed: frozenset[Capacity] = REVIEWERS
) -> tuple[ScoreLine, ScoreSheet]:
    line = await session.get(ScoreLine, line_id)
    if line is None:
        raise Refused("score.no_criterion", code=str(line_id))
    sheet = await _reviewable(session, person_id, today, line.sheet_id, allowed)
    return line, sheet


def _log_status(
    session: AsyncSession, sheet: ScoreSheet, person_id: int, now: datetime, old: SheetStatus
) -> None:
    """The sheet's move from `old` to its current status, in the change history."""
    record(
        session,
        at=now,
        person_id=person_id,
        bloc_id=sheet.bloc_id,
        school_year_id=sheet.school_year_id,
        unit_id=sheet.unit_id,
        entity="score_sheet",
        entity_id=sheet.id,
        field="status",
        old=old.value,
        new=SheetStatus(sheet.status).value,
    )


def _log_line(
    session: AsyncSession,
    sheet: ScoreSheet,
    line: ScoreLine,
    person_id: int,
    now: datetime,
    what: str,
    old: object,
    new: object,
    reason: str | None = None,
) -> None:
    record(
        session,
        at=now,
        person_id=person_id,
        bloc_id=sheet.bloc_id,
        school_year_id=sheet.school_year_id,
        unit_id=sheet.unit_id,
        entity="score_line",
        entity_id=line.id,
        field=f"{line.criterion_code}.{what}",
        old=None if old is None else str(old),
        new=None if new is None else str(new),
        reason=reason,
    )


async def accept_lines(
    db: Database, person_id: int, *, sheet_id: int, line_ids: list[int] | None, today: date, now: datetime
) -> SheetView:
    """Accept the unit's score on the given lines (all pending ones when `line_ids` is None)."""
    async with db.transaction() as session:
        sheet = await _reviewable(session, person_id, today, sheet_id)
        lines = (await _lines(session, sheet_id)).values()
        chosen = [line for line in lines if line_ids is None or line.id in line_ids]
        if line_ids is not None and len(chosen) != len(set(line_ids)):
            raise Refused("score.no_criterion", code=",".join(map(str, line_ids)))
        for line in chosen:
            if line.review != LineReview.PENDING:
                if line_ids is None:
                    continue
                raise Refused("review.line_done", code=line.criterion_code)
            line.review, line.final_score = LineReview.ACCEPTED, line.self_score
            _log_line(session, sheet, line, person_id, now, "final", None, line.final_score)
            session.add(line)
        await session.flush()
        return await _sheet_view(session, sheet)


# The score must end where a space or a separator starts: "1e309" or "7²" is not 1 or 7 followed
# by a reason, it is a score that is not a number.
_PROPOSAL = re.compile(r"^\s*([+\-−–]?[0-9]+(?:[.,][0-9]*)?)(?=[\s:;,\-–]|$)\s*[:;,\-–]?\s*(.*)$", re.S)


@dataclass(frozen=True)
class Proposal:
    sheet: SheetView
    line: LineView
    notify: list[tuple[int, str]]  # the unit's representatives told: (person id, language)


def proposal_screen(line: LineView, lang: str) -> Screen:
    """What the unit is shown of a proposed adjustment, with its two answers."""
    who = line.proposed_by.label(lang) if line.proposed_by else t(lang, "who.secretariat")
    text = t(
        lang,
        "review.notify",
        who=Raw(who),
        code=line.code,
        title=line.title,
        old=_points(line.self_score),
        new=_points(line.proposed),
        reason=line.reason or "",
    )
    return Screen(
        text,
        buttons=(
            (
                Button(t(lang, "review.btn.agree"), f"ua:{line.line_id}:y"),
                Button(t(lang, "review.btn.answer"), f"ua:{line.line_id}:n"),
            ),
        ),
    )


def _points(value: Decimal | None) -> str:
    return format_points(value) if value is not None else "—"


async def propose(
    db: Database, person_id: int, *, line_id: int, text: str, today: date, now: datetime
) -> Proposal:
    """Propose another score with a reason ("7,5 thiếu minh chứng"); the unit is then asked."""
    match = _PROPOSAL.match(text or "")
    async with db.transaction() as session:
        line, sheet = await _line_for_review(session, person_id, today, line_id)
        if line.review not in (LineReview.PENDING, LineReview.ACCEPTED):
            raise Refused("review.line_done", code=line.criterion_code)
        scale = await _scale_of(session, sheet)
        criterion = scale.criterion(line.criterion_code)
        assert criterion is not None
        if match is None:
            typed = (text or "").split(maxsplit=1)
            if not typed:
                raise Refused("review.bad_proposal")
            # Say what is wrong with the score typed ("1e309", "NaN", "７") rather than guess a reason.
            parsed = parse_score(typed[0][:40], criterion)
            if isinstance(parsed, ScoreError):
                raise Refused(
                    "score.bad", detail=Bilingual("", {"vi": parsed.message_vi, "en": parsed.message_en})
                )
            raise Refused("review.bad_proposal")
        parsed = parse_score(match.group(1), criterion)
        if isinstance(parsed, ScoreError):
            raise Refused(
                "score.bad", detail=Bilingual("", {"vi": parsed.message_vi, "en": parsed.message_en})
            )
        reason = " ".join(match.group(2).split())
        if len(reason) < 3:
            raise Refused("review.need_reason")
        _log_line(session, sheet, line, person_id, now, "proposed", line.self_score, parsed, reason)
        line.review, line.proposed_score, line.proposed_reason, line.final_score = (
            LineReview.PROPOSED,
            parsed,
            reason,
            None,
        )
        session.add(line)
        await session.flush()
        view = await _sheet_view(session, sheet)
        target = next(v for v in view.lines if v.line_id == line_id)
        notify = await unit_reps(session, sheet.unit_id, sheet.school_year_id)
        # Told through the outbox, in the transaction of the proposal: each representative in
        # their own language, on the app they use, after the commit (a line is proposed once).
        for rep_id, language in notify:
            await outbox.enqueue(
                session,
                person_id=rep_id,
                kind="score_proposal",
                screen=proposal_screen(target, language),
                dedupe_key=f"score-proposal:{line_id}:{rep_id}",
                now=now,
            )
        return Proposal(view, target, notify)


async def line_sheet(db: Database, line_id: int) -> int:
    """The sheet a line belongs to (a press names the line only)."""
    async with db.session() as session:
        line = await session.get(ScoreLine, line_id)
        if line is None:
            raise Refused("score.no_criterion", code=str(line_id))
        return line.sheet_id


async def proposal_target(
    db: Database, person_id: int, *, line_id: int, today: date
) -> tuple[SheetView, LineView]:
    """The sheet and line a reviewer is about to propose another score for."""
    sheet_id = await line_sheet(db, line_id)
    view = await sheet_for_review(db, person_id, sheet_id=sheet_id, today=today)
    return view, next(v for v in view.lines if v.line_id == line_id)


async def can_finalise(db: Database, person_id: int, *, today: date) -> bool:
    async with db.session() as session:
        try:
            await bloc_seat(session, person_id, today, FINALISERS)
            return True
        except Refused:
            return False


async def open_proposals(db: Database, person_id: int, *, today: date) -> list[LineView]:
    """The proposals on this representative's unit still waiting for the unit's answer."""
    async with db.session() as session:
        try:
            seat = await unit_seat(session, person_id, today)
        except Refused:
            return []
        sheets = await session.exec(
            select(ScoreSheet).where(
                ScoreSheet.unit_id == seat.unit_id,
                ScoreSheet.school_year_id == seat.school_year_id,
                ScoreSheet.status == SheetStatus.SUBMITTED,
            )
        )
        found: list[LineView] = []
        for sheet in sheets:
            view = await _sheet_view(session, sheet)
            found += [line for line in view.lines if line.review is LineReview.PROPOSED]
        return found


async def line_for_unit(
    db: Database, person_id: int, *, line_id: int, today: date
) -> tuple[SheetView, LineView]:
    async with db.session() as session:
        line = await session.get(ScoreLine, line_id)
        if line is None:
            raise Refused("score.no_criterion", code=str(line_id))
        sheet, _ = await _my_sheet(session, person_id, today, line.sheet_id)
        view = await _sheet_view(session, sheet)
        if view.status is SheetStatus.FINAL:
            raise Refused("review.sheet_final", total=format_points(view.final_total))
        return view, next(v for v in view.lines if v.line_id == line_id)


@dataclass(frozen=True)
class AnswerFile:
    """A file sent with the unit's answer (a photo or document, already in the file store)."""

    kind: str  # photo | document
    ref: str  # the platform's handle, kept for reference
    file_name: str | None
    file_key: str
    mime: str | None


async def answer(
    db: Database,
    person_id: int,
    *,
    line_id: int,
    agree: bool,
    text: str = "",
    today: date,
    now: datetime,
    attached: AnswerFile | None = None,
) -> LineView:
    """The unit agrees with a proposed score, or answers it (the head then decides). An answer
    may carry a file (its caption, or its name, is then the answer's text): it joins the line's
    evidence, where the reviewer opens it from the card."""
    if attached is not None:
        check_evidence(attached.kind, attached.file_name, None)
        text = text or attached.file_name or "ảnh"
    async with db.transaction() as session:
        line = await session.get(ScoreLine, line_id)
        if line is None:
            raise Refused("score.no_criterion", code=str(line_id))
        sheet, _ = await _my_sheet(session, person_id, today, line.sheet_id)
        if sheet.status == SheetStatus.FINAL:  # a notice's button pressed after the head finalised
            view = await _sheet_view(session, sheet)
            raise Refused("review.sheet_final", total=format_points(view.final_total))
        if line.review != LineReview.PROPOSED or sheet.status != SheetStatus.SUBMITTED:
            raise Refused("review.not_asked")
        if agree:
            line.review, line.final_score = LineReview.AGREED, line.proposed_score
            _log_line(
                session, sheet, line, person_id, now, "final", line.self_score, line.final_score, "đồng ý"
            )
        else:
            reply = " ".join((text or "").split())
            if len(reply) < 3:
                raise Refused("review.need_answer")
            line.review, line.unit_answer = LineReview.DISPUTED, reply
            if attached is not None:
                session.add(
                    ScoreEvidence(
                        line_id=line.id,  # type: ignore[arg-type]
                        kind=attached.kind,
                        value=attached.ref,
                        file_name=attached.file_name,
                        file_key=attached.file_key,
                        mime=attached.mime,
                        caption=reply,
                        added_at=now,
                        added_by_person_id=person_id,
                    )
                )
            _log_line(
                session, sheet, line, person_id, now, "disputed", line.proposed_score, line.self_score, reply
            )
        session.add(line)
        await session.flush()
        view = await _sheet_view(session, sheet)
        done = next(v for v in view.lines if v.line_id == line_id)
        if done.proposed_by is not None:
            # Whoever proposed hears the answer; a dispute is then the head's to decide.
            key = "handoff.answer_agreed" if agree else "handoff.answer_disputed"
            language = await _language(session, done.proposed_by.person_id)
            await handoffs.tell(
                session,
                [(done.proposed_by.person_id, language)],
                bloc_id=sheet.bloc_id,
                event=f"line_answer:{line_id}",
                render=lambda lang: handoffs.screen(
                    t(
                        lang,
                        key,
                        unit=view.unit_name,
                        code=done.code,
                        score=_points(done.proposed),
                        answer=done.answer or "",
                    ),
                    t(lang, "handoff.btn.review"),
                    f"rv:{sheet.id}",
                ),
                now=now,
                skip=person_id,
            )
        return done


async def _language(session: AsyncSession, person_id: int) -> str:
    person = await session.get(Person, person_id)
    return person.language if person else "vi"


async def decide(
    db: Database, person_id: int, *, line_id: int, use_proposed: bool, today: date, now: datetime
) -> SheetView:
    """The head or deputy settles a disputed line."""
    async with db.transaction() as session:
        line, sheet = await _line_for_review(session, person_id, today, line_id, FINALISERS)
        if line.review != LineReview.DISPUTED:
            raise Refused("review.not_disputed", code=line.criterion_code)
        line.final_score = line.proposed_score if use_proposed else line.self_score
        line.review = LineReview.DECIDED
        _log_line(
            session,
            sheet,
            line,
            person_id,
            now,
            "final",
            line.self_score,
            line.final_score,
            "theo đề xuất" if use_proposed else "giữ điểm đơn vị",
        )
        session.add(line)
        await session.flush()
        return await _sheet_view(session, sheet)


async def finalise(db: Database, person_id: int, *, sheet_id: int, today: date, now: datetime) -> SheetView:
    """The head or deputy agrees the final scores. Lines nobody questioned keep the unit's score;
    a proposal still awaiting the unit, or a dispute not yet decided, holds the sheet back."""
    async with db.transaction() as session:
        sheet = await _reviewable(session, person_id, today, sheet_id, FINALISERS)
        lines = list((await _lines(session, sheet_id)).values())
        open_lines = [
            line.criterion_code for line in lines if line.review in (LineReview.PROPOSED, LineReview.DISPUTED)
        ]
        if open_lines:
            raise Refused("review.open_lines", codes=", ".join(sorted(open_lines)))
        for line in lines:
            if line.review == LineReview.PENDING:
                line.review, line.final_score = LineReview.ACCEPTED, line.self_score
                _log_line(session, sheet, line, person_id, now, "final", None, line.final_score)
                session.add(line)
        sheet.status, sheet.finalised_at = SheetStatus.FINAL, now
        session.add(sheet)
        _log_status(session, sheet, person_id, now, SheetStatus.SUBMITTED)
        await session.flush()
        view = await _sheet_view(session, sheet)
        total = format_points(view.final_total)
        await handoffs.tell(
            session,
            await unit_reps(session, sheet.unit_id, sheet.school_year_id),
            bloc_id=sheet.bloc_id,
            event=f"finalised:{sheet.id}",
            render=lambda lang: handoffs.screen(
                t(lang, "handoff.finalised", unit=view.unit_name, total=total),
                t(lang, "handoff.btn.ranking"),
                "rk:",
            ),
            now=now,
            skip=person_id,
        )
        return view


# ------------------------------------------------------------------ ranking
@dataclass(frozen=True)
class RankLine:
    unit_id: int
    unit_name: str
    total: Decimal
    rank: int
    tied: bool


@dataclass(frozen=True)
class Ranking:
    bloc_name: str
    school_year: str
    lines: tuple[RankLine, ...]  # final sheets only, ranked
    pending: tuple[str, ...]  # units whose scores are not final yet
    own_unit_id: int | None  # set when a representative asks: they see only their own line


async def final_totals(session: AsyncSession, bloc_id: int, school_year_id: int) -> dict[int, Decimal]:
    sheets = await session.exec(
        select(ScoreSheet).where(
            ScoreSheet.bloc_id == bloc_id,
            ScoreSheet.school_year_id == school_year_id,
            ScoreSheet.status == SheetStatus.FINAL,
        )
    )
    totals = {}
    for sheet in sheets:
        assert sheet.id is not None
        lines = await _lines(session, sheet.id)
        totals[sheet.unit_id] = unit_total(
            line.final_score for line in lines.values() if line.final_score is not None
        )
    return totals


async def ranking(db: Database, person_id: int, *, today: date) -> Ranking:
    async with db.session() as session:
        own: int | None = None
        try:
            seat = await bloc_seat(session, person_id, today, REVIEWERS)
            bloc_id, year_id, bloc_name, year = (
                seat.bloc_id,
                seat.school_year_id,
                seat.bloc_name,
                seat.school_year,
            )
        except Refused:
            unit = await unit_seat(session, person_id, today)
            bloc_id, year_id, bloc_name, year = (
                unit.bloc_id,
                unit.school_year_id,
                unit.bloc_name,
                unit.school_year,
            )
            own = unit.unit_id
        units = {u.unit_id: u.name for u in await bloc_units(session, bloc_id, year_id)}
        totals = await final_totals(session, bloc_id, year_id)
    rows = rank(totals, tiebreak=lambda unit_id: units.get(unit_id, ""))
    lines = tuple(
        RankLine(row.unit_id, units.get(row.unit_id, "?"), row.total, row.rank, row.tied) for row in rows
    )
    pending = tuple(name for unit_id, name in units.items() if unit_id not in totals)
    if own is not None:
        lines = tuple(line for line in lines if line.unit_id == own)
        pending = ()
    return Ranking(bloc_name, year, lines, pending, own)


async def sheet_status_by_unit(
    session: AsyncSession, bloc_id: int, school_year_id: int
) -> dict[int, SheetStatus]:
    sheets = await session.exec(
        select(ScoreSheet).where(ScoreSheet.bloc_id == bloc_id, ScoreSheet.school_year_id == school_year_id)
    )
    found: dict[int, SheetStatus] = {}
    for sheet in sheets:  # the latest scale's sheet wins; older drafts do not count
        status = SheetStatus(sheet.status)
        if found.get(sheet.unit_id) in (SheetStatus.SUBMITTED, SheetStatus.FINAL):
            continue
        found[sheet.unit_id] = status
    return found
