"""The school's own vote held in the bot (issue 18; seed 004 §II.5–6) on both apps from one body:
the representative opens a secret ballot on a person (refused below 2/3 of the members), hands out
one-time codes, the people taking part vote with them, the representative counts it and gets the
minutes; /dienhinh attaches the passed vote (a failed one is shown as failed and refused), the desk
sees the count on the card, accepts, and its dossier carries the minutes the bot wrote.

Three people vote through the chat; the others join and cast through the same services the chat
calls, so the test stays short.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from docx import Document
from sqlmodel import func, select

from bot.db import Database
from bot.sandbox.client import SandboxClient, ZaloPerson
from bot.services import audit, council, nominations, people, school_vote
from bot.services.nominations import Submission
from bot.services.registration import Refused
from models.channels import Channel
from models.council import CouncilBallotCode, CouncilPoll
from models.nominations import Nomination, NomineeKind, Title, VoteKind
from models.vote_rules import Choice
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import CHANNELS, Anyone, on, person_id
from tests.auxil.clock import Clock
from tests.auxil.exemplars import desk_on, files_from, member_on, people_without_chat
from tests.auxil.scale_chat import UNIT

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.exemplars]
PASSES, FAILS = "Lê Thị Hoa", "Trần Văn Bình"


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def vote_with_code(person: Anyone, code: str, answer: str) -> str:
    """Join with the code, cast, and return the tracker code the bot gives."""
    await person.send(f"/binhxet {code}")
    ballot = await person.expect("Bình xét của", PASSES, "cần từ 70% của 7 người")
    await person.press(ballot, "Bỏ phiếu")  # type: ignore[arg-type]
    screen = await person.expect("Phiếu kín (1/1)", PASSES)
    await person.press(screen, answer)
    review = await person.expect("Phiếu của bạn", "Gửi phiếu?")
    await person.press(review, "✅ Gửi phiếu")
    recorded = await person.expect("Đã ghi nhận phiếu kín", "Mã kiểm tra")
    return recorded.text.split("Mã kiểm tra của bạn: ")[1].split()[0]


async def join_and_cast(db: Database, ref: str, code: str, member: int, choice: Choice, clock: Clock) -> None:
    await school_vote.join(db, member, code)
    cast = await council.cast(db, ref=ref, person_id=member, ballot={1: choice}, now=clock())
    assert cast.status is council.CastStatus.RECORDED


def result_row(document: object) -> list[str]:
    """The minutes' result table, its one row."""
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Họ và tên")  # type: ignore[attr-defined]
    return [c.text for c in table.rows[1].cells]


def button(message: object, fragment: str) -> str:
    return next(label for label in message.button_texts if fragment in label)  # type: ignore[attr-defined]


async def test_a_school_votes_in_the_bot_and_attaches_the_vote_to_its_nomination(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep = await on(channel, demo, client, UNIT, 582001)
    desk = await desk_on(channel, client, db, demo, clock, 582002)
    rep_id = await person_id(db, demo, UNIT)
    master_key = bot.deps.master_key
    assert master_key is not None

    # The representative opens the school's secret ballot on Lê Thị Hoa.
    await rep.send("/binhxet")
    menu = await rep.expect("Bình xét của trường", "2/3")
    await rep.press(menu, "🗳 Bình xét một người")
    titles = await rep.expect("Bình xét đề nghị danh hiệu nào?")
    await rep.press(titles, "Điển hình tiên tiến")
    await rep.expect("Họ và tên")
    await rep.send(PASSES)
    await rep.expect("Tổng số thành viên")
    await rep.send("chín")  # bad input: not a number
    await rep.expect("phải là một số từ 1 đến 500")
    await rep.send("9")
    await rep.expect("Số người tham dự hoặc được xin ý kiến (trên 9)")
    await rep.send("5")  # bad input: below 2/3 of 9 — refused saying by how much, nothing opened
    await rep.expect("Chưa đủ 2/3", "cần ít nhất 6/9, còn thiếu 1 người")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(CouncilPoll))).one() == 0
    await rep.send("7")
    opened = await rep.expect("Đã mở bỏ phiếu kín", PASSES, "7/9 thành viên")
    codes = re.findall(r"/binhxet ([0-9A-F]{8})", opened.text)
    assert len(codes) == 7 and len(set(codes)) == 7
    async with db.session() as session:
        poll = (await session.exec(select(CouncilPoll))).one()
        stored = list(await session.exec(select(CouncilBallotCode.code_hash)))
    assert not any(code in "".join(stored) for code in codes)  # only hashes are kept
    # The desk's council menu does not list a school's ballot, nor can the desk close it.
    desk_id = await people.person_of_account(
        db, Channel(channel), "582002" if channel == "telegram" else "z582002"
    )
    assert desk_id is not None
    assert await council.open_ballots(db, desk_id, today=clock().date()) == []
    with pytest.raises(Refused):
        await council.close(
            db, person_id=desk_id, ref=poll.ref, master_key=master_key, today=clock().date(), now=clock()
        )

    # Three teachers vote in the chat with their codes; bad codes change nothing.
    first, first_id = await member_on(channel, client, db, 582101, "Nguyễn Văn An")
    second, _ = await member_on(channel, client, db, 582102, "Phạm Thị Bích")
    third, _ = await member_on(channel, client, db, 582103, "Đỗ Minh Cường")
    await first.send("/binhxet ZZZZ0000")
    await first.expect("Mã bỏ phiếu không đúng")
    await vote_with_code(first, codes[0], "Đồng ý")
    await second.send(f"/binhxet {codes[0]}")  # someone else's code, already used
    await second.expect("Mã này đã được dùng rồi")
    await first.send(f"/binhxet {codes[1]}")  # a second code for the same person
    await first.expect("Bạn đã có phiếu trong cuộc bình xét này rồi")
    await vote_with_code(second, codes[1], "Đồng ý")
    tracker = await vote_with_code(third, codes[2], "Không đồng ý")
    # Four more: all agree. 6 of the 7 taking part agree: 85.71 % ≥ 70 % (5 needed).
    others = await people_without_chat(db, 4, "Giáo viên")
    for code, member in zip(codes[3:], others, strict=True):
        await join_and_cast(db, poll.ref, code, member, Choice.AGREE, clock)
    again = await council.cast(db, ref=poll.ref, person_id=first_id, ballot={1: Choice.AGREE}, now=clock())
    assert again.status is council.CastStatus.ALREADY

    # The representative closes and counts: the result, then the minutes the bot wrote.
    await rep.send("/binhxet")
    menu = await rep.expect("Đang bỏ phiếu", PASSES)
    await rep.press(menu, f"🔒 Kết thúc và kiểm phiếu: {PASSES}")
    result = await rep.expect("Kết quả bình xét kín", "6/7 đồng ý", "85,71%", "đạt")
    assert "7/7 người tham gia đã bỏ phiếu" in result.text and "cần 5/7 đồng ý" in result.text
    got = await files_from(rep, client, "Gắn kết quả và biên bản này")
    await third.send(f"/hoidong {tracker}")  # a teacher finds their ballot among those counted
    await third.expect(f"Mã {tracker} có trong danh sách đã kiểm", "7 phiếu")
    # /kiemtra alone shows a teacher the tracker again, under the school's name, never the choice.
    await third.send("/kiemtra")
    mine = await third.expect("Mã kiểm tra các phiếu", tracker, "đã được đếm", "Điển hình tiên tiến")
    assert "không đồng ý" not in mine.text.lower()
    minutes_doc = Document(io.BytesIO(got["bien-ban-binh-xet-le-thi-hoa.docx"]))
    text = "\n".join(p.text for p in minutes_doc.paragraphs)
    assert "BIÊN BẢN HỌP BÌNH XÉT" in text and "Tổng số thành viên: 9" in text
    assert result_row(minutes_doc) == [PASSES, "6", "1", "0", "85,71%", "Đạt"]

    # A second ballot, on Trần Văn Bình, fails: 4 of 7 agree (57.14 %).
    failed = await school_vote.open_ballot(
        db,
        rep_id,
        title=Title.EXEMPLAR,
        nominee=FAILS,
        members=9,
        present=7,
        master_key=master_key,
        today=clock().date(),
        now=clock(),
    )
    voters = await people_without_chat(db, 7, "Giáo viên")
    for i, (code, member) in enumerate(zip(failed.codes, voters, strict=True)):
        await join_and_cast(
            db, failed.ballot.ref, code, member, Choice.AGREE if i < 4 else Choice.DISAGREE, clock
        )
    counted = await school_vote.close(
        db, rep_id, failed.ballot.ref, master_key=master_key, today=clock().date(), now=clock()
    )
    assert (counted.agree, counted.needed, counted.passed) == (4, 5, False)
    # Bad input: the failed vote cannot carry a nomination, even when sent past the chat.
    form = Submission(
        kind=NomineeKind.PERSON,
        title=Title.EXEMPLAR,
        full_name=FAILS,
        position="Giáo viên",
        teaching_years=8,
        summary="Giáo viên dạy giỏi",
        achievements="Giáo viên dạy giỏi cấp huyện",
        phone=None,
        email=None,
        vote_kind=VoteKind.MEETING,
        school_poll_id=failed.ballot.id,
    )
    with pytest.raises(Refused) as refused:
        await nominations.submit(db, rep_id, form, today=clock().date(), now=clock())
    assert refused.value.notice.key == "nom.refused.vote_not_passed"
    # Nor can the passed vote on Lê Thị Hoa carry a nomination of someone else.
    with pytest.raises(Refused):
        await nominations.submit(
            db,
            rep_id,
            Submission(**{**form.__dict__, "school_poll_id": poll.id}),
            today=clock().date(),
            now=clock(),
        )

    # /dienhinh for Trần Văn Bình: the failed vote is shown as failed and refused when chosen.
    async def nominate(name: str) -> object:
        await rep.send("/dienhinh")
        kinds = await rep.expect("cá nhân hay một tập thể")
        await rep.press(kinds, "Cá nhân")
        titles = await rep.expect("Danh hiệu đề nghị")
        await rep.press(titles, "Điển hình tiên tiến")
        await rep.expect("Họ và tên")
        for answer, asked in (
            (name, "Chức vụ"),
            ("Giáo viên", "Thâm niên giảng dạy"),
            ("8", "Tóm tắt thành tích trong một đoạn"),
            ("Giáo viên dạy giỏi cấp thành phố.", "Toàn văn"),
            ("Năm 2023: giáo viên dạy giỏi cấp thành phố.", "Số điện thoại"),
            ("0912 345 678", "minh chứng"),
        ):
            await rep.send(answer)
            last = await rep.expect(asked)
        await rep.press(last, "Xong")  # type: ignore[arg-type]
        return await rep.expect("Biên bản họp bình xét", "kết quả bình xét trong bot")

    ask = await nominate(FAILS)
    await rep.press(ask, button(ask, "❌ 4/7 đồng ý, không đạt"))  # type: ignore[arg-type]
    refusal = await rep.expect("Cuộc bình xét này không đạt")
    await rep.press(refusal, "📤 Gửi hồ sơ")  # type: ignore[arg-type]
    await rep.expect("chưa có kết quả bình xét của trường")
    await rep.send("/huy")
    await rep.expect("Đã huỷ")
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Nomination))).one() == 0

    # /dienhinh for Lê Thị Hoa: the passed vote is attached and the nomination sent.
    ask = await nominate(PASSES)
    await rep.press(ask, button(ask, "✅ 6/7 đồng ý, đạt"))  # type: ignore[arg-type]
    attached = await rep.expect("Đã gắn kết quả bình xét trong bot", "6/7 đồng ý")
    await rep.press(attached, "📤 Gửi hồ sơ")  # type: ignore[arg-type]
    await rep.expect("Đã gửi hồ sơ đề nghị", PASSES)
    async with db.session() as session:
        nomination = (await session.exec(select(Nomination))).one()
    assert nomination.vote_kind == VoteKind.MEETING and nomination.school_poll_id == poll.id
    assert nomination.minutes_file_key is None

    # The desk sees the school's count on the card, accepts, and exports: the minutes are in it.
    notice = await desk.expect("Hồ sơ điển hình mới", PASSES)
    await desk.press(notice, "Xem hồ sơ")
    card = await desk.expect(PASSES, "bỏ phiếu kín trong bot", "6/7 đồng ý (85,71%), đạt")
    await desk.press(card, "✓ Chấp nhận")
    await desk.expect(f"Đã chấp nhận hồ sơ của {PASSES}")
    await rep.expect("đã được chấp nhận", PASSES)
    await desk.send("/hosodienhinh")
    empty = await desk.expect("Không có hồ sơ nào chờ xét")
    await desk.press(empty, "📄 Xuất hồ sơ đã chấp nhận")
    choose = await desk.expect("Chọn hồ sơ")
    await desk.press(choose, "📄 Xuất 1 hồ sơ đã chọn")
    files = await files_from(desk, client, "Đã xuất 1 hồ sơ")
    archive = zipfile.ZipFile(io.BytesIO(files["Bien_ban_binh_xet.zip"]))
    [name] = archive.namelist()
    assert name.endswith("bien-ban-binh-xet-le-thi-hoa.docx")
    exported = Document(io.BytesIO(archive.read(name)))
    exported_text = "\n".join(p.text for p in exported.paragraphs)
    assert "BIÊN BẢN HỌP BÌNH XÉT" in exported_text and UNIT.upper() in "\n".join(
        c.text for t in exported.tables for r in t.rows for c in r.cells
    )
    assert result_row(exported)[-1] == "Đạt"
    assert (await audit.verify(db)).ok
    if isinstance(rep, ZaloPerson):  # on Zalo the minutes came as a signed link, and nothing else leaked
        assert "bien-ban-binh-xet-le-thi-hoa.docx" in got
