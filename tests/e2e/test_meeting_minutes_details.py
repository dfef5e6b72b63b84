"""Issue 13, "the meeting is described as it happened", through the sandbox on Telegram and Zalo.

The chair of bloc 2's year-end meeting sets its place, secretary and counting committee in the
chat (an over-long name and an over-full committee are refused and change nothing); a secret
ballot does not open while the committee is empty; the meeting is opened at 14:37 although it
was planned for 14:00 and closed at 16:05; the minutes exported afterwards (DOCX, read with
python-docx) name the place, chair, secretary and committee, the ballot by its stored title,
and run from 14:37 to 16:05.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import Person, SandboxClient, ZaloPerson
from models.meetings import Meeting, Poll
from models.organisation import Person as PersonRow
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import CHANNELS, on
from tests.auxil.clock import Clock
from tests.auxil.export_chat import collect

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.meeting_room]
HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"
PLACE = "Hội trường Trường THPT Bùi Hữu Nghĩa, quận Bình Thủy"
COMMITTEE = ["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"]
Chat = Person | ZaloPerson


async def press(person: Chat, message: Any, fragment: str) -> None:
    """Press the option whose label holds `fragment`: a button on Telegram, its number on Zalo."""
    label = next((label for label in message.button_texts if fragment in label), None)
    assert label is not None, f"no option with {fragment!r} in {message.button_texts}"
    await person.press(message, label)


async def alerted(person: Chat, fragment: str) -> str:
    """A refusal to a press: a callback answer on Telegram, a message on Zalo."""
    if isinstance(person, ZaloPerson):
        return (await person.expect(fragment)).text
    for _ in range(5):  # earlier presses' silent answers may come first
        text = str((await person.callback_answer()).get("text") or "")
        if fragment in text:
            return text
    raise AssertionError(f"no answer with {fragment!r}")


async def meeting_row(db: Database) -> Meeting:
    async with db.session() as session:
        return (await session.exec(select(Meeting))).one()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_chair_describes_the_meeting_and_the_minutes_say_so(
    channel: str,
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
) -> None:
    head = demo.persona(HEAD)
    chair = await on(channel, demo, client, HEAD, head.user_id)
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2" and p.user_id != head.user_id]

    # The meeting is planned for 14:00 on 15/06/2027.
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Tạo cuộc họp")
    await press(chair, await chair.expect("loại nào"), "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send("15/06/2027 14:00")
    card = await chair.expect("Họp tổng kết", "15/06/2027")

    # The chair's card leads to the details; nothing is set but the place and the chair.
    await press(chair, card, "Thành phần, địa điểm")
    details = await chair.expect("Biên bản: Họp tổng kết")
    assert "Thư ký: chưa đặt" in details.text and "Ban kiểm phiếu: chưa đặt" in details.text

    # The place, typed.
    await press(chair, details, "Địa điểm")
    await chair.expect("Địa điểm họp?")
    await chair.send(PLACE)
    await chair.expect("Đã lưu")
    details = await chair.expect("Biên bản: Họp tổng kết", PLACE)

    # An over-long secretary's name is refused and nothing changes; then one of the bloc is picked.
    await press(chair, details, "Thư ký")
    await chair.expect("Ai làm thư ký")
    await chair.send("Nguyễn " + "Văn " * 40 + "An")
    refused = await chair.expect("tối đa 120")
    assert "chưa lưu gì" in refused.text
    assert (await meeting_row(db)).secretary_person_id is None
    await chair.send("x")  # too short: refused as well, the question still stands
    await chair.expect("quá ngắn")
    await chair.send("/huy")
    await chair.expect("Đã thôi")
    await chair.send("/thanhphan")
    await press(chair, await chair.expect("Biên bản: Họp tổng kết"), "Thư ký")
    ask = await chair.expect("Ai làm thư ký")
    await press(chair, ask, ask.button_texts[1])
    details = await chair.expect("Biên bản: Họp tổng kết", "Thư ký:")
    async with db.session() as session:
        meeting = (await session.exec(select(Meeting))).one()
        secretary = await session.get(PersonRow, meeting.secretary_person_id)
        chair_row = await session.get(PersonRow, meeting.chair_person_id)
    assert (
        secretary is not None and chair_row is not None and f"Thư ký: {secretary.full_name}" in details.text
    )

    # The meeting starts 37 minutes late; nine of the twelve other units check in (9/13 ≥ 2/3).
    clock.now = datetime(2027, 6, 15, 7, 37, tzinfo=UTC)  # 14:37 in Cần Thơ
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Họp tổng kết")
    await press(chair, await chair.expect("Họp tổng kết", "chưa bắt đầu"), "Bắt đầu họp")
    card = await chair.expect("Mã điểm danh")
    code = re.search(r"Mã điểm danh.*: (\d{4,8})", card.text).group(1)  # type: ignore[union-attr]
    for persona in reps[:9]:
        rep = await client.person(persona.user_id, persona.first_name, last_name=persona.last_name)
        await rep.send(f"/diemdanh {code}")
        await rep.expect("Đã điểm danh")

    # A secret ballot with no counting committee does not open: the chair is told what to set.
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Họp tổng kết")
    await press(chair, await chair.expect("Mã điểm danh"), "Mở phiếu")
    await press(chair, await chair.expect("Mở phiếu nào?"), "Cờ thi đua")
    await press(chair, await chair.expect("bản nháp"), "🗳 Mở phiếu")
    assert "Ban kiểm phiếu" in await alerted(chair, "chưa có Ban kiểm phiếu")
    async with db.session() as session:
        assert {p.status for p in await session.exec(select(Poll))} == {"draft"}

    # The committee: eight names are too many and change nothing; three, one a line, are kept.
    await chair.send("/thanhphan")
    details = await chair.expect("Biên bản: Họp tổng kết", "Phiếu kín do Ban kiểm phiếu kiểm")
    await press(chair, details, "Ban kiểm phiếu")
    await chair.expect("mỗi người một dòng")
    await chair.send("\n".join(f"Người Kiểm Phiếu {n}" for n in "ABCDEFGH"))
    await chair.expect("tối đa 7 người")
    assert (await meeting_row(db)).counting_committee == ""
    await chair.send("\n".join(COMMITTEE))
    await chair.expect("Đã lưu")
    await chair.expect("Biên bản: Họp tổng kết", "; ".join(COMMITTEE))

    # Now the ballot opens, and is closed (counted) at once.
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Họp tổng kết")
    await press(chair, await chair.expect("Mã điểm danh"), "Mở phiếu")
    await press(chair, await chair.expect("Mở phiếu nào?"), "Cờ thi đua")
    # The chair gives the ballot the title the meeting used: the minutes print that one.
    await press(chair, await chair.expect("bản nháp"), "Sửa tên phiếu")
    await chair.expect("Gõ tên mới")
    title = "Đề nghị Cờ thi đua của UBND thành phố năm học 2026–2027"
    await chair.send(title)
    await press(chair, await chair.expect("Đã đổi tên phiếu", title), "🗳 Mở phiếu")
    await chair.expect("Đã mở phiếu", title)
    async with db.session() as session:
        assert [p.title for p in await session.exec(select(Poll).where(Poll.status == "open"))] == [title]
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Họp tổng kết")
    await press(chair, await chair.expect("Mã điểm danh"), "Đóng phiếu và kiểm phiếu")
    await press(chair, await chair.expect("đã bỏ phiếu. Đóng phiếu bây giờ?"), "Có, đóng")
    await chair.expect("Kết quả:", title)

    # The chair ends the meeting at 16:05.
    clock.now = datetime(2027, 6, 15, 9, 5, tzinfo=UTC)
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Họp tổng kết")
    await press(chair, await chair.expect("Mã điểm danh"), "Kết thúc họp")
    await chair.expect("đã kết thúc")

    # The minutes, exported on Telegram, say all of it.
    exporter = await demo.person(HEAD)
    await exporter.skip_to_now()
    await exporter.send("/xuat")
    menu = await exporter.expect("Xuất hồ sơ")
    button = next(b for b in menu.buttons if "Biên bản" in b["text"])
    await exporter.press(menu, data=button["callback_data"])
    received = await collect(exporter, "Đã gửi")
    [docx] = [m.document for m in received if m.document and m.document["file_name"].endswith(".docx")]
    document = Document(io.BytesIO(await client.download(docx["file_id"])))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Thời gian: vào lúc 14 giờ 37 phút, ngày 15 tháng 6 năm 2027." in text
    assert "14 giờ 00" not in text
    assert "Cuộc họp kết thúc vào lúc 16 giờ 05 phút cùng ngày" in text
    assert f"Địa điểm: {PLACE}." in text
    assert f"Chủ trì: {chair_row.full_name}, Hiệu trưởng" in text
    assert f"Thư ký: {secretary.full_name}." in text and "Thư ký: ……" not in text
    assert "Ban kiểm phiếu do cuộc họp thống nhất cử gồm:" in text
    assert f"1. {COMMITTEE[0]} – Trưởng ban;" in text and f"3. {COMMITTEE[2]} – Thành viên." in text
    assert f"1. {title}" in text and "Ban kiểm phiếu báo cáo kết quả kiểm phiếu" in text
