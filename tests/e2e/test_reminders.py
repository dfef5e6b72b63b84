"""Issue 6 end to end: the real bot, the sandbox with Telegram's flood limits, a clock moved by hand.

The periodic job sweeps every 30 s of real time; the tests call the same sweep at once
(`run_sweep`) after moving the bot's clock, so nobody waits for a deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bench.broadcast import PING_AT, delivered, prepare
from bot.db import Database
from bot.reminders_job import run_sweep
from bot.sandbox.client import SandboxClient
from bot.sandbox.core import Sandbox
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.reminder_chat import BLOC2_HEAD, load_as_head
from tests.auxil.reminders import TABLE_2026, local

pytestmark = [pytest.mark.e2e, pytest.mark.reminders]

BLOC2_UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
BLOC4_UNIT = "Trường Trung học phổ thông Thới Lai"


def _registration_handles_task(bot: RunningBot) -> bool:
    """Whether issue 4's registration conversation answers `task:register` yet."""
    if bot.zalo is not None:
        bot.zalo.router.load_all()  # its handler modules load on first use
    if bot.zalo is not None and any(
        "task:register".startswith(prefix)
        for conversation in bot.zalo.router.conversations.values()
        for prefix in conversation.entry_choices
    ):
        return True  # on the channel-neutral chat layer
    user = User(1, "x", False)
    message = Message(1, datetime.now(UTC), Chat(1, "private"), from_user=user)
    update = Update(1, callback_query=CallbackQuery("1", user, "1", message=message, data="task:register"))
    for handler in bot.application.handlers.get(0, []):
        if isinstance(handler, ConversationHandler):
            entries = [h for h in handler.entry_points if isinstance(h, CallbackQueryHandler)]
            if any(h.check_update(update) for h in entries) and "registration" in (handler.name or ""):
                return True
        elif isinstance(handler, CallbackQueryHandler) and handler.check_update(update):
            return handler.callback.__module__ == "handlers.registration"
    return False


async def test_a_unit_gets_its_ping_and_the_button_starts_the_task(
    bot: RunningBot, demo: Demo, clock: Clock
) -> None:
    head = await demo.person(BLOC2_HEAD)
    await head.send("/nhaplich\n" + TABLE_2026.replace("08/12/2026", "31/02/2027"))
    refused = await head.expect("Không lưu gì")
    assert "31/02/2027 không tồn tại" in refused.text and not refused.buttons
    await load_as_head(demo)
    rep = await demo.person(BLOC2_UNIT)
    other_bloc = await demo.person(BLOC4_UNIT)

    clock.now = local(30, 11, 2026, 8, 0)
    await run_sweep(bot.deps)
    ping = await rep.expect("Nhắc việc", "Khối thi đua số 2")
    assert (
        "Nộp hồ sơ đăng ký thi đua" in ping.text and "07/12/2026" in ping.text and "Còn 7 ngày." in ping.text
    )
    assert ping.button_texts == ["📝 Đăng ký thi đua", "⏰ Nhắc lại sau", "🔕 Không nhắc việc này nữa"]
    # The head loaded the timetable of bloc 2: bloc 4 is not pinged.
    assert not [m for m in await other_bloc.transcript() if "Nhắc việc" in (m.get("text") or "")]

    await rep.press(ping, "📝 Đăng ký thi đua")
    if _registration_handles_task(bot):
        started = await rep.next_message()
        assert "đăng ký" in started.text.lower()
    else:
        answer = await rep.callback_answer()
        assert answer["text"]  # answered, never left spinning

    await rep.press(ping, "⏰ Nhắc lại sau")
    answer = await rep.callback_answer()
    assert "Sẽ nhắc lại lúc 08:00 01/12/2026" in answer["text"]
    edited = await rep.expect("Nhắc việc")
    assert edited.edited and edited.button_texts == ["📝 Đăng ký thi đua"]

    clock.now = local(1, 12, 2026, 8, 0)
    await run_sweep(bot.deps)
    again = await rep.expect("Nhắc lại")
    assert "⏰ Nhắc lại sau" not in again.button_texts  # once


async def test_deadlines_adhoc_reminder_and_a_blocked_person(
    bot: RunningBot, demo: Demo, clock: Clock, client: SandboxClient
) -> None:
    await load_as_head(demo)
    rep = await demo.person(BLOC2_UNIT)
    await rep.send("/lich")
    agenda = await rep.expect("Các việc của bạn")
    assert "07/12/2026" in agenda.text and "Còn 14 ngày." in agenda.text
    await rep.send("/deadlines")
    await rep.expect("Nộp hồ sơ đăng ký thi đua")

    outsider = await client.person(555100, "Khách")
    await outsider.send("/nhacviec")
    assert "không có quyền" in (await outsider.next_message()).text

    head = await demo.person(BLOC2_HEAD)
    other = await demo.person("Trường Trung học phổ thông An Khánh")
    for persona in demo.personas:  # every bloc 2 representative has opened the bot …
        if persona.group == "Khối thi đua số 2":
            await demo.person(persona.label)
    await client.block(rep.user_id)  # … and one of them has blocked it since
    await head.send("/nhacviec")
    menu = await head.expect("Chọn việc để nhắc")
    await head.press(menu, data=menu.buttons[0]["callback_data"])
    answer = await head.callback_answer()
    assert "Đã lên lịch nhắc 13 đơn vị" in answer["text"]
    await other.expect("Khối trưởng nhắc việc")
    reported = await head.expect("Không gửi được nhắc việc", wait_seconds=30)
    assert BLOC2_UNIT in reported.text
    await head.press(menu, data=menu.buttons[0]["callback_data"])
    assert "đã nhắc việc này rồi" in (await head.callback_answer())["text"]


@pytest.mark.flood_limits
async def test_a_broadcast_to_500_within_the_flood_limits_reaches_everyone_once(
    bot: RunningBot, db: Database, sandbox: Sandbox, clock: Clock
) -> None:
    chat_ids = await prepare(db, sandbox, 500, now=clock())
    clock.now = PING_AT
    report = await run_sweep(bot.deps)
    assert report.sent == 500 and report.retried == 0 and report.failed == 0
    assert delivered(sandbox, chat_ids) == [1] * 500
    # Sent evenly spaced at the limit, not in bursts: Telegram refused none (a 429 would pause
    # every send for a second; one that came anyway would be waited out, never left unhandled).
    assert sandbox.stats["rate_limited"] == 0
    again = await run_sweep(bot.deps)
    assert again.sent == 0 and delivered(sandbox, chat_ids) == [1] * 500
