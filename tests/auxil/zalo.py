"""Zalo events as the platform sends them, for the tests."""

from __future__ import annotations

from typing import Any


def text_event(**message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "from": {"id": "e4ea2cd5189df1c3a88c", "display_name": "Nguyễn Thị Lan", "is_bot": False},
        "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
        "text": "Xin chào",
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
    }
    body.update(message)
    return {"event_name": "message.text.received", "message": body}
