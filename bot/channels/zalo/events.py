"""Zalo events, typed: what getUpdates returns and what Zalo POSTs to the webhook.

Zalo writes an event as `{"event_name": "message.text.received", "message": {...}}`; getUpdates and
the webhook wrap it as `{"ok": true, "result": <event>}`. `parse_event` takes either shape and gives a
`ZaloEvent`, or raises `EventError` saying what is wrong — never another exception — so a malformed
POST is answered and logged instead of crashing the webhook.
"""

from __future__ import annotations

import hmac
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class EventKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    STICKER = "sticker"
    OTHER = "other"  # a kind the bot does not read (voice, file, unsupported...): answered, not parsed


KINDS = {TEXT_EVENT: EventKind.TEXT, IMAGE_EVENT: EventKind.IMAGE, STICKER_EVENT: EventKind.STICKER}


class EventError(ValueError):
    """The input is not a Zalo event we can read; the message says which part is wrong."""


@dataclass(frozen=True)
class ZaloEvent:
    kind: EventKind
    event_name: str
    sender_id: str
    sender_name: str  # the display name Zalo shows; "" when Zalo sends none
    chat_id: str  # a private chat's id is the person's id
    message_id: str
    date: datetime  # aware, UTC
    text: str | None = None  # a text message's words
    photo_url: str | None = None  # an image message's picture (download it: the URL does not last)
    caption: str | None = None  # words sent with a picture
    sticker: str | None = None  # a sticker's id
    sticker_url: str | None = None
    sender_is_bot: bool = False
    chat_type: str = "PRIVATE"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _id(value: Any, where: str) -> str:
    # Zalo's ids are strings; a number is read as its digits rather than refused.
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise EventError(f"{where} is missing or not an id")
    return str(value)


def _date(value: Any) -> datetime:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # not "²"
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EventError("message.date is missing or not milliseconds")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise EventError("message.date is out of range") from None


def _optional_text(message: dict[str, Any], key: str) -> str | None:
    value = message.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EventError(f"message.{key} is not text")
    return value


def _unwrap(data: Any) -> dict[str, Any]:
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EventError("the body is not UTF-8") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError:
            raise EventError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise EventError("an event is a JSON object")
    if "result" in data or "ok" in data:
        if data.get("ok") is not True:
            raise EventError(f"the answer is not ok: {data.get('description') or 'no description'}")
        data = data.get("result")
        if not isinstance(data, dict):
            raise EventError("result is not an event object")
    return data


def parse_event(data: Any) -> ZaloEvent:
    """A Zalo event from a dict, JSON text or bytes, wrapped (`{ok, result}`) or bare."""
    event = _unwrap(data)
    name = event.get("event_name")
    message = event.get("message")
    if not isinstance(message, dict):
        raise EventError("the event has no message object")
    if name is None:
        # getUpdates' documented sample has no event_name: tell the kind by the message's fields.
        name = (
            IMAGE_EVENT
            if ("photo_url" in message or "photo" in message)
            else (STICKER_EVENT if "sticker" in message else TEXT_EVENT if "text" in message else "")
        )
    if not isinstance(name, str):
        raise EventError("event_name is not text")
    sender = message.get("from")
    chat = message.get("chat")
    if not isinstance(sender, dict):
        raise EventError("message.from is missing")
    if not isinstance(chat, dict):
        raise EventError("message.chat is missing")
    display = sender.get("display_name") or sender.get("first_name") or sender.get("name") or ""
    kind = KINDS.get(name, EventKind.OTHER)
    parsed: dict[str, Any] = {
        "kind": kind,
        "event_name": name,
        "sender_id": _id(sender.get("id"), "message.from.id"),
        "sender_name": display if isinstance(display, str) else "",
        "chat_id": _id(chat.get("id"), "message.chat.id"),
        "message_id": _id(message.get("message_id"), "message.message_id"),
        "date": _date(message.get("date")),
        "sender_is_bot": sender.get("is_bot") is True,
        "chat_type": str(chat.get("chat_type") or "PRIVATE"),
        "raw": event,
    }
    if kind is EventKind.TEXT:
        text = _optional_text(message, "text")
        if text is None:
            raise EventError("a text event has no message.text")
        parsed["text"] = text
    elif kind is EventKind.IMAGE:
        url = _optional_text(message, "photo_url") or _optional_text(message, "photo")
        if not url:
            raise EventError("an image event has no message.photo_url")
        parsed["photo_url"] = url
        parsed["caption"] = _optional_text(message, "caption") or None
    elif kind is EventKind.STICKER:
        sticker = _optional_text(message, "sticker")
        if not sticker:
            raise EventError("a sticker event has no message.sticker")
        parsed["sticker"] = sticker
        parsed["sticker_url"] = _optional_text(message, "url")
    return ZaloEvent(**parsed)


def secret_matches(received: str | None, expected: str) -> bool:
    """Whether a webhook POST carries our secret (header X-Bot-Api-Secret-Token), in constant time."""
    if not received or not expected:
        return False
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))
