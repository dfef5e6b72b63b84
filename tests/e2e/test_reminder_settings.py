"""/caidatnhac end to end: the real bot over the sandbox, as the bloc head and a representative see it."""

from __future__ import annotations

import pytest

from tests.auxil.bot import Demo, RunningBot
from tests.auxil.reminder_chat import BLOC2_HEAD, load_as_head

pytestmark = [pytest.mark.e2e, pytest.mark.reminders]

DEFAULTS = "Nhắc trước 7 ngày, 2 ngày và đúng ngày hạn, lúc 08:00; không nhắn từ 21:00 đến 07:00."
BLOC2_REP = "Trường Trung học phổ thông Châu Văn Liêm"


async def test_the_head_picks_a_preset_types_quiet_hours_and_sees_them_saved(
    bot: RunningBot, demo: Demo
) -> None:
    await load_as_head(demo)  # pings are planned, so the change has something to re-plan
    head = await demo.person(BLOC2_HEAD)
    await head.send("/help")
    assert "/caidatnhac" in (await head.expect("/nhacviec")).text

    await head.send("/caidatnhac")
    card = await head.expect("Cài đặt nhắc việc — Khối thi đua số 2", DEFAULTS)
    assert card.button_texts == [
        "✅ 7·2·0 ngày",
        "14·7·2·0 ngày",
        "3·1·0 ngày",
        "1·0 ngày",
        "🕗 Giờ gửi: 08:00",
        "🌙 Không nhắn: 21:00–07:00",
    ]
    assert all(len(b["callback_data"].encode()) <= 64 for b in card.buttons)

    await head.press(card, "14·7·2·0 ngày")
    assert "Đã lưu" in (await head.callback_answer())["text"]
    saved = await head.expect("Đã lưu", "Nhắc trước 14 ngày, 7 ngày, 2 ngày và đúng ngày hạn, lúc 08:00")
    assert saved.edited and "✅ 14·7·2·0 ngày" in saved.button_texts and "7·2·0 ngày" in saved.button_texts
    assert "Đã lên lịch lại" in saved.text

    # A button the bot never drew (a preset that does not exist) is refused and changes nothing.
    bloc_data = next(b["callback_data"] for b in saved.buttons if b["callback_data"].endswith(":t"))
    forged = bloc_data.replace(":t", ":p:30.0")
    await head.press(saved, data=forged, forge=True)
    assert "không hợp lệ" in (await head.callback_answer())["text"]

    await head.press(saved, "🌙 Không nhắn: 21:00–07:00")
    await head.callback_answer()
    await head.expect("khoảng giờ không nhắn", "21:00-07:00")
    await head.send("mười giờ tối")
    await head.expect("không đúng dạng", "chưa đổi gì")
    await head.send("06:00-09:00")  # would swallow the 08:00 send time
    refused = await head.expect("Không lưu")
    assert "giờ gửi 08:00 nằm trong khoảng không nhắn 06:00–09:00" in refused.text
    await head.send("22:00-06:30")
    done = await head.expect("Đã lưu")
    assert (
        "Nhắc trước 14 ngày, 7 ngày, 2 ngày và đúng ngày hạn, lúc 08:00; không nhắn từ 22:00 đến 06:30."
        in (done.text)
    )
    # The conversation is over: ordinary text is no longer read as quiet hours.
    await head.send("23:00-05:00")
    assert "Đã lưu" not in (await head.next_message()).text

    await head.send("/remindersettings")
    again = await head.expect("Cài đặt nhắc việc")
    assert "không nhắn từ 22:00 đến 06:30" in again.text and "✅ 14·7·2·0 ngày" in again.button_texts


async def test_a_representative_is_refused(bot: RunningBot, demo: Demo) -> None:
    rep = await demo.person(BLOC2_REP)
    await rep.send("/help")
    assert "/caidatnhac" not in (await rep.expect("/chamdiem")).text
    await rep.send("/caidatnhac")
    refused = await rep.expect("Chỉ Khối trưởng, Khối phó")
    assert not refused.buttons
    # Pressing a head's button with a made-up bloc id from a representative's chat: refused too.
    await rep.press(refused, data="rs:2:p:1.0", forge=True)
    assert "Chỉ Khối trưởng" in (await rep.callback_answer())["text"]
    await rep.press(refused, data="rs:2:t", forge=True)
    assert "Chỉ Khối trưởng" in (await rep.callback_answer())["text"]
    await rep.send("09:00")  # not waiting for a time: the settings did not start a conversation
    assert "Đã lưu" not in (await rep.next_message()).text
