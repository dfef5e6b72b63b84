"""The migrations match the models on both backends, and an invite is single-use under a race."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.db import Database
from bot.services import invites, people
from bot.services.demo import load_demo
from models.channels import Channel
from models.organisation import Invite, PersonRole
from tests.auxil.clock import Clock


async def test_migrations_match_the_models(db: Database) -> None:
    assert await db.schema_drift() == []


async def test_two_people_opening_one_invite_at_once_bind_exactly_one(db: Database, clock: Clock) -> None:
    await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    batch = await invites.issue_invites(db, bloc_number=1, now=clock(), ttl=timedelta(days=1))
    token = batch.invites[0].token
    newcomers_ids = [
        (
            await people.identify_account(
                db,
                Channel.TELEGRAM,
                str(700000 + i),
                display_name=f"P{i}",
                language="vi",
                today=clock().date(),
            )
        ).person_id
        for i in range(6)
    ]
    results = await asyncio.gather(
        *(invites.redeem(db, token, person_id=person_id, now=clock()) for person_id in newcomers_ids),
        return_exceptions=True,
    )
    statuses = [r.status if isinstance(r, invites.RedeemResult) else type(r).__name__ for r in results]
    assert statuses.count(invites.RedeemStatus.JOINED) == 1, statuses
    async with db.session() as session:
        bound = (
            await session.exec(
                select(PersonRole).where(PersonRole.person_id > 0, PersonRole.unit_id.is_not(None))
            )
        ).all()  # type: ignore[union-attr]
        invite = (
            await session.exec(select(Invite).where(Invite.token_hash == invites.hash_token(token)))
        ).one()
    assert invite.used_at is not None
    newcomers = [r for r in bound if r.person_id == invite.used_by_person_id]
    assert len(newcomers) == 1


async def test_only_the_hash_of_a_token_is_stored(db: Database, clock: Clock) -> None:
    await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    batch = await invites.issue_invites(db, bloc_number=2, now=clock(), ttl=timedelta(days=1))
    async with db.session() as session:
        stored = {row.token_hash for row in await session.exec(select(Invite))}
    assert len(batch.invites) == 13
    assert not {item.token for item in batch.invites} & stored
    assert {invites.hash_token(item.token) for item in batch.invites} == stored
    assert all(len(item.token) >= 32 for item in batch.invites)
