"""A deadline ping to N recipients at once, through the sandbox with Telegram's flood limits on.

The real application sends through AIORateLimiter; the sandbox refuses anything over 30
messages/s overall (1/s per private chat) with a 429 + retry_after. The figure is the rate the
sweep sustains from its first send to the last delivery, and whether every recipient got
exactly one message.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bench.common import fresh_database
from bot.app import build_application, start_bot, stop_bot
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.server import SandboxServer
from bot.services import timetable
from bot.services.roster import import_roster, parse_roster
from bot.settings import Settings
from models.organisation import Bloc, Person, PersonRole, RoleKind, SchoolYear, Unit

BROADCAST_BLOC = 90
FIRST_ID = 800_000
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Due 07/12/2026; its week-before ping is 30/11/2026 08:00 in Hồ Chí Minh City.
TABLE = (
    "TT | Nội dung | Thời gian hoàn thành | Đơn vị thực hiện\n"
    "1 | Nộp hồ sơ đăng ký thi đua | Trước ngày 08/12/2026 | Các đơn vị trực thuộc Phòng GDĐT"
)
PING_AT = datetime(2026, 11, 30, 8, 0, tzinfo=VN).astimezone(UTC)


async def prepare(db: Database, sandbox: Sandbox, recipients: int, *, now: datetime) -> list[int]:
    """A bloc of `recipients` units, one representative each (known to the sandbox), and a timetable."""
    lines = ["Khối,Đơn vị,Vai trò"] + [
        f"Khối thi đua số {BROADCAST_BLOC},Trường Phát tin Số {n},Thành viên"
        for n in range(1, recipients + 1)
    ]
    report = await import_roster(
        db,
        parse_roster("\n".join(lines).encode(), "broadcast.csv"),
        school_year="2026-2027",
        authority_name="Sở GD&ĐT",
    )
    assert report.ok
    chat_ids: list[int] = []
    async with db.transaction() as session:
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == "2026-2027"))).one()
        units = list(await session.exec(select(Unit).where(Unit.name.startswith("Trường Phát tin Số "))))  # type: ignore[attr-defined]
        for index, unit in enumerate(sorted(units, key=lambda u: u.id or 0), start=1):
            person = Person(telegram_id=FIRST_ID + index, full_name=f"Người nhận {index}")
            session.add(person)
            await session.flush()
            session.add(
                PersonRole(person_id=person.id, school_year_id=year.id, kind=RoleKind.REP, unit_id=unit.id)  # type: ignore[arg-type]
            )
            sandbox.add_user(FIRST_ID + index, f"Người nhận {index}")
            chat_ids.append(FIRST_ID + index)
        bloc = (await session.exec(select(Bloc).where(Bloc.number == BROADCAST_BLOC))).one()
    result = await timetable.save(
        db, timetable.text_to_cells(TABLE), school_year=None, bloc_id=bloc.id, now=now, zone=VN
    )
    assert result.ok
    return chat_ids


def delivered(sandbox: Sandbox, chat_ids: list[int]) -> list[int]:
    """How many bot messages each recipient's chat holds."""
    return [sum(1 for m in sandbox.transcript(chat) if m["from"].get("is_bot")) for chat in chat_ids]


async def run() -> dict[str, Any]:
    from bot.reminders_job import run_sweep

    recipients = int(os.environ.get("BENCH_BROADCAST_N", "500"))
    db, folder = await fresh_database()
    sandbox = Sandbox(limits=Limits(enabled=True))
    server = SandboxServer(sandbox)
    await server.start()
    clock_now = [PING_AT - timedelta(days=8)]
    settings = Settings(_env_file=None, database_url=db.url)  # type: ignore[call-arg]
    application = build_application(
        Deps(settings=settings, db=db, clock=lambda: clock_now[0]), token=sandbox.token, base_url=server.url
    )
    try:
        chat_ids = await prepare(db, sandbox, recipients, now=clock_now[0])
        await start_bot(application, poll_timeout=1)
        clock_now[0] = PING_AT
        sent_before = sandbox.stats["sent"]
        started = time.perf_counter()
        report = await run_sweep(application.bot_data["deps"])
        seconds = time.perf_counter() - started
        counts = delivered(sandbox, chat_ids)
    finally:
        await stop_bot(application)
        await server.stop()
        await db.dispose()
        folder.cleanup()
    return {
        "what": f"one deadline ping to {recipients} people through the sandbox, flood limits on (SQLite)",
        "recipients": recipients,
        "seconds": round(seconds, 2),
        "messages_per_s": round(recipients / seconds, 1),
        "sent": sandbox.stats["sent"] - sent_before,
        "exactly_once": all(c == 1 for c in counts),
        "sandbox_429s": sandbox.stats["rate_limited"],
        "sweep_sent": report.sent,
        "sweep_retried": report.retried,
        "sweep_failed": report.failed,
        "delivered_once": sum(1 for c in counts if c == 1),
        "delivered_twice_or_more": sum(1 for c in counts if c > 1),
    }
