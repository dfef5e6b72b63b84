"""A school's own vote on a person it means to nominate, held in the bot (seed 004 §II.5–6; issue 18).

Before a school nominates someone (/dienhinh) its staff — or its own Hội đồng Thi đua – Khen
thưởng — vote on them: valid with at least 2/3 of all members taking part, passed with at least
70 % "agree" of those present or consulted. The school's representative chairs it in the bot: says
how many members the school has and how many take part, and hands each of those a one-time code;
whoever sends a code to the bot gets the secret ballot. The ballot is the council's person-keyed
ballot (bot/services/council.py: sealing, trackers, chain, tally, audit) with the school's unit on
it; the closed ballot, its result and the minutes the bot writes are then attached to the
nomination as the school's vote.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.services import council, people
from bot.services.nominations import School, school_of
from bot.services.registration import Refused
from models.council import CouncilBallotCode, CouncilCandidate, CouncilPoll, CouncilSealedBallot, CouncilVoter
from models.meetings import PollStatus
from models.nominations import TITLE_NAMES, Nomination, Title, school_vote_rules
from models.organisation import Authority, Unit
from models.text import name_key, nfc
from models.vote_rules import is_quorate, quorum_needed

MAX_MEMBERS = 500  # a school's staff; a larger number is a typing slip


@dataclass(frozen=True)
class SchoolBallot:
    """A school's ballot on one person, with its result once counted."""

    id: int
    ref: str
    unit_name: str
    authority_name: str
    title: str  # the title's full name, as written in documents
    nominee: str
    members: int  # all the school's members (staff, or its own council)
    present: int  # those taking part: present or consulted (the codes handed out)
    opened_at: datetime | None
    closed_at: datetime | None
    closed: bool
    voted: int = 0
    agree: int = 0
    disagree: int = 0
    abstain: int = 0
    needed: int = 0
    quorum_needed: int = 0
    quorate: bool = False
    passed: bool = False
    share: Fraction = Fraction(0)
    trackers: int = 0
    chain_head: str = ""


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def _view(session: AsyncSession, poll: CouncilPoll) -> SchoolBallot:
    assert poll.id is not None and poll.unit_id is not None
    unit = await session.get(Unit, poll.unit_id)
    authority = await session.get(Authority, poll.authority_id)
    candidate = (
        await session.exec(select(CouncilCandidate).where(CouncilCandidate.poll_id == poll.id))
    ).first()
    base = SchoolBallot(
        id=poll.id,
        ref=poll.ref,
        unit_name=unit.name if unit else "",
        authority_name=authority.name if authority else "",
        title=poll.title,
        nominee=candidate.label if candidate else "",
        members=poll.members,
        present=poll.present,
        opened_at=poll.opened_at,
        closed_at=poll.closed_at,
        closed=poll.status == PollStatus.CLOSED,
    )
    if not poll.result:
        return base
    result = json.loads(poll.result)
    line: dict[str, Any] = next((c for c in result.get("candidates", []) if c.get("position") == 1), {})
    numerator, _, denominator = str(line.get("share", "0/1")).partition("/")
    return SchoolBallot(
        **{
            **base.__dict__,
            "voted": int(result.get("voted", 0)),
            "agree": int(line.get("votes", 0)),
            "disagree": int(line.get("disagree", 0)),
            "abstain": int(line.get("abstain", 0)),
            "needed": int(result.get("needed", 0)),
            "quorum_needed": int(result.get("quorum_needed", 0)),
            "quorate": bool(result.get("quorate")),
            "passed": bool(line.get("passed")) and bool(result.get("quorate")),
            "share": Fraction(int(numerator or 0), int(denominator or 1)),
            "trackers": len(json.loads(poll.trackers or "[]")),
            "chain_head": poll.chain_head or "",
        }
    )


async def _school(db: Database, person_id: int, today: date) -> School:
    profile = await people.profile_of(db, person_id, today)
    assert profile is not None
    return await school_of(db, profile)


@dataclass(frozen=True)
class Opened:
    ballot: SchoolBallot
    codes: tuple[str, ...]  # shown once to the representative, who hands one to each person


async def open_ballot(
    db: Database,
    person_id: int,
    *,
    title: Title,
    nominee: str,
    members: int,
    present: int,
    master_key: bytes,
    today: date,
    now: datetime,
) -> Opened:
    """The representative opens the school's secret ballot on one person; refused, with nothing
    written, when fewer than 2/3 of the members take part (saying how many more are needed)."""
    school = await _school(db, person_id, today)
    nominee = nfc(nominee)
    if not nominee:
        raise Refused("school.refused.no_name")
    if not 1 <= members <= MAX_MEMBERS:
        raise Refused("school.refused.members", most=MAX_MEMBERS)
    if not 1 <= present <= members:
        raise Refused("school.refused.present", members=members)
    rules = school_vote_rules(title)
    if not is_quorate(present, members, rules):
        needed = quorum_needed(members, rules)
        raise Refused("school.refused.quorum", members=members, needed=needed, short=needed - present)
    codes = tuple(secrets.token_hex(4).upper() for _ in range(present))
    async with db.transaction() as session:
        opened = await council.open_poll(
            session,
            authority_id=school.authority_id,
            school_year_id=school.school_year_id,
            title=TITLE_NAMES[title],
            candidates=[(nominee, None)],
            electorate=council.Electorate((), ()),
            rules=rules,
            master_key=master_key,
            person_id=person_id,
            now=now,
            unit_id=school.unit_id,
            counts=(members, present),
        )
        for code in codes:
            session.add(CouncilBallotCode(poll_id=opened.id, code_hash=_hash(code)))
        poll = await session.get(CouncilPoll, opened.id)
        assert poll is not None
        return Opened(await _view(session, poll), codes)


async def join(db: Database, person_id: int, code: str) -> SchoolBallot:
    """Whoever sends a code the representative handed out is put on the ballot (once: a used code,
    or a second code for the same person, is refused and changes nothing)."""
    async with db.session() as session:
        row = (
            await session.exec(select(CouncilBallotCode).where(CouncilBallotCode.code_hash == _hash(code)))
        ).first()
        poll = None if row is None else await session.get(CouncilPoll, row.poll_id)
    if row is None or poll is None or poll.unit_id is None:
        raise Refused("school.refused.bad_code")
    if poll.status != PollStatus.OPEN:
        raise Refused("council.cast.closed")
    try:
        async with db.transaction() as session:
            taken = await session.exec(
                update(CouncilBallotCode)
                .where(col(CouncilBallotCode.id) == row.id, col(CouncilBallotCode.used).is_(False))
                .values(used=True)
            )
            if taken.rowcount != 1:
                raise Refused("school.refused.code_used")
            assert poll.id is not None
            session.add(CouncilVoter(poll_id=poll.id, person_id=person_id, present=True))
            await session.flush()  # UNIQUE (poll, person): one place on the ballot per person
            fresh = await session.get(CouncilPoll, poll.id)
            assert fresh is not None
            return await _view(session, fresh)
    except IntegrityError:
        raise Refused("school.refused.joined") from None


async def close(
    db: Database, person_id: int, ref: str, *, master_key: bytes, today: date, now: datetime
) -> SchoolBallot:
    """The representative closes the school's ballot and counts it."""
    school = await _school(db, person_id, today)
    async with db.transaction() as session:
        poll = (await session.exec(select(CouncilPoll).where(CouncilPoll.ref == ref))).first()
        if poll is None or poll.unit_id != school.unit_id:
            raise Refused("council.refused.unknown")
        await council.count(session, poll, master_key=master_key, person_id=person_id, now=now)
        closed = await _view(session, poll)
    await db.purge_dead_rows(CouncilSealedBallot.__tablename__)
    return closed


async def ballots(db: Database, person_id: int, *, today: date) -> list[SchoolBallot]:
    """The school's ballots this year, newest first."""
    school = await _school(db, person_id, today)
    async with db.session() as session:
        rows = await session.exec(
            select(CouncilPoll)
            .where(CouncilPoll.unit_id == school.unit_id, CouncilPoll.school_year_id == school.school_year_id)
            .order_by(col(CouncilPoll.id).desc())
        )
        return [await _view(session, row) for row in rows]


async def for_nominee(
    db: Database, person_id: int, *, title: Title, full_name: str, today: date
) -> list[SchoolBallot]:
    """The school's counted ballots on this person for this title, which a nomination may attach."""
    key = name_key(full_name)
    return [
        b
        for b in await ballots(db, person_id, today=today)
        if b.closed and b.title == TITLE_NAMES[title] and name_key(b.nominee) == key
    ]


async def attached(db: Database, nomination_ids: list[int]) -> dict[int, SchoolBallot]:
    """The school's ballot each nomination carries as its vote, by nomination (for the desk)."""
    async with db.session() as session:
        rows = await session.exec(
            select(Nomination).where(
                col(Nomination.id).in_(nomination_ids), col(Nomination.school_poll_id).is_not(None)
            )
        )
        out: dict[int, SchoolBallot] = {}
        for nomination in rows:
            poll = await session.get(CouncilPoll, nomination.school_poll_id)
            if poll is not None and nomination.id is not None:
                out[nomination.id] = await _view(session, poll)
        return out
