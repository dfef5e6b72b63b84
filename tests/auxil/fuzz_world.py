"""Seed 000's department with one of each role, and every conversation step they can reach (issue 15).

The roles are the demo's people of bloc 2 (its head, deputy, secretariat, two representatives),
a representative of bloc 3, someone with no role, and an administrator. Each has a Telegram
account and a Zalo account of the same person. `explore` walks the router from every command
and press it registers, pressing every button it is shown and answering each typed question
with a few plausible answers, and keeps each distinct step it reached (with that step's notes),
so a fuzz test can put a person back at any step and try anything there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from bot.chat import InKind
from bot.chat.router import STATE_TABLE_NAME, Router, state_key
from bot.db import Database
from bot.deps import Deps
from bot.services import meetings
from bot.services.demo import Persona, load_demo, load_demo_progress
from bot.settings import master_key
from handlers import build_router
from models.channels import Channel, ChannelAccount
from models.conversation import ConversationState
from models.meetings import MeetingKind
from models.organisation import Person
from tests.auxil.bot import make_settings
from tests.auxil.chat_harness import Chats, Reply, Who
from tests.auxil.clock import Clock
from tests.auxil.scoring import score_all

ADMIN_ID = 4_200_000_777  # a Telegram account named an administrator in the settings
# Beyond the matrix's roles, for the walks: someone who writes first with an invite, and a person
# of the authority's emulation desk (nominations, the conference).
NEWCOMER, DESK = "newcomer", "desk"
EXTRA_IDS = {"admin": ADMIN_ID, NEWCOMER: 4_200_000_888, DESK: 4_200_000_999}
AUTHORITY = "Sở Giáo dục và Đào tạo thành phố Cần Thơ"

# The roles of the authorization matrix, in the order the README lists them.
ROLES: tuple[str, ...] = (
    "outsider",
    "rep_other_bloc",
    "rep_other_unit",
    "rep",
    "secretariat",
    "deputy",
    "head",
    "admin",
)


@dataclass(repr=False)
class FuzzWorld:
    db: Database
    clock: Clock
    deps: Deps
    router: Router
    chats: Chats
    people: dict[str, Persona]
    person_ids: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[str]] | None = None  # every row, as the last refused input left them
    invite: str = ""  # the newcomer's invite token, once a walk issued it

    @property
    def today(self) -> date:
        return self.clock().date()

    def who(self, role: str, channel: Channel = Channel.TELEGRAM) -> Who:
        user_id = EXTRA_IDS.get(role) or self.people[role].user_id
        account = str(user_id) if channel is Channel.TELEGRAM else f"z{user_id}"
        return Who(channel, account, name=f"Người thử {role}")


def _pick(personas: list[Persona]) -> dict[str, Persona]:
    bloc2 = [p for p in personas if p.group == "Khối thi đua số 2"]
    bloc3 = [p for p in personas if p.group == "Khối thi đua số 3"]
    plain2 = [p for p in bloc2 if "—" not in p.label]
    return {
        "head": next(p for p in bloc2 if p.label.startswith("Khối trưởng")),
        "deputy": next(p for p in bloc2 if p.label.startswith("Khối phó")),
        "rep": plain2[0],
        "rep_other_unit": plain2[1],
        "rep_other_bloc": next(p for p in bloc3 if "—" not in p.label),
        "secretariat": next(p for p in personas if p.label.startswith("Bộ phận Thường trực")),
        "outsider": next(p for p in personas if p.label.startswith("Người ngoài")),
    }


async def build_world(db: Database, clock: Clock, *, meeting: bool = True) -> FuzzWorld:
    """The demo roster, bloc 2 registered and signed with its criteria published, the other
    unit's self-score sheet sent, and (with
    `meeting`) bloc 2's year-end meeting created by its head and opened, every unit checked in
    but the representative's and the other unit's."""
    _, personas = await load_demo(db, authority_name=AUTHORITY, now=clock())
    await load_demo_progress(db, bloc_number=2, now=clock())
    settings = make_settings(db, admin_telegram_ids=[ADMIN_ID])
    deps = Deps(settings=settings, db=db, clock=clock, master_key=master_key(settings))
    router = build_router(lazy=False)  # the walks read its routes
    world = FuzzWorld(db, clock, deps, router, Chats(deps, router), _pick(personas))
    async with db.transaction() as session:
        for role, persona in world.people.items():
            person = (await session.exec(select(Person).where(Person.telegram_id == persona.user_id))).one()
            assert person.id is not None
            world.person_ids[role] = person.id
            session.add(
                ChannelAccount(
                    channel=Channel.ZALO.value, external_id=f"z{persona.user_id}", person_id=person.id
                )
            )
    # The administrator writes once, on each app (the Zalo account is the same person).
    await world.chats.say(world.who("admin"), "/start")
    async with db.transaction() as session:
        account = await session.get(ChannelAccount, (Channel.TELEGRAM.value, str(ADMIN_ID)))
        assert account is not None
        world.person_ids["admin"] = account.person_id
        session.add(
            ChannelAccount(
                channel=Channel.ZALO.value, external_id=f"z{ADMIN_ID}", person_id=account.person_id
            )
        )
    # The other unit's self-score sheet is sent: the officers have a sheet to review.
    await score_all(world, world.person_ids["rep_other_unit"], ["20", "15", "10", "8", "8", "8", "8"])  # type: ignore[arg-type]
    if meeting:
        await _meeting(world)
    return world


async def _meeting(world: FuzzWorld) -> None:
    db, now = world.db, world.clock()
    head = world.person_ids["head"]
    bloc_id = (await meetings.led_blocs(db, head, now.date()))[0][0]
    view = await meetings.create_meeting(
        db,
        person_id=head,
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=now + timedelta(hours=1),
        place="Trường THPT Bùi Hữu Nghĩa",
        agenda="Bình xét thi đua cuối năm",
        now=now,
        today=now.date(),
    )
    view = await meetings.open_meeting(db, person_id=head, meeting_id=view.id, now=now, today=now.date())
    assert view.checkin_code
    async with db.session() as session:
        reps = (await session.exec(select(Person).where(col(Person.telegram_id).is_not(None)))).all()
    skip = {world.person_ids["rep"], world.person_ids["rep_other_unit"]}
    for person in reps:
        if person.id in skip or person.id is None:
            continue
        try:
            await meetings.check_in(
                db, person_id=person.id, code=view.checkin_code, now=now, today=now.date()
            )
        except Exception:  # not a representative of bloc 2: not theirs to check in
            continue


# ------------------------------------------------------------------ steps
@dataclass(frozen=True)
class Step:
    """A person at one step of one conversation, with the step's notes as the walk left them."""

    role: str
    channel: Channel
    conversation: str
    step: str
    state: str  # the conversation_state row's JSON

    @property
    def label(self) -> str:
        return f"{self.conversation}.{self.step} ({self.role}, {self.channel.value})"


# Plausible answers to a typed question, so the walk gets past it (a title, a score, a date…).
ANSWERS = (
    "1",
    "9",
    "Nguyễn Văn An; Giáo viên; Lao động tiên tiến",
    "100% giáo viên đạt chuẩn",
    "30/12/2026",
    "xong",
)


def commands_of(router: Router) -> list[str]:
    """Every command the router takes, read from the router itself (a new one is fuzzed too)."""
    return sorted(router.known_commands())


def press_prefixes(router: Router) -> list[str]:
    """Every press-data prefix the router takes: plain presses, conversations' entries,
    steps and fallbacks."""
    found = {prefix for prefix, _ in router.choices}
    for conversation in router.conversations.values():
        found |= set(conversation.entry_choices) | set(conversation.fallback_choices)
        for step in conversation.steps.values():
            found |= {key for key in step if not isinstance(key, InKind)}
    return sorted(found)


async def where(world: FuzzWorld, who: Who) -> str | None:
    async with world.db.session() as session:
        row = await session.get(ConversationState, (STATE_TABLE_NAME, _key(who)))
    return None if row is None else row.state


def _key(who: Who) -> str:
    return state_key(Chats.typed(who, "x"))


async def put_at(world: FuzzWorld, who: Who, state: str | None) -> None:
    """Put a person back at a step (or at none)."""
    async with world.db.transaction() as session:
        row = await session.get(ConversationState, (STATE_TABLE_NAME, _key(who)))
        if state is None:
            if row is not None:
                await session.delete(row)
            return
        if row is None:
            row = ConversationState(name=STATE_TABLE_NAME, key=_key(who), state=state)
        else:
            row.state = state
        session.add(row)


def _buttons(replies: list[Reply]) -> list[str]:
    return [data for reply in replies for _, data in reply.buttons]


async def explore(
    world: FuzzWorld,
    roles: tuple[str, ...],
    channels: tuple[Channel, ...] = (Channel.TELEGRAM,),
    *,
    budget: int = 40,
) -> list[Step]:
    """Every (conversation, step) reached from every command, by pressing what is shown and
    typing plausible answers; the first time each is reached is kept."""
    import json

    steps: dict[tuple[str, str, Channel], Step] = {}

    async def record(role: str, who: Who) -> bool:
        state = await where(world, who)
        if state is None:
            return False
        saved = json.loads(state)
        key = (saved["c"], saved["s"], who.channel)  # whoever reaches a step first
        if key in steps:
            return False
        steps[key] = Step(role, who.channel, saved["c"], saved["s"], state)
        return True

    router = world.router
    entries = {prefix for c in router.conversations.values() for prefix in c.entry_choices}
    # Each conversation by its first command; every other command only for the buttons it shows
    # that start a conversation (the meeting card's "new meeting", a sheet to review…).
    starters = {next(iter(c.entry)) for c in router.conversations.values() if c.entry}
    for channel in channels:
        for role in roles:
            who = world.who(role, channel)
            for command in commands_of(router):
                await put_at(world, who, None)
                replies = await world.chats.say(who, f"/{command}")
                shown = _buttons(replies)
                if command not in starters:
                    shown = [d for d in shown if any(d.startswith(p) for p in entries)]
                frontier: list[tuple[str | None, list[str]]] = []
                if await record(role, who) or shown:
                    frontier.append((await where(world, who), shown))
                spent, depth = 1, 0
                while frontier and depth < 4 and spent < budget:
                    depth += 1
                    next_frontier: list[tuple[str | None, list[str]]] = []
                    for state, buttons in frontier:
                        tries: list[tuple[str, str]] = [("press", data) for data in buttons[:8]]
                        if state is not None:
                            tries += [("say", answer) for answer in ANSWERS]
                        for how, what in tries:
                            if spent >= budget:
                                break
                            await put_at(world, who, state)
                            got = await (
                                world.chats.press(who, what) if how == "press" else world.chats.say(who, what)
                            )
                            spent += 1
                            if await record(role, who):
                                next_frontier.append((await where(world, who), _buttons(got)))
                    frontier = next_frontier
                await put_at(world, who, None)
    return list(steps.values())


# ------------------------------------------------------------------ the steps that wait
def waiting_steps(router: Router) -> set[tuple[str, str]]:
    """Every (conversation, step) that waits for typed text or a file, as the handlers declare it:
    the ones the fuzz must reach (a new one that no walk reaches fails the test that checks)."""
    waits = {InKind.TEXT, InKind.FILE, InKind.PHOTO}
    return {
        (conversation.name, step)
        for conversation in router.conversations.values()
        for step, takes in conversation.steps.items()
        if waits & set(takes)
    }


# A walk's action: "/command args" is typed, ">prefix" presses the first button shown whose data
# starts with it (">prefix|suffix": and ends with that; ">?prefix": if there is one), a callable sets something up (returning press data to press, or None), anything
# else is typed as an answer.
SetUp = Callable[[FuzzWorld], Awaitable[str | None]]
Action = str | SetUp


@dataclass(frozen=True)
class Walk:
    role: str
    actions: tuple[Action, ...]
    channel: Channel = Channel.TELEGRAM


async def walk(world: FuzzWorld, walks: tuple[Walk, ...], known: list[Step]) -> list[Step]:
    """The steps the scripted walks reach beyond `known` (the steps the explorer could not reach:
    the ones behind an invite, a proposal, a ballot, another person's sheet)."""
    import json

    seen = {(s.conversation, s.step, s.channel) for s in known}
    found: list[Step] = []
    for script in walks:
        who = world.who(script.role, script.channel)
        await put_at(world, who, None)
        shown: list[str] = []
        for action in script.actions:
            if callable(action):
                data = await action(world)
                replies = [] if data is None else await world.chats.press(who, data)
            elif action.startswith(">"):
                wanted = action.removeprefix(">?")
                start, _, end = wanted.removeprefix(">").partition("|")
                data = next((d for d in shown if d.startswith(start) and d.endswith(end)), None)
                if data is None and wanted != action:
                    continue  # an optional press (">?"): the screen the walk hoped to pass is not there
                assert data is not None, f"{script.role}: no button {action[1:]!r} among {shown}"
                replies = await world.chats.press(who, data)
            else:
                replies = await world.chats.say(who, action)
            shown = _buttons(replies) or shown
            state = await where(world, who)
            if state is None:
                continue
            saved = json.loads(state)
            key = (saved["c"], saved["s"], who.channel)
            if key not in seen:
                seen.add(key)
                found.append(Step(script.role, who.channel, saved["c"], saved["s"], state))
        await put_at(world, who, None)
    return found


def describe(steps: list[Step]) -> list[str]:
    return sorted(step.label for step in steps)


__all__: list[Any] = ["ROLES", "FuzzWorld", "Step", "build_world", "explore"]
