"""The audit log: every meeting and ballot action, appended to a hash chain.

Each entry's hash covers the previous hash and the entry's own fields, so editing or deleting
any row breaks the chain from there on; `thidua audit verify` recomputes it. A cast is logged
as "unit U cast in poll P" (who voted is public) and never with what was voted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from models.meetings import AuditEntry

GENESIS = hashlib.sha256(b"thidua-audit-genesis").hexdigest()
_PG_AUDIT_LOCK = 7_428_001  # one advisory lock id: appends are serialised on PostgreSQL too


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    canonical = json.dumps(
        [
            prev_hash,
            entry.seq,
            entry.at.isoformat(),
            entry.actor_person_id,
            entry.action,
            entry.subject,
            json.loads(entry.details),
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def append(
    session: AsyncSession,
    *,
    action: str,
    subject: str,
    at: datetime,
    actor_person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append inside the caller's transaction, so the action and its record commit together."""
    entry = await add(
        session, action=action, subject=subject, at=at, actor_person_id=actor_person_id, details=details
    )
    await session.flush()
    return entry


async def add(
    session: AsyncSession,
    *,
    action: str,
    subject: str,
    at: datetime,
    actor_person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """The next entry, added to the session but not flushed: the caller's flush writes it with
    its own rows. Only the head's number and hash are read (by the primary key's index)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.exec(text(f"SELECT pg_advisory_xact_lock({_PG_AUDIT_LOCK})"))  # type: ignore[call-overload]
    last = (
        await session.exec(
            select(AuditEntry.seq, AuditEntry.hash).order_by(col(AuditEntry.seq).desc()).limit(1)
        )
    ).first()
    prev_hash = last[1] if last else GENESIS
    entry = AuditEntry(
        seq=(last[0] + 1) if last else 1,
        at=at,
        actor_person_id=actor_person_id,
        action=action,
        subject=subject,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(prev_hash, entry)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    what: str  # "edited", "missing before", "relinked"


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    head_seq: int
    head_hash: str
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(db: Database) -> AuditCheck:
    async with db.session() as session:
        entries = list(await session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))))
    problems: list[AuditProblem] = []
    prev_hash, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(AuditProblem(entry.seq, f"missing entries {expected_seq}–{entry.seq - 1}"))
        if entry.prev_hash != prev_hash:
            problems.append(AuditProblem(entry.seq, "does not follow the previous entry"))
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(AuditProblem(entry.seq, "edited after it was written"))
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = entries[-1] if entries else None
    return AuditCheck(
        entries=len(entries),
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else GENESIS,
        problems=tuple(problems),
    )


async def head(session: AsyncSession) -> tuple[int, str]:
    last = (
        await session.exec(
            select(AuditEntry.seq, AuditEntry.hash).order_by(col(AuditEntry.seq).desc()).limit(1)
        )
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)
