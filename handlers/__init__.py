"""The conversations, channel-neutral (docs/channels.md): each module registers one capability's
commands, presses and conversations on the `Router` that every channel adapter serves."""

from __future__ import annotations

from bot.chat.router import Router
from bot.deps import Deps
from bot.jobs import Periodic
from handlers import (
    account,
    conference,
    council,
    errors,
    exports,
    invites,
    joining,
    linking,
    meeting_details,
    meetings,
    nominations,
    registration,
    reminders,
    school_vote,
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
    meetings.register(router)
    meeting_details.register(router)  # the minutes' place and officers (issue 13)
    voting.register(router)
    nominations.register(router)
    school_vote.register(router)
    council.register(router)
    conference.register(router)
    errors.register(router)  # the fallback: what nothing else took
    return router


def periodic_jobs(deps: Deps) -> list[Periodic]:
    """The jobs every mode runs (started and stopped next to the delivery job)."""
    return [Periodic("ballots", deps.settings.poll_progress_seconds, voting.ballot_tick, deps)]
