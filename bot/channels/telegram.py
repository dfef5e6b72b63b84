"""The Telegram adapter: PTB updates in, the chat vocabulary out as keyboards, edits and answers.

Only this module (and bot/app.py, which builds the PTB application) speaks PTB's terms for the
channel-neutral conversations. It runs in handler group -1: an update that a channel-neutral
conversation takes is handled here and stops; any other update falls through to the PTB
handlers of the capabilities not yet moved onto the chat layer (see docs/channels.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, TypeHandler

from bot.chat import Attachment, Caps, ChatRef, Incoming, InKind, OutFile, Screen, Unreachable
from bot.chat.numbered import plain_text
from bot.chat.router import Router, Turn
from bot.db import is_outage
from bot.deps import Deps
from bot.i18n import LANGUAGES, normalise_language, t
from bot.render import split_message
from bot.services import people, updates
from models.channels import Channel
from models.permissions import PUBLIC_COMMANDS
from models.text import as_typed, nfc, vietnamese_full_name

log = logging.getLogger("thidua.telegram")
CAPS = Caps(buttons=True, edits=True, max_text=4096, command_menu=True)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def incoming_from_update(update: Update) -> Incoming | None:
    """Our words for a Telegram update; None for what no conversation reads (edits, joins…)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    ref = ChatRef(Channel.TELEGRAM, str(chat.id), private=chat.type == "private")
    common = {
        "chat": ref,
        "account_id": str(user.id),
        "display_name": vietnamese_full_name(user.first_name, user.last_name),
        "language": normalise_language(user.language_code),
    }
    query = update.callback_query
    if query is not None:
        pressed = str(query.message.message_id) if query.message is not None else None
        return Incoming(kind=InKind.CHOICE, choice=query.data or "", message_id=pressed, **common)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, *args = text.split()
            name = head[1:].split("@", 1)[0].lower()
            return Incoming(
                kind=InKind.COMMAND, text=as_typed(text), command=name, args=tuple(args), **common
            )
        return Incoming(kind=InKind.TEXT, text=as_typed(text), **common)
    caption = nfc(message.caption) if message.caption else None
    if message.photo:
        largest = message.photo[-1]
        attachment = Attachment(largest.file_id, mime="image/jpeg", size=largest.file_size, caption=caption)
        return Incoming(kind=InKind.PHOTO, attachment=attachment, **common)
    if message.document is not None:
        doc = message.document
        attachment = Attachment(doc.file_id, doc.file_name, doc.mime_type, doc.file_size, caption)
        return Incoming(kind=InKind.FILE, attachment=attachment, **common)
    if message.sticker is not None:
        return Incoming(kind=InKind.STICKER, **common)
    return Incoming(kind=InKind.OTHER, **common)


def markup_of(screen: Screen) -> Markup:
    if screen.buttons:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in screen.buttons]
        )
    if screen.suggestions:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(s)] for s in screen.suggestions], resize_keyboard=True, one_time_keyboard=True
        )
    if screen.clear_suggestions:
        return ReplyKeyboardRemove()
    return None


class TelegramDeliverer:
    """Reaching a Telegram chat outside a conversation (bot.chat.Deliverer)."""

    channel = Channel.TELEGRAM
    caps = CAPS

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, screen: Screen) -> str | None:
        parts = split_message(screen.text)
        sent = None
        try:
            for index, part in enumerate(parts):
                markup = markup_of(screen) if index == len(parts) - 1 else None
                sent = await self.bot.send_message(
                    int(chat_id), part, parse_mode=ParseMode.HTML, reply_markup=markup
                )
        except Forbidden as error:
            raise Unreachable(str(error)) from None
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise Unreachable(str(error)) from None
            raise
        return None if sent is None else str(sent.message_id)

    async def edit(self, chat_id: str, message_id: str, screen: Screen) -> bool:
        markup = markup_of(screen)
        try:
            await self.bot.edit_message_text(
                split_message(screen.text)[0],
                chat_id=int(chat_id),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():  # the same screen again is fine
                raise
        return True

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        """A file by its Telegram file id, outside any conversation (evidence kept as a file id,
        packed later). ValueError when over `limit` (or Telegram's own limit); LookupError, with
        Telegram's words, when Telegram refuses the id."""
        if attachment.size is not None and attachment.size > limit:
            raise ValueError(f"over {limit} bytes")
        try:
            handle = await self.bot.get_file(attachment.ref)
        except BadRequest as error:
            if "too big" in error.message.lower():
                raise ValueError(error.message) from None
            raise LookupError(error.message) from None
        if handle.file_size is not None and handle.file_size > limit:
            raise ValueError(f"over {limit} bytes")
        data = bytes(await handle.download_as_bytearray())
        if len(data) > limit:
            raise ValueError(f"over {limit} bytes")
        return data

    async def send_file(self, chat_id: str, file: OutFile) -> None:
        caption = split_message(file.caption, limit=1000)[0] if file.caption else None
        try:
            if file.photo:
                await self.bot.send_photo(int(chat_id), file.data, caption=caption, parse_mode=ParseMode.HTML)
            else:
                await self.bot.send_document(
                    int(chat_id),
                    InputFile(file.data, filename=file.name),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                )
        except Forbidden as error:
            raise Unreachable(str(error)) from None


class TelegramOutlet:
    """Answering one update: edits and callback answers where the update was a press."""

    caps = CAPS

    def __init__(self, deliverer: TelegramDeliverer, update: Update) -> None:
        self.deliverer = deliverer
        self.bot = deliverer.bot
        self.update = update

    async def send(self, chat: ChatRef, screen: Screen) -> None:
        await self.deliverer.send(chat.chat_id, screen)

    async def send_file(self, chat: ChatRef, file: OutFile) -> None:
        await self.deliverer.send_file(chat.chat_id, file)

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        if attachment.size is not None and attachment.size > limit:
            raise ValueError(f"over {limit} bytes")
        handle = await self.bot.get_file(attachment.ref)
        data = bytes(await handle.download_as_bytearray())
        if len(data) > limit:
            raise ValueError(f"over {limit} bytes")
        return data

    async def replace(self, incoming: Incoming, screen: Screen) -> None:
        query = self.update.callback_query
        markup = markup_of(screen)
        if query is None or query.message is None or not isinstance(markup, InlineKeyboardMarkup | None):
            await self.send(incoming.chat, screen)
            return
        await self.acknowledge(incoming)
        parts = split_message(screen.text)
        try:
            await query.edit_message_text(
                parts[0], parse_mode=ParseMode.HTML, reply_markup=markup if len(parts) == 1 else None
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():  # the same screen pressed twice is fine
                raise
        if len(parts) > 1:
            await self.send(incoming.chat, Screen("\n".join(parts[1:]), buttons=screen.buttons))

    async def alert(self, incoming: Incoming, text: str) -> None:
        query = self.update.callback_query
        if query is None:
            await self.send(incoming.chat, Screen(text))
            return
        # A pop-up holds 200 characters and no formatting.
        try:
            await query.answer(plain_text(text)[:200], show_alert=True)
        except BadRequest:
            # Answered already or too old to answer (a press handled again after a restart, or
            # late): the person still hears it, as a message.
            await self.send(incoming.chat, Screen(text))

    async def acknowledge(self, incoming: Incoming) -> None:
        query = self.update.callback_query
        if query is not None:
            # Answered already, or too old to answer: the press still counts.
            with contextlib.suppress(BadRequest):
                await query.answer()

    async def set_commands(self, chat: ChatRef, commands: list[tuple[str, str]]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            scope=BotCommandScopeChat(int(chat.chat_id)),
        )


def dispatcher(router: Router) -> TypeHandler:  # type: ignore[type-arg]
    """The PTB handler (group -1) that hands an update to the channel-neutral conversations."""

    async def dispatch(update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        incoming = incoming_from_update(update)
        if incoming is None:
            return
        deps: Deps = context.application.bot_data["deps"]
        # The same update delivered again (a retried webhook, a poll not confirmed before a
        # crash) changes nothing (bot/services/updates.py): in hand or lately handled here is
        # known from memory; handled before a restart, from the ledger, read below.
        mark = updates.hold(deps.db, Channel.TELEGRAM.value, update.update_id, deps.clock())
        if mark is None:
            raise ApplicationHandlerStop
        outlet = TelegramOutlet(deliverer_of(context.application), update)
        handled = True
        try:
            # The ledger, the route, the step and the person in one read transaction, ended
            # before the handler runs (it must see its own writes).
            async with deps.db.reading():
                seen = await updates.handled_before(deps.db, mark)
                if seen is updates.Seen.DONE:
                    raise ApplicationHandlerStop
                if updates.must_not_repeat(seen, incoming.kind):
                    raise updates.SavedUnanswered
                found = await router.resolve(deps.db, incoming)
                fallback = router.fallback_route()
                if found is None and fallback is None:
                    return
                route, data = found if found is not None else (fallback, {})
                assert route is not None
                admin = int(incoming.account_id) in set(deps.settings.admin_telegram_ids)
                profile = await people.identify_account(
                    deps.db,
                    Channel.TELEGRAM,
                    incoming.account_id,
                    display_name=incoming.display_name,
                    language=incoming.language or "vi",
                    today=deps.clock().astimezone(deps.settings.zone).date(),
                    admin=admin,
                    now=deps.clock(),
                )
            turn = Turn(incoming=incoming, profile=profile, deps=deps, outlet=outlet, data=data)
            with updates.handling(mark):  # the handler's first write commits the update's mark
                await router.run(route, turn)
            if incoming.kind is InKind.CHOICE and not turn.answered:
                await outlet.acknowledge(incoming)
        except ApplicationHandlerStop:
            raise
        except updates.Replayed:
            log.info("update %s was handled elsewhere meanwhile; its write is undone", update.update_id)
        except updates.SavedUnanswered:
            log.info(
                "update %s was saved before a restart and not answered: the person is told", update.update_id
            )
            try:
                await outlet.send(incoming.chat, Screen(t(incoming.language, "error.saved_unanswered")))
            except Exception:
                log.warning("could not send the notice")
        except asyncio.CancelledError:
            handled = False  # stopped midway (the bot stopping): a delivery again handles it
            raise
        except Exception as error:
            # Handled here, so that no PTB handler of a later group answers the same update again.
            outage = is_outage(error)
            if outage:
                # Not marked: delivered again once the database is back, it is handled then.
                handled = False
                log.warning(
                    "update %s: the database is unreachable (%s)", update.update_id, type(error).__name__
                )
            else:
                log.exception("update %s failed", update.update_id)
            await apologise(outlet, incoming, outage=outage)
        finally:
            with contextlib.suppress(Exception):  # a database gone now: a delivery again handles it
                await updates.release(deps.db, mark, handled=handled)
        raise ApplicationHandlerStop

    return TypeHandler(Update, dispatch)


async def apologise(outlet: TelegramOutlet, incoming: Incoming, *, outage: bool = False) -> None:
    text = t(incoming.language, "error.unavailable" if outage else "error.generic")
    try:
        if incoming.kind is InKind.CHOICE:
            await outlet.alert(incoming, text)
        else:
            await outlet.send(incoming.chat, Screen(text))
    except Exception:
        log.warning("could not send the apology")


def deliverer_of(application: Application) -> TelegramDeliverer:  # type: ignore[type-arg]
    deps: Deps = application.bot_data["deps"]
    found = deps.channels.get(Channel.TELEGRAM)
    if not isinstance(found, TelegramDeliverer) or found.bot is not application.bot:
        found = TelegramDeliverer(application.bot)
        deps.channels[Channel.TELEGRAM] = found
    return found


def install(application: Application, router: Router) -> None:  # type: ignore[type-arg]
    deliverer_of(application)  # other parts of the bot reach Telegram chats through deps.channels
    application.add_handler(dispatcher(router), group=-1)


async def set_default_menu(bot: Bot) -> None:
    """What a stranger sees, in each catalogue language (Telegram picks by the user's app language).
    The languages are asked side by side: one round trip to Telegram before polling starts, not one each."""

    async def publish(language: str) -> None:
        commands = [BotCommand(name, t(language, f"cmd.{name}")) for name in PUBLIC_COMMANDS]
        code = None if language == "vi" else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)

    await asyncio.gather(*(publish(language) for language in LANGUAGES))
