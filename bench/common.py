"""Shared set-up for benchmarks: a fresh migrated SQLite database in a temporary folder."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bot.db import Database


async def fresh_database() -> tuple[Database, tempfile.TemporaryDirectory[str]]:
    folder = tempfile.TemporaryDirectory(prefix="thidua-bench-")
    db = Database(f"sqlite+aiosqlite:///{Path(folder.name) / 'bench.sqlite3'}")
    await db.migrate()
    return db, folder


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 2)
        if len(ordered) >= 10
        else round(ordered[-1], 2),
        "min_ms": round(ordered[0], 2),
    }
