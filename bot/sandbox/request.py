"""An in-process transport from the bot to a Sandbox: fast handler tests, no port, same Bot API."""

from __future__ import annotations

import json
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.sandbox.core import ApiError, Sandbox, Upload


class SandboxRequest(BaseRequest):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, Upload] = {}
        if request_data and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                mime = part[2] if len(part) > 2 else "application/octet-stream"  # type: ignore[misc]
                data = content if isinstance(content, bytes) else content.read()
                files[name] = Upload(filename=str(filename), content=data, mime_type=str(mime))
        try:
            result = await self.sandbox.call(api_method, params, files)
        except ApiError as error:
            return error.code, json.dumps(error.payload()).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()
