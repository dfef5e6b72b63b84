"""Counting a closed secret ballot: the part the blocs' ballots (bot/services/ballots.py) and the
person-keyed ones (the council's, a school's, the conference's: bot/services/council.py) share.

Open the poll's private key, unseal and decode every sealed ballot, count on the poll's rules,
publish the trackers with their hash chain, and write the sealed ballots again in a random order.
What differs stays with the callers: which rows are the voters (units or people), the audit
entries, and what a passed ballot sets off.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Table, delete, insert
from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ballot_crypto
from bot.ballot_crypto import PollId
from models.council import CouncilParticipation, CouncilSealedBallot, CouncilVoter
from models.meetings import Participation, PollStatus, PollVoter, SealedBallot, random_id
from models.vote_rules import CandidateId, RuleSet, TallyResult, decode_ballot, tally


@dataclass(frozen=True)
class Tables:
    """One kind of secret ballot's tables: what was voted, who voted, who was entitled (and
    whether present), and the column that names the voter in the last two."""

    sealed: type[SQLModel]
    voted: type[SQLModel]
    entitled: type[SQLModel]
    voter: str

    def table(self, model: type[SQLModel]) -> Table:
        return SQLModel.metadata.tables[str(model.__tablename__)]


BLOCS = Tables(SealedBallot, Participation, PollVoter, "unit_id")  # a unit casts
PEOPLE = Tables(CouncilSealedBallot, CouncilParticipation, CouncilVoter, "person_id")  # a person casts


@dataclass(frozen=True)
class Count:
    result: TallyResult
    published: list[str]  # the trackers, sorted, as published
    chain_head: str
    result_json: str  # aggregate counts only, as stored on the poll


async def count_sealed(
    session: AsyncSession,
    tables: Tables,
    *,
    poll_id: int,
    sealed_for: PollId,
    rules: RuleSet,
    sealed_private_key: bytes,
    master_key: bytes,
    positions: Sequence[int],
    members: int,
    present: int,
    women_preferred: Mapping[CandidateId, bool] | None = None,
) -> Count:
    """Count a poll's sealed ballots (sealed for `sealed_for`) in the caller's closing
    transaction, and rewrite them shuffled. The caller destroys the key and stores the rest;
    after the commit it purges the dead rows."""
    private_key = ballot_crypto.open_private_key(master_key, sealed_for, sealed_private_key)
    sealed = tables.table(tables.sealed)
    rows = list(
        (
            await session.exec(select(sealed.c.sealed, sealed.c.tracker).where(sealed.c.poll_id == poll_id))
        ).all()
    )
    ballots = [
        decode_ballot(rules.kind, ballot_crypto.unseal(private_key, raw, sealed_for)) for raw, _ in rows
    ]
    result = tally(
        rules,
        list(positions),
        ballots,
        members=members,
        present=present,
        absentee_voted=await _absentees_voted(session, tables, poll_id),
        women_preferred=women_preferred,
    )
    published = ballot_crypto.published_list(tracker for _, tracker in rows)
    head = ballot_crypto.chain_head(published, sealed_for)
    await _rewrite_shuffled(session, sealed, poll_id, [(raw, tracker) for raw, tracker in rows])
    return Count(result, published, head, result_json(result))


async def _absentees_voted(session: AsyncSession, tables: Tables, poll_id: int) -> int:
    """How many of those who voted were entitled as absent (an absentee ballot)."""
    voted, entitled = tables.table(tables.voted), tables.table(tables.entitled)
    joined = voted.join(
        entitled,
        (entitled.c[tables.voter] == voted.c[tables.voter]) & (entitled.c.poll_id == voted.c.poll_id),
    )
    query = (
        select(func.count())
        .select_from(joined)
        .where(voted.c.poll_id == poll_id, entitled.c.present.is_(False))
    )
    return int((await session.exec(query)).one())


async def _rewrite_shuffled(
    session: AsyncSession, sealed: Table, poll_id: int, rows: list[tuple[bytes, str]]
) -> None:
    """Write a poll's sealed ballots again, in a random order, within the closing transaction.

    Each cast inserted its participation row and its sealed ballot in one transaction, so on
    PostgreSQL the two rows share a creating transaction id (xmin) and sit at matching places of
    their tables' heaps: anyone reading the raw tables could pair a voter with its sealed ballot.
    Rewritten here, every sealed ballot of the poll carries the close's transaction id, a fresh
    random key and a place that says nothing of when it was cast. (On SQLite, WITHOUT ROWID
    tables keyed by random ids keep no order and no transaction id to begin with.)"""
    secrets.SystemRandom().shuffle(rows)
    # The trackers are unique: the old rows must be gone first.
    await session.exec(delete(sealed).where(sealed.c.poll_id == poll_id))
    if rows:
        await session.exec(
            insert(sealed),
            params=[
                {"id": random_id(), "poll_id": poll_id, "sealed": raw, "tracker": tracker}
                for raw, tracker in rows
            ],
        )


def result_json(result: TallyResult) -> str:
    """Only aggregate counts are stored: the tally never keeps a ballot."""

    def fraction(value: Fraction) -> str:
        return f"{value.numerator}/{value.denominator}"

    return json.dumps(
        {
            "members": result.members,
            "present": result.present,
            "absentee_voted": result.absentee_voted,
            "voted": result.voted,
            "invalid": result.invalid,
            "blank_ballots": result.blank_ballots,
            "quorum_needed": result.quorum_needed,
            "quorate": result.quorate,
            "base": result.base.value,
            "base_size": result.base_size,
            "needed": result.needed,
            "elected": list(result.elected),
            "tie": None
            if result.tie is None
            else {
                "candidates": list(result.tie.candidates),
                "seats_left": result.tie.seats_left,
                "votes": result.tie.votes,
            },
            "unfilled_seats": result.unfilled_seats,
            "small_poll": result.small_poll,
            "candidates": [
                {
                    "position": c.candidate,
                    "votes": c.votes,
                    "disagree": c.disagree,
                    "abstain": c.abstain,
                    "blank": c.blank,
                    "share": fraction(c.share),
                    "passed": c.passed,
                    "elected": c.elected,
                }
                for c in result.candidates
            ],
        },
        sort_keys=True,
    )


# ------------------------------------------------------------------ is my ballot counted?
@dataclass(frozen=True)
class TrackerMatch:
    """A tracker found in a closed poll's published list: the poll, how many were counted, and
    the chain head that list rebuilds."""

    title: str
    tracker: str
    chain_head: str
    counted: int


async def published_matches(
    session: AsyncSession, poll_table: type[SQLModel], code: str
) -> list[TrackerMatch]:
    """A tracker (or its short code) in the published lists of the closed polls of `poll_table`
    (the blocs' Poll or the council's CouncilPoll: both publish `trackers` and `chain_head`)."""
    table: Any = poll_table
    matches: list[TrackerMatch] = []
    for poll in await session.exec(select(table).where(table.status == PollStatus.CLOSED)):
        published = json.loads(poll.trackers or "[]")
        for found in ballot_crypto.match_short_code(code, published):
            matches.append(TrackerMatch(poll.title, found, poll.chain_head or "", len(published)))
    return matches
