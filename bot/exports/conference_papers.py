"""The honours conference's papers (seed 003; issue 18): the delegate list (DOCX in the NĐ 30/2020
layout, and XLSX) and the half-day programme. Official documents: always Vietnamese."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bot.exports import docx_layout as layout
from bot.exports import xlsx_layout
from bot.exports.data import Issuer
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
    layout.grid(doc, COLUMNS, rows(view), WIDTHS_CM, left_columns=(1, 2, 4))
    return layout.to_bytes(doc, moment)


def delegates_xlsx(view: ConferenceView, authority: str, moment: datetime, zone: ZoneInfo) -> bytes:
    book = xlsx_layout.Book("Danh sách đại biểu", moment)
    sheet = book.add_sheet("Đại biểu")
    issuer = Issuer(authority, "……", "Bộ phận Thi đua – Khen thưởng", 0, "")
    first = xlsx_layout.heading(
        book, sheet, issuer, ["DANH SÁCH ĐẠI BIỂU", view.title], len(COLUMNS), moment.astimezone(zone).date()
    )
    xlsx_layout.header_row(book, sheet, first, COLUMNS)
    text, number = book.cell(), book.cell(center=True)
    for r, row in enumerate(rows(view), start=first + 1):
        sheet.write_number(r, 0, int(row[0]), number)
        for c, value in enumerate(row[1:], start=1):
            sheet.write_string(r, c, value, text)
    xlsx_layout.widths(sheet, (6, 28, 30, 20, 30, 10))
    xlsx_layout.print_setup(sheet, first, first)
    return book.finish()


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
        ("Danh_sach_dai_bieu.xlsx", delegates_xlsx(view, authority, moment, zone)),
        ("Chuong_trinh_hoi_nghi.docx", programme_docx(view, authority, moment, zone)),
    ]
