"""One bot in a process of its own, long-polling a sandbox that the benchmark runs.

    python -m bench.botproc real|echo BASE_URL [--limited]

`real` is this project's application, built by the same `build_application` and `start_bot` as
`thidua run`; `echo` is a bare python-telegram-bot echo bot. Both poll with the same settings,
and with `--limited` both pace their sends with the same AIORateLimiter (Telegram's flood limits);
without it neither does, so that the sandbox with its limits off measures the bots themselves.
The process prints "ready" once it polls and stops on SIGTERM. With BENCH_PROFILE=PREFIX, ours
is profiled (pyinstrument) from "ready" to the stop, into PREFIX.<pid>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from pathlib import Path

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

TOKEN = "0:sandbox"
POLL_TIMEOUT = 1


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


def echo_application(base_url: str, *, limited: bool) -> Application:  # type: ignore[type-arg]
    builder = (
        ApplicationBuilder().token(TOKEN).base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
    )
    if limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=8))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application


def _write_profile(text: str) -> None:
    Path(f"{os.environ['BENCH_PROFILE']}.{os.getpid()}.txt").write_text(text, encoding="utf-8")


async def main(kind: str, base_url: str, limited: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    if kind == "echo":
        application = echo_application(base_url, limited=limited)
        await application.initialize()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT)
        await application.start()
        db = None
    else:
        from bot.app import build_application, start_bot
        from bot.db import Database
        from bot.deps import Deps
        from bot.settings import load_settings, master_key

        settings = load_settings()
        db = Database(settings.database_url)
        deps = Deps(settings=settings, db=db, master_key=master_key(settings))
        application = build_application(deps, token=TOKEN, base_url=base_url, rate_limiter=limited)
        await start_bot(application, poll_timeout=POLL_TIMEOUT)
    profiler = None
    if os.environ.get("BENCH_PROFILE") and kind == "real":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if profiler is not None:
        profiler.stop()
        _write_profile(profiler.output_text(unicode=True, show_all=False))
    if kind == "echo":
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    else:
        from bot.app import stop_bot

        await stop_bot(application)
    if db is not None:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["real", "echo"])
    parser.add_argument("base_url")
    parser.add_argument("--limited", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.kind, args.base_url, args.limited))
