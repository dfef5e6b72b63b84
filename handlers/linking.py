"""/lienket: link this person's Telegram and Zalo accounts with a one-time code."""

from __future__ import annotations

from bot.chat.router import Router, Turn
from bot.i18n import format_datetime, t
from bot.services import linking
from bot.services.linking import LinkStatus

CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


async def link(turn: Turn) -> None:
    deps = turn.deps
    if not turn.chat.private:
        await turn.say(t(turn.lang, "error.private_only"))
        return None
    if not turn.incoming.args:
        code, expires = await linking.issue_code(
            deps.db, turn.person_id, turn.incoming.channel, now=deps.clock()
        )
        await turn.say(
            t(turn.lang, "link.code", code=code, expires=format_datetime(expires, deps.settings.zone))
        )
        return None
    result = await linking.redeem_code(
        deps.db,
        "".join(turn.incoming.args),
        channel=turn.incoming.channel,
        external_id=turn.incoming.account_id,
        now=deps.clock(),
    )
    lang = turn.lang
    if result.status is LinkStatus.LINKED:
        await turn.say(
            t(lang, "link.done", channel=CHANNEL_NAMES[turn.incoming.channel.value], name=result.full_name)
        )
    elif result.status is LinkStatus.ALREADY_SAME:
        await turn.say(t(lang, "link.already_same", name=result.full_name))
    elif result.status in (LinkStatus.SAME_CHANNEL, LinkStatus.ALREADY_LINKED):
        channel = CHANNEL_NAMES[(result.channel or turn.incoming.channel).value]
        await turn.say(t(lang, f"link.{result.status.value}", channel=channel))
    else:
        await turn.say(t(lang, f"link.{result.status.value}"))
    return None


def register(router: Router) -> None:
    router.command(["lienket", "link"], link)
