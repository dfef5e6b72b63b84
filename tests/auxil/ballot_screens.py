"""Answering a ballot on a phone through the sandbox: the line per candidate that a tap moves on
(agree → disagree → abstain → blank), pages, and the checks every ballot screen must pass."""

from __future__ import annotations

import re

from bot.sandbox.client import BotMessage, Person

# A line's answer: its button begins with the answer's mark and ends with its word
# (handlers/voting.py ANSWER_MARK and the catalogue's words): "❌ 3. Trường A — không đồng ý".
ENDS = {"a": "— đồng ý", "d": "— không đồng ý", "b": "— không ý kiến", "-": "— để trống"}
MARKS = {"a": "✅", "d": "❌", "b": "⚪", "-": "▫️"}


def line(message: BotMessage, number: int) -> dict[str, str] | None:
    return next((b for b in message.buttons if re.match(rf"^\S+ {number}\. ", b["text"])), None)


def reads(button: dict[str, str], letter: str) -> bool:
    return button["text"].startswith(MARKS[letter]) and button["text"].endswith(ENDS[letter])


def check_fits_telegram(message: BotMessage) -> None:
    """Telegram's limits: 4,096 characters, 100 buttons, 64 bytes of press data."""
    assert len(message.text) <= 4096, len(message.text)
    assert len(message.buttons) <= 100, len(message.buttons)
    for button in message.buttons:
        assert len(button["callback_data"].encode()) <= 64, button


async def tap(person: Person, message: BotMessage, fragment: str) -> BotMessage:
    """Press the button holding `fragment`; the screen the press leaves."""
    button = next((b for b in message.buttons if fragment in b["text"]), None)
    assert button is not None, f"no button with {fragment!r} in {message.button_texts}"
    await person.press(message, data=button["callback_data"])
    shown = await person.next_message()
    check_fits_telegram(shown)
    return shown


async def answer_lines(person: Person, ballot: BotMessage, answers: dict[int, str]) -> BotMessage:
    """Set each numbered line of an approval ballot to its answer (a, d, b, -) by tapping it,
    turning pages (›) to reach it; the ballot as it stands after."""
    for number, letter in answers.items():
        for _ in range(20):
            if line(ballot, number) is not None:
                break
            ballot = await tap(person, ballot, "›")
        for _ in range(4):
            button = line(ballot, number)
            assert button is not None, (number, ballot.button_texts)
            if reads(button, letter):
                break
            await person.press(ballot, data=button["callback_data"])
            ballot = await person.next_message()
            check_fits_telegram(ballot)
        else:
            raise AssertionError(f"line {number} never reads {ENDS[letter]!r}")
    return ballot
