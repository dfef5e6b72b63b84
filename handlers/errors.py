"""The last line, on every channel: what no conversation took — an unknown command, a stale or
forged press, a typed reply that matches none of a Zalo menu's options, stray text in a private
chat. (Exceptions are logged and apologised for by the adapters.)"""

from __future__ import annotations

from bot.chat import InKind
from bot.chat.numbered import numbers_phrase
from bot.chat.router import MENU_KEYS, Router, Turn
from bot.i18n import t

CANCEL_WORDS = frozenset({"huy", "cancel", "tamdung", "pause"})


async def unanswered(turn: Turn) -> None:
    incoming, lang = turn.incoming, turn.lang
    if incoming.kind is InKind.COMMAND:
        # /huy with nothing under way (no conversation took it): a known word, nothing to stop.
        key = (
            "error.nothing_to_cancel" if (incoming.command or "") in CANCEL_WORDS else "error.unknown_command"
        )
        await turn.alert(t(lang, key))
    elif incoming.kind is InKind.CHOICE:
        await turn.alert(t(lang, "error.stale_button"))
    elif turn.data.get(MENU_KEYS):
        numbers = numbers_phrase(list(turn.data[MENU_KEYS]), t(lang, "chat.or"))
        await turn.alert(t(lang, "chat.no_match", numbers=numbers))
    elif incoming.chat.private:  # in a group, ordinary talk is not for the bot
        await turn.alert(t(lang, "error.not_understood"))  # a note: a Zalo menu stays answerable
    return None


def register(router: Router) -> None:
    router.fallback = unanswered
