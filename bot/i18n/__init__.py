"""The message catalogue: every user-facing string, Vietnamese first, English second.

Texts are Telegram HTML. Arguments are HTML-escaped here, so a school named "A & B" or a
person typing "<b>" can never break a message; pass `Raw(...)` for an argument that is
already safe HTML (a list built from other catalogue entries).
"""

from __future__ import annotations

import html
import unicodedata
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n.messages import load

LANGUAGES: dict[str, dict[str, str]] = load()
DEFAULT_LANGUAGE = "vi"


class Raw(str):
    """A string that is already safe HTML."""

    __slots__ = ()


def normalise_language(code: str | None) -> str:
    """Telegram's language_code ('en-US', 'vi') to a catalogue we have; Vietnamese otherwise."""
    if code and code.split("-")[0].lower() in LANGUAGES:
        return code.split("-")[0].lower()
    return DEFAULT_LANGUAGE


def t(lang: str | None, key: str, **kwargs: Any) -> str:
    catalogue = LANGUAGES.get(lang or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE])
    template = catalogue.get(key) or LANGUAGES[DEFAULT_LANGUAGE][key]
    safe = {
        name: value
        if isinstance(value, Raw) or not isinstance(value, str)
        else html.escape(value, quote=False)
        for name, value in kwargs.items()
    }
    return unicodedata.normalize("NFC", template.format(**safe))


def format_date(value: date | datetime, zone: ZoneInfo | None = None) -> str:
    """dd/mm/yyyy, in the bot's time zone when given a datetime."""
    if isinstance(value, datetime) and zone is not None:
        value = value.astimezone(zone)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M %d/%m/%Y")
