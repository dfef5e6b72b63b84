"""A world built once per test session and backend, then put into each test's own database.

Some builders walk a bloc through its whole year (units registered and scored, a meeting held,
ballots sealed and counted): hundreds of service calls, the same for every test of a module. A
builder is deterministic in its database's starting state and the clock, so its rows, built once,
stand for every later build: the first test builds for real and its rows are kept; each later test
on the same backend gets those rows in its own (fresh, empty) database and a copy of what the
builder returned, pointed at that database and clock. Every test still owns its database and may
change it as it likes.

SQLite keeps the built file (byte for byte); PostgreSQL keeps the rows of every table and the value
of every sequence as one script (tests/auxil/databases.py), put back in one transaction.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.db import Database
from tests.auxil.clock import Clock
from tests.auxil.databases import restore_postgres, snapshot_postgres

T = TypeVar("T")


@dataclass
class _Kept:
    built: Any  # what the builder returned, pointing at the first test's database and clock
    db: Database
    clock: Clock
    ended_at: datetime  # the clock when the builder was done
    sqlite_file: Path | None = None
    snapshot: str | None = None  # PostgreSQL: the rows and sequences, as restore_postgres takes them


_KEPT: dict[tuple[str, str, datetime], _Kept] = {}
_FOLDER: list[Path] = []


def _sqlite_path(db: Database) -> Path | None:
    url = make_url(db.url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _folder() -> Path:
    if not _FOLDER:
        _FOLDER.append(Path(tempfile.mkdtemp(prefix="thidua-worlds-")))
        atexit.register(shutil.rmtree, _FOLDER[0], ignore_errors=True)
    return _FOLDER[0]


async def once(key: str, db: Database, clock: Clock, build: Callable[[Database, Clock], Awaitable[T]]) -> T:
    """What `build(db, clock)` returns, with `db` holding what it built: built for real the first
    time per session, backend and starting clock; later, its rows put back and its result copied."""
    path = _sqlite_path(db)
    slot = (key, "sqlite" if path else "postgresql", clock())
    kept = _KEPT.get(slot)
    if kept is None:
        built = await build(db, clock)
        # A copy kept: the first test may change what it was given.
        kept = _Kept(copy.deepcopy(built, {id(db): db, id(clock): clock}), db, clock, clock())
        if path is not None:
            await db.dispose()  # the last connection closed folds the WAL into the file
            kept.sqlite_file = _folder() / f"{len(_KEPT)}.sqlite3"
            _copy_sqlite(path, kept.sqlite_file)
        else:
            kept.snapshot = await snapshot_postgres(db)
        _KEPT[slot] = kept
        return built
    leftover = await _tables_with_rows(db)
    assert not leftover, f"{key}: the test's database is not empty before the world is put in: {leftover}"
    if path is not None:
        assert kept.sqlite_file is not None
        await db.dispose()
        _copy_sqlite(kept.sqlite_file, path)
    else:
        assert kept.snapshot is not None
        await restore_postgres(db, kept.snapshot)
    clock.now = kept.ended_at
    return copy.deepcopy(kept.built, {id(kept.db): db, id(kept.clock): clock})


def _copy_sqlite(source: Path, target: Path) -> None:
    """The database file with its WAL and shared-memory files, if any: the target's own replaced."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")


async def _tables_with_rows(db: Database) -> list[str]:
    """A world is put only into an empty database: rows another fixture wrote would be lost."""
    async with db.engine.connect() as conn:
        return [
            table.name
            for table in SQLModel.metadata.sorted_tables
            if (await conn.execute(select(table).limit(1))).first() is not None
        ]
