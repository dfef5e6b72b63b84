"""Self-scoring (/chamdiem), review (/duyet), the unit's answers, and the ranking (/xephang).

On the channel-neutral chat layer: the same conversations on Telegram (buttons, edits) and Zalo
(lettered options where a score is typed, numbered ones elsewhere, new messages).

Press data (≤ 64 bytes, every one re-checked by a service):
  sc:<sheet>:<next|skip|back|go|submit>:<code>   the representative's sheet, at criterion <code>
  rv:<sheet>  open a sheet for review      ra:<line>  accept a line     rA:<sheet>  accept the rest
  rp:<line>   propose another score        rd:<line>:<u|p>  the head decides a disputed line
  rf:<sheet>  the head finalises           ua:<line>:<y|n>  the unit agrees or answers
  task:score  the button on deadline pings (issue 6)
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.i18n import t
from bot.services import scoring
from bot.services.notices import Notice
from bot.services.progress import Task as ProgressTask
from bot.services.progress import task_button_data
from bot.services.registration import Refused
from bot.services.scoring import LineView, SheetState, SheetView
from handlers import notices
from models.channels import Channel
from models.registration import LineReview, SheetStatus
from models.scoring_rules import format_points

S_SCORE, S_EVIDENCE, S_END = "score", "evidence", "end"
RV_PROPOSE, RV_ANSWER = "propose", "answer"
_SC = re.compile(r"^sc:(\d{1,12}):(next|skip|back|go|submit):(.{1,32})$")
_NUMBER_ONLY = re.compile(r"^\s*[0-9]+(?:[.,][0-9]+)?\s*$")
Rows = tuple[tuple[Button, ...], ...]


def p(value: object) -> str:
    return format_points(value) if value is not None else "—"  # type: ignore[arg-type]


def notice_text(turn: Turn, notice: Notice) -> str:
    """A service's notice in the reader's language; nested notices and datetimes rendered too."""
    return notices.notice_text(notice, turn.lang, turn.deps.settings.zone)


async def refuse(turn: Turn, refusal: Refused) -> None:
    """A refusal: a pop-up for a press, a message for what was typed. On Zalo the options shown
    before stay answerable (an alert does not replace the menu)."""
    await turn.alert(notice_text(turn, refusal.notice))


def _takes_documents(turn: Turn) -> bool:
    # Zalo people can send photos to a bot, not documents: say "photo or link" there.
    return turn.incoming.channel is not Channel.ZALO


def _now(turn: Turn) -> datetime:
    return turn.deps.clock()


# ------------------------------------------------------------------ the representative's sheet
async def show_state(turn: Turn, state: SheetState, *, replace: bool = True) -> str | None:
    """The sheet where the representative is: in place of the pressed screen, or anew."""
    lang, sid = turn.lang, state.sheet_id
    show = turn.show if replace else turn.say
    if state.status is not SheetStatus.DRAFT:
        await show(t(lang, "score.submitted_already", unit=state.unit_name, total=p(state.total)))
        return END
    if state.criterion is None:
        text = t(lang, "score.summary", unit=state.unit_name, total=p(state.total), count=state.count)
        if state.unscored:
            text += "\n" + t(lang, "score.unscored_list", codes=", ".join(state.unscored))
            first = Button(t(lang, "score.btn.first"), f"sc:{sid}:go:{state.unscored[0]}")
        else:
            first = Button(t(lang, "score.btn.submit"), f"sc:{sid}:submit:end")
        await show(text, buttons=((first,), (Button(t(lang, "score.btn.back"), f"sc:{sid}:back:end"),)))
        return S_END
    c = state.criterion
    lines = [
        t(
            lang,
            "score.criterion",
            code=c.code,
            n=state.position + 1,
            count=state.count,
            content=state.content.title if state.content else "",
        ),
        t(lang, "plain", text=c.title),
        t(lang, "score.max", max=p(c.max_points))
        + ("" if c.step == 1 else t(lang, "crit.step", step=p(c.step))),
    ]
    if state.score is not None:
        lines.append(t(lang, "score.current", score=p(state.score), evidence=state.evidence))
    lines.append(t(lang, "score.ask"))
    buttons = (
        (
            Button(t(lang, "score.btn.back"), f"sc:{sid}:back:{c.code}"),
            Button(t(lang, "score.btn.skip"), f"sc:{sid}:skip:{c.code}"),
        ),
    )
    # A score is typed here: on Zalo the options are lettered, so "9" stays a score.
    await show("\n".join(lines), buttons=buttons, typed_numbers=True)
    return S_SCORE


async def start_scoring(turn: Turn) -> str | None:
    try:
        state = await scoring.open_sheet(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(notice_text(turn, refusal.notice))
        return END
    # From the deadline ping's button too, the sheet opens below the ping, which stays as it was.
    return await show_state(turn, state, replace=False)


async def _sheet_id(turn: Turn) -> int:
    state = await scoring.open_sheet(turn.deps.db, turn.person_id, today=turn.today)
    return state.sheet_id


def _next_buttons(turn: Turn, sheet_id: int, code: str, *, back: bool) -> Rows:
    row = [Button(t(turn.lang, "score.btn.next"), f"sc:{sheet_id}:next:{code}")]
    if back:
        row.append(Button(t(turn.lang, "score.btn.back"), f"sc:{sheet_id}:back:{code}"))
    return (tuple(row),)


async def got_score(turn: Turn) -> str | None:
    lang = turn.lang
    try:
        sheet_id = await _sheet_id(turn)
        state, score = await scoring.enter_score(
            turn.deps.db,
            turn.person_id,
            sheet_id=sheet_id,
            text=turn.incoming.text,
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return S_SCORE
    assert state.criterion is not None
    code = state.criterion.code
    key = "score.saved" if _takes_documents(turn) else "score.saved.photos_only"
    await turn.say(
        t(lang, key, score=p(score), code=code),
        buttons=_next_buttons(turn, sheet_id, code, back=True),
        typed_numbers=True,
    )
    return S_EVIDENCE


async def not_a_score(turn: Turn) -> str | None:
    """A photo, file or sticker where a score is asked for: say so, change nothing."""
    await turn.alert(t(turn.lang, "score.need_number"))
    return S_SCORE


async def _evidence_saved(turn: Turn, state: SheetState, sheet_id: int) -> str | None:
    assert state.criterion is not None
    code = state.criterion.code
    await turn.say(
        t(turn.lang, "score.evidence.saved", count=state.evidence, code=code),
        buttons=_next_buttons(turn, sheet_id, code, back=False),
        typed_numbers=True,
    )
    return S_EVIDENCE


async def got_evidence(turn: Turn) -> str | None:
    """A link or a note typed as evidence."""
    text = turn.incoming.text
    if _NUMBER_ONLY.match(text):
        # Most likely the next criterion's score typed before «Tiếp»: say so rather than file it as a note.
        await turn.alert(t(turn.lang, "score.evidence.number_hint"))
        return S_EVIDENCE
    try:
        sheet_id = await _sheet_id(turn)
        state = await scoring.add_evidence(
            turn.deps.db,
            turn.person_id,
            sheet_id=sheet_id,
            kind="note",
            value=text,
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return S_EVIDENCE
    return await _evidence_saved(turn, state, sheet_id)


async def got_file(turn: Turn) -> str | None:
    """A photo or document: checked, copied into the bot's file store, then attached."""
    attachment = turn.incoming.attachment
    assert attachment is not None
    kind = "photo" if turn.incoming.kind is InKind.PHOTO else "document"
    shown = attachment.name or t(turn.lang, "score.evidence.photo_word")
    try:
        scoring.check_evidence(kind, attachment.name, attachment.size)
        sheet_id = await _sheet_id(turn)
        try:
            data = await turn.fetch(scoring.MAX_EVIDENCE_BYTES)
        except ValueError:
            raise Refused("score.evidence.too_big_unknown", file=shown) from None
        stored = turn.deps.files.put(data)
        state = await scoring.add_evidence(
            turn.deps.db,
            turn.person_id,
            sheet_id=sheet_id,
            kind=kind,
            value=attachment.ref,
            file_name=attachment.name,
            size=stored.size,
            file_key=stored.key,
            mime=attachment.mime,
            caption=attachment.caption,
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return S_EVIDENCE
    return await _evidence_saved(turn, state, sheet_id)


async def not_evidence(turn: Turn) -> str | None:
    await turn.alert(t(turn.lang, "score.evidence.sticker"))
    return S_EVIDENCE


async def sheet_button(turn: Turn) -> str | None:
    lang = turn.lang
    match = _SC.match(turn.incoming.choice or "")
    if match is None:
        await turn.alert(t(lang, "error.stale_button"))
        return None
    sheet_id, action, code = int(match.group(1)), match.group(2), match.group(3)
    db, today = turn.deps.db, turn.today
    try:
        if action == "submit":
            state = await scoring.submit(db, turn.person_id, sheet_id=sheet_id, today=today, now=_now(turn))
            # Said only now: the sheet is committed as submitted.
            await turn.show(t(lang, "score.sent", unit=state.unit_name, total=p(state.total)))
            return END
        state = await scoring.move(
            db, turn.person_id, sheet_id=sheet_id, action=action, code=code, today=today
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return await _where_now(turn)
    return await show_state(turn, state)


async def _where_now(turn: Turn) -> str | None:
    """After a refused press the person stays where they were (a forged press from outside the
    conversation starts none)."""
    state = await scoring.find_sheet(turn.deps.db, turn.person_id, today=turn.today)
    if state is None or state.status is not SheetStatus.DRAFT:
        return END
    if state.criterion is None:
        return S_END
    return S_EVIDENCE if state.awaiting_evidence else S_SCORE


async def pause(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "score.paused"))
    return END


# ------------------------------------------------------------------ review
def line_text(line: LineView, lang: str) -> str:
    text = t(
        lang,
        "review.line",
        code=line.code,
        title=line.title,
        score=p(line.self_score),
        max=p(line.max_points),
        evidence=line.evidence,
    )
    text += " · " + t(lang, f"review.state.{line.review.value}")
    if line.proposed is not None:
        text += "\n    " + t(lang, "review.proposed", score=p(line.proposed), reason=line.reason or "")
    if line.answer:
        text += "\n    " + t(lang, "review.answer", answer=line.answer)
    if line.final is not None:
        text += "\n    " + t(lang, "review.final", score=p(line.final))
    return text


def sheet_card(view: SheetView, lang: str, can_finalise: bool) -> tuple[str, Rows]:
    lines = [
        t(
            lang,
            "review.sheet",
            unit=view.unit_name,
            status=t(lang, f"sheet.{view.status.value}"),
            total=p(view.self_total),
        )
    ]
    lines += [line_text(line, lang) for line in view.lines]
    if view.status is SheetStatus.FINAL:
        lines.append(t(lang, "review.final_total", total=p(view.final_total)))
        return "\n".join(lines), ()
    rows: list[tuple[Button, ...]] = []
    for line in view.lines:
        if line.review is LineReview.PENDING:
            rows.append(
                (
                    Button(f"✓ {line.code}", f"ra:{line.line_id}"),
                    Button(f"✎ {line.code}", f"rp:{line.line_id}"),
                )
            )
        elif line.review is LineReview.DISPUTED and can_finalise:
            rows.append(
                (
                    Button(t(lang, "review.btn.keep_unit", code=line.code), f"rd:{line.line_id}:u"),
                    Button(t(lang, "review.btn.use_proposed", code=line.code), f"rd:{line.line_id}:p"),
                )
            )
    if view.count(LineReview.PENDING):
        rows.append((Button(t(lang, "review.btn.accept_rest"), f"rA:{view.sheet_id}"),))
    if can_finalise:
        rows.append((Button(t(lang, "review.btn.finalise"), f"rf:{view.sheet_id}"),))
    return "\n".join(lines), tuple(rows)


async def _card(turn: Turn, view: SheetView, *, replace: bool) -> None:
    final = await scoring.can_finalise(turn.deps.db, turn.person_id, today=turn.today)
    text, buttons = sheet_card(view, turn.lang, final)
    if replace:
        await turn.show(text, buttons=buttons)
    else:
        await turn.say(text, buttons=buttons)


async def review_list(turn: Turn) -> None:
    lang = turn.lang
    try:
        sheets = await scoring.review_list(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(notice_text(turn, refusal.notice))
        return None
    if not sheets:
        await turn.say(t(lang, "review.none"))
        return None
    lines = [t(lang, "review.title")]
    rows: list[tuple[Button, ...]] = []
    for view in sheets:
        lines.append(
            t(
                lang,
                "review.item",
                unit=view.unit_name,
                status=t(lang, f"sheet.{view.status.value}"),
                total=p(view.self_total),
                pending=view.count(LineReview.PENDING),
                proposed=view.count(LineReview.PROPOSED),
                disputed=view.count(LineReview.DISPUTED),
            )
        )
        if view.status is SheetStatus.SUBMITTED:
            rows.append((Button(view.unit_name[:60], f"rv:{view.sheet_id}"),))
    await turn.say("\n".join(lines), buttons=tuple(rows))
    return None


def _id(data: str, prefix: str) -> int | None:
    rest = data.removeprefix(prefix).split(":")[0]
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 12 else None


async def open_sheet(turn: Turn) -> None:
    sheet_id = _id(turn.incoming.choice or "", "rv:")
    try:
        if sheet_id is None:
            raise Refused("score.no_sheet")
        view = await scoring.sheet_for_review(
            turn.deps.db, turn.person_id, sheet_id=sheet_id, today=turn.today
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return None
    await _card(turn, view, replace=False)
    return None


async def accept(turn: Turn) -> None:
    data = turn.incoming.choice or ""
    db, today, now = turn.deps.db, turn.today, _now(turn)
    try:
        if data.startswith("rA:"):
            sheet_id = _id(data, "rA:")
            if sheet_id is None:
                raise Refused("score.no_sheet")
            view = await scoring.accept_lines(
                db, turn.person_id, sheet_id=sheet_id, line_ids=None, today=today, now=now
            )
        else:
            line_id = _id(data, "ra:")
            if line_id is None:
                raise Refused("score.no_criterion", code="?")
            sheet_id = await scoring.line_sheet(db, line_id)
            view = await scoring.accept_lines(
                db, turn.person_id, sheet_id=sheet_id, line_ids=[line_id], today=today, now=now
            )
    except Refused as refusal:
        await refuse(turn, refusal)
        return None
    await _card(turn, view, replace=True)
    return None


async def ask_proposal(turn: Turn) -> str | None:
    line_id = _id(turn.incoming.choice or "", "rp:")
    try:
        if line_id is None:
            raise Refused("score.no_criterion", code="?")
        view, target = await scoring.proposal_target(
            turn.deps.db, turn.person_id, line_id=line_id, today=turn.today
        )
        if view.status is not SheetStatus.SUBMITTED:
            raise Refused("review.not_open")
        if target.review not in (LineReview.PENDING, LineReview.ACCEPTED):
            raise Refused("review.line_done", code=target.code)
    except Refused as refusal:
        await refuse(turn, refusal)
        return END
    turn.data["line"] = line_id  # the typed answer lands on this line, even after a restart
    await turn.say(
        t(
            turn.lang,
            "review.ask_proposal",
            code=target.code,
            unit=view.unit_name,
            score=p(target.self_score),
            max=p(target.max_points),
        )
    )
    return RV_PROPOSE


async def got_proposal(turn: Turn) -> str | None:
    line_id = turn.data.get("line")
    if not isinstance(line_id, int):
        return END
    try:
        proposal = await scoring.propose(
            turn.deps.db,
            turn.person_id,
            line_id=line_id,
            text=turn.incoming.text,
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return RV_PROPOSE
    turn.deps.poke_delivery()  # the unit's notice is in the outbox, committed with the proposal
    line = proposal.line
    await turn.say(
        t(
            turn.lang,
            "review.proposal_sent",
            code=line.code,
            unit=proposal.sheet.unit_name,
            score=p(line.proposed),
        )
    )
    await _card(turn, proposal.sheet, replace=False)
    return END


async def unit_answer(turn: Turn) -> str | None:
    parts = (turn.incoming.choice or "").split(":")
    db, today, now = turn.deps.db, turn.today, _now(turn)
    try:
        if len(parts) != 3 or _id(parts[1], "") is None or parts[2] not in ("y", "n"):
            raise Refused("error.stale_button")
        line_id = int(parts[1])
        if parts[2] == "y":
            line = await scoring.answer(db, turn.person_id, line_id=line_id, agree=True, today=today, now=now)
            await turn.show(t(turn.lang, "review.agreed", code=line.code, score=p(line.final)))
            await _next_proposal(turn)
            return END
        _, line = await scoring.line_for_unit(db, turn.person_id, line_id=line_id, today=today)
        if line.review is not LineReview.PROPOSED:
            raise Refused("review.not_asked")
    except Refused as refusal:
        await refuse(turn, refusal)
        return END
    turn.data["line"] = line_id
    await turn.say(t(turn.lang, "review.ask_answer", code=line.code))
    return RV_ANSWER


async def got_answer(turn: Turn) -> str | None:
    line_id = turn.data.get("line")
    if not isinstance(line_id, int):
        return END
    try:
        line = await scoring.answer(
            turn.deps.db,
            turn.person_id,
            line_id=line_id,
            agree=False,
            text=turn.incoming.text,
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return RV_ANSWER
    await turn.say(t(turn.lang, "review.answered", code=line.code))
    await _next_proposal(turn)
    return END


async def _next_proposal(turn: Turn) -> None:
    """Where a chat has no buttons (Zalo), only the options shown last can be answered: show the
    next proposal still waiting for the unit, so each one can be answered in turn."""
    if turn.caps.buttons:
        return
    waiting = await scoring.open_proposals(turn.deps.db, turn.person_id, today=turn.today)
    if waiting:
        screen = scoring.proposal_screen(waiting[0], turn.lang)
        await turn.say(screen.text, buttons=screen.buttons)


async def review_cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "join.cancelled"))
    return END


async def decide(turn: Turn) -> None:
    parts = (turn.incoming.choice or "").split(":")
    try:
        if len(parts) != 3 or _id(parts[1], "") is None or parts[2] not in ("u", "p"):
            raise Refused("error.stale_button")
        view = await scoring.decide(
            turn.deps.db,
            turn.person_id,
            line_id=int(parts[1]),
            use_proposed=parts[2] == "p",
            today=turn.today,
            now=_now(turn),
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return None
    await _card(turn, view, replace=True)
    return None


async def finalise(turn: Turn) -> None:
    sheet_id = _id(turn.incoming.choice or "", "rf:")
    try:
        if sheet_id is None:
            raise Refused("score.no_sheet")
        view = await scoring.finalise(
            turn.deps.db, turn.person_id, sheet_id=sheet_id, today=turn.today, now=_now(turn)
        )
    except Refused as refusal:
        await refuse(turn, refusal)
        return None
    await turn.show(t(turn.lang, "review.finalised", unit=view.unit_name, total=p(view.final_total)))
    return None


# ------------------------------------------------------------------ ranking
async def ranking(turn: Turn) -> None:
    lang = turn.lang
    try:
        result = await scoring.ranking(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(notice_text(turn, refusal.notice))
        return None
    lines = [t(lang, "rank.title", bloc=result.bloc_name, year=result.school_year)]
    if result.own_unit_id is not None and not result.lines:
        lines.append(t(lang, "rank.own_pending"))
    for line in result.lines:
        tie = t(lang, "rank.tie") if line.tied else ""
        lines.append(t(lang, "rank.line", rank=line.rank, unit=line.unit_name, total=p(line.total)) + tie)
    if result.own_unit_id is None and not result.lines:
        lines.append(t(lang, "rank.none"))
    if result.pending:
        lines.append(t(lang, "rank.pending", names=", ".join(result.pending)))
    await turn.say("\n".join(lines))
    return None


def register(router: Router) -> None:
    others = (InKind.PHOTO, InKind.FILE, InKind.STICKER)
    score_step: dict[StepKey, Handler] = {InKind.TEXT: got_score, InKind.OTHER: not_a_score}
    score_step.update({kind: not_a_score for kind in others})
    evidence_step: dict[StepKey, Handler] = {
        InKind.TEXT: got_evidence,
        InKind.PHOTO: got_file,
        InKind.FILE: got_file,
        InKind.STICKER: not_evidence,
        InKind.OTHER: not_evidence,
    }
    router.conversation(
        Conversation(
            name="scoring",
            entry={"chamdiem": start_scoring, "score": start_scoring},
            # Sheet presses work in any state (and after /huy): the service checks them all.
            entry_choices={task_button_data(ProgressTask.SELF_SCORE): start_scoring, "sc:": sheet_button},
            steps={S_SCORE: score_step, S_EVIDENCE: evidence_step, S_END: {}},
            fallbacks={name: pause for name in ("huy", "cancel", "tamdung", "pause")},
        )
    )
    propose_step: dict[StepKey, Handler] = {InKind.TEXT: got_proposal}
    propose_step.update({kind: _not_text(RV_PROPOSE) for kind in others})
    answer_step: dict[StepKey, Handler] = {InKind.TEXT: got_answer}
    answer_step.update({kind: _not_text(RV_ANSWER) for kind in others})
    router.conversation(
        Conversation(
            name="review",
            entry={},
            entry_choices={"rp:": ask_proposal, "ua:": unit_answer},
            steps={RV_PROPOSE: propose_step, RV_ANSWER: answer_step},
            fallbacks={"huy": review_cancel, "cancel": review_cancel},
        )
    )
    router.command(["duyet", "review"], review_list)
    router.choice("rv:", open_sheet)
    router.choice("ra:", accept)
    router.choice("rA:", accept)
    router.choice("rd:", decide)
    router.choice("rf:", finalise)
    router.command(["xephang", "ranking"], ranking)


def _not_text(step: str) -> Handler:
    """A sticker or a picture where a proposal or an answer is to be typed: ask again, change nothing."""

    async def ask_again(turn: Turn) -> str | None:
        await turn.alert(t(turn.lang, "chat.text_expected"))
        return step

    return ask_again
