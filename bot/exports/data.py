"""Plain data the export renderers take: the service fills them, the renderers never query.

Datetimes here are already in the bot's time zone. Ballot data are the aggregates the ballots
recorded (Poll.result), never a single voter's choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Issuer:
    authority: str  # "Sở Giáo dục và Đào tạo thành phố Cần Thơ"
    place: str  # "Cần Thơ"
    bloc_name: str  # "Khối thi đua số 2"
    bloc_number: int
    school_year: str  # "2026-2027"
    head_unit: str = ""
    head_name: str = ""


# ------------------------------------------------------------------ registration summary
@dataclass(frozen=True)
class RegistrationRow:
    unit_name: str
    position: str  # head | deputy | member
    title: str  # the collective title registered, "" when not registered
    targets: tuple[str, ...]
    individuals: dict[str, int]  # individual title -> how many people registered for it
    new_model: str
    projects: tuple[str, ...]
    submitted_at: datetime | None
    version: int
    signed_at: datetime | None
    status: str  # considered | not_considered | deferred
    reasons: tuple[str, ...]


# ------------------------------------------------------------------ scores
@dataclass(frozen=True)
class CriterionColumn:
    code: str
    content_code: str
    content_title: str
    title: str
    max_points: Decimal


@dataclass(frozen=True)
class ScoreCell:
    self_score: Decimal | None
    proposed: Decimal | None
    reason: str | None
    answer: str | None
    final: Decimal | None
    review: str
    evidence: tuple[str, ...]  # links, notes, file names


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    what: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class UnitScores:
    unit_id: int
    unit_name: str
    status: str | None  # draft | submitted | final; None: no sheet yet
    cells: dict[str, ScoreCell]  # by criterion code
    history: tuple[HistoryRow, ...] = ()
    rank: int | None = None  # final sheets only

    @property
    def self_total(self) -> Decimal:
        return sum((c.self_score for c in self.cells.values() if c.self_score is not None), Decimal(0))

    @property
    def final_total(self) -> Decimal:
        return sum((c.final for c in self.cells.values() if c.final is not None), Decimal(0))


@dataclass(frozen=True)
class ScoreBook:
    issuer: Issuer
    criteria: tuple[CriterionColumn, ...]
    units: tuple[UnitScores, ...]  # ranked finals first, then the others in bloc order
    issued_on: date | None = None  # the date under the motto; the export's day


# ------------------------------------------------------------------ ballots and the minutes
@dataclass(frozen=True)
class BallotLine:
    position: int
    label: str
    votes: int  # agree (approval) or picked (selection, election)
    disagree: int
    abstain: int
    blank: int
    share: Fraction
    passed: bool
    elected: bool


@dataclass(frozen=True)
class BallotRecord:
    title: str
    kind: str  # approval | selection | election
    secret: bool
    absentee_allowed: bool
    threshold: Fraction
    threshold_base: str  # present | voted | all_members
    seats: int | None
    members: int
    present: int
    entitled: int
    voted: int
    absentee_voted: int
    invalid: int
    blank_ballots: int
    quorum_needed: int
    quorate: bool
    base_size: int
    needed: int
    lines: tuple[BallotLine, ...]
    elected: tuple[str, ...]  # labels, best first
    tie: tuple[str, ...]  # labels level at the last seat
    tie_seats: int
    unfilled_seats: int
    trackers: int
    chain_head: str
    closed_at: datetime | None
    tracker_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MinutesData:
    issuer: Issuer
    meeting_id: int
    kind_title: str  # "Họp tổng kết, bình xét thi đua"
    # The real times: opened (the chair pressed start) and closed; None when that never happened.
    # The scheduled time is never printed as the start; it dates a meeting that was not held.
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    agenda: str
    chair: str
    chair_unit: str
    secretary: str
    members: tuple[str, ...]
    present: tuple[str, ...]
    absent: tuple[str, ...]
    quorum_needed: int
    ballots: tuple[BallotRecord, ...]
    # Who represented each unit present (unit name -> the person who checked it in).
    representatives: dict[str, str] = field(default_factory=dict)
    counting_committee: tuple[str, ...] = ()
    council_representative: str = ""
    ranking: tuple[RankBar, ...] = ()  # the score ranking the head reports before the vote
    max_total: Decimal = Decimal(0)
    scheduled_at: datetime | None = None
    chair_office: str = "Khối trưởng"  # "Khối phó" when the deputy chairs; "" for anyone else

    @property
    def quorate(self) -> bool:
        return bool(self.members) and len(self.present) >= self.quorum_needed

    @property
    def dated_at(self) -> datetime:
        """When the document is dated: the real start, else the time it was planned for."""
        when = self.starts_at or self.scheduled_at
        assert when is not None, "minutes need a start or a scheduled time"
        return when

    @property
    def held_on(self) -> date:
        return self.dated_at.date()


# ------------------------------------------------------------------ nominees and the proposal
@dataclass(frozen=True)
class Proposed:
    """One unit the bloc's ballots chose for an award it proposes (a Cờ thi đua, a Bằng khen)."""

    award: str  # the full official name
    award_order: int
    unit_name: str
    total: Decimal | None  # the final score, None when the unit has no final sheet
    rank: int | None
    ranked: int  # how many units were ranked
    max_total: Decimal
    votes: int
    base: int
    share: Fraction
    summary: str  # Tóm tắt thành tích: what the unit registered and achieved, from the bot's data
    contact: str  # Số điện thoại / email


@dataclass(frozen=True)
class Nominee:
    """A person a unit proposes for its own staff (seed 002's columns)."""

    name: str
    unit: str  # Đơn vị công tác
    seniority: str  # Thâm niên giảng dạy: not kept by the bot, left for the unit to fill
    summary: str  # Tóm tắt thành tích
    contact: str  # Số điện thoại / email
    title: str  # the title proposed


@dataclass(frozen=True)
class NomineeList:
    issuer: Issuer
    collectives: tuple[Proposed, ...]
    individuals: tuple[Nominee, ...]
    issued_on: date


@dataclass(frozen=True)
class ProposalData:
    issuer: Issuer
    issued_on: date
    minutes_date: date | None
    meeting_kind: str
    proposals: tuple[Proposed, ...]
    enclosures: tuple[str, ...]
    extra: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RankBar:
    unit_name: str
    total: Decimal
    rank: int


@dataclass(frozen=True)
class AchievementReport:
    """What the bot knows of one proposed unit, for its Báo cáo tóm tắt thành tích: the unit
    completes the rest (its history, past awards) before it signs."""

    issuer: Issuer
    unit_name: str
    award: str
    contact: str
    registration: RegistrationRow | None
    criteria: tuple[CriterionColumn, ...]
    scores: UnitScores | None
    ranked: int
    votes: str  # "8/10 phiếu (80,00%)"
    issued_on: date
