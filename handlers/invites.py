"""/invite (/moi): the head gets one single-use invitation per unit of the bloc: a Telegram link,
and the same token as a message to send the bot on Zalo (which has no deep links)."""

from __future__ import annotations

from datetime import timedelta

from bot.chat.router import Router, Turn
from bot.i18n import format_datetime, t
from bot.services import invites


async def invite(turn: Turn) -> None:
    deps = turn.deps
    lang = turn.lang
    try:
        batches = await invites.issue_for_officer(
            deps.db, turn.person_id, now=deps.clock(), ttl=timedelta(hours=deps.settings.invite_ttl_hours)
        )
    except invites.NotAllowedError:
        await turn.say(t(lang, "error.not_allowed"))
        return None
    username = deps.telegram_username or deps.settings.telegram_bot_username or "thidua_bot"
    for batch in batches:
        lines = [
            t(
                lang,
                "invites.title",
                bloc=batch.bloc_name,
                expires=format_datetime(batch.expires_at, deps.settings.zone),
            )
        ]
        for item in batch.invites:
            lines.append(
                t(lang, "invites.line", unit=item.unit_name, link=invites.invite_link(username, item.token))
            )
            lines.append(t(lang, "invites.zalo", token=item.token))
        await turn.say("\n".join(lines))
    return None


def register(router: Router) -> None:
    router.command(["invite", "moi"], invite)
