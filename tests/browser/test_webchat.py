"""The sandbox's web chat in real headless Chromium, against `thidua run` and the real bot.

A department officer meets the product on this page: pick a person of the demo roster, talk to the
bot as on a phone. These tests use it the same way, at phone width, and keep a screenshot.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BLOC_2, WebChat

pytestmark = pytest.mark.browser


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of `text` that a Telegram entity covers (its offsets count UTF-16 code units)."""
    raw = text.encode("utf-16-le")
    return raw[2 * offset : 2 * (offset + length)].decode("utf-16-le")


def utf16_offset(text: str, part: str) -> tuple[int, int]:
    """Telegram's (offset, length) of the first `part` in `text`."""
    index = text.index(part)
    return len(text[:index].encode("utf-16-le")) // 2, len(part.encode("utf-16-le")) // 2


def full_name(persona: dict[str, Any]) -> str:
    return f"{persona['last_name']} {persona['first_name']}"


def pick(page: Page, persona: dict[str, Any]) -> None:
    page.locator(f'#picker .person[data-user-id="{persona["user_id"]}"]').first.click()
    expect(page).to_have_url(re.compile(rf"#u={persona['user_id']}$"))
    expect(page.locator("#chat")).to_be_visible()
    expect(page.locator("#chat-sub")).to_contain_text(full_name(persona))


def send(page: Page, text: str) -> None:
    box = page.locator("#text")
    expect(box).to_have_accessible_name(re.compile(r"^Tin nhắn"))
    box.fill(text)
    box.press("Escape")  # close the command list, so Enter sends what was typed
    box.press("Enter")
    expect(page.locator(".msg.out .text").filter(has_text=text).last).to_be_visible()


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.getElementById('messages').scrollWidth, document.getElementById('messages').clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert widths[2] <= widths[3], f"the messages scroll sideways: {widths}"


def test_a_representative_talks_to_the_bot_then_another_person_has_their_own_chat(
    page: Page, webchat: WebChat, artifacts: Path
) -> None:
    representative, _ = webchat.representatives(BLOC_2)[:2]
    other = webchat.representatives("Khối thi đua số 1")[0]

    page.goto(webchat.url)
    expect(page.get_by_role("heading", name="Chọn người để trò chuyện")).to_be_visible()
    expect(page.locator("#picker h2").filter(has_text=BLOC_2)).to_be_visible()
    expect(page.locator("#picker .person").filter(has_text=representative["label"]).first).to_be_visible()
    page.screenshot(path=str(artifacts / "webchat-picker.png"))
    pick(page, representative)

    # /start: the Vietnamese welcome, the bot's formatting built from its entities.
    send(page, "/start")
    welcome = page.locator(".msg.in").filter(has_text="Xin chào").first
    expect(welcome).to_be_visible()
    shown = welcome.locator(".text").text_content() or ""
    transcript = webchat.get(f"/sandbox/api/chats/{representative['user_id']}")["result"]
    sent = next(m for m in transcript if m["from"]["is_bot"] and m.get("text", "").startswith("Xin chào"))
    assert shown == sent["text"], "the bubble must show exactly the text Telegram would"
    assert unicodedata.normalize("NFC", shown) == shown
    assert shown.startswith("Xin chào ") and full_name(representative) in shown
    bold = [
        utf16_slice(sent["text"], e["offset"], e["length"]) for e in sent["entities"] if e["type"] == "bold"
    ]
    assert bold, "the welcome is expected to carry bold text"
    assert welcome.locator(".text strong").all_text_contents() == bold
    assert "<b>" not in shown and "&" not in shown

    # /language, then "English": the same bubble is edited in place.
    send(page, "/language")
    chooser = page.locator(".msg.in").filter(has=page.get_by_role("button", name="English")).last
    expect(chooser.get_by_role("button", name="Tiếng Việt")).to_be_visible()
    message_id = chooser.get_attribute("data-message-id")
    count = page.locator("#messages .msg").count()
    chooser.get_by_role("button", name="English").click()
    edited = page.locator(f'#messages .msg[data-message-id="{message_id}"]')
    expect(edited.locator(".text")).to_have_text("Switched to English.")
    expect(edited.locator(".meta .edited")).to_have_text("đã sửa")
    expect(edited.get_by_role("button")).to_have_count(0)
    assert page.locator("#messages .msg").count() == count, "an edit must not add a bubble"
    no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "webchat-phone.png"))

    # Another person: their own chat, empty, with the command menu on "/".
    page.get_by_role("button", name="Đổi người").click()
    expect(page.locator("#picker")).to_be_visible()
    pick(page, other)
    expect(page.locator("#messages .msg")).to_have_count(0)
    expect(page.locator("#messages .empty")).to_be_visible()
    expect(page.get_by_text("Switched to English.")).to_have_count(0)
    page.locator("#text").fill("/")
    suggestions = page.locator("#suggest")
    expect(suggestions).to_be_visible()
    expect(suggestions.locator('li[data-command="start"]')).to_be_visible()
    expect(suggestions.locator('li[data-command="help"] .cmd-desc')).not_to_be_empty()
    page.locator("#text").press_sequentially("he")
    expect(suggestions.locator("li")).to_have_count(1)
    suggestions.locator('li[data-command="help"]').click()
    expect(page.locator(".msg.out .text").filter(has_text="/help")).to_be_visible()
    expect(page.locator(".msg.in").first).to_be_visible()

    # Back to the first person: their history is still there, the edit included.
    page.goto(f"{webchat.url}/#u={representative['user_id']}")
    expect(page.locator(f'#messages .msg[data-message-id="{message_id}"] .text')).to_have_text(
        "Switched to English."
    )


NO_WEB_LOCKS = "Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });"


@pytest.mark.parametrize(
    ("updates", "pair"),
    [
        pytest.param("shared", slice(2, 4), id="one-poll-shared-by-tabs"),
        pytest.param("tab", slice(4, 6), id="each-tab-polls"),
    ],
)
def test_two_tabs_are_two_people_in_the_bloc_group_live(
    browser_context: Any, webchat: WebChat, artifacts: Path, updates: str, pair: slice
) -> None:
    """Ten voters on one laptop are ten tabs: what one says, the others see without reloading."""
    if updates == "tab":
        browser_context.add_init_script(NO_WEB_LOCKS)  # the fallback of browsers without Web Locks
    group = next(g for g in webchat.groups if g["title"] == BLOC_2)
    first, second = webchat.representatives(BLOC_2)[pair]
    alice = browser_context.new_page()
    bob = browser_context.new_page()
    alice.goto(f"{webchat.url}/#u={first['user_id']}&c={group['id']}")
    bob.goto(webchat.url)
    # Bob chooses the group in the picker, then who he is in it.
    bob.locator(f'#picker .person[data-chat-id="{group["id"]}"]').click()
    bob.locator(f'#picker .person[data-user-id="{second["user_id"]}"]').click()
    expect(bob).to_have_url(re.compile(rf"#u={second['user_id']}&c={group['id']}$"))
    for page in (alice, bob):
        expect(page.locator("#chat-title")).to_have_text(BLOC_2)
        expect(page.locator(".chat-tab[aria-current=page]")).to_have_text(BLOC_2)
    modes = sorted(page.evaluate("window.WebChat.updates") for page in (alice, bob))
    assert modes == (["follower", "leader"] if updates == "shared" else ["tab", "tab"])

    greeting = f"Chào cả khối 👋 — họp lúc 14 giờ ({updates})"
    send(alice, greeting)
    arrived = bob.locator(".msg.in").filter(has_text=greeting)
    expect(arrived).to_be_visible()  # no reload: the long poll brought it
    expect(arrived.locator(".sender")).to_have_text(full_name(first))

    content = "Báo cáo tổng kết năm học 2026-2027\n".encode() * 40
    bob.locator("#file-input").set_input_files(
        files=[{"name": f"Báo cáo thi đua ({updates}).txt", "mimeType": "text/plain", "buffer": content}]
    )
    document = alice.locator(".msg.in .doc").filter(has_text=f"Báo cáo thi đua ({updates}).txt")
    expect(document).to_be_visible()
    expect(document.locator(".doc-size")).to_contain_text("KB")
    href = document.get_attribute("href") or ""
    assert href.startswith("/sandbox/api/files/")
    downloaded = alice.request.get(webchat.url + href)
    assert downloaded.body() == content
    # A picture goes as a photo, as Telegram's apps send it: the others see the image itself.
    bob.locator("#file-input").set_input_files(
        files=[{"name": "anh-le-tong-ket.png", "mimeType": "image/png", "buffer": _png(40, 24)}]
    )
    picture = alice.locator(".msg.in .photo img").last
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40  # loaded, drawn
    if updates == "shared":
        alice.screenshot(path=str(artifacts / "webchat-group.png"))


def test_the_bots_media_reply_keyboard_and_alerts(page: Page, webchat: WebChat) -> None:
    person = webchat.representatives("Khối thi đua số 3")[0]
    chat_id = person["user_id"]
    page.goto(f"{webchat.url}/#u={chat_id}")
    expect(page.locator("#messages .empty")).to_be_visible()

    webchat.bot_api(
        "sendMessage",
        chat_id=chat_id,
        parse_mode="HTML",
        text=(
            "<b>Hồ sơ đề nghị</b> của <i>Trường THPT Lưu Hữu Phước</i> 🎓\n"
            '<a href="https://moet.gov.vn/">Hướng dẫn của Bộ</a> · <code>TĐ-2026</code>\n'
            "<blockquote>Hạn nộp: 30/11/2026</blockquote>\nCó đồng ý không?"
        ),
        reply_markup={"keyboard": [["Có", "Không"]], "resize_keyboard": True, "one_time_keyboard": True},
    )
    webchat.bot_api(
        "sendMessage",
        chat_id=chat_id,
        text="Nút cũ (bot không còn nhận)",
        reply_markup={"inline_keyboard": [[{"text": "Bấm thử", "callback_data": "zz:stale"}]]},
    )
    bubble = page.locator(".msg.in").filter(has_text="Hồ sơ đề nghị").first
    expect(bubble.locator("strong")).to_have_text("Hồ sơ đề nghị")
    expect(bubble.locator("em")).to_have_text("Trường THPT Lưu Hữu Phước")
    expect(bubble.locator("code")).to_have_text("TĐ-2026")
    expect(bubble.locator("blockquote")).to_have_text("Hạn nộp: 30/11/2026")
    expect(bubble.get_by_role("link", name="Hướng dẫn của Bộ")).to_have_attribute(
        "href", "https://moet.gov.vn/"
    )

    # The chat's reply keyboard: its buttons send their text.
    keyboard = page.locator("#reply-kb")
    expect(keyboard.get_by_role("button", name="Có", exact=True)).to_be_visible()
    keyboard.get_by_role("button", name="Không").click()
    expect(page.locator(".msg.out .text").filter(has_text="Không")).to_be_visible()
    expect(keyboard).to_be_hidden()  # one_time_keyboard

    # A button the bot no longer handles: its answer is an alert.
    page.get_by_role("button", name="Bấm thử").click()
    dialog = page.locator("#alert")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#alert-text")).not_to_be_empty()
    dialog.get_by_role("button", name="Đóng").click()
    expect(dialog).to_be_hidden()

    webchat.bot_api(
        "sendPhoto",
        chat_id=chat_id,
        caption="Ảnh lễ ký giao ước",
        files={"photo": ("le-ky.png", "image/png", _png(48, 32))},
    )
    photo = page.locator(".msg.in .photo img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 48
    page.set_viewport_size({"width": 360, "height": 740})
    no_horizontal_scroll(page)


def test_entities_become_elements_at_the_right_utf16_offsets(page: Page, webchat: WebChat) -> None:
    page.goto(webchat.url)
    expect(page.locator("#picker .person").first).to_be_visible()
    text = "👋 Chào Đặng Thị Hồng Nhung! 🎉 Hạn chót 30/11 <b>không phải HTML</b> — mở đây hoặc bấm đây"
    entities = [
        {"type": "bold", **_at(text, "Đặng Thị Hồng Nhung")},
        {"type": "italic", **_at(text, "Hồng Nhung")},  # nested inside the bold
        {"type": "code", **_at(text, "30/11")},
        {"type": "text_link", "url": "https://thidua.example/hạn-chót", **_at(text, "mở đây")},
        {"type": "text_link", "url": "javascript:alert(1)", **_at(text, "bấm đây")},
        {"type": "underline", **_at(text, "🎉")},
    ]
    rendered = page.evaluate(
        """([text, entities]) => {
            const box = document.createElement('div');
            box.append(window.WebChat.renderFormatted(text, entities));
            return {
                text: box.textContent,
                bold: Array.from(box.querySelectorAll('strong'), (e) => e.textContent),
                italic: Array.from(box.querySelectorAll('strong em'), (e) => e.textContent),
                code: Array.from(box.querySelectorAll('code'), (e) => e.textContent),
                underline: Array.from(box.querySelectorAll('u'), (e) => e.textContent),
                links: Array.from(box.querySelectorAll('a'), (e) => [e.textContent, e.getAttribute('href')]),
                tags: Array.from(box.querySelectorAll('*'), (e) => e.tagName.toLowerCase()),
            };
        }""",
        [text, entities],
    )
    assert rendered["text"] == text
    assert rendered["bold"] == ["Đặng Thị Hồng Nhung"]
    assert rendered["italic"] == ["Hồng Nhung"]
    assert rendered["code"] == ["30/11"]
    assert rendered["underline"] == ["🎉"]
    assert rendered["links"] == [["mở đây", "https://thidua.example/h%E1%BA%A1n-ch%C3%B3t"]]
    assert "b" not in rendered["tags"] and "script" not in rendered["tags"]


def _at(text: str, part: str) -> dict[str, int]:
    offset, length = utf16_offset(text, part)
    return {"offset": offset, "length": length}


def _png(width: int, height: int) -> bytes:
    """A small valid PNG: a blue and gold band."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + (b"\x3b\x6a\x93" if y < height // 2 else b"\xf2\xc1\x4e") * width for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
