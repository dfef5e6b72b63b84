"""Uploaded tables (the first sheet of an XLSX, or a CSV) read within fixed limits.

A 244 KB XLSX can hold five million cells: parsed whole it held the event loop for 33 s and took
370 MB. Every reader of an uploaded table comes here: the bytes, the unzipped size, the rows, the
columns and the filled cells are capped, reading stops as soon as a cap is passed, and the
caller is told which limit it was (`TableTooBig.notice`). The `*_off_loop` helpers of the
capabilities run this in a worker thread, so one big file never makes the bot deaf to others.
"""

from __future__ import annotations

import csv
import io
import zipfile

from bot.services.notices import Notice

MAX_TABLE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024  # an XLSX's XML is ~10× its zip; a zip bomb is 1000×
MAX_ROWS = 5_000  # rows read, empty ones included (a gap to row 1,000,000 is rows too)
MAX_COLUMNS = 60
MAX_CELLS = 50_000  # filled cells: a bloc's roster or a people list is a few thousand


class TableTooBig(Exception):
    """The table passes one of the limits above; nothing was read into the database."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(what, limit)
        self.what = what  # "bytes", "unzipped", "rows", "columns", "cells"
        self.limit = limit

    def notice(self, file_name: str) -> Notice:
        shown = (
            f"{self.limit // (1024 * 1024)} MB" if self.what in ("bytes", "unzipped") else f"{self.limit:,}"
        )
        return Notice(f"table.too_big.{self.what}", {"file": file_name, "limit": shown.replace(",", ".")})


# What openpyxl raises on a damaged file: a bad zip, a missing part, malformed XML (ParseError and
# lxml's errors are SyntaxErrors), a shared string index past the list, a value of the wrong type.
_DAMAGED = (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError, EOFError, SyntaxError, TypeError)


class UnreadableTable(Exception):
    """Not a table we can read (a broken zip, a field too long for CSV); `str()` says what."""


def _check_bytes(data: bytes) -> None:
    if len(data) > MAX_TABLE_BYTES:
        raise TableTooBig("bytes", MAX_TABLE_BYTES)


def xlsx_rows(data: bytes) -> list[list[object]]:
    """The first sheet's values, every row padded to the widest filled row; trailing empty columns
    dropped. Raises TableTooBig or UnreadableTable."""
    _check_bytes(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # The sizes the archive declares bound what zipfile will inflate, so checking them
            # refuses a zip bomb before a byte of it is decompressed.
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise TableTooBig("unzipped", MAX_UNZIPPED_BYTES)
        from openpyxl import load_workbook  # on first use: start-up stays light

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _DAMAGED as exc:
        raise UnreadableTable(type(exc).__name__) from None
    rows: list[list[object]] = []
    filled = width = 0
    try:
        sheet = workbook.worksheets[0]
        # What the sheet declares (Excel and LibreOffice write it truthfully) refuses a wide or
        # tall sheet at once; a sheet that lies is still bounded by the reading below.
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise TableTooBig("columns", MAX_COLUMNS)
        if (sheet.max_row or 0) > MAX_ROWS:
            raise TableTooBig("rows", MAX_ROWS)
        # Explicit bounds, not the sheet's declared <dimension>, which may be absent or lie: a row
        # past MAX_ROWS (or a gap up to it) yields MAX_ROWS + 1 rows and is refused below.
        for row in sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True):
            if len(rows) >= MAX_ROWS:
                raise TableTooBig("rows", MAX_ROWS)
            values: list[object] = list(row)
            while values and values[-1] is None:
                values.pop()
            if len(values) > MAX_COLUMNS:
                raise TableTooBig("columns", MAX_COLUMNS)
            filled += sum(value is not None for value in values)
            if filled > MAX_CELLS:
                raise TableTooBig("cells", MAX_CELLS)
            width = max(width, len(values))
            rows.append(values)
    except _DAMAGED as exc:
        raise UnreadableTable(type(exc).__name__) from None
    finally:
        workbook.close()
    return [values + [None] * (width - len(values)) for values in rows]


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV (comma, semicolon or tab, as sniffed), capped like a sheet."""
    if len(text) > MAX_TABLE_BYTES:
        raise TableTooBig("bytes", MAX_TABLE_BYTES)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    filled = 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) >= MAX_ROWS:
                raise TableTooBig("rows", MAX_ROWS)
            if len(row) > MAX_COLUMNS:
                raise TableTooBig("columns", MAX_COLUMNS)
            filled += sum(bool(cell) for cell in row)
            if filled > MAX_CELLS:
                raise TableTooBig("cells", MAX_CELLS)
            rows.append(row)
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
        raise UnreadableTable(str(exc)) from None
    return rows


def csv_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) after the byte cap; UnicodeDecodeError is the caller's."""
    _check_bytes(data)
    return data.decode("utf-8-sig")
