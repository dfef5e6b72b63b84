"""Báo cáo tóm tắt thành tích: one per unit the bloc proposes, enclosed with the Tờ trình.

Drafted from what the bot holds — the unit's registration (title, targets, new model, projects),
its final scores criterion by criterion with its rank, the bloc's vote and the evidence it
attached — in the decree's layout, for the unit to complete (its profile, the awards it already
received) and sign. What only the unit knows is asked for in italics, never invented.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.exports.common import leader_title, place_and_date, points, short_unit_name, vn_upper
from bot.exports.data import AchievementReport
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

TO_COMPLETE = "(Đơn vị bổ sung trước khi ký.)"


def _own_name(unit_name: str) -> str:
    """The unit as the issuing body of its own report, in the short form that fits the heading."""
    if unit_name.casefold().startswith("trường"):
        return f"Trường {short_unit_name(unit_name)}"
    return unit_name


def render(data: AchievementReport, moment: datetime) -> bytes:
    issuer = data.issuer
    doc = new_document(f"Báo cáo tóm tắt thành tích — {data.unit_name}", moment)
    header_block(
        doc,
        Heading(
            issuer.authority, _own_name(data.unit_name), "", place_and_date(issuer.place, data.issued_on)
        ),
    )
    paragraph(doc, "")
    paragraph(
        doc, "BÁO CÁO TÓM TẮT THÀNH TÍCH", bold=True, size=14, align=CENTER, space_after=0, keep_next=True
    )
    paragraph(
        doc,
        f"Đề nghị tặng {data.award} năm học {issuer.school_year}",
        bold=True,
        align=CENTER,
        space_after=0,
        keep_next=True,
    )
    short_rule(doc, 5.0, 16.5)
    paragraph(doc, "I. SƠ LƯỢC ĐẶC ĐIỂM, TÌNH HÌNH", bold=True, keep_next=True, space_before=12)
    paragraph(doc, f"Tên đơn vị: {data.unit_name}.", indent_first=True)
    paragraph(doc, f"Thành viên {issuer.bloc_name}, {issuer.authority}.", indent_first=True)
    if data.contact:
        paragraph(doc, "Điện thoại, email: " + data.contact.replace("\n", "; ") + ".", indent_first=True)
    paragraph(
        doc,
        "Chức năng, nhiệm vụ; tổ chức bộ máy, số cán bộ, giáo viên, nhân viên; cơ sở vật chất. "
        + TO_COMPLETE,
        italic=True,
        indent_first=True,
    )
    paragraph(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True, keep_next=True)
    registration = data.registration
    paragraph(doc, "1. Đăng ký và thực hiện chỉ tiêu thi đua", bold=True, keep_next=True)
    if registration is not None and registration.title:
        paragraph(doc, f"Danh hiệu đăng ký đầu năm học: {registration.title}.", indent_first=True)
    if registration is not None and registration.targets:
        paragraph(doc, "Các chỉ tiêu đã đăng ký:", indent_first=True, keep_next=True, space_after=3)
        for target in registration.targets:
            paragraph(doc, f"- {target};", indent_first=True, space_after=3)
    paragraph(doc, "Kết quả thực hiện từng chỉ tiêu. " + TO_COMPLETE, italic=True, indent_first=True)
    scores = data.scores
    paragraph(doc, "2. Kết quả chấm điểm thi đua trong khối", bold=True, keep_next=True)
    if scores is not None and scores.cells:
        rows = []
        for criterion in data.criteria:
            cell = scores.cells.get(criterion.code)
            rows.append(
                [
                    criterion.code,
                    criterion.title,
                    points(criterion.max_points),
                    points(cell.final) if cell is not None else "",
                ]
            )
        most = sum((c.max_points for c in data.criteria), Decimal(0))
        rows.append(["", "Tổng cộng", points(most), points(scores.final_total)])
        rank = f", xếp hạng {scores.rank}/{data.ranked} trong khối" if scores.rank is not None else ""
        paragraph(
            doc,
            f"Tổng điểm thi đua do {issuer.bloc_name} chốt: {points(scores.final_total)}/{points(most)} "
            f"điểm{rank}; được {data.votes} bầu chọn đề nghị {data.award}.",
            indent_first=True,
            keep_next=True,
        )
        grid(doc, ["Mã", "Tiêu chí", "Điểm tối đa", "Điểm đạt"], rows, [1.5, 10.5, 2.2, 2.3])
    else:
        paragraph(doc, f"Được {data.votes} bầu chọn đề nghị {data.award}.", indent_first=True)
    paragraph(
        doc, "3. Mô hình mới, cách làm hay; công trình, chuyên đề", bold=True, keep_next=True, space_before=6
    )
    if registration is not None and registration.new_model:
        paragraph(doc, f"Mô hình mới, cách làm hay: {registration.new_model}.", indent_first=True)
    for project in registration.projects if registration is not None else ():
        paragraph(doc, f"{project}.", indent_first=True)
    paragraph(doc, "Hiệu quả, phạm vi ảnh hưởng. " + TO_COMPLETE, italic=True, indent_first=True)
    evidence = []
    if scores is not None:
        for criterion in data.criteria:
            cell = scores.cells.get(criterion.code)
            evidence += [(criterion.code, item) for item in (cell.evidence if cell else ())]
    if evidence:
        paragraph(doc, "4. Minh chứng đã nộp kèm bảng điểm", bold=True, keep_next=True)
        rows = [[str(i), code, item] for i, (code, item) in enumerate(evidence, start=1)]
        grid(doc, ["TT", "Tiêu chí", "Minh chứng"], rows, [1.2, 2.3, 13.0], left_columns=(2,))
    paragraph(
        doc, "III. CÁC HÌNH THỨC KHEN THƯỞNG ĐÃ ĐƯỢC GHI NHẬN", bold=True, keep_next=True, space_before=6
    )
    grid(
        doc,
        ["Năm học", "Hình thức khen thưởng", "Số, ngày quyết định; cơ quan ban hành"],
        [["", "", ""] for _ in range(3)],
        [2.5, 7.0, 7.0],
        left_columns=(1, 2),
    )
    paragraph(doc, TO_COMPLETE, italic=True, indent_first=True, keep_next=True)
    closing(doc, [Signer(vn_upper(leader_title(_own_name(data.unit_name))))])
    return to_bytes(doc, moment)
