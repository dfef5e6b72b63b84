"""Registration (/dangky), the pact (/kyketgiaouoc), criteria (/tieuchi), the head's overview
(/tinhhinh), deadlines (/hanchot, /mohan) and eligibility marks (/xetthidua).

Callback data (≤ 64 bytes, every one re-checked by a service):
  rg:t:<i>  the collective title   rg:next  next step   rg:clear:<part>  empty a list
  rg:ok / rg:cancel  confirm or drop the draft          pact:<scale_id>  sign the pact
  st:remind:<task>   remind the units that have not done a task
  task:register / task:sign  the buttons on deadline pings (issue 6)
"""

from __future__ import annotations

import contextlib
import html
import re
from datetime import date, datetime, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Raw, format_datetime, t
from bot.services import criteria, eligibility, pact, registration
from bot.services.criteria import ScaleView
from bot.services.notices import Notice
from bot.services.people import Profile
from bot.services.progress import Task as ProgressTask
from bot.services.progress import task_button_data
from bot.services.registration import COLLECTIVE_TITLES, Bilingual, Draft, Refused
from handlers.common import ThiduaContext, conversation, reply, viewer
from models.permissions import commands_for
from models.registration import Eligibility, Task
from models.scoring_rules import format_points

R_TITLE, R_TARGETS, R_PEOPLE, R_MODEL, R_PROJECTS, R_CONFIRM = range(1, 7)
C_UPLOAD = 1
TASK_WORDS = {
    "dangky": Task.REGISTER,
    "register": Task.REGISTER,
    "kyket": Task.SIGN_PACT,
    "giaouoc": Task.SIGN_PACT,
    "sign": Task.SIGN_PACT,
    "chamdiem": Task.SELF_SCORE,
    "score": Task.SELF_SCORE,
}


# ------------------------------------------------------------------ shared by handlers.scoring
def now_of(context: ThiduaContext) -> datetime:
    return context.deps.clock()


def today_of(context: ThiduaContext) -> date:
    return now_of(context).astimezone(context.deps.settings.zone).date()


def say(notice: Notice, lang: str, context: ThiduaContext) -> str:
    """A service's notice in the reader's language; nested notices and datetimes rendered too."""
    if isinstance(notice, Bilingual):
        return notice.render(lang)
    params: dict[str, Any] = {}
    for name, value in notice.params.items():
        if isinstance(value, Notice):
            params[name] = Raw(say(value, lang, context))
        elif isinstance(value, datetime):
            params[name] = format_datetime(value, context.deps.settings.zone)
        else:
            params[name] = value
    return t(lang, notice.key, **params)


def buttons(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


_TAG = re.compile(r"<[^>]+>")


def alert_text(text: str) -> str:
    """An alert shows plain text (no HTML) of at most 200 characters, as Telegram allows."""
    plain = html.unescape(_TAG.sub("", text))
    return plain if len(plain) <= 200 else plain[:199] + "…"


async def alert(update: Update, text: str) -> None:
    """Answer a button with an alert (a refusal), or reply when there is no button."""
    if update.callback_query is not None:
        await update.callback_query.answer(alert_text(text), show_alert=True)
    else:
        await reply(update, text)


async def done_button(update: Update) -> None:
    """Acknowledge a button and take the keyboard off its message, so it cannot be pressed twice."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    # Already edited, or too old to edit: nothing to undo.
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(None)


# ------------------------------------------------------------------ rendering
def draft_text(draft: Draft, lang: str) -> str:
    lines = [t(lang, "reg.summary.title", title=draft.title or "—")]
    lines.append(t(lang, "reg.summary.targets", count=len(draft.targets)))
    lines += [f"  {i}. {t(lang, 'plain', text=x)}" for i, x in enumerate(draft.targets, 1)]
    lines.append(t(lang, "reg.summary.people", count=len(draft.people)))
    lines += [
        f"  {i}. " + t(lang, "reg.summary.person", name=p.full_name, job=p.job or "—", title=p.title)
        for i, p in enumerate(draft.people, 1)
    ]
    if draft.needs_model or draft.new_model:
        lines.append(t(lang, "reg.summary.model", model=draft.new_model or "—"))
    lines.append(t(lang, "reg.summary.projects", count=len(draft.projects)))
    lines += [
        f"  {i}. " + t(lang, f"reg.kind.{kind}") + ": " + t(lang, "plain", text=title)
        for i, (kind, title) in enumerate(draft.projects, 1)
    ]
    return "\n".join(lines)


def scale_text(scale: ScaleView, lang: str) -> str:
    lines = [t(lang, "crit.header", version=scale.version, total=format_points(scale.total))]
    for content in scale.contents:
        lines.append(
            t(
                lang,
                "crit.content",
                code=content.code,
                title=content.title,
                total=format_points(content.point_total),
            )
        )
        for c in scale.criteria:
            if c.content_code == content.code:
                step = "" if c.step == 1 else t(lang, "crit.step", step=format_points(c.step))
                extra = t(lang, "crit.added") if c.added_by_bloc else ""
                lines.append(
                    t(lang, "crit.criterion", code=c.code, title=c.title, max=format_points(c.max_points))
                    + step
                    + extra
                )
    return "\n".join(lines)


def list_buttons(lang: str, part: str) -> InlineKeyboardMarkup:
    return buttons([(t(lang, "reg.btn.done"), "rg:next"), (t(lang, "reg.btn.clear"), f"rg:clear:{part}")])


# ------------------------------------------------------------------ /dangky
async def start_registration(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    if update.callback_query is not None:
        await update.callback_query.answer()
    try:
        started = await registration.start(
            context.deps.db, profile.person_id, today=today_of(context), now=now_of(context)
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return ConversationHandler.END
    seat = started.seat
    intro = t(lang, "reg.intro", unit=seat.unit_name, bloc=seat.bloc_name, year=seat.school_year)
    if started.amending:
        intro += (
            "\n\n" + t(lang, "reg.amending", version=started.version) + "\n" + draft_text(started.draft, lang)
        )
    await reply(update, intro)
    markup = buttons(*[[(title, f"rg:t:{i}")] for i, title in enumerate(COLLECTIVE_TITLES)])
    await reply(update, t(lang, "reg.ask_title"), reply_markup=markup)
    return R_TITLE


async def _edit_draft(update: Update, context: ThiduaContext, change: Any) -> Draft | None:
    profile = await viewer(update, context)
    try:
        return await registration.edit(
            context.deps.db, profile.person_id, today=today_of(context), now=now_of(context), change=change
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, profile.language, context))
        return None


async def title_chosen(update: Update, context: ThiduaContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    index = query.data.removeprefix("rg:t:")
    try:
        change = registration.set_title(int(index) if index.isdigit() else -1)
    except Refused as refusal:  # a forged or stale index: nothing changes
        await alert(update, say(refusal.notice, lang, context))
        return None
    draft = await _edit_draft(update, context, change)
    if draft is None:
        return None
    await done_button(update)
    await reply(update, t(lang, "reg.title_set", title=draft.title or ""))
    await reply(
        update,
        t(lang, "reg.ask_targets", count=len(draft.targets)),
        reply_markup=list_buttons(lang, "targets"),
    )
    return R_TARGETS


async def got_target(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    draft = await _edit_draft(update, context, _safe(registration.add_target, update.message.text or ""))
    if draft is not None:
        await reply(
            update,
            t(profile.language, "reg.target_added", count=len(draft.targets)),
            reply_markup=list_buttons(profile.language, "targets"),
        )
    return R_TARGETS


def _safe(factory: Any, *args: Any) -> Any:
    """Build a draft change; a refusal is raised when it is applied, inside the service's transaction."""
    try:
        return factory(*args)
    except Refused as refusal:
        held = refusal

        def refuse(_: Draft) -> None:
            raise held

        return refuse


async def clear_list(update: Update, context: ThiduaContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    part = query.data.removeprefix("rg:clear:")
    draft = await _edit_draft(update, context, registration.clear(part))
    if draft is None:
        return None
    await query.answer(alert_text(t(profile.language, "reg.cleared")))
    return {"targets": R_TARGETS, "people": R_PEOPLE, "projects": R_PROJECTS}.get(part)


async def _ask_people(update: Update, context: ThiduaContext, lang: str, draft: Draft) -> int:
    await reply(
        update, t(lang, "reg.ask_people", count=len(draft.people)), reply_markup=list_buttons(lang, "people")
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(registration.people_template(), filename="mau_danh_sach_ca_nhan.xlsx"),
        caption=t(lang, "reg.template_caption"),
    )
    return R_PEOPLE


async def targets_done(update: Update, context: ThiduaContext) -> int | None:
    profile = await viewer(update, context)
    lang = profile.language
    draft = await registration.draft_of(context.deps.db, profile.person_id, today=today_of(context))
    if not draft.targets:
        await alert(update, t(lang, "reg.missing.targets"))
        return None
    await done_button(update)
    return await _ask_people(update, context, lang, draft)


async def _take_people(
    update: Update, context: ThiduaContext, rows: list[Any], problems: list[Notice]
) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    if problems:
        lines = [t(lang, "reg.people.refused")] + [f"• {say(p, lang, context)}" for p in problems[:20]]
        await reply(update, "\n".join(lines))
        return R_PEOPLE
    draft = await _edit_draft(update, context, registration.add_people(rows))
    if draft is not None:
        await reply(
            update,
            t(lang, "reg.people.added", added=len(rows), count=len(draft.people)),
            reply_markup=list_buttons(lang, "people"),
        )
    return R_PEOPLE


async def got_people_text(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    rows, problems = registration.people_from_text(update.message.text or "")
    return await _take_people(update, context, rows, problems)


async def got_people_file(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    problem = registration.check_list_file(document.file_name or "", document.file_size)
    if problem is not None:
        return await _take_people(update, context, [], [problem])
    data = bytes(await (await document.get_file()).download_as_bytearray())
    rows, problems = await registration.people_off_loop(data, document.file_name or "")
    return await _take_people(update, context, rows, problems)


async def _ask_projects(update: Update, lang: str, draft: Draft) -> int:
    await reply(
        update,
        t(lang, "reg.ask_projects", count=len(draft.projects)),
        reply_markup=list_buttons(lang, "projects"),
    )
    return R_PROJECTS


async def people_done(update: Update, context: ThiduaContext) -> int | None:
    profile = await viewer(update, context)
    lang = profile.language
    draft = await registration.draft_of(context.deps.db, profile.person_id, today=today_of(context))
    if not draft.people:
        await alert(update, t(lang, "reg.missing.people"))
        return None
    await done_button(update)
    if draft.needs_model:
        current = t(lang, "reg.model_current", model=draft.new_model) if draft.new_model else ""
        keep = buttons([(t(lang, "reg.btn.keep"), "rg:next")]) if draft.new_model else None
        await reply(update, t(lang, "reg.ask_model", title=draft.title or "") + current, reply_markup=keep)
        return R_MODEL
    return await _ask_projects(update, lang, draft)


async def got_model(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    draft = await _edit_draft(update, context, _safe(registration.set_model, update.message.text or ""))
    if draft is None:
        return R_MODEL
    return await _ask_projects(update, profile.language, draft)


async def model_kept(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await done_button(update)
    draft = await registration.draft_of(context.deps.db, profile.person_id, today=today_of(context))
    return await _ask_projects(update, profile.language, draft)


async def got_project(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    profile = await viewer(update, context)
    draft = await _edit_draft(update, context, _safe(registration.add_project, update.message.text or ""))
    if draft is not None:
        await reply(
            update,
            t(profile.language, "reg.project_added", count=len(draft.projects)),
            reply_markup=list_buttons(profile.language, "projects"),
        )
    return R_PROJECTS


async def projects_done(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    await done_button(update)
    draft = await registration.draft_of(context.deps.db, profile.person_id, today=today_of(context))
    problems = registration.problems_of(draft)
    text = t(lang, "reg.confirm_title") + "\n\n" + draft_text(draft, lang)
    if problems:
        text += "\n\n" + "\n".join(f"⚠ {say(p, lang, context)}" for p in problems)
    markup = buttons([(t(lang, "reg.btn.confirm"), "rg:ok"), (t(lang, "reg.btn.cancel"), "rg:cancel")])
    await reply(update, text, reply_markup=markup)
    return R_CONFIRM


async def confirmed(update: Update, context: ThiduaContext) -> int | None:
    profile = await viewer(update, context)
    lang = profile.language
    try:
        saved = await registration.submit(
            context.deps.db, profile.person_id, today=today_of(context), now=now_of(context)
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return None
    await done_button(update)
    # Said only now: the registration is committed.
    await reply(
        update,
        t(
            lang,
            "reg.saved",
            unit=saved.unit_name,
            version=saved.version,
            at=format_datetime(saved.submitted_at or now_of(context), context.deps.settings.zone),
        ),
    )
    return ConversationHandler.END


async def cancelled(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    if update.callback_query is not None:
        await done_button(update)
    await reply(update, t(profile.language, "reg.cancelled"))
    return ConversationHandler.END


# ------------------------------------------------------------------ the pact
async def pact_offer(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    if update.callback_query is not None:
        await update.callback_query.answer()
    try:
        offer = await pact.offer(context.deps.db, profile.person_id, today=today_of(context))
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    text = t(lang, "pact.offer", unit=offer.unit_name, bloc=offer.bloc_name, year=offer.school_year)
    text += "\n\n" + scale_text(offer.scale, lang)
    if offer.signed_at is not None:
        text += "\n\n" + t(
            lang, "pact.already", at=format_datetime(offer.signed_at, context.deps.settings.zone)
        )
        await reply(update, text)
        return
    await reply(
        update, text, reply_markup=buttons([(t(lang, "pact.btn.sign"), f"pact:{offer.scale.scale_id}")])
    )


async def pact_sign(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    scale_id = query.data.removeprefix("pact:")
    try:
        if not scale_id.isdigit():
            raise Refused("pact.stale")
        signed = await pact.sign(
            context.deps.db,
            profile.person_id,
            scale_id=int(scale_id),
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    await done_button(update)
    key = "pact.already" if signed.already else "pact.signed"
    await reply(
        update,
        t(lang, key, unit=signed.unit_name, at=format_datetime(signed.signed_at, context.deps.settings.zone)),
    )


# ------------------------------------------------------------------ criteria
async def criteria_start(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    db, today = context.deps.db, today_of(context)
    scale = None
    head_side = False
    async with db.session() as session:
        try:
            seat: Any = await registration.bloc_seat(
                session, profile.person_id, today, registration.HEAD_SIDE
            )
            head_side = True
        except Refused:
            try:
                seat = await registration.unit_seat(session, profile.person_id, today)
            except Refused:
                seat = None
        if seat is not None:
            scale = await criteria.current_scale(session, seat.bloc_id, seat.school_year_id)
    if seat is None:
        await reply(update, t(lang, "error.not_allowed"))
        return ConversationHandler.END
    await reply(update, scale_text(scale, lang) if scale else t(lang, "crit.none"))
    if not head_side:
        return ConversationHandler.END
    chat = update.effective_chat
    assert chat is not None
    await reply(update, t(lang, "crit.ask_file"))
    await chat.send_document(
        InputFile(criteria.template(), filename="mau_thang_diem.xlsx"), caption=t(lang, "crit.template")
    )
    return C_UPLOAD


async def _publish(update: Update, context: ThiduaContext, checked: criteria.Checked) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    if not checked.ok:
        lines = [t(lang, "crit.refused_file")] + [f"• {say(p, lang, context)}" for p in checked.problems[:30]]
        await reply(update, "\n".join(lines))
        return C_UPLOAD
    try:
        scale = await criteria.publish(
            context.deps.db, profile.person_id, checked, today=today_of(context), now=now_of(context)
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return C_UPLOAD
    await reply(update, t(lang, "crit.published", version=scale.version) + "\n\n" + scale_text(scale, lang))
    return ConversationHandler.END


async def criteria_file(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    problem = registration.check_list_file(document.file_name or "", document.file_size)
    if problem is not None:
        return await _publish(update, context, criteria.Checked((), (), (problem,)))
    data = bytes(await (await document.get_file()).download_as_bytearray())
    return await _publish(update, context, await criteria.check_file_off_loop(data, document.file_name or ""))


async def criteria_text(update: Update, context: ThiduaContext) -> int:
    assert update.message is not None
    return await _publish(update, context, criteria.check_text(update.message.text or ""))


async def criteria_cancel(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "crit.cancelled"))
    return ConversationHandler.END


# ------------------------------------------------------------------ the head's overview and reminders
def _names(units: list[Any]) -> str:
    return ", ".join(u.unit_name for u in units)


def elig_reasons(reasons: tuple[str, ...], lang: str) -> str:
    """A unit's reasons as plain text: computed codes in words, the head's own reasons as typed."""
    return "; ".join(
        t(lang, f"elig.reason.{r}") if r in (eligibility.NOT_REGISTERED, eligibility.NOT_SIGNED) else r
        for r in reasons
    )


def deadline_lines(views: list[registration.DeadlineView], lang: str, context: ThiduaContext) -> list[str]:
    """The head's deadlines, the bloc's reopening and each unit's extension (numbered as /xetthidua)."""
    if not views:
        return []
    zone = context.deps.settings.zone
    lines = [t(lang, "status.deadlines")]
    for view in views:
        line = t(
            lang,
            "status.deadline",
            task=t(lang, f"task.{view.task.value}"),
            at=format_datetime(view.due_at, zone),
        )
        if view.reopened_until is not None:
            line += t(lang, "status.reopened", at=format_datetime(view.reopened_until, zone))
        lines.append(line)
        lines += [
            t(
                lang,
                "status.extension",
                n=e.number if e.number is not None else "—",
                unit=e.unit_name,
                at=format_datetime(e.until, zone),
            )
            for e in view.extensions
        ]
    return lines


async def status(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    try:
        seen = await eligibility.overview(context.deps.db, profile.person_id, today=today_of(context))
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    total = len(seen.units)
    lines = [t(lang, "status.title", bloc=seen.bloc_name, year=seen.school_year)]
    rows: list[list[tuple[str, str]]] = []
    for task in ("register", "sign", "score"):
        missing = seen.missing(task)
        lines.append(t(lang, f"status.{task}", done=total - len(missing), total=total))
        if missing:
            lines.append(t(lang, "status.missing", names=_names(missing)))
            rows.append([(t(lang, f"status.btn.{task}", count=len(missing)), f"st:remind:{task}")])
    lines += deadline_lines(
        await registration.deadlines(
            context.deps.db, bloc_id=seen.bloc_id, school_year_id=seen.school_year_id
        ),
        lang,
        context,
    )
    flagged = [u for u in seen.units if u.eligibility.status is not Eligibility.CONSIDERED]
    if flagged:
        lines.append(t(lang, "status.eligibility"))
        for index, unit in enumerate(seen.units, 1):
            if unit.eligibility.status is not Eligibility.CONSIDERED:
                reasons = elig_reasons(unit.eligibility.reasons, lang)
                lines.append(
                    t(
                        lang,
                        "status.elig_line",
                        n=index,
                        unit=unit.unit_name,
                        status=t(lang, f"elig.{unit.eligibility.status.value}"),
                        reasons=reasons,
                    )
                )
    await reply(update, "\n".join(lines), reply_markup=buttons(*rows) if rows else None)


async def remind(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    task = query.data.removeprefix("st:remind:")
    try:
        targets = await eligibility.remind_targets(
            context.deps.db, profile.person_id, task=task, today=today_of(context)
        )
    except Refused as refusal:
        await alert(update, say(refusal.notice, lang, context))
        return
    button_task = {
        "register": ProgressTask.REGISTER,
        "sign": ProgressTask.SIGN_PACT,
        "score": ProgressTask.SELF_SCORE,
    }[task]
    sent = 0
    for chat_id, language, unit_name in targets:
        try:
            await context.bot.send_message(
                chat_id,
                t(language, f"remind.{task}", unit=unit_name),
                parse_mode=ParseMode.HTML,
                reply_markup=buttons([(t(language, f"remind.btn.{task}"), task_button_data(button_task))]),
            )
            sent += 1
        except TelegramError:
            continue  # a representative who blocked the bot; the others still get theirs
    await query.answer(alert_text(t(lang, "status.reminded", count=sent)), show_alert=True)


# ------------------------------------------------------------------ deadlines
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


async def refused_command(update: Update, profile: Profile, command: str) -> bool:
    """Refuse a head's command to whoever may not use it (the rule /help lists commands by),
    before any usage text suggests otherwise; the service checks the bloc again."""
    if command in commands_for(profile.capacities):
        return False
    await reply(update, t(profile.language, "error.not_allowed"))
    return True


async def set_deadline(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    if await refused_command(update, profile, "hanchot"):
        return
    args = context.args or []
    task = TASK_WORDS.get(args[0].casefold()) if args else None
    match = _DATE.match(args[1]) if len(args) > 1 else None
    if task is None or match is None:
        await reply(update, t(lang, "deadline.usage"))
        return
    try:
        day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        await reply(update, t(lang, "deadline.usage"))
        return
    # A deadline "on 30/11" means until the end of that day in Việt Nam.
    due = datetime.combine(day, time(23, 59, 59), tzinfo=context.deps.settings.zone)
    try:
        await registration.set_deadline(
            context.deps.db,
            profile.person_id,
            task=task,
            due_at=due,
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    await reply(
        update,
        t(
            lang,
            "deadline.set",
            task=t(lang, f"task.{task.value}"),
            at=format_datetime(due, context.deps.settings.zone),
        ),
    )


_NUMBER = re.compile(r"[0-9]{1,6}")
_UNIT_MARK = re.compile(r"(?:#|dv|đv)([0-9]{1,6})", re.IGNORECASE)
BUTTON_TASKS = {
    Task.REGISTER: ProgressTask.REGISTER,
    Task.SIGN_PACT: ProgressTask.SIGN_PACT,
    Task.SELF_SCORE: ProgressTask.SELF_SCORE,
}


async def reopen(update: Update, context: ThiduaContext) -> None:
    """/mohan <task> [days] reopens the task for the whole bloc; /mohan <task> <n> <days> [reason]
    (or #n, đv n: then the days may be left out) extends it for the unit numbered n by /xetthidua."""
    profile = await viewer(update, context)
    lang = profile.language
    if await refused_command(update, profile, "mohan"):
        return
    args = context.args or []
    task = TASK_WORDS.get(args[0].casefold()) if args else None
    rest = args[1:]
    marked = _UNIT_MARK.fullmatch(rest[0]) if rest else None
    two_numbers = len(rest) > 1 and all(_NUMBER.fullmatch(x) for x in rest[:2])
    if task is not None and (marked or two_numbers):
        number = int(marked.group(1)) if marked else int(rest[0])
        await _extend(update, context, task, number, rest[1:])
        return
    days = rest[0] if rest else "7"
    if task is None or not _NUMBER.fullmatch(days):
        await reply(update, t(lang, "deadline.reopen_usage"))
        return
    try:
        until = await registration.reopen(
            context.deps.db,
            profile.person_id,
            task=task,
            days=int(days),
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    await reply(
        update,
        t(
            lang,
            "deadline.reopened",
            task=t(lang, f"task.{task.value}"),
            at=format_datetime(until, context.deps.settings.zone),
        ),
    )


async def _extend(update: Update, context: ThiduaContext, task: Task, number: int, rest: list[str]) -> None:
    """Extend `task` for one unit, then tell its representatives; the head hears "saved" only
    after the commit, and a representative the bot cannot reach changes nothing saved."""
    profile = await viewer(update, context)
    lang = profile.language
    zone = context.deps.settings.zone
    days = int(rest[0]) if rest and _NUMBER.fullmatch(rest[0]) else 7
    reason = " ".join(rest[1:] if rest and _NUMBER.fullmatch(rest[0]) else rest)
    try:
        granted = await registration.extend_for_unit(
            context.deps.db,
            profile.person_id,
            task=task,
            unit_number=number,
            days=days,
            today=today_of(context),
            now=now_of(context),
            reason=reason,
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    told = 0
    for chat_id, language in granted.rep_chats:
        try:
            await context.bot.send_message(
                chat_id,
                t(
                    language,
                    "deadline.extended_notice",
                    unit=granted.unit_name,
                    task=t(language, f"task.{task.value}"),
                    at=format_datetime(granted.until, zone),
                ),
                parse_mode=ParseMode.HTML,
                reply_markup=buttons(
                    [(t(language, f"remind.btn.{task.value}"), task_button_data(BUTTON_TASKS[task]))]
                ),
            )
            told += 1
        except TelegramError:
            continue  # blocked the bot, or never started it: the extension stands
    text = t(
        lang,
        "deadline.extended",
        n=granted.unit_number,
        unit=granted.unit_name,
        task=t(lang, f"task.{task.value}"),
        at=format_datetime(granted.until, zone),
    )
    text += "\n" + (
        t(lang, "deadline.extended_told", count=told) if told else t(lang, "deadline.extended_untold")
    )
    await reply(update, text)


# ------------------------------------------------------------------ eligibility marks
ELIG_WORDS = {
    "chuaxet": Eligibility.DEFERRED,
    "deferred": Eligibility.DEFERRED,
    "khongxet": Eligibility.NOT_CONSIDERED,
    "notconsidered": Eligibility.NOT_CONSIDERED,
    "xet": Eligibility.CONSIDERED,
    "considered": Eligibility.CONSIDERED,
}


async def mark_eligibility(update: Update, context: ThiduaContext) -> None:
    """/xetthidua <n> <chuaxet|khongxet|xet> <lý do>: n is the unit's number in the list that
    /xetthidua alone shows (the same numbering as /tinhhinh's eligibility lines)."""
    profile = await viewer(update, context)
    lang = profile.language
    if await refused_command(update, profile, "xetthidua"):
        return
    args = context.args or []
    status_word = ELIG_WORDS.get(args[1].casefold()) if len(args) > 1 else None
    if len(args) < 2 or not args[0].isdigit() or status_word is None:
        # The numbers are what the head needs to type: /tinhhinh numbers only flagged units.
        try:
            seen = await eligibility.overview(context.deps.db, profile.person_id, today=today_of(context))
        except Refused as refusal:
            await reply(update, say(refusal.notice, lang, context))
            return
        lines = [t(lang, "elig.usage"), "", t(lang, "elig.units", bloc=seen.bloc_name)]
        for index, unit in enumerate(seen.units, 1):
            view = unit.eligibility
            word = Raw(t(lang, f"elig.{view.status.value}"))
            line = t(lang, "elig.unit_line", n=index, unit=unit.unit_name, status=word)
            if view.reasons:
                line += t(lang, "elig.unit_reasons", reasons=elig_reasons(view.reasons, lang))
            lines.append(line)
        await reply(update, "\n".join(lines))
        return
    try:
        seen = await eligibility.overview(context.deps.db, profile.person_id, today=today_of(context))
        index = int(args[0])
        if not 1 <= index <= len(seen.units):
            raise Refused("elig.unknown_unit")
        view = await eligibility.set_mark(
            context.deps.db,
            profile.person_id,
            unit_id=seen.units[index - 1].unit_id,
            status=status_word,
            reason=" ".join(args[2:]),
            today=today_of(context),
            now=now_of(context),
        )
    except Refused as refusal:
        await reply(update, say(refusal.notice, lang, context))
        return
    await reply(update, t(lang, "elig.set", unit=view.unit_name, status=t(lang, f"elig.{view.status.value}")))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this capability's handlers (before the catch-alls of handlers.errors)."""
    text_only = filters.TEXT & ~filters.COMMAND
    cancel = [
        CommandHandler(["huy", "cancel"], cancelled),
        CallbackQueryHandler(cancelled, pattern=r"^rg:cancel$"),
    ]
    application.add_handler(
        conversation(
            entry_points=[
                CommandHandler(["dangky", "register"], start_registration),
                CallbackQueryHandler(
                    start_registration, pattern=rf"^{task_button_data(ProgressTask.REGISTER)}$"
                ),
            ],
            states={
                R_TITLE: [CallbackQueryHandler(title_chosen, pattern=r"^rg:t:")],
                R_TARGETS: [
                    MessageHandler(text_only, got_target),
                    CallbackQueryHandler(targets_done, pattern=r"^rg:next$"),
                    CallbackQueryHandler(clear_list, pattern=r"^rg:clear:"),
                ],
                R_PEOPLE: [
                    MessageHandler(text_only, got_people_text),
                    MessageHandler(filters.Document.ALL, got_people_file),
                    CallbackQueryHandler(people_done, pattern=r"^rg:next$"),
                    CallbackQueryHandler(clear_list, pattern=r"^rg:clear:"),
                ],
                R_MODEL: [
                    MessageHandler(text_only, got_model),
                    CallbackQueryHandler(model_kept, pattern=r"^rg:next$"),
                ],
                R_PROJECTS: [
                    MessageHandler(text_only, got_project),
                    CallbackQueryHandler(projects_done, pattern=r"^rg:next$"),
                    CallbackQueryHandler(clear_list, pattern=r"^rg:clear:"),
                ],
                R_CONFIRM: [CallbackQueryHandler(confirmed, pattern=r"^rg:ok$")],
            },
            fallbacks=cancel,
            name="registration",
        )
    )
    application.add_handler(
        conversation(
            entry_points=[CommandHandler(["tieuchi", "criteria"], criteria_start)],
            states={
                C_UPLOAD: [
                    MessageHandler(filters.Document.ALL, criteria_file),
                    MessageHandler(text_only, criteria_text),
                ]
            },
            fallbacks=[CommandHandler(["huy", "cancel"], criteria_cancel)],
            name="criteria",
        )
    )
    application.add_handler(CommandHandler(["kyketgiaouoc", "sign"], pact_offer))
    application.add_handler(
        CallbackQueryHandler(pact_offer, pattern=rf"^{task_button_data(ProgressTask.SIGN_PACT)}$")
    )
    application.add_handler(CallbackQueryHandler(pact_sign, pattern=r"^pact:"))
    application.add_handler(CommandHandler(["tinhhinh", "status"], status))
    application.add_handler(CallbackQueryHandler(remind, pattern=r"^st:remind:"))
    application.add_handler(CommandHandler(["hanchot", "deadline"], set_deadline))
    application.add_handler(CommandHandler(["mohan", "reopen"], reopen))
    application.add_handler(CommandHandler(["xetthidua", "eligibility"], mark_eligibility))
