"""How a person wants the hand-off notices addressed to them (issue 12)."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.types import UTCDateTime, utcnow

DIGEST_AT = time(16, 0)  # "one digest a day at 16:00", where the bloc is


class NoticePreference(SQLModel, table=True):
    """A person who chose one digest a day instead of a message for each event; no row means
    each event as it happens."""

    __tablename__ = "notice_preference"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    digest: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
