"""`thidua run` as a process, offline: its web server answers /healthz and /readyz, its log is
one JSON object a line (stderr is not a terminal), and SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.exports.minutes import soffice
from bot.settings import Settings
from tests.auxil.bot import TEST_MASTER_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.operations]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_offline_run_serves_health_and_logs_json_lines(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'thidua.sqlite3'}",
        SANDBOX_PORT=str(free_port()),
        BALLOT_MASTER_KEY=TEST_MASTER_KEY,
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    health_url = None
    try:
        async with asyncio.timeout(90):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "the bot exited before it was running"
                if found := re.search(r"(http://\S+)/healthz", line):
                    health_url = found.group(1)
                if "is running" in line:
                    break
        assert health_url is not None
        async with httpx.AsyncClient(timeout=10) as http:
            health = await http.get(f"{health_url}/healthz")
            ready = await http.get(f"{health_url}/readyz")
        assert health.status_code == 200
        assert ready.json()["checks"]["database"] == "ok" and ready.json()["checks"]["schema"] == "ok"
        assert ready.status_code == (200 if soffice() else 503)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    assert lines, "the bot logged nothing"
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line["message"].startswith("demo: ") for line in lines)
