"""The head loads the timetable through the chat."""

from __future__ import annotations

from tests.auxil.bot import Demo
from tests.auxil.reminders import TABLE_2026

BLOC2_HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


async def load_as_head(demo: Demo) -> None:
    head = await demo.person(BLOC2_HEAD)
    await head.send("/nhaplich")
    await head.expect("dán bảng")
    await head.send(TABLE_2026)
    preview = await head.expect("Lưu khung kế hoạch này")
    assert preview.button_texts == ["✅ Lưu", "✖️ Huỷ"]
    await head.press(preview, "✅ Lưu")
    saved = await head.expect("Đã lưu khung kế hoạch năm học 2026-2027")
    assert "thêm 2" in saved.text
