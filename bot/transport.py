"""The Bot API's HTTP client on aiohttp, with python-telegram-bot's timeouts and errors.

PTB's default client (httpx) costs about as much CPU per call as everything else an update
does; a vote press makes two calls (the answer and the edit), so under a burst of voters the
client is the bot's largest cost. aiohttp (already a dependency: the sandbox and webhooks use
it) does the same work for less. Same defaults as PTB's HTTPXRequest: 256 connections (1 for
getUpdates), 5 s to connect, read and write, 1 s to wait for a free connection, 20 s to send
a file. A proxy named by the environment (HTTPS_PROXY, NO_PROXY …) is honoured as httpx does.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Proxy = tuple[str | None, dict[str, str] | None]  # the proxy's URL, and its credentials' header


def env_proxy(url: str) -> Proxy:
    """The proxy the environment names for `url` (`<scheme>_proxy` or `all_proxy`, unless
    `no_proxy` covers the host), its credentials apart as the Proxy-Authorization header."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None, None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None, None
    named = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    auth = None
    if named.username is not None:  # (UTF-8: a password may be Vietnamese)
        credentials = aiohttp.encode_basic_auth(unquote(named.username), unquote(named.password or ""))
        auth = {"Proxy-Authorization": credentials}
    host = named.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if named.port is not None:
        netloc += f":{named.port}"
    return named._replace(netloc=netloc).geturl(), auth


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        results: Callable[[list[Any]], list[Any]] | None = None,
    ) -> None:
        self._results = results
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # The environment's proxy per scheme and host, looked up once: aiohttp's trust_env looks
        # it up (and reads ~/.netrc) in a thread on every request, which tripled a request's CPU.
        self._proxies: dict[tuple[str, str], Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        """The answer's JSON; a list result passes through `results` first, before PTB turns each
        element into an object (long polling drops there the updates it holds already)."""
        data: dict[str, Any] = super().parse_json_payload(payload)
        if self._results is not None and isinstance(data.get("result"), list):
            data["result"] = self._results(data["result"])
        return data

    @staticmethod
    def _value(given: Any, default: float | None) -> float | None:
        return default if isinstance(given, type(BaseRequest.DEFAULT_NONE)) else given

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        read = self._value(read_timeout, self._read)
        write = self._value(write_timeout, self._media_write if files else self._write)
        connect = self._value(connect_timeout, self._connect)
        pool = self._value(pool_timeout, self._pool)
        # aiohttp's `connect` covers waiting for a free connection and opening it.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=None if read is None and write is None else max(read or 0, write or 0),
        )
        data: Any = None
        if request_data is not None:
            data = request_data.json_parameters
            if files:
                form = aiohttp.FormData()
                for name, value in data.items():
                    form.add_field(name, value)
                for name, part in files.items():
                    filename, content, mime = part[0], part[1], part[2]
                    form.add_field(name, content, filename=filename or name, content_type=mime)
                data = form
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        proxy = self._proxies.get(origin)
        if proxy is None:
            proxy = self._proxies[origin] = env_proxy(url)
        through, credentials = proxy
        # The credentials go on the CONNECT of an HTTPS tunnel, never to Telegram inside it; an
        # HTTP request is sent to the proxy itself, so they go with it.
        sent: dict[str, Any] = {}
        if credentials is not None:
            sent = {"proxy_headers": credentials} if parts.scheme == "https" else {"headers": credentials}
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, proxy=through, **sent
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
