"""Tables for meetings, attendance, polls, ballots, trackers and the audit log (issue 5).

Secrecy is in the shape of the tables: who voted (`participation`) and what was voted
(`sealed_ballot`) share no key, carry no timestamp, and have random primary keys; on SQLite they
are WITHOUT ROWID tables so that not even the hidden row number follows the order of casting.
A sealed ballot can be opened only with the poll's private key, which is kept encrypted under
the ballot master key and destroyed once the poll is counted.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, tzinfo
from enum import StrEnum

from sqlalchemy import BigInteger, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.types import UTCDateTime, utcnow


class MeetingKind(StrEnum):
    PACT = "pact"  # ký kết giao ước thi đua
    MIDYEAR = "midyear"  # sơ kết học kỳ I (by 15/01, at the deputy's unit)
    YEAREND = "yearend"  # tổng kết, bình xét (by 15/06, at the head's unit)
    COUNCIL = "council"  # họp Hội đồng Thi đua – Khen thưởng


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class PollStatus(StrEnum):
    DRAFT = "draft"  # candidates and rules may still change
    OPEN = "open"
    CLOSED = "closed"  # counted; the private key is gone


# What each meeting is for (seed 000 §II.2.5), put on its card; official wording, so Vietnamese.
AGENDAS = {
    MeetingKind.PACT: "Phát động thi đua; ký kết giao ước thi đua; thống nhất tiêu chí, thang điểm.",
    MeetingKind.MIDYEAR: "Sơ kết học kỳ I; đánh giá thực hiện chỉ tiêu đã đăng ký; rà soát tiêu chí.",
    MeetingKind.YEAREND: (
        "Đánh giá thực hiện giao ước thi đua; bình chọn (bỏ phiếu) suy tôn các đơn vị tiêu biểu; "
        "bầu Khối trưởng, Khối phó năm học tới."
    ),
    MeetingKind.COUNCIL: "Xét đề nghị khen thưởng.",
}
_WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*(.*)$", re.S)


def parse_when(text: str, zone: tzinfo) -> tuple[datetime, str] | None:
    """ "15/06/2027 08:00 tại Trường X" → the time in the bot's zone and the place typed (may be
    empty); None when it is not a real date and time in that shape."""
    match = _WHEN.match(text)
    if match is None:
        return None
    day, month, year, hour, minute, place = match.groups()
    try:
        starts_at = datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=zone)
    except ValueError:
        return None
    return starts_at, place.strip().removeprefix("tại ").strip()


# Check-in codes: six digits, at most CHECKIN_TRIES wrong ones before a wait of CHECKIN_WAIT_MINUTES.
CHECKIN_CODE_DIGITS = 6
CHECKIN_TRIES = 5
CHECKIN_WAIT_MINUTES = 5


def random_id() -> str:
    return uuid.uuid4().hex


class BlocChat(SQLModel, table=True):
    """The bloc's Telegram group, where meetings and results are announced."""

    __tablename__ = "bloc_chat"

    bloc_id: int = Field(foreign_key="bloc.id", primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, unique=True)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    kind: str = Field(max_length=16)
    status: str = Field(default=MeetingStatus.PLANNED, max_length=16)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(max_length=255)
    agenda: str = Field(default="", sa_type=Text)
    checkin_code: str | None = Field(default=None, max_length=8)  # read out by the chair
    chair_person_id: int | None = Field(default=None, foreign_key="person.id")
    secretary_person_id: int | None = Field(default=None, foreign_key="person.id")
    # A chair or secretary with no chat account is typed by name; a name here is what the
    # minutes print (the chair's person, if any, still gets the chair's notices).
    chair_name: str = Field(default="", max_length=120)
    secretary_name: str = Field(default="", max_length=120)
    # For the minutes (seed 000 §II.2.5): the counting committee of the secret ballots, one name a
    # line, and the representative of the department's council when one attends.
    counting_committee: str = Field(default="", sa_type=Text)
    council_representative: str = Field(default="", max_length=255)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The chair's live card (edited as people check in).
    card_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    card_message_id: int | None = Field(default=None)


class Attendance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    present: bool = Field(default=True)
    checked_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    checked_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    by_person_id: int | None = Field(default=None, foreign_key="person.id")


class CheckinAttempt(SQLModel, table=True):
    """A person's wrong check-in codes for one meeting, kept in the database so that a restart or
    a second process does not hand out fresh tries: after CHECKIN_TRIES wrong codes the person
    waits until `locked_until` (a 6-digit code is then out of reach of guessing)."""

    __tablename__ = "checkin_attempt"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    failures: int = Field(default=0)  # wrong codes since the last wait (or success)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Poll(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=8)  # short random id for buttons (callback data ≤ 64 bytes)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    title: str = Field(max_length=255)
    rules: str = Field(sa_type=Text)  # RuleSet.to_dict() as JSON, frozen when the poll opens
    status: str = Field(default=PollStatus.DRAFT, max_length=16)
    runoff_of_poll_id: int | None = Field(default=None, foreign_key="poll.id")
    public_key: bytes | None = Field(default=None, sa_type=LargeBinary)
    sealed_private_key: bytes | None = Field(default=None, sa_type=LargeBinary)
    members: int = Field(default=0)  # snapshot at opening
    present: int = Field(default=0)  # snapshot at opening
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_minutes: int | None = Field(default=None)  # chosen in the draft; the deadline starts at opening
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str | None = Field(default=None, sa_type=Text)  # the tally, JSON; counts only
    trackers: str | None = Field(default=None, sa_type=Text)  # published list, JSON, sorted
    chain_head: str | None = Field(default=None, max_length=64)
    progress_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    progress_message_id: int | None = Field(default=None)
    progress_shown: int = Field(default=-1)  # the count last posted ("7 of 10 have voted")
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class PollCandidate(SQLModel, table=True):
    __tablename__ = "poll_candidate"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    position: int
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    label: str = Field(max_length=255)
    selected: bool = Field(default=True)  # the head may drop a candidate while the poll is a draft
    women_preferred: bool = Field(default=False)  # the optional tie rule (docs/domain.md)


class PollVoter(SQLModel, table=True):
    """The entitled list, snapshotted when the poll opens: present units, and absentees if allowed."""

    __tablename__ = "poll_voter"
    __table_args__ = (UniqueConstraint("poll_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    present: bool


class Participation(SQLModel, table=True):
    """Who voted: one row per (poll, unit). No time, no choice, a random key."""

    __table_args__ = (UniqueConstraint("poll_id", "unit_id"), {"sqlite_with_rowid": False})

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    # The unit's own tracker, encrypted under a key derived from the ballot master key
    # (bot/ballot_crypto.seal_receipt), so its representative can always see it again (/kiemtra);
    # without that key it links this row to no sealed ballot. docs/architecture.md "Secret ballots".
    receipt: bytes | None = Field(default=None, sa_type=LargeBinary, nullable=True)


class SealedBallot(SQLModel, table=True):
    """What was voted: the sealed ballot and its tracker. No voter, no time, a random key."""

    __tablename__ = "sealed_ballot"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    sealed: bytes = Field(sa_type=LargeBinary)
    tracker: str = Field(unique=True, max_length=64)


class AuditEntry(SQLModel, table=True):
    """An append-only, hash-chained log of meeting and ballot actions (never a ballot's content)."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_person_id: int | None = Field(default=None)
    action: str = Field(max_length=32)
    subject: str = Field(max_length=64)  # "meeting:3", "poll:7"
    details: str = Field(default="{}", sa_type=Text)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
