"""Tables for registration, the pact, criteria, self-scoring, review (issue 4).

Scores are exact decimals. They are stored as canonical strings ("7.50"), not as SQL NUMERIC:
SQLite gives NUMERIC columns REAL affinity, so a NUMERIC column would pass every score through a
binary float on one of the two backends. Totals are summed in Python (models.scoring_rules).
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.types import UTCDateTime, utcnow


class DecimalString(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text; never a float on the way in or out."""

    impl = String(24)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise TypeError(f"a score must be a Decimal, not {type(value).__name__}")
        return format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return stored_decimal(value)


def stored_decimal(value: Any) -> Decimal | None:
    """A DecimalString column's value as read back (for queries that read its text as text)."""
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # a hand-edited row; refuse rather than guess
        raise ValueError(f"not a decimal in the database: {value!r}") from exc


class Task(StrEnum):
    """The year's tasks a unit does by a deadline the head sets (same words as services.progress)."""

    REGISTER = "register"
    SIGN_PACT = "sign"
    SELF_SCORE = "score"


# The words the head types for a task (/hanchot dangky 30/11/2026, /mohan kyket 3).
TASK_WORDS: dict[str, Task] = {
    "dangky": Task.REGISTER,
    "register": Task.REGISTER,
    "kyket": Task.SIGN_PACT,
    "giaouoc": Task.SIGN_PACT,
    "sign": Task.SIGN_PACT,
    "chamdiem": Task.SELF_SCORE,
    "score": Task.SELF_SCORE,
}
REOPEN_DAYS = 7  # /mohan without a number of days: a week, for the bloc or for one unit


def deadline_at(day: date, zone: tzinfo) -> datetime:
    """A deadline "on 30/11" means until the end of that day where the bloc is (23:59:59)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def time_left(now: datetime, until: datetime) -> tuple[int, str]:
    """What is left before `until`, in the unit a person reads it by: whole days when a day or
    more is left, else hours (at least 1 while any time is left); (0, "hours") once it passed."""
    seconds = (until - now).total_seconds()
    if seconds <= 0:
        return 0, "hours"
    if seconds >= 86400:
        return int(seconds // 86400), "days"
    return max(1, int(seconds // 3600)), "hours"


class TaskDeadline(SQLModel, table=True):
    """The head's deadline for a task; `reopened_until` is set when the head reopens it."""

    __tablename__ = "task_deadline"
    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "task"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    task: str = Field(max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime)
    reopened_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    set_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class DeadlineExtension(SQLModel, table=True):
    """Extra time the head grants one unit for a task ("the school was on a trip"), beside the
    bloc's deadline and its reopening. Granting again replaces `until`; history keeps every grant."""

    __tablename__ = "deadline_extension"
    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "task", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    task: str = Field(max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    until: datetime = Field(sa_type=UTCDateTime)
    set_by_person_id: int = Field(foreign_key="person.id")
    set_at: datetime = Field(sa_type=UTCDateTime)


class ChangeHistory(SQLModel, table=True):
    """Every change to a registration, a score line, a scale, a deadline or an eligibility mark:
    who, when, from what, to what, and why. Rows are only ever added."""

    __tablename__ = "change_history"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    entity: str = Field(max_length=32)  # registration, score_line, scale, deadline, eligibility
    entity_id: int | None = None
    field: str = Field(default="", max_length=64)
    old_value: str | None = Field(default=None, sa_type=Text)
    new_value: str | None = Field(default=None, sa_type=Text)
    reason: str | None = Field(default=None, sa_type=Text)


class PendingReply(SQLModel, table=True):
    """What a person was asked to type next and about which row (a review proposal, an answer).

    Conversation state says only which question is open; this row says about what, so the
    answer still lands on the right line after a restart."""

    __tablename__ = "pending_reply"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    kind: str = Field(max_length=16)  # propose | answer
    ref_id: int
    asked_at: datetime = Field(sa_type=UTCDateTime)


# ------------------------------------------------------------------ registration
class RegistrationDraft(SQLModel, table=True):
    """What a representative has typed so far in /dangky, so a restart loses nothing."""

    __tablename__ = "registration_draft"
    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id")
    school_year_id: int = Field(foreign_key="school_year.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    payload: str = Field(default="{}", sa_type=Text)  # JSON of services.registration.Draft
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Registration(SQLModel, table=True):
    """A unit's confirmed registration for a year; amendments replace its lines and bump `version`."""

    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    collective_title: str = Field(max_length=64)
    new_model: str | None = Field(default=None, sa_type=Text)  # Mô hình mới, cách làm hay
    version: int = 1
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    submitted_by_person_id: int = Field(foreign_key="person.id")


class RegistrationTarget(SQLModel, table=True):
    __tablename__ = "registration_target"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    position: int
    text: str = Field(sa_type=Text)


class RegistrationIndividual(SQLModel, table=True):
    """A person of the unit and the individual title they aim for."""

    __tablename__ = "registration_individual"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    position: int
    full_name: str = Field(max_length=255)
    job: str = Field(default="", max_length=255)  # chức vụ
    title: str = Field(max_length=64)


class RegistrationProject(SQLModel, table=True):
    """A công trình (project) or chuyên đề (topic) the unit will present (seed 004 §II)."""

    __tablename__ = "registration_project"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    position: int
    kind: str = Field(max_length=16)  # project | topic
    title: str = Field(sa_type=Text)


# ------------------------------------------------------------------ criteria and the pact
class CriteriaScale(SQLModel, table=True):
    """A published point scale of a bloc for a year. Publishing again adds a new version; the pact
    is signed on one version, and the latest version is the one units score against."""

    __tablename__ = "criteria_scale"
    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    version: int
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_by_person_id: int = Field(foreign_key="person.id")


class ScaleContent(SQLModel, table=True):
    __tablename__ = "scale_content"
    __table_args__ = (UniqueConstraint("scale_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    scale_id: int = Field(foreign_key="criteria_scale.id", index=True)
    position: int
    code: str = Field(max_length=32)
    title: str = Field(sa_type=Text)
    point_total: Decimal = Field(sa_type=DecimalString)
    set_criteria_count: int


class ScaleCriterion(SQLModel, table=True):
    __tablename__ = "scale_criterion"
    __table_args__ = (UniqueConstraint("scale_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    scale_id: int = Field(foreign_key="criteria_scale.id", index=True)
    position: int
    content_code: str = Field(max_length=32)
    code: str = Field(max_length=32)
    title: str = Field(sa_type=Text)
    max_points: Decimal = Field(sa_type=DecimalString)
    step: Decimal = Field(sa_type=DecimalString)
    added_by_bloc: bool = False


class PactSignature(SQLModel, table=True):
    """A unit's signature of the pact (giao ước) on one scale version: a recorded act."""

    __tablename__ = "pact_signature"
    __table_args__ = (UniqueConstraint("scale_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scale_id: int = Field(foreign_key="criteria_scale.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    signed_at: datetime = Field(sa_type=UTCDateTime)


# ------------------------------------------------------------------ self-scoring and review
class SheetStatus(StrEnum):
    DRAFT = "draft"  # the unit is scoring
    SUBMITTED = "submitted"  # sent to the head; the secretariat reviews
    FINAL = "final"  # the head (with the deputy) agreed the final scores


class LineReview(StrEnum):
    PENDING = "pending"  # not reviewed yet
    ACCEPTED = "accepted"  # the secretariat accepted the unit's score
    PROPOSED = "proposed"  # another score proposed, waiting for the unit
    AGREED = "agreed"  # the unit accepted the proposal
    DISPUTED = "disputed"  # the unit answered; the head decides
    DECIDED = "decided"  # the head decided a disputed line


class ScoreSheet(SQLModel, table=True):
    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("scale_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    scale_id: int = Field(foreign_key="criteria_scale.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(default=SheetStatus.DRAFT, max_length=16)
    cursor: int = 0  # position of the criterion the representative is on (resume point)
    awaiting_evidence: bool = False
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finalised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScoreLine(SQLModel, table=True):
    __tablename__ = "score_line"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_code"),)

    id: int | None = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="score_sheet.id", index=True)
    criterion_code: str = Field(max_length=32)
    self_score: Decimal | None = Field(default=None, sa_type=DecimalString)
    review: str = Field(default=LineReview.PENDING, max_length=16)
    proposed_score: Decimal | None = Field(default=None, sa_type=DecimalString)
    proposed_reason: str | None = Field(default=None, sa_type=Text)
    unit_answer: str | None = Field(default=None, sa_type=Text)
    final_score: Decimal | None = Field(default=None, sa_type=DecimalString)


class ScoreEvidence(SQLModel, table=True):
    """A photo, document, link or note backing a line.

    A photo or document is kept in the bot's file store under `file_key` (its SHA-256); `value`
    is then only the platform's handle at the time. Rows from before the file store have no key:
    their `value` is a Telegram file_id, fetched from the Bot API when the evidence is packed."""

    __tablename__ = "score_evidence"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(foreign_key="score_line.id", index=True)
    kind: str = Field(max_length=16)  # photo | document | link | note
    value: str = Field(sa_type=Text)  # the link or note; for a file, the platform's handle
    file_name: str | None = Field(default=None, max_length=255)
    file_key: str | None = Field(default=None, max_length=64)  # bot.files.FileStore key
    mime: str | None = Field(default=None, max_length=127)
    caption: str | None = Field(default=None, sa_type=Text)  # what the person wrote with a photo
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by_person_id: int = Field(foreign_key="person.id")


# ------------------------------------------------------------------ eligibility
class Eligibility(StrEnum):
    CONSIDERED = "considered"  # được xét
    NOT_CONSIDERED = "not_considered"  # không xét
    DEFERRED = "deferred"  # chưa xét (inspection or complaint pending)


# The words the head types for a mark (/xetthidua 5 chuaxet Đang thanh tra).
ELIGIBILITY_WORDS: dict[str, Eligibility] = {
    "chuaxet": Eligibility.DEFERRED,
    "deferred": Eligibility.DEFERRED,
    "khongxet": Eligibility.NOT_CONSIDERED,
    "notconsidered": Eligibility.NOT_CONSIDERED,
    "xet": Eligibility.CONSIDERED,
    "considered": Eligibility.CONSIDERED,
}


class EligibilityMark(SQLModel, table=True):
    """What the head sets by hand: deferred (inspection, complaint) or not considered (party rating).

    One row per unit and year; clearing it sets status back to considered, and history keeps all."""

    __tablename__ = "eligibility_mark"
    __table_args__ = (UniqueConstraint("bloc_id", "school_year_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(max_length=16)
    reason: str = Field(default="", sa_type=Text)
    set_by_person_id: int = Field(foreign_key="person.id")
    set_at: datetime = Field(sa_type=UTCDateTime)
