"""Ký kết giao ước thi đua: each unit approves the published scale and signs the pact in chat.

A signature is a recorded act (who, for which unit, when), on one scale version; it is given
once (UNIQUE scale, unit) and a double tap changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.i18n import t
from bot.services import handoffs
from bot.services.criteria import ScaleView, current_scale
from bot.services.registration import Refused, bloc_units, check_deadline, unit_seat, window_of
from models.permissions import Capacity
from models.registration import PactSignature, Task


@dataclass(frozen=True)
class PactOffer:
    unit_name: str
    bloc_name: str
    school_year: str
    scale: ScaleView
    signed_at: datetime | None
    open_until: datetime | None = None  # the deadline that applies to this unit


@dataclass(frozen=True)
class Signed:
    unit_name: str
    signed_at: datetime
    already: bool


async def signature(session: AsyncSession, scale_id: int, unit_id: int) -> PactSignature | None:
    return (
        await session.exec(
            select(PactSignature).where(PactSignature.scale_id == scale_id, PactSignature.unit_id == unit_id)
        )
    ).first()


async def offer(db: Database, person_id: int, *, today: date) -> PactOffer:
    """What the representative is asked to sign: the bloc's current scale."""
    async with db.session() as session:
        seat = await unit_seat(session, person_id, today)
        scale = await current_scale(session, seat.bloc_id, seat.school_year_id)
        if scale is None:
            raise Refused("pact.no_scale")
        signed = await signature(session, scale.scale_id, seat.unit_id)
        until = await window_of(
            session, seat.bloc_id, seat.school_year_id, Task.SIGN_PACT, unit_id=seat.unit_id
        )
        return PactOffer(
            seat.unit_name,
            seat.bloc_name,
            seat.school_year,
            scale,
            signed.signed_at if signed else None,
            until,
        )


async def sign(db: Database, person_id: int, *, scale_id: int, today: date, now: datetime) -> Signed:
    async with db.transaction() as session:
        seat = await unit_seat(session, person_id, today)
        scale = await current_scale(session, seat.bloc_id, seat.school_year_id)
        if scale is None or scale.scale_id != scale_id:
            raise Refused("pact.stale")  # a button for an older version, or for another bloc's scale
        existing = await signature(session, scale_id, seat.unit_id)
        if existing is not None:
            return Signed(seat.unit_name, existing.signed_at, True)
        await check_deadline(
            session, seat.bloc_id, seat.school_year_id, Task.SIGN_PACT, now, unit_id=seat.unit_id
        )
        session.add(
            PactSignature(scale_id=scale_id, unit_id=seat.unit_id, person_id=person_id, signed_at=now)
        )
        await session.flush()
        units = {u.unit_id for u in await bloc_units(session, seat.bloc_id, seat.school_year_id)}
        if units and units <= await signed_units(session, seat.bloc_id, seat.school_year_id):
            # The last signature: the head can move on to the year's work (once per scale version).
            await handoffs.tell(
                session,
                await handoffs.bloc_people(session, seat.bloc_id, seat.school_year_id, {Capacity.HEAD}),
                bloc_id=seat.bloc_id,
                event=f"all_signed:{scale_id}",
                render=lambda lang: handoffs.screen(
                    t(lang, "handoff.all_signed", count=len(units), version=scale.version),
                    t(lang, "handoff.btn.status"),
                    "st:view",
                ),
                now=now,
            )
        return Signed(seat.unit_name, now, False)


async def signed_units(session: AsyncSession, bloc_id: int, school_year_id: int) -> set[int]:
    scale = await current_scale(session, bloc_id, school_year_id)
    if scale is None:
        return set()
    rows = await session.exec(select(PactSignature.unit_id).where(PactSignature.scale_id == scale.scale_id))
    return set(rows)
