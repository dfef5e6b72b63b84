"""The bot's web server: /healthz and /readyz as an orchestrator asks them, and Telegram's webhook
route refusing what is not Telegram's."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import Update
from telegram.ext import ApplicationBuilder, TypeHandler

from bot.db import Database
from bot.deps import Deps
from bot.exports.minutes import soffice
from bot.sandbox.core import Limits, Sandbox
from bot.sandbox.request import SandboxRequest
from bot.web import MAX_UPDATE_BYTES, SECRET_HEADER, Route, WebServer, build_web_app, telegram_webhook
from tests.auxil.bot import make_settings

pytestmark = pytest.mark.operations


async def serve(db: Database, routes: Iterable[Route] = ()) -> WebServer:
    server = WebServer(build_web_app(Deps(settings=make_settings(db), db=db), routes), "127.0.0.1", 0)
    await server.start()
    return server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


async def test_health_and_ready_answer_on_a_current_database(db: Database, http: httpx.AsyncClient) -> None:
    server = await serve(db)
    try:
        health = await http.get(f"{server.url}/healthz")
        ready = await http.get(f"{server.url}/readyz")
    finally:
        await server.stop()
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    checks = ready.json()["checks"]
    assert checks["database"] == "ok" and checks["schema"] == "ok"
    # The machine's LibreOffice decides the third check; ready only when all three hold.
    assert checks["libreoffice"] == ("ok" if soffice() else checks["libreoffice"])
    assert ready.status_code == (200 if soffice() else 503)


async def test_ready_fails_while_health_holds_when_the_database_is_down(http: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on: PostgreSQL is "down"
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = Database(f"postgresql://postgres@127.0.0.1:{port}/thidua")
    server = await serve(down)
    try:
        health = await http.get(f"{server.url}/healthz")
        ready = await http.get(f"{server.url}/readyz")
    finally:
        await server.stop()
        await down.dispose()
    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["checks"]["database"].startswith("unreachable")


async def test_ready_fails_on_a_database_older_than_the_code(tmp_path: Path, http: httpx.AsyncClient) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.sqlite3'}")
    server = await serve(empty)
    try:
        ready = await http.get(f"{server.url}/readyz")
    finally:
        await server.stop()
        await empty.dispose()
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert "thidua migrate" in ready.json()["checks"]["schema"]


async def test_other_capabilities_add_routes_to_the_same_server(
    db: Database, http: httpx.AsyncClient
) -> None:
    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="xin chào")

    server = await serve(db, [Route("GET", "/zalo/hello", hello)])
    try:
        answer = await http.get(f"{server.url}/zalo/hello")
    finally:
        await server.stop()
    assert answer.text == "xin chào"


async def test_the_webhook_refuses_a_wrong_secret_and_a_huge_body(
    db: Database, http: httpx.AsyncClient
) -> None:
    sandbox = Sandbox(limits=Limits(enabled=False))
    application = (
        ApplicationBuilder().token(sandbox.token).request(SandboxRequest(sandbox)).updater(None).build()
    )
    seen: list[int] = []

    async def keep(update: Update, _context: Any) -> None:
        seen.append(update.update_id)

    application.add_handler(TypeHandler(Update, keep))
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
    async with application:
        server = await serve(db, [telegram_webhook(application, "s3cret")])
        url = f"{server.url}/telegram"
        try:
            wrong = await http.post(url, json=update, headers={SECRET_HEADER: "guess"})
            huge = await http.post(
                url, content=b"{" + b" " * MAX_UPDATE_BYTES + b"}", headers={SECRET_HEADER: "s3cret"}
            )
            garbage = await http.post(url, content=b"not json", headers={SECRET_HEADER: "s3cret"})
            taken = await http.post(url, json=update, headers={SECRET_HEADER: "s3cret"})
        finally:
            await server.stop()
    assert wrong.status_code == 403
    assert huge.status_code == 413
    assert garbage.status_code == 400
    assert taken.status_code == 200
    # Only the one good update reached the bot, handled before the answer (issue 15).
    assert seen == [1]
