"""The Zalo adapter: Zalo events in, the chat vocabulary out as plain text and numbered lists.

Zalo has no buttons, no edits and no deep links, and a message holds 2,000 characters:
- a screen's buttons become a numbered list ("Trả lời 1, 2 hoặc 3"); the reply "2", or the
  option's words typed without accents, is read as the press (bot.chat.numbered);
- "replaces the previous screen" is a new message; a short alert is a message too;
- an invite is `/start <token>` sent as text, or the token alone;
- long texts are split on line boundaries within 2,000 characters.
Events come by long polling (getUpdates, one event per call) or by the webhook route, which
checks the secret header before reading anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from typing import Any

import httpx
from aiohttp import web

from bot.channels.zalo.client import ZaloApiError, ZaloBot
from bot.channels.zalo.events import (
    SECRET_HEADER,
    EventError,
    EventKind,
    ZaloEvent,
    parse_event,
    secret_matches,
)
from bot.chat import Attachment, Caps, ChatRef, Incoming, InKind, OutFile, Screen, Unreachable
from bot.chat.numbered import OutOfRange, numbers_phrase, option_keys, plain_text, read_reply
from bot.chat.router import MENU_KEYS, Route, Router, Turn
from bot.db import is_outage
from bot.deps import Deps
from bot.files import LINK_TTL_SECONDS, signed_path
from bot.i18n import t
from bot.render import split_message
from bot.services import chat_menus, people, updates, upload_links
from models.channels import Channel
from models.text import as_typed, nfc

log = logging.getLogger("thidua.zalo")
CAPS = Caps(buttons=False, edits=False, max_text=2000, command_menu=False, documents_in=False)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # an invite token (bot.services.invites.TOKEN_BYTES)
MAX_WEBHOOK_BODY = 64 * 1024  # a Zalo event is small; anything larger is refused unread
STORE_REF = "store:"  # an attachment already in the bot's file store (an upload page's file)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the upload readers' own limit (bot/services/uploads.py)


def incoming_from_event(event: ZaloEvent) -> Incoming:
    ref = ChatRef(Channel.ZALO, event.chat_id, private=event.chat_type.upper() == "PRIVATE")
    common: dict[str, Any] = {
        "chat": ref,
        "account_id": event.sender_id,
        "display_name": nfc(event.sender_name),
        "language": None,  # Zalo does not say; the person's stored language applies
    }
    if event.kind is EventKind.TEXT:
        text = as_typed(event.text or "")
        if text.startswith("/"):
            head, *args = text.split()
            return Incoming(
                kind=InKind.COMMAND, text=text, command=head[1:].lower(), args=tuple(args), **common
            )
        if TOKEN_SHAPE.fullmatch(text):
            return Incoming(kind=InKind.COMMAND, text=text, command="start", args=(text,), **common)
        return Incoming(kind=InKind.TEXT, text=text, **common)
    if event.kind is EventKind.IMAGE:
        caption = nfc(event.caption) if event.caption else None
        attachment = Attachment(event.photo_url or "", mime="image/jpeg", caption=caption)
        return Incoming(kind=InKind.PHOTO, attachment=attachment, **common)
    if event.kind is EventKind.STICKER:
        return Incoming(kind=InKind.STICKER, **common)
    return Incoming(kind=InKind.OTHER, **common)


class ZaloDeliverer:
    """Reaching a Zalo chat outside a conversation (bot.chat.Deliverer): numbered lists, no
    edits, files as signed links to the bot's web server."""

    channel = Channel.ZALO
    caps = CAPS

    def __init__(self, bot: ZaloBot, deps: Deps) -> None:
        self.bot = bot
        self.deps = deps
        # Secret options (a ballot under review) live here only: never in a table or a log.
        self.secret_menus: dict[str, list[chat_menus.Option]] = {}

    async def _language(self, chat_id: str) -> str:
        person_id = await people.person_of_account(self.deps.db, Channel.ZALO, chat_id)
        if person_id is not None:
            found = await people.profile_of(self.deps.db, person_id, self.deps.clock().date())
            if found is not None:
                return found.language
        return self.deps.settings.default_language

    def render(self, screen: Screen, lang: str) -> tuple[str, list[chat_menus.Option]]:
        text = plain_text(screen.text)
        pairs = [(b.label, b.data) for row in screen.buttons for b in row]
        keys = option_keys(len(pairs), lettered=screen.typed_numbers)
        options = [(key, label, data) for key, (label, data) in zip(keys, pairs, strict=True)]
        if options:
            listing = "\n".join(f"{key}. {label}" for key, label, _ in options)
            numbers = numbers_phrase(keys, t(lang, "chat.or"))
            text = f"{text}\n\n{listing}\n{t(lang, 'chat.reply_with', numbers=numbers)}"
        elif screen.suggestions:
            items = ", ".join(f"«{s}»" for s in screen.suggestions)
            text = f"{text}\n{plain_text(t(lang, 'chat.suggest', items=items))}"
        return text, options

    async def send(
        self, chat_id: str, screen: Screen, lang: str | None = None, *, in_turn: bool = False
    ) -> str | None:
        """Send a screen. Its options become the chat's menu (remembered before it is shown: a
        reply can never outrun it). A notice without options sent outside a conversation (a ping,
        a hand-off) leaves the menu the person is answering as it is."""
        text, options = self.render(screen, lang or await self._language(chat_id))
        db = self.deps.db
        if options or in_turn:  # this screen's options (or none) are now what a reply means
            self.secret_menus.pop(chat_id, None)
            if options and screen.secret:
                self.secret_menus[chat_id] = options
            if options and not screen.secret:
                await chat_menus.remember(db, Channel.ZALO.value, chat_id, options, self.deps.clock())
            else:
                await chat_menus.forget(db, Channel.ZALO.value, chat_id)
        await self._text(chat_id, text)
        return None

    async def _text(self, chat_id: str, text: str) -> None:
        try:
            for part in split_message(text, limit=CAPS.max_text, markup=False):
                await self.bot.send_message(chat_id, part)
        except ZaloApiError as error:
            if error.error_code in (403, 404):
                raise Unreachable(str(error)) from None
            raise

    async def menu(self, chat_id: str) -> list[chat_menus.Option]:
        if chat_id in self.secret_menus:
            return self.secret_menus[chat_id]
        return await chat_menus.shown(self.deps.db, Channel.ZALO.value, chat_id)

    async def edit(self, chat_id: str, message_id: str, screen: Screen) -> bool:
        return False  # Zalo cannot edit a message

    def link(self, name: str, data: bytes) -> str:
        stored = self.deps.files.put(data)
        base = (self.deps.public_url or "").rstrip("/")
        return base + signed_path(self.deps.link_secret, stored.key, name)

    async def send_file(self, chat_id: str, file: OutFile, lang: str | None = None) -> None:
        url = self.link(file.name, file.data)
        caption = plain_text(file.caption) if file.caption else None
        if file.photo:
            try:
                await self.bot.send_photo(chat_id, url, caption[:2000] if caption else None)
            except ZaloApiError as error:
                if error.error_code in (403, 404):
                    raise Unreachable(str(error)) from None
                raise
            return
        lang = lang or await self._language(chat_id)
        hours = LINK_TTL_SECONDS // 3600
        line = t(
            lang, "chat.file_link", name=file.name, size=_size(len(file.data)), url=url, hours=str(hours)
        )
        await self._text(chat_id, f"{caption}\n{plain_text(line)}" if caption else plain_text(line))

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        if attachment.ref.startswith(STORE_REF):  # uploaded through the bot's own upload page
            data = self.deps.files.get(attachment.ref.removeprefix(STORE_REF))
            if data is None:
                raise ValueError("no longer in the file store")
            if len(data) > limit:
                raise ValueError(f"over {limit} bytes")
            return data
        chunks: list[bytes] = []
        size = 0
        async with (
            httpx.AsyncClient(timeout=30, follow_redirects=True) as http,
            http.stream("GET", attachment.ref) as response,
        ):
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"over {limit} bytes")
                chunks.append(chunk)
        return b"".join(chunks)


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"


class ZaloOutlet:
    """Answering one Zalo message: everything is a new message."""

    caps = CAPS

    def __init__(self, deliverer: ZaloDeliverer, lang: str) -> None:
        self.deliverer = deliverer
        self.lang = lang

    async def send(self, chat: ChatRef, screen: Screen) -> None:
        await self.deliverer.send(chat.chat_id, screen, self.lang, in_turn=True)

    async def send_file(self, chat: ChatRef, file: OutFile) -> None:
        await self.deliverer.send_file(chat.chat_id, file, self.lang)

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        return await self.deliverer.fetch(attachment, limit)

    async def replace(self, incoming: Incoming, screen: Screen) -> None:
        await self.send(incoming.chat, screen)

    async def alert(self, incoming: Incoming, text: str) -> None:
        await self.deliverer._text(incoming.chat.chat_id, plain_text(text))

    async def acknowledge(self, incoming: Incoming) -> None:
        return None

    async def set_commands(self, chat: ChatRef, commands: list[tuple[str, str]]) -> None:
        return None  # Zalo has no command menu; /help lists them


class ZaloChannel:
    """Serves the channel-neutral conversations on one Zalo bot."""

    def __init__(self, deps: Deps, router: Router, bot: ZaloBot) -> None:
        self.deps = deps
        self.router = router
        self.bot = bot
        self.deliverer = ZaloDeliverer(bot, deps)
        deps.channels[Channel.ZALO] = self.deliverer
        self._task: asyncio.Task[None] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(deps.settings.concurrent_updates)
        self._running: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ intake
    async def handle(self, event: ZaloEvent) -> None:
        """One event, start to finish; a chat's events are handled one at a time, in order."""
        if event.sender_is_bot:
            return
        # One lock per chat, kept (a few bytes per chat; dropping one while a task waits on it
        # would let two of that chat's events run at once).
        async with self._locks.setdefault(event.chat_id, asyncio.Lock()):
            await self._handle(event)

    async def _handle(self, event: ZaloEvent) -> None:
        # A webhook POST retried after a restart (Zalo heard no answer) finds the event in the
        # ledger of handled updates (bot/services/updates.py), as Telegram's updates do. Zalo's
        # ids are strings: the ledger keys the event by a number made from its chat and message id.
        mark = updates.hold(
            self.deps.db,
            Channel.ZALO.value,
            updates.event_number(event.chat_id, event.message_id),
            self.deps.clock(),
        )
        if mark is None:
            return
        await self._take(incoming_from_event(event), event.message_id, mark)

    async def _take(self, incoming: Incoming, label: str, mark: updates.Mark | None = None) -> None:
        outlet: ZaloOutlet | None = None
        handled = True
        try:
            deps = self.deps
            # The ledger, the person, the menu shown and the route in one read transaction,
            # ended before the handler runs (it must see its own writes).
            async with deps.db.reading():
                if mark is not None:
                    seen = await updates.handled_before(deps.db, mark)
                    if seen is updates.Seen.DONE:
                        return
                    if updates.must_not_repeat(seen, incoming.kind):
                        raise updates.SavedUnanswered
                profile = await people.identify_account(
                    deps.db,
                    Channel.ZALO,
                    incoming.account_id,
                    display_name=incoming.display_name,
                    language=deps.settings.default_language,
                    today=deps.clock().astimezone(deps.settings.zone).date(),
                    admin=incoming.account_id in set(deps.settings.admin_zalo_ids),
                    now=deps.clock(),
                )
                outlet = ZaloOutlet(self.deliverer, profile.language)
                routed = await self._route(incoming, profile, outlet)
            if routed is not None:
                incoming, route, data = routed
                turn = Turn(incoming=incoming, profile=profile, deps=deps, outlet=outlet, data=data)
                if mark is None:
                    await self.router.run(route, turn)
                else:
                    with updates.handling(mark):  # the first write commits the event's mark
                        await self.router.run(route, turn)
        except updates.Replayed:
            log.info("Zalo message %s was handled elsewhere meanwhile; its write is undone", label)
        except updates.SavedUnanswered:
            log.info("Zalo message %s was saved before a restart and not answered: the person is told", label)
            outlet = outlet or ZaloOutlet(self.deliverer, self.deps.settings.default_language)
            try:
                await outlet.alert(incoming, t(outlet.lang, "error.saved_unanswered"))
            except Exception:
                log.warning("could not send the notice")
        except asyncio.CancelledError:
            handled = False  # stopped midway (the bot stopping): a delivery again handles it
            raise
        except Exception as error:
            outage = is_outage(error)
            if outage:
                handled = False  # not marked: delivered again once the database is back
                log.warning("Zalo message %s: the database is unreachable (%s)", label, type(error).__name__)
            else:
                log.exception("Zalo message %s failed", label)
            # Even when the person could not be looked up (the database is down), they hear why.
            outlet = outlet or ZaloOutlet(self.deliverer, self.deps.settings.default_language)
            try:
                await outlet.alert(
                    incoming, t(outlet.lang, "error.unavailable" if outage else "error.generic")
                )
            except Exception:
                log.warning("could not send the apology")
        finally:
            if mark is not None:
                with contextlib.suppress(Exception):  # a database gone now: a delivery again handles it
                    await updates.release(self.deps.db, mark, handled=handled)

    async def _route(
        self, incoming: Incoming, profile: people.Profile, outlet: ZaloOutlet
    ) -> tuple[Incoming, Route, dict[str, Any]] | None:
        """What this message means here (a numbered reply becomes the option's press) and the
        route it takes; None when it is answered already or nothing takes it."""
        db, lang = self.deps.db, profile.language
        menu = await self.deliverer.menu(incoming.chat.chat_id) if incoming.kind is InKind.TEXT else []
        if menu:
            keys = [key for key, _, _ in menu]
            picked = read_reply(incoming.text, [label for _, label, _ in menu], keys)
            if isinstance(picked, OutOfRange):
                numbers = numbers_phrase(keys, t(lang, "chat.or"))
                await outlet.alert(
                    incoming, t(lang, "chat.number_out_of_range", number=str(picked.number), numbers=numbers)
                )
                return None
            if picked is not None:
                incoming = Incoming(
                    chat=incoming.chat,
                    account_id=incoming.account_id,
                    display_name=incoming.display_name,
                    language=incoming.language,
                    kind=InKind.CHOICE,
                    text=incoming.text,
                    choice=menu[picked][2],
                )
        found = await self.router.resolve(db, incoming)
        fallback = self.router.fallback_route()
        if found is None and fallback is None:
            return None
        route, data = found if found is not None else (fallback, {MENU_KEYS: [key for key, _, _ in menu]})
        assert route is not None
        return incoming, route, data

    # ------------------------------------------------------------ long polling
    async def start_polling(self, timeout: float = 30) -> None:  # noqa: ASYNC109 (Zalo's long poll)
        self._task = asyncio.create_task(self._poll(timeout), name="zalo-polling")

    async def _poll(self, timeout: float) -> None:  # noqa: ASYNC109 (Zalo's long poll)
        while True:
            try:
                event = await self.bot.get_updates(timeout=timeout)
            except ZaloApiError as error:
                log.warning("Zalo getUpdates failed: %s", error)
                await asyncio.sleep(2)
                continue
            except EventError as error:
                log.warning("an unreadable Zalo event: %s", error)
                continue
            if event is not None:
                # Different people side by side; handle() keeps each chat's events in order.
                await self._slots.acquire()
                task = asyncio.create_task(self.handle(event))
                self._running.add(task)
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slots.release()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._running:  # let what was taken finish: its sender is waiting for the answer
            await asyncio.gather(*self._running, return_exceptions=True)

    async def close(self) -> None:
        await self.stop()
        with contextlib.suppress(Exception):  # the marks of read-only events still waiting
            await updates.flush(self.deps.db)
        await self.bot.aclose()

    # ------------------------------------------------------------ upload pages
    def upload_routes(self) -> list[tuple[str, str, Any]]:
        """GET and POST /upload/<token>: the one-time page a Zalo person opens from the chat to send
        a spreadsheet (Zalo carries no documents). The file comes into their conversation as a FILE
        message; a used, expired or unknown link gets a plain page saying so, and changes nothing."""

        def page(lang: str, body: str, status: int = 200) -> web.Response:
            title = html.escape(plain_text(t(lang, "upload.title")))
            return web.Response(
                status=status,
                content_type="text/html",
                charset="utf-8",
                text=(
                    f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
                    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                    f"<title>{title}</title></head><body style='font-family:sans-serif;margin:2em'>"
                    f"<h1 style='font-size:1.3em'>{title}</h1>{body}</body></html>"
                ),
            )

        def refused(lang: str, state: upload_links.LinkState) -> web.Response:
            status = 404 if state is upload_links.LinkState.UNKNOWN else 410
            return page(lang, f"<p>{html.escape(plain_text(t(lang, f'upload.{state.value}')))}</p>", status)

        async def show(request: web.Request) -> web.Response:
            lang = self.deps.settings.default_language
            found = await upload_links.check(self.deps.db, request.match_info["token"], now=self.deps.clock())
            if found.state is not upload_links.LinkState.OK:
                return refused(lang, found.state)
            return page(
                lang,
                f"<p>{html.escape(plain_text(t(lang, 'upload.choose')))}</p>"
                "<form method='post' enctype='multipart/form-data'>"
                "<input type='file' name='file' accept='.xlsx,.csv,.txt' required> "
                f"<button type='submit'>{html.escape(plain_text(t(lang, 'upload.send')))}</button></form>",
            )

        async def receive(request: web.Request) -> web.Response:
            lang = self.deps.settings.default_language
            token = request.match_info["token"]
            found = await upload_links.check(self.deps.db, token, now=self.deps.clock())
            if found.state is not upload_links.LinkState.OK:
                return refused(lang, found.state)
            if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES + 64 * 1024:
                return page(lang, f"<p>{html.escape(plain_text(t(lang, 'upload.too_big')))}</p>", 413)
            name, data = "", b""
            async for part in await request.multipart():  # type: ignore[union-attr]
                if getattr(part, "name", None) == "file":
                    name = getattr(part, "filename", None) or "tep-tai-len"
                    data = await part.read(decode=False)  # type: ignore[union-attr]
                    if len(data) > MAX_UPLOAD_BYTES:
                        return page(lang, f"<p>{html.escape(plain_text(t(lang, 'upload.too_big')))}</p>", 413)
            if not data:
                return page(lang, f"<p>{html.escape(plain_text(t(lang, 'upload.no_file')))}</p>", 400)
            claim = await upload_links.use(self.deps.db, token, now=self.deps.clock())
            if claim.state is not upload_links.LinkState.OK:
                return refused(lang, claim.state)
            stored = self.deps.files.put(data)
            incoming = Incoming(
                chat=ChatRef(Channel.ZALO, claim.chat_id, private=True),
                account_id=claim.account_id,
                display_name="",
                language=None,
                kind=InKind.FILE,
                attachment=Attachment(f"{STORE_REF}{stored.key}", nfc(name), None, len(data)),
            )
            async with self._locks.setdefault(claim.chat_id, asyncio.Lock()):
                await self._take(incoming, f"upload {stored.key[:8]}")
            done = html.escape(plain_text(t(lang, "upload.done", name=nfc(name))))
            return page(lang, f"<p>{done}</p>")

        return [("GET", "/upload/{token}", show), ("POST", "/upload/{token}", receive)]

    # ------------------------------------------------------------ webhook
    def webhook_handler(self, secret: str) -> Any:
        """An aiohttp handler for Zalo's POSTs: 403 without the right secret header (checked before
        the body is read), 400 for what is not an event, 200 once the event is handled."""

        async def webhook(request: web.Request) -> web.Response:
            if not secret_matches(request.headers.get(SECRET_HEADER), secret):
                return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
            if request.content_length is not None and request.content_length > MAX_WEBHOOK_BODY:
                return web.json_response({"ok": False, "description": "Too large"}, status=413)
            body = await request.content.read(MAX_WEBHOOK_BODY + 1)
            if len(body) > MAX_WEBHOOK_BODY:
                return web.json_response({"ok": False, "description": "Too large"}, status=413)
            try:
                event = parse_event(body)
            except EventError as error:
                log.warning("an unreadable Zalo webhook POST: %s", error)
                return web.json_response({"ok": False, "description": "Bad event"}, status=400)
            await self.handle(event)
            return web.json_response({"ok": True})

        return webhook
