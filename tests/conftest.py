"""Shared fixtures: a fresh database on SQLite and on PostgreSQL, the sandbox, the real bot.

Every test that takes `db` runs twice, once per backend. PostgreSQL comes from
TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); when it is unreachable
those tests skip with the reason, except when CI is set, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.app import build_application, build_router, build_zalo, start_bot, stop_bot
from bot.ballot_crypto import new_master_key
from bot.channels.zalo.adapter import ZaloChannel
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.client import Person, SandboxClient
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.server import SandboxServer
from bot.services.demo import Persona, load_demo
from bot.settings import Settings, master_key

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))
# A fixed "now" for tests: Monday 23/11/2026, 09:00 in Hồ Chí Minh City (school year 2026-2027).
TEST_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: no sleeping to reach a deadline."""

    def __init__(self, now: datetime = TEST_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# ------------------------------------------------------------------ databases
def _run(coro: Any) -> Any:
    """Run set-up in a thread of its own: session fixtures may be first asked for inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _migrate(url: str) -> None:
    db = Database(url)
    await db.migrate()
    await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (fast and fully isolated)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


async def _pg_admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        timeout=5,
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped at the end."""
    name = f"thidua_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await _pg_admin(TEST_POSTGRES_URL)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        _run(create())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {TEST_POSTGRES_URL} is required in CI: {exc}")
        pytest.skip(f"PostgreSQL at {TEST_POSTGRES_URL} is unreachable: {exc}")
    url = make_url(TEST_POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _run(_migrate(url))
    yield url

    async def drop() -> None:
        conn = await _pg_admin(TEST_POSTGRES_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run(drop())


async def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "thidua.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        await _truncate_all(database)
    yield database
    await database.dispose()


# ------------------------------------------------------------------ the bot and the sandbox
@pytest.fixture
def clock() -> Clock:
    return Clock()


TEST_MASTER_KEY = new_master_key()


def make_settings(db: Database, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"ballot_master_key": TEST_MASTER_KEY, "poll_progress_seconds": 0.5, **overrides}
    return Settings(_env_file=None, database_url=db.url, telegram_bot_token=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(limits=Limits(enabled=True))


@pytest.fixture
async def sandbox_server(sandbox: Sandbox) -> AsyncIterator[SandboxServer]:
    server = SandboxServer(sandbox, "127.0.0.1", 0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox_server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox_server.url) as sandbox_client:
        yield sandbox_client


class RunningBot:
    """The real application, polling the sandbox over HTTP like it polls Telegram and Zalo."""

    def __init__(self, deps: Deps, server: SandboxServer) -> None:
        self.deps = deps
        self.server = server
        self.application: Any = None
        self.zalo: ZaloChannel | None = None

    async def start(self) -> None:
        router = build_router()
        self.application = build_application(
            self.deps, token=self.server.sandbox.token, base_url=self.server.url, router=router
        )
        await start_bot(self.application, poll_timeout=1)
        self.zalo = build_zalo(
            self.deps, router, token=self.server.sandbox.zalo.token, base_url=f"{self.server.url}/zalo"
        )
        await self.zalo.start_polling(timeout=1)

    async def stop(self) -> None:
        if self.zalo is not None:
            await self.zalo.close()
            self.zalo = None
        if self.application is not None:
            await stop_bot(self.application)
            self.application = None


@pytest.fixture
async def bot(db: Database, sandbox_server: SandboxServer, clock: Clock) -> AsyncIterator[RunningBot]:
    settings = make_settings(db)
    running = RunningBot(
        Deps(settings=settings, db=db, clock=clock, master_key=master_key(settings)), sandbox_server
    )
    await running.start()
    yield running
    await running.stop()


class Demo:
    """Seed 000's roster with one simulated representative per unit, known to the sandbox."""

    def __init__(self, client: SandboxClient, personas: list[Persona]) -> None:
        self.client = client
        self.personas = personas

    def persona(self, label_fragment: str) -> Persona:
        matches = [p for p in self.personas if label_fragment in p.label]
        assert matches, f"no demo persona whose label contains {label_fragment!r}"
        return matches[0]

    async def person(self, label_fragment: str) -> Person:
        persona = self.persona(label_fragment)
        return await self.client.person(persona.user_id, persona.first_name, last_name=persona.last_name)


@pytest.fixture
async def demo(db: Database, client: SandboxClient, clock: Clock) -> Demo:
    _, personas = await load_demo(db, authority_name="Sở Giáo dục và Đào tạo thành phố Cần Thơ", now=clock())
    return Demo(client, personas)
