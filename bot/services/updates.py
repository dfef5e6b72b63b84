"""Each platform update handled once: taken before it is handled, marked done after.

A platform delivers an update again when it did not hear that the bot got it: a webhook POST
that timed out, a long poll whose confirming offset never went out because the bot died. The
same update must not advance a conversation twice, check in twice or score twice. A row per
(channel, update id) says which process took it and whether it finished:

  new            → handle it;
  done           → delivered again: change nothing;
  taken by us    → the same update twice in this process at once: the second changes nothing;
  taken by a process that is gone (a crash before it finished) → taken over and handled again.
    Conversations are written so that a step handled twice at a crash is harmless (a cast
    meets its UNIQUE row and says "already voted", with the way to the tracker).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update

from bot.db import Database
from models.channels import HandledUpdate

KEEP = timedelta(days=3)  # Telegram reuses ids only after a week without updates
PRUNE_EVERY = 500  # takes between two prunes of old rows, per process

# This process, as the rows name it: a process started again is another process.
PROCESS = secrets.token_hex(8)
_takes = 0


class Taking(StrEnum):
    NEW = "new"
    DONE = "done"
    BUSY = "busy"  # this process has it in hand
    ABANDONED = "abandoned"  # taken by a process that did not finish it; now ours


async def take(db: Database, channel: str, update_id: int, now: datetime, process: str = PROCESS) -> Taking:
    global _takes
    _takes += 1
    try:
        async with db.transaction() as session:
            session.add(HandledUpdate(channel=channel, update_id=update_id, process=process, taken_at=now))
            await session.flush()
    except IntegrityError:
        pass
    else:
        if _takes % PRUNE_EVERY == 0:
            await prune(db, now)
        return Taking.NEW
    async with db.transaction() as session:
        row = (
            await session.exec(
                select(HandledUpdate)
                .where(HandledUpdate.channel == channel, HandledUpdate.update_id == update_id)
                .with_for_update()
            )
        ).one()
        if row.done:
            return Taking.DONE
        if row.process == process:
            return Taking.BUSY
        row.process, row.taken_at = process, now
        session.add(row)
    return Taking.ABANDONED


async def finish(db: Database, channel: str, update_id: int) -> None:
    async with db.transaction() as session:
        await session.exec(
            update(HandledUpdate)
            .where(col(HandledUpdate.channel) == channel, col(HandledUpdate.update_id) == update_id)
            .values(done=True)
        )


async def prune(db: Database, now: datetime) -> None:
    async with db.transaction() as session:
        await session.exec(delete(HandledUpdate).where(col(HandledUpdate.taken_at) < now - KEEP))
