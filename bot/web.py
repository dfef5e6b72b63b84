"""The bot's own web server: health for the orchestrator, Telegram's webhook, and room for more.

One aiohttp server per process, in every mode (polling, webhook, the offline sandbox run), on
WEB_LISTEN:WEB_PORT. Other capabilities add their routes through `build_web_app(..., routes=...)`
(a channel's webhook, signed download and upload links) instead of opening servers of their own.

- `/healthz`: the process is up and its event loop answers. Nothing else is checked, so a
  database outage does not make the orchestrator kill a bot that would recover by itself.
- `/readyz`: the database answers, its schema is the one this code expects, and LibreOffice is
  installed (the minutes and proposals need it for PDF). 503 with the failing checks otherwise.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from bot import files
from bot.chat.numbered import plain_text
from bot.deps import Deps
from bot.i18n import t

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEPS_KEY = web.AppKey("deps", Deps)
TELEGRAM_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a body over this is refused from its Content-Length,
# before it is read, so a stranger cannot make the bot buffer megabytes.
MAX_UPDATE_BYTES = 1024 * 1024
READY_TIMEOUT = 5.0  # seconds for the database to answer a readiness probe


@dataclass(frozen=True)
class Route:
    """One route another capability adds to the bot's web server."""

    method: str  # "GET", "POST", …
    path: str
    handler: Handler


async def readiness(deps: Deps) -> dict[str, str]:
    """Each check's name and "ok" or why not: what /readyz reports."""
    from bot.exports.minutes import soffice

    checks: dict[str, str] = {}
    try:
        current = await asyncio.wait_for(deps.db.schema_is_current(), READY_TIMEOUT)
    except Exception as error:  # any driver error: the database is not there for us
        checks["database"] = f"unreachable: {type(error).__name__}"
        checks["schema"] = "unknown"
    else:
        checks["database"] = "ok"
        checks["schema"] = "ok" if current else "older than the code: run `thidua migrate`"
    checks["libreoffice"] = "ok" if soffice() else "missing: PDF exports need LibreOffice (soffice)"
    return checks


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    checks = await readiness(request.app[DEPS_KEY])
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ok" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The request's body, refused with 413 when it is (or turns out to be) longer than `limit`."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:  # chunked, or a Content-Length that lied
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


def telegram_webhook(application: Application, secret: str | None) -> Route:  # type: ignore[type-arg]
    """Telegram's webhook, on the one web server beside the health routes.

    Answered 200 only once the update is handled (its writes and its ledger mark committed,
    bot/services/updates.py): a bot that dies first never answers, and Telegram delivers the
    update again. So the update does not go through PTB's queue (put there, it would be answered
    before it is handled) but straight to the application's update processor, which keeps each
    person's updates in order and bounds how many run at once, as it does for polled updates."""
    from telegram import Update

    async def handle(request: web.Request) -> web.Response:
        # Without the secret, anyone who learns the URL could post updates as any user.
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, "").encode(), secret.encode()
        ):
            raise web.HTTPForbidden()
        body = await read_limited(request, MAX_UPDATE_BYTES)
        try:
            data = json.loads(body)
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            raise web.HTTPBadRequest() from None
        if update is None:
            raise web.HTTPBadRequest()
        await application.update_processor.process_update(update, application.process_update(update))
        return web.Response()

    return Route("POST", TELEGRAM_PATH, handle)


async def _file(request: web.Request) -> web.StreamResponse:
    """A signed link to a file of the store (bot.files): 403 if forged, 410 once expired."""
    deps = request.app[DEPS_KEY]
    key, name = request.match_info["key"], request.match_info["name"]
    verdict = files.check_link(
        deps.link_secret, key, name, request.query.get("exp", ""), request.query.get("sig", "")
    )
    lang = deps.settings.default_language
    if verdict == files.LinkCheck.FORGED:
        return web.Response(status=403, text=plain_text(t(lang, "files.forged")))
    if verdict == files.LinkCheck.EXPIRED:
        return web.Response(status=410, text=plain_text(t(lang, "files.expired")))
    data = deps.files.get(key)
    if data is None:
        return web.Response(status=404, text=plain_text(t(lang, "files.missing")))
    return web.Response(
        body=data,
        content_type=files.guess_mime(name),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def build_web_app(deps: Deps, routes: Iterable[Route] = ()) -> web.Application:
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app[DEPS_KEY] = deps
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/files/{key}/{name}", _file)
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    return app


class WebServer:
    """The app on a host and port (0: a free one); `url` once started."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        server: Any = site._server  # the bound socket tells the port the OS chose for 0
        self.port = int(server.sockets[0].getsockname()[1])
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
