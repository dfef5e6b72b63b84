"""The demo `make run` loads (both backends): bloc 2 at the end of the year, ranked, ready to vote."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db import Database
from bot.services import exports
from bot.services.demo import load_demo, load_demo_progress
from models.registration import ScoreSheet, SheetStatus
from tests.auxil.clock import Clock
from tests.auxil.people import person_id_of

pytestmark = [pytest.mark.registration, pytest.mark.scoring]
CONTEXT = exports.Context("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZoneInfo("Asia/Ho_Chi_Minh"))


async def test_bloc_2_is_registered_signed_and_ranked_and_loading_again_changes_nothing(
    db: Database, clock: Clock
) -> None:
    _, personas = await load_demo(db, authority_name=CONTEXT.authority, now=clock())
    assert await load_demo_progress(db, bloc_number=2, now=clock(), scores=True) == 13
    head = next(p for p in personas if p.label.startswith("Khối trưởng") and p.group == "Khối thi đua số 2")
    scope = await exports.scope_for(db, await person_id_of(db, head.user_id), clock().date())
    book = await exports.score_book(db, scope, CONTEXT)
    assert len(book.units) == 13 and all(u.status == SheetStatus.FINAL for u in book.units)
    ranks = [u.rank for u in book.units]
    assert ranks[0] == 1 and None not in ranks and len(set(ranks)) > 1  # ranked, not all level
    for unit in book.units:  # every line scored on its step, at most the maximum
        assert len(unit.cells) == len(book.criteria)
        for criterion in book.criteria:
            final = unit.cells[criterion.code].final
            assert final is not None and 0 <= final <= criterion.max_points
    result = await exports.export(db, scope, exports.Kind.CHART, CONTEXT, today=clock().date())
    assert result.missing == () and len(result.files) == 1  # the demo's ranking chart can be sent

    async with db.session() as session:
        before = sorted((s.id, s.status) for s in await session.exec(select(ScoreSheet)))
    assert await load_demo_progress(db, bloc_number=2, now=clock(), scores=True) == 0
    async with db.session() as session:
        assert sorted((s.id, s.status) for s in await session.exec(select(ScoreSheet))) == before
