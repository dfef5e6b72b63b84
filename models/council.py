"""The council's secret ballot on people (Hội đồng Thi đua – Khen thưởng; seed 004 §II.7).

The voters are the council's members (people, not units), so the bloc ballot's tables, keyed by
unit, do not fit as they are; these tables have the same secrecy shape (models/meetings.py): who
voted (`council_participation`) and what was voted (`council_sealed_ballot`) share no key, carry
no time, have random keys and, on SQLite, no row id. The sealing, trackers, hash chain, rules,
tally and audit log are the blocs' own (bot/ballot_crypto.py, models/vote_rules.py,
bot/services/audit.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models import conference, nominations, organisation  # noqa: F401  (the tables its foreign keys name)
from models.meetings import PollStatus, random_id
from models.types import UTCDateTime


def crypto_id(poll_id: int) -> str:
    """The id the ballots are sealed for: never equal to a bloc poll's id, so a sealed ballot
    cannot be moved between a bloc poll and a council poll."""
    return f"council:{poll_id}"


class CouncilPoll(SQLModel, table=True):
    __tablename__ = "council_poll"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=8)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    title: str = Field(max_length=255)
    rules: str = Field(sa_type=Text)  # RuleSet.to_dict(), frozen at opening
    status: str = Field(default=PollStatus.OPEN, max_length=16)
    public_key: bytes | None = Field(default=None, sa_type=LargeBinary)
    sealed_private_key: bytes | None = Field(default=None, sa_type=LargeBinary)
    members: int = Field(default=0)  # every council member, snapshot at opening
    present: int = Field(default=0)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str | None = Field(default=None, sa_type=Text)  # counts only
    trackers: str | None = Field(default=None, sa_type=Text)
    chain_head: str | None = Field(default=None, max_length=64)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    # Set when the voters are the honours conference's delegates approving the list of delegates
    # to the higher congress (seed 003), not the council.
    conference_id: int | None = Field(default=None, foreign_key="conference.id")
    # Set when the voters are a school's own staff (or its own council) voting on a person it
    # means to nominate (seed 004 §II.5–6): the school's vote attached to a nomination.
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)


class CouncilCandidate(SQLModel, table=True):
    __tablename__ = "council_candidate"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="council_poll.id", index=True)
    position: int
    nomination_id: int | None = Field(default=None, foreign_key="nomination.id")
    label: str = Field(max_length=255)


class CouncilVoter(SQLModel, table=True):
    """The entitled list at opening: every member, present or voting by absentee ballot."""

    __tablename__ = "council_voter"
    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="council_poll.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    present: bool


class CouncilParticipation(SQLModel, table=True):
    """Who voted: no time, no choice, a random key. `receipt`: the voter's own tracker, encrypted
    under a key only the running bot holds (bot/services/receipts.py), so /kiemtra can show it again."""

    __tablename__ = "council_participation"
    __table_args__ = (UniqueConstraint("poll_id", "person_id"), {"sqlite_with_rowid": False})

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    poll_id: int = Field(foreign_key="council_poll.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    receipt: bytes | None = Field(default=None, sa_type=LargeBinary)


class CouncilSealedBallot(SQLModel, table=True):
    """What was voted: sealed, with its tracker. No voter, no time, a random key."""

    __tablename__ = "council_sealed_ballot"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    poll_id: int = Field(foreign_key="council_poll.id", index=True)
    sealed: bytes = Field(sa_type=LargeBinary)
    tracker: str = Field(unique=True, max_length=64)


class CouncilBallotCode(SQLModel, table=True):
    """A one-time code that puts its bearer on a school's ballot (the school's staff are not in the
    roster): the representative hands one to each person taking part. Only its hash is kept, and
    nothing ties a code to the person who used it or to a sealed ballot."""

    __tablename__ = "council_ballot_code"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="council_poll.id", index=True)
    code_hash: str = Field(unique=True, max_length=64)
    used: bool = Field(default=False)
