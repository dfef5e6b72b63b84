"""A bloc's whole year at the service level (registered, scored, met, voted): what the exports read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot import ballot_crypto
from bot.db import Database
from bot.services import ballots, criteria, exports, meetings, pact, scoring
from bot.services.ballots import Purpose
from bot.services.exports import Context, Kind, Scope
from models.meetings import MeetingKind
from models.vote_rules import Choice
from tests.auxil.clock import Clock
from tests.auxil.people import person_id_of, pid
from tests.auxil.scoring import SECRETARIAT, score_all
from tests.auxil.world import HEAD, SCALE, World, make_world, register_unit

BLOC2 = "Khối thi đua số 2"
MASTER = ballot_crypto.parse_master_key(ballot_crypto.new_master_key())


SCORES = [["8", "9", "5", "4"], ["10", "7", "5", "5"], ["6,5", "8", "3", "2"], ["9", "9", "4", "5"]]


@dataclass
class Dossier:
    world: World
    scope: Scope
    head_tg: int
    reps_tg: list[int]
    meeting_id: int
    poll_ids: list[int]

    @property
    def db(self) -> Database:
        return self.world.db


def _context() -> Context:
    from zoneinfo import ZoneInfo

    return Context("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZoneInfo("Asia/Ho_Chi_Minh"))


async def build(db: Database, clock: Clock) -> Dossier:
    """Bloc 2: a scale, four units registered and signed, their sheets final (one adjusted), then
    a year-end meeting with 10 of 13 present, an approval ballot, a selection and an election."""
    w = await make_world(db, clock)
    today, now = w.today, clock()
    head = w.pid(HEAD)
    scale = await criteria.publish(db, head, criteria.check_text(SCALE), today=today, now=now)
    bloc2 = [p for p in w.personas if p.group == BLOC2]
    scored = bloc2[1:5]
    for persona, scores in zip(scored, SCORES, strict=True):
        person = w.ids[persona.user_id]
        await register_unit(w, person, people=2)
        await pact.sign(db, person, scale_id=scale.scale_id, today=today, now=now)
        await score_all(w, person, scores)
    secretary = w.pid(SECRETARIAT)
    for index, view in enumerate(await scoring.review_list(db, secretary, today=today)):
        lines = {line.code: line for line in view.lines}
        if index == 0:  # one adjustment, agreed by the unit
            await scoring.propose(
                db, secretary, line_id=lines["1.2"].line_id, text="6 thiếu minh chứng", today=today, now=now
            )
            rep = w.ids[next(p.user_id for p in scored if p.label.endswith(view.unit_name))]
            await scoring.answer(db, rep, line_id=lines["1.2"].line_id, agree=True, today=today, now=now)
        await scoring.finalise(db, head, sheet_id=view.sheet_id, today=today, now=now)

    head_tg = bloc2[0].user_id
    reps_tg = [p.user_id for p in bloc2]
    bloc_id = (await meetings.led_blocs(db, await pid(db, head_tg), today))[0][0]
    meeting = await meetings.create_meeting(
        db,
        person_id=await pid(db, head_tg),
        bloc_id=bloc_id,
        kind=MeetingKind.YEAREND,
        starts_at=datetime(2027, 6, 5, 1, 30, tzinfo=UTC),  # 08:30 on 05/06/2027 in Cần Thơ
        place="Trường THPT Bùi Hữu Nghĩa",
        agenda="Tổng kết phong trào thi đua\nBình xét, bỏ phiếu đề nghị khen thưởng",
        now=now,
        today=today,
    )
    await meetings.set_minutes_details(  # a secret ballot opens only with a counting committee
        db,
        person_id=await pid(db, head_tg),
        meeting_id=meeting.id,
        now=now,
        today=today,
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    # Opened when it was planned: the minutes run from the opening (issue 13).
    opened = await meetings.open_meeting(
        db, person_id=await pid(db, head_tg), meeting_id=meeting.id, now=meeting.starts_at, today=today
    )
    for rep in reps_tg[:10]:
        await meetings.check_in(
            db, person_id=await pid(db, rep), code=opened.checkin_code or "", now=now, today=today
        )
    poll_ids = []
    # Approval of an ordinary title: the four considered units are the candidates.
    poll = await _open(w, head_tg, meeting.id, Purpose.TITLE, "Tập thể lao động xuất sắc")
    for index, rep in enumerate(reps_tg[:10]):
        answers = {
            c.position: (Choice.AGREE if (index + c.position) % 4 else Choice.DISAGREE)
            for c in poll.on_ballot
        }
        await ballots.cast(db, poll_ref=poll.ref, person_id=await pid(db, rep), ballot=answers, now=now)
    await ballots.close_poll(
        db, poll_id=poll.id, master_key=MASTER, now=now, person_id=await pid(db, head_tg)
    )
    poll_ids.append(poll.id)
    # 2 Cờ thi đua among the four.
    poll = await _open(w, head_tg, meeting.id, Purpose.SELECTION, "Cờ thi đua của UBND thành phố", seats=2)
    positions = [c.position for c in poll.on_ballot]
    for index, rep in enumerate(reps_tg[:10]):
        picks = frozenset({positions[0], positions[1 + index % 3]})
        await ballots.cast(db, poll_ref=poll.ref, person_id=await pid(db, rep), ballot=picks, now=now)
    await ballots.close_poll(
        db, poll_id=poll.id, master_key=MASTER, now=now, person_id=await pid(db, head_tg)
    )
    poll_ids.append(poll.id)
    await meetings.close_meeting(
        db,
        person_id=await pid(db, head_tg),
        meeting_id=meeting.id,
        now=datetime(2027, 6, 5, 4, 0, tzinfo=UTC),
        today=today,
    )
    scope = await exports.scope_for(db, await person_id_of(db, head_tg), today)
    return Dossier(w, scope, head_tg, reps_tg, meeting.id, poll_ids)


async def _open(
    w: World, head_tg: int, meeting_id: int, purpose: Purpose, title: str, seats: int = 1
) -> ballots.PollView:
    draft = await ballots.create_draft(
        w.db,
        person_id=await pid(w.db, head_tg),
        meeting_id=meeting_id,
        purpose=purpose,
        title=title,
        now=w.clock(),
        seats=seats,
    )
    assert len(draft.on_ballot) == 4, draft
    opened = await ballots.open_poll(
        w.db, person_id=await pid(w.db, head_tg), poll_id=draft.id, master_key=MASTER, now=w.clock()
    )
    return opened.poll


async def files_of(d: Dossier, kind: Kind, scope: Scope | None = None) -> dict[str, bytes]:
    found = await exports.export(d.db, scope or d.scope, kind, _context(), today=d.world.today)
    assert not found.missing, found.missing
    return {f.name: f.data for f in found.files}


def one(files: dict[str, bytes], suffix: str) -> bytes:
    [data] = [v for k, v in files.items() if k.endswith(suffix)]
    return data
