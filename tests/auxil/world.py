"""Seed 000's department at the service level: a World of demo people, the head, a scale, a registered unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from bot.db import Database
from bot.services import registration
from bot.services.demo import Persona, load_demo
from bot.services.registration import Person as Individual
from models.organisation import Person
from tests.auxil.clock import Clock

HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


SCALE = """Mã;Nội dung / Tiêu chí;Điểm tối đa;Bước điểm;Bổ sung của khối;Số tiêu chí Sở quy định
1;Thực hiện nhiệm vụ chính trị;20;;;2
1.1;Tỷ lệ học sinh lên lớp;10;0,5;;
1.2;Đổi mới phương pháp dạy học;10;;;
2;Công tác thi đua, khen thưởng;10;;;2
2.1;Đăng ký thi đua đúng hạn;5;;;
2.2;Điển hình tiên tiến;5;;;"""


@dataclass
class World:
    db: Database
    clock: Clock
    personas: list[Persona]
    ids: dict[int, int]  # telegram id -> person id

    def pid(self, fragment: str) -> int:
        persona = next(p for p in self.personas if fragment in p.label)
        return self.ids[persona.user_id]

    def bloc2_reps(self) -> list[int]:
        return [self.ids[p.user_id] for p in self.personas if p.group == "Khối thi đua số 2"]

    @property
    def today(self) -> date:
        return self.clock().date()


async def make_world(db: Database, clock: Clock) -> World:
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT Cần Thơ", now=clock())
    async with db.session() as session:
        ids = {p.telegram_id: p.id for p in await session.exec(select(Person)) if p.telegram_id and p.id}
    return World(db, clock, personas, ids)  # type: ignore[arg-type]


async def register_unit(
    w: World, person_id: int, *, title: int = 1, people: int = 2
) -> registration.RegistrationView:
    now = w.clock()
    await registration.start(w.db, person_id, today=w.today, now=now)
    for change in (
        registration.set_title(title),
        registration.add_target("100% giáo viên đạt chuẩn nghề nghiệp"),
        registration.add_people(
            [Individual(f"Nguyễn Văn An {i}", "Giáo viên", "Lao động tiên tiến") for i in range(people)]
        ),
        registration.add_project("Chuyên đề: Chuyển đổi số trong thi đua"),
    ):
        await registration.edit(w.db, person_id, today=w.today, now=now, change=change)
    return await registration.submit(w.db, person_id, today=w.today, now=now)
