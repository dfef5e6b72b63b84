"""The authorization matrix (issue 15): every command × every role, as the README's table says and
as `models.permissions` decides. A forbidden cell gets a refusal in the person's language and
changes no row; an allowed cell never gets that refusal. Buttons: each press another person was
shown, pressed by every other role (a forged or replayed press), is refused and changes nothing
unless that role may act on the same thing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.chat.numbered import plain_text
from bot.db import Database
from bot.i18n import LANGUAGES
from models.organisation import Person
from models.permissions import COMMANDS_BY_CAPACITY
from tests.auxil.authz import (
    BUTTON_SCOPES,
    COMMAND_ARGS,
    GROUP_COMMANDS,
    ROLE_CAPACITIES,
    button_allowed,
    command_allowed,
    matrix_commands,
    render_button_table,
    render_command_table,
)
from tests.auxil.chat_harness import Reply, changed_tables, snapshot
from tests.auxil.clock import Clock
from tests.auxil.fuzz_inputs import shows, template_chunks
from tests.auxil.fuzz_world import FuzzWorld, build_world, press_prefixes, put_at

pytestmark = pytest.mark.hardening

README = Path(__file__).resolve().parents[2] / "README.md"
# Who speaks English in the matrix: their refusals must come in English.
ENGLISH = ("outsider", "rep_other_bloc", "secretariat")
BLOC_GROUP = "-1002000000002"  # a Telegram group of bloc 2's people
# The catalogue's answers that mean "not yours to use" (a role missing, another unit's or bloc's
# thing, a stale or forged press).
REFUSAL_KEYS = (
    "error.not_allowed",
    "remset.not_allowed",
    "timetable.not_allowed",
    "reg.not_rep",
    "nom.refused.not_rep",
    "nom.refused.not_desk",
    "council.not_member",
    "score.not_your_unit",
    "error.stale_button",
    "pact.stale",
    "checkin.not_member",
    "whoami.none",
)


def _refusal(replies: list[Reply], lang: str) -> str | None:
    """The refusal key the replies carry, in `lang`'s words, if any."""
    for reply in replies:
        shown = plain_text(reply.text)
        for key in REFUSAL_KEYS:
            if shows(template_chunks(LANGUAGES[lang][key]), shown):
                return key
    return None


@pytest.fixture
async def world(db: Database, clock: Clock) -> FuzzWorld:
    found = await build_world(db, clock)
    async with db.transaction() as session:
        ids = [found.person_ids[role] for role in ENGLISH]
        await session.exec(update(Person).where(Person.id.in_(ids)).values(language="en"))  # type: ignore[call-overload,union-attr]
    return found


def test_the_readme_tables_are_the_code() -> None:
    readme = README.read_text(encoding="utf-8")
    assert render_command_table() in readme, "README's command matrix differs: paste render_command_table()"
    assert render_button_table() in readme, "README's button matrix differs: paste render_button_table()"


def test_every_command_and_button_is_in_the_matrix() -> None:
    from handlers import build_router

    router = build_router()
    known = router.known_commands()
    assert set(matrix_commands()) <= known
    assert set(COMMANDS_BY_CAPACITY) <= known
    assert set(press_prefixes(router)) <= set(BUTTON_SCOPES), set(press_prefixes(router)) - set(BUTTON_SCOPES)


async def test_every_command_by_every_role(world: FuzzWorld, db: Database) -> None:
    failures: list[str] = []
    for command in matrix_commands():
        for role in ROLE_CAPACITIES:
            lang = "en" if role in ENGLISH else "vi"
            who = world.who(role)
            if command in GROUP_COMMANDS:
                who = replace(who, chat_id=BLOC_GROUP, private=False)
            await put_at(world, who, None)
            before = await snapshot(db)
            line = f"/{command} {COMMAND_ARGS.get(command, '')}".strip()
            replies = await world.chats.say(who, line)
            refused = _refusal(replies, lang)
            if command_allowed(command, role):
                if refused is not None:
                    failures.append(f"/{command} by {role}: refused ({refused}) though allowed")
            elif refused is None:
                failures.append(f"/{command} by {role}: not refused in {lang}: {replies[:1]!r:.200}")
            elif changed := changed_tables(before, await snapshot(db)):
                failures.append(f"/{command} by {role}: refused yet changed {changed}")
            await put_at(world, who, None)
    assert not failures, "\n".join(failures)


async def test_every_button_by_every_role(world: FuzzWorld, db: Database) -> None:
    """The buttons the head, a representative and the secretariat are shown, each pressed by
    every role: the roles the scope excludes are refused and change nothing (forged first, so
    that an allowed press cannot have used the thing up)."""
    shown: dict[str, tuple[str, str]] = {}  # prefix → (data, the role it was shown to)
    for owner in ("head", "rep", "secretariat"):
        who = world.who(owner)
        for command in matrix_commands():
            if not command_allowed(command, owner) or command in GROUP_COMMANDS:
                continue
            await put_at(world, who, None)
            for reply in await world.chats.say(who, f"/{command}"):
                for _, data in reply.buttons:
                    prefix = max((p for p in BUTTON_SCOPES if data.startswith(p)), key=len)
                    shown.setdefault(prefix, (data, owner))
            await put_at(world, who, None)
    assert {"mt:", "lang:", "xuat:", "rv:"} <= set(shown), sorted(shown)
    failures: list[str] = []
    # A language button changes the presser's language: pressed last, so refusals keep theirs.
    for data, owner in sorted(shown.values(), key=lambda item: item[0].startswith("lang:")):
        for role in sorted(ROLE_CAPACITIES, key=lambda r: button_allowed(data, owner, r)):
            lang = "en" if role in ENGLISH else "vi"
            who = world.who(role)
            await put_at(world, who, None)
            before = await snapshot(db)
            replies = await world.chats.press(who, data)
            refused = _refusal(replies, lang)
            if button_allowed(data, owner, role):
                if refused is not None and refused != "error.stale_button":
                    failures.append(
                        f"{data!r} (shown to {owner}) by {role}: refused ({refused}) though allowed"
                    )
            elif refused is None:
                failures.append(
                    f"{data!r} (shown to {owner}) by {role}: not refused in {lang}: {replies[:1]!r:.160}"
                )
            elif changed := changed_tables(before, await snapshot(db)):
                failures.append(f"{data!r} (shown to {owner}) by {role}: refused yet changed {changed}")
            await put_at(world, who, None)
    assert not failures, "\n".join(failures)
