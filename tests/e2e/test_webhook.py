"""Webhook mode end to end: `thidua run` as in production (a token, WEBHOOK_URL, WEBHOOK_SECRET),
pointed by TELEGRAM_API_URL at the sandbox, which POSTs every update to the bot's webhook server
as Telegram does. The bot is a child process, so the code under test is exactly `run()` with its
settings and `start_webhook`, not a copy of it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.settings import Settings
from tests.auxil.bot import TEST_MASTER_KEY

pytestmark = pytest.mark.e2e

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_SECONDS = 60.0  # a cold start imports PTB, SQLAlchemy and migrates; generous, never a benchmark


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebhookBot:
    """The bot process, as started by an operator: its webhook URL, its secret, its log."""

    url: str
    secret: str
    process: asyncio.subprocess.Process
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def wait_until_running(self) -> None:
        assert self.process.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_SECONDS
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the bot did not start within {START_SECONDS}s:\n{self.log_text()}")
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            except TimeoutError:
                continue
            if not line:
                await self.process.wait()
                raise AssertionError(
                    f"the bot exited with {self.process.returncode} before running:\n{self.log_text()}"
                )
            if b"is running" in line:
                # The production start-up says where it runs; a sandbox-mode start would not say webhook.
                assert b"(webhook " in line, line
                return

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the bot must shut down cleanly by itself."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        assert self.process.returncode is not None
        return self.process.returncode


def bot_environment(db: Database, server: SandboxServer, port: int, secret: str) -> dict[str, str]:
    # Drop every variable that is also a setting, so the developer's own environment cannot leak in.
    env = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    env.update(
        TELEGRAM_BOT_TOKEN=server.sandbox.token,
        TELEGRAM_API_URL=server.url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=secret,
        DATABASE_URL=db.url,
        BALLOT_MASTER_KEY=TEST_MASTER_KEY,
        LOG_LEVEL="INFO",
    )
    return env


@pytest.fixture
async def webhook_bot(
    db: Database, sandbox_server: SandboxServer, tmp_path: Path
) -> AsyncIterator[WebhookBot]:
    port = free_port()
    secret = secrets.token_urlsafe(24)  # letters, digits, - and _: what setWebhook accepts
    log = tmp_path / "bot.log"
    with log.open("wb") as stderr:
        # cwd is the test's own folder, so no developer .env is read.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=bot_environment(db, sandbox_server, port, secret),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    running = WebhookBot(f"http://127.0.0.1:{port}/telegram", secret, process, log)
    try:
        await running.wait_until_running()
        yield running
    finally:
        code = await running.stop()
    assert code == 0, f"the bot did not stop cleanly ({code}):\n{running.log_text()}"


async def webhook_info(http: httpx.AsyncClient, server: SandboxServer) -> dict[str, Any]:
    """What the bot's operator would see: getWebhookInfo, asked through the Bot API itself."""
    response = await http.get(f"{server.bot_api_base}{server.sandbox.token}/getWebhookInfo")
    return dict(response.json()["result"])


def update_from(user_id: int, first_name: str, text: str) -> dict[str, Any]:
    """An update as Telegram would post it: what someone who guessed the webhook URL could send."""
    person = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}
    return {
        "update_id": 900000 + user_id % 1000,
        "message": {
            "message_id": 900000,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_start_is_answered_through_the_webhook(
    webhook_bot: WebhookBot, client: SandboxClient, sandbox_server: SandboxServer
) -> None:
    sandbox = sandbox_server.sandbox
    async with httpx.AsyncClient(timeout=10) as http:
        info = await webhook_info(http, sandbox_server)
        assert info["url"] == webhook_bot.url
        assert sandbox.webhook is not None and sandbox.webhook.secret_token == webhook_bot.secret
        polling = await http.get(f"{sandbox_server.bot_api_base}{sandbox.token}/getUpdates")
        assert polling.status_code == 409
        assert "can't use getUpdates method while webhook is active" in polling.json()["description"]

        polls = sandbox.stats["polls"]
        delivered = sandbox.stats["webhook_deliveries"]
        minh = await client.person(555101, "Minh")
        await minh.send("/start")
        reply = await minh.next_message()
        assert "Xin chào Minh!" in reply.text
        assert "Thi đua Bot" in reply.text
        assert "đường link mời" in reply.text
        # It came by the webhook: one POST accepted, and the bot never polled. (The POST is
        # answered once the update is handled, so just after the reply went out.)
        for _ in range(100):
            if sandbox.stats["webhook_deliveries"] > delivered:
                break
            await asyncio.sleep(0.05)
        assert sandbox.stats["webhook_deliveries"] == delivered + 1
        assert sandbox.stats["polls"] == polls

        info = await webhook_info(http, sandbox_server)
        assert info["pending_update_count"] == 0
        assert "last_error_date" not in info, info.get("last_error_message")


async def test_a_post_without_the_secret_is_refused_and_not_answered(
    webhook_bot: WebhookBot, client: SandboxClient
) -> None:
    hoa = await client.person(555102, "Hoa")
    forged = update_from(hoa.user_id, "Hoa", "/help")
    async with httpx.AsyncClient(timeout=10) as http:
        wrong = await http.post(webhook_bot.url, json=forged, headers={SECRET_HEADER: "not-the-secret"})
        missing = await http.post(webhook_bot.url, json=forged)
        assert wrong.status_code == 403
        assert missing.status_code == 403

        # The bot handles updates one at a time, in order: had a forged /help been taken, its answer
        # would come before the answer to this real /start.
        await hoa.send("/start")
        first = await hoa.next_message()
        assert "Xin chào Hoa!" in first.text
        said = [m.get("text", "") for m in await hoa.transcript() if m["from"]["is_bot"]]
        assert not any("Các lệnh bạn dùng được" in text for text in said), said

        # The same body with the right secret is taken and answered: the secret alone was refused.
        accepted = await http.post(webhook_bot.url, json=forged, headers={SECRET_HEADER: webhook_bot.secret})
        assert accepted.status_code == 200
        await hoa.expect("Các lệnh bạn dùng được")
