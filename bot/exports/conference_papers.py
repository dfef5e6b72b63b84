"""The honours conference's papers (seed 003; issue 18): the delegate list (DOCX in the NĐ 30/2020
layout, and XLSX) and the half-day programme. Official documents: always Vietnamese."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bot.exports import docx_layout as layout
from bot.exports import xlsx_layout
from bot.services.conference import ConferenceView
from models.conference import DelegateKind, DelegateStatus

COLUMNS = ("TT", "Họ và tên", "Đơn vị", "Thành phần", "Ghi chú", "Xác nhận")
WIDTHS_CM = (1.0, 4.0, 4.0, 2.6, 3.4, 1.5)
KIND_WORDS = {DelegateKind.EXEMPLAR: "Điển hình tiên tiến", DelegateKind.GUEST: "Khách mời"}
STATUS_WORDS = {DelegateStatus.INVITED: "", DelegateStatus.CONFIRMED: "Có", DelegateStatus.DECLINED: "Không"}


def rows(view: ConferenceView) -> list[list[str]]:
    return [
        [str(i), d.full_name, d.unit_name, KIND_WORDS[d.kind], d.note, STATUS_WORDS[d.status]]
        for i, d in enumerate(view.delegates, start=1)
    ]


def _when(view: ConferenceView, zone: ZoneInfo) -> str:
    return view.starts_at.astimezone(zone).strftime("%H:%M ngày %d/%m/%Y")


def delegates_docx(view: ConferenceView, authority: str, moment: datetime, zone: ZoneInfo) -> bytes:
    doc = layout.new_document("Danh sách đại biểu", moment)
    center = WD_ALIGN_PARAGRAPH.CENTER
    layout.paragraph(doc, authority.upper(), bold=True, align=center)
    layout.paragraph(doc, "DANH SÁCH ĐẠI BIỂU", bold=True, align=center, size=14)
    layout.paragraph(doc, f"{view.title} — {_when(view, zone)}, {view.place}", italic=True, align=center)
    layout.paragraph(
        doc, f"Tổng số: {len(view.delegates)} (điển hình tiên tiến {view.exemplars}, khách mời {view.guests})"
    )
    layout.grid(doc, COLUMNS, rows(view), WIDTHS_CM)
    return layout.to_bytes(doc, moment)


def delegates_xlsx(view: ConferenceView, authority: str, moment: datetime) -> bytes:
    workbook = xlsx_layout.new_workbook("Danh sách đại biểu", moment)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Đại biểu"
    xlsx_layout.title_rows(sheet, ["DANH SÁCH ĐẠI BIỂU", authority, view.title], len(COLUMNS))
    xlsx_layout.header_row(sheet, 5, COLUMNS)
    for r, row in enumerate(rows(view), start=6):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=int(value) if c == 1 else value)
    xlsx_layout.widths(sheet, (6, 28, 30, 20, 30, 10))
    return xlsx_layout.to_bytes(workbook, moment)


def programme_docx(view: ConferenceView, authority: str, moment: datetime, zone: ZoneInfo) -> bytes:
    doc = layout.new_document("Chương trình hội nghị", moment)
    center = WD_ALIGN_PARAGRAPH.CENTER
    layout.paragraph(doc, authority.upper(), bold=True, align=center)
    layout.paragraph(doc, "CHƯƠNG TRÌNH", bold=True, align=center, size=14)
    layout.paragraph(doc, view.title, bold=True, align=center)
    layout.paragraph(doc, f"Thời gian: {_when(view, zone)} (1/2 ngày). Địa điểm: {view.place}", italic=True)
    for number, item in enumerate(view.programme, start=1):
        layout.paragraph(doc, f"{number}. {item}")
    return layout.to_bytes(doc, moment)


def papers(view: ConferenceView, authority: str, moment: datetime, zone: ZoneInfo) -> list[tuple[str, bytes]]:
    return [
        ("Danh_sach_dai_bieu.docx", delegates_docx(view, authority, moment, zone)),
        ("Danh_sach_dai_bieu.xlsx", delegates_xlsx(view, authority, moment)),
        ("Chuong_trinh_hoi_nghi.docx", programme_docx(view, authority, moment, zone)),
    ]
