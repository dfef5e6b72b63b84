"""Tổng hợp đăng ký thi đua: one row per unit — title, targets, people by title, pact, status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openpyxl.utils import get_column_letter

from bot.exports.common import dmy
from bot.exports.data import Issuer, RegistrationRow
from bot.exports.xlsx_layout import BOLD, BOX, WRAP, header_row, new_workbook, title_rows, to_bytes, widths

HEADER_ROW = 3
FIRST_ROW = 4
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
    issuer: Issuer, rows: Sequence[RegistrationRow], individual_titles: Sequence[str], moment: datetime
) -> bytes:
    header, body = table(rows, individual_titles)
    workbook = new_workbook(f"Đăng ký thi đua — {issuer.bloc_name}", moment)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Đăng ký thi đua"
    title_rows(
        sheet,
        ["TỔNG HỢP ĐĂNG KÝ THI ĐUA", f"{issuer.bloc_name} — năm học {issuer.school_year}"],
        len(header),
    )
    header_row(sheet, HEADER_ROW, header)
    people_from, people_to = 6, 5 + len(individual_titles)
    for offset, values in enumerate(body):
        row = FIRST_ROW + offset
        for column, value in enumerate(values, start=1):
            typed: object = value
            if column == 1 or people_from <= column <= people_to:
                typed = int(value)  # counts are numbers, so Excel can sum them
            cell = sheet.cell(row=row, column=column, value=typed)  # type: ignore[call-overload]
            cell.border, cell.alignment = BOX, WRAP
    total_row = FIRST_ROW + len(body)
    sheet.cell(row=total_row, column=2, value="Cộng").font = BOLD
    for column in range(people_from, people_to + 1):
        letter = get_column_letter(column)
        formula = f"=SUM({letter}{FIRST_ROW}:{letter}{total_row - 1})" if body else "=0"
        sheet.cell(row=total_row, column=column, value=formula).font = BOLD
    widths(sheet, [5, 40, 13, 26, 50, *([12] * len(individual_titles)), 30, 34, 12, 10, 12, 12, 36])
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=3).coordinate
    return to_bytes(workbook, moment)
