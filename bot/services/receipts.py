"""A voter's trackers, shown again on request (/kiemtra with no code).

The tracker a cast answers with can be lost (the reply failed to arrive, the chat was cleared).
Each participation row keeps its unit's tracker sealed under a key derived from the ballot master
key (bot/ballot_crypto.seal_receipt), bound to its poll and unit. Only the running bot holds that
key, and the running bot already sees every choice as it is cast: the receipt adds no one who can
link a unit to its ballot. A database copy, a backup or the head sees random bytes. Why this and
not something else: docs/architecture.md, "Secret ballots".
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import col, select

from bot import ballot_crypto
from bot.db import Database
from models.meetings import Participation, Poll, PollStatus
from models.organisation import PersonRole, RoleKind, Unit
from models.types import id_of

SHOWN = 20  # the most recent ballots a person is shown


@dataclass(frozen=True)
class Receipt:
    poll_title: str
    unit_name: str
    open: bool  # the poll is still open: the tracker is published at close
    tracker: str | None  # None: cast before trackers were kept, or under another master key
    counted: bool | None  # closed polls: the tracker is in the published list


async def receipts_of(db: Database, *, person_id: int, master_key: bytes | None) -> list[Receipt]:
    """The trackers of the ballots cast for the units this person represents now, newest first.

    Only the unit's own tracker, never its choice (which nothing can recover: the ballot is sealed
    to the poll's key, destroyed at close)."""
    async with db.session() as session:
        rows = list(
            await session.exec(
                select(Poll, Unit.name, Participation.unit_id, Participation.receipt)
                .join(Participation, col(Participation.poll_id) == Poll.id)
                .join(Unit, col(Unit.id) == Participation.unit_id)
                .join(PersonRole, col(PersonRole.unit_id) == Participation.unit_id)
                .where(
                    PersonRole.person_id == person_id,
                    PersonRole.kind == RoleKind.REP,
                    col(PersonRole.revoked_at).is_(None),
                )
                .distinct()
                .order_by(col(Poll.id).desc())
                .limit(SHOWN)
            )
        )
    out: list[Receipt] = []
    for poll, unit_name, unit_id, sealed in rows:
        tracker = None
        if sealed is not None and master_key is not None:
            tracker = ballot_crypto.open_receipt(master_key, id_of(poll), unit_id, sealed)
        is_open = poll.status != PollStatus.CLOSED
        counted = None
        if not is_open and tracker is not None:
            counted = tracker in set(_published(poll))
        out.append(Receipt(poll.title, unit_name, is_open, tracker, counted))
    return out


def _published(poll: Poll) -> list[str]:
    try:
        published = json.loads(poll.trackers or "[]")
    except ValueError:
        return []
    return [t for t in published if isinstance(t, str)]
