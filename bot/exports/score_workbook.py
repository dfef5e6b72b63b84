"""Bảng tổng hợp điểm: criteria as columns, units as rows, totals as formulas; a sheet per unit.

Totals, adjustments and ranks are Excel formulas so that a clerk can check (or correct) them in
Excel or LibreOffice, each stored with the bot's own value beside it, so that a reader that does
not recalculate (a phone's preview) shows the same numbers.
Units with final scores come first in rank order, so the RANK range covers exactly them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from bot.exports.common import short_unit_name
from bot.exports.data import HistoryRow, ScoreBook, UnitScores
from bot.exports.xlsx_layout import (
    DATETIME_FORMAT,
    LINE_HEIGHT,
    Book,
    Sheet,
    header_row,
    heading,
    lines_needed,
    points_format,
    print_setup,
    sheet_title,
    signature,
    widths,
)

SUMMARY = "Tổng hợp"
SELF = "Tự chấm"
CRITERIA = "Tiêu chí"
# Rows (1-based, as a clerk reads them): the heading takes rows 1–7, the table starts at 8.
HEADER_ROW = 8
MAX_ROW = 9
FIRST_ROW = 10
FIXED = 3  # TT, Đơn vị, Trạng thái
# A bloc has 8–20 units. Past this many, per-unit sheets make a workbook nobody can browse, so
# only the summary sheets are written.
MAX_UNIT_SHEETS = 100
NAME_WIDTH = 42
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
CHANGE_WORDS = {
    "self": "Tự chấm tiêu chí {code}",
    "proposed": "Đề xuất điểm tiêu chí {code}",
    "final": "Điểm cuối tiêu chí {code}",
    "disputed": "Đơn vị giải trình tiêu chí {code}",
    "answer": "Ý kiến của đơn vị, tiêu chí {code}",
    "review": "Xét duyệt tiêu chí {code}",
}


def summary_columns(book: ScoreBook) -> dict[str, int]:
    """1-based column numbers of the summary's computed columns."""
    after = FIXED + len(book.criteria)
    return {"total": after + 1, "self": after + 2, "adjust": after + 3, "rank": after + 4}


def change_words(entry: HistoryRow) -> tuple[str, object, object]:
    """A history entry in words: ("Tự chấm tiêu chí 1.1", 8, 9), ("Trạng thái bảng điểm",
    "Đang tự chấm", "Đã gửi, đang xét"); scores as numbers."""
    if entry.what == "status":
        return (
            "Trạng thái bảng điểm",
            STATUS_WORDS.get(entry.old or None, entry.old),
            STATUS_WORDS.get(entry.new or None, entry.new),
        )
    code, _, what = entry.what.rpartition(".")
    template = CHANGE_WORDS.get(what)
    label = template.format(code=code) if template and code else entry.what

    def value(text: str) -> object:
        try:
            return Decimal(text) if text else ""
        except ArithmeticError:
            return REVIEW_WORDS.get(text, text)

    return label, value(entry.old), value(entry.new)


def _number(
    sheet: Worksheet, book: Book, row: int, column: int, value: Decimal | None, *, bold: bool = False
) -> None:
    if value is None:
        sheet.write_blank(row, column, None, book.cell(bold=bold))
    else:
        number, style = book.points(value, bold=bold)
        sheet.write_number(row, column, number, style)


def _formula(
    sheet: Worksheet,
    book: Book,
    row: int,
    column: int,
    formula: str,
    value: Decimal | int,
    *,
    bold: bool = False,
    num: str | None = None,
) -> None:
    if num is None and isinstance(value, Decimal):
        number, style = book.points(value, bold=bold)
        sheet.write_formula(row, column, formula, style, number)
    else:
        style = book.cell(bold=bold, num=num or points_format(value), center=True)
        sheet.write_formula(
            row, column, formula, style, float(value) if isinstance(value, Decimal) else value
        )


def _matrix(book: Book, sheet: Sheet, data: ScoreBook, *, final: bool, title: list[str]) -> None:
    codes = [c.code for c in data.criteria]
    total_title = "Tổng điểm" if final else "Tổng tự chấm"
    extra = ["Tổng tự chấm", "Điều chỉnh", "Xếp hạng"] if final else []
    titles = ["TT", "Đơn vị", "Trạng thái", *codes, total_title, *extra]
    width = len(titles)
    heading(book, sheet, data.issuer, title, width, data.issued_on)
    header_row(book, sheet, HEADER_ROW - 1, titles)
    first, last = xl_col_to_name(FIXED), xl_col_to_name(FIXED + len(codes) - 1)
    total_col = FIXED + len(codes)  # 0-based
    total_letter = xl_col_to_name(total_col)
    max_row = MAX_ROW - 1
    sheet.write_blank(max_row, 0, None, book.cell())
    sheet.write_string(max_row, 1, "Điểm tối đa", book.cell(bold=True))
    sheet.write_blank(max_row, 2, None, book.cell())
    for index, criterion in enumerate(data.criteria, start=FIXED):
        _number(sheet, book, max_row, index, criterion.max_points, bold=True)
    most = sum((c.max_points for c in data.criteria), Decimal(0))
    _formula(sheet, book, max_row, total_col, f"=SUM({first}{MAX_ROW}:{last}{MAX_ROW})", most, bold=True)
    for column in range(total_col + 1, width):
        sheet.write_blank(max_row, column, None, book.cell())
    ranked_last = FIRST_ROW + sum(1 for u in data.units if u.rank is not None) - 1
    plain = book.cell(center=True)
    name_style = book.cell()
    # The 40 score cells of a row are the bulk of the file: their loop asks for nothing twice.
    columns = list(enumerate(codes, start=FIXED))
    write_number, write_blank = sheet.cell_writers()
    points = book.points
    self_letter = xl_col_to_name(total_col + 1)
    for offset, unit in enumerate(data.units):
        row = FIRST_ROW - 1 + offset
        excel_row = row + 1
        sheet.write_number(row, 0, offset + 1, plain)
        sheet.write_string(row, 1, unit.unit_name, name_style)
        sheet.write_string(row, 2, STATUS_WORDS.get(unit.status, unit.status or ""), name_style)
        cells = unit.cells
        for index, code in columns:
            found = cells.get(code)
            value = None if found is None else (found.final if final else found.self_score)
            if value is None:
                write_blank(row, index, None, name_style)
            else:
                number, style = points(value)
                write_number(row, index, number, style)
        self_total = unit.self_total  # each a sum over the unit's cells: summed once
        total = unit.final_total if final else self_total
        _formula(sheet, book, row, total_col, f"=SUM({first}{excel_row}:{last}{excel_row})", total, bold=True)
        if final:
            _formula(sheet, book, row, total_col + 1, f"='{SELF}'!{total_letter}{excel_row}", self_total)
            _formula(
                sheet,
                book,
                row,
                total_col + 2,
                f"={total_letter}{excel_row}-{self_letter}{excel_row}",
                total - self_total,
            )
            if unit.rank is not None:
                span = f"${total_letter}${FIRST_ROW}:${total_letter}${ranked_last}"
                _formula(
                    sheet,
                    book,
                    row,
                    total_col + 3,
                    f"=RANK({total_letter}{excel_row},{span},0)",
                    unit.rank,
                    num="0",
                )
            else:
                sheet.write_blank(row, total_col + 3, None, plain)
        lines = lines_needed(unit.unit_name, NAME_WIDTH)
        if lines > 1:
            sheet.set_row(row, LINE_HEIGHT * lines)
    end = signature(
        book,
        sheet,
        FIRST_ROW - 1 + len(data.units),
        width,
        [("NGƯỜI LẬP BIỂU", ""), ("KHỐI TRƯỞNG", data.issuer.head_name)],
    )
    del end
    widths(sheet, [5, NAME_WIDTH, 16, *([7] * len(codes)), 11, *([11] * len(extra))])
    sheet.freeze_panes(FIRST_ROW - 1, FIXED)
    print_setup(sheet, HEADER_ROW - 1, MAX_ROW - 1)


def _criteria_sheet(book: Book, sheet: Worksheet, data: ScoreBook) -> None:
    row = heading(book, sheet, data.issuer, ["TIÊU CHÍ VÀ THANG ĐIỂM THI ĐUA"], 4, data.issued_on)
    header_row(book, sheet, row, ["Mã", "Nội dung", "Tiêu chí", "Điểm tối đa"])
    header = row
    text = book.cell()
    for criterion in data.criteria:
        row += 1
        sheet.write_string(row, 0, criterion.code, book.cell(center=True))
        sheet.write_string(row, 1, f"{criterion.content_code}. {criterion.content_title}", text)
        sheet.write_string(row, 2, criterion.title, text)
        _number(sheet, book, row, 3, criterion.max_points)
        sheet.set_row(
            row,
            LINE_HEIGHT * max(lines_needed(criterion.title, 60), lines_needed(criterion.content_title, 40)),
        )
    signature(book, sheet, row + 1, 4, [("NGƯỜI LẬP BIỂU", ""), ("KHỐI TRƯỞNG", data.issuer.head_name)])
    widths(sheet, [8, 40, 60, 12])
    sheet.freeze_panes(header + 1, 0)
    print_setup(sheet, header, header)


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
UNIT_WIDTHS = [16, 46, 9, 9, 9, 28, 28, 10, 18, 40]


def _unit_sheet(book: Book, sheet: Worksheet, data: ScoreBook, unit: UnitScores) -> None:
    width = len(UNIT_HEADER)
    row = heading(
        book,
        sheet,
        data.issuer,
        ["BẢNG ĐIỂM THI ĐUA CỦA ĐƠN VỊ", unit.unit_name, f"Năm học {data.issuer.school_year}"],
        width,
        data.issued_on,
    )
    sheet.write_string(
        row, 0, f"Trạng thái: {STATUS_WORDS.get(unit.status, unit.status or '')}", book.fmt(italic=True)
    )
    row += 1
    header = row
    header_row(book, sheet, header, UNIT_HEADER)
    text = book.cell()
    for criterion in data.criteria:
        row += 1
        cell = unit.cells.get(criterion.code)
        sheet.write_string(row, 0, criterion.code, book.cell(center=True))
        sheet.write_string(row, 1, criterion.title, text)
        _number(sheet, book, row, 2, criterion.max_points)
        texts: list[str] = [criterion.title]
        if cell is None:
            for column in range(3, width):
                sheet.write_blank(row, column, None, text)
        else:
            _number(sheet, book, row, 3, cell.self_score)
            _number(sheet, book, row, 4, cell.proposed)
            sheet.write_string(row, 5, cell.reason or "", text)
            sheet.write_string(row, 6, cell.answer or "", text)
            _number(sheet, book, row, 7, cell.final)
            sheet.write_string(row, 8, REVIEW_WORDS.get(cell.review, cell.review), text)
            evidence = "\n".join(cell.evidence)
            link = next((e for e in cell.evidence if e.startswith(("http://", "https://"))), None)
            if link is not None and len(link) < 2000:
                # The link as a link (a URL, never a formula), its text the whole evidence list.
                sheet.write_url(row, 9, link, text, string=evidence[:32000])
            else:
                sheet.write_string(row, 9, evidence[:32000], text)
            texts += [cell.reason or "", cell.answer or "", evidence]
        lines = max(
            [
                lines_needed(texts[0], UNIT_WIDTHS[1]),
                *(lines_needed(t, 28) for t in texts[1:3]),
                *(lines_needed(t, UNIT_WIDTHS[9]) for t in texts[3:]),
            ]
        )
        sheet.set_row(row, LINE_HEIGHT * min(lines, 20))
    row += 1
    first, last = header + 2, row
    sheet.write_string(row, 1, "Tổng cộng", book.cell(bold=True))
    sums = {
        2: sum((c.max_points for c in data.criteria), Decimal(0)),
        3: unit.self_total,
        7: unit.final_total,
    }
    for column in range(width):
        if column in sums:
            letter = xl_col_to_name(column)
            _formula(
                sheet, book, row, column, f"=SUM({letter}{first}:{letter}{last})", sums[column], bold=True
            )
        elif column != 1:
            sheet.write_blank(row, column, None, book.cell())
    row += 2
    sheet.write_string(row, 0, "Lịch sử xét duyệt", book.fmt(bold=True))
    row += 1
    # The history sits under the criteria table, in its wide columns: B (46) for what changed,
    # E–F merged (37) for who, G (28) for why.
    style = book.header()
    for column, title in ((0, "Thời gian"), (1, "Nội dung"), (2, "Từ"), (3, "Thành"), (6, "Lý do")):
        sheet.write_string(row, column, title, style)
    sheet.merge_range(row, 4, row, 5, "Người thực hiện", style)
    when = book.cell(num=DATETIME_FORMAT, center=True)
    for entry in unit.history:
        row += 1
        label, old, new = change_words(entry)
        sheet.write_datetime(row, 0, entry.at.replace(tzinfo=None), when)
        sheet.write_string(row, 1, label, text)
        for column, value in ((2, old), (3, new)):
            if isinstance(value, Decimal):
                _number(sheet, book, row, column, value)
            else:
                sheet.write_string(row, column, str(value), text)
        sheet.merge_range(row, 4, row, 5, entry.who, text)
        sheet.write_string(row, 6, entry.reason, text)
        words = max([lines_needed(str(v), 9) for v in (old, new) if not isinstance(v, Decimal)] or [1])
        sheet.set_row(row, LINE_HEIGHT * min(max(words, lines_needed(entry.reason, 28)), 10))
    signature(book, sheet, row + 1, width, [("NGƯỜI LẬP BIỂU", ""), ("KHỐI TRƯỞNG", data.issuer.head_name)])
    widths(sheet, UNIT_WIDTHS)
    sheet.freeze_panes(header + 1, 0)
    print_setup(sheet, header, header)


def render(data: ScoreBook, moment: datetime, *, unit_sheets: bool = True) -> bytes:
    if data.issued_on is None:
        data = replace(data, issued_on=moment.date())
    issuer = data.issuer
    year = f"{issuer.bloc_name} — năm học {issuer.school_year}"
    book = Book(f"Bảng điểm — {issuer.bloc_name}", moment)
    _matrix(book, book.add_sheet(SUMMARY), data, final=True, title=["BẢNG TỔNG HỢP ĐIỂM THI ĐUA", year])
    _matrix(book, book.add_sheet(SELF), data, final=False, title=["BẢNG ĐIỂM TỰ CHẤM", year])
    _criteria_sheet(book, book.add_sheet(CRITERIA), data)
    if unit_sheets and len(data.units) <= MAX_UNIT_SHEETS:
        taken = {SUMMARY.casefold(), SELF.casefold(), CRITERIA.casefold()}
        for index, unit in enumerate(data.units, start=1):
            name = sheet_title(f"{index:02d}. {short_unit_name(unit.unit_name)}", taken)
            _unit_sheet(book, book.add_sheet(name), data, unit)
    return book.finish()


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
