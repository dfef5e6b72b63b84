"""A spreadsheet bomb at the people step is refused with the limit it passed; nothing is written and
the bot keeps answering others (issue 15)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import SandboxClient
from models.registration import RegistrationIndividual
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.spreadsheets import bomb

pytestmark = [pytest.mark.e2e, pytest.mark.hardening]

UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"


async def test_a_zip_bomb_at_the_people_step_is_refused_and_nothing_written(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    rep = await demo.person(UNIT)
    await rep.send("/dangky")
    ask = await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.press(ask, "Tập thể lao động xuất sắc")
    await rep.expect("Bước 2/5")
    await rep.send("100% giáo viên đạt chuẩn nghề nghiệp")
    done = await rep.expect("chỉ tiêu thứ 1")
    await rep.press(done, "Xong ▶")
    await rep.expect("Bước 3/5")
    await rep.next_message()  # the template
    await rep.upload("danh_sach.xlsx", bomb())
    await rep.expect("khi giải nén vượt quá 40 MB", "Chưa lưu gì")
    await rep.send("Lê Thị Hoa; Giáo viên; Lao động tiên tiến")  # still listening, same step
    await rep.expect("Đã ghi 1 người")
    async with db.session() as session:
        assert list(await session.exec(select(RegistrationIndividual))) == []  # nothing confirmed
