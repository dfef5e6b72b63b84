"""Issue 13/15 at the service level: a ballot of up to 200 candidates (typed at the draft, opened,
cast, counted), its title edited within 200 characters, the unfinished sheet sealed under its
token, and the sheet grammar for long ballots (pages, two-character indexes, «tất cả»)."""

from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import select

from bot.services import ballot_sheets, ballots
from bot.services.ballots import CastStatus, OpenRefusal, Purpose
from models import ballot_state
from models.ballot_state import PAGE_SIZE, Refusal, Shape
from models.conversation import ConversationState
from models.meetings import PollStatus
from models.vote_rules import BallotKind, Choice
from tests.auxil.ballots import MASTER, Bloc2, bloc2  # noqa: F401  (the fixture)
from tests.auxil.people import pid

pytestmark = [pytest.mark.meeting_room, pytest.mark.ballot]

LONG = Shape(BallotKind.APPROVAL, 200)
PICKS = Shape(BallotKind.SELECTION, 200, max_choices=3, own_index=150, self_vote_allowed=False)


def test_a_long_approval_sheet_agree_to_all_then_taps() -> None:
    state = ballot_state.agree_to_all(LONG)
    assert state == "a" * 200
    assert isinstance(state, str)
    for expected in "db-a":  # one tap moves a line on: agree → disagree → abstain → blank → agree
        following = ballot_state.cycle_answer(LONG, state, 199)
        assert isinstance(following, str) and following[199] == expected and following[:199] == "a" * 199
        state = following
    assert ballot_state.cycle_answer(LONG, state, 200) == Refusal("stale")
    assert ballot_state.agree_to_all(PICKS) == Refusal("stale")


def test_indexes_and_pages_of_200_candidates() -> None:
    assert [ballot_state.index_of(ballot_state.index_code(i, 200), 200) for i in range(200)] == list(
        range(200)
    )
    assert ballot_state.width(36) == 1 and ballot_state.width(37) == 2
    for forged in ("5k", "zz", "a", "", "---"):  # 5k = 200: one past the end
        assert ballot_state.index_of(forged, 200) == -1
    assert ballot_state.pages(200) == -(-200 // PAGE_SIZE)
    assert list(ballot_state.page_range(ballot_state.pages(200) - 1, 200))[-1] == 199
    assert ballot_state.page_of(199) == ballot_state.pages(200) - 1


def test_a_long_pick_sheet() -> None:
    state = ""
    for index in (199, 3, 40):
        following = ballot_state.toggle_pick(PICKS, state, index)
        assert isinstance(following, str)
        state = following
    assert ballot_state.picked(state, 200) == [3, 40, 199] and ballot_state.valid_state(PICKS, state)
    assert ballot_state.toggle_pick(PICKS, state, 7) == Refusal("limit", {"max": 3})
    assert ballot_state.toggle_pick(PICKS, "", 150) == Refusal("self_vote")
    assert ballot_state.parse_typed(PICKS, "200 4 41") == state
    for forged in ("0", "5k", "0303", "1a03", "0!"):  # odd width, past the end, twice, unsorted, junk
        assert not ballot_state.valid_state(PICKS, forged)


@pytest.mark.parametrize(
    ("typed", "state"),
    [
        ("đồng ý tất cả", "aaaaa"),
        ("Đồng ý tất cả, trừ 3d 5b", "aadab"),
        ("tất cả 2d", "adaaa"),
        ("TẤT CẢ d 1a", "adddd"),
        ("all 5-", None),  # "-" is not an answer one types
        ("tat ca b", "bbbbb"),
        ("tất cả 3d 3b", None),
        ("tất cả x", None),
    ],
)
def test_agree_to_all_typed_with_exceptions(typed: str, state: str | None) -> None:
    shape = Shape(BallotKind.APPROVAL, 5)
    read = ballot_state.parse_typed(shape, unicodedata.normalize("NFD", typed))
    if state is None:
        assert isinstance(read, Refusal)
    else:
        assert read == state


async def _draft(bloc2: Bloc2) -> tuple[int, ballots.PollView]:  # noqa: F811
    await bloc2.meeting(present=10)
    head = await pid(bloc2.db, bloc2.head)
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=head,
        meeting_id=bloc2.meeting_id,
        purpose=Purpose.TITLE,
        title="Tập thể lao động xuất sắc",
        now=bloc2.clock(),
    )
    return head, draft


async def test_the_title_is_edited_within_200_characters(bloc2: Bloc2) -> None:  # noqa: F811
    head, draft = await _draft(bloc2)
    db, now = bloc2.db, bloc2.clock()
    with pytest.raises(OpenRefusal) as refused:
        await ballots.rename_draft(db, person_id=head, poll_id=draft.id, title="x" * 201, now=now)
    assert refused.value.reason == "title_too_long" and refused.value.params["length"] == 201
    with pytest.raises(OpenRefusal):
        await ballots.rename_draft(db, person_id=head, poll_id=draft.id, title="   ", now=now)
    assert (await ballots.poll_view(db, draft.id)).title == "Tập thể lao động xuất sắc"  # nothing changed
    decomposed = unicodedata.normalize("NFD", "Cờ thi đua   UBND thành phố  ")
    renamed = await ballots.rename_draft(db, person_id=head, poll_id=draft.id, title=decomposed, now=now)
    assert renamed.title == "Cờ thi đua UBND thành phố" == unicodedata.normalize("NFC", renamed.title)
    exact = "Đ" * 200
    assert (
        await ballots.rename_draft(db, person_id=head, poll_id=draft.id, title=exact, now=now)
    ).title == exact
    # Someone who does not run the meeting cannot rename it.
    other = await pid(db, bloc2.reps[3].user_id)
    with pytest.raises(Exception):  # noqa: B017 - NotAllowedError or NotFoundError, either refuses
        await ballots.rename_draft(db, person_id=other, poll_id=draft.id, title="Khác", now=now)
    assert (await ballots.poll_view(db, draft.id)).title == exact


async def test_200_typed_candidates_open_cast_and_count_and_201_are_refused(bloc2: Bloc2) -> None:  # noqa: F811
    head, draft = await _draft(bloc2)
    db, now = bloc2.db, bloc2.clock()
    units = [c.label for c in draft.candidates]
    with pytest.raises(OpenRefusal) as refused:
        await ballots.set_candidates(
            db, person_id=head, poll_id=draft.id, names=[f"Ứng viên {i}" for i in range(201)], now=now
        )
    assert refused.value.reason == "too_many_candidates"
    with pytest.raises(OpenRefusal) as refused:
        await ballots.set_candidates(db, person_id=head, poll_id=draft.id, names=["An", "an "], now=now)
    assert refused.value.reason == "candidate_twice"
    assert [c.label for c in (await ballots.poll_view(db, draft.id)).on_ballot] == units  # unchanged

    names = units[3:13] + [f"Nhà giáo số {i:03d}" for i in range(190)]
    poll = await ballots.set_candidates(db, person_id=head, poll_id=draft.id, names=names, now=now)
    assert [c.label for c in poll.on_ballot] == names
    assert all(c.unit_id is not None for c in poll.on_ballot[:10])
    # The units left out stay on the draft unticked; ticking one would make 201, refused.
    left_out = [c for c in poll.candidates if not c.selected]
    assert [c.label for c in left_out] == units[:3]
    with pytest.raises(OpenRefusal):
        await ballots.toggle_candidate(
            db, person_id=head, poll_id=draft.id, position=left_out[0].position, now=now
        )

    opened = await ballots.open_poll(db, person_id=head, poll_id=draft.id, master_key=MASTER, now=now)
    assert opened.poll.status is PollStatus.OPEN and len(opened.poll.on_ballot) == 200
    positions = [c.position for c in opened.poll.on_ballot]
    # Every answer on all 200 lines, the longest ballot there is: sealed and counted.
    plan = [
        {p: (Choice.DISAGREE if i % 2 else Choice.ABSTAIN) for i, p in enumerate(positions)},
        {p: Choice.AGREE for p in positions},
    ]
    for rep, ballot in zip(bloc2.reps[:2], plan, strict=True):
        result = await ballots.cast(
            db, poll_ref=opened.poll.ref, person_id=await pid(db, rep.user_id), ballot=ballot, now=now
        )
        assert result.status is CastStatus.RECORDED
    closed = await ballots.close_poll(db, poll_id=draft.id, master_key=MASTER, now=now, person_id=head)
    assert closed.result.voted == 2
    first, second = closed.result.by_id[positions[0]], closed.result.by_id[positions[1]]
    assert (first.votes, first.abstain, second.votes, second.disagree) == (1, 1, 1, 1)
    assert await ballots.verify_polls(db) == []  # the bigger padding is the poll's, checked alike


async def test_a_sheet_is_sealed_under_its_token_and_read_by_its_voter_only(bloc2: Bloc2) -> None:  # noqa: F811
    db = bloc2.db
    await bloc2.meeting(present=10)
    poll = await bloc2.poll(Purpose.TITLE, "Tập thể lao động xuất sắc")
    voter, other = await pid(db, bloc2.reps[1].user_id), await pid(db, bloc2.reps[2].user_id)
    state = "adbadbadbadba"
    sheet = await ballot_sheets.save(
        db, poll_ref=poll.ref, person_id=voter, token=None, state=state, page=0, version=0
    )
    assert sheet.version == 1 and len(f"v:{poll.ref}:x{sheet.version}:{sheet.token}".encode()) <= 64
    assert await ballot_sheets.load(db, poll_ref=poll.ref, person_id=voter, token=sheet.token) == sheet
    # Another person with the same token, or a forged token, reads nothing.
    assert await ballot_sheets.load(db, poll_ref=poll.ref, person_id=other, token=sheet.token) is None
    assert await ballot_sheets.load(db, poll_ref=poll.ref, person_id=voter, token="A" * 16) is None
    async with db.session() as session:
        rows = list(
            await session.exec(select(ConversationState).where(ConversationState.name == "ballot_sheet"))
        )
    assert len(rows) == 1 and state not in rows[0].state and sheet.token not in rows[0].key
    # The key is the poll's ref and a keyed hash: no "ref:person" in clear (a digit run such as
    # "12" may occur in any hash, so the check is on the shape, not on the digits).
    ref, derived = rows[0].key.split(":", 1)
    assert ref == poll.ref and f":{voter}" not in rows[0].key
    assert len(derived) >= 32 and all(c in "0123456789abcdef" for c in derived)
    # Once the poll is closed its sheets go.
    await ballots.close_poll(
        db, poll_id=poll.id, master_key=MASTER, now=bloc2.clock(), person_id=await pid(db, bloc2.head)
    )
    assert await ballot_sheets.forget_closed(db) == 1
    assert await ballot_sheets.load(db, poll_ref=poll.ref, person_id=voter, token=sheet.token) is None
