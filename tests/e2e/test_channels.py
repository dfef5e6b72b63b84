"""The channel-neutral conversations, end to end on Telegram and on Zalo from one test body.

Each scenario runs once per channel (and per database): a person on Zalo joins, answers and is
answered as a person on Telegram is, with numbered lists for buttons. Zalo-only behaviour (typed
replies read as presses, the webhook, linking a person's two accounts) is tested below.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from datetime import timedelta

import httpx
import pytest
from aiohttp import web
from sqlmodel import select

from bot.chat.router import STATE_TABLE_NAME
from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import invites
from models.channels import ChannelAccount
from models.conversation import ConversationState
from models.organisation import Person
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock

pytestmark = [pytest.mark.e2e, pytest.mark.zalo]
BLOC2_HEAD = "Khối trưởng — Trường Trung học phổ thông Bùi Hữu Nghĩa"
SCHOOL = "Trường THCS&THPT Nguyễn Bình Khiêm"


CHANNELS = ("telegram", "zalo")


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_stranger_is_greeted_in_vietnamese(
    bot: RunningBot, client: SandboxClient, channel: str
) -> None:
    stranger = await client.person_on(channel, 561001, "Minh")
    await stranger.send("/start")
    greeting = await stranger.expect("Xin chào Minh!")
    assert "Thi đua Bot" in greeting.text
    assert unicodedata.is_normalized("NFC", greeting.text)
    assert "<b>" not in greeting.text  # bold on Telegram, plain on Zalo, never a raw tag


async def test_a_representative_joins_by_invite_on_either_app(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    batch = await invites.issue_invites(
        db, bloc_number=2, now=clock(), ttl=timedelta(days=7), unit_names=[SCHOOL]
    )
    newcomer = await client.person_on(channel, 561002, "Lan", last_name="Phạm Thị")
    # On Zalo there are no deep links: the invitation's token is sent as a message.
    await newcomer.send(f"/start {batch.invites[0].token}")
    welcome = await newcomer.expect(SCHOOL, "Khối thi đua số 2")
    assert "họ và tên" in welcome.text
    await newcomer.send("Phạm Thị Ngọc Lan")
    await newcomer.expect("Số điện thoại")
    await newcomer.send("091 234 5678")
    await newcomer.expect("Đã lưu", "Phạm Thị Ngọc Lan")

    await newcomer.send("/whoami")
    who = await newcomer.expect("Bạn là")
    assert "Phạm Thị Ngọc Lan" in who.text and SCHOOL in who.text and "0912345678" in who.text
    async with db.session() as session:
        account = await session.get(ChannelAccount, (channel, str(newcomer.user_id)))
    assert account is not None


async def test_the_language_is_chosen_from_the_options(
    bot: RunningBot, client: SandboxClient, channel: str
) -> None:
    person = await client.person_on(channel, 561003, "Hòa")
    await person.send("/language")
    offered = await person.expect("Chọn ngôn ngữ")
    assert offered.button_texts == ["Tiếng Việt", "English"]
    await person.press(offered, "English")  # a button on Telegram, the option's number on Zalo
    await person.expect("Switched to English")
    await person.send("/help")
    await person.expect("The commands you can use")


async def test_a_bare_invite_token_joins_on_zalo_and_the_head_lists_it(
    bot: RunningBot, client: SandboxClient, demo: Demo
) -> None:
    head = await client.person_on("zalo", 561004, "Trưởng")
    # The head links this Zalo account to the head's Telegram person first (see below), then /moi.
    telegram_head = await demo.person(BLOC2_HEAD)
    await telegram_head.send("/lienket")
    code = (await telegram_head.expect("Mã liên kết")).text.split("/lienket ")[1].split()[0]
    await head.send(f"/lienket {code}")
    await head.expect("Đã liên kết")
    await head.send("/moi")
    listing = await head.expect("Zalo: gửi cho bot")
    token = listing.text.split("/start ")[1].split()[0]
    newcomer = await client.person_on("zalo", 561005, "Nam")
    await newcomer.send(token)  # the token alone, as a person copies it from the list
    await newcomer.expect("Chào mừng")


async def test_zalo_reads_a_typed_reply_as_the_press_and_refuses_what_matches_nothing(
    bot: RunningBot, client: SandboxClient, db: Database
) -> None:
    person = await client.person_on("zalo", 561006, "Thu")
    await person.send("/language")
    menu = await person.expect("Chọn ngôn ngữ")
    assert "1. Tiếng Việt" in menu.text and "2. English" in menu.text and "Trả lời 1 hoặc 2" in menu.text
    await person.send("5")
    await person.expect("Không có lựa chọn số 5", "Trả lời 1 hoặc 2")
    await person.send("tiếng Pháp")
    await person.expect("không khớp lựa chọn nào")
    async with db.session() as session:
        stored = (await session.exec(select(Person).where(Person.zalo_id == person.user_id))).one()
    assert stored.language == "vi"  # nothing changed
    await person.send("english")  # the option's words, any case, accents or not
    await person.expect("Switched to English")


async def test_a_sticker_where_a_name_is_asked_for_changes_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    batch = await invites.issue_invites(
        db, bloc_number=2, now=clock(), ttl=timedelta(days=7), unit_names=[SCHOOL]
    )
    newcomer = await client.person_on("zalo", 561007, "Sơn")
    await newcomer.send(f"/start {batch.invites[0].token}")
    await newcomer.expect("họ và tên")
    await newcomer.send_sticker()  # type: ignore[union-attr]
    await newcomer.expect("tin nhắn chữ")
    await newcomer.send("Lê Văn Sơn")  # still at the name step
    await newcomer.expect("Số điện thoại")


async def test_what_no_conversation_takes_is_answered_on_either_app(
    bot: RunningBot, client: SandboxClient, channel: str
) -> None:
    person = await client.person_on(channel, 561008, "Bình")
    await person.send("/khonglenhnay")
    await person.expect("Không có lệnh này")
    await person.send("xin chào bot")  # stray text in a private chat
    await person.expect("chưa hiểu tin nhắn này")
    await person.send("/language")
    await person.expect("Chọn ngôn ngữ")
    await person.send("/whoami")  # a new screen: on Zalo the language list is no longer answerable
    await person.expect("chưa có vai trò")


async def test_a_person_links_telegram_and_zalo_and_is_one_person(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    telegram = await demo.person(BLOC2_HEAD)
    zalo = await client.person_on("zalo", 561009, "Khối trưởng trên Zalo")
    await zalo.send("/whoami")
    await zalo.expect("chưa có vai trò")

    await telegram.send("/lienket")
    code = (await telegram.expect("Mã liên kết")).text.split("/lienket ")[1].split()[0]
    await telegram.send(f"/lienket {code}")  # on the app that made it: refused
    await telegram.expect("ứng dụng kia")
    await zalo.send(f"/lienket {code.lower()}")  # typed in lower case on the phone: still the code
    await zalo.expect("Đã liên kết")
    await zalo.send("/whoami")
    who = await zalo.expect("Bạn là")
    assert "Bùi Hữu Nghĩa" in who.text and "Khối trưởng" in who.text

    another = await client.person_on("zalo", 561010, "Người khác")
    await another.send(f"/lienket {code}")
    await another.expect("đã được dùng")
    async with db.session() as session:
        accounts = (
            await session.exec(select(ChannelAccount).where(ChannelAccount.external_id == another.user_id))
        ).all()
        linked = await session.get(ChannelAccount, ("zalo", zalo.user_id))
        head = await session.get(ChannelAccount, ("telegram", str(demo.persona(BLOC2_HEAD).user_id)))
    assert linked is not None and head is not None and linked.person_id == head.person_id
    assert all(a.person_id != head.person_id for a in accounts)


async def test_the_zalo_webhook_takes_only_posts_with_the_secret(
    bot: RunningBot, client: SandboxClient, db: Database, sandbox_server: SandboxServer
) -> None:
    assert bot.zalo is not None
    app = web.Application()
    app.router.add_post("/zalo", bot.zalo.webhook_handler("a-long-secret-for-tests"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/zalo"
    person = await client.person_on("zalo", 561011, "Vân")

    def event(text: str, message_id: str) -> dict[str, object]:
        return {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": person.user_id, "display_name": "Vân", "is_bot": False},
                "chat": {"id": person.user_id, "chat_type": "PRIVATE"},
                "text": text,
                "message_id": message_id,
                "date": 1795000000000,
            },
        }

    try:
        async with httpx.AsyncClient() as http:
            wrong = await http.post(
                url, json=event("/start", "w1"), headers={"X-Bot-Api-Secret-Token": "nope-nope"}
            )
            missing = await http.post(url, json=event("/start", "w2"))
            assert wrong.status_code == 403 and missing.status_code == 403
            async with db.session() as session:
                assert await session.get(ChannelAccount, ("zalo", person.user_id)) is None  # nothing changed

            bare = await http.post(
                url, json=event("/start", "w3"), headers={"X-Bot-Api-Secret-Token": "a-long-secret-for-tests"}
            )
            assert bare.status_code == 200
            await person.expect("Xin chào")
            wrapped = await http.post(
                url,
                content=json.dumps({"ok": True, "result": event("/whoami", "w4")}),
                headers={
                    "X-Bot-Api-Secret-Token": "a-long-secret-for-tests",
                    "Content-Type": "application/json",
                },
            )
            assert wrapped.status_code == 200
            await person.expect("chưa có vai trò")
            again = await http.post(
                url,
                json=event("/whoami", "w4"),
                headers={"X-Bot-Api-Secret-Token": "a-long-secret-for-tests"},
            )
            assert again.status_code == 200  # Zalo retried: answered, handled once
            garbage = await http.post(
                url, content=b"{not json", headers={"X-Bot-Api-Secret-Token": "a-long-secret-for-tests"}
            )
            assert garbage.status_code == 400
    finally:
        await runner.cleanup()
    texts = [m.text for m in await person.bot_messages()]  # type: ignore[union-attr]
    assert sum("chưa có vai trò" in text for text in texts) == 1


async def test_a_zalo_conversation_survives_in_the_database(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock
) -> None:
    batch = await invites.issue_invites(
        db, bloc_number=2, now=clock(), ttl=timedelta(days=7), unit_names=[SCHOOL]
    )
    newcomer = await client.person_on("zalo", 561012, "Đào")
    await newcomer.send(f"/start {batch.invites[0].token}")
    await newcomer.expect("họ và tên")
    key = (STATE_TABLE_NAME, f"zalo:{newcomer.user_id}:{newcomer.user_id}")
    for _ in range(100):  # the step is written right after the reply is sent
        async with db.session() as session:
            row = await session.get(ConversationState, key)
        if row is not None:
            break
        await asyncio.sleep(0.05)
    assert row is not None and json.loads(row.state)["c"] == "joining"
    # A restarted bot (here: a second one) carries on at the name step.
    await bot.stop()
    await bot.start()
    await newcomer.send("Trần Thị Đào")
    await newcomer.expect("Số điện thoại")
