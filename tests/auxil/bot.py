"""The real bot against the sandbox, its settings, and the demo's people."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.app import build_application, build_router, build_zalo, start_bot, stop_bot
from bot.ballot_crypto import new_master_key
from bot.channels.zalo.adapter import ZaloChannel
from bot.db import Database
from bot.delivery import DeliveryJob
from bot.deps import Deps
from bot.jobs import Periodic
from bot.sandbox.client import Person, SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services.demo import Persona
from bot.settings import Settings
from bot.web import Route, WebServer, build_web_app
from handlers import periodic_jobs

TEST_MASTER_KEY = new_master_key()


def make_settings(db: Database, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ballot_master_key": TEST_MASTER_KEY,
        "poll_progress_seconds": 0.5,
        # Never the repository's data/files: each bot of a test keeps its files apart.
        "file_store_dir": Path(tempfile.mkdtemp(prefix="thidua-files-")),
        **overrides,
    }
    return Settings(_env_file=None, database_url=db.url, telegram_bot_token=None, **values)  # type: ignore[call-arg]


class RunningBot:
    """The real application, polling the sandbox over HTTP like it polls Telegram and Zalo."""

    def __init__(self, deps: Deps, server: SandboxServer, *, rate_limiter: bool | None = None) -> None:
        self.deps = deps
        self.server = server
        # The bot paces its sends as Telegram wants only where the sandbox enforces Telegram's flood
        # limits (marker `flood_limits`): elsewhere the pacing only waits (a group's 20 messages a
        # minute held each ballot's result back 11 s in the year-end meeting).
        self.rate_limiter = server.sandbox.limits.enabled if rate_limiter is None else rate_limiter
        self.application: Any = None
        self.zalo: ZaloChannel | None = None
        self.web: WebServer | None = None
        self.delivery: DeliveryJob | None = None
        self.jobs: list[Periodic] = []

    async def start(self) -> None:
        router = build_router()
        self.zalo = build_zalo(
            self.deps, router, token=self.server.sandbox.zalo.token, base_url=f"{self.server.url}/zalo"
        )
        # The bot's web server too: Zalo people get files as links to it, and upload through it.
        uploads = [Route(method, path, handler) for method, path, handler in self.zalo.upload_routes()]
        self.web = WebServer(build_web_app(self.deps, uploads), "127.0.0.1", 0)
        self.deps.public_url = await self.web.start()
        self.application = build_application(
            self.deps,
            token=self.server.sandbox.token,
            base_url=self.server.url,
            router=router,
            rate_limiter=self.rate_limiter,
        )
        await start_bot(self.application, poll_timeout=1)
        await self.zalo.start_polling(timeout=1)
        self.delivery = DeliveryJob(self.deps, interval=0.2)
        self.deps.poke_delivery = self.delivery.poke
        self.delivery.start()
        self.jobs = periodic_jobs(self.deps)
        for job in self.jobs:
            job.start()

    async def stop(self) -> None:
        for job in self.jobs:
            await job.stop()
        self.jobs = []
        if self.delivery is not None:
            await self.delivery.stop()
            self.delivery = None
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if self.zalo is not None:
            await self.zalo.close()
            self.zalo = None
        if self.application is not None:
            await stop_bot(self.application)
            self.application = None


class Demo:
    """Seed 000's roster with one simulated representative per unit, known to the sandbox."""

    def __init__(self, client: SandboxClient, personas: list[Persona]) -> None:
        self.client = client
        self.personas = personas

    def persona(self, label_fragment: str) -> Persona:
        matches = [p for p in self.personas if label_fragment in p.label]
        assert matches, f"no demo persona whose label contains {label_fragment!r}"
        return matches[0]

    async def person(self, label_fragment: str) -> Person:
        persona = self.persona(label_fragment)
        return await self.client.person(persona.user_id, persona.first_name, last_name=persona.last_name)
