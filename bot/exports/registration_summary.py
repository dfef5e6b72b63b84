"""Tổng hợp đăng ký thi đua: one row per unit — title, targets, people by title, pact, status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from xlsxwriter.utility import xl_col_to_name

from bot.exports.common import dmy
from bot.exports.data import Issuer, RegistrationRow
from bot.exports.xlsx_layout import (
    DATE_FORMAT,
    LINE_HEIGHT,
    Book,
    header_row,
    heading,
    lines_needed,
    print_setup,
    signature,
    widths,
)

POSITION_WORDS = {"head": "Khối trưởng", "deputy": "Khối phó", "member": "Thành viên"}
STATUS_WORDS = {"considered": "Được xét", "not_considered": "Không xét", "deferred": "Chưa xét"}
REASON_WORDS = {"not_registered": "Chưa đăng ký thi đua", "not_signed": "Chưa ký giao ước thi đua"}


def reason_text(reasons: Sequence[str]) -> str:
    return "; ".join(REASON_WORDS.get(r, r) for r in reasons if r)


def columns(individual_titles: Sequence[str]) -> list[str]:
    return [
        "TT",
        "Đơn vị",
        "Vị trí trong khối",
        "Danh hiệu tập thể đăng ký",
        "Chỉ tiêu",
        *[f"Cá nhân: {title}" for title in individual_titles],
        "Mô hình mới, cách làm hay",
        "Công trình, chuyên đề",
        "Ngày đăng ký",
        "Ký giao ước",
        "Ngày ký",
        "Tình trạng xét",
        "Lý do",
    ]


def table(
    rows: Sequence[RegistrationRow], individual_titles: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    body = []
    for index, row in enumerate(rows, start=1):
        body.append(
            [
                str(index),
                row.unit_name,
                POSITION_WORDS.get(row.position, row.position),
                row.title,
                "\n".join(f"- {target}" for target in row.targets),
                *[str(row.individuals.get(title, 0)) for title in individual_titles],
                row.new_model,
                "\n".join(f"- {project}" for project in row.projects),
                dmy(row.submitted_at),
                "Đã ký" if row.signed_at else "Chưa ký",
                dmy(row.signed_at),
                STATUS_WORDS.get(row.status, row.status),
                reason_text(row.reasons),
            ]
        )
    return columns(individual_titles), body


def render(
    issuer: Issuer,
    rows: Sequence[RegistrationRow],
    individual_titles: Sequence[str],
    moment: datetime,
    issued_on: date | None = None,
) -> bytes:
    header, body = table(rows, individual_titles)
    book = Book(f"Đăng ký thi đua — {issuer.bloc_name}", moment)
    sheet = book.add_sheet("Đăng ký thi đua")
    width = len(header)
    header_at = heading(
        book,
        sheet,
        issuer,
        ["TỔNG HỢP ĐĂNG KÝ THI ĐUA", f"{issuer.bloc_name} — năm học {issuer.school_year}"],
        width,
        issued_on or moment.date(),
    )
    header_row(book, sheet, header_at, header, 3)
    people_from, people_to = 5, 4 + len(individual_titles)  # 0-based columns of the counts
    dates = {len(header) - 5: "submitted_at", len(header) - 3: "signed_at"}
    text, number = book.cell(), book.cell(center=True)
    day = book.cell(num=DATE_FORMAT, center=True)
    column_widths = [5, 40, 13, 26, 50, *([12] * len(individual_titles)), 30, 34, 12, 10, 12, 12, 36]
    row = header_at
    for source, values in zip(rows, body, strict=True):
        row += 1
        lines = 1
        for column, value in enumerate(values):
            if column == 0 or people_from <= column <= people_to:
                sheet.write_number(row, column, int(value), number)  # counts are numbers, so Excel sums them
            elif column in dates:
                moment_of = getattr(source, dates[column])
                if moment_of is None:
                    sheet.write_blank(row, column, None, day)
                else:
                    sheet.write_datetime(row, column, datetime.combine(moment_of.date(), time(0)), day)
            else:
                sheet.write_string(row, column, value, text)
                lines = max(lines, lines_needed(value, column_widths[column]))
        sheet.set_row(row, LINE_HEIGHT * min(lines, 20))
    row += 1
    bold = book.cell(bold=True, center=True)
    for column in range(width):
        if column == 1:
            sheet.write_string(row, column, "Cộng", book.cell(bold=True))
        elif people_from <= column <= people_to:
            letter = xl_col_to_name(column)
            title = individual_titles[column - people_from]
            total = sum(r.individuals.get(title, 0) for r in rows)
            formula = f"=SUM({letter}{header_at + 2}:{letter}{row})" if body else "=0"
            sheet.write_formula(row, column, formula, bold, total)
        else:
            sheet.write_blank(row, column, None, book.cell())
    signature(book, sheet, row + 1, width, [("NGƯỜI LẬP BIỂU", ""), ("KHỐI TRƯỞNG", issuer.head_name)])
    widths(sheet, column_widths)
    sheet.freeze_panes(header_at + 1, 2)
    print_setup(sheet, header_at, header_at)
    return book.finish()
