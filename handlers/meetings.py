"""/hop (meetings), /diemdanh (check-in), /nhomkhoi (link the bloc's group), and opening ballots.

Callback data (all ≤ 64 bytes, all re-checked on the server):
  mt:new                  start creating a meeting        mk:<kind>      the kind chosen
  mt:<id>:<action>        the chair's card (start, refresh, ballot, out, close, show)
  mo:<id>:<unit_id>       record that a unit left          pb:<id>:<purpose>  draft a ballot
  pd:<poll_id>:<action>   edit/open a draft (t<pos> toggles a candidate; thr, base, sec; open)
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime
from fractions import Fraction
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.i18n import LANGUAGES, Raw, format_datetime, t
from bot.services import ballots, meetings
from bot.services.ballots import OpenRefusal, Purpose
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.meetings import MeetingView
from handlers.common import ThiduaContext, edit_pressed, reply, viewer
from models.meetings import MeetingKind, MeetingStatus
from models.vote_rules import BallotKind, RuleSet, ThresholdBase, format_percent

AGENDAS = {
    MeetingKind.PACT: "Phát động thi đua; ký kết giao ước thi đua; thống nhất tiêu chí, thang điểm.",
    MeetingKind.MIDYEAR: "Sơ kết học kỳ I; đánh giá thực hiện chỉ tiêu đã đăng ký; rà soát tiêu chí.",
    MeetingKind.YEAREND: (
        "Đánh giá thực hiện giao ước thi đua; bình chọn (bỏ phiếu) suy tôn các đơn vị tiêu biểu; "
        "bầu Khối trưởng, Khối phó năm học tới."
    ),
    MeetingKind.COUNCIL: "Xét đề nghị khen thưởng.",
}
# One conversation state per kind: the state itself remembers the kind across a restart.
WHEN_STATE = {kind: 100 + index for index, kind in enumerate(MeetingKind)}
PURPOSES = {
    "title": (Purpose.TITLE, 1),
    "higher": (Purpose.HIGHER_TITLE, 1),
    "flag": (Purpose.SELECTION, 2),
    "merit": (Purpose.SELECTION, 3),
    "head": (Purpose.ELECT_HEAD, 1),
    "deputy": (Purpose.ELECT_DEPUTY, 1),
}
THRESHOLDS = [Fraction(7, 10), Fraction(9, 10), Fraction(1, 2), Fraction(2, 3)]
BASES = [ThresholdBase.PRESENT, ThresholdBase.ALL_MEMBERS, ThresholdBase.VOTED]
_WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*(.*)$", re.S)


def _now(context: ThiduaContext) -> datetime:
    return context.deps.clock()


def _today(context: ThiduaContext) -> Any:
    return _now(context).astimezone(context.deps.settings.zone).date()


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


def card(view: MeetingView, lang: str, context: ThiduaContext) -> tuple[str, InlineKeyboardMarkup | None]:
    zone = context.deps.settings.zone
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
    rows: list[list[InlineKeyboardButton]] = []
    if view.status is MeetingStatus.PLANNED:
        rows.append([InlineKeyboardButton(t(lang, "meeting.btn.start"), callback_data=f"mt:{view.id}:start")])
    elif view.status is MeetingStatus.OPEN:
        rows.append(
            [
                InlineKeyboardButton(t(lang, "meeting.btn.refresh"), callback_data=f"mt:{view.id}:refresh"),
                InlineKeyboardButton(t(lang, "meeting.btn.ballot"), callback_data=f"mt:{view.id}:ballot"),
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(t(lang, "meeting.btn.checkout"), callback_data=f"mt:{view.id}:out"),
                InlineKeyboardButton(t(lang, "meeting.btn.close"), callback_data=f"mt:{view.id}:close"),
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


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


def draft_card(poll: ballots.PollView, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    text = t(lang, "ballot.draft", title=poll.title, rules=rules_text(poll.rules, lang))
    if poll.excluded:
        text += "\n\n" + excluded_text(poll, lang)
    rows = [
        [
            InlineKeyboardButton(
                f"{'✅' if c.selected else '⬜'} {c.label}", callback_data=f"pd:{poll.id}:t{c.position}"
            )
        ]
        for c in poll.candidates
    ]
    rules = poll.rules
    rows.append(
        [
            InlineKeyboardButton(
                t(
                    lang,
                    "ballot.btn.threshold",
                    percent=format_percent(rules.threshold_fraction, ",").replace(",00", ""),
                ),
                callback_data=f"pd:{poll.id}:thr",
            ),
            InlineKeyboardButton(
                t(lang, "ballot.btn.base", base=t(lang, f"ballot.base.{rules.threshold_base.value}")),
                callback_data=f"pd:{poll.id}:base",
            ),
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                t(lang, "ballot.btn.secret", value=t(lang, "ballot.yes" if rules.secret else "ballot.no")),
                callback_data=f"pd:{poll.id}:sec",
            ),
            InlineKeyboardButton(
                t(lang, "ballot.btn.deadline", value=duration_text(poll.duration_minutes, lang)),
                callback_data=f"pd:{poll.id}:dl",
            ),
        ]
    )
    rows.append([InlineKeyboardButton(t(lang, "ballot.btn.open"), callback_data=f"pd:{poll.id}:open")])
    return text, InlineKeyboardMarkup(rows)


async def refresh_card(context: ThiduaContext, view: MeetingView, lang: str) -> None:
    """Keep the chair's card live: edited in place when someone checks in."""
    if view.card_chat_id is None or view.card_message_id is None:
        return
    text, markup = card(view, lang, context)
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=view.card_chat_id,
            message_id=view.card_message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


# ------------------------------------------------------------------ /hop and creating a meeting
async def meeting_menu(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    blocs = await meetings.led_blocs(context.deps.db, profile.telegram_id or 0, _today(context))
    if not blocs:
        await reply(update, t(lang, "error.not_allowed"))
        return
    bloc_id, bloc_name = blocs[0]
    found = await meetings.meetings_of(context.deps.db, bloc_id, _today(context))
    zone = context.deps.settings.zone
    rows = [
        [
            InlineKeyboardButton(
                f"{t(lang, f'meeting.kind.{m.kind.value}')} · {format_datetime(m.starts_at, zone)}",
                callback_data=f"mt:{m.id}:show",
            )
        ]
        for m in found[:6]
    ]
    rows.append([InlineKeyboardButton(t(lang, "meeting.new"), callback_data="mt:new")])
    year = profile.roles[0].school_year if profile.roles else ""
    text = t(lang, "meeting.list", bloc=bloc_name, year=year)
    if not found:
        text += "\n" + t(lang, "meeting.none")
    await reply(update, text, reply_markup=InlineKeyboardMarkup(rows))


async def new_meeting(update: Update, context: ThiduaContext) -> int:
    query = update.callback_query
    assert query is not None
    profile = await viewer(update, context)
    if not await meetings.led_blocs(context.deps.db, query.from_user.id, _today(context)):
        await query.answer(t(profile.language, "error.not_allowed"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    rows = [
        [
            InlineKeyboardButton(
                t(profile.language, f"meeting.kind.{kind.value}"), callback_data=f"mk:{kind.value}"
            )
        ]
        for kind in MeetingKind
    ]
    await edit_pressed(update, t(profile.language, "meeting.ask_kind"), InlineKeyboardMarkup(rows))
    return 1


async def kind_chosen(update: Update, context: ThiduaContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    try:
        kind = MeetingKind(query.data.removeprefix("mk:"))
    except ValueError:
        await query.answer(t(profile.language, "error.stale_button"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await edit_pressed(update, t(profile.language, "meeting.ask_when"), None)
    return WHEN_STATE[kind]


def _when_handler(kind: MeetingKind) -> Any:
    async def got_when(update: Update, context: ThiduaContext) -> int:
        assert update.message is not None
        profile = await viewer(update, context)
        lang = profile.language
        match = _WHEN.match(update.message.text or "")
        starts_at = None
        if match:
            day, month, year, hour, minute, _place = match.groups()
            try:
                starts_at = datetime(
                    int(year), int(month), int(day), int(hour), int(minute), tzinfo=context.deps.settings.zone
                )
            except ValueError:
                starts_at = None
        if starts_at is None or match is None:
            await reply(update, t(lang, "meeting.bad_when"))
            return WHEN_STATE[kind]
        blocs = await meetings.led_blocs(context.deps.db, profile.telegram_id or 0, _today(context))
        if not blocs:
            await reply(update, t(lang, "error.not_allowed"))
            return ConversationHandler.END
        bloc_id = blocs[0][0]
        place = match.group(6).strip().removeprefix("tại ").strip() or (
            await meetings.default_place(context.deps.db, bloc_id, kind, _today(context)) or "—"
        )
        view = await meetings.create_meeting(
            context.deps.db,
            telegram_id=profile.telegram_id or 0,
            bloc_id=bloc_id,
            kind=kind,
            starts_at=starts_at,
            place=place,
            agenda=AGENDAS[kind],
            now=_now(context),
            today=_today(context),
        )
        text, markup = card(view, lang, context)
        sent = await reply(update, text, reply_markup=markup)
        if sent is not None:
            await meetings.remember_card(context.deps.db, view.id, sent.chat_id, sent.message_id)
        return ConversationHandler.END

    return got_when


# ------------------------------------------------------------------ the chair's card
async def _led_meeting(context: ThiduaContext, telegram_id: int, meeting_id: int) -> MeetingView:
    """The meeting, if this person runs its bloc; NotAllowedError otherwise."""
    view = await meetings.view(context.deps.db, meeting_id)
    if view.bloc_id not in [
        bloc_id for bloc_id, _ in await meetings.led_blocs(context.deps.db, telegram_id, _today(context))
    ]:
        raise NotAllowedError
    return view


async def card_action(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    meeting_id, action = int(parts[1]), parts[2]
    db, now, today = context.deps.db, _now(context), _today(context)
    try:
        if action == "start":
            view = await meetings.open_meeting(
                db, telegram_id=query.from_user.id, meeting_id=meeting_id, now=now, today=today
            )
            await announce_meeting(context, view)
        elif action == "close":
            view = await meetings.close_meeting(
                db, telegram_id=query.from_user.id, meeting_id=meeting_id, now=now, today=today
            )
        elif action in ("refresh", "show"):
            view = await _led_meeting(context, query.from_user.id, meeting_id)
        elif action == "ballot":
            view = await _led_meeting(context, query.from_user.id, meeting_id)
            rows = [
                [
                    InlineKeyboardButton(
                        t(lang, f"ballot.purpose.{key}"), callback_data=f"pb:{meeting_id}:{key}"
                    )
                ]
                for key in PURPOSES
            ]
            rows.append(
                [InlineKeyboardButton(t(lang, "meeting.btn.back"), callback_data=f"mt:{meeting_id}:refresh")]
            )
            await query.answer()
            await edit_pressed(update, t(lang, "ballot.menu"), InlineKeyboardMarkup(rows))
            return
        elif action == "out":
            view = await _led_meeting(context, query.from_user.id, meeting_id)
            rows = [
                [InlineKeyboardButton(m.name, callback_data=f"mo:{meeting_id}:{m.unit_id}")]
                for m in view.members
                if m.unit_id in view.present_unit_ids
            ]
            rows.append(
                [InlineKeyboardButton(t(lang, "meeting.btn.back"), callback_data=f"mt:{meeting_id}:refresh")]
            )
            await query.answer()
            await edit_pressed(update, t(lang, "meeting.checkout_pick"), InlineKeyboardMarkup(rows))
            return
        else:
            await query.answer(t(lang, "error.stale_button"), show_alert=True)
            return
    except (NotAllowedError, NotFoundError):
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    await query.answer()
    text, markup = card(view, lang, context)
    await edit_pressed(update, text, markup)
    if query.message is not None:
        await meetings.remember_card(db, view.id, query.message.chat.id, query.message.message_id)


async def announce_meeting(context: ThiduaContext, view: MeetingView) -> None:
    """Tell the bloc's group and every member unit's representatives privately."""
    zone = context.deps.settings.zone
    text = t(
        "vi",
        "meeting.invite",
        kind=t("vi", f"meeting.kind.{view.kind.value}"),
        bloc=view.bloc_name,
        when=format_datetime(view.starts_at, zone),
        place=view.place,
    )
    if view.group_chat_id is not None:
        await context.bot.send_message(view.group_chat_id, text, parse_mode=ParseMode.HTML)
    async with context.deps.db.session() as session:
        from bot.services.meetings import representatives

        year_id = await ballots.school_year_id_of(context.deps.db, view.school_year)
        reps = await representatives(session, [m.unit_id for m in view.members], year_id or 0)
    for telegram_ids in reps.values():
        for telegram_id in telegram_ids:
            try:
                await context.bot.send_message(telegram_id, text, parse_mode=ParseMode.HTML)
            except (Forbidden, BadRequest):
                continue  # blocked the bot, never opened it, or gone: the group post still reaches them


async def checkout(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    parts = query.data.split(":")
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        await query.answer(t(profile.language, "error.stale_button"), show_alert=True)
        return
    try:
        view = await meetings.check_out(
            context.deps.db,
            telegram_id=query.from_user.id,
            meeting_id=int(parts[1]),
            unit_id=int(parts[2]),
            now=_now(context),
            today=_today(context),
        )
    except (NotAllowedError, NotFoundError):
        await query.answer(t(profile.language, "error.not_allowed"), show_alert=True)
        return
    await query.answer()
    text, markup = card(view, profile.language, context)
    await edit_pressed(update, text, markup)


# ------------------------------------------------------------------ check-in and the group
async def check_in(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    code = (context.args or [""])[0]
    if not code:
        await reply(update, t(lang, "checkin.usage"))
        return
    result = await meetings.check_in(
        context.deps.db,
        telegram_id=profile.telegram_id or 0,
        code=code,
        now=_now(context),
        today=_today(context),
    )
    if result.status == "present" and result.meeting is not None:
        await reply(
            update,
            t(
                lang,
                "checkin.present",
                unit=result.unit_name,
                present=result.meeting.present,
                members=len(result.meeting.members),
            ),
        )
        await refresh_card(context, result.meeting, "vi")
    elif result.status == "already":
        await reply(update, t(lang, "checkin.already", unit=result.unit_name))
    else:
        await reply(update, t(lang, f"checkin.{result.status}"))


async def link_group(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        await reply(update, t(profile.language, "group.only_in_group"))
        return
    try:
        bloc_name = await meetings.link_group(
            context.deps.db,
            telegram_id=profile.telegram_id or 0,
            chat_id=chat.id,
            today=_today(context),
            now=_now(context),
        )
    except meetings.GroupTakenError as taken:
        await reply(update, t(profile.language, "group.taken", bloc=taken.bloc_name))
        return
    except NotAllowedError:
        await reply(update, t(profile.language, "error.not_allowed"))
        return
    await reply(update, t(profile.language, "group.linked", bloc=bloc_name))


# ------------------------------------------------------------------ drafting and opening ballots
async def draft_ballot(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in PURPOSES:
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    purpose, seats = PURPOSES[parts[2]]
    try:
        poll = await ballots.create_draft(
            context.deps.db,
            telegram_id=query.from_user.id,
            meeting_id=int(parts[1]),
            purpose=purpose,
            title=t("vi", f"ballot.default_title.{parts[2]}"),
            now=_now(context),
            seats=seats,
        )
    except (NotAllowedError, NotFoundError):
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    await query.answer()
    text, markup = draft_card(poll, lang)
    await reply(update, text, reply_markup=markup)


async def edit_draft(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    poll_id, action = int(parts[1]), parts[2]
    db, now = context.deps.db, _now(context)
    try:
        if action.startswith("t") and action[1:].isdigit():
            poll = await ballots.toggle_candidate(
                db, telegram_id=query.from_user.id, poll_id=poll_id, position=int(action[1:]), now=now
            )
        elif action in ("thr", "base", "sec"):
            current = (await ballots.poll_view(db, poll_id)).rules
            if action == "thr":
                index = (
                    THRESHOLDS.index(current.threshold_fraction)
                    if current.threshold_fraction in THRESHOLDS
                    else -1
                )
                changes: dict[str, Any] = {"threshold_fraction": THRESHOLDS[(index + 1) % len(THRESHOLDS)]}
            elif action == "base":
                changes = {
                    "threshold_base": BASES[(BASES.index(current.threshold_base) + 1) % len(BASES)].value
                }
            else:
                changes = {"secret": not current.secret}
            poll = await ballots.change_rules(
                db, telegram_id=query.from_user.id, poll_id=poll_id, now=now, **changes
            )
        elif action == "dl":
            current_minutes = (await ballots.poll_view(db, poll_id)).duration_minutes
            options = ballots.DURATIONS
            following = (
                options[(options.index(current_minutes) + 1) % len(options)]
                if current_minutes in options
                else None
            )
            poll = await ballots.set_duration(
                db, telegram_id=query.from_user.id, poll_id=poll_id, now=now, minutes=following
            )
        elif action == "open":
            await open_ballot(update, context, poll_id)
            return
        else:
            await query.answer(t(lang, "error.stale_button"), show_alert=True)
            return
    except (NotAllowedError, NotFoundError):
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    except OpenRefusal as refusal:
        await query.answer(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params), show_alert=True)
        return
    await query.answer()
    text, markup = draft_card(poll, lang)
    await edit_pressed(update, text, markup)


async def open_ballot(update: Update, context: ThiduaContext, poll_id: int) -> None:
    from handlers.voting import send_ballots

    query = update.callback_query
    assert query is not None
    profile = await viewer(update, context)
    lang = profile.language
    try:
        assert context.deps.master_key is not None
        opened = await ballots.open_poll(
            context.deps.db,
            telegram_id=query.from_user.id,
            poll_id=poll_id,
            master_key=context.deps.master_key,
            now=_now(context),
        )
    except (NotAllowedError, NotFoundError):
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    except OpenRefusal as refusal:
        await query.answer(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params), show_alert=True)
        return
    await query.answer()
    poll = opened.poll
    lines = [t(lang, "ballot.opened", title=poll.title, voters=poll.voters), rules_text(poll.rules, lang)]
    if poll.closes_at is not None:
        lines.append(
            t(lang, "ballot.closes_at", when=format_datetime(poll.closes_at, context.deps.settings.zone))
        )
    if opened.small_poll:
        lines.append(t(lang, "ballot.small_poll"))
    close = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "ballot.btn.close"), callback_data=f"pc:{poll.id}:close")]]
    )
    await edit_pressed(update, "\n".join(lines), close)
    await send_ballots(context, opened, query.message.chat.id if query.message else None)


async def cancel_setup(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "join.cancelled"))
    return ConversationHandler.END


def register(application: Application) -> None:  # type: ignore[type-arg]
    text_only = filters.TEXT & ~filters.COMMAND
    # Deliberate: the meeting set-up is tracked per chat and user, not per message (its one button
    # step edits the message the /hop list came in); PTB warns about that combination, so say so.
    warnings.filterwarnings(
        "ignore", message="If 'per_message=False'", category=PTBUserWarning, module=__name__
    )
    application.add_handler(
        ConversationHandler(
            entry_points=[CallbackQueryHandler(new_meeting, pattern=r"^mt:new$")],
            states={
                1: [CallbackQueryHandler(kind_chosen, pattern=r"^mk:")],
                **{
                    state: [MessageHandler(text_only, _when_handler(kind))]
                    for kind, state in WHEN_STATE.items()
                },
            },
            fallbacks=[CommandHandler(["cancel", "huy"], cancel_setup)],
            name="meeting_setup",
            persistent=True,
            allow_reentry=True,
        )
    )
    application.add_handler(CommandHandler(["hop", "meeting"], meeting_menu))
    application.add_handler(CommandHandler(["diemdanh", "checkin"], check_in))
    application.add_handler(CommandHandler(["nhomkhoi", "linkgroup"], link_group))
    application.add_handler(CallbackQueryHandler(card_action, pattern=r"^mt:\d+:"))
    application.add_handler(CallbackQueryHandler(checkout, pattern=r"^mo:"))
    application.add_handler(CallbackQueryHandler(draft_ballot, pattern=r"^pb:"))
    application.add_handler(CallbackQueryHandler(edit_draft, pattern=r"^pd:"))
