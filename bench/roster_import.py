"""Importing a large roster: 50 blocs × 20 units (1,000 rows), first time and again (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from bench.common import fresh_database
from bot.services.roster import import_roster, parse_roster

BLOCS, UNITS = 50, 20


def roster_csv() -> bytes:
    lines = ["Khối,Đơn vị,Vai trò"]
    for bloc in range(1, BLOCS + 1):
        for unit in range(1, UNITS + 1):
            role = "Khối trưởng" if unit == 1 else "Khối phó" if unit == 2 else "Thành viên"
            lines.append(f"Khối thi đua số {bloc},Trường Trung học phổ thông Số {bloc}-{unit},{role}")
    return "\n".join(lines).encode("utf-8")


async def run() -> dict[str, Any]:
    data = roster_csv()
    db, folder = await fresh_database()
    try:
        started = time.perf_counter()
        parsed = parse_roster(data, "roster.csv")
        parse_ms = (time.perf_counter() - started) * 1000
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            report = await import_roster(db, parsed, school_year="2026-2027", authority_name="Sở GD&ĐT")
            timings.append((time.perf_counter() - started) * 1000)
            assert report.ok
    finally:
        await db.dispose()
        folder.cleanup()
    return {
        "what": f"roster import, {BLOCS * UNITS} rows (SQLite)",
        "parse_ms": round(parse_ms, 1),
        "first_import_ms": round(timings[0], 1),
        "reimport_median_ms": round(sorted(timings[1:])[0], 1),
    }
