"""The bench's plumbing: a sandbox that timestamps the bot's answers, bots in processes of their
own, bursts of people, figures.

The sandbox and the simulated people live in the benchmark's process; each bot (ours, or the bare
echo bot beside it) runs in a process of its own and talks to the sandbox over HTTP, as it would
to Telegram. People act through the sandbox's own methods (what its control API calls), so that
500 people's HTTP clients do not weigh on the figures; the bot's side is all HTTP.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)

Match = Callable[[dict[str, Any]], bool]


def from_bot(event: dict[str, Any]) -> bool:
    if event["type"] in ("edit", "callback_answer"):
        return True
    return event["type"] == "message" and bool(event["message"].get("from", {}).get("is_bot"))


class BenchSandbox(Sandbox):
    """The sandbox, noting the moment each of the bot's answers reaches a chat."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._waiting: dict[int, tuple[Match, asyncio.Future[float]]] = {}

    def _event(self, chat_id: int, kind: str, **payload: Any) -> None:
        super()._event(chat_id, kind, **payload)
        waiter = self._waiting.get(chat_id)
        if waiter is None:
            return
        event = self.events[-1]
        match, future = waiter
        if from_bot(event) and match(event) and not future.done():
            future.set_result(time.perf_counter())
            del self._waiting[chat_id]

    def expect(self, chat_id: int, match: Match = from_bot) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (match, future)
        return future


@asynccontextmanager
async def sandbox_server(*, limited: bool = False) -> AsyncIterator[tuple[BenchSandbox, SandboxServer]]:
    sandbox = BenchSandbox(limits=Limits(enabled=limited))
    server = SandboxServer(sandbox, "127.0.0.1", 0)
    await server.start()
    try:
        yield sandbox, server
    finally:
        await server.stop()


# ------------------------------------------------------------------ processes
def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM), in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class BotProcess:
    """A bot in a process of its own (bench.botproc, or any command), stopped with SIGTERM."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        # This checkout's code, even for a console script and under another editable install.
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    @classmethod
    def of(cls, kind: str, base_url: str, *, limited: bool, env: dict[str, str] | None = None) -> BotProcess:
        argv = [sys.executable, "-m", "bench.botproc", kind, base_url] + (["--limited"] if limited else [])
        return cls(argv, env or {})

    async def start(self, *, wait_ready: bool = True) -> None:
        self.started_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=ROOT, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=None
        )
        if wait_ready:
            assert self.process.stdout is not None
            line = await asyncio.wait_for(self.process.stdout.readline(), 120)
            if b"ready" not in line:
                raise RuntimeError(f"{self.argv[3:4]} did not start: {line!r}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@asynccontextmanager
async def running(bot: BotProcess) -> AsyncIterator[BotProcess]:
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


# ------------------------------------------------------------------ bursts
@dataclass
class Burst:
    people: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_s(self) -> float:
        return self.people / self.seconds

    def figures(self) -> dict[str, float]:
        ordered = sorted(self.latencies_ms)
        return {
            "per_s": round(self.per_s, 1),
            "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        }


async def burst(
    sandbox: BenchSandbox,
    acts: Iterable[tuple[int, Callable[[], Awaitable[Any]]]],
    *,
    match: Match = from_bot,
    wait_seconds: float = 300,
) -> Burst:
    """Everyone acts at once (each act is one update); the burst ends when every chat has its answer."""
    acts = list(acts)
    answers = {chat_id: sandbox.expect(chat_id, match) for chat_id, _ in acts}
    sent: dict[int, float] = {}
    started = time.perf_counter()
    for chat_id, act in acts:
        sent[chat_id] = time.perf_counter()
        await act()
    await asyncio.wait_for(asyncio.gather(*answers.values()), wait_seconds)
    ends = {chat_id: future.result() for chat_id, future in answers.items()}
    return Burst(len(acts), max(ends.values()) - started, [(ends[c] - sent[c]) * 1000 for c in ends])


def median_figures(bursts: list[Burst]) -> dict[str, float]:
    """Each figure's median over the rounds (the machine is shared: a median, not a best)."""
    rounds = [b.figures() for b in bursts]
    return {key: round(statistics.median(r[key] for r in rounds), 1) for key in rounds[0]}


# ------------------------------------------------------------------ databases
async def _pg_admin() -> asyncpg.Connection:
    parsed = make_url(POSTGRES_URL)
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        timeout=5,
    )


@asynccontextmanager
async def database_url(backend: str, folder: Path) -> AsyncIterator[str]:
    """A fresh, empty database: a SQLite file in `folder`, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    name = f"thidua_bench_{uuid.uuid4().hex[:10]}"
    admin = await _pg_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await _pg_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        admin = await _pg_admin()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}"
    await admin.close()
    return None
