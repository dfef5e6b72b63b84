"""What a person should do next, for /start: by their role and where the year is (issue 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from bot.db import Database
from bot.services.criteria import current_scale
from bot.services.pact import signed_units
from bot.services.registration import (
    HEAD_SIDE,
    REVIEWERS,
    Refused,
    bloc_seat,
    registered_units,
    unit_seat,
)
from models.registration import ScoreSheet, SheetStatus


@dataclass(frozen=True)
class NextStep:
    key: str  # the catalogue key of what to do: next.register, next.review…
    button: str | None  # the press that opens it (the same data as the notices' buttons)
    count: int = 0


async def next_step(db: Database, person_id: int, *, today: date) -> NextStep | None:
    """The first thing not done yet: a unit registers, signs, scores, answers; the head's side
    publishes the criteria, then follows the overview; the secretariat reviews what was sent."""
    async with db.session() as session:
        try:
            seat = await unit_seat(session, person_id, today)
        except Refused:
            seat = None
        try:
            bloc = await bloc_seat(session, person_id, today, HEAD_SIDE)
            # The head's side publishes the scale first: no unit can sign or score before it.
            if await current_scale(session, bloc.bloc_id, bloc.school_year_id) is None:
                return NextStep("next.publish", None)
        except Refused:
            pass
        if seat is not None:
            if seat.unit_id not in await registered_units(session, seat.bloc_id, seat.school_year_id):
                return NextStep("next.register", "task:register")
            scale = await current_scale(session, seat.bloc_id, seat.school_year_id)
            if scale is not None and seat.unit_id not in await signed_units(
                session, seat.bloc_id, seat.school_year_id
            ):
                return NextStep("next.sign", "task:sign")
            if scale is not None:
                sheet = (
                    await session.exec(
                        select(ScoreSheet).where(
                            ScoreSheet.scale_id == scale.scale_id, ScoreSheet.unit_id == seat.unit_id
                        )
                    )
                ).first()
                if sheet is None or sheet.status == SheetStatus.DRAFT:
                    return NextStep("next.score", "task:score")
        try:
            bloc = await bloc_seat(session, person_id, today, REVIEWERS)
        except Refused:
            return NextStep("next.unit_done", "rk:") if seat is not None else None
        waiting = len(
            (
                await session.exec(
                    select(ScoreSheet.id).where(
                        ScoreSheet.bloc_id == bloc.bloc_id,
                        ScoreSheet.school_year_id == bloc.school_year_id,
                        ScoreSheet.status == SheetStatus.SUBMITTED,
                    )
                )
            ).all()
        )
        if waiting:
            return NextStep("next.review", None, waiting)
        return NextStep("next.overview", "st:view")
