"""SQLAlchemy's aiosqlite adapter, with each statement run in one trip to the driver's thread.

aiosqlite runs every sqlite3 call on a thread of its own, and SQLAlchemy's adapter makes four
trips there per statement: open a cursor, execute, fetch the rows, close the cursor. Each trip
hands a future between threads and wakes the event loop, about 50 µs of CPU, and under a burst
the trips, not SQLite, were most of a query's cost (`bench/`). Here the cursor does all four in one
function on the driver's thread and keeps what the statement left (rows, description, row count,
last row id) for SQLAlchemy to read without another trip.

Everything else (connections, transactions, errors, the pool) is SQLAlchemy's and aiosqlite's own.
`aiosqlite.Connection._execute` (queue a function on the connection's thread) is the one private
name used: SQLAlchemy's adapter itself reaches the same queue. pyproject pins aiosqlite below 1.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


class _Finished:
    """The sqlite3 cursor's attributes after its statement, read on the driver's thread."""

    __slots__ = ("description", "lastrowid", "rowcount")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: int | None = None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def close(self) -> None:
        return None


def _run(connection: sqlite3.Connection, operation: str, parameters: Any) -> tuple[_Finished, list[Any]]:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Finished(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Finished:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return _Finished(cursor.description, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that opens, executes, fetches and closes on the driver's thread in one go."""

    __slots__ = ()
    _awaitable_cursor_close = False  # nothing is left open on the driver's thread

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # The base class would open an aiosqlite cursor here: a trip of its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Finished()  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        connection: Any = self._connection  # an aiosqlite.Connection
        async with self._adapt_connection._execute_mutex:
            finished, rows = await connection._execute(_run, connection._conn, operation, parameters)
        self._cursor = finished
        self._rows = deque(rows)
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        connection: Any = self._connection  # an aiosqlite.Connection
        async with self._adapt_connection._execute_mutex:
            finished = await connection._execute(_run_many, connection._conn, operation, seq_of_parameters)
        self._cursor = finished
        self._rows = deque()
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (`create_engine(module=...)`)."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection: Any = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's adapter does: never holds up the exit
        return OneTripConnection(self, await_(connection))


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
