"""The emulation desk and the people of the exemplar, council and conference e2e tests."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import Person, SandboxClient
from bot.services import people, roster
from models.channels import Channel
from models.organisation import Person as PersonRow
from models.organisation import RoleKind, SchoolYear, Unit
from tests.auxil.bot import Demo
from tests.auxil.channels import Anyone, person_id
from tests.auxil.clock import Clock
from tests.auxil.scale_chat import UNIT


async def desk_on(
    channel: str, client: SandboxClient, db: Database, demo: Demo, clock: Clock, uid: int
) -> Anyone:
    """A person of the district's emulation desk: first contact, then the role in the roster."""
    desk = await client.person_on(channel, uid, "Hạnh", last_name="Ngô Thị Ngọc")
    await desk.send("/start")
    await desk.next_message()
    external = str(uid) if channel == "telegram" else f"z{uid}"
    desk_id = await people.person_of_account(db, Channel(channel), external)
    assert desk_id is not None
    await appoint_desk(db, desk_id, await person_id(db, demo, UNIT), clock().date())
    return desk


async def appoint_desk(db: Database, desk_id: int, rep_id: int, today: date) -> None:
    """`desk_id` named the emulation desk of the authority over the unit `rep_id` represents."""
    rep = await people.profile_of(db, rep_id, today)
    assert rep is not None
    async with db.session() as session:
        unit = await session.get(Unit, rep.roles[0].unit_id)
        year = (
            await session.exec(select(SchoolYear).where(SchoolYear.name == rep.roles[0].school_year))
        ).one()
    assert unit is not None and year.id is not None
    await roster.appoint(
        db,
        person_id=desk_id,
        kind=RoleKind.EMULATION_DESK,
        authority_id=unit.authority_id,
        school_year_id=year.id,
    )


async def files_from(person: Anyone, client: SandboxClient, until: str) -> dict[str, bytes]:
    """The files the bot sent until a message containing `until`: documents on Telegram, signed
    download links on Zalo."""
    got: dict[str, bytes] = {}
    while True:
        message = await person.next_message(120)  # LibreOffice may be slow on a busy machine
        if isinstance(person, Person) and message.document:  # type: ignore[union-attr]
            document = message.document  # type: ignore[union-attr]
            got[document["file_name"]] = await client.download(document["file_id"])
        for name, url in re.findall(r"📎 (\S+) .*?: (https?://\S+)", message.text):
            got[name] = await client.fetch(url)
        if until in message.text:
            return got


async def member_on(
    channel: str, client: SandboxClient, db: Database, uid: int, name: str
) -> tuple[Anyone, int]:
    """Someone with a chat account and no role of a bloc (a council member, a school's teacher):
    first contact, and their person id."""
    person = await client.person_on(channel, uid, name)
    await person.send("/start")
    await person.next_message()
    found = await people.person_of_account(
        db, Channel(channel), str(uid) if channel == "telegram" else f"z{uid}"
    )
    assert found is not None
    return person, found


async def people_without_chat(db: Database, count: int, prefix: str) -> list[int]:
    """People who take part through the services the chat calls (to keep a test short)."""
    out: list[int] = []
    async with db.transaction() as session:
        for i in range(count):
            row = PersonRow(full_name=f"{prefix} {i + 1}")
            session.add(row)
            await session.flush()
            assert row.id is not None
            out.append(row.id)
    return out
