"""The minutes of a school's own vote held in the bot (Biên bản họp bình xét; seed 002 §II.6,
seed 004 §II.5–6; issue 18): the meeting, who took part, how it voted, the count and the result,
in the NĐ 30/2020 layout. Written from the counted ballot's stored aggregates only — a ballot is
never kept — so the desk's dossier can carry it beside the minutes other schools upload.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bot.exports import docx_layout as layout
from bot.exports.common import place_and_date, slug
from bot.services.school_vote import SchoolBallot
from models.vote_rules import format_percent


def file_name(ballot: SchoolBallot) -> str:
    return f"bien-ban-binh-xet-{slug(ballot.nominee)}.docx"


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%H giờ %M, ngày %d/%m/%Y")


def minutes(ballot: SchoolBallot, zone: ZoneInfo, moment: datetime) -> bytes:
    doc = layout.new_document("Biên bản họp bình xét", moment)
    closed = ballot.closed_at or moment
    layout.header_block(
        doc,
        layout.Heading(
            parent_body=ballot.authority_name.upper(),
            issuing_body=ballot.unit_name.upper(),
            number_symbol="Số: …/BB-HĐTĐKT",
            place_date=place_and_date("……", closed.astimezone(zone).date()),
        ),
    )
    center = WD_ALIGN_PARAGRAPH.CENTER
    layout.paragraph(doc, "")
    layout.paragraph(doc, "BIÊN BẢN HỌP BÌNH XÉT", bold=True, align=center, size=14)
    layout.paragraph(doc, f"Đề nghị danh hiệu “{ballot.title}”", bold=True, align=center)
    layout.paragraph(
        doc,
        f"Cuộc họp bình xét của {ballot.unit_name} bỏ phiếu kín qua Thi đua Bot, mở lúc "
        f"{_at(ballot.opened_at, zone)}, kết thúc và kiểm phiếu lúc {_at(ballot.closed_at, zone)}.",
        indent_first=True,
    )
    layout.paragraph(doc, "I. THÀNH PHẦN", bold=True)
    layout.paragraph(doc, f"- Tổng số thành viên: {ballot.members}.")
    layout.paragraph(
        doc,
        f"- Tham dự hoặc được xin ý kiến: {ballot.present} "
        f"(cần ít nhất {ballot.quorum_needed}, tức 2/3 tổng số: "
        f"{'cuộc họp hợp lệ' if ballot.quorate else 'cuộc họp không đủ số thành viên'}).",
    )
    layout.paragraph(doc, "II. NỘI DUNG", bold=True)
    layout.paragraph(
        doc,
        f"Bình xét, bỏ phiếu kín đề nghị danh hiệu “{ballot.title}” cho {ballot.nominee}. "
        f"Danh hiệu được đề nghị khi đạt từ 70% số phiếu đồng ý trở lên tính trên tổng số người "
        f"tham gia họp hoặc được xin ý kiến, tức ít nhất {ballot.needed}/{ballot.present} phiếu.",
        indent_first=True,
    )
    layout.paragraph(doc, "III. KẾT QUẢ KIỂM PHIẾU", bold=True)
    not_cast = max(ballot.present - ballot.voted, 0)
    layout.paragraph(
        doc,
        f"- Số phiếu phát ra: {ballot.present}; số phiếu thu vào: {ballot.voted}"
        + (f"; không bỏ phiếu: {not_cast} (tính là không đồng ý)." if not_cast else "."),
    )
    share = format_percent(ballot.share, ",")
    layout.grid(
        doc,
        ("Họ và tên", "Đồng ý", "Không đồng ý", "Không biểu quyết", "Tỉ lệ đồng ý", "Kết quả"),
        [
            (
                ballot.nominee,
                str(ballot.agree),
                str(ballot.disagree),
                str(ballot.abstain),
                share,
                "Đạt" if ballot.passed else "Không đạt",
            )
        ],
        (4.4, 1.9, 2.2, 2.4, 2.4, 2.2),
    )
    layout.paragraph(doc, "")
    verdict = "đủ" if ballot.passed else "không đủ"
    layout.paragraph(
        doc,
        f"{ballot.nominee} đạt {ballot.agree}/{ballot.present} phiếu đồng ý ({share}), {verdict} "
        f"tỉ lệ để đề nghị danh hiệu “{ballot.title}”.",
        indent_first=True,
    )
    layout.paragraph(
        doc,
        f"Phiếu kín: {ballot.trackers} mã kiểm tra đã được công bố; mỗi người kiểm tra phiếu của mình "
        f"bằng /hoidong <mã>. Chuỗi băm: {ballot.chain_head}.",
        italic=True,
    )
    layout.paragraph(doc, "Biên bản được lập từ kết quả kiểm phiếu của Thi đua Bot.", indent_first=True)
    layout.closing(doc, [layout.Signer("THƯ KÝ"), layout.Signer("CHỦ TRÌ")])
    return layout.to_bytes(doc, moment)
