"""Issue 4 end to end: registration with an uploaded people list, amendment, the head's overview and
reminder, the scale upload with its refusals, and the pact signed by every unit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import SandboxClient
from models.registration import ChangeHistory, PactSignature, Registration, RegistrationIndividual
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.scale_chat import HEAD, SCALE_ROWS, UNIT, xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.registration]


async def test_full_registration_with_an_uploaded_list_then_an_amendment(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    rep = await demo.person(UNIT)
    await rep.send("/dangky")
    ask = await rep.expect("Chọn", "danh hiệu tập thể")
    assert ask.button_texts == [
        "Tập thể lao động tiên tiến",
        "Tập thể lao động xuất sắc",
        "Bằng khen",
        "Cờ thi đua",
    ]
    await rep.press(ask, data="rg:t:7", forge=True)  # a title that does not exist
    assert "không có" in (await rep.callback_answer())["text"]
    await rep.press(ask, "Tập thể lao động xuất sắc")
    targets = await rep.expect("Bước 2/5")
    await rep.press(targets, "Xong ▶")  # no target yet: refused
    assert "ít nhất một chỉ tiêu" in (await rep.callback_answer())["text"]
    await rep.send("100% giáo viên đạt chuẩn nghề nghiệp")
    await rep.expect("chỉ tiêu thứ 1")
    await rep.send("Tỷ lệ học sinh lên lớp từ 98% trở lên")
    done = await rep.expect("chỉ tiêu thứ 2")
    await rep.press(done, "Xong ▶")
    people = await rep.expect("Bước 3/5")
    template = await rep.next_message()
    assert template.document is not None and template.document["file_name"].endswith(".xlsx")

    # Bad files change nothing: wrong type, a missing column, over 20 MB.
    await rep.upload("danh_sach.pdf", b"%PDF-1.4 ...")
    await rep.expect("không đúng loại", ".xlsx hoặc .csv")
    await rep.upload("danh_sach.xlsx", xlsx([["Họ và tên", "Chức vụ"], ["Lê Thị Hoa", "Giáo viên"]]))
    await rep.expect("thiếu cột «Danh hiệu đăng ký»")
    await rep.upload("lon.xlsx", b"0" * (20 * 1024 * 1024 + 1))
    await rep.expect("vượt quá giới hạn 20 MB")
    good = xlsx(
        [
            ["Họ và tên", "Chức vụ", "Danh hiệu đăng ký"],
            ["Lê Thị Hoa", "Giáo viên", "Lao động tiên tiến"],
            ["Trần Văn Bình", "Tổ trưởng", "Chiến sĩ thi đua cơ sở"],
            ["Ngô Thị Mai", "Phó Hiệu trưởng", "LĐTT"],
        ]
    )
    await rep.upload("danh_sach.xlsx", good)
    added = await rep.expect("Đã ghi 3 người")
    await rep.press(added, "Xong ▶")
    projects = await rep.expect("Bước 5/5")  # no new model needed for this title
    await rep.send("Chuyên đề: Chuyển đổi số trong công tác thi đua")
    more = await rep.expect("mục thứ 1")
    await rep.press(more, "Xong ▶")
    summary = await rep.expect("Xin kiểm tra bản đăng ký")
    assert "Lê Thị Hoa — Giáo viên — Lao động tiên tiến" in summary.text
    assert "Chuyên đề: Chuyển đổi số" in summary.text
    await rep.press(summary, "✅ Xác nhận")
    await rep.expect("Đã lưu bản đăng ký", UNIT, "lần 1")
    assert projects and people

    # The amendment: another title (which needs a new model) and one more person, typed.
    await rep.send("/register")
    again = await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.press(again, "Cờ thi đua")
    targets = await rep.expect("Bước 2/5", "đã có 2")
    await rep.press(targets, "Xong ▶")
    await rep.expect("Bước 3/5", "đã có 3")
    await rep.send("Phạm Văn Dũng; Giáo viên; Chiến sĩ thi đua cơ sở")
    added = await rep.expect("Đã ghi 1 người (tổng 4)")
    await rep.press(added, "Xong ▶")
    await rep.expect("Bước 4/5", "Mô hình mới")
    await rep.send("Mô hình Thư viện xanh — đọc sách cùng con")
    more = await rep.expect("Bước 5/5", "đã có 1")
    await rep.press(more, "Xong ▶")
    summary = await rep.expect("Xin kiểm tra bản đăng ký")
    await rep.press(summary, "✅ Xác nhận")
    await rep.expect("Đã lưu bản đăng ký", "lần 2")

    async with db.session() as session:
        registration = (await session.exec(select(Registration))).one()
        assert registration.collective_title == "Cờ thi đua" and registration.version == 2
        people_rows = (await session.exec(select(RegistrationIndividual))).all()
        assert len(people_rows) == 4
        history = (
            await session.exec(select(ChangeHistory).where(ChangeHistory.entity == "registration"))
        ).all()
        assert [h.field for h in history] == ["v1", "v2"]

    # The head sees who has not registered, and reminds them in one tap.
    head = await demo.person(HEAD)
    await head.send("/tinhhinh")
    status = await head.expect("Đăng ký thi đua: 1/13")
    assert (
        "Trường Trung học phổ thông Bình Thủy" in status.text
        and UNIT not in status.text.split("Chưa:")[1].split("\n")[0]
    )
    other = await demo.person("Trường Trung học phổ thông Bình Thủy")
    await head.press(status, "🔔 Nhắc 12 đơn vị chưa đăng ký")
    assert "Đã nhắc" in (await head.callback_answer())["text"]
    ping = await other.expect("Nhắc việc", "chưa đăng ký thi đua")
    await other.press(ping, "Đăng ký ngay")  # the ping's button starts /dangky
    await other.expect("Chọn", "danh hiệu tập thể")


async def test_scale_refusals_then_the_pact_signed_by_every_unit(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(HEAD)
    await head.send("/tieuchi")
    await head.expect("Gửi tệp XLSX/CSV")
    await head.next_message()  # the template
    over = [row[:] for row in SCALE_ROWS]
    over[3][2] = "15"  # 1.1 + 1.2 = 25 > 20
    await head.upload("thang_diem.xlsx", xlsx(over))
    refused = await head.expect("Thang điểm bị từ chối")
    assert "Thực hiện nhiệm vụ chính trị" in refused.text and "25" in refused.text and "20" in refused.text
    extra = [row[:] for row in SCALE_ROWS] + [["1.3", "Khối thêm", "0", "", "x", ""]]
    extra[1][5] = "2"
    await head.upload("thang_diem.csv", "\n".join(";".join(r) for r in extra).encode())
    await head.expect("Thang điểm bị từ chối", "điểm tối đa phải lớn hơn 0")
    await head.upload("thang_diem.xlsx", xlsx([row[:2] for row in SCALE_ROWS]))
    await head.expect("Thang điểm bị từ chối", "thiếu cột “Điểm tối đa”")
    await head.upload("thang_diem.docx", b"PK...")
    await head.expect("không đúng loại")
    await head.upload("thang_diem.xlsx", xlsx(SCALE_ROWS))
    preview = await head.expect("Xem trước thang điểm")
    await head.press(preview, "✅ Công bố")
    await head.expect("Đã công bố thang điểm (phiên bản 1)")

    await head.send("/tinhhinh")
    status = await head.expect("Ký giao ước: 0/13")
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    assert len(reps) == 13
    for index, persona in enumerate(reps):
        rep = await client.person(persona.user_id, persona.first_name, last_name=persona.last_name)
        await rep.send("/kyketgiaouoc")
        offer = await rep.expect("Giao ước thi đua", "Tỷ lệ học sinh lên lớp")
        await rep.press(offer, "✍ Đồng ý và ký giao ước")
        await rep.expect("Đã ghi nhận", "ký giao ước")
        if index == 10:
            await head.send("/status")
            before = await head.expect("Ký giao ước: 11/13")
            assert reps[11].label in before.text and reps[12].label in before.text
    await head.send("/tinhhinh")
    final = await head.expect("Ký giao ước: 13/13")
    assert "🔔 Nhắc 13 đơn vị chưa đăng ký" in final.button_texts
    assert not any("chưa ký" in b for b in final.button_texts)
    async with db.session() as session:
        signatures = (await session.exec(select(PactSignature))).all()
        assert len(signatures) == 13 and len({s.unit_id for s in signatures}) == 13
    assert status
