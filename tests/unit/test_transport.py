"""The Bot API's HTTP client (bot/transport.py): a proxy named by the environment is honoured as
httpx honours it, looked up once per host rather than on every request (issue 16)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bot.transport import AiohttpRequest, env_proxy


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_the_environment_s_proxy_is_used_with_its_credentials_apart(no_proxy_env: pytest.MonkeyPatch) -> None:
    assert env_proxy("https://api.telegram.org/bot1:x/getMe") == (None, None)
    no_proxy_env.setenv("HTTPS_PROXY", "http://an%40so:m%E1%BA%ADt@proxy.so.local:3128")
    proxy, auth = env_proxy("https://api.telegram.org/bot1:x/getMe")
    assert proxy == "http://proxy.so.local:3128"
    assert auth == {"Proxy-Authorization": aiohttp.encode_basic_auth("an@so", "mật")}
    assert env_proxy("http://127.0.0.1:8080/bot1:x/getMe") == (None, None)  # HTTP, not HTTPS
    no_proxy_env.setenv("NO_PROXY", "api.telegram.org")
    assert env_proxy("https://api.telegram.org/bot1:x/getMe") == (None, None)


async def test_a_request_goes_through_the_proxy_the_environment_names(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    """A stand-in proxy that answers every request itself: it sees the absolute URL and the
    credentials, which only a request sent through it carries."""
    seen: list[tuple[str, str | None]] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append((str(request.url), request.headers.get("Proxy-Authorization")))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    no_proxy_env.setenv("HTTP_PROXY", f"http://khoi:tr%C6%B0%E1%BB%9Fng@127.0.0.1:{port}")
    client = AiohttpRequest()
    await client.initialize()
    try:
        for _ in range(2):
            status, body = await client.do_request("http://bot.example.invalid/bot1:x/getMe", "POST")
            assert status == 200 and b'"ok": true' in body
    finally:
        await client.shutdown()
        await runner.cleanup()
    expected = aiohttp.encode_basic_auth("khoi", "trưởng")
    assert seen == [("http://bot.example.invalid/bot1:x/getMe", expected)] * 2
