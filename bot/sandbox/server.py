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


# ---------------------------------------------------------------- the control API
def _control_error(error: ApiError | ValueError | KeyError) -> web.Response:
    text = error.description if isinstance(error, ApiError) else str(error)
    status = error.code if isinstance(error, ApiError) else 400
    return _json({"ok": False, "description": text}, status=status)


async def control_users(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    if request.method == "GET":
        return _json({"ok": True, "result": list(sandbox.users.values())})
    body = await request.json()
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


async def control_press(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
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
    chat_id = int(request.query["chat_id"]) if request.query.get("chat_id") else None
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


async def control_info(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    return _json(
        {
            "ok": True,
            "result": {
                "bot": sandbox.bot,
                "personas": sandbox.personas,
                "stats": sandbox.stats,
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
    app.router.add_route("*", "/sandbox/api/users", control_users)
    app.router.add_post("/sandbox/api/groups", control_groups)
    app.router.add_post("/sandbox/api/send", control_send)
    app.router.add_post("/sandbox/api/upload", control_upload)
    app.router.add_post("/sandbox/api/press", control_press)
    app.router.add_post("/sandbox/api/block", control_block)
    app.router.add_get("/sandbox/api/events", control_events)
    app.router.add_get("/sandbox/api/chats", control_chats)
    app.router.add_get("/sandbox/api/chats/{chat_id}", control_transcript)
    app.router.add_get("/sandbox/api/commands", control_commands)
    app.router.add_get("/sandbox/api/files/{file_id}", control_file)
    app.router.add_get("/sandbox/api/info", control_info)
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
        self._runner = web.AppRunner(build_app(self.sandbox), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_base(self) -> str:
        return f"{self.url}/bot"

    async def stop(self) -> None:
        await self.sandbox.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
