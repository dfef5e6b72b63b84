"""The council's secret ballot on people (Hội đồng Thi đua – Khen thưởng; seed 004 §II.7; issue 18).

"Chiến sĩ thi đua cấp thành phố" and higher: a secret ballot of the council, passed with at least
90 % agree of ALL its members; members who cannot attend vote by absentee ballot. The sealing,
trackers, hash chain, rules, tally and audit are the blocs' (bot/ballot_crypto.py,
models/vote_rules.py, bot/services/audit.py); only the voter list is of people, not units
(models/council.py says why). The desk (the council's secretariat) opens and closes it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ballot_crypto
from bot.chat import Button, Screen
from bot.db import Database
from bot.i18n import t
from bot.services import audit, counting, outbox, people
from bot.services.counting import TrackerMatch
from bot.services.nominations import desk_of
from bot.services.registration import Refused
from bot.services.roster import holders
from models.conference import Delegate
from models.council import (
    CouncilCandidate,
    CouncilParticipation,
    CouncilPoll,
    CouncilSealedBallot,
    CouncilVoter,
    crypto_id,
)
from models.meetings import PollStatus
from models.nominations import Nomination, NominationStatus, Title, council_rules
from models.organisation import Person, RoleKind
from models.vote_rules import (
    Choice,
    RuleSet,
    TallyResult,
    encode_ballot,
    validate_ballot,
)


@dataclass(frozen=True)
class CouncilBallot:
    id: int
    ref: str
    title: str
    labels: tuple[str, ...]  # in ballot order; position i + 1
    members: int
    present: int


@dataclass(frozen=True)
class Counted:
    ballot: CouncilBallot
    result: TallyResult
    trackers: tuple[str, ...]
    chain_head: str


class CastStatus(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_ENTITLED = "not_entitled"
    CLOSED = "closed"
    UNKNOWN = "unknown"
    INVALID = "invalid"


@dataclass(frozen=True)
class CastResult:
    status: CastStatus
    tracker: str | None = None


async def _view(session: AsyncSession, poll: CouncilPoll) -> CouncilBallot:
    assert poll.id is not None
    candidates = await session.exec(
        select(CouncilCandidate)
        .where(CouncilCandidate.poll_id == poll.id)
        .order_by(col(CouncilCandidate.position))
    )
    return CouncilBallot(
        poll.id, poll.ref, poll.title, tuple(c.label for c in candidates), poll.members, poll.present
    )


async def ballot_by_ref(db: Database, ref: str) -> CouncilBallot | None:
    async with db.session() as session:
        poll = (await session.exec(select(CouncilPoll).where(CouncilPoll.ref == ref))).first()
        return None if poll is None else await _view(session, poll)


def _notice(ballot: CouncilBallot, language: str, key: str) -> Screen:
    return Screen(
        t(language, key, title=ballot.title, names=", ".join(ballot.labels)),
        buttons=((Button(t(language, "council.btn.vote"), f"cv:{ballot.ref}:"),),),
    )


@dataclass(frozen=True)
class Electorate:
    """Who votes: every entitled person, those present, and the notice each kind of voter gets."""

    voters: Sequence[int]
    present: Sequence[int]
    notice_present: str = "council.notice"
    notice_absent: str = "council.notice_absentee"


async def open_poll(
    session: AsyncSession,
    *,
    authority_id: int,
    school_year_id: int,
    title: str,
    candidates: Sequence[tuple[str, int | None]],
    electorate: Electorate,
    rules: RuleSet,
    master_key: bytes,
    person_id: int,
    now: datetime,
    conference_id: int | None = None,
    unit_id: int | None = None,
    counts: tuple[int, int] | None = None,
) -> CouncilBallot:
    """Open a person-keyed secret ballot in the caller's transaction: keys made, candidates
    (label, nomination) frozen, the entitled list snapshot, the audit entry, each voter's ballot
    notice in the outbox. ``counts`` (members, present) when the voters are not known yet and join
    later by code (a school's own ballot, bot/services/school_vote.py)."""
    voters = sorted(set(electorate.voters))
    here = set(electorate.present) & set(voters)
    members, present = counts if counts is not None else (len(voters), len(here))
    poll = CouncilPoll(
        ref=secrets.token_hex(4),
        authority_id=authority_id,
        school_year_id=school_year_id,
        title=title,
        rules=json.dumps(rules.to_dict()),
        status=PollStatus.OPEN,
        members=members,
        present=present,
        opened_at=now,
        created_by_person_id=person_id,
        conference_id=conference_id,
        unit_id=unit_id,
    )
    session.add(poll)
    await session.flush()
    assert poll.id is not None
    keys = ballot_crypto.generate_poll_keys(master_key, crypto_id(poll.id))
    poll.public_key, poll.sealed_private_key = keys.public_key, keys.encrypted_private_key
    session.add(poll)
    for position, (label, nomination_id) in enumerate(candidates, start=1):
        session.add(
            CouncilCandidate(
                poll_id=poll.id, position=position, nomination_id=nomination_id, label=label[:255]
            )
        )
    for voter in voters:
        session.add(CouncilVoter(poll_id=poll.id, person_id=voter, present=voter in here))
    await audit.append(
        session,
        action="council.open",
        subject=f"council_poll:{poll.id}",
        at=now,
        actor_person_id=person_id,
        details={
            "rules": rules.to_dict(),
            "candidates": [label for label, _ in candidates],
            "members": members,
            "present": present,
        },
    )
    ballot = await _view(session, poll)
    languages = {
        p.id: p.language for p in await session.exec(select(Person).where(col(Person.id).in_(voters)))
    }
    for voter in voters:
        key = electorate.notice_present if voter in here else electorate.notice_absent
        await outbox.enqueue(
            session,
            person_id=voter,
            kind="council_ballot",
            screen=_notice(ballot, languages.get(voter, "vi"), key),
            dedupe_key=f"council:{poll.id}:ballot:{voter}",
            now=now,
        )
    return ballot


async def open_ballot(
    db: Database,
    *,
    person_id: int,
    title: str,
    nomination_ids: Sequence[int],
    present: Sequence[int],
    master_key: bytes,
    today: date,
    now: datetime,
) -> CouncilBallot:
    """The desk opens the council's ballot on the given nominations. Every council member is
    entitled: those at the meeting (`present`, person ids) and the rest by absentee ballot."""
    profile = await people.profile_of(db, person_id, today)
    assert profile is not None
    desk = desk_of(profile)
    async with db.transaction() as session:
        members = await holders(session, RoleKind.COUNCIL_MEMBER, desk.authority_id, desk.school_year_id)
        if not members:
            raise Refused("council.refused.no_members")
        chosen = list(
            await session.exec(
                select(Nomination)
                .where(
                    col(Nomination.id).in_(list(nomination_ids)), Nomination.authority_id == desk.authority_id
                )
                .order_by(col(Nomination.id))
            )
        )
        if not chosen or len(chosen) != len(set(nomination_ids)):
            raise Refused("council.refused.no_candidates")
        return await open_poll(
            session,
            authority_id=desk.authority_id,
            school_year_id=desk.school_year_id,
            title=title,
            candidates=[(f"{n.full_name} ({n.workplace})", n.id) for n in chosen],
            electorate=Electorate(members, present),
            rules=council_rules(),
            master_key=master_key,
            person_id=person_id,
            now=now,
        )


async def entitled(db: Database, ref: str, person_id: int) -> CastStatus | None:
    """None when this person may cast now; otherwise why not."""
    async with db.session() as session:
        poll = (await session.exec(select(CouncilPoll).where(CouncilPoll.ref == ref))).first()
        if poll is None:
            return CastStatus.UNKNOWN
        if poll.status != PollStatus.OPEN:
            return CastStatus.CLOSED
        voter = (
            await session.exec(
                select(CouncilVoter).where(
                    CouncilVoter.poll_id == poll.id, CouncilVoter.person_id == person_id
                )
            )
        ).first()
        if voter is None:
            return CastStatus.NOT_ENTITLED
        voted = (
            await session.exec(
                select(CouncilParticipation).where(
                    CouncilParticipation.poll_id == poll.id, CouncilParticipation.person_id == person_id
                )
            )
        ).first()
        return CastStatus.ALREADY if voted is not None else None


async def cast(
    db: Database,
    *,
    ref: str,
    person_id: int,
    ballot: dict[int, Choice],
    now: datetime,
    master_key: bytes | None = None,
) -> CastResult:
    """Record one member's ballot: sealed, counted once, the who-voted row apart from the what.
    With the master key, the member's tracker is kept for them, encrypted, on their participation
    row, bound to (poll, person), as the blocs' are (bot/services/receipts.py)."""
    problem = await entitled(db, ref, person_id)
    if problem is not None:
        return CastResult(problem)
    try:
        async with db.transaction() as session:
            poll = (await session.exec(select(CouncilPoll).where(CouncilPoll.ref == ref))).one()
            assert poll.id is not None and poll.public_key is not None
            if poll.status != PollStatus.OPEN:
                return CastResult(CastStatus.CLOSED)
            rules = RuleSet.from_dict(json.loads(poll.rules))
            positions = list(
                await session.exec(
                    select(CouncilCandidate.position).where(CouncilCandidate.poll_id == poll.id)
                )
            )
            if validate_ballot(rules, ballot, positions) is not None:
                return CastResult(CastStatus.INVALID)
            sealed = ballot_crypto.seal(
                poll.public_key, encode_ballot(rules.kind, ballot), crypto_id(poll.id)
            )
            tracker = ballot_crypto.tracker(sealed)
            receipt = (
                ballot_crypto.seal_receipt(master_key, crypto_id(poll.id), person_id, tracker)
                if master_key
                else None
            )
            session.add(CouncilParticipation(poll_id=poll.id, person_id=person_id, receipt=receipt))
            session.add(CouncilSealedBallot(poll_id=poll.id, sealed=sealed, tracker=tracker))
            await audit.add(session, action="council.cast", subject=f"council_poll:{poll.id}", at=now)
            await session.flush()  # UNIQUE (poll, person): a concurrent second cast fails here
    except IntegrityError:
        return CastResult(CastStatus.ALREADY)
    return CastResult(CastStatus.RECORDED, tracker)


async def close(
    db: Database, *, person_id: int, ref: str, master_key: bytes, today: date, now: datetime
) -> Counted:
    """The desk closes a council (or conference) ballot: see `count`."""
    profile = await people.profile_of(db, person_id, today)
    assert profile is not None
    desk = desk_of(profile)
    async with db.transaction() as session:
        poll = (await session.exec(select(CouncilPoll).where(CouncilPoll.ref == ref))).first()
        # A school's own ballot is the school's to close, not the desk's.
        if poll is None or poll.authority_id != desk.authority_id or poll.unit_id is not None:
            raise Refused("council.refused.unknown")
        counted = await count(session, poll, master_key=master_key, person_id=person_id, now=now)
    await db.purge_dead_rows(CouncilSealedBallot.__tablename__)
    return counted


async def count(
    session: AsyncSession, poll: CouncilPoll, *, master_key: bytes, person_id: int, now: datetime
) -> Counted:
    """Close in the caller's transaction: open every sealed ballot, count on the poll's rules,
    publish the trackers, destroy the key. The caller purges the dead rows after the commit."""
    if poll.status != PollStatus.OPEN:
        raise Refused("council.refused.closed")
    assert poll.id is not None and poll.sealed_private_key is not None
    view = await _view(session, poll)
    counted = await counting.count_sealed(
        session,
        counting.PEOPLE,
        poll_id=poll.id,
        sealed_for=crypto_id(poll.id),
        rules=RuleSet.from_dict(json.loads(poll.rules)),
        sealed_private_key=poll.sealed_private_key,
        master_key=master_key,
        positions=range(1, len(view.labels) + 1),
        members=poll.members,
        present=poll.present,
    )
    result, published, head = counted.result, counted.published, counted.chain_head
    poll.status, poll.closed_at = PollStatus.CLOSED, now
    poll.result, poll.trackers, poll.chain_head = counted.result_json, json.dumps(published), head
    poll.sealed_private_key = None
    session.add(poll)
    if poll.conference_id is not None and 1 in result.elected:
        # The conference approved the proposed list: they go to the higher congress.
        proposed = await session.exec(
            select(Delegate).where(
                Delegate.conference_id == poll.conference_id,
                col(Delegate.proposed_for_congress).is_(True),
            )
        )
        for delegate in proposed:
            delegate.to_congress = True
            session.add(delegate)
    await audit.append(
        session,
        action="council.close",
        subject=f"council_poll:{poll.id}",
        at=now,
        actor_person_id=person_id,
        details={"voted": result.voted, "chain_head": head, "elected": list(result.elected)},
    )
    return Counted(view, result, tuple(published), head)


async def open_ballots(db: Database, person_id: int, *, today: date) -> list[CouncilBallot]:
    """The desk's open council ballots."""
    profile = await people.profile_of(db, person_id, today)
    assert profile is not None
    desk = desk_of(profile)
    async with db.session() as session:
        rows = await session.exec(
            select(CouncilPoll)
            .where(
                CouncilPoll.authority_id == desk.authority_id,
                CouncilPoll.status == PollStatus.OPEN,
                col(CouncilPoll.unit_id).is_(None),  # the schools' own ballots are theirs
            )
            .order_by(col(CouncilPoll.id))
        )
        return [await _view(session, row) for row in rows]


async def verify_tracker(db: Database, code: str) -> list[TrackerMatch]:
    """Find a member's tracker (or its short code) in the published lists of closed council
    ballots, as /kiemtra does for the blocs'. ValueError when the code is not one."""
    ballot_crypto.normalise_code(code)
    async with db.session() as session:
        return await counting.published_matches(session, CouncilPoll, code)


@dataclass(frozen=True)
class Agenda:
    """What the desk can put to the council now: accepted nominations for the city title not yet
    on a council ballot, and the council's members by name."""

    nominations: tuple[tuple[int, str], ...]  # (nomination id, "name (school)")
    members: tuple[tuple[int, str], ...]  # (person id, full name)


async def agenda(db: Database, person_id: int, *, today: date) -> Agenda:
    profile = await people.profile_of(db, person_id, today)
    assert profile is not None
    desk = desk_of(profile)
    async with db.session() as session:
        balloted = set(
            await session.exec(
                select(CouncilCandidate.nomination_id).where(col(CouncilCandidate.nomination_id).is_not(None))
            )
        )
        waiting = await session.exec(
            select(Nomination)
            .where(
                Nomination.authority_id == desk.authority_id,
                Nomination.school_year_id == desk.school_year_id,
                Nomination.title == Title.CSTD_CITY.value,
                Nomination.status == NominationStatus.ACCEPTED.value,
            )
            .order_by(col(Nomination.id))
        )
        members = await holders(session, RoleKind.COUNCIL_MEMBER, desk.authority_id, desk.school_year_id)
        names = {
            p.id: p.full_name for p in await session.exec(select(Person).where(col(Person.id).in_(members)))
        }
        return Agenda(
            tuple((n.id, f"{n.full_name} ({n.workplace})") for n in waiting if n.id not in balloted and n.id),
            tuple((m, names.get(m, "")) for m in members),
        )


def absentees(members: Sequence[tuple[int, str]], text: str) -> list[int]:
    """The members the desk types as absent, one a line ("không" for nobody); ValueError naming
    the first line that is not a member."""
    from models.text import name_key, nfc

    if name_key(text) in ("không", "khong", "0", "none", "no"):
        return []
    by_name = {name_key(name): person for person, name in members}
    out: list[int] = []
    for line in filter(None, (nfc(x) for x in text.splitlines())):
        if name_key(line) not in by_name:
            raise ValueError(line)
        out.append(by_name[name_key(line)])
    return out
