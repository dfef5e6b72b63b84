"""The timetable and the reminder sweep, with a fake Telegram that records each send."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.db import Database
from bot.services import reminders, timetable
from bot.services.demo import load_demo
from bot.services.reminders import Delivery, Outcome, Outgoing
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind
from tests.auxil.clock import Clock

VN = ZoneInfo("Asia/Ho_Chi_Minh")


AUTHORITY = "Sở Giáo dục và Đào tạo thành phố Cần Thơ"


# Due 07/12/2026 (the day before 08/12): pings 30/11, 05/12 and 07/12 at 08:00 in Hồ Chí Minh City.
TABLE_2026 = "\n".join(
    [
        "TT | Nội dung | Thời gian hoàn thành | Đơn vị thực hiện",
        "1 | Nộp hồ sơ đăng ký thi đua về Phòng GDĐT | Trước ngày 08/12/2026 | Các đơn vị trực thuộc Phòng GDĐT",
        "2 | Báo cáo sơ kết của Khối | Trước ngày 15/01/2027 | Khối trưởng các Khối thi đua số 1,2,3,4",
    ]
)


def local(day: int, month: int, year: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VN).astimezone(UTC)


class Crash(BaseException):
    """The process dies (a BaseException, like SIGKILL's effect: nothing after it runs)."""


class FakeTelegram:
    """Records each send; `blocked` chats answer 403; `crash_after` dies mid-sweep like a killed process."""

    def __init__(
        self, clock: Clock, *, blocked: set[int] | None = None, crash_after: int | None = None
    ) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, Outgoing]] = []
        self.blocked = blocked or set()
        self.crash_after = crash_after

    async def __call__(self, outgoing: Outgoing) -> Outcome:
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash
        if outgoing.person_id in self.blocked:
            return Outcome(Delivery.BLOCKED, detail="Forbidden: bot was blocked by the user")
        self.sent.append((self.clock(), outgoing))
        return Outcome(Delivery.SENT, message_id=str(len(self.sent)), channel="telegram")

    def chats(self) -> Counter[int]:
        return Counter(out.person_id for _, out in self.sent)


async def sweep(db: Database, fake: FakeTelegram, clock: Clock, **kwargs: Any) -> reminders.SweepReport:
    return await reminders.sweep(db, fake, now=clock(), zone=VN, **kwargs)


async def rep_chats(db: Database) -> dict[int, list[int]]:
    """Unit id -> person ids of its representatives (demo: one per unit)."""
    async with db.session() as session:
        rows = await session.exec(
            select(PersonRole.unit_id, Person.id)
            .join(Person, col(Person.id) == PersonRole.person_id)
            .where(PersonRole.kind == RoleKind.REP)
        )
        found: dict[int, list[int]] = {}
        for unit_id, person_id in rows:
            found.setdefault(unit_id, []).append(person_id)  # type: ignore[arg-type]
        return found


async def load(db: Database, clock: Clock, table: str = TABLE_2026) -> timetable.ImportResult:
    await load_demo(db, authority_name=AUTHORITY, now=clock())
    result = await timetable.save(
        db, timetable.text_to_cells(table), school_year=None, bloc_id=None, now=clock(), zone=VN
    )
    assert result.ok, result.preview
    return result


async def head_chat(db: Database, bloc_number: int) -> int:
    async with db.session() as session:
        row = (
            await session.exec(
                select(Person.id)
                .join(PersonRole, col(PersonRole.person_id) == Person.id)
                .join(BlocMembership, col(BlocMembership.unit_id) == PersonRole.unit_id)
                .join(Bloc, col(Bloc.id) == BlocMembership.bloc_id)
                .where(Bloc.number == bloc_number, BlocMembership.position == Position.HEAD)
            )
        ).first()
        assert row is not None
        return row
