"""A bloc's group cannot be taken over by another bloc's head (issue 15)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import Database
from bot.i18n import t
from bot.services import meetings
from bot.services.demo import Persona, load_demo
from models.meetings import BlocChat
from tests.auxil.clock import Clock
from tests.auxil.people import pid

pytestmark = pytest.mark.hardening

GROUP = -1001234567890


def head_of(personas: list[Persona], bloc: str) -> int:
    return next(p.user_id for p in personas if p.group == bloc and p.label.startswith("Khối trưởng"))


async def links(db: Database) -> set[tuple[int, int]]:
    async with db.session() as session:
        return {(row.bloc_id, row.chat_id) for row in await session.exec(select(BlocChat))}


async def test_another_blocs_head_cannot_rebind_a_linked_group(db: Database, clock: Clock) -> None:
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    today = clock().date()
    head2, head4 = head_of(personas, "Khối thi đua số 2"), head_of(personas, "Khối thi đua số 4")
    assert await meetings.link_group(
        db, person_id=await pid(db, head2), chat_id=GROUP, today=today, now=clock()
    ) == ("Khối thi đua số 2")
    before = await links(db)
    with pytest.raises(meetings.GroupTakenError) as taken:
        await meetings.link_group(db, person_id=await pid(db, head4), chat_id=GROUP, today=today, now=clock())
    assert taken.value.bloc_name == "Khối thi đua số 2"
    assert "không gắn sang khối khác" in t("vi", "group.taken", bloc=taken.value.bloc_name)
    assert await links(db) == before  # bloc 2 keeps its group, bloc 4 gains nothing
    # Bloc 2's own head may link it again (or move it), and bloc 4 may link a group of its own.
    await meetings.link_group(db, person_id=await pid(db, head2), chat_id=GROUP, today=today, now=clock())
    await meetings.link_group(db, person_id=await pid(db, head4), chat_id=GROUP - 1, today=today, now=clock())
    assert len(await links(db)) == 2
