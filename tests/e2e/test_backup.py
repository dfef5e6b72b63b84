"""`thidua backup` then `thidua restore`, as an operator runs them: a demo department with a closed
poll round-trips onto an empty database, the audit chain verifies, and the master key stays out.
Also `thidua run` on Telegram refuses a database older than the code, in one line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, select

from bot.db import Database
from bot.services import ballots
from bot.services.ballots import Purpose
from bot.settings import Settings
from models.meetings import Poll, PollStatus
from models.vote_rules import Choice
from tests.auxil.ballots import MASTER, Bloc2
from tests.auxil.bot import TEST_MASTER_KEY
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.operations]


async def thidua(*args: str, database_url: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """The command line in its own process, with only the settings given here."""
    clean = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    clean.update(DATABASE_URL=database_url, LOG_FORMAT="json", **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def empty_url(db: Database, tmp_path: Path) -> AsyncIterator[str]:
    """A second, empty database of the same kind: where the backup is restored."""
    if db.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"thidua_restore_{uuid.uuid4().hex[:10]}"
    target = make_url(db.url)
    admin = await asyncpg.connect(
        host=target.host,
        port=target.port,
        user=target.username,
        password=target.password,
        database="postgres",
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield target.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def row_counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.name: int((await session.exec(text(f'SELECT count(*) FROM "{table.name}"'))).one()[0])  # type: ignore[call-overload]
            for table in SQLModel.metadata.sorted_tables
        }


async def test_a_backup_restores_onto_an_empty_database_with_its_closed_poll(
    bloc2: Bloc2, db: Database, empty_url: str, tmp_path: Path
) -> None:
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    for index, rep in enumerate(bloc2.reps[:10]):
        answers = {
            c.position: (Choice.AGREE, Choice.DISAGREE)[(index + c.position) % 2] for c in poll.on_ballot
        }
        cast = await ballots.cast(
            db, poll_ref=poll.ref, person_id=await pid(db, rep.user_id), ballot=answers, now=bloc2.clock()
        )
        assert cast.status is ballots.CastStatus.RECORDED
    await ballots.close_poll(db, poll_id=poll.id, master_key=MASTER, now=bloc2.clock())
    async with db.session() as session:
        counted = (await session.exec(select(Poll).where(Poll.id == poll.id))).one()
    assert counted.status == PollStatus.CLOSED and counted.result
    store = tmp_path / "files"
    (store / "evidence").mkdir(parents=True)
    (store / "evidence" / "anh.jpg").write_bytes(b"\xff\xd8 photo")
    (store / "ballot-master.key").write_text(TEST_MASTER_KEY)  # misplaced by an operator: still left out
    before = await row_counts(db)

    folder = tmp_path / "backup-2026-11-30"
    code, out, err = await thidua(
        "backup", str(folder), database_url=db.url, cwd=tmp_path, FILE_STORE_DIR=str(store)
    )
    assert code == 0, err
    assert "master key is not in it" in out
    manifest = json.loads((folder / "backup.json").read_text())
    assert manifest["backend"] == db.backend and manifest["files"] == 1
    everything = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert TEST_MASTER_KEY.encode() not in everything

    restored_store = tmp_path / "restored-files"
    code, out, err = await thidua(
        "restore", str(folder), database_url=empty_url, cwd=tmp_path, FILE_STORE_DIR=str(restored_store)
    )
    assert code == 0, err
    assert (restored_store / "evidence" / "anh.jpg").read_bytes() == b"\xff\xd8 photo"
    assert not (restored_store / "ballot-master.key").exists()

    code, out, err = await thidua("audit", "verify", database_url=empty_url, cwd=tmp_path)
    assert code == 0, out + err
    assert "NGUYÊN VẸN" in out
    restored = Database(empty_url)
    try:
        assert await row_counts(restored) == before
        async with restored.session() as session:
            again = (await session.exec(select(Poll).where(Poll.id == poll.id))).one()
        assert again.status == PollStatus.CLOSED
        assert again.result == counted.result
        assert await restored.schema_is_current()
    finally:
        await restored.dispose()

    # Restore never writes over data: a second restore onto the now full database is refused.
    code, _, err = await thidua("restore", str(folder), database_url=empty_url, cwd=tmp_path)
    assert code == 1 and "not empty" in err


async def test_run_on_telegram_refuses_an_older_schema_in_one_line(tmp_path: Path) -> None:
    old = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    code, _, err = await thidua(
        "run",
        database_url=old,
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN="123456:NOT-USED",
        TELEGRAM_API_URL="http://127.0.0.1:9",
        BALLOT_MASTER_KEY=TEST_MASTER_KEY,
    )
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]  # one line, nothing else (no traceback)
    assert "run `thidua migrate` first" in err
