"""The demo: seed 000's four blocs in the current school year, with a simulated person per unit.

`make run` without a Telegram token loads this so that a first-time user has a whole
department to play with in the sandbox. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from importlib import resources

from sqlmodel import col, select

from bot.db import Database
from bot.services.roster import RosterReport, get_or_create_year, import_roster, parse_roster
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind, Unit
from models.school_year import school_year_of

DEMO_ID_BASE = 910_000  # simulated Telegram ids: 910001, 910002, … one per unit; 919xxx for the others
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Quốc", "Thu", "Hoàng")
GIVEN = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Khoa",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Uyên",
    "Vy",
    "Yến",
)


@dataclass(frozen=True)
class Persona:
    """A simulated person the sandbox web chat lets you act as."""

    user_id: int
    first_name: str
    last_name: str
    label: str  # what they are: "Khối trưởng — Trường THPT Bùi Hữu Nghĩa"
    group: str  # how the picker groups them: the bloc's name
    language: str = "vi"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def demo_name(index: int) -> tuple[str, str]:
    """A deterministic, plausible Vietnamese name: (given name, family + middle)."""
    return GIVEN[
        (index * 7) % len(GIVEN)
    ], f"{FAMILY[index % len(FAMILY)]} {MIDDLE[(index * 5) % len(MIDDLE)]}"


def roster_bytes() -> bytes:
    return resources.files("bot.demo").joinpath("roster_seed000.csv").read_bytes()


async def load_demo(
    db: Database, *, authority_name: str, now: datetime
) -> tuple[RosterReport, list[Persona]]:
    year_name = school_year_of(now.date())
    report = await import_roster(
        db,
        parse_roster(roster_bytes(), "roster_seed000.csv"),
        school_year=year_name,
        authority_name=authority_name,
    )
    personas: list[Persona] = []
    async with db.transaction() as session:
        year = await get_or_create_year(session, year_name)
        rows = (
            await session.exec(
                select(BlocMembership, Bloc, Unit)
                .join(Bloc, col(Bloc.id) == BlocMembership.bloc_id)
                .join(Unit, col(Unit.id) == BlocMembership.unit_id)
                .where(BlocMembership.school_year_id == year.id)
                .order_by(col(Bloc.number), col(BlocMembership.id))
            )
        ).all()
        existing = {
            p.telegram_id: p
            for p in await session.exec(select(Person).where(col(Person.telegram_id) >= DEMO_ID_BASE))
        }
        roles = {
            (r.person_id, r.kind, r.unit_id, r.bloc_id)
            for r in await session.exec(select(PersonRole).where(PersonRole.school_year_id == year.id))
        }

        async def person(user_id: int, index: int) -> Person:
            found = existing.get(user_id)
            if found is None:
                given, family = demo_name(index)
                found = Person(telegram_id=user_id, full_name=f"{family} {given}", language="vi")
                session.add(found)
                await session.flush()
                existing[user_id] = found
            return found

        async def grant(
            who: Person, kind: RoleKind, *, unit_id: int | None = None, bloc_id: int | None = None
        ) -> None:
            if (who.id, kind, unit_id, bloc_id) not in roles:
                session.add(
                    PersonRole(
                        person_id=who.id,
                        school_year_id=year.id,
                        kind=kind,
                        unit_id=unit_id,
                        bloc_id=bloc_id,
                        granted_at=now,
                    )
                )  # type: ignore[arg-type]
                roles.add((who.id, kind, unit_id, bloc_id))

        seen_units: dict[int, Person] = {}
        for index, (membership, bloc, unit) in enumerate(rows, start=1):
            # A unit listed in two blocs (seed 000's Việt Mỹ) keeps one representative.
            who = seen_units.get(unit.id) or await person(DEMO_ID_BASE + index, index)  # type: ignore[arg-type]
            seen_units[unit.id] = who  # type: ignore[index]
            await grant(who, RoleKind.REP, unit_id=unit.id)
            office = {Position.HEAD: "position.head", Position.DEPUTY: "position.deputy"}.get(
                Position(membership.position)
            )
            given, family = who.full_name.rsplit(" ", 1)[1], who.full_name.rsplit(" ", 1)[0]
            label = (
                unit.name
                if office is None
                else f"{'Khối trưởng' if membership.position == Position.HEAD else 'Khối phó'} — {unit.name}"
            )
            personas.append(Persona(who.telegram_id, given, family, label, bloc.name))  # type: ignore[arg-type]
        bloc2 = next((bloc for _, bloc, _ in rows if bloc.number == 2), None)
        extras: list[tuple[int, str, RoleKind | None]] = [
            (DEMO_ID_BASE + 9001, "Bộ phận Thường trực — Khối thi đua số 2", RoleKind.SECRETARIAT),
            (DEMO_ID_BASE + 9002, "Người ngoài (chưa có vai trò)", None),
        ]
        for offset, (user_id, label, kind) in enumerate(extras):
            who = await person(user_id, 200 + offset)
            if kind is not None and bloc2 is not None:
                await grant(who, kind, bloc_id=bloc2.id)
            given, family = who.full_name.rsplit(" ", 1)[1], who.full_name.rsplit(" ", 1)[0]
            personas.append(Persona(user_id, given, family, label, "Khác"))
    return report, personas
