"""Issue 2 end to end: the real bot, polling the sandbox over HTTP, driven as people would."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.services import invites
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock

pytestmark = pytest.mark.e2e

BLOC2_HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


async def test_start_greets_a_stranger_in_vietnamese(bot: RunningBot, client: SandboxClient) -> None:
    stranger = await client.person(555001, "Minh", language_code="vi")
    await stranger.send("/start")
    reply = await stranger.next_message()
    assert "Xin chào Minh!" in reply.text
    assert "Thi đua Bot" in reply.text
    assert "đường link mời" in reply.text
    assert unicodedata.is_normalized("NFC", reply.text)
    # Formatting arrives as entities, as Telegram renders it, not as raw tags.
    assert "<b>" not in reply.text
    assert any(e["type"] == "bold" for e in reply.raw.get("entities", []))


async def test_a_representative_joins_by_invite_and_whoami_shows_unit_and_bloc(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    batch = await invites.issue_invites(
        db,
        bloc_number=2,
        now=clock(),
        ttl=timedelta(days=7),
        unit_names=["Trường THCS&THPT Nguyễn Bình Khiêm"],
    )
    token = batch.invites[0].token
    newcomer = await client.person(555002, "Lan", last_name="Phạm Thị")
    await newcomer.send(f"/start {token}")
    welcome = await newcomer.expect("Trường THCS&THPT Nguyễn Bình Khiêm", "Khối thi đua số 2")
    assert "họ và tên" in welcome.text
    assert welcome.keyboard_texts == ["Phạm Thị Lan"]  # the Telegram name, one tap to keep it

    await newcomer.send("Phạm Thị Ngọc Lan")
    ask_phone = await newcomer.expect("Số điện thoại")
    assert ask_phone.keyboard_texts == ["Bỏ qua"]
    await newcomer.send("091 234 5678")
    await newcomer.expect("Đã lưu", "Phạm Thị Ngọc Lan")

    await newcomer.send("/whoami")
    who = await newcomer.expect("Bạn là")
    assert "Phạm Thị Ngọc Lan" in who.text
    assert "Trường THCS&THPT Nguyễn Bình Khiêm" in who.text
    assert "Khối thi đua số 2" in who.text
    assert "năm học 2026-2027" in who.text
    assert "0912345678" in who.text
    # The command menu of this chat now offers /whoami too.
    menu = [c["command"] for c in await client.commands(555002)]
    assert menu[:4] == ["start", "help", "language", "whoami"]
    assert "diemdanh" in menu and "invite" not in menu and "hop" not in menu


async def test_an_invite_works_once(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    batch = await invites.issue_invites(db, bloc_number=3, now=clock(), ttl=timedelta(days=7))
    token = batch.invites[4].token
    first = await client.person(555003, "Hà")
    await first.send(f"/start {token}")
    await first.expect("Chào mừng")

    second = await client.person(555004, "Tùng")
    await second.send(f"/start {token}")
    refusal = await second.next_message()
    assert "đã được dùng" in refusal.text
    await second.send("/whoami")
    assert "chưa có vai trò" in (await second.next_message()).text


async def test_an_expired_invite_binds_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    batch = await invites.issue_invites(db, bloc_number=4, now=clock(), ttl=timedelta(hours=48))
    clock.advance(hours=48, seconds=1)
    late = await client.person(555005, "Quân")
    await late.send(f"/start {batch.invites[0].token}")
    refusal = await late.next_message()
    assert "đã hết hạn" in refusal.text
    assert "25/11/2026" in refusal.text  # the expiry date, dd/mm/yyyy in Hồ Chí Minh time
    await late.send("/whoami")
    assert "chưa có vai trò" in (await late.next_message()).text


async def test_a_made_up_invite_is_refused(bot: RunningBot, client: SandboxClient, demo: Demo) -> None:
    guesser = await client.person(555006, "Khoa")
    await guesser.send("/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert "không hợp lệ" in (await guesser.next_message()).text
    await guesser.send("/whoami")
    assert "chưa có vai trò" in (await guesser.next_message()).text


async def test_commands_follow_the_person_roles(bot: RunningBot, client: SandboxClient, demo: Demo) -> None:
    stranger = await client.person(555007, "Vy")
    await stranger.send("/help")
    help_text = (await stranger.next_message()).text
    assert [line.split(" ")[0] for line in help_text.splitlines() if line.startswith("/")] == [
        "/start",
        "/trogiup",  # Vietnamese names first, the English one after (issue 12)
        "/ngonngu",
    ]
    await stranger.send("/invite")
    assert "không có quyền" in (await stranger.next_message()).text

    head = await demo.person(BLOC2_HEAD)
    await head.send("/start")
    await head.expect("Khối trưởng")
    head_menu = [c["command"] for c in await client.commands(head.chat_id)]
    assert head_menu[:4] == ["start", "help", "language", "whoami"]
    assert {"invite", "hop", "nhomkhoi"} <= set(head_menu)


async def test_the_head_gets_working_invite_links(bot: RunningBot, client: SandboxClient, demo: Demo) -> None:
    head = await demo.person(BLOC2_HEAD)
    await head.send("/invite")
    links = await head.expect("Đường link mời", "Khối thi đua số 2")
    lines = [line for line in links.text.splitlines() if "https://t.me/thidua_sandbox_bot?start=" in line]
    assert len(lines) == 13
    token = lines[-1].rsplit("start=", 1)[1]
    newcomer = await client.person(555008, "Thu")
    await newcomer.send(f"/start {token}")
    await newcomer.expect("Trung tâm Ngoại ngữ-Tin học và Bồi dưỡng Nhà giáo")


async def test_language_button_edits_the_message_and_forged_buttons_change_nothing(
    bot: RunningBot, client: SandboxClient
) -> None:
    person = await client.person(555009, "Nga")
    await person.send("/language")
    choose = await person.next_message()
    assert choose.button_texts == ["Tiếng Việt", "English"]

    await person.press(choose, data="lang:xx", forge=True)
    answer = await person.callback_answer()
    assert answer["show_alert"] and "không còn hiệu lực" in answer["text"]
    await person.press(choose, data="vote:9999", forge=True)
    assert "không còn hiệu lực" in (await person.callback_answer())["text"]

    await person.press(choose, "English")
    edited = await person.next_message()
    assert edited.edited and edited.id == choose.id
    assert edited.text == "Switched to English."
    await person.send("/help")
    assert "The commands you can use" in (await person.next_message()).text


async def test_unknown_command_and_stray_text_get_an_answer(bot: RunningBot, client: SandboxClient) -> None:
    person = await client.person(555010, "Sơn")
    await person.send("/khongcolenhnay")
    assert "Không có lệnh này" in (await person.next_message()).text
    await person.send("xin chào")
    assert "chưa hiểu" in (await person.next_message()).text


async def test_a_failing_update_gets_an_apology_and_the_bot_goes_on(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(BLOC2_HEAD)
    # A real failure, not a mock: the roles table disappears under the bot for one message.
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE person_role RENAME TO person_role_away"))
    try:
        await head.send("/whoami")
        apology = await head.next_message()
        assert "Xin lỗi" in apology.text
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE person_role_away RENAME TO person_role"))
    await head.send("/whoami")
    assert "Trường Trung học phổ thông Bùi Hữu Nghĩa" in (await head.next_message()).text


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_a_failure_before_the_conversation_is_found_is_apologised_for(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, channel: str
) -> None:
    """Where a person is in a conversation is the first thing read: that read failing (a table
    gone, a database away) still gets an apology, on either app, and the next message is answered."""
    person = await client.person_on(channel, 571001, "Hải")
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE conversation_state RENAME TO conversation_state_away"))
    try:
        await person.send("/whoami")
        await person.expect("Xin lỗi")
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE conversation_state_away RENAME TO conversation_state"))
    await person.send("/whoami")
    await person.expect("chưa có vai trò")
