"""Hand-off notices on both apps from one test body (issue 12): whoever is next is told once,
after the commit, with a button (on Zalo a number) that opens the thing; nobody else is told.

The people are the demo's personas of bloc 2; on Zalo each is the same person with a Zalo
account linked by /lienket. Outbox rows are read to check who was told: exactly the people named.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.services import outbox, pact, registration, scoring
from models.channels import OutboxMessage
from models.registration import ScoreEvidence, ScoreSheet, Task
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import SECRETARIAT, jpeg, line_of, on, person_id, publish
from tests.auxil.clock import Clock
from tests.auxil.outbox import settle
from tests.auxil.scale_chat import HEAD, UNIT

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.handoffs]
CHANNELS = ("telegram", "zalo")
BLOC = "Khối thi đua số 2"


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def told(db: Database, event: str) -> set[int]:
    """The people a hand-off event was addressed to (its outbox rows)."""
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).contains(f":{event}:"))
        )
        return {row.person_id for row in rows if row.dedupe_key.startswith("handoff:")}


def deputy_label(demo: Demo) -> str:
    return next(p.label for p in demo.personas if p.group == BLOC and p.label.startswith("Khối phó"))


async def scored_sheet(db: Database, rep_id: int, clock: Clock) -> int:
    """Every criterion scored (8, 9, 5, 4 = 26), not yet sent."""
    today = clock().date()
    state = await scoring.open_sheet(db, rep_id, today=today)
    for text in ("8", "9", "5", "4"):
        code = state.criterion.code  # type: ignore[union-attr]
        state, _ = await scoring.enter_score(
            db, rep_id, sheet_id=state.sheet_id, text=text, today=today, now=clock()
        )
        state = await scoring.move(db, rep_id, sheet_id=state.sheet_id, action="next", code=code, today=today)
    return state.sheet_id


async def test_a_sheet_sent_reviewed_answered_and_finalised_tells_each_next_person_once(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep_id, head_id = await person_id(db, demo, UNIT), await person_id(db, demo, HEAD)
    secretary_id = await person_id(db, demo, SECRETARIAT)
    deputy_id = await person_id(db, demo, deputy_label(demo))
    sheet_id = await scored_sheet(db, rep_id, clock)
    rep = await on(channel, demo, client, UNIT, 581001)
    head = await on(channel, demo, client, HEAD, 581002)
    secretary = await demo.person(SECRETARIAT)
    await demo.person(deputy_label(demo))  # reachable: no report reaches the head mid-review

    await rep.send("/chamdiem")
    summary = await rep.expect("tổng 26 điểm")
    await rep.press(summary, "📤 Gửi bảng điểm")
    await rep.expect("Đã gửi bảng tự chấm")
    # The head's side: head, deputy, secretariat; not the unit that sent it, not the other units.
    assert await told(db, f"sheet_submitted:{sheet_id}") == {head_id, deputy_id, secretary_id}
    notice = await head.expect("đã gửi bảng tự chấm điểm", "26", "chờ duyệt")
    await secretary.expect("đã gửi bảng tự chấm điểm")
    assert notice.button_texts == ["Mở bảng điểm"]
    await head.press(notice, "Mở bảng điểm")  # the button opens the review card
    card = await head.expect("tự chấm 26", "1.1 Tỷ lệ học sinh lên lớp")

    # The head proposes: the unit is told it was the head (by name), not "the secretariat".
    await head.press(card, "✎ 1.2")
    await head.expect("Gõ điểm đề xuất")
    await head.send("7 thiếu minh chứng về đổi mới phương pháp")
    await head.expect("Đã gửi đề xuất 7 điểm")
    proposal = await rep.expect("đề xuất điều chỉnh tiêu chí", "1.2")
    assert proposal.text.startswith("Khối trưởng (") and "Bộ phận Thường trực" not in proposal.text

    # The unit's answer goes to whoever proposed (the head), no one else.
    await rep.press(proposal, "Đồng ý")
    await rep.expect("đồng ý 7 điểm cho tiêu chí 1.2")
    line = await line_of(db, "1.2")
    assert await told(db, f"line_answer:{line.id}") == {head_id}
    answered = await head.expect("đồng ý điểm đề xuất cho tiêu chí 1.2", "7")
    assert answered.button_texts == ["Mở bảng điểm"]

    # Finalised: the unit hears its total, and the button shows the ranking.
    await head.press(answered, "Mở bảng điểm")
    card = await head.expect("tự chấm 26", "đồng ý")
    await head.press(card, "🔒 Chốt điểm")
    await head.expect("Đã chốt điểm", "24")
    assert await told(db, f"finalised:{sheet_id}") == {rep_id}
    final = await rep.expect("đã được chốt", "24 điểm")
    await rep.press(final, "Xem xếp hạng")
    await rep.expect("Xếp hạng", f"{UNIT} — 24 điểm")

    # A notice's button pressed after the sheet moved on: said what happened, nothing changed.
    if channel == "telegram":  # (its buttons were taken off when it was answered: a press kept aside)
        await rep.press(proposal, data=f"ua:{line.id}:n", forge=True)
        answer = await rep.callback_answer()
        while not answer.get("text"):  # the silent answers of the presses before
            answer = await rep.callback_answer()
        assert "đã được chốt (24 điểm)" in answer["text"]
    assert (await line_of(db, "1.2")).final_score == 7
    # Each event told once, even after everything was delivered and pressed again.
    assert await told(db, f"sheet_submitted:{sheet_id}") == {head_id, deputy_id, secretary_id}


async def test_a_scale_published_then_changed_tells_every_unit_and_the_last_signature_the_head(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep_id, head_id = await person_id(db, demo, UNIT), await person_id(db, demo, HEAD)
    rep = await on(channel, demo, client, UNIT, 582001)
    head = await on(channel, demo, client, HEAD, 582002)
    await publish_unsettled(db, demo, clock)
    notice = await rep.expect("Khối đã công bố tiêu chí, thang điểm", "phiên bản 1")
    assert notice.button_texts == ["Xem và ký giao ước"]
    async with db.session() as session:
        units = await registration.bloc_units(
            session,
            *(await _bloc_and_year(db, rep_id, clock)),
        )
        reps = await _reps(db, [u.unit_id for u in units])
    scale_event = await _scale_event(db)
    # Every representative of the bloc, the head who published it excepted.
    assert await told(db, scale_event) == set(reps) - {head_id}

    # Everyone signs but this unit; its signature in the chat is the last one.
    offer = await pact.offer(db, rep_id, today=clock().date())
    for other in reps:
        if other != rep_id:
            await pact.sign(db, other, scale_id=offer.scale.scale_id, today=clock().date(), now=clock())
    assert await told(db, f"all_signed:{offer.scale.scale_id}") == set()
    await rep.press(notice, "Xem và ký giao ước")  # the button opens the pact
    pact_screen = await rep.expect(
        "Giao ước thi đua", "phiên bản 1", "chưa đặt hạn chót"
    )  # the task's deadline
    await rep.press(pact_screen, "✍ Đồng ý và ký giao ước")
    await rep.expect("Đã ghi nhận", "ký giao ước")
    assert await told(db, f"all_signed:{offer.scale.scale_id}") == {head_id}
    await head.expect("Tất cả", "đã ký giao ước")

    # A changed scale: units that signed the old one are asked to sign again.
    await publish_unsettled(db, demo, clock, extra_point=True)
    again = await rep.expect("Thang điểm của khối đã thay đổi", "ký xác nhận lại")
    await rep.press(again, "Xem và ký giao ước")
    await rep.expect("Giao ước thi đua", "phiên bản 2")


async def test_deadlines_set_moved_and_reopened_tell_the_units_they_concern(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep_id = await person_id(db, demo, UNIT)
    rep = await on(channel, demo, client, UNIT, 583001)
    head = await on(channel, demo, client, HEAD, 583002)
    day = (clock() + timedelta(days=20)).strftime("%d/%m/%Y")
    await head.send(f"/hanchot dangky {day}")
    await head.expect("Đã đặt hạn chót")
    notice = await rep.expect("Khối đặt hạn chót đăng ký thi đua", day)
    await rep.press(notice, "Đăng ký ngay")  # the button opens /dangky
    await rep.expect("danh hiệu tập thể")
    await rep.send("/huy")
    await rep.expect("Đã dừng")
    moved = (clock() + timedelta(days=25)).strftime("%d/%m/%Y")
    await head.send(f"/hanchot dangky {moved}")
    await head.expect("Đã đặt hạn chót")
    await rep.expect("Hạn chót đăng ký thi đua đã đổi", moved, day)
    await head.send(f"/hanchot dangky {moved}")  # the same date again tells nobody twice
    await head.expect("Đã đặt hạn chót")
    async with db.session() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.person_id == rep_id, col(OutboxMessage.kind) == "handoff.deadline"
                )
            )
        ).all()
    assert len(rows) == 2

    # Reopened: told to the units that have not registered, not to one that has.
    await head.send("/mohan dangky 3")
    await head.expect("Đã mở lại")
    await rep.expect("Khối mở lại việc đăng ký thi đua")


async def test_a_registration_sent_tells_the_heads_side_and_a_blocked_one_is_reported_once(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    head_id = await person_id(db, demo, HEAD)
    deputy_label_ = deputy_label(demo)
    deputy_id = await person_id(db, demo, deputy_label_)
    head = await on(channel, demo, client, HEAD, 584002)
    await demo.person(deputy_label_)
    await client.block(demo.persona(deputy_label_).user_id)  # the deputy blocked the bot
    rep_id = await person_id(db, demo, UNIT)
    rep = await on(channel, demo, client, UNIT, 584001)
    await rep.send("/dangky")
    ask = await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.press(ask, ask.button_texts[0])
    await rep.expect("chỉ tiêu thi đua")
    await rep.send("Hoàn thành 100% kế hoạch năm học")
    targets = await rep.expect("Đã ghi chỉ tiêu thứ 1")
    await rep.press(targets, "Xong ▶")
    await rep.expect("Bước 3/5")
    await rep.send("Trần Thị Bình; Tổ trưởng; Lao động tiên tiến")
    people = await rep.expect("Đã ghi 1 người")
    await rep.press(people, "Xong ▶")
    projects = await rep.expect("Bước")
    if "Bước 4/5" in projects.text:
        await rep.send("Mô hình lớp học thông minh")
        projects = await rep.expect("Bước 5/5")
    await rep.press(projects, "Xong ▶")
    confirm = await rep.expect("Xin kiểm tra bản đăng ký")
    await rep.press(confirm, "✅ Xác nhận")
    await rep.expect("Đã lưu bản đăng ký")
    recipients = await told(db, f"registered:{await _unit_of(db, rep_id, clock)}:v1")
    assert recipients == {head_id, deputy_id}
    # The notice, and (the deputy could not be reached) the report, in either order.
    first = await head.expect()
    second = await head.expect()
    [notice] = [m for m in (first, second) if "đã gửi bản đăng ký thi đua" in m.text and UNIT in m.text]
    assert sum("Không gửi được thông báo" in m.text for m in (first, second)) == 1
    assert notice.button_texts == ["Xem tình hình"]
    if channel == "telegram" or notice is second:  # on Zalo only the last message's options answer
        await head.press(notice, "Xem tình hình")
        await head.expect("Tình hình")
    # The registration stays saved; the head is told once.
    assert [d.person_id for d in await outbox.status(db, "handoff:") if d.kind == "handoff.unreachable"] == [
        head_id
    ]
    assert (await registration.current(db, **(await _seat_keys(db, rep_id, clock)))) is not None


# ------------------------------------------------------------------ helpers
async def publish_unsettled(db: Database, demo: Demo, clock: Clock, *, extra_point: bool = False) -> None:
    """The head publishes the scale (its notices left to the delivery job)."""
    from bot.services import criteria
    from tests.auxil.scale_chat import SCALE_ROWS

    rows = [row[:] for row in SCALE_ROWS]
    if extra_point:  # a changed maximum: 1.1 from 10 to 9 and 1.2 from 10 to 11 (the total holds)
        rows = [_bump(row) for row in rows]
    text = "\n".join(";".join(row) for row in rows).encode()
    await criteria.publish(
        db,
        await person_id(db, demo, HEAD),
        criteria.check_file(text, "t.csv"),
        today=clock().date(),
        now=clock(),
    )


def _bump(row: list[str]) -> list[str]:
    if row and row[0] == "1.1":
        return [row[0], row[1], "9", *row[3:]]
    if row and row[0] == "1.2":
        return [row[0], row[1], "11", *row[3:]]
    return row


async def _scale_event(db: Database) -> str:
    from models.registration import CriteriaScale

    async with db.session() as session:
        scale = (await session.exec(select(CriteriaScale).order_by(col(CriteriaScale.id).desc()))).first()
    assert scale is not None
    return f"scale:{scale.id}"


async def _bloc_and_year(db: Database, rep_id: int, clock: Clock) -> tuple[int, int]:
    async with db.session() as session:
        seat = await registration.unit_seat(session, rep_id, clock().date())
    return seat.bloc_id, seat.school_year_id


async def _unit_of(db: Database, rep_id: int, clock: Clock) -> int:
    async with db.session() as session:
        return (await registration.unit_seat(session, rep_id, clock().date())).unit_id


async def _seat_keys(db: Database, rep_id: int, clock: Clock) -> dict[str, int]:
    async with db.session() as session:
        seat = await registration.unit_seat(session, rep_id, clock().date())
    return {"bloc_id": seat.bloc_id, "school_year_id": seat.school_year_id, "unit_id": seat.unit_id}


async def _reps(db: Database, unit_ids: list[int]) -> list[int]:
    from models.organisation import PersonRole

    async with db.session() as session:
        rows = await session.exec(
            select(PersonRole.person_id).where(
                col(PersonRole.unit_id).in_(unit_ids), PersonRole.kind == "rep"
            )
        )
        return sorted(set(rows))


async def test_deadlines_warn_early_a_past_date_is_refused_and_a_late_task_stops_at_its_first_step(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep_id = await person_id(db, demo, UNIT)
    rep = await on(channel, demo, client, UNIT, 585001)
    head = await on(channel, demo, client, HEAD, 585002)
    await head.send("/hanchot chamdiem 01/01/2020")
    await head.expect("01/01/2020", "đã qua", "Không ghi nhận gì", "xacnhan")
    async with db.session() as session:
        bloc_id, year_id = await _bloc_and_year(db, rep_id, clock)
        assert await registration.deadline_of(session, bloc_id, year_id, Task.SELF_SCORE) is None
    await head.send("/hanchot chamdiem 01/01/2020 xacnhan")  # on purpose: the task closes now
    await head.expect("Đã đặt hạn chót")

    # The unit is refused at /chamdiem, with the date, before typing any score.
    await rep.send("/chamdiem")
    await rep.expect("quá hạn chót", "01/01/2020")
    async with db.session() as session:
        assert (await session.exec(select(ScoreSheet))).all() == []

    # Reopened: it goes through, saying the deadline, the time left, and what the unit has not done.
    await head.send("/mohan chamdiem 2")
    await head.expect("Đã mở lại")
    await rep.send("/chamdiem")
    start = await rep.expect("Hạn chót", "còn 2 ngày")
    assert "chưa đăng ký thi đua" in start.text and "chưa ký giao ước" in start.text
    assert "không được xét thi đua" in start.text
    await rep.expect("Tiêu chí 1.1")


async def test_the_review_desk_opens_each_evidence_with_its_caption_and_a_removed_one_is_gone(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep_id = await person_id(db, demo, UNIT)
    rep = await on(channel, demo, client, UNIT, 586001)
    secretary = await on(channel, demo, client, SECRETARIAT, 586002)
    await rep.send("/chamdiem")
    await rep.expect("Tiêu chí 1.1")
    await rep.send("9")
    await rep.expect("Đã lưu 9 điểm")
    photo = jpeg()
    await rep.upload("IMG_0412.jpg", photo, photo=True, caption="Biên bản tổng kết năm học")
    await rep.expect("Đã lưu minh chứng (1)")
    await rep.send("https://drive.example.vn/ke-hoach")
    await rep.expect("Đã lưu minh chứng (2)")
    await rep.send("Ảnh chụp nhầm lớp khác")  # a note sent by mistake: removed before sending
    wrong = await rep.expect("Đã lưu minh chứng (3)")
    await rep.press(wrong, "🗑 Xóa minh chứng vừa gửi")
    kept = await rep.expect("Đã xóa minh chứng", "Ảnh chụp nhầm", "còn 2")
    async with db.session() as session:
        values = [e.value for e in (await session.exec(select(ScoreEvidence))).all()]
    assert "Ảnh chụp nhầm lớp khác" not in values and len(values) == 2
    # A document (Telegram people send them; on Zalo it came in before, from the web chat).
    pdf = b"%PDF-1.4 ke hoach nam hoc"
    if channel == "telegram":
        await rep.upload("ke_hoach.pdf", pdf, caption="Kế hoạch năm học")
        await rep.expect("Đã lưu minh chứng (3)")
    else:
        stored = bot.deps.files.put(pdf)
        state = await scoring.open_sheet(db, rep_id, today=clock().date())
        await scoring.add_evidence(
            db,
            rep_id,
            sheet_id=state.sheet_id,
            kind="document",
            value="-",
            file_name="ke_hoach.pdf",
            size=stored.size,
            file_key=stored.key,
            caption="Kế hoạch năm học",
            today=clock().date(),
            now=clock(),
        )
    await rep.press(kept, "Tiếp ▶")
    for score in ("8", "5", "4"):
        await rep.expect("Tiêu chí")
        await rep.send(score)
        saved = await rep.expect(f"Đã lưu {score} điểm")
        await rep.press(saved, "Tiếp ▶")
    # Before sending: each criterion's score and evidence, and the lines without evidence.
    summary = await rep.expect("tổng 26 điểm")
    assert "1.1: 9 điểm · 3 minh chứng" in summary.text
    assert "Chưa có minh chứng: 1.2, 2.1, 2.2" in summary.text
    await rep.press(summary, "📤 Gửi bảng điểm")
    await rep.expect("Đã gửi bảng tự chấm")

    # The secretariat's notice opens the card (on Zalo a notice's options are the last shown).
    notice = await secretary.expect("đã gửi bảng tự chấm điểm")
    await secretary.press(notice, "Mở bảng điểm")
    card = await secretary.expect("tự chấm 26", "(3 minh chứng)")
    assert "📎 1.1" in card.button_texts and "📎 1.2" not in card.button_texts
    await secretary.press(card, "📎 1.1")
    await secretary.expect("Minh chứng tiêu chí 1.1", ": 3")
    shown = await secretary.expect("Biên bản tổng kết năm học")
    if channel == "telegram":
        assert shown.raw.get("photo")
    else:
        assert shown.photo_url or "http" in shown.text
    await secretary.expect("https://drive.example.vn/ke-hoach")
    document = await secretary.expect("Kế hoạch năm học")
    if channel == "telegram":
        assert document.document is not None
        assert await client.download(document.document["file_id"]) == pdf
    if channel == "zalo":  # no buttons: the card comes again below, its options answerable
        card = await secretary.expect("tự chấm 26", "(3 minh chứng)")
    # The card's buttons still answer: the decision is taken from the same card.
    await secretary.press(card, "✓ 1.1")
    updated = await secretary.expect("chấp nhận")
    if channel == "telegram":  # updated in place where the channel can edit
        assert updated.edited and updated.id == card.id


async def test_a_head_who_chose_the_digest_gets_one_message_a_day_at_16(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    head_id = await person_id(db, demo, HEAD)
    head = await on(channel, demo, client, HEAD, 587002)
    await head.send("/thongbao")
    menu = await head.expect("Thông báo gửi cho bạn", "từng việc")
    await head.press(menu, "Gộp lúc 16:00 mỗi ngày")
    await head.expect("Đã lưu", "16:00")
    deputy = await demo.person(deputy_label(demo))
    await demo.person(SECRETARIAT)  # reachable: nothing to report to the head
    other = next(
        p.label for p in demo.personas if p.group == BLOC and " — " not in p.label and p.label != UNIT
    )
    for label in (UNIT, other):
        rep_id = await person_id(db, demo, label)
        sheet_id = await scored_sheet(db, rep_id, clock)
        await scoring.submit(db, rep_id, sheet_id=sheet_id, today=clock().date(), now=clock())
    async with db.session() as session:
        waiting = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.person_id == head_id, col(OutboxMessage.sent_at).is_(None)
                )
            )
        ).all()
    # One message waits for 16:00 (09:00 UTC) with both events; nothing went out one by one.
    assert [w.kind for w in waiting] == ["handoff.digest"], [(w.kind, w.dedupe_key) for w in waiting]
    [digest] = waiting
    assert digest.kind == "handoff.digest" and digest.due_at.hour == 9
    clock.advance(hours=7, minutes=1)  # 09:00 → 16:01 where the bloc is
    bot.deps.poke_delivery()
    message = await head.expect("Tóm tắt trong ngày")
    assert UNIT in message.text and other in message.text
    # The deputy kept "each event": one message per sheet.
    await deputy.expect("đã gửi bảng tự chấm điểm")
    await deputy.expect("đã gửi bảng tự chấm điểm")


async def test_a_restarted_registration_keeps_what_was_typed_and_one_person_is_edited_alone(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep_id = await person_id(db, demo, UNIT)
    rep = await on(channel, demo, client, UNIT, 588001)
    await rep.send("/dangky")
    ask = await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.press(ask, ask.button_texts[0])
    await rep.expect("chỉ tiêu thi đua")
    await rep.send("Hoàn thành 100% kế hoạch năm học")
    await rep.expect("Đã ghi chỉ tiêu thứ 1")
    await rep.send("Không có giáo viên vi phạm đạo đức nhà giáo")
    targets = await rep.expect("Đã ghi chỉ tiêu thứ 2")
    await rep.press(targets, "Xong ▶")
    await rep.expect("Bước 3/5")
    await rep.send(
        "Trần Thị Bình; Tổ trưởng; Lao động tiên tiến\nLê Văn Cường; Giáo viên; Lao động tiên tiến"
    )
    await rep.expect("Đã ghi 2 người", "#1 Trần Thị Bình", "#2 Lê Văn Cường")

    # One person changed, one removed, the others as typed; a number not in the list changes nothing.
    await rep.send("sửa 2: Lê Văn Cường; Phó hiệu trưởng; Chiến sĩ thi đua cơ sở")
    await rep.expect("Đã sửa người thứ 2", "#2 Lê Văn Cường", "Phó hiệu trưởng")
    await rep.send("xóa 1")
    await rep.expect("Đã bỏ người thứ 1", "còn 1 người")
    await rep.send("xóa 5")
    await rep.expect("Không có người thứ 5")
    expected = [("Lê Văn Cường", "Phó hiệu trưởng", "Chiến sĩ thi đua cơ sở")]
    draft = await registration.draft_of(db, rep_id, today=clock().date())
    assert [(p.full_name, p.job, p.title) for p in draft.people] == expected

    # /dangky typed again in the middle: nothing typed is lost, the person chooses.
    await rep.send("/dangky")
    choice = await rep.expect("đang soạn dở", "Hoàn thành 100% kế hoạch năm học", "Lê Văn Cường")
    await rep.press(choice, "Tiếp tục")
    step = await rep.expect("Bước")
    assert "Bước 4/5" in step.text or "Bước 5/5" in step.text  # on after the people list
    draft = await registration.draft_of(db, rep_id, today=clock().date())
    assert len(draft.targets) == 2 and [(p.full_name, p.job, p.title) for p in draft.people] == expected

    # «Làm lại từ đầu» does start again.
    await rep.send("/dangky")
    choice = await rep.expect("đang soạn dở")
    await rep.press(choice, "Làm lại từ đầu")
    await rep.expect("Chọn", "danh hiệu tập thể")
    assert (await registration.draft_of(db, rep_id, today=clock().date())).targets == []


async def test_criteria_are_previewed_then_published_only_on_confirm(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    from models.registration import CriteriaScale
    from tests.auxil.scale_chat import SCALE_ROWS

    head = await on(channel, demo, client, HEAD, 589002)
    await head.send("/tieuchi")
    await head.expect("dấu «;»")
    await head.send("\n".join(";".join(row) for row in SCALE_ROWS))
    preview = await head.expect("Xem trước thang điểm", "tổng 30 điểm", "chưa công bố")
    assert "1.1 Tỷ lệ học sinh lên lớp — tối đa 10" in preview.text
    assert "khối bổ sung 0/0 tiêu chí được phép (30% của 2)" in preview.text
    async with db.session() as session:  # not live yet: nothing to sign against
        assert (await session.exec(select(CriteriaScale))).all() == []
    await head.press(preview, "✅ Công bố")
    await head.expect("Đã công bố thang điểm (phiên bản 1)")
    async with db.session() as session:
        assert len((await session.exec(select(CriteriaScale))).all()) == 1


async def alert_text(person: object, channel: str, *fragments: str) -> str:
    """A short answer to a press: a pop-up on Telegram, a message on Zalo."""
    if channel == "telegram":
        answer = await person.callback_answer()  # type: ignore[attr-defined]
        while not answer.get("text"):
            answer = await person.callback_answer()  # type: ignore[attr-defined]
        return str(answer["text"])
    return str((await person.expect(*fragments)).text)  # type: ignore[attr-defined]


async def test_status_words_fit_the_time_of_year_and_a_second_remind_is_not_sent_again(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    head = await on(channel, demo, client, HEAD, 590002)
    await head.send("/tinhhinh")
    status = await head.expect("Tình hình", "Xét thi đua")
    # November, no deadline passed: units have not registered *yet*; none is "không xét".
    assert "không xét" not in status.text
    assert "chưa đăng ký thi đua; chưa ký giao ước (còn hạn)" in status.text
    if not any(label.startswith("🔔") for label in status.button_texts):
        status = await head.expect("🔔")  # Zalo: a long overview comes in parts, the options last
    remind = next(label for label in status.button_texts if label.startswith("🔔") and "đăng ký" in label)
    await head.press(status, remind)
    first = await alert_text(head, channel, "Đã nhắc")
    assert "Đã nhắc" in first and "người" in first
    async with db.session() as session:
        sent = len(
            (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "remind.register"))).all()
        )
    await head.press(status, remind)  # a second tap: answered with the time, nobody reminded twice
    second = await alert_text(head, channel, "Đã nhắc lúc")
    assert "Đã nhắc lúc 09:00" in second
    async with db.session() as session:
        again = len(
            (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "remind.register"))).all()
        )
    assert again == sent > 0

    # After the deadline (set in the past on purpose), the same units are "không xét".
    await head.send("/hanchot dangky 01/11/2026 xacnhan")
    await head.expect("Đã đặt hạn chót")
    await head.send("/tinhhinh")
    status = await head.expect("Tình hình", "Xét thi đua")
    assert "không xét (chưa đăng ký thi đua" in status.text


async def test_start_says_the_next_step_for_the_role_and_help_is_grouped_vietnamese_first(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep = await on(channel, demo, client, UNIT, 591001)
    head = await on(channel, demo, client, HEAD, 591002)
    await head.send("/start")
    await head.expect("Việc tiếp theo", "công bố tiêu chí, thang điểm")
    await rep.send("/start")
    start = await rep.expect("Việc tiếp theo", "đăng ký thi đua")
    await rep.press(start, "Đăng ký ngay")  # the button opens the step it names
    await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.send("/huy")
    await rep.expect("Đã dừng")

    await head.send("/help")
    shown = await head.expect("Các lệnh bạn dùng được")
    lines = shown.text.splitlines()
    assert "/trogiup (/help) — " in shown.text and "/ngonngu (/language)" in shown.text
    groups = [line for line in lines if line and not line.startswith("/") and line != lines[0]]
    assert groups[:3] == ["Tài khoản", "Đăng ký, giao ước, tiêu chí", "Chấm điểm, duyệt, xếp hạng"]
    commands = [line.split(" ")[0] for line in lines if line.startswith("/")]
    assert commands.index("/chamdiem") < commands.index("/tinhhinh") < commands.index("/thongbao")


async def test_a_units_answer_may_carry_a_photo_the_reviewer_opens(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep_id, secretary_id = await person_id(db, demo, UNIT), await person_id(db, demo, SECRETARIAT)
    sheet_id = await scored_sheet(db, rep_id, clock)
    await scoring.submit(db, rep_id, sheet_id=sheet_id, today=clock().date(), now=clock())
    await settle(db, clock())
    rep = await on(channel, demo, client, UNIT, 592001)
    secretary = await demo.person(SECRETARIAT)
    line = await line_of(db, "2.1")
    await scoring.propose(
        db, secretary_id, line_id=line.id, text="4 nộp đăng ký muộn", today=clock().date(), now=clock()
    )
    bot.deps.poke_delivery()
    proposal = await rep.expect("đề xuất điều chỉnh tiêu chí", "2.1")
    await rep.press(proposal, "Giải trình")
    await rep.expect("nội dung giải trình cho tiêu chí 2.1", "ảnh")
    photo = jpeg()
    await rep.upload("cong_van.jpg", photo, photo=True, caption="Công văn nộp đúng hạn ngày 10/10")
    await rep.expect("Đã gửi giải trình cho tiêu chí 2.1")
    line = await line_of(db, "2.1")
    assert line.unit_answer == "Công văn nộp đúng hạn ngày 10/10"
    async with db.session() as session:
        [kept] = (await session.exec(select(ScoreEvidence).where(ScoreEvidence.line_id == line.id))).all()
    assert kept.file_key is not None and bot.deps.files.get(kept.file_key) == photo
    # The proposer hears the answer, and opens the photo from the card.
    notice = await secretary.expect("giải trình tiêu chí 2.1", "Công văn nộp đúng hạn")
    await secretary.press(notice, "Mở bảng điểm")
    card = await secretary.expect("đơn vị giải trình")
    await secretary.press(card, "📎 2.1")
    shown = await secretary.expect("Công văn nộp đúng hạn ngày 10/10")
    assert shown.raw.get("photo")


async def test_cancel_outside_any_flow_says_nothing_is_under_way(
    bot: RunningBot, client: SandboxClient, demo: Demo
) -> None:
    """(Telegram: the Zalo adapter answers unknown commands itself; see the report.)"""
    rep = await demo.person(UNIT)
    await rep.send("/huy")
    await rep.expect("Không có việc nào đang làm dở để hủy")
