"""The conversations. Each module registers the handlers of one capability.

Capabilities on the channel-neutral chat layer (bot.chat) register on a `Router` that every
channel adapter serves; the rest are still PTB handlers (Telegram only) and move over one by
one (docs/channels.md). Within PTB's group 0, order matters: conversations first (they own
their states), then the plain commands, then the catch-alls.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.chat.router import Router
from handlers import (
    account,
    errors,
    exports,
    invites,
    joining,
    linking,
    meetings,
    registration,
    reminders,
    scoring,
    voting,
)


def build_router() -> Router:
    """The channel-neutral conversations, served on Telegram and Zalo alike."""
    router = Router()
    joining.register(router)
    account.register(router)
    invites.register(router)
    linking.register(router)
    registration.register(router)
    scoring.register(router)
    reminders.register(router)  # with /caidatnhac (handlers.reminder_settings)
    exports.register(router)
    return router


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    """The capabilities not yet on the chat layer, as PTB handlers (Telegram only)."""
    meetings.register(application)
    voting.register(application)
    errors.register(application)  # last: catches what nothing else did
