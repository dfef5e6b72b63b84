"""The meeting's details for the minutes, at the service level (issue 13): what is stored, what is
refused (and that a refusal changes nothing), and the counting committee a secret ballot needs."""

from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import select

from bot.services import ballots, minutes_details
from bot.services.ballots import OpenRefusal, Purpose
from bot.services.invites import NotAllowedError
from bot.services.minutes_details import DetailsRefusal
from models.meetings import Meeting
from models.vote_rules import RuleSet, needs_counting_committee
from tests.auxil.ballots import COUNTING_COMMITTEE, MASTER, Bloc2
from tests.auxil.people import pid

pytestmark = pytest.mark.meeting_room


async def _stored(bloc2: Bloc2) -> Meeting:
    async with bloc2.db.session() as session:
        meeting = await session.get(Meeting, bloc2.meeting_id)
    assert meeting is not None
    return meeting


def test_a_secret_ballot_needs_a_counting_committee_and_a_show_of_hands_does_not() -> None:
    assert needs_counting_committee(RuleSet(secret=True))
    assert not needs_counting_committee(RuleSet(secret=False))


async def test_names_are_stored_nfc_and_bad_ones_change_nothing(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=9)
    head, now = await pid(bloc2.db, bloc2.head), bloc2.clock()
    common = {"person_id": head, "meeting_id": bloc2.meeting_id, "now": now, "today": now.date()}
    decomposed = unicodedata.normalize("NFD", "  Trần   Thị Thư  ")
    details = await minutes_details.set_officer(bloc2.db, role="secretary", name=decomposed, **common)
    assert details.secretary == "Trần Thị Thư" and (await _stored(bloc2)).secretary_name == "Trần Thị Thư"
    for bad, reason in (("A" * 121, "name_long"), (" ", "name_empty"), ("Trần\u200bThư", "name_chars")):
        with pytest.raises(DetailsRefusal) as refused:
            await minutes_details.set_officer(bloc2.db, role="secretary", name=bad, **common)
        assert refused.value.reason == reason
    with pytest.raises(DetailsRefusal, match="place_long"):
        await minutes_details.set_place(bloc2.db, place="x" * 256, **common)
    for names, reason in (
        ([f"Người {n}" for n in "ABCDEFGH"], "committee_many"),
        (["Lê Văn A", "lê văn a"], "committee_twice"),
        (["", "  "], "committee_empty"),
    ):
        with pytest.raises(DetailsRefusal) as refused:
            await minutes_details.set_committee(bloc2.db, names=names, **common)
        assert refused.value.reason == reason
    stored = await _stored(bloc2)
    assert stored.secretary_name == "Trần Thị Thư" and stored.place == "Trường THPT Bùi Hữu Nghĩa"
    assert stored.counting_committee.splitlines() == COUNTING_COMMITTEE


async def test_only_the_blocs_people_are_picked_and_only_by_who_runs_it(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=9)
    head, now = await pid(bloc2.db, bloc2.head), bloc2.clock()
    people = await minutes_details.bloc_people(
        bloc2.db, person_id=head, meeting_id=bloc2.meeting_id, today=now.date()
    )
    assert len({p.unit_name for p in people if p.unit_name}) == 13
    common = {"meeting_id": bloc2.meeting_id, "now": now, "today": now.date()}
    picked = await minutes_details.set_officer(
        bloc2.db, person_id=head, role="secretary", chosen_person_id=people[1].person_id, **common
    )
    assert picked.secretary == people[1].name
    with pytest.raises(DetailsRefusal, match="not_in_bloc"):  # a forged id in the button data
        await minutes_details.set_officer(
            bloc2.db, person_id=head, role="chair", chosen_person_id=999_999, **common
        )
    rep = await pid(bloc2.db, bloc2.reps[3].user_id)
    with pytest.raises(NotAllowedError):
        await minutes_details.set_place(bloc2.db, person_id=rep, place="Nhà tôi", **common)
    assert (await _stored(bloc2)).place == "Trường THPT Bùi Hữu Nghĩa"


async def test_a_secret_ballot_does_not_open_without_a_counting_committee(bloc2: Bloc2) -> None:
    await bloc2.meeting(present=9)
    head, now = await pid(bloc2.db, bloc2.head), bloc2.clock()
    await minutes_details.clear_committee(
        bloc2.db, person_id=head, meeting_id=bloc2.meeting_id, now=now, today=now.date()
    )
    draft = await ballots.create_draft(
        bloc2.db,
        person_id=head,
        meeting_id=bloc2.meeting_id,
        purpose=Purpose.SELECTION,
        title="Cờ thi đua",
        now=now,
        seats=2,
    )
    assert draft.rules.secret
    with pytest.raises(OpenRefusal) as refused:
        await ballots.open_poll(bloc2.db, person_id=head, poll_id=draft.id, master_key=MASTER, now=now)
    assert refused.value.reason == "no_counting_committee"
    async with bloc2.db.session() as session:
        assert (await session.exec(select(Meeting))).one().counting_committee == ""
    # Named from the bloc's people one at a time, then it opens.
    people = await minutes_details.bloc_people(
        bloc2.db, person_id=head, meeting_id=bloc2.meeting_id, today=now.date()
    )
    for person in people[:2]:
        await minutes_details.add_to_committee(
            bloc2.db,
            person_id=head,
            meeting_id=bloc2.meeting_id,
            chosen_person_id=person.person_id,
            now=now,
            today=now.date(),
        )
    assert (await _stored(bloc2)).counting_committee.splitlines() == [p.name for p in people[:2]]
    opened = await ballots.open_poll(bloc2.db, person_id=head, poll_id=draft.id, master_key=MASTER, now=now)
    assert opened.poll.status.value == "open"
