"""The channel-neutral conversations driven in process, without the network (issue 15).

`Chats` hands an `Incoming` to the real `Router` exactly as the adapters do (resolve, the
fallback, the person behind the account, the handler) but lets an exception out instead of
apologising for it, so a test sees the crash itself. What the bot answers is checked against
the channel's limits as it goes out: on Telegram each part `split_message` makes must parse as
Telegram HTML and hold at most 4,096 characters, a keyboard at most 100 buttons of 1–64 bytes
of data; on Zalo the real adapter renders the screen and each message holds at most 2,000.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text as sql
from sqlmodel import SQLModel

from bot.channels.zalo.adapter import ZaloChannel, ZaloOutlet
from bot.chat import Attachment, Caps, ChatRef, Incoming, InKind, OutFile, Screen
from bot.chat.numbered import plain_text
from bot.chat.router import Router, Turn
from bot.db import Database
from bot.deps import Deps
from bot.render import split_message
from bot.sandbox.html import EntityParseError, parse_html, utf16_len
from bot.services import people
from models.channels import Channel
from models.text import as_typed

TELEGRAM_CAPS = Caps(buttons=True, edits=True, max_text=4096, command_menu=True)
TELEGRAM_TEXT = 4096
TELEGRAM_CAPTION = 1024
TELEGRAM_BUTTONS = 100
CALLBACK_BYTES = 64
ZALO_TEXT = 2000


class LimitBroken(AssertionError):
    """A reply the channel would refuse (too long, bad HTML, too many buttons, data too long)."""


@dataclass
class Reply:
    kind: str  # "screen", "alert" or "file"
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, data)


def check_telegram_text(text: str, limit: int = TELEGRAM_TEXT) -> None:
    for part in split_message(text, limit=min(limit, 4000)):
        try:
            plain, _ = parse_html(part)
        except EntityParseError as error:
            raise LimitBroken(f"Telegram would refuse the HTML ({error}): {part[:300]!r}") from None
        if utf16_len(plain) > limit:
            raise LimitBroken(f"{utf16_len(plain)} characters > {limit}: {part[:200]!r}")
        if not plain.strip():
            raise LimitBroken(f"an empty message: {text[:200]!r}")


def check_screen(screen: Screen) -> None:
    check_telegram_text(screen.text)
    buttons = [b for row in screen.buttons for b in row]
    if len(buttons) > TELEGRAM_BUTTONS:
        raise LimitBroken(f"{len(buttons)} buttons > {TELEGRAM_BUTTONS}: {screen.text[:200]!r}")
    for button in buttons:
        size = len(button.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_BYTES:
            raise LimitBroken(f"button data of {size} bytes: {button.data!r}")
        if not button.label.strip():
            raise LimitBroken(f"a button without a label: {button.data!r}")


class TelegramLikeOutlet:
    """What TelegramOutlet does, recorded and checked instead of sent."""

    caps = TELEGRAM_CAPS

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.replies: list[Reply] = []

    def _screen(self, screen: Screen) -> None:
        check_screen(screen)
        labels = tuple((b.label, b.data) for row in screen.buttons for b in row)
        self.replies.append(Reply("screen", screen.text, labels))

    async def send(self, chat: ChatRef, screen: Screen) -> None:
        self._screen(screen)

    async def send_file(self, chat: ChatRef, file: OutFile) -> None:
        if file.caption:
            check_telegram_text(split_message(file.caption, limit=1000)[0], TELEGRAM_CAPTION)
        self.replies.append(Reply("file", file.caption or file.name))

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        data = self.files[attachment.ref]
        if len(data) > limit:
            raise ValueError(f"over {limit} bytes")
        return data

    async def replace(self, incoming: Incoming, screen: Screen) -> None:
        self._screen(screen)

    async def alert(self, incoming: Incoming, text: str) -> None:
        if incoming.kind is not InKind.CHOICE:
            check_telegram_text(text)
        elif not plain_text(text).strip():
            raise LimitBroken("an empty alert")
        self.replies.append(Reply("alert", text))

    async def acknowledge(self, incoming: Incoming) -> None:
        return None

    async def set_commands(self, chat: ChatRef, commands: list[tuple[str, str]]) -> None:
        return None


class ZaloBotStub:
    """The two calls the Zalo deliverer makes, checked against Zalo's limits."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_message(self, chat_id: str, text: str) -> None:
        if not 1 <= len(text) <= ZALO_TEXT:
            raise LimitBroken(f"a Zalo message of {len(text)} characters: {text[:200]!r}")
        self.sent.append((chat_id, text))

    async def send_photo(self, chat_id: str, url: str, caption: str | None = None) -> None:
        if caption is not None and len(caption) > ZALO_TEXT:
            raise LimitBroken(f"a Zalo caption of {len(caption)} characters")
        self.sent.append((chat_id, caption or url))


@dataclass(frozen=True)
class Who:
    """One account in one chat."""

    channel: Channel
    account_id: str
    name: str = "Người thử"
    chat_id: str | None = None  # the private chat by default
    private: bool = True

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.channel, self.chat_id or self.account_id, private=self.private)


@dataclass(repr=False)
class Chats:
    deps: Deps
    router: Router
    files: dict[str, bytes] = field(default_factory=dict)  # Telegram file ids → bytes
    zalo_bot: ZaloBotStub = field(default_factory=ZaloBotStub)

    def __post_init__(self) -> None:
        self.zalo = ZaloChannel(self.deps, self.router, self.zalo_bot)  # type: ignore[arg-type]

    # ------------------------------------------------------------ what comes in
    @staticmethod
    def typed(who: Who, text: str) -> Incoming:
        """A typed message as the adapters read it: a command with its arguments, or text."""
        common: dict[str, Any] = {
            "chat": who.chat,
            "account_id": who.account_id,
            "display_name": who.name,
            "language": None,
        }
        text = as_typed(text)
        if text.startswith("/"):
            head, *args = text.split()
            name = head[1:].split("@", 1)[0].lower()
            return Incoming(kind=InKind.COMMAND, text=text, command=name, args=tuple(args), **common)
        return Incoming(kind=InKind.TEXT, text=text, **common)

    @staticmethod
    def pressed(who: Who, data: str, message_id: str | None = "1") -> Incoming:
        return Incoming(
            chat=who.chat,
            account_id=who.account_id,
            display_name=who.name,
            language=None,
            kind=InKind.CHOICE,
            choice=data,
            message_id=message_id if who.channel is Channel.TELEGRAM else None,
        )

    def attached(
        self, who: Who, name: str, data: bytes, mime: str | None, *, photo: bool = False
    ) -> Incoming:
        if who.channel is Channel.TELEGRAM:
            ref = f"file-{len(self.files)}"
            self.files[ref] = data
        else:
            ref = "store:" + self.deps.files.put(data).key
        attachment = Attachment(ref, None if photo else name, mime, len(data))
        return Incoming(
            chat=who.chat,
            account_id=who.account_id,
            display_name=who.name,
            language=None,
            kind=InKind.PHOTO if photo else InKind.FILE,
            attachment=attachment,
        )

    # ------------------------------------------------------------ handling it
    async def take(self, who: Who, incoming: Incoming) -> list[Reply]:
        """Handle one message as its channel's adapter would; an exception is let out."""
        if who.channel is Channel.ZALO:
            return await self._take_zalo(incoming)
        deps = self.deps
        outlet = TelegramLikeOutlet(self.files)
        found = await self.router.resolve(deps.db, incoming)
        fallback = self.router.fallback_route()
        if found is None and fallback is None:
            return []
        route, data = found if found is not None else (fallback, {})
        assert route is not None
        profile = await people.identify_account(
            deps.db,
            Channel.TELEGRAM,
            incoming.account_id,
            display_name=incoming.display_name,
            language="vi",
            today=deps.clock().astimezone(deps.settings.zone).date(),
            admin=int(incoming.account_id) in set(deps.settings.admin_telegram_ids),
            now=deps.clock(),
        )
        turn = Turn(incoming=incoming, profile=profile, deps=deps, outlet=outlet, data=data)
        await self.router.run(route, turn)
        return outlet.replies

    async def _take_zalo(self, incoming: Incoming) -> list[Reply]:
        deps = self.deps
        profile = await people.identify_account(
            deps.db,
            Channel.ZALO,
            incoming.account_id,
            display_name=incoming.display_name,
            language=deps.settings.default_language,
            today=deps.clock().astimezone(deps.settings.zone).date(),
            admin=incoming.account_id in set(deps.settings.admin_zalo_ids),
            now=deps.clock(),
        )
        before = len(self.zalo_bot.sent)
        # The adapter's own steps (its `_take` without the apology, which would hide a crash).
        outlet = ZaloOutlet(self.zalo.deliverer, profile.language)
        routed = await self.zalo._route(incoming, profile, outlet)
        if routed is not None:
            incoming, route, data = routed
            turn = Turn(incoming=incoming, profile=profile, deps=deps, outlet=outlet, data=data)
            await self.zalo.router.run(route, turn)
        return [
            Reply("screen", text)
            for chat, text in self.zalo_bot.sent[before:]
            if chat == incoming.chat.chat_id
        ]

    async def say(self, who: Who, text: str) -> list[Reply]:
        return await self.take(who, self.typed(who, text))

    async def press(self, who: Who, data: str) -> list[Reply]:
        return await self.take(who, self.pressed(who, data))


# ------------------------------------------------------------------ rows
# Bookkeeping that any message may touch: where a person is in a conversation, the Zalo menu
# last shown, when an account was last seen, the notes kept for reaching a person.
# Rows that refused input may still write: where a person is, their accounts, and a wrong
# check-in code's try (counted so that a sixth try waits: the refusal itself is the record).
BOOKKEEPING = frozenset(
    {"conversation_state", "chat_menu", "channel_account", "person_reach", "person", "checkin_attempt"}
)


@functools.cache
def _snapshot_query(dialect: str, skip: frozenset[str]) -> tuple[Any, tuple[str, ...]]:
    """One statement for every row of every table, each row as one text: one round trip; and the
    tables it reads. Built once: the fuzz reads the rows after each of a thousand refusals, and
    sorting the tables and parsing the text cost more than the reading."""
    parts = []
    names = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in skip:
            continue
        names.append(table.name)
        if dialect == "sqlite":
            row = " || '|' || ".join(f'quote("{column.name}")' for column in table.columns)
        else:
            row = f'CAST(row_to_json("{table.name}") AS text)'
        parts.append(f"SELECT '{table.name}' AS t, {row} AS r FROM \"{table.name}\"")
    return sql(" UNION ALL ".join(parts)), tuple(names)


async def snapshot(db: Database, skip: frozenset[str] = BOOKKEEPING) -> dict[str, list[str]]:
    """Every row of every table but the bookkeeping, in a comparable form."""
    query, names = _snapshot_query(db.engine.dialect.name, skip)
    found: dict[str, list[str]] = {name: [] for name in names}
    async with db.engine.connect() as conn:
        for table, row in (await conn.execute(query)).all():
            found[table].append(row)
    return {name: sorted(rows) for name, rows in found.items()}


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]
