"""Biên bản họp bình xét: the meeting's minutes, DOCX, and PDF through LibreOffice when present.

Everything about a ballot comes from its recorded tally (counts, shares, seats, the tracker
chain's head): the minutes cannot say how any unit voted because they never see a ballot.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path

from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH

from bot.exports.common import dmy, percent, place_and_date, spelled_date
from bot.exports.data import BallotRecord, MinutesData
from bot.exports.docx_layout import Heading, grid, header_block, new_document, paragraph, signatures, to_bytes

log = logging.getLogger(__name__)

BASE_WORDS = {
    "present": "số đơn vị có mặt",
    "voted": "số phiếu thu vào",
    "all_members": "tổng số đơn vị thành viên",
}
KIND_WORDS = {
    "approval": "biểu quyết tán thành từng đơn vị",
    "selection": "bầu chọn",
    "election": "bầu cử",
}
PDF_TIMEOUT_SECONDS = 120


def result_word(ballot: BallotRecord, label: str, passed: bool, elected: bool) -> str:
    if label in ballot.tie:
        return "Bằng phiếu, chờ bỏ phiếu lại"
    if ballot.kind == "approval":
        return "Đạt" if passed else "Không đạt"
    if ballot.kind == "election":
        return "Trúng cử" if elected else "Không trúng cử"
    return "Được chọn" if elected else "Không được chọn"


def ballot_table(ballot: BallotRecord) -> tuple[list[str], list[list[str]], list[float]]:
    share_head = f"Tỷ lệ (trên {ballot.base_size})"
    if ballot.kind == "approval":
        header = ["TT", "Đơn vị", "Đồng ý", "Không đồng ý", "Không ý kiến", share_head, "Kết quả"]
        rows = [
            [
                str(index),
                line.label,
                str(line.votes),
                str(line.disagree),
                str(line.abstain + line.blank),
                percent(line.share),
                result_word(ballot, line.label, line.passed, line.elected),
            ]
            for index, line in enumerate(ballot.lines, start=1)
        ]
        return header, rows, [1.0, 5.6, 1.7, 1.9, 1.9, 2.2, 2.2]
    header = ["TT", "Đơn vị", "Số phiếu", share_head, "Kết quả"]
    rows = [
        [
            str(index),
            line.label,
            str(line.votes),
            percent(line.share),
            result_word(ballot, line.label, line.passed, line.elected),
        ]
        for index, line in enumerate(ballot.lines, start=1)
    ]
    return header, rows, [1.0, 7.5, 2.0, 3.0, 3.0]


def ballot_paragraphs(doc: DocumentType, number: int, ballot: BallotRecord) -> None:
    paragraph(doc, f"{number}. {ballot.title}", bold=True)
    how = "bỏ phiếu kín" if ballot.secret else "biểu quyết công khai"
    rule = (
        f"Hình thức: {how} ({KIND_WORDS.get(ballot.kind, ballot.kind)}); "
        f"điều kiện đạt: từ {percent(ballot.threshold, 0)} trở lên trên {BASE_WORDS[ballot.threshold_base]} "
        f"({ballot.base_size}), tức ít nhất {ballot.needed} phiếu"
    )
    if ballot.seats:
        rule += f"; số suất: {ballot.seats}"
    paragraph(doc, rule + ".", indent_first=True)
    valid = ballot.voted - ballot.invalid
    counts = (
        f"Số phiếu phát ra: {ballot.entitled}; số phiếu thu vào: {ballot.voted}"
        + (f" (trong đó {ballot.absentee_voted} phiếu của đơn vị vắng mặt)" if ballot.absentee_voted else "")
        + f"; hợp lệ: {valid}; không hợp lệ: {ballot.invalid}"
        + (f"; phiếu trắng: {ballot.blank_ballots}" if ballot.blank_ballots else "")
        + "."
    )
    paragraph(doc, counts, indent_first=True)
    if not ballot.quorate:
        paragraph(
            doc,
            f"Lưu ý: khi bỏ phiếu chưa đủ số lượng theo quy định (cần ít nhất {ballot.quorum_needed}/"
            f"{ballot.members} đơn vị).",
            italic=True,
            indent_first=True,
        )
    header, rows, widths = ballot_table(ballot)
    grid(doc, header, rows, widths)
    if ballot.elected:
        label = "Kết quả: các đơn vị đạt" if ballot.kind == "approval" else "Kết quả: các đơn vị được chọn"
        if ballot.kind == "election":
            label = "Kết quả: đơn vị trúng cử"
        paragraph(doc, f"{label}: {'; '.join(ballot.elected)}.", indent_first=True)
    else:
        paragraph(doc, "Kết quả: không có đơn vị nào đạt điều kiện.", indent_first=True)
    if ballot.tie:
        paragraph(
            doc,
            f"Có {len(ballot.tie)} đơn vị bằng phiếu ở {ballot.tie_seats} suất cuối ({'; '.join(ballot.tie)}): "
            "không phân định, đề nghị bỏ phiếu lại giữa các đơn vị này.",
            indent_first=True,
        )
    elif ballot.unfilled_seats:
        paragraph(doc, f"Còn {ballot.unfilled_seats} suất chưa có đơn vị đạt.", indent_first=True)
    paragraph(
        doc,
        f"Đã công bố {ballot.trackers} mã kiểm tra phiếu; mã chuỗi: {ballot.chain_head[:16]}.",
        italic=True,
        size=12,
        indent_first=True,
    )


def render(data: MinutesData) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Biên bản {data.kind_title} — {issuer.bloc_name}", data.starts_at)
    header_block(
        doc,
        Heading(
            issuer.authority,
            issuer.bloc_name,
            f"Số:      /BB-KTĐ{issuer.bloc_number}",
            place_and_date(issuer.place, data.held_on),
        ),
    )
    center = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(doc, "")
    paragraph(doc, "BIÊN BẢN", bold=True, size=14, align=center, space_after=0)
    paragraph(doc, f"{data.kind_title} năm học {issuer.school_year}", bold=True, align=center)
    paragraph(doc, "")
    start = data.starts_at
    paragraph(
        doc,
        f"Thời gian: vào lúc {start:%H} giờ {start:%M} phút, {spelled_date(start.date())}.",
        indent_first=True,
    )
    paragraph(doc, f"Địa điểm: {data.place}.", indent_first=True)
    paragraph(doc, "I. THÀNH PHẦN", bold=True)
    chair = f"Chủ trì: {data.chair}" + (f" ({data.chair_unit}, Khối trưởng)" if data.chair_unit else "") + "."
    paragraph(doc, chair, indent_first=True)
    paragraph(doc, f"Thư ký: {data.secretary or '……………………………………'}.", indent_first=True)
    paragraph(
        doc,
        f"Tổng số đơn vị thành viên: {len(data.members)}; có mặt: {len(data.present)}; "
        f"vắng mặt: {len(data.absent)}.",
        indent_first=True,
    )
    paragraph(doc, "Các đơn vị có mặt:", indent_first=True)
    for index, name in enumerate(data.present, start=1):
        paragraph(doc, f"{index}. {name}", indent_first=True, space_after=0)
    if data.absent:
        paragraph(doc, "Các đơn vị vắng mặt:", indent_first=True)
        for index, name in enumerate(data.absent, start=1):
            paragraph(doc, f"{index}. {name}", indent_first=True, space_after=0)
    verdict = "đủ điều kiện tiến hành" if data.quorate else "chưa đủ điều kiện để bình xét"
    paragraph(
        doc,
        f"Số đơn vị có mặt {len(data.present)}/{len(data.members)}; theo quy định cuộc họp bình xét hợp lệ "
        f"khi có ít nhất 2/3 tổng số thành viên ({data.quorum_needed} đơn vị). Cuộc họp {verdict}.",
        indent_first=True,
    )
    paragraph(doc, "II. NỘI DUNG", bold=True)
    for line in (data.agenda or "Tổng kết, bình xét thi đua.").splitlines():
        if line.strip():
            paragraph(doc, line.strip(), indent_first=True)
    paragraph(doc, "III. KẾT QUẢ BỎ PHIẾU", bold=True)
    if not data.ballots:
        paragraph(doc, "Cuộc họp chưa có cuộc bỏ phiếu nào được kiểm phiếu.", indent_first=True)
    for number, ballot in enumerate(data.ballots, start=1):
        ballot_paragraphs(doc, number, ballot)
    end = data.ends_at
    closing = (
        f"Cuộc họp kết thúc vào lúc {end:%H} giờ {end:%M} phút"
        + (" cùng ngày" if end.date() == start.date() else f", ngày {dmy(end)}")
        if end is not None
        else "Cuộc họp kết thúc"
    )
    paragraph(
        doc,
        closing + "; biên bản đã được đọc lại trước cuộc họp và các thành viên thống nhất thông qua./.",
        indent_first=True,
    )
    signatures(
        doc,
        [
            ("THƯ KÝ", "(Ký, ghi rõ họ tên)", data.secretary),
            ("CHỦ TRÌ", "(Ký, ghi rõ họ tên)", data.chair),
        ],
    )
    return to_bytes(doc, data.starts_at)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


async def to_pdf(docx: bytes, name: str = "bien-ban") -> bytes | None:
    """The DOCX converted by LibreOffice headless, or None when it is not installed or fails.

    Each conversion gets its own LibreOffice profile folder: two conversions sharing the default
    profile block each other (and a stale lock from a killed one blocks every later one)."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="thidua-pdf-") as folder:
        work = Path(folder)
        source = work / f"{name}.docx"
        source.write_bytes(docx)
        process = await asyncio.create_subprocess_exec(
            program,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, errors = await asyncio.wait_for(process.communicate(), PDF_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            log.warning("LibreOffice did not convert %s within %d s", name, PDF_TIMEOUT_SECONDS)
            return None
        target = work / f"{name}.pdf"
        if not target.exists():
            # The operator needs LibreOffice's own words to mend it; the DOCX is still sent.
            detail = errors.decode(errors="replace").strip().splitlines()[-1:] or [""]
            log.warning("LibreOffice could not convert %s (exit %s): %s", name, process.returncode, detail[0])
            return None
        return target.read_bytes()
