"""Tờ trình: the head's proposal to the department's council, citing the minutes."""

from __future__ import annotations

from datetime import datetime

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bot.exports.common import dmy, percent, place_and_date
from bot.exports.data import ProposalData
from bot.exports.docx_layout import (
    Heading,
    add_run,
    header_block,
    new_document,
    paragraph,
    signatures,
    to_bytes,
)


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
    center = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(doc, "")
    paragraph(doc, "TỜ TRÌNH", bold=True, size=14, align=center, space_after=0)
    paragraph(
        doc,
        f"Về việc đề nghị xét tặng danh hiệu thi đua và hình thức khen thưởng năm học {issuer.school_year}",
        bold=True,
        align=center,
    )
    para = paragraph(doc, "", align=center)
    add_run(para, "Kính gửi: ")
    add_run(para, f"Hội đồng Thi đua – Khen thưởng {issuer.authority}", bold=True)
    paragraph(
        doc,
        f"Căn cứ kết quả chấm điểm, bình xét thi đua năm học {issuer.school_year} của {issuer.bloc_name};",
        indent_first=True,
    )
    if data.minutes_date is not None:
        paragraph(
            doc,
            f"Căn cứ Biên bản {data.meeting_kind.lower()} ngày {dmy(data.minutes_date)} của {issuer.bloc_name},",
            indent_first=True,
        )
    paragraph(
        doc,
        f"{issuer.bloc_name} kính trình Hội đồng Thi đua – Khen thưởng xem xét, đề nghị khen thưởng như sau:",
        indent_first=True,
    )
    number = 0
    for ballot in data.ballots:
        if not ballot.elected:
            continue
        number += 1
        paragraph(
            doc, f"{number}. {ballot.title}: {len(ballot.elected)} đơn vị", bold=True, indent_first=True
        )
        by_label = {line.label: line for line in ballot.lines}
        for label in ballot.elected:
            line = by_label[label]
            paragraph(
                doc,
                f"- {label} ({line.votes}/{ballot.base_size} phiếu, đạt {percent(line.share)})",
                indent_first=True,
                space_after=0,
            )
    count = len(data.nominees.individuals)
    if count:
        number += 1
        paragraph(
            doc,
            f"{number}. Cá nhân: {count} cá nhân (có danh sách kèm theo).",
            bold=True,
            indent_first=True,
        )
    if number == 0:
        paragraph(doc, "Chưa có đơn vị, cá nhân nào được bình xét đề nghị.", indent_first=True)
    for extra in data.extra:
        paragraph(doc, extra, indent_first=True)
    paragraph(
        doc,
        "Hồ sơ kèm theo: Biên bản họp bình xét, Danh sách đề nghị và Tóm tắt thành tích của các tập thể, cá nhân.",
        italic=True,
        indent_first=True,
    )
    paragraph(
        doc,
        f"{issuer.bloc_name} kính trình Hội đồng Thi đua – Khen thưởng xem xét, quyết định./.",
        indent_first=True,
    )
    signatures(
        doc,
        [
            ("Nơi nhận:", "- Như trên;\n- Lưu: VT.", ""),
            ("KHỐI TRƯỞNG", "(Ký, ghi rõ họ tên, đóng dấu)", issuer.head_name or issuer.head_unit),
        ],
    )
    return to_bytes(doc, moment)
