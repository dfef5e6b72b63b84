"""Spreadsheet bombs are refused early, naming the limit, by every reader of uploaded tables (issue 15)."""

from __future__ import annotations

import pytest

from bot.services import criteria, registration, roster, timetable, uploads
from bot.services.notices import Notice
from tests.auxil.spreadsheets import CELL, bomb, small_xlsx, with_sheet_xml

pytestmark = pytest.mark.hardening


@pytest.fixture(scope="module")
def bomb_bytes() -> bytes:
    return bomb()


def _key(found: object) -> str:
    if isinstance(found, Notice):
        return found.key
    if isinstance(found, tuple):  # (rows, notice | None) or (rows, [notices])
        notices = found[1] if isinstance(found[1], list) else [found[1]]
        return next(n.key for n in notices if n is not None)
    raise AssertionError(f"not refused: {type(found)}")


def test_the_bomb_is_small_on_disk_and_refused_by_every_reader(bomb_bytes: bytes) -> None:
    assert len(bomb_bytes) < 1024 * 1024  # a bomb: < 1 MB on the wire, ~80 MB of XML inside
    with pytest.raises(uploads.TableTooBig) as too_big:
        uploads.xlsx_rows(bomb_bytes)
    assert too_big.value.what == "unzipped"
    people, problems = registration.people_from_file(bomb_bytes, "danh_sach.xlsx")
    assert people == [] and [p.key for p in problems] == ["table.too_big.unzipped"]
    assert "khi giải nén vượt quá 40 MB" in problems[0].render("vi")
    assert "Chưa lưu gì" in problems[0].render("vi")
    assert _key(timetable.read_table(bomb_bytes, "lich.xlsx")) == "table.too_big.unzipped"
    parsed = roster.parse_roster(bomb_bytes, "roster.xlsx")
    assert [p.key for p in parsed.problems] == ["table.too_big.unzipped"] and not parsed.rows
    checked = criteria.check_file(bomb_bytes, "thang_diem.xlsx")
    assert [p.key for p in checked.problems] == ["table.too_big.unzipped"]


@pytest.mark.parametrize(
    ("rows_xml", "what"),
    [
        # A tiny file whose only row sits at row 1,000,000: the gap is rows too.
        (['<row r="1000000"><c r="A1000000"><v>1</v></c></row>'], "rows"),
        # One row with a cell in column 200, as the sheet declares.
        (['<row r="1"><c r="A1"><v>1</v></c><c r="GR1"><v>2</v></c></row>'], "columns"),
        # A cell in column 61 that the sheet's declared dimension ("A1") hides.
        (['<row r="1"><c r="A1"><v>1</v></c><c r="BI1"><v>2</v></c></row>'], "columns"),
        # Under the unzipped cap, but 300,000 filled cells in 50 columns.
        (("<row>" + CELL * 50 + "</row>", 6000), "cells"),
    ],
)
def test_sheets_past_a_limit_are_refused_naming_it(rows_xml: list[str] | tuple[str, int], what: str) -> None:
    dimension = "A1:GR1" if "GR1" in str(rows_xml) else "A1"
    data = with_sheet_xml(rows_xml, dimension=dimension)
    with pytest.raises(uploads.TableTooBig) as too_big:
        uploads.xlsx_rows(data)
    assert too_big.value.what == what
    people, problems = registration.people_from_file(data, "danh_sach.xlsx")
    assert people == [] and [p.key for p in problems] == [f"table.too_big.{what}"]


def test_csv_past_a_limit_is_refused() -> None:
    tall = "Họ và tên;Chức vụ;Danh hiệu đăng ký\n" + "Lê Thị Hoa;Giáo viên;LĐTT\n" * 20_000
    people, problems = registration.people_from_file(tall.encode(), "danh_sach.csv")
    assert people == [] and [p.key for p in problems] == ["table.too_big.rows"]
    wide = ";".join(["x"] * 500) + "\n"
    assert _key(timetable.read_table(wide.encode(), "lich.csv")) == "table.too_big.columns"
    huge_field = '"' + "x" * 200_000 + '"\n'
    assert _key(roster.parse_roster(huge_field.encode(), "roster.csv").problems[0]) == "roster.bad_file"
    assert _key(registration.people_from_file(b"x" * (uploads.MAX_TABLE_BYTES + 1), "a.csv")) == (
        "table.too_big.bytes"
    )


def test_an_ordinary_list_still_reads() -> None:
    data = small_xlsx(
        [
            ["Họ và tên", "Chức vụ", "Danh hiệu đăng ký"],
            ["Lê Thị Hoa", "Giáo viên", "Lao động tiên tiến"],
            ["Trần Văn Bình", "Tổ trưởng", "Chiến sĩ thi đua cơ sở"],
        ]
    )
    people, problems = registration.people_from_file(data, "danh_sach.xlsx")
    assert [p.full_name for p in people] == ["Lê Thị Hoa", "Trần Văn Bình"] and not problems


async def test_reading_runs_off_the_event_loop(bomb_bytes: bytes) -> None:
    people, problems = await registration.people_off_loop(bomb_bytes, "danh_sach.xlsx")
    assert people == [] and problems[0].key == "table.too_big.unzipped"
    assert _key(await timetable.read_table_off_loop(bomb_bytes, "lich.xlsx")) == "table.too_big.unzipped"
    assert (await criteria.check_file_off_loop(bomb_bytes, "a.xlsx")).problems[
        0
    ].key == "table.too_big.unzipped"


@pytest.mark.parametrize(
    "rows_xml",
    [
        ["<row><c><v>1</v></row>"],  # malformed XML
        ['<row><c r="A1" t="s"><v>99</v></c></row>'],  # a shared string that does not exist
        ['<row r="x"><c r="A1"><v>1</v></c></row>'],  # a row number that is not one
    ],
)
def test_a_damaged_sheet_is_refused_as_unreadable(rows_xml: list[str]) -> None:
    people, problems = registration.people_from_file(with_sheet_xml(rows_xml), "danh_sach.xlsx")
    assert people == [] and [p.key for p in problems] == ["reg.file.unreadable"]
    assert isinstance(timetable.read_table(with_sheet_xml(rows_xml), "lich.xlsx"), Notice)
