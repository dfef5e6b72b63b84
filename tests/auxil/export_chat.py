"""Pressing a button by a fragment of its label, and collecting what the bot sends until a line arrives."""

from __future__ import annotations

from bot.sandbox.client import BotMessage, Person


async def press(person: Person, message: BotMessage, fragment: str) -> None:
    button = next((b for b in message.buttons if fragment in b["text"]), None)
    assert button is not None, f"no button with {fragment!r} in {message.button_texts}"
    await person.press(message, data=button["callback_data"])


async def collect(person: Person, until: str, wait_seconds: float = 90.0) -> list[BotMessage]:
    received = []
    while True:
        message = await person.next_message(wait_seconds, edits=False)
        received.append(message)
        if until in message.text:
            return received
