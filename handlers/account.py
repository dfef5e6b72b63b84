"""/start (without an invite), /help, /whoami and /language."""

from __future__ import annotations

from bot.chat import Button
from bot.chat.router import Router, Turn
from bot.i18n import LANGUAGES, Raw, t
from bot.services import people
from bot.services.people import Profile
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


async def start(turn: Turn) -> None:
    profile = turn.profile
    buttons: tuple[tuple[Button, ...], ...] = ()
    if profile.roles or profile.is_admin:
        text = t(turn.lang, "start.member", name=profile.full_name, roles=Raw(roles_text(profile)))
        # Imported here: it brings the registration and scoring services and their tables, which
        # /whoami, /help and /language (this module's other commands) never need.
        from bot.services.next_step import next_step

        step = await next_step(turn.deps.db, turn.person_id, today=turn.today)
        if step is not None:  # what to do now, for this role at this time of the year
            text += "\n\n" + t(turn.lang, step.key, count=step.count)
            if step.button:
                buttons = ((Button(t(turn.lang, f"{step.key}.btn"), step.button),),)
    else:
        text = t(turn.lang, "start.stranger", name=turn.incoming.display_name or profile.full_name)
    await refresh_menu(turn)  # before the answer: whoever reads it finds the menu already theirs
    await turn.say(text, buttons=buttons)
    return None


async def help_command(turn: Turn) -> None:
    await turn.say(help_text(turn.profile))
    return None


async def whoami(turn: Turn) -> None:
    profile = turn.profile
    if not profile.roles and not profile.is_admin:
        await turn.say(t(turn.lang, "whoami.none"))
        return None
    lines = [t(turn.lang, "whoami.title", name=profile.full_name), roles_text(profile)]
    if profile.phone:
        lines.append(t(turn.lang, "whoami.phone", phone=profile.phone))
    await turn.say("\n".join(lines))
    return None


async def language(turn: Turn) -> None:
    buttons = tuple(Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in LANGUAGES)
    await turn.say(t(turn.lang, "language.choose"), buttons=(buttons,))
    return None


async def language_chosen(turn: Turn) -> None:
    code = (turn.incoming.choice or "").removeprefix("lang:")
    if code not in LANGUAGES:  # forged or stale: nothing changes
        await turn.alert(t(turn.lang, "error.stale_button"))
        return None
    await people.set_language(turn.deps.db, turn.person_id, code)
    turn.profile = await _reloaded(turn)
    await turn.show(t(code, "language.set"))
    await refresh_menu(turn)
    return None


async def _reloaded(turn: Turn) -> Profile:
    found = await people.profile_of(turn.deps.db, turn.person_id, turn.today)
    assert found is not None
    return found


def register(router: Router) -> None:
    router.command("start", start, needs_args=False)
    router.command(["help", "trogiup"], help_command)
    router.command(["whoami", "toila"], whoami)
    router.command(["language", "ngonngu"], language)
    router.choice("lang:", language_chosen)
