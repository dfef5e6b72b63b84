"""Ballots at the service level, on SQLite and PostgreSQL: no Telegram, a real database."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, select

from bot import ballot_crypto
from bot.db import Database
from bot.services import audit, ballots, meetings
from bot.services.ballots import CastStatus, OpenRefusal, Purpose
from models.meetings import AuditEntry, Poll, SealedBallot
from models.vote_rules import Choice
from tests.auxil.ballots import MASTER, Bloc2
from tests.auxil.clock import Clock
from tests.auxil.people import pid

pytestmark = pytest.mark.ballot


async def test_quorum_is_two_thirds_of_all_members_exactly(bloc2: Bloc2) -> None:
    view = await bloc2.meeting(present=8)
    assert (view.present, len(view.members), view.quorum_needed, view.quorate) == (8, 13, 9, False)
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        meeting_id=view.id,
        purpose=Purpose.TITLE,
        title="Tập thể lao động xuất sắc",
        now=bloc2.clock(),
    )
    with pytest.raises(OpenRefusal) as refused:
        await ballots.open_poll(
            bloc2.db,
            person_id=await pid(bloc2.db, bloc2.head),
            poll_id=draft.id,
            master_key=MASTER,
            now=bloc2.clock(),
        )
    assert refused.value.reason == "no_quorum"
    code = view.checkin_code or ""
    await meetings.check_in(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.reps[8].user_id),
        code=code,
        now=bloc2.clock(),
        today=bloc2.clock().date(),
    )
    opened = await ballots.open_poll(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        poll_id=draft.id,
        master_key=MASTER,
        now=bloc2.clock(),
    )
    assert (opened.poll.present, opened.poll.members, opened.poll.voters) == (9, 13, 9)


async def test_a_wrong_code_checks_nobody_in(bloc2: Bloc2) -> None:
    view = await bloc2.meeting(present=0)
    wrong = "000000" if view.checkin_code != "000000" else "111111"
    result = await meetings.check_in(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.reps[3].user_id),
        code=wrong,
        now=bloc2.clock(),
        today=bloc2.clock().date(),
    )
    assert result.status == "bad_code"
    assert (await meetings.view(bloc2.db, view.id)).present == 0


async def test_selection_counts_match_a_hand_count_and_trackers_are_published(
    bloc2: Bloc2, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.SELECTION, "Bằng khen UBND thành phố", seats=3)
    positions = [c.position for c in poll.on_ballot]
    own = {c.unit_id: c.position for c in poll.on_ballot}
    hand: Counter[int] = Counter()
    cast_picks: list[frozenset[int]] = []
    trackers = []
    for index, rep in enumerate(bloc2.reps[:10]):
        voter_unit = await ballots.ballot_for(
            bloc2.db, poll_ref=poll.ref, person_id=await pid(bloc2.db, rep.user_id)
        )
        assert voter_unit is not None and voter_unit.unit_id is not None
        mine = own[voter_unit.unit_id]
        others = [p for p in positions if p != mine]
        picks = frozenset(others[(index + k) % 3] for k in range(3)) if index % 4 else frozenset(others[:2])
        hand.update(picks)
        cast_picks.append(picks)
        result = await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep.user_id),
            ballot=picks,
            now=bloc2.clock(),
        )
        assert result.status is CastStatus.RECORDED and result.tracker
        trackers.append(result.tracker)
    closed = await ballots.close_poll(
        bloc2.db,
        poll_id=poll.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    assert {c.candidate: c.votes for c in closed.result.candidates} == {p: hand[p] for p in positions}
    assert closed.result.voted == 10 and closed.result.quorate
    assert sorted(trackers) == list(closed.trackers)
    assert ballot_crypto.verify_chain(list(closed.trackers), poll.id, closed.chain_head)
    for tracker in trackers:
        [match] = await ballots.verify_tracker(bloc2.db, ballot_crypto.short_code(tracker))
        assert match.tracker == tracker
    async with bloc2.db.session() as session:
        stored = (await session.exec(select(Poll).where(Poll.id == poll.id))).one()
    assert stored.sealed_private_key is None  # nobody can open these ballots any more

    # Secrecy: no table row and no log line carries a voter next to a choice.
    encoded = {json.dumps(sorted(p)) for p in cast_picks}  # any plaintext trace of a pick list
    async with bloc2.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(table.select())).all():
                line = repr(tuple(row))
                assert '"v":' not in line and '"k": "selection"' not in line, table.name
                if table.name in ("participation", "audit_entry"):
                    assert "sealed" not in line
    messages = [record.getMessage() for record in caplog.records]
    assert not any(
        str(rep.user_id) in m and ("picks" in m or "frozenset" in m) for m in messages for rep in bloc2.reps
    )
    assert not encoded & {m for m in messages}


async def test_fifty_simultaneous_casts_for_one_unit_record_one_ballot(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    voter = bloc2.reps[4].user_id
    ballot = {c.position: Choice.AGREE for c in poll.on_ballot if c.label != bloc2.reps[4].label}
    voter_id = await pid(bloc2.db, voter)
    results = await asyncio.gather(
        *(
            ballots.cast(bloc2.db, poll_ref=poll.ref, person_id=voter_id, ballot=ballot, now=bloc2.clock())
            for _ in range(50)
        )
    )
    statuses = Counter(r.status for r in results)
    assert statuses[CastStatus.RECORDED] == 1 and statuses[CastStatus.ALREADY] == 49
    async with bloc2.db.session() as session:
        assert (
            len((await session.exec(select(SealedBallot).where(SealedBallot.poll_id == poll.id))).all()) == 1
        )


async def test_bad_casts_are_refused_and_store_nothing(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.SELECTION, "Cờ thi đua", seats=2)
    rep = bloc2.reps[2].user_id
    too_many = frozenset(c.position for c in poll.on_ballot[3:6])
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep),
            ballot=too_many,
            now=bloc2.clock(),
        )
    ).invalid_reason == "too_many_choices"
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep),
            ballot=frozenset({99}),
            now=bloc2.clock(),
        )
    ).invalid_reason == "unknown_candidate"
    own = next(c.position for c in poll.on_ballot if c.label == bloc2.reps[2].label.split(" — ")[-1])
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep),
            ballot=frozenset({own}),
            now=bloc2.clock(),
        )
    ).invalid_reason == "self_vote"
    absent = bloc2.reps[11].user_id  # did not check in, and this poll has no absentee ballots
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, absent),
            ballot=frozenset(),
            now=bloc2.clock(),
        )
    ).status is CastStatus.NOT_ENTITLED
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref="nope",
            person_id=await pid(bloc2.db, rep),
            ballot=frozenset(),
            now=bloc2.clock(),
        )
    ).status is CastStatus.UNKNOWN
    await ballots.close_poll(
        bloc2.db,
        poll_id=poll.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    assert (
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep),
            ballot=frozenset(),
            now=bloc2.clock(),
        )
    ).status is CastStatus.CLOSED
    assert (await ballots.poll_view(bloc2.db, poll.id)).voted == 0


async def test_higher_title_needs_ninety_percent_of_all_members_with_absentee_ballots(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.HIGHER_TITLE, "Chiến sĩ thi đua cấp thành phố")
    assert poll.voters == 13  # the 3 absent units get absentee ballots
    first = poll.on_ballot[0].position
    for index, rep in enumerate(bloc2.reps):
        answer = Choice.AGREE if index < 11 else Choice.ABSTAIN
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep.user_id),
            ballot={first: answer},
            now=bloc2.clock(),
        )
    closed = await ballots.close_poll(
        bloc2.db,
        poll_id=poll.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    line = closed.result.by_id[first]
    assert (line.votes, line.base_size, line.needed, line.passed) == (11, 13, 12, False)  # 11/13 < 90 %
    assert closed.result.absentee_voted == 3


async def test_a_tie_at_the_last_seat_is_reported_and_a_runoff_decides(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.SELECTION, "Bằng khen", seats=3)
    by_label = {c.label: c.position for c in poll.on_ballot}
    a, b, c, d = (by_label[r.label.split(" — ")[-1]] for r in bloc2.reps[10:13] + bloc2.reps[9:10])
    # Voters 0..9 (none of them is a, b or c); d is voter 9's own unit, so voter 9 never picks d.
    plan = [{a, b, c}] * 2 + [{a, b, d}] * 5 + [{a, c, d}] * 2 + [{a, b, c}]
    for rep, picks in zip(bloc2.reps[:10], plan, strict=True):
        await ballots.cast(
            bloc2.db,
            poll_ref=poll.ref,
            person_id=await pid(bloc2.db, rep.user_id),
            ballot=frozenset(picks),
            now=bloc2.clock(),
        )
    closed = await ballots.close_poll(
        bloc2.db,
        poll_id=poll.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    # a: 10, b: 8, c: 5+... let the hand count speak: c = 2+2+1 = 5, d = 5+2 = 7; threshold 7 of 10.
    votes = {line.candidate: line.votes for line in closed.result.candidates}
    assert (votes[a], votes[b], votes[c], votes[d]) == (10, 8, 5, 7)
    assert closed.result.elected == (a, b, d) and closed.result.tie is None

    # A second poll with a real tie for the last certificate: a 8, b 8, c 7, d 7 (threshold 7 of 10).
    poll2 = await bloc2.poll(Purpose.SELECTION, "Bằng khen (lần 2)", seats=3)
    plan2 = [{b, c, d}] * 2 + [{a, c, d}] * 2 + [{a, b, d}] * 3 + [{a, b, c}] * 3
    for rep, picks in zip(bloc2.reps[:10], plan2, strict=True):
        await ballots.cast(
            bloc2.db,
            poll_ref=poll2.ref,
            person_id=await pid(bloc2.db, rep.user_id),
            ballot=frozenset(picks),
            now=bloc2.clock(),
        )
    closed2 = await ballots.close_poll(
        bloc2.db,
        poll_id=poll2.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    assert set(closed2.result.elected) == {a, b} and closed2.result.tie is not None
    assert (
        set(closed2.result.tie.candidates) == {c, d} and closed2.result.tie.seats_left == 1
    )  # never broken silently
    runoff = await ballots.start_runoff(
        bloc2.db, person_id=await pid(bloc2.db, bloc2.head), poll_id=poll2.id, now=bloc2.clock()
    )
    labels = {position: label for label, position in by_label.items()}
    assert [cand.label for cand in runoff.on_ballot] == [labels[p] for p in closed2.result.tie.candidates]
    opened = await ballots.open_poll(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        poll_id=runoff.id,
        master_key=MASTER,
        now=bloc2.clock(),
    )
    for index, rep in enumerate(bloc2.reps[:10]):
        await ballots.cast(
            bloc2.db,
            poll_ref=opened.poll.ref,
            person_id=await pid(bloc2.db, rep.user_id),
            ballot=frozenset({1 if index < 6 else 2}),
            now=bloc2.clock(),
        )
    final = await ballots.close_poll(
        bloc2.db,
        poll_id=runoff.id,
        master_key=MASTER,
        now=bloc2.clock(),
        person_id=await pid(bloc2.db, bloc2.head),
    )
    assert final.result.elected == (1,) and final.result.tie is None


async def test_a_poll_closes_at_its_deadline(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    now = bloc2.clock()
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        meeting_id=bloc2.meeting_id,
        purpose=Purpose.TITLE,
        title="LĐTT",
        now=now,
    )
    await ballots.open_poll(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        poll_id=draft.id,
        master_key=MASTER,
        now=now,
        closes_at=now + timedelta(minutes=10),
    )
    assert await ballots.due_for_closing(bloc2.db, now + timedelta(minutes=9)) == []
    assert await ballots.due_for_closing(bloc2.db, now + timedelta(minutes=10)) == [draft.id]


async def test_the_audit_log_detects_an_edited_or_deleted_row(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    await bloc2.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    check = await audit.verify(bloc2.db)
    assert check.ok and check.entries >= 13
    async with bloc2.db.engine.begin() as conn:
        await conn.execute(text("UPDATE audit_entry SET details = '{\"unit\": 999}' WHERE seq = 5"))
    edited = await audit.verify(bloc2.db)
    assert not edited.ok and any(p.seq == 5 and "edited" in p.what for p in edited.problems)
    async with bloc2.db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM audit_entry WHERE seq = 8"))
    deleted = await audit.verify(bloc2.db)
    assert any(p.seq == 9 for p in deleted.problems)


async def test_an_audit_append_after_a_head_it_did_not_write_still_extends_the_chain(
    db: Database, clock: Clock
) -> None:
    """Appends check the head this process remembers in the statement that writes; a head moved
    by another process, or remembered from a transaction rolled back, costs a read, not a fork."""

    async def append(action: str) -> None:
        async with db.transaction() as session:
            await audit.append(session, action=action, subject="poll:1", at=clock())

    await append("test.first")
    behind = dict(audit._heads)  # what another process would still remember
    await append("test.second")
    audit._heads.update(behind)
    await append("test.third")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await audit.append(session, action="test.undone", subject="poll:1", at=clock())
            raise RuntimeError("rolled back after the append")
    await append("test.fourth")
    check = await audit.verify(db)
    assert check.ok and check.entries == 4 and check.head_seq == 4
    async with db.session() as session:
        actions = list(await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.seq))))
    assert actions == ["test.first", "test.second", "test.third", "test.fourth"]


async def test_a_deadline_chosen_in_the_draft_starts_when_the_poll_opens(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=10)
    drafted_at = bloc2.clock()
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        meeting_id=bloc2.meeting_id,
        purpose=Purpose.HIGHER_TITLE,
        title="Cờ thi đua của Chính phủ",
        now=drafted_at,
    )
    edited = await ballots.set_duration(
        bloc2.db, person_id=await pid(bloc2.db, bloc2.head), poll_id=draft.id, now=drafted_at, minutes=15
    )
    assert edited.duration_minutes == 15
    with pytest.raises(OpenRefusal):
        await ballots.set_duration(
            bloc2.db, person_id=await pid(bloc2.db, bloc2.head), poll_id=draft.id, now=drafted_at, minutes=0
        )
    bloc2.clock.advance(minutes=30)  # the chair opens it half an hour later
    opened = await ballots.open_poll(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        poll_id=draft.id,
        master_key=MASTER,
        now=bloc2.clock(),
    )
    assert opened.poll.closes_at == bloc2.clock() + timedelta(minutes=15)
    with pytest.raises(OpenRefusal):  # frozen once open
        await ballots.set_duration(
            bloc2.db,
            person_id=await pid(bloc2.db, bloc2.head),
            poll_id=draft.id,
            now=bloc2.clock(),
            minutes=60,
        )
    assert await ballots.due_for_closing(bloc2.db, bloc2.clock() + timedelta(minutes=15)) == [draft.id]


async def test_a_unit_marked_after_the_draft_cannot_reach_the_ballot(bloc2: Bloc2) -> None:
    """Eligibility is read again when the poll opens: the head is told, and drops the unit."""
    from bot.services import eligibility
    from models.organisation import Person
    from models.registration import Eligibility

    await bloc2.meeting(present=10)
    now = bloc2.clock()
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        meeting_id=bloc2.meeting_id,
        purpose=Purpose.SELECTION,
        title="Cờ thi đua của UBND thành phố",
        now=now,
        seats=2,
    )
    target = draft.candidates[2]
    async with bloc2.db.session() as session:
        head = (await session.exec(select(Person).where(Person.telegram_id == bloc2.head))).one()
    await eligibility.set_mark(
        bloc2.db,
        head.id,  # type: ignore[arg-type]
        unit_id=target.unit_id,
        status=Eligibility.DEFERRED,
        reason="Đang thanh tra, chưa có kết luận",
        today=now.date(),
        now=now,
    )
    with pytest.raises(OpenRefusal) as refused:
        await ballots.open_poll(
            bloc2.db, person_id=await pid(bloc2.db, bloc2.head), poll_id=draft.id, master_key=MASTER, now=now
        )
    assert refused.value.reason == "candidate_barred"
    assert refused.value.params == {"count": 1, "units": target.label}
    assert (await ballots.poll_view(bloc2.db, draft.id)).status == "draft"  # nothing opened
    await ballots.toggle_candidate(
        bloc2.db,
        person_id=await pid(bloc2.db, bloc2.head),
        poll_id=draft.id,
        position=target.position,
        now=now,
    )
    opened = await ballots.open_poll(
        bloc2.db, person_id=await pid(bloc2.db, bloc2.head), poll_id=draft.id, master_key=MASTER, now=now
    )
    assert target.unit_id not in {c.unit_id for c in opened.poll.on_ballot}
