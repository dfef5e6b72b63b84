"""The voter's ballot, casting, results, run-offs, /kiemtra, and the ballot job.

A voter's unfinished choices live only in the ballot message's buttons (callback data
`v:<ref>:<op>:<state>`), never in our database or memory: there is no draft row that could tie
a voter to a choice. Every press is re-checked: the poll must be open, the voter entitled, the
state well formed; a forged or stale press gets a clear answer and changes nothing.

  approval state:  one letter per candidate on the ballot: a(gree) d(isagree) b (abstain) - (blank)
  selection state: the picked candidates' indexes in base 36, sorted
  ops: s<i><letter> set an answer · t<i> toggle a pick · r review · e edit · x cast · n no-op
"""

from __future__ import annotations

import logging
import string

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import ballot_crypto
from bot.i18n import LANGUAGES, Raw, t
from bot.services import ballots, meetings
from bot.services.ballots import CastStatus, ClosedPoll, OpenedPoll, OpenRefusal, VoterBallot
from bot.services.invites import NotAllowedError, NotFoundError
from handlers.common import ThiduaContext, edit_pressed, reply, viewer
from handlers.meetings import draft_card, rules_text
from models.vote_rules import BallotKind, Choice, format_percent

log = logging.getLogger("thidua.voting")
DIGITS = string.digits + string.ascii_lowercase  # base 36: one character per candidate index
LETTER = {"a": Choice.AGREE, "d": Choice.DISAGREE, "b": Choice.ABSTAIN, "-": Choice.BLANK}
CHOICE_KEY = {
    Choice.AGREE: "agree",
    Choice.DISAGREE: "disagree",
    Choice.ABSTAIN: "abstain",
    Choice.BLANK: "blank",
}


# ------------------------------------------------------------------ ballot state
def empty_state(voter: VoterBallot) -> str:
    return "-" * len(voter.poll.on_ballot) if voter.poll.rules.kind is BallotKind.APPROVAL else ""


def valid_state(voter: VoterBallot, state: str) -> bool:
    size = len(voter.poll.on_ballot)
    if voter.poll.rules.kind is BallotKind.APPROVAL:
        return len(state) == size and all(ch in LETTER for ch in state)
    indexes = [DIGITS.find(ch) for ch in state]
    return (
        all(0 <= i < size for i in indexes)
        and len(set(indexes)) == len(indexes)
        and state == "".join(sorted(state, key=DIGITS.find))
    )


def decode(voter: VoterBallot, state: str) -> dict[int, Choice] | frozenset[int]:
    on_ballot = voter.poll.on_ballot
    if voter.poll.rules.kind is BallotKind.APPROVAL:
        return {c.position: LETTER[ch] for c, ch in zip(on_ballot, state, strict=True) if ch != "-"}
    return frozenset(on_ballot[DIGITS.find(ch)].position for ch in state)


def ballot_screen(
    voter: VoterBallot, state: str, lang: str, *, absentee: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    poll, ref = voter.poll, voter.poll.ref
    approval = poll.rules.kind is BallotKind.APPROVAL
    picked = {DIGITS.find(ch) for ch in state} if not approval else set()
    listing = []
    rows: list[list[InlineKeyboardButton]] = []
    for index, candidate in enumerate(poll.on_ballot):
        digit = DIGITS[index]
        own = voter.own_position == candidate.position
        listing.append(f"{index + 1}. {candidate.label}")
        if approval:
            current = state[index]
            rows.append(
                [
                    InlineKeyboardButton(
                        f"{index + 1}. {'● ' if current == letter else ''}{t(lang, f'vote.{CHOICE_KEY[LETTER[letter]]}')}",
                        callback_data=f"v:{ref}:s{digit}{letter}:{state}",
                    )
                    for letter in "adb"
                ]
            )
        else:
            mark = "☑" if index in picked else "☐"
            rows.append(
                [
                    InlineKeyboardButton(
                        f"{mark} {index + 1}. {candidate.label}{' ⛔' if own and not poll.rules.self_vote_allowed else ''}",
                        callback_data=f"v:{ref}:t{digit}:{state}",
                    )
                ]
            )
    rows.append([InlineKeyboardButton(t(lang, "vote.review"), callback_data=f"v:{ref}:r:{state}")])
    text = t(
        lang,
        "vote.ballot",
        title=poll.title,
        unit=voter.unit_name or "",
        rules=rules_text(poll.rules, lang),
        candidates="\n".join(listing),
    )
    if absentee:
        text += "\n" + t(lang, "vote.absentee")
    return text, InlineKeyboardMarkup(rows)


def review_screen(voter: VoterBallot, state: str, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    poll, ref = voter.poll, voter.poll.ref
    if poll.rules.kind is BallotKind.APPROVAL:
        choices = "\n".join(
            f"{i + 1}. {c.label}: <b>{t(lang, f'vote.choice.{CHOICE_KEY[LETTER[state[i]]]}')}</b>"
            for i, c in enumerate(poll.on_ballot)
        )
    else:
        picks = [poll.on_ballot[DIGITS.find(ch)] for ch in state]
        choices = "\n".join(f"{t(lang, 'vote.picked')}: {c.label}" for c in picks) or t(
            lang, "vote.none_picked"
        )
    text = t(lang, "vote.review_title", title=poll.title, choices=Raw(choices))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "vote.cast"), callback_data=f"v:{ref}:x:{state}"),
                InlineKeyboardButton(t(lang, "vote.edit"), callback_data=f"v:{ref}:e:{state}"),
            ]
        ]
    )
    return text, markup


# ------------------------------------------------------------------ sending ballots
async def send_ballots(context: ThiduaContext, opened: OpenedPoll, chair_chat_id: int | None = None) -> None:
    """Each entitled representative gets the ballot privately; the group sees the progress line."""
    poll = opened.poll
    for telegram_id, present in opened.recipients:
        voter = await ballots.ballot_for(context.deps.db, poll_ref=poll.ref, telegram_id=telegram_id)
        if voter is None or voter.unit_id is None:
            continue
        text, markup = ballot_screen(voter, empty_state(voter), "vi", absentee=not present)
        try:
            await context.bot.send_message(telegram_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except (Forbidden, BadRequest):
            # Blocked the bot, never opened it, or the account is gone: the others still get theirs.
            log.warning("poll %s: a representative could not be reached", poll.id)
    chat_id = poll.group_chat_id or chair_chat_id
    if chat_id is not None:
        sent = await context.bot.send_message(
            chat_id,
            t("vi", "ballot.progress", title=poll.title, voted=0, voters=poll.voters),
            parse_mode=ParseMode.HTML,
        )
        await ballots.remember_progress_message(context.deps.db, poll.id, sent.chat_id, sent.message_id)


# ------------------------------------------------------------------ a voter's press
async def vote_press(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    if len(parts) != 4:
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    _, ref, op, state = parts
    voter = await ballots.ballot_for(context.deps.db, poll_ref=ref, telegram_id=query.from_user.id)
    if voter is None:
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    if voter.unit_id is None:
        await query.answer(t(lang, "vote.not_entitled"), show_alert=True)
        return
    if voter.poll.status.value != "open":
        await query.answer(t(lang, "vote.closed"), show_alert=True)
        await edit_pressed(update, t(lang, "vote.closed"), None)
        return
    if voter.already_voted and op != "n":
        await query.answer(t(lang, "vote.already", unit=voter.unit_name or ""), show_alert=True)
        return
    if not valid_state(voter, state):
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    approval = voter.poll.rules.kind is BallotKind.APPROVAL
    size = len(voter.poll.on_ballot)
    if op == "n":
        await query.answer()
        return
    if op.startswith("s") and approval and len(op) == 3 and 0 <= DIGITS.find(op[1]) < size and op[2] in "adb":
        index = DIGITS.find(op[1])
        letter = "-" if state[index] == op[2] else op[2]  # a second tap clears the answer
        state = state[:index] + letter + state[index + 1 :]
        await query.answer()
        await edit_pressed(update, *ballot_screen(voter, state, lang))
        return
    if op.startswith("t") and not approval and len(op) == 2 and 0 <= DIGITS.find(op[1]) < size:
        index = DIGITS.find(op[1])
        picked = {DIGITS.find(ch) for ch in state}
        candidate = voter.poll.on_ballot[index]
        if index in picked:
            picked.discard(index)
        elif not voter.poll.rules.self_vote_allowed and candidate.position == voter.own_position:
            await query.answer(t(lang, "vote.invalid.self_vote"), show_alert=True)
            return
        elif voter.poll.rules.max_choices is not None and len(picked) >= voter.poll.rules.max_choices:
            await query.answer(t(lang, "vote.limit", max=voter.poll.rules.max_choices), show_alert=True)
            return
        else:
            picked.add(index)
        state = "".join(DIGITS[i] for i in sorted(picked))
        await query.answer()
        await edit_pressed(update, *ballot_screen(voter, state, lang))
        return
    if op == "r":
        await query.answer()
        await edit_pressed(update, *review_screen(voter, state, lang))
        return
    if op == "e":
        await query.answer()
        await edit_pressed(update, *ballot_screen(voter, state, lang))
        return
    if op == "x":
        await cast(update, context, voter, state, lang)
        return
    await query.answer(t(lang, "error.stale_button"), show_alert=True)


async def cast(update: Update, context: ThiduaContext, voter: VoterBallot, state: str, lang: str) -> None:
    query = update.callback_query
    assert query is not None
    result = await ballots.cast(
        context.deps.db,
        poll_ref=voter.poll.ref,
        telegram_id=query.from_user.id,
        ballot=decode(voter, state),
        now=context.deps.clock(),
    )
    if result.status is CastStatus.RECORDED and result.tracker:
        # Only now, after the commit, does the voter hear "recorded".
        await query.answer()
        code = ballot_crypto.short_code(result.tracker)
        await edit_pressed(
            update,
            t(lang, "vote.recorded", unit=result.unit_name or "", title=voter.poll.title, code=code),
            None,
        )
        return
    if result.status is CastStatus.ALREADY:
        message = t(lang, "vote.already", unit=result.unit_name or voter.unit_name or "")
    elif result.status is CastStatus.INVALID:
        key = f"vote.invalid.{result.invalid_reason}"
        message = t(lang, key if key in LANGUAGES["vi"] else "vote.invalid.other")
    elif result.status is CastStatus.CLOSED:
        message = t(lang, "vote.closed")
    else:
        message = t(lang, "vote.not_entitled")
    await query.answer(message, show_alert=True)


# ------------------------------------------------------------------ closing and results
def result_text(closed: ClosedPoll, meeting: meetings.MeetingView, lang: str) -> str:
    result, poll = closed.result, closed.poll
    quorum = t(
        lang, "meeting.quorum_ok" if result.quorate else "meeting.quorum_missing", needed=result.quorum_needed
    )
    lines = [
        t(lang, "result.title", title=poll.title),
        t(lang, "result.meeting", kind=t(lang, f"meeting.kind.{meeting.kind.value}"), bloc=meeting.bloc_name),
        t(lang, "result.presence", present=result.present, members=result.members, quorum=quorum),
    ]
    if not result.quorate:
        lines.append(t(lang, "result.not_quorate"))
    lines.append(
        t(
            lang,
            "result.how",
            secret=t(lang, "ballot.rules.secret" if poll.rules.secret else "ballot.rules.named"),
            voted=result.voted,
            voters=poll.voters,
            invalid=t(lang, "result.invalid", invalid=result.invalid) if result.invalid else "",
        )
    )
    lines.append(
        t(
            lang,
            "result.threshold",
            percent=format_percent(poll.rules.threshold_fraction, ",").replace(",00", ""),
            base=t(lang, f"ballot.base.{result.base.value}"),
            base_size=result.base_size,
            needed=result.needed,
        )
    )
    for line in result.candidates:
        label = closed.labels[int(line.candidate)]
        mark = "✅" if line.passed else "❌"
        share = format_percent(line.share, ",")
        if poll.rules.kind is BallotKind.APPROVAL:
            lines.append(
                t(
                    lang,
                    "result.line_approval",
                    mark=mark,
                    label=label,
                    votes=line.votes,
                    disagree=line.disagree,
                    abstain=line.abstain,
                    blank=line.blank,
                    share=share,
                )
            )
        else:
            extra = t(lang, "result.won") if line.elected else ""
            lines.append(
                t(lang, "result.line", mark=mark, label=label, votes=line.votes, share=share, extra=extra)
            )
    if result.elected:
        lines.append(
            t(lang, "result.elected", names="; ".join(closed.labels[int(c)] for c in result.elected))
        )
    elif result.tie is None:
        lines.append(t(lang, "result.nobody"))
    if result.tie is not None:
        lines.append(
            t(
                lang,
                "result.tie",
                seats=result.tie.seats_left,
                votes=result.tie.votes,
                names="; ".join(closed.labels[int(c)] for c in result.tie.candidates),
            )
        )
    if result.unfilled_seats:
        lines.append(t(lang, "result.unfilled", count=result.unfilled_seats))
    if result.small_poll:
        lines.append(t(lang, "result.small_poll"))
    codes = ", ".join(ballot_crypto.short_code(tracker) for tracker in closed.trackers)
    lines.append(t(lang, "result.trackers", count=len(closed.trackers), codes=codes))
    lines.append(
        t(
            lang,
            "result.chain",
            head=closed.chain_head,
            seq=closed.audit_head[0],
            audit=closed.audit_head[1][:16],
        )
    )
    return "\n".join(lines)


async def publish_results(
    context: ThiduaContext, closed: ClosedPoll, extra_chat_id: int | None = None
) -> str:
    meeting = await meetings.view(context.deps.db, closed.poll.meeting_id)
    text = result_text(closed, meeting, "vi")
    targets = {chat for chat in (closed.poll.group_chat_id, extra_chat_id) if chat is not None}
    for chat_id in sorted(targets):
        await reply_to_chat(context, chat_id, text)
    return text


async def reply_to_chat(context: ThiduaContext, chat_id: int, text: str) -> None:
    from bot.render import split_message

    for part in split_message(text):
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)


async def poll_card_press(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("close", "runoff"):
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    poll_id = int(parts[1])
    try:
        if parts[2] == "close":
            assert context.deps.master_key is not None
            closed = await ballots.close_poll(
                context.deps.db,
                poll_id=poll_id,
                master_key=context.deps.master_key,
                now=context.deps.clock(),
                telegram_id=query.from_user.id,
            )
            await query.answer()
            chat_id = query.message.chat.id if query.message else None
            text = await publish_results(context, closed, None if closed.poll.group_chat_id else chat_id)
            markup = None
            if closed.result.tie is not None:
                markup = InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                t(lang, "ballot.btn.runoff"), callback_data=f"pc:{poll_id}:runoff"
                            )
                        ]
                    ]
                )
            from bot.render import split_message

            await edit_pressed(update, split_message(text)[0], markup)
        else:
            runoff = await ballots.start_runoff(
                context.deps.db, telegram_id=query.from_user.id, poll_id=poll_id, now=context.deps.clock()
            )
            await query.answer()
            text, markup = draft_card(runoff, lang)
            await reply(update, text, reply_markup=markup)
    except (NotAllowedError, NotFoundError):
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
    except OpenRefusal as refusal:
        await query.answer(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params), show_alert=True)


async def verify(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    code = " ".join(context.args or []).strip()
    if not code:
        await reply(update, t(lang, "verify.usage"))
        return
    try:
        matches = await ballots.verify_tracker(context.deps.db, code)
    except ValueError:
        matches = []
    if not matches:
        await reply(update, t(lang, "verify.not_found", code=code))
        return
    await reply(
        update,
        "\n".join(
            t(
                lang,
                "verify.found",
                code=ballot_crypto.short_code(m.tracker),
                title=m.poll_title,
                count=m.counted,
                head=m.chain_head[:16],
            )
            for m in matches
        ),
    )


# ------------------------------------------------------------------ the periodic job
async def ballot_tick(context: ThiduaContext) -> None:
    """Post "X of Y have voted" in batches, and close the polls whose deadline has passed."""
    deps = context.deps
    for progress in await ballots.progress_to_post(deps.db):
        if progress.chat_id is None or progress.message_id is None:
            continue
        text = t("vi", "ballot.progress", title=progress.title, voted=progress.voted, voters=progress.voters)
        try:
            await context.bot.edit_message_text(
                text, chat_id=progress.chat_id, message_id=progress.message_id, parse_mode=ParseMode.HTML
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.warning("poll %s: progress line not updated", progress.poll_id)
    if deps.master_key is None:
        return
    for poll_id in await ballots.due_for_closing(deps.db, deps.clock()):
        try:
            closed = await ballots.close_poll(
                deps.db, poll_id=poll_id, master_key=deps.master_key, now=deps.clock()
            )
        except OpenRefusal:
            continue
        await publish_results(context, closed)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(vote_press, pattern=r"^v:"))
    application.add_handler(CallbackQueryHandler(poll_card_press, pattern=r"^pc:"))
    application.add_handler(CommandHandler(["kiemtra", "verify"], verify))
    if application.job_queue is not None:
        deps = application.bot_data["deps"]
        application.job_queue.run_repeating(
            ballot_tick,
            interval=deps.settings.poll_progress_seconds,
            first=deps.settings.poll_progress_seconds,
            name="ballots",
        )
