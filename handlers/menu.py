"""The command menu and /help follow the person's roles: nobody sees a command they cannot use."""

from __future__ import annotations

from bot.chat.router import Turn
from bot.i18n import t
from bot.services.people import Profile
from models.permissions import commands_for


def command_list(profile: Profile) -> list[str]:
    return commands_for(profile.capacities)


def menu_entries(profile: Profile) -> list[tuple[str, str]]:
    return [(name, t(profile.language, f"cmd.{name}")) for name in command_list(profile)]


async def refresh_menu(turn: Turn) -> None:
    """The chat's command menu, where the channel has one, in the person's language."""
    if turn.chat.private and turn.caps.command_menu:
        await turn.outlet.set_commands(turn.chat, menu_entries(turn.profile))


def help_text(profile: Profile) -> str:
    lines = [t(profile.language, "help.title")]
    lines += [f"/{name} — {description}" for name, description in menu_entries(profile)]
    if not profile.roles and not profile.is_admin:
        lines += ["", t(profile.language, "help.no_role")]
    return "\n".join(lines)
