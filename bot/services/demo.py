"""The demo: seed 000's four blocs in the current school year, with a simulated person per unit.

`make run` without a Telegram token loads this so that a first-time user has a whole
department to play with in the sandbox. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from sqlmodel import col, select

from bot.db import Database
from bot.services.roster import RosterReport, get_or_create_year, import_roster, parse_roster
from models.channels import Channel, ChannelAccount
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind, Unit
from models.school_year import school_year_of
from models.types import id_of

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
            # Reachable through the outbox before the persona has written (as every Telegram user
            # known before the chat layer is, by migration 0007).
            assert found.id is not None
            if await session.get(ChannelAccount, (Channel.TELEGRAM.value, str(user_id))) is None:
                session.add(
                    ChannelAccount(
                        channel=Channel.TELEGRAM.value, external_id=str(user_id), person_id=found.id
                    )
                )
            return found

        async def grant(
            who: Person, kind: RoleKind, *, unit_id: int | None = None, bloc_id: int | None = None
        ) -> None:
            if (who.id, kind, unit_id, bloc_id) not in roles:
                session.add(
                    PersonRole(
                        person_id=id_of(who),
                        school_year_id=id_of(year),
                        kind=kind,
                        unit_id=unit_id,
                        bloc_id=bloc_id,
                        granted_at=now,
                    )
                )
                roles.add((id_of(who), kind, unit_id, bloc_id))

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


DEMO_SCALE = """Mã;Nội dung / Tiêu chí;Điểm tối đa;Bước điểm;Bổ sung của khối;Số tiêu chí Sở quy định
1;Thực hiện nhiệm vụ chính trị;60;;;3
1.1;Kết quả thực hiện kế hoạch năm học;25;0,5;;
1.2;Chất lượng giáo dục toàn diện;20;0,5;;
1.3;Đổi mới phương pháp dạy học, chuyển đổi số;15;0,5;;
2;Công tác thi đua, khen thưởng;20;;;2
2.1;Đăng ký, ký kết giao ước thi đua đúng hạn;10;;;
2.2;Phát hiện, nhân rộng điển hình tiên tiến;10;;;
3;Xây dựng tổ chức, đoàn thể vững mạnh;20;;;2
3.1;Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ;10;;;
3.2;Công đoàn, Đoàn thanh niên vững mạnh;10;;;"""


async def load_demo_progress(db: Database, *, bloc_number: int, now: datetime, scores: bool = False) -> int:
    """Bring one bloc to the end of the year: the scale published, every unit registered and signed,
    and with `scores`, every unit's self-score sheet sent and finalised by the head (so the ranking,
    the score workbook and the chart have something to show).

    The demo shows bloc 2 this way, ready for its year-end meeting and ballots, while the other
    blocs stay at the start of the year to try registration. Returns how many units it registered
    or signed; running it again advances none.
    """
    from bot.services import handoffs

    with handoffs.quiet():
        return await _load_progress(db, bloc_number=bloc_number, now=now, scores=scores)


async def _load_progress(db: Database, *, bloc_number: int, now: datetime, scores: bool) -> int:
    from bot.services import criteria, eligibility, pact, registration
    from bot.services.registration import Person as Individual

    today = now.date()
    async with db.session() as session:
        year = await get_or_create_year(session, school_year_of(today))
        bloc = (await session.exec(select(Bloc).where(Bloc.number == bloc_number))).first()
        if bloc is None or year.id is None or bloc.id is None:
            return 0
        rows = (
            await session.exec(
                select(BlocMembership, Person)
                .join(
                    PersonRole,
                    (col(PersonRole.unit_id) == BlocMembership.unit_id) & (PersonRole.kind == RoleKind.REP),
                )
                .join(Person, col(Person.id) == PersonRole.person_id)
                .where(BlocMembership.bloc_id == bloc.id, BlocMembership.school_year_id == year.id)
                .order_by(col(BlocMembership.id), col(Person.id))
            )
        ).all()
    reps: dict[int, int] = {}
    head_person: int | None = None
    for membership, who in rows:
        reps.setdefault(membership.unit_id, who.id)  # type: ignore[arg-type]
        if membership.position == Position.HEAD and head_person is None:
            head_person = who.id
    if head_person is None:
        return 0
    status = await eligibility.statuses(db, bloc.id, year.id)
    if all(view.considered for view in status.values()):
        if scores:
            await _demo_scores(db, reps, head_person, today=today, now=now)
        return 0
    async with db.session() as session:
        scale = await criteria.current_scale(session, bloc.id, year.id)
    if scale is None:
        scale = await criteria.publish(db, head_person, criteria.check_text(DEMO_SCALE), today=today, now=now)
    advanced = 0
    for unit_id, person_id in reps.items():
        view = status.get(unit_id)
        if view is None or view.considered:
            continue
        if eligibility.NOT_REGISTERED in view.reasons:
            await registration.start(db, person_id, today=today, now=now)
            for change in (
                registration.set_title(1),
                registration.add_target("100% cán bộ, giáo viên hoàn thành tốt nhiệm vụ"),
                registration.add_people([Individual("Nguyễn Văn An", "Giáo viên", "Lao động tiên tiến")]),
            ):
                await registration.edit(db, person_id, today=today, now=now, change=change)
            await registration.submit(db, person_id, today=today, now=now)
        if eligibility.NOT_SIGNED in view.reasons:
            await pact.sign(db, person_id, scale_id=scale.scale_id, today=today, now=now)
        advanced += 1
    if scores:
        await _demo_scores(db, reps, head_person, today=today, now=now)
    return advanced


async def _demo_scores(
    db: Database, reps: dict[int, int], head_person: int, *, today: date, now: datetime
) -> None:
    """Every unit scores itself a little below the maximum, sends the sheet, and the head
    finalises it. Sheets already sent are left. The scores come from a generator seeded with the
    unit's place in the bloc: the same demo every time, with spread-out totals and a tie."""
    import random

    from bot.services import scoring
    from models.registration import SheetStatus

    for index, person_id in enumerate(reps.values()):
        state = await scoring.open_sheet(db, person_id, today=today)
        if state.status != SheetStatus.DRAFT:
            continue
        draw = random.Random(index)  # not for secrecy: a repeatable demo
        while state.criterion is not None:
            criterion = state.criterion
            most = int(min(Decimal(4), criterion.max_points / 3) / criterion.step)  # up to 4 points off
            score = criterion.max_points - draw.randint(0, most) * criterion.step
            state, _ = await scoring.enter_score(
                db, person_id, sheet_id=state.sheet_id, text=str(score), today=today, now=now
            )
            state = await scoring.move(
                db, person_id, sheet_id=state.sheet_id, action="next", code=criterion.code, today=today
            )
        await scoring.submit(db, person_id, sheet_id=state.sheet_id, today=today, now=now)
    for view in await scoring.review_list(db, head_person, today=today):
        if view.status == SheetStatus.SUBMITTED:
            await scoring.finalise(db, head_person, sheet_id=view.sheet_id, today=today, now=now)
