"""Spreadsheets built in memory for tests: small ones, and bombs that are small only on the wire."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

CELL = "<c><v>1</v></c>"


def small_xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet_xml(rows_xml: list[str] | tuple[str, int], *, dimension: str = "A1") -> bytes:
    """A real XLSX whose first sheet's XML is replaced: `rows_xml` is a list of <row> elements, or
    (one row, how many times) streamed into the zip so a bomb never sits whole in memory."""
    base = small_xlsx([["Họ và tên", "Chức vụ", "Danh hiệu đăng ký"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    + f'<dimension ref="{dimension}"/><sheetData>'.encode()
                )
                if isinstance(rows_xml, tuple):
                    row, times = rows_xml
                    for _ in range(times):
                        sheet.write(row.encode())
                else:
                    for row in rows_xml:
                        sheet.write(row.encode())
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def bomb() -> bytes:
    """5 million one-digit cells: 5,000 rows of 1,000; about 80 MB of XML in a few hundred KB."""
    return with_sheet_xml(("<row>" + CELL * 1000 + "</row>", 5000), dimension="A1:ALL5000")
