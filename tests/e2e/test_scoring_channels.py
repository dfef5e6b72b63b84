"""Scoring on both apps from one test body (issue 11): a self-scoring with a photo that lands in the
bot's file store and in the evidence pack, a review round (a proposal, the unit's answers, the
head's decision, finalising), the ranking; and bad input over Zalo, answered with nothing changed.

The people are the demo's personas; on Zalo each one is the same person with a Zalo account
linked by /lienket, so their roles are the ones the demo gave them.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.chat import Button, Screen
from bot.db import Database
from bot.exports.evidence_pack import INDEX_NAME
from bot.sandbox.client import SandboxClient
from bot.services import outbox, scoring
from bot.services.progress import Task, task_button_data
from models.registration import ScoreEvidence, ScoreSheet
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import CHANNELS, SECRETARIAT, jpeg, line_of, on, person_id, publish
from tests.auxil.clock import Clock
from tests.auxil.export_chat import collect
from tests.auxil.outbox import settle
from tests.auxil.scale_chat import HEAD, UNIT

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.scoring]


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_self_scoring_with_a_photo_on_either_app(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep = await on(channel, demo, client, UNIT, 571001)
    await rep.send("/chamdiem")
    first = await rep.expect("Tiêu chí 1.1", "(1/4)", "Điểm tối đa: 10")
    assert first.button_texts == ["◀ Quay lại", "Bỏ qua ▷"]
    if channel == "zalo":  # a score is typed here: the options are lettered, so "9" stays a score
        assert "a. ◀ Quay lại" in first.text and "Trả lời a hoặc b" in first.text
    await rep.send("9")
    saved = await rep.expect("Đã lưu 9 điểm cho tiêu chí 1.1")
    if channel == "zalo":  # Zalo people cannot send documents: the prompt says photo or link
        assert "ảnh, đường link hoặc ghi chú" in saved.text
    photo = jpeg()
    await rep.upload("IMG_0412.jpg", photo, photo=True, caption="Ảnh hội giảng cấp trường")
    evidence = await rep.expect("Đã lưu minh chứng (1) cho tiêu chí 1.1")
    await rep.send("https://drive.example.vn/hoi-giang")
    evidence = await rep.expect("Đã lưu minh chứng (2) cho tiêu chí 1.1")
    async with db.session() as session:
        rows = list(await session.exec(select(ScoreEvidence).order_by(col(ScoreEvidence.id))))
    assert [row.kind for row in rows] == ["photo", "link"]
    # The photo is the bot's own copy, kept by its SHA-256, whatever app it came from.
    assert rows[0].file_key is not None and bot.deps.files.get(rows[0].file_key) == photo
    assert rows[0].caption == "Ảnh hội giảng cấp trường"

    await rep.press(evidence, "Tiếp ▶")
    await rep.expect("Tiêu chí 1.2", "(2/4)")
    for score in ("8", "5", "4"):
        await rep.send(score)
        saved = await rep.expect(f"Đã lưu {score} điểm")
        await rep.press(saved, "Tiếp ▶")
    summary = await rep.expect("Bảng tự chấm của", "tổng 26 điểm")
    await rep.press(summary, "📤 Gửi bảng điểm")
    await rep.expect("Đã gửi bảng tự chấm", "26")
    async with db.session() as session:
        sheet = (await session.exec(select(ScoreSheet))).one()
    assert sheet.status == "submitted"

    # The head's evidence pack carries the very bytes the unit sent, read from the file store.
    head = await demo.person(HEAD)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ")
    button = next(b for b in menu.buttons if "Minh chứng (ZIP)" in b["text"])
    await head.press(menu, data=button["callback_data"])
    received = await collect(head, "Đã gửi gói minh chứng")
    [pack] = [m.document for m in received if m.document]
    archive = zipfile.ZipFile(io.BytesIO(await client.download(pack["file_id"])))
    [name] = [n for n in archive.namelist() if n != INDEX_NAME]
    assert name.endswith("/1.1_01_anh.jpg") and archive.read(name) == photo
    assert "Ảnh hội giảng cấp trường" in archive.read(INDEX_NAME).decode("utf-8-sig")


async def test_a_review_round_and_the_ranking_on_either_app(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await publish(db, demo, clock)
    rep_id = await person_id(db, demo, UNIT)
    state = await scoring.open_sheet(db, rep_id, today=clock().date())
    for text in ("8", "9", "5", "4"):
        code = state.criterion.code  # type: ignore[union-attr]
        state, _ = await scoring.enter_score(
            db, rep_id, sheet_id=state.sheet_id, text=text, today=clock().date(), now=clock()
        )
        state = await scoring.move(
            db, rep_id, sheet_id=state.sheet_id, action="next", code=code, today=clock().date()
        )
    await scoring.submit(db, rep_id, sheet_id=state.sheet_id, today=clock().date(), now=clock())
    await settle(db, clock())
    rep = await on(channel, demo, client, UNIT, 572001)
    secretary = await on(channel, demo, client, SECRETARIAT, 572002)
    head = await on(channel, demo, client, HEAD, 572003)

    await secretary.send("/duyet")
    listing = await secretary.expect("Bảng tự chấm đã gửi", UNIT)
    await secretary.press(listing, UNIT)
    card = await secretary.expect("tự chấm 26", "1.1 Tỷ lệ học sinh lên lớp")
    await secretary.press(card, "✓ 1.1")
    card = await secretary.expect("chấp nhận")
    await secretary.press(card, "✎ 1.2")
    await secretary.expect("Gõ điểm đề xuất")
    await secretary.send("11 quá điểm")
    await secretary.expect("vượt quá điểm tối đa")
    await secretary.send("7 thiếu minh chứng về đổi mới phương pháp")
    await secretary.expect("Đã gửi đề xuất 7 điểm cho tiêu chí 1.2")
    card = await secretary.expect("đề xuất điều chỉnh")
    await secretary.press(card, "✎ 2.1")
    await secretary.expect("Gõ điểm đề xuất")
    await secretary.send("4 nộp đăng ký muộn 2 ngày")
    await secretary.expect("Đã gửi đề xuất 4 điểm cho tiêu chí 2.1")

    # The unit is told through the outbox, on the app it used last.
    first = await rep.expect("đề xuất điều chỉnh tiêu chí", "1.2", "9 → 7")
    second = await rep.expect("đề xuất điều chỉnh tiêu chí", "2.1", "5 → 4")
    assert second.button_texts == ["Đồng ý", "Giải trình"]
    await rep.press(second, "Giải trình")
    await rep.expect("nội dung giải trình cho tiêu chí 2.1")
    await rep.send("Đơn vị nộp đúng hạn theo công văn số 12/THPT ngày 10/10")
    await rep.expect("Đã gửi giải trình cho tiêu chí 2.1")
    if channel == "zalo":  # only the options shown last can be answered: the other one comes back
        first = await rep.expect("đề xuất điều chỉnh tiêu chí", "1.2", "9 → 7")
    await rep.press(first, "Đồng ý")
    await rep.expect("đồng ý 7 điểm cho tiêu chí 1.2")
    assert (await line_of(db, "1.2")).final_score == Decimal(7)
    assert (await line_of(db, "2.1")).unit_answer == "Đơn vị nộp đúng hạn theo công văn số 12/THPT ngày 10/10"

    await head.send("/duyet")
    listing = await head.expect("Bảng tự chấm đã gửi", "giải trình 1")
    await head.press(listing, UNIT)
    card = await head.expect("đơn vị giải trình", "công văn số 12")
    await head.press(card, "2.1: giữ điểm đơn vị")
    card = await head.expect("Khối trưởng đã quyết")
    await head.press(card, "🔒 Chốt điểm")
    await head.expect("Đã chốt điểm", UNIT, "24")  # 8 + 7 + 5 + 4 (the pending 2.2 keeps 4)

    await head.send("/xephang")
    table = await head.expect("Xếp hạng Khối thi đua số 2")
    assert f"1. {UNIT} — 24 điểm" in table.text
    await rep.send("/xephang")
    own = await rep.expect("Xếp hạng")
    assert [x for x in own.text.splitlines() if "điểm" in x and " — " in x] == [f"1. {UNIT} — 24 điểm"]


async def test_the_ping_button_opens_the_sheet_on_either_app(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    """The deadline ping's «Tự chấm điểm» (`task:score`) opens the sheet where the unit stopped."""
    await publish(db, demo, clock)
    rep = await on(channel, demo, client, UNIT, 574001)
    async with db.transaction() as session:
        await outbox.enqueue(
            session,
            person_id=await person_id(db, demo, UNIT),
            kind="deadline",
            screen=Screen(
                "Còn 3 ngày đến hạn tự chấm điểm.",
                buttons=((Button("Tự chấm điểm", task_button_data(Task.SELF_SCORE)),),),
            ),
            dedupe_key="test-ping",
            now=clock(),
        )
    bot.deps.poke_delivery()
    ping = await rep.expect("Còn 3 ngày")
    await rep.press(ping, "Tự chấm điểm")
    await rep.expect("Tiêu chí 1.1", "(1/4)")
    await rep.send("6")
    await rep.expect("Đã lưu 6 điểm cho tiêu chí 1.1")
    assert (await line_of(db, "1.1")).self_score == Decimal(6)


async def test_bad_input_over_zalo_is_answered_and_changes_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    await publish(db, demo, clock)
    rep = await on("zalo", demo, client, UNIT, 573001)
    await rep.send("/chamdiem")
    await rep.expect("Tiêu chí 1.1")
    for typed, answer in (
        ("11", "vượt quá điểm tối đa 10"),  # a score out of range
        ("c", "không phải là số"),  # a letter that names no option: read as a score, refused
        ("7,25", "bước 0,5"),
    ):
        await rep.send(typed)
        refusal = await rep.expect(answer)
        assert "Chưa lưu gì" in refusal.text
    await rep.send_sticker()  # a sticker where a score is expected
    await rep.expect("cần gõ điểm")
    await rep.send_image(jpeg())  # a photo before the score: evidence comes after it
    await rep.expect("cần gõ điểm")
    line = await line_of(db, "1.1")
    assert line.self_score is None
    async with db.session() as session:
        assert (await session.exec(select(ScoreEvidence))).all() == []

    await rep.send("b")  # the option's letter: «Bỏ qua ▷», still a press
    await rep.expect("Tiêu chí 1.2")
    await rep.send("a")  # «◀ Quay lại»
    await rep.expect("Tiêu chí 1.1")
    await rep.send("9,5")
    saved = await rep.expect("Đã lưu 9,5 điểm")
    await rep.send_sticker()  # a sticker as evidence
    await rep.expect("nhãn dán không được lưu")
    await rep.send("8")  # a number where evidence is expected: most likely the next score
    await rep.expect("rồi hãy nhập điểm")
    async with db.session() as session:
        assert (await session.exec(select(ScoreEvidence))).all() == []
    assert (await line_of(db, "1.1")).self_score == Decimal("9.5")
    await rep.press(saved, "Tiếp ▶")  # the options are still the ones shown with the score
    await rep.expect("Tiêu chí 1.2")
