"""The chat layer's pure parts: typed replies read as presses, the file store and its signed
links, and the outbox (enqueue once, claimed by one worker, retried later, final when blocked)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import Button, Screen
from bot.chat.numbered import OutOfRange, numbers_phrase, option_keys, plain_text, read_reply
from bot.db import Database
from bot.files import FileStore, LinkCheck, check_link, signed_path
from bot.services import outbox, people
from models.channels import Channel, OutboxMessage
from tests.auxil.clock import Clock

pytestmark = pytest.mark.zalo
LABELS = ["Tiếng Việt", "English", "Đồng ý tất cả"]


def test_a_number_or_the_words_of_an_option_pick_it() -> None:
    assert read_reply("2", LABELS) == 1
    assert read_reply(" 1. ", LABELS) == 0
    assert read_reply("２", LABELS) == 1  # a full-width digit from a phone keyboard
    assert read_reply("tieng viet", LABELS) == 0
    assert read_reply("ĐỒNG Ý TẤT CẢ", LABELS) == 2
    assert read_reply("dong y tat ca!", LABELS) == 2


def test_a_number_without_an_option_and_other_text_are_told_apart() -> None:
    assert read_reply("4", LABELS) == OutOfRange(4)
    assert read_reply("0", LABELS) == OutOfRange(0)
    assert read_reply("tiếng Pháp", LABELS) is None
    assert read_reply("", LABELS) is None
    assert read_reply("٢", LABELS) is None  # isdigit() says yes; it is no option number here


def test_lettered_options_leave_digits_to_the_conversation() -> None:
    keys = option_keys(3, lettered=True)
    assert keys == ["a", "b", "c"]
    assert read_reply("b", LABELS, keys) == 1
    assert read_reply("B", LABELS, keys) == 1
    assert read_reply("2", LABELS, keys) is None  # "2" is a score typed, not a press
    assert read_reply("9,5", LABELS, keys) is None
    assert numbers_phrase(keys, "hoặc") == "a, b hoặc c"
    assert numbers_phrase(2, "or") == "1 or 2"
    assert numbers_phrase(12, "or") == "1–12"


@given(st.text(max_size=200))
def test_reading_any_reply_never_fails(text: str) -> None:
    result = read_reply(text, LABELS)
    assert result is None or isinstance(result, OutOfRange) or 0 <= result < len(LABELS)


def test_html_becomes_plain_text() -> None:
    assert plain_text("<b>A &amp; B</b> <i>x</i> &lt;3") == "A & B x <3"


def test_the_store_keeps_bytes_by_their_hash(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    first, again = store.put(b"minh chung"), store.put(b"minh chung")
    assert first == again and store.get(first.key) == b"minh chung"
    assert store.get("../../etc/passwd") is None
    assert store.get("0" * 64) is None


def test_a_signed_link_opens_until_it_expires_and_cannot_be_bent() -> None:
    secret = b"s" * 32
    path = signed_path(secret, "a" * 64, "bảng điểm.xlsx", now=1000, ttl=60)
    query = dict(part.split("=") for part in path.split("?")[1].split("&"))
    assert (
        check_link(secret, "a" * 64, "bảng điểm.xlsx", query["exp"], query["sig"], now=1030) == LinkCheck.OK
    )
    assert (
        check_link(secret, "a" * 64, "bảng điểm.xlsx", query["exp"], query["sig"], now=1061)
        == LinkCheck.EXPIRED
    )
    later = str(int(query["exp"]) + 3600)
    assert check_link(secret, "a" * 64, "bảng điểm.xlsx", later, query["sig"], now=1030) == LinkCheck.FORGED
    assert (
        check_link(secret, "b" * 64, "bảng điểm.xlsx", query["exp"], query["sig"], now=1030)
        == LinkCheck.FORGED
    )
    assert (
        check_link(b"t" * 32, "a" * 64, "bảng điểm.xlsx", query["exp"], query["sig"], now=1030)
        == LinkCheck.FORGED
    )
    assert check_link(secret, "a" * 64, "bảng điểm.xlsx", "１２", query["sig"], now=1030) == LinkCheck.FORGED


async def _someone(db: Database, clock: Clock) -> int:
    found = await people.identify_account(
        db, Channel.ZALO, "z-outbox", display_name="Người nhận", language="vi", today=clock().date()
    )
    return found.person_id


async def test_a_message_enqueued_twice_is_one_message(db: Database, clock: Clock) -> None:
    person = await _someone(db, clock)
    screen = Screen("Phiếu bầu", buttons=((Button("Bỏ phiếu", "v:1:r:"),),))
    for _ in range(2):
        async with db.transaction() as session:
            await outbox.enqueue(
                session, person_id=person, kind="ballot", screen=screen, dedupe_key="ballot:1:1", now=clock()
            )
    claimed = await outbox.claim(db, worker="w1", now=clock())
    assert len(claimed) == 1 and claimed[0].screen == screen


async def test_two_workers_never_claim_one_message(db: Database, clock: Clock) -> None:
    person = await _someone(db, clock)
    async with db.transaction() as session:
        for n in range(10):
            await outbox.enqueue(
                session,
                person_id=person,
                kind="notice",
                screen=Screen(f"#{n}"),
                dedupe_key=f"n:{n}",
                now=clock(),
            )
    first, second = await asyncio.gather(
        outbox.claim(db, worker="a", now=clock()), outbox.claim(db, worker="b", now=clock())
    )
    ids = [c.id for c in first] + [c.id for c in second]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 10
    # A claim whose worker died is taken again after the lease.
    assert await outbox.claim(db, worker="c", now=clock()) == []
    assert len(await outbox.claim(db, worker="c", now=clock() + outbox.LEASE + timedelta(seconds=1))) == 10


async def test_a_failed_send_is_retried_later_and_an_unreachable_person_is_not(
    db: Database, clock: Clock
) -> None:
    person = await _someone(db, clock)
    async with db.transaction() as session:
        await outbox.enqueue(
            session, person_id=person, kind="n", screen=Screen("a"), dedupe_key="a", now=clock()
        )
        await outbox.enqueue(
            session, person_id=person, kind="n", screen=Screen("b"), dedupe_key="b", now=clock()
        )
    first, second = await outbox.claim(db, worker="w", now=clock())
    await outbox.mark_failed(db, first.id, error="TimedOut", now=clock(), final=False)
    await outbox.mark_failed(db, second.id, error="unreachable: blocked", now=clock(), final=True)
    assert await outbox.claim(db, worker="w", now=clock()) == []
    again = await outbox.claim(db, worker="w", now=clock() + timedelta(minutes=1, seconds=1))
    assert [c.id for c in again] == [first.id]
    async with db.session() as session:
        blocked = await session.get(OutboxMessage, second.id)
    assert blocked is not None and blocked.failed_at is not None


def test_a_secret_screen_is_never_stored() -> None:
    with pytest.raises(ValueError):
        asyncio.run(
            outbox.enqueue(
                None,  # type: ignore[arg-type]
                person_id=1,
                kind="x",
                screen=Screen("review", secret=True),
                dedupe_key="x",
                now=Clock()(),
            )
        )
