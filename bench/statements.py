"""`python -m bench.statements [sqlite|postgresql]`: the SQL statements one update costs.

The real application, in this process, on an in-process sandbox; a listener on the engine counts
each statement (BEGIN, SELECT, INSERT, ...) and each connection taken from the pool while exactly
one update is handled: a known person's /whoami, a ballot press (a choice that redraws the ballot)
and the final "cast". Timing-free, so it is the figure to compare on a shared, noisy machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update

from bench import harness
from bench.suite import MASTER_KEY, MASTER_KEY_TEXT, seed_bloc
from bot.db import Database

VOTERS = 4


class Tally:
    """Statements by their first word, and pool check-outs, while `on` is set."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.words: Counter[str] = Counter()
        self.statements: list[str] = []
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.on:
            text = statement.lstrip().upper()
            word = "BEGIN IMMEDIATE" if text.startswith("BEGIN IMMEDIATE") else text.split(None, 1)[0]
            self.words[word] += 1
            self.statements.append(" ".join(statement.split())[:160])

    def _checkout(self, *_: Any) -> None:
        if self.on:
            self.words["(connections)"] += 1

    def start(self) -> None:
        self.words.clear()
        self.statements.clear()
        self.on = True

    def stop(self) -> dict[str, int]:
        self.on = False
        return dict(sorted(self.words.items()))


@dataclass
class Measured:
    """Each update's statement counts and texts, and the sandbox that saw the bot's answers."""

    counts: dict[str, dict[str, int]]
    statements: dict[str, list[str]]
    sandbox: Any
    voter: int  # the Telegram id of the voter who sent /whoami, pressed and cast
    poll_id: int


async def measure(backend: str, *, show: bool = False) -> dict[str, dict[str, int]]:
    with tempfile.TemporaryDirectory(prefix="thidua-statements-") as folder:
        async with harness.database_url(backend, Path(folder)) as url:
            db = Database(url)
            try:
                await db.migrate()
                measured = await measure_on(db, Path(folder))
            finally:
                await db.dispose()
    if show:
        for name, statements in measured.statements.items():
            print(f"--- {name}", *statements, sep="\n  ")
    return measured.counts


async def measure_on(db: Database, folder: Path) -> Measured:
    """On a migrated, empty database: a bloc of VOTERS units at its open meeting, an election
    sent to every voter; then one voter's /whoami (twice: the first warms the caches), a press
    that redraws the ballot, and the cast, each update's statements counted apart."""
    from bot.app import build_application
    from bot.channels.telegram import TelegramDeliverer
    from bot.delivery import deliver_due
    from bot.deps import Deps
    from bot.sandbox.core import Limits, Sandbox
    from bot.sandbox.request import SandboxRequest
    from bot.services import ballots, updates
    from bot.services.ballots import Purpose
    from bot.settings import Settings
    from handlers.voting import outbox_ballot
    from models.channels import Channel

    now = datetime.now(UTC)
    out: dict[str, dict[str, int]] = {}
    texts: dict[str, list[str]] = {}
    bloc = await seed_bloc(db, VOTERS, now)
    sandbox = Sandbox(limits=Limits(enabled=False))
    for index, user_id in enumerate(bloc.voters):
        sandbox.add_user(user_id, f"Thử {index}", last_name="Người")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db.url,
        ballot_master_key=MASTER_KEY_TEXT,
        file_store_dir=folder / "files",
    )
    deps = Deps(settings=settings, db=db, master_key=MASTER_KEY, clock=lambda: now)
    application = build_application(
        deps, token=sandbox.token, request=SandboxRequest(sandbox), rate_limiter=False
    )
    async with application:
        deps.channels[Channel.TELEGRAM] = TelegramDeliverer(application.bot)
        draft = await ballots.create_draft(
            db,
            person_id=bloc.person_ids[bloc.head],
            meeting_id=bloc.meeting_id,
            purpose=Purpose.ELECT_HEAD,
            title="Khối trưởng",
            now=now,
            candidate_unit_ids=bloc.unit_ids[1:3],
        )
        opened = await ballots.open_poll(
            db,
            person_id=bloc.person_ids[bloc.head],
            poll_id=draft.id,
            master_key=MASTER_KEY,
            now=now,
            ballot_screen=outbox_ballot,
        )
        while await deliver_due(deps, worker="statements"):
            pass
        tally = Tally(db)

        async def one(name: str, raw: dict[str, Any]) -> None:
            update = Update.de_json(raw, application.bot)
            # Earlier read-only updates' marks, written in a batch of their own (bot/services/
            # updates.py), now: not amid this update's statements, whenever their timer fires.
            await updates.flush(db)
            tally.start()
            await application.process_update(update)
            out[name] = tally.stop()
            texts[name] = list(tally.statements)

        voter = bloc.voters[-1]  # not on the ballot: its first candidate is a choice
        ref = opened.poll.ref
        for round_ in ("first", "again"):  # the first /whoami warms the caches
            await sandbox.user_sends(voter, "/whoami")
            await one(f"whoami_{round_}", sandbox.updates.pop())
        # The voter's own presses: the first candidate (measured), the review, then "cast" (measured).
        message_id = _ballot_message(sandbox, voter, ref)
        await sandbox.user_presses(voter, message_id, data=_button(sandbox, voter, message_id, f"v:{ref}:t"))
        await one("ballot_press", sandbox.updates.pop())
        await sandbox.user_presses(voter, message_id, data=_button(sandbox, voter, message_id, f"v:{ref}:r"))
        await application.process_update(Update.de_json(sandbox.updates.pop(), application.bot))
        await sandbox.user_presses(voter, message_id, data=_button(sandbox, voter, message_id, f"v:{ref}:x"))
        await one("cast", sandbox.updates.pop())
    out.pop("whoami_first")
    texts.pop("whoami_first")
    return Measured(out, texts, sandbox, voter, opened.poll.id)


def _button(sandbox: Any, chat_id: int, message_id: int, prefix: str) -> str:
    """The data of the first button of that message (as it stands now) starting with `prefix`."""
    message = next(m for m in sandbox.transcript(chat_id) if int(m["message_id"]) == message_id)
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if str(button.get("callback_data", "")).startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix}… on message {message_id}")


def _ballot_message(sandbox: Any, chat_id: int, ref: str) -> int:
    for message in reversed(sandbox.transcript(chat_id)):
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if any(str(b.get("callback_data", "")).startswith(f"v:{ref}:") for b in buttons):
            return int(message["message_id"])
    raise AssertionError(f"no ballot for poll {ref} in chat {chat_id}")


def main(argv: list[str]) -> int:
    show = "--show" in argv
    backends = [a for a in argv if not a.startswith("--")] or ["sqlite"]
    for backend in backends:
        figures = asyncio.run(measure(backend, show=show))
        print(json.dumps({"backend": backend, **figures}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
