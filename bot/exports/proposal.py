"""Tờ trình: the head's proposal to the department's council, citing the minutes.

It proposes exactly what the bloc decides (seed 000 §III.2): the Cờ thi đua and Bằng khen its
ballots awarded, each unit with its score, rank and vote share. Elections of next year's head
and deputy go to the minutes, never here; titles a unit confers itself are each unit's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from docx.shared import Pt

from bot.exports.common import (
    leader_title,
    percent,
    place_and_date,
    points,
    short_unit_name,
    spelled_date,
    vn_upper,
)
from bot.exports.data import Issuer, ProposalData, Proposed
from bot.exports.docx_layout import (
    CENTER,
    Heading,
    Signer,
    add_run,
    closing,
    header_block,
    new_document,
    paragraph,
    short_rule,
    to_bytes,
)


def head_signer(issuer: Issuer) -> Signer:
    """ "KHỐI TRƯỞNG" over the head unit's leader, as seed 004 signs "CỤM TRƯỞNG / HIỆU TRƯỞNG"."""
    office = "KHỐI TRƯỞNG"
    if issuer.head_unit:
        # The school's usual short form keeps the line short: "HIỆU TRƯỞNG TRƯỜNG THPT BÙI HỮU NGHĨA".
        unit = issuer.head_unit
        if unit.casefold().startswith("trường"):
            unit = f"Trường {short_unit_name(unit)}"
        office += "\n" + vn_upper(leader_title(unit))
    return Signer(office, issuer.head_name)


def awards_in(proposals: Sequence[Proposed]) -> list[tuple[str, list[Proposed]]]:
    """The proposals grouped by award, the higher award first."""
    groups: dict[str, list[Proposed]] = {}
    for item in sorted(proposals, key=lambda p: p.award_order):
        groups.setdefault(item.award, []).append(item)
    return list(groups.items())


def subject(proposals: Sequence[Proposed], school_year: str) -> str:
    names = [award for award, _ in awards_in(proposals)]
    if len(names) == 2 and names[1].startswith("Bằng khen của Chủ tịch"):
        # "Cờ thi đua của Ủy ban nhân dân thành phố" and "Bằng khen của Chủ tịch Ủy ban nhân dân
        # thành phố" share their tail: the subject line names it once.
        awarded = "Cờ thi đua và Bằng khen của Chủ tịch Ủy ban nhân dân thành phố"
    else:
        awarded = " và ".join(names) or "danh hiệu thi đua, hình thức khen thưởng"
    return f"Về việc đề nghị tặng {awarded} năm học {school_year}"


def unit_line(item: Proposed) -> str:
    facts = []
    if item.total is not None:
        facts.append(f"tổng điểm thi đua {points(item.total)}/{points(item.max_total)}")
    if item.rank is not None:
        facts.append(f"xếp hạng {item.rank}/{item.ranked}")
    facts.append(f"được {item.votes}/{item.base} phiếu bầu chọn, đạt {percent(item.share)}")
    return f"- {item.unit_name} ({', '.join(facts)});"


def render(data: ProposalData, moment: datetime) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Tờ trình — {issuer.bloc_name}", moment)
    header_block(
        doc,
        Heading(
            issuer.authority,
            issuer.bloc_name,
            f"Số:      /TTr-KTĐ{issuer.bloc_number}",
            place_and_date(issuer.place, data.issued_on),
        ),
    )
    paragraph(doc, "")
    paragraph(doc, "TỜ TRÌNH", bold=True, size=14, align=CENTER, space_after=0, keep_next=True)
    paragraph(
        doc,
        subject(data.proposals, issuer.school_year),
        bold=True,
        align=CENTER,
        space_after=0,
        keep_next=True,
    )
    short_rule(doc, 5.0, 16.5)
    para = paragraph(doc, "", align=CENTER, space_after=12)
    para.paragraph_format.space_before = Pt(12)
    add_run(para, "Kính gửi: ")
    add_run(para, f"Hội đồng Thi đua – Khen thưởng {issuer.authority}.")
    bases = [
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
        f"Căn cứ Kế hoạch của {issuer.authority} về tổ chức hoạt động và bình xét thi đua của các khối "
        f"thi đua năm học {issuer.school_year};",
        f"Căn cứ Quy chế hoạt động và bảng tiêu chí chấm điểm thi đua năm học {issuer.school_year} đã "
        f"được các đơn vị thành viên {issuer.bloc_name} thống nhất, ký kết giao ước thi đua;",
    ]
    if data.minutes_date is not None:
        bases.append(
            f"Căn cứ Biên bản số      /BB-KTĐ{issuer.bloc_number} {spelled_date(data.minutes_date)} "
            f"{data.meeting_kind[:1].lower()}{data.meeting_kind[1:]} năm học {issuer.school_year} của "
            f"{issuer.bloc_name},"
        )
    else:
        bases[-1] = bases[-1].rstrip(";") + ","
    for text in bases:
        paragraph(doc, text, italic=True, indent_first=True)
    groups = awards_in(data.proposals)
    if groups:
        paragraph(
            doc,
            f"{issuer.bloc_name} kính trình Hội đồng Thi đua – Khen thưởng {issuer.authority} xem xét, "
            "đề nghị Chủ tịch Ủy ban nhân dân thành phố tặng thưởng cho các đơn vị sau:",
            indent_first=True,
        )
    else:
        paragraph(
            doc,
            f"{issuer.bloc_name} chưa có đơn vị nào được bình chọn đề nghị khen thưởng.",
            indent_first=True,
        )
    for number, (award, items) in enumerate(groups, start=1):
        paragraph(
            doc, f"{number}. {award}: {len(items):02d} đơn vị", bold=True, indent_first=True, keep_next=True
        )
        for index, item in enumerate(items):
            text = unit_line(item)
            if index == len(items) - 1:
                text = text[:-1] + "."
            paragraph(doc, text, indent_first=True, space_after=3, keep_next=index < len(items) - 1)
    if groups:
        paragraph(doc, "(Có Danh sách đề nghị khen thưởng kèm theo)", italic=True, align=CENTER)
    for line in data.extra:
        paragraph(doc, line, indent_first=True)
    if data.enclosures:
        paragraph(doc, "Hồ sơ kèm theo gồm:", indent_first=True, keep_next=True, space_after=3)
        for index, item in enumerate(data.enclosures, start=1):
            end = "." if index == len(data.enclosures) else ";"
            paragraph(doc, f"{index}. {item}{end}", indent_first=True, space_after=3, keep_next=True)
    paragraph(
        doc,
        f"{issuer.bloc_name} kính trình Hội đồng Thi đua – Khen thưởng {issuer.authority} xem xét, "
        "quyết định./.",
        indent_first=True,
        keep_next=True,
    )
    closing(
        doc,
        [head_signer(issuer)],
        recipients=["- Như trên;", f"- Các đơn vị thành viên {issuer.bloc_name};", "- Lưu: VT."],
    )
    return to_bytes(doc, moment)
