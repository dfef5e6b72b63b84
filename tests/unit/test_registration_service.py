"""Registration, deadlines, the pact, the scale rules and eligibility, at the service layer (both backends)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlmodel import col, select

from bot.db import Database
from bot.services import criteria, eligibility, pact, registration
from bot.services.progress import Task as ProgressTask
from bot.services.progress import units_done
from bot.services.registration import Refused
from models.registration import ChangeHistory, Eligibility, Registration, Task
from tests.auxil.clock import Clock
from tests.auxil.world import HEAD, SCALE, World, make_world, register_unit
from tests.auxil.world_cache import once

pytestmark = pytest.mark.registration


@pytest.fixture
async def world(db: Database, clock: Clock) -> World:
    return await once("make_world", db, clock, make_world)


async def test_register_amend_and_history(world: World) -> None:
    rep = world.pid("Trường THCS&THPT Nguyễn Bình Khiêm")
    first = await register_unit(world, rep)
    assert first.version == 1 and first.draft.title == "Tập thể lao động xuất sắc"
    assert first.draft.projects == [("topic", "Chuyển đổi số trong thi đua")]

    started = await registration.start(world.db, rep, today=world.today, now=world.clock())
    assert started.amending and started.draft.targets == ["100% giáo viên đạt chuẩn nghề nghiệp"]
    await registration.edit(
        world.db, rep, today=world.today, now=world.clock(), change=registration.set_title(3)
    )
    # "Cờ thi đua" needs a new model: confirming without one is refused and changes nothing.
    with pytest.raises(Refused) as refused:
        await registration.submit(world.db, rep, today=world.today, now=world.clock())
    assert refused.value.notice.key == "reg.incomplete"
    current = await registration.current(
        world.db,
        bloc_id=started.seat.bloc_id,
        school_year_id=started.seat.school_year_id,
        unit_id=started.seat.unit_id,
    )
    assert current is not None and current.version == 1 and current.draft.title == "Tập thể lao động xuất sắc"

    await registration.edit(
        world.db,
        rep,
        today=world.today,
        now=world.clock(),
        change=registration.set_model("Mô hình Thư viện xanh"),
    )
    amended = await registration.submit(world.db, rep, today=world.today, now=world.clock())
    assert amended.version == 2 and amended.draft.title == "Cờ thi đua"
    entries = await registration.history(
        world.db,
        bloc_id=started.seat.bloc_id,
        school_year_id=started.seat.school_year_id,
        entity="registration",
    )
    assert [e.field for e in entries] == ["v1", "v2"]
    assert entries[1].person_id == rep and "Tập thể lao động xuất sắc" in (entries[1].old or "")
    assert "Cờ thi đua" in (entries[1].new or "")


async def test_bad_typed_values_are_refused_before_anything_is_saved(world: World) -> None:
    for factory, text in (
        (registration.add_target, "ab"),
        (registration.set_model, "/x"),
        (registration.add_project, ""),
    ):
        with pytest.raises(Refused):
            factory(text)
    with pytest.raises(Refused):
        registration.set_title(9)
    rows, problems = registration.people_from_text(
        "Nguyễn Văn An; Giáo viên; Anh hùng lao động\nTrần Bình; LĐTT"
    )
    assert len(rows) == 1 and rows[0].title == "Lao động tiên tiến"
    assert problems[0].key == "reg.people.bad_title" and problems[0].params["line"] == 1


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_people_file_checks() -> None:
    good = _xlsx(
        [["STT", "Họ và tên", "Chức vụ", "Danh hiệu đăng ký"], ["1", "Lê Thị Hoa", "Giáo viên", "CSTĐCS"]]
    )
    rows, problems = registration.people_from_file(good, "ds.xlsx")
    assert not problems and rows[0].title == "Chiến sĩ thi đua cơ sở"
    _, problems = registration.people_from_file(
        _xlsx([["Họ và tên", "Chức vụ"], ["Lê Thị Hoa", "GV"]]), "ds.xlsx"
    )
    assert (
        problems[0].key == "reg.file.missing_column" and problems[0].params["column"] == "Danh hiệu đăng ký"
    )
    _, problems = registration.people_from_file(b"%PDF-1.4", "ds.pdf")
    assert problems[0].key == "reg.file.bad_type"
    assert registration.check_list_file("ds.xlsx", 21 * 1024 * 1024).key == "reg.file.too_big"  # type: ignore[union-attr]
    csv_rows, problems = registration.people_from_file(
        "Họ và tên;Danh hiệu\nPhạm Văn Bình;Lao động tiên tiến\n".encode(), "ds.csv"
    )
    assert not problems and csv_rows[0].full_name == "Phạm Văn Bình"
    assert registration.people_from_file(registration.people_template(), "mau.xlsx")[1] == []


async def test_deadline_refuses_then_reopen_allows(world: World) -> None:
    head = world.pid(HEAD)
    rep = world.pid("Trường THCS&THPT Nguyễn Bình Khiêm")
    await registration.set_deadline(
        world.db,
        head,
        task=Task.REGISTER,
        due_at=world.clock() + timedelta(days=1),
        today=world.today,
        now=world.clock(),
    )
    with pytest.raises(Refused):  # a representative cannot set deadlines
        await registration.set_deadline(
            world.db, rep, task=Task.REGISTER, due_at=world.clock(), today=world.today, now=world.clock()
        )
    world.clock.advance(days=2)
    with pytest.raises(Refused) as refused:
        await register_unit(world, rep)
    assert refused.value.notice.key == "reg.deadline_passed"
    async with world.db.session() as session:
        assert (await session.exec(select(Registration))).first() is None
    await registration.reopen(
        world.db, head, task=Task.REGISTER, days=3, today=world.today, now=world.clock()
    )
    assert (await register_unit(world, rep)).version == 1


def test_scale_rules_name_the_content_and_numbers() -> None:
    over = criteria.check_text(
        SCALE.replace("1.2;Đổi mới phương pháp dạy học;10", "1.2;Đổi mới phương pháp dạy học;15")
    )
    assert not over.ok
    text = over.problems[0].render("vi")
    assert "Thực hiện nhiệm vụ chính trị" in text and "25" in text and "20" in text


@pytest.mark.parametrize(
    ("set_count", "extra", "accepted"), [(10, 3, True), (10, 4, False), (7, 2, True), (7, 3, False)]
)
def test_thirty_percent_extra_criteria(set_count: int, extra: int, accepted: bool) -> None:
    lines = [
        "Mã;Nội dung / Tiêu chí;Điểm tối đa;Bổ sung của khối;Số tiêu chí Sở quy định",
        f"1;Dạy và học;100;;{set_count}",
    ]
    lines += [f"1.{i};Tiêu chí {i};1;;" for i in range(1, set_count + 1)]
    lines += [f"1.{set_count + i};Tiêu chí khối thêm {i};1;x;" for i in range(1, extra + 1)]
    checked = criteria.check_text("\n".join(lines))
    assert checked.ok is accepted
    if not accepted:
        text = checked.problems[0].render("vi")
        assert (
            "Dạy và học" in text
            and f"{extra} tiêu chí bổ sung" in text
            and f"{set_count} tiêu chí Sở" in text
        )


async def test_publish_sign_eligibility_and_progress(world: World) -> None:
    head, db = world.pid(HEAD), world.db
    rep = world.pid("Trường THCS&THPT Nguyễn Bình Khiêm")
    with pytest.raises(Refused):  # a representative cannot publish
        await criteria.publish(db, rep, criteria.check_text(SCALE), today=world.today, now=world.clock())
    scale = await criteria.publish(db, head, criteria.check_text(SCALE), today=world.today, now=world.clock())
    assert scale.version == 1 and scale.total == Decimal(30)
    offer = await pact.offer(db, rep, today=world.today)
    signed = await pact.sign(db, rep, scale_id=offer.scale.scale_id, today=world.today, now=world.clock())
    again = await pact.sign(db, rep, scale_id=offer.scale.scale_id, today=world.today, now=world.clock())
    assert not signed.already and again.already
    with pytest.raises(Refused):
        await pact.sign(db, rep, scale_id=offer.scale.scale_id + 99, today=world.today, now=world.clock())

    seat = (await registration.start(db, rep, today=world.today, now=world.clock())).seat
    bloc, year = seat.bloc_id, seat.school_year_id
    assert await units_done(db, ProgressTask.SIGN_PACT, bloc_id=bloc, school_year_id=year) == {seat.unit_id}
    assert await units_done(db, ProgressTask.REGISTER, bloc_id=bloc, school_year_id=year) == set()
    await register_unit(world, rep)
    assert await units_done(db, ProgressTask.REGISTER, bloc_id=bloc, school_year_id=year) == {seat.unit_id}

    status = await eligibility.statuses(db, bloc, year)
    assert len(status) == 13
    assert status[seat.unit_id].status is Eligibility.CONSIDERED
    others = [v for u, v in status.items() if u != seat.unit_id]
    assert all(
        v.status is Eligibility.NOT_CONSIDERED and eligibility.NOT_REGISTERED in v.reasons for v in others
    )

    with pytest.raises(Refused):  # a reason is required
        await eligibility.set_mark(
            db,
            head,
            unit_id=seat.unit_id,
            status=Eligibility.DEFERRED,
            reason="",
            today=world.today,
            now=world.clock(),
        )
    marked = await eligibility.set_mark(
        db,
        head,
        unit_id=seat.unit_id,
        status=Eligibility.DEFERRED,
        reason="Đang chờ kết luận thanh tra",
        today=world.today,
        now=world.clock(),
    )
    assert marked.status is Eligibility.DEFERRED and "Đang chờ kết luận thanh tra" in marked.reasons
    cleared = await eligibility.set_mark(
        db,
        head,
        unit_id=seat.unit_id,
        status=Eligibility.CONSIDERED,
        reason="",
        today=world.today,
        now=world.clock(),
    )
    assert cleared.status is Eligibility.CONSIDERED
    async with db.session() as session:
        kinds = [h.entity for h in await session.exec(select(ChangeHistory).order_by(col(ChangeHistory.id)))]
    assert kinds.count("eligibility") == 2 and "scale" in kinds

    overview = await eligibility.overview(db, head, today=world.today)
    assert len(overview.missing("register")) == 12 and len(overview.missing("sign")) == 12
    targets = await eligibility.remind_targets(db, head, task="sign", today=world.today)
    reps = set(world.bloc2_reps())
    assert len(targets) == 12 and all(person in reps for person, _, _ in targets)
