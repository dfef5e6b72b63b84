"""Numbers from chat text and button data are read strictly and bounded (issue 15)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.db import Database
from bot.services import ballots, criteria, scoring
from bot.services.invites import NotFoundError
from bot.services.registration import Refused
from models.meetings import Poll
from models.numbers import MAX_ID, is_id, parse_id, parse_int
from models.registration import ChangeHistory, LineReview, ScoreLine
from tests.auxil.clock import Clock
from tests.auxil.scoring import SECRETARIAT, UNIT, score_all
from tests.auxil.world import HEAD, SCALE, World, make_world

pytestmark = pytest.mark.hardening


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("1e309 thiếu minh chứng", "không phải là số"),
        ("1e309", "không phải là số"),
        ("NaN thiếu minh chứng", "không phải là số"),
        ("inf thiếu minh chứng", "không phải là số"),
        ("Infinity: thiếu", "không phải là số"),
        ("７ thiếu minh chứng", "không phải là số"),  # full-width seven
        ("٧ thiếu minh chứng", "không phải là số"),  # Arabic-Indic seven
        ("7² thiếu minh chứng", "không phải là số"),
        ("7.5.5 thiếu minh chứng", "không phải là số"),
        ("7,555 thiếu minh chứng", "chữ số thập phân"),
        ("7,25 thiếu minh chứng", "bước"),
        ("99999999999999999999999999 thiếu", "vượt quá điểm tối đa"),
        ("-3 thiếu minh chứng", "không được âm"),
        ("9" * 5000 + " thiếu minh chứng", "không phải là số"),
    ],
)
async def test_a_proposal_that_is_not_a_plain_score_is_refused_and_nothing_saved(
    db: Database, clock: Clock, typed: str, fragment: str
) -> None:
    world: World = await make_world(db, clock)
    await criteria.publish(db, world.pid(HEAD), criteria.check_text(SCALE), today=world.today, now=clock())
    await score_all(world, world.pid(UNIT), ["8", "9", "5", "4"])
    [view] = await scoring.review_list(db, world.pid(SECRETARIAT), today=world.today)
    line = next(v for v in view.lines if v.code == "1.1")  # step 0,5
    async with db.session() as session:
        history_before = len(list(await session.exec(select(ChangeHistory))))
    with pytest.raises(Refused) as refused:
        await scoring.propose(
            db, world.pid(SECRETARIAT), line_id=line.line_id, text=typed, today=world.today, now=clock()
        )
    assert refused.value.notice.key == "score.bad"
    assert fragment in refused.value.notice.params["detail"].render("vi")
    async with db.session() as session:
        stored = await session.get(ScoreLine, line.line_id)
        assert stored is not None
        assert stored.review == LineReview.PENDING and stored.proposed_score is None
        assert len(list(await session.exec(select(ChangeHistory)))) == history_before


async def test_a_proposal_with_a_plain_score_still_works(db: Database, clock: Clock) -> None:
    world: World = await make_world(db, clock)
    await criteria.publish(db, world.pid(HEAD), criteria.check_text(SCALE), today=world.today, now=clock())
    await score_all(world, world.pid(UNIT), ["8", "9", "5", "4"])
    [view] = await scoring.review_list(db, world.pid(SECRETARIAT), today=world.today)
    line = next(v for v in view.lines if v.code == "1.1")
    proposal = await scoring.propose(
        db,
        world.pid(SECRETARIAT),
        line_id=line.line_id,
        text="7,5: thiếu minh chứng",
        today=world.today,
        now=clock(),
    )
    assert proposal.line.proposed == Decimal("7.5") and proposal.notify


@given(st.text(max_size=30))
def test_parse_id_reads_only_ascii_digits_within_an_integer_column(text: str) -> None:
    value = parse_id(text)
    if value is not None:
        assert 1 <= value <= MAX_ID and text.strip().isascii() and text.strip().isdigit()


@pytest.mark.parametrize(
    "text", ["²", "٣", "３", "1e3", "-1", "+1", "0", "1.0", "", " ", str(MAX_ID + 1), "9" * 30]
)
def test_parse_id_refuses_what_isdigit_or_int_would_let_through(text: str) -> None:
    assert parse_id(text) is None


def test_parse_int_bounds() -> None:
    assert parse_int(" 42 ", minimum=1, maximum=90) == 42
    assert parse_int("91", minimum=1, maximum=90) is None
    assert parse_id(str(MAX_ID)) == MAX_ID and is_id(MAX_ID) and not is_id(MAX_ID + 1) and not is_id(True)


async def test_a_huge_id_is_not_found_rather_than_an_overflow(db: Database) -> None:
    async with db.session() as session:
        assert await session.get(Poll, 10**12) is None
        assert await session.get(Poll, 2**31) is None
        assert await session.get(Poll, 1) is None
    with pytest.raises(NotFoundError):
        await ballots.poll_view(db, 10**30)


@pytest.mark.parametrize("date", ["²", "١٢٣", "１２３", "9" * 40, "1e309", "NaN"])
def test_a_zalo_event_with_an_odd_date_is_refused_not_crashed(date: str) -> None:
    from bot.channels.zalo.events import EventError, parse_event
    from tests.auxil.zalo import text_event

    with pytest.raises(EventError):
        parse_event(text_event(date=date))


@pytest.mark.parametrize(
    "line",
    [
        "1.\tHọp\tTrong tháng 11/2023\tCác Khối thi đua số 1,2," + "9" * 5000,
        "9" * 5000 + ".\tHọp\tTrước ngày 15/01/2024\tPhòng GDĐT",
        "1.\tHọp\tTrước ngày 15/01/" + "9" * 5000 + "\tPhòng GDĐT",
        "1.\tHọp\tTừ " + "9" * 5000 + " đến 29/3/2024\tPhòng GDĐT",
        "1.\tHọp\tTrong tháng 11/2023\tKhối trưởng các Khối thi đua số " + "9" * 5000,
    ],
)
def test_a_timetable_line_with_a_number_of_thousands_of_digits_is_a_row_error(line: str) -> None:
    from models.timetable import parse_table_text

    parsed = parse_table_text("TT\tNội dung\tThời gian hoàn thành\tĐơn vị thực hiện\n" + line, (2023, 2024))
    assert not parsed.milestones and len(parsed.errors) == 1
