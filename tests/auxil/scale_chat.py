"""The head publishes a point scale through the chat (an uploaded XLSX)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.sandbox.client import BotMessage, Person

VN = ZoneInfo("Asia/Ho_Chi_Minh")

HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"


SCALE_ROWS = [
    ["Mã", "Nội dung / Tiêu chí", "Điểm tối đa", "Bước điểm", "Bổ sung của khối", "Số tiêu chí Sở quy định"],
    ["1", "Thực hiện nhiệm vụ chính trị", "20", "", "", "2"],
    ["1.1", "Tỷ lệ học sinh lên lớp", "10", "0,5", "", ""],
    ["1.2", "Đổi mới phương pháp dạy học", "10", "", "", ""],
    ["2", "Công tác thi đua, khen thưởng", "10", "", "", "2"],
    ["2.1", "Đăng ký thi đua đúng hạn", "5", "", "", ""],
    ["2.2", "Điển hình tiên tiến", "5", "", "", ""],
]


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def press(person: Person, message: BotMessage, label: str) -> None:
    await person.press(message, label)


async def publish_scale(head: Person, rows: list[list[str]] = SCALE_ROWS) -> None:
    await head.send("/tieuchi")
    await head.expect("Gửi tệp XLSX/CSV")
    await head.upload("thang_diem.xlsx", xlsx(rows))
    preview = await head.expect("Xem trước thang điểm")  # previewed, then published (issue 12)
    await head.press(preview, "✅ Công bố")
    await head.expect("Đã công bố thang điểm")


def pasted(rows: list[list[str]], mark: str = ";") -> str:
    return "\n".join(mark.join(row) for row in rows)


def at_vn(day: int, month: int, year: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VN).astimezone(UTC)
