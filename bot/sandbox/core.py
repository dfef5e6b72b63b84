"""The offline stand-in for the Telegram Bot API: state and methods, no transport.

`Sandbox.call()` answers a Bot API method the way Telegram does (same results, same error
codes and descriptions, same limits). The HTTP server (`server.py`) and the in-process
request (`request.py`) are two thin transports over it. The `user_*` methods are the control
side: simulated people sending text, files and button presses.

Updates reach the bot as at Telegram: by getUpdates, or, once setWebhook is called, POSTed as
JSON to the webhook by the sandbox's own delivery task (one at a time, oldest first, retried
until the webhook answers 2xx), while getUpdates answers 409 Conflict.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import math
import random
import re
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.sandbox.html import EntityParseError, parse_html, utf16_len
from bot.sandbox.tokens import TELEGRAM_TOKEN, ZALO_TOKEN

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's bot upload limit
MAX_BOT_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses larger files, as Telegram does
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # setWebhook's secret_token, as documented
WEBHOOK_PORTS = {80, 88, 443, 8443}  # the only ports Telegram posts to
# Offline, nothing but this machine is reachable, so plain HTTP on any port is allowed here only.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


class ApiError(Exception):
    """A Bot API error: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


@dataclass
class Limits:
    """Telegram's flood limits for bots. `private_burst` allows short bursts in one chat, as Telegram does."""

    overall_per_second: float = 30
    private_per_second: float = 1
    private_burst: float = 3
    group_per_minute: float = 20
    enabled: bool = True


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take one token; return 0, or the seconds to wait when there is none."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class Upload:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    filename: str
    content: bytes
    mime_type: str
    path: str


@dataclass
class Chat:
    info: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    members: set[int] = field(default_factory=set)


@dataclass
class CallbackQuery:
    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class Webhook:
    """What setWebhook stored, and the most recent delivery error, as getWebhookInfo reports it."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto"}
# What a flaky network makes fail (`Sandbox.faults`): messages going out and edits, never getUpdates.
FLAKY_METHODS = SEND_METHODS | {"editMessageText", "editMessageReplyMarkup"}


@dataclass
class Faults:
    """Failure injection: each call of a flaky method fails with this probability, as a 502 from
    Telegram's side before anything reaches the chat. Seeded, so a failing run can be replayed."""

    rate: float = 0.0
    seed: int = 0
    injected: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def set(self, rate: float, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("a failure rate is between 0 and 1")
        self.rate, self.seed = rate, seed
        self._random = random.Random(seed)

    def strike(self, method: str) -> bool:
        if self.rate <= 0 or method not in FLAKY_METHODS:
            return False
        if self._random.random() < self.rate:
            self.injected += 1
            return True
        return False


class Sandbox:
    def __init__(
        self,
        *,
        token: str = TELEGRAM_TOKEN,
        bot_id: int = 7000000001,
        bot_username: str = "thidua_sandbox_bot",
        bot_name: str = "Thi đua Bot",
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        webhook_retry: float = 1.0,
        webhook_retry_max: float = 30.0,
        webhook_timeout: float = 10.0,
        zalo_token: str = ZALO_TOKEN,
    ) -> None:
        from bot.sandbox.zalo import ZaloSandbox  # here: zalo.py builds on this module

        self.token = token
        self.bot = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.limits = limits or Limits()
        self.clock = clock
        self.wall_clock = wall_clock
        self.users: dict[int, dict[str, Any]] = {}
        self.started: set[int] = set()  # users who opened a private chat with the bot
        self.blocked: set[int] = set()  # users who blocked the bot
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        # Telegram numbers updates in sequence from a point it picks (at random after a quiet week);
        # here from a random point too, so a bot that remembers the updates it handled (its
        # database outlives a sandbox, as in `make run`) never takes a new update for an old one.
        self._update_ids = itertools.count(secrets.randbelow(1 << 30) + 1)
        self.delivered: dict[int, dict[str, Any]] = {}  # every update ever queued, by id (redeliver)
        self.faults = Faults()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.events: list[dict[str, Any]] = []
        # Each chat's events too, in order: a reader waiting on its chat looks only there, from
        # its cursor on (a test of 500 people otherwise scanned the whole log on every wake).
        self._chat_events: dict[int | str, list[dict[str, Any]]] = {}
        self._event_seq = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        self._buckets: dict[Any, _Bucket] = {}
        self.personas: list[dict[str, Any]] = []
        self.stats = {
            "calls": 0,
            "polls": 0,
            "sent": 0,
            "rate_limited": 0,
            "errors": 0,
            "webhook_deliveries": 0,
        }
        self.acknowledged_update_id = 0
        self.closing = False  # set on shutdown: pending long polls return at once
        self.webhook: Webhook | None = None
        # A failed delivery waits webhook_retry seconds, doubling up to webhook_retry_max: Telegram
        # backs off too, and tests pass a short delay instead of sleeping for real seconds.
        self.webhook_retry = webhook_retry
        self.webhook_retry_max = webhook_retry_max
        self.webhook_timeout = webhook_timeout
        self._delivery: asyncio.Task[None] | None = None
        # Zalo's side: its own token, people and chats, on the same event log and server.
        self.zalo = ZaloSandbox(self, token=zalo_token)

    # ------------------------------------------------------------------ plumbing
    @property
    def changed(self) -> asyncio.Condition:
        # Created lazily so that the sandbox binds to the loop it is used in.
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def _now(self) -> int:
        return int(self.wall_clock())

    def _event(self, chat_id: int, kind: str, **payload: Any) -> None:
        event = {"seq": next(self._event_seq), "chat_id": chat_id, "type": kind, **payload}
        self.events.append(event)
        self._chat_events.setdefault(chat_id, []).append(event)

    def _push_update(self, body: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **body})
        self.delivered[update_id] = self.updates[-1]
        return update_id

    async def redeliver(self, update_ids: list[int]) -> None:
        """Queue updates again with their own ids, as Telegram does when the bot's confirmation
        never reached it (the bot stopped before its next getUpdates). A bot polling with an
        offset past them never sees them; a bot started afresh does."""
        for update_id in sorted(update_ids):
            self.updates.append(dict(self.delivered[update_id]))
        self.updates.sort(key=lambda u: int(u["update_id"]))
        await self._notify()

    def _chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = self.users[user_id]
            info = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if user.get(key):
                    info[key] = user[key]
            chat = self.chats[user_id] = Chat(info=info, members={user_id})
        return chat

    def _rate_check(self, chat_id: int) -> None:
        if not self.limits.enabled:
            return
        now = self.clock()
        checks: list[tuple[Any, float, float]] = [
            ("overall", self.limits.overall_per_second, self.limits.overall_per_second)
        ]
        if chat_id > 0:
            checks.append((chat_id, self.limits.private_per_second, self.limits.private_burst))
        else:
            checks.append((chat_id, self.limits.group_per_minute / 60, self.limits.group_per_minute))
        waits = []
        for key, rate, capacity in checks:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(rate, capacity, capacity, now)
            waits.append((bucket, bucket.take(now)))
        wait = max(w for _, w in waits)
        if wait > 0:
            # Refund what was taken: a refused message costs nothing, as at Telegram.
            for bucket, taken_wait in waits:
                if taken_wait == 0:
                    bucket.tokens += 1
            self.stats["rate_limited"] += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    # ------------------------------------------------------------------ parameters
    @staticmethod
    def _decode(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in "[{":
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    @staticmethod
    def _int(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def _formatted(
        self, params: dict[str, Any], key: str, limit: int, *, allow_empty: bool
    ) -> dict[str, Any]:
        raw = params.get(key)
        if raw is None or str(raw).strip() == "":
            if allow_empty:
                return {}
            raise bad_request("message text is empty")
        raw = str(raw)
        mode = (params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                text, entities = parse_html(raw)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode == "":
            text, entities = raw, []
        else:
            raise bad_request(f"unsupported parse_mode in the sandbox: {mode} (the bot uses HTML)")
        if not text.strip():
            if allow_empty:
                return {}
            raise bad_request("message text is empty")
        if utf16_len(text) > limit:
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        body: dict[str, Any] = {key: text}
        if entities:
            body["entities" if key == "text" else "caption_entities"] = entities
        return body

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                        raise bad_request("text buttons are unallowed in the inline keyboard")
                    if "callback_data" in button:
                        data = str(button["callback_data"]).encode("utf-8")
                        if not 1 <= len(data) <= MAX_CALLBACK_DATA:
                            raise bad_request("BUTTON_DATA_INVALID")
                    elif not any(k in button for k in ("url", "switch_inline_query", "login_url", "web_app")):
                        raise bad_request("BUTTON_TYPE_INVALID")
            return markup
        if "keyboard" in markup or "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _sendable_chat(self, chat_id: int) -> Chat:
        if chat_id > 0:
            if chat_id not in self.users:
                raise bad_request("chat not found")
            if chat_id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat_id not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return self._private_chat(chat_id)
        return self._chat(chat_id)

    def _new_bot_message(
        self, chat: Chat, body: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        message = {
            "message_id": chat.next_message_id,
            "from": self.bot,
            "chat": chat.info,
            "date": self._now(),
            **body,
        }
        chat.next_message_id += 1
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if markup and ("keyboard" in markup or "remove_keyboard" in markup):
            chat.reply_keyboard = markup if "keyboard" in markup else None
        chat.messages[message["message_id"]] = message
        self.stats["sent"] += 1
        self._event(chat.info["id"], "message", message=message, reply_keyboard=chat.reply_keyboard)
        return message

    def _store_file(self, upload: Upload, folder: str) -> StoredFile:
        number = next(self._file_ids)
        file_id = f"F{number:06d}{secrets.token_hex(6)}"
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = StoredFile(
            file_id=file_id,
            unique_id=f"U{number:06d}",
            filename=upload.filename,
            content=upload.content,
            mime_type=upload.mime_type,
            path=f"{folder}/file_{number}.{suffix}",
        )
        self.files[file_id] = stored
        return stored

    def _file_param(
        self, params: dict[str, Any], files: dict[str, Upload], name: str, folder: str
    ) -> StoredFile:
        upload = files.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            if len(upload.content) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            return self._store_file(upload, folder)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request(f"there is no {name} in the request")

    async def close(self) -> None:
        """Release every waiting long poll, so a server can stop without waiting out their timeouts."""
        self.closing = True
        await self._notify()
        await self._stop_delivery()
        await self.zalo.close()

    # ------------------------------------------------------------------ the Bot API
    async def call(self, method: str, params: dict[str, Any], files: dict[str, Upload] | None = None) -> Any:
        """Run one Bot API method; returns the result or raises ApiError."""
        self.stats["calls"] += 1
        params = {key: self._decode(value) for key, value in params.items()}
        files = files or {}
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        try:
            if self.faults.strike(method):
                raise ApiError(502, "Bad Gateway")
            if method in SEND_METHODS:
                chat_id = self._int(params, "chat_id")
                assert chat_id is not None
                self._sendable_chat(chat_id)
                self._rate_check(chat_id)
            result = await handler(params, files)
        except ApiError:
            self.stats["errors"] += 1
            raise
        if method != "getUpdates":
            await self._notify()
        return result

    async def api_getMe(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        return self.bot

    async def api_logOut(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        return True

    async def api_close(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        return True

    @staticmethod
    def _flag(params: dict[str, Any], name: str) -> bool:
        # Booleans arrive as "true"/"false" in form data and as JSON true in a JSON body.
        return str(params.get(name)).lower() == "true"

    def _drop_pending_updates(self) -> None:
        if self.updates:
            self.acknowledged_update_id = max(self.acknowledged_update_id, self.updates[-1]["update_id"])
        self.updates.clear()

    @staticmethod
    def _check_webhook_url(url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise bad_request("bad webhook: Wrong port number specified in the URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.hostname in LOOPBACK_HOSTS:
            return
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (port or 443) not in WEBHOOK_PORTS:
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")

    async def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        if self._flag(params, "drop_pending_updates"):
            self._drop_pending_updates()
        self.webhook = None
        await self._stop_delivery()
        return True

    async def api_setWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        url = str(params.get("url") or "").strip()
        if not url:  # Telegram: "use an empty string to remove webhook integration"
            return await self.api_deleteWebhook(params, files)
        self._check_webhook_url(url)
        secret = params.get("secret_token")
        secret = None if secret in (None, "") else str(secret)
        if secret is not None and not WEBHOOK_SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = self._int(params, "max_connections", required=False) or 40
        allowed = params.get("allowed_updates")
        if self._flag(params, "drop_pending_updates"):
            self._drop_pending_updates()
        self.webhook = Webhook(
            url=url,
            secret_token=secret,
            max_connections=min(max(max_connections, 1), 100),
            allowed_updates=[str(kind) for kind in allowed] if isinstance(allowed, list) else None,
            has_custom_certificate="certificate" in files,
        )
        await self._stop_delivery()
        self._delivery = asyncio.get_running_loop().create_task(
            self._deliver(self.webhook), name="sandbox-webhook-delivery"
        )
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        hook = self.webhook
        if hook is not None:
            info.update(
                url=hook.url,
                has_custom_certificate=hook.has_custom_certificate,
                max_connections=hook.max_connections,
            )
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _stop_delivery(self) -> None:
        task, self._delivery = self._delivery, None
        if task is not None and not task.done():
            task.cancel()
            # asyncio.wait, not `await task`: the task's CancelledError must not pass for ours.
            await asyncio.wait({task})

    async def _deliver(self, hook: Webhook) -> None:
        """POST pending updates to the webhook one at a time, oldest first, as long as it is set.

        An update leaves the queue only when the webhook answered 2xx; a refused connection or any
        other status is recorded for getWebhookInfo and the same update is tried again after a pause,
        so nothing is lost and nothing overtakes it (the bot handles a person's updates in order).
        Telegram may post in parallel up to max_connections and gives up after many failures; the
        sandbox keeps strict order and never gives up, which is the stricter test of the bot.
        """
        failures = 0
        async with httpx.AsyncClient(timeout=self.webhook_timeout, follow_redirects=False) as http:
            while True:
                async with self.changed:
                    while not self.updates and not self.closing:
                        await self.changed.wait()
                if self.closing:
                    return
                update = self.updates[0]
                error = await self._post_update(http, hook, update)
                if error is None:
                    failures = 0
                    self.stats["webhook_deliveries"] += 1
                    # Checked, not assumed: drop_pending_updates may have emptied the queue meanwhile.
                    if self.updates and self.updates[0]["update_id"] == update["update_id"]:
                        self.updates.pop(0)
                        self.acknowledged_update_id = max(self.acknowledged_update_id, update["update_id"])
                    continue
                failures += 1
                hook.last_error_date = self._now()
                hook.last_error_message = error
                await asyncio.sleep(min(self.webhook_retry * 2 ** (failures - 1), self.webhook_retry_max))

    @staticmethod
    async def _post_update(http: httpx.AsyncClient, hook: Webhook, update: dict[str, Any]) -> str | None:
        """One delivery attempt: None when the webhook took it, else Telegram's words for the failure."""
        # Exactly "application/json", as Telegram sends: PTB's webhook server refuses anything else.
        headers = {"Content-Type": "application/json"}
        if hook.secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
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

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, Upload]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self.stats["polls"] += 1
        offset = self._int(params, "offset", required=False)
        limit = min(max(self._int(params, "limit", required=False) or 100, 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset:
            # Telegram forgets every update below the offset: that is how the bot confirms them.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.acknowledged_update_id = max(self.acknowledged_update_id, offset - 1)
        if not self.updates and timeout > 0:
            deadline = asyncio.get_running_loop().time() + timeout
            async with self.changed:
                while not self.updates and not self.closing and self.webhook is None:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    try:
                        await asyncio.wait_for(self.changed.wait(), remaining)
                    except TimeoutError:
                        break
            if self.webhook is not None:
                # A webhook set during the long poll ends it, as at Telegram; the webhook now owns the updates.
                raise ApiError(409, "Conflict: terminated by setWebhook request")
        return [dict(u) for u in self.updates[:limit]]

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._sendable_chat(int(params["chat_id"]))
        body = self._formatted(params, "text", MAX_TEXT, allow_empty=False)
        markup = self._check_markup(params.get("reply_markup"))
        return self._new_bot_message(chat, body, markup)

    async def api_sendDocument(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._sendable_chat(int(params["chat_id"]))
        caption = self._formatted(params, "caption", MAX_CAPTION, allow_empty=True)
        markup = self._check_markup(params.get("reply_markup"))
        stored = self._file_param(params, files, "document", "documents")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": stored.filename,
            "mime_type": stored.mime_type,
            "file_size": len(stored.content),
        }
        return self._new_bot_message(chat, {"document": document, **caption}, markup)

    async def api_sendPhoto(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat = self._sendable_chat(int(params["chat_id"]))
        caption = self._formatted(params, "caption", MAX_CAPTION, allow_empty=True)
        markup = self._check_markup(params.get("reply_markup"))
        stored = self._file_param(params, files, "photo", "photos")
        width, height = _png_size(stored.content)
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.content),
            }
        ]
        return self._new_bot_message(chat, {"photo": photo, **caption}, markup)

    def _bot_message(self, params: dict[str, Any]) -> tuple[Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported in the sandbox")
        chat = self._chat(self._int(params, "chat_id") or 0)
        message_id = self._int(params, "message_id")
        message = chat.messages.get(message_id or 0)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot["id"]:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: Chat, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        updated = {key: value for key, value in message.items() if key not in ("entities", "reply_markup")}
        if "text" not in changes:
            updated.pop("text", None)
        updated.update(changes)
        if "text" not in changes and "text" in message:
            updated["text"] = message["text"]
            if "entities" in message:
                updated["entities"] = message["entities"]
        if "reply_markup" not in changes and "text" not in changes and "reply_markup" in message:
            updated["reply_markup"] = message["reply_markup"]
        comparable = ("text", "entities", "reply_markup")
        if all(updated.get(k) == message.get(k) for k in comparable):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        updated["edit_date"] = self._now()
        chat.messages[message["message_id"]] = updated
        self._event(chat.info["id"], "edit", message=updated)
        return updated

    async def api_editMessageText(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat, message = self._bot_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        body = self._formatted(params, "text", MAX_TEXT, allow_empty=False)
        markup = self._check_markup(params.get("reply_markup"))
        changes: dict[str, Any] = dict(body)
        if markup and "inline_keyboard" in markup:
            changes["reply_markup"] = markup
        return self._apply_edit(chat, message, changes)

    async def api_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> dict[str, Any]:
        chat, message = self._bot_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        changes: dict[str, Any] = {}
        if markup and "inline_keyboard" in markup and markup["inline_keyboard"]:
            changes["reply_markup"] = markup
        updated = {k: v for k, v in message.items() if k != "reply_markup"}
        if changes == {} and "reply_markup" not in message:
            raise bad_request("message is not modified")
        updated.update(changes)
        updated["edit_date"] = self._now()
        chat.messages[message["message_id"]] = updated
        self._event(chat.info["id"], "edit", message=updated)
        return updated

    async def api_deleteMessage(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        chat = self._chat(self._int(params, "chat_id") or 0)
        message_id = self._int(params, "message_id")
        if chat.messages.pop(message_id or 0, None) is None:
            raise bad_request("message to delete not found")
        self._event(chat.info["id"], "delete", message_id=message_id)
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        query = self.callbacks.get(str(params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {"text": text, "show_alert": str(params.get("show_alert")).lower() == "true"}
        self._event(query.chat_id, "callback_answer", callback_query_id=query.id, answer=query.answer)
        return True

    async def api_sendChatAction(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        self._sendable_chat(self._int(params, "chat_id") or 0)
        return True

    async def api_getChat(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        chat_id = self._int(params, "chat_id") or 0
        if chat_id > 0 and chat_id in self.users:
            return self._private_chat(chat_id).info
        return self._chat(chat_id).info

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return "default"
        if isinstance(scope, dict):
            if scope.get("type") == "chat":
                return f"chat:{scope.get('chat_id')}"
            return str(scope.get("type", "default"))
        return str(scope)

    async def api_setMyCommands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name == name.lower()):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def api_getMyCommands(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> list[dict[str, str]]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def api_getFile(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_BOT_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.path == path), None)

    # ------------------------------------------------------------------ the control side
    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        started: bool = True,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        if started:
            self.started.add(user_id)
            self._private_chat(user_id)
        return user

    def add_group(self, chat_id: int, title: str, member_ids: list[int]) -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        info = {"id": chat_id, "type": "group", "title": title}
        chat = self.chats.get(chat_id)
        if chat is None:
            self.chats[chat_id] = Chat(info=info, members=set(member_ids))
        else:
            chat.info.update(info)
            chat.members |= set(member_ids)
        return info

    def _user(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            raise bad_request(f"unknown simulated user {user_id}")
        return user

    def _user_chat(self, user_id: int, chat_id: int | None) -> Chat:
        if chat_id is None or chat_id == user_id:
            self.started.add(user_id)
            return self._private_chat(user_id)
        chat = self._chat(chat_id)
        if user_id not in chat.members:
            raise bad_request("the user is not a member of that chat")
        return chat

    def _user_message(self, user_id: int, chat: Chat, body: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": chat.next_message_id,
            "from": self._user(user_id),
            "chat": chat.info,
            "date": self._now(),
            **body,
        }
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    async def user_sends(self, user_id: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
        """A simulated person types a message (a leading /command gets its entity, as in Telegram)."""
        if not text or len(text) > MAX_TEXT:
            raise bad_request("message text is empty" if not text else "message is too long")
        chat = self._user_chat(user_id, chat_id)
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        message = self._user_message(user_id, chat, body)
        self.blocked.discard(user_id)
        update_id = self._push_update({"message": message})
        self._event(chat.info["id"], "message", message=message)
        await self._notify()
        return {"message": message, "update_id": update_id}

    async def user_uploads(
        self,
        user_id: int,
        upload: Upload,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        photo: bool = False,
    ) -> dict[str, Any]:
        """A person sends a file: as a document, or (`photo`) as a picture, which reaches the bot
        as Telegram sends one: a `photo` array of sizes, no file name, the largest last."""
        if len(upload.content) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        chat = self._user_chat(user_id, chat_id)
        body: dict[str, Any]
        if photo:
            size = _image_size(upload.content)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            mime = "image/png" if upload.content.startswith(b"\x89PNG") else "image/jpeg"
            stored = self._store_file(Upload(upload.filename, upload.content, mime), "photos")
            body = {
                "photo": [
                    {
                        "file_id": stored.file_id,
                        "file_unique_id": stored.unique_id,
                        "width": size[0],
                        "height": size[1],
                        "file_size": len(stored.content),
                    }
                ]
            }
        else:
            stored = self._store_file(upload, "documents")
            body = {
                "document": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "file_name": stored.filename,
                    "mime_type": stored.mime_type,
                    "file_size": len(stored.content),
                }
            }
        if caption:
            body["caption"] = caption
        message = self._user_message(user_id, chat, body)
        update_id = self._push_update({"message": message})
        self._event(chat.info["id"], "message", message=message)
        await self._notify()
        return {"message": message, "update_id": update_id}

    async def user_presses(
        self,
        user_id: int,
        message_id: int,
        *,
        chat_id: int | None = None,
        data: str | None = None,
        text: str | None = None,
        forge: bool = False,
    ) -> dict[str, Any]:
        """A simulated person presses an inline button, found by its data or its label.

        `forge=True` sends the data even if no such button exists: what a modified client
        or a stale screen could send, so the bot's refusal can be tested.
        """
        chat = self._user_chat(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message not found")
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        chosen = next(
            (
                b
                for b in buttons
                if (data is not None and b.get("callback_data") == data) or (text and b["text"] == text)
            ),
            None,
        )
        if chosen is None and not forge:
            raise bad_request("no such button on that message")
        payload = chosen["callback_data"] if chosen is not None else (data or "")
        query = CallbackQuery(
            id=secrets.token_hex(8),
            chat_id=chat.info["id"],
            message_id=message_id,
            user_id=user_id,
            data=payload,
            created=self.clock(),
        )
        self.callbacks[query.id] = query
        update_id = self._push_update(
            {
                "callback_query": {
                    "id": query.id,
                    "from": self._user(user_id),
                    "message": message,
                    "chat_instance": str(chat.info["id"]),
                    "data": payload,
                }
            }
        )
        self._event(chat.info["id"], "press", user_id=user_id, message_id=message_id, data=payload)
        await self._notify()
        return {"callback_query_id": query.id, "update_id": update_id}

    def block(self, user_id: int, blocked: bool = True) -> None:
        self._user(user_id)
        if blocked:
            self.blocked.add(user_id)
        else:
            self.blocked.discard(user_id)

    def commands_for(self, chat_id: int, language_code: str = "") -> list[dict[str, str]]:
        """What Telegram would show in this chat's command menu (scope resolution, simplified)."""
        scopes = [f"chat:{chat_id}", "all_private_chats" if chat_id > 0 else "all_group_chats", "default"]
        for scope in scopes:
            for lang in (language_code, ""):
                if (scope, lang) in self.commands:
                    return self.commands[(scope, lang)]
        return []

    async def wait_events(self, chat_id: int | None, after: int, wait_seconds: float) -> list[dict[str, Any]]:
        """Events after `after` (for one chat, or all), waiting up to `wait_seconds` for one."""

        def pending() -> list[dict[str, Any]]:
            events = self.events if chat_id is None else self._chat_events.get(chat_id, [])
            return events[bisect.bisect_right(events, after, key=lambda e: e["seq"]) :]

        found = pending()
        if found or wait_seconds <= 0:
            return found
        deadline = asyncio.get_running_loop().time() + wait_seconds
        async with self.changed:
            while not (found := pending()) and not self.closing:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    break
        return found

    def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        return [] if chat is None else [chat.messages[k] for k in sorted(chat.messages)]

    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0


def _image_size(content: bytes) -> tuple[int, int] | None:
    """A picture's width and height (JPEG or PNG, as users send photos), None if it is not one."""
    if content[:8] == b"\x89PNG\r\n\x1a\n":
        return _png_size(content)
    if not content.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 9 <= len(content) and content[at] == 0xFF:
        marker = content[at + 1]
        length = struct.unpack(">H", content[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height, then width
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None


def _png_size(content: bytes) -> tuple[int, int]:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 0, 0
