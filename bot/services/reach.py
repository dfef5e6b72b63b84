"""A person who had blocked the bot writes again: pings may go to them again (bot.services.reminders
sends them). Apart from the reminders so that the check every message gets loads little."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, column, delete, or_, table
from sqlmodel import col, select

from bot.db import Database, run_core
from models.channels import Channel, ChannelAccount
from models.organisation import Person

# models.reminders.PersonReach by its table's name: every message asks it, and that model's
# module would load the reminders' seven tables for one (tests/unit/test_capabilities.py).
PERSON_REACH = table("person_reach", column("person_id"))


async def mark_reachable(db: Database, channel: Channel, external_id: str) -> bool:
    """The person wrote to the bot again from this account: pings may go to them again.

    Pings go to the app the person wrote from last, so a message on any of their apps makes
    them reachable, on that app. One read per message when nobody is unreachable; the write
    only when this person was marked unreachable."""
    legacy_telegram = channel is Channel.TELEGRAM and external_id.lstrip("-").isdigit()
    params: dict[str, Any] = {"channel": channel.value, "external_id": external_id}
    if legacy_telegram:
        params["telegram_id"] = int(external_id)
    else:
        params["zalo_id"] = external_id
    async with db.session() as session:
        row = (await run_core(session, _unreachable_query(legacy_telegram), params)).first()
    if row is None:
        return False
    async with db.transaction() as session:
        await session.exec(delete(PERSON_REACH).where(PERSON_REACH.c.person_id == row[0]))
    return True


@cache
def _unreachable_query(legacy_telegram: bool) -> Any:
    """The person behind an account, if marked unreachable: built once, not on every message
    (building the statement cost more than running it)."""
    account = select(ChannelAccount.person_id).where(
        col(ChannelAccount.channel) == bindparam("channel"),
        col(ChannelAccount.external_id) == bindparam("external_id"),
    )
    # People known before channel accounts existed (and the demo's) are found by their app's id.
    if legacy_telegram:
        legacy = select(Person.id).where(Person.telegram_id == bindparam("telegram_id"))
    else:
        legacy = select(Person.id).where(Person.zalo_id == bindparam("zalo_id"))
    reach = PERSON_REACH.c.person_id
    return select(reach).where(or_(reach.in_(account), reach.in_(legacy)))
