"""A service's `Notice` (a refusal, a problem in a list) in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Raw, format_datetime, t
from bot.services.notices import Notice
from bot.services.registration import Bilingual


def notice_text(notice: Notice, lang: str, zone: ZoneInfo) -> str:
    """Nested notices and datetimes (in the bot's time zone) rendered too."""
    if isinstance(notice, Bilingual):
        return notice.render(lang)
    params: dict[str, Any] = {}
    for name, value in notice.params.items():
        if isinstance(value, Notice):
            params[name] = Raw(notice_text(value, lang, zone))
        elif isinstance(value, datetime):
            params[name] = format_datetime(value, zone)
        else:
            params[name] = value
    return t(lang, notice.key, **params)
