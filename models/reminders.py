"""Tables for the timetable, milestones, reminders and their sends (issue 6).

The database is the source of truth for every ping (docs/architecture.md): PTB's JobQueue forgets its jobs
on a restart, so a due time lives in a row and one periodic sweep sends what is due.

Two levels, so that the roster may change after the timetable was loaded:

* `reminder` — "remind bloc B's units (or its head) about milestone M at time T". Created when
  the timetable is saved (or by a snooze, the head's ad-hoc reminder, the daily overdue list).
  `dedupe_key` is UNIQUE: the same reminder can never be created twice.
* `reminder_send` — one message to one person, created when its reminder comes due ("expanded"),
  from the roster and the progress *of that moment*. UNIQUE (reminder, person): a second sweep or a
  restart finds the row and sends nothing new. A send is claimed (token + time) before the message
  goes out and marked sent in its own commit after Telegram accepted it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.types import UTCDateTime, utcnow


class ReminderKind(StrEnum):
    PING = "ping"  # the scheduled ones: a week before, two days before, on the day
    SNOOZE = "snooze"  # a person asked to be reminded again (once)
    ADHOC = "adhoc"  # the head reminded the units missing an item
    OVERDUE = "overdue"  # the head's daily list of overdue items
    UNREACHABLE = "unreachable"  # tells the head that a person blocked the bot


class ReminderStatus(StrEnum):
    PENDING = "pending"  # not yet due, or due and waiting for the sweep
    EXPANDED = "expanded"  # its sends were created
    SUPERSEDED = "superseded"  # a later ping for the same thing came due first (the bot was down)
    IRRELEVANT = "irrelevant"  # came due after the deadline had passed, or its milestone is gone


class SendStatus(StrEnum):
    PENDING = "pending"  # to send (claim_token says whether a sweep is sending it right now)
    SENT = "sent"
    SKIPPED = "skipped"  # skip_reason: done, muted, superseded, irrelevant
    UNREACHABLE = "unreachable"  # Telegram said 403: blocked, or never started the bot
    FAILED = "failed"  # gave up after MAX_ATTEMPTS transient failures


class Milestone(SQLModel, table=True):
    """One row of a school year's timetable ("Khung kế hoạch thời gian").

    `bloc_id` is None for the department's timetable (every bloc), or the bloc whose own
    timetable it is. Re-importing a timetable updates its rows by `number`.
    """

    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    bloc_id: int | None = Field(default=None, foreign_key="bloc.id", index=True)
    number: int
    title: str = Field(sa_type=Text)
    due_kind: str = Field(max_length=16)  # models.timetable.DueKind
    due_text: str = Field(max_length=255)  # as written: "Trước ngày 11/11/2023"
    starts_on: date | None = None
    due_on: date  # the last day on which it may still be done
    audiences: str = Field(max_length=64)  # comma-separated models.timetable.Audience values
    blocs: str = Field(default="", max_length=255)  # bloc numbers written in the row; "" = every bloc
    responsible_text: str = Field(max_length=255)
    task: str | None = Field(
        default=None, max_length=16
    )  # bot.services.progress.Task, when the bot can do it
    source_row: int = 0
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    imported_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class TimetableDraft(SQLModel, table=True):
    """A parsed timetable shown to its importer for confirmation; saved only on "Lưu"."""

    __tablename__ = "timetable_draft"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    bloc_id: int | None = Field(default=None, foreign_key="bloc.id")
    rows_json: str = Field(sa_type=Text)  # the table's cells, re-parsed on save (never trust a stale parse)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReminderSchedule(SQLModel, table=True):
    """A bloc's ping schedule; a bloc without a row uses the defaults below."""

    __tablename__ = "reminder_schedule"

    bloc_id: int = Field(foreign_key="bloc.id", primary_key=True)
    offsets_days: str = Field(default="7,2,0", max_length=64)  # days before the last day
    send_at: str = Field(default="08:00", max_length=5)  # local time of day
    quiet_start: str = Field(default="21:00", max_length=5)
    quiet_end: str = Field(default="07:00", max_length=5)


class Reminder(SQLModel, table=True):
    __tablename__ = "reminder"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=16)
    status: str = Field(default=ReminderStatus.PENDING, max_length=16, index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    audience: str = Field(max_length=16)  # "units" or "heads"
    offset_days: int | None = None
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # only this unit (a snooze)
    person_id: int | None = Field(default=None, foreign_key="person.id")  # only this person (a snooze)
    subject_person_id: int | None = Field(default=None, foreign_key="person.id")  # who blocked the bot
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    expanded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderSend(SQLModel, table=True):
    __tablename__ = "reminder_send"
    __table_args__ = (UniqueConstraint("reminder_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int = Field(foreign_key="reminder.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    status: str = Field(default=SendStatus.PENDING, max_length=16, index=True)
    skip_reason: str | None = Field(default=None, max_length=32)
    not_before: datetime = Field(sa_type=UTCDateTime, index=True)  # quiet hours and retries push it on
    claim_token: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # Telegram's ids, as rows written before Zalo kept them (read only, never written now).
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    # Where the ping went: the channel, its chat id and message id as the platform writes them.
    channel: str | None = Field(default=None, max_length=16)
    chat_ref: str | None = Field(default=None, max_length=64)
    message_ref: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MilestoneMute(SQLModel, table=True):
    """A person asked not to be reminded about this milestone again."""

    __tablename__ = "milestone_mute"
    __table_args__ = (UniqueConstraint("milestone_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    muted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonReach(SQLModel, table=True):
    """A person their app refused to deliver to (blocked): not retried until they write to the bot
    again, from any of their apps (`reason` names the channel)."""

    __tablename__ = "person_reach"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    unreachable_since: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(max_length=255)
