"""The organisation: who competes with whom, in which school year, and who speaks for them.

docs/domain.md's code names: Authority (Sở/Phòng GD&ĐT), SchoolYear (năm học), Bloc (khối thi đua),
Unit (đơn vị thành viên), the unit's place in a bloc for one year (member / head / deputy), and
Person, the human at the keyboard, with roles that say for which unit or bloc they act.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Position(StrEnum):
    """A unit's place in its bloc for a year (khối trưởng, khối phó, thành viên)."""

    MEMBER = "member"
    HEAD = "head"
    DEPUTY = "deputy"


class RoleKind(StrEnum):
    """What a person does; head and deputy come from the unit they represent."""

    REP = "rep"  # đại diện đơn vị
    SECRETARIAT = "secretariat"  # Bộ phận Thường trực
    HEAD_OFFICE = "head_office"  # acts for the head (văn phòng khối trưởng)
    # For the whole authority, not one bloc (issue 18): the district/department's emulation desk
    # (bộ phận thi đua khen thưởng), which receives nominations of exemplars, and the members of
    # the Hội đồng Thi đua – Khen thưởng, who vote on people for the higher titles.
    EMULATION_DESK = "emulation_desk"
    COUNCIL_MEMBER = "council_member"


AUTHORITY_ROLES = frozenset({RoleKind.EMULATION_DESK, RoleKind.COUNCIL_MEMBER})


class Authority(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=255)


class SchoolYear(SQLModel, table=True):
    __tablename__ = "school_year"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=16)  # "2021-2022"
    starts_on: date
    ends_on: date


class Bloc(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("authority_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    number: int
    name: str = Field(max_length=255)


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("authority_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    name: str = Field(max_length=255)
    name_key: str = Field(max_length=255)  # models.text.name_key(name): how duplicates are found
    contact_name: str | None = Field(default=None, max_length=255)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=255)


class BlocMembership(SQLModel, table=True):
    """A unit's membership of a bloc for one school year."""

    __tablename__ = "bloc_membership"
    __table_args__ = (
        UniqueConstraint("school_year_id", "bloc_id", "unit_id"),
        CheckConstraint("position IN ('member', 'head', 'deputy')", name="ck_bloc_membership_position"),
        # One head and one deputy per bloc and year: the database says no even if a service forgets.
        Index(
            "uq_bloc_membership_office",
            "school_year_id",
            "bloc_id",
            "position",
            unique=True,
            sqlite_where=text("position != 'member'"),
            postgresql_where=text("position != 'member'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    bloc_id: int = Field(foreign_key="bloc.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    position: str = Field(default=Position.MEMBER, max_length=16)


class Person(SQLModel, table=True):
    """A chat user. Telegram ids exceed 32 bits, hence BIGINT."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    zalo_id: str | None = Field(default=None, unique=True, max_length=64)
    full_name: str = Field(default="", max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="vi", max_length=8)
    is_admin: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonRole(SQLModel, table=True):
    """A person's role for a unit (rep), a bloc (secretariat, head's office) or the whole
    authority (emulation desk, council member) in one school year."""

    __tablename__ = "person_role"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('rep', 'secretariat', 'head_office', 'emulation_desk', 'council_member')",
            name="ck_person_role_kind",
        ),
        CheckConstraint(
            "(kind = 'rep' AND unit_id IS NOT NULL)"
            " OR (kind IN ('emulation_desk', 'council_member') AND authority_id IS NOT NULL)"
            " OR (kind IN ('secretariat', 'head_office') AND bloc_id IS NOT NULL)",
            name="ck_person_role_target",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    kind: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    bloc_id: int | None = Field(default=None, foreign_key="bloc.id", index=True)
    authority_id: int | None = Field(default=None, foreign_key="authority.id", index=True)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invite(SQLModel, table=True):
    """A single-use, expiring invitation to represent a unit.

    Only the SHA-256 of the token is stored: whoever reads the database or a backup cannot
    use an invite that has not been opened yet.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    school_year_id: int = Field(foreign_key="school_year.id")
    bloc_id: int = Field(foreign_key="bloc.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(default=RoleKind.REP, max_length=16)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_person_id: int | None = Field(default=None, foreign_key="person.id")
