"""Self-scoring, evidence, review, finalising and ranking at the service layer (both backends)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.db import Database
from bot.services import outbox, people, scoring
from bot.services.registration import Refused
from bot.services.scoring import LineView, SheetView
from models.channels import OutboxMessage
from models.registration import ChangeHistory, LineReview, ScoreLine, SheetStatus
from models.scoring_rules import rank
from tests.auxil.clock import Clock
from tests.auxil.scoring import SECRETARIAT, UNIT, publish, score_all
from tests.auxil.world import HEAD, World, make_world
from tests.auxil.world_cache import once

pytestmark = pytest.mark.scoring


@pytest.fixture
async def world(db: Database, clock: Clock) -> World:
    return await once("make_world", db, clock, make_world)


async def test_bad_scores_are_refused_and_nothing_is_saved(world: World) -> None:
    await publish(world)
    rep = world.pid(UNIT)
    state = await scoring.open_sheet(world.db, rep, today=world.today)
    assert state.criterion is not None and state.criterion.code == "1.1" and state.count == 4
    for text, fragment in (
        ("11", "vượt quá điểm tối đa 10"),
        ("-1", "không được âm"),
        ("mười", "không phải là số"),
        ("7,25", "bước 0,5"),
    ):
        with pytest.raises(Refused) as refused:
            await scoring.enter_score(
                world.db, rep, sheet_id=state.sheet_id, text=text, today=world.today, now=world.clock()
            )
        assert refused.value.notice.key == "score.bad"
        assert fragment in refused.value.notice.params["detail"].render("vi")
    state = await scoring.move(
        world.db, rep, sheet_id=state.sheet_id, action="next", code="1.1", today=world.today
    )
    with pytest.raises(Refused) as refused:  # 1.2 takes whole points only
        await scoring.enter_score(
            world.db, rep, sheet_id=state.sheet_id, text="7,5", today=world.today, now=world.clock()
        )
    assert "chỉ chấm điểm nguyên" in refused.value.notice.params["detail"].render("vi")
    async with world.db.session() as session:
        lines = (await session.exec(select(ScoreLine))).all()
        assert all(line.self_score is None for line in lines)
        assert (
            await session.exec(select(ChangeHistory).where(ChangeHistory.entity == "score_line"))
        ).first() is None

    # Another unit's representative, and a criterion that does not exist.
    other = world.pid("Trường Trung học phổ thông Bùi Hữu Nghĩa")
    with pytest.raises(Refused) as refused:
        await scoring.enter_score(
            world.db, other, sheet_id=state.sheet_id, text="5", today=world.today, now=world.clock()
        )
    assert refused.value.notice.key == "score.not_your_unit"
    with pytest.raises(Refused) as refused:
        await scoring.move(world.db, rep, sheet_id=state.sheet_id, action="go", code="9.9", today=world.today)
    assert refused.value.notice.key == "score.no_criterion"


async def test_scoring_with_evidence_resumes_and_submits(world: World) -> None:
    await publish(world)
    rep = world.pid(UNIT)
    state = await scoring.open_sheet(world.db, rep, today=world.today)
    sid = state.sheet_id
    state, score = await scoring.enter_score(
        world.db, rep, sheet_id=sid, text="7,5", today=world.today, now=world.clock()
    )
    assert score == Decimal("7.50") and state.total == Decimal("7.5")
    state = await scoring.add_evidence(
        world.db,
        rep,
        sheet_id=sid,
        kind="text",
        value="https://drive.example/bc.pdf",
        today=world.today,
        now=world.clock(),
    )
    state = await scoring.add_evidence(
        world.db,
        rep,
        sheet_id=sid,
        kind="document",
        value="FILEID",
        file_name="bao_cao.pdf",
        size=1000,
        today=world.today,
        now=world.clock(),
    )
    assert state.evidence == 2
    for name, size in (("virus.exe", 10), ("lon.pdf", 21 * 1024 * 1024)):
        with pytest.raises(Refused):
            await scoring.add_evidence(
                world.db,
                rep,
                sheet_id=sid,
                kind="document",
                value="X",
                file_name=name,
                size=size,
                today=world.today,
                now=world.clock(),
            )
    await scoring.move(world.db, rep, sheet_id=sid, action="next", code="1.1", today=world.today)
    await scoring.move(world.db, rep, sheet_id=sid, action="skip", code="1.2", today=world.today)
    with pytest.raises(Refused):  # a stale button for the criterion already left
        await scoring.move(world.db, rep, sheet_id=sid, action="skip", code="1.2", today=world.today)
    # Opening the sheet again (a restart, /chamdiem later) lands on the same criterion.
    again = await scoring.open_sheet(world.db, rep, today=world.today)
    assert again.sheet_id == sid and again.criterion is not None and again.criterion.code == "2.1"
    assert again.unscored == ("1.2", "2.1", "2.2")
    with pytest.raises(Refused) as refused:
        await scoring.submit(world.db, rep, sheet_id=sid, today=world.today, now=world.clock())
    assert refused.value.notice.params["codes"] == "1.2, 2.1, 2.2"


async def test_review_round_finalise_and_ranking(world: World) -> None:
    await publish(world)
    db, today, now = world.db, world.today, world.clock()
    rep, head, secretary = world.pid(UNIT), world.pid(HEAD), world.pid(SECRETARIAT)
    submitted = await score_all(world, rep, ["8", "9", "5", "4"])
    assert submitted.status is SheetStatus.SUBMITTED and submitted.total == Decimal(26)
    with pytest.raises(Refused):  # a representative does not review
        await scoring.review_list(db, rep, today=today)
    [view] = await scoring.review_list(db, secretary, today=today)
    lines = {line.code: line for line in view.lines}
    await scoring.accept_lines(
        db, secretary, sheet_id=view.sheet_id, line_ids=[lines["1.1"].line_id], today=today, now=now
    )
    with pytest.raises(Refused):  # a proposal needs a reason
        await scoring.propose(db, secretary, line_id=lines["1.2"].line_id, text="7", today=today, now=now)
    proposal = await scoring.propose(
        db, secretary, line_id=lines["1.2"].line_id, text="7 thiếu minh chứng", today=today, now=now
    )
    assert proposal.notify and proposal.line.proposed == Decimal(7)
    await scoring.propose(
        db, secretary, line_id=lines["2.1"].line_id, text="4,0: nộp muộn", today=today, now=now
    )
    with pytest.raises(Refused):  # cannot finalise while the unit has not answered
        await scoring.finalise(db, head, sheet_id=view.sheet_id, today=today, now=now)
    agreed = await scoring.answer(db, rep, line_id=lines["1.2"].line_id, agree=True, today=today, now=now)
    assert agreed.review is LineReview.AGREED and agreed.final == Decimal(7)
    disputed = await scoring.answer(
        db,
        rep,
        line_id=lines["2.1"].line_id,
        agree=False,
        text="Đã nộp đúng hạn, có công văn",
        today=today,
        now=now,
    )
    assert disputed.review is LineReview.DISPUTED
    with pytest.raises(Refused):  # the secretariat does not decide
        await scoring.decide(
            db, secretary, line_id=lines["2.1"].line_id, use_proposed=True, today=today, now=now
        )
    await scoring.decide(db, head, line_id=lines["2.1"].line_id, use_proposed=False, today=today, now=now)
    final = await scoring.finalise(db, head, sheet_id=view.sheet_id, today=today, now=now)
    assert final.final_total == Decimal(8 + 7 + 5 + 4)
    history = [
        h for h in await scoring_history(world) if h.entity == "score_line" and h.field == "2.1.disputed"
    ]
    assert history and history[0].reason == "Đã nộp đúng hạn, có công văn"

    ranking = await scoring.ranking(db, head, today=today)
    assert [(line.unit_name, line.total, line.rank) for line in ranking.lines] == [(UNIT, Decimal(24), 1)]
    assert len(ranking.pending) == 12
    own = await scoring.ranking(db, rep, today=today)
    assert own.own_unit_id is not None and len(own.lines) == 1 and own.pending == ()


async def scoring_history(w: World) -> list[ChangeHistory]:
    async with w.db.session() as session:
        return list(await session.exec(select(ChangeHistory)))


SCORES = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def _line(index: int, final: Decimal | None) -> LineView:
    return LineView(
        index, f"1.{index}", "x", Decimal(100), final, LineReview.ACCEPTED, None, None, None, final, 0
    )


@given(st.lists(st.one_of(st.none(), SCORES), max_size=30))
def test_sheet_total_is_the_sum_of_the_final_line_scores(finals: list[Decimal | None]) -> None:
    view = SheetView(1, 1, "U", SheetStatus.FINAL, tuple(_line(i, f) for i, f in enumerate(finals)))
    assert view.final_total == sum((f for f in finals if f is not None), Decimal(0))


@given(st.dictionaries(st.integers(1, 50), SCORES, min_size=1, max_size=20), st.randoms())
def test_reordering_units_never_changes_ranks(totals: dict[int, Decimal], rnd: random.Random) -> None:
    names = {unit: f"Trường {unit}" for unit in totals}
    before = {row.unit_id: (row.rank, row.tied) for row in rank(totals, tiebreak=names.get)}
    items = list(totals.items())
    rnd.shuffle(items)
    after = {row.unit_id: (row.rank, row.tied) for row in rank(dict(items), tiebreak=names.get)}
    assert before == after


@pytest.mark.zalo
async def test_a_proposal_is_told_to_the_unit_through_the_outbox_in_its_language(world: World) -> None:
    await publish(world)
    db, today, now = world.db, world.today, world.clock()
    rep, secretary = world.pid(UNIT), world.pid(SECRETARIAT)
    await people.set_language(db, rep, "en")
    await score_all(world, rep, ["8", "9", "5", "4"])
    [view] = await scoring.review_list(db, secretary, today=today)
    line = next(x for x in view.lines if x.code == "1.2")
    proposal = await scoring.propose(
        db, secretary, line_id=line.line_id, text="7 thiếu minh chứng", today=today, now=now
    )
    assert proposal.notify == [(rep, "en")]
    async with db.session() as session:
        # (the sheet sent told the head's side: hand-off notices, issue 12)
        [row] = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "score_proposal"))
        ).all()
    screen = outbox.decode_screen(row.screen)
    assert row.person_id == rep and row.kind == "score_proposal" and row.sent_at is None
    assert (
        "The secretariat (" in screen.text  # named: who proposed, with their hat
        and "proposes to adjust criterion <b>1.2</b>" in screen.text
        and "9 → <b>7</b>" in screen.text
    )
    assert [b.data for b in screen.buttons[0]] == [f"ua:{line.line_id}:y", f"ua:{line.line_id}:n"]
    # A refused proposal tells nobody.
    with pytest.raises(Refused):
        await scoring.propose(db, secretary, line_id=line.line_id, text="6 lại", today=today, now=now)
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "score_proposal"))).all()
        assert len(rows) == 1
    assert [x.code for x in await scoring.open_proposals(db, rep, today=today)] == ["1.2"]
    await scoring.answer(db, rep, line_id=line.line_id, agree=True, today=today, now=now)
    assert await scoring.open_proposals(db, rep, today=today) == []
