"""/hop (meetings), /diemdanh (check-in), /nhomkhoi (link the bloc's group), and opening ballots.

Press data (all ≤ 64 bytes, all re-checked on the server):
  mt:new                  start creating a meeting        mk:<kind>      the kind chosen
  mt:<id>:<action>        the chair's card (start, refresh, ballot, out, close, show)
  mo:<id>:<unit_id>       record that a unit left          pb:<id>:<key>  draft a ballot
  pd:<poll_id>:<action>   edit/open a draft (t<pos> toggles a candidate; thr, base, sec, dl; open)
"""

from __future__ import annotations

import logging
from typing import Any

from bot.chat import Button, InKind, Screen
from bot.chat.router import END, Conversation, Router, Turn
from bot.deps import Deps
from bot.i18n import LANGUAGES, Raw, format_datetime, t
from bot.services import ballots, meetings
from bot.services.ballots import OpenRefusal
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.meetings import MeetingView
from models.channels import Channel
from models.meetings import AGENDAS, MeetingKind, MeetingStatus, parse_when
from models.vote_rules import (
    BALLOT_MENU,
    BASES,
    DURATIONS,
    THRESHOLDS,
    BallotKind,
    RuleSet,
    following,
    format_percent,
)

log = logging.getLogger("thidua.meetings")


# ------------------------------------------------------------------ rendering
def rules_text(rules: RuleSet, lang: str) -> str:
    lines = []
    if rules.kind is BallotKind.APPROVAL:
        lines.append(t(lang, "ballot.rules.approval"))
    else:
        lines.append(t(lang, "ballot.rules.selection", max=rules.max_choices or 0, seats=rules.seats or 0))
    lines.append(
        t(
            lang,
            "ballot.rules.threshold",
            percent=format_percent(rules.threshold_fraction, ",").replace(",00", ""),
            base=t(lang, f"ballot.base.{rules.threshold_base.value}"),
        )
    )
    lines.append(t(lang, "ballot.rules.secret" if rules.secret else "ballot.rules.named"))
    if rules.absentee_allowed:
        lines.append(t(lang, "ballot.rules.absentee"))
    if not rules.self_vote_allowed:
        lines.append(t(lang, "ballot.rules.no_self"))
    return "\n".join(lines)


def card(view: MeetingView, lang: str, deps: Deps, polls: list[tuple[int, str]] | None = None) -> Screen:
    """The chair's card; `polls` are the meeting's open polls, each with a button to close it
    (the chair can always come back here to close one, on any app)."""
    zone = deps.settings.zone
    lines = [
        t(
            lang,
            "meeting.card",
            kind=t(lang, f"meeting.kind.{view.kind.value}"),
            bloc=view.bloc_name,
            when=format_datetime(view.starts_at, zone),
            place=view.place,
            status=t(lang, f"meeting.status.{view.status.value}"),
        )
    ]
    if view.agenda:
        lines.append(t(lang, "meeting.card_agenda", agenda=view.agenda))
    if view.status is MeetingStatus.OPEN:
        lines.append(t(lang, "meeting.card_code", code=view.checkin_code or ""))
    if view.status is not MeetingStatus.PLANNED:
        quorum_key = "meeting.quorum_ok" if view.quorate else "meeting.quorum_missing"
        lines.append(
            t(
                lang,
                "meeting.card_presence",
                present=view.present,
                members=len(view.members),
                quorum=t(lang, quorum_key, needed=view.quorum_needed),
            )
        )
        if view.absent and view.status is MeetingStatus.OPEN:
            lines.append(t(lang, "meeting.card_absent", names="; ".join(m.name for m in view.absent)))
    rows: tuple[tuple[Button, ...], ...] = ()
    if view.status is MeetingStatus.PLANNED:
        rows = ((Button(t(lang, "meeting.btn.start"), f"mt:{view.id}:start"),),)
    elif view.status is MeetingStatus.OPEN:
        rows = (
            (
                Button(t(lang, "meeting.btn.refresh"), f"mt:{view.id}:refresh"),
                Button(t(lang, "meeting.btn.ballot"), f"mt:{view.id}:ballot"),
            ),
            (
                Button(t(lang, "meeting.btn.checkout"), f"mt:{view.id}:out"),
                Button(t(lang, "meeting.btn.close"), f"mt:{view.id}:close"),
            ),
            *(
                (
                    Button(t(lang, "ballot.btn.close_named", title=title), f"pc:{poll_id}:close"),
                    Button(t(lang, "ballot.btn.resend_named", title=title), f"pc:{poll_id}:resend"),
                )
                for poll_id, title in polls or []
            ),
        )
    rows = (*rows, (Button(t(lang, "meeting.btn.details"), f"md:{view.id}"),))  # handlers/meeting_details.py
    return Screen("\n".join(lines), buttons=rows)


def _reason(code: str, lang: str) -> str:
    """Registration's reason codes have words in the catalogue; the head's own reasons are text.
    Either way the result is safe HTML (the head's words are escaped)."""
    key = f"ballot.why.{code}"
    return t(lang, key) if key in LANGUAGES["vi"] else t(lang, "plain", text=code)


def excluded_text(poll: ballots.PollView, lang: str) -> str:
    """Who is not on the draft, and why: each unit with its status and reasons, one per line."""
    items = [
        t(
            lang,
            "ballot.excluded_item",
            unit=unit.name,
            status=Raw(t(lang, f"elig.{unit.status.value}")),
            reasons=Raw(", ".join(_reason(code, lang) for code in unit.reasons)),
        )
        for unit in poll.excluded
    ]
    return t(lang, "ballot.excluded", count=len(items)) + "\n" + "\n".join(items)


def duration_text(minutes: int | None, lang: str) -> str:
    if minutes is None:
        return t(lang, "ballot.deadline.none")
    if minutes % 60 == 0:
        return t(lang, "ballot.deadline.hours", hours=minutes // 60)
    return t(lang, "ballot.deadline.minutes", minutes=minutes)


def draft_card(poll: ballots.PollView, lang: str) -> Screen:
    text = t(lang, "ballot.draft", title=poll.title, rules=rules_text(poll.rules, lang))
    if poll.excluded:
        text += "\n\n" + excluded_text(poll, lang)
    rules = poll.rules
    percent = format_percent(rules.threshold_fraction, ",").replace(",00", "")
    rows = [
        (Button(f"{'✅' if c.selected else '⬜'} {c.label}", f"pd:{poll.id}:t{c.position}"),)
        for c in poll.candidates
    ]
    rows.append(
        (
            Button(t(lang, "ballot.btn.threshold", percent=percent), f"pd:{poll.id}:thr"),
            Button(
                t(lang, "ballot.btn.base", base=t(lang, f"ballot.base.{rules.threshold_base.value}")),
                f"pd:{poll.id}:base",
            ),
        )
    )
    rows.append(
        (
            Button(
                t(lang, "ballot.btn.secret", value=t(lang, "ballot.yes" if rules.secret else "ballot.no")),
                f"pd:{poll.id}:sec",
            ),
            Button(
                t(lang, "ballot.btn.deadline", value=duration_text(poll.duration_minutes, lang)),
                f"pd:{poll.id}:dl",
            ),
        )
    )
    rows.append((Button(t(lang, "ballot.btn.open"), f"pd:{poll.id}:open"),))
    return Screen(text, buttons=tuple(rows))


def invitation(view: MeetingView, lang: str, deps: Deps) -> Screen:
    return Screen(
        t(
            lang,
            "meeting.invite",
            kind=t(lang, f"meeting.kind.{view.kind.value}"),
            bloc=view.bloc_name,
            when=format_datetime(view.starts_at, deps.settings.zone),
            place=view.place,
        )
    )


async def refresh_card(deps: Deps, view: MeetingView, lang: str) -> None:
    """Keep the chair's card live: edited in place when someone checks in (Telegram; on Zalo,
    which cannot edit, the chair asks for it again with «Làm mới»)."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    if view.card_chat_id is None or view.card_message_id is None or telegram is None:
        return
    screen = card(view, lang, deps, await ballots.open_polls(deps.db, view.id))
    try:
        await telegram.edit(str(view.card_chat_id), str(view.card_message_id), screen)
    except Exception as error:  # the check-in is recorded; a card that cannot be edited is not news
        log.warning("meeting %s: card not updated (%s)", view.id, type(error).__name__)


async def show_card(turn: Turn, view: MeetingView) -> None:
    """The chair's card: in place of the pressed one, or anew; remembered where it can be edited."""
    db = turn.deps.db
    screen = card(view, turn.lang, turn.deps, await ballots.open_polls(db, view.id))
    telegram = turn.deps.channels.get(Channel.TELEGRAM)
    if turn.chat.channel is not Channel.TELEGRAM or telegram is None:
        await turn.show(screen.text, buttons=screen.buttons)
        return
    if turn.incoming.kind is InKind.CHOICE and turn.incoming.message_id is not None:
        await turn.show(screen.text, buttons=screen.buttons)
        message_id: str | None = turn.incoming.message_id
    else:
        message_id = await telegram.send(turn.chat.chat_id, screen)
    if message_id is not None:
        await meetings.remember_card(db, view.id, int(turn.chat.chat_id), int(message_id))


async def acknowledge(turn: Turn) -> None:
    """A press answered with a new message: the press is taken first (Telegram's spinner stops
    before the message comes, as a person expects)."""
    turn.answered = True
    await turn.outlet.acknowledge(turn.incoming)


# ------------------------------------------------------------------ /hop and creating a meeting
async def meeting_menu(turn: Turn) -> None:
    lang, deps = turn.lang, turn.deps
    blocs = await meetings.led_blocs(deps.db, turn.person_id, turn.today)
    if not blocs:
        await turn.say(t(lang, "error.not_allowed"))
        return None
    bloc_id, bloc_name = blocs[0]
    found = await meetings.meetings_of(deps.db, bloc_id, turn.today)
    zone = deps.settings.zone
    rows = [
        (
            Button(
                f"{t(lang, f'meeting.kind.{m.kind.value}')} · {format_datetime(m.starts_at, zone)}",
                f"mt:{m.id}:show",
            ),
        )
        for m in found[:6]
    ]
    rows.append((Button(t(lang, "meeting.new"), "mt:new"),))
    year = turn.profile.roles[0].school_year if turn.profile.roles else ""
    text = t(lang, "meeting.list", bloc=bloc_name, year=year)
    if not found:
        text += "\n" + t(lang, "meeting.none")
    await turn.say(text, buttons=tuple(rows))
    return None


async def new_meeting(turn: Turn) -> str | None:
    lang = turn.lang
    if not await meetings.led_blocs(turn.deps.db, turn.person_id, turn.today):
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    rows = tuple((Button(t(lang, f"meeting.kind.{kind.value}"), f"mk:{kind.value}"),) for kind in MeetingKind)
    await turn.show(t(lang, "meeting.ask_kind"), buttons=rows)
    return "kind"


async def kind_chosen(turn: Turn) -> str | None:
    try:
        kind = MeetingKind((turn.incoming.choice or "").removeprefix("mk:"))
    except ValueError:
        await turn.alert(t(turn.lang, "error.stale_button"))
        return END
    turn.data["kind"] = kind.value
    await turn.show(t(turn.lang, "meeting.ask_when"))
    return "when"


async def got_when(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    kind = MeetingKind(turn.data.get("kind", MeetingKind.YEAREND.value))
    parsed = parse_when(turn.incoming.text, deps.settings.zone)
    if parsed is None:
        await turn.say(t(lang, "meeting.bad_when"))
        return "when"
    starts_at, place = parsed
    blocs = await meetings.led_blocs(deps.db, turn.person_id, turn.today)
    if not blocs:
        await turn.say(t(lang, "error.not_allowed"))
        return END
    bloc_id = blocs[0][0]
    place = place or (await meetings.default_place(deps.db, bloc_id, kind, turn.today) or "—")
    view = await meetings.create_meeting(
        deps.db,
        person_id=turn.person_id,
        bloc_id=bloc_id,
        kind=kind,
        starts_at=starts_at,
        place=place,
        agenda=AGENDAS[kind],
        now=deps.clock(),
        today=turn.today,
    )
    await show_card(turn, view)
    return END


async def when_not_text(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected") + "\n" + t(turn.lang, "meeting.ask_when"))
    return "when"


async def cancel_setup(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "join.cancelled"))
    return END


# ------------------------------------------------------------------ the chair's card
async def _led_meeting(turn: Turn, meeting_id: int) -> MeetingView:
    """The meeting, if this person runs its bloc; NotAllowedError otherwise."""
    view = await meetings.view(turn.deps.db, meeting_id)
    led = await meetings.led_blocs(turn.deps.db, turn.person_id, turn.today)
    if view.bloc_id not in [bloc_id for bloc_id, _ in led]:
        raise NotAllowedError
    return view


def _parts(turn: Turn, count: int) -> list[str] | None:
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != count or not parts[1].isdigit():
        return None
    return parts


async def card_action(turn: Turn) -> None:
    lang, deps = turn.lang, turn.deps
    parts = _parts(turn, 3)
    if parts is None:
        await turn.alert(t(lang, "error.stale_button"))
        return None
    meeting_id, action = int(parts[1]), parts[2]
    db, now, today = deps.db, deps.clock(), turn.today
    try:
        if action == "start":
            view = await meetings.open_meeting(
                db,
                person_id=turn.person_id,
                meeting_id=meeting_id,
                now=now,
                today=today,
                notice=lambda v, language: invitation(v, language, deps),
            )
            deps.poke_delivery()
            await announce_in_group(deps, view)
        elif action == "close":
            view = await meetings.close_meeting(
                db, person_id=turn.person_id, meeting_id=meeting_id, now=now, today=today
            )
        elif action in ("refresh", "show"):
            view = await _led_meeting(turn, meeting_id)
        elif action == "ballot":
            await _led_meeting(turn, meeting_id)
            rows = [
                (Button(t(lang, f"ballot.purpose.{key}"), f"pb:{meeting_id}:{key}"),) for key in BALLOT_MENU
            ]
            rows.append((Button(t(lang, "meeting.btn.back"), f"mt:{meeting_id}:refresh"),))
            await turn.show(t(lang, "ballot.menu"), buttons=tuple(rows))
            return None
        elif action == "out":
            view = await _led_meeting(turn, meeting_id)
            rows = [
                (Button(m.name, f"mo:{meeting_id}:{m.unit_id}"),)
                for m in view.members
                if m.unit_id in view.present_unit_ids
            ]
            rows.append((Button(t(lang, "meeting.btn.back"), f"mt:{meeting_id}:refresh"),))
            await turn.show(t(lang, "meeting.checkout_pick"), buttons=tuple(rows))
            return None
        else:
            await turn.alert(t(lang, "error.stale_button"))
            return None
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return None
    await show_card(turn, view)
    return None


async def announce_in_group(deps: Deps, view: MeetingView) -> None:
    """The bloc's Telegram group hears that the meeting started (each representative privately
    through the outbox, enqueued when it opened)."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    if view.group_chat_id is None or telegram is None:
        return
    try:
        await telegram.send(str(view.group_chat_id), invitation(view, "vi", deps))
    except Exception as error:  # the bot was removed from the group: the private notices still go
        log.warning("meeting %s: the group was not told (%s)", view.id, type(error).__name__)


async def checkout(turn: Turn) -> None:
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        await turn.alert(t(turn.lang, "error.stale_button"))
        return None
    try:
        view = await meetings.check_out(
            turn.deps.db,
            person_id=turn.person_id,
            meeting_id=int(parts[1]),
            unit_id=int(parts[2]),
            now=turn.deps.clock(),
            today=turn.today,
        )
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(turn.lang, "error.not_allowed"))
        return None
    await show_card(turn, view)
    return None


# ------------------------------------------------------------------ check-in and the group
async def check_in(turn: Turn) -> None:
    lang, deps = turn.lang, turn.deps
    code = (turn.incoming.args or ("",))[0]
    if not code:
        await turn.say(t(lang, "checkin.usage"))
        return None
    result = await meetings.check_in(
        deps.db, person_id=turn.person_id, code=code, now=deps.clock(), today=turn.today
    )
    if result.status == "present" and result.meeting is not None:
        await turn.say(
            t(
                lang,
                "checkin.present",
                unit=result.unit_name,
                present=result.meeting.present,
                members=len(result.meeting.members),
            )
        )
        await refresh_card(deps, result.meeting, "vi")
    elif result.status == "already":
        await turn.say(t(lang, "checkin.already", unit=result.unit_name))
    else:
        await turn.say(t(lang, f"checkin.{result.status}"))
    return None


async def link_group(turn: Turn) -> None:
    lang = turn.lang
    if turn.chat.channel is not Channel.TELEGRAM:
        await turn.say(t(lang, "group.telegram_only"))
        return None
    if turn.chat.private:
        await turn.say(t(lang, "group.only_in_group"))
        return None
    try:
        bloc_name = await meetings.link_group(
            turn.deps.db,
            person_id=turn.person_id,
            chat_id=int(turn.chat.chat_id),
            today=turn.today,
            now=turn.deps.clock(),
        )
    except meetings.GroupTakenError as taken:
        await turn.say(t(lang, "group.taken", bloc=taken.bloc_name))
        return None
    except NotAllowedError:
        await turn.say(t(lang, "error.not_allowed"))
        return None
    await turn.say(t(lang, "group.linked", bloc=bloc_name))
    return None


# ------------------------------------------------------------------ drafting and opening ballots
async def draft_ballot(turn: Turn) -> None:
    lang = turn.lang
    parts = _parts(turn, 3)
    if parts is None or parts[2] not in BALLOT_MENU:
        await turn.alert(t(lang, "error.stale_button"))
        return None
    purpose, seats = BALLOT_MENU[parts[2]]
    try:
        poll = await ballots.create_draft(
            turn.deps.db,
            person_id=turn.person_id,
            meeting_id=int(parts[1]),
            purpose=purpose,
            title=t("vi", f"ballot.default_title.{parts[2]}"),
            now=turn.deps.clock(),
            seats=seats,
        )
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return None
    await acknowledge(turn)
    screen = draft_card(poll, lang)
    await turn.say(screen.text, buttons=screen.buttons)
    return None


async def edit_draft(turn: Turn) -> None:
    lang, db, now = turn.lang, turn.deps.db, turn.deps.clock()
    parts = _parts(turn, 3)
    if parts is None:
        await turn.alert(t(lang, "error.stale_button"))
        return None
    poll_id, action = int(parts[1]), parts[2]
    try:
        if action.startswith("t") and action[1:].isdigit():
            poll = await ballots.toggle_candidate(
                db, person_id=turn.person_id, poll_id=poll_id, position=int(action[1:]), now=now
            )
        elif action in ("thr", "base", "sec"):
            current = (await ballots.poll_view(db, poll_id)).rules
            changes: dict[str, Any]
            if action == "thr":
                changes = {"threshold_fraction": following(THRESHOLDS, current.threshold_fraction)}
            elif action == "base":
                changes = {"threshold_base": following(BASES, current.threshold_base).value}
            else:
                changes = {"secret": not current.secret}
            poll = await ballots.change_rules(
                db, person_id=turn.person_id, poll_id=poll_id, now=now, **changes
            )
        elif action == "dl":
            minutes = following(DURATIONS, (await ballots.poll_view(db, poll_id)).duration_minutes)
            poll = await ballots.set_duration(
                db, person_id=turn.person_id, poll_id=poll_id, now=now, minutes=minutes
            )
        elif action == "open":
            from handlers.voting import open_ballot

            await open_ballot(turn, poll_id)
            return None
        else:
            await turn.alert(t(lang, "error.stale_button"))
            return None
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return None
    except OpenRefusal as refusal:
        await turn.alert(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
        return None
    screen = draft_card(poll, lang)
    await turn.show(screen.text, buttons=screen.buttons)
    return None


def register(router: Router) -> None:
    not_text = {InKind.PHOTO: when_not_text, InKind.FILE: when_not_text, InKind.STICKER: when_not_text}
    router.conversation(
        Conversation(
            name="meeting_setup",
            entry={},
            entry_choices={"mt:new": new_meeting},
            steps={
                "kind": {"mk:": kind_chosen},
                "when": {InKind.TEXT: got_when, **not_text},
            },
            fallbacks={"huy": cancel_setup, "cancel": cancel_setup},
        )
    )
    router.command(["hop", "meeting"], meeting_menu)
    router.command(["diemdanh", "checkin"], check_in)
    router.command(["nhomkhoi", "linkgroup"], link_group)
    router.choice("mt:", card_action)
    router.choice("mo:", checkout)
    router.choice("pb:", draft_ballot)
    router.choice("pd:", edit_draft)
