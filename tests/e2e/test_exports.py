"""/xuat through the sandbox: the head receives the dossier as documents, a unit only its own files."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.db import Database
from bot.exports import minutes
from bot.exports.score_workbook import FIRST_ROW
from bot.sandbox.client import BotMessage, Person, SandboxClient
from bot.services import meetings
from models.meetings import MeetingKind
from tests.auxil.bot import RunningBot
from tests.auxil.clock import Clock
from tests.auxil.dossier import Dossier, build
from tests.auxil.export_chat import press
from tests.auxil.people import pid
from tests.auxil.world import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.export]
HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


async def person(client: SandboxClient, d: Dossier, label: str) -> Person:
    # The dossier loads the demo roster itself (its people are the sandbox's people).
    found = next(p for p in d.world.personas if p.label == label)
    return await client.person(found.user_id, found.first_name, last_name=found.last_name)


async def collect(person: Person, until: str, wait_seconds: float = 90.0) -> list[BotMessage]:
    received = []
    while True:
        message = await person.next_message(wait_seconds, edits=False)
        received.append(message)
        if until in message.text:
            return received


async def test_the_head_receives_the_dossier_as_documents(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock
) -> None:
    head = await person(client, await build(db, clock), HEAD)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ", "Khối thi đua số 2")
    assert len(menu.buttons) == 9  # the evidence pack (ZIP) is the ninth
    await press(head, menu, "Cả bộ hồ sơ")
    received = await collect(head, "Đã gửi")
    documents = {m.document["file_name"]: m.document for m in received if m.document}
    photos = [m for m in received if m.raw.get("photo")]
    assert len(photos) == 1 and "Xếp hạng" in photos[0].text
    names = sorted(documents)
    assert any(n.startswith("dang-ky-thi-dua") and n.endswith(".xlsx") for n in names), names
    assert any(n.startswith("bang-diem") for n in names)
    assert any(n.startswith("bien-ban-hop-binh-xet") and n.endswith(".docx") for n in names)
    assert any(n.startswith("to-trinh") for n in names)
    assert sum(n.startswith("danh-sach-de-nghi") for n in names) == 2
    for name, document in documents.items():
        data = await client.download(document["file_id"])
        if name.endswith(".xlsx"):
            load_workbook(io.BytesIO(data))
        elif name.endswith(".docx"):
            text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
            if name.startswith("bien-ban"):
                assert "BIÊN BẢN" in text and "Cần Thơ, ngày 05 tháng 6 năm 2027" in "\n".join(
                    c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells
                )
        elif name.endswith(".pdf"):
            assert data.startswith(b"%PDF")
    # One Báo cáo tóm tắt thành tích per proposed unit: the one Cờ thi đua the ballot awarded.
    assert sum(n.startswith("bao-cao-tom-tat") for n in names) == 1
    expected = 9 if minutes.soffice() else 8  # the minutes' PDF needs LibreOffice
    assert f"Đã gửi {expected} tệp" in received[-1].text, "\n".join(names)
    assert len(documents) + len(photos) == expected


async def test_before_any_final_sheet_the_chart_is_named_missing_with_the_reason(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock
) -> None:
    w = await make_world(db, clock)
    found = next(p for p in w.personas if p.label == HEAD)
    head = await client.person(found.user_id, found.first_name, last_name=found.last_name)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ")
    await press(head, menu, "Biểu đồ xếp hạng")
    answer = await head.expect("Chưa xuất được")
    assert "chưa có bảng điểm nào được Khối trưởng chốt" in answer.text
    assert not answer.raw.get("photo") and not answer.document


async def test_a_unit_exports_only_its_own_files(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock
) -> None:
    d = await build(db, clock)
    scored = [p for p in d.world.personas if p.group == "Khối thi đua số 2"][1:5]  # their sheets are final
    unit = next(p.label for p in scored if " — " not in p.label)  # a plain member, not the deputy
    rep = await person(client, d, unit)
    await rep.send("/xuat")
    menu = await rep.expect("Xuất hồ sơ của đơn vị")
    assert len(menu.buttons) == 3  # registration, scores, its own evidence pack
    bloc_id = menu.buttons[0]["callback_data"].split(":")[2]
    await rep.press(menu, data=f"xuat:minutes:{bloc_id}", forge=True)  # a forged button
    answer = await rep.callback_answer()
    assert "không có quyền" in answer.get("text", "")
    await press(rep, menu, "Bảng điểm")
    received = await collect(rep, "Đã gửi 1 tệp")
    [document] = [m.document for m in received if m.document]
    book = load_workbook(io.BytesIO(await client.download(document["file_id"])))
    assert len(book.sheetnames) == 4
    summary = book["Tổng hợp"]
    assert summary.cell(row=FIRST_ROW, column=2).value == unit
    assert summary.cell(row=FIRST_ROW + 1, column=2).value != unit  # the signature block follows


async def test_the_head_picks_which_meetings_minutes(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock
) -> None:
    """With two meetings in the year, the minutes button asks which one; a forged meeting is refused."""
    d = await build(db, clock)
    await meetings.create_meeting(
        db,
        person_id=await pid(db, d.head_tg),
        bloc_id=d.scope.bloc_id,
        kind=MeetingKind.PACT,
        starts_at=datetime(2026, 10, 2, 2, 0, tzinfo=UTC),
        place="Trường THPT Châu Văn Liêm",
        agenda="Ký kết giao ước thi đua",
        now=clock(),
        today=d.world.today,
    )
    head = await person(client, d, HEAD)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ")
    await press(head, menu, "Biên bản")
    pick = await head.expect("Xuất biên bản của cuộc họp nào?")
    assert [b["text"] for b in pick.buttons] == [
        "Họp tổng kết, bình xét thi đua — 05/06/2027 (2 lượt bỏ phiếu)",
        "Họp ký kết giao ước thi đua — 02/10/2026 (0 lượt bỏ phiếu)",
    ]
    bloc_id = d.scope.bloc_id
    await head.press(pick, data=f"xuat:m:{bloc_id}:999999", forge=True)
    assert "không có quyền" in (await head.expect("không có quyền")).text
    await press(head, pick, "Họp ký kết")
    received = await collect(head, "Đã gửi")
    [docx] = [m.document for m in received if m.document and m.document["file_name"].endswith(".docx")]
    document = Document(io.BytesIO(await client.download(docx["file_id"])))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Họp ký kết giao ước thi đua" in text and "chưa có cuộc bỏ phiếu nào được kiểm phiếu" in text
    assert "Cần Thơ, ngày 02 tháng 10 năm 2026" in "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
