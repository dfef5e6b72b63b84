"""One person in a chat, on Telegram or on Zalo, behind one interface: the e2e scenarios are
written once and run on both channels (parametrize with `channel`).

`choose(label)` is how the person takes an option: on Telegram, pressing the button with that
label on the bot's latest message that has it; on Zalo, replying with the option's number from
the numbered list in the bot's latest message that has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.client import BotMessage, Person, SandboxClient, ZaloBotMessage, ZaloPerson

CHANNELS = ("telegram", "zalo")
_NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


@dataclass
class Said:
    """A bot message as either channel shows it: text and the options offered."""

    text: str
    options: list[str]
    raw: BotMessage | ZaloBotMessage


def _said(message: BotMessage | ZaloBotMessage) -> Said:
    if isinstance(message, BotMessage):
        return Said(message.text, message.button_texts, message)
    return Said(message.text, [label for _, label in _NUMBERED.findall(message.text)], message)


@dataclass
class ChatPerson:
    channel: str
    screen: Person | ZaloPerson
    said: list[Said]

    @property
    def account_id(self) -> str:
        return str(self.screen.user_id)

    async def send(self, text: str) -> Any:
        return await self.screen.send(text)

    async def expect(self, *fragments: str, wait_seconds: float = 15.0) -> Said:
        said = _said(await self.screen.expect(*fragments, wait_seconds=wait_seconds))
        self.said.append(said)
        return said

    async def next(self, wait_seconds: float = 15.0) -> Said:
        said = _said(await self.screen.next_message(wait_seconds))
        self.said.append(said)
        return said

    async def choose(self, label: str) -> None:
        for said in reversed(self.said):
            if label in said.options:
                break
        else:
            raise AssertionError(f"no message offered {label!r}; seen: {[s.options for s in self.said]}")
        if isinstance(self.screen, Person):
            assert isinstance(said.raw, BotMessage)
            await self.screen.press(said.raw, label)
        else:
            await self.screen.send(str(said.options.index(label) + 1))


async def chat_person(
    client: SandboxClient, channel: str, user_id: int, first_name: str, last_name: str | None = None
) -> ChatPerson:
    """A new person on `channel` (a Zalo id is a string; the same number keeps tests readable)."""
    if channel == "telegram":
        screen: Person | ZaloPerson = await client.person(user_id, first_name, last_name=last_name)
    else:
        name = f"{last_name} {first_name}" if last_name else first_name
        screen = await client.zalo_person(f"z{user_id}", name)
    return ChatPerson(channel, screen, [])
