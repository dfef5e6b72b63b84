"""Bảng tổng hợp điểm: criteria as columns, units as rows, totals as formulas; a sheet per unit.

Totals, adjustments and ranks are Excel formulas so that a clerk can check (or correct) them in
Excel or LibreOffice; the bot's own totals are written nowhere else, the formulas are the totals.
Units with final scores come first in rank order, so the RANK range covers exactly them.
"""

from __future__ import annotations

from datetime import datetime

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports.common import hm_dmy, short_unit_name
from bot.exports.data import ScoreBook, UnitScores
from bot.exports.xlsx_layout import (
    BOLD,
    BOX,
    POINTS_FORMAT,
    WRAP,
    header_row,
    new_workbook,
    sheet_title,
    title_rows,
    to_bytes,
    widths,
)

SUMMARY = "Tổng hợp"
SELF = "Tự chấm"
CRITERIA = "Tiêu chí"
HEADER_ROW = 3
MAX_ROW = 4
FIRST_ROW = 5
FIXED = 3  # TT, Đơn vị, Trạng thái
# A bloc has 8–20 units. Past this many, per-unit sheets make a workbook nobody can browse (and
# cost ~40 ms each to write), so only the summary sheets are written.
MAX_UNIT_SHEETS = 100
STATUS_WORDS = {
    None: "Chưa chấm",
    "draft": "Đang tự chấm",
    "submitted": "Đã gửi, đang xét",
    "final": "Đã chốt",
}
REVIEW_WORDS = {
    "pending": "Chưa xét",
    "accepted": "Chấp nhận",
    "proposed": "Đề xuất điểm khác",
    "agreed": "Đơn vị đồng ý",
    "disputed": "Đơn vị giải trình",
    "decided": "Khối trưởng quyết định",
}


def summary_columns(book: ScoreBook) -> dict[str, int]:
    """1-based column numbers of the summary's computed columns."""
    after = FIXED + len(book.criteria)
    return {"total": after + 1, "self": after + 2, "adjust": after + 3, "rank": after + 4}


def _matrix(sheet: Worksheet, book: ScoreBook, *, final: bool, lines: list[str]) -> None:
    codes = [c.code for c in book.criteria]
    total_title = "Tổng điểm" if final else "Tổng tự chấm"
    extra = ["Tổng tự chấm", "Điều chỉnh", "Xếp hạng"] if final else []
    titles = ["TT", "Đơn vị", "Trạng thái", *codes, total_title, *extra]
    title_rows(sheet, lines, len(titles))
    header_row(sheet, HEADER_ROW, titles)
    first, last = get_column_letter(FIXED + 1), get_column_letter(FIXED + len(codes))
    total_col = FIXED + len(codes) + 1
    sheet.cell(row=MAX_ROW, column=2, value="Điểm tối đa").font = BOLD
    for index, criterion in enumerate(book.criteria, start=FIXED + 1):
        cell = sheet.cell(row=MAX_ROW, column=index, value=criterion.max_points)
        cell.number_format, cell.font = POINTS_FORMAT, BOLD
    cell = sheet.cell(row=MAX_ROW, column=total_col, value=f"=SUM({first}{MAX_ROW}:{last}{MAX_ROW})")
    cell.number_format, cell.font = POINTS_FORMAT, BOLD
    ranked_last = FIRST_ROW + sum(1 for u in book.units if u.rank is not None) - 1
    total_letter = get_column_letter(total_col)
    for offset, unit in enumerate(book.units):
        row = FIRST_ROW + offset
        sheet.cell(row=row, column=1, value=offset + 1)
        sheet.cell(row=row, column=2, value=unit.unit_name)
        sheet.cell(row=row, column=3, value=STATUS_WORDS.get(unit.status, unit.status or ""))
        for index, criterion in enumerate(book.criteria, start=FIXED + 1):
            found = unit.cells.get(criterion.code)
            value = None if found is None else (found.final if final else found.self_score)
            if value is not None:
                sheet.cell(row=row, column=index, value=value).number_format = POINTS_FORMAT
        total = sheet.cell(row=row, column=total_col, value=f"=SUM({first}{row}:{last}{row})")
        total.number_format, total.font = POINTS_FORMAT, BOLD
        if final:
            own = f"'{SELF}'!{total_letter}{row}"
            self_cell = sheet.cell(row=row, column=total_col + 1, value=f"={own}")
            self_cell.number_format = POINTS_FORMAT
            adjust = sheet.cell(
                row=row,
                column=total_col + 2,
                value=f"={total_letter}{row}-{get_column_letter(total_col + 1)}{row}",
            )
            adjust.number_format = POINTS_FORMAT
            if unit.rank is not None:
                span = f"${total_letter}${FIRST_ROW}:${total_letter}${ranked_last}"
                sheet.cell(row=row, column=total_col + 3, value=f"=RANK({total_letter}{row},{span},0)")
    widths(sheet, [5, 42, 16, *([7] * len(codes)), 11, *([11] * len(extra))])
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=FIXED + 1).coordinate


def _criteria_sheet(sheet: Worksheet, book: ScoreBook) -> None:
    header_row(sheet, 1, ["Mã", "Nội dung", "Tiêu chí", "Điểm tối đa"])
    for row, criterion in enumerate(book.criteria, start=2):
        sheet.cell(row=row, column=1, value=criterion.code)
        sheet.cell(row=row, column=2, value=f"{criterion.content_code}. {criterion.content_title}")
        sheet.cell(row=row, column=3, value=criterion.title).alignment = WRAP
        sheet.cell(row=row, column=4, value=criterion.max_points).number_format = POINTS_FORMAT
    widths(sheet, [8, 40, 60, 12])
    sheet.freeze_panes = "A2"


UNIT_HEADER = [
    "Mã",
    "Tiêu chí",
    "Tối đa",
    "Tự chấm",
    "Đề xuất",
    "Lý do đề xuất",
    "Ý kiến đơn vị",
    "Điểm cuối",
    "Xét duyệt",
    "Minh chứng",
]


def _unit_sheet(sheet: Worksheet, book: ScoreBook, unit: UnitScores) -> None:
    title_rows(
        sheet,
        [unit.unit_name, f"{book.issuer.bloc_name} — năm học {book.issuer.school_year}"],
        len(UNIT_HEADER),
    )
    sheet.cell(row=3, column=1, value=f"Trạng thái: {STATUS_WORDS.get(unit.status, unit.status or '')}")
    header = 4
    header_row(sheet, header, UNIT_HEADER)
    row = header
    for criterion in book.criteria:
        row += 1
        cell = unit.cells.get(criterion.code)
        values: list[object] = [criterion.code, criterion.title, criterion.max_points]
        if cell is None:
            values += [None, None, None, None, None, "", ""]
        else:
            values += [
                cell.self_score,
                cell.proposed,
                cell.reason,
                cell.answer,
                cell.final,
                REVIEW_WORDS.get(cell.review, cell.review),
                "\n".join(cell.evidence),
            ]
        for column, value in enumerate(values, start=1):
            target = sheet.cell(row=row, column=column, value=value)  # type: ignore[call-overload]
            target.border = BOX
            if column in (3, 4, 5, 8):
                target.number_format = POINTS_FORMAT
            elif column in (2, 6, 7, 10):
                target.alignment = WRAP
        if cell is not None:
            link = next((e for e in cell.evidence if e.startswith(("http://", "https://"))), None)
            if link is not None:
                sheet.cell(row=row, column=10).hyperlink = link
    row += 1
    sheet.cell(row=row, column=2, value="Tổng cộng").font = BOLD
    for column in (3, 4, 8):
        letter = get_column_letter(column)
        total = sheet.cell(row=row, column=column, value=f"=SUM({letter}{header + 1}:{letter}{row - 1})")
        total.number_format, total.font = POINTS_FORMAT, BOLD
    row += 2
    sheet.cell(row=row, column=1, value="Lịch sử xét duyệt").font = BOLD
    row += 1
    header_row(sheet, row, ["Thời gian", "Người thực hiện", "Nội dung", "Từ", "Thành", "Lý do"])
    for entry in unit.history:
        row += 1
        for column, value in enumerate(
            [hm_dmy(entry.at), entry.who, entry.what, entry.old, entry.new, entry.reason], start=1
        ):
            sheet.cell(row=row, column=column, value=value).alignment = WRAP
    widths(sheet, [16, 46, 9, 9, 9, 28, 28, 10, 18, 40])
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1).coordinate


def render(book: ScoreBook, moment: datetime, *, unit_sheets: bool = True) -> bytes:
    issuer = book.issuer
    lines = [
        "BẢNG TỔNG HỢP ĐIỂM THI ĐUA",
        f"{issuer.bloc_name} — năm học {issuer.school_year}",
    ]
    workbook = new_workbook(f"Bảng điểm — {issuer.bloc_name}", moment)
    summary = workbook.active
    assert summary is not None
    summary.title = SUMMARY
    _matrix(summary, book, final=True, lines=lines)
    own = workbook.create_sheet(SELF)
    _matrix(own, book, final=False, lines=["BẢNG ĐIỂM TỰ CHẤM", lines[1]])
    _criteria_sheet(workbook.create_sheet(CRITERIA), book)
    if unit_sheets and len(book.units) <= MAX_UNIT_SHEETS:
        taken = {SUMMARY.casefold(), SELF.casefold(), CRITERIA.casefold()}
        for index, unit in enumerate(book.units, start=1):
            _unit_sheet(
                workbook.create_sheet(sheet_title(f"{index:02d}. {short_unit_name(unit.unit_name)}", taken)),
                book,
                unit,
            )
    return to_bytes(workbook, moment)


def table(book: ScoreBook) -> tuple[list[str], list[list[str]]]:
    """The summary as plain rows, for CSV: final scores per criterion and the computed totals."""
    from bot.exports.common import points

    header = [
        "TT",
        "Đơn vị",
        "Trạng thái",
        *[c.code for c in book.criteria],
        "Tổng điểm",
        "Tổng tự chấm",
        "Xếp hạng",
    ]
    rows = []
    for index, unit in enumerate(book.units, start=1):
        scores = [points(unit.cells[c.code].final) if c.code in unit.cells else "" for c in book.criteria]
        rows.append(
            [
                str(index),
                unit.unit_name,
                STATUS_WORDS.get(unit.status, unit.status or ""),
                *scores,
                points(unit.final_total),
                points(unit.self_total),
                str(unit.rank) if unit.rank is not None else "",
            ]
        )
    return header, rows
