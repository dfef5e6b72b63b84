"""Publishing a scale and scoring a whole sheet, at the service level."""

from __future__ import annotations

from bot.services import criteria, scoring
from tests.auxil.world import HEAD, SCALE, World

SECRETARIAT = "Bộ phận Thường trực — Khối thi đua số 2"


async def publish(w: World) -> criteria.ScaleView:
    return await criteria.publish(w.db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=w.clock())


async def score_all(w: World, person_id: int, scores: list[str]) -> scoring.SheetState:
    state = await scoring.open_sheet(w.db, person_id, today=w.today)
    for text in scores:
        code = state.criterion.code  # type: ignore[union-attr]
        state, _ = await scoring.enter_score(
            w.db, person_id, sheet_id=state.sheet_id, text=text, today=w.today, now=w.clock()
        )
        state = await scoring.move(
            w.db, person_id, sheet_id=state.sheet_id, action="next", code=code, today=w.today
        )
    return await scoring.submit(w.db, person_id, sheet_id=state.sheet_id, today=w.today, now=w.clock())


UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
