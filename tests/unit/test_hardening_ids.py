"""Ids from button data that no INTEGER column can hold are "not found", never a database error
(issue 15): each service a button reaches, called with such an id, on SQLite and PostgreSQL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import DBAPIError

from bot.db import Database
from bot.services import ballots, criteria, meetings, pact, reminder_settings, reminders, scoring, timetable
from bot.services.ballots import Purpose
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.registration import Refused
from tests.auxil.ballots import Bloc2
from tests.auxil.clock import Clock
from tests.auxil.people import pid
from tests.auxil.scoring import SECRETARIAT, UNIT, score_all
from tests.auxil.world import HEAD, SCALE, make_world

pytestmark = pytest.mark.hardening

HUGE = (2**31, 10**12, 10**30)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REFUSALS = (NotFoundError, NotAllowedError, Refused, ballots.OpenRefusal, timetable.DraftGoneError)


async def test_huge_ids_in_buttons_are_refused_not_crashed(bloc2: Bloc2) -> None:
    bloc, db, clock = bloc2, bloc2.db, bloc2.clock
    view = await bloc.meeting(present=10)
    now, today = clock(), clock().date()
    draft = await ballots.create_draft(
        db,
        person_id=await pid(db, bloc.head),
        meeting_id=view.id,
        purpose=Purpose.TITLE,
        title="Lao động xuất sắc",
        now=now,
    )
    head, rep1 = await pid(db, bloc.head), await pid(db, bloc.reps[1].user_id)
    head_person = (await meetings.led_blocs(db, head, today))[0][0]
    for huge in HUGE:
        calls = {
            "pd: toggle": ballots.toggle_candidate(
                db, person_id=head, poll_id=draft.id, position=huge, now=now
            ),
            "pd: poll": ballots.toggle_candidate(db, person_id=head, poll_id=huge, position=1, now=now),
            "pb: meeting": ballots.create_draft(
                db,
                person_id=head,
                meeting_id=huge,
                purpose=Purpose.TITLE,
                title="x",
                now=now,
            ),
            "pc: close": ballots.close_poll(db, poll_id=huge, master_key=b"\0" * 32, now=now, person_id=head),
            "pc: runoff": ballots.start_runoff(db, person_id=head, poll_id=huge, now=now),
            "mo: unit": meetings.check_out(
                db, person_id=head, meeting_id=view.id, unit_id=huge, now=now, today=today
            ),
            "mo: meeting": meetings.check_out(
                db, person_id=head, meeting_id=huge, unit_id=1, now=now, today=today
            ),
            "mo: manual unit": meetings.mark_attendance(
                db,
                person_id=head,
                meeting_id=view.id,
                unit_id=huge,
                present=True,
                reason="x",
                now=now,
                today=today,
            ),
            "mt: rotate": meetings.rotate_code(db, person_id=head, meeting_id=huge, now=now, today=today),
            "mt: open": meetings.open_meeting(db, person_id=head, meeting_id=huge, now=now, today=today),
            "pact:": pact.sign(db, rep1, scale_id=huge, today=today, now=now),
            "rs:": reminder_settings.choose_offsets(db, head, huge, (1,), now=now, zone=ZONE),
            "rm:sn": reminders.snooze(db, huge, head, now=now, zone=ZONE),
            "rm:mu": reminders.mute_from_send(db, huge, head, now=now),
            "rm:ok": reminders.mute_milestone(db, huge, head, now=now),
            "rm:ad": reminders.send_adhoc(db, head, huge, head_person, now=now, zone=ZONE),
            "tt:save": timetable.save_draft(db, huge, head, now=now, zone=ZONE),
            "tt:drop": timetable.drop_draft(db, huge, head, now=now),
        }
        for name, call in calls.items():
            try:
                await call
            except REFUSALS:
                pass
            except (DBAPIError, OverflowError) as error:  # the failure this test exists for
                pytest.fail(f"{name} with id {huge}: {error!r:.200}")


async def test_huge_ids_in_scoring_buttons_are_refused_not_crashed(db: Database, clock: Clock) -> None:
    world = await make_world(db, clock)
    await criteria.publish(db, world.pid(HEAD), criteria.check_text(SCALE), today=world.today, now=clock())
    rep, head, secretary = world.pid(UNIT), world.pid(HEAD), world.pid(SECRETARIAT)
    await score_all(world, rep, ["8", "9", "5", "4"])
    today, now = world.today, clock()
    for huge in HUGE:
        calls = {
            "sc: score": scoring.enter_score(db, rep, sheet_id=huge, text="7", today=today, now=now),
            "sc: move": scoring.move(db, rep, sheet_id=huge, action="next", code="1.1", today=today),
            "rv:": scoring.sheet_for_review(db, secretary, sheet_id=huge, today=today),
            "ra:": scoring.accept_lines(db, secretary, sheet_id=huge, line_ids=[huge], today=today, now=now),
            "rp:": scoring.propose(
                db, secretary, line_id=huge, text="7 thiếu minh chứng", today=today, now=now
            ),
            "ua: line": scoring.line_for_unit(db, rep, line_id=huge, today=today),
            "ua:": scoring.answer(db, rep, line_id=huge, agree=True, today=today, now=now),
            "rd:": scoring.decide(db, head, line_id=huge, use_proposed=True, today=today, now=now),
            "rf:": scoring.finalise(db, head, sheet_id=huge, today=today, now=now),
        }
        for name, call in calls.items():
            try:
                await call
            except REFUSALS:
                pass
            except (DBAPIError, OverflowError) as error:  # the failure this test exists for
                pytest.fail(f"{name} with id {huge}: {error!r:.200}")
