"""The Vietnamese administrative layout (Nghị định 30/2020/NĐ-CP) for python-docx documents.

A4, margins 20/20/30/15 mm, Times New Roman 13 pt set on every run for the ascii, hAnsi,
eastAsia and cs slots (Word picks the slot by character class; leaving one unset lets it fall
back to a font without Vietnamese marks), the issuing body beside the national motto, the
number/symbol and the spelled-out place and date.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.exports.common import reproducible_zip

FONT = "Times New Roman"
BODY_PT = 13
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập – Tự do – Hạnh phúc"


def _font_element(rpr: object, size_pt: float | None) -> None:
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size_pt is not None:
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))  # type: ignore[attr-defined]
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)  # type: ignore[attr-defined]
            element.set(qn("w:val"), str(int(size_pt * 2)))


def set_font(run: Run, size_pt: float = BODY_PT) -> Run:
    run.font.name = FONT
    run.font.size = Pt(size_pt)
    _font_element(run._element.get_or_add_rPr(), size_pt)
    return run


def set_widths(table: Table, widths_cm: Sequence[float]) -> None:
    """Column widths in the grid and in every cell: Word reads the cells, LibreOffice the grid."""
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        column.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def new_document(title: str, moment: datetime) -> DocumentType:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        _font_element(style.element.get_or_add_rPr(), BODY_PT)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_after = Pt(3)
    normal.space_before = Pt(0)
    normal.line_spacing = 1.1
    props = doc.core_properties
    props.author = props.last_modified_by = "Thi đua Bot"
    props.title = title
    props.created = props.modified = moment.replace(tzinfo=None)
    props.revision = 1
    props.comments = ""
    return doc


def paragraph(
    container: DocumentType | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float = BODY_PT,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent_first: bool = False,
    space_after: float | None = None,
) -> Paragraph:
    para = container.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent_first:
        para.paragraph_format.first_line_indent = Cm(1)
    if space_after is not None:
        para.paragraph_format.space_after = Pt(space_after)
    if text:
        add_run(para, text, bold=bold, italic=italic, underline=underline, size=size)
    return para


def add_run(
    para: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float = BODY_PT,
) -> Run:
    run = para.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    return set_font(run, size)


def _first_paragraph(cell: _Cell) -> Paragraph:
    first: Paragraph = cell.paragraphs[0]
    return first


def cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = BODY_PT,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> None:
    lines = text.split("\n")
    para = _first_paragraph(cell)
    for index, line in enumerate(lines):
        if index:
            para = cell.add_paragraph()
        if align is not None:
            para.alignment = align
        para.paragraph_format.space_after = Pt(0)
        add_run(para, line, bold=bold, italic=italic, size=size)


@dataclass(frozen=True)
class Heading:
    """The administrative header: who issues the paper, its number/symbol, where and when."""

    parent_body: str  # "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ CẦN THƠ"
    issuing_body: str  # "KHỐI THI ĐUA SỐ 2"
    number_symbol: str  # "Số: …/BB-KTĐ"
    place_date: str  # "Cần Thơ, ngày 15 tháng 6 năm 2022"


def header_block(doc: DocumentType, heading: Heading) -> Table:
    table: Table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    set_widths(table, (6.5, 10.0))
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(left, heading.parent_body.upper(), size=12, align=center)
    para = left.add_paragraph()
    para.alignment = center
    para.paragraph_format.space_after = Pt(0)
    add_run(para, heading.issuing_body.upper(), bold=True, size=12)
    para = left.add_paragraph()
    para.alignment = center
    add_run(para, heading.number_symbol, size=13)
    cell_text(right, MOTTO, bold=True, size=12, align=center)
    para = right.add_paragraph()
    para.alignment = center
    para.paragraph_format.space_after = Pt(6)
    add_run(para, MOTTO_2, bold=True, underline=True, size=13)
    para = right.add_paragraph()
    para.alignment = center
    add_run(para, heading.place_date, italic=True, size=13)
    return table


def grid(
    doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]], widths_cm: Sequence[float]
) -> Table:
    """A bordered table with a bold header row; numbers are centred by the caller's choice of text."""
    table: Table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    set_widths(table, widths_cm)
    for index, title in enumerate(header):
        cell_text(table.rows[0].cells[index], title, bold=True, size=12, align=center)
    for r, row in enumerate(rows, start=1):
        cells = table.rows[r].cells
        for index, value in enumerate(row):
            cell_text(cells[index], value, size=12, align=None if index == 1 else center)
    # The header repeats on every page of a long table.
    trpr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    return table


def signatures(doc: DocumentType, blocks: Sequence[tuple[str, str, str]]) -> None:
    """Signature blocks side by side: (office, note, name) each, e.g. ("CHỦ TRÌ", "(Ký, ghi rõ họ tên)", …)."""
    paragraph(doc, "")
    table: Table = doc.add_table(rows=1, cols=len(blocks))
    table.autofit = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    set_widths(table, [16.5 / len(blocks)] * len(blocks))
    for cell, (office, note, name) in zip(table.rows[0].cells, blocks, strict=True):
        cell_text(cell, office, bold=True, align=center)
        para = cell.add_paragraph()
        para.alignment = center
        add_run(para, note, italic=True, size=12)
        for _ in range(3):
            cell.add_paragraph()
        para = cell.add_paragraph()
        para.alignment = center
        add_run(para, name, bold=True)


def to_bytes(doc: DocumentType, moment: datetime) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue(), moment)
