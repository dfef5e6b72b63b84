"""Workbook conventions shared by the XLSX exports: fonts, headings, widths, reproducible bytes."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports.common import reproducible_zip

FONT = "Times New Roman"
BASE_FONT = Font(name=FONT, size=12)
BOLD = Font(name=FONT, size=12, bold=True)
TITLE = Font(name=FONT, size=14, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
POINTS_FORMAT = "0.00"
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def new_workbook(title: str, moment: datetime) -> Workbook:
    workbook = Workbook()
    # Font 0 is every unstyled cell's font: Times New Roman covers Vietnamese and matches the DOCX.
    workbook._fonts = IndexedList([BASE_FONT])  # type: ignore[attr-defined]
    workbook.properties.creator = workbook.properties.lastModifiedBy = "Thi đua Bot"
    workbook.properties.title = title
    workbook.properties.created = workbook.properties.modified = moment.replace(tzinfo=None)
    return workbook


def sheet_title(text: str, taken: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = text.translate(_BAD_SHEET_CHARS).strip()[:31] or "Sheet"
    name, counter = base, 1
    while name.casefold() in taken:
        counter += 1
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def title_rows(sheet: Worksheet, lines: Sequence[str], width: int) -> None:
    for index, line in enumerate(lines, start=1):
        cell = sheet.cell(row=index, column=1, value=line)
        cell.font = TITLE if index == 1 else BOLD
        cell.alignment = Alignment(horizontal="center")
        if width > 1:
            sheet.merge_cells(start_row=index, start_column=1, end_row=index, end_column=width)


def header_row(sheet: Worksheet, row: int, titles: Sequence[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BOX, CENTER


def widths(sheet: Worksheet, values: Sequence[float]) -> None:
    for column, width in enumerate(values, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


_REF = r"\$?[A-Z]{1,3}\$?[0-9]{1,7}"
# The only formulas the exports write: totals, a rank, a difference, a reference to the self-score
# sheet. Anything else that reaches a cell as "=…" is text someone typed.
_OUR_FORMULA = re.compile(
    rf"=(?:0|SUM\({_REF}:{_REF}\)|RANK\({_REF},{_REF}:{_REF},0\)|{_REF}(?:-{_REF})?|'(?P<sheet>[^']+)'!{_REF})"
)


def _ours(formula: str, sheets: set[str]) -> bool:
    found = _OUR_FORMULA.fullmatch(formula)
    return found is not None and (found.group("sheet") is None or found.group("sheet") in sheets)


def to_bytes(workbook: Workbook, moment: datetime) -> bytes:
    # openpyxl stores any string starting with "=" as a formula: a unit's note "=HYPERLINK(…)"
    # would run in the head's Excel. What is not one of our formulas is kept as text.
    sheets = set(workbook.sheetnames)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and not (isinstance(cell.value, str) and _ours(cell.value, sheets)):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue(), moment)
