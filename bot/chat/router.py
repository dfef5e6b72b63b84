"""Which conversation step an `Incoming` goes to, and where each person is in a conversation.

A conversation is a few named steps; a step's handler gets a `Turn` and returns the next step's
name, or `END`. Where a person is lives in the database (table conversation_state), keyed by
channel, chat and account, so a restart resumes at the same question on every channel.

Commands and button presses that belong to no conversation are plain routes. A command that
starts a conversation drops whatever step the person was at before (they asked for it).
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select

from bot.chat import Caps, ChatRef, Incoming, InKind, OutFile, Outlet, Screen
from bot.db import Database, run_core
from bot.deps import Deps
from bot.i18n import t
from bot.services import upload_links
from bot.services.people import Profile
from models.conversation import ConversationState

log = logging.getLogger("thidua.chat")

END: None = None
STATE_TABLE_NAME = "chat"
# For the fallback: the keys of the numbered options a chat without buttons was last offered.
MENU_KEYS = "menu_keys"  # conversation_state.name for the channel-neutral router

Handler = Callable[["Turn"], Awaitable[str | None]]
# Sees every incoming message before it is routed (a person who blocked the bot writes again).
Watcher = Callable[[Database, Incoming], Awaitable[None]]


@dataclass
class Turn:
    """One incoming message and the person behind it, with the ways to answer."""

    incoming: Incoming
    profile: Profile
    deps: Deps
    outlet: Outlet
    data: dict[str, Any] = field(default_factory=dict)  # the conversation's own notes, persisted
    answered: bool = False

    @property
    def lang(self) -> str:
        return self.profile.language

    @property
    def person_id(self) -> int:
        return self.profile.person_id

    @property
    def today(self) -> date:
        """Today in the bot's time zone (a school day is Vietnamese, not UTC)."""
        return self.deps.clock().astimezone(self.deps.settings.zone).date()

    @property
    def chat(self) -> ChatRef:
        return self.incoming.chat

    @property
    def caps(self) -> Caps:
        return self.outlet.caps

    async def say(self, text: str, **screen: Any) -> None:
        """A new message in this chat."""
        await self.outlet.send(self.chat, Screen(text, **screen))

    async def show(self, text: str, **screen: Any) -> None:
        """The next screen: in place of the pressed message where the channel can edit."""
        if self.incoming.kind is InKind.CHOICE:
            self.answered = True
            await self.outlet.replace(self.incoming, Screen(text, **screen))
        else:
            await self.say(text, **screen)

    async def alert(self, text: str) -> None:
        self.answered = True
        await self.outlet.alert(self.incoming, text)

    async def send_file(
        self, name: str, data: bytes, *, caption: str | None = None, photo: bool = False
    ) -> None:
        await self.outlet.send_file(self.chat, OutFile(name, data, caption, photo))

    async def offer_upload(self) -> None:
        """Where the channel cannot carry documents (Zalo), a one-time page on the bot's web server
        to upload the spreadsheet instead; the file comes back into this conversation as if sent."""
        if self.caps.documents_in or not self.deps.public_url:
            return
        incoming = self.incoming
        token = await upload_links.issue(
            self.deps.db,
            channel=incoming.channel.value,
            chat_id=incoming.chat.chat_id,
            account_id=incoming.account_id,
            now=self.deps.clock(),
        )
        url = f"{self.deps.public_url.rstrip('/')}/upload/{token}"
        # Sent as a note, not a screen: the step's numbered options stay the ones a reply means.
        await self.outlet.alert(incoming, t(self.lang, "chat.upload_link", url=url))

    async def fetch(self, limit: int = 20 * 1024 * 1024) -> bytes:
        """The bytes of the file or photo this message carries (copy them into the file store
        if they are to be kept: platform handles expire or belong to one bot)."""
        assert self.incoming.attachment is not None
        return await self.outlet.fetch(self.incoming.attachment, limit)


# What a step takes: an InKind (TEXT, PHOTO, FILE, STICKER, CHOICE for any press), or a str,
# which is the prefix of the presses (button data) it takes, e.g. "rg:t:".
StepKey = InKind | str


@dataclass(frozen=True)
class Conversation:
    """A persistent conversation, like PTB's ConversationHandler with allow_reentry: its entries
    start it at any time; at a step, what that step takes; then its fallbacks."""

    name: str
    entry: dict[str, Handler]  # command → first step
    steps: dict[str, dict[StepKey, Handler]]  # step → what it takes
    fallbacks: dict[str, Handler] = field(default_factory=dict)  # commands that work at any step
    entry_needs_args: bool | None = None  # /start <token> starts joining; /start alone does not
    entry_choices: dict[str, Handler] = field(default_factory=dict)  # press-data prefix → first step
    fallback_choices: dict[str, Handler] = field(default_factory=dict)  # presses that work at any step


@dataclass(frozen=True)
class Route:
    handler: Handler
    conversation: Conversation | None = None


@dataclass(frozen=True)
class Command:
    handler: Handler
    needs_args: bool | None = None


@dataclass(frozen=True)
class Capability:
    """A handler module by name, and what it answers: the router imports it, and calls its
    `register`, the first time a message needs it (the bot answers its first message sooner).
    Its `register` stays the truth; `Capability.of` reads the rest from it, and a test keeps
    handlers.CAPABILITIES equal to what that reads."""

    module: str
    commands: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()  # the press data it takes start with one of these
    conversations: frozenset[str] = frozenset()
    watches: bool = False  # it sees every message (Router.watch): loaded at the first
    fallback: bool = False  # it answers what nothing else takes

    @classmethod
    def of(cls, module: str) -> Capability:
        router = Router()
        _register(router, module)
        # What a conversation takes at its steps, its fallbacks included, is not claimed: a
        # person at one of its steps has it loaded (step_of).
        prefixes = {prefix for prefix, _ in router.choices}
        for conversation in router.conversations.values():
            prefixes |= set(conversation.entry_choices)
        return cls(
            module,
            frozenset(router.known_commands()),
            frozenset(prefixes),
            frozenset(router.conversations),
            bool(router.watchers),
            router.fallback is not None,
        )


def _register(router: Router, module: str) -> None:
    importlib.import_module(module).register(router)


# The conversation state this update's resolution read (key, stored value or None for no row),
# so that `save_step` writes nothing when the handler left it as it was. Each update is handled
# in a task of its own, resolved then run in that task, so the variable is the update's.
_LOADED: ContextVar[tuple[str, str | None] | None] = ContextVar("loaded_state", default=None)


def state_key(incoming: Incoming) -> str:
    return f"{incoming.channel.value}:{incoming.chat.chat_id}:{incoming.account_id}"


@functools.cache
def _state_query() -> Any:
    """A chat's saved step, built once: every update asks it."""
    table = ConversationState.__table__  # type: ignore[attr-defined]
    return select(table.c.state).where(table.c.name == bindparam("name"), table.c.key == bindparam("key"))


class Router:
    def __init__(self, capabilities: Sequence[Capability] = ()) -> None:
        self.commands: dict[str, list[Command]] = {}
        self.choices: list[tuple[str, Handler]] = []
        self.conversations: dict[str, Conversation] = {}
        self.watchers: list[Watcher] = []
        # What answers a message no route takes (handlers.errors): an unknown command, a stale press.
        self.fallback: Handler | None = None
        # Handler modules registered when first needed, in this order (see Capability).
        self.capabilities = list(capabilities)
        self._loaded: set[str] = set()

    # ------------------------------------------------------------ capabilities loaded on first use
    def _need(self, wanted: Iterable[Capability]) -> None:
        missing = {c.module for c in wanted} - self._loaded
        if not missing:
            return
        for module in sorted(missing):
            importlib.import_module(module)  # first, so that a failure leaves the router as it was
        self._loaded |= missing
        # Registered again from scratch in the capabilities' order, as if all had been loaded at
        # start: where two take the same command, the same one wins. (No await in here: no other
        # update sees a half-built router.)
        self.commands, self.choices, self.conversations, self.watchers, self.fallback = {}, [], {}, [], None
        for capability in self.capabilities:
            if capability.module in self._loaded:
                _register(self, capability.module)

    def load_all(self) -> None:
        self._need(self.capabilities)

    # ------------------------------------------------------------ registration
    def command(self, names: str | list[str], handler: Handler, *, needs_args: bool | None = None) -> None:
        for name in [names] if isinstance(names, str) else names:
            self.commands.setdefault(name, []).append(Command(handler, needs_args))

    def choice(self, prefix: str, handler: Handler) -> None:
        self.choices.append((prefix, handler))

    def conversation(self, conversation: Conversation) -> None:
        self.conversations[conversation.name] = conversation

    def watch(self, watcher: Watcher) -> None:
        self.watchers.append(watcher)

    def known_commands(self) -> set[str]:
        self.load_all()
        names = set(self.commands)
        for conversation in self.conversations.values():
            names |= set(conversation.entry)
        return names

    # ------------------------------------------------------------ state
    async def step_of(
        self, db: Database, incoming: Incoming
    ) -> tuple[Conversation, str, dict[str, Any]] | None:
        key = state_key(incoming)
        async with db.session() as session:
            params = {"name": STATE_TABLE_NAME, "key": key}
            row = (await run_core(session, _state_query(), params)).first()
        state: str | None = None if row is None else row[0]
        _LOADED.set((key, state))
        if state is None:
            return None
        saved = json.loads(state)
        self._need(c for c in self.capabilities if saved.get("c", "") in c.conversations)
        conversation = self.conversations.get(saved.get("c", ""))
        if conversation is None or saved.get("s") not in conversation.steps:
            return None  # a conversation or step that no longer exists: start afresh
        return conversation, saved["s"], saved.get("d") or {}

    async def save_step(
        self,
        db: Database,
        incoming: Incoming,
        conversation: Conversation,
        step: str | None,
        data: dict[str, Any],
    ) -> None:
        key = state_key(incoming)
        value = (
            None
            if step is None
            else json.dumps({"c": conversation.name, "s": step, "d": data}, ensure_ascii=False)
        )
        loaded = _LOADED.get()
        if loaded is not None and loaded == (key, value):
            return  # the step and its notes as this update found them: nothing to write
        async with db.transaction() as session:
            row = await session.get(ConversationState, (STATE_TABLE_NAME, key))
            if step is None:
                if row is not None:
                    await session.delete(row)
            else:
                assert value is not None
                if row is None:
                    row = ConversationState(name=STATE_TABLE_NAME, key=key, state=value)
                else:
                    row.state = value
                session.add(row)
        _LOADED.set((key, value))

    # ------------------------------------------------------------ dispatch
    async def resolve(self, db: Database, incoming: Incoming) -> tuple[Route, dict[str, Any]] | None:
        """The route this message takes, or None when no channel-neutral conversation takes it."""
        _LOADED.set(None)
        self._need(c for c in self.capabilities if c.watches)
        for watcher in self.watchers:  # every adapter resolves every message once
            try:
                await watcher(db, incoming)
            except Exception:  # a watcher's failure never stops the message itself
                log.exception("watcher %s failed", getattr(watcher, "__name__", watcher))
        active = await self.step_of(db, incoming)
        if incoming.kind is InKind.COMMAND:
            name = incoming.command or ""
            self._need(c for c in self.capabilities if name in c.commands)
            for conversation in self.conversations.values():
                if name in conversation.entry and _args_fit(conversation.entry_needs_args, incoming):
                    return Route(conversation.entry[name], conversation), {}
            if active is not None and name in active[0].fallbacks:
                return Route(active[0].fallbacks[name], active[0]), active[2]
            for command in self.commands.get(name, []):
                if _args_fit(command.needs_args, incoming):
                    return Route(command.handler), {}
            return None
        if incoming.kind is InKind.CHOICE:
            data = incoming.choice or ""
            self._need(c for c in self.capabilities if any(data.startswith(p) for p in c.prefixes))
            for conversation in self.conversations.values():
                handler = _by_prefix(conversation.entry_choices, data)
                if handler is not None:
                    return Route(handler, conversation), {}
            if active is not None:
                conversation, step, saved = active
                handler = _by_prefix(
                    {k: v for k, v in conversation.steps[step].items() if not isinstance(k, InKind)}, data
                ) or conversation.steps[step].get(InKind.CHOICE)
                handler = handler or _by_prefix(conversation.fallback_choices, data)
                if handler is not None:
                    return Route(handler, conversation), saved
            for prefix, handler in self.choices:
                if data.startswith(prefix):
                    return Route(handler), {}
            return None
        if active is not None:
            conversation, step, saved = active
            handler = conversation.steps[step].get(incoming.kind)
            if handler is not None:
                return Route(handler, conversation), saved
        return None

    def fallback_route(self) -> Route | None:
        self._need(c for c in self.capabilities if c.fallback)
        return None if self.fallback is None else Route(self.fallback)

    async def run(self, route: Route, turn: Turn) -> None:
        next_step = await route.handler(turn)
        if route.conversation is not None:
            await self.save_step(turn.deps.db, turn.incoming, route.conversation, next_step, turn.data)


def _by_prefix(handlers: dict[Any, Handler], data: str) -> Handler | None:
    for prefix, handler in handlers.items():
        if not isinstance(prefix, InKind) and data.startswith(prefix):
            return handler
    return None


def _args_fit(needs_args: bool | None, incoming: Incoming) -> bool:
    return needs_args is None or needs_args == bool(incoming.args)
