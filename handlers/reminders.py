"""/lich (deadlines), /nhacviec (the head's ad-hoc reminder), /nhaplich (load the timetable) and
the buttons on a ping, on the channel-neutral chat layer (Telegram and Zalo alike). The sweep that
sends what is due runs in bot.reminders_job. /caidatnhac (the bloc's ping schedule) is in
handlers.reminder_settings and registered from here.

Press data (≤ 64 bytes, every one re-checked by the service):
  rm:sn:<send_id>   snooze this ping once          rm:mu:<send_id>   mute this milestone
  rm:ok:<milestone> drop it from my overdue list   rm:ad:<milestone>:<bloc>  remind the units now
  tt:save:<draft>   save a previewed timetable     tt:drop:<draft>   discard it
A ping's `task:*` button belongs to the registration and scoring conversations.
"""

from __future__ import annotations

import logging

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Router, Turn
from bot.i18n import Raw, format_date, format_datetime, t
from bot.reminders_job import sweep_soon
from bot.services import reminders, timetable
from handlers import reminder_settings
from handlers.turns import taken
from models.channels import Channel
from models.numbers import is_number

log = logging.getLogger("thidua.reminders")

LICH_MAX_ITEMS = 20
NHACVIEC_MAX_BUTTONS = 20
TITLE_IN_BUTTON = 38
IMPORT_COMMANDS = ["nhaplich", "timetable"]
WAIT_TABLE = "table"


# --------------------------------------------------------------------------- /lich


async def lich(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    now, zone = deps.clock(), deps.settings.zone
    found = await reminders.agenda(deps.db, turn.person_id, now=now, zone=zone)
    if not found.has_role:
        await turn.say(t(lang, "whoami.none"))
        return END
    lines = [t(lang, "lich.title", today=format_date(turn.today))]
    for item in found.items[:LICH_MAX_ITEMS]:
        status = t(lang, "lich.done") if item.done else t(lang, "lich.muted") if item.muted else ""
        if item.head_deadline is not None and item.milestone_id:
            status += t(lang, "lich.head_deadline", when=format_datetime(item.head_deadline, zone))
        common = {
            "due": format_date(item.due_on),
            "left": reminders.days_left_text(lang, item.due_on, turn.today),
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
    await turn.say("\n".join(lines))
    return END


# --------------------------------------------------------------------------- /nhacviec


def _short(text: str, limit: int = TITLE_IN_BUTTON) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def nhacviec(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    options = await reminders.adhoc_options(
        deps.db, turn.person_id, now=deps.clock(), zone=deps.settings.zone
    )
    if options is None:
        await turn.say(t(lang, "error.not_allowed"))
        return END
    if not options:
        await turn.say(t(lang, "nhacviec.none"))
        return END
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
        buttons.append((Button(label, f"rm:ad:{option.milestone_id}:{option.bloc_id}"),))
    await turn.say("\n".join(lines), buttons=tuple(buttons))
    return END


# --------------------------------------------------------------------------- buttons on pings

ANSWERS = {
    "sn": {reminders.Answer.OK: "reminders.snoozed", reminders.Answer.ALREADY: "reminders.snooze_already"},
    "mu": {reminders.Answer.OK: "reminders.muted", reminders.Answer.ALREADY: "reminders.mute_already"},
    "ok": {reminders.Answer.OK: "reminders.resolved", reminders.Answer.ALREADY: "reminders.resolved"},
    "ad": {reminders.Answer.OK: "nhacviec.sent", reminders.Answer.ALREADY: "nhacviec.already"},
}


async def ping_button(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    now, zone = deps.clock(), deps.settings.zone
    parts = (turn.incoming.choice or "").split(":")
    try:
        action, ids = parts[1], [int(p) for p in parts[2:]]
    except (IndexError, ValueError):
        action, ids = "", []
    result: reminders.ButtonResult | None = None
    person = turn.person_id
    if action == "sn" and len(ids) == 1:
        result = await reminders.snooze(deps.db, ids[0], person, now=now, zone=zone)
    elif action == "mu" and len(ids) == 1:
        result = await reminders.mute_from_send(deps.db, ids[0], person, now=now)
    elif action == "ok" and len(ids) == 1:
        result = await reminders.mute_milestone(deps.db, ids[0], person, now=now)
    elif action == "ad" and len(ids) == 2:
        result = await reminders.send_adhoc(deps.db, person, ids[0], ids[1], now=now, zone=zone)
    if result is None or result.answer == reminders.Answer.GONE:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    if result.answer == reminders.Answer.NOT_ALLOWED:
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    when = format_datetime(result.when, zone) if result.when else ""
    await turn.alert(t(lang, ANSWERS[action][result.answer], when=when, count=result.count))
    if action in ("sn", "mu") and result.answer == reminders.Answer.OK and turn.caps.edits:
        # The ping keeps only its task button. Where messages cannot be edited (Zalo) the
        # answer above says it all: the ping is not sent again.
        ping = await reminders.sent_ping(deps.db, ids[0], person, zone=zone)
        if ping is not None:
            await turn.show(ping[0], buttons=ping[1])
    if action == "ad" and result.answer == reminders.Answer.OK:
        sweep_soon(deps)
    return END


# --------------------------------------------------------------------------- /nhaplich


def _takes_documents(turn: Turn) -> bool:
    """Zalo sends photos only: a timetable is pasted there, uploaded or pasted on Telegram."""
    return turn.incoming.channel is Channel.TELEGRAM


def _render_preview(preview: timetable.Preview, lang: str) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    scope = preview.scope or t(lang, "timetable.scope.all")
    lines = [t(lang, "timetable.preview.title", year=preview.school_year, scope=scope)]
    if preview.problem is not None:
        return preview.problem.render(lang), ()
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
        return "\n".join(lines), ()
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
    buttons = (
        (
            Button(t(lang, "timetable.button.save"), f"tt:save:{preview.draft_id}"),
            Button(t(lang, "timetable.button.drop"), f"tt:drop:{preview.draft_id}"),
        ),
    )
    return "\n".join(lines), buttons


async def _preview(turn: Turn, cells: list[list[object]]) -> str | None:
    deps = turn.deps
    try:
        preview = await timetable.create_draft(
            deps.db, turn.person_id, cells, now=deps.clock(), zone=deps.settings.zone
        )
    except timetable.NotAllowedError:
        await turn.say(t(turn.lang, "timetable.not_allowed"))
        return END
    text, buttons = _render_preview(preview, turn.lang)
    await turn.say(text, buttons=buttons)
    return END


async def import_start(turn: Turn) -> str | None:
    deps = turn.deps
    try:
        await timetable.import_scope(deps.db, turn.person_id, turn.today)
    except timetable.NotAllowedError:
        await turn.say(t(turn.lang, "timetable.not_allowed"))
        return END
    _, _, pasted = turn.incoming.text.partition("\n")  # "/nhaplich" then the table in the same message
    if pasted.strip():
        return await _preview(turn, timetable.text_to_cells(pasted))
    await turn.say(t(turn.lang, "timetable.ask" if _takes_documents(turn) else "timetable.ask_paste"))
    await turn.offer_upload()
    return WAIT_TABLE


async def import_text(turn: Turn) -> str | None:
    return await _preview(turn, timetable.text_to_cells(turn.incoming.text))


async def import_file(turn: Turn) -> str | None:
    attachment = turn.incoming.attachment
    assert attachment is not None
    name = attachment.name or "table"
    try:
        data = await turn.fetch(timetable.MAX_FILE_BYTES)
    except ValueError:
        await turn.say(t(turn.lang, "timetable.bad_file", file=name, detail="> 2 MB"))
        return WAIT_TABLE
    cells = await timetable.read_table_off_loop(data, name)
    if not isinstance(cells, list):
        await turn.say(cells.render(turn.lang))
        return WAIT_TABLE
    if len(cells) == 1 and len(cells[0]) == 1 and isinstance(cells[0][0], str):
        cells = timetable.text_to_cells(cells[0][0])  # a .txt file holds pasted text
    return await _preview(turn, cells)


async def import_not_text(turn: Turn) -> str | None:
    """A photo or a sticker where the table is expected: say what is, and keep waiting."""
    key = "timetable.ask" if _takes_documents(turn) else "timetable.ask_paste"
    await turn.say(t(turn.lang, "chat.text_expected") + "\n" + t(turn.lang, key))
    return WAIT_TABLE


async def import_cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "timetable.cancelled"))
    return END


async def draft_button(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) != 3 or parts[1] not in ("save", "drop") or not is_number(parts[2]):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    action, draft_id = parts[1], int(parts[2])
    try:
        if action == "save":
            result = await timetable.save_draft(
                deps.db, draft_id, turn.person_id, now=deps.clock(), zone=deps.settings.zone
            )
        else:
            await timetable.drop_draft(deps.db, draft_id, turn.person_id, now=deps.clock())
            result = None
    except timetable.DraftGoneError:
        await turn.alert(t(lang, "timetable.gone"))
        return END
    await taken(turn)
    if result is None:
        await turn.say(t(lang, "timetable.dropped"))
    elif result.ok:
        await turn.say(
            t(
                lang,
                "timetable.saved",
                year=result.school_year,
                added=result.added,
                changed=result.changed,
                removed=result.removed,
                unchanged=result.unchanged,
                reminders=result.reminders,
            )
        )
        sweep_soon(deps)
    else:  # the table was valid when previewed; a refusal now means the roster or year changed
        assert result.preview is not None
        text, _ = _render_preview(result.preview, lang)
        await turn.say(text)
    return END


def register(router: Router) -> None:
    """Add this capability's routes (the check that a person writes again: handlers.reachable)."""
    router.conversation(
        Conversation(
            name="timetable_import",
            entry={name: import_start for name in IMPORT_COMMANDS},
            steps={
                WAIT_TABLE: {
                    InKind.TEXT: import_text,
                    InKind.FILE: import_file,
                    InKind.PHOTO: import_not_text,
                    InKind.STICKER: import_not_text,
                }
            },
            fallbacks={"huy": import_cancel, "cancel": import_cancel},
        )
    )
    reminder_settings.register(router)  # /caidatnhac
    router.command(["lich", "deadlines"], lich)
    router.command(["nhacviec", "remind"], nhacviec)
    router.choice("rm:", ping_button)
    router.choice("tt:", draft_button)
