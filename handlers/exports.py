"""/xuat (/export): a menu of the dossier's files, then the files sent as documents (the chart as a photo)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import Raw, format_date, t
from bot.services import evidence_pack, exports
from bot.services.exports import Context, Kind, Scope
from bot.services.invites import NotAllowedError, NotFoundError
from handlers.common import ThiduaContext, reply, viewer

log = logging.getLogger("thidua.exports")


def _context(context: ThiduaContext) -> Context:
    settings = context.deps.settings
    return Context(settings.authority_name, settings.authority_place, settings.zone)


def menu(lang: str, scope: Scope) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, f"export.btn.{kind.value}"), callback_data=f"xuat:{kind.value}:{scope.bloc_id}"
                )
            ]
            for kind in scope.kinds
        ]
    )


def meeting_menu(
    lang: str, scope: Scope, choices: list[exports.MeetingChoice], zone: ZoneInfo
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(
                        lang,
                        "export.meeting_choice",
                        kind=t(lang, f"meeting.kind.{choice.kind.value}"),
                        date=format_date(choice.starts_at, zone),
                        ballots=choice.ballots,
                    ),
                    callback_data=f"xuat:m:{scope.bloc_id}:{choice.meeting_id}",
                )
            ]
            for choice in choices
        ]
    )


async def export_command(update: Update, context: ThiduaContext) -> None:
    profile = await viewer(update, context)
    lang, deps = profile.language, context.deps
    today = deps.clock().astimezone(deps.settings.zone).date()
    scopes = await exports.scopes_for(deps.db, profile.telegram_id or 0, today)
    if not scopes:
        await reply(update, t(lang, "error.not_allowed"))
        return
    if len(scopes) > 1:  # an admin, or someone acting in two blocs: pick the bloc first
        buttons = [
            [InlineKeyboardButton(name, callback_data=f"xuat:b:{scope.bloc_id}")] for scope, name in scopes
        ]
        await reply(update, t(lang, "export.pick_bloc"), reply_markup=InlineKeyboardMarkup(buttons))
        return
    scope, bloc = scopes[0]
    key = "export.menu" if scope.unit_id is None else "export.menu_unit"
    await reply(update, t(lang, key, bloc=bloc), reply_markup=menu(lang, scope))


async def export_chosen(update: Update, context: ThiduaContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    profile = await viewer(update, context)
    lang, deps = profile.language, context.deps
    today = deps.clock().astimezone(deps.settings.zone).date()
    parts = query.data.split(":")
    try:
        what, bloc_id = parts[1], int(parts[2])
    except (IndexError, ValueError):
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    # The button says which bloc and file; whether this person may have them is decided here.
    try:
        scope = await exports.scope_for(deps.db, profile.telegram_id or 0, today, bloc_id)
    except NotAllowedError:
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    names = dict(
        (s.bloc_id, name) for s, name in await exports.scopes_for(deps.db, profile.telegram_id or 0, today)
    )
    bloc = names.get(bloc_id, "")
    meeting_id: int | None = None
    if what == "m":  # minutes of a meeting picked from the list below
        try:
            meeting_id, what = int(parts[3]), Kind.MINUTES.value
        except (IndexError, ValueError):
            await query.answer(t(lang, "error.stale_button"), show_alert=True)
            return
    if what == "b":
        await query.answer()
        key = "export.menu" if scope.unit_id is None else "export.menu_unit"
        await query.edit_message_text(
            t(lang, key, bloc=bloc), parse_mode=ParseMode.HTML, reply_markup=menu(lang, scope)
        )
        return
    try:
        kind = Kind(what)
    except ValueError:
        await query.answer(t(lang, "error.stale_button"), show_alert=True)
        return
    if kind not in scope.kinds:
        await query.answer(t(lang, "error.not_allowed"), show_alert=True)
        return
    if kind is Kind.MINUTES and meeting_id is None:
        choices = await exports.meetings_of(deps.db, scope)
        if len(choices) > 1:  # which meeting's minutes: the pact meeting's, the year-end one's…
            await query.answer()
            await reply(
                update,
                t(lang, "export.pick_meeting"),
                reply_markup=meeting_menu(lang, scope, choices, deps.settings.zone),
            )
            return
    if kind is Kind.EVIDENCE:  # downloads every file: done in the background, sent part by part
        await start_pack(update, context, scope, lang)
        return
    await query.answer(t(lang, "export.working"))
    chat = update.effective_chat
    assert chat is not None
    try:
        result = await exports.export(
            deps.db, scope, kind, _context(context), today=today, meeting_id=meeting_id
        )
    except NotFoundError:  # a meeting of another bloc, or one that does not exist
        await reply(update, t(lang, "error.not_allowed"))
        return
    for item in result.files:
        if item.photo:
            await chat.send_photo(
                item.data, filename=item.name, caption=t(lang, "export.caption.chart", bloc=bloc)
            )
        else:
            await chat.send_document(item.data, filename=item.name)
    if result.files:
        await reply(update, t(lang, "export.sent", count=len(result.files)))
    if result.missing:
        reasons = "\n".join(t(lang, f"export.missing.{kind.value}") for kind in result.missing)
        await reply(update, t(lang, "export.missing", reasons=Raw(reasons)))


def telegram_download(bot: Bot) -> evidence_pack.Download:
    """The pack's download function over the bot's getFile: Telegram's refusals become FetchError
    with a reason for muc-luc.csv (never an exception text that could carry the bot's token)."""

    async def download(file_id: str) -> bytes:
        try:
            found = await bot.get_file(file_id)
            if found.file_size is not None and found.file_size > evidence_pack.MAX_DOWNLOAD:
                raise evidence_pack.TooBig
            return bytes(await found.download_as_bytearray())
        except BadRequest as error:
            if "too big" in error.message.lower():
                raise evidence_pack.TooBig from error
            raise evidence_pack.FetchError(error.message) from error
        except TelegramError as error:
            raise evidence_pack.FetchError(type(error).__name__) from error

    return download


async def start_pack(update: Update, context: ThiduaContext, scope: Scope, lang: str) -> None:
    """Answer the button at once and make the pack in a task of its own: hundreds of downloads
    must not hold up everyone else's updates, which the bot handles one at a time."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    assert chat is not None
    running: set[tuple[int, int, int | None]] = context.bot_data.setdefault("evidence_packs", set())
    key = (chat.id, scope.bloc_id, scope.unit_id)
    if key in running:  # a second tap while this chat's pack is still being made
        await query.answer(t(lang, "export.evidence.busy"), show_alert=True)
        return
    running.add(key)
    await query.answer(t(lang, "export.evidence.working"))
    context.application.create_task(_send_pack(update, context, scope, lang, running, key), update=update)


async def _send_pack(
    update: Update,
    context: ThiduaContext,
    scope: Scope,
    lang: str,
    running: set[tuple[int, int, int | None]],
    key: tuple[int, int, int | None],
) -> None:
    chat = update.effective_chat
    assert chat is not None
    stats = evidence_pack.PackStats()
    try:
        async for part in evidence_pack.parts(
            context.deps.db,
            scope,
            _context(context),
            telegram_download(context.bot),
            store=context.deps.files,
            stats=stats,
        ):
            # A part is up to 45 MB: give the upload time (the default write timeout is 20 s).
            await chat.send_document(part.data, filename=part.name, write_timeout=600)
    except Exception:
        log.exception("the evidence pack of bloc %s failed", scope.bloc_id)
        await reply(update, t(lang, "export.evidence.error"))
        return
    finally:
        running.discard(key)
    if not stats.parts:
        await reply(update, t(lang, "export.missing", reasons=Raw(t(lang, "export.missing.evidence"))))
        return
    text = t(
        lang, "export.evidence.sent", parts=stats.parts, files=stats.files, links=stats.links + stats.notes
    )
    if stats.failed:
        text += "\n" + t(lang, "export.evidence.failed_files", failed=stats.failed)
    await reply(update, text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(["xuat", "export"], export_command))
    application.add_handler(CallbackQueryHandler(export_chosen, pattern=r"^xuat:"))
