"""Small helpers every handler uses: who is speaking, in which language, and how to reply."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ConversationHandler, ExtBot
from telegram.warnings import PTBUserWarning

from bot.deps import Deps
from bot.i18n import normalise_language, t
from bot.render import split_message
from bot.services import people
from bot.services.people import Profile
from models.text import vietnamese_full_name


class ThiduaContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the application's dependencies at hand."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]  # type: ignore[no-any-return]


def deps_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Deps:
    return application.bot_data["deps"]  # type: ignore[no-any-return]


async def viewer(update: Update, context: ThiduaContext) -> Profile:
    """The person behind this update, created on first contact, with their roles."""
    user = update.effective_user
    assert user is not None
    deps = context.deps
    return await people.resolve(
        deps.db,
        user.id,
        deps.clock().astimezone(deps.settings.zone).date(),
        display_name=vietnamese_full_name(user.first_name, user.last_name),
        language=normalise_language(user.language_code),
        admin_ids=deps.settings.admin_telegram_ids,
    )


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Reply in the update's chat as HTML, split into several messages if it is long."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_message(text)
    last: Message | None = None
    for index, part in enumerate(parts):
        extra = kwargs if index == len(parts) - 1 else {}
        last = await chat.send_message(part, parse_mode=ParseMode.HTML, **extra)
    return last


async def edit_pressed(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message whose button was pressed; pressing twice to the same screen is not an error."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


def conversation(**kwargs: Any) -> ConversationHandler:  # type: ignore[type-arg]
    """A conversation whose state is kept in the database (it survives a restart) and that a
    person can start again from its entry point at any step.

    Buttons belong to the person's conversation in their chat, not to one message: per_message
    stays False on purpose, and PTB's warning about that says nothing we have not decided."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        return ConversationHandler(persistent=True, allow_reentry=True, **kwargs)


def no_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


__all__ = ["ThiduaContext", "deps_of", "edit_pressed", "no_keyboard", "reply", "t", "viewer"]
