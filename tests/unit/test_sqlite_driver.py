"""The SQLite driver's one trip per statement (bot/sqlite_driver.py, issue 16): a statement costs one
hand-off to the driver's thread, and what SQLAlchemy reads after it (rows, row counts, errors)
is as the stock adapter gives it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import Database

pytestmark = pytest.mark.performance


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Any:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
    yield db
    await db.dispose()


async def test_a_statement_is_one_trip_to_the_driver_s_thread(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[str] = []
    queue = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await queue(self, fn, *args, **kwargs)

    async with sqlite_db.engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 0")  # and the transaction's BEGIN (bot/db.py)
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = (await conn.exec_driver_sql("SELECT 1, 'một'")).all()
        assert [tuple(row) for row in rows] == [(1, "một")]
        assert len(trips) == 1  # the stock adapter: cursor, execute, fetchall, close
        trips.clear()
        await conn.execute(text("SELECT name FROM item WHERE id = :id"), {"id": 7})
        assert len(trips) == 1


async def test_rows_counts_and_errors_read_as_the_stock_adapter_gives_them(sqlite_db: Database) -> None:
    async with sqlite_db.engine.begin() as conn:
        inserted = await conn.execute(
            text("INSERT INTO item (name) VALUES (:n)"), [{"n": "An"}, {"n": "Bình"}]
        )
        assert inserted.rowcount == 2  # executemany
        one = await conn.execute(text("INSERT INTO item (name) VALUES ('Chi')"))
        assert one.lastrowid == 3
        changed = await conn.execute(text("UPDATE item SET name = name || '!' WHERE id < 3"))
        assert changed.rowcount == 2
        names = (await conn.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
        assert names == ["An!", "Bình!", "Chi"]
        assert (await conn.execute(text("SELECT name FROM item WHERE id = 99"))).first() is None
    with pytest.raises(IntegrityError):
        async with sqlite_db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO item (name) VALUES ('Chi')"))
    async with sqlite_db.engine.connect() as conn:  # the failed transaction left nothing
        assert (await conn.execute(text("SELECT count(*) FROM item"))).scalar_one() == 3
