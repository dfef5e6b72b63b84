"""A small async client of the Zalo Bot Platform API, on httpx (the PyPI clients are thin and unkept).

    async with httpx.AsyncClient() as http:
        zalo = ZaloBot(token, "https://bot-api.zaloplatforms.com", http)
        sent = await zalo.send_message(chat_id, "Xin chào")

Every method POSTs JSON to `<base_url>/bot<token>/<method>` and returns a typed result, or raises
`ZaloApiError` with Zalo's error_code and description. The token is in every URL, so it never
appears in our messages or errors (httpx's own request log is quieted by the app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from bot.channels.zalo.events import EventError, ZaloEvent, parse_event

ZALO_API_URL = "https://bot-api.zaloplatforms.com"
TIMEOUT_CODE = 408  # getUpdates: no event within the timeout


class ZaloApiError(Exception):
    """Zalo refused a call (error_code, description as Zalo gave them), or could not be reached (code 0)."""

    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"Zalo {method}: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


@dataclass(frozen=True)
class BotInfo:
    id: str
    account_name: str
    account_type: str
    can_join_groups: bool
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    date: datetime  # aware, UTC


@dataclass(frozen=True)
class WebhookInfo:
    url: str  # "" when no webhook is set
    updated_at: datetime | None


def _ms(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return None


class ZaloBot:
    def __init__(
        self, token: str, base_url: str = ZALO_API_URL, http: httpx.AsyncClient | None = None
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._own_http = http is None
        # This client only ever asks base_url, and follows no redirect: over plain HTTP (the
        # sandbox, a local stand-in) TLS never happens, so no CA bundle is loaded (a tenth of a
        # second at start-up). Over HTTPS, certificates are verified as ever.
        plain = self.base_url.startswith("http://")
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(30, connect=10), verify=not plain)

    def __repr__(self) -> str:  # never the token
        return f"ZaloBot(base_url={self.base_url!r})"

    async def __aenter__(self) -> ZaloBot:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it (a client passed in belongs to the caller)."""
        if self._own_http:
            await self.http.aclose()

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, read_timeout: float = 30
    ) -> Any:
        """One API call; Zalo's `result` (None when it answers `{ok: true}` alone)."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        timeout = httpx.Timeout(read_timeout, connect=10)
        try:
            response = await self.http.post(url, json=params or {}, timeout=timeout)
        except httpx.HTTPError as error:
            # Not chained: httpx's exception carries the request, whose URL carries the token.
            raise ZaloApiError(method, 0, self._redact(f"{type(error).__name__}: {error}")) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloApiError(method, response.status_code, "the answer is not a JSON object")
        if body.get("ok") is not True:
            code = body.get("error_code")
            description = body.get("description")
            raise ZaloApiError(
                method,
                code if isinstance(code, int) else response.status_code,
                self._redact(str(description)) if description else "no description",
            )
        return body.get("result")

    async def get_me(self) -> BotInfo:
        result = await self.call("getMe")
        if not isinstance(result, dict) or "id" not in result:
            raise ZaloApiError("getMe", 0, "the answer has no bot id")
        return BotInfo(
            id=str(result["id"]),
            account_name=str(result.get("account_name") or ""),
            account_type=str(result.get("account_type") or ""),
            can_join_groups=bool(result.get("can_join_groups", False)),
            raw=result,
        )

    async def get_updates(self, timeout: float = 30) -> ZaloEvent | None:  # noqa: ASYNC109 (Zalo's long poll)
        """Wait up to `timeout` seconds for the next event; None when none came.

        Zalo returns one event per call and keeps no offset: an event returned is consumed.
        """
        try:
            # Zalo documents timeout as a string of seconds.
            result = await self.call("getUpdates", {"timeout": str(int(timeout))}, read_timeout=timeout + 10)
        except ZaloApiError as error:
            if error.error_code == TIMEOUT_CODE:
                return None
            raise
        if result is None:
            return None
        try:
            return parse_event(result)
        except EventError as error:
            raise ZaloApiError("getUpdates", 0, f"unreadable event: {error}") from None

    @staticmethod
    def _webhook(method: str, result: Any) -> WebhookInfo:
        if not isinstance(result, dict):
            raise ZaloApiError(method, 0, "the answer has no webhook")
        return WebhookInfo(url=str(result.get("url") or ""), updated_at=_ms(result.get("updated_at")))

    async def set_webhook(self, url: str, secret: str) -> WebhookInfo:
        """Have Zalo POST events to `url` with `secret` (8–256 characters) in X-Bot-Api-Secret-Token."""
        return self._webhook(
            "setWebhook", await self.call("setWebhook", {"url": url, "secret_token": secret})
        )

    async def delete_webhook(self) -> WebhookInfo:
        return self._webhook("deleteWebhook", await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo:
        return self._webhook("getWebhookInfo", await self.call("getWebhookInfo"))

    @staticmethod
    def _sent(method: str, result: Any) -> SentMessage:
        if not isinstance(result, dict) or "message_id" not in result:
            raise ZaloApiError(method, 0, "the answer has no message_id")
        return SentMessage(
            message_id=str(result["message_id"]), date=_ms(result.get("date")) or datetime.now(UTC)
        )

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """A text of 1 to 2000 characters (split longer texts before calling)."""
        return self._sent("sendMessage", await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(self, chat_id: str, url: str, caption: str | None = None) -> SentMessage:
        """A picture Zalo fetches from `url`, with an optional caption of up to 2000 characters."""
        params = {"chat_id": chat_id, "photo": url}
        if caption:
            params["caption"] = caption
        return self._sent("sendPhoto", await self.call("sendPhoto", params))

    async def send_sticker(self, chat_id: str, sticker: str) -> SentMessage:
        return self._sent(
            "sendSticker", await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker})
        )

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" (or "upload_photo") for a few seconds."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
