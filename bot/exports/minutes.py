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

from bot.exports.common import dmy, leader_title, percent, place_and_date, points, spelled_date
from bot.exports.data import BallotRecord, MinutesData
from bot.exports.docx_layout import (
    CENTER,
    Heading,
    Signer,
    closing,
    grid,
    header_block,
    new_document,
    paragraph,
    short_rule,
    to_bytes,
)

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
    return header, rows, [1.0, 7.0, 2.0, 2.8, 3.7]


def ballot_paragraphs(doc: DocumentType, number: int, ballot: BallotRecord, committee: bool) -> None:
    paragraph(doc, f"{number}. {ballot.title}", bold=True, keep_next=True)
    how = "bỏ phiếu kín" if ballot.secret else "biểu quyết công khai"
    rule = (
        f"Hình thức: {how} ({KIND_WORDS.get(ballot.kind, ballot.kind)}); "
        f"điều kiện đạt: từ {percent(ballot.threshold, 0)} trở lên trên {BASE_WORDS[ballot.threshold_base]} "
        f"({ballot.base_size}), tức ít nhất {ballot.needed} phiếu"
    )
    if ballot.seats:
        rule += f"; số suất: {ballot.seats:02d}"
    paragraph(doc, rule + ".", indent_first=True, keep_next=True)
    if ballot.secret:
        who = "Ban kiểm phiếu" if committee else "Chủ trì"
        paragraph(doc, f"{who} báo cáo kết quả kiểm phiếu như sau:", indent_first=True, keep_next=True)
    valid = ballot.voted - ballot.invalid
    counts = (
        f"Số phiếu phát ra: {ballot.entitled}; số phiếu thu vào: {ballot.voted}"
        + (f" (trong đó {ballot.absentee_voted} phiếu của đơn vị vắng mặt)" if ballot.absentee_voted else "")
        + f"; số phiếu hợp lệ: {valid}; số phiếu không hợp lệ: {ballot.invalid}"
        + (f"; phiếu trắng: {ballot.blank_ballots}" if ballot.blank_ballots else "")
        + "."
    )
    paragraph(doc, counts, indent_first=True, keep_next=True)
    if not ballot.quorate:
        paragraph(
            doc,
            f"Lưu ý: khi bỏ phiếu chưa đủ số lượng theo quy định (cần ít nhất {ballot.quorum_needed}/"
            f"{ballot.members} đơn vị).",
            italic=True,
            indent_first=True,
            keep_next=True,
        )
    header, rows, widths = ballot_table(ballot)
    grid(doc, header, rows, widths)
    if ballot.elected:
        label = "Kết quả: các đơn vị đạt" if ballot.kind == "approval" else "Kết quả: các đơn vị được chọn"
        if ballot.kind == "election":
            label = "Kết quả: đơn vị trúng cử"
        paragraph(doc, f"{label}: {'; '.join(ballot.elected)}.", indent_first=True, space_before=6)
    else:
        paragraph(doc, "Kết quả: không có đơn vị nào đạt điều kiện.", indent_first=True, space_before=6)
    if ballot.tie:
        paragraph(
            doc,
            f"Có {len(ballot.tie)} đơn vị bằng phiếu ở {ballot.tie_seats} suất cuối ({'; '.join(ballot.tie)}): "
            "không phân định, đề nghị bỏ phiếu lại giữa các đơn vị này.",
            indent_first=True,
        )
    elif ballot.unfilled_seats:
        paragraph(doc, f"Còn {ballot.unfilled_seats} suất chưa có đơn vị đạt.", indent_first=True)
    if ballot.trackers:
        paragraph(
            doc,
            f"Mỗi lá phiếu có một mã kiểm tra; {ballot.trackers} mã đã được công bố (Phụ lục kèm theo).",
            italic=True,
            size=12,
            indent_first=True,
        )


def _ranking(doc: DocumentType, data: MinutesData) -> None:
    paragraph(
        doc,
        f"Khối trưởng báo cáo kết quả chấm điểm, xếp hạng thi đua năm học {data.issuer.school_year} của các "
        f"đơn vị thành viên (điểm tối đa {points(data.max_total)}) như sau:",
        indent_first=True,
        keep_next=True,
    )
    rows = [
        [str(i), bar.unit_name, points(bar.total), str(bar.rank)] for i, bar in enumerate(data.ranking, 1)
    ]
    grid(doc, ["TT", "Đơn vị", "Tổng điểm", "Xếp hạng"], rows, [1.0, 10.5, 2.5, 2.5])


def _annex(doc: DocumentType, data: MinutesData) -> None:
    """Where each voter checks that the ballot was counted: the codes, for whoever checks."""
    secret = [b for b in data.ballots if b.trackers]
    if not secret:
        return
    annex = paragraph(doc, "PHỤ LỤC", bold=True, size=14, align=CENTER, space_after=0, keep_next=True)
    annex.paragraph_format.page_break_before = True
    paragraph(
        doc,
        "Mã kiểm tra phiếu của các cuộc bỏ phiếu kín",
        bold=True,
        align=CENTER,
        space_after=0,
        keep_next=True,
    )
    paragraph(doc, f"(Kèm theo Biên bản {spelled_date(data.held_on)})", italic=True, align=CENTER)
    paragraph(
        doc,
        "Mỗi lá phiếu kín được ghi một mã kiểm tra; người bỏ phiếu nhận mã của mình khi bỏ phiếu và đối "
        "chiếu với danh sách dưới đây để biết lá phiếu đã được kiểm. Mã không cho biết ai đã bỏ phiếu và "
        "bỏ phiếu thế nào. Mã tổng hợp của cả chuỗi phiếu dùng để kiểm tra danh sách không bị sửa.",
        indent_first=True,
    )
    for number, ballot in enumerate(secret, start=1):
        paragraph(doc, f"{number}. {ballot.title}", bold=True, keep_next=True)
        paragraph(
            doc, f"Số mã đã công bố: {ballot.trackers}.", indent_first=True, keep_next=True, space_after=3
        )
        paragraph(
            doc,
            f"Mã tổng hợp của chuỗi phiếu: {ballot.chain_head}",
            size=11,
            indent_first=True,
            keep_next=True,
        )
        codes = list(ballot.tracker_codes)
        if codes:
            per_row = 4
            rows = [codes[i : i + per_row] for i in range(0, len(codes), per_row)]
            rows = [row + [""] * (per_row - len(row)) for row in rows]
            grid(doc, ["Mã", "Mã", "Mã", "Mã"], rows, [4.1, 4.1, 4.1, 4.1], left_columns=())


def render(data: MinutesData) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Biên bản {data.kind_title} — {issuer.bloc_name}", data.dated_at)
    header_block(
        doc,
        Heading(
            issuer.authority,
            issuer.bloc_name,
            f"Số:      /BB-KTĐ{issuer.bloc_number}",
            place_and_date(issuer.place, data.held_on),
        ),
    )
    paragraph(doc, "")
    paragraph(doc, "BIÊN BẢN", bold=True, size=14, align=CENTER, space_after=0, keep_next=True)
    paragraph(doc, f"{data.kind_title} năm học {issuer.school_year}", bold=True, align=CENTER, space_after=0)
    short_rule(doc, 5.0, 16.5)
    start = data.starts_at
    # The real start (when the chair opened the meeting), never the time it was planned for.
    when = (
        f"vào lúc {start:%H} giờ {start:%M} phút, {spelled_date(start.date())}"
        if start is not None
        else f"vào lúc …… giờ …… phút, {spelled_date(data.held_on)}"
    )
    paragraph(doc, f"Thời gian: {when}.", indent_first=True, space_before=12)
    paragraph(doc, f"Địa điểm: {data.place or '……………………………………'}.", indent_first=True)
    paragraph(doc, "I. THÀNH PHẦN", bold=True, keep_next=True)
    chair = f"Chủ trì: {data.chair or '……………………………………'}" + (
        f", {leader_title(data.chair_unit)}" + (f", {data.chair_office}" if data.chair_office else "")
        if data.chair_unit
        else ""
    )
    paragraph(doc, chair + ".", indent_first=True)
    paragraph(doc, f"Thư ký: {data.secretary or '……………………………………'}.", indent_first=True)
    if data.council_representative:
        paragraph(
            doc,
            f"Đại diện Hội đồng Thi đua – Khen thưởng {issuer.authority}: {data.council_representative}.",
            indent_first=True,
        )
    paragraph(
        doc,
        f"Tổng số đơn vị thành viên: {len(data.members)}; có mặt: {len(data.present)}; "
        f"vắng mặt: {len(data.absent)}.",
        indent_first=True,
    )
    if data.present:
        paragraph(doc, "Các đơn vị có mặt và người đại diện:", indent_first=True, keep_next=True)
        rows = [[str(i), name, data.representatives.get(name, "")] for i, name in enumerate(data.present, 1)]
        grid(doc, ["TT", "Đơn vị", "Người đại diện"], rows, [1.0, 9.5, 6.0], left_columns=(1, 2))
    if data.absent:
        paragraph(doc, f"Các đơn vị vắng mặt: {'; '.join(data.absent)}.", indent_first=True, space_before=6)
    verdict = "đủ điều kiện tiến hành" if data.quorate else "chưa đủ điều kiện để bình xét"
    paragraph(
        doc,
        f"Số đơn vị có mặt {len(data.present)}/{len(data.members)}; theo quy định cuộc họp bình xét hợp lệ "
        f"khi có ít nhất 2/3 tổng số thành viên ({data.quorum_needed} đơn vị). Cuộc họp {verdict}.",
        indent_first=True,
        space_before=6,
    )
    secret = any(b.secret for b in data.ballots)
    if data.counting_committee:
        paragraph(doc, "Ban kiểm phiếu do cuộc họp thống nhất cử gồm:", indent_first=True, keep_next=True)
        for index, name in enumerate(data.counting_committee, start=1):
            role = "Trưởng ban" if index == 1 else "Thành viên"
            last = index == len(data.counting_committee)
            paragraph(
                doc,
                f"{index}. {name} – {role}{'.' if last else ';'}",
                indent_first=True,
                space_after=3 if not last else None,
                keep_next=not last,
            )
    elif secret:
        paragraph(doc, "Ban kiểm phiếu: ……………………………………………………", indent_first=True)
    paragraph(doc, "II. NỘI DUNG", bold=True, keep_next=True)
    for line in (data.agenda or "Tổng kết, bình xét thi đua.").splitlines():
        if line.strip():
            paragraph(doc, line.strip(), indent_first=True)
    if data.ranking:
        _ranking(doc, data)
    paragraph(doc, "III. KẾT QUẢ BỎ PHIẾU", bold=True, keep_next=True, space_before=6)
    if not data.ballots:
        paragraph(doc, "Cuộc họp chưa có cuộc bỏ phiếu nào được kiểm phiếu.", indent_first=True)
    for number, ballot in enumerate(data.ballots, start=1):
        ballot_paragraphs(doc, number, ballot, bool(data.counting_committee))
    paragraph(doc, "IV. THÔNG QUA BIÊN BẢN", bold=True, keep_next=True)
    end = data.ends_at
    if end is None:
        closing_at = "Cuộc họp kết thúc vào lúc …… giờ …… phút"
    else:
        same_day = start is not None and end.date() == start.date()
        closing_at = f"Cuộc họp kết thúc vào lúc {end:%H} giờ {end:%M} phút" + (
            " cùng ngày" if same_day else f", ngày {dmy(end)}"
        )
    paragraph(
        doc,
        f"Biên bản đã được thư ký đọc lại trước cuộc họp; đại diện {len(data.present)}/{len(data.members)} "
        "đơn vị dự họp thống nhất thông qua toàn văn biên bản.",
        indent_first=True,
        keep_next=True,
    )
    paragraph(doc, f"{closing_at}./.", indent_first=True, keep_next=True)
    closing(doc, [Signer("THƯ KÝ", data.secretary), Signer("CHỦ TRÌ", data.chair)])
    _annex(doc, data)
    return to_bytes(doc, data.dated_at)


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
