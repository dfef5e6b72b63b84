"""Chat I/O. Each module registers the handlers of one capability; order matters within group 0.

Conversations first (they own their states), then the plain commands, then the catch-alls.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    account,
    errors,
    exports,
    invites,
    joining,
    meetings,
    registration,
    reminders,
    scoring,
    voting,
)


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    joining.register(application)
    registration.register(application)
    scoring.register(application)
    meetings.register(application)
    voting.register(application)
    reminders.register(application)
    exports.register(application)
    account.register(application)
    invites.register(application)
    errors.register(application)  # last: catches what nothing else did
