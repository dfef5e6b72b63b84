"""Every conversation at every step it can reach, fed odd text, numbers, files and presses (issue 15):
no unhandled exception, every reply within the channel's limits (checked as it goes out, by
tests.auxil.chat_harness), and no row changed by an input that was refused.

The commands and press prefixes are read from the router itself, so a new command or button is
fuzzed without touching this file. The full run is on SQLite; PostgreSQL gets a slice of it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat import Incoming, InKind
from bot.db import Database
from models.channels import Channel
from tests.auxil.chat_harness import Reply, changed_tables, snapshot
from tests.auxil.clock import Clock
from tests.auxil.fuzz_inputs import NASTY_TEXT, ODD_IDS, TEXT, files, is_refusal, presses
from tests.auxil.fuzz_world import (
    ROLES,
    FuzzWorld,
    Step,
    build_world,
    commands_of,
    explore,
    press_prefixes,
    put_at,
)

pytestmark = pytest.mark.hardening

EXPLORERS = ("rep", "head")
FUZZ = settings(
    derandomize=True,
    max_examples=80,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)


def _on_postgres(db: Database) -> bool:
    return db.url.startswith("postgresql")


@pytest.fixture
async def world(db: Database, clock: Clock) -> FuzzWorld:
    return await build_world(db, clock)


@pytest.fixture
async def steps(world: FuzzWorld) -> list[Step]:
    found = await explore(world, EXPLORERS, budget=8)
    assert {s.conversation for s in found} >= {"registration", "scoring", "meeting_setup", "nomination"}
    return found


async def _try(world: FuzzWorld, step: Step | None, role: str, channel: Channel, make: object) -> str | None:
    """Put the person at `step`, send what `make` builds: the promise the bot broke (a crash, a
    reply over the channel's limits, a refusal that changed rows), or None."""
    who = world.who(step.role if step else role, step.channel if step else channel)
    await put_at(world, who, step.state if step else None)
    incoming: Incoming = make(who)  # type: ignore[operator]
    # The rows before: as the last refused input left them (it changed nothing), else read again.
    before = world.rows or await snapshot(world.db)
    where = step.label if step else f"{role} {channel.value}"
    shown = incoming.text or incoming.choice or repr(incoming.attachment)
    label = f"{where}: {incoming.kind.value} {shown[:80]!r}"
    try:
        replies: list[Reply] = await world.chats.take(who, incoming)
    except Exception as error:
        return f"{label} → {error!r}"
    world.rows = None
    if replies and all(reply.kind != "file" and is_refusal(reply.text) for reply in replies):
        after = await snapshot(world.db)
        if changed := changed_tables(before, after):
            return f"{label} was refused ({replies[0].text[:120]!r}) yet changed {changed}"
        world.rows = after
    return None


def _sweep(items: list[object], db: Database, every: int = 4) -> list[object]:
    return items if not _on_postgres(db) else items[::every]


async def test_every_step_takes_odd_text_and_files(world: FuzzWorld, steps: list[Step], db: Database) -> None:
    chats = world.chats
    texts = list(NASTY_TEXT)
    attachments = files()[:5] + files()[7:8]  # empty, wrong type, UTF-16, a bomb, a sheet; a photo
    for step in _sweep(list(steps), db, every=6):
        assert isinstance(step, Step)
        for text in texts:
            broken = await _try(
                world, step, step.role, step.channel, lambda who, text=text: chats.typed(who, text)
            )
            assert broken is None, broken
        for name, data, mime, photo in attachments:
            broken = await _try(
                world,
                step,
                step.role,
                step.channel,
                lambda who, n=name, d=data, m=mime, p=photo: chats.attached(who, n, d, m, photo=p),
            )
            assert broken is None, broken
        saved = json.loads(step.state)
        conversation = world.router.conversations[saved["c"]]
        prefixes = [k for k in conversation.steps[saved["s"]] if not isinstance(k, InKind)]
        for prefix in prefixes:
            for odd in ODD_IDS[:4]:
                broken = await _try(
                    world,
                    step,
                    step.role,
                    step.channel,
                    lambda who, d=prefix + odd: chats.pressed(who, d[:64]),
                )
                assert broken is None, broken


async def test_every_command_and_press_takes_odd_arguments(world: FuzzWorld, db: Database) -> None:
    chats = world.chats
    commands = commands_of(world.router)
    prefixes = press_prefixes(world.router)
    pg = _on_postgres(db)
    roles = ("outsider", "rep", "head") if not pg else ("rep",)
    odd_args = (" ²  1e309 NaN <b> ١٢ " + "9" * 30 + " " + "ư" * 3000,)
    for role in roles:
        channels = (Channel.TELEGRAM, Channel.ZALO) if role == "rep" and not pg else (Channel.TELEGRAM,)
        for channel in channels:
            for command in commands:
                for args in ("", *odd_args):
                    broken = await _try(
                        world, None, role, channel, lambda who, t=f"/{command}{args}": chats.typed(who, t)
                    )
                    assert broken is None, broken
            for prefix in prefixes:
                for odd in ODD_IDS[:3] if not pg else ODD_IDS[:1]:
                    broken = await _try(
                        world, None, role, channel, lambda who, d=(prefix + odd)[:64]: chats.pressed(who, d)
                    )
                    assert broken is None, broken


# PostgreSQL gets the sweeps above; the random search runs on SQLite only (not a skip: the
# test is not asked of PostgreSQL at all).
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@FUZZ
@given(data=st.data())
async def test_anything_anywhere(
    world: FuzzWorld, steps: list[Step], db: Database, data: st.DataObject
) -> None:
    chats = world.chats
    step: Step | None = data.draw(st.one_of(st.none(), st.sampled_from(steps)), label="step")
    role = data.draw(st.sampled_from(ROLES), label="role")
    channel = data.draw(st.sampled_from((Channel.TELEGRAM, Channel.ZALO)), label="channel")
    kind = data.draw(st.sampled_from(("text", "command", "press", "file")), label="kind")
    if kind == "text":
        text = data.draw(TEXT, label="text")
        make = lambda who: chats.typed(who, text)  # noqa: E731
    elif kind == "command":
        command = data.draw(st.sampled_from(commands_of(world.router)), label="command")
        args = data.draw(st.lists(TEXT, max_size=3), label="args")
        line = " ".join([f"/{command}", *args])
        make = lambda who: chats.typed(who, line)  # noqa: E731
    elif kind == "press":
        pressed = data.draw(presses(press_prefixes(world.router)), label="data")
        make = lambda who: chats.pressed(who, pressed)  # noqa: E731
    else:
        name, raw, mime, photo = data.draw(st.sampled_from(files()), label="file")
        make = lambda who: chats.attached(who, name, raw, mime, photo=photo)  # noqa: E731
    broken = await _try(world, step, role, channel, make)
    assert broken is None, broken
