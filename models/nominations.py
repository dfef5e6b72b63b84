"""Nominations of exemplars and individuals (issue 18; seeds 002 and 004 §II.6–7): tables and rules.

Seed 002: "Khen thưởng điển hình tiên tiến thực hiện thường xuyên, không xét chung với khen thưởng
tổng kết phong trào thi đua hàng năm" — a school sends its dossier (Tờ trình, Biên bản họp bình xét,
Tóm tắt thành tích) to the emulation desk as soon as it finds an exemplar, at any time of the year.
The desk accepts, returns it with a reason (the school fixes it and sends it again; the history is
kept), or rejects it with a reason.

Seed 004 §II.6–7: "Chiến sĩ thi đua cơ sở" needs ≥ 70 % of those present or consulted at the
school's own vote; "Chiến sĩ thi đua cấp thành phố" and higher need the council's secret ballot at
≥ 90 % of ALL its members (models.vote_rules.higher_title_rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from models import council, organisation  # noqa: F401  (the tables its foreign keys name)
from models.numbers import parse_int
from models.text import name_key, nfc
from models.types import UTCDateTime, utcnow
from models.vote_rules import RuleSet, higher_title_rules, ordinary_title_rules


class NomineeKind(StrEnum):
    PERSON = "person"  # cá nhân
    COLLECTIVE = "collective"  # tập thể


class Title(StrEnum):
    """What the school proposes. The official words are Vietnamese: they go into documents."""

    EXEMPLAR = "exemplar"  # Điển hình tiên tiến (seed 002)
    CSTD_BASE = "cstd_base"  # Chiến sĩ thi đua cơ sở (seed 004 §II.6)
    CSTD_CITY = "cstd_city"  # Chiến sĩ thi đua cấp thành phố (seed 004 §II.7)


TITLE_NAMES: dict[Title, str] = {
    Title.EXEMPLAR: "Điển hình tiên tiến",
    Title.CSTD_BASE: "Chiến sĩ thi đua cơ sở",
    Title.CSTD_CITY: "Chiến sĩ thi đua cấp thành phố",
}


def school_vote_rules(title: Title) -> RuleSet:
    """The vote the school's own meeting holds: ≥ 70 % of those present or consulted."""
    return ordinary_title_rules()


def needs_council(title: Title) -> bool:
    """The titles above the base level go on to the council's secret ballot (≥ 90 % of all)."""
    return title is Title.CSTD_CITY


def council_rules() -> RuleSet:
    return higher_title_rules()


class NominationStatus(StrEnum):
    SUBMITTED = "submitted"  # at the desk (first time, or sent again after a return)
    RETURNED = "returned"  # back at the school with the desk's reason
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Action(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    RETURN = "return"
    ACCEPT = "accept"
    REJECT = "reject"


_MOVES: dict[tuple[NominationStatus, Action], NominationStatus] = {
    (NominationStatus.SUBMITTED, Action.RETURN): NominationStatus.RETURNED,
    (NominationStatus.SUBMITTED, Action.ACCEPT): NominationStatus.ACCEPTED,
    (NominationStatus.SUBMITTED, Action.REJECT): NominationStatus.REJECTED,
    (NominationStatus.RETURNED, Action.RESUBMIT): NominationStatus.SUBMITTED,
}
REASON_REQUIRED = frozenset({Action.RETURN, Action.REJECT})


def next_status(status: NominationStatus, action: Action) -> NominationStatus | None:
    """Where a nomination goes, or None when the move is not allowed from where it is
    (a decided nomination stays decided; only a returned one can be sent again)."""
    return _MOVES.get((NominationStatus(status), Action(action)))


class VoteKind(StrEnum):
    """The school's own vote, required with every nomination."""

    MEETING = "meeting"  # a ballot held in the bot: its poll, and the minutes the bot writes
    PAPER = "paper"  # minutes of a vote held on paper, uploaded


# Statuses that hold the person's place for the title in the year: a rejected one frees it.
HOLDS_PLACE = (NominationStatus.SUBMITTED, NominationStatus.RETURNED, NominationStatus.ACCEPTED)


class Nomination(SQLModel, table=True):
    """One collective or person proposed by a school, with the school's own vote attached."""

    __table_args__ = (
        # One nomination per person per title per year (a rejected one does not count): the
        # database says no even if two representatives of the school send at the same moment.
        Index(
            "uq_nomination_person_title_year",
            "school_year_id",
            "title",
            "unit_id",
            "name_key",
            unique=True,
            sqlite_where=text("status != 'rejected'"),
            postgresql_where=text("status != 'rejected'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)  # the nominating school
    kind: str = Field(default=NomineeKind.PERSON, max_length=16)
    title: str = Field(max_length=16)
    full_name: str = Field(max_length=255)
    name_key: str = Field(max_length=255)
    position: str = Field(default="", max_length=255)  # chức vụ
    workplace: str = Field(default="", max_length=255)  # đơn vị công tác
    teaching_years: int | None = Field(default=None)  # thâm niên giảng dạy
    summary: str = Field(default="", sa_type=Text)  # one paragraph, for the DANH SÁCH
    achievements: str = Field(default="", sa_type=Text)  # the full Tóm tắt thành tích
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=255)
    vote_kind: str = Field(max_length=16)
    # The school's own ballot held in the bot (models.council.CouncilPoll with its unit_id).
    school_poll_id: int | None = Field(default=None, foreign_key="council_poll.id")
    minutes_file_key: str | None = Field(default=None, max_length=64)
    minutes_file_name: str | None = Field(default=None, max_length=255)
    status: str = Field(default=NominationStatus.SUBMITTED, max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)  # the desk's last reason
    submitted_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NominationEvent(SQLModel, table=True):
    """The history: every submission, return, resubmission and decision, with its reason."""

    __tablename__ = "nomination_event"

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True)
    action: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)
    by_person_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NominationFile(SQLModel, table=True):
    """Evidence the school attached, kept in the bot's file store by its SHA-256 key."""

    __tablename__ = "nomination_file"

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True)
    file_key: str = Field(max_length=64)
    name: str = Field(max_length=255)
    mime: str | None = Field(default=None, max_length=127)


# --------------------------------------------------------------------------- pure checks
class Problem(StrEnum):
    """Why a nomination is refused; the service maps each to a catalogue message."""

    NO_NAME = "no_name"
    NO_ACHIEVEMENTS = "no_achievements"
    NO_VOTE = "no_vote"
    VOTE_NOT_PASSED = "vote_not_passed"
    ALREADY_NOMINATED = "already_nominated"
    BAD_YEARS = "bad_years"


@dataclass(frozen=True)
class Draft:
    """What the school has typed so far, before it is sent."""

    kind: NomineeKind
    title: Title
    full_name: str
    achievements: str
    vote_kind: VoteKind | None
    vote_passed: bool | None = None  # a ballot in the bot: did the person reach 70 %?
    minutes_file_key: str | None = None


def problems(draft: Draft, already: Iterable[str]) -> list[Problem]:
    """Everything wrong with a draft. ``already``: the name keys the school has nominated for this
    title this year (not counting rejected nominations)."""
    out: list[Problem] = []
    if not nfc(draft.full_name).strip():
        out.append(Problem.NO_NAME)
    if not nfc(draft.achievements).strip():
        out.append(Problem.NO_ACHIEVEMENTS)
    if draft.vote_kind is None or (draft.vote_kind is VoteKind.PAPER and not draft.minutes_file_key):
        out.append(Problem.NO_VOTE)
    elif draft.vote_kind is VoteKind.MEETING and draft.vote_passed is not True:
        out.append(Problem.VOTE_NOT_PASSED)
    if name_key(draft.full_name) in set(already):
        out.append(Problem.ALREADY_NOMINATED)
    return out


def parse_years(text_: str) -> int | None:
    """Years of teaching, "12" or "12 năm"; None when it is not a whole number 0–60."""
    # ASCII digits only: "²" passes isdigit() and fails int() (a crash found by the fuzz).
    words = nfc(text_).strip().split()
    return parse_int(words[0], minimum=0, maximum=60) if words else None
