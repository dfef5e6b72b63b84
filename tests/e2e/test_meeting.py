"""Seed 000's bloc 2 year-end meeting, played through the sandbox as the people would.

13 member units, 10 in the room. The chair creates and opens the meeting, units check in with
the code, then: 2 Cờ thi đua, 3 Bằng khen (a tie for the last certificate, settled by a
run-off), an approval ballot, and next year's head and deputy. Every result post is checked
against a count made by hand from the ballots the test cast.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.db import Database
from bot.sandbox.client import BotMessage, Person, SandboxClient
from tests.auxil.ballot_screens import answer_lines
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock

pytestmark = [pytest.mark.e2e, pytest.mark.ballot]
GROUP = -1002


class Meeting:
    def __init__(self, client: SandboxClient, demo: Demo, db: Database, clock: Clock) -> None:
        self.client, self.db, self.clock = client, db, clock
        self.reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
        self.units = [p.label.split(" — ")[-1] for p in self.reps]
        self.people: list[Person] = []
        self.chair: Person
        self.group: Person

    async def setup(self) -> None:
        self.people = [
            await self.client.person(p.user_id, p.first_name, last_name=p.last_name) for p in self.reps
        ]
        self.chair = self.people[0]  # the head's representative chairs
        await self.client.group(GROUP, "Khối thi đua số 2", [p.user_id for p in self.reps])
        self.group = await self.client.in_group(self.chair, GROUP)

    async def press(self, person: Person, message: BotMessage, fragment: str) -> None:
        button = next((b for b in message.buttons if fragment in b["text"]), None)
        assert button is not None, f"no button with {fragment!r} in {message.button_texts}"
        await person.press(message, data=button["callback_data"])

    async def ballot(self, person: Person, title: str) -> BotMessage:
        return await person.expect("Phiếu bầu", title)

    async def cast(self, person: Person, title: str, fragments: list[str]) -> str:
        """Press each button named by a fragment on the ballot, review, cast; return the tracker."""
        ballot = await self.ballot(person, title)
        for fragment in fragments:
            await self.press(person, ballot, fragment)
            ballot = await self.ballot(person, title)  # the chair's card may be edited meanwhile
        await self.press(person, ballot, "Xem lại")
        review = await person.expect("Xem lại phiếu")
        await self.press(person, review, "Bỏ phiếu")
        recorded = await person.expect("Đã ghi nhận phiếu")
        return re.search(r"Mã kiểm tra: (\S+)", recorded.text).group(1)  # type: ignore[union-attr]

    async def pick(self, person: Person, title: str, labels: list[str]) -> str:
        return await self.cast(person, title, [f". {label}" for label in labels])

    async def answer(self, person: Person, title: str, answers: dict[int, str]) -> str:
        """An approval ballot: each line tapped until it reads its answer, then review and cast."""
        letters = {"Đồng ý": "a", "Không": "d", "Không ý kiến": "b"}
        ballot = await answer_lines(
            person, await self.ballot(person, title), {n: letters[word] for n, word in answers.items()}
        )
        await self.press(person, ballot, "Xem lại")
        review = await person.expect("Xem lại phiếu")
        await self.press(person, review, "Bỏ phiếu")
        recorded = await person.expect("Đã ghi nhận phiếu")
        return re.search(r"Mã kiểm tra: (\S+)", recorded.text).group(1)  # type: ignore[union-attr]

    async def chair_card(self) -> BotMessage:
        """The chair reopens the meeting's card from /hop (the last one was turned into a menu)."""
        await self.chair.send("/hop")
        listing = await self.chair.expect("Các cuộc họp")
        await self.press(self.chair, listing, "Họp tổng kết")
        return await self.chair.expect("Mã điểm danh")

    async def open_ballot(
        self, purpose_fragment: str, card: BotMessage, drop: list[str] | None = None
    ) -> BotMessage:
        await name_counting_committee(self.db, self.clock)  # secret ballots need one (issue 13)
        await self.press(self.chair, card, "Mở phiếu")
        menu = await self.chair.expect("Mở phiếu nào?")
        await self.press(self.chair, menu, purpose_fragment)
        draft = await self.chair.expect("bản nháp")
        for label in drop or []:
            await self.press(self.chair, draft, label)
            draft = await self.chair.next_message()
        await self.press(self.chair, draft, "🗳 Mở phiếu")
        return await self.chair.expect("Đã mở phiếu")

    async def close(self, opened: BotMessage) -> str:
        await self.press(self.chair, opened, "Đóng phiếu")
        confirm = await self.chair.expect("Đóng phiếu bây giờ?")
        await self.press(self.chair, confirm, "Có, đóng")
        return (await self.group.expect("Kết quả:")).text

    def votes(self, post: str) -> dict[str, int]:
        found = {}
        for line in post.splitlines():
            match = re.match(r"^[✅❌] (.+?): (\d+) phiếu", line)
            if match:
                found[match.group(1)] = int(match.group(2))
        return found


@pytest.fixture
async def meeting(
    bot: RunningBot, client: SandboxClient, demo: Demo, db: Database, clock: Clock, bloc2_progress: None
) -> Meeting:
    played = Meeting(client, demo, db, clock)
    await played.setup()
    return played


async def test_bloc_2_year_end_meeting(meeting: Meeting) -> None:
    chair, group, people, units = meeting.chair, meeting.group, meeting.people, meeting.units
    await group.send("/nhomkhoi")
    await group.expect("đã được gắn với", "Khối thi đua số 2")

    # The chair creates the year-end meeting; the place defaults to the head's unit.
    await chair.send("/hop")
    menu = await chair.expect("Các cuộc họp của Khối thi đua số 2")
    await meeting.press(chair, menu, "Tạo cuộc họp")
    kinds = await chair.expect("loại nào")
    await meeting.press(chair, kinds, "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send("15/06/2027 08:00")
    card = await chair.expect("Họp tổng kết, bình xét thi đua", "15/06/2027", units[0])
    await meeting.press(chair, card, "Bắt đầu họp")
    card = await chair.expect("Mã điểm danh")
    code = re.search(r"Mã điểm danh.*: (\d{6})", card.text).group(1)  # type: ignore[union-attr]
    await group.expect("đã bắt đầu", "/diemdanh")

    # Ten units check in; the chair's card follows live.
    await people[3].send("/diemdanh 000000" if code != "000000" else "/diemdanh 111111")
    await people[3].expect("không đúng")
    for person in people[:10]:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    card = await chair.expect("Có mặt 10/13", "đủ số lượng (≥ 2/3 = 9)")
    assert "Vắng:" in card.text and units[12] in card.text

    # 2 Cờ thi đua: A and B win.
    a, b, c, d = units[10], units[11], units[12], units[9]
    opened = await meeting.open_ballot("Cờ thi đua", card)
    assert "10 đơn vị được bỏ phiếu" in opened.text
    await group.expect("Cờ thi đua UBND thành phố", "0/10")
    flags = [[a, b]] * 8 + [[a, c]] * 2
    trackers = [
        await meeting.pick(person, "Cờ thi đua", picks)
        for person, picks in zip(people[:10], flags, strict=True)
    ]
    await group.expect("10/10 đơn vị đã bỏ phiếu")  # the progress line, posted in batches
    post = await meeting.close(opened)
    hand = Counter(label for picks in flags for label in picks)
    assert {k: v for k, v in meeting.votes(post).items() if v} == dict(hand)
    assert re.search(rf"Trúng:.*{re.escape(a)}.*{re.escape(b)}", post)
    assert "Có mặt 10/13 thành viên — đủ số lượng" in post and "Bỏ phiếu kín" in post
    assert all(code_ in post for code_ in trackers)

    # A voter checks that its ballot was counted.
    await people[4].send(f"/kiemtra {trackers[4]}")
    await people[4].expect("đã được đếm", "Cờ thi đua UBND thành phố")

    # 3 Bằng khen: a 8, b 8, c 7, d 7 — a tie for the last certificate, then a run-off.
    card_msg = await meeting.chair_card()
    opened = await meeting.open_ballot("Bằng khen", card_msg)
    merits = [[b, c, d]] * 2 + [[a, c, d]] * 2 + [[a, b, d]] * 3 + [[a, b, c]] * 3
    for person, picks in zip(people[:10], merits, strict=True):
        await meeting.pick(person, "Bằng khen", picks)
    post = await meeting.close(opened)
    assert meeting.votes(post)[a] == 8 and meeting.votes(post)[b] == 8
    assert meeting.votes(post)[c] == 7 and meeting.votes(post)[d] == 7
    assert "Hoà ở suất cuối" in post and c in post.split("Hoà ở suất cuối")[1]
    closed_card = await chair.expect("Kết quả:", "Bằng khen")
    await meeting.press(chair, closed_card, "Bỏ phiếu lại")
    runoff = await chair.expect("bản nháp", "bầu lại")
    await meeting.press(chair, runoff, "🗳 Mở phiếu")
    opened = await chair.expect("Đã mở phiếu")
    runoff_picks = [[c]] * 6 + [[d]] * 3 + [[c]]
    for person, picks in zip(people[:10], runoff_picks, strict=True):
        await meeting.pick(person, "bầu lại", picks)
    post = await meeting.close(opened)
    assert meeting.votes(post) == {c: 7, d: 3}
    assert re.search(rf"Trúng:.*{re.escape(c)}", post)

    # Approval of "Tập thể lao động xuất sắc" for a, b, c only (the chair drops the other ten).
    card_msg = await meeting.chair_card()
    opened = await meeting.open_ballot("Tán thành danh hiệu", card_msg, drop=units[:10])
    plan = (
        [{1: "Đồng ý", 2: "Đồng ý", 3: "Đồng ý"}] * 6
        + [{1: "Đồng ý", 2: "Đồng ý", 3: "Không ý kiến"}] * 1
        + [{1: "Đồng ý", 2: "Không", 3: "Không"}] * 2
        + [{1: "Đồng ý", 2: "Không", 3: "Không ý kiến"}]
    )
    for person, answers in zip(people[:10], plan, strict=True):
        await meeting.answer(person, "Tập thể lao động xuất sắc", answers)
    post = await meeting.close(opened)
    assert f"✅ {a}: đồng ý 10, không 0, không ý kiến 0, trống 0 (100,00%)" in post
    assert f"✅ {b}: đồng ý 7, không 3, không ý kiến 0, trống 0 (70,00%)" in post  # exactly 70 %: passes
    assert f"❌ {c}: đồng ý 6, không 2, không ý kiến 2, trống 0 (60,00%)" in post

    # Next year's head and deputy.
    card_msg = await meeting.chair_card()
    opened = await meeting.open_ballot("Bầu Khối trưởng", card_msg)
    heads = [[units[1]]] * 7 + [[units[2]]] * 3
    for person, picks in zip(people[:10], heads, strict=True):
        await meeting.pick(person, "Khối trưởng năm học tới", picks)
    post = await meeting.close(opened)
    assert meeting.votes(post)[units[1]] == 7 and re.search(rf"Trúng:.*{re.escape(units[1])}", post)
    card_msg = await meeting.chair_card()
    opened = await meeting.open_ballot("Bầu Khối phó", card_msg)
    deputies = [[units[2]]] * 6 + [[units[3]]] * 4
    for person, picks in zip(people[:10], deputies, strict=True):
        await meeting.pick(person, "Khối phó năm học tới", picks)
    post = await meeting.close(opened)
    assert meeting.votes(post)[units[2]] == 6 and re.search(rf"Trúng:.*{re.escape(units[2])}", post)


async def test_forged_and_stale_ballot_presses_change_nothing(meeting: Meeting) -> None:
    chair, people, units = meeting.chair, meeting.people, meeting.units
    await chair.send("/hop")
    menu = await chair.expect("Các cuộc họp")
    await meeting.press(chair, menu, "Tạo cuộc họp")
    await meeting.press(chair, await chair.expect("loại nào"), "tổng kết")
    await chair.expect("Ngày giờ họp")
    await chair.send("15/06/2027 08:00")
    await meeting.press(chair, await chair.expect("chưa bắt đầu"), "Bắt đầu họp")
    card = await chair.expect("Mã điểm danh")
    code = re.search(r": (\d{6})", card.text).group(1)  # type: ignore[union-attr]
    # Eight of thirteen: 8 < 9, the ballot must not open.
    for person in people[:8]:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    card = await chair.expect("Có mặt 8/13", "chưa đủ số lượng")
    await meeting.press(chair, card, "Mở phiếu")
    await meeting.press(chair, await chair.expect("Mở phiếu nào?"), "Cờ thi đua")
    draft = await chair.expect("bản nháp")
    await meeting.press(chair, draft, "🗳 Mở phiếu")
    refusal = await chair.callback_answer()
    assert "Chưa mở được phiếu: có mặt 8/13" in refusal["text"]
    for person in people[8:10]:
        await person.send(f"/diemdanh {code}")
        await person.expect("Đã điểm danh")
    await name_counting_committee(meeting.db, meeting.clock)  # secret ballots need one (issue 13)
    await meeting.press(chair, draft, "🗳 Mở phiếu")
    print("ANSWER", await chair.callback_answer())
    await chair.expect("Đã mở phiếu")

    voter = people[5]
    ballot = await meeting.ballot(voter, "Cờ thi đua")
    ref = ballot.buttons[0]["callback_data"].split(":")[1]
    # Forged: a candidate index that does not exist, a sheet that does not exist, a poll that does
    # not exist, a cast of nothing reviewed. (The choice itself never rides in press data.)
    for data, refusal in (
        (f"v:{ref}:tz:", "không còn hiệu lực"),
        (f"v:{ref}:x:zz", "không còn hiệu lực"),
        ("v:nosuch:x:", "không còn hiệu lực"),
        (f"v:{ref}:x1:", "không còn hiệu lực"),  # a cast with no reviewed sheet
        (f"v:{ref}:x1:AAAAAAAAAAAAAAAA", "không còn hiệu lực"),  # a sheet token never given
    ):
        await voter.press(ballot, data=data, forge=True)
        answer = await voter.callback_answer()
        assert answer["show_alert"] and refusal in answer["text"], (data, answer)
    # Picking its own unit is refused (a unit does not vote for itself here).
    await meeting.press(voter, ballot, f". {units[5]}")
    assert "Không được chọn chính đơn vị mình" in (await voter.callback_answer())["text"]
    # Cast once, then a replayed cast press changes nothing.
    await meeting.press(voter, ballot, f". {units[10]}")
    ballot = await voter.next_message()
    await meeting.press(voter, ballot, "Xem lại")
    review = await voter.expect("Xem lại phiếu")
    cast_button = next(b for b in review.buttons if "Bỏ phiếu" in b["text"])
    await voter.press(review, data=cast_button["callback_data"])
    await voter.expect("Đã ghi nhận phiếu")
    await voter.press(review, data=cast_button["callback_data"], forge=True)
    assert "đã bỏ phiếu rồi" in (await voter.callback_answer())["text"]
