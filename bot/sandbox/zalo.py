"""The offline stand-in for the Zalo Bot Platform API (the subset the bot uses), beside the Telegram one.

`ZaloSandbox.call()` answers a Zalo Bot API method the way bot-api.zaloplatforms.com does: JSON in,
`{ok, result}` or `{ok: false, error_code, description}` out, string ids, dates in milliseconds, text
of 1–2000 characters, photos by URL, no buttons and no edits. The `user_*` methods are the control
side: simulated Zalo people sending text, pictures and stickers.

Events reach the bot as at Zalo: getUpdates returns ONE event per call (there is no offset: an event
returned is gone) and answers 408 "Request timeout" when none came within the timeout; once
setWebhook is called, events are POSTed instead, wrapped as `{ok: true, result: event}` with the
secret in the `X-Bot-Api-Secret-Token` header, one at a time, oldest first, retried until the
webhook answers 2xx, while getUpdates answers 409.

It shares the Telegram sandbox's event log and wake-up condition, so the control API and the web
chat follow a Zalo chat the way they follow a Telegram one (events carry `channel: "zalo"`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from bot.sandbox.core import LOOPBACK_HOSTS, MAX_UPLOAD, ApiError, StoredFile, Upload, _image_size
from bot.sandbox.tokens import ZALO_TOKEN

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

CHANNEL = "zalo"
MAX_TEXT = 2000  # sendMessage text and sendPhoto caption: 1 to 2000 characters
SECRET_LENGTH = (8, 256)  # setWebhook secret_token
CHAT_ACTIONS = {"typing", "upload_photo"}
DEFAULT_POLL_TIMEOUT = 30.0  # getUpdates' documented default, in seconds
SECRET_HEADER = "X-Bot-Api-Secret-Token"
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
# A small sticker set of the sandbox's own, so people (and the web chat) have stickers to send;
# the bot may send any sticker id, which the web chat shows as a generic sticker.
STICKERS = {
    "sb-thumbs-up": "👍",
    "sb-smile": "😊",
    "sb-heart": "❤️",
    "sb-clap": "👏",
    "sb-flower": "🌸",
    "sb-thinking": "🤔",
}
GENERIC_STICKER = "🙂"


def zalo_error(code: int, description: str) -> ApiError:
    return ApiError(code, description)


def bad_request(text: str) -> ApiError:
    return ApiError(400, text)


def new_id() -> str:
    """An id as Zalo writes them: 20 hex characters (user, chat and message ids are strings)."""
    return secrets.token_hex(10)


@dataclass
class ZaloWebhook:
    url: str
    secret_token: str
    updated_at: int
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class ZaloChat:
    id: str
    messages: list[dict[str, Any]] = field(default_factory=list)


class ZaloSandbox:
    """Zalo's side of the sandbox; `Sandbox.zalo` is one."""

    def __init__(
        self,
        box: Sandbox,
        *,
        token: str = ZALO_TOKEN,
        bot_id: str = "2000000001",
        account_name: str = "bot.thidua",
        bot_name: str = "Thi đua Bot",
    ) -> None:
        self.box = box
        self.token = token
        self.bot = {
            "id": bot_id,
            "account_name": account_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        self.bot_from = {"id": bot_id, "display_name": bot_name, "is_bot": True}
        # Absolute URLs for pictures and stickers need the server's address; the HTTP server sets it.
        self.public_url = ""
        self.users: dict[str, dict[str, Any]] = {}
        self.started: set[str] = set()  # people who have messaged the bot: it may write to them
        self.chats: dict[str, ZaloChat] = {}
        self.pending: list[dict[str, Any]] = []  # events not yet taken by getUpdates or the webhook
        self.webhook: ZaloWebhook | None = None
        self.stats = {"calls": 0, "polls": 0, "sent": 0, "errors": 0, "webhook_deliveries": 0}
        self._delivery: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ plumbing
    def _now_ms(self) -> int:
        return int(self.box.wall_clock() * 1000)

    def file_url(self, file_id: str) -> str:
        return f"{self.public_url}/zalo/files/{file_id}"

    def sticker_url(self, sticker: str) -> str:
        return f"{self.public_url}/zalo/stickers/{sticker}"

    def _chat(self, chat_id: str) -> ZaloChat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ZaloChat(id=chat_id)
        return chat

    @staticmethod
    def _string(params: dict[str, Any], name: str, *, required: bool = True) -> str | None:
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is required")
            return None
        if not isinstance(value, str):
            raise bad_request(f"{name} must be a string")
        return value

    def _text(self, params: dict[str, Any], name: str, *, required: bool) -> str | None:
        text = self._string(params, name, required=required)
        if text is not None and not 1 <= len(text) <= MAX_TEXT:
            raise bad_request(f"{name} must be between 1 and {MAX_TEXT} characters")
        return text

    def _recipient(self, params: dict[str, Any]) -> ZaloChat:
        chat_id = self._string(params, "chat_id")
        assert chat_id is not None
        if chat_id not in self.users:
            raise bad_request("chat_id is invalid: chat not found")
        if chat_id not in self.started:
            raise zalo_error(403, "Forbidden: the user has not started a conversation with the bot")
        return self._chat(chat_id)

    def _bot_message(self, chat: ZaloChat, body: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": new_id(),
            "date": self._now_ms(),
            "from": self.bot_from,
            "chat": {"id": chat.id, "chat_type": "PRIVATE"},
            **body,
        }
        chat.messages.append(message)
        self.stats["sent"] += 1
        self.box._event(chat.id, "message", channel=CHANNEL, message=message)
        return {"message_id": message["message_id"], "date": message["date"]}

    # ------------------------------------------------------------------ the Bot API
    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """Run one Zalo Bot API method; returns the result (None: `{ok: true}` alone) or raises ApiError."""
        self.stats["calls"] += 1
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            self.stats["errors"] += 1
            raise zalo_error(404, "Not Found")
        try:
            result = await handler(params)
        except ApiError:
            self.stats["errors"] += 1
            raise
        if method != "getUpdates":
            await self.box._notify()
        return result

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot)

    async def api_getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:
            raise zalo_error(409, "Conflict: getUpdates is not available while a webhook is set")
        self.stats["polls"] += 1
        try:
            timeout = float(
                params.get("timeout") if params.get("timeout") not in (None, "") else DEFAULT_POLL_TIMEOUT
            )
        except (TypeError, ValueError):
            raise bad_request("timeout must be a number of seconds") from None
        timeout = max(timeout, 0.0)
        box = self.box
        if not self.pending and timeout > 0:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            async with box.changed:
                while not self.pending and not box.closing and self.webhook is None:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        await asyncio.wait_for(box.changed.wait(), remaining)
                    except TimeoutError:
                        break
            if self.webhook is not None:
                raise zalo_error(409, "Conflict: terminated by setWebhook")
        if not self.pending:
            raise zalo_error(408, "Request timeout")
        # No offset at Zalo: the event returned is the event confirmed.
        return self.pending.pop(0)

    def _check_webhook_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError:
            raise bad_request("url is invalid") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("url must be an HTTPS URL")
        # Offline, nothing but this machine is reachable, so plain HTTP is allowed for it only.
        if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
            raise bad_request("url must be an HTTPS URL")

    async def api_setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self._string(params, "url")
        assert url is not None
        self._check_webhook_url(url)
        secret = self._string(params, "secret_token")
        assert secret is not None
        low, high = SECRET_LENGTH
        if not low <= len(secret) <= high:
            raise bad_request(f"secret_token must be between {low} and {high} characters")
        # It travels in an HTTP header, so only visible ASCII can be echoed back unchanged.
        if not all("!" <= char <= "~" for char in secret):
            raise bad_request("secret_token may hold visible ASCII characters only")
        self.webhook = ZaloWebhook(url=url, secret_token=secret, updated_at=self._now_ms())
        await self._stop_delivery()
        self._delivery = asyncio.get_running_loop().create_task(
            self._deliver(self.webhook), name="sandbox-zalo-webhook-delivery"
        )
        return {"url": url, "updated_at": self.webhook.updated_at}

    async def api_deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        await self._stop_delivery()
        return {"url": "", "updated_at": self._now_ms()}

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self.webhook
        if hook is None:
            return {"url": "", "updated_at": 0}
        return {"url": hook.url, "updated_at": hook.updated_at}

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._recipient(params)
        text = self._text(params, "text", required=True)
        return self._bot_message(chat, {"text": text})

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._recipient(params)
        photo = self._string(params, "photo")
        assert photo is not None
        parts = urlsplit(photo)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request("photo must be the URL of a picture")
        caption = self._text(params, "caption", required=False)
        body: dict[str, Any] = {"photo_url": photo}
        if caption is not None:
            body["caption"] = caption
        return self._bot_message(chat, body)

    async def api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._recipient(params)
        sticker = self._string(params, "sticker")
        assert sticker is not None
        return self._bot_message(chat, {"sticker": sticker, "url": self.sticker_url(sticker)})

    async def api_sendChatAction(self, params: dict[str, Any]) -> None:
        self._recipient(params)
        action = self._string(params, "action")
        if action not in CHAT_ACTIONS:
            raise bad_request(f"action must be one of {', '.join(sorted(CHAT_ACTIONS))}")
        return None

    # ------------------------------------------------------------------ webhook delivery
    async def _stop_delivery(self) -> None:
        task, self._delivery = self._delivery, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    async def close(self) -> None:
        await self._stop_delivery()

    async def _deliver(self, hook: ZaloWebhook) -> None:
        """POST pending events one at a time, oldest first, each until the webhook answers 2xx.

        As on the Telegram side: a failure is recorded on the webhook and retried after a pause that
        doubles up to the sandbox's maximum, so nothing is lost and nothing overtakes it.
        """
        box = self.box
        failures = 0
        async with httpx.AsyncClient(timeout=box.webhook_timeout, follow_redirects=False) as http:
            while True:
                async with box.changed:
                    while not self.pending and not box.closing:
                        await box.changed.wait()
                if box.closing:
                    return
                event = self.pending[0]
                error = await self._post_event(http, hook, event)
                if error is None:
                    failures = 0
                    self.stats["webhook_deliveries"] += 1
                    if self.pending and self.pending[0] is event:
                        self.pending.pop(0)
                    continue
                failures += 1
                hook.last_error_date = self._now_ms()
                hook.last_error_message = error
                await asyncio.sleep(min(box.webhook_retry * 2 ** (failures - 1), box.webhook_retry_max))

    @staticmethod
    async def _post_event(http: httpx.AsyncClient, hook: ZaloWebhook, event: dict[str, Any]) -> str | None:
        headers = {"Content-Type": "application/json", SECRET_HEADER: hook.secret_token}
        body = json.dumps({"ok": True, "result": event}, ensure_ascii=False).encode("utf-8")
        try:
            response = await http.post(hook.url, content=body, headers=headers)
        except httpx.ConnectError:
            return "Connection refused"
        except httpx.TimeoutException:
            return "Read timeout expired"
        except httpx.HTTPError as exc:
            return f"Connection failed: {type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"

    # ------------------------------------------------------------------ the control side
    def add_user(self, user_id: str | None, display_name: str, *, started: bool = True) -> dict[str, Any]:
        """A simulated Zalo person (a private chat's id is the person's id, as at Zalo)."""
        if user_id is not None and (not isinstance(user_id, str) or not user_id.strip()):
            raise ValueError("a Zalo user id is a non-empty string")
        if not display_name.strip():
            raise ValueError("a Zalo user needs a display name")
        uid = user_id or new_id()
        user = {"id": uid, "display_name": display_name, "is_bot": False}
        self.users[uid] = user
        self._chat(uid)
        if started:
            self.started.add(uid)
        return user

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(str(user_id))
        if user is None:
            raise bad_request(f"unknown simulated Zalo user {user_id}")
        return user

    async def _user_event(self, user_id: str, event_name: str, body: dict[str, Any]) -> dict[str, Any]:
        user = self._user(user_id)
        chat = self._chat(user["id"])
        message = {
            "from": user,
            "chat": {"id": chat.id, "chat_type": "PRIVATE"},
            "message_id": new_id(),
            "date": self._now_ms(),
            **body,
        }
        chat.messages.append(message)
        self.started.add(user["id"])
        event = {"event_name": event_name, "message": message}
        self.pending.append(event)
        self.box._event(chat.id, "message", channel=CHANNEL, message=message)
        await self.box._notify()
        return event

    async def user_sends(self, user_id: str, text: str) -> dict[str, Any]:
        """A person types a message (Zalo limits what a person sends to 2000 characters too)."""
        if not text or not text.strip():
            raise bad_request("text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request(f"text must be between 1 and {MAX_TEXT} characters")
        return await self._user_event(user_id, TEXT_EVENT, {"text": text})

    async def user_sends_image(
        self, user_id: str, upload: Upload, caption: str | None = None
    ) -> dict[str, Any]:
        """A person sends a picture: the bot gets a URL to it, served by the sandbox itself."""
        self._user(user_id)
        if len(upload.content) > MAX_UPLOAD:
            raise zalo_error(413, "Request Entity Too Large")
        if _image_size(upload.content) is None:
            raise bad_request("only JPEG or PNG pictures can be sent on Zalo")
        if caption is not None and len(caption) > MAX_TEXT:
            raise bad_request(f"caption must be between 1 and {MAX_TEXT} characters")
        mime = "image/png" if upload.content.startswith(b"\x89PNG") else "image/jpeg"
        stored = self.box._store_file(Upload(upload.filename, upload.content, mime), "zalo")
        body: dict[str, Any] = {"photo_url": self.file_url(stored.file_id), "message_type": "CHAT_PHOTO"}
        if caption:
            body["caption"] = caption
        return await self._user_event(user_id, IMAGE_EVENT, body)

    async def user_sends_sticker(self, user_id: str, sticker: str) -> dict[str, Any]:
        if not sticker:
            raise bad_request("sticker is required")
        body = {"sticker": sticker, "url": self.sticker_url(sticker), "message_type": "CHAT_STICKER"}
        return await self._user_event(user_id, STICKER_EVENT, body)

    def transcript(self, chat_id: str) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        return [] if chat is None else list(chat.messages)

    def file(self, file_id: str) -> StoredFile | None:
        stored = self.box.files.get(file_id)
        return stored if stored is not None and stored.path.startswith("zalo/") else None


class InProcessTransport(httpx.AsyncBaseTransport):
    """The sandbox's Zalo API without a port, for fast tests: give it to the httpx client of `ZaloBot`.

        http = httpx.AsyncClient(transport=InProcessTransport(sandbox))
        zalo = ZaloBot(sandbox.zalo.token, "http://sandbox/zalo", http)

    It answers `<anything>/zalo/bot<token>/<method>` as the HTTP server does, and GET
    `/zalo/files/<id>` (the pictures people send), so the bot can download them too.
    """

    def __init__(self, box: Sandbox) -> None:
        self.box = box

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(status, json=body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        zalo = self.box.zalo
        if not zalo.public_url:
            zalo.public_url = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        path = request.url.path
        if request.method == "GET" and path.startswith("/zalo/files/"):
            stored = zalo.file(path.rsplit("/", 1)[-1])
            if stored is None:
                return httpx.Response(404)
            return httpx.Response(200, content=stored.content, headers={"Content-Type": stored.mime_type})
        head, _, method = path.rpartition("/")
        token = head.rsplit("/bot", 1)[-1] if "/bot" in head else None
        if token != zalo.token:
            return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        raw = await request.aread()
        try:
            params = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            params = None
        if not isinstance(params, dict):
            return self._json(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: the body must be a JSON object",
                },
            )
        try:
            result = await zalo.call(method, params)
        except ApiError as error:
            return self._json(
                error.code, {"ok": False, "error_code": error.code, "description": error.description}
            )
        return self._json(200, {"ok": True} if result is None else {"ok": True, "result": result})
