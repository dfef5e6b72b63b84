"""/invite (/moi): the head gets one single-use link per unit of the bloc."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import format_datetime, t
from bot.services import invites
from handlers.common import ThiduaContext, reply, viewer


async def invite(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    try:
        batches = await invites.issue_for_officer(
            deps.db,
            profile.telegram_id or 0,
            now=deps.clock(),
            ttl=timedelta(hours=deps.settings.invite_ttl_hours),
        )
    except invites.NotAllowedError:
        await reply(update, t(lang, "error.not_allowed"))
        return
    username = context.bot.username
    for batch in batches:
        lines = [
            t(
                lang,
                "invites.title",
                bloc=batch.bloc_name,
                expires=format_datetime(batch.expires_at, deps.settings.zone),
            )
        ]
        lines += [
            t(lang, "invites.line", unit=item.unit_name, link=invites.invite_link(username, item.token))
            for item in batch.invites
        ]
        await reply(update, "\n".join(lines))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(["invite", "moi"], invite))
