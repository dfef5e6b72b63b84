"""The pure ballot rules: boundaries, ties, validity, rule sets, and a reference tally."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.vote_rules import (
    BallotKind,
    Choice,
    InvalidReason,
    RuleSet,
    ThresholdBase,
    TieRule,
    decode_ballot,
    election_rules,
    encode_ballot,
    format_percent,
    higher_title_rules,
    is_quorate,
    ordinary_title_rules,
    quorum_needed,
    runoff_candidates,
    runoff_rules,
    selection_rules,
    small_poll_warning,
    tally,
    tally_approval,
    tally_selection,
    validate_ballot,
    votes_needed,
)

pytestmark = pytest.mark.ballot

A, D, S, B = Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN, Choice.BLANK


# --------------------------------------------------------------------------- quorum


@pytest.mark.parametrize(
    ("present", "members", "quorate"),
    [(6, 9, True), (5, 9, False), (5, 8, False), (6, 8, True), (8, 12, True), (7, 12, False), (9, 13, True)],
)
def test_quorum_is_at_least_two_thirds_exactly(present: int, members: int, quorate: bool) -> None:
    assert is_quorate(present, members, ordinary_title_rules()) is quorate


def test_quorum_needed_values() -> None:
    rule = ordinary_title_rules()
    assert quorum_needed(9, rule) == 6
    assert quorum_needed(8, rule) == 6
    assert quorum_needed(12, rule) == 8
    assert quorum_needed(13, rule) == 9


def test_empty_electorate_is_never_quorate_and_bad_counts_refused() -> None:
    rule = ordinary_title_rules()
    assert is_quorate(0, 0, rule) is False
    with pytest.raises(ValueError):
        is_quorate(10, 9, rule)
    with pytest.raises(ValueError):
        is_quorate(-1, 9, rule)


# --------------------------------------------------------------------------- thresholds


def test_votes_needed_boundaries() -> None:
    assert votes_needed(10, Fraction(7, 10)) == 7
    assert votes_needed(100, Fraction(7, 10)) == 70
    assert votes_needed(13, Fraction(9, 10)) == 12  # 11.7 rounds up
    assert votes_needed(13, Fraction(2, 3)) == 9
    assert votes_needed(0, Fraction(7, 10)) == 0
    assert votes_needed(7, Fraction(0)) == 0
    assert votes_needed(7, Fraction(1)) == 7


def test_votes_needed_refuses_floats_and_bad_input() -> None:
    with pytest.raises(TypeError):
        votes_needed(10, 0.7)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        votes_needed(10, Fraction(3, 2))
    with pytest.raises(ValueError):
        votes_needed(-1, Fraction(1, 2))


def _approval(agree: int, others: int, kind: Choice = D) -> list[dict[str, Choice]]:
    return [{"X": A}] * agree + [{"X": kind}] * others


def test_seven_agree_of_ten_present_passes_seventy_percent() -> None:
    result = tally_approval(ordinary_title_rules(), ["X"], _approval(7, 3), members=13, present=10)
    line = result.by_id["X"]
    assert (line.votes, line.disagree, line.share, line.base_size, line.needed) == (
        7,
        3,
        Fraction(7, 10),
        10,
        7,
    )
    assert line.passed and line.elected
    assert result.elected == ("X",)


def test_six_agree_of_ten_present_fails() -> None:
    result = tally_approval(ordinary_title_rules(), ["X"], _approval(6, 4), members=13, present=10)
    assert not result.by_id["X"].passed
    assert result.elected == ()


def test_sixty_nine_of_a_hundred_fails_seventy_of_a_hundred_passes() -> None:
    rule = ordinary_title_rules()
    fail = tally_approval(rule, ["X"], _approval(69, 31), members=120, present=100)
    ok = tally_approval(rule, ["X"], _approval(70, 30), members=120, present=100)
    assert fail.by_id["X"].share == Fraction(69, 100) and not fail.by_id["X"].passed
    assert ok.by_id["X"].passed


def test_higher_title_needs_twelve_of_thirteen_members() -> None:
    rule = higher_title_rules()
    assert rule.secret and rule.absentee_allowed
    assert rule.threshold_base is ThresholdBase.ALL_MEMBERS and rule.threshold_fraction == Fraction(9, 10)
    # 10 in the room, 3 absentees voted by absentee ballot; the base is all 13 members.
    twelve = tally_approval(rule, ["X"], _approval(12, 1), members=13, present=10, absentee_voted=3)
    eleven = tally_approval(rule, ["X"], _approval(11, 2), members=13, present=10, absentee_voted=3)
    assert twelve.base_size == 13 and twelve.needed == 12 and twelve.by_id["X"].passed
    assert not eleven.by_id["X"].passed
    # Absent members who did not vote still count in the base: 12 agree of 12 voters of 14 fails.
    short = tally_approval(rule, ["X"], _approval(12, 0), members=14, present=10, absentee_voted=2)
    assert short.needed == 13 and not short.by_id["X"].passed


def test_present_base_includes_absentee_voters_when_allowed() -> None:
    # "người tham gia họp hoặc được xin ý kiến": 10 in the room + 2 consulted by absentee ballot = 12.
    rule = ordinary_title_rules().with_changes(absentee_allowed=True)
    result = tally_approval(rule, ["X"], _approval(8, 4), members=13, present=10, absentee_voted=2)
    assert result.base_size == 12 and result.needed == 9 and not result.by_id["X"].passed
    assert result.quorate  # the quorum counts only those in the room: 10 of 13 >= 9


def test_abstain_and_blank_count_as_not_agree() -> None:
    rule = ordinary_title_rules()
    ballots = [{"X": A}] * 6 + [{"X": S}, {"X": B}, {}, {"X": D}]
    result = tally_approval(rule, ["X"], ballots, members=12, present=10)
    line = result.by_id["X"]
    assert (line.votes, line.disagree, line.abstain, line.blank) == (6, 1, 1, 2)
    assert not line.passed  # 6/10, the four non-agree answers all count against
    assert result.blank_ballots == 2


def test_abstain_counts_against_even_with_voted_base() -> None:
    rule = ordinary_title_rules().with_changes(threshold_base=ThresholdBase.VOTED)
    ballots = [{"X": A}] * 6 + [{"X": S}] * 3  # 9 voted of 10 present
    result = tally_approval(rule, ["X"], ballots, members=12, present=10)
    assert result.base_size == 9 and result.needed == 7
    assert not result.by_id["X"].passed
    # With the voted base, members who did not vote do not count: 6 of 8 voted = 75 %.
    result = tally_approval(rule, ["X"], [{"X": A}] * 6 + [{"X": D}] * 2, members=12, present=10)
    assert result.base_size == 8 and result.by_id["X"].passed
    # The same ballots on the present base: 6 of 10 fails.
    present = tally_approval(
        ordinary_title_rules(), ["X"], [{"X": A}] * 6 + [{"X": D}] * 2, members=12, present=10
    )
    assert not present.by_id["X"].passed


def test_tally_refuses_inconsistent_counts() -> None:
    rule = ordinary_title_rules()
    with pytest.raises(ValueError):
        tally_approval(rule, ["X"], _approval(5, 0), members=13, present=4)
    with pytest.raises(ValueError):
        tally_approval(rule, ["X"], [], members=13, present=10, absentee_voted=1)  # no absentee voting
    with pytest.raises(ValueError):
        tally_approval(higher_title_rules(), ["X"], [], members=13, present=12, absentee_voted=2)
    with pytest.raises(ValueError):
        tally_selection(rule, ["X"], [], members=13, present=10)
    with pytest.raises(ValueError):
        tally_approval(rule, ["X", "X"], [], members=13, present=10)


def test_not_quorate_result_is_marked() -> None:
    result = tally_approval(ordinary_title_rules(), ["X"], _approval(8, 0), members=13, present=8)
    assert result.quorum_needed == 9 and result.quorate is False and result.decided is False


# --------------------------------------------------------------------------- selection, ties


def test_selection_seats_go_to_most_votes_among_those_reaching_threshold() -> None:
    rule = selection_rules(2).with_changes(threshold_fraction=Fraction(1, 2))
    ballots = [("P", "Q")] * 5 + [("P", "R")] * 2 + [("Q", "R")] * 2 + [("R", "S")]
    result = tally_selection(rule, ["P", "Q", "R", "S"], ballots, members=13, present=10)
    assert {c.candidate: c.votes for c in result.candidates} == {"P": 7, "Q": 7, "R": 5, "S": 1}
    # P and Q are level but both fit in the two seats; R reached 50 % but came third; S failed.
    assert result.elected == ("P", "Q") and result.tie is None
    assert [(c.passed, c.elected) for c in result.candidates] == [
        (True, True),
        (True, True),
        (True, False),
        (False, False),
    ]
    assert result.by_id["S"].blank == 9  # ballots that did not pick S
    assert result.by_id["R"].share == Fraction(1, 2)


def test_selection_with_default_seventy_percent() -> None:
    candidates = ["A", "B", "C", "D", "E"]
    ballots = [("A", "B", "C")] * 4 + [("A", "B", "D")] * 3 + [("A", "C", "D")] * 3
    result = tally_selection(selection_rules(3), candidates, ballots, members=13, present=10)
    assert {c.candidate: c.votes for c in result.candidates} == {"A": 10, "B": 7, "C": 7, "D": 6, "E": 0}
    assert result.elected == ("A", "B", "C") and result.tie is None and result.decided
    # One more person present: 70 % of 11 needs 8, so B, C and D (7 each) all fail; no tie among them.
    result = tally_selection(selection_rules(3), candidates, [*ballots, ("D",)], members=13, present=11)
    assert result.needed == 8 and result.by_id["D"].votes == 7
    assert result.elected == ("A",) and result.tie is None and result.unfilled_seats == 2


def test_tie_at_last_seat_is_reported_and_runoff_resolves_it() -> None:
    rule = selection_rules(3)
    candidates = ["A", "B", "C", "D", "E"]
    ballots = [("A", "B", "C")] * 3 + [("A", "B", "D")] * 3 + [("A", "C", "D")] * 2 + [("B", "C", "D")] * 2
    result = tally_selection(rule, candidates, ballots, members=13, present=10)
    assert {c.candidate: c.votes for c in result.candidates} == {"A": 8, "B": 8, "C": 7, "D": 7, "E": 0}
    assert result.elected == ("A", "B")
    assert result.tie is not None
    assert result.tie.candidates == ("C", "D") and result.tie.seats_left == 1 and result.tie.votes == 7
    assert result.tie_break is None and not result.decided
    assert runoff_candidates(result) == ("C", "D")
    assert result.by_id["C"].passed and not result.by_id["C"].elected and not result.by_id["D"].elected

    second = runoff_rules(rule, result.tie)
    assert (second.seats, second.max_choices, second.threshold_fraction) == (1, 1, 0)
    assert second.tie_rule is TieRule.RUNOFF and second.kind is BallotKind.SELECTION
    runoff = tally_selection(second, ["C", "D"], [("C",)] * 6 + [("D",)] * 3 + [()], members=13, present=10)
    assert runoff.elected == ("C",) and runoff.tie is None and runoff.blank_ballots == 1
    again = tally_selection(second, ["C", "D"], [("C",)] * 5 + [("D",)] * 5, members=13, present=10)
    assert again.tie is not None and runoff_candidates(again) == ("C", "D")


def _four_level_for_three() -> list[tuple[str, ...]]:
    # 10 present, 3 picks each: A, B, C, D 7 each, E 2 -> four level for three seats.
    return (
        [("B", "C", "D")] * 2
        + [("A", "C", "D")] * 2
        + [("A", "B", "D")] * 2
        + [("A", "B", "C")] * 2
        + [("A", "B", "E"), ("C", "D", "E")]
    )


def test_many_level_for_all_seats_is_a_tie_with_no_winner() -> None:
    candidates = ["A", "B", "C", "D", "E"]
    result = tally_selection(selection_rules(3), candidates, _four_level_for_three(), members=13, present=10)
    assert {c.candidate: c.votes for c in result.candidates} == {"A": 7, "B": 7, "C": 7, "D": 7, "E": 2}
    assert result.elected == ()
    assert result.tie is not None and result.tie.candidates == ("A", "B", "C", "D")
    assert result.tie.seats_left == 3
    assert not any(c.elected for c in result.candidates)


def test_prefer_women_breaks_a_tie_and_says_so() -> None:
    rule = selection_rules(3).with_changes(tie_rule=TieRule.PREFER_WOMEN)
    candidates = ["A", "B", "C", "D", "E"]
    ballots = [("A", "B", "C")] * 3 + [("A", "B", "D")] * 3 + [("A", "C", "D")] * 2 + [("B", "C", "D")] * 2

    women = tally_selection(rule, candidates, ballots, members=13, present=10, women_preferred={"D": True})
    assert women.elected == ("A", "B", "D") and women.tie is None and women.decided
    assert women.tie_break is not None
    assert women.tie_break.rule is TieRule.PREFER_WOMEN
    assert women.tie_break.level == ("C", "D") and women.tie_break.seated == ("D",)

    # Both level candidates preferred: still level, so a run-off between them.
    both = tally_selection(
        rule, candidates, ballots, members=13, present=10, women_preferred={"C": True, "D": True}
    )
    assert both.elected == ("A", "B") and both.tie is not None and runoff_candidates(both) == ("C", "D")

    # Nobody level is preferred (A is, but A is not level): plain run-off, no tie break recorded.
    none = tally_selection(rule, candidates, ballots, members=13, present=10, women_preferred={"A": True})
    assert none.tie is not None and none.tie_break is None and runoff_candidates(none) == ("C", "D")
    # Without the map the rule cannot act: still a tie, never a silent pick.
    missing = tally_selection(rule, candidates, ballots, members=13, present=10)
    assert missing.tie is not None and runoff_candidates(missing) == ("C", "D")


def test_prefer_women_partly_resolves_a_tie() -> None:
    rule = selection_rules(3).with_changes(tie_rule=TieRule.PREFER_WOMEN)
    candidates = ["A", "B", "C", "D", "E"]
    ballots = _four_level_for_three()
    one = tally_selection(rule, candidates, ballots, members=13, present=10, women_preferred={"C": True})
    assert one.elected == ("C",)
    assert one.tie is not None and one.tie.candidates == ("A", "B", "D") and one.tie.seats_left == 2
    assert one.tie_break is not None and one.tie_break.seated == ("C",)
    assert one.tie_break.level == ("A", "B", "C", "D")

    three = {"A": True, "C": True, "D": True}
    settled = tally_selection(rule, candidates, ballots, members=13, present=10, women_preferred=three)
    assert settled.elected == ("A", "C", "D") and settled.tie is None

    four = dict.fromkeys("ABCD", True)
    level = tally_selection(rule, candidates, ballots, members=13, present=10, women_preferred=four)
    assert level.elected == () and level.tie is not None and level.tie.candidates == ("A", "B", "C", "D")
    assert level.tie_break is not None and level.tie_break.seated == ()


def test_election_of_head() -> None:
    rule = election_rules()
    assert rule.kind is BallotKind.ELECTION and rule.seats == 1 and rule.max_choices == 1
    units = ["U1", "U2", "U3"]
    won = tally(rule, units, [("U1",)] * 6 + [("U2",)] * 4, members=13, present=10)
    assert won.elected == ("U1",) and won.tie is None
    split = tally(rule, units, [("U1",)] * 5 + [("U2",)] * 5, members=13, present=10)
    assert split.elected == () and split.tie is not None and runoff_candidates(split) == ("U1", "U2")
    scattered = tally(rule, units, [("U1",)] * 4 + [("U2",)] * 3 + [("U3",)] * 3, members=13, present=10)
    assert scattered.elected == () and scattered.tie is None and scattered.unfilled_seats == 1


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize(
    ("ballot", "reason"),
    [
        (("A", "B"), None),
        ((), None),
        (("A", "B", "C"), InvalidReason.TOO_MANY_CHOICES),
        (("A", "Z"), InvalidReason.UNKNOWN_CANDIDATE),
        (["A", "A"], InvalidReason.DUPLICATE_CHOICE),
        (("SELF",), InvalidReason.SELF_VOTE),
        ("AB", InvalidReason.MALFORMED),
        ({"A": Choice.AGREE}, InvalidReason.MALFORMED),
        (42, InvalidReason.MALFORMED),
        ((True,), InvalidReason.MALFORMED),
    ],
)
def test_selection_ballot_validity(ballot: object, reason: InvalidReason | None) -> None:
    rule = selection_rules(2)
    assert validate_ballot(rule, ballot, ["A", "B", "C", "SELF"], voter_candidate="SELF") == reason


def test_min_choices_and_allowed_self_vote() -> None:
    rule = selection_rules(2).with_changes(min_choices=1, self_vote_allowed=True)
    assert validate_ballot(rule, (), ["A", "B"]) is InvalidReason.TOO_FEW_CHOICES
    assert validate_ballot(rule, ("A",), ["A", "B"], voter_candidate="A") is None
    assert validate_ballot(election_rules(), ("A", "B"), ["A", "B"]) is InvalidReason.TOO_MANY_CHOICES


@pytest.mark.parametrize(
    ("ballot", "reason"),
    [
        ({"A": A, "B": D, "C": S}, None),
        ({}, None),
        ({"A": B}, None),
        ({"Z": A}, InvalidReason.UNKNOWN_CANDIDATE),
        ({"A": "agree"}, InvalidReason.BAD_CHOICE),
        ({"A": None}, InvalidReason.BAD_CHOICE),
        ({"SELF": A}, InvalidReason.SELF_VOTE),
        ({"SELF": S}, InvalidReason.SELF_VOTE),
        ({"SELF": B}, None),
        (("A",), InvalidReason.MALFORMED),
    ],
)
def test_approval_ballot_validity(ballot: object, reason: InvalidReason | None) -> None:
    rule = ordinary_title_rules().with_changes(self_vote_allowed=False)
    assert validate_ballot(rule, ballot, ["A", "B", "C", "SELF"], voter_candidate="SELF") == reason


def test_approval_self_vote_allowed_by_default() -> None:
    assert validate_ballot(ordinary_title_rules(), {"SELF": A}, ["SELF"], voter_candidate="SELF") is None


def test_invalid_ballots_in_a_tally_count_as_blank() -> None:
    rule = selection_rules(1)
    result = tally_selection(
        rule, ["A", "B"], [("A",)] * 7 + [("A", "B"), ("Z",), ()], members=12, present=10
    )
    assert result.invalid == 2 and result.blank_ballots == 3 and result.voted == 10
    assert result.by_id["A"].votes == 7 and result.by_id["B"].votes == 0
    approval = tally_approval(ordinary_title_rules(), ["A"], [{"A": A}, {"A": "agree"}], members=3, present=3)
    assert approval.invalid == 1 and approval.by_id["A"].votes == 1 and approval.by_id["A"].blank == 1


# --------------------------------------------------------------------------- rule sets


@pytest.mark.parametrize(
    "rule",
    [
        ordinary_title_rules(),
        higher_title_rules(),
        selection_rules(2),
        selection_rules(3),
        election_rules(),
        RuleSet(
            quorum_fraction=Fraction(1, 2), threshold_fraction=Fraction(1), tie_rule=TieRule.PREFER_WOMEN
        ),
    ],
)
def test_ruleset_round_trip_through_json(rule: RuleSet) -> None:
    data = rule.to_dict()
    restored = RuleSet.from_dict(json.loads(json.dumps(data)))
    assert restored == rule
    assert isinstance(restored.quorum_fraction, Fraction)
    assert data["quorum_fraction"] == f"{rule.quorum_fraction.numerator}/{rule.quorum_fraction.denominator}"


def test_ruleset_defaults() -> None:
    rule = ordinary_title_rules()
    assert rule.to_dict() == {
        "version": 1,
        "kind": "approval",
        "quorum_fraction": "2/3",
        "quorum_base": "all_members",
        "threshold_fraction": "7/10",
        "threshold_base": "present",
        "secret": True,
        "absentee_allowed": False,
        "min_choices": 0,
        "max_choices": None,
        "seats": None,
        "self_vote_allowed": True,
        "tie_rule": "runoff",
    }
    flags = selection_rules(2)
    assert (flags.seats, flags.max_choices, flags.threshold_fraction, flags.self_vote_allowed) == (
        2,
        2,
        Fraction(7, 10),
        False,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"threshold_fraction": 0.7},
        {"threshold_fraction": "0.7"},
        {"threshold_fraction": "7/0"},
        {"quorum_fraction": "4/3"},
        {"quorum_base": "present"},
        {"seats": 0},
        {"max_choices": 0},
        {"secret": "yes"},
        {"tie_rule": "coin_flip"},
        {"min_choices": True},
        {"version": 2},
        {"colour": "red"},
    ],
)
def test_ruleset_from_dict_refuses_bad_data(change: dict[str, object]) -> None:
    data = {**ordinary_title_rules().to_dict(), **change}
    with pytest.raises((ValueError, TypeError)):
        RuleSet.from_dict(data)


def test_ruleset_refuses_missing_key_and_float() -> None:
    data = ordinary_title_rules().to_dict()
    del data["tie_rule"]
    with pytest.raises(ValueError):
        RuleSet.from_dict(data)
    with pytest.raises(TypeError):
        RuleSet(threshold_fraction=0.7)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RuleSet(kind=BallotKind.SELECTION)  # seats are required
    with pytest.raises(ValueError):
        RuleSet(kind=BallotKind.ELECTION, seats=2, max_choices=2)
    with pytest.raises(ValueError):
        RuleSet(min_choices=3, max_choices=2)


# --------------------------------------------------------------------------- display, warnings


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (Fraction(12, 13), "92.31%"),
        (Fraction(2, 3), "66.67%"),
        (Fraction(7, 10), "70.00%"),
        (Fraction(1), "100.00%"),
        (Fraction(0), "0.00%"),
        (Fraction(1, 800), "0.13%"),  # 0.125 % rounds half up, not to even
        (Fraction(3, 800), "0.38%"),
        (Fraction(69, 100), "69.00%"),
    ],
)
def test_format_percent(share: Fraction, text: str) -> None:
    assert format_percent(share) == text


def test_format_percent_decimal_comma() -> None:
    assert format_percent(Fraction(12, 13), decimal_mark=",") == "92,31%"


def test_small_poll_warning() -> None:
    assert small_poll_warning(0) and small_poll_warning(4)
    assert not small_poll_warning(5) and not small_poll_warning(13)
    result = tally_selection(selection_rules(1), ["A"], [("A",)] * 4, members=5, present=4)
    assert result.small_poll


# --------------------------------------------------------------------------- canonical bytes


def test_encode_decode_ballots() -> None:
    approval = {"B": D, "A": A, 7: S, "C": B}
    data = encode_ballot(BallotKind.APPROVAL, approval)
    assert data == encode_ballot(BallotKind.APPROVAL, {7: S, "A": A, "B": D})
    assert decode_ballot(BallotKind.APPROVAL, data) == {"A": A, "B": D, 7: S}
    selection = encode_ballot(BallotKind.SELECTION, ["B", 3, "A"])
    assert decode_ballot(BallotKind.SELECTION, selection) == frozenset({"A", "B", 3})
    with pytest.raises(ValueError):
        decode_ballot(BallotKind.ELECTION, selection)  # another kind
    for bad in (b"\xff", b"[]", b'{"k":"selection","v":["A","A"]}', b'{"k":"approval","v":[["A","yes"]]}'):
        kind = BallotKind.SELECTION if b"selection" in bad else BallotKind.APPROVAL
        with pytest.raises(ValueError):
            decode_ballot(kind, bad)


# --------------------------------------------------------------------------- reference tally


def _reference_seats(passed: dict[str, int], seats: int | None) -> tuple[set[str], set[str]]:
    """Winners and tied, from "how many passed candidates beat me", independently of the module."""
    if seats is None or len(passed) <= seats:
        return set(passed), set()
    winners, tied = set(), set()
    for c, v in passed.items():
        better = sum(1 for w in passed.values() if w > v)
        level = sum(1 for w in passed.values() if w == v)
        if better + level <= seats:
            winners.add(c)
        elif better < seats:
            tied.add(c)
    return winners, tied


@st.composite
def electorates(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from([BallotKind.APPROVAL, BallotKind.SELECTION]))
    n = draw(st.integers(1, 7))
    candidates = [f"c{i}" for i in range(n)]
    members = draw(st.integers(1, 25))
    present = draw(st.integers(0, members))
    voters = draw(st.integers(0, present))
    base = draw(st.sampled_from(list(ThresholdBase)))
    fraction = Fraction(draw(st.integers(0, 20)), 20)
    if kind is BallotKind.APPROVAL:
        seats = draw(st.none() | st.integers(1, n))
        rule = RuleSet(kind=kind, threshold_fraction=fraction, threshold_base=base, seats=seats)
        ballots: list[object] = [
            {
                c: a
                for c in candidates
                if (a := draw(st.sampled_from(list(Choice)))) is not B or draw(st.booleans())
            }
            for _ in range(voters)
        ]
    else:
        seats = draw(st.integers(1, n))
        rule = RuleSet(
            kind=kind, threshold_fraction=fraction, threshold_base=base, seats=seats, max_choices=seats
        )
        ballots = [
            tuple(draw(st.lists(st.sampled_from([*candidates, "intruder"]), unique=True, max_size=seats + 1)))
            for _ in range(voters)
        ]
    return {
        "rule": rule,
        "candidates": candidates,
        "members": members,
        "present": present,
        "ballots": ballots,
    }


@settings(max_examples=300, deadline=None)
@given(electorates())
def test_tally_matches_reference_count(e: dict[str, object]) -> None:
    rule: RuleSet = e["rule"]  # type: ignore[assignment]
    candidates: list[str] = e["candidates"]  # type: ignore[assignment]
    ballots: list = e["ballots"]  # type: ignore[assignment]
    members: int = e["members"]  # type: ignore[assignment]
    present: int = e["present"]  # type: ignore[assignment]
    result = tally(rule, candidates, ballots, members=members, present=present)

    # The reference: count by hand, invalid ballots (too many picks, unknown name) as blank.
    def valid(ballot: object) -> bool:
        if rule.kind is BallotKind.APPROVAL:
            return True
        return len(ballot) <= rule.seats and all(c in candidates for c in ballot)  # type: ignore[arg-type,operator]

    agree = {c: 0 for c in candidates}
    other = {c: 0 for c in candidates}
    for ballot in ballots:
        for c in candidates:
            if valid(ballot) and (
                ballot.get(c) == Choice.AGREE if isinstance(ballot, dict) else c in ballot  # type: ignore[operator]
            ):
                agree[c] += 1
            else:
                other[c] += 1
    base = {
        ThresholdBase.PRESENT: present,
        ThresholdBase.VOTED: len(ballots),
        ThresholdBase.ALL_MEMBERS: members,
    }[rule.threshold_base]
    f = rule.threshold_fraction
    passed = {
        c: agree[c]
        for c in candidates
        if base and agree[c] and agree[c] * f.denominator >= f.numerator * base
    }
    winners, tied = _reference_seats(passed, rule.seats)

    assert result.voted == len(ballots)
    assert result.invalid == sum(1 for b in ballots if not valid(b))
    assert result.base_size == base
    for line in result.candidates:
        assert line.votes == agree[line.candidate]
        assert line.disagree + line.abstain + line.blank == other[line.candidate]
        assert line.share == (Fraction(agree[line.candidate], base) if base else 0)
        assert line.passed == (line.candidate in passed)
        assert line.elected == (line.candidate in winners)
    assert set(result.elected) == winners
    assert set(runoff_candidates(result)) == tied
    assert list(result.elected) == sorted(result.elected, key=lambda c: -agree[c])
    if result.tie is not None:
        assert len(result.elected) + result.tie.seats_left == rule.seats
        assert len(result.tie.candidates) > result.tie.seats_left
    assert result.quorate == (members > 0 and 3 * present >= 2 * members)
