"""Seed 000's bloc 2 at its year-end meeting, for ballot tests at the service level."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlmodel import select

from bot import ballot_crypto
from bot.db import Database
from bot.services import ballots, meetings
from bot.services.ballots import Purpose
from bot.services.demo import Persona, load_demo, load_demo_progress
from models.meetings import Meeting, MeetingKind
from tests.auxil.clock import Clock
from tests.auxil.people import pid

MASTER = ballot_crypto.parse_master_key(ballot_crypto.new_master_key())
COUNTING_COMMITTEE = ["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"]


class Bloc2:
    """Seed 000's bloc 2 year-end meeting: 13 member units, their demo representatives."""

    def __init__(self, db: Database, clock: Clock, personas: list[Persona]) -> None:
        self.db, self.clock = db, clock
        self.reps = [p for p in personas if p.group == "Khối thi đua số 2"]
        self.head = self.reps[0].user_id
        self.meeting_id = 0

    async def meeting(self, present: int) -> meetings.MeetingView:
        now = self.clock()
        view = await meetings.create_meeting(
            self.db,
            person_id=await pid(self.db, self.head),
            bloc_id=await self._bloc_id(),
            kind=MeetingKind.YEAREND,
            starts_at=now,
            place="Trường THPT Bùi Hữu Nghĩa",
            agenda="Bình xét",
            now=now,
            today=now.date(),
        )
        self.meeting_id = view.id
        await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
            self.db,
            person_id=await pid(self.db, self.head),
            meeting_id=view.id,
            now=now,
            today=now.date(),
            counting_committee=COUNTING_COMMITTEE,
        )
        view = await meetings.open_meeting(
            self.db, person_id=await pid(self.db, self.head), meeting_id=view.id, now=now, today=now.date()
        )
        assert view.checkin_code and len(view.checkin_code) == 6
        for rep in self.reps[:present]:
            done = await meetings.check_in(
                self.db,
                person_id=await pid(self.db, rep.user_id),
                code=view.checkin_code,
                now=now,
                today=now.date(),
            )
            assert done.status == "present"
        return await meetings.view(self.db, view.id)

    async def _bloc_id(self) -> int:
        blocs = await meetings.led_blocs(self.db, await pid(self.db, self.head), self.clock().date())
        return blocs[0][0]

    async def poll(self, purpose: Purpose, title: str, seats: int = 1) -> ballots.PollView:
        now = self.clock()
        draft = await ballots.create_draft(
            self.db,
            person_id=await pid(self.db, self.head),
            meeting_id=self.meeting_id,
            purpose=purpose,
            title=title,
            now=now,
            seats=seats,
        )
        opened = await ballots.open_poll(
            self.db, person_id=await pid(self.db, self.head), poll_id=draft.id, master_key=MASTER, now=now
        )
        return opened.poll


@pytest.fixture
async def bloc2(db: Database, clock: Clock) -> Bloc2:
    return await make_bloc2(db, clock)


async def make_bloc2(db: Database, clock: Clock) -> Bloc2:
    _, personas = await load_demo(db, authority_name="Sở GD&ĐT", now=clock())
    assert await load_demo_progress(db, bloc_number=2, now=clock()) == 13  # registered and signed: eligible
    return Bloc2(db, clock, personas)


async def name_counting_committee(db: Database, clock: Clock | Callable[[], datetime]) -> None:
    """Every meeting still without a counting committee gets one from its chair, as the chair
    does with /thanhphan before a secret ballot (which does not open without one, issue 13)."""
    async with db.session() as session:
        bare = list(await session.exec(select(Meeting).where(Meeting.counting_committee == "")))
    for meeting in bare:
        assert meeting.id is not None and meeting.chair_person_id is not None
        await meetings.set_minutes_details(
            db,
            person_id=meeting.chair_person_id,
            meeting_id=meeting.id,
            now=clock(),
            today=clock().date(),
            counting_committee=COUNTING_COMMITTEE,
        )
