"""Self-scoring (/chamdiem), review (/duyet), the unit's answers, and the ranking (/xephang).

Callback data (≤ 64 bytes, every one re-checked by a service):
  sc:<sheet>:<next|skip|back|go|submit>:<code>   the representative's sheet, at criterion <code>
  rv:<sheet>  open a sheet for review      ra:<line>  accept a line     rA:<sheet>  accept the rest
  rp:<line>   propose another score        rd:<line>:<u|p>  the head decides a disputed line
  rf:<sheet>  the head finalises           ua:<line>:<y|n>  the unit agrees or answers
  task:score  the button on deadline pings (issue 6)
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import t
from bot.services import scoring
from bot.services.progress import Task as ProgressTask
from bot.services.progress import task_button_data
from bot.services.registration import Refused
from bot.services.scoring import LineView, SheetState, SheetView
from handlers.common import (
    ThiduaContext,
    alert,
    buttons,
    conversation,
    done_button,
    now_of,
    reply,
    say,
    today_of,
    viewer,
)
from models.registration import LineReview, SheetStatus
from models.scoring_rules import format_points

S_SCORE, S_EVIDENCE, S_END = 1, 2, 3
RV_PROPOSE, RV_ANSWER = 1, 2
_SC = re.compile(r"^sc:(\d+):(next|skip|back|go|submit):(.{1,32})$")
_NUMBER_ONLY = re.compile(r"^\s*[0-9]+(?:[.,][0-9]+)?\s*$")


def p(value: object) -> str:
    return format_points(value) if value is not None else "—"  # type: ignore[arg-type]


# ------------------------------------------------------------------ the representative's sheet
async def show_state(update: Update, context: ThiduaContext, state: SheetState, lang: str) -> int:
    sid = state.sheet_id
    if state.status is not SheetStatus.DRAFT:
        await reply(update, t(lang, "score.submitted_already", unit=state.unit_name, total=p(state.total)))
        return ConversationHandler.END
    if state.criterion is None:
        text = t(lang, "score.summary", unit=state.unit_name, total=p(state.total), count=state.count)
        if state.unscored:
            text += "\n" + t(lang, "score.unscored_list", codes=", ".join(state.unscored))
            markup = buttons(
                [(t(lang, "score.btn.first"), f"sc:{sid}:go:{state.unscored[0]}")],
                [(t(lang, "score.btn.back"), f"sc:{sid}:back:end")],
            )
        else:
            markup = buttons(
                [(t(lang, "score.btn.submit"), f"sc:{sid}:submit:end")],
                [(t(lang, "score.btn.back"), f"sc:{sid}:back:end")],
            )
        await reply(update, text, reply_markup=markup)
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
    markup = buttons(
        [
            (t(lang, "score.btn.back"), f"sc:{sid}:back:{c.code}"),
            (t(lang, "score.btn.skip"), f"sc:{sid}:skip:{c.code}"),
        ]
    )
    await reply(update, "\n".join(lines), reply_markup=markup)
    return S_SCORE


async def start_scoring(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    try:
        state = await scoring.open_sheet(context.deps.db, profile.person_id, today=today_of(context))
    except Refused as refusal:
        await reply(update, say(refusal.notice, profile.language, context))
        return ConversationHandler.END
    return await show_state(update, context, state, profile.language)


async def _sheet_id(context: ThiduaContext, person_id: int) -> int:
    state = await scoring.open_sheet(context.deps.db, person_id, today=today_of(context))
    return state.sheet_id


async def got_score(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    lang = profile.language
    try:
        sheet_id = await _sheet_id(context, profile.person_id)
        state, score = await scoring.enter_score(
            context.deps.db,
            profile.person_id,
            sheet_id=sheet_id,
            text=update.message.text or "",
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return S_SCORE
    assert state.criterion is not None
    code = state.criterion.code
    markup = buttons(
        [
            (t(lang, "score.btn.next"), f"sc:{sheet_id}:next:{code}"),
            (t(lang, "score.btn.back"), f"sc:{sheet_id}:back:{code}"),
        ]
    )
    await reply(update, t(lang, "score.saved", score=p(score), code=code), reply_markup=markup)
    return S_EVIDENCE


async def got_evidence(update: Update, context: ThiduaContext) -> int:
    message = update.message
    assert message is not None
    profile = await viewer(update, context)
    lang = profile.language
    if message.text and _NUMBER_ONLY.match(message.text):
        # Most likely the next criterion's score typed before «Tiếp»: say so rather than file it as a note.
        await reply(update, t(lang, "score.evidence.number_hint"))
        return S_EVIDENCE
    kind, value, name, size = "note", message.text or "", None, None
    if message.document is not None:
        kind, value, name, size = (
            "document",
            message.document.file_id,
            message.document.file_name,
            message.document.file_size,
        )
    elif message.photo:
        photo = message.photo[-1]
        kind, value, name, size = "photo", photo.file_id, None, photo.file_size
    try:
        sheet_id = await _sheet_id(context, profile.person_id)
        state = await scoring.add_evidence(
            context.deps.db,
            profile.person_id,
            sheet_id=sheet_id,
            kind=kind,
            value=value,
            file_name=name,
            size=size,
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return S_EVIDENCE
    assert state.criterion is not None
    code = state.criterion.code
    markup = buttons([(t(lang, "score.btn.next"), f"sc:{sheet_id}:next:{code}")])
    await reply(update, t(lang, "score.evidence.saved", count=state.evidence, code=code), reply_markup=markup)
    return S_EVIDENCE


async def sheet_button(update: Update, context: ThiduaContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    match = _SC.match(query.data)
    if match is None:
        await alert(update, t(lang, "error.stale_button"))
        return None
    sheet_id, action, code = int(match.group(1)), match.group(2), match.group(3)
    db, today = context.deps.db, today_of(context)
    try:
        if action == "submit":
            state = await scoring.submit(
                db, profile.person_id, sheet_id=sheet_id, today=today, now=now_of(context)
            )
            await done_button(update)
            # Said only now: the sheet is committed as submitted.
            await reply(update, t(lang, "score.sent", unit=state.unit_name, total=p(state.total)))
            return ConversationHandler.END
        state = await scoring.move(
            db, profile.person_id, sheet_id=sheet_id, action=action, code=code, today=today
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return None
    await done_button(update)
    return await show_state(update, context, state, lang)


async def pause(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "score.paused"))
    return ConversationHandler.END


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


def sheet_card(view: SheetView, lang: str, can_finalise: bool) -> tuple[str, object]:
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
        return "\n".join(lines), None
    rows: list[list[tuple[str, str]]] = []
    for line in view.lines:
        if line.review is LineReview.PENDING:
            rows.append([(f"✓ {line.code}", f"ra:{line.line_id}"), (f"✎ {line.code}", f"rp:{line.line_id}")])
        elif line.review is LineReview.DISPUTED and can_finalise:
            rows.append(
                [
                    (t(lang, "review.btn.keep_unit", code=line.code), f"rd:{line.line_id}:u"),
                    (t(lang, "review.btn.use_proposed", code=line.code), f"rd:{line.line_id}:p"),
                ]
            )
    if view.count(LineReview.PENDING):
        rows.append([(t(lang, "review.btn.accept_rest"), f"rA:{view.sheet_id}")])
    if can_finalise:
        rows.append([(t(lang, "review.btn.finalise"), f"rf:{view.sheet_id}")])
    return "\n".join(lines), buttons(*rows) if rows else None


async def _can_finalise(context: ThiduaContext, person_id: int) -> bool:
    async with context.deps.db.session() as session:
        try:
            await scoring.bloc_seat(session, person_id, today_of(context), scoring.FINALISERS)
            return True
        except Refused:
            return False


async def review_list(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    try:
        sheets = await scoring.review_list(context.deps.db, profile.person_id, today=today_of(context))
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    if not sheets:
        await reply(update, t(lang, "review.none"))
        return
    lines = [t(lang, "review.title")]
    rows = []
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
            rows.append([(view.unit_name[:60], f"rv:{view.sheet_id}")])
    await reply(update, "\n".join(lines), reply_markup=buttons(*rows) if rows else None)


async def _send_card(
    update: Update, context: ThiduaContext, view: SheetView, lang: str, person_id: int
) -> None:
    text, markup = sheet_card(view, lang, await _can_finalise(context, person_id))
    await reply(update, text, reply_markup=markup)


def _id(data: str, prefix: str) -> int | None:
    rest = data.removeprefix(prefix).split(":")[0]
    return int(rest) if rest.isdigit() else None


async def open_sheet(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    sheet_id = _id(query.data, "rv:")
    try:
        if sheet_id is None:
            raise Refused("score.no_sheet")
        view = await scoring.sheet_for_review(
            context.deps.db, profile.person_id, sheet_id=sheet_id, today=today_of(context)
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    await query.answer()
    await _send_card(update, context, view, lang, profile.person_id)


async def accept(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    db, today, now = context.deps.db, today_of(context), now_of(context)
    try:
        if query.data.startswith("rA:"):
            sheet_id = _id(query.data, "rA:")
            if sheet_id is None:
                raise Refused("score.no_sheet")
            view = await scoring.accept_lines(
                db, profile.person_id, sheet_id=sheet_id, line_ids=None, today=today, now=now
            )
        else:
            line_id = _id(query.data, "ra:")
            if line_id is None:
                raise Refused("score.no_criterion", code="?")
            async with db.session() as session:
                line = await session.get(scoring.ScoreLine, line_id)
            if line is None:
                raise Refused("score.no_criterion", code=str(line_id))
            view = await scoring.accept_lines(
                db, profile.person_id, sheet_id=line.sheet_id, line_ids=[line_id], today=today, now=now
            )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    await done_button(update)
    await _send_card(update, context, view, lang, profile.person_id)


async def ask_proposal(update: Update, context: ThiduaContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    line_id = _id(query.data, "rp:")
    try:
        if line_id is None:
            raise Refused("score.no_criterion", code="?")
        async with context.deps.db.session() as session:
            line = await session.get(scoring.ScoreLine, line_id)
            if line is None:
                raise Refused("score.no_criterion", code=str(line_id))
        view = await scoring.sheet_for_review(
            context.deps.db, profile.person_id, sheet_id=line.sheet_id, today=today_of(context)
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return None
    await scoring.ask(context.deps.db, profile.person_id, kind="propose", ref_id=line_id, now=now_of(context))
    await query.answer()
    target = next(v for v in view.lines if v.line_id == line_id)
    await reply(
        update,
        t(
            lang,
            "review.ask_proposal",
            code=target.code,
            unit=view.unit_name,
            score=p(target.self_score),
            max=p(target.max_points),
        ),
    )
    return RV_PROPOSE


async def got_proposal(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    lang = profile.language
    db = context.deps.db
    line_id = await scoring.asked(db, profile.person_id, kind="propose")
    if line_id is None:
        return ConversationHandler.END
    try:
        proposal = await scoring.propose(
            db,
            profile.person_id,
            line_id=line_id,
            text=update.message.text or "",
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return RV_PROPOSE
    await scoring.done_asking(db, profile.person_id)
    line = proposal.line
    await reply(
        update,
        t(
            lang,
            "review.proposal_sent",
            code=line.code,
            unit=proposal.sheet.unit_name,
            score=p(line.proposed),
        ),
    )
    for chat_id, language in proposal.notify:
        await context.bot.send_message(
            chat_id,
            t(
                language,
                "review.notify",
                code=line.code,
                title=line.title,
                old=p(line.self_score),
                new=p(line.proposed),
                reason=line.reason or "",
            ),
            parse_mode="HTML",
            reply_markup=buttons(
                [
                    (t(language, "review.btn.agree"), f"ua:{line.line_id}:y"),
                    (t(language, "review.btn.answer"), f"ua:{line.line_id}:n"),
                ]
            ),
        )
    await _send_card(update, context, proposal.sheet, lang, profile.person_id)
    return ConversationHandler.END


async def unit_answer(update: Update, context: ThiduaContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    db, today, now = context.deps.db, today_of(context), now_of(context)
    try:
        if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("y", "n"):
            raise Refused("error.stale_button")
        line_id = int(parts[1])
        if parts[2] == "y":
            line = await scoring.answer(
                db, profile.person_id, line_id=line_id, agree=True, today=today, now=now
            )
            await done_button(update)
            await reply(update, t(lang, "review.agreed", code=line.code, score=p(line.final)))
            return ConversationHandler.END
        _, line = await scoring.line_for_unit(db, profile.person_id, line_id=line_id, today=today)
        if line.review is not LineReview.PROPOSED:
            raise Refused("review.not_asked")
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return None
    await scoring.ask(db, profile.person_id, kind="answer", ref_id=line_id, now=now)
    await done_button(update)
    await reply(update, t(lang, "review.ask_answer", code=line.code))
    return RV_ANSWER


async def got_answer(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    lang = profile.language
    db = context.deps.db
    line_id = await scoring.asked(db, profile.person_id, kind="answer")
    if line_id is None:
        return ConversationHandler.END
    try:
        line = await scoring.answer(
            db,
            profile.person_id,
            line_id=line_id,
            agree=False,
            text=update.message.text or "",
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return RV_ANSWER
    await scoring.done_asking(db, profile.person_id)
    await reply(update, t(lang, "review.answered", code=line.code))
    return ConversationHandler.END


async def review_cancel(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await scoring.done_asking(context.deps.db, profile.person_id)
    await reply(update, t(profile.language, "join.cancelled"))
    return ConversationHandler.END


async def decide(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    parts = query.data.split(":")
    try:
        if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("u", "p"):
            raise Refused("error.stale_button")
        view = await scoring.decide(
            context.deps.db,
            profile.person_id,
            line_id=int(parts[1]),
            use_proposed=parts[2] == "p",
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    await done_button(update)
    await _send_card(update, context, view, lang, profile.person_id)


async def finalise(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    sheet_id = _id(query.data, "rf:")
    try:
        if sheet_id is None:
            raise Refused("score.no_sheet")
        view = await scoring.finalise(
            context.deps.db,
            profile.person_id,
            sheet_id=sheet_id,
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    await done_button(update)
    await reply(update, t(lang, "review.finalised", unit=view.unit_name, total=p(view.final_total)))


# ------------------------------------------------------------------ ranking
async def ranking(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    try:
        result = await scoring.ranking(context.deps.db, profile.person_id, today=today_of(context))
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
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
    await reply(update, "\n".join(lines))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this capability's handlers (before the catch-alls of handlers.errors)."""
    text_only = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        conversation(
            entry_points=[
                CommandHandler(["chamdiem", "score"], start_scoring),
                CallbackQueryHandler(
                    start_scoring, pattern=rf"^{task_button_data(ProgressTask.SELF_SCORE)}$"
                ),
                # Sheet buttons work in any state (and after /huy): the service checks them all.
                CallbackQueryHandler(sheet_button, pattern=r"^sc:"),
            ],
            states={
                S_SCORE: [MessageHandler(text_only, got_score)],
                S_EVIDENCE: [
                    MessageHandler(
                        (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO, got_evidence
                    )
                ],
                S_END: [],
            },
            fallbacks=[CommandHandler(["huy", "cancel", "tamdung", "pause"], pause)],
            name="scoring",
        )
    )
    application.add_handler(
        conversation(
            entry_points=[
                CallbackQueryHandler(ask_proposal, pattern=r"^rp:"),
                CallbackQueryHandler(unit_answer, pattern=r"^ua:"),
            ],
            states={
                RV_PROPOSE: [MessageHandler(text_only, got_proposal)],
                RV_ANSWER: [MessageHandler(text_only, got_answer)],
            },
            fallbacks=[CommandHandler(["huy", "cancel"], review_cancel)],
            name="review",
        )
    )
    application.add_handler(CommandHandler(["duyet", "review"], review_list))
    application.add_handler(CallbackQueryHandler(open_sheet, pattern=r"^rv:"))
    application.add_handler(CallbackQueryHandler(accept, pattern=r"^r[aA]:"))
    application.add_handler(CallbackQueryHandler(decide, pattern=r"^rd:"))
    application.add_handler(CallbackQueryHandler(finalise, pattern=r"^rf:"))
    application.add_handler(CommandHandler(["xephang", "ranking"], ranking))
