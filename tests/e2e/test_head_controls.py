"""The bloc head's chat controls, played through the sandbox as a head and representatives would:
a scale pasted as text (refused, then published), deadlines (/hanchot) and reopening (/mohan),
eligibility marks (/xetthidua) read by the year-end ballot, the same commands refused to a
representative, and more time for one late unit (/mohan <task> <unit number> [days]). Each step checks what the people see and what the database then holds."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.services import criteria, eligibility, registration
from bot.services.registration import Person as Individual
from models.meetings import Poll, PollCandidate
from models.organisation import Person as PersonRow
from models.registration import (
    ChangeHistory,
    CriteriaScale,
    DeadlineExtension,
    Eligibility,
    EligibilityMark,
    Registration,
    ScaleCriterion,
    ScoreSheet,
    SheetStatus,
    TaskDeadline,
)
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.scale_chat import SCALE_ROWS, at_vn, pasted

pytestmark = [pytest.mark.e2e, pytest.mark.registration]

HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"
UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
SECRETARIAT = "Bộ phận Thường trực — Khối thi đua số 2"
BLOC = "Khối thi đua số 2"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOT_ALLOWED = "Bạn không có quyền dùng lệnh này"

SCALE = SCALE_ROWS  # the registration tests' scale: 2 contents, 4 criteria
HEADER = SCALE[0]


async def person_id(db: Database, demo: Demo, fragment: str) -> int:
    telegram_id = demo.persona(fragment).user_id
    async with db.session() as session:
        found = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == telegram_id))).one()
    assert found.id is not None
    return found.id


async def press(person: Person, message: BotMessage, fragment: str) -> None:
    """Press the button whose label contains `fragment` (labels carry emoji and ticks)."""
    button = next((b for b in message.buttons if fragment in b["text"]), None)
    assert button is not None, f"no button with {fragment!r} in {message.button_texts}"
    await person.press(message, data=button["callback_data"])


async def count(db: Database, table: type, *where: object) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(table).where(*where))).one())  # type: ignore[arg-type]


# ------------------------------------------------------------------ 1. a scale pasted in the chat
@pytest.mark.scoring
async def test_head_pastes_a_scale_sees_it_refused_then_publishes_a_correct_one(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(HEAD)
    await head.send("/tieuchi")
    await head.expect("Khối chưa công bố tiêu chí, thang điểm")
    await head.expect("dán bảng vào tin nhắn", "dấu «;»")
    template = await head.next_message()
    assert template.document is not None

    # Content 1's criteria add up to 25 of its 20 points, and content 2 has a criterion the bloc
    # added over the 30 % it may add (30 % of 2 is 0,6: none). Both are named, nothing is saved.
    wrong = [row[:] for row in SCALE]
    wrong[3][2] = "15"
    wrong[5][2] = "3"
    wrong.append(["2.3", "Khối thêm: phong trào đọc sách", "2", "", "x", ""])
    await head.send(pasted(wrong))
    refused = await head.expect("Thang điểm bị từ chối, không lưu gì")
    over = next(line for line in refused.text.splitlines() if "Thực hiện nhiệm vụ chính trị" in line)
    assert "là 25" in over and "tổng điểm 20" in over, over
    extra = next(line for line in refused.text.splitlines() if "Công tác thi đua, khen thưởng" in line)
    assert "1 tiêu chí bổ sung" in extra and "2 tiêu chí Sở" in extra and "tối đa 0" in extra, extra
    assert await count(db, CriteriaScale) == 0
    assert await count(db, ChangeHistory, ChangeHistory.entity == "scale") == 0

    # Still in the same step: the head pastes the corrected table, copied from a spreadsheet (tabs).
    await head.send(pasted(SCALE, "\t"))
    preview = await head.expect("Xem trước thang điểm")  # previewed, then published (issue 12)
    await head.press(preview, "✅ Công bố")
    published = await head.expect("Đã công bố thang điểm (phiên bản 1)")
    assert "phiên bản 1, tổng 30 điểm" in published.text
    assert "1. Thực hiện nhiệm vụ chính trị — 20 điểm" in published.text
    assert "1.1 Tỷ lệ học sinh lên lớp — tối đa 10 (bước 0,5)" in published.text
    assert "2.2 Điển hình tiên tiến — tối đa 5" in published.text

    head_id = await person_id(db, demo, HEAD)
    async with db.session() as session:
        scale = (await session.exec(select(CriteriaScale))).one()
        assert scale.version == 1 and scale.published_by_person_id == head_id
        rows = (
            await session.exec(
                select(ScaleCriterion)
                .where(ScaleCriterion.scale_id == scale.id)
                .order_by(col(ScaleCriterion.position))
            )
        ).all()
        assert [(c.code, c.max_points, c.step) for c in rows] == [
            ("1.1", Decimal(10), Decimal("0.5")),
            ("1.2", Decimal(10), Decimal(1)),
            ("2.1", Decimal(5), Decimal(1)),
            ("2.2", Decimal(5), Decimal(1)),
        ]
        assert all(isinstance(c.max_points, Decimal) for c in rows)
    assert await count(db, ChangeHistory, ChangeHistory.entity == "scale") == 1

    # A representative reads the published scale and is not asked for one.
    rep = await demo.person(UNIT)
    await rep.send("/tieuchi")
    shown = await rep.expect("Tiêu chí, thang điểm", "phiên bản 1")
    assert "1.1 Tỷ lệ học sinh lên lớp — tối đa 10 (bước 0,5)" in shown.text
    await rep.send("/kyketgiaouoc")
    offer = await rep.expect("Giao ước thi đua", UNIT)
    assert "2.1 Đăng ký thi đua đúng hạn — tối đa 5" in offer.text
    assert all("Gửi tệp" not in m.text for m in rep.seen)


# ------------------------------------------------------------------ 2. deadline, refusal, reopening
async def amend_to_flag(rep: Person, titles: BotMessage | None = None) -> BotMessage:
    """The representative amends the registration to Cờ thi đua (which needs a new model); `titles`
    is the first step's message when the amendment was begun otherwise than by /dangky."""
    if titles is None:
        await rep.send("/dangky")
        titles = await rep.expect("Chọn", "danh hiệu tập thể")
    await press(rep, titles, "Cờ thi đua")
    await press(rep, await rep.expect("Bước 2/5", "đã có 1"), "Xong")
    await press(rep, await rep.expect("Bước 3/5", "đã có 1"), "Xong")
    await rep.expect("Bước 4/5", "Mô hình mới")
    await rep.send("Mô hình Thư viện xanh — đọc sách cùng con")
    await press(rep, await rep.expect("Bước 5/5"), "Xong")
    return await rep.expect("Xin kiểm tra bản đăng ký", "Cờ thi đua")


@pytest.mark.scoring
async def test_deadline_refuses_late_submissions_until_the_head_reopens(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head_id, rep_id = await person_id(db, demo, HEAD), await person_id(db, demo, UNIT)
    today = clock().astimezone(VN).date()
    await criteria.publish(db, head_id, criteria.check_text(pasted(SCALE)), today=today, now=clock())
    await registration.start(db, rep_id, today=today, now=clock())
    for change in (
        registration.set_title(1),
        registration.add_target("100% giáo viên đạt chuẩn nghề nghiệp"),
        registration.add_people([Individual("Lê Thị Hoa", "Giáo viên", "Lao động tiên tiến")]),
    ):
        await registration.edit(db, rep_id, today=today, now=clock(), change=change)
    await registration.submit(db, rep_id, today=today, now=clock())

    head = await demo.person(HEAD)
    await head.send("/hanchot dangky 31/11/2026")  # no such day
    await head.expect("Cách dùng: /hanchot")
    await head.send("/hanchot dangky 30/11/2026")
    await head.expect("Đã đặt hạn chót đăng ký thi đua: 23:59 30/11/2026")
    await head.send("/deadline chamdiem 30/11/2026")
    await head.expect("Đã đặt hạn chót tự chấm điểm: 23:59 30/11/2026")

    # Before the deadline the representative scores every criterion, but does not send yet.
    rep = await demo.person(UNIT)
    await rep.send("/chamdiem")
    for code, score in (("1.1", "8,5"), ("1.2", "9"), ("2.1", "5"), ("2.2", "4")):
        await rep.expect(f"Tiêu chí {code}")
        await rep.send(score)
        await press(rep, await rep.expect(f"Đã lưu {score} điểm cho tiêu chí {code}"), "Tiếp")
    summary = await rep.expect("Bảng tự chấm của", "tổng 26,5 điểm")

    # 23:50 on the last day: an amendment is begun, and confirmed at 00:05, too late.
    clock.now = at_vn(30, 11, 2026, 23, 50)
    review = await amend_to_flag(rep)
    clock.now = at_vn(1, 12, 2026, 0, 5)
    await press(rep, review, "Xác nhận")
    refusal = await rep.callback_answer()
    assert refusal["show_alert"] and "Đã quá hạn chót (23:59 30/11/2026)" in refusal["text"]
    assert "Không ghi nhận thay đổi" in refusal["text"]
    await press(rep, summary, "Gửi bảng điểm")
    refusal = await rep.callback_answer()
    assert "Đã quá hạn chót (23:59 30/11/2026)" in refusal["text"]
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (23:59 30/11/2026)", "đề nghị Khối trưởng mở lại")
    async with db.session() as session:
        saved = (await session.exec(select(Registration))).one()
        assert (saved.version, saved.collective_title) == (1, "Tập thể lao động xuất sắc")
        sheet = (await session.exec(select(ScoreSheet))).one()
        assert sheet.status == SheetStatus.DRAFT and sheet.submitted_at is None

    # The head reopens registration for two days: the amendment goes through; scoring stays closed.
    await head.send("/mohan dangky 2")
    await head.expect("Đã mở lại việc đăng ký thi đua đến 00:05 03/12/2026")
    # /dangky again: the amendment typed before the deadline is kept (issue 12), and goes on.
    await rep.send("/dangky")
    await press(rep, await rep.expect("đang soạn dở", "Cờ thi đua", "Thư viện xanh"), "Tiếp tục")
    await press(rep, await rep.expect("Bước 5/5"), "Xong")
    await rep.press(await rep.expect("Xin kiểm tra bản đăng ký", "Cờ thi đua"), "✅ Xác nhận")
    await rep.expect("Đã lưu bản đăng ký", UNIT, "lần 2")
    await press(rep, summary, "Gửi bảng điểm")
    assert "Đã quá hạn chót (23:59 30/11/2026)" in (await rep.callback_answer())["text"]
    await head.send("/reopen chamdiem")  # 7 days by default
    await head.expect("Đã mở lại việc tự chấm điểm đến 00:05 08/12/2026")
    await press(rep, summary, "Gửi bảng điểm")
    await rep.expect("Đã gửi bảng tự chấm", UNIT, "26,5")

    # When the reopened window ends, the refusal shows that date.
    clock.now = at_vn(3, 12, 2026, 0, 6)
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (00:05 03/12/2026)")

    async with db.session() as session:
        saved = (await session.exec(select(Registration))).one()
        assert (saved.version, saved.collective_title) == (2, "Cờ thi đua")
        assert saved.new_model == "Mô hình Thư viện xanh — đọc sách cùng con"
        sheet = (await session.exec(select(ScoreSheet))).one()
        assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at == at_vn(1, 12, 2026, 0, 5)
        deadlines = {d.task: d for d in await session.exec(select(TaskDeadline))}
        assert deadlines["register"].due_at == at_vn(30, 11, 2026, 23, 59, 59)
        assert deadlines["register"].reopened_until == at_vn(3, 12, 2026, 0, 5)
        assert deadlines["score"].due_at == at_vn(30, 11, 2026, 23, 59, 59)
        assert deadlines["score"].reopened_until == at_vn(8, 12, 2026, 0, 5)
        assert {d.set_by_person_id for d in deadlines.values()} == {head_id}
        history = (
            await session.exec(
                select(ChangeHistory)
                .where(ChangeHistory.entity == "deadline")
                .order_by(col(ChangeHistory.id))
            )
        ).all()
        assert [(h.field, h.person_id) for h in history] == [
            ("register", head_id),
            ("score", head_id),
            ("register.reopened", head_id),
            ("score.reopened", head_id),
        ]


# ------------------------------------------------------------------ 3. eligibility marks and the ballot
@pytest.mark.ballot
async def test_marked_units_are_not_offered_on_the_year_end_ballot_and_the_head_sees_why(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    reps = [p for p in demo.personas if p.group == BLOC]
    units = [p.label.split(" — ")[-1] for p in reps]
    people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps]
    head = people[0]
    deferred, dropped = units[4], units[7]
    inspection = "Đang thanh tra, chưa có kết luận"
    party = "Chi bộ chỉ xếp loại «Hoàn thành nhiệm vụ» năm 2026"

    # /xetthidua alone lists the units with the numbers it takes.
    await head.send("/xetthidua")
    listing = await head.expect("Cách dùng: /xetthidua", f"Các đơn vị của {BLOC}")
    assert f"5. {deferred} — được xét" in listing.text and f"13. {units[12]} — được xét" in listing.text
    await head.send("/xetthidua 5 chuaxet")
    await head.expect("Cần ghi lý do")
    await head.send("/xetthidua 99 khongxet Không đạt")
    await head.expect("Không có đơn vị này trong khối")
    await head.send(f"/xetthidua 5 chuaxet {inspection}")
    await head.expect(f"Đã ghi: {deferred} — chưa xét")
    await head.send(f"/eligibility 8 khongxet {party}")
    await head.expect(f"Đã ghi: {dropped} — không xét")
    await head.send("/tinhhinh")
    status = await head.expect("Xét thi đua:")
    assert f"5. {deferred}: chưa xét ({inspection})" in status.text
    assert f"8. {dropped}: không xét ({party})" in status.text

    head_id = await person_id(db, demo, HEAD)
    async with db.session() as session:
        marks = {m.unit_id: m for m in await session.exec(select(EligibilityMark))}
    seen = await eligibility.overview(db, head_id, today=clock().astimezone(VN).date())
    by_name = {u.unit_name: u for u in seen.units}
    assert by_name[deferred].eligibility.status is Eligibility.DEFERRED
    assert by_name[deferred].eligibility.reasons == (inspection,)
    assert by_name[dropped].eligibility.status is Eligibility.NOT_CONSIDERED
    assert by_name[dropped].eligibility.reasons == (party,)
    assert sum(u.eligibility.considered for u in seen.units) == 11
    assert {marks[by_name[deferred].unit_id].reason, marks[by_name[dropped].unit_id].reason} == {
        inspection,
        party,
    }
    assert {m.set_by_person_id for m in marks.values()} == {head_id} and len(marks) == 2

    # The year-end meeting: ten units check in, the deferred and the dropped one among them.
    await head.send("/hop")
    await press(head, await head.expect("Các cuộc họp"), "Tạo cuộc họp")
    await press(head, await head.expect("loại nào"), "tổng kết")
    await head.expect("Ngày giờ họp")
    await head.send("15/06/2027 08:00")
    await press(head, await head.expect("Họp tổng kết", "15/06/2027"), "Bắt đầu họp")
    card = await head.expect("Mã điểm danh")
    code = re.search(r"Mã điểm danh.*: (\d{6})", card.text).group(1)  # type: ignore[union-attr]
    for person in people[:10]:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    card = await head.expect("Có mặt 10/13")

    # The head opens the 2-flags ballot: the draft leaves the two units off and says why.
    await press(head, card, "Mở phiếu")
    await press(head, await head.expect("Mở phiếu nào?"), "Cờ thi đua")
    draft = await head.expect("bản nháp", "Không đưa vào phiếu (2 đơn vị)")
    assert f"• {deferred} — chưa xét: {inspection}" in draft.text
    assert f"• {dropped} — không xét: {party}" in draft.text
    offered = [b["text"][2:] for b in draft.buttons if b["text"][:2] in ("✅ ", "⬜ ")]
    assert offered == [u for u in units if u not in (deferred, dropped)]
    # Dropping a candidate by hand and putting it back keeps the reasons on screen.
    await press(head, draft, f"✅ {units[12]}")
    draft = await head.next_message()
    assert f"⬜ {units[12]}" in draft.button_texts and f"• {deferred} — chưa xét" in draft.text
    await press(head, draft, f"⬜ {units[12]}")
    draft = await head.next_message()
    assert f"✅ {units[12]}" in draft.button_texts and f"• {dropped} — không xét: {party}" in draft.text
    await name_counting_committee(db, clock)  # secret ballots need one (issue 13)
    await press(head, draft, "🗳 Mở phiếu")
    await head.expect("Đã mở phiếu", "10 đơn vị được bỏ phiếu")

    # The deferred unit still votes; its ballot offers neither it nor the dropped unit.
    ballot = await people[4].expect("Phiếu bầu", "Cờ thi đua")
    labels = " ".join(ballot.button_texts)
    assert units[10] in labels and units[0] in labels
    assert deferred not in labels and dropped not in labels
    async with db.session() as session:
        poll = (await session.exec(select(Poll))).one()
        names = {
            c.label for c in await session.exec(select(PollCandidate).where(PollCandidate.poll_id == poll.id))
        }
    assert names == set(units) - {deferred, dropped}

    # The approval of a title leaves them off as well.
    await head.send("/hop")
    await press(head, await head.expect("Các cuộc họp"), "Họp tổng kết")
    await press(head, await head.expect("Mã điểm danh"), "Mở phiếu")
    await press(head, await head.expect("Mở phiếu nào?"), "Tán thành danh hiệu")
    draft = await head.expect("bản nháp", "Tập thể lao động xuất sắc", "Không đưa vào phiếu (2 đơn vị)")
    assert f"• {deferred} — chưa xét: {inspection}" in draft.text
    assert not any(deferred in b or dropped in b for b in draft.button_texts)


# ------------------------------------------------------------------ 4. not for a representative
async def test_a_representative_cannot_set_deadlines_reopen_or_mark_units(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(HEAD)
    await head.send("/hanchot dangky 30/11/2026")
    await head.expect("Đã đặt hạn chót đăng ký thi đua: 23:59 30/11/2026")

    rep = await demo.person(UNIT)
    secretary = await demo.person(SECRETARIAT)
    for who, command in (
        (rep, "/hanchot dangky 01/01/2027"),
        (rep, "/hanchot"),
        (rep, "/deadline chamdiem 15/12/2026"),
        (rep, "/mohan dangky 30"),
        (rep, "/mohan"),
        (rep, "/reopen chamdiem"),
        (rep, "/xetthidua 3 khongxet Chi bộ không hoàn thành nhiệm vụ"),
        (rep, "/xetthidua"),
        (rep, "/eligibility 1 chuaxet Đang có khiếu nại"),
        (secretary, "/xetthidua 2 chuaxet Đang thanh tra"),
        (secretary, "/hanchot kyket 05/12/2026"),
        (secretary, "/mohan dangky 3"),
    ):
        await who.send(command)
        refusal = await who.expect(NOT_ALLOWED)
        assert "Cách dùng" not in refusal.text and "Đã " not in refusal.text, (command, refusal.text)
    await rep.send("/help")
    menu = await rep.expect("/dangky")
    assert all(f"/{name}" not in menu.text for name in ("hanchot", "mohan", "xetthidua"))

    head_id = await person_id(db, demo, HEAD)
    async with db.session() as session:
        deadline = (await session.exec(select(TaskDeadline))).one()
        assert deadline.task == "register" and deadline.reopened_until is None
        assert deadline.due_at == at_vn(30, 11, 2026, 23, 59, 59) and deadline.set_by_person_id == head_id
        changes = (await session.exec(select(ChangeHistory))).all()
        assert [(h.entity, h.person_id) for h in changes] == [("deadline", head_id)]
    assert await count(db, EligibilityMark) == 0


# ------------------------------------------------------------------ 5. more time for one late unit
async def test_the_head_gives_one_late_unit_more_time_and_the_others_stay_closed(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head_id, rep_id = await person_id(db, demo, HEAD), await person_id(db, demo, UNIT)
    today = clock().astimezone(VN).date()
    await registration.start(db, rep_id, today=today, now=clock())
    for change in (
        registration.set_title(1),
        registration.add_target("100% giáo viên đạt chuẩn nghề nghiệp"),
        registration.add_people([Individual("Lê Thị Hoa", "Giáo viên", "Lao động tiên tiến")]),
    ):
        await registration.edit(db, rep_id, today=today, now=clock(), change=change)
    await registration.submit(db, rep_id, today=today, now=clock())
    reps = [p for p in demo.personas if p.group == BLOC]
    others = [p for p in reps[1:] if not p.label.endswith(UNIT)]
    on_time, blocked = others[0], others[1]
    blocked_unit = blocked.label.split(" — ")[-1]

    head = await demo.person(HEAD)
    await head.send("/hanchot dangky 30/11/2026")
    await head.expect("Đã đặt hạn chót đăng ký thi đua: 23:59 30/11/2026")

    # The morning after the deadline the late unit is refused like everyone else.
    clock.now = at_vn(1, 12, 2026, 9, 0)
    rep = await demo.person(UNIT)
    other = await client.person(on_time.user_id, on_time.first_name, last_name=on_time.last_name)
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (23:59 30/11/2026)")

    # The head reads the unit's number off /xetthidua; a number the bloc has not is refused.
    await head.send("/xetthidua")
    listing = await head.expect("Các đơn vị của", "/xetthidua và /mohan")
    number = {name: int(n) for n, name in re.findall(r"(\d+)\. (.+?) — ", listing.text)}
    n, m = number[UNIT], number[blocked_unit]
    await head.send("/mohan dangky 99 2")
    await head.expect("Không có đơn vị số 99 trong khối", "13 đơn vị", "Không ghi nhận gì")
    assert await count(db, DeadlineExtension) == 0

    # Two more days for the late unit: its representative is told privately, with a button.
    await head.send(f"/mohan dangky {n} 2 Trường đi dã ngoại")
    granted = await head.expect("Đã gia hạn việc đăng ký thi đua riêng cho", f"{n}. {UNIT}")
    assert "đến 09:00 03/12/2026" in granted.text and "Đã báo cho 1 người đại diện" in granted.text
    notice = await rep.expect("Khối trưởng đã gia hạn việc đăng ký thi đua", UNIT, "09:00 03/12/2026")
    await press(rep, notice, "Đăng ký ngay")
    review = await amend_to_flag(rep, await rep.expect("Chọn", "danh hiệu tập thể"))
    await rep.press(review, "✅ Xác nhận")
    await rep.expect("Đã lưu bản đăng ký", UNIT, "lần 2")

    # Another unit is still refused, with the bloc's own deadline; nobody told it anything.
    await other.send("/dangky")
    await other.expect("Đã quá hạn chót (23:59 30/11/2026)")
    assert not any("gia hạn" in msg.text for msg in other.seen)
    # /lich shows each its own date: the late unit its extension (done now), the other the deadline.
    await rep.send("/lich")
    mine = await rep.expect("Các việc của bạn")
    assert "Đăng ký thi đua: hạn chót của khối 09:00 03/12/2026" in mine.text and "✅ đã xong" in mine.text
    await other.send("/lich")
    theirs = await other.expect("Các việc của bạn")
    assert "Đăng ký thi đua: hạn chót của khối 23:59 30/11/2026" in theirs.text
    assert "✅" not in theirs.text

    # A representative who blocked the bot cannot be told; the extension is saved all the same.
    await client.person(blocked.user_id, blocked.first_name, last_name=blocked.last_name)
    await client.block(blocked.user_id)
    await head.send(f"/mohan dangky #{m}")
    kept = await head.expect("Đã gia hạn", f"{m}. {blocked_unit}", "đến 09:00 08/12/2026")
    assert "Chưa báo được" in kept.text and "vẫn được lưu" in kept.text

    # /tinhhinh shows the deadline and each unit's own date.
    await head.send("/tinhhinh")
    status = await head.expect("Hạn chót:")
    assert "Hạn đăng ký thi đua: 23:59 30/11/2026" in status.text
    assert "mở lại cho cả khối" not in status.text
    shown = [line.strip() for line in status.text.splitlines() if line.strip().startswith("↳")]
    assert shown == [  # in the order of the units' numbers
        line
        for _, line in sorted(
            [
                (n, f"↳ {n}. {UNIT}: gia hạn riêng đến 09:00 03/12/2026"),
                (m, f"↳ {m}. {blocked_unit}: gia hạn riêng đến 09:00 08/12/2026"),
            ]
        )
    ]

    # When the extension runs out the late unit is shown its own date; the others the deadline.
    clock.now = at_vn(3, 12, 2026, 9, 1)
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (09:00 03/12/2026)")
    await other.send("/dangky")
    await other.expect("Đã quá hạn chót (23:59 30/11/2026)")

    async with db.session() as session:
        saved = (await session.exec(select(Registration))).one()
        assert (saved.version, saved.collective_title) == (2, "Cờ thi đua")
        deadline = (await session.exec(select(TaskDeadline))).one()
        assert deadline.reopened_until is None  # the bloc was never reopened
        extensions = {e.unit_id: e for e in await session.exec(select(DeadlineExtension))}
        history = (
            await session.exec(
                select(ChangeHistory)
                .where(ChangeHistory.entity == "deadline")
                .order_by(col(ChangeHistory.id))
            )
        ).all()
    assert {e.until for e in extensions.values()} == {at_vn(3, 12, 2026, 9, 0), at_vn(8, 12, 2026, 9, 0)}
    assert {(e.set_by_person_id, e.set_at) for e in extensions.values()} == {
        (head_id, at_vn(1, 12, 2026, 9, 0))
    }
    assert extensions[saved.unit_id].until == at_vn(3, 12, 2026, 9, 0)
    assert [(h.field, h.person_id, h.unit_id, h.reason) for h in history] == [
        ("register", head_id, None, None),
        ("register.extended", head_id, saved.unit_id, "Trường đi dã ngoại"),
        ("register.extended", head_id, next(u for u in extensions if u != saved.unit_id), None),
    ]
    assert history[1].old_value is None and history[1].new_value == at_vn(3, 12, 2026, 9, 0).isoformat()
