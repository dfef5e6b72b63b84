"""The sandbox answers as Telegram does: limits, errors, flood control, update offsets.

Driven through a real python-telegram-bot `Bot` over the in-process request, so the errors
are the exceptions the bot itself would see in production.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, WebhookInfo
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter

from bot.sandbox.core import ApiError, Limits, Sandbox
from bot.sandbox.request import SandboxRequest


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> FakeTime:
    return FakeTime()


@pytest.fixture
def box(ticks: FakeTime) -> Sandbox:
    sandbox = Sandbox(clock=ticks, limits=Limits(private_burst=3))
    sandbox.add_user(42, "Lan")
    return sandbox


@pytest.fixture
async def tg(box: Sandbox) -> AsyncIterator[Bot]:
    request = SandboxRequest(box)
    async with Bot(box.token, request=request, get_updates_request=request) as bot:
        yield bot


async def test_text_limit_is_4096_characters_after_parsing(tg: Bot, box: Sandbox, ticks: FakeTime) -> None:
    box.limits.enabled = False
    sent = await tg.send_message(42, "ệ" * 4096)
    assert len(sent.text) == 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg.send_message(42, "ệ" * 4097)
    # Tags do not count, their text does.
    await tg.send_message(42, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    # An emoji is two UTF-16 units, as Telegram counts.
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg.send_message(42, "🏆" * 2049)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await tg.send_message(42, "   ")


async def test_callback_data_limit_is_64_bytes(tg: Bot, box: Sandbox) -> None:
    box.limits.enabled = False
    fits = "đ" * 32  # 64 bytes in UTF-8
    await tg.send_message(
        42, "ok", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=fits)]])
    )
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await tg.send_message(
            42,
            "no",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=fits + "x")]]),
        )


async def test_malformed_html_is_refused_like_telegram(tg: Bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await tg.send_message(42, "<b>chưa đóng", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await tg.send_message(42, "<div>x</div>", parse_mode=ParseMode.HTML)


async def test_one_message_per_second_per_private_chat_after_a_short_burst(tg: Bot, ticks: FakeTime) -> None:
    for _ in range(3):
        await tg.send_message(42, "x")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(42, "x")
    assert caught.value.retry_after == 1 or caught.value.retry_after.total_seconds() == 1  # type: ignore[union-attr]
    ticks.now += 1.0
    await tg.send_message(42, "x")


async def test_thirty_messages_per_second_overall(tg: Bot, box: Sandbox, ticks: FakeTime) -> None:
    for user_id in range(100, 131):
        box.add_user(user_id, f"U{user_id}")
    for user_id in range(100, 130):
        await tg.send_message(user_id, "x")
    with pytest.raises(RetryAfter):
        await tg.send_message(130, "x")
    ticks.now += 1.0
    await tg.send_message(130, "x")
    assert box.stats["rate_limited"] == 1


async def test_twenty_messages_per_minute_per_group(tg: Bot, box: Sandbox, ticks: FakeTime) -> None:
    box.add_group(-100, "Khối thi đua số 2", [42])
    for _ in range(20):
        await tg.send_message(-100, "x")
        ticks.now += 0.1
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(-100, "x")
    wait = caught.value.retry_after
    assert 1 <= (wait if isinstance(wait, int) else wait.total_seconds()) <= 3


async def test_blocked_and_never_started_users_are_forbidden(tg: Bot, box: Sandbox) -> None:
    box.add_user(43, "Hà", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await tg.send_message(43, "x")
    box.block(42)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await tg.send_message(42, "x")


async def test_get_updates_confirms_by_offset(tg: Bot, box: Sandbox) -> None:
    await box.user_sends(42, "/start")
    await box.user_sends(42, "xin chào")
    first = await tg.get_updates(timeout=0)
    assert [u.message.text for u in first if u.message] == ["/start", "xin chào"]
    assert first[0].message and first[0].message.entities[0].type == "bot_command"
    again = await tg.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert again == ()
    assert box.updates == []


async def test_editing_without_change_is_refused(tg: Bot, box: Sandbox) -> None:
    sent = await tg.send_message(42, "Chọn ngôn ngữ")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg.edit_message_text("Chọn ngôn ngữ", chat_id=42, message_id=sent.message_id)
    edited = await tg.edit_message_text("Đã chọn", chat_id=42, message_id=sent.message_id)
    assert edited.text == "Đã chọn" and edited.edit_date is not None


async def test_pressing_a_button_that_is_not_there_is_refused_unless_forged(box: Sandbox) -> None:
    message = box.transcript(42)
    assert message == []
    await box.call(
        "sendMessage",
        {
            "chat_id": 42,
            "text": "x",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
        },
    )
    with pytest.raises(ApiError, match="no such button"):
        await box.user_presses(42, 1, data="b")
    forged = await box.user_presses(42, 1, data="b", forge=True)
    assert box.updates[-1]["callback_query"]["data"] == "b" and forged["callback_query_id"]


async def test_documents_round_trip(tg: Bot, box: Sandbox) -> None:
    box.limits.enabled = False
    sent = await tg.send_document(
        42, document=b"TT,Ho va ten\n1,An\n", filename="danh-sach.csv", caption="Danh sách"
    )
    assert sent.document is not None and sent.document.file_name == "danh-sach.csv"
    file = await tg.get_file(sent.document.file_id)
    assert (
        file.file_path and box.file_by_path(file.file_path.rsplit("/file/bot0:sandbox/", 1)[-1]) is not None
    )


# ------------------------------------------------------------------ webhooks
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        if loop.time() > deadline:
            raise AssertionError("the sandbox never reached the expected state")
        await asyncio.sleep(0.01)


async def webhook_info_when(
    tg: Bot, condition: Callable[[WebhookInfo], bool], seconds: float = 10.0
) -> WebhookInfo:
    """getWebhookInfo, asked again until `condition` holds: delivery runs in the sandbox's own task."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        info = await tg.get_webhook_info()
        if condition(info):
            return info
        if loop.time() > deadline:
            raise AssertionError(f"webhook info never reached the expected state: {info}")
        await asyncio.sleep(0.02)


@dataclass
class Posted:
    text: str
    secret: str | None
    content_type: str
    status: int


class Receiver:
    """The other end of the webhook, standing in for the bot's server: records every POST and
    answers 500 to the first `failures` of them."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.posted: list[Posted] = []
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        status = 500 if self.failures > 0 else 200
        self.failures -= 1
        self.posted.append(
            Posted(
                text=update["message"]["text"],
                secret=request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                content_type=request.headers.get("Content-Type", ""),
                status=status,
            )
        )
        return web.Response(status=status)

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/telegram", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_get_updates_is_refused_while_a_webhook_is_set(tg: Bot, box: Sandbox) -> None:
    url = f"http://127.0.0.1:{free_port()}/telegram"
    try:
        long_poll = asyncio.create_task(tg.get_updates(timeout=5))
        await until(lambda: box.stats["polls"] == 1)  # the long poll is waiting in the sandbox
        assert await tg.set_webhook(url, secret_token="bi-mat_123")
        # The waiting long poll is ended at once, not left to run out its 5 seconds.
        with pytest.raises(Conflict, match=r"(?i)terminated by setWebhook request"):
            await asyncio.wait_for(long_poll, 2)
        with pytest.raises(
            Conflict,
            match=r"(?i)can't use getUpdates method while webhook is active; use deleteWebhook to delete",
        ):
            await tg.get_updates()

        info = await tg.get_webhook_info()
        assert info.url == url
        assert info.pending_update_count == 0
        assert info.last_error_date is None and info.last_error_message is None

        # Telegram's own checks on setWebhook; a refused call leaves the webhook as it was.
        with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
            await tg.set_webhook(url, secret_token="bí mật")
        with pytest.raises(BadRequest, match=r"(?i)an https url must be provided"):
            await tg.set_webhook("http://example.org/telegram")
        with pytest.raises(BadRequest, match=r"(?i)only on ports 80, 88, 443 or 8443"):
            await tg.set_webhook("https://example.org:9000/telegram")
        assert (await tg.get_webhook_info()).url == url

        assert await tg.delete_webhook()
        assert (await tg.get_webhook_info()).url == ""
        await box.user_sends(42, "/start")
        assert [u.message.text for u in await tg.get_updates(timeout=0) if u.message] == ["/start"]

        # drop_pending_updates forgets what is waiting instead of posting it.
        assert await tg.set_webhook(url, drop_pending_updates=True)
        assert (await tg.get_webhook_info()).pending_update_count == 0
    finally:
        await box.close()


async def test_a_failed_delivery_is_retried_in_order_and_reported(tg: Bot, box: Sandbox) -> None:
    box.webhook_retry, box.webhook_retry_max = 0.05, 0.2  # keep the test fast; the order is the point
    port = free_port()
    receiver = Receiver(failures=1)
    try:
        # As PTB's start_webhook does: the webhook is set before its server listens.
        assert await tg.set_webhook(f"http://127.0.0.1:{port}/telegram", secret_token="bi-mat_123")
        await box.user_sends(42, "một")
        info = await webhook_info_when(tg, lambda i: i.last_error_message is not None)
        assert info.last_error_message == "Connection refused"
        assert info.last_error_date is not None
        assert info.pending_update_count == 1

        await box.user_sends(42, "hai")  # must wait behind the undelivered "một"
        assert (await tg.get_webhook_info()).pending_update_count == 2
        with pytest.raises(Conflict):  # no falling back to getUpdates while the webhook fails
            await tg.get_updates()

        await receiver.start(port)
        info = await webhook_info_when(tg, lambda i: i.pending_update_count == 0)
        assert [(p.text, p.status) for p in receiver.posted] == [("một", 500), ("một", 200), ("hai", 200)]
        assert {p.secret for p in receiver.posted} == {"bi-mat_123"}
        assert {p.content_type for p in receiver.posted} == {"application/json"}
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert box.updates == []
    finally:
        await box.close()
        await receiver.stop()


# ------------------------------------------------------------------ reading a chat's events
async def test_a_chat_reader_gets_only_its_chats_events_after_its_cursor(tg: Bot, box: Sandbox) -> None:
    box.limits.enabled = False
    box.add_user(43, "Minh")
    await tg.send_message(42, "một")
    cursor = box.last_seq()
    await tg.send_message(43, "cho Minh")
    await tg.send_message(42, "hai")
    await tg.send_message(42, "ba")
    texts = [e["message"]["text"] for e in await box.wait_events(42, cursor, 0)]
    assert texts == ["hai", "ba"]
    assert [e["message"]["text"] for e in await box.wait_events(43, 0, 0)] == ["cho Minh"]
    assert len(await box.wait_events(None, cursor, 0)) == 3  # every chat's, for the web chat

    # A waiting reader wakes for its own chat's message, not for another chat's.
    waiting = asyncio.create_task(box.wait_events(43, box.last_seq(), 5))
    await tg.send_message(42, "bốn")
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await tg.send_message(43, "năm")
    assert [e["message"]["text"] for e in await asyncio.wait_for(waiting, 5)] == ["năm"]


async def test_the_client_reads_every_message_of_one_fetch_in_order_and_keeps_file_names() -> None:
    from bot.sandbox.client import SandboxClient
    from bot.sandbox.server import SandboxServer

    server = SandboxServer(Sandbox(limits=Limits(enabled=False)), "127.0.0.1", 0)
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            lan = await client.person(42, "Lan")
            request = SandboxRequest(server.sandbox)
            async with Bot(server.sandbox.token, request=request) as bot:
                for text in ("một", "hai", "ba"):  # all three in the log before the reader asks
                    await bot.send_message(42, text)
            assert [(await lan.next_message()).text for _ in range(3)] == ["một", "hai", "ba"]

            await lan.upload("Báo cáo tổng kết.pdf", b"%PDF-1.4 x", mime="application/pdf")
            [update] = server.sandbox.updates
            assert update["message"]["document"]["file_name"] == "Báo cáo tổng kết.pdf"
    finally:
        await server.stop()
