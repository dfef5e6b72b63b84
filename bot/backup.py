"""`thidua backup` and `thidua restore`: the database and the file store, never the master key.

A backup folder holds `database.pgdump` (pg_dump's custom format, one consistent snapshot) or
`database.sqlite3` (SQLite's online backup API, safe while the bot writes), the file store under
`files/`, and `backup.json` saying what it is. The ballot master key is left out on purpose: whoever
holds a database copy and the key can open sealed ballots, so the two are kept apart
(docs/operations.md says where the key lives).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bot.db import Database
from bot.settings import Settings

MANIFEST = "backup.json"
PG_DUMP = "database.pgdump"
SQLITE_DUMP = "database.sqlite3"
FILES = "files"
# Never copied from the file store, wherever an operator points it.
KEY_FILE_NAMES = frozenset({"ballot-master.key"})


class BackupError(Exception):
    """Why a backup or a restore could not be done, in one line for the operator."""


@dataclass(frozen=True)
class Summary:
    backend: str
    schema: tuple[str, ...]
    files: int


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL pg_dump understands, and the environment carrying its password (not on argv,
    where `ps` shows it to every user of the machine)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


async def _tool(*args: str, env: dict[str, str]) -> None:
    program = shutil.which(args[0])
    if program is None:
        raise BackupError(f"{args[0]} is not installed (Debian: apt-get install postgresql-client)")
    process = await asyncio.create_subprocess_exec(
        program, *args[1:], env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
        raise BackupError(f"{args[0]} failed: {last[0]}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _copy_files(source: Path, target: Path, master_key_file: Path | None) -> int:
    skip = {master_key_file.resolve()} if master_key_file else set()
    count = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name in KEY_FILE_NAMES or path.resolve() in skip:
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        count += 1
    return count


def _new_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)


async def backup(settings: Settings, folder: Path) -> Summary:
    _new_folder(folder)
    db = Database(settings.database_url)
    try:
        current, _ = await db.schema_revisions()
        backend = db.backend
    finally:
        await db.dispose()
    if backend == "postgresql":
        url, env = _libpq(settings.database_url)
        await _tool(
            "pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={folder / PG_DUMP}", url, env=env
        )
    else:
        await asyncio.to_thread(_sqlite_copy, _sqlite_path(settings.database_url), folder / SQLITE_DUMP)
    files = 0
    if settings.file_store_dir.is_dir():
        files = await asyncio.to_thread(
            _copy_files, settings.file_store_dir, folder / FILES, settings.ballot_master_key_file
        )
    summary = Summary(backend, tuple(sorted(current)), files)
    manifest = {
        "format": 1,
        "backend": backend,
        "schema": list(summary.schema),
        "files": files,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "master_key": "not included: keep it apart from every database copy",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return summary


async def _is_empty(db: Database) -> bool:
    async with db.engine.connect() as conn:
        if db.backend == "postgresql":
            found = await conn.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            )
        else:
            found = await conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
    return not found


async def restore(settings: Settings, folder: Path) -> Summary:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a thidua backup (no readable {MANIFEST})") from error
    db = Database(settings.database_url)
    try:
        backend = db.backend
        if manifest["backend"] != backend:
            raise BackupError(
                f"the backup is of a {manifest['backend']} database; DATABASE_URL names {backend}"
            )
        if not await _is_empty(db):
            raise BackupError("the database is not empty: restore only onto a new, empty database")
    finally:
        await db.dispose()
    store = settings.file_store_dir
    if store.is_dir() and any(store.iterdir()):
        raise BackupError(f"the file store {store} is not empty: restore only into an empty one")
    if backend == "postgresql":
        url, env = _libpq(settings.database_url)
        await _tool(
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url}",
            str(folder / PG_DUMP),
            env=env,
        )
    else:
        target = _sqlite_path(settings.database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_sqlite_copy, folder / SQLITE_DUMP, target)
    files = 0
    if (folder / FILES).is_dir():
        store.mkdir(parents=True, exist_ok=True)
        files = await asyncio.to_thread(_copy_files, folder / FILES, store, None)
    return Summary(backend, tuple(manifest.get("schema", ())), files)
