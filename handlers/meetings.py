"""/hop (meetings), /diemdanh (check-in), /nhomkhoi (link the bloc's group), and opening ballots.

Press data (all ≤ 64 bytes, all re-checked on the server):
  mt:new                  start creating a meeting        mk:<kind>      the kind chosen
  mt:<id>:<action>        the chair's card (start, refresh, ballot, out, rotate, close, show)
  mm:<id>:<page>          the units, to check one in or out by hand
  mo:<id>:<unit_id>       check that unit in or out by hand (a reason is asked)
  pb:<id>:<key>           draft a ballot
  pd:<poll_id>:<action>   edit/open a draft: t<pos> toggles a candidate, pg<n> a page of them;
                          thr/sec/dl list the named options, r<t><b>/s<0|1>/d<i> choose one;
                          back; open
  pe:<poll_id>:<title|list|done>   type the draft's title, or its list of candidates
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.chat import Button, InKind, Screen
from bot.chat.router import END, Conversation, Router, Turn
from bot.deps import Deps
from bot.i18n import LANGUAGES, Raw, format_datetime, t
from bot.services import ballots, meetings
from bot.services.ballots import OpenRefusal
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.meetings import MeetingView
from models.ballot_state import MAX_CANDIDATES, MAX_TITLE
from models.channels import Channel
from models.meetings import AGENDAS, CHECKIN_CODE_DIGITS, MeetingKind, MeetingStatus, parse_when
from models.numbers import is_number
from models.vote_rules import (
    BALLOT_MENU,
    BASES,
    DURATIONS,
    THRESHOLDS,
    BallotKind,
    RuleSet,
    ThresholdBase,
    election_rules,
    format_percent,
    higher_title_rules,
    ordinary_title_rules,
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


@dataclass(frozen=True)
class CardExtras:
    """What the chair's card shows besides the meeting: each open poll's turnout, and who waits
    after too many wrong codes."""

    polls: tuple[ballots.Turnout, ...] = ()
    locked: tuple[meetings.LockedOut, ...] = ()


# The chair's card names at most this many absent units and locked-out people; the rest are counted.
CARD_NAMES = 12
CARD_LOCKED = 5


def _names(names: list[str], shown: int, lang: str) -> str:
    listed = "; ".join(names[:shown])
    if not listed:
        return t(lang, "meeting.card_count", count=len(names))
    if len(names) > shown:
        listed += t(lang, "meeting.card_more", count=len(names) - shown)
    return listed


def card(
    view: MeetingView,
    lang: str,
    deps: Deps,
    extras: CardExtras | None = None,
    *,
    max_text: int = 4096,
    numbered: bool = False,
) -> Screen:
    """The chair's card: presence and quorum, each open poll's turnout (each with a button to close
    it: the chair can always come back here, on any app), who is locked out of checking in.

    It fits `max_text` at any bloc size: absent units are named up to CARD_NAMES, then counted,
    and fewer are named when even that is too long (`numbered`: the options are written into the
    text, as on Zalo)."""
    extras = extras or CardExtras()
    zone = deps.settings.zone
    head = [
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
        head.append(t(lang, "meeting.card_agenda", agenda=view.agenda))
    if view.status is MeetingStatus.OPEN:
        head.append(t(lang, "meeting.card_code", code=view.checkin_code or ""))
    if view.status is not MeetingStatus.PLANNED:
        quorum_key = "meeting.quorum_ok" if view.quorate else "meeting.quorum_missing"
        head.append(
            t(
                lang,
                "meeting.card_presence",
                present=view.present,
                members=len(view.members),
                quorum=t(lang, quorum_key, needed=view.quorum_needed),
            )
        )
        for poll in extras.polls:
            head.append(
                t(lang, "meeting.card_turnout", title=poll.title, voted=poll.voted, voters=poll.voters)
            )
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
                Button(t(lang, "meeting.btn.manual"), f"mm:{view.id}:0"),
                Button(t(lang, "meeting.btn.rotate"), f"mt:{view.id}:rotate"),
            ),
            *(
                (
                    Button(t(lang, "ballot.btn.close_named", title=poll.title), f"pc:{poll.poll_id}:close"),
                    Button(t(lang, "ballot.btn.resend_named", title=poll.title), f"pc:{poll.poll_id}:resend"),
                )
                for poll in extras.polls
            ),
            (Button(t(lang, "meeting.btn.close"), f"mt:{view.id}:close"),),
        )
    rows = (*rows, (Button(t(lang, "meeting.btn.details"), f"md:{view.id}"),))  # handlers/meeting_details.py
    # Room for the options where they are written into the text ("12. label" a line).
    budget = max_text - (sum(len(b.label) + 6 for row in rows for b in row) + 40 if numbered else 0)
    locked = [
        t(
            lang,
            "meeting.card_locked_item",
            person=p.person_name,
            unit=p.unit_name,
            until=_hhmm(p.until, deps),
        )
        for p in extras.locked
    ]
    absent = [m.name for m in view.absent] if view.status is MeetingStatus.OPEN else []
    shown = CARD_NAMES
    while True:
        lines = list(head)
        if locked:
            lines.append(
                t(lang, "meeting.card_locked", names=Raw(_names(locked, min(shown, CARD_LOCKED), lang)))
            )
        if absent:
            lines.append(t(lang, "meeting.card_absent", names=_names(absent, shown, lang)))
        text = "\n".join(lines)
        if len(text) <= budget or shown == 0:
            break
        shown = max(0, shown - 4)
    if len(text) > budget:  # only a very long agenda or titles are left: cut the end, plainly
        text = text[: max(0, budget - 1)] + "…"
    return Screen(text, buttons=rows)


def _hhmm(moment: datetime, deps: Deps) -> str:
    return moment.astimezone(deps.settings.zone).strftime("%H:%M")


async def card_extras(deps: Deps, view: MeetingView) -> CardExtras:
    if view.status is not MeetingStatus.OPEN:
        return CardExtras()
    return CardExtras(
        tuple(await ballots.open_poll_turnout(deps.db, view.id)),
        tuple(await meetings.locked_out(deps.db, view.id, deps.clock())),
    )


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


DRAFT_PAGE = 20  # candidates per page of the draft card (one button each)


def _percent(fraction: Any) -> str:
    return format_percent(fraction, ",").replace(",00", "")


def threshold_name(fraction: Any, base: ThresholdBase, lang: str) -> str:
    """A pass rule in words: "≥ 70% số đơn vị có mặt"."""
    return t(lang, "draft.threshold", percent=_percent(fraction), base=t(lang, f"ballot.base.{base.value}"))


def threshold_options() -> list[tuple[int, int]]:
    """The pass rules the chair chooses from, as (THRESHOLDS index, BASES index): the default
    rule sets' own first (70 % of those present, 90 % of all members, half of those present),
    then every other threshold on every base."""
    named = [
        (r.threshold_fraction, r.threshold_base)
        for r in (ordinary_title_rules(), higher_title_rules(), election_rules())
    ]
    combos = [(f, b) for f in THRESHOLDS for b in BASES]
    ordered = named + [combo for combo in combos if combo not in named]
    return [(THRESHOLDS.index(f), BASES.index(b)) for f, b in ordered]


def draft_card(poll: ballots.PollView, lang: str, page: int = 0) -> Screen:
    on_ballot, total = len(poll.on_ballot), len(poll.candidates)
    text = t(lang, "ballot.draft", title=poll.title, rules=rules_text(poll.rules, lang))
    text += "\n" + t(lang, "draft.count", on=on_ballot, total=total, max=MAX_CANDIDATES)
    if poll.excluded:
        text += "\n\n" + excluded_text(poll, lang)
    rules = poll.rules
    pages = max(1, -(-total // DRAFT_PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        (Button(f"{'✅' if c.selected else '⬜'} {c.label}", f"pd:{poll.id}:t{c.position}"),)
        for c in poll.candidates[page * DRAFT_PAGE : (page + 1) * DRAFT_PAGE]
    ]
    if pages > 1:
        rows.append(
            (
                Button("‹", f"pd:{poll.id}:pg{(page - 1) % pages}"),
                Button(t(lang, "vote.page", page=page + 1, pages=pages), f"pd:{poll.id}:pg{page}"),
                Button("›", f"pd:{poll.id}:pg{(page + 1) % pages}"),
            )
        )
    rows.append(
        (
            Button(t(lang, "draft.btn.title"), f"pe:{poll.id}:title"),
            Button(t(lang, "draft.btn.list"), f"pe:{poll.id}:list"),
        )
    )
    rows.append(
        (
            Button(
                t(
                    lang,
                    "draft.btn.threshold",
                    rule=threshold_name(rules.threshold_fraction, rules.threshold_base, lang),
                ),
                f"pd:{poll.id}:thr",
            ),
        )
    )
    rows.append(
        (
            Button(
                t(lang, "draft.btn.secret", value=t(lang, "draft.secret" if rules.secret else "draft.named")),
                f"pd:{poll.id}:sec",
            ),
            Button(
                t(lang, "draft.btn.deadline", value=duration_text(poll.duration_minutes, lang)),
                f"pd:{poll.id}:dl",
            ),
        )
    )
    rows.append((Button(t(lang, "ballot.btn.open"), f"pd:{poll.id}:open"),))
    return Screen(text, buttons=tuple(rows))


def _page_of(poll: ballots.PollView, position: int) -> int:
    index = next((i for i, c in enumerate(poll.candidates) if c.position == position), 0)
    return index // DRAFT_PAGE


def options_screen(poll: ballots.PollView, what: str, lang: str) -> Screen:
    """The named options for one rule of the draft, the current one marked; one tap chooses."""
    rules, rows = poll.rules, []
    if what == "thr":
        for ti, bi in threshold_options():
            current = THRESHOLDS[ti] == rules.threshold_fraction and BASES[bi] == rules.threshold_base
            name = threshold_name(THRESHOLDS[ti], BASES[bi], lang)
            rows.append((Button(f"{'● ' if current else ''}{name}", f"pd:{poll.id}:r{ti}{bi}"),))
    elif what == "sec":
        for value, key in ((1, "draft.secret"), (0, "draft.named")):
            current = rules.secret == bool(value)
            rows.append((Button(f"{'● ' if current else ''}{t(lang, key)}", f"pd:{poll.id}:s{value}"),))
    else:
        for index, minutes in enumerate(DURATIONS):
            current = poll.duration_minutes == minutes
            rows.append(
                (
                    Button(
                        f"{'● ' if current else ''}{duration_text(minutes, lang)}", f"pd:{poll.id}:d{index}"
                    ),
                )
            )
    rows.append((Button(t(lang, "draft.back"), f"pd:{poll.id}:back"),))
    return Screen(t(lang, f"draft.choose.{what}", title=poll.title), buttons=tuple(rows))


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
    """Keep the chair's card live: edited in place when someone checks in, is locked out, or votes
    (Telegram; on Zalo, which cannot edit, the chair asks for it again with «Cập nhật»)."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    chat_id, message_id = view.card_chat_id, view.card_message_id
    if chat_id is None or message_id is None or telegram is None:
        return
    async with deps.message_locks[chat_id, message_id]:
        # Read again under the lock: since `view` was read, the chair may have pressed the card
        # into a question (leave_card), which this edit must not overwrite.
        if not await meetings.is_card(deps.db, chat_id, message_id):
            return
        try:
            screen = card(view, lang, deps, await card_extras(deps, view), max_text=telegram.caps.max_text)
            await telegram.edit(str(chat_id), str(message_id), screen)
        except Exception as error:  # the check-in is recorded; a card that cannot be edited is not news
            log.warning("meeting %s: card not updated (%s)", view.id, type(error).__name__)


async def show_card(turn: Turn, view: MeetingView) -> None:
    """The chair's card: in place of the pressed one, or anew; remembered where it can be edited."""
    db = turn.deps.db
    screen = card(
        view,
        turn.lang,
        turn.deps,
        await card_extras(turn.deps, view),
        max_text=turn.caps.max_text,
        numbered=not turn.caps.buttons,
    )
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


async def leave_card(turn: Turn) -> None:
    """The pressed message turns into another screen: if it was the chair's card, it stops being
    edited live (the chair gets a card again from «Quay lại» or /hop)."""
    message_id, chat_id = turn.incoming.message_id, turn.chat.chat_id
    if (
        turn.chat.channel is Channel.TELEGRAM
        and turn.incoming.kind is InKind.CHOICE
        and message_id is not None
        and message_id.isdigit()
        and chat_id.lstrip("-").isdigit()
    ):
        async with turn.deps.message_locks[int(chat_id), int(message_id)]:  # after a live edit under way
            await meetings.forget_card(turn.deps.db, int(chat_id), int(message_id))


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
    if len(parts) != count or not is_number(parts[1]):
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
        elif action == "rotate":
            view = await meetings.rotate_code(
                db, person_id=turn.person_id, meeting_id=meeting_id, now=now, today=today
            )
        elif action in ("refresh", "show"):
            view = await _led_meeting(turn, meeting_id)
        elif action == "ballot":
            await _led_meeting(turn, meeting_id)
            await leave_card(turn)
            rows = [
                (Button(t(lang, f"ballot.purpose.{key}"), f"pb:{meeting_id}:{key}"),) for key in BALLOT_MENU
            ]
            rows.append((Button(t(lang, "meeting.btn.back"), f"mt:{meeting_id}:refresh"),))
            await turn.show(t(lang, "ballot.menu"), buttons=tuple(rows))
            return None
        elif action == "out":  # a card from before manual check-in: the same list
            await _led_meeting(turn, meeting_id)
            await leave_card(turn)
            await _manual_list(turn, meeting_id, 0)
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


# ------------------------------------------------------------------ checking a unit in or out by hand
MANUAL_PAGE = 10  # units a page: a numbered list on Zalo stays short


async def _manual_list(turn: Turn, meeting_id: int, page: int) -> None:
    lang = turn.lang
    view = await meetings.view(turn.deps.db, meeting_id)
    pages = max(1, -(-len(view.members) // MANUAL_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                f"{'✅' if m.unit_id in view.present_unit_ids else '⬜'} {m.name}",
                f"mo:{meeting_id}:{m.unit_id}",
            ),
        )
        for m in view.members[page * MANUAL_PAGE : (page + 1) * MANUAL_PAGE]
    ]
    paging = []
    if page > 0:
        paging.append(Button(t(lang, "meeting.btn.prev"), f"mm:{meeting_id}:{page - 1}"))
    if page + 1 < pages:
        paging.append(Button(t(lang, "meeting.btn.next"), f"mm:{meeting_id}:{page + 1}"))
    if paging:
        rows.append(tuple(paging))
    rows.append((Button(t(lang, "meeting.btn.back"), f"mt:{meeting_id}:refresh"),))
    text = t(lang, "meeting.manual_pick", page=page + 1, pages=pages)
    await turn.show(text, buttons=tuple(rows))


async def manual_list(turn: Turn) -> None:
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 3 or not (is_number(parts[1]) and is_number(parts[2])):
        await turn.alert(t(turn.lang, "error.stale_button"))
        return None
    try:
        await _led_meeting(turn, int(parts[1]))
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(turn.lang, "error.not_allowed"))
        return None
    await leave_card(turn)
    await _manual_list(turn, int(parts[1]), int(parts[2]))
    return None


async def manual_unit(turn: Turn) -> str | None:
    """The chair chose a unit: ask why it is checked in (or out) by hand."""
    lang = turn.lang
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 3 or not (is_number(parts[1]) and is_number(parts[2])):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    meeting_id, unit_id = int(parts[1]), int(parts[2])
    try:
        view = await _led_meeting(turn, meeting_id)
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    unit = next((m for m in view.members if m.unit_id == unit_id), None)
    if unit is None or view.status is not MeetingStatus.OPEN:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    present = unit.unit_id not in view.present_unit_ids  # what the chair is about to record
    turn.data = {"m": meeting_id, "u": unit_id, "p": present, "n": unit.name}
    await acknowledge(turn)
    await turn.say(
        t(lang, "meeting.manual_reason_in" if present else "meeting.manual_reason_out", unit=unit.name)
    )
    return "reason"


async def manual_reason(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    present = bool(turn.data.get("p"))
    try:
        view = await meetings.mark_attendance(
            deps.db,
            person_id=turn.person_id,
            meeting_id=int(turn.data.get("m", 0)),
            unit_id=int(turn.data.get("u", 0)),
            present=present,
            reason=turn.incoming.text,
            now=deps.clock(),
            today=turn.today,
        )
    except ValueError:
        await turn.say(t(lang, "meeting.manual_no_reason"))
        return "reason"
    except (NotAllowedError, NotFoundError):
        await turn.say(t(lang, "error.not_allowed"))
        return END
    unit = str(turn.data.get("n", ""))
    await turn.say(t(lang, "meeting.manual_done_in" if present else "meeting.manual_done_out", unit=unit))
    await show_card(turn, view)
    return END


async def manual_not_text(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected") + "\n" + t(turn.lang, "meeting.manual_no_reason"))
    return "reason"


# ------------------------------------------------------------------ check-in and the group
def exposed_notice(view: MeetingView, lang: str) -> Screen:
    """To the chair, privately: the code was typed in a group, so it was replaced."""
    return Screen(t(lang, "meeting.code_exposed", code=view.checkin_code or "", bloc=view.bloc_name))


async def check_in(turn: Turn) -> str | None:
    """/diemdanh <code> in a private chat; /diemdanh alone asks for the code. In a group the code
    is refused (everyone there can read it) and, if it was the right one, replaced at once."""
    lang, deps = turn.lang, turn.deps
    code = " ".join(turn.incoming.args)
    if not turn.chat.private:
        await turn.say(t(lang, "checkin.group_refused"))
        if code:
            view = await meetings.code_exposed(
                deps.db, person_id=turn.person_id, code=code, now=deps.clock(), notice=exposed_notice
            )
            if view is not None:
                deps.poke_delivery()
                await refresh_card(deps, view, "vi")
        return END
    if not code:
        await turn.say(t(lang, "checkin.ask_code"))
        return "code"
    await _check_in(turn, code)
    return END


async def got_code(turn: Turn) -> str | None:
    code = meetings.typed_code(turn.incoming.text)
    if not (code.isascii() and code.isdigit()) or len(code) != CHECKIN_CODE_DIGITS:
        await turn.say(t(turn.lang, "checkin.not_a_code", digits=CHECKIN_CODE_DIGITS))
        return "code"
    await _check_in(turn, code)
    return END


async def code_not_text(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected") + "\n" + t(turn.lang, "checkin.ask_code"))
    return "code"


async def _check_in(turn: Turn, code: str) -> None:
    lang, deps = turn.lang, turn.deps
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
    elif result.status == "already":
        await turn.say(t(lang, "checkin.already", unit=result.unit_name))
    elif result.status == "locked" and result.locked_until is not None:
        await turn.say(t(lang, "checkin.locked", until=_hhmm(result.locked_until, deps)))
    elif result.status == "bad_code":
        await turn.say(t(lang, "checkin.bad_code", tries=result.tries_left or 0))
    else:
        await turn.say(t(lang, f"checkin.{result.status}"))
    if result.meeting is not None and result.status != "already":
        await refresh_card(deps, result.meeting, "vi")  # a unit in, or a person locked out


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
    page = 0
    try:
        if action.startswith("t") and is_number(action[1:]):
            poll = await ballots.toggle_candidate(
                db, person_id=turn.person_id, poll_id=poll_id, position=int(action[1:]), now=now
            )
            page = _page_of(poll, int(action[1:]))
        elif (action.startswith("pg") and is_number(action[2:])) or action == "back":
            poll = await ballots.draft_for_edit(db, person_id=turn.person_id, poll_id=poll_id, now=now)
            page = int(action[2:]) if action != "back" else 0
        elif action in ("thr", "sec", "dl"):
            poll = await ballots.draft_for_edit(db, person_id=turn.person_id, poll_id=poll_id, now=now)
            screen = options_screen(poll, action, lang)
            await turn.show(screen.text, buttons=screen.buttons)
            return None
        elif action[:1] in ("r", "s", "d") and is_number(action[1:]):
            changes = _chosen(action)
            if changes is None:
                await turn.alert(t(lang, "error.stale_button"))
                return None
            if "minutes" in changes:
                poll = await ballots.set_duration(
                    db, person_id=turn.person_id, poll_id=poll_id, now=now, minutes=changes["minutes"]
                )
            else:
                poll = await ballots.change_rules(
                    db, person_id=turn.person_id, poll_id=poll_id, now=now, **changes
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
    screen = draft_card(poll, lang, page)
    await turn.show(screen.text, buttons=screen.buttons)
    return None


def _chosen(action: str) -> dict[str, Any] | None:
    """What a named option's press data sets; None for one that names no option."""
    kind, digits = action[0], action[1:]
    if kind == "r" and len(digits) == 2 and int(digits[0]) < len(THRESHOLDS) and int(digits[1]) < len(BASES):
        return {
            "threshold_fraction": THRESHOLDS[int(digits[0])],
            "threshold_base": BASES[int(digits[1])].value,
        }
    if kind == "s" and digits in ("0", "1"):
        return {"secret": digits == "1"}
    if kind == "d" and len(digits) == 1 and int(digits) < len(DURATIONS):
        return {"minutes": DURATIONS[int(digits)]}
    return None


# ------------------------------------------------------------------ typing a draft's title or candidates
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.)]|[•\-*+])\s*")


async def ask_draft_text(turn: Turn) -> str | None:
    lang = turn.lang
    parts = _parts(turn, 3)
    if parts is None or parts[2] not in ("title", "list", "done"):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    poll_id = int(parts[1])
    try:
        poll = await ballots.draft_for_edit(
            turn.deps.db, person_id=turn.person_id, poll_id=poll_id, now=turn.deps.clock()
        )
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    except OpenRefusal as refusal:
        await turn.alert(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
        return END
    await acknowledge(turn)
    if parts[2] == "done":
        screen = draft_card(poll, lang)
        await turn.say(screen.text, buttons=screen.buttons)
        return END
    turn.data = {"poll": poll_id, "step": parts[2]}
    if parts[2] == "title":
        await turn.say(t(lang, "draft.ask_title", title=poll.title, max=MAX_TITLE))
        return "title"
    current = "\n".join(c.label for c in poll.on_ballot)
    await turn.say(t(lang, "draft.ask_list", current=current, max=MAX_CANDIDATES))
    return "list"


async def got_title(turn: Turn) -> str | None:
    lang, poll_id = turn.lang, int(turn.data.get("poll", 0))
    try:
        poll = await ballots.rename_draft(
            turn.deps.db,
            person_id=turn.person_id,
            poll_id=poll_id,
            title=turn.incoming.text,
            now=turn.deps.clock(),
        )
    except (NotAllowedError, NotFoundError):
        await turn.say(t(lang, "error.not_allowed"))
        return END
    except OpenRefusal as refusal:
        await turn.say(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
        return END if refusal.reason == "not_draft" else "title"
    screen = draft_card(poll, lang)
    await turn.say(
        t(lang, "draft.title_saved", title=poll.title) + "\n\n" + screen.text, buttons=screen.buttons
    )
    return END


async def got_list(turn: Turn) -> str | None:
    """The candidates typed one per line. A long list reaches us in several messages (the app
    splits it): the first replaces the list, the ones after it, until «Xong», add to it."""
    lang, poll_id = turn.lang, int(turn.data.get("poll", 0))
    names = [_NUMBERING.sub("", line) for line in turn.incoming.text.splitlines()]
    db, now = turn.deps.db, turn.deps.clock()
    try:
        if turn.data.get("more"):
            current = await ballots.draft_for_edit(db, person_id=turn.person_id, poll_id=poll_id, now=now)
            names = [c.label for c in current.on_ballot] + names
        poll = await ballots.set_candidates(
            db, person_id=turn.person_id, poll_id=poll_id, names=names, now=now
        )
    except (NotAllowedError, NotFoundError):
        await turn.say(t(lang, "error.not_allowed"))
        return END
    except OpenRefusal as refusal:
        await turn.say(
            t(lang, f"ballot.refused.{refusal.reason}", **refusal.params)
            + "\n"
            + t(lang, "draft.list_unchanged")
        )
        return END if refusal.reason == "not_draft" else "list"
    turn.data = {"poll": poll_id, "step": "list", "more": True}
    await turn.say(
        t(lang, "draft.list_saved", count=len(poll.on_ballot)),
        buttons=((Button(t(lang, "draft.btn.done"), f"pe:{poll_id}:done"),),),
    )
    return "list"


async def draft_not_text(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected"))
    return "list" if "more" in turn.data or turn.data.get("step") == "list" else "title"


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
    code_not = {InKind.PHOTO: code_not_text, InKind.FILE: code_not_text, InKind.STICKER: code_not_text}
    router.conversation(
        Conversation(
            name="checkin",
            entry={"diemdanh": check_in, "checkin": check_in},
            steps={"code": {InKind.TEXT: got_code, **code_not}},
            fallbacks={"huy": cancel_setup, "cancel": cancel_setup},
        )
    )
    manual_not = {
        InKind.PHOTO: manual_not_text,
        InKind.FILE: manual_not_text,
        InKind.STICKER: manual_not_text,
    }
    router.conversation(
        Conversation(
            name="manual_attendance",
            entry={},
            entry_choices={"mo:": manual_unit},
            steps={"reason": {InKind.TEXT: manual_reason, **manual_not}},
            fallbacks={"huy": cancel_setup, "cancel": cancel_setup},
        )
    )
    draft_not_texts = {
        InKind.PHOTO: draft_not_text,
        InKind.FILE: draft_not_text,
        InKind.STICKER: draft_not_text,
    }
    router.conversation(
        Conversation(
            name="draft_text",
            entry={},
            entry_choices={"pe:": ask_draft_text},
            steps={
                "title": {InKind.TEXT: got_title, **draft_not_texts},
                "list": {InKind.TEXT: got_list, **draft_not_texts},
            },
            fallbacks={"huy": cancel_setup, "cancel": cancel_setup},
        )
    )
    router.command(["hop", "meeting"], meeting_menu)
    router.command(["nhomkhoi", "linkgroup"], link_group)
    router.choice("mt:", card_action)
    router.choice("mm:", manual_list)
    router.choice("pb:", draft_ballot)
    router.choice("pd:", edit_draft)
