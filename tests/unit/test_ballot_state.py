"""A voter's unfinished ballot: the button grammar (Telegram) and a whole ballot typed in one
message (Zalo). Pure functions: what is accepted becomes a state, what breaks a rule is refused
with the rule it breaks, and nothing else happens."""

from __future__ import annotations

import pytest

from models.ballot_state import (
    Refusal,
    Shape,
    decode,
    empty_state,
    parse_typed,
    set_answer,
    toggle_pick,
    valid_state,
)
from models.vote_rules import BallotKind, Choice

pytestmark = [pytest.mark.ballot, pytest.mark.zalo]

APPROVAL = Shape(BallotKind.APPROVAL, 3)
# 2 Cờ thi đua among 6 units; the voter's own unit is the 4th and may not be picked.
PICK_TWO = Shape(BallotKind.SELECTION, 6, max_choices=2, own_index=3, self_vote_allowed=False)


@pytest.mark.parametrize(
    ("typed", "state"),
    [
        ("1a 2d 3b", "adb"),
        ("1A, 2D, 3B", "adb"),  # capitals and commas, as phones type them
        ("3b 1a", "a-b"),  # any order; a candidate left out is blank
        ("1a2d3b", "adb"),  # no spaces
        ("１ａ ２ｄ", "ad-"),  # full-width keyboard
    ],
)
def test_an_approval_ballot_typed_in_one_message(typed: str, state: str) -> None:
    assert parse_typed(APPROVAL, typed) == state
    assert valid_state(APPROVAL, state)


def test_the_typed_state_decodes_to_the_ballot_cast() -> None:
    state = parse_typed(APPROVAL, "1a 2d")
    assert isinstance(state, str)
    assert decode([11, 12, 13], APPROVAL, state) == {11: Choice.AGREE, 12: Choice.DISAGREE}
    picks = parse_typed(PICK_TWO, "5 2")
    assert isinstance(picks, str)
    assert decode([1, 2, 3, 4, 5, 6], PICK_TWO, picks) == frozenset({2, 5})


@pytest.mark.parametrize(
    ("typed", "reason", "params"),
    [
        ("1a 2x 3b", "bad_letter", {"number": 2, "letter": "x"}),  # a letter other than a/d/b
        ("1đ", "bad_letter", {"number": 1, "letter": "đ"}),
        ("1a 4d", "out_of_range", {"number": 4, "size": 3}),
        ("0a", "out_of_range", {"number": 0, "size": 3}),
        ("1a 1d", "twice", {"number": 1}),
        ("1 2", "no_letter", {"number": 1}),
        ("đồng ý hết", "unreadable", {}),
        ("   ", "unreadable", {}),
    ],
)
def test_an_approval_ballot_that_breaks_a_rule_is_refused_with_why(
    typed: str, reason: str, params: dict[str, object]
) -> None:
    assert parse_typed(APPROVAL, typed) == Refusal(reason, params)


@pytest.mark.parametrize(
    ("typed", "state"),
    [("2 5", "14"), ("5,2", "14"), ("1", "0"), ("0", "")],  # "0": nobody picked, a blank ballot
)
def test_a_pick_typed_in_one_message(typed: str, state: str) -> None:
    assert parse_typed(PICK_TWO, typed) == state
    assert valid_state(PICK_TWO, state)


@pytest.mark.parametrize(
    ("typed", "reason", "params"),
    [
        ("1 2 5", "limit", {"max": 2}),  # too many picks
        ("2 4", "self_vote", {"number": 4}),  # own unit
        ("2 7", "out_of_range", {"number": 7, "size": 6}),  # a number out of range
        ("2 2", "twice", {"number": 2}),
        ("2a", "unreadable", {}),
        ("hai", "unreadable", {}),
    ],
)
def test_a_pick_that_breaks_a_rule_is_refused_with_why(
    typed: str, reason: str, params: dict[str, object]
) -> None:
    assert parse_typed(PICK_TWO, typed) == Refusal(reason, params)


def test_own_unit_may_be_picked_where_the_rules_allow_it() -> None:
    election = Shape(BallotKind.ELECTION, 6, max_choices=1, own_index=3, self_vote_allowed=True)
    assert parse_typed(election, "4") == "3"


def test_the_buttons_grammar() -> None:
    state = empty_state(APPROVAL)
    assert state == "---"
    state = set_answer(APPROVAL, state, 1, "d")
    assert state == "-d-"
    assert set_answer(APPROVAL, "-d-", 1, "d") == "---"  # a second tap clears the answer
    assert set_answer(APPROVAL, "---", 3, "a") == Refusal("stale")
    assert set_answer(APPROVAL, "---", 0, "x") == Refusal("stale")
    assert toggle_pick(PICK_TWO, "", 1) == "1"
    assert toggle_pick(PICK_TWO, "1", 1) == ""
    assert toggle_pick(PICK_TWO, "1", 3) == Refusal("self_vote")
    assert toggle_pick(PICK_TWO, "14", 0) == Refusal("limit", {"max": 2})
    for forged in ("zz", "41", "11", "x"):
        assert not valid_state(PICK_TWO, forged)
    assert not valid_state(APPROVAL, "ad")
    assert not valid_state(APPROVAL, "adx")
