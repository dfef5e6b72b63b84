"""The command menu and /help follow the person's roles: nobody sees a command they cannot use."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import LANGUAGES, t
from bot.services.people import Profile
from models.permissions import PUBLIC_COMMANDS, commands_for


def command_list(profile: Profile) -> list[str]:
    return commands_for(profile.capacities)


async def set_default_menu(bot: Bot) -> None:
    """What a stranger sees, in each catalogue language (Telegram picks by the user's app language)."""
    for language in LANGUAGES:
        commands = [BotCommand(name, t(language, f"cmd.{name}")) for name in PUBLIC_COMMANDS]
        code = None if language == "vi" else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)


async def refresh_menu(bot: Bot, chat_id: int, profile: Profile) -> None:
    commands = [BotCommand(name, t(profile.language, f"cmd.{name}")) for name in command_list(profile)]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))


def help_text(profile: Profile) -> str:
    lines = [t(profile.language, "help.title")]
    lines += [f"/{name} — {t(profile.language, f'cmd.{name}')}" for name in command_list(profile)]
    if not profile.roles and not profile.is_admin:
        lines += ["", t(profile.language, "help.no_role")]
    return "\n".join(lines)
