"""Issue 4 end to end: self-scoring with evidence across a restart, bad input, forged buttons, a
review round, and the final ranking of bloc 2's 13 units."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.chat.router import STATE_TABLE_NAME
from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.services import criteria, scoring
from models.conversation import ConversationState
from models.organisation import Person
from models.registration import ScoreEvidence, ScoreLine, ScoreSheet
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.scale_chat import HEAD, SCALE_ROWS, UNIT, publish_scale

pytestmark = [pytest.mark.e2e, pytest.mark.scoring]

SECRETARIAT = "Bộ phận Thường trực — Khối thi đua số 2"


async def _saved(db: Database, chat_id: int, step: str = "evidence") -> None:
    """Wait until the chat's place in the scoring conversation is committed (it is saved just
    after the answer is sent)."""
    for _ in range(100):
        async with db.session() as session:
            rows = (
                await session.exec(
                    select(ConversationState).where(ConversationState.name == STATE_TABLE_NAME)
                )
            ).all()
        for row in rows:
            saved = json.loads(row.state)
            if row.key.split(":")[1] == str(chat_id) and (saved["c"], saved["s"]) == ("scoring", step):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the scoring conversation was never saved")


async def test_self_scoring_with_evidence_survives_a_restart(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(HEAD)
    await publish_scale(head)
    rep = await demo.person(UNIT)
    await rep.send("/chamdiem")
    first = await rep.expect("Tiêu chí 1.1", "(1/4)", "Điểm tối đa: 10")
    for text, reason in (
        ("11", "vượt quá điểm tối đa 10"),
        ("-2", "không được âm"),
        ("bảy", "không phải là số"),
        ("7,25", "bước 0,5"),
    ):
        await rep.send(text)
        refusal = await rep.expect(reason)
        assert "Chưa lưu gì" in refusal.text
    await rep.send("7,5")
    saved = await rep.expect("Đã lưu 7,5 điểm cho tiêu chí 1.1")
    await rep.upload("bao_cao.pdf", b"%PDF-1.4 evidence")
    await rep.expect("Đã lưu minh chứng (1)")
    await rep.upload("virus.exe", b"MZ")
    await rep.expect("không đúng loại")
    await rep.send("https://drive.example.vn/minh-chung-1-1")
    await rep.expect("Đã lưu minh chứng (2)")
    await rep.press(saved, "Tiếp ▶")
    second = await rep.expect("Tiêu chí 1.2", "(2/4)")
    await rep.send("7,5")  # 1.2 takes whole points
    await rep.expect("chỉ chấm điểm nguyên")
    await rep.send("9")
    await rep.expect("Đã lưu 9 điểm cho tiêu chí 1.2")
    assert first and second

    # Forged buttons: a criterion that does not exist; another unit's representative.
    async with db.session() as session:
        sheet = (await session.exec(select(ScoreSheet))).one()
    await rep.press(second, data=f"sc:{sheet.id}:go:9.9", forge=True)
    assert "không có trong thang điểm" in (await rep.callback_answer())["text"]
    intruder = await demo.person("Trường Trung học phổ thông Bình Thủy")
    await intruder.send("/chamdiem")
    other_prompt = await intruder.expect("Tiêu chí 1.1")
    await intruder.press(other_prompt, data=f"sc:{sheet.id}:skip:1.2", forge=True)
    answer = await intruder.callback_answer()
    assert "không phải đại diện" in answer["text"] and UNIT in answer["text"]

    # The bot restarts while the representative is at the evidence step of 1.2.
    await _saved(db, rep.chat_id)
    await bot.stop()
    await bot.start()
    await rep.send("Biên bản họp tổ chuyên môn tháng 10")
    evidence = await rep.expect("Đã lưu minh chứng (1) cho tiêu chí 1.2")
    await rep.press(evidence, "Tiếp ▶")
    third = await rep.expect("Tiêu chí 2.1", "(3/4)")
    await rep.press(third, "Bỏ qua ▷")
    await rep.expect("Tiêu chí 2.2")
    await rep.send("/huy")
    await rep.expect("Đã tạm dừng")

    # Later, and after another restart, /chamdiem goes on where they stopped.
    await bot.stop()
    await bot.start()
    await rep.send("/chamdiem")
    await rep.expect("Tiêu chí 2.2", "(4/4)")
    await rep.send("4")
    saved = await rep.expect("Đã lưu 4 điểm")
    await rep.press(saved, "Tiếp ▶")
    summary = await rep.expect("Bảng tự chấm của", "Còn chưa chấm: 2.1")
    await rep.press(summary, "Chấm tiếp tiêu chí còn thiếu")
    await rep.expect("Tiêu chí 2.1")
    await rep.send("5")
    saved = await rep.expect("Đã lưu 5 điểm")
    await rep.press(saved, "Tiếp ▶")
    summary = await rep.expect("Bảng tự chấm của", "tổng 25,5 điểm")
    await rep.press(summary, "📤 Gửi bảng điểm")
    await rep.expect("Đã gửi bảng tự chấm", "25,5")

    async with db.session() as session:
        rows = await session.exec(select(ScoreLine).where(ScoreLine.sheet_id == sheet.id))
        lines = {line.criterion_code: line for line in rows}
        assert lines["1.1"].self_score == Decimal("7.50") and isinstance(lines["1.1"].self_score, Decimal)
        kinds = sorted(e.kind for e in await session.exec(select(ScoreEvidence)))
        assert kinds == ["document", "link", "note"]
    await head.send("/tinhhinh")
    await head.expect("Gửi bảng tự chấm: 1/13")


async def _person_id(db: Database, telegram_id: int) -> int:
    async with db.session() as session:
        person = (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).one()
        assert person.id is not None
        return person.id


async def _submit(db: Database, clock: Clock, person_id: int, scores: list[str]) -> int:
    today, now = clock().date(), clock()
    state = await scoring.open_sheet(db, person_id, today=today)
    for text in scores:
        code = state.criterion.code  # type: ignore[union-attr]
        state, _ = await scoring.enter_score(
            db, person_id, sheet_id=state.sheet_id, text=text, today=today, now=now
        )
        state = await scoring.move(
            db, person_id, sheet_id=state.sheet_id, action="next", code=code, today=today
        )
    await scoring.submit(db, person_id, sheet_id=state.sheet_id, today=today, now=now)
    return state.sheet_id


async def test_a_review_round_with_one_line_agreed_and_one_disputed(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head = await demo.person(HEAD)
    await publish_scale(head)
    rep = await demo.person(UNIT)
    await _submit(db, clock, await _person_id(db, rep.user_id), ["8", "9", "5", "4"])

    secretary = await demo.person(SECRETARIAT)
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
    await secretary.send("7")
    await secretary.expect("Cần ghi lý do")
    await secretary.send("7 thiếu minh chứng về đổi mới phương pháp")
    await secretary.expect("Đã gửi đề xuất 7 điểm cho tiêu chí 1.2")
    card = await secretary.expect("đề xuất điều chỉnh")
    await secretary.press(card, "✎ 2.1")
    await secretary.expect("Gõ điểm đề xuất")
    await secretary.send("4 nộp đăng ký muộn 2 ngày")
    await secretary.expect("Đã gửi đề xuất 4 điểm cho tiêu chí 2.1")

    first = await rep.expect("đề xuất điều chỉnh tiêu chí", "1.2", "9 → 7")
    second = await rep.expect("đề xuất điều chỉnh tiêu chí", "2.1", "5 → 4")
    await rep.press(first, "Đồng ý")
    await rep.expect("đồng ý 7 điểm cho tiêu chí 1.2")
    await rep.press(second, "Giải trình")
    await rep.expect("nội dung giải trình cho tiêu chí 2.1")
    await bot.stop()  # the answer still lands on the right line after a restart
    await bot.start()
    await rep.send("Đơn vị nộp đúng hạn theo công văn số 12/THPT ngày 10/10")
    await rep.expect("Đã gửi giải trình cho tiêu chí 2.1")

    await head.send("/duyet")
    listing = await head.expect("Bảng tự chấm đã gửi", "giải trình 1")
    await head.press(listing, UNIT)
    card = await head.expect("đơn vị giải trình", "công văn số 12")
    await head.press(card, "2.1: giữ điểm đơn vị")
    card = await head.expect("Khối trưởng đã quyết")
    await head.press(card, "🔒 Chốt điểm")
    await head.expect("Đã chốt điểm", UNIT, "24")  # 8 + 7 + 5 + 4 (the pending 2.2 keeps 4)
    await head.send("/xephang")
    await head.expect("1. " + UNIT + " — 24 điểm")


async def test_final_ranking_of_a_13_unit_bloc(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head_person = await _person_id(db, demo.persona(HEAD).user_id)
    await criteria.publish(
        db, head_person, criteria.check_file(_csv(SCALE_ROWS), "t.csv"), today=clock().date(), now=clock()
    )
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    # Totals 27, 26, 26 (a tie), 25 … ; every sheet reviewed and finalised by the head.
    plans = [["8", "9", "5", "5"], ["8", "8", "5", "5"], ["7", "9", "5", "5"]] + [
        ["6", str(9 - i % 5), "5", str(4 - i % 3)] for i in range(10)
    ]
    expected: dict[str, Decimal] = {}
    for persona, plan in zip(reps, plans, strict=True):
        sheet_id = await _submit(db, clock, await _person_id(db, persona.user_id), plan)
        await scoring.finalise(db, head_person, sheet_id=sheet_id, today=clock().date(), now=clock())
        expected[persona.label.split(" — ")[-1]] = sum((Decimal(x) for x in plan), Decimal(0))

    head = await demo.person(HEAD)
    await head.send("/xephang")
    table = await head.expect("Xếp hạng Khối thi đua số 2")
    lines = [line for line in table.text.splitlines() if " — " in line and "điểm" in line]
    assert len(lines) == 13
    ordered = sorted(expected.items(), key=lambda item: -item[1])
    assert lines[0].startswith("1. ") and ordered[0][0] in lines[0] and "27 điểm" in lines[0]
    assert lines[1].startswith("2. ") and lines[2].startswith("2. ") and "(đồng hạng)" in lines[1]
    assert lines[3].startswith("4. ")
    # Ranks follow the totals exactly (competition ranking).
    for line in lines:
        rank_number = int(line.split(".")[0])
        total = Decimal(line.rsplit(" — ", 1)[1].split(" ")[0].replace(",", "."))
        assert rank_number == 1 + sum(1 for value in expected.values() if value > total)

    secretary = await demo.person(SECRETARIAT)
    await secretary.send("/ranking")
    assert len([x for x in (await secretary.expect("Xếp hạng")).text.splitlines() if "điểm" in x]) == 13
    member = await demo.person(UNIT)
    await member.send("/xephang")
    own = await member.expect("Xếp hạng")
    own_lines = [x for x in own.text.splitlines() if " — " in x and "điểm" in x]
    assert len(own_lines) == 1 and UNIT in own_lines[0]


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(";".join(row) for row in rows).encode()
