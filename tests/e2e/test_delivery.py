"""The outbox end to end: a message to a person goes out after the commit, once, on the app the
person wrote from last; a file for a Zalo person is a signed link that opens, and is refused
once bent or expired."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from bot.chat import Button, Screen
from bot.db import Database
from bot.files import signed_path
from bot.sandbox.client import SandboxClient
from bot.services import outbox, people
from models.channels import Channel, ChannelAccount, OutboxMessage
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock

pytestmark = [pytest.mark.e2e, pytest.mark.zalo]
BLOC2_HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"


async def _enqueue(bot: RunningBot, person_id: int, key: str, screen: Screen, **file: str) -> None:
    deps = bot.deps
    async with deps.db.transaction() as session:
        await outbox.enqueue(
            session,
            person_id=person_id,
            kind="notice",
            screen=screen,
            dedupe_key=key,
            now=deps.clock(),
            **file,
        )
    deps.poke_delivery()


async def test_a_notice_reaches_a_person_on_each_app_once(
    bot: RunningBot, client: SandboxClient, db: Database, clock: Clock
) -> None:
    telegram = await client.person_on("telegram", 562001, "Hà")
    zalo = await client.person_on("zalo", 562002, "Hải")
    for person in (telegram, zalo):
        await person.send("/start")
        await person.expect("Xin chào")
    ids = [
        await people.person_of_account(db, Channel(ch), str(p.user_id))
        for ch, p in (("telegram", telegram), ("zalo", zalo))
    ]  # type: ignore[arg-type]
    for person_id in ids:
        assert person_id is not None
        screen = Screen("Bảng điểm của đơn vị đã được <b>chốt</b>.", buttons=((Button("Xem", "lang:vi"),),))
        await _enqueue(bot, person_id, f"final:{person_id}", screen)
        await _enqueue(bot, person_id, f"final:{person_id}", screen)  # the same event told twice: once
    shown_telegram = await telegram.expect("đã được chốt")
    assert shown_telegram.button_texts == ["Xem"]
    shown_zalo = await zalo.expect("đã được chốt")
    assert "1. Xem" in shown_zalo.text and "<b>" not in shown_zalo.text
    for _ in range(100):  # marked sent right after the send
        async with db.session() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        if all(r.sent_at is not None for r in rows):
            break
        await asyncio.sleep(0.05)
    assert len(rows) == 2 and all(r.sent_at is not None for r in rows)
    assert {r.sent_channel for r in rows} == {"telegram", "zalo"}


async def test_a_linked_person_is_told_on_the_app_they_used_last(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    head = await demo.person(BLOC2_HEAD)
    zalo = await client.person_on("zalo", 562003, "Khối trưởng")
    await head.send("/lienket")
    code = (await head.expect("Mã liên kết")).text.split("/lienket ")[1].split()[0]
    await zalo.send(f"/lienket {code}")
    await zalo.expect("Đã liên kết")
    clock.advance(hours=2)  # later in the day, the head writes from Zalo
    await zalo.send("/whoami")
    await zalo.expect("Bạn là")
    async with db.session() as session:
        account = await session.get(ChannelAccount, ("zalo", str(zalo.user_id)))
    assert account is not None
    await _enqueue(bot, account.person_id, "handoff:1", Screen("Có bảng tự chấm mới chờ duyệt."))
    await zalo.expect("chờ duyệt")
    texts = [str(m.get("text") or "") for m in await head.transcript() if m.get("from", {}).get("is_bot")]
    assert not any("chờ duyệt" in (text or "") for text in texts)


async def test_a_file_for_a_zalo_person_is_a_link_that_expires(
    bot: RunningBot, client: SandboxClient, db: Database
) -> None:
    zalo = await client.person_on("zalo", 562004, "Lan")
    await zalo.send("/start")
    await zalo.expect("Xin chào")
    person_id = await people.person_of_account(db, Channel.ZALO, str(zalo.user_id))
    assert person_id is not None
    content = b"PK\x03\x04 bang diem"
    stored = bot.deps.files.put(content)
    await _enqueue(
        bot, person_id, "file:1", Screen("Bảng điểm khối 2"), file_name="bảng điểm.xlsx", file_key=stored.key
    )
    link_message = await zalo.expect("bảng điểm.xlsx", "http")
    url = next(word for word in link_message.text.split() if word.startswith("http"))
    async with httpx.AsyncClient() as http:
        opened = await http.get(url)
        assert opened.status_code == 200 and opened.content == content
        assert "attachment" in opened.headers["content-disposition"]
        bent = await http.get(
            url.replace("bảng", "bang") if "bảng" in url else url[:-1] + ("0" if url[-1] != "0" else "1")
        )
        assert bent.status_code == 403
        old = signed_path(
            bot.deps.link_secret,
            stored.key,
            "bảng điểm.xlsx",
            now=time.time() - timedelta(days=2).total_seconds(),
        )
        assert bot.deps.public_url is not None
        expired = await http.get(bot.deps.public_url + old)
        assert expired.status_code == 410 and "hết hạn" in expired.text
