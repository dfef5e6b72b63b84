"""Workbook conventions shared by the XLSX exports, written with XlsxWriter.

XlsxWriter stores each formula's value beside it, so a phone preview or any reader that does not
recalculate shows the totals and ranks; it is also several times faster than openpyxl. Every
sheet opens with the issuing body beside the national motto, the title and the date, prints on
A4 landscape fitted to the page width with its header rows repeated, and ends with a signature
block. Text a user typed is always written as text (`write_string`): a note "=HYPERLINK(…)"
stays a note, never a live formula.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.exports.common import MOTTO, MOTTO_2, place_and_date, reproducible_zip
from bot.exports.data import Issuer

FONT = "Times New Roman"
# Scores go in steps of 0.25 or 0.5: whole points show without decimals, the rest with what they
# need. The decimal mark is the reader's: "92,5" on a Vietnamese Excel or LibreOffice.
WHOLE_FORMAT = "0"
POINTS_FORMAT = "0.0#"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "hh:mm dd/mm/yyyy"
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
LINE_HEIGHT = 15.75  # points per line of 12 pt text


# A formula whose only functions are SUM and RANK, which is every formula these workbooks write.
_PLAIN_FUNCTION = re.compile(r"(?<![\w.])(?:SUM|RANK)\(")


class Sheet(Worksheet):
    """XlsxWriter's worksheet, without its per-formula cost where a formula cannot need it.

    XlsxWriter passes every formula through some thirty regular expressions that prefix Excel
    365's new functions (FILTER → _xlfn._xlws.FILTER); ours use only SUM and RANK, which need
    none, and a bloc of 1,000 units writes 5,000 of them. Any other formula, and any XlsxWriter
    that no longer calls this hook, takes XlsxWriter's own way."""

    def _prepare_formula(self, formula: str, *args: Any, **kwargs: Any) -> str:
        if (
            formula.startswith("=")
            and not formula.endswith("}")
            and formula.count("(") == len(_PLAIN_FUNCTION.findall(formula))
        ):
            return formula[1:]
        prepared: str = super()._prepare_formula(formula, *args, **kwargs)
        return prepared

    def cell_writers(self) -> tuple[Callable[..., int], Callable[..., int]]:
        """write_number and write_blank without the wrapper that reads "A1" notation, for the
        inner loop of a large table (0-based row and column, as everywhere here)."""
        return self._write_number, self._write_blank


def points_format(value: Decimal | float | int | None) -> str:
    if value is None:
        return POINTS_FORMAT
    exact = value if isinstance(value, Decimal) else Decimal(value)
    return WHOLE_FORMAT if exact == exact.to_integral_value() else POINTS_FORMAT


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


def lines_needed(text: str, width_chars: float) -> int:
    """How many lines a wrapped cell takes (Excel does not fit row heights when it opens a file)."""
    per_line = max(1.0, width_chars * 1.1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n")) if text else 1


class Book:
    """One workbook being written, with its formats made once and reused."""

    def __init__(self, title: str, moment: datetime) -> None:
        self.moment = moment
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.workbook.set_properties(
            {"title": title, "author": "Thi đua Bot", "created": moment.replace(tzinfo=None)}
        )
        self.workbook.formats[0].set_font_name(FONT)
        self.workbook.formats[0].set_font_size(12)
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        # A workbook of 1,000 units writes 80,000 cells: each asks for its cell style by these
        # four words, looked up here rather than rebuilt from a sorted dict every time.
        self._cells: dict[tuple[bool, str | None, bool, bool], Format] = {}
        # Scores take few values (steps of 0.25 or 0.5): each value's float and style, found once.
        self._points: dict[tuple[Decimal, bool], tuple[float, Format]] = {}

    def fmt(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        found = self._formats.get(key)
        if found is None:
            found = self.workbook.add_format({"font_name": FONT, "font_size": 12, **props})
            self._formats[key] = found
        return found

    # The formats every sheet uses.
    def cell(
        self, *, bold: bool = False, num: str | None = None, wrap: bool = True, center: bool = False
    ) -> Format:
        key = (bold, num, wrap, center)
        found = self._cells.get(key)
        if found is not None:
            return found
        props: dict[str, Any] = {"border": 1, "valign": "top", "text_wrap": wrap}
        if bold:
            props["bold"] = True
        if num:
            props["num_format"] = num
        if center:
            props["align"] = "center"
        found = self._cells[key] = self.fmt(**props)
        return found

    def points(self, value: Decimal, *, bold: bool = False) -> tuple[float, Format]:
        """A score as written: its float and its centred cell style (whole or with decimals)."""
        key = (value, bold)
        found = self._points.get(key)
        if found is None:
            found = (float(value), self.cell(bold=bold, num=points_format(value), center=True))
            if value:  # -0 equals 0 as a key but is written "-0": never shared
                self._points[key] = found
        return found

    def header(self) -> Format:
        return self.fmt(
            bold=True, border=1, align="center", valign="vcenter", text_wrap=True, bg_color="#DDEBF7"
        )

    def add_sheet(self, name: str) -> Sheet:
        sheet: Sheet = self.workbook.add_worksheet(name, worksheet_class=Sheet)
        return sheet

    def finish(self) -> bytes:
        self.workbook.close()
        return reproducible_zip(self.buffer.getvalue(), self.moment)


def heading(
    book: Book, sheet: Worksheet, issuer: Issuer, title: Sequence[str], width: int, when: date
) -> int:
    """The administrative heading of a sheet (issuing body | motto, place and date), then the
    title lines; returns the first free row (0-based)."""
    half = max(1, width // 2 - (1 if width > 6 else 0))
    center = {"align": "center", "valign": "vcenter"}
    rows = [
        (issuer.authority.upper(), book.fmt(text_wrap=True, **center), MOTTO, book.fmt(bold=True, **center)),
        (
            issuer.bloc_name.upper(),
            book.fmt(bold=True, **center),
            MOTTO_2,
            book.fmt(bold=True, underline=1, **center),
        ),
        ("", None, place_and_date(issuer.place, when), book.fmt(italic=True, **center)),
    ]
    for row, (left, left_fmt, right, right_fmt) in enumerate(rows):
        _span(sheet, row, 0, half - 1, left, left_fmt)
        _span(sheet, row, half, width - 1, right, right_fmt)
    # The department's long name may need two lines in the narrow left half.
    sheet.set_row(0, LINE_HEIGHT * 2)
    row = len(rows) + 1
    for index, line in enumerate(title):
        style = book.fmt(
            bold=True, font_size=14 if index == 0 else 12, align="center", valign="vcenter", text_wrap=True
        )
        _span(sheet, row, 0, width - 1, line, style)
        sheet.set_row(row, LINE_HEIGHT * (1.4 if index == 0 else 1.2))
        row += 1
    return row + 1


def _span(sheet: Worksheet, row: int, first: int, last: int, text: str, style: Format | None) -> None:
    if last > first:
        sheet.merge_range(row, first, row, last, text, style)
    elif text:
        sheet.write_string(row, first, text, style)


def signature(book: Book, sheet: Worksheet, row: int, width: int, blocks: Sequence[tuple[str, str]]) -> int:
    """Signature blocks side by side under the table, e.g. ("NGƯỜI LẬP BIỂU", name),
    ("KHỐI TRƯỞNG", name); returns the row after them."""
    row += 1
    span = max(1, width // len(blocks))
    office = book.fmt(bold=True, align="center", valign="top", text_wrap=True)
    note = book.fmt(italic=True, align="center")
    name = book.fmt(bold=True, align="center")
    for index, (title, who) in enumerate(blocks):
        first = index * span
        last = width - 1 if index == len(blocks) - 1 else first + span - 1
        _span(sheet, row, first, last, title, office)
        _span(sheet, row + 1, first, last, "(Ký, ghi rõ họ tên)", note)
        _span(sheet, row + 5, first, last, who, name)
    sheet.set_row(row, LINE_HEIGHT * (1 + max(t.count("\n") for t, _ in blocks)))
    return row + 6


def print_setup(sheet: Worksheet, header_first: int, header_last: int, *, landscape: bool = True) -> None:
    """A4, landscape, fitted to one page wide, the table's header repeated on every page, pages
    numbered at the foot."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_first, header_last)
    sheet.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.7)
    sheet.center_horizontally()
    sheet.set_footer("&CTrang &P/&N", {"margin": 0.3})


def header_row(book: Book, sheet: Worksheet, row: int, titles: Sequence[str], height_lines: int = 2) -> None:
    style = book.header()
    for column, title in enumerate(titles):
        sheet.write_string(row, column, title, style)
    sheet.set_row(row, LINE_HEIGHT * height_lines)


def widths(sheet: Worksheet, values: Sequence[float]) -> None:
    for column, width in enumerate(values):
        sheet.set_column(column, column, width)
