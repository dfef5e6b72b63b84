"""The honours conference (Hội nghị điển hình tiên tiến, seed 003): tables and its pure rules.

"Số lượng: tối đa 200 đại biểu (70% là đại biểu điển hình tiên tiến, 30% là đại biểu khách mời)":
at most 200 delegates, of whom guests are at most 30 % of the list (so exemplars at least 70 %);
exemplars are chosen by the units within the quotas the Sở allocates. Every check is exact
integer arithmetic: 60 guests of 200 is exactly 30 %, 61 of 200 is over.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models import organisation  # noqa: F401  (the tables its foreign keys name)
from models.text import name_key
from models.types import UTCDateTime, utcnow
from models.vote_rules import BallotKind, RuleSet, ThresholdBase

MAX_DELEGATES = 200
GUEST_SHARE = Fraction(3, 10)  # at most; exemplars are the rest, so at least 70 %

# The fixed half-day programme (seed 003 §III.1), in order.
PROGRAMME: tuple[str, ...] = (
    "Chào cờ",
    "Tuyên bố lý do, giới thiệu đại biểu và khai mạc",
    "Báo cáo tổng kết phong trào thi đua và công tác khen thưởng 5 năm qua, phương hướng nhiệm vụ "
    "công tác thi đua, khen thưởng 5 năm tới",
    "Báo cáo tham luận, giao lưu của các điển hình tiên tiến",
    "Biểu dương, tôn vinh các điển hình tiên tiến",
    "Phát động phong trào thi đua giai đoạn mới",
    "Phát biểu hưởng ứng phong trào thi đua",
    "Thông qua danh sách đại biểu đi dự Đại hội cấp trên",
    "Tổng kết và bế mạc",
)


CONGRESS_TITLE = "Thông qua danh sách đại biểu đi dự Đại hội cấp trên"


def congress_rules() -> RuleSet:
    """The conference approves the list to the higher congress: a secret ballot of the delegates
    present, passed with at least half of them agreeing."""
    return RuleSet(
        kind=BallotKind.APPROVAL, threshold_fraction=Fraction(1, 2), threshold_base=ThresholdBase.PRESENT
    )


class DelegateKind(StrEnum):
    EXEMPLAR = "exemplar"  # đại biểu điển hình tiên tiến (chosen by a unit within its quota)
    GUEST = "guest"  # đại biểu khách mời


class DelegateStatus(StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Conference(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    authority_id: int = Field(foreign_key="authority.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    title: str = Field(max_length=255)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(default="", max_length=255)
    cap: int = Field(default=MAX_DELEGATES)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConferenceQuota(SQLModel, table=True):
    """Seats for exemplars the Sở allocates to one unit."""

    __tablename__ = "conference_quota"
    __table_args__ = (UniqueConstraint("conference_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    seats: int


class Delegate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conference_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    kind: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # None for a guest
    full_name: str = Field(max_length=255)
    name_key: str = Field(max_length=255)
    note: str = Field(default="", sa_type=Text)  # chức vụ, thành tích
    person_id: int | None = Field(default=None, foreign_key="person.id")  # invited privately
    status: str = Field(default=DelegateStatus.INVITED, max_length=16)
    proposed_for_congress: bool = Field(default=False)  # on the list the conference votes on
    to_congress: bool = Field(default=False)  # on the list to the higher congress, once approved
    # The private invitation: only the SHA-256 of the code the unit hands to its delegate.
    code_hash: str | None = Field(default=None, unique=True, max_length=64)


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class ListCheck:
    """Why a delegate list is refused, with how much it is over by (empty when it is fine)."""

    over_cap: int = 0  # delegates beyond the cap
    guests_over: int = 0  # guests to take off so that guests are at most 30 %
    over_quota: Mapping[int, int] = field(default_factory=dict)  # unit id → delegates beyond its quota
    no_quota: tuple[int, ...] = ()  # units with delegates but no quota
    duplicates: tuple[str, ...] = ()  # names given twice (as written the first time)

    @property
    def ok(self) -> bool:
        return not (self.over_cap or self.guests_over or self.over_quota or self.no_quota or self.duplicates)


def max_guests(total: int) -> int:
    """The most guests a list of ``total`` delegates may hold (30 %, rounded down)."""
    return math.floor(GUEST_SHARE * total)


def guests_to_remove(exemplars: int, guests: int) -> int:
    """The fewest guests to take off so that guests are at most 30 % of what is left.

    Removing k guests leaves (g - k) / (e + g - k) ≤ 3/10, i.e. 7k ≥ 10g - 3(e + g)."""
    excess = 10 * guests - 3 * (exemplars + guests)
    return max(0, math.ceil(Fraction(excess, 7)))


def check_list(
    exemplars_by_unit: Mapping[int, int],
    guests: int,
    quotas: Mapping[int, int],
    names: Sequence[str] = (),
    cap: int = MAX_DELEGATES,
) -> ListCheck:
    """The whole conference list against the cap, the 70/30 split, the quotas and duplicates."""
    exemplars = sum(exemplars_by_unit.values())
    total = exemplars + guests
    over_quota = {
        unit: count - quotas[unit]
        for unit, count in exemplars_by_unit.items()
        if unit in quotas and count > quotas[unit]
    }
    no_quota = tuple(
        sorted(unit for unit, count in exemplars_by_unit.items() if count and unit not in quotas)
    )
    seen: Counter[str] = Counter()
    duplicates: list[str] = []
    for name in names:
        key = name_key(name)
        seen[key] += 1
        if seen[key] == 2:
            duplicates.append(name)
    return ListCheck(
        over_cap=max(0, total - cap),
        guests_over=guests_to_remove(exemplars, guests),
        over_quota=over_quota,
        no_quota=no_quota,
        duplicates=tuple(duplicates),
    )


def check_planned(
    exemplars_by_unit: Mapping[int, int],
    guests: int,
    quotas: Mapping[int, int],
    names: Sequence[str] = (),
    cap: int = MAX_DELEGATES,
) -> ListCheck:
    """As `check_list`, while units are still naming their delegates: the seats allocated to
    units count as exemplars already, so the desk can add guests before every unit has answered
    (140 seats allocated + 60 guests is a full, valid list even when 10 exemplars are named)."""
    named = sum(exemplars_by_unit.values())
    planned = max(named, sum(quotas.values()))
    check = check_list(exemplars_by_unit, guests, quotas, names, cap)
    return replace(
        check, over_cap=max(0, planned + guests - cap), guests_over=guests_to_remove(planned, guests)
    )
