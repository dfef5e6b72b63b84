"""The web chat's Zalo chats in real headless Chromium: pick a person on Zalo, chat as on Zalo.

The bot's side is played through the sandbox's Zalo Bot API (as a Zalo bot calls it), so the page is
tested on what Zalo can send: plain text (2,000 characters at most), photos by URL, stickers, and no
buttons or edits. The person's side goes through the page: text, a picture and a sticker.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WebChat

pytestmark = [pytest.mark.browser, pytest.mark.zalo]

ZALO_BLUE = "rgb(0, 104, 255)"


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00\x68\xff" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def transcript(webchat: WebChat, zalo_id: str) -> list[dict[str, Any]]:
    return list(webchat.get(f"/sandbox/api/chats/{zalo_id}?channel=zalo")["result"])


def test_a_person_on_zalo_chats_as_on_zalo(page: Page, webchat: WebChat, artifacts: Path) -> None:
    person = webchat.representatives("Khối thi đua số 3")[1]
    name = f"{person['last_name']} {person['first_name']}"
    page.goto(webchat.url)
    expect(page.locator("#picker .person").first).to_be_visible()
    page.get_by_label("Zalo").check()
    button = page.locator(f'#picker .person[data-channel="zalo"][data-user-id="{person["user_id"]}"]').first
    zalo_id = button.get_attribute("data-zalo-id") or ""
    assert zalo_id and zalo_id != str(person["user_id"])  # a Zalo account of its own, with a string id
    button.click()
    expect(page).to_have_url(re.compile(rf"#z={zalo_id}$"))
    expect(page.locator("#chat-sub")).to_contain_text(f"Zalo · bạn là {name}")
    expect(page.locator("#app")).to_have_class(re.compile(r"\bzalo\b"))
    assert page.locator("#chat .bar").evaluate("bar => getComputedStyle(bar).backgroundColor") == ZALO_BLUE
    expect(page.locator("#chat-tabs")).to_be_hidden()

    # The person writes: the message reaches the sandbox's Zalo side as a text event.
    box = page.locator("#text")
    box.fill("Xin chào Thi đua Bot")
    box.press("Enter")
    expect(page.locator(".msg.out .text").filter(has_text="Xin chào Thi đua Bot")).to_be_visible()
    mine = [m for m in transcript(webchat, zalo_id) if not m["from"]["is_bot"]]
    assert mine[-1]["text"] == "Xin chào Thi đua Bot" and mine[-1]["from"]["display_name"] == name

    # The bot answers as a Zalo bot can: plain text (with a link), a photo by URL, a sticker.
    link = "http://127.0.0.1:9/tai-ve/bang-diem.xlsx"
    text = f"Chọn một việc:\n1. Tự chấm điểm\n2. Xem hạn nộp\nTrả lời 1 hoặc 2.\nTải bảng điểm: {link}"
    webchat.zalo_api("sendMessage", chat_id=zalo_id, text=text)
    answer = page.locator(".msg.in").filter(has_text="Trả lời 1 hoặc 2.").last
    expect(answer).to_be_visible()
    assert answer.locator(".text").text_content() == text  # plain text, exactly as sent
    expect(answer.get_by_role("link", name=link)).to_have_attribute("href", link)
    expect(page.locator("#messages button")).to_have_count(0)  # Zalo has no buttons
    expect(page.locator("#reply-kb")).to_be_hidden()

    # The person sends a picture (the bot gets a URL the sandbox serves) and the bot shows one back.
    page.locator("#file-input").set_input_files(
        files=[{"name": "minh-chung.png", "mimeType": "image/png", "buffer": _png(40, 24)}]
    )
    sent_picture = page.locator(".msg.out .photo img").last
    expect(sent_picture).to_be_visible()
    assert sent_picture.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40
    photo_url = next(m["photo_url"] for m in reversed(transcript(webchat, zalo_id)) if "photo_url" in m)
    assert photo_url.startswith(f"{webchat.url}/zalo/files/")
    webchat.zalo_api("sendPhoto", chat_id=zalo_id, photo=photo_url, caption="Đã nhận minh chứng")
    shown = page.locator(".msg.in").filter(has_text="Đã nhận minh chứng").locator(".photo img")
    expect(shown).to_have_attribute("src", photo_url)
    assert shown.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40

    # Stickers: the person picks one from the tray; the bot sends one back.
    page.get_by_role("button", name="Gửi nhãn dán", exact=True).click()
    page.locator("#sticker-tray .sticker-choice").first.click()
    expect(page.locator(".msg.out.is-sticker .sticker-img")).to_be_visible()
    assert any("sticker" in m and not m["from"]["is_bot"] for m in transcript(webchat, zalo_id))
    webchat.zalo_api("sendSticker", chat_id=zalo_id, sticker="sb-clap")
    expect(page.locator(".msg.in.is-sticker .sticker-img")).to_be_visible()
    page.screenshot(path=str(artifacts / "webchat-zalo.png"))

    # Reloaded, the chat's history is there; the Telegram chat of the same person is another chat.
    page.reload()
    expect(page.locator(".msg.in").filter(has_text="Trả lời 1 hoặc 2.")).to_be_visible()
    page.get_by_role("button", name="Đổi người").click()
    page.get_by_label("Telegram").check()
    page.locator(
        f'#picker .person[data-channel="telegram"][data-user-id="{person["user_id"]}"]'
    ).first.click()
    expect(page).to_have_url(re.compile(rf"#u={person['user_id']}$"))
    expect(page.locator("#app")).not_to_have_class(re.compile(r"\bzalo\b"))
    expect(page.get_by_text("Trả lời 1 hoặc 2.")).to_have_count(0)
