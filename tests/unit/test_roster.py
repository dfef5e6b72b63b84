"""Roster import on seed 000's roster: counts, the duplicate unit, idempotence, refusals."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlmodel import col, func, select

from bot.db import Database
from bot.services.demo import roster_bytes
from bot.services.roster import import_roster, parse_roster
from models.organisation import Bloc, BlocMembership, Position, Unit

AUTHORITY = "Sở Giáo dục và Đào tạo thành phố Cần Thơ"
YEAR = "2021-2022"


async def _import(db: Database, data: bytes, name: str = "roster.csv"):  # type: ignore[no-untyped-def]
    return await import_roster(db, parse_roster(data, name), school_year=YEAR, authority_name=AUTHORITY)


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_seed_000_roster_counts_per_bloc_and_flags_the_unit_in_two_blocs(db: Database) -> None:
    report = await _import(db, roster_bytes())
    assert report.ok
    assert report.bloc_counts == {
        "Khối thi đua số 1": 10,
        "Khối thi đua số 2": 13,
        "Khối thi đua số 3": 13,
        "Khối thi đua số 4": 12,
    }
    assert len(report.added) == 48
    assert [w.params["unit"] for w in report.warnings] == ["Trường Phổ thông Việt Mỹ"]
    assert "Khối thi đua số 2, Khối thi đua số 3" in report.warnings[0].render("vi")
    # 48 memberships but 47 units: Việt Mỹ is one school listed twice.
    assert await _count(db, Unit) == 47
    async with db.session() as session:
        heads = (
            await session.exec(
                select(Bloc.number, Unit.name)
                .join(BlocMembership, col(BlocMembership.bloc_id) == Bloc.id)
                .join(Unit, col(Unit.id) == BlocMembership.unit_id)
                .where(BlocMembership.position == Position.HEAD)
                .order_by(col(Bloc.number))
            )
        ).all()
    assert heads == [
        (1, "Phòng Chính trị tư tưởng"),
        (2, "Trường Trung học phổ thông Bùi Hữu Nghĩa"),
        (3, "Trường Trung học phổ thông Lưu Hữu Phước"),
        (4, "Trường Trung học phổ thông Trung An"),
    ]


async def test_reimporting_the_same_roster_changes_nothing(db: Database) -> None:
    await _import(db, roster_bytes())
    again = await _import(db, roster_bytes())
    assert again.ok and again.added == [] and again.changed == [] and again.unchanged == 48
    assert await _count(db, BlocMembership) == 48


async def test_a_new_head_takes_over_and_the_old_one_becomes_a_member(db: Database) -> None:
    await _import(db, roster_bytes())
    text = roster_bytes().decode("utf-8")
    text = text.replace("Bùi Hữu Nghĩa,Khối trưởng", "Bùi Hữu Nghĩa,Thành viên")
    text = text.replace(
        "Trường Trung học phổ thông Châu Văn Liêm,Thành viên",
        "Trường Trung học phổ thông Châu Văn Liêm,Khối trưởng",
    )
    report = await _import(db, text.encode("utf-8"))
    assert report.ok, [n.render("vi") for n in report.refused]
    assert sorted(report.changed) == [
        "Trường Trung học phổ thông Bùi Hữu Nghĩa (Khối thi đua số 2)",
        "Trường Trung học phổ thông Châu Văn Liêm (Khối thi đua số 2)",
    ]


async def test_decomposed_unicode_matches_the_stored_names(db: Database) -> None:
    import unicodedata

    await _import(db, roster_bytes())
    nfd = unicodedata.normalize("NFD", roster_bytes().decode("utf-8")).encode("utf-8")
    assert nfd != roster_bytes()
    again = await _import(db, nfd)
    assert again.unchanged == 48 and again.added == []


async def _nothing_written(db: Database) -> None:
    assert await _count(db, Unit) == 0
    assert await _count(db, BlocMembership) == 0


async def test_missing_column_is_refused_and_nothing_is_written(db: Database) -> None:
    report = await _import(db, "Khối,Đơn vị\nKhối thi đua số 1,Văn phòng\n".encode())
    assert not report.ok
    assert report.refused[0].render("vi").startswith("Thiếu cột «Vai trò»")
    await _nothing_written(db)


async def test_an_empty_unit_name_is_refused_with_its_row(db: Database) -> None:
    data = "Khối,Đơn vị,Vai trò\nKhối thi đua số 1,Văn phòng,Thành viên\nKhối thi đua số 1,  ,Thành viên\n"
    report = await _import(db, data.encode())
    assert [n.render("vi") for n in report.refused] == ["Dòng 3: tên đơn vị bị trống."]
    await _nothing_written(db)


async def test_a_csv_in_the_wrong_encoding_is_refused(db: Database) -> None:
    data = "Khối,Đơn vị,Vai trò\nKhối thi đua số 1,Phòng Giáo dục Tiểu học,Thành viên\n".encode("utf-16")
    report = await _import(db, data)
    assert "không phải mã UTF-8" in report.refused[0].render("vi")
    await _nothing_written(db)


async def test_a_bloc_with_two_heads_is_refused_naming_both(db: Database) -> None:
    data = "Khối,Đơn vị,Vai trò\n2,Trường A,Khối trưởng\n2,Trường B,Thành viên\n2,Trường C,Khối trưởng\n"
    report = await _import(db, data.encode())
    message = report.refused[0].render("vi")
    assert (
        "Khối 2 có hai Khối trưởng" in message and "«Trường A» (dòng 2)" in message and "(dòng 4)" in message
    )
    await _nothing_written(db)


async def test_bad_role_bloc_and_duplicate_rows_are_all_reported(db: Database) -> None:
    data = (
        "Khối,Đơn vị,Vai trò\n"
        "Khối thi đua số 1,Văn phòng,Thủ quỹ\n"
        "Khối một,Thanh tra Sở,Thành viên\n"
        "1,Phòng Giáo dục Mầm non,\n"
        "1,Phòng  giáo dục mầm non,Thành viên\n"
    )
    report = await _import(db, data.encode())
    assert [n.key for n in report.refused] == ["roster.bad_role", "roster.bad_bloc", "roster.duplicate_row"]
    await _nothing_written(db)


async def test_xlsx_roster_with_contacts(db: Database) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Khối thi đua", "Tên đơn vị", "Vai trò", "Người liên hệ", "Điện thoại", "Email"])
    sheet.append(
        [
            2,
            "Trường Trung học phổ thông Bình Thủy",
            "Khối phó",
            "Võ Thị Mai",
            "0912345678",
            "mai@example.edu.vn",
        ]
    )
    sheet.append([2, "Trường Phổ thông Việt Mỹ", "Thành viên", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await _import(db, buffer.getvalue(), "roster.xlsx")
    assert report.ok and len(report.added) == 2
    async with db.session() as session:
        unit = (
            await session.exec(select(Unit).where(Unit.name == "Trường Trung học phổ thông Bình Thủy"))
        ).one()
    assert (unit.contact_name, unit.contact_phone, unit.contact_email) == (
        "Võ Thị Mai",
        "0912345678",
        "mai@example.edu.vn",
    )


async def test_a_file_that_is_not_a_spreadsheet_is_refused(db: Database) -> None:
    report = await _import(db, b"not a zip file", "roster.xlsx")
    assert report.refused[0].key == "roster.bad_file"
    report = await _import(db, b"%PDF-1.4", "roster.pdf")
    assert report.refused[0].key == "roster.bad_type"
    await _nothing_written(db)
