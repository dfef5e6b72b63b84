"""/start (without an invite), /help, /whoami and /language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import LANGUAGES, Raw, t
from bot.services import people
from bot.services.people import Profile
from handlers.common import ThiduaContext, reply, viewer
from handlers.menu import help_text, refresh_menu
from models.organisation import RoleKind

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def roles_text(profile: Profile) -> str:
    lang = profile.language
    lines: list[str] = []
    for role in profile.roles:
        if role.kind is RoleKind.REP:
            lines.append(
                t(
                    lang,
                    "whoami.unit_role",
                    role=t(lang, "role.rep"),
                    unit=role.unit_name or "",
                    bloc=role.bloc_name,
                    year=role.school_year,
                    position=t(lang, f"position.{role.position}"),
                )
            )
        else:
            lines.append(
                t(
                    lang,
                    "whoami.bloc_role",
                    role=t(lang, f"role.{role.kind}"),
                    bloc=role.bloc_name,
                    year=role.school_year,
                )
            )
    if profile.is_admin:
        lines.append(t(lang, "whoami.admin"))
    return "\n".join(lines)


async def start(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    if profile.roles or profile.is_admin:
        text = t(
            profile.language, "start.member", name=profile.full_name or name, roles=Raw(roles_text(profile))
        )
    else:
        text = t(profile.language, "start.stranger", name=name)
    await reply(update, text)
    if update.effective_chat and update.effective_chat.type == "private":
        await refresh_menu(context.bot, update.effective_chat.id, profile)


async def help_command(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    await reply(update, help_text(profile))


async def whoami(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    if not profile.roles and not profile.is_admin:
        await reply(update, t(lang, "whoami.none"))
        return
    lines = [t(lang, "whoami.title", name=profile.full_name), roles_text(profile)]
    if profile.phone:
        lines.append(t(lang, "whoami.phone", phone=profile.phone))
    await reply(update, "\n".join(lines))


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}") for code in LANGUAGES]]
    )


async def language(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "language.choose"), reply_markup=language_keyboard())


async def language_chosen(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.removeprefix("lang:")
    if code not in LANGUAGES:  # forged or stale: nothing changes
        profile = await viewer(update, context)
        await query.answer(t(profile.language, "error.stale_button"), show_alert=True)
        return
    await viewer(update, context)
    await people.set_language(context.deps.db, query.from_user.id, code)
    await query.answer()
    await query.edit_message_text(t(code, "language.set"), parse_mode=ParseMode.HTML)
    profile = await viewer(update, context)
    if update.effective_chat and update.effective_chat.type == "private":
        await refresh_menu(context.bot, update.effective_chat.id, profile)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start, has_args=False))
    application.add_handler(CommandHandler(["help", "trogiup"], help_command))
    application.add_handler(CommandHandler(["whoami", "toila"], whoami))
    application.add_handler(CommandHandler(["language", "ngonngu"], language))
    application.add_handler(CallbackQueryHandler(language_chosen, pattern=r"^lang:"))
