"""Time from a person's message to the bot's reply, through the sandbox over HTTP.

The real application long-polls the sandbox as it would Telegram; N people each send /whoami
in turn (latency), then all at once (throughput). Flood limits are off here: this measures the
bot, not Telegram's pacing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import fresh_database, summary
from bot.app import build_application, start_bot, stop_bot
from bot.deps import Deps
from bot.sandbox.client import SandboxClient
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.server import SandboxServer
from bot.services.demo import load_demo
from bot.settings import Settings

ROUNDS = 60


async def run() -> dict[str, Any]:
    db, folder = await fresh_database()
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT", now=datetime.now(UTC))
    sandbox = Sandbox(limits=Limits(enabled=False))
    server = SandboxServer(sandbox)
    await server.start()
    settings = Settings(_env_file=None, database_url=db.url)  # type: ignore[call-arg]
    application = build_application(Deps(settings=settings, db=db), token=sandbox.token, base_url=server.url)
    await start_bot(application, poll_timeout=1)
    try:
        async with SandboxClient(server.url) as client:
            people = [
                await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in personas[:40]
            ]
            latencies = []
            for index in range(ROUNDS):
                person = people[index % len(people)]
                started = time.perf_counter()
                await person.send("/whoami")
                await person.next_message()
                latencies.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await asyncio.gather(*(p.send("/whoami") for p in people))
            await asyncio.gather(*(p.next_message(wait_seconds=60) for p in people))
            burst_seconds = time.perf_counter() - started
    finally:
        await stop_bot(application)
        await server.stop()
        await db.dispose()
        folder.cleanup()
    return {
        "what": "/whoami round trip, person → sandbox → bot → database → sandbox → person (SQLite)",
        "rounds": ROUNDS,
        **summary(latencies),
        "burst_people": len(people),
        "burst_replies_per_s": round(len(people) / burst_seconds, 1),
    }
