"""Issue 15: each update handled once and none dropped.

Long polling confirms an update only once it is handled (bot/channels/telegram_polling.py), and
the ledger of handled updates (bot/services/updates.py) tells a new update from one delivered
again, and one a dead process left unfinished from one this process has in hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import build_application
from bot.db import Database
from bot.deps import Deps
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.request import SandboxRequest
from bot.services import updates
from bot.services.updates import Taking
from tests.auxil.bot import make_settings
from tests.auxil.clock import Clock

pytestmark = pytest.mark.hardening


async def test_an_update_is_taken_once_and_a_dead_processs_unfinished_one_is_taken_over(
    db: Database, clock: Clock
) -> None:
    now = clock()
    assert await updates.take(db, "telegram", 41, now, process="a") is Taking.NEW
    assert await updates.take(db, "telegram", 41, now, process="a") is Taking.BUSY  # in hand here
    assert await updates.take(db, "zalo", 41, now, process="a") is Taking.NEW  # another channel's 41
    # Process "a" dies before finishing 41; "b", started after it, gets 41 again and takes it over.
    assert await updates.take(db, "telegram", 41, now, process="b") is Taking.ABANDONED
    await updates.finish(db, "telegram", 41)
    for process in ("a", "b", "c"):
        assert await updates.take(db, "telegram", 41, now, process=process) is Taking.DONE
    # Rows older than the keeping time go; the rest stay.
    clock.advance(days=4)
    assert await updates.take(db, "telegram", 42, clock(), process="c") is Taking.NEW
    await updates.prune(db, clock())
    assert await updates.take(db, "telegram", 41, clock(), process="c") is Taking.NEW
    assert await updates.take(db, "telegram", 42, clock(), process="d") is Taking.ABANDONED


async def test_long_polling_confirms_only_what_was_handled(db: Database, clock: Clock) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    application = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    sandbox.add_user(5001, "An")
    ids = [int((await sandbox.user_sends(5001, f"tin {n}"))["update_id"]) for n in range(3)]
    async with application:
        polling: Any = application.updater.bot  # what the Updater polls through
        ledger = application.poll_ledger
        assert [u.update_id for u in await polling.get_updates(timeout=0)] == ids
        ledger.done(ids[1])  # the second is handled, the first is not
        assert list(await polling.get_updates(timeout=0)) == []  # nothing new, nothing queued twice
        assert sandbox.acknowledged_update_id < ids[0]  # nothing confirmed: all three would come back
        ledger.done(ids[0])
        assert list(await polling.get_updates(timeout=0)) == []
        assert sandbox.acknowledged_update_id == ids[1]  # the first two confirmed, the third not
        assert [u["update_id"] for u in sandbox.updates] == [ids[2]]
    # A process started afresh (the old one killed) gets the unhandled one again.
    again = build_application(
        Deps(settings=make_settings(db), db=db, clock=clock),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    async with again:
        fresh: Any = again.updater.bot
        assert [u.update_id for u in await fresh.get_updates(timeout=0)] == [ids[2]]
