"""The reminder sweep (bot.services.reminders.sweep) run through the channels this process runs.

A ping goes to the app its person wrote from last, of the running ones (as the outbox does,
bot.delivery), through that channel's deliverer: buttons on Telegram, a numbered list on Zalo.
The sweep keeps its own outbox semantics (claims, at least once, quiet hours, the head told once
per sweep about people who blocked the bot); this module only says how one ping is sent.
Run every REMINDER_SWEEP_SECONDS by bot/__main__.py run() in every mode, so pings go out with only Zalo
running too; this module loads at the first sweep.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from bot.chat import Unreachable
from bot.db import Database
from bot.deps import Deps
from bot.services import people, reminders
from bot.services.reminders import Delivery, Outcome, Outgoing, Sender
from models.channels import Channel
from models.organisation import Person

log = logging.getLogger("thidua.reminders")

# Longer than the outbox's: Telegram's rate limiter may hold a ping while a broadcast drains.
SEND_TIMEOUT_SECONDS = 120.0

_locks: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()
_soon: set[asyncio.Task[reminders.SweepReport]] = set()


async def _address(deps: Deps, person_id: int) -> tuple[Channel, str] | None:
    """The running channel and chat id to reach a person on: the account they wrote from last."""
    for account in await people.accounts_of(deps.db, person_id):
        if account.channel in deps.channels:
            return Channel(account.channel), account.external_id
    # People written in before channel accounts (the demo's, a bench's) are known by their app's id.
    async with deps.db.session() as session:
        person = await session.get(Person, person_id)
    if person is not None and person.telegram_id is not None and Channel.TELEGRAM in deps.channels:
        return Channel.TELEGRAM, str(person.telegram_id)
    if person is not None and person.zalo_id is not None and Channel.ZALO in deps.channels:
        return Channel.ZALO, person.zalo_id
    return None


def channel_sender(deps: Deps) -> Sender:
    """The sweep's Sender over the running channels' deliverers."""

    async def send(outgoing: Outgoing) -> Outcome:
        address = await _address(deps, outgoing.person_id)
        if address is None:  # another process may run their app: tried again later, then given up
            return Outcome(Delivery.RETRY, detail="no account on a running channel")
        channel, chat_id = address
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                message_id = await deps.channels[channel].send(chat_id, outgoing.screen)
        except Unreachable as error:
            return Outcome(Delivery.BLOCKED, detail=f"{channel.value}: {error}"[:255])
        except Exception as error:  # a timeout or a platform error: this one later, the others now
            return Outcome(Delivery.RETRY, detail=type(error).__name__)
        return Outcome(Delivery.SENT, message_id=message_id, channel=channel.value, chat_id=chat_id)

    return send


async def run_sweep(deps: Deps) -> reminders.SweepReport:
    """One sweep, with the bot's clock. The job calls it; tests call it to skip the 30 s wait."""
    lock = _locks.setdefault(deps.db, asyncio.Lock())
    async with lock:  # one sweep at a time in this process; claims cover other processes
        report = await reminders.sweep(
            deps.db, channel_sender(deps), now=deps.clock(), zone=deps.settings.zone
        )
    if report.sent or report.unreachable or report.failed:
        log.info("reminders sweep: %s", report)
    return report


def sweep_soon(deps: Deps) -> None:
    """Sweep now rather than at the next tick (a head's ad-hoc reminder, a timetable just saved)."""
    task = asyncio.create_task(run_sweep(deps), name="reminders-now")
    _soon.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[reminders.SweepReport]) -> None:
    _soon.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("reminders sweep failed", exc_info=task.exception())
