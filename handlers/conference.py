"""The honours conference (/hoinghi for the desk, /daibieu for units and delegates), issue 18.

Press data: cf:q  allocate seats   cf:g  the guest list   cf:x  export
            cf:c  propose delegates for the higher congress   cf:b  open the conference's vote on them
            cf:y:<code> / cf:n:<code>  a delegate confirms or declines with their private code
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.i18n import Raw, t
from bot.services import conference
from bot.services.conference import ConferenceView, Invitation
from bot.services.registration import Refused
from models.conference import DelegateStatus

C_TITLE, C_WHEN, C_PLACE, C_MENU, C_QUOTAS, C_GUESTS = "title", "when", "place", "menu", "quotas", "guests"
C_CONGRESS = "congress"
U_NAMES = "names"
_WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*$")
_CODE = re.compile(r"^cf:([yn]):([0-9A-F]{8})$")


def _text(turn: Turn) -> str:
    return (turn.incoming.text or "").strip()


def _when(turn: Turn, moment: datetime) -> str:
    return moment.astimezone(turn.deps.settings.zone).strftime("%H:%M %d/%m/%Y")


async def _refused(turn: Turn, refusal: Refused) -> None:
    await turn.say(refusal.notice.render(turn.lang))


# ------------------------------------------------------------------ the desk
async def _menu(turn: Turn, view: ConferenceView) -> str | None:
    lang = turn.lang
    text = t(
        lang,
        "conf.menu",
        title=view.title,
        when=_when(turn, view.starts_at),
        place=view.place,
        seats=sum(view.quotas.values()),
        units=len(view.quotas),
        exemplars=view.exemplars,
        guests=view.guests,
        confirmed=sum(1 for d in view.delegates if d.status is DelegateStatus.CONFIRMED),
    )
    buttons = (
        (Button(t(lang, "conf.btn.quotas"), "cf:q"), Button(t(lang, "conf.btn.guests"), "cf:g")),
        (Button(t(lang, "conf.btn.propose"), "cf:c"), Button(t(lang, "conf.btn.ballot"), "cf:b")),
        (Button(t(lang, "conf.btn.export"), "cf:x"),),
    )
    await turn.say(text, buttons=buttons)
    return C_MENU


async def desk_start(turn: Turn) -> str | None:
    try:
        view = await conference.view_for_desk(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await _refused(turn, refusal)
        return END
    if view is not None:
        return await _menu(turn, view)
    turn.data.clear()
    await turn.say(t(turn.lang, "conf.ask_title"))
    return C_TITLE


async def got_title(turn: Turn) -> str | None:
    turn.data["title"] = _text(turn)
    await turn.say(t(turn.lang, "conf.ask_when"))
    return C_WHEN


async def got_when(turn: Turn) -> str | None:
    found = _WHEN.match(_text(turn))
    try:
        if found is None:
            raise ValueError
        day, month, year, hour, minute = (int(x) for x in found.groups())
        moment = datetime(year, month, day, hour, minute, tzinfo=turn.deps.settings.zone)
    except ValueError:
        await turn.say(t(turn.lang, "conf.bad_when"))
        return C_WHEN
    turn.data["when"] = moment.isoformat()
    await turn.say(t(turn.lang, "conf.ask_place"))
    return C_PLACE


async def got_place(turn: Turn) -> str | None:
    view = await conference.create(
        turn.deps.db,
        turn.person_id,
        title=turn.data["title"],
        starts_at=datetime.fromisoformat(turn.data["when"]),
        place=_text(turn),
        today=turn.today,
    )
    return await _menu(turn, view)


async def ask_quotas(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "conf.ask_quotas"))
    return C_QUOTAS


async def got_quotas(turn: Turn) -> str | None:
    try:
        view = await conference.set_quotas(turn.deps.db, turn.person_id, _text(turn), today=turn.today)
    except Refused as refusal:
        await _refused(turn, refusal)
        return C_QUOTAS
    await turn.say(t(turn.lang, "conf.saved_quotas", units=len(view.quotas), seats=sum(view.quotas.values())))
    return await _menu(turn, view)


async def ask_guests(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "conf.ask_guests"))
    return C_GUESTS


def _codes(turn: Turn, invitations: list[Invitation]) -> str:
    return (
        "\n".join(t(turn.lang, "conf.code_line", name=i.full_name, code=i.code) for i in invitations) or "—"
    )


async def got_guests(turn: Turn) -> str | None:
    try:
        view, invitations = await conference.name_guests(
            turn.deps.db, turn.person_id, _text(turn), today=turn.today
        )
    except Refused as refusal:
        await _refused(turn, refusal)
        return C_GUESTS
    await turn.say(t(turn.lang, "conf.saved_guests", count=view.guests, codes=Raw(_codes(turn, invitations))))
    return await _menu(turn, view)


async def export(turn: Turn) -> str | None:
    from bot.exports import conference_papers  # python-docx and openpyxl load on first use

    view = await conference.view_for_desk(turn.deps.db, turn.person_id, today=turn.today)
    if view is None:
        await turn.say(t(turn.lang, "conf.refused.none"))
        return END
    authority = turn.profile.authority_roles[0].authority_name
    for name, data in conference_papers.papers(view, authority, turn.deps.clock(), turn.deps.settings.zone):
        await turn.send_file(name, data)
    await turn.say(t(turn.lang, "conf.exported"))
    return C_MENU


async def ask_congress(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "conf.ask_congress"))
    return C_CONGRESS


async def got_congress(turn: Turn) -> str | None:
    try:
        names = await conference.propose_for_congress(
            turn.deps.db, turn.person_id, _text(turn), today=turn.today
        )
    except Refused as refusal:
        await _refused(turn, refusal)
        return C_CONGRESS
    await turn.say(t(turn.lang, "conf.proposed", count=len(names), names=", ".join(names)))
    view = await conference.view_for_desk(turn.deps.db, turn.person_id, today=turn.today)
    assert view is not None
    return await _menu(turn, view)


async def open_vote(turn: Turn) -> str | None:
    master_key = turn.deps.master_key
    assert master_key is not None
    try:
        ballot = await conference.open_congress_ballot(
            turn.deps.db, turn.person_id, master_key=master_key, today=turn.today, now=turn.deps.clock()
        )
    except Refused as refusal:
        await _refused(turn, refusal)
        return C_MENU
    turn.deps.poke_delivery()
    await turn.say(t(turn.lang, "conf.ballot_opened", count=ballot.members))
    return END


# ------------------------------------------------------------------ a unit, a delegate
async def unit_start(turn: Turn) -> str | None:
    try:
        found = await conference.unit_view(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await _refused(turn, refusal)
        return END
    if found is None:
        await turn.say(t(turn.lang, "conf.unit_none"))
        return END
    unit, quota, view = found
    names = ", ".join(d.full_name for d in view.delegates if d.unit_name == unit) or "—"
    text = t(
        turn.lang,
        "conf.unit",
        title=view.title,
        when=_when(turn, view.starts_at),
        unit=unit,
        quota=quota,
        names=names,
    )
    await turn.say(text)
    return U_NAMES


async def got_names(turn: Turn) -> str | None:
    try:
        _view, invitations = await conference.name_delegates(
            turn.deps.db, turn.person_id, _text(turn), today=turn.today
        )
    except Refused as refusal:
        await _refused(turn, refusal)
        return U_NAMES
    await turn.say(
        t(turn.lang, "conf.saved_delegates", count=len(invitations), codes=Raw(_codes(turn, invitations)))
    )
    return END


async def invitation(turn: Turn) -> str | None:
    code = "".join(turn.incoming.args).strip().upper()
    found = await conference.delegate_by_code(turn.deps.db, code)
    if found is None:
        await turn.say(t(turn.lang, "conf.refused.bad_code"))
        return None
    name, title, starts_at, place = found
    await turn.say(
        t(turn.lang, "conf.invitation", name=name, title=title, when=_when(turn, starts_at), place=place),
        buttons=(
            (
                Button(t(turn.lang, "conf.btn.attend"), f"cf:y:{code}"),
                Button(t(turn.lang, "conf.btn.decline"), f"cf:n:{code}"),
            ),
        ),
    )
    return None


async def answered(turn: Turn) -> str | None:
    found = _CODE.match(turn.incoming.choice or "")
    if found is None:
        await turn.alert(t(turn.lang, "conf.refused.bad_code"))
        return None
    attend = found.group(1) == "y"
    try:
        name = await conference.answer(turn.deps.db, turn.person_id, found.group(2), attend=attend)
    except Refused as refusal:
        await turn.alert(refusal.notice.render(turn.lang))
        return None
    await turn.show(t(turn.lang, "conf.confirmed" if attend else "conf.declined", name=name))
    return None


async def cancel(turn: Turn) -> str | None:
    turn.data.clear()
    await turn.say(t(turn.lang, "nom.cancelled"))
    return END


def register(router: Router) -> None:
    others = (InKind.PHOTO, InKind.FILE, InKind.STICKER, InKind.OTHER)

    def text_step(step: str, handler: Handler) -> dict[StepKey, Handler]:
        async def again(turn: Turn) -> str | None:
            await turn.say(t(turn.lang, "conf.none_text"))
            return step

        taken: dict[StepKey, Handler] = {InKind.TEXT: handler}
        taken.update({kind: again for kind in others})
        return taken

    router.conversation(
        Conversation(
            name="conference_desk",
            entry={"hoinghi": desk_start},
            steps={
                C_TITLE: text_step(C_TITLE, got_title),
                C_WHEN: text_step(C_WHEN, got_when),
                C_PLACE: text_step(C_PLACE, got_place),
                C_MENU: {
                    "cf:q": ask_quotas,
                    "cf:g": ask_guests,
                    "cf:x": export,
                    "cf:c": ask_congress,
                    "cf:b": open_vote,
                },
                C_CONGRESS: text_step(C_CONGRESS, got_congress),
                C_QUOTAS: text_step(C_QUOTAS, got_quotas),
                C_GUESTS: text_step(C_GUESTS, got_guests),
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
    router.conversation(
        Conversation(
            name="conference_unit",
            entry={"daibieu": unit_start},
            entry_needs_args=False,
            steps={U_NAMES: text_step(U_NAMES, got_names)},
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
    router.command("daibieu", invitation, needs_args=True)
    router.choice("cf:y:", answered)
    router.choice("cf:n:", answered)
