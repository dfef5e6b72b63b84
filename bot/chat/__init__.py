"""The channel-neutral chat vocabulary: what came in, and what goes out.

Conversations (handlers/) speak only these words; one adapter per chat platform
(bot/channels/telegram.py, bot/channels/zalo/) turns a platform's update into an `Incoming`
and a `Screen` into the platform's messages: inline keyboards and edits on Telegram, numbered
lists and new messages on Zalo. See docs/channels.md for the why and for adding a channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from models.channels import Channel


class InKind(StrEnum):
    COMMAND = "command"  # "/name args…"
    TEXT = "text"
    CHOICE = "choice"  # a button pressed, or (Zalo) a numbered reply read as the press
    PHOTO = "photo"
    FILE = "file"
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True)
class ChatRef:
    """A chat on one channel: its id as the platform writes it, and whether it is one-to-one."""

    channel: Channel
    chat_id: str
    private: bool = True


@dataclass(frozen=True)
class Attachment:
    """A file or photo a person sent: `ref` is the channel's handle (Telegram file_id, Zalo URL)."""

    ref: str
    name: str | None = None
    mime: str | None = None
    size: int | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Incoming:
    chat: ChatRef
    account_id: str  # the sender's id on this channel
    display_name: str
    language: str | None  # what the app says the person reads, if it says
    kind: InKind
    text: str = ""
    command: str | None = None
    args: tuple[str, ...] = ()
    choice: str | None = None
    attachment: Attachment | None = None
    # The platform's id of the message (for a press: of the message whose button was pressed),
    # where the channel can edit it later (a live card); None elsewhere.
    message_id: str | None = None

    @property
    def channel(self) -> Channel:
        return self.chat.channel


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # at most 64 bytes (Telegram's callback_data); checked again when pressed


@dataclass(frozen=True)
class Screen:
    """One message: text in the catalogue's HTML subset (<b>, <i>, <code>, <a>), buttons in rows,
    and answers offered for typing (a reply keyboard on Telegram, a hint line on Zalo)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    suggestions: tuple[str, ...] = ()
    clear_suggestions: bool = False
    # The step also takes typed numbers (a score, a count): where options are read from typed
    # replies (Zalo), they are lettered a, b, c… so that "9,5" stays an answer, not a press.
    typed_numbers: bool = False
    # The options carry a secret (a ballot under review): where options are remembered between
    # messages (Zalo), they are kept in the process's memory only, never in a table or a log.
    secret: bool = False


@dataclass(frozen=True)
class OutFile:
    """A file for a person: a document on Telegram, a signed download link on Zalo; `photo`
    shows a picture inline where the channel can (a chart, a piece of photo evidence)."""

    name: str
    data: bytes
    caption: str | None = None
    photo: bool = False


class Unreachable(Exception):
    """The person blocked the bot or never started a chat with it: retrying will not help."""


@dataclass(frozen=True)
class Caps:
    """What a channel can show."""

    buttons: bool
    edits: bool
    max_text: int
    command_menu: bool
    # A person can send the bot a document (a spreadsheet); where not (Zalo), they paste the text.
    documents_in: bool = True


class Deliverer(Protocol):
    """A channel's way to reach a chat outside any conversation (notices, ballots, pings, the
    group's progress line). Raises Unreachable when the person cannot be reached."""

    channel: Channel
    caps: Caps

    async def send(self, chat_id: str, screen: Screen) -> str | None:
        """Send; the message's id where the channel can edit it later, else None."""

    async def edit(self, chat_id: str, message_id: str, screen: Screen) -> bool:
        """Change a message in place; False where the channel cannot (send anew if it matters)."""

    async def send_file(self, chat_id: str, file: OutFile) -> None: ...


class Outlet(Protocol):
    """What an adapter does on a conversation's behalf, in answer to one incoming message."""

    caps: Caps

    async def send(self, chat: ChatRef, screen: Screen) -> None: ...

    async def send_file(self, chat: ChatRef, file: OutFile) -> None: ...

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        """The bytes of a file or photo the person sent; ValueError when over `limit` bytes."""

    async def replace(self, incoming: Incoming, screen: Screen) -> None:
        """Show `screen` in place of the message whose button was pressed (or anew)."""

    async def alert(self, incoming: Incoming, text: str) -> None:
        """A short answer to a press (a pop-up on Telegram, a message on Zalo)."""

    async def acknowledge(self, incoming: Incoming) -> None:
        """Tell the platform the press was taken (Telegram's spinner); nothing elsewhere."""

    async def set_commands(self, chat: ChatRef, commands: list[tuple[str, str]]) -> None: ...


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Buttons laid out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


__all__ = [
    "Attachment",
    "Button",
    "Caps",
    "Channel",
    "ChatRef",
    "Deliverer",
    "InKind",
    "Incoming",
    "OutFile",
    "Outlet",
    "Screen",
    "Unreachable",
    "rows",
]
