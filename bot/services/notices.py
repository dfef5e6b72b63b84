"""What services say to people, as catalogue keys with parameters.

Services never pick a language: they return a Notice, and the handler or the command line
renders it with bot.i18n.t in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import t


@dataclass(frozen=True)
class Notice:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None) -> str:
        return t(lang, self.key, **self.params)
