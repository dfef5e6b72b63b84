"""The meeting room on a phone (issue 13): check-in that cannot leak or be guessed, the chair's
card that follows the room, and a ballot that is not closed by a slip of the thumb.

What people reported: a code typed in the bloc's group was accepted; wrong codes had no limit;
/diemdanh alone then the code was not understood; closing was one tap; the card showed no
turnout; the group's line stayed behind the result; a 90-unit bloc's card was too long.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.sandbox.client import SandboxClient
from bot.services import meetings
from handlers.meetings import refresh_card
from models.meetings import AuditEntry, CheckinAttempt, MeetingKind, Poll, PollStatus
from models.organisation import Unit
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.meeting_room import Room, code_on, grow_bloc, on, press
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.meeting_room, pytest.mark.ballot]
GROUP = -1013


@pytest.fixture(params=("telegram", "zalo"))
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_code_typed_in_the_group_is_refused_and_replaced_at_once(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    room = Room(client, db, demo, "telegram")
    await room.setup(3)
    await client.group(GROUP, "Khối thi đua số 2", [p.user_id for p in room.reps[:3]])
    code = await room.start()
    typist = room.people[2]
    in_group = await client.in_group(typist, GROUP)  # type: ignore[arg-type]

    await in_group.send(f"/diemdanh {code}")
    refusal = await in_group.expect("Không điểm danh trong nhóm")
    assert code not in refusal.text
    # The chair hears it privately, with the new code; the card shows the new one too.
    notice = await room.chair.expect("vừa bị gõ trong một nhóm")
    fresh = re.search(r"Mã mới: (\d{6})", notice.text).group(1)  # type: ignore[union-attr]
    assert fresh != code and code_on(await room.card()) == fresh
    async with db.session() as session:
        rotated = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "meeting.code_rotated"))
        ).one()
    assert json.loads(rotated.details) == {"reason": "exposed"}

    await typist.send(f"/diemdanh {code}")  # the leaked code no longer works
    await typist.expect("không đúng")
    await typist.send(f"/diemdanh {fresh}")
    await typist.expect("Đã điểm danh")
    await in_group.send("/diemdanh")  # nor does the group ask for a code
    await in_group.expect("Không điểm danh trong nhóm")


async def test_a_rotated_code_another_blocs_code_and_an_ended_meetings_code_are_refused(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(3)
    old = await room.start()
    mine = await room.meeting_id()
    card = await room.card()
    await press(room.chair, card, "Đổi mã")
    new = code_on(await room.chair.expect("Mã điểm danh"))
    assert new != old and len(new) == 6
    await room.people[1].send(f"/diemdanh {old}")
    await room.people[1].expect("không đúng")
    await room.check_in([room.people[1]], new)

    # Bloc 1 holds its meeting too: its representative types bloc 2's code.
    bloc1 = [p for p in demo.personas if p.group == "Khối thi đua số 1"]
    head1 = await pid(db, bloc1[0].user_id)
    now = clock()
    led = await meetings.led_blocs(db, head1, now.date())
    other = await meetings.create_meeting(
        db,
        person_id=head1,
        bloc_id=led[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="—",
        agenda="",
        now=now,
        today=now.date(),
    )
    other = await meetings.open_meeting(db, person_id=head1, meeting_id=other.id, now=now, today=now.date())
    stranger = await on(client, db, channel, bloc1[3])
    await stranger.send(f"/diemdanh {new}")
    await stranger.expect("cuộc họp khối khác")
    assert (await meetings.view(db, other.id)).present == 0

    # The chair ends the meeting: its code stops with it.
    card = await room.card()
    await press(room.chair, card, "Kết thúc họp")
    await room.chair.expect("đã kết thúc")
    await room.people[2].send(f"/diemdanh {new}")
    await room.people[2].expect("đã kết thúc", "không còn hiệu lực")
    assert (await meetings.view(db, mine)).checkin_code is None


async def test_wrong_codes_make_a_person_wait_and_the_sixth_is_not_even_checked(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(3)
    code = await room.start()
    guesser = room.people[1]
    wrong = [f"{(int(code) + step) % 1_000_000:06d}" for step in range(1, 6)]
    for tries_left, guess in zip(range(4, 0, -1), wrong, strict=False):
        await guesser.send(f"/diemdanh {guess}")
        await guesser.expect("không đúng", f"Còn {tries_left} lần thử")
    await guesser.send(f"/diemdanh {wrong[4]}")
    await guesser.expect("sai mã quá nhiều lần", "09:05")  # 09:00 in the room, a 5-minute wait
    # The sixth try, within the wait, with the RIGHT code: refused, the code not looked at.
    await guesser.send(f"/diemdanh {code}")
    await guesser.expect("sai mã quá nhiều lần")
    meeting_id = await room.meeting_id()
    assert (await meetings.view(db, meeting_id)).present == 0
    async with db.session() as session:  # the wait is in the database, not in a process
        attempt = (
            await session.exec(select(CheckinAttempt).where(CheckinAttempt.meeting_id == meeting_id))
        ).one()
    assert attempt.person_id == await pid(db, room.reps[1].user_id) and attempt.locked_until is not None
    card = await room.card("đang phải chờ")
    assert room.units[1] in card.text.split("đang phải chờ")[1] and "đến 09:05" in card.text

    # After the wait: /diemdanh alone asks for the code, and the next message is it.
    clock.advance(minutes=6)
    await guesser.send("/diemdanh")
    await guesser.expect("Gõ mã điểm danh")
    await guesser.send("hôm nay")
    await guesser.expect("gồm 6 chữ số")
    await guesser.send(code[:3] + " " + code[3:])  # read out in two halves
    await guesser.expect("Đã điểm danh", room.units[1])
    card = await room.card("Có mặt 1/13")
    assert "đang phải chờ" not in card.text


async def test_the_chair_checks_a_unit_in_and_out_by_hand_with_the_reason_audited(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(1)
    await room.start()
    absent = room.units[7]
    card = await room.card()
    await press(room.chair, card, "Điểm danh hộ")
    listing = await room.chair.expect("Chọn đơn vị", "trang 1/2")
    await press(room.chair, listing, absent)
    await room.chair.expect("Lý do điểm danh hộ", absent)
    await room.chair.send("Đại diện quên điện thoại, có mặt tại phòng họp")
    await room.chair.expect("Đã điểm danh hộ", absent)
    card = await room.card("Có mặt 1/13")
    assert absent not in card.text.split("Vắng:")[1]

    await press(room.chair, card, "Điểm danh hộ")
    await press(room.chair, await room.chair.expect("Chọn đơn vị"), absent)
    await room.chair.expect("Lý do ghi", absent)
    await room.chair.send("Về sớm vì việc trường")
    await room.chair.expect("Đã ghi", absent, "vắng")
    await room.card("Có mặt 0/13")

    async with db.session() as session:
        unit_id = (await session.exec(select(Unit.id).where(Unit.name == absent))).one()
        entries = list(
            await session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.action).in_(["meeting.checkin_by_chair", "meeting.checkout_by_chair"]))
                .order_by(col(AuditEntry.seq))
            )
        )
    assert [(e.action, json.loads(e.details)) for e in entries] == [
        (
            "meeting.checkin_by_chair",
            {"unit": unit_id, "reason": "Đại diện quên điện thoại, có mặt tại phòng họp"},
        ),
        ("meeting.checkout_by_chair", {"unit": unit_id, "reason": "Về sớm vì việc trường"}),
    ]
    assert {e.actor_person_id for e in entries} == {await pid(db, room.reps[0].user_id)}


async def test_the_card_shows_turnout_and_closing_asks_first_and_the_group_line_ends_final(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(9)
    group = None
    if channel == "telegram":
        await client.group(GROUP, "Khối thi đua số 2", [p.user_id for p in room.reps])
        group = await client.in_group(room.chair, GROUP)  # type: ignore[arg-type]
        await group.send("/nhomkhoi")
        await group.expect("đã được gắn với")
    code = await room.start()
    await room.check_in(room.people, code)
    card = await room.card("Có mặt 9/13", "đủ số lượng")

    await name_counting_committee(db, clock)  # secret ballots need one (issue 13)
    await press(room.chair, card, "Mở phiếu")
    await press(room.chair, await room.chair.expect("Mở phiếu nào?"), "Bầu Khối phó")
    await press(room.chair, await room.chair.expect("bản nháp"), "🗳 Mở phiếu")
    await room.chair.expect("Đã mở phiếu")
    title = "Khối phó năm học tới"
    for person in room.people[1:6]:
        await room.vote(person, title, room.units[2])
    card = await room.card(f"{title}: đã bỏ phiếu 5/9")

    # Closing asks first, with the turnout; "no" keeps the ballot open.
    await press(room.chair, card, f"Đóng phiếu và kiểm phiếu: {title}")
    question = await room.chair.expect("5/9 đã bỏ phiếu. Đóng phiếu bây giờ?")
    await press(room.chair, question, "Không")
    await room.chair.expect("vẫn mở", "5/9")
    async with db.session() as session:
        assert (await session.exec(select(Poll.status).where(Poll.title == title))).one() == PollStatus.OPEN
    for person in room.people[6:9]:
        await room.vote(person, title, room.units[3])
    card = await room.card(f"{title}: đã bỏ phiếu 8/9")
    await press(room.chair, card, f"Đóng phiếu và kiểm phiếu: {title}")
    await press(room.chair, await room.chair.expect("8/9 đã bỏ phiếu"), "Có, đóng")
    await room.chair.expect("Kết quả:", title)
    if group is not None:
        # The group's line, edited one last time, ends with the count the result gives.
        await group.expect("Kết quả:", "Số phiếu: 8/9")
        async with db.session() as session:
            message_id = (
                await session.exec(select(Poll.progress_message_id).where(Poll.title == title))
            ).one()
        lines = [m for m in group.seen if m.id == message_id]
        assert lines and "đã đóng phiếu — 8/9 đơn vị đã bỏ phiếu" in lines[-1].text


async def test_a_voters_late_card_update_does_not_undo_the_chairs_close_question(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    """A vote's live edit of the card, read before the chair pressed "close" and sent after, used
    to turn the question back into the card: "Có, đóng" was gone under the chair's thumb."""
    room = Room(client, db, demo, "telegram")
    await room.setup(9)
    code = await room.start()
    await room.check_in(room.people, code)
    await name_counting_committee(db, clock)
    card = await room.card("Có mặt 9/13")
    await press(room.chair, card, "Mở phiếu")
    await press(room.chair, await room.chair.expect("Mở phiếu nào?"), "Bầu Khối phó")
    await press(room.chair, await room.chair.expect("bản nháp"), "🗳 Mở phiếu")
    await room.chair.expect("Đã mở phiếu")
    title = "Khối phó năm học tới"
    await room.vote(room.people[1], title, room.units[2])
    card = await room.card(f"{title}: đã bỏ phiếu 1/9")
    meeting_id = await room.meeting_id()
    as_a_voter_read_it = await meetings.view(db, meeting_id)
    for _ in range(100):  # the card is remembered just after it is shown
        if as_a_voter_read_it.card_message_id == card.id:
            break
        await asyncio.sleep(0.02)
        as_a_voter_read_it = await meetings.view(db, meeting_id)
    assert as_a_voter_read_it.card_message_id == card.id

    await press(room.chair, card, f"Đóng phiếu và kiểm phiếu: {title}")
    question = await room.chair.expect("1/9 đã bỏ phiếu. Đóng phiếu bây giờ?")
    await refresh_card(bot.deps, as_a_voter_read_it, "vi")  # the voter's edit, arriving late
    await press(room.chair, question, "Có, đóng")
    await room.chair.expect("Kết quả:", title)


async def test_a_ninety_unit_blocs_card_fits_the_channel(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(2)
    added = await grow_bloc(db, "Khối thi đua số 2", "2026-2027", 90 - len(room.reps))
    code = await room.start()
    await room.check_in(room.people[1:2], code)
    card = await room.card("Có mặt 1/90")
    limit = 4096 if channel == "telegram" else 2000
    assert len(card.text) <= limit, len(card.text)
    assert "Có mặt 1/90" in card.text and "đơn vị khác" in card.text
    assert added[-1] not in card.text  # the absent are summed up, not all listed
