"""The web chat's fixtures: `thidua run` as a user starts it, and Debian's headless Chromium.

The sandbox runs as a subprocess on a free port with a fresh SQLite file and no bot token, exactly
as `make run` starts it, so the page is tested against the real bot and the real demo roster.
Nothing downloads a browser: the tests drive /usr/bin/chromium through Playwright. Without it they
skip with the reason, except when CI is set, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.ballot_crypto import new_master_key
from bot.sandbox.core import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
IN_CI = bool(os.environ.get("CI"))
BLOC_2 = "Khối thi đua số 2"
START_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _thidua() -> str:
    beside = Path(sys.executable).with_name("thidua")
    if beside.exists():
        return str(beside)
    found = shutil.which("thidua")
    if found is None:
        pytest.fail("the `thidua` command is not installed (run `make install`)")
    return found


@dataclass
class WebChat:
    """The running sandbox, its demo people, and a few direct calls for what a test sets up."""

    url: str
    personas: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    log: Path

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))

    def bot_api(
        self, method: str, files: dict[str, tuple[str, str, bytes]] | None = None, **params: Any
    ) -> Any:
        """Call the sandbox's Bot API as the bot does, for content the bot itself does not send yet.

        `files` maps a field to (file name, MIME type, content) and makes the request multipart.
        """
        token = Sandbox().token  # the token `thidua run` gives its sandbox
        if files:
            boundary = uuid.uuid4().hex
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                for name, value in params.items()
            ]
            for name, (filename, mime, content) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {mime}\r\n\r\n"
                )
                parts.append(head.encode() + content + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            body, content_type = b"".join(parts), f"multipart/form-data; boundary={boundary}"
        else:
            body, content_type = json.dumps(params).encode("utf-8"), "application/json"
        for _ in range(10):
            request = urllib.request.Request(
                f"{self.url}/bot{token}/{method}", data=body, headers={"Content-Type": content_type}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.loads(response.read().decode("utf-8"))["result"]
            except urllib.error.HTTPError as error:
                payload = json.loads(error.read().decode("utf-8"))
                if error.code != 429:
                    raise AssertionError(f"{method} failed: {payload}") from None
                time.sleep(payload["parameters"]["retry_after"])
        raise AssertionError(f"{method}: still rate limited")

    def zalo_api(self, method: str, **params: Any) -> Any:
        """Call the sandbox's Zalo Bot API as a Zalo bot does (JSON in, `{ok, result}` out)."""
        token = Sandbox().zalo.token  # the Zalo token `thidua run` gives its sandbox
        request = urllib.request.Request(
            f"{self.url}/zalo/bot{token}/{method}",
            data=json.dumps(params).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read().decode("utf-8")).get("result")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} failed: {error.read().decode('utf-8')}") from None

    def people(self, group: str) -> list[dict[str, Any]]:
        return [p for p in self.personas if p["group"] == group]

    def representatives(self, group: str) -> list[dict[str, Any]]:
        """A unit's representatives: the bloc's people who are neither its head nor its deputy."""
        return [p for p in self.people(group) if not p["label"].startswith(("Khối trưởng", "Khối phó"))]


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> WebChat:
    deadline = time.monotonic() + START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"`thidua run` exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/sandbox/api/info", timeout=2) as response:
                info = json.loads(response.read().decode("utf-8"))["result"]
            personas = info["personas"]
            if personas:
                first = personas[0]["user_id"]
                with urllib.request.urlopen(
                    f"{url}/sandbox/api/commands?chat_id={first}", timeout=2
                ) as response:
                    commands = json.loads(response.read().decode("utf-8"))["result"]
                if commands:  # the bot is up: it registered its command menu
                    with urllib.request.urlopen(f"{url}/sandbox/api/chats", timeout=2) as response:
                        groups = json.loads(response.read().decode("utf-8"))["result"]
                    return WebChat(url=url, personas=personas, groups=groups, log=log)
        except (OSError, ValueError, KeyError) as error:
            last_error = error
        time.sleep(0.25)
    pytest.fail(
        f"the sandbox at {url} was not ready within {START_TIMEOUT:.0f}s ({last_error}):\n"
        f"{log.read_text(errors='replace')[-4000:]}"
    )


@pytest.fixture(scope="session")
def webchat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebChat]:
    """`thidua run` without a token: the sandbox, the demo roster and the real bot, on a free port."""
    workdir = tmp_path_factory.mktemp("webchat")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TELEGRAM_BOT_TOKEN", "SANDBOX_URL", "WEBHOOK_URL", "BALLOT_MASTER_KEY"}
    }
    env.update(
        SANDBOX_HOST="127.0.0.1",
        SANDBOX_PORT=str(port),
        DATABASE_URL=f"sqlite:///{workdir / 'thidua.sqlite3'}",
        BALLOT_MASTER_KEY=new_master_key(),
        DEMO_DATA="true",
        PYTHONUNBUFFERED="1",
    )
    log = workdir / "thidua.log"
    with log.open("wb") as output:
        # The working directory is the temporary folder: a developer's .env must not leak in.
        process = subprocess.Popen(
            [_thidua(), "run"], cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield _wait_until_ready(f"http://127.0.0.1:{port}", process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The browser, for one test module at a time.

    Playwright's sync API keeps an event loop running in this thread while it is open; closed at the
    end of the module, it leaves the asyncio tests of the other modules a thread without one.
    """
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded CI machine: the bot answers within seconds, not at once
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A fresh profile at phone size; the page's script errors fail the test."""
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=1, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context
    finally:
        context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture
def page(browser_context: Any) -> Any:
    return browser_context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
