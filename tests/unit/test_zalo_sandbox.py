"""The sandbox answers as the Zalo Bot API does, and our Zalo client reads it, over real HTTP.

Limits (2000 characters, secret of 8–256), string ids and millisecond dates, getUpdates giving ONE
event and forgetting it, 409 while a webhook is set, the webhook's secret header and its retries,
and Zalo people on the control API (text, pictures, stickers, the chat's transcript).
"""

from __future__ import annotations

import asyncio
import json
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.channels.zalo.client import ZaloApiError, ZaloBot
from bot.channels.zalo.events import SECRET_HEADER, EventKind, parse_event, secret_matches
from bot.sandbox.client import SandboxClient, SandboxRequestError
from bot.sandbox.core import Sandbox, Upload
from bot.sandbox.server import SandboxServer
from bot.sandbox.zalo import InProcessTransport

pytestmark = pytest.mark.zalo


def png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    # Short retry pauses: a failed webhook delivery is tried again within the test.
    running = SandboxServer(Sandbox(webhook_retry=0.05, webhook_retry_max=0.2), "127.0.0.1", 0)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def people(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client


@pytest.fixture
async def zalo(server: SandboxServer) -> AsyncIterator[ZaloBot]:
    async with httpx.AsyncClient() as http:
        yield ZaloBot(server.sandbox.zalo.token, server.zalo_api_url, http)


async def test_get_me_string_ids_and_millisecond_dates(zalo: ZaloBot, people: SandboxClient) -> None:
    me = await zalo.get_me()
    assert isinstance(me.id, str) and me.account_type == "BASIC" and not me.can_join_groups
    lan = await people.zalo_person("a1b2c3d4e5f60718293a", "Nguyễn Thị Lan")
    before = time.time()
    raw = await lan.send("Xin chào")
    assert isinstance(raw["message"]["message_id"], str)
    assert raw["message"]["date"] >= int(before * 1000) - 1000  # milliseconds, not seconds
    event = await zalo.get_updates(timeout=1)
    assert event is not None and event.kind is EventKind.TEXT
    assert (event.sender_id, event.chat_id, event.text) == (lan.user_id, lan.user_id, "Xin chào")
    assert event.sender_name == "Nguyễn Thị Lan"
    assert abs(event.date.timestamp() - before) < 5
    sent = await zalo.send_message(lan.chat_id, "Chào Lan")
    assert isinstance(sent.message_id, str) and len(sent.message_id) == 20
    assert abs(sent.date.timestamp() - time.time()) < 5


async def test_get_updates_returns_one_event_and_forgets_it(zalo: ZaloBot, people: SandboxClient) -> None:
    lan = await people.zalo_person("lan", "Lan")
    await lan.send("một")
    await lan.send("hai")
    first = await zalo.get_updates(timeout=1)
    second = await zalo.get_updates(timeout=1)
    assert first is not None and second is not None
    assert (first.text, second.text) == ("một", "hai")
    assert await zalo.get_updates(timeout=0) is None  # Zalo's 408 "Request timeout" means: nothing new


async def test_a_long_poll_wakes_when_a_person_writes(zalo: ZaloBot, people: SandboxClient) -> None:
    lan = await people.zalo_person("lan", "Lan")
    poll = asyncio.create_task(zalo.get_updates(timeout=20))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await lan.send("có ai không?")
    event = await asyncio.wait_for(poll, 10)
    assert event is not None and event.text == "có ai không?"


async def test_text_is_one_to_2000_characters(zalo: ZaloBot, people: SandboxClient) -> None:
    lan = await people.zalo_person("lan", "Lan")
    await zalo.send_message("lan", "ệ" * 2000)
    for text in ("ệ" * 2001, ""):
        with pytest.raises(ZaloApiError) as refused:
            await zalo.send_message("lan", text)
        assert refused.value.error_code == 400
    said = await lan.bot_messages()
    assert [m.text for m in said] == ["ệ" * 2000]  # the refused ones never reached her
    assert said[0].raw["from"]["is_bot"] is True


async def test_ids_are_strings_and_unknown_chats_are_refused(zalo: ZaloBot, people: SandboxClient) -> None:
    await people.zalo_person("12345", "Lan")
    with pytest.raises(ZaloApiError, match="chat_id must be a string") as refused:
        await zalo.call("sendMessage", {"chat_id": 12345, "text": "hi"})
    assert refused.value.error_code == 400
    with pytest.raises(ZaloApiError, match="chat not found"):
        await zalo.send_message("nobody", "hi")


async def test_a_person_who_never_wrote_cannot_be_written_to_first(
    zalo: ZaloBot, people: SandboxClient
) -> None:
    await people._post(
        "/sandbox/api/users", {"channel": "zalo", "id": "quiet", "display_name": "Q", "started": False}
    )
    with pytest.raises(ZaloApiError) as refused:
        await zalo.send_message("quiet", "hi")
    assert refused.value.error_code == 403


async def test_photo_by_url_with_caption_sticker_and_chat_action(
    zalo: ZaloBot, people: SandboxClient
) -> None:
    lan = await people.zalo_person("lan", "Lan")
    await zalo.send_photo("lan", "https://example.org/bang-diem.png", "Bảng điểm khối 2")
    await zalo.send_sticker("lan", "sb-clap")
    await zalo.send_chat_action("lan", "typing")
    with pytest.raises(ZaloApiError, match="caption"):
        await zalo.send_photo("lan", "https://example.org/x.png", "c" * 2001)
    with pytest.raises(ZaloApiError, match="photo"):
        await zalo.send_photo("lan", "not a url")
    with pytest.raises(ZaloApiError, match="action"):
        await zalo.send_chat_action("lan", "dancing")
    photo, sticker = await lan.bot_messages()
    assert (photo.kind, photo.photo_url, photo.caption) == (
        "photo",
        "https://example.org/bang-diem.png",
        "Bảng điểm khối 2",
    )
    assert (sticker.kind, sticker.sticker) == ("sticker", "sb-clap")
    # What the person reads as it arrives: the same messages, in order.
    assert (await lan.next_message()).photo_url == "https://example.org/bang-diem.png"
    assert (await lan.next_message()).sticker == "sb-clap"


async def test_a_picture_a_person_sends_reaches_the_bot_as_a_url(
    zalo: ZaloBot, people: SandboxClient
) -> None:
    lan = await people.zalo_person("lan", "Lan")
    picture = png()
    await lan.send_image(picture, caption="Minh chứng 1.2")
    event = await zalo.get_updates(timeout=1)
    assert event is not None and event.kind is EventKind.IMAGE and event.caption == "Minh chứng 1.2"
    assert event.photo_url is not None and event.photo_url.startswith(people.base_url + "/zalo/files/")
    assert await people.fetch(event.photo_url) == picture
    with pytest.raises(SandboxRequestError) as refused:
        await lan.send_image(b"%PDF-1.7 not a picture")
    assert refused.value.status == 400


async def test_a_sticker_a_person_sends(zalo: ZaloBot, people: SandboxClient) -> None:
    lan = await people.zalo_person("lan", "Lan")
    stickers = await people.zalo_stickers()
    await lan.send_sticker(stickers[0]["id"])
    event = await zalo.get_updates(timeout=1)
    assert event is not None and event.kind is EventKind.STICKER and event.sticker == stickers[0]["id"]
    assert event.sticker_url and (await people.fetch(event.sticker_url)).startswith(b"<svg")


async def test_zalo_has_no_buttons(people: SandboxClient) -> None:
    await people.zalo_person("lan", "Lan")
    with pytest.raises(SandboxRequestError, match="no buttons"):
        await people._post("/sandbox/api/press", {"channel": "zalo", "from_id": "lan", "message_id": "x"})


async def test_wrong_token_and_unknown_method(server: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        telegram_token = ZaloBot(server.sandbox.token, server.zalo_api_url, http)
        with pytest.raises(ZaloApiError) as refused:
            await telegram_token.get_me()
        assert refused.value.error_code == 401
        assert server.sandbox.token not in str(refused.value)  # the token never shows in our errors
        right = ZaloBot(server.sandbox.zalo.token, server.zalo_api_url, http)
        with pytest.raises(ZaloApiError) as missing:
            await right.call("editMessageText", {"chat_id": "x"})  # Zalo edits nothing
        assert missing.value.error_code == 404


async def test_unreachable_zalo_is_an_error_without_the_token() -> None:
    async with ZaloBot("123:very-secret-token", "http://127.0.0.1:9") as zalo:
        with pytest.raises(ZaloApiError) as refused:
            await zalo.get_me()
    assert refused.value.error_code == 0 and "very-secret-token" not in str(refused.value)
    assert "very-secret-token" not in repr(zalo)


@pytest.mark.parametrize(
    ("url", "secret", "says"),
    [
        ("http://127.0.0.1:1/hook", "short", "secret_token"),  # 5 < 8
        ("http://127.0.0.1:1/hook", "s" * 257, "secret_token"),
        ("http://127.0.0.1:1/hook", "", "secret_token"),
        ("http://127.0.0.1:1/hook", "bí-mật-khối-2", "ASCII"),  # a header carries it
        ("http://bot.example.org/hook", "long-enough", "HTTPS"),
        ("", "long-enough", "url"),
    ],
)
async def test_set_webhook_refuses_bad_secrets_and_urls(
    zalo: ZaloBot, url: str, secret: str, says: str
) -> None:
    with pytest.raises(ZaloApiError, match=says) as refused:
        await zalo.set_webhook(url, secret)
    assert refused.value.error_code == 400
    assert (await zalo.get_webhook_info()).url == ""


class Webhook:
    """The bot's side of a webhook, as small as it gets: checks the secret, keeps what came."""

    def __init__(self, secret: str, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), self.secret):
            self.refused += 1
            return web.Response(status=403)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.received.append(json.loads(await request.read()))
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/zalo", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/zalo"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int) -> None:
        for _ in range(200):
            if len(self.received) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the webhook got {len(self.received)} of {count} events")


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook("bi-mat-khoi-2_8f3a", fail_first=2)
    await hook.start()
    yield hook
    await hook.stop()


async def test_webhook_gets_events_with_the_secret_header_and_retries(
    zalo: ZaloBot, people: SandboxClient, webhook: Webhook, server: SandboxServer
) -> None:
    lan = await people.zalo_person("lan", "Lan")
    info = await zalo.set_webhook(webhook.url, webhook.secret)
    assert info.url == webhook.url and info.updated_at is not None
    assert (await zalo.get_webhook_info()).url == webhook.url
    with pytest.raises(ZaloApiError) as conflict:
        await zalo.get_updates(timeout=1)
    assert conflict.value.error_code == 409
    await lan.send("một")
    await lan.send_image(png(), caption="ảnh")
    await webhook.wait_for(2)  # the first delivery failed twice with 500 and was tried again
    assert server.sandbox.zalo.webhook is not None
    assert "500" in (server.sandbox.zalo.webhook.last_error_message or "")
    first, second = (parse_event(body) for body in webhook.received)
    assert all(body["ok"] is True and "result" in body for body in webhook.received)  # Zalo wraps it
    assert (first.kind, first.text, second.kind, second.caption) == (
        EventKind.TEXT,
        "một",
        EventKind.IMAGE,
        "ảnh",
    )
    assert webhook.refused == 0

    # Without the secret, or with another, the webhook answers 403.
    async with httpx.AsyncClient() as http:
        body = json.dumps(webhook.received[0])
        for headers in ({}, {SECRET_HEADER: "bi-mat-khoi-3_8f3a"}):
            response = await http.post(webhook.url, content=body.encode(), headers=headers)
            assert response.status_code == 403
    assert webhook.refused == 2 and len(webhook.received) == 2

    gone = await zalo.delete_webhook()
    assert gone.url == ""
    await lan.send("ba")
    event = await zalo.get_updates(timeout=1)  # polling works again
    assert event is not None and event.text == "ba"


async def test_a_long_poll_ends_when_a_webhook_is_set(zalo: ZaloBot, webhook: Webhook) -> None:
    poll = asyncio.create_task(zalo.get_updates(timeout=20))
    await asyncio.sleep(0.2)
    await zalo.set_webhook(webhook.url, webhook.secret)
    with pytest.raises(ZaloApiError) as conflict:
        await asyncio.wait_for(poll, 10)
    assert conflict.value.error_code == 409


async def test_the_client_runs_against_the_sandbox_in_process() -> None:
    """No port: for fast tests of what the bot does on Zalo, as SandboxRequest is for Telegram."""
    box = Sandbox()
    box.zalo.add_user("lan", "Lan")
    async with httpx.AsyncClient(transport=InProcessTransport(box)) as http:
        zalo = ZaloBot(box.zalo.token, "http://sandbox/zalo", http)
        assert (await zalo.get_me()).account_type == "BASIC"
        await box.zalo.user_sends_image("lan", Upload("a.png", png()), caption="ảnh")
        event = await zalo.get_updates(timeout=0)
        assert event is not None and event.photo_url is not None
        assert (await http.get(event.photo_url)).content == png()
        with pytest.raises(ZaloApiError) as refused:
            await zalo.send_message("lan", "x" * 2001)
        assert refused.value.error_code == 400
        await zalo.send_message("lan", "Đã nhận")
        assert [m["text"] for m in box.zalo.transcript("lan") if "text" in m] == ["Đã nhận"]
        wrong = ZaloBot("1:wrong", "http://sandbox/zalo", http)
        with pytest.raises(ZaloApiError) as unauthorized:
            await wrong.get_me()
        assert unauthorized.value.error_code == 401


def test_the_zalo_client_does_not_import_telegram() -> None:
    """Only the Telegram adapter imports `telegram`; the Zalo client and events stand alone."""
    code = (
        "import sys, bot.channels.zalo.client, bot.channels.zalo.events;"
        "bad = sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.'));"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr or done.stdout


async def test_a_test_body_can_run_on_either_channel(zalo: ZaloBot, people: SandboxClient) -> None:
    """person_on gives a Telegram or a Zalo person with the same send / expect / press / upload."""
    person = await people.person_on("zalo", 910001, "Lan", last_name="Nguyễn Thị")
    assert person.channel == "zalo" and person.user_id == "z910001"
    await zalo.send_message(person.user_id, "Ký giao ước?\n1. Đồng ý\n2. Để sau\nTrả lời 1 hoặc 2.")
    asked = await person.expect("Ký giao ước?")
    assert asked.options == ["Đồng ý", "Để sau"] and asked.button_texts == asked.options
    await person.press(asked, "Để sau")
    await person.upload("a.png", png(), photo=True, caption="ảnh")
    with pytest.raises(SandboxRequestError, match="document"):
        await person.upload("a.xlsx", b"PK", photo=False)
    with pytest.raises(SandboxRequestError, match="no option"):
        await person.press(asked, "Không có")
    first = await zalo.get_updates(timeout=1)
    second = await zalo.get_updates(timeout=1)
    assert first is not None and first.text == "2" and first.sender_name == "Nguyễn Thị Lan"
    assert second is not None and second.kind is EventKind.IMAGE
    telegram = await people.person_on("telegram", 910001, "Lan")
    assert telegram.channel == "telegram" and telegram.user_id == 910001
