"""Danh sách đề nghị khen thưởng, annexed to the Tờ trình: one row per proposal.

The units the bloc proposes, with the award, their score and rank, the vote and a summary of
their achievements (a units' variant of seed 002's table); a section for individuals, in seed
002's own columns, when a unit's head proposes its staff. As XLSX and as a landscape DOCX.
"""

from __future__ import annotations

from datetime import datetime

from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from bot.exports.common import percent, place_and_date, points, spelled_date
from bot.exports.data import Nominee, NomineeList, Proposed
from bot.exports.docx_layout import (
    CENTER,
    LEFT,
    Heading,
    cell_text,
    closing,
    header_block,
    keep_rows,
    new_document,
    paragraph,
    set_widths,
)
from bot.exports.docx_layout import to_bytes as docx_bytes
from bot.exports.proposal import head_signer
from bot.exports.xlsx_layout import (
    LINE_HEIGHT,
    Book,
    header_row,
    heading,
    lines_needed,
    print_setup,
    signature,
    widths,
)

UNIT_HEADER = [
    "TT",
    "Tên đơn vị",
    "Hình thức đề nghị khen thưởng",
    "Điểm thi đua, xếp hạng",
    "Kết quả bình xét",
    "Tóm tắt thành tích",
    "Số điện thoại, email",
]
PERSON_HEADER = [  # seed 002, and the title proposed
    "TT",
    "Họ và tên",
    "Đơn vị công tác",
    "Thâm niên giảng dạy",
    "Hình thức đề nghị khen thưởng",
    "Tóm tắt thành tích",
    "Số điện thoại, email",
]
# Landscape A4 less 2 cm and 1.5 cm margins: 26.2 cm.
WIDTHS_CM = [1.1, 5.4, 4.4, 3.0, 3.6, 5.7, 3.0]
XLSX_WIDTHS = [5, 34, 28, 18, 22, 48, 24]
COLLECTIVES = "I. TẬP THỂ"
INDIVIDUALS = "II. CÁ NHÂN"


def unit_row(index: int, item: Proposed) -> list[str]:
    score = []
    if item.total is not None:
        score.append(f"{points(item.total)}/{points(item.max_total)} điểm")
    if item.rank is not None:
        score.append(f"xếp hạng {item.rank}/{item.ranked}")
    vote = f"{item.votes}/{item.base} phiếu ({percent(item.share)})"
    return [str(index), item.unit_name, item.award, "; ".join(score), vote, item.summary, item.contact]


def person_row(index: int, nominee: Nominee) -> list[str]:
    return [
        str(index),
        nominee.name,
        nominee.unit,
        nominee.seniority,
        nominee.title,
        nominee.summary,
        nominee.contact,
    ]


def sections(data: NomineeList) -> list[tuple[str, list[str], list[list[str]]]]:
    """(section title, header, rows) for the collectives and, when any, the individuals."""
    out = [(COLLECTIVES, UNIT_HEADER, [unit_row(i, p) for i, p in enumerate(data.collectives, start=1)])]
    if data.individuals:
        out.append(
            (INDIVIDUALS, PERSON_HEADER, [person_row(i, n) for i, n in enumerate(data.individuals, start=1)])
        )
    return out


def table(data: NomineeList) -> tuple[list[str], list[list[str]]]:
    """The collectives as plain rows, for CSV (individuals follow under their own header)."""
    body: list[list[str]] = []
    for index, (_, header, rows) in enumerate(sections(data)):
        if index:
            body.append(list(header))
        body.extend(rows)
    return UNIT_HEADER, body


def subtitle(data: NomineeList) -> str:
    return (
        f"(Kèm theo Tờ trình số      /TTr-KTĐ{data.issuer.bloc_number} {spelled_date(data.issued_on)} "
        f"của {data.issuer.bloc_name})"
    )


def title(data: NomineeList) -> str:
    return f"Đề nghị khen thưởng năm học {data.issuer.school_year}"


def render_xlsx(data: NomineeList, moment: datetime) -> bytes:
    issuer = data.issuer
    book = Book(f"Danh sách đề nghị — {issuer.bloc_name}", moment)
    sheet = book.add_sheet("Danh sách")
    width = len(UNIT_HEADER)
    row = heading(book, sheet, issuer, ["DANH SÁCH", title(data), subtitle(data)], width, data.issued_on)
    first_header = row
    text, centre = book.cell(), book.cell(center=True)
    for index, (section, header, rows) in enumerate(sections(data)):
        if index:
            row += 1
            header_row(book, sheet, row, header)
        else:
            header_row(book, sheet, row, header)
        row += 1
        sheet.merge_range(row, 0, row, width - 1, section, book.cell(bold=True))
        for values in rows:
            row += 1
            lines = 1
            for column, value in enumerate(values):
                if column == 0:
                    sheet.write_number(row, column, int(value), centre)
                else:
                    sheet.write_string(row, column, value, text)
                    lines = max(lines, lines_needed(value, XLSX_WIDTHS[column]))
            sheet.set_row(row, LINE_HEIGHT * min(lines, 20))
    signature(
        book, sheet, row + 1, width, [("NGƯỜI LẬP BIỂU", ""), (head_signer(issuer).office, issuer.head_name)]
    )
    widths(sheet, XLSX_WIDTHS)
    sheet.freeze_panes(first_header + 1, 0)
    print_setup(sheet, first_header, first_header)
    return book.finish()


def render_docx(data: NomineeList, moment: datetime) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Danh sách đề nghị — {issuer.bloc_name}", moment)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    usable = 29.7 - 3.0 - 1.5
    header_block(
        doc,
        Heading(issuer.authority, issuer.bloc_name, "", place_and_date(issuer.place, data.issued_on)),
        (9.0, 15.0),
    )
    paragraph(doc, "")
    paragraph(doc, "DANH SÁCH", bold=True, size=14, align=CENTER, space_after=0, keep_next=True)
    paragraph(doc, title(data), bold=True, align=CENTER, space_after=0, keep_next=True)
    paragraph(doc, subtitle(data), italic=True, align=CENTER, keep_next=True)
    for section_title, header, rows in sections(data):
        grid_table = doc.add_table(rows=2 + len(rows), cols=len(header))
        grid_table.style = doc.styles["Table Grid"]
        grid_table.autofit = False
        set_widths(grid_table, WIDTHS_CM)
        table_rows = list(grid_table.rows)
        for index, head in enumerate(header):
            cell_text(table_rows[0].cells[index], head, bold=True, size=12, align=CENTER)
        cells = table_rows[1].cells
        cell_text(cells[0].merge(cells[-1]), section_title, bold=True, size=12, align=LEFT)
        for table_row, values in zip(table_rows[2:], rows, strict=True):
            cells = table_row.cells
            for index, value in enumerate(values):
                cell_text(cells[index], value, size=12, align=CENTER if index in (0, 3, 4) else LEFT)
        keep_rows(grid_table, header_rows=1)
        paragraph(doc, "", space_after=0)
    closing(doc, [head_signer(issuer)], width_cm=usable)
    return docx_bytes(doc, moment)
