"""The sandbox over HTTP: the Bot API at /bot<token>/<method>, files, the control API and the web chat.

The bot reaches it through `ApplicationBuilder().base_url(...)`, the same code path it uses for
Telegram. Simulated people (tests, benchmarks, the web chat page) use /sandbox/api/*.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.core import ApiError, Sandbox, Upload
from bot.sandbox.zalo import CHANNEL as ZALO
from bot.sandbox.zalo import GENERIC_STICKER, STICKERS

STATIC = Path(__file__).parent / "static"
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if part.name is None:
                continue
            if part.filename:  # type: ignore[union-attr]
                content = await part.read()  # type: ignore[union-attr]
                files[part.name] = Upload(
                    filename=part.filename,  # type: ignore[union-attr]
                    content=bytes(content),
                    mime_type=part.headers.get("Content-Type", "application/octet-stream"),
                )
            else:
                params[part.name] = await part.text()  # type: ignore[union-attr]
    elif request.can_read_body:
        params.update(dict(await request.post()))
    return params, files


async def bot_api(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sandbox.token:
        return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    params, files = await _read_params(request)
    try:
        result = await sandbox.call(request.match_info["method"], params, files)
    except ApiError as error:
        return _json(error.payload(), status=error.code)
    return _json({"ok": True, "result": result})


async def bot_file(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX_KEY]
    stored = sandbox.file_by_path(request.match_info["path"])
    if request.match_info["token"] != sandbox.token or stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored.content, content_type=stored.mime_type)


# ---------------------------------------------------------------- the Zalo Bot API
async def _zalo_params(request: web.Request) -> dict[str, Any]:
    """Zalo takes a JSON body; values keep their JSON types (a number is not a string id there)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise ApiError(400, "Bad Request: the body is not JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the body must be a JSON object")
        params.update(body)
    elif request.can_read_body:
        params.update(dict(await request.post()))
    return params


async def zalo_api(request: web.Request) -> web.Response:
    zalo = request.app[SANDBOX_KEY].zalo
    if request.match_info["token"] != zalo.token:
        return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    try:
        params = await _zalo_params(request)
        result = await zalo.call(request.match_info["method"], params)
    except ApiError as error:
        return _json({"ok": False, "error_code": error.code, "description": error.description}, error.code)
    return _json({"ok": True} if result is None else {"ok": True, "result": result})


async def zalo_file(request: web.Request) -> web.StreamResponse:
    """A picture a Zalo person sent: Zalo gives the bot a URL, not a file id."""
    stored = request.app[SANDBOX_KEY].zalo.file(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored.content, content_type=stored.mime_type)


async def zalo_sticker(request: web.Request) -> web.Response:
    sticker = request.match_info["sticker"]
    glyph = STICKERS.get(sticker, GENERIC_STICKER)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
        f'<text x="60" y="88" font-size="80" text-anchor="middle">{glyph}</text></svg>'
    )
    return web.Response(text=svg, content_type="image/svg+xml", charset="utf-8")


def _zalo_public_url(request: web.Request) -> None:
    # Pictures' URLs are absolute, as Zalo's are; the first request tells an in-process server its address.
    zalo = request.app[SANDBOX_KEY].zalo
    if not zalo.public_url:
        zalo.public_url = str(request.url.origin())


def _channel(request: web.Request, body: dict[str, Any] | None = None) -> str:
    value = (body or {}).get("channel") or request.query.get("channel") or "telegram"
    return str(value)


# ---------------------------------------------------------------- the control API
def _control_error(error: ApiError | ValueError | KeyError) -> web.Response:
    text = error.description if isinstance(error, ApiError) else str(error)
    status = error.code if isinstance(error, ApiError) else 400
    return _json({"ok": False, "description": text}, status=status)


async def control_users(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    if request.method == "GET":
        if _channel(request) == ZALO:
            return _json({"ok": True, "result": list(sandbox.zalo.users.values())})
        return _json({"ok": True, "result": list(sandbox.users.values())})
    body = await request.json()
    if _channel(request, body) == ZALO:
        try:
            name = body.get("display_name") or " ".join(
                str(part) for part in (body.get("first_name"), body.get("last_name")) if part
            )
            user = sandbox.zalo.add_user(body.get("id"), str(name), started=bool(body.get("started", True)))
        except (KeyError, ValueError) as error:
            return _control_error(error)
        return _json({"ok": True, "result": user})
    try:
        user = sandbox.add_user(
            int(body["id"]),
            str(body["first_name"]),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "vi"),
            started=bool(body.get("started", True)),
        )
    except (KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": user})


async def control_groups(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    try:
        chat = sandbox.add_group(
            int(body["id"]), str(body["title"]), [int(i) for i in body.get("member_ids", [])]
        )
    except (KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": chat})


async def control_send(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    if _channel(request, body) == ZALO:
        _zalo_public_url(request)
        try:
            event = await sandbox.zalo.user_sends(str(body["from_id"]), str(body["text"]))
        except (ApiError, KeyError, ValueError) as error:
            return _control_error(error)
        return _json({"ok": True, "result": event})
    try:
        result = await sandbox.user_sends(int(body["from_id"]), str(body["text"]), body.get("chat_id"))
    except (ApiError, KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": result})


async def control_upload(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    params, files = await _read_params(request)
    upload = files.get("file")
    if upload is None or "from_id" not in params:
        return _json(
            {"ok": False, "description": "multipart fields from_id and file are required"}, status=400
        )
    if _channel(request, params) == ZALO:
        # Zalo has no documents: what a Zalo person sends is a picture.
        _zalo_public_url(request)
        try:
            event = await sandbox.zalo.user_sends_image(
                str(params["from_id"]), upload, caption=params.get("caption") or None
            )
        except ApiError as error:
            return _control_error(error)
        return _json({"ok": True, "result": event})
    chat_id = int(params["chat_id"]) if params.get("chat_id") else None
    try:
        result = await sandbox.user_uploads(
            int(params["from_id"]),
            upload,
            caption=params.get("caption"),
            chat_id=chat_id,
            photo=str(params.get("photo", "")).lower() in ("1", "true"),
        )
    except ApiError as error:
        return _control_error(error)
    return _json({"ok": True, "result": result})


async def control_sticker(request: web.Request) -> web.Response:
    """A Zalo person sends a sticker (the sandbox's own set, or any sticker id)."""
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    if _channel(request, body) != ZALO:
        return _json({"ok": False, "description": "stickers are simulated on Zalo only"}, status=400)
    _zalo_public_url(request)
    try:
        event = await sandbox.zalo.user_sends_sticker(str(body["from_id"]), str(body["sticker"]))
    except (ApiError, KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": event})


async def control_stickers(request: web.Request) -> web.Response:
    _zalo_public_url(request)
    zalo = request.app[SANDBOX_KEY].zalo
    stickers = [{"id": key, "emoji": glyph, "url": zalo.sticker_url(key)} for key, glyph in STICKERS.items()]
    return _json({"ok": True, "result": stickers})


async def control_press(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    if _channel(request, body) == ZALO:
        return _json({"ok": False, "description": "Zalo has no buttons: reply with text"}, status=400)
    try:
        result = await sandbox.user_presses(
            int(body["from_id"]),
            int(body["message_id"]),
            chat_id=body.get("chat_id"),
            data=body.get("data"),
            text=body.get("text"),
            forge=bool(body.get("forge", False)),
        )
    except (ApiError, KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": result})


async def control_block(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    try:
        sandbox.block(int(body["user_id"]), bool(body.get("blocked", True)))
    except (ApiError, KeyError, ValueError) as error:
        return _control_error(error)
    return _json({"ok": True, "result": True})


async def control_events(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    chat_id: int | str | None = None
    if request.query.get("chat_id"):
        # Zalo's chat ids are strings; Telegram's are numbers.
        raw = request.query["chat_id"]
        chat_id = raw if _channel(request) == ZALO else int(raw)
    after = int(request.query.get("after", 0))
    timeout = min(float(request.query.get("timeout", 0)), 30.0)
    events = await sandbox.wait_events(chat_id, after, timeout)
    return _json({"ok": True, "result": events, "last_seq": sandbox.last_seq()})


async def control_chats(request: web.Request) -> web.Response:
    """The group chats, with their members' ids: the web chat's picker lists them."""
    sandbox = request.app[SANDBOX_KEY]
    groups = [
        {**chat.info, "member_ids": sorted(chat.members)}
        for chat_id, chat in sorted(sandbox.chats.items(), reverse=True)
        if chat_id < 0
    ]
    return _json({"ok": True, "result": groups})


async def control_transcript(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    if _channel(request) == ZALO:
        return _json(
            {
                "ok": True,
                "result": sandbox.zalo.transcript(request.match_info["chat_id"]),
                "reply_keyboard": None,
                "last_seq": sandbox.last_seq(),
            }
        )
    chat_id = int(request.match_info["chat_id"])
    chat = sandbox.chats.get(chat_id)
    return _json(
        {
            "ok": True,
            "result": sandbox.transcript(chat_id),
            "reply_keyboard": chat.reply_keyboard if chat else None,
            "last_seq": sandbox.last_seq(),
        }
    )


async def control_commands(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    chat_id = int(request.query.get("chat_id", 0))
    return _json(
        {"ok": True, "result": sandbox.commands_for(chat_id, request.query.get("language_code", ""))}
    )


async def control_file(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX_KEY]
    stored = sandbox.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    disposition = "inline" if stored.mime_type.startswith("image/") else "attachment"
    return web.Response(
        body=stored.content,
        content_type=stored.mime_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{_quote(stored.filename)}"},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


async def control_faults(request: web.Request) -> web.Response:
    """Make the Bot API flaky: {"rate": 0.3, "seed": 7} fails 30 % of sends and edits."""
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    try:
        sandbox.faults.set(float(body.get("rate", 0)), int(body.get("seed", 0)))
    except (TypeError, ValueError) as error:
        return _control_error(ValueError(str(error)))
    return _json({"ok": True, "result": {"rate": sandbox.faults.rate, "injected": sandbox.faults.injected}})


async def control_redeliver(request: web.Request) -> web.Response:
    """Queue updates again with their own ids: {"update_ids": [..]} (what a lost confirmation does)."""
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    try:
        await sandbox.redeliver([int(u) for u in body.get("update_ids", [])])
    except (TypeError, ValueError, KeyError) as error:
        return _control_error(ValueError(str(error)))
    return _json({"ok": True, "result": True})


async def control_info(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    return _json(
        {
            "ok": True,
            "result": {
                "bot": sandbox.bot,
                "zalo_bot": sandbox.zalo.bot,
                "zalo_stats": sandbox.zalo.stats,
                "personas": sandbox.personas,
                "stats": sandbox.stats,
                "faults_injected": sandbox.faults.injected,
                "pending_updates": len(sandbox.updates),
            },
        }
    )


async def control_personas(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    if request.method == "POST":
        body = await request.json()
        sandbox.personas = list(body.get("personas", []))
    return _json({"ok": True, "result": sandbox.personas})


async def index(request: web.Request) -> web.StreamResponse:
    page = STATIC / "index.html"
    if not page.exists():
        return web.Response(text="Thi đua Bot sandbox", content_type="text/plain", charset="utf-8")
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", bot_file)
    app.router.add_route("*", "/zalo/bot{token}/{method}", zalo_api)
    app.router.add_get("/zalo/files/{file_id}", zalo_file)
    app.router.add_get("/zalo/stickers/{sticker}", zalo_sticker)
    app.router.add_route("*", "/sandbox/api/users", control_users)
    app.router.add_post("/sandbox/api/groups", control_groups)
    app.router.add_post("/sandbox/api/send", control_send)
    app.router.add_post("/sandbox/api/upload", control_upload)
    app.router.add_post("/sandbox/api/press", control_press)
    app.router.add_post("/sandbox/api/sticker", control_sticker)
    app.router.add_get("/sandbox/api/stickers", control_stickers)
    app.router.add_post("/sandbox/api/block", control_block)
    app.router.add_get("/sandbox/api/events", control_events)
    app.router.add_get("/sandbox/api/chats", control_chats)
    app.router.add_get("/sandbox/api/chats/{chat_id}", control_transcript)
    app.router.add_get("/sandbox/api/commands", control_commands)
    app.router.add_get("/sandbox/api/files/{file_id}", control_file)
    app.router.add_get("/sandbox/api/info", control_info)
    app.router.add_post("/sandbox/api/faults", control_faults)
    app.router.add_post("/sandbox/api/redeliver", control_redeliver)
    app.router.add_route("*", "/sandbox/api/personas", control_personas)
    app.router.add_get("/", index)
    if STATIC.exists():
        app.router.add_static("/static/", STATIC)
    return app


class SandboxServer:
    """Runs the sandbox's HTTP server inside the current event loop."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        # A long poll whose caller went away must not take an event with it (Zalo has no offset).
        self._runner = web.AppRunner(build_app(self.sandbox), access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.sandbox.zalo.public_url = self.url
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_base(self) -> str:
        return f"{self.url}/bot"

    @property
    def zalo_api_url(self) -> str:
        """The Zalo base URL for the bot (as https://bot-api.zaloplatforms.com is in production)."""
        return f"{self.url}/zalo"

    async def stop(self) -> None:
        await self.sandbox.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
