"""Joining by invite: `/start <token>` binds the person to the unit, then asks name and phone.

On Telegram the token comes from the invite link's deep link; on Zalo, which has no deep-link
payload, the person sends `/start <token>` (the invite list shows it) or the token alone.
A persistent conversation: a person halfway through it when the bot restarts goes on at the
same question.
"""

from __future__ import annotations

from bot.chat import InKind
from bot.chat.router import END, Conversation, Router, Turn
from bot.i18n import LANGUAGES, format_date, t
from bot.services import invites, people
from bot.services.invites import RedeemStatus
from handlers.menu import refresh_menu

ASK_NAME, ASK_PHONE = "name", "phone"
SKIP_WORDS = {t(code, "join.skip").casefold() for code in LANGUAGES}


async def open_invite(turn: Turn) -> str | None:
    deps = turn.deps
    result = await invites.redeem(deps.db, turn.incoming.args[0], person_id=turn.person_id, now=deps.clock())
    lang = turn.lang
    if result.status is RedeemStatus.UNKNOWN:
        await turn.say(t(lang, "invite.unknown"))
        return END
    if result.status is RedeemStatus.USED:
        await turn.say(t(lang, "invite.used"))
        return END
    if result.status is RedeemStatus.EXPIRED:
        assert result.expires_at is not None
        await turn.say(t(lang, "invite.expired", date=format_date(result.expires_at, deps.settings.zone)))
        return END
    if result.status is RedeemStatus.ALREADY:
        await turn.say(t(lang, "invite.already", unit=result.unit_name))
        return END
    found = await people.profile_of(deps.db, turn.person_id, turn.today)
    if found is not None:
        turn.profile = found
    await refresh_menu(turn)
    await turn.say(
        t(lang, "join.welcome", unit=result.unit_name, bloc=result.bloc_name, year=result.school_year),
        suggestions=(turn.incoming.display_name,) if turn.incoming.display_name else (),
    )
    return ASK_NAME


async def got_name(turn: Turn) -> str | None:
    name = people.clean_full_name(turn.incoming.text)
    if name is None:
        await turn.say(t(turn.lang, "join.bad_name"))
        return ASK_NAME
    await people.update_details(turn.deps.db, turn.person_id, full_name=name)
    turn.data["name"] = name
    await turn.say(t(turn.lang, "join.ask_phone"), suggestions=(t(turn.lang, "join.skip"),))
    return ASK_PHONE


async def got_phone(turn: Turn) -> str | None:
    text = turn.incoming.text
    if text.strip().casefold() not in SKIP_WORDS:
        phone = people.clean_phone(text)
        if phone is None:
            await turn.say(t(turn.lang, "join.bad_phone"))
            return ASK_PHONE
        await people.update_details(turn.deps.db, turn.person_id, phone=phone)
    name = turn.data.get("name") or turn.profile.full_name
    await turn.say(t(turn.lang, "join.done", name=name), clear_suggestions=True)
    return END


async def not_text(turn: Turn) -> str | None:
    """A sticker or a picture where a name or phone number is asked for: ask again, change nothing."""
    await turn.say(t(turn.lang, "chat.text_expected"))
    return ASK_NAME if turn.data.get("name") is None else ASK_PHONE


async def cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "join.cancelled"), clear_suggestions=True)
    return END


def register(router: Router) -> None:
    others = {InKind.PHOTO: not_text, InKind.FILE: not_text, InKind.STICKER: not_text}
    router.conversation(
        Conversation(
            name="joining",
            entry={"start": open_invite},
            entry_needs_args=True,
            steps={
                ASK_NAME: {InKind.TEXT: got_name, **others},
                ASK_PHONE: {InKind.TEXT: got_phone, **others},
            },
            fallbacks={"cancel": cancel, "huy": cancel},
        )
    )
