"""The council's dossier at the service level (both backends): every file opened and checked
against the database — units, scores, totals, ballot counts and shares, the spelled-out date."""

from __future__ import annotations

import io
import json
import re
import subprocess
import unicodedata
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import col, select

from bot.db import Database
from bot.exports import chart, minutes
from bot.exports.common import percent, place_and_date, short_unit_name, spelled_date
from bot.exports.score_workbook import FIRST_ROW, FIXED, HEADER_ROW, SUMMARY, summary_columns
from bot.services import exports
from bot.services.exports import Kind
from bot.services.invites import NotAllowedError
from models.meetings import Poll, PollCandidate, PollStatus
from models.organisation import Unit
from models.registration import ScoreSheet, SheetStatus
from tests.auxil.clock import Clock
from tests.auxil.dossier import Dossier, _context, build, files_of, one
from tests.auxil.people import person_id_of
from tests.auxil.world import HEAD, make_world
from tests.auxil.world_cache import once

pytestmark = pytest.mark.export


@pytest.fixture
async def dossier(db: Database, clock: Clock) -> Dossier:
    return await once("exports.dossier", db, clock, build)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


# ------------------------------------------------------------------ pure helpers
@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2022, 6, 15), "ngày 15 tháng 6 năm 2022"),
        (date(2020, 1, 21), "ngày 21 tháng 01 năm 2020"),
        (date(2027, 2, 5), "ngày 05 tháng 02 năm 2027"),
        (date(2026, 11, 3), "ngày 03 tháng 11 năm 2026"),
    ],
)
def test_the_date_is_spelled_out_as_decree_30_says(day: date, text: str) -> None:
    assert spelled_date(day) == text
    assert place_and_date("Cần Thơ", day) == f"Cần Thơ, {text}"


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Trường Trung học phổ thông Châu Văn Liêm", "THPT Châu Văn Liêm"),
        ("Trường Trung học phổ thông chuyên Lý Tự Trọng", "THPT chuyên Lý Tự Trọng"),
        ("Trường THCS&THPT Nguyễn Bỉnh Khiêm", "THCS&THPT Nguyễn Bỉnh Khiêm"),
        ("Trường Phổ thông Việt Mỹ", "PT Việt Mỹ"),
        ("Trung tâm Ngoại ngữ-Tin học và Bồi dưỡng Nhà giáo", "TT Ngoại ngữ-Tin học và Bồi dưỡng Nhà giáo"),
        ("Trung tâm Giáo dục thường xuyên Ninh Kiều", "TT GDTX Ninh Kiều"),
        ("Phòng Giáo dục và Đào tạo quận Ninh Kiều", "Phòng Giáo dục và Đào tạo quận Ninh Kiều"),
        ("Trường Tiểu học Lê Quý Đôn", "TH Lê Quý Đôn"),
    ],
)
def test_unit_names_are_shortened_as_offices_write_them(name: str, short: str) -> None:
    assert short_unit_name(name) == short
    assert short_unit_name(unicodedata.normalize("NFD", name)) == short


def test_percentages_round_half_up_with_a_decimal_comma() -> None:
    assert percent(Fraction(10, 13)) == "76,92%"
    assert percent(Fraction(1, 8)) == "12,50%"
    assert percent(Fraction(1, 1)) == "100,00%"
    assert percent(Fraction(7, 10), 0) == "70%"


def test_chart_draws_vietnamese_with_dejavu_and_is_reproducible() -> None:
    assert "DejaVuSans" in Path(chart.font_file()).name
    bars = [exports.RankBar("Trường Tiểu học Nguyễn Việt Hồng — ệ ữ ỗ", Decimal("27.5"), 1)]
    first = chart.render("Xếp hạng — Khối thi đua số 2", bars)
    assert first == chart.render("Xếp hạng — Khối thi đua số 2", bars)
    image = Image.open(io.BytesIO(first))
    assert image.format == "PNG" and image.size[0] == 1000
    from matplotlib.font_manager import FontProperties, get_font

    font = get_font(chart.font_file())
    assert all(font.get_char_index(ord(ch)) for ch in "ệữỗĐđ")  # the glyphs exist: no boxes
    assert FontProperties(fname=chart.font_file()).get_name() == "DejaVu Sans"


# ------------------------------------------------------------------ permissions
async def test_who_may_export_what(dossier: Dossier) -> None:
    d, today = dossier, dossier.world.today
    assert d.scope.unit_id is None and set(d.scope.kinds) == set(Kind)
    secretariat = next(
        p for p in d.world.personas if p.label.startswith("Bộ phận Thường trực — Khối thi đua số 2")
    )
    assert (
        await exports.scope_for(d.db, await person_id_of(d.db, secretariat.user_id), today)
    ).unit_id is None
    rep = d.reps_tg[3]
    own = await exports.scope_for(d.db, await person_id_of(d.db, rep), today)
    assert own.unit_id is not None and own.kinds == (Kind.REGISTRATION, Kind.SCORES, Kind.EVIDENCE)
    for kind in (Kind.MINUTES, Kind.PROPOSAL, Kind.NOMINEES, Kind.CHART, Kind.CSV, Kind.ALL):
        with pytest.raises(NotAllowedError):
            await exports.export(d.db, own, kind, _context(), today=today)
    files = await files_of(d, Kind.REGISTRATION, own)
    sheet = load_workbook(io.BytesIO(one(files, ".xlsx"))).active
    async with d.db.session() as session:
        mine = await session.get(Unit, own.unit_id)
    first = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "TT") + 1
    column = [sheet.cell(row=r, column=2).value for r in range(first, sheet.max_row + 1)]
    names = [v for v in column if isinstance(v, str) and v.startswith(("Trường", "Trung tâm"))]
    assert names == [mine.name]  # type: ignore[union-attr]
    book = load_workbook(io.BytesIO(one(await files_of(d, Kind.SCORES, own), ".xlsx")))
    assert len(book.sheetnames) == 4  # summary, self scores, criteria, and its own sheet only
    with pytest.raises(NotAllowedError):  # someone of another bloc
        other = [p for p in d.world.personas if p.group == "Khối thi đua số 3"][-1]
        await exports.scope_for(d.db, await person_id_of(d.db, other.user_id), today, bloc_id=d.scope.bloc_id)


async def test_a_bloc_with_no_meeting_and_no_final_sheet_says_what_is_missing(
    db: Database, clock: Clock
) -> None:
    """Early in the year the head still gets the registration and score files; the minutes and
    the ranking chart are named as missing, with the reason, never sent empty."""
    w = await make_world(db, clock)
    head_tg = next(p for p in w.personas if p.label == HEAD).user_id
    scope = await exports.scope_for(db, await person_id_of(db, head_tg), w.today)
    result = await exports.export(db, scope, Kind.ALL, _context(), today=w.today)
    assert result.missing == (Kind.MINUTES, Kind.CHART)
    names = [f.name for f in result.files]
    assert not any(n.endswith((".png", ".pdf")) or n.startswith("bien-ban") for n in names), names
    assert [n.split("_")[0] for n in names] == [
        "dang-ky-thi-dua",
        "bang-diem",
        "to-trinh",
        "danh-sach-de-nghi",
        "danh-sach-de-nghi",
    ]
    book = load_workbook(io.BytesIO(next(f.data for f in result.files if f.name.startswith("bang-diem"))))
    units = [c.value for c in book.worksheets[0]["B"][FIRST_ROW - 1 :] if c.value]
    assert len(units) >= 13  # every unit of bloc 2 has its row, scored or not
    chart_only = await exports.export(db, scope, Kind.CHART, _context(), today=w.today)
    assert chart_only.files == [] and chart_only.missing == (Kind.CHART,)


# ------------------------------------------------------------------ the score workbook
async def test_score_workbook_has_every_unit_every_score_and_formula_totals(dossier: Dossier) -> None:
    d = dossier
    data = one(await files_of(d, Kind.SCORES), ".xlsx")
    book = load_workbook(io.BytesIO(data))
    sheet = book[SUMMARY]
    assert sheet.freeze_panes == f"{chr(ord('A') + FIXED)}{FIRST_ROW}"
    codes = [sheet.cell(row=HEADER_ROW, column=FIXED + 1 + i).value for i in range(4)]
    assert codes == ["1.1", "1.2", "2.1", "2.2"]
    cols = summary_columns(await exports.score_book(d.db, d.scope, _context()))
    async with d.db.session() as session:
        sheets = {s.unit_id: s for s in await session.exec(select(ScoreSheet))}
        units = {u.id: u.name for u in await session.exec(select(Unit))}
        from models.registration import ScoreLine

        lines = list(await session.exec(select(ScoreLine)))
    rows = {sheet.cell(row=r, column=2).value: r for r in range(FIRST_ROW, FIRST_ROW + 13)}
    assert len(rows) == 13  # every unit of the bloc, scored or not
    finals: dict[str, Decimal] = {}
    for unit_id, score_sheet in sheets.items():
        row = rows[units[unit_id]]
        assert score_sheet.status == SheetStatus.FINAL
        mine = {line.criterion_code: line for line in lines if line.sheet_id == score_sheet.id}
        total = Decimal(0)
        for i, code in enumerate(codes):
            cell = sheet.cell(row=row, column=FIXED + 1 + i).value
            assert Decimal(str(cell)) == mine[code].final_score
            total += mine[code].final_score  # type: ignore[operator]
            own = book["Tự chấm"].cell(row=row, column=FIXED + 1 + i).value
            assert Decimal(str(own)) == mine[code].self_score
        first, last = chr(ord("A") + FIXED), chr(ord("A") + FIXED + 3)
        formula = sheet.cell(row=row, column=cols["total"]).value
        assert formula == f"=SUM({first}{row}:{last}{row})"
        summed = sum(Decimal(str(sheet[f"{chr(ord('A') + FIXED + i)}{row}"].value)) for i in range(4))
        assert summed == total
        finals[units[unit_id]] = total
        assert str(sheet.cell(row=row, column=cols["rank"]).value).startswith("=RANK(")
        assert sheet.cell(row=row, column=cols["adjust"]).value.startswith("=")
    # Ranked order: highest total first; the rank formulas cover exactly the final rows.
    ranked = sorted(finals.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [sheet.cell(row=FIRST_ROW + i, column=2).value for i in range(4)] == [n for n, _ in ranked]
    assert f"${FIRST_ROW + 3}" in sheet.cell(row=FIRST_ROW, column=cols["rank"]).value
    # The adjusted line, its reason and the history are on the unit's own sheet.
    texts = [
        c.value for s in book.worksheets[3:] for r in s.iter_rows() for c in r if isinstance(c.value, str)
    ]
    assert "thiếu minh chứng" in texts
    assert "Lịch sử xét duyệt" in texts
    assert len(book.worksheets) == 3 + 13
    # Each unit's tab names the unit, in the short form offices write (31 characters at most).
    tabs = book.sheetnames[3:]
    assert tabs[0] == f"01. {short_unit_name(sheet.cell(row=FIRST_ROW, column=2).value)}"
    assert tabs[0].startswith("01. THPT ") and all(len(tab) <= 31 for tab in tabs)
    assert len({tab.split(". ", 1)[1] for tab in tabs}) == 13
    # Same data, same bytes.
    assert one(await files_of(d, Kind.SCORES), ".xlsx") == data


# ------------------------------------------------------------------ the registration summary
async def test_registration_summary_lists_every_unit_and_its_status(dossier: Dossier) -> None:
    d = dossier
    data = one(await files_of(d, Kind.REGISTRATION), ".xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    at = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "TT")
    header = [c.value for c in sheet[at]]
    assert header[:5] == ["TT", "Đơn vị", "Vị trí trong khối", "Danh hiệu tập thể đăng ký", "Chỉ tiêu"]
    rows = list(sheet.iter_rows(min_row=at + 1, max_row=at + 13, values_only=True))
    assert len(rows) == 13
    status = dict(zip(header, zip(*rows, strict=True), strict=True))
    assert Counter(status["Tình trạng xét"]) == {"Được xét": 4, "Không xét": 9}
    assert Counter(status["Ký giao ước"]) == {"Đã ký": 4, "Chưa ký": 9}
    assert sum(status["Cá nhân: Lao động tiên tiến"]) == 8
    total_row = [c.value for c in sheet[at + 14]]
    assert total_row[header.index("Cá nhân: Lao động tiên tiến")] == f"=SUM(F{at + 1}:F{at + 13})"
    assert "Chưa đăng ký thi đua" in "".join(v or "" for v in status["Lý do"])
    assert one(await files_of(d, Kind.REGISTRATION), ".xlsx") == data


# ------------------------------------------------------------------ the minutes
async def test_minutes_state_what_the_ballots_recorded(dossier: Dossier, tmp_path: Path) -> None:
    d = dossier
    files = await files_of(d, Kind.MINUTES)
    data = one(files, ".docx")
    text = docx_text(data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập – Tự do – Hạnh phúc" in text
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ CẦN THƠ" in text and "KHỐI THI ĐUA SỐ 2" in text
    assert "Cần Thơ, ngày 05 tháng 6 năm 2027" in text
    assert "vào lúc 08 giờ 30 phút, ngày 05 tháng 6 năm 2027" in text
    assert "Số:      /BB-KTĐ2" in text
    assert "Tổng số đơn vị thành viên: 13; có mặt: 10; vắng mặt: 3." in text
    assert "ít nhất 2/3 tổng số thành viên (9 đơn vị). Cuộc họp đủ điều kiện tiến hành." in text
    assert "Cuộc họp kết thúc vào lúc 11 giờ 00 phút cùng ngày" in text
    doc = Document(io.BytesIO(data))
    async with d.db.session() as session:
        polls = list(
            await session.exec(select(Poll).where(col(Poll.id).in_(d.poll_ids)).order_by(col(Poll.id)))
        )
        labels = {(c.poll_id, c.position): c.label for c in await session.exec(select(PollCandidate))}
    ballot_tables = [
        t for t in doc.tables if t.rows[0].cells[0].text == "TT" and t.rows[0].cells[-1].text == "Kết quả"
    ]
    assert len(ballot_tables) == len(polls) == 2
    for poll, table in zip(polls, ballot_tables, strict=True):
        assert poll.status == PollStatus.CLOSED
        result = json.loads(poll.result or "{}")
        assert f"Số phiếu phát ra: 10; số phiếu thu vào: {result['voted']}" in text
        body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
        assert len(body) == len(result["candidates"])
        for row, candidate in zip(body, result["candidates"], strict=True):
            numerator, denominator = map(int, candidate["share"].split("/"))
            assert row[1] == labels[(poll.id, candidate["position"])]
            assert row[2] == str(candidate["votes"])
            assert percent(Fraction(numerator, denominator)) in row
            assert (
                candidate["votes"] * 10**4 // result["base_size"]
                == Fraction(numerator * 10**4, denominator) // 1
            )
        elected = [labels[(poll.id, p)] for p in result["elected"]]
        for name in elected:
            assert name in text
    assert "bỏ phiếu kín" in text
    # Fonts: Times New Roman on every run, in every slot Word may pick.
    for para in doc.paragraphs:
        for run in para.runs:
            fonts = run._element.rPr.rFonts
            assert {
                fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "eastAsia", "cs")
            } == {"Times New Roman"}
    assert doc.core_properties.author == "Thi đua Bot"
    assert one(await files_of(d, Kind.MINUTES), ".docx") == data


@pytest.mark.skipif(minutes.soffice() is None, reason="LibreOffice is not installed")
async def test_minutes_convert_to_pdf_with_the_vietnamese_intact(dossier: Dossier, tmp_path: Path) -> None:
    files = await files_of(dossier, Kind.MINUTES)
    check_pdf(one(files, ".pdf"), tmp_path)


def check_pdf(pdf: bytes, folder: Path) -> None:
    """pdftotext finds the Vietnamese lines intact; the fonts are embedded; page 1 renders."""
    path = folder / "bien-ban.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", " ", text)
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "Cần Thơ, ngày 05 tháng 6 năm 2027",
        "BIÊN BẢN",
        "Tập thể lao động xuất sắc",
        "Trường THPT Bùi Hữu Nghĩa",
        "Thư ký",
        "Độc lập",
    ):
        assert line in flat, line
    assert "�" not in flat and "?" not in flat
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "LiberationSerif" in fonts or "Times" in fonts  # Times New Roman or its metric twin
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(folder / "page")], check=True
    )
    [page] = sorted(folder.glob("page*.png"))
    assert Image.open(page).size[0] > 400  # an A4 page at 60 dpi


# ------------------------------------------------------------------ proposal, nominees, chart, csv
async def test_proposal_nominees_chart_and_csv(dossier: Dossier) -> None:
    d = dossier
    files = await files_of(d, Kind.ALL)
    names = sorted(files)
    assert any(n.startswith("to-trinh") and n.endswith(".docx") for n in names)
    proposal = docx_text(files[next(n for n in names if n.startswith("to-trinh"))])
    today = d.world.today
    assert f"Cần Thơ, {spelled_date(today)}" in proposal
    assert "TỜ TRÌNH" in proposal and "Kính gửi: Hội đồng Thi đua – Khen thưởng" in proposal
    assert (
        "Căn cứ Biên bản số      /BB-KTĐ2 ngày 05 tháng 6 năm 2027 họp tổng kết, bình xét thi đua" in proposal
    )
    async with d.db.session() as session:
        polls = list(await session.exec(select(Poll).where(col(Poll.id).in_(d.poll_ids))))
        labels = {(c.poll_id, c.position): c.label for c in await session.exec(select(PollCandidate))}
    # Only the Cờ thi đua ballot is the bloc's proposal; the unit-level title is each unit's own.
    flags = [p for p in polls if p.title.startswith("Cờ thi đua")]
    elected = [labels[(p.id, pos)] for p in flags for pos in json.loads(p.result or "{}")["elected"]]
    assert elected
    for name in elected:
        assert name in proposal
    assert "cá nhân" not in proposal and "Tập thể lao động xuất sắc" not in proposal

    listing = load_workbook(
        io.BytesIO(files[next(n for n in names if n.startswith("danh-sach") and n.endswith(".xlsx"))])
    ).active
    at = next(r for r in range(1, listing.max_row + 1) if listing.cell(row=r, column=1).value == "TT")
    header = [c.value for c in listing[at]]
    assert header == [
        "TT",
        "Tên đơn vị",
        "Hình thức đề nghị khen thưởng",
        "Điểm thi đua, xếp hạng",
        "Kết quả bình xét",
        "Tóm tắt thành tích",
        "Số điện thoại, email",
    ]
    values = [row for row in listing.iter_rows(min_row=at + 1, values_only=True)]
    assert not [row for row in values if row[1] and str(row[1]).startswith("Nguyễn Văn An")]
    collectives = [row for row in values if row[1] in elected]
    assert len(collectives) == len(elected)
    annex = docx_text(files[next(n for n in names if n.startswith("danh-sach") and n.endswith(".docx"))])
    assert "DANH SÁCH" in annex and "Hình thức đề nghị khen thưởng" in annex and "I. TẬP THỂ" in annex

    png = files[next(n for n in names if n.endswith(".png"))]
    assert Image.open(io.BytesIO(png)).format == "PNG"

    csvs = await files_of(d, Kind.CSV)
    assert len(csvs) == 3
    for data in csvs.values():
        assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
        data.decode("utf-8-sig")
    scores_csv = next(v for k, v in csvs.items() if k.startswith("bang-diem")).decode("utf-8-sig")
    assert "Tổng điểm" in scores_csv and "Trường" in scores_csv
    # Reproducible: the whole dossier again gives the same bytes, except the PDF's own timestamps.
    again = await files_of(d, Kind.ALL)
    assert {k: v for k, v in again.items() if not k.endswith(".pdf")} == {
        k: v for k, v in files.items() if not k.endswith(".pdf")
    }
