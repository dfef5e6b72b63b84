"""Builders for the resilience tests (issue 15): a bloc of N voters at an open year-end meeting, its
election's ballots delivered by the production outbox, and voters who act on the sandbox directly
(hundreds at once) and persist as a person would until they hold their tracker."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot import ballot_crypto
from bot.db import Database
from bot.sandbox.core import Sandbox
from bot.services import ballot_sheets, ballots, meetings
from bot.services.roster import get_or_create_year, import_roster, parse_roster
from models.ballot_state import index_code
from models.channels import Channel, ChannelAccount
from models.meetings import Attendance, MeetingKind, Participation, SealedBallot
from models.organisation import Person, PersonRole, RoleKind, Unit
from models.school_year import school_year_of
from models.vote_rules import Purpose
from tests.auxil.ballots import name_counting_committee
from tests.auxil.process import ROOT

CODE = re.compile(r"\b([0-9A-F]{5}-[0-9A-F]{5})\b")
EXAMPLE = "3FA9C-01B7E"  # the catalogue's example of a code


def codes_in(text: str) -> set[str]:
    """The tracker codes a text shows (not the catalogue's example)."""
    return set(CODE.findall(text)) - {EXAMPLE}


RECORDED = "Đã ghi nhận"
ALREADY = "đã bỏ phiếu rồi"


@dataclass
class Bloc:
    head: int
    meeting_id: int
    unit_ids: list[int]
    voters: list[int]  # Telegram ids; voter i represents unit_ids[i]
    person_ids: dict[int, int]  # Telegram id → our person id


async def seed_bloc(db: Database, people: int, now: datetime, first_id: int = 7_100_000) -> Bloc:
    """One bloc of `people` units, one representative each (with a Telegram account), its
    year-end meeting open and every unit present."""
    year_name = school_year_of(now.date())
    rows = ["Khối,Đơn vị,Vai trò"] + [
        f"1,Trường Bền Bỉ Số {i:04d},{'Khối trưởng' if i == 0 else 'Thành viên'}" for i in range(people)
    ]
    report = await import_roster(
        db, parse_roster("\n".join(rows).encode(), "r.csv"), school_year=year_name, authority_name="Sở"
    )
    assert report.ok
    person_ids: dict[int, int] = {}
    async with db.transaction() as session:
        year = await get_or_create_year(session, year_name)
        units = list(await session.exec(select(Unit).order_by(Unit.id)))  # type: ignore[arg-type]
        for index, unit in enumerate(units):
            person = Person(telegram_id=first_id + index, full_name=f"Người Bền Bỉ {index}")
            session.add(person)
            await session.flush()
            assert person.id is not None and unit.id is not None and year.id is not None
            person_ids[first_id + index] = person.id
            session.add(
                ChannelAccount(
                    channel=Channel.TELEGRAM, external_id=str(first_id + index), person_id=person.id
                )
            )
            session.add(
                PersonRole(person_id=person.id, school_year_id=year.id, kind=RoleKind.REP, unit_id=unit.id)
            )
    head, today = first_id, now.date()
    bloc_id = (await meetings.led_blocs(db, person_ids[head], today))[0][0]
    view = await meetings.create_meeting(
        db,
        person_id=person_ids[head],
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    await meetings.open_meeting(db, person_id=person_ids[head], meeting_id=view.id, now=now, today=today)
    async with db.transaction() as session:
        for unit in units:
            assert unit.id is not None
            session.add(Attendance(meeting_id=view.id, unit_id=unit.id))
    voters = [first_id + i for i in range(len(units))]
    return Bloc(head, view.id, [u.id for u in units if u.id is not None], voters, person_ids)


def add_people(sandbox: Sandbox, bloc: Bloc) -> None:
    for index, user_id in enumerate(bloc.voters):
        sandbox.add_user(user_id, f"Bền Bỉ {index}", last_name="Người")


async def open_election(
    db: Database, bloc: Bloc, master_key: bytes, now: datetime, *, candidates: int = 3
) -> ballots.OpenedPoll:
    """An election with `candidates` units on the ballot; the ballots go into the outbox."""
    from handlers.voting import outbox_ballot

    await name_counting_committee(db, lambda: now)  # a secret ballot opens only with one
    draft = await ballots.create_draft(
        db,
        person_id=bloc.person_ids[bloc.head],
        meeting_id=bloc.meeting_id,
        purpose=Purpose.ELECT_HEAD,
        title="Khối trưởng năm học tới",
        now=now,
        candidate_unit_ids=bloc.unit_ids[1 : candidates + 1],
    )
    return await ballots.open_poll(
        db,
        person_id=bloc.person_ids[bloc.head],
        poll_id=draft.id,
        master_key=master_key,
        now=now,
        ballot_screen=outbox_ballot,
    )


async def deliver_ballots(
    db: Database, master_key: bytes, sandbox: Sandbox, now: datetime, bloc: Bloc, opened: ballots.OpenedPoll
) -> None:
    """Send what the outbox holds to the sandbox, as the delivery job does (production code), in
    this process (no HTTP: hundreds of ballots in a moment)."""
    from bot.app import build_application
    from bot.channels.telegram import TelegramDeliverer
    from bot.delivery import deliver_due
    from bot.deps import Deps
    from bot.sandbox.request import SandboxRequest
    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=db.url)
    sender = build_application(
        Deps(settings=settings, db=db, master_key=master_key, clock=lambda: now),
        token=sandbox.token,
        request=SandboxRequest(sandbox),
        rate_limiter=False,
    )
    async with sender:
        deps: Deps = sender.bot_data["deps"]
        deps.channels[Channel.TELEGRAM] = TelegramDeliverer(sender.bot)
        while await deliver_due(deps, worker="test"):
            pass
    # A running bot's own delivery job may have claimed some of them: wait until all are in.
    await ballots_arrived(sandbox, bloc.voters, opened.poll.ref)


async def ballots_arrived(sandbox: Sandbox, voters: list[int], ref: str, seconds: float = 30) -> None:
    """Until every voter has the ballot (a running bot's own delivery job may be sending some)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        missing = [u for u in voters if not _has_ballot(sandbox, u, ref)]
        if not missing:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(missing)} voters never got the ballot")
        await asyncio.sleep(0.05)


def _has_ballot(sandbox: Sandbox, chat_id: int, ref: str) -> bool:
    try:
        ballot_message(sandbox, chat_id, ref)
    except AssertionError:
        return False
    return True


def ballot_message(sandbox: Sandbox, chat_id: int, ref: str) -> int:
    for message in reversed(sandbox.transcript(chat_id)):
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if any(str(b.get("callback_data", "")).startswith(f"v:{ref}:") for b in buttons):
            return int(message["message_id"])
    raise AssertionError(f"no ballot for poll {ref} in chat {chat_id}")


async def cast_data(db: Database, bloc: Bloc, opened: ballots.OpenedPoll, index: int) -> str:
    """The "cast" press of voter `index`'s review screen: the first candidate, or the second when
    the first is the voter's own unit. The press names the voter's sheet, made here as the
    ballot's own presses would make it (bot/services/ballot_sheets.py)."""
    first = opened.poll.on_ballot[0].unit_id
    choice = index_code(1 if bloc.unit_ids[index] == first else 0, len(opened.poll.on_ballot))
    sheet = await ballot_sheets.save(
        db,
        poll_ref=opened.poll.ref,
        person_id=bloc.person_ids[bloc.voters[index]],
        token=None,
        state=choice,
        page=0,
        version=0,
    )
    return f"v:{opened.poll.ref}:x{sheet.version}:{sheet.token}"


# ------------------------------------------------------------------ what each voter sees
def bot_says(event: dict[str, Any]) -> str:
    """The text of an answer from the bot (a message, an edit, a pop-up), or ""."""
    if event["type"] in ("message", "edit"):
        message = event["message"]
        return (
            str(message.get("text", ""))
            if message.get("from", {}).get("is_bot") or event["type"] == "edit"
            else ""
        )
    if event["type"] == "callback_answer":
        return str((event.get("answer") or {}).get("text") or "")
    return ""


async def answer_after(sandbox: Sandbox, chat_id: int, after: int, wait: float) -> tuple[str, int] | None:
    """The first answer in this chat after event `after`, and its place; None after `wait` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        for event in await sandbox.wait_events(chat_id, after, max(deadline - loop.time(), 0.0)):
            after = int(event["seq"])
            text = bot_says(event)
            if text:
                return text, after
        if loop.time() >= deadline:
            return None


async def tracker_of(sandbox: Sandbox, user_id: int, *, tries: int = 10, wait: float = 2.0) -> str | None:
    """/kiemtra with no code, again until its answer arrives: the voter's code, or None."""
    for _ in range(tries):
        after = sandbox.last_seq()
        await sandbox.user_sends(user_id, "/kiemtra")
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            found = await answer_after(sandbox, user_id, after, deadline - asyncio.get_running_loop().time())
            if found is None:
                break
            text, after = found
            if codes := codes_in(text):
                return min(codes)
    return None


async def vote_until_told(
    sandbox: Sandbox, user_id: int, message_id: int, data: str, *, tries: int = 8, wait: float = 2.0
) -> tuple[str, str | None]:
    """A voter who taps "cast" until the bot says something about it: ("recorded", code),
    ("already", None) or ("silent", None) when nothing ever came back. They tap again after
    `wait` seconds of silence (a reply lost to the flaky network never comes); a tap again too soon
    only meets "already voted", which the voter follows with /kiemtra."""
    for _ in range(tries):
        after = sandbox.last_seq()
        await sandbox.user_presses(user_id, message_id, data=data, forge=True)
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            found = await answer_after(sandbox, user_id, after, deadline - asyncio.get_running_loop().time())
            if found is None:
                break
            text, after = found
            if RECORDED in text and (codes := codes_in(text)):
                return "recorded", min(codes)
            if ALREADY in text:
                return "already", None
            # An apology ("thử lại sau"): the voter taps again.
    return "silent", None


# ------------------------------------------------------------------ what is kept
async def counts(db: Database, poll_id: int) -> tuple[int, int]:
    """(participation rows, sealed ballots) of a poll."""
    async with db.session() as session:
        who = (
            await session.exec(
                select(func.count()).select_from(Participation).where(Participation.poll_id == poll_id)
            )
        ).one()
        what = (
            await session.exec(
                select(func.count()).select_from(SealedBallot).where(SealedBallot.poll_id == poll_id)
            )
        ).one()
    return int(who), int(what)


def published_codes(closed: ballots.ClosedPoll) -> set[str]:
    return {ballot_crypto.short_code(tracker) for tracker in closed.trackers}


async def audit_verify(database_url: str) -> tuple[int, str]:
    """`thidua audit verify` against the database, as an operator runs it: (exit code, output)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "audit",
        "verify",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return int(process.returncode or 0), out.decode("utf-8", "replace")
