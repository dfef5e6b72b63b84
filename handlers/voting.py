"""The voter's ballot, casting, results, run-offs, /kiemtra, and the ballot job.

A voter's unfinished choices (the "sheet") are kept sealed under a random token that only the
ballot's buttons carry (press data `v:<ref>:<op>:<token>`, bot/services/ballot_sheets.py; the
grammar in models/ballot_state.py): a ballot of 200 candidates does not fit in 64 bytes, and the
table alone names no voter and reads no choice. On Zalo the voter types the whole ballot in one
message. Every press is re-checked: the poll must be open, the voter entitled, the sheet theirs
and well formed, a cast the version reviewed; a forged or stale press changes nothing.

  ops: c<i> next answer of a line · A agree to all · t<i> toggle a pick · p<n> page · r review
       e edit · x<version> cast · n no-op        (<i>: base 36, 1 or 2 characters)
  vz:<ref>[:<page>]   (Zalo) get the ballot (a page of it) to answer in one typed message
  pc:<poll_id>:<close|yes|no|runoff|resend>   the chair's poll card (close asks first: yes/no)
  pr:<poll_id>:<unit_id>   resend a unit its ballot
"""

from __future__ import annotations

import logging

from bot import ballot_crypto
from bot.chat import Button, InKind, Screen
from bot.chat.router import END, Conversation, Router, Turn
from bot.deps import Deps
from bot.i18n import LANGUAGES, Raw, format_datetime, t
from bot.services import ballot_sheets, ballots, council, meetings, outbox, receipts
from bot.services.ballots import CastStatus, ClosedPoll, OpenRefusal, VoterBallot
from bot.services.invites import NotAllowedError, NotFoundError
from handlers import ballot_review
from handlers.meetings import acknowledge, draft_card, leave_card, refresh_card, rules_text
from models import ballot_state
from models.ballot_state import CHOICE_KEY, LETTER, Refusal, Shape
from models.channels import Channel
from models.numbers import is_number
from models.vote_rules import BallotKind, Choice, format_percent

log = logging.getLogger("thidua.voting")


def shape_of(voter: VoterBallot) -> Shape:
    rules, on_ballot = voter.poll.rules, voter.poll.on_ballot
    own = next((i for i, c in enumerate(on_ballot) if c.position == voter.own_position), None)
    return Shape(rules.kind, len(on_ballot), rules.max_choices, own, rules.self_vote_allowed)


def decode(voter: VoterBallot, state: str) -> dict[int, Choice] | frozenset[int]:
    return ballot_state.decode([c.position for c in voter.poll.on_ballot], shape_of(voter), state)


# ------------------------------------------------------------------ screens
ANSWER_MARK = {"a": "✅", "d": "❌", "b": "⚪", "-": "▫️"}
BUTTON_LABEL = 60  # characters of a candidate's name on a button (the app cuts what it cannot show)
TYPED_PAGE = 50  # candidates per typed ballot page (Zalo splits long texts at 2,000 characters)


def _short(label: str, size: int = BUTTON_LABEL) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def _own(voter: VoterBallot, index: int) -> bool:
    rules = voter.poll.rules
    return voter.own_position == voter.poll.on_ballot[index].position and not rules.self_vote_allowed


def _ballot_text(
    voter: VoterBallot, lang: str, *, absentee: bool, typed: bool, shown: range | None = None
) -> str:
    poll = voter.poll
    shown = shown if shown is not None else range(len(poll.on_ballot))
    listing = []
    for index in shown:
        line = f"{index + 1}. {poll.on_ballot[index].label}"
        if typed and _own(voter, index):
            line += " " + t(lang, "vote.typed.own")
        listing.append(line)
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
    return text


def ballot_screen(
    voter: VoterBallot,
    state: str,
    lang: str,
    *,
    absentee: bool = False,
    page: int = 0,
    token: str = "",
) -> Screen:
    """The ballot with buttons, one page at a time: one button per candidate with its name and
    its answer. The buttons carry what a press does and the sheet's token, never a choice; a
    ballot with no token yet (the one in the outbox) starts a sheet at the first press."""
    poll, ref = voter.poll, voter.poll.ref
    shape = shape_of(voter)
    approval = shape.approval
    size = shape.size
    page = min(max(page, 0), ballot_state.pages(size) - 1)
    shown = ballot_state.page_range(page, size)
    picked = set(ballot_state.picked(state, size)) if not approval else set()
    rows: list[tuple[Button, ...]] = []
    if approval:
        rows.append((Button(t(lang, "vote.agree_all"), f"v:{ref}:A:{token}"),))
    for index in shown:
        candidate, code = poll.on_ballot[index], ballot_state.index_code(index, size)
        if approval:
            # The answer's mark first: it stays in view however much of a long name the app cuts.
            letter = state[index]
            word = t(lang, f"vote.choice.{CHOICE_KEY[LETTER[letter]]}")
            label = f"{ANSWER_MARK[letter]} {index + 1}. {_short(candidate.label)} — {word}"
            rows.append((Button(label, f"v:{ref}:c{code}:{token}"),))
        else:
            mark = "☑" if index in picked else "☐"
            own = " ⛔" if _own(voter, index) else ""
            label = f"{mark} {index + 1}. {_short(candidate.label)}{own}"
            rows.append((Button(label, f"v:{ref}:t{code}:{token}"),))
    count = ballot_state.pages(size)
    if count > 1:
        rows.append(
            (
                Button("‹", f"v:{ref}:p{(page - 1) % count}:{token}"),
                Button(t(lang, "vote.page", page=page + 1, pages=count), f"v:{ref}:n:{token}"),
                Button("›", f"v:{ref}:p{(page + 1) % count}:{token}"),
            )
        )
    rows.append((Button(t(lang, "vote.review"), f"v:{ref}:r:{token}"),))
    text = _ballot_text(voter, lang, absentee=absentee, typed=False, shown=shown)
    if approval:
        text += "\n\n" + t(lang, "vote.tap_hint")
    return Screen(text, buttons=tuple(rows))


def _how_to_answer(voter: VoterBallot, lang: str) -> str:
    rules = voter.poll.rules
    if rules.kind is BallotKind.APPROVAL:
        return t(lang, "vote.typed.approval")
    return t(lang, "vote.typed.selection", max=rules.max_choices or len(voter.poll.on_ballot))


def typed_ballot_screen(voter: VoterBallot, lang: str, *, absentee: bool = False, page: int = 0) -> Screen:
    """The ballot for a chat without buttons: a numbered list (paged when long), answered in one
    typed message; its options ("agree to all", other pages) are lettered, so numbers stay answers."""
    poll, ref = voter.poll, voter.poll.ref
    size = len(poll.on_ballot)
    count = -(-size // TYPED_PAGE)
    page = min(max(page, 0), count - 1)
    shown = range(page * TYPED_PAGE, min(size, (page + 1) * TYPED_PAGE))
    text = _ballot_text(voter, lang, absentee=absentee, typed=True, shown=shown)
    if count > 1:
        text += "\n" + t(lang, "vote.typed_page", page=page + 1, pages=count, size=size)
    options: list[tuple[Button, ...]] = []
    if poll.rules.kind is BallotKind.APPROVAL:
        options.append((Button(t(lang, "vote.agree_all"), f"v:{ref}:A:"),))
    if count > 1:
        if page + 1 < count:
            options.append((Button(t(lang, "vote.next_page"), f"vz:{ref}:{page + 1}"),))
        if page > 0:
            options.append((Button(t(lang, "vote.previous_page"), f"vz:{ref}:{page - 1}"),))
    return Screen(text + "\n\n" + _how_to_answer(voter, lang), buttons=tuple(options), typed_numbers=True)


def _choices_text(voter: VoterBallot, state: str, lang: str) -> str:
    labels = [c.label for c in voter.poll.on_ballot]
    return ballot_review.choices_text(labels, voter.poll.rules.kind, state, lang)


def review_screen(voter: VoterBallot, sheet: ballot_sheets.Sheet, lang: str) -> Screen:
    """The whole ballot once more; «cast» names the sheet's version, so a change made after this
    review (an older screen pressed meanwhile) makes it stale instead of casting something unseen."""
    ref = voter.poll.ref
    text = t(
        lang,
        "vote.review_title",
        title=voter.poll.title,
        choices=Raw(_choices_text(voter, sheet.state, lang)),
    )
    return Screen(
        text,
        buttons=(
            (
                Button(t(lang, "vote.cast"), f"v:{ref}:x{sheet.version}:{sheet.token}"),
                Button(t(lang, "vote.edit"), f"v:{ref}:e:{sheet.token}"),
            ),
        ),
    )


def typed_review_screen(voter: VoterBallot, sheet: ballot_sheets.Sheet, lang: str) -> Screen:
    """The review on a chat without buttons. Its options name the sheet only (the choice is kept
    sealed under the sheet's token); still secret, so that they stay in process memory only."""
    ref = voter.poll.ref
    text = t(
        lang,
        "vote.review_typed",
        title=voter.poll.title,
        choices=Raw(_choices_text(voter, sheet.state, lang)),
    )
    return Screen(
        text,
        buttons=(
            (Button(t(lang, "vote.ok"), f"v:{ref}:x{sheet.version}:{sheet.token}"),),
            (Button(t(lang, "vote.retype"), f"v:{ref}:e:{sheet.token}"),),
        ),
        secret=True,
    )


def zalo_notice(voter: VoterBallot, lang: str) -> Screen:
    """What reaches a voter on a chat without buttons: one option to get the ballot."""
    text = t(lang, "vote.zalo_notice", title=voter.poll.title, unit=voter.unit_name or "")
    return Screen(text, buttons=((Button(t(lang, "vote.zalo_start"), f"vz:{voter.poll.ref}"),),))


def outbox_ballot(voter: VoterBallot, lang: str, absentee: bool, channel: str | None) -> Screen:
    """A voter's initial ballot for the outbox (no choice on it, no sheet yet, so it may be
    stored), shaped for the app the voter uses last; a press on it from the other app still
    leads to the ballot."""
    if channel == Channel.ZALO.value:
        return zalo_notice(voter, lang)
    return ballot_screen(voter, ballot_state.empty_state(shape_of(voter)), lang, absentee=absentee)


# ------------------------------------------------------------------ a voter's press
async def _voter(turn: Turn, ref: str, *, any_op: bool = False) -> VoterBallot | None:
    """The voter's ballot if they may still vote in it; otherwise answered here, and None."""
    return (await _voter_and_sheet(turn, ref, "", any_op=any_op))[0]


async def _voter_and_sheet(
    turn: Turn, ref: str, token: str, *, any_op: bool = False
) -> tuple[VoterBallot | None, ballot_sheets.Sheet | None]:
    """`_voter`, and the sheet under `token` read with it (one read for both)."""
    lang = turn.lang
    voter, loaded = await ballots.ballot_and_sheet(
        turn.deps.db, poll_ref=ref, person_id=turn.person_id, token=token
    )
    if voter is None:
        await turn.alert(t(lang, "error.stale_button"))
        return None, None
    if voter.unit_id is None:
        await turn.alert(t(lang, "vote.not_entitled"))
        return None, None
    if voter.poll.status.value != "open":
        await turn.alert(t(lang, "vote.closed"))
        if turn.caps.edits and turn.incoming.kind is InKind.CHOICE:
            await turn.show(t(lang, "vote.closed"))
        return None, None
    if voter.already_voted and not any_op:
        await turn.alert(t(lang, "vote.already", unit=voter.unit_name or ""))
        return None, None
    return voter, loaded


def _sheet(voter: VoterBallot, token: str, loaded: ballot_sheets.Sheet | None) -> ballot_sheets.Sheet | None:
    """The voter's sheet under `token` (a fresh, unsaved one for no token); None when forged or
    gone (`loaded` is None), or when what it holds no longer fits the ballot."""
    shape = shape_of(voter)
    if not token:
        return ballot_sheets.Sheet("", ballot_state.empty_state(shape), 0, 0)
    if loaded is None or not ballot_state.valid_state(shape, loaded.state):
        return None
    return loaded


async def _keep(
    turn: Turn, voter: VoterBallot, sheet: ballot_sheets.Sheet, state: str, page: int
) -> ballot_sheets.Sheet:
    return await ballot_sheets.save(
        turn.deps.db,
        poll_ref=voter.poll.ref,
        person_id=turn.person_id,
        token=sheet.token or None,
        state=state,
        page=page,
        version=sheet.version,
    )


async def vote_press(turn: Turn) -> str | None:
    lang = turn.lang
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 4:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    _, ref, op, token = parts
    voter, loaded = await _voter_and_sheet(turn, ref, token, any_op=op == "n")
    if voter is None:
        return END
    shape = shape_of(voter)
    if op == "e" and not turn.caps.buttons:
        await _show_typed(turn, voter)
        return "answer"
    sheet = _sheet(voter, token, loaded)
    if sheet is None:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    if op == "n":
        return END
    if op.startswith("x"):
        # Only the version the voter reviewed is cast; a fresh sheet was never reviewed.
        if not sheet.token or op[1:] != str(sheet.version):
            await turn.alert(t(lang, "error.stale_button"))
            return END
        await cast(turn, voter, sheet)
        return END
    if op == "A" and not turn.caps.buttons:
        # "Agree to all" chosen on a chat without buttons: straight to the review.
        agreed = ballot_state.agree_to_all(shape)
        if isinstance(agreed, Refusal):
            await turn.alert(_press_refusal(agreed, lang))
            return END
        sheet = await _keep(turn, voter, sheet, agreed, 0)
        turn.data = {"ref": ref}  # the poll only: never a choice
        screen = typed_review_screen(voter, sheet, lang)
        await turn.say(screen.text, buttons=screen.buttons, secret=True)
        return "answer"
    if not turn.caps.buttons:
        # A ballot with buttons reached a chat without them (the voter changed apps): offer
        # the ballot to answer in one message.
        screen = zalo_notice(voter, lang)
        await turn.say(screen.text, buttons=screen.buttons)
        return END
    following: str | Refusal = sheet.state
    page = sheet.page
    code = op[1:]
    if op.startswith("c"):
        index = ballot_state.index_of(code, shape.size)
        following = ballot_state.cycle_answer(shape, sheet.state, index)
        page = ballot_state.page_of(index)
    elif op.startswith("t"):
        index = ballot_state.index_of(code, shape.size)
        following = ballot_state.toggle_pick(shape, sheet.state, index)
        page = ballot_state.page_of(index)
    elif op == "A":
        following = ballot_state.agree_to_all(shape)
    elif op.startswith("p") and is_number(code) and int(code) < ballot_state.pages(shape.size):
        page = int(code)
    elif op == "r":
        if not sheet.token:
            sheet = await _keep(turn, voter, sheet, sheet.state, page)
        screen = review_screen(voter, sheet, lang)
        await turn.show(screen.text, buttons=screen.buttons)
        return END
    elif op != "e":
        following = Refusal("stale")
    if isinstance(following, Refusal):
        await turn.alert(_press_refusal(following, lang))
        return END
    sheet = await _keep(turn, voter, sheet, following, page)
    screen = ballot_screen(voter, sheet.state, lang, page=sheet.page, token=sheet.token)
    await turn.show(screen.text, buttons=screen.buttons)
    return END


def _press_refusal(refusal: Refusal, lang: str) -> str:
    if refusal.reason == "self_vote":
        return t(lang, "vote.invalid.self_vote")
    if refusal.reason == "limit":
        return t(lang, "vote.limit", **refusal.params)
    return t(lang, "error.stale_button")


async def cast(turn: Turn, voter: VoterBallot, sheet: ballot_sheets.Sheet) -> None:
    lang = turn.lang
    result = await ballots.cast(
        turn.deps.db,
        poll_ref=voter.poll.ref,
        person_id=turn.person_id,
        ballot=decode(voter, sheet.state),
        now=turn.deps.clock(),
        master_key=turn.deps.master_key,
        voter=voter,  # read by this press already: not read again
        sheet_token=sheet.token,  # the choice has no use once cast: the sheet goes with the commit
    )
    if result.status is CastStatus.RECORDED and result.tracker:
        # Only now, after the commit, does the voter hear "recorded".
        code = ballot_crypto.short_code(result.tracker)
        text = t(lang, "vote.recorded", unit=result.unit_name or "", title=voter.poll.title, code=code)
        try:
            await turn.show(text)
        except Exception as error:
            # The vote is in: the tracker must reach the voter, so a failed edit is followed by a
            # message of its own (and /kiemtra shows it again whatever happens to both).
            log.warning(
                "poll %s: the recorded screen did not arrive (%s)", voter.poll.id, type(error).__name__
            )
            await turn.say(text)
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
    await turn.alert(message)


# ------------------------------------------------------------------ a ballot typed in one message (Zalo)
async def _show_typed(turn: Turn, voter: VoterBallot, page: int = 0) -> None:
    turn.data = {"ref": voter.poll.ref}  # the poll only: never a choice
    screen = typed_ballot_screen(voter, turn.lang, page=page)
    await turn.say(screen.text, buttons=screen.buttons, typed_numbers=True)


async def typed_open(turn: Turn) -> str | None:
    parts = (turn.incoming.choice or "").split(":")
    ref = parts[1] if len(parts) > 1 else ""
    page = int(parts[2]) if len(parts) == 3 and is_number(parts[2]) else 0
    voter = await _voter(turn, ref)
    if voter is None:
        return END
    if turn.caps.buttons:  # pressed on an app with buttons: the ballot with buttons
        screen = ballot_screen(voter, ballot_state.empty_state(shape_of(voter)), turn.lang)
        await turn.show(screen.text, buttons=screen.buttons)
        return END
    await _show_typed(turn, voter, page)
    return "answer"


async def typed_reply(turn: Turn) -> str | None:
    lang = turn.lang
    voter = await _voter(turn, str(turn.data.get("ref", "")))
    if voter is None:
        return END
    read = ballot_state.parse_typed(shape_of(voter), turn.incoming.text)
    if isinstance(read, Refusal):
        refused = t(lang, f"vote.typed_refused.{read.reason}", **read.params)
        await turn.say(refused + "\n" + _how_to_answer(voter, lang))
        return "answer"
    sheet = await ballot_sheets.save(
        turn.deps.db,
        poll_ref=voter.poll.ref,
        person_id=turn.person_id,
        token=None,
        state=read,
        page=0,
        version=0,
    )
    screen = typed_review_screen(voter, sheet, lang)
    await turn.say(screen.text, buttons=screen.buttons, secret=True)
    return "answer"


async def typed_not_text(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected"))
    return "answer"


async def typed_cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "join.cancelled"))
    return END


# ------------------------------------------------------------------ opening (from the chair's draft)
def _poll_card_buttons(poll_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button(t(lang, "ballot.btn.close"), f"pc:{poll_id}:close"),),
        (Button(t(lang, "ballot.btn.resend"), f"pc:{poll_id}:resend"),),
    )


async def open_ballot(turn: Turn, poll_id: int) -> None:
    lang, deps = turn.lang, turn.deps
    try:
        assert deps.master_key is not None
        opened = await ballots.open_poll(
            deps.db,
            person_id=turn.person_id,
            poll_id=poll_id,
            master_key=deps.master_key,
            now=deps.clock(),
            ballot_screen=outbox_ballot,
        )
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return
    except OpenRefusal as refusal:
        await turn.alert(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
        return
    deps.poke_delivery()
    poll = opened.poll
    lines = [t(lang, "ballot.opened", title=poll.title, voters=poll.voters), rules_text(poll.rules, lang)]
    if poll.closes_at is not None:
        lines.append(t(lang, "ballot.closes_at", when=format_datetime(poll.closes_at, deps.settings.zone)))
    if opened.small_poll:
        lines.append(t(lang, "ballot.small_poll"))
    await turn.show("\n".join(lines), buttons=_poll_card_buttons(poll.id, lang))
    chair_chat = turn.chat.chat_id if turn.chat.channel is Channel.TELEGRAM else None
    await post_progress_line(deps, opened.poll, chair_chat)


async def post_progress_line(deps: Deps, poll: ballots.PollView, chair_chat: str | None) -> None:
    """The "X of Y have voted" line, in the bloc's Telegram group (or the chair's Telegram chat),
    edited later by the ballot job. Zalo cannot edit a message, so there it is not posted."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    chat = str(poll.group_chat_id) if poll.group_chat_id is not None else chair_chat
    if telegram is None or chat is None:
        return
    try:
        message_id = await telegram.send(
            chat, Screen(t("vi", "ballot.progress", title=poll.title, voted=0, voters=poll.voters))
        )
    except Exception as error:
        log.warning("poll %s: progress line not posted (%s)", poll.id, type(error).__name__)
        return
    if message_id is not None:
        await ballots.remember_progress_message(deps.db, poll.id, int(chat), int(message_id))


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


async def finish_progress_line(deps: Deps, poll_id: int) -> None:
    """The group's "X of Y have voted" line ends with the final count (the job stops following a
    poll once it is closed, so without this the line could stay a few votes behind the result)."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    final = await ballots.final_progress(deps.db, poll_id)
    if telegram is None or final is None or final.chat_id is None or final.message_id is None:
        return
    text = t("vi", "ballot.progress_final", title=final.title, voted=final.voted, voters=final.voters)
    try:
        await telegram.edit(str(final.chat_id), str(final.message_id), Screen(text))
    except Exception as error:
        log.warning("poll %s: progress line not finished (%s)", poll_id, type(error).__name__)


async def _chairs_poll(turn: Turn, poll_id: int) -> ballots.PollView:
    """The poll, if this person runs its bloc; NotAllowedError otherwise."""
    poll = await ballots.poll_view(turn.deps.db, poll_id)
    led = await meetings.led_blocs(turn.deps.db, turn.person_id, turn.today)
    if poll.bloc_id not in [bloc_id for bloc_id, _ in led]:
        raise NotAllowedError
    return poll


async def close_question(turn: Turn, poll_id: int) -> None:
    """Closing is not undone: the chair sees the turnout and says yes or no first."""
    lang = turn.lang
    poll = await _chairs_poll(turn, poll_id)
    if poll.status.value != "open":
        raise OpenRefusal("not_open")
    await leave_card(turn)
    await turn.show(
        t(lang, "ballot.close_confirm", title=poll.title, voted=poll.voted, voters=poll.voters),
        buttons=(
            (Button(t(lang, "ballot.btn.close_yes"), f"pc:{poll_id}:yes"),),
            (Button(t(lang, "ballot.btn.close_no"), f"pc:{poll_id}:no"),),
        ),
    )


async def publish_results(deps: Deps, closed: ClosedPoll, *, chair_told: bool) -> str:
    """The result in the bloc's Telegram group; where there is none (or it cannot be reached) and
    the chair has not seen it already, to the chair through the outbox."""
    meeting = await meetings.view(deps.db, closed.poll.meeting_id)
    text = result_text(closed, meeting, "vi")
    telegram = deps.channels.get(Channel.TELEGRAM)
    await finish_progress_line(deps, closed.poll.id)
    await refresh_card(deps, meeting, "vi")  # the poll leaves the chair's card
    posted = False
    if closed.poll.group_chat_id is not None and telegram is not None:
        try:
            await telegram.send(str(closed.poll.group_chat_id), Screen(text))
            posted = True
        except Exception as error:
            log.warning("poll %s: result not posted in the group (%s)", closed.poll.id, type(error).__name__)
    if not posted and not chair_told and meeting.chair_person_id is not None:
        async with deps.db.transaction() as session:
            await outbox.enqueue(
                session,
                person_id=meeting.chair_person_id,
                kind="ballot.result",
                screen=Screen(text),
                dedupe_key=f"result:{closed.poll.ref}",
                now=deps.clock(),
            )
        deps.poke_delivery()
    return text


async def poll_card_press(turn: Turn) -> None:
    lang, deps = turn.lang, turn.deps
    parts = (turn.incoming.choice or "").split(":")
    if (
        len(parts) != 3
        or not is_number(parts[1])
        or parts[2] not in ("close", "yes", "no", "runoff", "resend")
    ):
        await turn.alert(t(lang, "error.stale_button"))
        return None
    poll_id = int(parts[1])
    try:
        if parts[2] == "close":
            await close_question(turn, poll_id)
        elif parts[2] == "no":
            poll = await _chairs_poll(turn, poll_id)
            await turn.show(
                t(lang, "ballot.kept_open", title=poll.title, voted=poll.voted, voters=poll.voters),
                buttons=_poll_card_buttons(poll_id, lang) if poll.status.value == "open" else (),
            )
        elif parts[2] == "yes":
            assert deps.master_key is not None
            closed = await ballots.close_poll(
                deps.db,
                poll_id=poll_id,
                master_key=deps.master_key,
                now=deps.clock(),
                person_id=turn.person_id,
            )
            text = await publish_results(deps, closed, chair_told=True)
            buttons: tuple[tuple[Button, ...], ...] = ()
            if closed.result.tie is not None:
                buttons = ((Button(t(lang, "ballot.btn.runoff"), f"pc:{poll_id}:runoff"),),)
            await turn.show(text, buttons=buttons)
        elif parts[2] == "runoff":
            runoff = await ballots.start_runoff(
                deps.db, person_id=turn.person_id, poll_id=poll_id, now=deps.clock()
            )
            await acknowledge(turn)
            screen = draft_card(runoff, lang)
            await turn.say(screen.text, buttons=screen.buttons)
        else:
            await ballots.poll_view(deps.db, poll_id)  # NotFound for a forged id
            units = [
                (u, name) for u, name, voted in await ballots.entitled_units(deps.db, poll_id) if not voted
            ]
            if not units:
                await turn.alert(t(lang, "ballot.resend_none"))
                return None
            rows = tuple((Button(name, f"pr:{poll_id}:{unit_id}"),) for unit_id, name in units)
            await acknowledge(turn)
            await turn.say(t(lang, "ballot.resend_pick"), buttons=rows)
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
    except OpenRefusal as refusal:
        await turn.alert(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
    return None


async def resend(turn: Turn) -> None:
    """The chair sends one unit's ballot again, through the outbox."""
    lang, deps = turn.lang, turn.deps
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 3 or not (is_number(parts[1]) and is_number(parts[2])):
        await turn.alert(t(lang, "error.stale_button"))
        return None
    poll_id, unit_id = int(parts[1]), int(parts[2])
    try:
        count = await ballots.resend_ballot(
            deps.db,
            person_id=turn.person_id,
            poll_id=poll_id,
            unit_id=unit_id,
            ballot_screen=outbox_ballot,
            now=deps.clock(),
        )
    except (NotAllowedError, NotFoundError):
        await turn.alert(t(lang, "error.not_allowed"))
        return None
    except OpenRefusal as refusal:
        await turn.alert(t(lang, f"ballot.refused.{refusal.reason}", **refusal.params))
        return None
    deps.poke_delivery()
    name = next((n for u, n, _ in await ballots.entitled_units(deps.db, poll_id) if u == unit_id), "")
    await turn.show(
        t(lang, "ballot.resent", unit=name, count=count), buttons=_poll_card_buttons(poll_id, lang)
    )
    return None


async def verify(turn: Turn) -> None:
    lang = turn.lang
    code = " ".join(turn.incoming.args).strip()
    if not code:
        await own_trackers(turn)
        return None
    try:
        # The council's (and schools', conference's) published lists too: /kiemtra alone shows their trackers.
        found = [
            (m.title, m.tracker, m.counted, m.chain_head)
            for m in await ballots.verify_tracker(turn.deps.db, code)
            + await council.verify_tracker(turn.deps.db, code)
        ]
    except ValueError:
        found = []
    if not found:
        await turn.say(t(lang, "verify.not_found", code=code))
        return None
    await turn.say(
        "\n".join(
            t(
                lang,
                "verify.found",
                code=ballot_crypto.short_code(tracker),
                title=title,
                count=counted,
                head=head[:16],
            )
            for title, tracker, counted, head in found
        )
    )
    return None


async def own_trackers(turn: Turn) -> None:
    """/kiemtra with no code: the trackers of the ballots this person's units cast, only in a
    private chat (a group would show them to the room), never a choice."""
    lang = turn.lang
    if not turn.chat.private:
        await turn.say(t(lang, "verify.private_only"))
        return
    found = await receipts.receipts_of(
        turn.deps.db, person_id=turn.person_id, master_key=turn.deps.master_key
    )
    if not found:
        await turn.say(t(lang, "verify.mine_none"))
        return
    lines = [t(lang, "verify.mine_title")]
    for receipt in found:
        own = receipt.body is not receipts.Body.UNIT  # the person's own ballot as a member of a body
        unit = receipt.unit_name or t(lang, f"verify.body.{receipt.body.value}")
        names = {"title": receipt.poll_title, "unit": unit}
        if receipt.tracker is None:
            lines.append(t(lang, "verify.mine_unknown", **names))
            continue
        code = ballot_crypto.short_code(receipt.tracker)
        key = (
            "open"
            if receipt.open
            else ("counted" if receipt.counted else "missing_own" if own else "missing")
        )
        lines.append(t(lang, f"verify.mine_{key}", code=code, **names))
    lines.append(t(lang, "verify.mine_footer"))
    await turn.say("\n".join(lines))


# ------------------------------------------------------------------ the periodic job
async def ballot_tick(deps: Deps) -> None:
    """Post "X of Y have voted" in batches, and close the polls whose deadline has passed."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    moved: set[int] = set()  # meetings whose chair's card shows a turnout that changed
    for progress in await ballots.progress_to_post(deps.db):
        if progress.meeting_id is not None:
            moved.add(progress.meeting_id)
        if progress.chat_id is None or progress.message_id is None or telegram is None:
            continue
        text = t("vi", "ballot.progress", title=progress.title, voted=progress.voted, voters=progress.voters)
        try:
            await telegram.edit(str(progress.chat_id), str(progress.message_id), Screen(text))
        except Exception as error:
            log.warning("poll %s: progress line not updated (%s)", progress.poll_id, type(error).__name__)
        # The chair may have closed the poll while this edit was on its way, after the final
        # line was written: then write the final line again, so the group is left with it.
        if (await ballots.poll_view(deps.db, progress.poll_id)).status.value != "open":
            await finish_progress_line(deps, progress.poll_id)
    # The chair's card follows the votes here, in the job's batches, not on each cast: casting
    # stays as quick as it was, and the card says no more than the group's line.
    for meeting_id in sorted(moved):
        await refresh_card(deps, await meetings.view(deps.db, meeting_id), "vi")
    if deps.master_key is None:
        return
    for poll_id in await ballots.due_for_closing(deps.db, deps.clock()):
        try:
            closed = await ballots.close_poll(
                deps.db, poll_id=poll_id, master_key=deps.master_key, now=deps.clock()
            )
        except OpenRefusal:
            continue
        await publish_results(deps, closed, chair_told=False)
    # Unfinished sheets of polls no longer open (closed by the chair or just above) have no use.
    await ballot_sheets.forget_closed(deps.db)


def register(router: Router) -> None:
    not_text = {InKind.PHOTO: typed_not_text, InKind.FILE: typed_not_text, InKind.STICKER: typed_not_text}
    router.conversation(
        Conversation(
            name="typed_ballot",
            entry={},
            entry_choices={"vz:": typed_open},
            steps={"answer": {InKind.TEXT: typed_reply, **not_text}},
            fallbacks={"huy": typed_cancel, "cancel": typed_cancel},
            fallback_choices={"v:": vote_press},
        )
    )
    router.choice("v:", vote_press)
    router.choice("pc:", poll_card_press)
    router.choice("pr:", resend)
    router.command(["kiemtra", "verify"], verify)
