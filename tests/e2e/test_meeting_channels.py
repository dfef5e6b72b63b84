"""A bloc meeting on Telegram and on Zalo from one test body: the chair creates and starts it,
the units check in, a secret ballot of each kind (approval, pick k of n, election) is cast and
counted, and a voter finds its tracker with /kiemtra.

On Zalo there are no buttons: the chair answers numbered lists, and a voter types the whole
ballot in one message ("1a 2d 3b", "2 5"), gets the review back in words and confirms with "OK".
Below the shared scenario: a Zalo ballot reply that breaks a rule changes nothing, /nhomkhoi on
Zalo says it is Telegram-only, and one vote per unit holds on Zalo and across a person's two apps.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, func, select

from bot.db import Database
from bot.sandbox.client import SandboxClient, ZaloPerson
from bot.services import invites, outbox, people
from models.channels import Channel
from models.meetings import Participation, Poll, SealedBallot
from tests.auxil.ballot_screens import answer_lines
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.meeting_room import BlocRoom, Chat, on, press
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.ballot]


@pytest.fixture(params=("telegram", "zalo"))
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Room(BlocRoom):
    async def card(self) -> Any:
        await self.chair.send("/hop")
        listing = await self.chair.expect("Các cuộc họp")
        await press(self.chair, listing, "Họp tổng kết")
        return await self.chair.expect("Mã điểm danh")

    async def open_ballot(self, purpose: str) -> Any:
        await name_counting_committee(self.db, Clock())  # secret ballots need one (issue 13)
        card = await self.card()
        await press(self.chair, card, "Mở phiếu")
        await press(self.chair, await self.chair.expect("Mở phiếu nào?"), purpose)
        await press(self.chair, await self.chair.expect("bản nháp"), "🗳 Mở phiếu")
        return await self.chair.expect("Đã mở phiếu")

    async def vote(self, person: Chat, title: str, *, buttons: list[str] | dict[int, str], typed: str) -> str:
        """Vote as the person's app lets them (on Telegram, the buttons to press, or an approval
        ballot's answer per line); the tracker's short code."""
        ballot = await person.expect("Phiếu bầu", title)
        if isinstance(person, ZaloPerson):
            await press(person, ballot, "Nhận phiếu")
            await person.expect("MỘT tin nhắn")
            await person.send(typed)
            review = await person.expect("Xem lại phiếu")
            assert "Trả lời «OK»" in review.text
            await person.send("OK")
        else:
            if isinstance(buttons, dict):
                ballot = await answer_lines(person, ballot, buttons)
            for fragment in buttons if isinstance(buttons, list) else []:
                await press(person, ballot, fragment)
                ballot = await person.expect("Phiếu bầu", title)  # the chair's card may be edited meanwhile
            await press(person, ballot, "Xem lại")
            await press(person, await person.expect("Xem lại phiếu"), "Bỏ phiếu")
        recorded = await person.expect("Đã ghi nhận phiếu")
        return re.search(r"Mã kiểm tra: (\S+)", recorded.text).group(1)  # type: ignore[union-attr]

    async def close(self, title: str) -> str:
        card = await self.card()
        await press(self.chair, card, f"Đóng phiếu và kiểm phiếu: {title}")
        await press(self.chair, await self.chair.expect("Đóng phiếu bây giờ?", title), "Có, đóng")
        first = await self.chair.expect("Kết quả:", title)
        text = first.text
        while "Mã chuỗi phiếu" not in text:  # a long result comes in parts on Zalo
            text += "\n" + (await self.chair.next_message()).text
        return text


def votes(post: str) -> dict[str, int]:
    found = {}
    for line in post.splitlines():
        match = re.match(r"^[✅❌] (.+?): (\d+) phiếu", line)
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


async def test_a_meeting_with_a_secret_ballot_of_each_kind(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    room = Room(client, db, demo, channel)
    await room.setup(10)
    chair, people, units = room.chair, room.people, room.units
    voters = people[1:]  # the chair's unit votes too, but the chair here only runs the meeting

    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp của Khối thi đua số 2"), "Tạo cuộc họp")
    await press(chair, await chair.expect("loại nào"), "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send("15/06/2027 8h00")
    await press(chair, await chair.expect("Họp tổng kết, bình xét thi đua", "15/06/2027"), "Bắt đầu họp")
    card = await chair.expect("Mã điểm danh")
    code = re.search(r"Mã điểm danh.*: (\d{6})", card.text).group(1)  # type: ignore[union-attr]

    # Check-in: a wrong code changes nothing; ten units check in with the right one. Each was
    # told privately, on their app (people[3] first: its notice may come before or after the reply
    # to its wrong code, and waiting for that reply would skip it).
    await people[3].expect("đã bắt đầu", "/diemdanh")
    await people[3].send("/diemdanh 000000" if code != "000000" else "/diemdanh 111111")
    await people[3].expect("không đúng")
    for person in people:
        if person is not chair and person is not people[3]:
            await person.expect("đã bắt đầu", "/diemdanh")
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    await people[1].send(f"/diemdanh {code}")
    await people[1].expect("đã điểm danh rồi")
    if channel == "telegram":
        card = await chair.expect("Có mặt 10/13", "đủ số lượng (≥ 2/3 = 9)")  # edited live
    else:
        card = await room.card()  # Zalo cannot edit: the chair asks for the card again
        assert "Có mặt 10/13" in card.text and "đủ số lượng (≥ 2/3 = 9)" in card.text
    assert units[12] in card.text.split("Vắng:")[1]

    # Approval: the first three candidates answered, the rest left blank.
    opened = await room.open_ballot("Tán thành danh hiệu")
    assert "10 đơn vị được bỏ phiếu" in opened.text
    title = "Tập thể lao động xuất sắc"
    plan = ["1a 2a 3a"] * 6 + ["1a 2d 3b"] * 3
    buttons = {"1a 2a 3a": {1: "a", 2: "a", 3: "a"}, "1a 2d 3b": {1: "a", 2: "d", 3: "b"}}
    trackers = [
        await room.vote(p, title, buttons=buttons[typed], typed=typed)
        for p, typed in zip(voters, plan, strict=True)
    ]
    post = await room.close(title)
    assert f"✅ {units[0]}: đồng ý 9, không 0, không ý kiến 0, trống 0 (90,00%)" in post
    assert f"❌ {units[1]}: đồng ý 6, không 3, không ý kiến 0, trống 0 (60,00%)" in post
    assert f"❌ {units[2]}: đồng ý 6, không 0, không ý kiến 3, trống 0 (60,00%)" in post
    assert f"❌ {units[3]}: đồng ý 0, không 0, không ý kiến 0, trống 9" in post
    assert "Số phiếu: 9/10" in post
    assert all(tracker in post for tracker in trackers)

    # A voter finds its ballot among the counted ones.
    await voters[4].send(f"/kiemtra {trackers[4]}")
    await voters[4].expect("đã được đếm", title)
    await voters[4].send("/kiemtra ZZZZZ-ZZZZZ")
    await voters[4].expect("Không tìm thấy mã")

    # Pick 2 of 13 (Cờ thi đua): nobody picks its own unit.
    await room.open_ballot("Cờ thi đua")
    title = "Cờ thi đua"
    a, b, c = units[10], units[11], units[12]
    picks = [[a, b]] * 7 + [[a, c]] * 2
    for person, chosen in zip(voters, picks, strict=True):
        typed = " ".join(str(units.index(unit) + 1) for unit in chosen)
        await room.vote(person, title, buttons=[f". {unit}" for unit in chosen], typed=typed)
    post = await room.close(title)
    assert {k: v for k, v in votes(post).items() if v} == dict(Counter(u for chosen in picks for u in chosen))
    assert re.search(rf"Trúng:.*{re.escape(a)}.*{re.escape(b)}", post)

    # Next year's head: an election, one pick.
    await room.open_ballot("Bầu Khối trưởng")
    title = "Khối trưởng năm học tới"
    heads = [units[1]] * 6 + [units[2]] * 3
    for person, unit in zip(voters, heads, strict=True):
        await room.vote(person, title, buttons=[f". {unit}"], typed=str(units.index(unit) + 1))
    post = await room.close(title)
    assert votes(post)[units[1]] == 6 and votes(post)[units[2]] == 3
    assert re.search(rf"Trúng:.*{re.escape(units[1])}", post)


async def test_a_zalo_ballot_reply_that_breaks_a_rule_changes_nothing(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    room = Room(client, db, demo, "zalo")
    await room.setup(9)
    chair, people, units = room.chair, room.people, room.units
    await chair.send("/nhomkhoi")
    await chair.expect("chỉ dùng trong nhóm Telegram")
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Tạo cuộc họp")
    await press(chair, await chair.expect("loại nào"), "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send_sticker()  # type: ignore[union-attr]
    await chair.expect("tin nhắn chữ")
    await chair.send("ngày mai")
    await chair.expect("Chưa đọc được ngày giờ")
    await chair.send("15/06/2027 08:00")
    await press(chair, await chair.expect("chưa bắt đầu"), "Bắt đầu họp")
    code = re.search(r": (\d{6})", (await chair.expect("Mã điểm danh")).text).group(1)  # type: ignore[union-attr]
    for person in people:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")

    await room.open_ballot("Cờ thi đua")
    voter = people[5]  # its own unit is number 6 on the ballot
    await press(voter, await voter.expect("Phiếu bầu", "Cờ thi đua"), "Nhận phiếu")
    ballot = await voter.expect("MỘT tin nhắn")
    assert "6. " + units[5] in ballot.text and "không được chọn" in ballot.text
    for typed, answer in (
        ("1 2 3", "tối đa 2"),  # too many picks
        ("1 6", "chính đơn vị mình"),  # own unit
        ("2 99", "Không có ứng viên số 99"),  # a number out of range
        ("1a 2d", "Chưa đọc được phiếu"),  # letters on a pick ballot
    ):
        await voter.send(typed)
        refusal = await voter.expect(answer)
        assert "chưa ghi nhận gì" in refusal.text
    await voter.send_sticker()  # type: ignore[union-attr]
    await voter.expect("tin nhắn chữ")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Participation))).one() == 0
    await voter.send("1 2")
    await voter.expect("Xem lại phiếu", units[0], units[1])
    await voter.send("2 3")  # changes its mind: types the whole ballot again
    await voter.expect("Xem lại phiếu", units[2])
    await voter.send("OK")
    await voter.expect("Đã ghi nhận phiếu")
    await voter.send("OK")  # a repeated confirmation is not a second ballot
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Participation))).one() == 1

    # An approval ballot: a letter other than a/d/b, and a number out of range.
    post = await room.close("Cờ thi đua")
    assert votes(post)[units[2]] == 1
    await room.open_ballot("Tán thành danh hiệu")
    await press(voter, await voter.expect("Phiếu bầu", "Tập thể lao động"), "Nhận phiếu")
    await voter.expect("MỘT tin nhắn")
    for typed, answer in (
        ("1a 2x", "«2x»: chỉ dùng a"),
        ("1a 14d", "Không có ứng viên số 14"),
        ("1 2", "thiếu chữ a, d hoặc b"),
    ):
        await voter.send(typed)
        await voter.expect(answer)
    await voter.send("1a 2d 3b")
    review = await voter.expect("Xem lại phiếu")
    assert (
        "[1] " + units[0] + ": đồng ý" in review.text and "[2] " + units[1] + ": không đồng ý" in review.text
    )
    await voter.send("ok")
    await voter.expect("Đã ghi nhận phiếu")


async def _start_meeting(room: Room) -> str:
    """The chair creates and starts the year-end meeting; its check-in code."""
    chair = room.chair
    await chair.send("/hop")
    await press(chair, await chair.expect("Các cuộc họp"), "Tạo cuộc họp")
    await press(chair, await chair.expect("loại nào"), "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send("15/06/2027 08:00")
    await press(chair, await chair.expect("chưa bắt đầu"), "Bắt đầu họp")
    code = re.search(r": (\d{6})", (await chair.expect("Mã điểm danh")).text).group(1)  # type: ignore[union-attr]
    return code


async def test_one_ballot_per_unit_on_zalo_and_across_a_persons_two_apps(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    """Five Zalo representatives of one school confirm at once, each several times; then a person
    linked on Telegram and Zalo casts on both at once. One ballot per unit, each time."""
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    now = clock()
    school = reps[4].label
    colleagues: list[ZaloPerson] = []
    for index in range(5):
        zalo = await client.zalo_person(f"z88{index:04d}", f"Đồng nghiệp {index}")
        profile = await people.identify_account(
            db, Channel.ZALO, zalo.user_id, display_name=zalo.display_name, language="vi", today=now.date()
        )
        await invites.bind_representative(
            db, profile.person_id, unit_name=school, school_year="2026-2027", now=now
        )
        colleagues.append(zalo)
    room = Room(client, db, demo, "telegram")
    room.people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps[:10]]
    linked_zalo = await on(client, db, "zalo", reps[5])  # the unit-6 representative on both apps
    linked_telegram = room.people[5]
    code = await _start_meeting(room)
    for person in room.people:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    opened = await room.open_ballot("Bầu Khối phó")
    assert "10 đơn vị" in opened.text

    for zalo in colleagues:
        await press(zalo, await zalo.expect("Phiếu bầu", "Khối phó"), "Nhận phiếu")
        await zalo.expect("MỘT tin nhắn")
        await zalo.send("2")
        await zalo.expect("Xem lại phiếu")
    await asyncio.gather(*(zalo.send("OK") for zalo in colleagues for _ in range(3)))
    answers = [await zalo.next_message(wait_seconds=30) for zalo in colleagues]
    assert sum("Đã ghi nhận phiếu" in m.text for m in answers) == 1
    assert sum("đã bỏ phiếu rồi" in m.text for m in answers) == 4

    # The linked person: the ballot reached Zalo (the app used last); on Telegram the same
    # person has the review open too. Both cast at once.
    await press(linked_zalo, await linked_zalo.expect("Phiếu bầu", "Khối phó"), "Nhận phiếu")
    await linked_zalo.expect("MỘT tin nhắn")
    await linked_zalo.send("3")
    await linked_zalo.expect("Xem lại phiếu")
    async with db.session() as session:
        ref = (await session.exec(select(Poll.ref).where(Poll.title == "Khối phó năm học tới"))).one()
    await linked_telegram.send("/kiemtra")
    # /kiemtra with no code lists this person's trackers (none yet); a press forged on it opens the ballot.
    usage = await linked_telegram.expect("chưa bỏ phiếu nào")
    await linked_telegram.press(usage, data=f"v:{ref}:t2:", forge=True)  # picks the third
    ballot = await linked_telegram.expect("Phiếu bầu", "Khối phó")
    assert any(label.startswith("☑ 3.") for label in ballot.button_texts)
    await press(linked_telegram, ballot, "Xem lại")
    review = await linked_telegram.expect("Xem lại phiếu")
    cast = next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
    await asyncio.gather(linked_zalo.send("OK"), linked_telegram.press(review, data=cast))
    on_zalo = (await linked_zalo.next_message(wait_seconds=30)).text
    on_telegram = (await linked_telegram.callback_answer(wait_seconds=30))["text"] or ""
    # One of the two is recorded (on Telegram, silently, with the recorded screen); the other
    # hears that the unit has voted already.
    recorded = ["Đã ghi nhận phiếu" in on_zalo, on_telegram == ""]
    assert recorded.count(True) == 1
    assert "đã bỏ phiếu rồi" in (on_telegram if recorded[0] else on_zalo)
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Participation))).one() == 2
        assert (await session.exec(select(func.count()).select_from(SealedBallot))).one() == 2


async def test_a_zalo_voters_choice_under_review_is_in_no_table_and_no_log(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While a Zalo voter reviews a typed ballot, its choice lives in that one exchange: no row of
    any table (menus, conversation steps, the outbox…) and no log line holds the press that would
    cast it, nor the typed ballot."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="thidua")
    room = Room(client, db, demo, "zalo")
    await room.setup(9)
    code = await _start_meeting(room)
    for person in room.people:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    await room.open_ballot("Bằng khen")
    voter = room.people[2]
    await press(voter, await voter.expect("Phiếu bầu", "Bằng khen"), "Nhận phiếu")
    await voter.expect("MỘT tin nhắn")
    await voter.send("11 4 8")
    await voter.expect("Xem lại phiếu", room.units[10], room.units[3], room.units[7])
    async with db.session() as session:
        ref = (await session.exec(select(Poll.ref).where(Poll.title.contains("Bằng khen")))).one()  # type: ignore[attr-defined]
        connection = await session.connection()
        rows = [
            str(tuple(row))
            for table in SQLModel.metadata.sorted_tables
            for row in (await connection.execute(sa_select(table))).all()
        ]
    secret_press = f"v:{ref}:x"  # the review's "OK", which names the sheet holding the choice
    assert not [row for row in rows if secret_press in row or "11 4 8" in row]
    # The sheet itself is kept, but sealed under a token that only the "OK" carries.
    sheets = [row for row in rows if "ballot_sheet" in row]
    assert len(sheets) == 1 and '"s"' not in sheets[0] and ref in sheets[0]
    assert not [
        r.getMessage() for r in caplog.records if secret_press in r.getMessage() or "11 4 8" in r.getMessage()
    ]
    await voter.send("OK")
    await voter.expect("Đã ghi nhận phiếu")


async def test_an_unreachable_voter_stops_nobody_and_the_chair_resends_its_ballot(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    bloc2_progress: None,
    channel: str,
) -> None:
    """Ballots go out through the outbox: one representative who blocked the bot is marked
    unreachable and the others get theirs; once it is back, the chair sends its unit's ballot
    again, and it votes."""
    room = Room(client, db, demo, channel)
    await room.setup(9)
    away = await client.person(
        room.reps[9].user_id, room.reps[9].first_name, last_name=room.reps[9].last_name
    )
    code = await _start_meeting(room)
    for person in [*room.people, away]:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    await client.block(away.user_id)
    opened = await room.open_ballot("Bầu Khối phó")
    assert "10 đơn vị" in opened.text
    title = "Khối phó năm học tới"
    for person in room.people[1:]:
        await room.vote(person, title, buttons=[f". {room.units[2]}"], typed="3")
    async with db.session() as session:
        ref = (await session.exec(select(Poll.ref).where(Poll.title == title))).one()
    delivered = await outbox.status(db, f"ballot:{ref}:")
    assert len(delivered) == 10
    assert [d.person_id for d in delivered if d.failed] == [await pid(db, away.user_id)]
    assert "unreachable" in (next(d.last_error for d in delivered if d.failed) or "")

    await client.block(away.user_id, blocked=False)
    card = await room.card()  # the chair, on any app, resends from the meeting's card
    await press(room.chair, card, "Gửi lại phiếu")
    pick = await room.chair.expect("Gửi lại phiếu cho đơn vị nào?")
    assert room.units[9] in pick.button_texts and room.units[1] not in pick.button_texts  # voted already
    await press(room.chair, pick, room.units[9])
    await room.chair.expect("Đã gửi lại phiếu", room.units[9])
    await room.vote(away, title, buttons=[f". {room.units[2]}"], typed="3")
    post = await room.close(title)
    assert votes(post)[room.units[2]] == 9 and "Số phiếu: 9/10" in post
