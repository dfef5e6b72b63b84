"""Small helpers for answering a Turn that the chat layer does not (yet) offer itself."""

from __future__ import annotations

from bot.chat import InKind
from bot.chat.router import Turn


async def taken(turn: Turn) -> None:
    """Tell the app the press was taken before answering it with a new message (Telegram's
    spinner stops first, as people expect); nothing on channels without it."""
    if turn.incoming.kind is InKind.CHOICE and not turn.answered:
        turn.answered = True
        await turn.outlet.acknowledge(turn.incoming)
