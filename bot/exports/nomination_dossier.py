"""The emulation desk's dossier of exemplars for the Sở (seed 002 §II.6; issue 18).

For a set of accepted nominations: the Tờ trình, the DANH SÁCH in seed 002's columns (DOCX in the
NĐ 30/2020 layout, and XLSX), each person's Tóm tắt thành tích, and the schools' minutes as they
were sent (a ZIP of the stored files). Official documents: always Vietnamese.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

from bot.exports import docx_layout as layout
from bot.exports import xlsx_layout
from bot.exports.common import MOTTO, MOTTO_2, place_and_date, slug
from bot.exports.data import Issuer
from bot.files import FileStore
from bot.services.nominations import NominationView

# Seed 002's DANH SÁCH, in its order.
COLUMNS: tuple[str, ...] = (
    "TT",
    "Họ và tên",
    "Đơn vị công tác",
    "Thâm niên giảng dạy",
    "Tóm tắt thành tích",
    "Số điện thoại, email",
)
WIDTHS_CM = (1.0, 3.6, 3.4, 2.2, 4.8, 3.5)
XLSX_WIDTHS = (6, 26, 28, 14, 60, 30)  # characters


def _contact(n: NominationView) -> str:
    parts = []
    if n.phone:
        parts.append(f"ĐT: {n.phone}")
    if n.email:
        parts.append(f"Email: {n.email}")
    return "\n".join(parts)


def rows(chosen: Sequence[NominationView]) -> list[list[str]]:
    return [
        [
            str(index),
            n.full_name,
            n.unit_name,
            "" if n.teaching_years is None else f"{n.teaching_years} năm",
            n.summary or n.achievements,
            _contact(n),
        ]
        for index, n in enumerate(chosen, start=1)
    ]


def _heading(authority: str, moment: datetime, zone: ZoneInfo, symbol: str) -> layout.Heading:
    return layout.Heading(
        parent_body=authority,
        issuing_body="Bộ phận Thi đua – Khen thưởng",
        number_symbol=f"Số: …/{symbol}",
        place_date=place_and_date("……", moment.astimezone(zone).date()),
    )


def submission(chosen: Sequence[NominationView], authority: str, moment: datetime, zone: ZoneInfo) -> bytes:
    """Tờ trình: the desk proposes the list to the Sở."""
    doc = layout.new_document("Tờ trình đề nghị khen thưởng điển hình tiên tiến", moment)
    layout.header_block(doc, _heading(authority, moment, zone, "TTr-TĐKT"))
    center = WD_ALIGN_PARAGRAPH.CENTER
    layout.paragraph(doc, "")
    layout.paragraph(doc, "TỜ TRÌNH", bold=True, align=center, size=14)
    layout.paragraph(doc, "Về việc đề nghị khen thưởng điển hình tiên tiến", bold=True, align=center)
    layout.paragraph(doc, "Kính gửi: Sở Giáo dục và Đào tạo.", align=center)
    people = sum(1 for n in chosen if n.kind.value == "person")
    layout.paragraph(
        doc,
        f"{authority} đề nghị Sở Giáo dục và Đào tạo xét khen thưởng {len(chosen)} điển hình tiên tiến "
        f"({people} cá nhân, {len(chosen) - people} tập thể) phát hiện trong phong trào thi đua, "
        "có danh sách và tóm tắt thành tích kèm theo.",
        indent_first=True,
    )
    layout.paragraph(
        doc, "Hồ sơ kèm theo gồm: Danh sách; Tóm tắt thành tích; Biên bản họp bình xét của các trường."
    )
    layout.closing(doc, [layout.Signer("THỦ TRƯỞNG ĐƠN VỊ")], recipients=["Như trên;", "Lưu: VT, TĐ."])
    return layout.to_bytes(doc, moment)


def list_docx(chosen: Sequence[NominationView], authority: str, moment: datetime) -> bytes:
    doc = layout.new_document("Danh sách điển hình tiên tiến", moment)
    center = WD_ALIGN_PARAGRAPH.CENTER
    layout.paragraph(doc, authority.upper(), bold=True, align=center)
    layout.paragraph(doc, "DANH SÁCH", bold=True, align=center, size=14)
    layout.paragraph(doc, "(Kèm theo Tờ trình số …)", italic=True, align=center)
    layout.grid(doc, COLUMNS, rows(chosen), WIDTHS_CM, left_columns=(1, 2, 4, 5))
    layout.closing(doc, [layout.Signer("THỦ TRƯỞNG ĐƠN VỊ")])
    return layout.to_bytes(doc, moment)


def list_xlsx(chosen: Sequence[NominationView], authority: str, moment: datetime, zone: ZoneInfo) -> bytes:
    book = xlsx_layout.Book("Danh sách điển hình tiên tiến", moment)
    sheet = book.add_sheet("Danh sách")
    issuer = Issuer(authority, "……", "Bộ phận Thi đua – Khen thưởng", 0, "")
    first = xlsx_layout.heading(
        book,
        sheet,
        issuer,
        ["DANH SÁCH", "(Kèm theo Tờ trình số …)"],
        len(COLUMNS),
        moment.astimezone(zone).date(),
    )
    xlsx_layout.header_row(book, sheet, first, COLUMNS)
    text, number = book.cell(), book.cell(center=True)
    for r, row in enumerate(rows(chosen), start=first + 1):
        sheet.write_number(r, 0, int(row[0]), number)
        for c, value in enumerate(row[1:], start=1):
            sheet.write_string(r, c, value, text)
    xlsx_layout.widths(sheet, XLSX_WIDTHS)
    xlsx_layout.print_setup(sheet, first, first)
    xlsx_layout.signature(book, sheet, first + len(chosen) + 1, len(COLUMNS), [("THỦ TRƯỞNG ĐƠN VỊ", "")])
    return book.finish()


def summaries(chosen: Sequence[NominationView], moment: datetime) -> bytes:
    """Each person's Tóm tắt thành tích, on the seed's form, one per page."""
    doc = layout.new_document("Tóm tắt thành tích", moment)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for index, n in enumerate(chosen):
        if index:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        layout.paragraph(doc, MOTTO, bold=True, align=center, size=12)
        layout.paragraph(doc, MOTTO_2, bold=True, underline=True, align=center)
        layout.paragraph(doc, "BÁO CÁO TÓM TẮT THÀNH TÍCH", bold=True, align=center, size=14)
        layout.paragraph(doc, f"Đề nghị: {n.title_name}", italic=True, align=center)
        layout.paragraph(doc, "I. SƠ LƯỢC LÝ LỊCH", bold=True)
        layout.paragraph(doc, f"- Họ và tên: {n.full_name}")
        layout.paragraph(doc, f"- Chức vụ: {n.position}")
        layout.paragraph(doc, f"- Đơn vị công tác: {n.unit_name}")
        if n.teaching_years is not None:
            layout.paragraph(doc, f"- Thâm niên giảng dạy: {n.teaching_years} năm")
        layout.paragraph(doc, f"- Điện thoại, email: {', '.join(x for x in (n.phone, n.email) if x)}")
        layout.paragraph(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True)
        for line in n.achievements.splitlines() or [""]:
            layout.paragraph(doc, line, indent_first=True)
        layout.closing(
            doc,
            [
                layout.Signer("THỦ TRƯỞNG ĐƠN VỊ"),
                layout.Signer("NGƯỜI BÁO CÁO", n.full_name if n.kind.value == "person" else ""),
            ],
        )
    return layout.to_bytes(doc, moment)


def minutes_zip(
    chosen: Sequence[NominationView],
    keys: dict[int, tuple[str, str]],
    files: FileStore,
    written: dict[int, tuple[str, bytes]] | None = None,
) -> bytes:
    """The schools' minutes as they sent them, and those the bot wrote for a school's vote held in
    it (`written`: name and DOCX by nomination); a file missing from the store is listed as such."""
    out = io.BytesIO()
    missing: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, n in enumerate(chosen, start=1):
            if written and n.id in written:
                name, data = written[n.id]
                archive.writestr(f"{index:02d}_{slug(n.unit_name)}_{name}", data)
                continue
            if n.id not in keys:
                continue
            key, name = keys[n.id]
            data = files.get(key)
            label = f"{index:02d}_{slug(n.unit_name)}_{slug(n.full_name)}_{name}"
            if data is None:
                missing.append(label)
                continue
            archive.writestr(label, data)
        if missing:
            archive.writestr("THIEU_TEP.txt", "\n".join(missing))
    return out.getvalue()


def dossier(
    chosen: Sequence[NominationView],
    minutes: dict[int, tuple[str, str]],
    files: FileStore,
    authority: str,
    moment: datetime,
    zone: ZoneInfo,
    written: dict[int, tuple[str, bytes]] | None = None,
) -> list[tuple[str, bytes]]:
    """Every file of the dossier, named as the desk files them."""
    return [
        ("To_trinh_dien_hinh.docx", submission(chosen, authority, moment, zone)),
        ("Danh_sach_dien_hinh.docx", list_docx(chosen, authority, moment)),
        ("Danh_sach_dien_hinh.xlsx", list_xlsx(chosen, authority, moment, zone)),
        ("Tom_tat_thanh_tich.docx", summaries(chosen, moment)),
        ("Bien_ban_binh_xet.zip", minutes_zip(chosen, minutes, files, written)),
    ]


async def with_pdfs(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The Tờ trình and the DANH SÁCH also as PDF, where LibreOffice is installed (the DOCX is
    sent either way: a failed conversion never holds the dossier back)."""
    from bot.exports.minutes import to_pdf

    out = list(files)
    for name, data in files:
        if name in ("To_trinh_dien_hinh.docx", "Danh_sach_dien_hinh.docx"):
            pdf = await to_pdf(data, name.removesuffix(".docx"))
            if pdf is not None:
                out.append((name.removesuffix(".docx") + ".pdf", pdf))
    return out
