"""Zalo events are read in both shapes Zalo sends, and malformed input is refused clearly, never crashes."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.zalo.events import EventError, EventKind, ZaloEvent, parse_event, secret_matches
from tests.auxil.zalo import text_event

pytestmark = pytest.mark.zalo


def test_wrapped_and_bare_shapes_give_the_same_event() -> None:
    bare = parse_event(text_event())
    wrapped = parse_event({"ok": True, "result": text_event()})
    as_json = parse_event(json.dumps({"ok": True, "result": text_event()}).encode())
    assert bare == wrapped == as_json
    assert bare.kind is EventKind.TEXT
    assert (bare.sender_id, bare.chat_id, bare.message_id) == (
        "e4ea2cd5189df1c3a88c",
        "e4ea2cd5189df1c3a88c",
        "16f6366b3f02645a3d15",
    )
    assert bare.text == "Xin chào" and bare.sender_name == "Nguyễn Thị Lan"
    assert not bare.sender_is_bot


def test_millisecond_date_becomes_an_aware_datetime() -> None:
    event = parse_event(text_event(date=1766619597466))
    assert event.date == datetime(2025, 12, 24, 23, 39, 57, 466000, tzinfo=UTC)
    assert event.date.tzinfo is not None


def test_get_updates_sample_without_event_name_and_with_first_name() -> None:
    # Zalo's getUpdates sample: no event_name, the sender's name as first_name.
    message = text_event(**{"from": {"id": "u1", "first_name": "Nguyen Van A"}})["message"]
    event = parse_event({"ok": True, "result": {"message": message}})
    assert event.kind is EventKind.TEXT and event.sender_name == "Nguyen Van A"


def test_image_event_gives_the_picture_url_and_caption() -> None:
    message = text_event()["message"]
    del message["text"]
    message.update(photo_url="https://f.zalo.me/p/abc.jpg", caption="Minh chứng tiêu chí 1.2")
    event = parse_event({"event_name": "message.image.received", "message": message})
    assert event.kind is EventKind.IMAGE
    assert event.photo_url == "https://f.zalo.me/p/abc.jpg"
    assert event.caption == "Minh chứng tiêu chí 1.2" and event.text is None
    # Some Zalo senders name the field `photo`.
    message["photo"] = message.pop("photo_url")
    assert parse_event({"event_name": "message.image.received", "message": message}).photo_url


def test_sticker_and_other_kinds() -> None:
    message = text_event()["message"]
    del message["text"]
    sticker = parse_event(
        {
            "event_name": "message.sticker.received",
            "message": {**message, "sticker": "0e07", "url": "https://s/1"},
        }
    )
    assert (
        sticker.kind is EventKind.STICKER
        and sticker.sticker == "0e07"
        and sticker.sticker_url == "https://s/1"
    )
    voice = parse_event({"event_name": "message.voice.received", "message": message})
    assert voice.kind is EventKind.OTHER and voice.sender_id == "e4ea2cd5189df1c3a88c"


def _without(key: str) -> dict[str, Any]:
    event = text_event()
    del event["message"][key]
    return event


MALFORMED: list[tuple[Any, str]] = [
    (None, "JSON object"),
    ([], "JSON object"),
    ("{not json", "not JSON"),
    (b"\xff\xfe", "UTF-8"),
    ({"ok": False, "error_code": 408, "description": "Request timeout"}, "Request timeout"),
    ({"ok": True, "result": None}, "result"),
    ({"ok": True, "result": [1]}, "result"),
    ({"event_name": "message.text.received"}, "no message"),
    ({"event_name": 5, "message": text_event()["message"]}, "event_name"),
    (_without("from"), "message.from"),
    (_without("chat"), "message.chat"),
    (_without("message_id"), "message_id"),
    (_without("date"), "date"),
    (_without("text"), "message.text"),
    (text_event(**{"from": {"display_name": "A"}}), "message.from.id"),
    (text_event(**{"from": {"id": {"x": 1}}}), "message.from.id"),
    (text_event(**{"chat": {"id": ""}}), "message.chat.id"),
    (text_event(date="yesterday"), "date"),
    (text_event(date=1e300), "out of range"),
    (text_event(date=float("nan")), "date"),
    (text_event(text=42), "not text"),
    ({"event_name": "message.image.received", "message": _without("text")["message"]}, "photo_url"),
    ({"event_name": "message.sticker.received", "message": _without("text")["message"]}, "sticker"),
]


@pytest.mark.parametrize(("data", "says"), MALFORMED)
def test_malformed_input_is_a_clear_event_error(data: Any, says: str) -> None:
    with pytest.raises(EventError, match=says):
        parse_event(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "event_name": st.sampled_from(["message.text.received", "message.image.received"]),
                "message": json_values,
            }
        ),
        st.fixed_dictionaries({"ok": st.booleans(), "result": json_values}),
    )
)
def test_any_json_is_an_event_or_an_event_error(data: Any) -> None:
    with contextlib.suppress(EventError):  # a clear refusal is fine; any other exception fails
        assert isinstance(parse_event(data), ZaloEvent)


def test_secret_header_check() -> None:
    secret = "bí-mật-của-khối-2"
    assert secret_matches(secret, secret)
    assert not secret_matches("bí-mật-của-khối-3", secret)
    assert not secret_matches(secret[:-1], secret)
    assert not secret_matches(None, secret)
    assert not secret_matches("", secret)
    assert not secret_matches("anything", "")  # no secret configured: nothing passes
