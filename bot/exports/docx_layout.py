"""The Vietnamese administrative layout (Nghị định 30/2020/NĐ-CP) for python-docx documents.

A4, margins 20/20/30/15 mm, Times New Roman 13 pt set on every run for the ascii, hAnsi,
eastAsia and cs slots (Word picks the slot by character class; leaving one unset lets it fall
back to a font without Vietnamese marks), the issuing body beside the national motto, the
number/symbol and the spelled-out place and date; page numbers from the second page, centred
at the top; short rules under the issuing body and the subject; justified body with at least
6 pt between paragraphs; "Nơi nhận" as the decree writes it; headings kept with what follows,
table rows never split and header rows repeated on every page.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.exports.common import MOTTO, MOTTO_2, reproducible_zip

FONT = "Times New Roman"
BODY_PT = 13
BODY_SPACE_AFTER = 6  # the decree: at least 6 pt between paragraphs
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
# A hyphen between digits ("2026-2027") must not end a line: LibreOffice broke it as "2026-/2027".
_DIGIT_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")


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


@functools.cache
def _run_properties(size_pt: float, bold: bool, italic: bool, underline: bool) -> BaseOxmlElement:
    """A run's properties, parsed once per combination and copied onto each run: building them
    attribute by attribute costs ~0.5 ms a run, seconds on a 1,000-row table."""
    fonts = " ".join(f'w:{slot}="{FONT}"' for slot in ("ascii", "hAnsi", "eastAsia", "cs"))
    half_points = int(size_pt * 2)
    return parse_xml(
        f"<w:rPr {nsdecls('w')}><w:rFonts {fonts}/>"
        + ("<w:b/>" if bold else "")
        + ("<w:i/>" if italic else "")
        + f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        + ('<w:u w:val="single"/>' if underline else "")
        + "</w:rPr>"
    )


def _style_run(
    run: Run, size_pt: float, bold: bool = False, italic: bool = False, underline: bool = False
) -> Run:
    element = run._r
    if element.rPr is not None:
        element.remove(element.rPr)
    element.insert(0, copy.deepcopy(_run_properties(size_pt, bold, italic, underline)))
    return run


def set_font(run: Run, size_pt: float = BODY_PT) -> Run:
    """Times New Roman in every slot Word may pick (ascii, hAnsi, eastAsia, cs) at `size_pt`."""
    return _style_run(run, size_pt, bool(run.bold), bool(run.italic), bool(run.underline))


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
        style.font.name = FONT  # type: ignore[union-attr]
        style.font.size = Pt(BODY_PT)  # type: ignore[union-attr]
        _font_element(style.element.get_or_add_rPr(), BODY_PT)
    normal = doc.styles["Normal"].paragraph_format  # type: ignore[union-attr]
    normal.space_after = Pt(BODY_SPACE_AFTER)
    normal.space_before = Pt(0)
    normal.line_spacing = 1.1
    _page_numbers(doc)
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
    keep_next: bool = False,
    space_before: float | None = None,
) -> Paragraph:
    """A body paragraph: justified unless told otherwise, as the decree sets the body."""
    para = container.add_paragraph()
    para.alignment = JUSTIFY if align is None else align
    if keep_next:
        para.paragraph_format.keep_with_next = True
    if indent_first:
        para.paragraph_format.first_line_indent = Cm(1)
    if space_after is not None:
        para.paragraph_format.space_after = Pt(space_after)
    if space_before is not None:
        para.paragraph_format.space_before = Pt(space_before)
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
    run = para.add_run()
    for index, piece in enumerate(_DIGIT_HYPHEN.split(text)):
        if index:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            run.add_text(piece)
    return _style_run(run, size, bold, italic, underline)


def _first_paragraph(cell: _Cell) -> Paragraph:
    return cell.paragraphs[0]


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
    justify = {CENTER: "center", JUSTIFY: "both"}.get(align, "left")  # type: ignore[call-overload]
    for index, line in enumerate(lines):
        if index:
            para = cell.add_paragraph()
        element = para._p
        if element.pPr is not None:
            element.remove(element.pPr)
        element.insert(0, copy.deepcopy(_cell_paragraph(justify)))
        add_run(para, line, bold=bold, italic=italic, size=size)


@functools.cache
def _cell_paragraph(justify: str) -> BaseOxmlElement:
    """A table cell's paragraph: no space after, aligned; parsed once (see `_run_properties`)."""
    return parse_xml(f'<w:pPr {nsdecls("w")}><w:spacing w:after="0"/><w:jc w:val="{justify}"/></w:pPr>')


@dataclass(frozen=True)
class Heading:
    """The administrative header: who issues the paper, its number/symbol, where and when."""

    parent_body: str  # "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ CẦN THƠ"
    issuing_body: str  # "KHỐI THI ĐUA SỐ 2"
    number_symbol: str  # "Số: …/BB-KTĐ"
    place_date: str  # "Cần Thơ, ngày 15 tháng 6 năm 2022"


def short_rule(container: DocumentType | _Cell, length_cm: float, width_cm: float) -> Paragraph:
    """The decree's short solid line, centred under a name or a subject: an empty paragraph whose
    bottom border the indents cut to `length_cm` of the `width_cm` it sits in."""
    para = container.add_paragraph()
    fmt = para.paragraph_format
    side = Cm(max(0.0, (width_cm - length_cm) / 2))
    fmt.left_indent = fmt.right_indent = side
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
    set_font(para.add_run(""), 2)
    return para


def header_block(doc: DocumentType, heading: Heading, widths_cm: Sequence[float] = (6.5, 10.0)) -> Table:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    set_widths(table, widths_cm)
    left, right = table.rows[0].cells
    if heading.parent_body:
        cell_text(left, heading.parent_body.upper(), size=12, align=CENTER)
        para = left.add_paragraph()
    else:
        para = _first_paragraph(left)
    para.alignment = CENTER
    para.paragraph_format.space_after = Pt(0)
    add_run(para, heading.issuing_body.upper(), bold=True, size=12)
    short_rule(left, min(2.5, widths_cm[0] / 2), widths_cm[0])
    if heading.number_symbol:
        para = left.add_paragraph()
        para.alignment = CENTER
        para.paragraph_format.space_before = Pt(6)
        add_run(para, heading.number_symbol, size=13)
    cell_text(right, MOTTO, bold=True, size=12, align=CENTER)
    para = right.add_paragraph()
    para.alignment = CENTER
    para.paragraph_format.space_after = Pt(6)
    add_run(para, MOTTO_2, bold=True, underline=True, size=13)
    para = right.add_paragraph()
    para.alignment = CENTER
    add_run(para, heading.place_date, italic=True, size=13)
    keep_rows(table)
    return table


def keep_rows(table: Table, header_rows: int = 0) -> None:
    """No row split across pages; the first `header_rows` rows repeat at the top of each page."""
    for index, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_on("w:cantSplit"))
        if index < header_rows:
            trpr.append(_on("w:tblHeader"))


def _on(tag: str) -> OxmlElement:
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    return element


def grid(
    doc: DocumentType,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_cm: Sequence[float],
    *,
    left_columns: Sequence[int] = (1,),
) -> Table:
    """A bordered table with a bold header row repeated on every page; rows never split. The
    `left_columns` hold names and text (left-aligned), the others numbers and marks (centred)."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    set_widths(table, widths_cm)
    table_rows = list(table.rows)  # rows[i] walks the table each time: once, not per row
    for index, title in enumerate(header):
        cell_text(table_rows[0].cells[index], title, bold=True, size=12, align=CENTER)
    for table_row, row in zip(table_rows[1:], rows, strict=True):
        cells = table_row.cells
        for index, value in enumerate(row):
            cell_text(cells[index], value, size=12, align=LEFT if index in left_columns else CENTER)
    keep_rows(table, header_rows=1)
    return table


@dataclass(frozen=True)
class Signer:
    """One signature block: the office in capitals (one or two lines, e.g. "KHỐI TRƯỞNG" over
    "HIỆU TRƯỞNG TRƯỜNG …"), and the name under the space for the signature."""

    office: str
    name: str = ""


def closing(
    doc: DocumentType,
    signers: Sequence[Signer],
    *,
    recipients: Sequence[str] = (),
    width_cm: float = 16.5,
) -> Table:
    """The foot of a document: "Nơi nhận" on the left (when given) and the signature blocks,
    kept together on one page and with the paragraph before them."""
    blocks: list[Signer | None] = ([None] if recipients else []) + list(signers)
    if len(blocks) == 1:
        blocks.insert(0, None)  # one signer signs on the right half, as the decree places it
    table = doc.add_table(rows=1, cols=len(blocks))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if recipients and len(blocks) == 2:
        set_widths(table, (width_cm * 0.45, width_cm * 0.55))
    else:
        set_widths(table, [width_cm / len(blocks)] * len(blocks))
    for cell, block in zip(table.rows[0].cells, blocks, strict=True):
        if block is None:
            if recipients:
                _recipients(cell, recipients)
            continue
        cell_text(cell, block.office, bold=True, size=13, align=CENTER)
        for _ in range(4):
            para = cell.add_paragraph()
            para.paragraph_format.space_after = Pt(0)
        para = cell.add_paragraph()
        para.alignment = CENTER
        add_run(para, block.name, bold=True, size=13)
        for para in cell.paragraphs[:-1]:
            para.paragraph_format.keep_with_next = True
    keep_rows(table)
    return table


def _recipients(cell: _Cell, items: Sequence[str]) -> None:
    """ "Nơi nhận:" 12 pt bold italic, then each recipient 11 pt regular, left (NĐ 30/2020)."""
    para = _first_paragraph(cell)
    para.alignment = LEFT
    para.paragraph_format.space_after = Pt(0)
    add_run(para, "Nơi nhận:", bold=True, italic=True, size=12)
    for item in items:
        para = cell.add_paragraph()
        para.alignment = LEFT
        para.paragraph_format.space_after = Pt(0)
        add_run(para, item, size=11)


def _field(para: Paragraph, instruction: str, size: float) -> None:
    """A Word field (PAGE) as begin / instruction / separate / end runs, which LibreOffice reads."""
    for kind in ("begin", None, "separate", "end"):
        run = set_font(para.add_run(), size)
        if kind is None:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = f" {instruction} "
            run._r.append(text)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        if kind == "separate":
            run.add_text("2")  # shown until the reader updates fields


def _page_numbers(doc: DocumentType) -> None:
    """Pages numbered from the second, centred in the top margin; the first page has none."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.header_distance = Cm(1)
    section.first_page_header.is_linked_to_previous = False  # an empty header of its own
    para = section.header.paragraphs[0]
    para.alignment = CENTER
    _field(para, "PAGE", 13)


def to_bytes(doc: DocumentType, moment: datetime) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue(), moment)
