"""/lich (deadlines), /nhacviec (the head's ad-hoc reminder), /nhaplich (load the timetable), the
buttons on a ping, and the periodic sweep that sends what is due. /caidatnhac (the bloc's ping
schedule) is in handlers.reminder_settings and registered from here.

Callback data (≤ 64 bytes, every one re-checked by the service):
  rm:sn:<send_id>   snooze this ping once          rm:mu:<send_id>   mute this milestone
  rm:ok:<milestone> drop it from my overdue list   rm:ad:<milestone>:<bloc>  remind the units now
  tt:save:<draft>   save a previewed timetable     tt:drop:<draft>   discard it
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Raw, format_date, format_datetime, t
from bot.services import reminders, timetable
from bot.services.reminders import Delivery, Outcome, Outgoing, Sender
from handlers import reminder_settings
from handlers.common import ThiduaContext, conversation, deps_of, reply, viewer

log = logging.getLogger("thidua.reminders")

SWEEP_SECONDS = 30  # how often due pings are looked for; a ping is at most this late
WAIT_TABLE = 1
LICH_MAX_ITEMS = 20
NHACVIEC_MAX_BUTTONS = 20
TITLE_IN_BUTTON = 38
IMPORT_COMMANDS = ["nhaplich", "timetable"]


# --------------------------------------------------------------------------- sending


def _markup(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    if not outgoing.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in outgoing.buttons]
    )


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def telegram_sender(application: Application) -> Sender:  # type: ignore[type-arg]
    """Sends through the application's bot, so AIORateLimiter paces it and waits out 429s."""

    async def send(outgoing: Outgoing) -> Outcome:
        try:
            message = await application.bot.send_message(
                outgoing.chat_id, outgoing.text, parse_mode=ParseMode.HTML, reply_markup=_markup(outgoing)
            )
        except Forbidden as exc:
            return Outcome(Delivery.BLOCKED, detail=exc.message)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return Outcome(Delivery.BLOCKED, detail=exc.message)
            return Outcome(Delivery.FAILED, detail=exc.message)
        except RetryAfter as exc:  # the rate limiter ran out of retries: try again in a later sweep
            return Outcome(Delivery.RETRY, retry_after=_seconds(exc.retry_after), detail="429")
        except (TimedOut, NetworkError) as exc:
            return Outcome(Delivery.RETRY, detail=type(exc).__name__)
        return Outcome(Delivery.SENT, message_id=message.message_id)

    return send


def _lock(application: Application) -> asyncio.Lock:  # type: ignore[type-arg]
    lock = application.bot_data.get("reminders_lock")
    if lock is None:
        lock = application.bot_data["reminders_lock"] = asyncio.Lock()
    return lock  # type: ignore[no-any-return]


async def run_sweep(application: Application) -> reminders.SweepReport:  # type: ignore[type-arg]
    """One sweep, with the bot's clock. The job calls it; tests call it to skip the 30 s wait."""
    deps = deps_of(application)
    async with _lock(application):  # one sweep at a time in this process; claims cover other processes
        report = await reminders.sweep(
            deps.db, telegram_sender(application), now=deps.clock(), zone=deps.settings.zone
        )
    if report.sent or report.unreachable or report.failed:
        log.info("reminders sweep: %s", report)
    return report


async def sweep_job(context: ThiduaContext) -> None:
    await run_sweep(context.application)


def _sweep_soon(context: ThiduaContext) -> None:
    if context.job_queue is not None:
        context.job_queue.run_once(sweep_job, 0, name="reminders-now")


# --------------------------------------------------------------------------- /lich


async def lich(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    now = deps.clock()
    found = await reminders.agenda(deps.db, profile.telegram_id or 0, now=now, zone=deps.settings.zone)
    if not found.has_role:
        await reply(update, t(lang, "whoami.none"))
        return
    today = now.astimezone(deps.settings.zone).date()
    lines = [t(lang, "lich.title", today=format_date(today))]
    zone = deps.settings.zone
    for item in found.items[:LICH_MAX_ITEMS]:
        status = t(lang, "lich.done") if item.done else t(lang, "lich.muted") if item.muted else ""
        if item.head_deadline is not None and item.milestone_id:
            status += t(lang, "lich.head_deadline", when=format_datetime(item.head_deadline, zone))
        common = {
            "due": format_date(item.due_on),
            "left": reminders.days_left_text(lang, item.due_on, today),
            "unit": Raw(t(lang, "lich.unit", unit=item.unit_name)) if item.unit_name else "",
            "status": Raw(status),
        }
        if item.milestone_id:
            lines.append(t(lang, "lich.line", number=item.number, title=item.title, **common))
        else:  # only the head's deadline: no timetable row for this task
            assert item.head_deadline is not None
            what = t(lang, f"lich.task.{item.task}", when=format_datetime(item.head_deadline, zone))
            lines.append(t(lang, "lich.line_deadline", what=Raw(what), **common))
    if len(found.items) > LICH_MAX_ITEMS:
        lines.append(t(lang, "lich.more", count=len(found.items) - LICH_MAX_ITEMS))
    if not found.items:
        lines.append(t(lang, "lich.none"))
    await reply(update, "\n".join(lines))


# --------------------------------------------------------------------------- /nhacviec


def _short(text: str, limit: int = TITLE_IN_BUTTON) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def nhacviec(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    options = await reminders.adhoc_options(
        deps.db, profile.telegram_id or 0, now=deps.clock(), zone=deps.settings.zone
    )
    if options is None:
        await reply(update, t(lang, "error.not_allowed"))
        return
    if not options:
        await reply(update, t(lang, "nhacviec.none"))
        return
    lines = [t(lang, "nhacviec.title")]
    buttons = []
    for option in options[:NHACVIEC_MAX_BUTTONS]:
        missing = (
            Raw(t(lang, "nhacviec.missing", missing=option.missing, total=option.total))
            if option.missing is not None
            else ""
        )
        lines.append(
            t(
                lang,
                "nhacviec.line",
                number=option.number,
                title=option.title,
                due=format_date(option.due_on),
                bloc=option.bloc_name,
                missing=missing,
            )
        )
        label = t(
            lang,
            "nhacviec.button",
            number=option.number,
            title=_short(option.title),
            due=format_date(option.due_on),
        )
        buttons.append(
            [InlineKeyboardButton(label, callback_data=f"rm:ad:{option.milestone_id}:{option.bloc_id}")]
        )
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons))


# --------------------------------------------------------------------------- buttons on pings


def _keep_task_row(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """After a snooze or mute, the ping keeps only its task button."""
    if markup is None:
        return None
    rows = [
        row
        for row in markup.inline_keyboard
        if all(isinstance(b.callback_data, str) and b.callback_data.startswith("task:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def ping_button(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    now, zone = deps.clock(), deps.settings.zone
    parts = query.data.split(":")
    result: reminders.ButtonResult | None = None
    try:
        action, ids = parts[1], [int(p) for p in parts[2:]]
    except (IndexError, ValueError):
        action, ids = "", []
    telegram_id = query.from_user.id
    if action == "sn" and len(ids) == 1:
        result = await reminders.snooze(deps.db, ids[0], telegram_id, now=now, zone=zone)
        texts = {
            reminders.Answer.OK: "reminders.snoozed",
            reminders.Answer.ALREADY: "reminders.snooze_already",
        }
    elif action == "mu" and len(ids) == 1:
        result = await reminders.mute_from_send(deps.db, ids[0], telegram_id, now=now)
        texts = {reminders.Answer.OK: "reminders.muted", reminders.Answer.ALREADY: "reminders.mute_already"}
    elif action == "ok" and len(ids) == 1:
        result = await reminders.mute_milestone(deps.db, ids[0], telegram_id, now=now)
        texts = {reminders.Answer.OK: "reminders.resolved", reminders.Answer.ALREADY: "reminders.resolved"}
    elif action == "ad" and len(ids) == 2:
        result = await reminders.send_adhoc(deps.db, telegram_id, ids[0], ids[1], now=now, zone=zone)
        texts = {reminders.Answer.OK: "nhacviec.sent", reminders.Answer.ALREADY: "nhacviec.already"}
    if result is None or result.answer == reminders.Answer.GONE:
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    if result.answer == reminders.Answer.NOT_ALLOWED:
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    when = format_datetime(result.when, zone) if result.when else ""
    await query.answer(
        t(lang, texts[result.answer], when=when, count=result.count), show_alert=action == "ad"
    )
    if action in ("sn", "mu") and result.answer == reminders.Answer.OK and query.message is not None:
        # A message too old to edit keeps its buttons; the answer above said it all.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(_keep_task_row(query.message.reply_markup))  # type: ignore[union-attr]
    if action == "ad" and result.answer == reminders.Answer.OK:
        _sweep_soon(context)


async def task_fallback(update: Update, context: ThiduaContext) -> None:
    """`task:*` buttons belong to the registration and scoring conversations (issue 4).

    Until one of them handles a task, the tap is still answered, not left spinning.
    """
    query = update.callback_query
    assert query is not None
    profile = await viewer(update, context)
    await query.answer(t(profile.language, "reminders.task_soon"), show_alert=True)


# --------------------------------------------------------------------------- /nhaplich


def _render_preview(preview: timetable.Preview, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    scope = preview.scope or t(lang, "timetable.scope.all")
    lines = [t(lang, "timetable.preview.title", year=preview.school_year, scope=scope)]
    if preview.problem is not None:
        return preview.problem.render(lang), None
    if preview.skipped_preamble:
        lines.append(t(lang, "timetable.preview.preamble", count=preview.skipped_preamble))
    if not preview.ok:
        lines.append(t(lang, "timetable.refused", count=len(preview.refused)))
        for refused in preview.refused:
            lines.append(
                t(
                    lang,
                    "timetable.refused.row",
                    row=refused.row,
                    text=_short(refused.text, 120),
                    reason=refused.reason(lang),
                )
            )
        return "\n".join(lines), None
    for row in preview.rows:
        task = (
            Raw(t(lang, "timetable.preview.task", task=t(lang, f"reminders.button.{row.task}")))
            if row.task
            else ""
        )
        lines.append(
            t(
                lang,
                "timetable.preview.row",
                number=row.number,
                title=_short(row.title, 160),
                due=format_date(row.due_on),
                written=row.due_text,
                who=row.responsible,
                task=task,
            )
        )
    lines.append(t(lang, "timetable.preview.confirm", count=len(preview.rows)))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "timetable.button.save"), callback_data=f"tt:save:{preview.draft_id}"
                ),
                InlineKeyboardButton(
                    t(lang, "timetable.button.drop"), callback_data=f"tt:drop:{preview.draft_id}"
                ),
            ]
        ]
    )
    return "\n".join(lines), markup


async def _preview(update: Update, context: ThiduaContext, cells: list[list[object]]) -> int:
    profile = await viewer(update, context)
    deps = context.deps
    try:
        preview = await timetable.create_draft(
            deps.db, profile.telegram_id or 0, cells, now=deps.clock(), zone=deps.settings.zone
        )
    except timetable.NotAllowedError:
        await reply(update, t(profile.language, "timetable.not_allowed"))
        return ConversationHandler.END
    text, markup = _render_preview(preview, profile.language)
    await reply(update, text, reply_markup=markup) if markup else await reply(update, text)
    return ConversationHandler.END


async def import_start(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    deps = context.deps
    try:
        await timetable.import_scope(
            deps.db, profile.telegram_id or 0, deps.clock().astimezone(deps.settings.zone).date()
        )
    except timetable.NotAllowedError:
        await reply(update, t(profile.language, "timetable.not_allowed"))
        return ConversationHandler.END
    message = update.effective_message
    assert message is not None and message.text is not None
    _, _, pasted = message.text.partition("\n")  # "/nhaplich" then the table in the same message
    if pasted.strip():
        return await _preview(update, context, timetable.text_to_cells(pasted))
    await reply(update, t(profile.language, "timetable.ask"))
    return WAIT_TABLE


async def import_text(update: Update, context: ThiduaContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    return await _preview(update, context, timetable.text_to_cells(message.text))


async def import_file(update: Update, context: ThiduaContext) -> int:
    message = update.effective_message
    assert message is not None and message.document is not None
    profile = await viewer(update, context)
    document = message.document
    name = document.file_name or "table"
    if (document.file_size or 0) > timetable.MAX_FILE_BYTES:
        await reply(update, t(profile.language, "timetable.bad_file", file=name, detail="> 2 MB"))
        return WAIT_TABLE
    data = bytes(await (await document.get_file()).download_as_bytearray())
    cells = await timetable.read_table_off_loop(data, name)
    if not isinstance(cells, list):
        await reply(update, cells.render(profile.language))
        return WAIT_TABLE
    if len(cells) == 1 and len(cells[0]) == 1 and isinstance(cells[0][0], str):
        cells = timetable.text_to_cells(cells[0][0])  # a .txt file holds pasted text
    return await _preview(update, context, cells)


async def import_cancel(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "timetable.cancelled"))
    return ConversationHandler.END


async def draft_button(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    _, action, raw_id = query.data.split(":")
    try:
        if action == "save":
            result = await timetable.save_draft(
                deps.db, int(raw_id), query.from_user.id, now=deps.clock(), zone=deps.settings.zone
            )
        else:
            await timetable.drop_draft(deps.db, int(raw_id), query.from_user.id, now=deps.clock())
            result = None
    except timetable.DraftGoneError:
        await query.answer(t(lang, "timetable.gone"), show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    if result is None:
        await reply(update, t(lang, "timetable.dropped"))
    elif result.ok:
        await reply(
            update,
            t(
                lang,
                "timetable.saved",
                year=result.school_year,
                added=result.added,
                changed=result.changed,
                removed=result.removed,
                unchanged=result.unchanged,
                reminders=result.reminders,
            ),
        )
        _sweep_soon(context)
    else:  # the table was valid when previewed; a refusal now means the roster or year changed
        assert result.preview is not None
        text, _ = _render_preview(result.preview, lang)
        await reply(update, text)


async def reachable_again(update: Update, context: ThiduaContext) -> None:
    """A person who had blocked the bot writes again: their pings resume."""
    if update.effective_user is not None:
        await reminders.mark_reachable(context.deps.db, update.effective_user.id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this capability's handlers (before the catch-alls of handlers.errors)."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private, reachable_again), group=-1)
    document = filters.Document.ALL & private
    application.add_handler(
        conversation(
            entry_points=[
                CommandHandler(IMPORT_COMMANDS, import_start, filters=private),
                MessageHandler(document & filters.CaptionRegex(r"^/(nhaplich|timetable)\b"), import_file),
            ],
            states={
                WAIT_TABLE: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND & private, import_text),
                    MessageHandler(document, import_file),
                ]
            },
            fallbacks=[CommandHandler(["cancel", "huy"], import_cancel)],
            name="timetable_import",
        )
    )
    reminder_settings.register(application)  # /caidatnhac: a conversation, so before the plain commands
    application.add_handler(CommandHandler(["lich", "deadlines"], lich))
    application.add_handler(CommandHandler(["nhacviec", "remind"], nhacviec))
    application.add_handler(CallbackQueryHandler(ping_button, pattern=r"^rm:"))
    application.add_handler(CallbackQueryHandler(draft_button, pattern=r"^tt:(save|drop):\d+$"))
    application.add_handler(CallbackQueryHandler(task_fallback, pattern=r"^task:"))
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name="reminders-sweep"
        )
