"""Danh sách đề nghị (seed 002): TT, Họ và tên, Đơn vị công tác, Thâm niên giảng dạy,
Tóm tắt thành tích, Số điện thoại / email — as XLSX and as a landscape DOCX annex."""

from __future__ import annotations

from datetime import datetime

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from bot.exports.common import dmy, place_and_date
from bot.exports.data import Nominee, NomineeList
from bot.exports.docx_layout import (
    Heading,
    cell_text,
    header_block,
    new_document,
    paragraph,
    set_widths,
    signatures,
)
from bot.exports.docx_layout import to_bytes as docx_bytes
from bot.exports.xlsx_layout import BOLD, BOX, WRAP, header_row, new_workbook, title_rows, widths
from bot.exports.xlsx_layout import to_bytes as xlsx_bytes

HEADER = [
    "TT",
    "Họ và tên",
    "Đơn vị công tác",
    "Thâm niên giảng dạy",
    "Tóm tắt thành tích",
    "Số điện thoại, email",
]
WIDTHS_CM = [1.2, 4.5, 5.0, 2.5, 8.0, 4.0]
COLLECTIVES = "I. TẬP THỂ"
INDIVIDUALS = "II. CÁ NHÂN"
HEADER_ROW = 4


def rows(data: NomineeList) -> list[list[str] | str]:
    """Section titles (str) and nominee rows, numbered within each section."""
    out: list[list[str] | str] = []
    for section, people in ((COLLECTIVES, data.collectives), (INDIVIDUALS, data.individuals)):
        out.append(section)
        for index, nominee in enumerate(people, start=1):
            out.append(_row(index, nominee))
    return out


def _row(index: int, nominee: Nominee) -> list[str]:
    return [str(index), nominee.name, nominee.unit, nominee.seniority, nominee.summary, nominee.contact]


def table(data: NomineeList) -> tuple[list[str], list[list[str]]]:
    body = [row if isinstance(row, list) else [row, "", "", "", "", ""] for row in rows(data)]
    return HEADER, body


def subtitle(data: NomineeList) -> str:
    return f"(Kèm theo Tờ trình số      /TTr-KTĐ{data.issuer.bloc_number} ngày {dmy(data.issued_on)} của {data.issuer.bloc_name})"


def render_xlsx(data: NomineeList, moment: datetime) -> bytes:
    workbook = new_workbook(f"Danh sách đề nghị — {data.issuer.bloc_name}", moment)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    title_rows(
        sheet,
        [
            "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
            f"{data.issuer.bloc_name} — năm học {data.issuer.school_year}",
            subtitle(data),
        ],
        len(HEADER),
    )
    header_row(sheet, HEADER_ROW, HEADER)
    row = HEADER_ROW
    for item in rows(data):
        row += 1
        if isinstance(item, str):
            sheet.cell(row=row, column=1, value=item).font = BOLD
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADER))
            continue
        for column, value in enumerate(item, start=1):
            cell = sheet.cell(row=row, column=column, value=int(value) if column == 1 else value)
            cell.border, cell.alignment = BOX, WRAP
    widths(sheet, [5, 30, 36, 14, 60, 30])
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1).coordinate
    return xlsx_bytes(workbook, moment)


def render_docx(data: NomineeList, moment: datetime) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Danh sách đề nghị — {issuer.bloc_name}", moment)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    header_block(
        doc,
        Heading(issuer.authority, issuer.bloc_name, "", place_and_date(issuer.place, data.issued_on)),
    )
    center = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(doc, "")
    paragraph(doc, "DANH SÁCH", bold=True, size=14, align=center, space_after=0)
    paragraph(
        doc, f"Đề nghị khen thưởng năm học {issuer.school_year}", bold=True, align=center, space_after=0
    )
    paragraph(doc, subtitle(data), italic=True, align=center)
    body = rows(data)
    grid_table = doc.add_table(rows=1 + len(body), cols=len(HEADER))
    grid_table.style = doc.styles["Table Grid"]
    grid_table.autofit = False
    set_widths(grid_table, WIDTHS_CM)
    for index, title in enumerate(HEADER):
        cell_text(grid_table.rows[0].cells[index], title, bold=True, size=12, align=center)
    for r, item in enumerate(body, start=1):
        cells = grid_table.rows[r].cells
        if isinstance(item, str):
            merged = cells[0].merge(cells[-1])
            cell_text(merged, item, bold=True, size=12)
            continue
        for index, value in enumerate(item):
            cell_text(cells[index], value, size=12, align=center if index in (0, 3) else None)
    signatures(doc, [("", "", ""), ("KHỐI TRƯỞNG", "(Ký, ghi rõ họ tên, đóng dấu)", issuer.head_name)])
    return docx_bytes(doc, moment)
