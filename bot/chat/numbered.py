"""Reading a typed reply as a press, for chats without buttons (Zalo): "2", or the option's words
without accents ("tieng viet" for «Tiếng Việt»). Pure functions: no I/O."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from models.text import strip_diacritics

_TAG = re.compile(r"<[^>]+>")
_MARKS = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class OutOfRange:
    number: int


def _key(text: str) -> str:
    """Letters and digits only, no accents, case-folded: how an option is matched."""
    folded = strip_diacritics(text).casefold()
    return " ".join(_MARKS.sub(" ", folded).split())


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def option_keys(count: int, *, lettered: bool) -> list[str]:
    """What a person types for each option: 1, 2, 3… or, where digits are answers, a, b, c…"""
    if lettered and count <= len(LETTERS):
        return list(LETTERS[:count])
    return [str(n) for n in range(1, count + 1)]


def read_reply(text: str, labels: list[str], keys: list[str] | None = None) -> int | OutOfRange | None:
    """The index of the option the reply names; OutOfRange for a number with no option; None when
    the reply is not a choice at all (it may be an answer typed for the conversation)."""
    keys = keys or option_keys(len(labels), lettered=False)
    reply = unicodedata.normalize("NFKC", text).strip().rstrip(".")
    lettered = bool(keys) and not keys[0].isdigit()
    if lettered and len(reply) == 1 and reply.casefold() in keys:
        return keys.index(reply.casefold())
    if not lettered and re.fullmatch(r"[0-9]{1,6}", reply):
        number = int(reply)
        return number - 1 if 1 <= number <= len(labels) else OutOfRange(number)
    wanted = _key(reply)
    if not wanted:
        return None
    folded = [_key(label) for label in labels]
    if wanted in folded:
        return folded.index(wanted)
    return None


def numbers_phrase(keys: list[str] | int, or_word: str) -> str:
    """What to reply, in words: "1, 2 hoặc 3" / "a, b or c" (a long list: "1–12")."""
    if isinstance(keys, int):
        keys = option_keys(keys, lettered=False)
    if len(keys) <= 1:
        return keys[0] if keys else "1"
    if len(keys) > 6:
        return f"{keys[0]}–{keys[-1]}"
    return f"{', '.join(keys[:-1])} {or_word} {keys[-1]}"


def plain_text(markup: str) -> str:
    """The catalogue's HTML as plain text, for channels that show no formatting."""
    return html.unescape(_TAG.sub("", markup))
