"""The last line: unknown commands, stray text, stale buttons, and any exception."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.i18n import t
from handlers.common import ThiduaContext, reply, viewer

log = logging.getLogger("thidua.errors")


CANCEL_WORDS = frozenset({"huy", "cancel", "tamdung", "pause"})


async def unknown_command(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    text = (update.effective_message.text or "") if update.effective_message else ""
    word = text.split()[0].lstrip("/").split("@")[0].casefold() if text.split() else ""
    # /huy with nothing under way (no conversation took it): a known word, nothing to stop.
    key = "error.nothing_to_cancel" if word in CANCEL_WORDS else "error.unknown_command"
    await reply(update, t(profile.language, key))


async def not_understood(update: Update, context: ThiduaContext) -> None:
    if update.effective_chat is None or update.effective_chat.type != "private":
        return  # in a group, ordinary talk is not for the bot
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "error.not_understood"))


async def stale_button(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None
    profile = await viewer(update, context)
    await query.answer(t(profile.language, "error.stale_button"), show_alert=True)


async def on_error(update: object, context: ThiduaContext) -> None:
    """Log the update id and traceback (never the update's content), apologise, carry on."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = None
    if update.effective_user is not None:
        try:
            language = (await viewer(update, context)).language
        except Exception:  # the database may be what failed
            language = None
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(language, "error.generic"), show_alert=True)
        else:
            await reply(update, t(language, "error.generic"))
    except Exception:
        log.warning("could not send the apology for update %s", update_id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT | filters.ATTACHMENT, not_understood))
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(on_error)  # type: ignore[arg-type]
