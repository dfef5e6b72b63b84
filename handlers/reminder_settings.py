"""/caidatnhac (/remindersettings): the bloc head sees and changes the bloc's ping schedule.

Callback data (≤ 64 bytes; parsed strictly here, the person and the bloc re-checked by the service):
  rs:<bloc>:v            show this bloc's settings (for someone who runs several blocs)
  rs:<bloc>:p:<d.d.d>    choose the days before the due day, e.g. rs:2:p:14.7.2.0 (a preset only)
  rs:<bloc>:t            type a send time             rs:<bloc>:q   type the quiet hours
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Raw, t
from bot.services import reminder_settings
from bot.services.reminder_settings import BlocSettings, Saved
from bot.services.timetable import Schedule
from handlers.common import ThiduaContext, conversation, edit_pressed, reply, viewer
from models.reminder_settings import PRESETS, clock_text

COMMANDS = ["caidatnhac", "remindersettings"]
WAIT_TIME, WAIT_QUIET = 1, 2
# Which card a typed value is for. user_data is not persisted: after a restart the service
# falls back to the person's only bloc, or asks them to reopen the card.
BLOC_KEY = "remset_bloc"
CALLBACK = re.compile(r"rs:(\d{1,9}):(?:(v|t|q)|p:(\d{1,2}(?:\.\d{1,2}){0,5}))")  # whole data: fullmatch
# Refusals after which there is nothing to retype: the conversation ends.
FINAL_REFUSALS = {"remset.not_allowed", "remset.choose_bloc"}


# --------------------------------------------------------------------------- rendering


def _days(lang: str, days: int) -> str:
    return t(lang, "remset.day" if days == 1 else "remset.days", days=days)


def when_text(lang: str, offsets: tuple[int, ...]) -> str:
    """ "trước 7 ngày, 2 ngày và đúng ngày hạn" / "7 days, 2 days before and on the due day"."""
    before = [d for d in offsets if d > 0]
    parts = []
    if before:
        parts.append(t(lang, "remset.before", days=", ".join(_days(lang, d) for d in before)))
    if 0 in offsets:
        parts.append(t(lang, "remset.on_the_day"))
    return t(lang, "remset.and").join(parts)


def summary(lang: str, schedule: Schedule) -> str:
    return t(
        lang,
        "remset.summary",
        when=Raw(when_text(lang, schedule.offsets_days)),  # built from catalogue entries only
        send_at=clock_text(schedule.send_at),
        start=clock_text(schedule.quiet_start),
        end=clock_text(schedule.quiet_end),
    )


def _preset_data(bloc_id: int, offsets: tuple[int, ...]) -> str:
    return f"rs:{bloc_id}:p:" + ".".join(str(d) for d in offsets)


def card(settings: BlocSettings, lang: str, saved: Saved | None = None) -> tuple[str, InlineKeyboardMarkup]:
    schedule, bloc_id = settings.schedule, settings.bloc_id
    lines = []
    if saved is not None:
        lines.append(t(lang, "remset.saved"))
    lines += [t(lang, "remset.title", bloc=settings.bloc_name), summary(lang, schedule)]
    if saved is not None and saved.replanned:
        lines.append(t(lang, "remset.replanned", count=saved.replanned))
    lines.append(t(lang, "remset.hint"))
    presets = []
    for offsets in PRESETS:
        label = t(lang, "remset.button.preset", days="·".join(str(d) for d in offsets))
        if offsets == schedule.offsets_days:
            label = t(lang, "remset.button.current", label=label)
        presets.append(InlineKeyboardButton(label, callback_data=_preset_data(bloc_id, offsets)))
    times = [
        InlineKeyboardButton(
            t(lang, "remset.button.send_at", send_at=clock_text(schedule.send_at)),
            callback_data=f"rs:{bloc_id}:t",
        ),
        InlineKeyboardButton(
            t(
                lang,
                "remset.button.quiet",
                start=clock_text(schedule.quiet_start),
                end=clock_text(schedule.quiet_end),
            ),
            callback_data=f"rs:{bloc_id}:q",
        ),
    ]
    return "\n".join(lines), InlineKeyboardMarkup([presets[:2], presets[2:], times])


def _ask(lang: str, key: str, schedule: Schedule) -> str:
    return t(
        lang,
        key,
        send_at=clock_text(schedule.send_at),
        start=clock_text(schedule.quiet_start),
        end=clock_text(schedule.quiet_end),
    )


# --------------------------------------------------------------------------- handlers


async def open_settings(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    found = await reminder_settings.settings_for(
        deps.db, profile.telegram_id or 0, today=deps.clock().astimezone(deps.settings.zone).date()
    )
    if not found:
        await reply(update, t(lang, "remset.not_allowed"))
        return ConversationHandler.END
    if len(found) == 1:
        text, markup = card(found[0], lang)
        await reply(update, text, reply_markup=markup)
        return ConversationHandler.END
    buttons = [[InlineKeyboardButton(s.bloc_name, callback_data=f"rs:{s.bloc_id}:v")] for s in found]
    await reply(update, t(lang, "remset.pick_bloc"), reply_markup=InlineKeyboardMarkup(buttons))
    return ConversationHandler.END


async def pressed(update: Update, context: ThiduaContext) -> int | None:
    """Any `rs:` button. Returns the state to wait in, END, or None (a refusal: stay where you were)."""
    query = update.callback_query
    assert query is not None
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    now, zone = deps.clock(), deps.settings.zone
    found = CALLBACK.fullmatch(query.data or "")
    offsets = tuple(int(d) for d in found.group(3).split(".")) if found and found.group(3) else None
    if found is None or (offsets is not None and offsets not in PRESETS):
        # Forged or from an older version of the card: only the buttons we draw are accepted.
        await query.answer(t(lang, "remset.bad_button"), show_alert=True)
        return None
    bloc_id, action = int(found.group(1)), found.group(2)
    if offsets is not None:
        saved = await reminder_settings.choose_offsets(
            deps.db, query.from_user.id, bloc_id, offsets, now=now, zone=zone
        )
        if saved.refusal is not None or saved.settings is None:
            await query.answer((saved.refusal or reminder_settings.NOT_ALLOWED).render(lang), show_alert=True)
            return None
        await query.answer(t(lang, "remset.saved.toast"))  # only now: the service returned after commit
        text, markup = card(saved.settings, lang, saved)
        await edit_pressed(update, text, markup)
        return ConversationHandler.END
    settings = await reminder_settings.settings_of(
        deps.db, query.from_user.id, bloc_id, today=now.astimezone(zone).date()
    )
    if settings is None:
        await query.answer(t(lang, "remset.not_allowed"), show_alert=True)
        return None
    await query.answer()
    if action == "v":
        text, markup = card(settings, lang)
        await edit_pressed(update, text, markup)
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data[BLOC_KEY] = bloc_id
    if action == "t":
        await reply(update, _ask(lang, "remset.ask_time", settings.schedule))
        return WAIT_TIME
    await reply(update, _ask(lang, "remset.ask_quiet", settings.schedule))
    return WAIT_QUIET


async def _typed(update: Update, context: ThiduaContext, state: int) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    profile = await viewer(update, context)
    lang = profile.language
    deps = context.deps
    bloc_id = (context.user_data or {}).get(BLOC_KEY)
    change = reminder_settings.set_send_time if state == WAIT_TIME else reminder_settings.set_quiet_hours
    saved = await change(
        deps.db,
        profile.telegram_id or 0,
        bloc_id if isinstance(bloc_id, int) else None,
        message.text,
        now=deps.clock(),
        zone=deps.settings.zone,
    )
    if saved.refusal is not None or saved.settings is None:
        refusal = saved.refusal or reminder_settings.NOT_ALLOWED
        await reply(update, refusal.render(lang))
        # A wrong value may be typed again at once; a refusal of the person ends it.
        return ConversationHandler.END if refusal.key in FINAL_REFUSALS else state
    text, markup = card(saved.settings, lang, saved)  # the service returned after the commit
    await reply(update, text, reply_markup=markup)
    return ConversationHandler.END


async def typed_time(update: Update, context: ThiduaContext) -> int:
    return await _typed(update, context, WAIT_TIME)


async def typed_quiet(update: Update, context: ThiduaContext) -> int:
    return await _typed(update, context, WAIT_QUIET)


async def cancel(update: Update, context: ThiduaContext) -> int:
    profile = await viewer(update, context)
    await reply(update, t(profile.language, "remset.cancelled"))
    return ConversationHandler.END


def register(application: Application) -> None:  # type: ignore[type-arg]
    text_only = filters.TEXT & ~filters.COMMAND
    # A typed value answers the card it was asked from: the buttons belong to the conversation.
    application.add_handler(
        conversation(
            entry_points=[
                CommandHandler(COMMANDS, open_settings),
                CallbackQueryHandler(pressed, pattern=r"^rs:"),
            ],
            states={
                WAIT_TIME: [MessageHandler(text_only, typed_time)],
                WAIT_QUIET: [MessageHandler(text_only, typed_quiet)],
            },
            fallbacks=[CommandHandler(["cancel", "huy"], cancel)],
            name="reminder_settings",
        )
    )
