"""The delivery job: sends the outbox (bot.services.outbox) through the running channels.

Each message goes to the app its person wrote from last (of the channels this process runs);
a person with no account on a running channel is tried again later, in case another process
runs it. Runs every few seconds in every mode (Telegram, Zalo, both, the sandbox).
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from bot.chat import OutFile, Unreachable
from bot.deps import Deps
from bot.jobs import Periodic
from bot.services import handoffs, outbox, people

log = logging.getLogger("thidua.delivery")
INTERVAL_SECONDS = 1.0
SEND_TIMEOUT_SECONDS = 30.0


async def deliver_due(deps: Deps, *, worker: str) -> int:
    """One sweep: claim what is due and send it. Returns how many were sent."""
    now = deps.clock()
    sent = 0
    for item in await outbox.claim(deps.db, worker=worker, now=now):
        accounts = [
            a for a in await people.accounts_of(deps.db, item.person_id) if a.channel in deps.channels
        ]
        if not accounts:
            await outbox.mark_failed(
                deps.db, item.id, error="no account on a running channel", now=now, final=False
            )
            continue
        account = accounts[0]
        channel = deps.channels[account.channel]  # type: ignore[index]
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                await channel.send(account.external_id, item.screen)
                if item.file_key and item.file_name:
                    data = deps.files.get(item.file_key)
                    if data is not None:
                        await channel.send_file(account.external_id, OutFile(item.file_name, data))
        except Unreachable as error:
            await outbox.mark_failed(
                deps.db, item.id, error=f"unreachable: {error}", now=deps.clock(), final=True
            )
            # A hand-off nobody received would stall the year: its bloc's head is told (once).
            await handoffs.report_unreachable(deps.db, item.id, now=deps.clock())
            continue
        except Exception as error:  # a timeout or a platform error: this one later, the others now
            log.warning("outbox %s to person %s failed: %s", item.kind, item.person_id, type(error).__name__)
            await outbox.mark_failed(
                deps.db, item.id, error=type(error).__name__, now=deps.clock(), final=False
            )
            continue
        await outbox.mark_sent(deps.db, item.id, channel=account.channel, now=deps.clock())
        sent += 1
    return sent


class DeliveryJob(Periodic):
    """Sends the outbox every INTERVAL_SECONDS, at once when poked after a commit."""

    def __init__(self, deps: Deps, interval: float = INTERVAL_SECONDS) -> None:
        self.worker = uuid.uuid4().hex  # this process's name on the rows it claims
        super().__init__("delivery", interval, self._deliver, deps, at_start=True)

    async def _deliver(self, deps: Deps) -> int:
        return await deliver_due(deps, worker=self.worker)
