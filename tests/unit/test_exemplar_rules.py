"""The pure rules of issue 18: the conference list (cap, 70/30 split, quotas, duplicates) and the
nomination's checks and moves (the school's vote required, one per person per title per year)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from models.conference import (
    MAX_DELEGATES,
    PROGRAMME,
    check_list,
    check_planned,
    guests_to_remove,
    max_guests,
)
from models.nominations import (
    Action,
    Draft,
    NominationStatus,
    NomineeKind,
    Problem,
    Title,
    VoteKind,
    council_rules,
    needs_council,
    next_status,
    parse_years,
    problems,
)
from models.text import name_key
from models.vote_rules import ThresholdBase

pytestmark = pytest.mark.exemplars
QUOTAS = {1: 70, 2: 70}


def exemplars(a: int, b: int) -> dict[int, int]:
    return {1: a, 2: b}


# --------------------------------------------------------------------------- conference
def test_140_exemplars_and_60_guests_are_accepted() -> None:
    assert check_list(exemplars(70, 70), 60, QUOTAS).ok


def test_141_exemplars_and_60_guests_are_one_over_the_cap() -> None:
    check = check_list(exemplars(70, 71), 60, {1: 70, 2: 71})
    assert not check.ok and check.over_cap == 1
    assert check.guests_over == 0  # 60 of 201 is under 30 %: only the cap is broken


def test_139_exemplars_and_61_guests_have_too_many_guests() -> None:
    check = check_list(exemplars(70, 69), 61, QUOTAS)
    assert not check.ok and check.over_cap == 0
    # Removing one guest leaves 60 of 199 (30.15 %), still over: two must go (59 of 198).
    assert check.guests_over == 2


def test_a_unit_over_its_quota_is_refused_and_told_by_how_much() -> None:
    check = check_list({1: 12, 2: 5}, 5, {1: 10, 2: 5})
    assert not check.ok and dict(check.over_quota) == {1: 2}
    assert check.over_cap == 0 and check.guests_over == 0


def test_a_unit_without_a_quota_cannot_send_exemplars() -> None:
    check = check_list({1: 3, 9: 1}, 0, {1: 10})
    assert check.no_quota == (9,)


def test_a_name_given_twice_is_refused_whatever_its_spelling() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # NFD, as some keyboards send it
    check = check_list({1: 3}, 0, {1: 10}, names=["Nguyễn Văn An", "Trần Thị Bình", decomposed.upper()])
    assert check.duplicates == (decomposed.upper(),)


@pytest.mark.parametrize("total", range(0, MAX_DELEGATES + 1))
def test_guests_allowed_are_exactly_30_percent_rounded_down(total: int) -> None:
    allowed = max_guests(total)
    assert Fraction(allowed, max(total, 1)) <= Fraction(3, 10) or total == 0
    assert Fraction(allowed + 1, total or 1) > Fraction(3, 10)
    # And the advice "remove k guests" always lands inside the rule, never one more than needed.
    guests = min(total, allowed + 7)
    k = guests_to_remove(total - guests, guests)
    assert (guests - k) * 10 <= (total - k) * 3
    if k:
        assert (guests - k + 1) * 10 > (total - k + 1) * 3


def test_the_programme_is_the_seeds_half_day_in_order() -> None:
    assert PROGRAMME[0] == "Chào cờ" and PROGRAMME[-1] == "Tổng kết và bế mạc"
    assert "Thông qua danh sách đại biểu đi dự Đại hội cấp trên" in PROGRAMME


# --------------------------------------------------------------------------- nominations
def draft(**changes: object) -> Draft:
    base: dict[str, object] = {
        "kind": NomineeKind.PERSON,
        "title": Title.EXEMPLAR,
        "full_name": "Lê Thị Hoa",
        "achievements": "Giáo viên dạy giỏi cấp huyện ba năm liền",
        "vote_kind": VoteKind.PAPER,
        "minutes_file_key": "ab" * 32,
    }
    base.update(changes)
    return Draft(**base)  # type: ignore[arg-type]


def test_a_complete_nomination_has_no_problem() -> None:
    assert problems(draft(), already=[]) == []


def test_a_nomination_without_the_schools_vote_is_refused() -> None:
    assert problems(draft(vote_kind=None), already=[]) == [Problem.NO_VOTE]
    assert problems(draft(minutes_file_key=None), already=[]) == [Problem.NO_VOTE]
    assert problems(draft(vote_kind=VoteKind.MEETING, minutes_file_key=None), already=[]) == [
        Problem.VOTE_NOT_PASSED
    ]
    assert problems(draft(vote_kind=VoteKind.MEETING, vote_passed=True), already=[]) == []


def test_a_person_already_nominated_this_year_for_the_title_is_refused() -> None:
    assert problems(draft(full_name="LÊ THỊ  HOA"), already=[name_key("Lê Thị Hoa")]) == [
        Problem.ALREADY_NOMINATED
    ]


def test_the_desk_moves_a_nomination_only_along_its_path() -> None:
    s = NominationStatus
    assert next_status(s.SUBMITTED, Action.RETURN) is s.RETURNED
    assert next_status(s.RETURNED, Action.RESUBMIT) is s.SUBMITTED
    assert next_status(s.SUBMITTED, Action.ACCEPT) is s.ACCEPTED
    assert next_status(s.SUBMITTED, Action.REJECT) is s.REJECTED
    assert next_status(s.ACCEPTED, Action.REJECT) is None  # decided stays decided
    assert next_status(s.REJECTED, Action.RESUBMIT) is None
    assert next_status(s.RETURNED, Action.ACCEPT) is None  # the school has it, not the desk


def test_the_city_title_goes_to_the_council_at_90_percent_of_all_members() -> None:
    assert needs_council(Title.CSTD_CITY) and not needs_council(Title.EXEMPLAR)
    rules = council_rules()
    assert rules.threshold_fraction == Fraction(9, 10)
    assert rules.threshold_base is ThresholdBase.ALL_MEMBERS and rules.absentee_allowed and rules.secret


@pytest.mark.parametrize(("text", "years"), [("12", 12), ("12 năm", 12), ("0", 0), ("61", None), ("x", None)])
def test_years_of_teaching(text: str, years: int | None) -> None:
    assert parse_years(text) == years


def test_guests_may_be_named_before_every_unit_has_answered() -> None:
    assert check_planned({1: 10}, 60, QUOTAS).ok  # 140 seats allocated + 60 guests
    over = check_planned({1: 10}, 61, QUOTAS)
    assert over.over_cap == 1 and over.guests_over == 1  # 61 of 201; 60 of 200 is exactly 30 %
