"""Issue 16's figures, each beside a bare python-telegram-bot echo bot measured in the same run.

Sizes come from the environment (the issue's sizes by default; `--quick` for development):
BENCH_PEOPLE (500), BENCH_ROUNDS (3), BENCH_BALLOTS (1000), BENCH_OPTIONS (60),
BENCH_RECIPIENTS (600), BENCH_UNITS (1000), BENCH_STARTUPS (3).
Bursts alternate echo and ours, round by round, and report each figure's median over the rounds.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bench import harness
from bench.harness import BenchSandbox, BotProcess, Burst, burst, median_figures, running
from bot import ballot_crypto
from bot.db import Database
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.roster import get_or_create_year, import_roster, parse_roster
from models.channels import Channel, ChannelAccount
from models.meetings import Attendance, MeetingKind, Participation
from models.organisation import Person, PersonRole, RoleKind, Unit
from models.school_year import school_year_of

QUICK = {
    "BENCH_PEOPLE": "50",
    "BENCH_ROUNDS": "2",
    "BENCH_BALLOTS": "100",
    "BENCH_RECIPIENTS": "60",
    "BENCH_UNITS": "100",
    "BENCH_STARTUPS": "2",
}
FIRST_VOTER = 5_000_000
MASTER_KEY_TEXT = ballot_crypto.new_master_key()
MASTER_KEY = ballot_crypto.parse_master_key(MASTER_KEY_TEXT)


def size(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def bot_env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "BALLOT_MASTER_KEY": MASTER_KEY_TEXT, "LOG_LEVEL": "WARNING"}


# ------------------------------------------------------------------ a bloc of N voters
@dataclass
class Bloc:
    head: int
    meeting_id: int
    unit_ids: list[int]
    voters: list[int]  # telegram ids, voter i represents unit_ids[i]
    person_ids: dict[int, int]  # telegram id → our person id (what the services take)


async def seed_bloc(db: Database, people: int, now: datetime) -> Bloc:
    """One bloc of `people` units, one representative each, its year-end meeting open, all present."""
    year_name = school_year_of(now.date())
    rows = ["Khối,Đơn vị,Vai trò"] + [
        f"1,Trường Thử nghiệm Số {i:04d},{'Khối trưởng' if i == 0 else 'Thành viên'}" for i in range(people)
    ]
    report = await import_roster(
        db, parse_roster("\n".join(rows).encode(), "r.csv"), school_year=year_name, authority_name="Sở"
    )
    assert report.ok
    person_ids: dict[int, int] = {}
    async with db.transaction() as session:
        year = await get_or_create_year(session, year_name)
        units = list(await session.exec(select(Unit).order_by(Unit.id)))  # type: ignore[arg-type]
        for index, unit in enumerate(units):
            person = Person(telegram_id=FIRST_VOTER + index, full_name=f"Người Thử {index}")
            session.add(person)
            await session.flush()
            assert person.id is not None
            person_ids[FIRST_VOTER + index] = person.id
            session.add(
                ChannelAccount(
                    channel=Channel.TELEGRAM, external_id=str(FIRST_VOTER + index), person_id=person.id
                )
            )
            session.add(
                PersonRole(person_id=person.id, school_year_id=year.id, kind=RoleKind.REP, unit_id=unit.id)  # type: ignore[arg-type]
            )
    head, today = FIRST_VOTER, now.date()
    bloc_id = (await meetings.led_blocs(db, person_ids[head], today))[0][0]
    view = await meetings.create_meeting(
        db,
        person_id=person_ids[head],
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
        db,
        person_id=person_ids[head],
        meeting_id=view.id,
        now=now,
        today=today,
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    await meetings.open_meeting(db, person_id=person_ids[head], meeting_id=view.id, now=now, today=today)
    async with db.transaction() as session:
        for unit in units:
            session.add(Attendance(meeting_id=view.id, unit_id=unit.id))  # type: ignore[arg-type]
    voters = [FIRST_VOTER + i for i in range(len(units))]
    return Bloc(head, view.id, [u.id for u in units], voters, person_ids)  # type: ignore[misc]


def add_people(sandbox: BenchSandbox, bloc: Bloc) -> None:
    for index, user_id in enumerate(bloc.voters):
        sandbox.add_user(user_id, f"Thử {index}", last_name="Người")


async def open_poll(
    db: Database, bloc: Bloc, base_url: str, *, title: str, candidates: int, now: datetime
) -> ballots.OpenedPoll:
    """An election with `candidates` units on the ballot, sent to every voter by the production code."""
    from bot.app import build_application
    from bot.channels.telegram import TelegramDeliverer
    from bot.delivery import deliver_due
    from bot.deps import Deps
    from bot.settings import Settings
    from handlers.voting import outbox_ballot

    draft = await ballots.create_draft(
        db,
        person_id=bloc.person_ids[bloc.head],
        meeting_id=bloc.meeting_id,
        purpose=Purpose.ELECT_HEAD,
        title=title,
        now=now,
        candidate_unit_ids=bloc.unit_ids[1 : candidates + 1],
    )
    opened = await ballots.open_poll(
        db,
        person_id=bloc.person_ids[bloc.head],
        poll_id=draft.id,
        master_key=MASTER_KEY,
        now=now,
        ballot_screen=outbox_ballot,
    )
    settings = Settings(_env_file=None, database_url=db.url, ballot_master_key=MASTER_KEY_TEXT)  # type: ignore[call-arg]
    sender = build_application(
        Deps(settings=settings, db=db, master_key=MASTER_KEY),
        token="0:sandbox",
        base_url=base_url,
        rate_limiter=False,
    )
    async with sender:
        deps: Deps = sender.bot_data["deps"]
        deps.channels[Channel.TELEGRAM] = TelegramDeliverer(sender.bot)
        while await deliver_due(deps, worker="bench"):  # the outbox, as the delivery job sends it
            pass
    return opened


def ballot_message(sandbox: BenchSandbox, chat_id: int, ref: str) -> int:
    for message in reversed(sandbox.transcript(chat_id)):
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if any(str(b.get("callback_data", "")).startswith(f"v:{ref}:") for b in buttons):
            return int(message["message_id"])
    raise AssertionError(f"no ballot for poll {ref} in chat {chat_id}")


def recorded(event: dict[str, Any]) -> bool:
    return event["type"] in ("edit", "message") and "Đã ghi nhận" in str(event["message"].get("text", ""))


async def vote_burst(sandbox: BenchSandbox, db: Database, bloc: Bloc, opened: ballots.OpenedPoll) -> Burst:
    """Every voter presses the final "cast" of their ballot (for the first candidate, or the second
    when the first is their own unit) at once: the press a review screen sends, which names the
    voter's sheet (made here as the ballot's presses would make it)."""
    from bot.services import ballot_sheets
    from models.ballot_state import index_code

    ref = opened.poll.ref
    first = opened.poll.on_ballot[0].unit_id
    size = len(opened.poll.on_ballot)
    casts: dict[int, str] = {}
    for index, user_id in enumerate(bloc.voters):
        choice = index_code(1 if bloc.unit_ids[index] == first else 0, size)
        sheet = await ballot_sheets.save(
            db,
            poll_ref=ref,
            person_id=bloc.person_ids[user_id],
            token=None,
            state=choice,
            page=0,
            version=0,
        )
        casts[user_id] = f"v:{ref}:x{sheet.version}:{sheet.token}"

    def press(index: int, user_id: int) -> Any:
        message_id = ballot_message(sandbox, user_id, ref)
        return lambda: sandbox.user_presses(user_id, message_id, data=casts[user_id], forge=True)

    acts = [(user_id, press(i, user_id)) for i, user_id in enumerate(bloc.voters)]
    result = await burst(sandbox, acts, match=recorded)
    async with db.session() as session:
        count = (
            await session.exec(
                select(func.count()).select_from(Participation).where(Participation.poll_id == opened.poll.id)
            )
        ).one()
    assert count == len(bloc.voters), f"{count} ballots recorded of {len(bloc.voters)}"
    return result


def whoami_acts(sandbox: BenchSandbox, users: list[int]) -> list[tuple[int, Any]]:
    return [(u, (lambda u=u: sandbox.user_sends(u, "/whoami"))) for u in users]


# ------------------------------------------------------------------ the bursts, per backend
async def bursts(backend: str, folder: Path, *, limited: bool = False) -> dict[str, Any]:
    """echo and /whoami bursts (alternating rounds), then vote bursts, with ours on `backend`."""
    people, rounds = size("BENCH_PEOPLE", 500), size("BENCH_ROUNDS", 3)
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    async with harness.database_url(backend, folder) as url, harness.sandbox_server() as (sandbox, server):
        db = Database(url)
        try:
            await db.migrate()
            bloc = await seed_bloc(db, people, now)
            add_people(sandbox, bloc)
            polls = [
                await open_poll(
                    db, bloc, server.url, title=f"Khối trưởng, vòng {r + 1}", candidates=5, now=now
                )
                for r in range(rounds)
            ]
            sandbox.limits.enabled = limited
            echo_runs: list[Burst] = []
            whoami_runs: list[Burst] = []
            vote_runs: list[Burst] = []
            for r in range(rounds):
                async with running(BotProcess.of("echo", server.url, limited=limited)):
                    echo_runs.append(await burst(sandbox, whoami_acts(sandbox, bloc.voters)))
                async with running(
                    BotProcess.of("real", server.url, limited=limited, env=bot_env(url))
                ) as ours:
                    if not limited:
                        whoami_runs.append(await burst(sandbox, whoami_acts(sandbox, bloc.voters)))
                    vote_runs.append(await vote_burst(sandbox, db, bloc, polls[r]))
                    peak = harness.rss_mb(ours.pid, "VmHWM")
            out["echo"] = median_figures(echo_runs)
            if whoami_runs:
                out["whoami"] = median_figures(whoami_runs)
            out["vote"] = {"recorded": people, **median_figures(vote_runs)}
            out["peak_rss_mb"] = peak
        finally:
            await db.dispose()
    return out


# ------------------------------------------------------------------ tally, export, broadcast
async def tally(backend: str, folder: Path) -> float:
    """Close and count a poll of BENCH_BALLOTS ballots among BENCH_OPTIONS candidates (service level)."""
    voters, options = size("BENCH_BALLOTS", 1000), size("BENCH_OPTIONS", 60)
    now = datetime.now(UTC)
    async with harness.database_url(backend, folder) as url:
        db = Database(url)
        try:
            await db.migrate()
            bloc = await seed_bloc(db, voters, now)
            draft = await ballots.create_draft(
                db,
                person_id=bloc.person_ids[bloc.head],
                meeting_id=bloc.meeting_id,
                purpose=Purpose.ELECT_HEAD,
                title="Khối trưởng",
                now=now,
                candidate_unit_ids=bloc.unit_ids[1 : options + 1],
            )
            opened = await ballots.open_poll(
                db, person_id=bloc.person_ids[bloc.head], poll_id=draft.id, master_key=MASTER_KEY, now=now
            )
            positions = [c.position for c in opened.poll.on_ballot]
            own = {c.unit_id: c.position for c in opened.poll.on_ballot}
            for index, user_id in enumerate(bloc.voters):
                pick = positions[index % len(positions)]
                if own.get(bloc.unit_ids[index]) == pick:
                    pick = positions[(index + 1) % len(positions)]
                result = await ballots.cast(
                    db,
                    poll_ref=opened.poll.ref,
                    person_id=bloc.person_ids[user_id],
                    ballot=frozenset({pick}),
                    now=now,
                )
                assert result.tracker, result
            started = time.perf_counter()
            closed = await ballots.close_poll(
                db,
                poll_id=opened.poll.id,
                master_key=MASTER_KEY,
                now=now,
                person_id=bloc.person_ids[bloc.head],
            )
            seconds = time.perf_counter() - started
            assert closed.result.voted == voters
        finally:
            await db.dispose()
    return round(seconds, 3)


async def export() -> dict[str, float]:
    from bench import exports as seeded
    from bot.exports import minutes, score_workbook
    from bot.services import exports

    seeded.UNITS = size("BENCH_UNITS", 1000)
    db, folder = await seeded.fresh_database()
    try:
        scope, meeting_id = await seeded._seed(db)
        moment = datetime(2027, 6, 5, tzinfo=UTC)
        book_s, minutes_s = [], []
        for _ in range(3):
            started = time.perf_counter()
            score_workbook.render(await exports.score_book(db, scope, seeded.CONTEXT), moment)
            book_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            minutes.render(await exports.minutes_data(db, scope, seeded.CONTEXT, meeting_id))
            minutes_s.append(time.perf_counter() - started)
    finally:
        await db.dispose()
        folder.cleanup()
    return {"workbook_s": round(sorted(book_s)[1], 3), "minutes_s": round(sorted(minutes_s)[1], 3)}


async def broadcast() -> dict[str, Any]:
    from bench import broadcast as sweep

    recipients = size("BENCH_RECIPIENTS", 600)
    os.environ["BENCH_BROADCAST_N"] = str(recipients)
    figures = await sweep.run()
    rate = figures["messages_per_s"]
    return {
        "recipients": recipients,
        "sustained_msgs_per_s": rate,
        "ratio_to_limit": round(rate / 30, 2),
        "http_429_unhandled": figures["sweep_failed"],
        "delivered": figures["delivered_once"],
        "doubled": figures["delivered_twice_or_more"],
    }


# ------------------------------------------------------------------ start-up and memory
async def startup(folder: Path) -> dict[str, Any]:
    """`thidua run` on a database with the demo, against the bench's sandbox, a /whoami already
    waiting: seconds from the command to the answer. The first start warms the disk cache and is
    reported apart; the rest are "warm". Idle memory is read a second after the answer."""
    from bot.services.demo import load_demo, load_demo_progress

    runs = max(2, size("BENCH_STARTUPS", 3))
    now = datetime.now(UTC)
    async with harness.database_url("sqlite", folder) as url, harness.sandbox_server() as (sandbox, server):
        db = Database(url)
        await db.migrate()
        _, personas = await load_demo(db, authority_name="Sở Giáo dục và Đào tạo", now=now)
        await load_demo_progress(db, bloc_number=2, now=now, scores=True)
        await db.dispose()
        user = personas[0]
        sandbox.add_user(user.user_id, user.first_name, last_name=user.last_name)
        thidua = str(Path(sys.executable).with_name("thidua"))

        async def first_answer(bot: BotProcess) -> tuple[float, float]:
            await sandbox.user_sends(user.user_id, "/whoami")
            answer = sandbox.expect(user.user_id)
            await bot.start(wait_ready=False)
            try:
                at = await asyncio.wait_for(answer, 120)
                await asyncio.sleep(1.0)
                return at - bot.started_at, harness.rss_mb(bot.pid)
            finally:
                await bot.stop()

        ours, echo = [], []
        for _ in range(runs):
            env = {**bot_env(url), "SANDBOX_URL": server.url}
            ours.append(await first_answer(BotProcess([thidua, "run"], env)))
            echo.append(await first_answer(BotProcess.of("echo", server.url, limited=False)))
    warm_ours, warm_echo = sorted(s for s, _ in ours[1:]), sorted(s for s, _ in echo[1:])
    return {
        "first_answer_s": round(warm_ours[len(warm_ours) // 2], 2),
        "echo_first_answer_s": round(warm_echo[len(warm_echo) // 2], 2),
        "first_run_s": round(ours[0][0], 2),
        "echo_first_run_s": round(echo[0][0], 2),
        "idle_rss_mb": sorted(m for _, m in ours[1:])[len(ours[1:]) // 2],
        "echo_idle_rss_mb": sorted(m for _, m in echo[1:])[len(echo[1:]) // 2],
    }


# ------------------------------------------------------------------ everything
def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else 0.0


async def run() -> dict[str, Any]:
    people = size("BENCH_PEOPLE", 500)
    results: dict[str, Any] = {
        "meta": {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "people": people,
            "rounds": size("BENCH_ROUNDS", 3),
            "cpus": os.cpu_count(),
            "note": "medians over rounds; the machine may be shared, so figures are noisy",
        }
    }
    with tempfile.TemporaryDirectory(prefix="thidua-bench-") as name:
        folder = Path(name)
        sqlite = await bursts("sqlite", folder)
        echo = sqlite["echo"]
        results["echo_burst"] = {"people": people, **echo}
        results["whoami_burst"] = {
            "people": people,
            **sqlite["whoami"],
            "ratio_vs_echo": _ratio(sqlite["whoami"]["per_s"], echo["per_s"]),
            "echo_per_s": echo["per_s"],
        }
        results["vote_burst"] = {
            **sqlite["vote"],
            "ratio_vs_echo": _ratio(sqlite["vote"]["per_s"], echo["per_s"]),
        }
        why_not = await harness.postgres_reachable()
        if why_not is None:
            postgres = await bursts("postgresql", folder)
            results["vote_burst_postgres"] = {
                **postgres["vote"],
                "ratio_vs_echo": _ratio(postgres["vote"]["per_s"], postgres["echo"]["per_s"]),
                "whoami_per_s": postgres["whoami"]["per_s"],
                "whoami_ratio_vs_echo": _ratio(postgres["whoami"]["per_s"], postgres["echo"]["per_s"]),
            }
        else:
            results["vote_burst_postgres"] = {"skipped": why_not}
        limited = await bursts("sqlite", folder, limited=True)
        results["vote_burst_limited"] = {
            **limited["vote"],
            "echo_per_s": limited["echo"]["per_s"],
            "ratio_vs_echo_limited": _ratio(limited["vote"]["per_s"], limited["echo"]["per_s"]),
        }
        results["tally"] = {
            "ballots": size("BENCH_BALLOTS", 1000),
            "options": size("BENCH_OPTIONS", 60),
            "close_and_tally_s": await tally("sqlite", folder),
        }
        if why_not is None:
            results["tally"]["close_and_tally_s_postgres"] = await tally("postgresql", folder)
        results["broadcast"] = await broadcast()
        results["export"] = {
            "units": size("BENCH_UNITS", 1000),
            "criteria": 40,
            **await export(),
        }
        start = await startup(folder)
        results["memory"] = {
            "idle_rss_mb": start.pop("idle_rss_mb"),
            "echo_idle_rss_mb": start.pop("echo_idle_rss_mb"),
            "peak_rss_mb": sqlite["peak_rss_mb"],
        }
        results["startup"] = start
    return results


ROWS = (
    ("echo_burst", "per_s", "echo bot, N people at once: replies/s"),
    ("echo_burst", "p99_ms", "echo bot, p99 ms"),
    ("whoami_burst", "per_s", "/whoami, N people at once: replies/s"),
    ("whoami_burst", "p50_ms", "/whoami p50 ms"),
    ("whoami_burst", "p99_ms", "/whoami p99 ms"),
    ("whoami_burst", "ratio_vs_echo", "/whoami ratio vs echo"),
    ("vote_burst", "per_s", "N casts at once (SQLite): casts/s"),
    ("vote_burst", "p50_ms", "cast p50 ms (SQLite)"),
    ("vote_burst", "p99_ms", "cast p99 ms (SQLite)"),
    ("vote_burst", "ratio_vs_echo", "casts ratio vs echo (SQLite)"),
    ("vote_burst_postgres", "per_s", "N casts at once (PostgreSQL): casts/s"),
    ("vote_burst_postgres", "p99_ms", "cast p99 ms (PostgreSQL)"),
    ("vote_burst_postgres", "ratio_vs_echo", "casts ratio vs echo (PostgreSQL)"),
    ("vote_burst_limited", "per_s", "casts/s with flood limits on"),
    ("vote_burst_limited", "echo_per_s", "echo replies/s with flood limits on"),
    ("vote_burst_limited", "ratio_vs_echo_limited", "casts ratio vs echo, limits on"),
    ("tally", "close_and_tally_s", "close + tally, s (SQLite)"),
    ("tally", "close_and_tally_s_postgres", "close + tally, s (PostgreSQL)"),
    ("broadcast", "sustained_msgs_per_s", "ping sweep msgs/s under limits"),
    ("broadcast", "ratio_to_limit", "ping sweep ratio to the 30/s limit"),
    ("broadcast", "http_429_unhandled", "unhandled 429s"),
    ("broadcast", "delivered", "delivered once"),
    ("export", "workbook_s", "score workbook s"),
    ("export", "minutes_s", "minutes DOCX s"),
    ("memory", "idle_rss_mb", "idle RSS MB (echo beside)"),
    ("memory", "peak_rss_mb", "peak RSS MB after the vote burst"),
    ("startup", "first_answer_s", "start-up to first answer, warm s"),
    ("startup", "echo_first_answer_s", "echo bot start-up, warm s"),
    ("startup", "first_run_s", "start-up, first run s"),
)


def table(results: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    lines = []
    header = f"{'measure':<44} {'now':>10}" + (f" {'before':>10}" if before else "")
    lines.append(header)
    lines.append("-" * len(header))
    for key, field, label in ROWS:
        value = results.get(key, {}).get(field, "—")
        row = f"{label:<44} {value!s:>10}"
        if before is not None:
            row += f" {before.get(key, {}).get(field, '—')!s:>10}"
        lines.append(row)
    return "\n".join(lines)
