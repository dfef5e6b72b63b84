"""Deadline pings, /lich, the timetable and /xuat end to end on Telegram and on Zalo from one test
body: a ping reaches the app the person wrote from last and its buttons work (a numbered reply on
Zalo); a file is a document on Telegram and a signed link on Zalo that opens, and is refused once
expired. Zalo's bad answers are answered clearly and change nothing."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import col, func, select

from bot.db import Database
from bot.exports import minutes
from bot.files import signed_path
from bot.reminders_job import run_sweep
from bot.sandbox.client import Person, SandboxClient, ZaloPerson
from bot.services import people
from models.channels import Channel
from models.reminders import MilestoneMute, Reminder, ReminderSchedule, ReminderSend, SendStatus
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.dossier import build
from tests.auxil.export_chat import press
from tests.auxil.reminders import TABLE_2026, local

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.reminders]

BLOC2_HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"
BLOC2_UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
LINK = re.compile(r"https?://\S+")
CHANNELS = ("telegram", "zalo")


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def on_channel(
    client: SandboxClient, clock: Clock, telegram: Person, channel: str, zalo_id: int
) -> Person | ZaloPerson:
    """A demo person as they use the bot on `channel`: on Zalo, their Zalo account linked to their
    person (/lienket) and written from last, so that what is sent to them goes there."""
    if channel == "telegram":
        await telegram.send("/whoami")  # known to the bot by a message, like the Zalo account
        await telegram.expect("Bạn là")
        return telegram
    zalo = await client.person_on("zalo", zalo_id, "Zalo")
    await telegram.send("/lienket")
    code = (await telegram.expect("Mã liên kết")).text.split("/lienket ")[1].split()[0]
    await zalo.send(f"/lienket {code}")
    await zalo.expect("Đã liên kết")
    clock.advance(hours=2)  # later in the day, they write from Zalo
    await zalo.send("/whoami")
    await zalo.expect("Bạn là")
    return zalo


async def answer_to_press(person: Person | ZaloPerson, *fragments: str) -> str:
    """What the bot said to a press: a pop-up on Telegram, a message on Zalo."""
    if isinstance(person, Person):
        text = str((await person.callback_answer()).get("text") or "")
        assert all(fragment in text for fragment in fragments), text
        return text
    return (await person.expect(*fragments)).text


async def load_timetable(head: Person | ZaloPerson) -> None:
    """The head pastes the timetable, sees the preview and saves it."""
    await head.send("/nhaplich")
    asked = await head.expect("dán bảng")
    if isinstance(head, ZaloPerson):  # Zalo sends no documents: the prompt asks for a paste only
        assert "Zalo không gửi được tệp" in asked.text and "gửi tệp .xlsx" not in asked.text
    else:
        assert "gửi tệp" in asked.text
    await head.send(TABLE_2026)
    preview = await head.expect("Lưu khung kế hoạch này")
    assert preview.button_texts == ["✅ Lưu", "✖️ Huỷ"]
    await head.press(preview, "✅ Lưu")  # type: ignore[arg-type]
    saved = await head.expect("Đã lưu khung kế hoạch năm học 2026-2027")
    assert "thêm 2" in saved.text


async def person_id(db: Database, person: Person | ZaloPerson) -> int:
    channel = Channel.ZALO if isinstance(person, ZaloPerson) else Channel.TELEGRAM
    found = await people.person_of_account(db, channel, str(person.user_id))
    assert found is not None
    return found


# --------------------------------------------------------------------------- the timetable, /lich


async def test_the_head_pastes_the_timetable_and_a_representative_reads_lich(
    bot: RunningBot, client: SandboxClient, demo: Demo, clock: Clock, channel: str
) -> None:
    head = await on_channel(client, clock, await demo.person(BLOC2_HEAD), channel, 563001)
    await load_timetable(head)
    rep = await on_channel(client, clock, await demo.person(BLOC2_UNIT), channel, 563002)
    await rep.send("/lich")
    agenda = await rep.expect("Các việc của bạn", "Nộp hồ sơ đăng ký thi đua")
    assert "07/12/2026" in agenda.text and "Còn 14 ngày." in agenda.text


# --------------------------------------------------------------------------- a deadline ping


async def test_a_deadline_ping_reaches_the_app_used_last_and_its_buttons_work(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    await load_timetable(await demo.person(BLOC2_HEAD))
    rep = await on_channel(client, clock, await demo.person(BLOC2_UNIT), channel, 563003)
    me = await person_id(db, rep)

    clock.now = local(30, 11, 2026, 8, 0)
    await run_sweep(bot.deps)
    ping = await rep.expect("Nhắc việc", "Khối thi đua số 2")
    assert "Nộp hồ sơ đăng ký thi đua" in ping.text and "Còn 7 ngày." in ping.text
    assert ping.button_texts == ["📝 Đăng ký thi đua", "⏰ Nhắc lại sau", "🔕 Không nhắc việc này nữa"]
    async with db.session() as session:
        [sent] = list(await session.exec(select(ReminderSend).where(ReminderSend.person_id == me)))
    assert sent.status == SendStatus.SENT and sent.channel == channel  # the app written from last

    await rep.press(ping, "⏰ Nhắc lại sau")  # type: ignore[arg-type]
    await answer_to_press(rep, "Sẽ nhắc lại lúc 08:00 01/12/2026")
    clock.now = local(1, 12, 2026, 8, 0)
    await run_sweep(bot.deps)
    again = await rep.expect("🔔 Nhắc lại — Khối thi đua số 2")
    assert "⏰ Nhắc lại sau" not in again.button_texts  # once
    await rep.press(again, "🔕 Không nhắc việc này nữa")  # type: ignore[arg-type]
    await answer_to_press(rep, "Đã tắt nhắc việc này")

    clock.now = local(5, 12, 2026, 8, 0)
    report = await run_sweep(bot.deps)
    assert report.sent > 0  # the others are pinged two days before; this person no more
    async with db.session() as session:
        mine = list(await session.exec(select(ReminderSend).where(ReminderSend.person_id == me)))
        muted = (
            await session.exec(
                select(func.count()).select_from(MilestoneMute).where(MilestoneMute.person_id == me)
            )
        ).one()
    assert [s.status for s in mine] == [SendStatus.SENT, SendStatus.SENT] and muted == 1


async def test_zalo_bad_answers_to_a_ping_are_answered_and_change_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    await load_timetable(await demo.person(BLOC2_HEAD))
    rep = await on_channel(client, clock, await demo.person(BLOC2_UNIT), "zalo", 563004)
    assert isinstance(rep, ZaloPerson)
    clock.now = local(30, 11, 2026, 8, 0)
    await run_sweep(bot.deps)
    ping = await rep.expect("Nhắc việc", "Trả lời 1, 2 hoặc 3")
    assert "1. 📝 Đăng ký thi đua" in ping.text and "<b>" not in ping.text

    await rep.send("7")
    await rep.expect("Không có lựa chọn số 7", "Trả lời 1, 2 hoặc 3")
    await rep.send("hoãn sang tuần sau")
    await rep.expect("không khớp lựa chọn nào")
    await rep.send_sticker()
    await rep.expect("chưa hiểu")
    async with db.session() as session:
        snoozes = (
            await session.exec(
                select(func.count()).select_from(Reminder).where(col(Reminder.kind) == "snooze")
            )
        ).one()
        mutes = (await session.exec(select(func.count()).select_from(MilestoneMute))).one()
    assert (snoozes, mutes) == (0, 0)
    # The option's words, typed without accents, are the press.
    await rep.send("nhac lai sau")
    await rep.expect("Sẽ nhắc lại lúc 08:00 01/12/2026")


async def test_zalo_a_sticker_or_a_picture_where_the_table_is_expected_changes_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head = await on_channel(client, clock, await demo.person(BLOC2_HEAD), "zalo", 563005)
    assert isinstance(head, ZaloPerson)
    await head.send("/nhaplich")
    await head.expect("dán bảng")
    await head.send_sticker()
    await head.expect("cần một tin nhắn chữ", "dán bảng")
    await head.send_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, filename="bang.png")
    await head.expect("cần một tin nhắn chữ")
    async with db.session() as session:
        planned = (await session.exec(select(func.count()).select_from(Reminder))).one()
    assert planned == 0
    await head.send(TABLE_2026)  # still waiting for the table
    preview = await head.expect("Lưu khung kế hoạch này")
    await head.send("3")
    await head.expect("Không có lựa chọn số 3")
    await head.press(preview, "✖️ Huỷ")
    await head.expect("Đã huỷ, không lưu gì")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Reminder))).one() == 0


# --------------------------------------------------------------------------- /xuat


async def received_files(
    client: SandboxClient, person: Person | ZaloPerson, until: str
) -> tuple[dict[str, bytes], list[str], list[str]]:
    """The files the bot sent until a message with `until`: name → bytes (downloaded from Telegram,
    or through the link on Zalo), the photos' captions, and the Zalo links."""
    files: dict[str, bytes] = {}
    captions: list[str] = []
    links: list[str] = []
    while True:
        if isinstance(person, ZaloPerson):
            message = await person.next_message(90)
            if message.photo_url:
                captions.append(message.text)
                files[f"photo-{len(captions)}.png"] = await client.fetch(message.photo_url)
            for url in LINK.findall(message.text):
                links.append(url)
                name = httpx.URL(url).path.rsplit("/", 1)[1]
                files[name] = await client.fetch(url)
        else:
            message = await person.next_message(90, edits=False)  # type: ignore[assignment]
            if message.document:
                files[message.document["file_name"]] = await client.download(message.document["file_id"])
            if message.raw.get("photo"):
                captions.append(message.text)
                files[f"photo-{len(captions)}.png"] = await client.download(
                    message.raw["photo"][-1]["file_id"]
                )
        if until in message.text:
            return files, captions, links


@pytest.mark.export
async def test_the_head_gets_the_whole_dossier_on_either_app(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock, channel: str
) -> None:
    d = await build(db, clock)
    found = next(p for p in d.world.personas if p.label == BLOC2_HEAD)
    telegram = await client.person(found.user_id, found.first_name, last_name=found.last_name)
    head = await on_channel(client, clock, telegram, channel, 563006)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ", "Khối thi đua số 2")
    assert len(menu.button_texts) == 9
    if isinstance(head, ZaloPerson):
        await head.press(menu, "📦 Cả bộ hồ sơ")
    else:
        await press(head, menu, "Cả bộ hồ sơ")
    files, captions, links = await received_files(client, head, "Đã gửi")
    # Each unit the proposal names gets its achievement report, enclosed with the Tờ trình.
    reports = sum(name.startswith("bao-cao-tom-tat") for name in files)
    assert reports >= 1, sorted(files)
    expected = (8 if minutes.soffice() else 7) + reports  # the minutes' PDF needs LibreOffice
    assert len(files) == expected, sorted(files)
    assert len(captions) == 1 and "Xếp hạng" in captions[0]
    names = sorted(files)
    assert any(n.startswith("dang-ky-thi-dua") and n.endswith(".xlsx") for n in names), names
    assert sum(n.startswith("danh-sach-de-nghi") for n in names) == 2
    for name, data in files.items():
        if name.endswith(".xlsx"):
            load_workbook(io.BytesIO(data))
        elif name.endswith(".docx"):
            Document(io.BytesIO(data))
        elif name.endswith(".pdf"):
            assert data.startswith(b"%PDF")
        else:
            assert data.startswith(b"\x89PNG")  # the chart
    if isinstance(head, ZaloPerson):
        assert len(links) == expected - 1  # every document is a link; the chart is a photo
        # A link is good for a day: an expired one is refused with 410, a bent one with 403.
        _, _, key, name = httpx.URL(links[0]).path.split("/")
        ago = time.time() - timedelta(days=2).total_seconds()
        old = signed_path(bot.deps.link_secret, key, name, now=ago)
        assert bot.deps.public_url is not None
        async with httpx.AsyncClient() as http:
            expired = await http.get(bot.deps.public_url + old)
            assert expired.status_code == 410
            bent = await http.get(links[0].replace("sig=", "sig=0"))
            assert bent.status_code == 403


@pytest.mark.export
async def test_zalo_the_head_picks_the_meetings_minutes_and_bad_replies_change_nothing(
    db: Database, bot: RunningBot, client: SandboxClient, clock: Clock
) -> None:
    d = await build(db, clock)
    found = next(p for p in d.world.personas if p.label == BLOC2_HEAD)
    telegram = await client.person(found.user_id, found.first_name, last_name=found.last_name)
    head = await on_channel(client, clock, telegram, "zalo", 563007)
    assert isinstance(head, ZaloPerson)
    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ")
    await head.send("12")
    await head.expect("Không có lựa chọn số 12")
    await head.send("bảng lương")
    await head.expect("không khớp lựa chọn nào")
    await head.press(menu, "📊 Bảng điểm (XLSX)")
    files, _, links = await received_files(client, head, "Đã gửi 1 tệp")
    [(name, data)] = files.items()
    assert name.startswith("bang-diem") and len(links) == 1
    load_workbook(io.BytesIO(data))


async def test_telegram_the_head_uploads_the_timetable_as_a_file(
    bot: RunningBot, demo: Demo, db: Database
) -> None:
    head = await demo.person(BLOC2_HEAD)
    await head.send("/nhaplich")
    await head.expect("gửi tệp")
    await head.upload("khung-ke-hoach.txt", b"x" * (2 * 1024 * 1024 + 1), mime="text/plain")
    await head.expect("Không đọc được tệp khung-ke-hoach.txt", "> 2 MB")
    await head.upload("khung-ke-hoach.txt", TABLE_2026.encode(), mime="text/plain")  # still waiting
    preview = await head.expect("Lưu khung kế hoạch này")
    await head.press(preview, "✅ Lưu")
    await head.expect("Đã lưu khung kế hoạch năm học 2026-2027")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Reminder))).one() > 0


async def test_the_head_changes_the_ping_schedule_on_either_app(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    head = await on_channel(client, clock, await demo.person(BLOC2_HEAD), channel, 563008)
    await head.send("/caidatnhac")
    card = await head.expect("Cài đặt nhắc việc — Khối thi đua số 2")
    assert card.button_texts[-2:] == ["🕗 Giờ gửi: 08:00", "🌙 Không nhắn: 21:00–07:00"]
    await head.press(card, "3·1·0 ngày")  # type: ignore[arg-type]
    if isinstance(head, Person):
        await answer_to_press(head, "Đã lưu")
    saved = await head.expect("Đã lưu", "Nhắc trước 3 ngày, 1 ngày và đúng ngày hạn")
    await head.press(saved, "🕗 Giờ gửi: 08:00")  # type: ignore[arg-type]
    await head.expect("giờ gửi", "HH:MM")
    if isinstance(head, ZaloPerson):  # a sticker where a time is expected: said, nothing changed
        await head.send_sticker()
        await head.expect("cần một tin nhắn chữ")
    await head.send("mười giờ")
    await head.expect("không phải giờ hợp lệ", "chưa đổi gì")
    await head.send("14:30")
    done = await head.expect("Đã lưu", "lúc 14:30")
    assert "Nhắc trước 3 ngày, 1 ngày và đúng ngày hạn" in done.text
    async with db.session() as session:
        [row] = list(await session.exec(select(ReminderSchedule)))
    assert (row.offsets_days, row.send_at) == ("3,1,0", "14:30")
