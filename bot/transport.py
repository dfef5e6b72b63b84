"""The Bot API's HTTP client on aiohttp, with python-telegram-bot's timeouts and errors.

PTB's default client (httpx) costs about as much CPU per call as everything else an update
does; a vote press makes two calls (the answer and the edit), so under a burst of voters the
client is the bot's largest cost. aiohttp (already a dependency: the sandbox and webhooks use
it) does the same work for less. Same defaults as PTB's HTTPXRequest: 256 connections (1 for
getUpdates), 5 s to connect, read and write, 1 s to wait for a free connection, 20 s to send
a file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


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

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,  # HTTPS_PROXY and the like, as httpx honours them
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
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
