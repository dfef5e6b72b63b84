"""/caidatnhac (/remindersettings): the bloc head sees and changes the bloc's ping schedule.

On the channel-neutral chat layer (Telegram buttons, Zalo numbered lists).

Press data (≤ 64 bytes; parsed strictly here, the person and the bloc re-checked by the service):
  rs:<bloc>:v            show this bloc's settings (for someone who runs several blocs)
  rs:<bloc>:p:<d.d.d>    choose the days before the due day, e.g. rs:2:p:14.7.2.0 (a preset only)
  rs:<bloc>:t            type a send time             rs:<bloc>:q   type the quiet hours
"""

from __future__ import annotations

import re

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Router, Turn
from bot.i18n import Raw, t
from bot.services import reminder_settings
from bot.services.reminder_settings import BlocSettings, Saved
from bot.services.timetable import Schedule
from handlers.turns import taken
from models.reminder_settings import PRESETS, clock_text

COMMANDS = ["caidatnhac", "remindersettings"]
WAIT_TIME, WAIT_QUIET = "time", "quiet"
# Which card a typed value is for: kept in the conversation's notes (persisted with the step).
BLOC_KEY = "bloc"
CALLBACK = re.compile(r"rs:(\d{1,9}):(?:(v|t|q)|p:(\d{1,2}(?:\.\d{1,2}){0,5}))")  # whole data: fullmatch
# Refusals after which there is nothing to retype: the conversation ends.
FINAL_REFUSALS = {"remset.not_allowed", "remset.choose_bloc"}
Rows = tuple[tuple[Button, ...], ...]


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


def card(settings: BlocSettings, lang: str, saved: Saved | None = None) -> tuple[str, Rows]:
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
        presets.append(Button(label, _preset_data(bloc_id, offsets)))
    times = (
        Button(t(lang, "remset.button.send_at", send_at=clock_text(schedule.send_at)), f"rs:{bloc_id}:t"),
        Button(
            t(
                lang,
                "remset.button.quiet",
                start=clock_text(schedule.quiet_start),
                end=clock_text(schedule.quiet_end),
            ),
            f"rs:{bloc_id}:q",
        ),
    )
    return "\n".join(lines), (tuple(presets[:2]), tuple(presets[2:]), times)


def _ask(lang: str, key: str, schedule: Schedule) -> str:
    return t(
        lang,
        key,
        send_at=clock_text(schedule.send_at),
        start=clock_text(schedule.quiet_start),
        end=clock_text(schedule.quiet_end),
    )


# --------------------------------------------------------------------------- handlers
async def open_settings(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    found = await reminder_settings.settings_for(deps.db, turn.person_id, today=turn.today)
    if not found:
        await turn.say(t(lang, "remset.not_allowed"))
        return END
    if len(found) == 1:
        text, buttons = card(found[0], lang)
        await turn.say(text, buttons=buttons)
        return END
    buttons = tuple((Button(s.bloc_name, f"rs:{s.bloc_id}:v"),) for s in found)
    await turn.say(t(lang, "remset.pick_bloc"), buttons=buttons)
    return END


async def pressed(turn: Turn) -> str | None:
    """Any `rs:` press. Returns the step to wait in, or END (a refusal ends a pending wait too)."""
    lang, deps = turn.lang, turn.deps
    now, zone = deps.clock(), deps.settings.zone
    found = CALLBACK.fullmatch(turn.incoming.choice or "")
    offsets = tuple(int(d) for d in found.group(3).split(".")) if found and found.group(3) else None
    if found is None or (offsets is not None and offsets not in PRESETS):
        # Forged or from an older version of the card: only the buttons we draw are accepted.
        await turn.alert(t(lang, "remset.bad_button"))
        return END
    bloc_id, action = int(found.group(1)), found.group(2)
    if offsets is not None:
        saved = await reminder_settings.choose_offsets(
            deps.db, turn.person_id, bloc_id, offsets, now=now, zone=zone
        )
        if saved.refusal is not None or saved.settings is None:
            await turn.alert((saved.refusal or reminder_settings.NOT_ALLOWED).render(lang))
            return END
        # Only now: the service returned after the commit. Zalo shows the card below instead.
        if turn.caps.edits:
            await turn.alert(t(lang, "remset.saved.toast"))
        text, buttons = card(saved.settings, lang, saved)
        await turn.show(text, buttons=buttons)
        return END
    settings = await reminder_settings.settings_of(deps.db, turn.person_id, bloc_id, today=turn.today)
    if settings is None:
        await turn.alert(t(lang, "remset.not_allowed"))
        return END
    if action == "v":
        text, buttons = card(settings, lang)
        await turn.show(text, buttons=buttons)
        return END
    turn.data[BLOC_KEY] = bloc_id
    await taken(turn)
    if action == "t":
        await turn.say(_ask(lang, "remset.ask_time", settings.schedule))
        return WAIT_TIME
    await turn.say(_ask(lang, "remset.ask_quiet", settings.schedule))
    return WAIT_QUIET


async def _typed(turn: Turn, step: str) -> str | None:
    lang, deps = turn.lang, turn.deps
    bloc_id = turn.data.get(BLOC_KEY)
    change = reminder_settings.set_send_time if step == WAIT_TIME else reminder_settings.set_quiet_hours
    saved = await change(
        deps.db,
        turn.person_id,
        bloc_id if isinstance(bloc_id, int) else None,
        turn.incoming.text,
        now=deps.clock(),
        zone=deps.settings.zone,
    )
    if saved.refusal is not None or saved.settings is None:
        refusal = saved.refusal or reminder_settings.NOT_ALLOWED
        await turn.say(refusal.render(lang))
        # A wrong value may be typed again at once; a refusal of the person ends it.
        return END if refusal.key in FINAL_REFUSALS else step
    text, buttons = card(saved.settings, lang, saved)  # the service returned after the commit
    await turn.say(text, buttons=buttons)
    return END


async def typed_time(turn: Turn) -> str | None:
    return await _typed(turn, WAIT_TIME)


async def typed_quiet(turn: Turn) -> str | None:
    return await _typed(turn, WAIT_QUIET)


async def not_text_time(turn: Turn) -> str | None:
    """A photo or sticker where a time is expected: say so, keep waiting, change nothing."""
    await turn.say(t(turn.lang, "chat.text_expected"))
    return WAIT_TIME


async def not_text_quiet(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "chat.text_expected"))
    return WAIT_QUIET


async def cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "remset.cancelled"))
    return END


def register(router: Router) -> None:
    # A typed value answers the card it was asked from: the presses belong to the conversation.
    router.conversation(
        Conversation(
            name="reminder_settings",
            entry={name: open_settings for name in COMMANDS},
            entry_choices={"rs:": pressed},
            steps={
                WAIT_TIME: {
                    InKind.TEXT: typed_time,
                    InKind.PHOTO: not_text_time,
                    InKind.STICKER: not_text_time,
                },
                WAIT_QUIET: {
                    InKind.TEXT: typed_quiet,
                    InKind.PHOTO: not_text_quiet,
                    InKind.STICKER: not_text_quiet,
                },
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
