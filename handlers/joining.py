"""Joining by invite link: `/start <token>` binds the person to the unit, then asks name and phone.

A persistent conversation: a person halfway through it when the bot restarts goes on at the
same question.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.i18n import LANGUAGES, format_date, normalise_language, t
from bot.services import invites, people
from bot.services.invites import RedeemStatus
from handlers.common import ThiduaContext, conversation, no_keyboard, reply, viewer
from handlers.menu import refresh_menu
from models.text import vietnamese_full_name

ASK_NAME, ASK_PHONE = 1, 2
SKIP_WORDS = {t(code, "join.skip").casefold() for code in LANGUAGES}


async def open_invite(update: Update, context: ThiduaContext) -> int:
    user = update.effective_user
    assert user is not None and update.effective_chat is not None
    token = (context.args or [""])[0]
    deps = context.deps
    result = await invites.redeem(
        deps.db,
        token,
        telegram_id=user.id,
        display_name=vietnamese_full_name(user.first_name, user.last_name),
        language=normalise_language(user.language_code),
        now=deps.clock(),
    )
    profile = await viewer(update, context)
    lang = profile.language
    if result.status is RedeemStatus.UNKNOWN:
        await reply(update, t(lang, "invite.unknown"))
        return ConversationHandler.END
    if result.status is RedeemStatus.USED:
        await reply(update, t(lang, "invite.used"))
        return ConversationHandler.END
    if result.status is RedeemStatus.EXPIRED:
        assert result.expires_at is not None
        await reply(
            update, t(lang, "invite.expired", date=format_date(result.expires_at, deps.settings.zone))
        )
        return ConversationHandler.END
    if result.status is RedeemStatus.ALREADY:
        await reply(update, t(lang, "invite.already", unit=result.unit_name))
        return ConversationHandler.END
    await refresh_menu(context.bot, update.effective_chat.id, profile)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(vietnamese_full_name(user.first_name, user.last_name))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await reply(
        update,
        t(lang, "join.welcome", unit=result.unit_name, bloc=result.bloc_name, year=result.school_year),
        reply_markup=keyboard,
    )
    return ASK_NAME


async def got_name(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None and update.effective_user is not None
    profile = await viewer(update, context)
    name = people.clean_full_name(update.message.text or "")
    if name is None:
        await reply(update, t(profile.language, "join.bad_name"))
        return ASK_NAME
    await people.update_details(context.deps.db, update.effective_user.id, full_name=name)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t(profile.language, "join.skip"))]], resize_keyboard=True, one_time_keyboard=True
    )
    await reply(update, t(profile.language, "join.ask_phone"), reply_markup=keyboard)
    return ASK_PHONE


async def got_phone(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None and update.effective_user is not None
    profile = await viewer(update, context)
    text = update.message.text or ""
    if text.strip().casefold() not in SKIP_WORDS:
        phone = people.clean_phone(text)
        if phone is None:
            await reply(update, t(profile.language, "join.bad_phone"))
            return ASK_PHONE
        await people.update_details(context.deps.db, update.effective_user.id, phone=phone)
    await reply(update, t(profile.language, "join.done", name=profile.full_name), reply_markup=no_keyboard())
    return ConversationHandler.END


async def cancel(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "join.cancelled"), reply_markup=no_keyboard())
    return ConversationHandler.END


def register(application: Application) -> None:  # type: ignore[type-arg]
    text_only = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        conversation(
            entry_points=[CommandHandler("start", open_invite, has_args=True)],
            states={
                ASK_NAME: [MessageHandler(text_only, got_name)],
                ASK_PHONE: [MessageHandler(text_only, got_phone)],
            },
            fallbacks=[CommandHandler(["cancel", "huy"], cancel)],
            name="joining",
        )
    )
