"""Registration, the pact, criteria and deadlines end to end on Telegram and on Zalo, one test body
for both (issue 11): a people list typed or pasted (Zalo takes no documents), the pact, a scale
published from pasted text with the 30 % rule, a deadline's refusal, the bloc's reopening and one
unit's extension told through the outbox, the head's «Nhắc»; and Zalo's bad input, answered
clearly with nothing changed."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import col, func, select

from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient, ZaloBotMessage, ZaloPerson
from bot.services import upload_links
from models.channels import Channel, ChannelAccount
from models.organisation import Person as PersonRow
from models.registration import (
    CriteriaScale,
    DeadlineExtension,
    PactSignature,
    Registration,
    RegistrationDraft,
    RegistrationIndividual,
    TaskDeadline,
)
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.scale_chat import SCALE_ROWS, at_vn, pasted

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.registration]

HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"
UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
CHANNELS = ("telegram", "zalo")

Someone = Person | ZaloPerson
Message = BotMessage | ZaloBotMessage


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def person_id(db: Database, demo: Demo, label: str) -> int:
    telegram_id = demo.persona(label).user_id
    async with db.session() as session:
        found = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == telegram_id))).one()
    assert found.id is not None
    return found.id


async def seat(client: SandboxClient, db: Database, demo: Demo, channel: str, label: str) -> Someone:
    """The demo's person for `label`, chatting on `channel`. On Zalo the persona's Telegram account
    is swapped for a Zalo one (as if they had only ever used Zalo), so whatever the bot sends
    them later (notices, reminders) can only reach them there."""
    if channel == "telegram":
        return await demo.person(label)
    persona = demo.persona(label)
    zalo = await client.person_on("zalo", persona.user_id, persona.first_name, last_name=persona.last_name)
    assert isinstance(zalo, ZaloPerson)
    async with db.transaction() as session:
        person = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == persona.user_id))).one()
        assert person.id is not None
        accounts = await session.exec(select(ChannelAccount).where(ChannelAccount.person_id == person.id))
        for account in accounts:
            await session.delete(account)
        await session.flush()
        person.telegram_id, person.zalo_id = None, zalo.user_id
        session.add(person)
        session.add(ChannelAccount(channel=Channel.ZALO.value, external_id=zalo.user_id, person_id=person.id))
    return zalo


async def answered(person: Someone, *fragments: str) -> str:
    """The answer to a press: a pop-up on Telegram, a message on Zalo."""
    if isinstance(person, ZaloPerson):
        return (await person.expect(*fragments)).text
    text = str((await person.callback_answer())["text"])
    assert all(f in text for f in fragments), text
    return text


async def count(db: Database, table: type, *where: object) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(table).where(*where))).one())  # type: ignore[arg-type]


async def go_to_people(rep: Someone) -> Message:
    """/dangky up to the people step: a title, one target; returns the people question."""
    await rep.send("/dangky")
    titles = await rep.expect("Chọn", "danh hiệu tập thể")
    assert titles.button_texts[:2] == ["Tập thể lao động tiên tiến", "Tập thể lao động xuất sắc"]
    await rep.press(titles, "Tập thể lao động xuất sắc")  # type: ignore[arg-type]
    targets = await rep.expect("Bước 2/5")
    await rep.send("100% giáo viên đạt chuẩn nghề nghiệp")
    added = await rep.expect("chỉ tiêu thứ 1")
    await rep.press(added, "Xong ▶")  # type: ignore[arg-type]
    assert targets
    return await rep.expect("Bước 3/5")


# ------------------------------------------------------------------ a registration with a people list
async def test_a_unit_registers_with_a_people_list_typed_or_pasted(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, channel: str
) -> None:
    rep = await seat(client, db, demo, channel, UNIT)
    people = await go_to_people(rep)
    template = await rep.next_message()
    if channel == "zalo":
        # No documents on Zalo: the question says to paste, and the template is a download link.
        assert "dán" in people.text and "gửi tệp" not in people.text
        assert "mau_danh_sach_ca_nhan.xlsx" in template.text
        url = re.search(r"https?://\S+", template.text)
        assert url is not None and (await client.fetch(url.group(0))).startswith(b"PK")
    else:
        assert "gửi tệp XLSX/CSV" in people.text
        assert (
            template.document is not None and template.document["file_name"] == "mau_danh_sach_ca_nhan.xlsx"
        )

    # One bad line refuses the whole paste; nothing is recorded.
    await rep.send("Lê Thị Hoa; Giáo viên; Lao động tiên tiến\nTrần Văn Bình; Tổ trưởng; Anh hùng")
    refused = await rep.expect("Không ghi danh sách này vì có lỗi")
    assert "Dòng 2" in refused.text and "Anh hùng" in refused.text
    # Rows as a spreadsheet gives them when copied (tabs, its header first), and typed ones.
    await rep.send(
        "Họ và tên\tChức vụ\tDanh hiệu đăng ký\n"
        "Lê Thị Hoa\tGiáo viên\tLao động tiên tiến\n"
        "Trần Văn Bình; Tổ trưởng; CSTĐ cơ sở\n"
        "Ngô Thị Mai; Phó Hiệu trưởng; LĐTT"
    )
    added = await rep.expect("Đã ghi 3 người (tổng 3)")
    await rep.press(added, "Xong ▶")  # type: ignore[arg-type]
    projects = await rep.expect("Bước 5/5")
    await rep.send("Chuyên đề: Chuyển đổi số trong công tác thi đua")
    more = await rep.expect("mục thứ 1")
    await rep.press(more, "Xong ▶")  # type: ignore[arg-type]
    summary = await rep.expect("Xin kiểm tra bản đăng ký")
    assert "Trần Văn Bình — Tổ trưởng — Chiến sĩ thi đua cơ sở" in summary.text
    assert summary.button_texts == ["✅ Xác nhận", "Hủy"]
    await rep.press(summary, "✅ Xác nhận")  # type: ignore[arg-type]
    await rep.expect("Đã lưu bản đăng ký", UNIT, "lần 1")
    assert projects

    async with db.session() as session:
        saved = (await session.exec(select(Registration))).one()
        names = [
            (p.full_name, p.title)
            for p in await session.exec(
                select(RegistrationIndividual).order_by(col(RegistrationIndividual.id))
            )
        ]
    assert saved.collective_title == "Tập thể lao động xuất sắc" and saved.version == 1
    assert names == [
        ("Lê Thị Hoa", "Lao động tiên tiến"),
        ("Trần Văn Bình", "Chiến sĩ thi đua cơ sở"),
        ("Ngô Thị Mai", "Lao động tiên tiến"),
    ]


# ------------------------------------------------------------------ criteria pasted, then the pact
async def test_the_head_pastes_the_scale_and_a_unit_signs_the_pact(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, channel: str
) -> None:
    head = await seat(client, db, demo, channel, HEAD)
    await head.send("/tieuchi")
    await head.expect("Khối chưa công bố tiêu chí, thang điểm")
    asked = await head.expect("dấu «;»")
    template = await head.next_message()
    if channel == "zalo":
        assert "Dán bảng" in asked.text and "Gửi tệp" not in asked.text
        assert "mau_thang_diem.xlsx" in template.text
    else:
        assert "Gửi tệp XLSX/CSV" in asked.text and template.document is not None

    # The bloc adds a criterion to content 2 beyond 30 % of the department's 2: refused, not saved.
    wrong = [row[:] for row in SCALE_ROWS] + [["2.3", "Khối thêm: phong trào đọc sách", "2", "", "x", ""]]
    wrong[5][2] = "3"
    await head.send(pasted(wrong))
    refused = await head.expect("Thang điểm bị từ chối, không lưu gì")
    assert "vượt quá 30%" in refused.text and "Công tác thi đua, khen thưởng" in refused.text
    assert await count(db, CriteriaScale) == 0
    await head.send(pasted(SCALE_ROWS, "\t"))  # still at the same step; copied from a spreadsheet
    preview = await head.expect("Xem trước thang điểm")  # previewed, then published (issue 12)
    await head.press(preview, "✅ Công bố")
    published = await head.expect("Đã công bố thang điểm (phiên bản 1)")
    assert "1.1 Tỷ lệ học sinh lên lớp — tối đa 10 (bước 0,5)" in published.text

    rep = await seat(client, db, demo, channel, UNIT)
    await rep.send("/kyketgiaouoc")
    offer = await rep.expect("Giao ước thi đua", UNIT, "2.2 Điển hình tiên tiến")
    await rep.press(offer, "✍ Đồng ý và ký giao ước")  # type: ignore[arg-type]
    await rep.expect("Đã ghi nhận", "ký giao ước")
    await rep.send("/sign")
    await rep.expect("Đơn vị đã ký giao ước lúc")  # once is enough: no button the second time
    async with db.session() as session:
        signatures = (await session.exec(select(PactSignature))).all()
    assert len(signatures) == 1 and signatures[0].person_id == await rep_person(db, rep)


async def rep_person(db: Database, rep: Someone) -> int:
    channel = "zalo" if isinstance(rep, ZaloPerson) else "telegram"
    async with db.session() as session:
        account = await session.get(ChannelAccount, (channel, str(rep.user_id)))
    assert account is not None
    return account.person_id


# ------------------------------------------------------------------ a deadline, the bloc reopened, one unit extended
async def test_a_late_unit_is_refused_until_reopened_and_is_told_of_its_extension(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    head = await seat(client, db, demo, channel, HEAD)
    rep = await seat(client, db, demo, channel, UNIT)
    await head.send("/hanchot dangky 31/11/2026")  # no such day
    await head.expect("Cách dùng: /hanchot")
    await head.send("/hanchot dangky 30/11/2026")
    await head.expect("Đã đặt hạn chót đăng ký thi đua: 23:59 30/11/2026")

    clock.now = at_vn(1, 12, 2026, 9, 0)
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (23:59 30/11/2026)", "đề nghị Khối trưởng mở lại")
    await head.send("/mohan dangky 2")
    await head.expect("Đã mở lại việc đăng ký thi đua đến 09:00 03/12/2026")
    await rep.send("/dangky")
    await rep.expect("Chọn", "danh hiệu tập thể")
    await rep.send("/huy")
    await rep.expect("Đã dừng")

    # The reopening is over; the head gives this unit alone two more days, and it is told.
    clock.now = at_vn(3, 12, 2026, 9, 1)
    await rep.send("/dangky")
    await rep.expect("Đã quá hạn chót (09:00 03/12/2026)")
    await head.send("/xetthidua")
    listing = await head.expect("Các đơn vị của", "/xetthidua và /mohan")
    number = {name: int(n) for n, name in re.findall(r"(\d+)\. (.+?) — ", listing.text)}[UNIT]
    await head.send(f"/mohan dangky {number} 2 Trường đi dã ngoại")
    granted = await head.expect("Đã gia hạn việc đăng ký thi đua riêng cho", f"{number}. {UNIT}")
    assert "đến 09:01 05/12/2026" in granted.text and "Đã báo cho 1 người đại diện" in granted.text
    notice = await rep.expect("Khối trưởng đã gia hạn việc đăng ký thi đua", UNIT, "09:01 05/12/2026")
    assert notice.button_texts == ["Đăng ký ngay"]
    await rep.press(notice, "Đăng ký ngay")  # type: ignore[arg-type]
    await rep.expect("Chọn", "danh hiệu tập thể")


# ------------------------------------------------------------------ the head's «Nhắc»
async def test_the_heads_reminder_reaches_a_unit_and_its_button_starts_registration(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, channel: str
) -> None:
    head = await seat(client, db, demo, channel, HEAD)
    rep = await seat(client, db, demo, channel, UNIT)
    await head.send("/tinhhinh")
    status = await head.expect("Đăng ký thi đua: 0/13")
    if isinstance(head, ZaloPerson):  # long: split within 2,000 characters, the options last
        status = await head.expect("Nhắc 13 đơn vị chưa đăng ký")
    assert "🔔 Nhắc 13 đơn vị chưa đăng ký" in status.button_texts
    await head.press(status, "🔔 Nhắc 13 đơn vị chưa đăng ký")  # type: ignore[arg-type]
    await answered(head, "Đã nhắc 13 người")
    ping = await rep.expect("Nhắc việc", UNIT, "chưa đăng ký thi đua")
    await rep.press(ping, "Đăng ký ngay")  # type: ignore[arg-type]
    await rep.expect("Chọn", "danh hiệu tập thể")

    # The pact's reminder: its button opens the pact (here: no scale published yet, so it says so).
    await head.send("/tinhhinh")  # afresh: on Zalo the head's own reminder was the last menu
    status = await head.expect("Ký giao ước: 0/13")
    if isinstance(head, ZaloPerson):
        status = await head.expect("Nhắc 13 đơn vị chưa ký")
    await head.press(status, "🔔 Nhắc 13 đơn vị chưa ký")  # type: ignore[arg-type]
    await answered(head, "Đã nhắc 13 người")
    ping = await rep.expect("Nhắc việc", UNIT, "chưa ký kết giao ước")
    await rep.press(ping, "Ký giao ước")  # type: ignore[arg-type]
    await rep.expect("Khối chưa công bố tiêu chí, thang điểm")


# ------------------------------------------------------------------ Zalo: bad input changes nothing
async def test_bad_input_on_zalo_is_answered_and_changes_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    rep = await seat(client, db, demo, "zalo", UNIT)
    assert isinstance(rep, ZaloPerson)
    await rep.send("/dangky")
    titles = await rep.expect("Chọn", "danh hiệu tập thể")
    assert "Trả lời 1, 2, 3 hoặc 4" in titles.text
    await rep.send("9")
    await rep.expect("Không có lựa chọn số 9", "Trả lời 1, 2, 3 hoặc 4")
    await rep.send("Huân chương lao động")
    await rep.expect("không khớp lựa chọn nào")
    await rep.send_sticker()
    await rep.expect("Tôi chưa hiểu tin nhắn này")
    async with db.session() as session:
        draft = (await session.exec(select(RegistrationDraft))).one()
    assert '"title": null' in draft.payload  # no title chosen by any of it

    await rep.send("tap the lao dong xuat sac")  # the option's words without accents: the press
    targets = await rep.expect("Bước 2/5")
    await rep.send("1")  # «Xong» with no target yet
    await rep.expect("Cần ít nhất một chỉ tiêu")
    await rep.send_sticker()
    await rep.expect("tin nhắn chữ")
    await rep.send("3")  # two options here
    await rep.expect("Không có lựa chọn số 3", "Trả lời 1 hoặc 2")
    await rep.send("ab")  # too short for a target
    await rep.expect("Chỉ tiêu cần từ 3 đến 1000 ký tự")
    await rep.send("Tỷ lệ học sinh lên lớp từ 98% trở lên")
    await rep.press(await rep.expect("chỉ tiêu thứ 1"), "Xong ▶")
    await rep.expect("Bước 3/5")
    await rep.send_image(b"\x89PNG\r\n\x1a\n" + b"0" * 64)  # a photo of the list: not read
    await rep.expect("không nhận ảnh", "Không ghi nhận gì")
    async with db.session() as session:
        draft = (await session.exec(select(RegistrationDraft))).one()
    assert '"people": []' in draft.payload and "Tỷ lệ học sinh" in draft.payload
    assert await count(db, Registration) == 0
    assert targets

    # The head's side: a picture where the scale is asked for, and a command with a bad date.
    head = await seat(client, db, demo, "zalo", HEAD)
    assert isinstance(head, ZaloPerson)
    await head.send("/tieuchi")
    await head.expect("Dán bảng")
    await head.send_image(b"\x89PNG\r\n\x1a\n" + b"1" * 64)
    await head.expect("cần bảng thang điểm dạng chữ", "Không ghi nhận gì")
    await head.send("/huy")
    await head.expect("Thang điểm hiện hành giữ nguyên")
    await head.send("/hanchot dangky 30-11-2026")
    await head.expect("Cách dùng: /hanchot")
    await head.send("/mohan dangky 0 2")
    await head.expect("Không có đơn vị số 0 trong khối", "Không ghi nhận gì")
    assert await count(db, CriteriaScale) == 0
    assert await count(db, TaskDeadline) == 0 and await count(db, DeadlineExtension) == 0


async def test_a_zalo_rep_uploads_the_people_list_through_a_one_time_page(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    """Zalo carries no documents: the people step offers a one-time upload page; the file comes
    into the conversation as if sent there; the page used again, or a made-up one, changes nothing."""
    rep = await seat(client, db, demo, "zalo", UNIT)
    await go_to_people(rep)
    offer = await rep.expect("tải tệp XLSX/CSV lên")
    found = re.search(r"https?://\S+/upload/\S+", offer.text)
    assert found is not None
    url = found.group(0)
    async with httpx.AsyncClient() as http:
        form = await http.get(url)
        assert form.status_code == 200 and "multipart/form-data" in form.text
        sheet = "Họ và tên;Chức vụ;Danh hiệu đăng ký\nLê Thị Hoa;Giáo viên;Lao động tiên tiến\n".encode()
        sent = await http.post(url, files={"file": ("danh-sach.csv", sheet, "text/csv")})
        assert sent.status_code == 200 and "Đã nhận tệp danh-sach.csv" in sent.text
        await rep.expect("Đã ghi 1 người")
        again = await http.post(url, files={"file": ("danh-sach.csv", sheet, "text/csv")})
        assert again.status_code == 410 and "đã được dùng" in again.text
        made_up = await http.get(url.rsplit("/", 1)[0] + "/khong-co-link-nay")
        assert made_up.status_code == 404
        late = await upload_links.issue(
            db, channel="zalo", chat_id=str(rep.user_id), account_id=str(rep.user_id), now=clock()
        )
        clock.advance(hours=1, seconds=1)
        expired = await http.post(
            url.rsplit("/", 1)[0] + f"/{late}", files={"file": ("x.csv", sheet, "text/csv")}
        )
        assert expired.status_code == 410 and "hết hạn" in expired.text
    await rep.send("/whoami")  # a round trip: anything the second upload caused would be in before it
    await rep.expect("Bạn là")
    said = [m.text for m in await rep.bot_messages()]  # type: ignore[union-attr]
    assert sum("Đã ghi 1 người" in text for text in said) == 1, said  # the used link recorded nobody again
