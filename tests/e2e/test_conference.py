"""The honours conference on both apps from one body (issue 18; seed 003): the desk sets it up and
allocates seats, a unit names its delegates within its quota, the desk names the guests within
30 %, a delegate confirms with the private code, the list and programme are exported, and the
conference approves the list to the higher congress by secret ballot. Bad
input (an unknown unit, over the quota, a name twice, too many guests) is refused whole."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.db import Database
from bot.sandbox.client import SandboxClient
from models.conference import Delegate
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import CHANNELS, on
from tests.auxil.clock import Clock
from tests.auxil.exemplars import desk_on, files_from
from tests.auxil.scale_chat import HEAD, UNIT

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.exemplars]
OTHER = HEAD.split(" — ")[1]


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_quotas_delegates_guests_and_a_confirmation(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    desk = await desk_on(channel, client, db, demo, clock, 601000)
    rep = await on(channel, demo, client, UNIT, 601001)

    await desk.send("/hoinghi")
    await desk.expect("Tên hội nghị")
    await desk.send("Hội nghị điển hình tiên tiến giai đoạn 2020-2025")
    await desk.expect("Thời gian khai mạc")
    await desk.send("20/05")
    await desk.expect("không đọc được thời gian")
    await desk.send("20/05/2026 07:30")
    await desk.expect("Địa điểm")
    await desk.send("Hội trường Sở GD&ĐT")
    menu = await desk.expect("Hội nghị điển hình tiên tiến giai đoạn 2020-2025", "07:30 20/05/2026")
    await desk.press(menu, "Phân bổ chỉ tiêu")
    await desk.expect("Mỗi dòng một đơn vị")
    await desk.send("Trường không có thật: 3")
    await desk.expect("Không đọc được dòng", "Không có gì thay đổi")
    await desk.send(f"{UNIT}: 2\n{OTHER}: 1")
    await desk.expect("Đã lưu chỉ tiêu của 2 đơn vị, tổng 3")
    menu = await desk.expect("Chỉ tiêu đã phân bổ: 3")

    await rep.send("/daibieu")
    await rep.expect(f"Chỉ tiêu của {UNIT}: 2")
    await rep.send("Lê Thị Hoa\nTrần Văn Bình\nPhạm Minh Châu")
    await rep.expect("vượt chỉ tiêu 1 đại biểu", "Không có gì thay đổi")
    await rep.send("Lê Thị Hoa; Giáo viên dạy giỏi\nLÊ THỊ HOA")
    await rep.expect("có người trùng tên", "Không có gì thay đổi")
    await rep.send("Lê Thị Hoa; Giáo viên dạy giỏi\nTrần Văn Bình; Chiến sĩ thi đua cơ sở")
    saved = await rep.expect("Đã lưu 2 đại biểu")
    found = re.search(r"Lê Thị Hoa: ([0-9A-F]{8})", saved.text)
    assert found is not None, repr(saved.text)
    code = found.group(1)

    await desk.press(menu, "Danh sách khách mời")
    await desk.expect("Mỗi dòng một khách mời")
    await desk.send("Nguyễn Văn Khách; Phó Chủ tịch UBND\nTrần Thị Mời; Trưởng ban Tuyên giáo")
    await desk.expect("Khách mời vượt quá 30%", "cần bớt 1 khách mời")  # 2 of 5 planned
    await desk.send("Nguyễn Văn Khách; Phó Chủ tịch UBND")
    await desk.expect("Đã lưu 1 khách mời")

    delegate = await client.person_on(channel, 601002, "Hoa", last_name="Lê Thị")
    await delegate.send("/daibieu ZZZZ0000")
    await delegate.expect("Mã mời không đúng")
    await delegate.send(f"/daibieu {code}")
    invitation = await delegate.expect("Kính mời Lê Thị Hoa", "07:30 20/05/2026")
    await delegate.press(invitation, "✓ Tham dự")
    await delegate.expect("đã ghi nhận xác nhận tham dự")

    await desk.send("/hoinghi")
    menu = await desk.expect("Đã xác nhận tham dự: 1")
    assert "Đã có: 2 đại biểu điển hình, 1 khách mời" in menu.text
    await desk.press(menu, "📄 Xuất danh sách đại biểu và chương trình")
    files = await files_from(desk, client, "Đã xuất danh sách đại biểu")
    sheet = load_workbook(io.BytesIO(files["Danh_sach_dai_bieu.xlsx"])).active
    table_rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(table_rows) if row[0] == "TT")
    listed = [(row[1], row[3], row[5]) for row in table_rows[header + 1 :] if isinstance(row[0], int)]
    assert listed == [
        ("Lê Thị Hoa", "Điển hình tiên tiến", "Có"),
        ("Trần Văn Bình", "Điển hình tiên tiến", ""),  # not confirmed yet
        ("Nguyễn Văn Khách", "Khách mời", ""),
    ]
    table = Document(io.BytesIO(files["Danh_sach_dai_bieu.docx"])).tables[0]
    assert len(table.rows) == 4
    programme = [p.text for p in Document(io.BytesIO(files["Chuong_trinh_hoi_nghi.docx"])).paragraphs]
    assert "1. Chào cờ" in programme and "8. Thông qua danh sách đại biểu đi dự Đại hội cấp trên" in programme

    # The conference approves, by secret ballot of the confirmed delegates, the list to the
    # higher congress; a name not on the conference's list is refused.
    await desk.send("/hoinghi")
    menu = await desk.expect("Đã xác nhận tham dự: 1")
    await desk.press(menu, "Đề cử đi Đại hội cấp trên")
    await desk.expect("được đề cử đi dự Đại hội cấp trên")
    await desk.send("Người Lạ")
    await desk.expect("Không có trong danh sách đại biểu hội nghị: Người Lạ")
    await desk.send("Lê Thị Hoa")
    await desk.expect("Đã đề cử 1 đại biểu: Lê Thị Hoa")
    menu = await desk.expect("Đã xác nhận tham dự: 1")
    await desk.press(menu, "🗳 Biểu quyết thông qua danh sách")
    await desk.expect("Đã mở biểu quyết kín; 1 đại biểu")
    notice = await delegate.expect("Hội nghị biểu quyết kín", "Đại hội cấp trên", "Lê Thị Hoa")
    await delegate.press(notice, "Bỏ phiếu")
    screen = await delegate.expect("Phiếu kín (1/1)")
    await delegate.press(screen, "Đồng ý")
    review = await delegate.expect("Gửi phiếu?")
    await delegate.press(review, "✅ Gửi phiếu")
    recorded = await delegate.expect("Đã ghi nhận phiếu kín")
    code = recorded.text.split("Mã kiểm tra của bạn: ")[1].split()[0]
    await desk.send("/hoidong")
    menu = await desk.expect("đang mở")
    await desk.press(
        menu, "🔒 Kết thúc và kiểm phiếu: Thông qua danh sách đại biểu đi dự Đại hội cấp trên"[:60]
    )
    await desk.expect("Kết quả bỏ phiếu kín", "✅ Danh sách: Lê Thị Hoa")
    # The delegate sees the tracker again (/kiemtra alone, issue 15), counted, never the choice.
    await delegate.send("/kiemtra")
    mine = await delegate.expect("Mã kiểm tra các phiếu", code, "đã được đếm", "Hội nghị điển hình tiên tiến")
    assert "đồng ý" not in mine.text.lower()
    async with db.session() as session:
        going = list(
            await session.exec(select(Delegate.full_name).where(col(Delegate.to_congress).is_(True)))
        )
    assert going == ["Lê Thị Hoa"]
