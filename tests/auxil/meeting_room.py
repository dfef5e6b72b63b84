"""The meeting room on a phone (issue 13): bloc 2's representatives on Telegram or Zalo, the
chair's card, check-in, and a bloc grown to any size."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import Person, SandboxClient, ZaloPerson
from bot.services.demo import Persona
from models.channels import Channel, ChannelAccount
from models.meetings import Meeting
from models.organisation import Bloc, BlocMembership, SchoolYear, Unit
from models.text import name_key
from tests.auxil.bot import Demo
from tests.auxil.people import pid

Chat = Person | ZaloPerson
CODE = re.compile(r"Mã điểm danh.*: (\d{6})")


async def on(client: SandboxClient, db: Database, channel: str, persona: Persona) -> Chat:
    """A demo representative on a channel: on Zalo an account of the same person, used last."""
    if channel == "telegram":
        return await client.person(persona.user_id, persona.first_name, last_name=persona.last_name)
    zalo = await client.zalo_person(f"z{persona.user_id}", f"{persona.last_name} {persona.first_name}")
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel=Channel.ZALO.value, external_id=zalo.user_id, person_id=await pid(db, persona.user_id)
            )
        )
    return zalo


async def press(person: Chat, message: Any, fragment: str) -> None:
    """Press the option whose label holds `fragment`: a button on Telegram, its number on Zalo."""
    label = next((label for label in message.button_texts if fragment in label), None)
    assert label is not None, f"no option with {fragment!r} in {message.button_texts}"
    await person.press(message, label)


def code_on(card: Any) -> str:
    found = CODE.search(card.text)
    assert found is not None, card.text
    return found.group(1)


class BlocRoom:
    """Bloc 2's representatives on one channel; the first (the head's unit) chairs."""

    def __init__(self, client: SandboxClient, db: Database, demo: Demo, channel: str) -> None:
        self.client, self.db, self.channel = client, db, channel
        self.reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
        self.units = [p.label.split(" — ")[-1] for p in self.reps]
        self.people: list[Chat] = []

    @property
    def chair(self) -> Chat:
        return self.people[0]  # the head's representative chairs

    async def setup(self, count: int) -> None:
        self.people = [await on(self.client, self.db, self.channel, p) for p in self.reps[:count]]


class Room(BlocRoom):
    """Bloc 2's year-end meeting as its people hold it, on one channel."""

    async def start(self) -> str:
        """The chair creates and starts the year-end meeting; the check-in code on its card."""
        chair = self.chair
        await chair.send("/hop")
        await press(chair, await chair.expect("Các cuộc họp"), "Tạo cuộc họp")
        await press(chair, await chair.expect("loại nào"), "tổng kết")
        await chair.expect("Ngày giờ họp")
        await chair.send("15/06/2027 08:00")
        await press(chair, await chair.expect("chưa bắt đầu"), "Bắt đầu họp")
        return code_on(await chair.expect("Mã điểm danh"))

    async def card(self, *showing: str) -> Any:
        """The chair asks for the card again (on Zalo, the only way to see it change), until it
        shows `showing` (on Telegram the last card is also edited live, and an edit may come first)."""
        await self.chair.send("/hop")
        await press(self.chair, await self.chair.expect("Các cuộc họp"), "Họp tổng kết")
        return await self.chair.expect("Mã điểm danh", *showing)

    async def check_in(self, people: list[Chat], code: str) -> None:
        for person in people:
            await person.send(f"/diemdanh {code}")
            await person.expect("Đã điểm danh")

    async def vote(self, person: Chat, title: str, unit: str) -> None:
        """A one-pick ballot (an election), as the person's app lets them vote."""
        ballot = await person.expect("Phiếu bầu", title)
        if isinstance(person, ZaloPerson):
            await press(person, ballot, "Nhận phiếu")
            await person.expect("MỘT tin nhắn")
            await person.send(str(self.units.index(unit) + 1))
            await person.expect("Xem lại phiếu")
            await person.send("OK")
        else:
            await press(person, ballot, f". {unit}")
            await press(person, await person.expect("Phiếu bầu", title), "Xem lại")
            await press(person, await person.expect("Xem lại phiếu"), "Bỏ phiếu")
        await person.expect("Đã ghi nhận phiếu")

    async def meeting_id(self) -> int:
        async with self.db.session() as session:
            found = (await session.exec(select(Meeting.id).order_by(Meeting.id.desc()))).first()  # type: ignore[union-attr]
        assert found is not None
        return int(found)


async def grow_bloc(db: Database, bloc_name: str, school_year: str, count: int) -> list[str]:
    """Add `count` member units with long names to a bloc (a big district's bloc); their names."""
    names = [
        f"Trường Trung học phổ thông chuyên Nguyễn Thị Minh Khai số {i:03d} phân hiệu" for i in range(count)
    ]
    async with db.transaction() as session:
        bloc = (await session.exec(select(Bloc).where(Bloc.name == bloc_name))).one()
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == school_year))).one()
        for name in names:
            unit = Unit(authority_id=bloc.authority_id, name=name, name_key=name_key(name))
            session.add(unit)
            await session.flush()
            session.add(BlocMembership(school_year_id=year.id, bloc_id=bloc.id, unit_id=unit.id))  # type: ignore[arg-type]
    return names
