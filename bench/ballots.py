"""Casting N ballots and closing the poll (unseal, tally, publish): SQLite, at the service level.

N simulated units vote in one poll (a selection of 3 seats among 20 candidates). Casting is
sequential, as the bot processes updates one at a time; each cast is one transaction that seals,
inserts who-voted and what-was-voted, and appends to the audit chain.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from bench.common import fresh_database, summary
from bot import ballot_crypto
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.roster import get_or_create_year, import_roster, parse_roster
from models.meetings import Attendance, MeetingKind
from models.organisation import Person, PersonRole, RoleKind, Unit

VOTERS = (50, 200)


async def one(voters: int) -> dict[str, Any]:
    db, folder = await fresh_database()
    now = datetime.now(UTC)
    master = ballot_crypto.parse_master_key(ballot_crypto.new_master_key())
    rows = ["Khối,Đơn vị,Vai trò"] + [
        f"1,Đơn vị {i:03d},{'Khối trưởng' if i == 0 else 'Thành viên'}" for i in range(voters)
    ]
    await import_roster(
        db, parse_roster("\n".join(rows).encode(), "r.csv"), school_year="2026-2027", authority_name="Sở"
    )
    try:
        ids: dict[int, int] = {}  # telegram id → our person id (what the services take)
        async with db.transaction() as session:
            year = await get_or_create_year(session, "2026-2027")
            units = list(await session.exec(select(Unit).order_by(Unit.id)))  # type: ignore[arg-type]
            for index, unit in enumerate(units):
                person = Person(telegram_id=5_000_000 + index, full_name=f"Người {index}")
                session.add(person)
                await session.flush()
                assert person.id is not None
                ids[5_000_000 + index] = person.id
                session.add(
                    PersonRole(
                        person_id=person.id, school_year_id=year.id, kind=RoleKind.REP, unit_id=unit.id
                    )
                )  # type: ignore[arg-type]
        head = 5_000_000
        today = now.date()
        bloc_id = (await meetings.led_blocs(db, ids[head], today))[0][0]
        view = await meetings.create_meeting(
            db,
            person_id=ids[head],
            bloc_id=bloc_id,
            kind=MeetingKind.YEAREND,
            starts_at=now,
            place="x",
            agenda="",
            now=now,
            today=today,
        )
        await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
            db,
            person_id=ids[head],
            meeting_id=view.id,
            now=now,
            today=today,
            counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
        )
        await meetings.open_meeting(db, person_id=ids[head], meeting_id=view.id, now=now, today=today)
        async with db.transaction() as session:
            for unit in units:
                session.add(Attendance(meeting_id=view.id, unit_id=unit.id))  # type: ignore[arg-type]
        draft = await ballots.create_draft(
            db, person_id=ids[head], meeting_id=view.id, purpose=Purpose.ELECT_HEAD, title="Bench", now=now
        )
        opened = await ballots.open_poll(
            db, person_id=ids[head], poll_id=draft.id, master_key=master, now=now
        )
        candidates = [c.position for c in opened.poll.on_ballot][:20]
        cast_ms = []
        for index in range(voters):
            started = time.perf_counter()
            result = await ballots.cast(
                db,
                poll_ref=opened.poll.ref,
                person_id=ids[5_000_000 + index],
                ballot=frozenset({candidates[index % len(candidates)]}),
                now=now,
            )
            cast_ms.append((time.perf_counter() - started) * 1000)
            assert result.tracker
        started = time.perf_counter()
        closed = await ballots.close_poll(
            db, poll_id=opened.poll.id, master_key=master, now=now, person_id=ids[head]
        )
        close_ms = (time.perf_counter() - started) * 1000
        assert closed.result.voted == voters
    finally:
        await db.dispose()
        folder.cleanup()
    return {"voters": voters, "cast": summary(cast_ms), "close_and_tally_ms": round(close_ms, 1)}


async def run() -> dict[str, Any]:
    return {
        "what": "cast N ballots one by one, then close, unseal and tally (SQLite)",
        "runs": [await one(n) for n in VOTERS],
    }
