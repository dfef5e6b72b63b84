"""Shared fixtures: a fresh database on SQLite and on PostgreSQL, the sandbox, the real bot.

Every test that takes `db` runs twice, once per backend. PostgreSQL comes from
TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); when it is unreachable
those tests skip with the reason, except when CI is set, where they fail.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from xdist.scheduler import LoadScopeScheduling

import models
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.client import SandboxClient
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.server import SandboxServer
from bot.services.demo import Persona, load_demo, load_demo_progress
from bot.settings import master_key
from tests.auxil.bot import TEST_MASTER_KEY, Demo, RunningBot, make_settings
from tests.auxil.clock import TEST_NOW, Clock
from tests.auxil.databases import empty_postgres, restore_postgres, snapshot_postgres

pytest_plugins = ["tests.auxil.ballots"]  # its fixture `bloc2`
# The tests read and empty every table (tests/auxil/databases.py): all of them on the metadata.
models.load_all()

__all__ = ["TEST_MASTER_KEY", "TEST_NOW", "Clock", "Demo", "RunningBot", "make_settings"]  # older imports

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))
# Under pytest-xdist (`make test`) each worker is a process of its own with its own session fixtures:
# its databases carry its name (gw0, gw1, …), beside a random part, so two workers never share one.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


# Every httpx client (the sandbox client, each bot's Zalo client, …) would load the CA bundle into a
# new SSL context: 40-90 ms of CPU each, several a test, a second of wall time on a loaded machine,
# for clients that only ever speak http:// to 127.0.0.1. One verifying context serves them all.
# A private httpx function: when a release moves it, the suite runs as before, only slower.
_httpx_transports = importlib.import_module("httpx._transports.default")
_new_ssl_context = getattr(_httpx_transports, "create_ssl_context", None)


@functools.cache
def _verifying_ssl_context(trust_env: bool) -> Any:
    assert _new_ssl_context is not None
    return _new_ssl_context(True, None, trust_env)


def _shared_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
    assert _new_ssl_context is not None
    if verify is True and cert is None:
        return _verifying_ssl_context(trust_env)
    return _new_ssl_context(verify, cert, trust_env)


if _new_ssl_context is not None:
    _httpx_transports.create_ssl_context = _shared_ssl_context


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


async def _create_pg(conn: asyncpg.Connection, name: str) -> None:
    """A test database whose commits do not wait for the disk (about 7 ms each on this machine's
    PostgreSQL, 0.5 ms without): one lost in a crash of the server is made again by the next run."""
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped at the end."""
    name = f"thidua_test_{WORKER}_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await _pg_admin(TEST_POSTGRES_URL)
        try:
            await _create_pg(conn, name)
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


_truncate_all = empty_postgres  # the name older tests import


# ------------------------------------------------------------------ the demo, seeded once
DEMO_AUTHORITY = "Sở Giáo dục và Đào tạo thành phố Cần Thơ"
# The personas a test's `demo` finds already in its database (seeded into the template it was copied from).
SEEDED_DEMO = pytest.StashKey[list[Persona]]()
# Set when bloc 2's progress (`bloc2_progress`) came with the template too.
SEEDED_PROGRESS = pytest.StashKey[bool]()


async def _seed_demo(url: str) -> list[Persona]:
    database = Database(url)
    try:
        _, personas = await load_demo(database, authority_name=DEMO_AUTHORITY, now=TEST_NOW)
    finally:
        await database.dispose()
    return personas


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path) -> tuple[Path, list[Persona]]:
    """The migrated template with the demo roster loaded once, for every test that takes `demo`."""
    path = sqlite_template.with_name("demo.sqlite3")
    shutil.copy(sqlite_template, path)
    personas = _run(_seed_demo(f"sqlite+aiosqlite:///{path}"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path, personas


@pytest.fixture(scope="session")
def postgres_demo_snapshot(postgres_url: str) -> tuple[str, list[Persona]]:
    """The demo seeded once into the session's database and kept as a script that puts it back;
    each `demo` test on PostgreSQL gets the database emptied and the demo restored, in one round trip."""

    async def seed() -> tuple[str, list[Persona]]:
        database = Database(postgres_url)
        try:
            await empty_postgres(database)
            _, personas = await load_demo(database, authority_name=DEMO_AUTHORITY, now=TEST_NOW)
            return await snapshot_postgres(database), personas
        finally:
            await database.dispose()

    return _run(seed())  # type: ignore[no-any-return]


async def _seed_progress(url: str) -> None:
    database = Database(url)
    try:
        await load_demo_progress(database, bloc_number=2, now=TEST_NOW)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_progress_template(sqlite_demo_template: tuple[Path, list[Persona]]) -> Path:
    """The demo template with bloc 2 brought to the end of the year, for `bloc2_progress`."""
    template, _ = sqlite_demo_template
    path = template.with_name("progress.sqlite3")
    shutil.copy(template, path)
    _run(_seed_progress(f"sqlite+aiosqlite:///{path}"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


@pytest.fixture(scope="session")
def postgres_progress_snapshot(postgres_url: str, postgres_demo_snapshot: tuple[str, list[Persona]]) -> str:
    """The demo snapshot with bloc 2 brought to the end of the year, for `bloc2_progress`."""

    async def seed() -> str:
        database = Database(postgres_url)
        try:
            await restore_postgres(database, postgres_demo_snapshot[0])
            await load_demo_progress(database, bloc_number=2, now=TEST_NOW)
            return await snapshot_postgres(database)
        finally:
            await database.dispose()

    return _run(seed())  # type: ignore[no-any-return]


def _wants_seeded_demo(request: pytest.FixtureRequest) -> bool:
    # The template was seeded at TEST_NOW; a test whose clock starts elsewhere seeds its own.
    return "demo" in request.fixturenames and request.getfixturevalue("clock")() == TEST_NOW


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty migrated database; for a test that takes `demo`, one that already holds the demo."""
    seeded = _wants_seeded_demo(request)
    progressed = seeded and "bloc2_progress" in request.fixturenames
    request.node.stash[SEEDED_PROGRESS] = progressed
    if request.param == "sqlite":
        path = tmp_path / "thidua.sqlite3"
        if seeded:
            template, personas = request.getfixturevalue("sqlite_demo_template")
            request.node.stash[SEEDED_DEMO] = personas
            if progressed:
                template = request.getfixturevalue("sqlite_progress_template")
        else:
            template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        if seeded:
            snapshot, personas = request.getfixturevalue("postgres_demo_snapshot")
            request.node.stash[SEEDED_DEMO] = personas
            if progressed:
                snapshot = request.getfixturevalue("postgres_progress_snapshot")
            await restore_postgres(database, snapshot)
        else:
            await empty_postgres(database)
    yield database
    await database.dispose()


# ------------------------------------------------------------------ the bot and the sandbox
@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """Telegram's flood limits only for the tests that test them (marker `flood_limits`): elsewhere
    they only make the bot's rate limiter wait, seconds per test and nothing asserted."""
    return Sandbox(limits=Limits(enabled=request.node.get_closest_marker("flood_limits") is not None))


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


@pytest.fixture
async def bot(db: Database, sandbox_server: SandboxServer, clock: Clock) -> AsyncIterator[RunningBot]:
    settings = make_settings(db)
    running = RunningBot(
        Deps(settings=settings, db=db, clock=clock, master_key=master_key(settings)), sandbox_server
    )
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def demo(request: pytest.FixtureRequest, db: Database, client: SandboxClient, clock: Clock) -> Demo:
    personas = request.node.stash.get(SEEDED_DEMO, None)
    if personas is None:
        _, personas = await load_demo(db, authority_name=DEMO_AUTHORITY, now=clock())
    return Demo(client, personas)


@pytest.fixture
async def bloc2_progress(request: pytest.FixtureRequest, db: Database, demo: Demo, clock: Clock) -> None:
    """Bloc 2 at the end of the year (`load_demo_progress`): the scale published, every unit
    registered and signed the pact. Seeded once into a template when the clock is the tests' own
    (0.7 s of CPU a test otherwise, in some fifty tests)."""
    if not request.node.stash.get(SEEDED_PROGRESS, False):
        await load_demo_progress(db, bloc_number=2, now=clock())


# ------------------------------------------------------------------ scheduling under pytest-xdist
# `make test` runs `--dist loadgroup --no-loadscope-reorder` with the scheduler below: a worker is
# handed the next unit of work when it is almost out, in the order set here, heaviest first, so no
# worker is left finishing a long module alone at the end. (`--dist loadfile` handed modules out by
# their number of tests: test_meeting.py's four tests, two of them 50 s, came last on one worker.)
# Most tests are a unit of their own. Kept together on one worker: a module whose module fixtures
# are costly (made again on each worker that runs one of its tests), one whose documents are
# converted to PDF once per worker (tests/unit/conftest.py), the browser tests (one `thidua run` a
# worker, one Chromium a module), and the fuzz module once per backend (a world per backend).
# A bare `pytest` (no xdist, or another --dist) runs in collection order as before.
TOGETHER = (
    "tests/browser/",
    "tests/unit/test_timetable.py",
    "tests/unit/test_ballot_crypto.py",
    "tests/unit/test_hardening_uploads.py",
    "tests/unit/test_documents.py",
    "tests/unit/test_exports.py",
    "tests/unit/test_secrecy.py",
    "tests/unit/test_web.py",
)
TOGETHER_PER_BACKEND = ("tests/unit/test_hardening_fuzz.py",)
# Measured heaviest first (seconds, each backend: `pytest --durations`); the rest follow in
# collection order. A test missing here only starts later. (This order was set when the year-end
# meeting took a minute; put in today's order, waiting tests first, the suite measured no faster.)
HEAVY_FIRST = (
    "tests/e2e/test_meeting.py::test_bloc_2_year_end_meeting",  # 6 (50-65 while the bot paced its sends)
    "tests/unit/test_hardening_fuzz.py",  # 30 on SQLite (walks and explorer), 10 on PostgreSQL
    "tests/browser/",  # 6 to start, then the chats
    "tests/e2e/test_backup.py::test_a_backup_restores_onto_an_empty_database_with_its_closed_poll",  # 5-6
    "tests/e2e/test_meeting_channels.py::test_a_meeting_with_a_secret_ballot_of_each_kind",  # 4-5
    "tests/e2e/test_ballot_crash.py::test_a_200_voter_burst_survives_kills_at_random_moments",  # 15
    "tests/e2e/test_reminders.py::test_a_broadcast_to_500_within_the_flood_limits_reaches_everyone_once",  # 17
    "tests/e2e/test_school_vote.py::test_a_school_votes_in_the_bot_and_attaches_the_vote_to_its_nomination",
    "tests/unit/test_hardening_render.py",  # 5
    "tests/unit/test_documents.py",  # 15 (LibreOffice)
    "tests/unit/test_hardening_authz.py",  # 4 each
    "tests/e2e/test_meeting_channels.py",
    "tests/e2e/test_run_offline.py",
    "tests/e2e/test_restart.py",
    "tests/e2e/test_exports.py",
    "tests/e2e/test_exemplars.py",
    "tests/e2e/test_reminders_channels.py",
    "tests/e2e/test_scoring.py",
    "tests/e2e/test_meeting_minutes_details.py",
    "tests/unit/test_secrecy.py",
    "tests/unit/test_demo.py",
    "tests/e2e/",
)


# Tests that mostly wait, on a clock or on another process: a broadcast paced at Telegram's 30 a
# second, bots killed and started again, a network that drops requests, two bots side by side.
# Under `make test` they have a worker of their own beside the one per core (while they wait, the
# cores work for the rest); when none is left it stops, and a core worker that runs out of other
# work takes them too. Their CPU (a third of their time) shares the cores.
WAITING = (
    "tests/e2e/test_reminders.py::test_a_broadcast_to_500_within_the_flood_limits_reaches_everyone_once",
    "tests/e2e/test_ballot_crash.py",
    "tests/e2e/test_hardening_resilience.py",
    "tests/e2e/test_restart.py",
    "tests/e2e/test_two_bot_processes.py",
    "tests/e2e/test_two_processes.py",
)
WAITING_WORKER = pytest.StashKey[bool]()


def _unit_of_work(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    together = next((prefix for prefix in TOGETHER if path.startswith(prefix)), None)
    if together is not None:
        return together
    if path in TOGETHER_PER_BACKEND:
        backend = next((name for name in ("sqlite", "postgres") if f"[{name}" in nodeid), "")
        return f"{path}[{backend}]"
    return nodeid


def _heaviness(item: pytest.Item) -> int:
    return next(
        (rank for rank, prefix in enumerate(HEAVY_FIRST) if item.nodeid.startswith(prefix)), len(HEAVY_FIRST)
    )


def _waits(scope: str) -> bool:
    return scope.startswith(WAITING)


class _UnitsOfWork(LoadScopeScheduling):
    """xdist's scheduler by scope, with our units of work as its scopes, and the waiting tests on
    a worker of their own. (xdist's own loadgroup marks no test of pytest 9: it renames
    `item._nodeid`, which pytest 9 no longer reads.)"""

    waiter: Any = None  # the worker for the waiting tests, if there is one

    def _split_scope(self, nodeid: str) -> str:
        return _unit_of_work(nodeid)

    def schedule(self) -> None:
        if self.collection is None and self.config.stash.get(WAITING_WORKER, False) and len(self.nodes) > 2:
            self.waiter = self.nodes[-1]  # the one pytest_xdist_auto_num_workers added
        super().schedule()

    def _assign_work_unit(self, node: Any) -> None:
        scopes = list(self.workqueue)
        if node is self.waiter:
            chosen = next((scope for scope in scopes if _waits(scope)), None)
            if chosen is None:  # none left to wait for: the waiter stops when its last one ends
                if not self._pending_of(self.assigned_work[node]):
                    node.shutdown()
                return
        else:
            chosen = next((scope for scope in scopes if not _waits(scope)), scopes[0])
        self.workqueue.move_to_end(chosen, last=False)
        super()._assign_work_unit(node)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    return _UnitsOfWork(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` under `make test`: one worker per core, and one for the tests that wait."""
    if config.getvalue("dist") != "loadgroup":
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2:
        return cores
    config.stash[WAITING_WORKER] = True
    return cores + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On each worker (xdist has put its `dist` back to "no" and set `loadgroup`): the order in
    which the controller hands the units out. Stable: a unit's tests keep their order."""
    if getattr(config.option, "loadgroup", False):
        items.sort(key=_heaviness)
