"""Acting as simulated people against a running sandbox, over HTTP.

    async with SandboxClient(url) as sandbox:
        rep = await sandbox.person(1001, "Lan")
        await rep.send("/whoami")
        reply = await rep.next_message()
        await rep.press(reply, "English")

Zalo people: `await sandbox.zalo_person("u1", "Lan")`, then send / send_image / send_sticker.

Used by the end-to-end tests, the benchmarks and demos; it speaks only the control API.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp


class SandboxTimeoutError(AssertionError):
    """The bot did not answer in time (an AssertionError, so a test reads it as a failure)."""


@dataclass
class BotMessage:
    """One message from the bot, or an edit of one, as the person's screen shows it."""

    raw: dict[str, Any]
    edited: bool = False
    reply_keyboard: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def text(self) -> str:
        return str(self.raw.get("text") or self.raw.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for row in self.raw.get("reply_markup", {}).get("inline_keyboard", []) for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for b in self.buttons]

    @property
    def keyboard_texts(self) -> list[str]:
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        return [b["text"] if isinstance(b, dict) else str(b) for row in rows for b in row]

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")


class _Reader:
    """Reading one chat's bot messages through the control API's event log (either channel)."""

    client: SandboxClient
    chat_id: int | str
    cursor: int
    ahead: list[dict[str, Any]]  # fetched past the cursor, not read yet
    seen: list[Any]  # the bot's messages read here (BotMessage or ZaloBotMessage)
    channel: str = "telegram"

    def _query(self, **extra: Any) -> dict[str, Any]:
        query: dict[str, Any] = {"chat_id": self.chat_id, **extra}
        if self.channel != "telegram":
            query["channel"] = self.channel
        return query

    async def events(self, wait_seconds: float) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/sandbox/api/events",
            params=self._query(after=self.cursor, timeout=wait_seconds),
            seconds=wait_seconds + 10,
        )
        return list(self.client._result(response))

    async def next_event(self, kinds: tuple[str, ...], wait_seconds: float = 15.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            # What one fetch brought is read on before fetching again: one request per wake-up,
            # not one per event.
            while self.ahead:
                event = self.ahead.pop(0)
                self.cursor = max(self.cursor, event["seq"])
                from_bot = (
                    event.get("message", {}).get("from", {}).get("is_bot", event["type"] == "callback_answer")
                )
                if event["type"] in kinds and from_bot:
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                # The last things the bot said here: what a flaky wait needs to be understood.
                said = [message.text[:80] for message in self.seen[-4:]]
                raise SandboxTimeoutError(
                    f"no {kinds} from the bot in chat {self.chat_id} within {wait_seconds}s; "
                    f"the last it said here: {said!r}"
                )
            self.ahead = [e for e in await self.events(min(remaining, 10.0)) if e["seq"] > self.cursor]

    async def skip_to_now(self) -> None:
        response = await self.client.get("/sandbox/api/events", params=self._query(after=self.cursor))
        body = response.json()
        self.cursor = max([self.cursor, body.get("last_seq", 0)])
        self.ahead = []

    async def transcript(self) -> list[dict[str, Any]]:
        params = {"channel": self.channel} if self.channel != "telegram" else None
        response = await self.client.get(f"/sandbox/api/chats/{self.chat_id}", params=params)
        return list(self.client._result(response))


@dataclass
class Person(_Reader):
    client: SandboxClient
    user_id: int
    chat_id: int
    cursor: int = 0
    seen: list[BotMessage] = field(default_factory=list)
    ahead: list[dict[str, Any]] = field(default_factory=list, repr=False)

    async def send(self, text: str) -> dict[str, Any]:
        return await self.client._post(
            "/sandbox/api/send", {"from_id": self.user_id, "chat_id": self.chat_id, "text": text}
        )

    async def upload(
        self,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime: str | None = None,
        photo: bool = False,
    ) -> dict[str, Any]:
        """Send a file as a document, or (`photo`) a JPEG or PNG as a picture."""
        data: dict[str, Any] = {"from_id": str(self.user_id), "chat_id": str(self.chat_id)}
        if caption:
            data["caption"] = caption
        if photo:
            data["photo"] = "1"
        response = await self.client.upload(data, filename, content, mime or "application/octet-stream")
        return self.client._result(response)

    async def press(
        self,
        message: BotMessage | int,
        label: str | None = None,
        *,
        data: str | None = None,
        forge: bool = False,
    ) -> dict[str, Any]:
        message_id = message.id if isinstance(message, BotMessage) else message
        body: dict[str, Any] = {
            "from_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": message_id,
            "forge": forge,
        }
        if label is not None:
            body["text"] = label
        if data is not None:
            body["data"] = data
        return await self.client._post("/sandbox/api/press", body)

    async def next_message(self, wait_seconds: float = 15.0, *, edits: bool = True) -> BotMessage:
        """The bot's next new message (or edit) in this chat, after everything already read."""
        kinds = ("message", "edit") if edits else ("message",)
        event = await self.next_event(kinds, wait_seconds)
        message = BotMessage(
            event["message"], edited=event["type"] == "edit", reply_keyboard=event.get("reply_keyboard")
        )
        self.seen.append(message)
        return message

    async def expect(self, *fragments: str, wait_seconds: float = 15.0) -> BotMessage:
        """Skip bot messages until one contains every fragment; fail with what was seen instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        skipped: list[str] = []
        while True:
            remaining = deadline - loop.time()
            try:
                message = await self.next_message(max(remaining, 0.01))
            except SandboxTimeoutError:
                raise SandboxTimeoutError(f"expected {fragments!r}; the bot said: {skipped!r}") from None
            if all(fragment in message.text for fragment in fragments):
                return message
            skipped.append(message.text)

    async def callback_answer(self, wait_seconds: float = 15.0) -> dict[str, Any]:
        event = await self.next_event(("callback_answer",), wait_seconds)
        return dict(event["answer"])


NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.+)$")
# Where digits are answers (a score), the options are lettered: "a. Bỏ qua".
KEYED = re.compile(r"^\s*(\d{1,3}|[a-z])[.)]\s+(.+)$")


@dataclass
class ZaloBotMessage:
    """One message from the bot in a Zalo chat: a text, a photo by URL (with its caption) or a sticker.

    Zalo has no buttons and no edits, so there is nothing to press and `edited` is always False.
    """

    raw: dict[str, Any]
    edited: bool = False

    @property
    def id(self) -> str:
        return str(self.raw["message_id"])

    @property
    def kind(self) -> str:
        if "photo_url" in self.raw:
            return "photo"
        if "sticker" in self.raw:
            return "sticker"
        return "text"

    @property
    def text(self) -> str:
        """The words on screen: a text's, or a photo's caption."""
        return str(self.raw.get("text") or self.raw.get("caption") or "")

    @property
    def photo_url(self) -> str | None:
        return self.raw.get("photo_url")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def sticker(self) -> str | None:
        return self.raw.get("sticker")

    @property
    def date_ms(self) -> int:
        return int(self.raw["date"])

    @property
    def document(self) -> None:
        """Zalo has no documents (files reach a Zalo person as download links in the text)."""
        return None

    @property
    def numbered(self) -> dict[int, str]:
        """The numbered choices in the text ("1. Đồng ý" lines): Zalo's stand-in for buttons.

        The list is the message's last block (after a blank line, before "Trả lời …"): numbered
        lines in the message's own words above it (a timetable's items) are not choices."""
        for block in reversed(self.text.split("\n\n")):
            found: dict[int, str] = {}
            for line in block.splitlines():
                match = NUMBERED.match(line)
                if match:
                    found.setdefault(int(match.group(1)), match.group(2).strip())
            if found:
                return dict(sorted(found.items()))
        return {}

    @property
    def keyed(self) -> dict[str, str]:
        """The choices by what is typed for them: "1", "2"… or, where digits are answers, "a", "b"…
        (the keys of one list are all digits or all letters; the last list in the text counts:
        the bot lists the choices after the message's own text, which may hold numbered lines
        too, such as a scale's contents or a list of units)."""
        found: dict[str, str] = {}
        previous: str | None = None  # the key of the line before, if it was a choice's
        for line in self.text.splitlines():
            match = KEYED.match(line)
            if match:
                key = match.group(1)
                if previous is None or key.isdigit() != previous.isdigit():
                    found = {}  # a new list begins
                found.setdefault(key, match.group(2).strip())
                previous = key
            else:
                previous = None
        return found

    @property
    def options(self) -> list[str]:
        return list(self.keyed.values())

    @property
    def button_texts(self) -> list[str]:
        """The same as `options`, so a test written for both channels can read the choices alike."""
        return self.options


@dataclass
class ZaloPerson(_Reader):
    """A simulated person on Zalo: sends text, pictures and stickers; reads the bot's messages."""

    client: SandboxClient
    user_id: str
    chat_id: str
    display_name: str = ""
    cursor: int = 0
    seen: list[ZaloBotMessage] = field(default_factory=list)
    ahead: list[dict[str, Any]] = field(default_factory=list, repr=False)
    channel: str = "zalo"

    async def send(self, text: str) -> dict[str, Any]:
        """Returns the event as the bot receives it ({event_name, message})."""
        return dict(
            await self.client._post(
                "/sandbox/api/send", {"channel": "zalo", "from_id": self.user_id, "text": text}
            )
        )

    async def send_image(
        self, content: bytes, *, caption: str | None = None, filename: str = "photo.jpg"
    ) -> dict[str, Any]:
        """Send a picture (JPEG or PNG bytes); the bot gets a URL the sandbox serves."""
        data: dict[str, Any] = {"channel": "zalo", "from_id": self.user_id}
        if caption:
            data["caption"] = caption
        mime = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
        response = await self.client.upload(data, filename, content, mime)
        return dict(self.client._result(response))

    async def send_sticker(self, sticker: str = "sb-thumbs-up") -> dict[str, Any]:
        return dict(
            await self.client._post(
                "/sandbox/api/sticker", {"channel": "zalo", "from_id": self.user_id, "sticker": sticker}
            )
        )

    async def upload(
        self,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime: str | None = None,
        photo: bool = False,
    ) -> dict[str, Any]:
        """As `Person.upload`, for tests written for both channels: a Zalo person sends pictures only."""
        if not photo:
            raise SandboxRequestError(400, "a Zalo person cannot send a document to a bot")
        return await self.send_image(content, caption=caption, filename=filename)

    async def press(self, message: ZaloBotMessage, label: str) -> dict[str, Any]:
        """Choose an option as a Zalo person does: reply with its number (or letter) from the list."""
        key = next((k for k, text in message.keyed.items() if text == label), None)
        if key is None:
            raise SandboxRequestError(400, f"no option {label!r} in {message.options!r}")
        return await self.send(key)

    async def next_message(self, wait_seconds: float = 15.0) -> ZaloBotMessage:
        """The bot's next message in this chat, after everything already read."""
        event = await self.next_event(("message",), wait_seconds)
        message = ZaloBotMessage(event["message"])
        self.seen.append(message)
        return message

    async def expect(self, *fragments: str, wait_seconds: float = 15.0) -> ZaloBotMessage:
        """Skip bot messages until one contains every fragment; fail with what was seen instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        skipped: list[str] = []
        while True:
            remaining = deadline - loop.time()
            try:
                message = await self.next_message(max(remaining, 0.01))
            except SandboxTimeoutError:
                raise SandboxTimeoutError(f"expected {fragments!r}; the bot said: {skipped!r}") from None
            if all(fragment in message.text for fragment in fragments):
                return message
            skipped.append(message.text)

    async def bot_messages(self) -> list[ZaloBotMessage]:
        """Every message the bot sent in this chat, oldest first (the chat's transcript)."""
        return [ZaloBotMessage(m) for m in await self.transcript() if m.get("from", {}).get("is_bot")]


@dataclass(frozen=True)
class Reply:
    """A control API answer, read whole."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise SandboxRequestError(self.status_code, self.content[:200].decode(errors="replace"))


class SandboxClient:
    # aiohttp rather than httpx: a request costs a fifth of the CPU (0.3 against 1.3 ms, client
    # and server together), and an end-to-end test makes a thousand of them.
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that uses it.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: tuple[type[BaseException], BaseException, TracebackType] | Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        seconds: float | None = None,
        **body: Any,
    ) -> Reply:
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        query = {key: str(value) for key, value in (params or {}).items() if value is not None}
        options: dict[str, Any] = {"params": query, **body}
        if seconds is not None:  # a long poll's own wait, and some
            options["timeout"] = aiohttp.ClientTimeout(total=seconds)
        async with self.http.request(method, url, **options) as response:
            return Reply(response.status, await response.read())

    async def get(
        self, path: str, *, params: dict[str, Any] | None = None, seconds: float | None = None
    ) -> Reply:
        return await self._request("GET", path, params=params, seconds=seconds)

    async def upload(self, fields: dict[str, Any], filename: str, content: bytes, mime: str) -> Reply:
        form = aiohttp.FormData(quote_fields=False)  # names in UTF-8, as a phone sends them
        for name, value in fields.items():
            form.add_field(name, str(value))
        form.add_field("file", content, filename=filename, content_type=mime)
        return await self._request("POST", "/sandbox/api/upload", data=form)

    @staticmethod
    def _result(response: Reply) -> Any:
        body = response.json()
        if not body.get("ok"):
            raise SandboxRequestError(response.status_code, body.get("description", ""))
        return body["result"]

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._result(await self._request("POST", path, json=body))

    async def person(
        self, user_id: int, first_name: str, *, last_name: str | None = None, language_code: str = "vi"
    ) -> Person:
        await self._post(
            "/sandbox/api/users",
            {"id": user_id, "first_name": first_name, "last_name": last_name, "language_code": language_code},
        )
        person = Person(self, user_id, user_id)
        await person.skip_to_now()
        return person

    async def zalo_person(self, user_id: str, display_name: str) -> ZaloPerson:
        """A person on Zalo (ids are strings there; the private chat's id is the person's id)."""
        user = await self._post(
            "/sandbox/api/users", {"channel": "zalo", "id": user_id, "display_name": display_name}
        )
        person = ZaloPerson(self, str(user["id"]), str(user["id"]), display_name)
        await person.skip_to_now()
        return person

    async def person_on(
        self,
        channel: str,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        language_code: str = "vi",
    ) -> Person | ZaloPerson:
        """One person on either channel, for a test body parametrized by channel.

        On Zalo the account id is "z<user_id>" (a string, as the web chat names a persona's account).
        """
        if channel == "telegram":
            return await self.person(user_id, first_name, last_name=last_name, language_code=language_code)
        if channel == "zalo":
            name = " ".join(part for part in (last_name, first_name) if part)
            return await self.zalo_person(f"z{user_id}", name)
        raise ValueError(f"unknown channel {channel!r}")

    async def zalo_stickers(self) -> list[dict[str, str]]:
        """The sandbox's own sticker set: [{id, emoji, url}]."""
        return list(self._result(await self.get("/sandbox/api/stickers")))

    async def fetch(self, url: str) -> bytes:
        """Fetch a URL as a person's phone would (a photo the bot sent by URL, a download link)."""
        response = await self.get(url)
        response.raise_for_status()
        return response.content

    async def in_group(self, person: Person, group_id: int) -> Person:
        member = Person(self, person.user_id, group_id)
        await member.skip_to_now()
        return member

    async def group(self, group_id: int, title: str, member_ids: list[int]) -> dict[str, Any]:
        return dict(
            await self._post(
                "/sandbox/api/groups", {"id": group_id, "title": title, "member_ids": member_ids}
            )
        )

    async def block(self, user_id: int, blocked: bool = True) -> None:
        await self._post("/sandbox/api/block", {"user_id": user_id, "blocked": blocked})

    async def commands(self, chat_id: int, language_code: str = "") -> list[dict[str, str]]:
        response = await self.get(
            "/sandbox/api/commands", params={"chat_id": chat_id, "language_code": language_code}
        )
        return list(self._result(response))

    async def faults(self, rate: float, seed: int = 0) -> dict[str, Any]:
        """Make sends and edits fail with probability `rate` (0 turns it off)."""
        result: dict[str, Any] = await self._post("/sandbox/api/faults", {"rate": rate, "seed": seed})
        return result

    async def redeliver(self, update_ids: list[int]) -> None:
        await self._post("/sandbox/api/redeliver", {"update_ids": update_ids})

    async def info(self) -> dict[str, Any]:
        return dict(self._result(await self.get("/sandbox/api/info")))

    async def download(self, file_id: str) -> bytes:
        response = await self.get(f"/sandbox/api/files/{file_id}")
        response.raise_for_status()
        return response.content


class SandboxRequestError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
