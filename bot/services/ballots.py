"""Secret ballots: drafting, opening, casting, closing, counting, run-offs and trackers.

The order of a cast is the heart of it: validate, seal the ballot to the poll's public key,
insert who-voted and what-was-voted in ONE transaction, commit, and only then answer
"recorded" with the tracker. A double tap, a replayed update or two representatives of one
unit tapping at once meet the UNIQUE (poll, unit) row and change nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Table, bindparam, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ballot_crypto
from bot.chat import Screen
from bot.db import Database, run_core
from bot.services import audit, ballot_sheets, counting, eligibility, minutes_details, outbox, people
from bot.services.counting import TrackerMatch
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.meetings import MemberUnit, Recipient, members_of, representatives
from models.ballot_state import MAX_CANDIDATES, MAX_LABEL, MAX_TITLE
from models.channels import ChannelAccount
from models.meetings import (
    Attendance,
    AuditEntry,
    BlocChat,
    Meeting,
    MeetingStatus,
    Participation,
    Poll,
    PollCandidate,
    PollStatus,
    PollVoter,
    SealedBallot,
    random_id,
)
from models.numbers import is_id
from models.organisation import PersonRole, Position, RoleKind, SchoolYear
from models.registration import Eligibility
from models.text import name_key, nfc
from models.types import id_of
from models.vote_rules import (
    BallotKind,
    Choice,
    Purpose,
    RuleSet,
    TallyResult,
    election_rules,
    encode_ballot,
    higher_title_rules,
    is_quorate,
    ordinary_title_rules,
    runoff_rules,
    selection_rules,
    small_poll_warning,
    validate_ballot,
)


def default_rules(purpose: Purpose, seats: int = 1) -> RuleSet:
    if purpose is Purpose.TITLE:
        return ordinary_title_rules()
    if purpose is Purpose.HIGHER_TITLE:
        return higher_title_rules()
    if purpose is Purpose.SELECTION:
        return selection_rules(seats)
    return election_rules()


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class CandidateView:
    position: int
    label: str
    unit_id: int | None
    selected: bool


@dataclass(frozen=True)
class NotOffered:
    """A member unit not offered on a draft: "not considered" or "deferred", and why
    (registration's reason codes, or the head's own words)."""

    name: str
    status: Eligibility
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PollView:
    id: int
    ref: str
    meeting_id: int
    bloc_id: int
    title: str
    status: PollStatus
    rules: RuleSet
    candidates: tuple[CandidateView, ...]  # the selected ones once open
    excluded: tuple[NotOffered, ...]  # member units left off a draft, with why (empty once open)
    members: int
    present: int
    voters: int  # entitled
    voted: int
    group_chat_id: int | None
    runoff_of_poll_id: int | None
    closes_at: datetime | None
    duration_minutes: int | None = None

    @property
    def on_ballot(self) -> tuple[CandidateView, ...]:
        return tuple(c for c in self.candidates if c.selected)


@dataclass(frozen=True)
class OpenedPoll:
    poll: PollView
    # Who gets the ballot privately: (person id, present in the room) per representative.
    recipients: tuple[tuple[int, bool], ...]
    small_poll: bool


# Renders a voter's initial ballot (no choice on it: it may be stored in the outbox) in a
# language: (the voter's ballot, language, absentee, the app the voter uses last) → screen.
BallotScreen = Callable[["VoterBallot", str, bool, str | None], Screen]


class OpenRefusal(Exception):
    """The poll cannot open; `reason` is a catalogue key suffix."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


async def _not_offered_on(
    session: AsyncSession, meeting: Meeting, on_draft: set[int]
) -> tuple[NotOffered, ...]:
    """Member units a draft leaves off because they are not considered or deferred, read afresh
    each time the draft is shown, so the head sees why on every screen of the draft."""
    status = await eligibility.statuses_in(session, meeting.bloc_id, meeting.school_year_id)
    return tuple(
        NotOffered(member.name, status[member.unit_id].status, status[member.unit_id].reasons)
        for member in await members_of(session, meeting.bloc_id, meeting.school_year_id)
        if member.unit_id not in on_draft
        and member.unit_id in status
        and not status[member.unit_id].considered
    )


async def _locked_poll(session: AsyncSession, poll_id: int) -> Poll | None:
    """The poll, its row locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already runs one writer at a time). Two processes that open or close the same poll at once
    (a double press, two bots overlapping in a rolling restart) take turns: the second finds it
    no longer a draft, or already closed, and is refused; ballots go out once, the count is made once."""
    return (await session.exec(select(Poll).where(Poll.id == poll_id).with_for_update())).first()


# What an open poll's screens show that cannot change once it is open (its bloc, its ballot,
# its entitled count: all fixed at opening), keyed by its random ref and public key, never by a
# bare id that another database would reuse. Every ballot press would otherwise read them again.
_open_views: dict[tuple[str, Any], tuple[int, tuple[CandidateView, ...], int]] = {}


@cache
def _open_counts_query() -> Any:
    """An open poll's changing parts (how many voted, the bloc's group): built once."""
    return select(
        select(func.count())
        .select_from(Participation)
        .where(col(Participation.poll_id) == bindparam("poll_id"))
        .scalar_subquery(),
        select(BlocChat.chat_id).where(col(BlocChat.bloc_id) == bindparam("bloc_id")).scalar_subquery(),
    )


async def _poll_view(session: AsyncSession, poll: Poll, *, counts: bool = True) -> PollView:
    """The poll as its screens show it. Without `counts` (a voter's ballot, which shows neither),
    an open poll's turnout and group chat are not read when its frozen parts are known: then
    `voted` is 0 and `group_chat_id` None."""
    assert poll.id is not None
    frozen = _open_views.get((poll.ref, poll.public_key)) if poll.status == PollStatus.OPEN else None
    if frozen is not None:
        bloc_id, candidates, voters = frozen
        if not counts:
            return _view(poll, bloc_id, candidates, (), int(voters), 0, None)
        params = {"poll_id": poll.id, "bloc_id": bloc_id}
        voted, chat_id = (await session.exec(_open_counts_query(), params=params)).one()
        return _view(poll, bloc_id, candidates, (), int(voters), int(voted), chat_id)
    found = (
        await session.exec(
            select(Meeting, BlocChat.chat_id)
            .outerjoin(BlocChat, col(BlocChat.bloc_id) == Meeting.bloc_id)
            .where(Meeting.id == poll.meeting_id)
        )
    ).first()
    assert found is not None
    meeting, chat_id = found
    candidates = tuple(
        CandidateView(c.position, c.label, c.unit_id, c.selected)
        for c in await session.exec(
            select(PollCandidate)
            .where(PollCandidate.poll_id == poll.id)
            .order_by(col(PollCandidate.position))
        )
    )
    excluded: tuple[NotOffered, ...] = ()
    if poll.status == PollStatus.DRAFT:
        on_draft = {c.unit_id for c in candidates if c.unit_id is not None}
        excluded = await _not_offered_on(session, meeting, on_draft)
    voters, voted = (
        await session.exec(
            select(
                select(func.count())
                .select_from(PollVoter)
                .where(PollVoter.poll_id == poll.id)
                .scalar_subquery(),
                select(func.count())
                .select_from(Participation)
                .where(Participation.poll_id == poll.id)
                .scalar_subquery(),
            )
        )
    ).one()
    if poll.status == PollStatus.OPEN and poll.public_key is not None:
        if len(_open_views) > 256:
            _open_views.clear()
        _open_views[(poll.ref, poll.public_key)] = (meeting.bloc_id, candidates, int(voters))
    return _view(poll, meeting.bloc_id, candidates, excluded, int(voters), int(voted), chat_id)


def _view(
    poll: Poll,
    bloc_id: int,
    candidates: tuple[CandidateView, ...],
    excluded: tuple[NotOffered, ...],
    voters: int,
    voted: int,
    chat_id: int | None,
) -> PollView:
    assert poll.id is not None
    return PollView(
        id=poll.id,
        ref=poll.ref,
        meeting_id=poll.meeting_id,
        bloc_id=bloc_id,
        title=poll.title,
        status=PollStatus(poll.status),
        rules=RuleSet.from_dict(json.loads(poll.rules)),
        candidates=candidates,
        excluded=excluded,
        members=poll.members,
        present=poll.present,
        voters=voters,
        voted=voted,
        group_chat_id=chat_id,
        runoff_of_poll_id=poll.runoff_of_poll_id,
        closes_at=poll.closes_at,
        duration_minutes=poll.duration_minutes,
    )


async def poll_view(db: Database, poll_id: int) -> PollView:
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        if poll is None:
            raise NotFoundError(f"poll {poll_id}")
        return await _poll_view(session, poll)


async def _officer(db: Database, person_id: int, meeting: Meeting, now: datetime) -> int:
    who = await people.profile_of(db, person_id, now.date())
    if who is None or not (who.is_admin or meeting.bloc_id in who.led_bloc_ids()):
        raise NotAllowedError
    return who.person_id


async def _poll_and_officer(db: Database, person_id: int, poll_id: int, now: datetime) -> tuple[Poll, int]:
    """The poll and the acting person's id, if they run the bloc whose meeting holds it."""
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        meeting = await session.get(Meeting, poll.meeting_id) if poll else None
    if poll is None or meeting is None:
        raise NotFoundError(f"poll {poll_id}")
    return poll, await _officer(db, person_id, meeting, now)


async def _selected_candidates(session: AsyncSession, poll_id: int) -> list[PollCandidate]:
    """The candidates on the ballot, in ballot order (the head may have dropped some in the draft)."""
    return list(
        await session.exec(
            select(PollCandidate)
            .where(PollCandidate.poll_id == poll_id, col(PollCandidate.selected).is_(True))
            .order_by(col(PollCandidate.position))
        )
    )


async def _not_offered(db: Database, bloc_id: int, school_year_id: int) -> dict[int, tuple[str, ...]]:
    """Units not offered as candidates, with why: "not considered" (not registered, pact not
    signed, party rating) or "deferred" (an open inspection), as registration computes them."""
    return {
        unit_id: view.reasons
        for unit_id, view in (await eligibility.statuses(db, bloc_id, school_year_id)).items()
        if not view.considered
    }


# ------------------------------------------------------------------ drafting
async def create_draft(
    db: Database,
    *,
    person_id: int,
    meeting_id: int,
    purpose: Purpose,
    title: str,
    now: datetime,
    seats: int = 1,
    candidate_unit_ids: list[int] | None = None,
) -> PollView:
    """A draft poll with its purpose's default rules; candidates are the eligible member units."""
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFoundError(f"meeting {meeting_id}")
    person_id = await _officer(db, person_id, meeting, now)
    rules = default_rules(purpose, seats)
    elections = purpose in (Purpose.ELECT_HEAD, Purpose.ELECT_DEPUTY)
    skipped = {} if elections else await _not_offered(db, meeting.bloc_id, meeting.school_year_id)
    async with db.transaction() as session:
        members = await members_of(session, meeting.bloc_id, meeting.school_year_id)
        wanted = set(candidate_unit_ids) if candidate_unit_ids is not None else None
        poll = Poll(
            ref=secrets.token_urlsafe(6)[:8],
            meeting_id=meeting_id,
            title=nfc(title),
            rules=json.dumps(rules.to_dict()),
            created_by_person_id=person_id,
        )
        session.add(poll)
        await session.flush()
        position = 0
        for member in members:
            if member.unit_id in skipped:
                continue  # the draft card names it, with why (_not_offered_on)
            if wanted is not None and member.unit_id not in wanted:
                continue
            position += 1
            session.add(
                PollCandidate(
                    poll_id=id_of(poll), position=position, unit_id=member.unit_id, label=member.name
                )
            )
        await audit.append(
            session,
            action="poll.draft",
            subject=f"poll:{poll.id}",
            at=now,
            actor_person_id=person_id,
            details={"meeting": meeting_id, "title": poll.title, "purpose": purpose.value},
        )
        await session.flush()
        return await _poll_view(session, poll)


async def _draft_for_edit(db: Database, person_id: int, poll_id: int, now: datetime) -> tuple[int, Poll]:
    poll, person_id = await _poll_and_officer(db, person_id, poll_id, now)
    if poll.status != PollStatus.DRAFT:
        raise OpenRefusal("not_draft")
    return person_id, poll


async def draft_for_edit(db: Database, *, person_id: int, poll_id: int, now: datetime) -> PollView:
    """The draft, if this person may edit it (before asking them to type anything)."""
    await _draft_for_edit(db, person_id, poll_id, now)
    return await poll_view(db, poll_id)


async def toggle_candidate(
    db: Database, *, person_id: int, poll_id: int, position: int, now: datetime
) -> PollView:
    await _draft_for_edit(db, person_id, poll_id, now)
    if not is_id(position):  # from button data: a number no column holds is no candidate
        raise NotFoundError(f"candidate {position}")
    async with db.transaction() as session:
        candidate = (
            await session.exec(
                select(PollCandidate).where(
                    PollCandidate.poll_id == poll_id, PollCandidate.position == position
                )
            )
        ).first()
        if candidate is None:
            raise NotFoundError(f"candidate {position}")
        if not candidate.selected:
            on_ballot = len(await _selected_candidates(session, poll_id))
            if on_ballot >= MAX_CANDIDATES:
                raise OpenRefusal("too_many_candidates", max=MAX_CANDIDATES, count=on_ballot + 1)
        candidate.selected = not candidate.selected
        session.add(candidate)
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        return await _poll_view(session, poll)


async def rename_draft(db: Database, *, person_id: int, poll_id: int, title: str, now: datetime) -> PollView:
    """The draft's title as the chair typed it (NFC, one line); refused, nothing changed, when
    empty or longer than MAX_TITLE characters."""
    person_id, _ = await _draft_for_edit(db, person_id, poll_id, now)
    title = nfc(title)
    if not title:
        raise OpenRefusal("title_empty")
    if len(title) > MAX_TITLE:
        raise OpenRefusal("title_too_long", max=MAX_TITLE, length=len(title))
    async with db.transaction() as session:
        poll = await _locked_poll(session, poll_id)
        if poll is None or poll.status != PollStatus.DRAFT:
            raise OpenRefusal("not_draft")
        before, poll.title = poll.title, title
        session.add(poll)
        await audit.append(
            session,
            action="poll.title",
            subject=f"poll:{poll_id}",
            at=now,
            actor_person_id=person_id,
            details={"from": before, "to": title},
        )
        return await _poll_view(session, poll)


async def set_candidates(
    db: Database, *, person_id: int, poll_id: int, names: list[str], now: datetime
) -> PollView:
    """The draft's candidates as the chair typed them, one per line, in that order. A name that is
    a member unit's stands for that unit (its eligibility is checked again at opening); any other
    is a candidate by name (a person, a collective). Units on the draft left out of the list stay
    on it unticked, so a tap brings one back. Refused, nothing changed: an empty list, a name
    twice, a name over MAX_LABEL characters, more than MAX_CANDIDATES names."""
    person_id, _ = await _draft_for_edit(db, person_id, poll_id, now)
    labels = [label for label in (nfc(name) for name in names) if label]
    if not labels:
        raise OpenRefusal("no_candidates")
    if len(labels) > MAX_CANDIDATES:
        raise OpenRefusal("too_many_candidates", max=MAX_CANDIDATES, count=len(labels))
    seen: set[str] = set()
    for label in labels:
        if len(label) > MAX_LABEL:
            raise OpenRefusal("candidate_too_long", max=MAX_LABEL, name=label[:40] + "…")
        if name_key(label) in seen:
            raise OpenRefusal("candidate_twice", name=label)
        seen.add(name_key(label))
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        meeting = await session.get(Meeting, poll.meeting_id) if poll is not None else None
        assert poll is not None and meeting is not None
        members = {
            name_key(m.name): m for m in await members_of(session, meeting.bloc_id, meeting.school_year_id)
        }
    async with db.transaction() as session:
        poll = await _locked_poll(session, poll_id)
        if poll is None or poll.status != PollStatus.DRAFT:
            raise OpenRefusal("not_draft")
        old = list(
            await session.exec(
                select(PollCandidate)
                .where(PollCandidate.poll_id == poll_id)
                .order_by(col(PollCandidate.position))
            )
        )
        for row in old:
            await session.delete(row)
        await session.flush()
        typed_units: set[int] = set()
        position = 0
        for label in labels:
            member = members.get(name_key(label))
            unit_id = member.unit_id if member is not None else None
            if unit_id is not None:
                typed_units.add(unit_id)
            position += 1
            session.add(
                PollCandidate(
                    poll_id=poll_id,
                    position=position,
                    unit_id=unit_id,
                    label=member.name if member is not None else label,
                )
            )
        for row in old:
            if row.unit_id is not None and row.unit_id not in typed_units:
                position += 1
                session.add(
                    PollCandidate(
                        poll_id=poll_id,
                        position=position,
                        unit_id=row.unit_id,
                        label=row.label,
                        selected=False,
                    )
                )
        await audit.append(
            session,
            action="poll.candidates",
            subject=f"poll:{poll_id}",
            at=now,
            actor_person_id=person_id,
            details={"candidates": labels},
        )
        await session.flush()
        return await _poll_view(session, poll)


async def set_duration(
    db: Database, *, person_id: int, poll_id: int, now: datetime, minutes: int | None
) -> PollView:
    """How long the poll stays open once opened (then the periodic job closes and counts it)."""
    person_id, _ = await _draft_for_edit(db, person_id, poll_id, now)
    if minutes is not None and not 1 <= minutes <= 7 * 24 * 60:
        raise OpenRefusal("bad_duration")
    async with db.transaction() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        poll.duration_minutes = minutes
        session.add(poll)
        await audit.append(
            session,
            action="poll.deadline",
            subject=f"poll:{poll_id}",
            at=now,
            actor_person_id=person_id,
            details={"minutes": minutes},
        )
        return await _poll_view(session, poll)


async def change_rules(
    db: Database, *, person_id: int, poll_id: int, now: datetime, **changes: Any
) -> PollView:
    """Edit the rule set; only while the poll is a draft (an open poll's rules are frozen)."""
    person_id, _ = await _draft_for_edit(db, person_id, poll_id, now)
    async with db.transaction() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        rules = RuleSet.from_dict(json.loads(poll.rules)).with_changes(**changes)
        poll.rules = json.dumps(rules.to_dict())
        session.add(poll)
        await audit.append(
            session,
            action="poll.rules",
            subject=f"poll:{poll_id}",
            at=now,
            actor_person_id=person_id,
            details=rules.to_dict(),
        )
        return await _poll_view(session, poll)


# ------------------------------------------------------------------ opening
async def open_poll(
    db: Database,
    *,
    person_id: int,
    poll_id: int,
    master_key: bytes,
    now: datetime,
    closes_at: datetime | None = None,
    ballot_screen: BallotScreen | None = None,
) -> OpenedPoll:
    """Freeze the rules and candidates, snapshot the entitled list, and make the poll's keys.

    Refused when the meeting is not quorate (2/3 of all members present, exactly), when it is
    not running, or when the ballot would be empty. With `ballot_screen`, each entitled
    representative's ballot is put in the outbox in the same transaction (one per poll and
    person): the caller pokes delivery after the commit.
    """
    poll, person_id = await _poll_and_officer(db, person_id, poll_id, now)
    # Eligibility is read again at opening: a unit marked deferred or not considered after the
    # draft was made must not reach the ballot (elections of officers offer every member).
    async with db.session() as session:
        drafted_in = await session.get(Meeting, poll.meeting_id)
    assert drafted_in is not None
    barred = (
        {}
        if RuleSet.from_dict(json.loads(poll.rules)).kind is BallotKind.ELECTION
        else await _not_offered(db, drafted_in.bloc_id, drafted_in.school_year_id)
    )
    async with db.transaction() as session:
        locked = await _locked_poll(session, poll_id)
        meeting = await session.get(Meeting, locked.meeting_id) if locked else None
        assert locked is not None and meeting is not None
        poll = locked
        if poll.status != PollStatus.DRAFT:
            raise OpenRefusal("not_draft")
        if meeting.status != MeetingStatus.OPEN:
            raise OpenRefusal("meeting_not_open")
        rules = RuleSet.from_dict(json.loads(poll.rules))
        members = await members_of(session, meeting.bloc_id, meeting.school_year_id)
        present_ids = {
            a.unit_id
            for a in await session.exec(
                select(Attendance).where(
                    Attendance.meeting_id == meeting.id, col(Attendance.present).is_(True)
                )
            )
        }
        if not is_quorate(len(present_ids), len(members), rules):
            raise OpenRefusal("no_quorum", present=len(present_ids), members=len(members))
        selected = await _selected_candidates(session, poll_id)
        if not selected:
            raise OpenRefusal("no_candidates")
        if len(selected) > MAX_CANDIDATES:
            raise OpenRefusal("too_many_candidates", max=MAX_CANDIDATES, count=len(selected))
        late = [c.label for c in selected if c.unit_id in barred]
        if late:
            names = ", ".join(late)
            # The refusal is shown as an alert (200 characters at most): long names are cut.
            raise OpenRefusal(
                "candidate_barred", count=len(late), units=names if len(names) <= 70 else names[:69] + "…"
            )
        if minutes_details.committee_missing(meeting, rules):
            raise OpenRefusal("no_counting_committee")
        keys = ballot_crypto.generate_poll_keys(master_key, poll_id)
        poll.public_key, poll.sealed_private_key = keys.public_key, keys.encrypted_private_key
        if closes_at is None and poll.duration_minutes:
            closes_at = now + timedelta(minutes=poll.duration_minutes)
        poll.status, poll.opened_at, poll.closes_at = PollStatus.OPEN, now, closes_at
        poll.members, poll.present = len(members), len(present_ids)
        entitled = [m for m in members if m.unit_id in present_ids or rules.absentee_allowed]
        for member in entitled:
            session.add(
                PollVoter(poll_id=poll_id, unit_id=member.unit_id, present=member.unit_id in present_ids)
            )
        session.add(poll)
        await audit.append(
            session,
            action="poll.open",
            subject=f"poll:{poll_id}",
            at=now,
            actor_person_id=person_id,
            details={
                "rules": rules.to_dict(),
                "candidates": [c.label for c in selected],
                "members": len(members),
                "present": len(present_ids),
                "entitled": len(entitled),
            },
        )
        await session.flush()
        reps = await representatives(session, [m.unit_id for m in entitled], meeting.school_year_id)
        recipients = tuple(
            (recipient.person_id, member.unit_id in present_ids)
            for member in entitled
            for recipient in reps[member.unit_id]
        )
        view = await _poll_view(session, poll)
        if ballot_screen is not None:
            for member in entitled:
                for recipient in reps[member.unit_id]:
                    await _enqueue_ballot(
                        session,
                        view,
                        member,
                        recipient,
                        present=member.unit_id in present_ids,
                        ballot_screen=ballot_screen,
                        dedupe_key=f"ballot:{view.ref}:{recipient.person_id}",
                        now=now,
                    )
        return OpenedPoll(view, recipients, small_poll_warning(len(entitled)))


async def _last_channel(session: AsyncSession, person_id: int) -> str | None:
    """The app this person wrote from last (where the outbox will reach them)."""
    return (
        await session.exec(
            select(ChannelAccount.channel)
            .where(ChannelAccount.person_id == person_id)
            .order_by(col(ChannelAccount.last_seen_at).desc())
            .limit(1)
        )
    ).first()


async def _enqueue_ballot(
    session: AsyncSession,
    view: PollView,
    member: MemberUnit,
    recipient: Recipient,
    *,
    present: bool,
    ballot_screen: BallotScreen,
    dedupe_key: str,
    now: datetime,
) -> bool:
    own = next((c.position for c in view.on_ballot if c.unit_id == member.unit_id), None)
    voter = VoterBallot(view, member.unit_id, member.name, own, False)
    channel = await _last_channel(session, recipient.person_id)
    return await outbox.enqueue(
        session,
        person_id=recipient.person_id,
        kind="ballot",
        screen=ballot_screen(voter, recipient.language, not present, channel),
        dedupe_key=dedupe_key,
        now=now,
    )


async def resend_ballot(
    db: Database,
    *,
    person_id: int,
    poll_id: int,
    unit_id: int,
    ballot_screen: BallotScreen,
    now: datetime,
) -> int:
    """The chair sends one unit's ballot again (a representative lost it, or was unreachable):
    to each of its representatives, through the outbox. How many were queued; OpenRefusal when
    the poll is not open, the unit not entitled, or its ballot already in."""
    await _poll_and_officer(db, person_id, poll_id, now)
    async with db.transaction() as session:
        poll = await _locked_poll(session, poll_id)
        assert poll is not None and poll.id is not None
        if poll.status != PollStatus.OPEN:
            raise OpenRefusal("not_open")
        voter_row = (
            await session.exec(
                select(PollVoter).where(PollVoter.poll_id == poll_id, PollVoter.unit_id == unit_id)
            )
        ).first()
        meeting = await session.get(Meeting, poll.meeting_id)
        assert meeting is not None
        members = await members_of(session, meeting.bloc_id, meeting.school_year_id)
        member = next((m for m in members if m.unit_id == unit_id), None)
        if voter_row is None or member is None:
            raise OpenRefusal("not_entitled")
        voted = (
            await session.exec(
                select(Participation.id).where(
                    Participation.poll_id == poll_id, Participation.unit_id == unit_id
                )
            )
        ).first()
        if voted is not None:
            raise OpenRefusal("already_voted", unit=member.name)
        view = await _poll_view(session, poll)
        reps = await representatives(session, [unit_id], meeting.school_year_id)
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        count = 0
        for recipient in reps[unit_id]:
            count += await _enqueue_ballot(
                session,
                view,
                member,
                recipient,
                present=voter_row.present,
                ballot_screen=ballot_screen,
                dedupe_key=f"ballot:{view.ref}:{recipient.person_id}:again:{stamp}",
                now=now,
            )
        return count


async def open_polls(db: Database, meeting_id: int) -> list[tuple[int, str]]:
    """(poll id, title) of the meeting's open polls, oldest first (the chair's card offers to close them)."""
    async with db.session() as session:
        rows = await session.exec(
            select(Poll.id, Poll.title)
            .where(Poll.meeting_id == meeting_id, Poll.status == PollStatus.OPEN)
            .order_by(col(Poll.id))
        )
        return [(int(poll_id), title) for poll_id, title in rows if poll_id is not None]


@dataclass(frozen=True)
class Turnout:
    """An open poll on the chair's card: how many of its entitled units have voted."""

    poll_id: int
    title: str
    voted: int
    voters: int


async def open_poll_turnout(db: Database, meeting_id: int) -> list[Turnout]:
    """The meeting's open polls, oldest first, each with its count (two counts per poll, by index)."""
    async with db.session() as session:
        voters = (
            select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == Poll.id).scalar_subquery()
        )
        voted = (
            select(func.count())
            .select_from(Participation)
            .where(Participation.poll_id == Poll.id)
            .scalar_subquery()
        )
        rows = await session.exec(
            select(Poll.id, Poll.title, voted, voters)
            .where(Poll.meeting_id == meeting_id, Poll.status == PollStatus.OPEN)
            .order_by(col(Poll.id))
        )
        return [Turnout(int(i), title, int(v), int(n)) for i, title, v, n in rows if i is not None]


async def entitled_units(db: Database, poll_id: int) -> list[tuple[int, str, bool]]:
    """The units entitled in a poll: (unit id, name, voted already), in bloc order."""
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        if poll is None:
            raise NotFoundError(f"poll {poll_id}")
        meeting = await session.get(Meeting, poll.meeting_id)
        assert meeting is not None
        voters = await session.exec(select(PollVoter).where(PollVoter.poll_id == poll_id))
        entitled = {v.unit_id for v in voters}
        done = await session.exec(select(Participation).where(Participation.poll_id == poll_id))
        voted = {p.unit_id for p in done}
        return [
            (m.unit_id, m.name, m.unit_id in voted)
            for m in await members_of(session, meeting.bloc_id, meeting.school_year_id)
            if m.unit_id in entitled
        ]


async def remember_progress_message(db: Database, poll_id: int, chat_id: int, message_id: int) -> None:
    async with db.transaction() as session:
        poll = await session.get(Poll, poll_id)
        if poll is not None:
            poll.progress_chat_id, poll.progress_message_id = chat_id, message_id
            session.add(poll)


# ------------------------------------------------------------------ casting
class CastStatus(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"  # this unit's ballot is in already
    CLOSED = "closed"
    NOT_ENTITLED = "not_entitled"
    INVALID = "invalid"
    UNKNOWN = "unknown"  # no such poll


@dataclass(frozen=True)
class CastResult:
    status: CastStatus
    tracker: str | None = None
    invalid_reason: str | None = None
    unit_name: str | None = None


@dataclass(frozen=True)
class VoterBallot:
    """What one voter's ballot screen needs (nothing about anybody's choice)."""

    poll: PollView  # read without counts (`_poll_view`): its `voted` and group chat are not read
    unit_id: int | None
    unit_name: str | None
    own_position: int | None  # the voter's own unit on the ballot
    already_voted: bool
    # Who this ballot was read for, and the poll's public key: what `cast` needs to seal the
    # ballot without reading it all again (a public key, and nobody's choice).
    person_id: int | None = field(default=None, repr=False, compare=False)
    sealing_key: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class _Standing:
    """One voter's standing in one poll, read in one query."""

    poll: Poll
    unit_id: int
    unit_name: str
    voted: bool
    own_position: int | None
    sheet: str | None = None  # the sealed sheet under the press's key, when it asked for one


@cache
def _standing_query() -> Any:
    """`_standing`'s one query, built once (building it cost more than running it)."""
    from models.conversation import ConversationState
    from models.organisation import Unit

    # The press's sheet, read in the same round trip (a row the key alone finds; NULL for none).
    sheet = (
        select(ConversationState.state)
        .where(
            col(ConversationState.name) == ballot_sheets.SHEETS,
            col(ConversationState.key) == bindparam("sheet_key", type_=String),
        )
        .scalar_subquery()
    )
    # sqlmodel types select() for up to four columns; this one reads six in one round trip.
    return (
        select(Poll, Unit.id, Unit.name, Participation.id, PollCandidate.position, sheet)  # type: ignore[call-overload]
        .join(PollVoter, col(PollVoter.poll_id) == Poll.id)
        .join(Unit, col(Unit.id) == PollVoter.unit_id)
        .join(PersonRole, col(PersonRole.unit_id) == Unit.id)
        .outerjoin(
            Participation,
            (col(Participation.poll_id) == Poll.id) & (col(Participation.unit_id) == Unit.id),
        )
        .outerjoin(
            PollCandidate,
            (col(PollCandidate.poll_id) == Poll.id) & (col(PollCandidate.unit_id) == Unit.id),
        )
        .where(
            col(Poll.ref) == bindparam("ref"),
            col(PersonRole.person_id) == bindparam("person_id"),
            col(PersonRole.kind) == RoleKind.REP,
            col(PersonRole.revoked_at).is_(None),
        )
        .order_by(col(Unit.id))
        .limit(1)
    )


async def _standing(
    session: AsyncSession, poll_ref: str, person_id: int, sheet_key: str = ""
) -> _Standing | None:
    """The poll, the unit this person votes for in it (one they represent on the entitled list,
    the lowest id as _voter_unit), whether that unit has voted, its own place on the ballot and
    the sealed sheet kept under `sheet_key`: one round trip. None when any of it is missing
    (then the slower reads say which)."""

    params = {"ref": poll_ref, "person_id": person_id, "sheet_key": sheet_key}
    row = (await session.exec(_standing_query(), params=params)).first()
    if row is None:
        return None
    poll, unit_id, unit_name, participation, own, sheet = row
    return _Standing(poll, unit_id, unit_name, participation is not None, own, sheet)


async def ballot_for(db: Database, *, poll_ref: str, person_id: int) -> VoterBallot | None:
    async with db.session() as session:
        return (await _ballot_in(session, poll_ref, person_id))[0]


async def ballot_and_sheet(
    db: Database, *, poll_ref: str, person_id: int, token: str
) -> tuple[VoterBallot | None, ballot_sheets.Sheet | None]:
    """A press's read: the voter's ballot (`ballot_for`) and, when the press names one, their
    sheet under `token` (`ballot_sheets.load`), in the same query."""
    key = ballot_sheets.row_key(poll_ref, token, person_id)
    async with db.session() as session:
        voter, sealed = await _ballot_in(session, poll_ref, person_id, key)
    if voter is None or voter.unit_id is None or sealed is None:
        return voter, None
    return voter, ballot_sheets.opened(poll_ref, person_id, token, sealed)


async def _ballot_in(
    session: AsyncSession, poll_ref: str, person_id: int, sheet_key: str = ""
) -> tuple[VoterBallot | None, str | None]:
    standing = await _standing(session, poll_ref, person_id, sheet_key)
    if standing is not None:
        view = await _poll_view(session, standing.poll, counts=False)
        own = next((c.position for c in view.on_ballot if c.unit_id == standing.unit_id), None)
        voter = VoterBallot(
            view,
            standing.unit_id,
            standing.unit_name,
            own,
            standing.voted,
            person_id=person_id,
            sealing_key=standing.poll.public_key,
        )
        return voter, standing.sheet
    poll = (await session.exec(select(Poll).where(Poll.ref == poll_ref))).first()
    if poll is None:
        return None, None
    # Not entitled (or not a representative): the poll, without a unit.
    return VoterBallot(await _poll_view(session, poll, counts=False), None, None, None, False), None


# An open poll's rules and candidates are frozen: read once per poll, not once per cast. Keyed
# by the poll's random ref and its public key (made at opening), never by a bare id, which
# another database (a test's, a benchmark's) would reuse.
_frozen: dict[tuple[str, Any], tuple[RuleSet, list[int]]] = {}


async def _rules_and_candidates(session: AsyncSession, poll: Poll) -> tuple[RuleSet, list[int]]:
    assert poll.id is not None and poll.status == PollStatus.OPEN
    key = (poll.ref, poll.public_key)
    known = _frozen.get(key)
    if known is None:
        known = (
            RuleSet.from_dict(json.loads(poll.rules)),
            [c.position for c in await _selected_candidates(session, poll.id)],
        )
        if len(_frozen) > 256:
            _frozen.clear()
        _frozen[key] = known
    return known


@dataclass(frozen=True)
class _Casting:
    """What sealing and recording one voter's ballot needs, however it was read."""

    poll_id: int
    public_key: bytes
    rules: RuleSet
    candidates: list[int]
    own_position: int | None
    unit_id: int
    unit_name: str | None


def _from_ballot(voter: VoterBallot | None, poll_ref: str, person_id: int, now: datetime) -> _Casting | None:
    """The casting facts from the ballot the caller has just read for this person and poll
    (`ballot_for`), when it says the unit may still vote; None means read them afresh."""
    if (
        voter is None
        or voter.person_id != person_id
        or voter.poll.ref != poll_ref
        or voter.sealing_key is None
        or voter.unit_id is None
        or voter.already_voted
        or voter.poll.status != PollStatus.OPEN
        or (voter.poll.closes_at is not None and now >= voter.poll.closes_at)
    ):
        return None
    return _Casting(
        voter.poll.id,
        voter.sealing_key,
        voter.poll.rules,
        [c.position for c in voter.poll.on_ballot],
        voter.own_position,
        voter.unit_id,
        voter.unit_name,
    )


async def _read_casting(db: Database, poll_ref: str, person_id: int, now: datetime) -> _Casting | CastResult:
    """One read (which does not wait for the writer): the poll, the voter's unit, whether it
    voted and its place on the ballot; or why this person cannot cast."""
    async with db.session() as session:
        standing = await _standing(session, poll_ref, person_id)
        if standing is None:
            poll = (await session.exec(select(Poll).where(Poll.ref == poll_ref))).first()
            if poll is None:
                return CastResult(CastStatus.UNKNOWN)
            if poll.status != PollStatus.OPEN or (poll.closes_at is not None and now >= poll.closes_at):
                return CastResult(CastStatus.CLOSED)
            return CastResult(CastStatus.NOT_ENTITLED)
        poll, unit_id, unit_name = standing.poll, standing.unit_id, standing.unit_name
        if poll.status != PollStatus.OPEN or (poll.closes_at is not None and now >= poll.closes_at):
            return CastResult(CastStatus.CLOSED)
        if standing.voted:
            return CastResult(CastStatus.ALREADY, unit_name=unit_name)
        rules, candidates = await _rules_and_candidates(session, poll)
    assert poll.public_key is not None and poll.id is not None
    return _Casting(poll.id, poll.public_key, rules, candidates, standing.own_position, unit_id, unit_name)


async def cast(
    db: Database,
    *,
    poll_ref: str,
    person_id: int,
    ballot: dict[int, Choice] | frozenset[int],
    now: datetime,
    voter: VoterBallot | None = None,
    master_key: bytes | None = None,
    sheet_token: str | None = None,
) -> CastResult:
    """Record one unit's ballot: sealed, counted once, answered only after the commit.

    The poll, the voter's unit, whether it voted and its place on the ballot come from `voter`
    (this person's ballot as `ballot_for` has just read it) or from one read that does not wait
    for the writer. The ballot is checked and sealed before the write begins; the write is three
    statements: who voted (inserted only while the poll is open: the check and the insert are
    one statement), the sealed ballot, the audit entry (written after the chain's head this process
    last wrote, checked in the same statement: bot/services/audit.py).
    The UNIQUE (poll, unit) row keeps the one-vote rule however many casts race, whatever was
    read before; on PostgreSQL the audit chain's lock is taken after that row, so casts queue on
    it for as short a time as possible. With the master key, the unit's tracker is kept for it,
    encrypted, on its participation row (bot/services/receipts.py). The voter's unfinished
    sheet under `sheet_token` goes in the same transaction: it has no use once the ballot is in."""
    casting = _from_ballot(voter, poll_ref, person_id, now) or await _read_casting(
        db, poll_ref, person_id, now
    )
    if isinstance(casting, CastResult):
        return casting
    problem = validate_ballot(casting.rules, ballot, casting.candidates, voter_candidate=casting.own_position)
    if problem is not None:
        return CastResult(CastStatus.INVALID, invalid_reason=problem.value, unit_name=casting.unit_name)
    poll_id = casting.poll_id
    sealed = ballot_crypto.seal(
        casting.public_key,
        encode_ballot(casting.rules.kind, ballot),
        poll_id,
        pad_to=ballot_crypto.pad_for(len(casting.candidates)),
    )
    tracker = ballot_crypto.tracker(sealed)
    receipt = (
        ballot_crypto.seal_receipt(master_key, poll_id, casting.unit_id, tracker) if master_key else None
    )
    try:
        async with db.transaction() as session:
            # Closed (by the chair or its deadline) since the read: nothing is written.
            who = await run_core(
                session,
                _participation_if_open(),
                {
                    "id": random_id(),
                    "poll_id": poll_id,
                    "unit_id": casting.unit_id,
                    "receipt": receipt,
                    "now": now,
                },
            )
            if who.rowcount != 1:
                return CastResult(CastStatus.CLOSED)
            await run_core(
                session,
                _sealed_insert(),
                {"id": random_id(), "poll_id": poll_id, "sealed": sealed, "tracker": tracker},
            )
            await audit.add(
                session,
                action="poll.cast",
                subject=f"poll:{poll_id}",
                at=now,
                details={"unit": casting.unit_id},
            )
            if sheet_token:
                await ballot_sheets.forget(session, poll_ref=poll_ref, person_id=person_id, token=sheet_token)
            await session.flush()
    except IntegrityError:
        return CastResult(CastStatus.ALREADY)
    return CastResult(CastStatus.RECORDED, tracker=tracker, unit_name=casting.unit_name)


@cache
def _sealed_insert() -> Any:
    return insert(_table(SealedBallot))


def _table(model: type[SQLModel]) -> Table:
    """A model's table, for the core statements of a cast (no ORM bookkeeping per row)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


@cache
def _participation_if_open() -> Any:
    """INSERT the unit's participation row only while its poll is open: one round trip for
    the check and the write (built once: building it costs more than running it)."""
    poll_id = bindparam("poll_id", type_=Integer)
    now = bindparam("now", type_=Poll.__table__.c.closes_at.type)  # type: ignore[attr-defined]
    still_open = (
        select(Poll.id)
        .where(
            col(Poll.id) == poll_id,
            col(Poll.status) == PollStatus.OPEN,
            or_(col(Poll.closes_at).is_(None), col(Poll.closes_at) > now),
        )
        .exists()
    )
    # The table's own insert, not the ORM's: the row is written as is, no ORM bookkeeping.
    return insert(_table(Participation)).from_select(
        ["id", "poll_id", "unit_id", "receipt"],
        select(
            bindparam("id", type_=String),
            poll_id,
            bindparam("unit_id", type_=Integer),
            bindparam("receipt", type_=LargeBinary),
        ).where(still_open),
    )


# ------------------------------------------------------------------ progress
@dataclass(frozen=True)
class Progress:
    poll_id: int
    title: str
    voted: int
    voters: int
    chat_id: int | None
    message_id: int | None
    meeting_id: int | None = None


async def progress_to_post(db: Database) -> list[Progress]:
    """Open polls whose "X of Y have voted" line has changed since it was last posted.

    Posted by a periodic job, in batches, never per vote: a post right after each tap would
    tell the room who just voted.
    """
    out: list[Progress] = []
    async with db.transaction() as session:
        # Of two processes (a rolling restart), one takes each poll's line; the other skips it.
        open_polls = select(Poll).where(Poll.status == PollStatus.OPEN).with_for_update(skip_locked=True)
        for poll in await session.exec(open_polls):
            view = await _poll_view(session, poll)
            if view.voted != poll.progress_shown:
                poll.progress_shown = view.voted
                session.add(poll)
                out.append(
                    Progress(
                        view.id,
                        view.title,
                        view.voted,
                        view.voters,
                        poll.progress_chat_id,
                        poll.progress_message_id,
                        poll.meeting_id,
                    )
                )
    return out


async def final_progress(db: Database, poll_id: int) -> Progress | None:
    """The progress line of a closed poll, with its final count, to edit one last time (the
    periodic job only follows open polls). None when the line was never posted."""
    async with db.transaction() as session:
        poll = await session.get(Poll, poll_id)
        if poll is None or poll.progress_chat_id is None or poll.progress_message_id is None:
            return None
        voters, voted = (
            await session.exec(
                select(
                    select(func.count())
                    .select_from(PollVoter)
                    .where(PollVoter.poll_id == poll_id)
                    .scalar_subquery(),
                    select(func.count())
                    .select_from(Participation)
                    .where(Participation.poll_id == poll_id)
                    .scalar_subquery(),
                )
            )
        ).one()
        poll.progress_shown = int(voted)
        session.add(poll)
        return Progress(
            poll_id,
            poll.title,
            int(voted),
            int(voters),
            poll.progress_chat_id,
            poll.progress_message_id,
            poll.meeting_id,
        )


# ------------------------------------------------------------------ closing and counting
@dataclass(frozen=True)
class ClosedPoll:
    poll: PollView
    result: TallyResult
    labels: dict[int, str]
    trackers: tuple[str, ...]
    chain_head: str
    audit_head: tuple[int, str]


async def close_poll(
    db: Database, *, poll_id: int, master_key: bytes, now: datetime, person_id: int | None = None
) -> ClosedPoll:
    """Close, open every sealed ballot, count, publish the trackers, and destroy the private key.

    `person_id` None means the deadline closed it (the periodic job).
    """
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        meeting = await session.get(Meeting, poll.meeting_id) if poll else None
    if poll is None or meeting is None:
        raise NotFoundError(f"poll {poll_id}")
    if person_id is not None:
        person_id = await _officer(db, person_id, meeting, now)
    async with db.transaction() as session:
        poll = await _locked_poll(session, poll_id)
        assert poll is not None and poll.id is not None
        if poll.status != PollStatus.OPEN:
            raise OpenRefusal("not_open")
        assert poll.sealed_private_key is not None
        candidates = await _selected_candidates(session, poll.id)
        counted = await counting.count_sealed(
            session,
            counting.BLOCS,
            poll_id=poll.id,
            sealed_for=poll.id,
            rules=RuleSet.from_dict(json.loads(poll.rules)),
            sealed_private_key=poll.sealed_private_key,
            master_key=master_key,
            positions=[c.position for c in candidates],
            members=poll.members,
            present=poll.present,
            women_preferred={c.position: c.women_preferred for c in candidates},
        )
        result, published, head = counted.result, counted.published, counted.chain_head
        poll.status, poll.closed_at = PollStatus.CLOSED, now
        poll.result, poll.trackers, poll.chain_head = counted.result_json, json.dumps(published), head
        poll.sealed_private_key = None  # nobody can open these ballots again, whoever holds the master key
        session.add(poll)
        await audit.append(
            session,
            action="poll.close",
            subject=f"poll:{poll.id}",
            at=now,
            actor_person_id=person_id,
            details={
                "voted": result.voted,
                "chain_head": head,
                "by": "chair" if person_id else "deadline",
                # The stored tally's fingerprint: `audit verify` catches a count edited afterwards.
                "result_sha256": hashlib.sha256(poll.result.encode("utf-8")).hexdigest(),
            },
        )
        await audit.append(
            session,
            action="poll.tally",
            subject=f"poll:{poll.id}",
            at=now,
            actor_person_id=person_id,
            details={
                "elected": list(result.elected),
                "tie": list(result.tie.candidates) if result.tie else [],
            },
        )
        audit_head = await audit.head(session)
        view = await _poll_view(session, poll)
    await db.purge_dead_rows(SealedBallot.__tablename__)
    return ClosedPoll(
        view, result, {c.position: c.label for c in candidates}, tuple(published), head, audit_head
    )


async def due_for_closing(db: Database, now: datetime) -> list[int]:
    async with db.session() as session:
        rows = await session.exec(
            select(Poll.id).where(
                Poll.status == PollStatus.OPEN, col(Poll.closes_at).is_not(None), col(Poll.closes_at) <= now
            )
        )
        return [int(poll_id) for poll_id in rows if poll_id is not None]


async def start_runoff(db: Database, *, person_id: int, poll_id: int, now: datetime) -> PollView:
    """A draft run-off between the candidates tied at the last seat, with the run-off rules."""
    async with db.session() as session:
        poll = await session.get(Poll, poll_id)
        meeting = await session.get(Meeting, poll.meeting_id) if poll else None
    if poll is None or meeting is None or poll.result is None:
        raise NotFoundError(f"poll {poll_id}")
    person_id = await _officer(db, person_id, meeting, now)
    stored = json.loads(poll.result)
    if not stored.get("tie"):
        raise OpenRefusal("no_tie")
    from models.vote_rules import Tie

    tie = Tie(tuple(stored["tie"]["candidates"]), stored["tie"]["seats_left"], stored["tie"]["votes"])
    rules = runoff_rules(RuleSet.from_dict(json.loads(poll.rules)), tie)
    async with db.transaction() as session:
        existing = (await session.exec(select(Poll).where(Poll.runoff_of_poll_id == poll_id))).first()
        if existing is not None:
            return await _poll_view(session, existing)
        old = {
            c.position: c
            for c in await session.exec(select(PollCandidate).where(PollCandidate.poll_id == poll_id))
        }
        runoff = Poll(
            ref=secrets.token_urlsafe(6)[:8],
            meeting_id=poll.meeting_id,
            title=nfc(f"{poll.title} — bầu lại"),
            rules=json.dumps(rules.to_dict()),
            runoff_of_poll_id=poll_id,
            created_by_person_id=person_id,
        )
        session.add(runoff)
        await session.flush()
        for index, position in enumerate(tie.candidates, start=1):
            source = old[int(position)]
            session.add(
                PollCandidate(
                    poll_id=id_of(runoff),
                    position=index,
                    unit_id=source.unit_id,
                    label=source.label,
                    women_preferred=source.women_preferred,
                )
            )
        await audit.append(
            session,
            action="poll.runoff",
            subject=f"poll:{runoff.id}",
            at=now,
            actor_person_id=person_id,
            details={"of": poll_id, "candidates": [old[int(p)].label for p in tie.candidates]},
        )
        await session.flush()
        return await _poll_view(session, runoff)


async def verify_tracker(db: Database, code: str) -> list[TrackerMatch]:
    """Find a tracker (or its short code) in the published lists of closed polls."""
    async with db.session() as session:
        return await counting.published_matches(session, Poll, code)


# ------------------------------------------------------------------ tamper check
class BallotTamper(StrEnum):
    """What `thidua audit verify` found wrong with a poll's stored ballots, trackers or result."""

    ALTERED = "altered"  # a sealed ballot's bytes no longer hash to its tracker
    UNPUBLISHED = "unpublished"  # a sealed ballot whose tracker is not in the published list
    MISSING = "missing"  # a published tracker with no sealed ballot
    LIST = "list"  # the published list is malformed or does not rebuild the poll's chain head
    HEAD = "head"  # the poll's chain head differs from the one in its close entry
    RESULT = "result"  # the stored result differs from what the close entry recorded
    COUNT = "count"  # sealed ballots and who-voted rows disagree in number (an open poll)
    NO_CLOSE = "no_close"  # a closed poll without its close entry in the audit log


@dataclass(frozen=True)
class PollProblem:
    poll_id: int
    kind: BallotTamper
    detail: str  # the row or field named: a tracker's short code, "voted 10 ≠ 11", ...


def _code(tracker_hex: str) -> str:
    try:
        return ballot_crypto.short_code(tracker_hex)
    except ValueError:
        return repr(tracker_hex[:16])


def _check_result(poll: Poll, close: dict[str, Any], tally_entry: dict[str, Any] | None) -> list[str]:
    """What in the stored result differs from the close (and tally) entries; [] when it matches."""
    try:
        stored = json.loads(poll.result or "")
        assert isinstance(stored, dict)
    except (ValueError, AssertionError):
        return ["the stored result is not a JSON object"]
    diffs: list[str] = []
    if stored.get("voted") != close.get("voted"):
        diffs.append(f"voted {close.get('voted')} ≠ {stored.get('voted')}")
    if tally_entry is not None and stored.get("elected") != tally_entry.get("elected"):
        diffs.append(f"elected {tally_entry.get('elected')} ≠ {stored.get('elected')}")
    voted_value = stored.get("voted")
    voted = voted_value if isinstance(voted_value, int) else 0
    for c in stored.get("candidates") or []:
        counts = [c.get(k) for k in ("votes", "disagree", "abstain", "blank")]
        numbers = [n for n in counts if isinstance(n, int)]
        if (
            len(numbers) != len(counts)
            or any(n < 0 or n > voted for n in numbers)
            or sum(numbers) > max(voted, 0)
        ):
            diffs.append(f"candidate {c.get('position')}: {counts} of {voted} ballots")
    expected = close.get("result_sha256")
    if expected is not None:
        actual = hashlib.sha256((poll.result or "").encode("utf-8")).hexdigest()
        if actual != expected and not diffs:
            diffs.append("the counts were edited")
    return diffs


def _poll_problems(
    poll_id: int,
    poll: Poll | None,
    rows: list[SealedBallot],
    entries: dict[tuple[str, str], dict[str, Any]],
    voted: int,
) -> list[tuple[BallotTamper, str]]:
    found: list[tuple[BallotTamper, str]] = []
    for row in rows:
        if ballot_crypto.tracker(row.sealed) != row.tracker:
            found.append((BallotTamper.ALTERED, _code(row.tracker)))
    if poll is None or poll.status == PollStatus.DRAFT:
        found.extend((BallotTamper.UNPUBLISHED, _code(row.tracker)) for row in rows)
        return found
    if poll.status == PollStatus.OPEN:
        if len(rows) != voted:
            found.append((BallotTamper.COUNT, f"{len(rows)} ≠ {voted}"))
        return found
    close = entries.get(("poll.close", f"poll:{poll_id}"))
    if close is None:
        found.append((BallotTamper.NO_CLOSE, f"poll:{poll_id}"))
        close = {}
    try:
        published = json.loads(poll.trackers or "[]")
        assert isinstance(published, list) and all(isinstance(t, str) for t in published)
    except (ValueError, AssertionError):
        found.append((BallotTamper.LIST, "not a list of trackers"))
        published = []
    if published != sorted(set(published)) or not ballot_crypto.verify_chain(
        published, poll_id, poll.chain_head or ""
    ):
        found.append((BallotTamper.LIST, f"{len(published)} trackers do not rebuild the chain head"))
    if close and poll.chain_head != close.get("chain_head"):
        found.append((BallotTamper.HEAD, f"{close.get('chain_head')} ≠ {poll.chain_head}"))
    if close and len(published) != close.get("voted"):
        found.append(
            (BallotTamper.LIST, f"{len(published)} trackers for {close.get('voted')} ballots counted")
        )
    sealed_trackers = {row.tracker for row in rows}
    found.extend((BallotTamper.UNPUBLISHED, _code(t)) for t in sorted(sealed_trackers - set(published)))
    found.extend((BallotTamper.MISSING, _code(t)) for t in sorted(set(published) - sealed_trackers))
    if close:
        tally_entry = entries.get(("poll.tally", f"poll:{poll_id}"))
        found.extend((BallotTamper.RESULT, diff) for diff in _check_result(poll, close, tally_entry))
    return found


async def verify_polls(db: Database) -> list[PollProblem]:
    """Check every poll's sealed ballots, published trackers, chain head and result against what
    was stored at cast and at close (the trackers, the close entry of the audit log).

    The audit chain itself is checked by `audit.verify`; this relies on its close entries."""
    problems: list[PollProblem] = []
    async with db.session() as session:
        polls = {p.id: p for p in await session.exec(select(Poll).order_by(col(Poll.id)))}
        entries: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in await session.exec(
            select(AuditEntry).where(col(AuditEntry.action).in_(("poll.close", "poll.tally")))
        ):
            try:
                entries[(entry.action, entry.subject)] = json.loads(entry.details)
            except ValueError:
                entries[(entry.action, entry.subject)] = {}
        ballot_polls = set(await session.exec(select(SealedBallot.poll_id).distinct()))
        voted_counts = dict(
            (
                await session.exec(
                    select(Participation.poll_id, func.count()).group_by(col(Participation.poll_id))
                )
            ).all()
        )
    for poll_id in sorted(p for p in set(polls) | ballot_polls if p is not None):
        async with db.session() as session:
            rows = list(await session.exec(select(SealedBallot).where(SealedBallot.poll_id == poll_id)))
        found = _poll_problems(poll_id, polls.get(poll_id), rows, entries, voted_counts.get(poll_id, 0))
        problems.extend(PollProblem(poll_id, kind, detail) for kind, detail in found)
    return problems


async def school_year_id_of(db: Database, name: str) -> int | None:
    async with db.session() as session:
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == name))).first()
        return year.id if year else None


__all__ = ["Position"]
