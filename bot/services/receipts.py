"""A voter's trackers, shown again on request (/kiemtra with no code).

The tracker a cast answers with can be lost (the reply failed to arrive, the chat was cleared).
Each participation row keeps its unit's tracker sealed under a key derived from the ballot master
key (bot/ballot_crypto.seal_receipt), bound to its poll and unit; a council (or school, or
conference) ballot's participation row keeps its member's, bound to the council poll's sealing id
and the person (bot/services/council.py). Only the running bot holds that
key, and the running bot already sees every choice as it is cast: the receipt adds no one who can
link a unit to its ballot. A database copy, a backup or the head sees random bytes. Why this and
not something else: docs/architecture.md, "Secret ballots".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ballot_crypto
from bot.db import Database
from models.council import CouncilParticipation, CouncilPoll, crypto_id
from models.meetings import Participation, Poll, PollStatus
from models.organisation import PersonRole, RoleKind, Unit
from models.types import id_of

SHOWN = 20  # the most recent ballots a person is shown


class Body(StrEnum):
    """Who cast the ballot: a unit (a bloc's ballot), or the person as a member of a body."""

    UNIT = "unit"
    COUNCIL = "council"  # the department's council (Hội đồng Thi đua – Khen thưởng)
    SCHOOL = "school"  # a school's own vote on a person it means to nominate
    CONFERENCE = "conference"  # the honours conference's delegates


@dataclass(frozen=True)
class Receipt:
    poll_title: str
    unit_name: str  # the unit that voted, or the school whose vote it was; "" for council/conference
    open: bool  # the poll is still open: the tracker is published at close
    tracker: str | None  # None: cast before trackers were kept, or under another master key
    counted: bool | None  # closed polls: the tracker is in the published list
    body: Body = Body.UNIT
    opened_at: datetime | None = None


async def receipts_of(db: Database, *, person_id: int, master_key: bytes | None) -> list[Receipt]:
    """The trackers of the ballots cast for the units this person represents now, and of the
    person's own ballots on people (council, school, conference), newest first.

    Only the voter's own tracker, never its choice (which nothing can recover: the ballot is sealed
    to the poll's key, destroyed at close)."""
    async with db.session() as session:
        mine = await _of_units(session, person_id, master_key) + await _as_member(
            session, person_id, master_key
        )
    # Two kinds of poll, two id sequences: newest first by when each opened.
    mine.sort(key=lambda r: r.opened_at.timestamp() if r.opened_at else float("-inf"), reverse=True)
    return mine[:SHOWN]


async def _of_units(session: AsyncSession, person_id: int, master_key: bytes | None) -> list[Receipt]:
    rows = list(
        await session.exec(
            select(Poll, Unit.name, Participation.unit_id, Participation.receipt)
            .join(Participation, col(Participation.poll_id) == Poll.id)
            .join(Unit, col(Unit.id) == Participation.unit_id)
            .join(PersonRole, col(PersonRole.unit_id) == Participation.unit_id)
            .where(
                PersonRole.person_id == person_id,
                PersonRole.kind == RoleKind.REP,
                col(PersonRole.revoked_at).is_(None),
            )
            .distinct()
            .order_by(col(Poll.id).desc())
            .limit(SHOWN)
        )
    )
    out: list[Receipt] = []
    for poll, unit_name, unit_id, sealed in rows:
        tracker = None
        if sealed is not None and master_key is not None:
            tracker = ballot_crypto.open_receipt(master_key, id_of(poll), unit_id, sealed)
        is_open = poll.status != PollStatus.CLOSED
        counted = None
        if not is_open and tracker is not None:
            counted = tracker in set(_published(poll))
        out.append(Receipt(poll.title, unit_name, is_open, tracker, counted, Body.UNIT, poll.opened_at))
    return out


async def _as_member(session: AsyncSession, person_id: int, master_key: bytes | None) -> list[Receipt]:
    """The person's own ballots on people: their participation rows, opened with the receipt key."""
    rows = list(
        await session.exec(
            select(CouncilPoll, CouncilParticipation.receipt, Unit.name)
            .join(CouncilParticipation, col(CouncilParticipation.poll_id) == CouncilPoll.id)
            .outerjoin(Unit, col(Unit.id) == CouncilPoll.unit_id)
            .where(CouncilParticipation.person_id == person_id)
            .order_by(col(CouncilPoll.id).desc())
            .limit(SHOWN)
        )
    )
    out: list[Receipt] = []
    for poll, sealed, school in rows:
        tracker = None
        if sealed is not None and master_key is not None:
            tracker = ballot_crypto.open_receipt(master_key, crypto_id(id_of(poll)), person_id, sealed)
        is_open = poll.status != PollStatus.CLOSED
        counted = None if is_open or tracker is None else tracker in set(_published(poll))
        body = Body.SCHOOL if poll.unit_id else Body.CONFERENCE if poll.conference_id else Body.COUNCIL
        out.append(Receipt(poll.title, school or "", is_open, tracker, counted, body, poll.opened_at))
    return out


def _published(poll: Poll | CouncilPoll) -> list[str]:
    try:
        published = json.loads(poll.trackers or "[]")
    except ValueError:
        return []
    return [t for t in published if isinstance(t, str)]
