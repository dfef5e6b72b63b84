"""Engine, sessions and migrations. SQLite file by default, PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import models
from bot import sqlite_driver
from bot.settings import ROOT, async_database_url
from models.numbers import is_id

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = ROOT / "migrations"
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers go on while the bot writes.
    # The driver's own transaction handling is turned off so that _sqlite_begin decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted cells are zeroed, not left in free pages: a ballot rewritten at close leaves no copy.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


READ_ONLY = "thidua_read_only"


@dataclass
class _SharedRead:
    """A read session lent to every `Database.session()` of one task for a short stretch."""

    db: Database
    session: AsyncSession | None
    task: asyncio.Task[Any] | None


_SHARED_READ: ContextVar[_SharedRead | None] = ContextVar("shared_read", default=None)
_HOLDING_WRITE_TURN: ContextVar[bool] = ContextVar(
    "holding_write_turn", default=False
)  # an execution option: this connection only reads


class Rider(Protocol):
    """Rows that join the next write transaction of the task carrying them: the ledger's "this
    update was handled" (bot/services/updates.py), committed with the update's own first write."""

    def board(self) -> bool:
        """True when this transaction is to carry it (it is not written nor carried already)."""
        ...

    async def ride(self, session: AsyncSession) -> None:
        """Add its rows, after the transaction's own work, before the commit."""
        ...

    def arrived(self, committed: bool) -> None: ...


_RIDER: ContextVar[Rider | None] = ContextVar("commit_rider", default=None)


@contextmanager
def carrying(rider: Rider) -> Iterator[None]:
    """Write transactions opened here (and in tasks started here) offer themselves to `rider`."""
    token = _RIDER.set(rider)
    try:
        yield
    finally:
        _RIDER.reset(token)


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two transactions that read then write
    # (a vote, an audit entry) wait for each other (busy_timeout) instead of failing with
    # SQLITE_BUSY_SNAPSHOT. SQLite has one writer anyway; this makes the queue explicit.
    # A read (Database.session) begins a deferred transaction: under WAL it reads its snapshot
    # while a writer works, instead of queueing behind every write.
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # maintenance (a WAL checkpoint) runs outside any transaction
    connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, module=sqlite_driver.dbapi(), **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # Up to CONCURRENT_UPDATES people are handled at once, each with a connection for a moment:
    # a pool of 15 (the default) would make them queue for connections, not for the database.
    kwargs = {"pool_size": 10, "max_overflow": 30, **kwargs}
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


async def run_core(session: AsyncSession, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """A Core statement (table columns, no ORM entity) on the session's own connection and
    transaction. The ORM's execution path costs about as much as a small statement itself
    (SQLite, bench: about 190 µs a SELECT through the session, 105 µs on its connection), and
    every update runs a few of these."""
    connection = await session.connection()
    return await connection.execute(statement, params)


class BoundedSession(AsyncSession):
    """A session whose `get` answers "no such row" for an int key no INTEGER column can hold.

    Ids come from button data and typed commands; a 10-digit one must be "not found" like any
    other unknown id, not an overflow error from PostgreSQL in the middle of a conversation."""

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        keys = ident if isinstance(ident, tuple) else (ident,)
        if any(isinstance(key, int) and not is_id(key) for key in keys):
            return None
        return await super().get(entity, ident, **kwargs)


class Database:
    """One engine and its session factory; services open one transaction per use case."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = async_database_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, class_=BoundedSession, expire_on_commit=False)
        # SQLite has one writer. Writers of this process queue here, first come first served, and
        # each starts the moment the previous one commits; left to SQLite's busy handler they
        # would poll the lock, sleeping up to 100 ms between tries, while the database sits idle.
        self._write_turn = asyncio.Lock() if self.backend == "sqlite" else None
        self._reads = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), class_=BoundedSession, expire_on_commit=False
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any exception.

        A `Rider` carried by this task (`carrying`) that boards adds its rows just before the
        commit: they and this work are kept together or not at all."""
        if self._write_turn is None or _HOLDING_WRITE_TURN.get():
            # (On SQLite, a transaction opened inside another, or by a task it started: queueing
            # for the turn would wait for ourselves. SQLite's own lock and busy timeout decide.)
            async with self._committing() as session:
                yield session
            return
        async with self._write_turn:
            token = _HOLDING_WRITE_TURN.set(True)
            try:
                async with self._committing() as session:
                    yield session
            finally:
                _HOLDING_WRITE_TURN.reset(token)

    @asynccontextmanager
    async def _committing(self) -> AsyncIterator[AsyncSession]:
        rider = _RIDER.get()
        boarded = rider is not None and rider.board()
        committed = False
        try:
            async with self._sessions() as session:
                async with session.begin():
                    yield session
                    if boarded:
                        assert rider is not None
                        await rider.ride(session)
                committed = True
        finally:
            if boarded:
                assert rider is not None
                rider.arrived(committed)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading (no commit; on SQLite it does not take the write lock).

        Inside `reading()`, the same task's reads share its one session (one connection, one
        BEGIN) instead of each taking a connection of its own."""
        shared = _SHARED_READ.get()
        if (
            shared is not None
            and shared.session is not None
            and shared.db is self
            and shared.task is asyncio.current_task()
        ):
            yield shared.session
            return
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """One read transaction for the reads of a short stretch of one task: resolving an update's
        person, route and conversation step costs one connection and one BEGIN, not one each.

        Only for reads that need not see this stretch's own writes: on SQLite the shared read
        keeps the snapshot of its first SELECT, and rows it loaded stay in its identity map. So it
        ends before the update's handler runs. Writes (`transaction()`) take their own session
        as always; tasks started inside do not share it."""
        async with self._reads() as session:
            shared = _SharedRead(self, session, asyncio.current_task())
            token = _SHARED_READ.set(shared)
            try:
                yield
            finally:
                shared.session = None
                _SHARED_READ.reset(token)

    async def purge_dead_rows(self, *tables: str) -> None:
        """Make the old versions of deleted or rewritten rows unreadable now, not at some later
        autovacuum or checkpoint: PostgreSQL keeps them in the heap until VACUUM, SQLite keeps
        page images in its write-ahead log until a checkpoint. Best effort: a failure is logged."""
        try:
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                if self.backend == "postgresql":
                    for table in tables:
                        await conn.exec_driver_sql(f'VACUUM "{table}"')
                elif self.backend == "sqlite":
                    await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:
            log.warning("could not purge dead rows of %s", ", ".join(tables), exc_info=True)

    async def migrate(self) -> None:
        if await self._at_head():
            return  # every start-up asks; loading alembic to learn "nothing to do" costs 0.3 s
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_head)

    async def _at_head(self) -> bool:
        """True when the database's revision is the only head of migrations/versions."""
        heads = _script_heads()
        if len(heads) != 1:
            return False
        try:
            async with self.engine.connect() as conn:
                found = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        except Exception:
            return False  # no schema yet (or no version table): alembic decides
        return [row[0] for row in found] == list(heads)

    async def schema_revisions(self) -> tuple[set[str], set[str]]:
        """(the database's Alembic revisions, the code's heads): equal when the schema is current."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        async with self.engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
        return current, set(ScriptDirectory.from_config(alembic_config()).get_heads())

    async def schema_is_current(self) -> bool:
        current, heads = await self.schema_revisions()
        return current == heads

    async def schema_drift(self) -> list[Any]:
        """Differences between the models and the migrated schema (what `alembic check` reports)."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(_compare)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    # Alembic loads when a migration is asked for, not with every import of the database layer.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"^revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)


def _script_heads() -> set[str]:
    """The migrations' heads, read from the files' `revision` and `down_revision` lines: what
    alembic's script directory would say, without importing alembic. Empty when a file does not
    read plainly (then alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return set()
        revisions.add(revision.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


def _upgrade_head(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def _compare(connection: Connection) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    models.load_all()  # a table not loaded would look dropped

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def is_outage(error: BaseException) -> bool:
    """The database cannot be reached (stopped, restarting, the network gone), as opposed to a
    bug: the person is told to try again later, and nothing was saved."""
    from sqlalchemy import exc

    seen: BaseException | None = error
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, exc.DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, exc.OperationalError) and _sqlite_bug(seen):
            return False
        if isinstance(seen, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
            return True
        if isinstance(seen, ConnectionError | TimeoutError) or type(seen).__name__ in _OUTAGE_NAMES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _sqlite_bug(error: BaseException) -> bool:
    """SQLite reports a missing table or a bad statement as an OperationalError too: that is a
    bug (or a schema out of step), not a database that is away."""
    import sqlite3

    orig = getattr(error, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and not any(
        words in str(orig) for words in ("locked", "unable to open", "disk I/O", "readonly", "busy")
    )


# asyncpg's words for a server that is going away or not yet accepting connections.
_OUTAGE_NAMES = frozenset(
    {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
    }
)
