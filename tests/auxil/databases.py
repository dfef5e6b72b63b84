"""Emptying the session's PostgreSQL database between tests, or putting the demo back in it, cheaply."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from bot.db import Database

# Every sequence of the schema back to 1, as TRUNCATE … RESTART IDENTITY would (setval is in place).
_RESTART_SEQUENCES = (
    "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
)

# A table's rows as one INSERT that PostgreSQL itself wrote and reads back (json_populate_recordset):
# every type (timestamps, bytea, enums, JSON) comes back as it was, with no driver in between.
_TABLE_AS_INSERT = """
SELECT format('INSERT INTO %1$I SELECT * FROM json_populate_recordset(NULL::%1$I, %2$L);',
              '{table}', json_agg(t))
FROM "{table}" AS t HAVING count(*) > 0
"""
# Each sequence where it stands, as setval calls (a sequence never used restarts at 1).
_SEQUENCES_AS_SETVAL = """
SELECT coalesce(string_agg(format('SELECT setval(%L::regclass, %s, %s);',
                                  quote_ident(sequencename), coalesce(last_value, 1), (last_value IS NOT NULL)::text),
                           ' '), '')
FROM pg_sequences WHERE schemaname = 'public'
"""


def _emptying() -> str:
    """Every table of the models emptied, foreign keys not checked meanwhile (replica role, for
    this transaction only): every table is emptied, so no order among them matters.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives each of the ~60 tables new
    files whether or not it held any (1–2.5 s a test on a busy 2-core machine, DELETE 0.1–0.4 s)."""
    deletes = " ".join(f'DELETE FROM "{table.name}";' for table in reversed(SQLModel.metadata.sorted_tables))
    return f"SET LOCAL session_replication_role = replica; {deletes}"


async def _run_script(db: Database, script: str) -> None:
    """The whole script in one transaction and one round trip (a simple query of many statements),
    not ~60 prepared statements of two round trips each."""
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(f"BEGIN; {script} COMMIT;")  # type: ignore[union-attr]


async def empty_postgres(db: Database) -> None:
    """Every table of the models emptied and every id counter restarted, in one transaction."""
    await _run_script(db, f"{_emptying()} {_RESTART_SEQUENCES};")


async def snapshot_postgres(db: Database) -> str:
    """What the database holds now (every table of the models, every sequence), as the script
    `restore_postgres` puts back: for a roster seeded once and given to each test as it was."""
    inserts: list[str] = []
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:  # parents first: read back in this order
            found = (await conn.execute(text(_TABLE_AS_INSERT.format(table=table.name)))).scalar()
            if found:
                inserts.append(found)
        sequences = (await conn.execute(text(_SEQUENCES_AS_SETVAL))).scalar_one()
    return " ".join(inserts) + " " + sequences


async def restore_postgres(db: Database, snapshot: str) -> None:
    """The database as it was at `snapshot_postgres`, whatever the last test left in it: a copy of
    a seeded template for the price of a few statements in one round trip, where a CREATE DATABASE
    … TEMPLATE copies the whole catalogue (11 MB) and its DROP waits for a checkpoint."""
    await _run_script(db, f"{_emptying()} {snapshot}")
