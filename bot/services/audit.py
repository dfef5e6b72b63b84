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
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, func, insert, text
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database, run_core
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
    """The next entry, written at once inside the caller's transaction.

    The chain's head is remembered from this process's last append, and the entry is inserted
    only if the head is still that one: the check and the write are one statement, nothing read
    first. A head that moved (another process, a rolled-back transaction) inserts nothing; then
    the head is read (by the primary key's index) and the entry written after it. Appends are
    serialised all the same (SQLite's one writer; PostgreSQL's advisory lock), so the check
    cannot be overtaken between its read and its write."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await run_core(session, text(f"SELECT pg_advisory_xact_lock({_PG_AUDIT_LOCK})"))
    where = str(getattr(bind, "url", ""))
    entry = AuditEntry(
        seq=0,
        at=at,
        actor_person_id=actor_person_id,
        action=action,
        subject=subject,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        prev_hash="",
        hash="",
    )
    known = _heads.get(where)
    if known is not None and await _insert_after(session, entry, *known):
        _heads[where] = (entry.seq, entry.hash)
        return entry
    seq, prev_hash = await head(session)
    written = await _insert_after(session, entry, seq, prev_hash)
    assert written, "the audit chain's head moved while its append held the lock"
    if len(_heads) > 64:  # one per database this process writes to; tests make many
        _heads.clear()
    _heads[where] = (entry.seq, entry.hash)
    return entry


# The chain's head (number, hash) as this process last wrote it, per database URL: a guess that
# every append checks against the table in the same statement that writes.
_heads: dict[str, tuple[int, str]] = {}


async def _insert_after(session: AsyncSession, entry: AuditEntry, seq: int, prev_hash: str) -> bool:
    """Write `entry` as the one after (`seq`, `prev_hash`) if that is still the chain's head."""
    entry.seq, entry.prev_hash = seq + 1, prev_hash
    entry.hash = entry_hash(prev_hash, entry)
    values = {name: getattr(entry, name) for name in _COLUMNS}
    done = await run_core(session, _append_if_head(), {**values, "head": prev_hash})
    return bool(done.rowcount == 1)


_COLUMNS = ("seq", "at", "actor_person_id", "action", "subject", "details", "prev_hash", "hash")


@cache
def _append_if_head() -> Any:
    """INSERT the entry only while the chain's head hash is `head` (GENESIS for an empty chain):
    built once, it costs more to build than to run."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    newest = core_select(table.c.hash).order_by(table.c.seq.desc()).limit(1).scalar_subquery()
    values = [bindparam(name, type_=table.c[name].type) for name in _COLUMNS]
    return insert(table).from_select(
        list(_COLUMNS),
        core_select(*values).where(func.coalesce(newest, GENESIS) == bindparam("head", type_=String)),
    )


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
