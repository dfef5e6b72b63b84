"""The voter's ballot, casting, results, run-offs, /kiemtra, and the ballot job.

A voter's unfinished choices are never stored: on Telegram they live only in the ballot's
buttons (press data `v:<ref>:<op>:<state>`, the grammar in models/ballot_state.py); on Zalo the
voter types the whole ballot in one message and the review's options (which carry the choice)
are a secret screen, kept in process memory only. Every press is re-checked: the poll must be
open, the voter entitled, the state well formed; a forged or stale press changes nothing.

  ops: s<i><letter> set an answer · t<i> toggle a pick · r review · e edit · x cast · n no-op
  vz:<ref>   (Zalo) get the ballot to answer in one typed message
  pc:<poll_id>:<close|runoff|resend>   the chair's poll card · pr:<poll_id>:<unit_id> resend
"""

from __future__ import annotations

import logging

from bot import ballot_crypto
from bot.chat import Button, InKind, Screen
from bot.chat.router import END, Conversation, Router, Turn
from bot.deps import Deps
from bot.i18n import LANGUAGES, Raw, format_datetime, t
from bot.services import ballots, meetings, outbox
from bot.services.ballots import CastStatus, ClosedPoll, OpenRefusal, VoterBallot
from bot.services.invites import NotAllowedError, NotFoundError
from handlers.meetings import acknowledge, draft_card, rules_text
from models import ballot_state
from models.ballot_state import CHOICE_KEY, DIGITS, LETTER, Refusal, Shape
from models.channels import Channel
from models.vote_rules import BallotKind, Choice, format_percent

log = logging.getLogger("thidua.voting")


def shape_of(voter: VoterBallot) -> Shape:
    rules, on_ballot = voter.poll.rules, voter.poll.on_ballot
    own = next((i for i, c in enumerate(on_ballot) if c.position == voter.own_position), None)
    return Shape(rules.kind, len(on_ballot), rules.max_choices, own, rules.self_vote_allowed)


def decode(voter: VoterBallot, state: str) -> dict[int, Choice] | frozenset[int]:
    return ballot_state.decode([c.position for c in voter.poll.on_ballot], shape_of(voter), state)


# ------------------------------------------------------------------ screens
def _ballot_text(voter: VoterBallot, lang: str, *, absentee: bool, typed: bool) -> str:
    poll = voter.poll
    listing = []
    for index, candidate in enumerate(poll.on_ballot):
        own = voter.own_position == candidate.position and not poll.rules.self_vote_allowed
        line = f"{index + 1}. {candidate.label}"
        if typed and own:
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


def ballot_screen(voter: VoterBallot, state: str, lang: str, *, absentee: bool = False) -> Screen:
    """The ballot with buttons: the state rides in each button's data, never anywhere else."""
    poll, ref = voter.poll, voter.poll.ref
    approval = poll.rules.kind is BallotKind.APPROVAL
    picked = set(ballot_state.picked(state)) if not approval else set()
    rows: list[tuple[Button, ...]] = []
    for index, candidate in enumerate(poll.on_ballot):
        digit = DIGITS[index]
        if approval:
            rows.append(
                tuple(
                    Button(
                        f"{index + 1}. {'● ' if state[index] == letter else ''}"
                        f"{t(lang, f'vote.{CHOICE_KEY[LETTER[letter]]}')}",
                        f"v:{ref}:s{digit}{letter}:{state}",
                    )
                    for letter in "adb"
                )
            )
        else:
            own = voter.own_position == candidate.position and not poll.rules.self_vote_allowed
            mark = "☑" if index in picked else "☐"
            rows.append(
                (
                    Button(
                        f"{mark} {index + 1}. {candidate.label}{' ⛔' if own else ''}",
                        f"v:{ref}:t{digit}:{state}",
                    ),
                )
            )
    rows.append((Button(t(lang, "vote.review"), f"v:{ref}:r:{state}"),))
    return Screen(_ballot_text(voter, lang, absentee=absentee, typed=False), buttons=tuple(rows))


def _how_to_answer(voter: VoterBallot, lang: str) -> str:
    rules = voter.poll.rules
    if rules.kind is BallotKind.APPROVAL:
        return t(lang, "vote.typed.approval")
    return t(lang, "vote.typed.selection", max=rules.max_choices or len(voter.poll.on_ballot))


def typed_ballot_screen(voter: VoterBallot, lang: str, *, absentee: bool = False) -> Screen:
    """The ballot for a chat without buttons: a numbered list, answered in one typed message."""
    text = _ballot_text(voter, lang, absentee=absentee, typed=True)
    return Screen(text + "\n\n" + _how_to_answer(voter, lang))


def _choices_text(voter: VoterBallot, state: str, lang: str) -> str:
    poll = voter.poll
    if poll.rules.kind is BallotKind.APPROVAL:
        # "[1]", not "1.": on Zalo a numbered line reads as an option to reply with.
        return "\n".join(
            f"[{i + 1}] {c.label}: <b>{t(lang, f'vote.choice.{CHOICE_KEY[LETTER[state[i]]]}')}</b>"
            for i, c in enumerate(poll.on_ballot)
        )
    picks = [poll.on_ballot[i] for i in ballot_state.picked(state)]
    return "\n".join(f"{t(lang, 'vote.picked')}: {c.label}" for c in picks) or t(lang, "vote.none_picked")


def review_screen(voter: VoterBallot, state: str, lang: str) -> Screen:
    ref = voter.poll.ref
    text = t(
        lang, "vote.review_title", title=voter.poll.title, choices=Raw(_choices_text(voter, state, lang))
    )
    return Screen(
        text,
        buttons=(
            (
                Button(t(lang, "vote.cast"), f"v:{ref}:x:{state}"),
                Button(t(lang, "vote.edit"), f"v:{ref}:e:{state}"),
            ),
        ),
    )


def typed_review_screen(voter: VoterBallot, state: str, lang: str) -> Screen:
    """The review on a chat without buttons: its options carry the choice, so it is secret
    (kept in process memory only, never in a table or a log)."""
    ref = voter.poll.ref
    text = t(
        lang, "vote.review_typed", title=voter.poll.title, choices=Raw(_choices_text(voter, state, lang))
    )
    return Screen(
        text,
        buttons=(
            (Button(t(lang, "vote.ok"), f"v:{ref}:x:{state}"),),
            (Button(t(lang, "vote.retype"), f"v:{ref}:e:"),),
        ),
        secret=True,
    )


def zalo_notice(voter: VoterBallot, lang: str) -> Screen:
    """What reaches a voter on a chat without buttons: one option to get the ballot."""
    text = t(lang, "vote.zalo_notice", title=voter.poll.title, unit=voter.unit_name or "")
    return Screen(text, buttons=((Button(t(lang, "vote.zalo_start"), f"vz:{voter.poll.ref}"),),))


def outbox_ballot(voter: VoterBallot, lang: str, absentee: bool, channel: str | None) -> Screen:
    """A voter's initial ballot for the outbox (no choice on it, so it may be stored), shaped for
    the app the voter uses last; a press on it from the other app still leads to the ballot."""
    if channel == Channel.ZALO.value:
        return zalo_notice(voter, lang)
    return ballot_screen(voter, ballot_state.empty_state(shape_of(voter)), lang, absentee=absentee)


# ------------------------------------------------------------------ a voter's press
async def _voter(turn: Turn, ref: str, *, any_op: bool = False) -> VoterBallot | None:
    """The voter's ballot if they may still vote in it; otherwise answered here, and None."""
    lang = turn.lang
    voter = await ballots.ballot_for(turn.deps.db, poll_ref=ref, person_id=turn.person_id)
    if voter is None:
        await turn.alert(t(lang, "error.stale_button"))
        return None
    if voter.unit_id is None:
        await turn.alert(t(lang, "vote.not_entitled"))
        return None
    if voter.poll.status.value != "open":
        await turn.alert(t(lang, "vote.closed"))
        if turn.caps.edits and turn.incoming.kind is InKind.CHOICE:
            await turn.show(t(lang, "vote.closed"))
        return None
    if voter.already_voted and not any_op:
        await turn.alert(t(lang, "vote.already", unit=voter.unit_name or ""))
        return None
    return voter


async def vote_press(turn: Turn) -> str | None:
    lang = turn.lang
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 4:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    _, ref, op, state = parts
    voter = await _voter(turn, ref, any_op=op == "n")
    if voter is None:
        return END
    shape = shape_of(voter)
    if op == "e" and not turn.caps.buttons:
        await _show_typed(turn, voter)
        return "answer"
    if not ballot_state.valid_state(shape, state):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    if op == "n":
        return END
    if op == "x":
        await cast(turn, voter, state)
        return END
    if not turn.caps.buttons:
        # A ballot with buttons reached a chat without them (the voter changed apps): offer
        # the ballot to answer in one message.
        screen = zalo_notice(voter, lang)
        await turn.say(screen.text, buttons=screen.buttons)
        return END
    following: str | Refusal
    if op.startswith("s") and len(op) == 3:
        following = ballot_state.set_answer(shape, state, DIGITS.find(op[1]), op[2])
    elif op.startswith("t") and len(op) == 2:
        following = ballot_state.toggle_pick(shape, state, DIGITS.find(op[1]))
    elif op == "r":
        screen = review_screen(voter, state, lang)
        await turn.show(screen.text, buttons=screen.buttons)
        return END
    elif op == "e":
        following = state
    else:
        following = Refusal("stale")
    if isinstance(following, Refusal):
        await turn.alert(_press_refusal(following, lang))
        return END
    screen = ballot_screen(voter, following, lang)
    await turn.show(screen.text, buttons=screen.buttons)
    return END


def _press_refusal(refusal: Refusal, lang: str) -> str:
    if refusal.reason == "self_vote":
        return t(lang, "vote.invalid.self_vote")
    if refusal.reason == "limit":
        return t(lang, "vote.limit", **refusal.params)
    return t(lang, "error.stale_button")


async def cast(turn: Turn, voter: VoterBallot, state: str) -> None:
    lang = turn.lang
    result = await ballots.cast(
        turn.deps.db,
        poll_ref=voter.poll.ref,
        person_id=turn.person_id,
        ballot=decode(voter, state),
        now=turn.deps.clock(),
        voter=voter,  # read by this press already: not read again
    )
    if result.status is CastStatus.RECORDED and result.tracker:
        # Only now, after the commit, does the voter hear "recorded".
        code = ballot_crypto.short_code(result.tracker)
        await turn.show(
            t(lang, "vote.recorded", unit=result.unit_name or "", title=voter.poll.title, code=code)
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
    await turn.alert(message)


# ------------------------------------------------------------------ a ballot typed in one message (Zalo)
async def _show_typed(turn: Turn, voter: VoterBallot) -> None:
    turn.data = {"ref": voter.poll.ref}  # the poll only: never a choice
    await turn.say(typed_ballot_screen(voter, turn.lang).text)


async def typed_open(turn: Turn) -> str | None:
    ref = (turn.incoming.choice or "").removeprefix("vz:")
    voter = await _voter(turn, ref)
    if voter is None:
        return END
    if turn.caps.buttons:  # pressed on an app with buttons: the ballot with buttons
        screen = ballot_screen(voter, ballot_state.empty_state(shape_of(voter)), turn.lang)
        await turn.show(screen.text, buttons=screen.buttons)
        return END
    await _show_typed(turn, voter)
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
    screen = typed_review_screen(voter, read, lang)
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


async def publish_results(deps: Deps, closed: ClosedPoll, *, chair_told: bool) -> str:
    """The result in the bloc's Telegram group; where there is none (or it cannot be reached) and
    the chair has not seen it already, to the chair through the outbox."""
    meeting = await meetings.view(deps.db, closed.poll.meeting_id)
    text = result_text(closed, meeting, "vi")
    telegram = deps.channels.get(Channel.TELEGRAM)
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
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("close", "runoff", "resend"):
        await turn.alert(t(lang, "error.stale_button"))
        return None
    poll_id = int(parts[1])
    try:
        if parts[2] == "close":
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
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
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
        await turn.say(t(lang, "verify.usage"))
        return None
    try:
        matches = await ballots.verify_tracker(turn.deps.db, code)
    except ValueError:
        matches = []
    if not matches:
        await turn.say(t(lang, "verify.not_found", code=code))
        return None
    await turn.say(
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
        )
    )
    return None


# ------------------------------------------------------------------ the periodic job
async def ballot_tick(deps: Deps) -> None:
    """Post "X of Y have voted" in batches, and close the polls whose deadline has passed."""
    telegram = deps.channels.get(Channel.TELEGRAM)
    for progress in await ballots.progress_to_post(deps.db):
        if progress.chat_id is None or progress.message_id is None or telegram is None:
            continue
        text = t("vi", "ballot.progress", title=progress.title, voted=progress.voted, voters=progress.voters)
        try:
            await telegram.edit(str(progress.chat_id), str(progress.message_id), Screen(text))
        except Exception as error:
            log.warning("poll %s: progress line not updated (%s)", progress.poll_id, type(error).__name__)
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
