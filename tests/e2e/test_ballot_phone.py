"""The meeting room on a phone (issue 13): an approval ballot is one line per candidate with its
name and answer, «Đồng ý tất cả» then the exceptions; a long ballot is paged; the chair edits the
draft's title and candidates and chooses its pass rule by name. Telegram and Zalo."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from bot import ballot_crypto
from bot.db import Database
from bot.sandbox.client import SandboxClient, ZaloPerson
from bot.services import ballots, meetings
from bot.services.demo import Persona
from models.meetings import MeetingKind, Poll
from tests.auxil.ballot_screens import answer_lines, check_fits_telegram, tap
from tests.auxil.ballots import name_counting_committee
from tests.auxil.bot import TEST_MASTER_KEY, Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.meeting_room import Chat, on, press
from tests.auxil.people import pid

pytestmark = [pytest.mark.e2e, pytest.mark.meeting_room, pytest.mark.ballot]
MASTER = ballot_crypto.parse_master_key(TEST_MASTER_KEY)


@pytest.fixture(params=("telegram", "zalo"))
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def meeting_of_ten(db: Database, demo: Demo, clock: Clock) -> tuple[list[Persona], int]:
    """Bloc 2's year-end meeting running, its first ten units checked in (13 members); the test
    takes `bloc2_progress` (every unit registered and signed)."""
    now = clock()
    reps = [p for p in demo.personas if p.group == "Khối thi đua số 2"]
    head = await pid(db, reps[0].user_id)
    today = now.date()
    blocs = await meetings.led_blocs(db, head, today)
    view = await meetings.create_meeting(
        db,
        person_id=head,
        bloc_id=blocs[0][0],
        kind=MeetingKind.YEAREND,
        starts_at=now,
        place="Hội trường",
        agenda="",
        now=now,
        today=today,
    )
    view = await meetings.open_meeting(db, person_id=head, meeting_id=view.id, now=now, today=today)
    await name_counting_committee(db, lambda: now)  # a secret ballot opens only with one
    for rep in reps[:10]:
        await meetings.check_in(
            db, person_id=await pid(db, rep.user_id), code=view.checkin_code or "", now=now, today=today
        )
    return reps, view.id


async def draft_of(chair: Chat, purpose: str) -> object:
    await chair.send("/hop")
    listing = await chair.expect("Các cuộc họp")
    await press(chair, listing, "Họp tổng kết")
    card = await chair.expect("Mã điểm danh")
    await press(chair, card, "Mở phiếu")
    await press(chair, await chair.expect("Mở phiếu nào?"), purpose)
    return await chair.expect("bản nháp")


async def poll_titled(db: Database, title: str) -> ballots.PollView:
    async with db.session() as session:
        poll = (await session.exec(select(Poll).where(Poll.title == title))).one()
    assert poll.id is not None
    return await ballots.poll_view(db, poll.id)


async def close(db: Database, poll: ballots.PollView, chair: Persona, now: datetime) -> ballots.ClosedPoll:
    return await ballots.close_poll(
        db, poll_id=poll.id, master_key=MASTER, now=now, person_id=await pid(db, chair.user_id)
    )


async def test_agree_to_all_and_two_exceptions_on_13_candidates(
    bot: RunningBot,
    client: SandboxClient,
    db: Database,
    demo: Demo,
    clock: Clock,
    channel: str,
    bloc2_progress: None,
) -> None:
    reps, _ = await meeting_of_ten(db, demo, clock)
    people = [await on(client, db, channel, rep) for rep in reps[:10]]
    chair, voters = people[0], people[1:]

    # The draft: the title edited (one over 200 characters refused, nothing changed), the pass
    # rule chosen by its name, then opened.
    draft = await draft_of(chair, "Tán thành danh hiệu")
    await press(chair, draft, "Sửa tên phiếu")
    await chair.expect("Gõ tên mới")
    await chair.send("Tập thể lao động xuất sắc " + "x" * 190)
    await chair.expect("tối đa 200", "chưa đổi gì")
    title = "Tập thể lao động xuất sắc năm học 2026–2027"
    await chair.send(title)
    draft = await chair.expect("Đã đổi tên phiếu", title)
    await press(chair, draft, "Đạt khi:")
    options = await chair.expect("Ứng viên đạt khi")
    await press(chair, options, "≥ 50% số đơn vị có mặt")
    draft = await chair.expect("Đạt khi ≥ 50% số đơn vị có mặt")
    await press(chair, draft, "🗳 Mở phiếu")
    await chair.expect("Đã mở phiếu", title)
    poll = await poll_titled(db, title)
    assert len(poll.on_ballot) == 13 and poll.rules.threshold_fraction == 0.5

    # Nine voters: «agree to all», then the exceptions only.
    plan: list[dict[int, str]] = [{3: "d", 7: "b"}] * 5 + [{3: "d", 12: "d"}] * 3 + [{}]
    for person, exceptions in zip(voters, plan, strict=True):
        ballot = await person.expect("Phiếu bầu", title)
        if isinstance(person, ZaloPerson):
            await press(person, ballot, "Nhận phiếu")
            typed = await person.expect("MỘT tin nhắn")
            if exceptions:
                await person.send("đồng ý tất cả trừ " + " ".join(f"{n}{a}" for n, a in exceptions.items()))
            else:
                await press(person, typed, "Đồng ý tất cả")
            review = await person.expect("Xem lại phiếu")
            await person.send("OK")
        else:
            check_fits_telegram(ballot)
            # One line per candidate: its number and name, and its answer (none yet).
            first = next(text for text in ballot.button_texts if text.startswith("▫️ 1. "))
            assert first.startswith(f"▫️ 1. {poll.on_ballot[0].label[:40]}") and first.endswith("— để trống")
            ballot = await tap(person, ballot, "Đồng ý tất cả")
            ballot = await answer_lines(person, ballot, exceptions)
            review = await tap(person, ballot, "Xem lại")
            assert "Xem lại phiếu" in review.text
            await press(person, review, "Bỏ phiếu")
        for number, letter in exceptions.items():
            word = {"d": "không đồng ý", "b": "không ý kiến"}[letter]
            assert f"[{number}] {poll.on_ballot[number - 1].label}: {word}" in review.text
        await person.expect("Đã ghi nhận phiếu")

    closed = await close(db, poll, reps[0], clock())
    result = closed.result.by_id
    by_number = {n + 1: result[c.position] for n, c in enumerate(poll.on_ballot)}
    # The hand count: 9 ballots; 3 disagreed by 8; 7 abstained by 5; 12 disagreed by 3.
    assert (by_number[3].votes, by_number[3].disagree) == (1, 8)
    assert (by_number[7].votes, by_number[7].abstain) == (4, 5)
    assert (by_number[12].votes, by_number[12].disagree) == (6, 3)
    for number in set(range(1, 14)) - {3, 7, 12}:
        assert (by_number[number].votes, by_number[number].disagree, by_number[number].blank) == (9, 0, 0)
    assert closed.result.voted == 9
    assert {n for n, line in by_number.items() if line.passed} == set(range(1, 14)) - {3, 7}  # 5 of 10 needed


async def test_a_paged_ballot_of_47_typed_candidates(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    reps, _ = await meeting_of_ten(db, demo, clock)
    people = [await client.person(p.user_id, p.first_name, last_name=p.last_name) for p in reps[:4]]
    chair, voters = people[0], people[1:]
    units = [p.label.split(" — ")[-1] for p in reps]

    # The chair types the list: three units of the bloc first, then 44 teachers; numbering and
    # decomposed Vietnamese are read as the names they are.
    import unicodedata

    teachers = [f"Nhà giáo Nguyễn Văn Thứ {i:02d}" for i in range(1, 45)]
    names = units[10:13] + teachers
    draft = await draft_of(chair, "Tán thành danh hiệu")
    await press(chair, draft, "Sửa danh sách")
    await chair.expect("mỗi dòng một ứng viên")
    typed = "\n".join(f"{i}. {unicodedata.normalize('NFD', n)}" for i, n in enumerate(names, 1))
    await chair.send(typed)
    saved = await chair.expect("Đã lưu danh sách", "47 ứng viên")
    await press(chair, saved, "Xong")
    draft = await chair.expect("bản nháp", "Trên phiếu: 47/")
    check_fits_telegram(draft)
    # The draft's 57 lines (47 typed, the 10 units left out unticked) come 20 a page; a tap on
    # page 2 leaves the chair on page 2.
    assert "Trang 1/3" in draft.button_texts
    draft = await tap(chair, draft, "›")
    assert "Trang 2/3" in draft.button_texts and f"✅ {names[20]}" in draft.button_texts
    draft = await tap(chair, draft, f"✅ {names[20]}")
    assert "Trang 2/3" in draft.button_texts and f"⬜ {names[20]}" in draft.button_texts
    draft = await tap(chair, draft, f"⬜ {names[20]}")
    assert "Trên phiếu: 47/57" in draft.text
    # 201 names are refused at the draft, and the list stays as it was.
    await press(chair, draft, "Sửa danh sách")
    await chair.expect("mỗi dòng một ứng viên")
    await chair.send("\n".join(f"Ứng viên {i}" for i in range(201)))
    await chair.expect("tối đa 200", "chưa thay đổi")
    await chair.send("/huy")
    poll = await poll_titled(db, "Tập thể lao động xuất sắc")
    assert [c.label for c in poll.on_ballot] == names
    assert [c.unit_id is not None for c in poll.on_ballot[:4]] == [True, True, True, False]

    await press(chair, draft, "🗳 Mở phiếu")
    await chair.expect("Đã mở phiếu")

    # Three voters: agree to all, then exceptions on pages 1, 3 and 4 (15 a page).
    plan = [{2: "b", 40: "d"}, {46: "d", 47: "-"}, {}]
    for person, exceptions in zip(voters, plan, strict=True):
        ballot = await person.expect("Phiếu bầu")
        check_fits_telegram(ballot)
        assert "Trang 1/4" in ballot.button_texts
        ballot = await tap(person, ballot, "Đồng ý tất cả")
        ballot = await answer_lines(person, ballot, exceptions)
        review = await tap(person, ballot, "Xem lại")
        cast = next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
        if exceptions == {}:
            # A stale review (the ballot changed after it) casts nothing.
            edit = next(b["callback_data"] for b in review.buttons if "Sửa lại" in b["text"])
            await person.press(review, data=edit)
            ballot = await person.next_message()
            ballot = await answer_lines(person, ballot, {1: "d"})
            await person.press(review, data=cast, forge=True)
            assert "không còn hiệu lực" in (await person.callback_answer())["text"]
            ballot = await answer_lines(person, ballot, {1: "a"})
            review = await tap(person, ballot, "Xem lại")
            cast = next(b["callback_data"] for b in review.buttons if "Bỏ phiếu" in b["text"])
        await person.press(review, data=cast)
        await person.expect("Đã ghi nhận phiếu")
        await person.press(review, data=cast, forge=True)  # replayed: nothing more
        assert "đã bỏ phiếu rồi" in (await person.callback_answer())["text"]

    closed = await close(db, poll, reps[0], clock())
    by_number = {n + 1: closed.result.by_id[c.position] for n, c in enumerate(poll.on_ballot)}
    assert (by_number[2].votes, by_number[2].abstain) == (2, 1)
    assert (by_number[40].votes, by_number[40].disagree) == (2, 1)
    assert (by_number[46].votes, by_number[46].disagree) == (2, 1)
    assert (by_number[47].votes, by_number[47].blank) == (2, 1)
    for number in set(range(1, 48)) - {2, 40, 46, 47}:
        assert by_number[number].votes == 3
    assert closed.result.voted == 3


async def test_a_long_ballot_on_zalo_is_paged_and_answered_in_one_message(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, bloc2_progress: None
) -> None:
    reps, _ = await meeting_of_ten(db, demo, clock)
    chair, first, second = [await on(client, db, "zalo", rep) for rep in reps[:3]]
    names = [f"Cô giáo Trần Thị Số {i:02d}" for i in range(1, 61)]
    draft = await draft_of(chair, "Tán thành danh hiệu")
    await press(chair, draft, "Sửa danh sách")
    await chair.expect("mỗi dòng một ứng viên")
    await chair.send("\n".join(names))
    await press(chair, await chair.expect("Đã lưu danh sách", "60 ứng viên"), "Xong")
    draft = await chair.expect("bản nháp", "Trên phiếu: 60/")
    await press(chair, draft, "Mở phiếu")
    await chair.expect("Đã mở phiếu")

    # Page 1 lists 1–50, page 2 the rest; the answer names any number of the whole ballot.
    await press(first, await first.expect("Phiếu bầu"), "Nhận phiếu")
    page = await first.expect("MỘT tin nhắn", "Trang 1/2")
    assert f"50. {names[49]}" in page.text and f"51. {names[50]}" not in page.text
    await press(first, page, "Trang sau")
    page = await first.expect("MỘT tin nhắn", "Trang 2/2")
    assert f"60. {names[59]}" in page.text and f"1. {names[0]}\n" not in page.text
    await first.send("tất cả 55d 2b")
    review = await first.expect("Xem lại phiếu")
    # Read back as typed: the two exceptions by name, then one line for the 58 others.
    assert f"[2] {names[1]}: không ý kiến\n[55] {names[54]}: không đồng ý" in review.text
    assert "Các ứng viên còn lại (58): đồng ý" in review.text and f"[1] {names[0]}" not in review.text
    await first.send("OK")
    await first.expect("Đã ghi nhận phiếu")
    # «Đồng ý tất cả» as an option: straight to the review.
    await press(second, await second.expect("Phiếu bầu"), "Nhận phiếu")
    await press(second, await second.expect("MỘT tin nhắn"), "Đồng ý tất cả")
    await second.expect("Xem lại phiếu")
    await second.send("OK")
    await second.expect("Đã ghi nhận phiếu")

    poll = await poll_titled(db, "Tập thể lao động xuất sắc")
    closed = await close(db, poll, reps[0], clock())
    by_number = {n + 1: closed.result.by_id[c.position] for n, c in enumerate(poll.on_ballot)}
    assert (by_number[55].votes, by_number[55].disagree) == (1, 1)
    assert (by_number[2].votes, by_number[2].abstain) == (1, 1)
    assert all(by_number[n].votes == 2 for n in set(range(1, 61)) - {2, 55})
