"""The sweep through the running channels (bot.reminders_job): a ping goes to the app its person
wrote from last among the running ones, with Zalo alone too; a person the app refuses is marked
unreachable and the head told; a person on no running app is kept for later, not lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.chat import Caps, OutFile, Screen, Unreachable
from bot.db import Database
from bot.deps import Deps
from bot.reminders_job import run_sweep
from models.channels import Channel, ChannelAccount
from models.organisation import Bloc, BlocMembership, Person
from models.reminders import PersonReach, ReminderSend, SendStatus
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock
from tests.auxil.reminders import head_chat, load, local, rep_chats

pytestmark = [pytest.mark.reminders, pytest.mark.zalo]


class FakeZalo:
    """A Zalo deliverer that records what it sends; `blocked` chats refuse like a blocked bot."""

    channel = Channel.ZALO
    caps = Caps(buttons=False, edits=False, max_text=2000, command_menu=False)

    def __init__(self) -> None:
        self.sent: list[tuple[str, Screen]] = []
        self.blocked: set[str] = set()

    async def send(self, chat_id: str, screen: Screen) -> str | None:
        if chat_id in self.blocked:
            raise Unreachable("the person blocked the bot")
        self.sent.append((chat_id, screen))
        return None

    async def edit(self, chat_id: str, message_id: str, screen: Screen) -> bool:
        return False

    async def send_file(self, chat_id: str, file: OutFile) -> None:
        raise AssertionError("a ping carries no file")


async def test_with_only_zalo_running_pings_go_to_zalo_accounts_and_wait_for_the_others(
    db: Database, clock: Clock
) -> None:
    await load(db, clock)
    head = await head_chat(db, 2)  # a unit's representative too: pinged like the others
    async with db.session() as session:
        bloc2 = set(
            await session.exec(
                select(BlocMembership.unit_id).join(Bloc).where(Bloc.number == 2)  # type: ignore[arg-type]
            )
        )
    reps = [ids[0] for unit, ids in (await rep_chats(db)).items() if unit in bloc2 and ids[0] != head]
    on_zalo, blocked = reps[0], reps[1]
    async with db.transaction() as session:
        # Two people use Zalo, the bloc head too (to be told); everyone else only Telegram.
        for index, person_id in enumerate((on_zalo, blocked, head)):
            session.add(
                ChannelAccount(
                    channel="zalo",
                    external_id=f"z{index}",
                    person_id=person_id,
                    last_seen_at=clock() + timedelta(hours=1),
                )
            )
    zalo = FakeZalo()
    zalo.blocked.add("z1")
    deps = Deps(settings=make_settings(db), db=db, clock=clock)
    deps.channels[Channel.ZALO] = zalo
    clock.now = local(30, 11, 2026, 8, 0)
    report = await run_sweep(deps)

    assert sorted(chat for chat, screen in zalo.sent if "Nhắc việc" in screen.text) == ["z0", "z2"]
    ping = next(screen for chat, screen in zalo.sent if chat == "z0")
    assert ping.buttons[1][0].data.startswith("rm:sn:")  # the presses go with it
    assert report.unreachable == 1
    told = [screen.text for chat, screen in zalo.sent if chat == "z2" and "Không gửi được" in screen.text]
    assert len(told) == 1  # the head, on Zalo, told once in this sweep
    async with db.session() as session:
        sends = {s.person_id: s for s in await session.exec(select(ReminderSend))}
        reach = await session.get(PersonReach, blocked)
        telegram_only = (await session.exec(select(Person.id).where(Person.id == reps[2]))).one()
    assert sends[on_zalo].status == SendStatus.SENT and sends[on_zalo].channel == "zalo"
    assert sends[on_zalo].chat_ref == "z0"
    assert reach is not None and reach.reason.startswith("zalo:")
    # Telegram does not run here: that person's ping waits (another process may run Telegram).
    waiting = sends[telegram_only]
    assert waiting.status == SendStatus.PENDING and waiting.not_before > clock() and waiting.attempts == 1

    # The blocked person writes again on Zalo: their pings resume.
    from bot.services.reach import mark_reachable

    assert await mark_reachable(db, Channel.ZALO, "z1")
    async with db.session() as session:
        assert await session.get(PersonReach, blocked) is None
