"""The pure rules of a ballot: quorum, thresholds, seats, ties, validity, tally.

No database, no Telegram, no I/O, no floats. Every number that decides something is an exact
``Fraction`` or an integer computed from one, because "at least 2/3" and "at least 90 %" are legal
boundaries: 6 of 9 is a quorum, 11.7 votes are not 11. A rule set is data stored with each poll
(docs/domain.md "Vote rules"; seed 004 §II.5-7), so changing the defaults never changes a closed poll.

Ballots handled here are already decoded (plain Python values):

* an approval ballot is a mapping ``candidate -> Choice``; a candidate left out is ``BLANK``;
* a selection / election ballot is a collection of the candidates picked; empty is a blank ballot.

``encode_ballot`` / ``decode_ballot`` turn them into the canonical bytes that get sealed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from fractions import Fraction
from typing import Any

CandidateId = int | str
"""A unit (or person) on the ballot: the service layer's id, an int or a str."""

SMALL_POLL_VOTERS = 5
"""Below this many voters the per-option counts may reveal how somebody voted."""

RULESET_VERSION = 1


class ThresholdBase(StrEnum):
    """What a percentage is "of": the people present, the ballots cast, or every member."""

    PRESENT = "present"
    VOTED = "voted"
    ALL_MEMBERS = "all_members"


class TieRule(StrEnum):
    """What happens when candidates are level at the last seat.

    RUNOFF reports the tie and offers a run-off; it is never broken silently. PREFER_WOMEN is the
    optional later rule (a woman, or a collective with at least 70 % women, wins when level); if
    that still leaves a tie, it falls back to a run-off among those still level.
    """

    RUNOFF = "runoff"
    PREFER_WOMEN = "prefer_women"


class BallotKind(StrEnum):
    """APPROVAL: agree/disagree/abstain per candidate. SELECTION: pick up to k of n for k seats.
    ELECTION: one office (head, or deputy) = a selection with one seat; run one poll per office."""

    APPROVAL = "approval"
    SELECTION = "selection"
    ELECTION = "election"


class Choice(StrEnum):
    """An answer on an approval ballot. BLANK is "no answer" and counts as not-agree."""

    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"
    BLANK = "blank"


ApprovalBallot = Mapping[CandidateId, Choice]
SelectionBallot = Collection[CandidateId]
Ballot = ApprovalBallot | SelectionBallot


class InvalidReason(StrEnum):
    """Why a ballot is refused; the service maps each code to a catalogue message."""

    MALFORMED = "malformed"
    UNKNOWN_CANDIDATE = "unknown_candidate"
    DUPLICATE_CHOICE = "duplicate_choice"
    BAD_CHOICE = "bad_choice"
    SELF_VOTE = "self_vote"
    TOO_MANY_CHOICES = "too_many_choices"
    TOO_FEW_CHOICES = "too_few_choices"


# --------------------------------------------------------------------------- rule sets


def _as_fraction(value: Any, name: str) -> Fraction:
    # Floats are refused on purpose: 0.7 is not 7/10 in binary, and a boundary case would flip.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"{name} must be a Fraction or an int, not {type(value).__name__}")
    fraction = Fraction(value)
    if not 0 <= fraction <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {fraction}")
    return fraction


def _check_int(value: Any, name: str, *, minimum: int, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


@dataclass(frozen=True)
class RuleSet:
    """Everything that decides a ballot, stored as data with the poll.

    ``max_choices`` / ``seats`` of ``None`` mean "no limit" (an approval ballot may answer every
    candidate and every candidate reaching the threshold passes). The quorum is always counted on
    all members: a quorum "of those present" would be meaningless.
    """

    kind: BallotKind = BallotKind.APPROVAL
    quorum_fraction: Fraction = Fraction(2, 3)
    quorum_base: ThresholdBase = ThresholdBase.ALL_MEMBERS
    threshold_fraction: Fraction = Fraction(7, 10)
    threshold_base: ThresholdBase = ThresholdBase.PRESENT
    secret: bool = True
    absentee_allowed: bool = False
    min_choices: int = 0
    max_choices: int | None = None
    seats: int | None = None
    self_vote_allowed: bool = True
    tie_rule: TieRule = TieRule.RUNOFF

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", BallotKind(self.kind))
        set_(self, "quorum_base", ThresholdBase(self.quorum_base))
        set_(self, "threshold_base", ThresholdBase(self.threshold_base))
        set_(self, "tie_rule", TieRule(self.tie_rule))
        set_(self, "quorum_fraction", _as_fraction(self.quorum_fraction, "quorum_fraction"))
        set_(self, "threshold_fraction", _as_fraction(self.threshold_fraction, "threshold_fraction"))
        for name in ("secret", "absentee_allowed", "self_vote_allowed"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool")
        if self.quorum_base is not ThresholdBase.ALL_MEMBERS:
            raise ValueError("the quorum is always counted on all members")
        _check_int(self.min_choices, "min_choices", minimum=0)
        _check_int(self.max_choices, "max_choices", minimum=1, optional=True)
        _check_int(self.seats, "seats", minimum=1, optional=True)
        if self.max_choices is not None and self.max_choices < self.min_choices:
            raise ValueError("max_choices is smaller than min_choices")
        if self.kind is not BallotKind.APPROVAL and (self.seats is None or self.max_choices is None):
            raise ValueError(f"a {self.kind} ballot needs seats and max_choices")
        if self.kind is BallotKind.ELECTION and (self.seats != 1 or self.max_choices != 1):
            raise ValueError("an election fills one office: seats = max_choices = 1")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (fractions as "2/3") stored with the poll."""
        data: dict[str, Any] = {"version": RULESET_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Fraction):
                value = f"{value.numerator}/{value.denominator}"
            elif isinstance(value, StrEnum):
                value = value.value
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Strict inverse of ``to_dict``: every key required, unknown keys refused, so a typo in
        stored data fails loudly instead of silently falling back to a default."""
        if data.get("version") != RULESET_VERSION:
            raise ValueError(f"unsupported rule set version: {data.get('version')!r}")
        names = {f.name for f in fields(cls)}
        given = set(data) - {"version"}
        if given != names:
            missing, unknown = sorted(names - given), sorted(given - names)
            raise ValueError(f"bad rule set keys: missing {missing}, unknown {unknown}")
        kwargs: dict[str, Any] = {k: data[k] for k in names}
        for name in ("quorum_fraction", "threshold_fraction"):
            kwargs[name] = _parse_fraction(kwargs[name], name)
        return cls(**kwargs)

    def with_changes(self, **changes: Any) -> RuleSet:
        """A copy with some rules changed (the head edits rules before opening)."""
        return RuleSet.from_dict({**self.to_dict(), **{k: _jsonable(v) for k, v in changes.items()}})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return value


def _parse_fraction(value: Any, name: str) -> Fraction:
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError(f"{name} must be a string like '2/3', got {value!r}")
    numerator, denominator = value.split("/")
    if not (numerator.isdigit() and denominator.isdigit()) or int(denominator) == 0:
        raise ValueError(f"{name} must be a string like '2/3', got {value!r}")
    return Fraction(int(numerator), int(denominator))


def ordinary_title_rules() -> RuleSet:
    """Lao động tiên tiến, Tập thể lao động xuất sắc, Cờ thi đua, Bằng khen … (seed 004 §II.6):
    at least 70 % agree of those attending or consulted; secret by default because secrecy
    costs nobody anything and a named vote cannot be made secret afterwards."""
    return RuleSet(kind=BallotKind.APPROVAL)


def higher_title_rules() -> RuleSet:
    """Chiến sĩ thi đua cấp thành phố / toàn quốc … (seed 004 §II.7): secret ballot, at least
    90 % agree of ALL council members; absent members vote by absentee ballot."""
    return RuleSet(
        kind=BallotKind.APPROVAL,
        threshold_fraction=Fraction(9, 10),
        threshold_base=ThresholdBase.ALL_MEMBERS,
        secret=True,
        absentee_allowed=True,
    )


def selection_rules(seats: int) -> RuleSet:
    """Pick up to k of n for k seats (seed 000: 2 Cờ thi đua, 3 Bằng khen per bloc).

    Cờ thi đua and Bằng khen are among the titles that need 70 % agree of those present
    (seed 004 §II.6), so a pick is an "agree" and a candidate needs picks from 70 % of those
    present; the seats then go to the most picks among those reaching it. A unit does not pick
    itself by default (the bloc chooses among its peers); a blank ballot is allowed.
    """
    return RuleSet(
        kind=BallotKind.SELECTION,
        min_choices=0,
        max_choices=seats,
        seats=seats,
        self_vote_allowed=False,
    )


def election_rules() -> RuleSet:
    """Elect one office (next year's head, then the deputy, as two polls).

    One pick per voter; elected with at least half of those present. An exact 50/50 split is a
    tie at the seat and goes to a run-off, so "at least half" never elects two people. A unit may
    vote for itself: a nominee voting for itself is ordinary in an election.
    """
    return RuleSet(
        kind=BallotKind.ELECTION,
        threshold_fraction=Fraction(1, 2),
        threshold_base=ThresholdBase.PRESENT,
        min_choices=0,
        max_choices=1,
        seats=1,
        self_vote_allowed=True,
    )


def runoff_rules(rule: RuleSet, tie: Tie) -> RuleSet:
    """The run-off between tied candidates: they all already met the threshold in the first round,
    so the run-off only orders them (plurality of ballots cast, threshold 0); a second tie is
    again reported, never broken silently."""
    kind = BallotKind.ELECTION if rule.kind is BallotKind.ELECTION else BallotKind.SELECTION
    return RuleSet(
        kind=kind,
        quorum_fraction=rule.quorum_fraction,
        threshold_fraction=Fraction(0),
        threshold_base=ThresholdBase.VOTED,
        secret=rule.secret,
        absentee_allowed=rule.absentee_allowed,
        min_choices=0,
        max_choices=tie.seats_left,
        seats=tie.seats_left,
        self_vote_allowed=rule.self_vote_allowed,
        tie_rule=TieRule.RUNOFF,
    )


class Purpose(StrEnum):
    """What the head opens, from a menu: each brings its default rule set (DOMAIN.md "Vote rules")."""

    TITLE = "title"  # approval of an ordinary title: >= 70 % agree of those present
    HIGHER_TITLE = "higher"  # secret, >= 90 % agree of ALL members, absentee ballots
    SELECTION = "select"  # pick k of n (2 Cờ thi đua, 3 Bằng khen)
    ELECT_HEAD = "head"  # next year's Khối trưởng
    ELECT_DEPUTY = "deputy"  # next year's Khối phó


# The chair's menu of ballots: key → what it is and how many seats (2 Cờ thi đua, 3 Bằng khen).
BALLOT_MENU: dict[str, tuple[Purpose, int]] = {
    "title": (Purpose.TITLE, 1),
    "higher": (Purpose.HIGHER_TITLE, 1),
    "flag": (Purpose.SELECTION, 2),
    "merit": (Purpose.SELECTION, 3),
    "head": (Purpose.ELECT_HEAD, 1),
    "deputy": (Purpose.ELECT_DEPUTY, 1),
}
# The pass rules, bases and deadlines the chair's draft offers by name (handlers/meetings.py).
THRESHOLDS = (Fraction(7, 10), Fraction(9, 10), Fraction(1, 2), Fraction(2, 3))
BASES = (ThresholdBase.PRESENT, ThresholdBase.ALL_MEMBERS, ThresholdBase.VOTED)
DURATIONS: tuple[int | None, ...] = (None, 15, 60, 24 * 60)  # minutes; None: the chair closes it


# --------------------------------------------------------------------------- arithmetic


def votes_needed(base_count: int, fraction: Fraction) -> int:
    """Smallest n with n / base >= fraction, exactly (90 % of 13 is 11.7, so 12)."""
    if base_count < 0:
        raise ValueError("base_count must not be negative")
    return math.ceil(_as_fraction(fraction, "fraction") * base_count)


def quorum_needed(members: int, rule: RuleSet) -> int:
    """How many members must attend: at least (>=) the quorum fraction of all members."""
    return votes_needed(members, rule.quorum_fraction)


def is_quorate(present: int, members: int, rule: RuleSet) -> bool:
    """8 of 12, 6 of 9 are quorate; 5 of 8 is not. An empty electorate never is."""
    if not 0 <= present <= members:
        raise ValueError(f"present ({present}) must be between 0 and members ({members})")
    return members > 0 and present >= quorum_needed(members, rule)


def small_poll_warning(voters: int) -> bool:
    """True when fewer than 5 voters: per-option counts may reveal individual votes."""
    return voters < SMALL_POLL_VOTERS


def format_percent(share: Fraction, decimal_mark: str = ".") -> str:
    """92.31% for 12/13, rounded half up to 2 decimals. Display only: decisions use the Fraction."""
    hundredths = Fraction(share) * 10000
    sign = "-" if hundredths < 0 else ""
    rounded = math.floor(abs(hundredths) + Fraction(1, 2))
    return f"{sign}{rounded // 100}{decimal_mark}{rounded % 100:02d}%"


# --------------------------------------------------------------------------- validity


def _check_candidates(candidates: Sequence[CandidateId]) -> None:
    if len(set(candidates)) != len(candidates):
        raise ValueError("a candidate appears twice on the ballot")


def _is_candidate_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def validate_ballot(
    rule: RuleSet,
    ballot: Any,
    candidates: Sequence[CandidateId],
    voter_candidate: CandidateId | None = None,
) -> InvalidReason | None:
    """Why ``ballot`` may not be stored, or None if it is valid.

    ``voter_candidate`` is the voter's own unit when it is itself on the ballot; with
    ``self_vote_allowed`` False it may not pick itself (selection) nor answer on its own
    candidacy (approval: it must stay blank). Checked in this order: malformed, unknown
    candidate, duplicate, bad answer, self vote, too many, too few.
    """
    _check_candidates(candidates)
    allowed = set(candidates)
    if rule.kind is BallotKind.APPROVAL:
        if not isinstance(ballot, Mapping):
            return InvalidReason.MALFORMED
        if not all(_is_candidate_id(c) for c in ballot):
            return InvalidReason.MALFORMED
        if any(c not in allowed for c in ballot):
            return InvalidReason.UNKNOWN_CANDIDATE
        if not all(isinstance(answer, Choice) for answer in ballot.values()):
            return InvalidReason.BAD_CHOICE
        answered = [c for c, answer in ballot.items() if answer is not Choice.BLANK]
    else:
        if isinstance(ballot, str | bytes | Mapping) or not isinstance(ballot, Collection):
            return InvalidReason.MALFORMED
        picks = list(ballot)
        if not all(_is_candidate_id(c) for c in picks):
            return InvalidReason.MALFORMED
        if any(c not in allowed for c in picks):
            return InvalidReason.UNKNOWN_CANDIDATE
        if len(set(picks)) != len(picks):
            return InvalidReason.DUPLICATE_CHOICE
        answered = picks
    if not rule.self_vote_allowed and voter_candidate is not None and voter_candidate in answered:
        return InvalidReason.SELF_VOTE
    if rule.max_choices is not None and len(answered) > rule.max_choices:
        return InvalidReason.TOO_MANY_CHOICES
    if len(answered) < rule.min_choices:
        return InvalidReason.TOO_FEW_CHOICES
    return None


# --------------------------------------------------------------------------- tally


@dataclass(frozen=True)
class CandidateResult:
    """One candidate's line in the result post.

    ``votes`` is "agree" (approval) or "picked" (selection). For a selection, ``blank`` counts the
    ballots cast that did not pick this candidate, and ``disagree`` / ``abstain`` stay 0. Invalid
    ballots are counted in the result, not here.
    """

    candidate: CandidateId
    votes: int
    disagree: int
    abstain: int
    blank: int
    share: Fraction
    base: ThresholdBase
    base_size: int
    needed: int
    passed: bool
    elected: bool


@dataclass(frozen=True)
class Tie:
    """Candidates level at the last seat(s): ``seats_left`` seats remain among them."""

    candidates: tuple[CandidateId, ...]
    seats_left: int
    votes: int


@dataclass(frozen=True)
class TieBreak:
    """A tie the optional tie rule settled (fully or partly), kept so the post can say so."""

    rule: TieRule
    level: tuple[CandidateId, ...]
    seated: tuple[CandidateId, ...]


@dataclass(frozen=True)
class TallyResult:
    """The whole result of one ballot.

    ``elected`` holds the seats won for certain, best first (without a seat limit: every candidate
    that passed, in ballot order). An unresolved ``tie`` leaves ``tie.seats_left`` seats open for a
    run-off. ``quorate`` False means the post must mark the result as taken without a quorum.
    """

    kind: BallotKind
    rule: RuleSet
    members: int
    present: int
    absentee_voted: int
    voted: int
    invalid: int
    blank_ballots: int
    quorum_needed: int
    quorate: bool
    base: ThresholdBase
    base_size: int
    needed: int
    candidates: tuple[CandidateResult, ...]
    elected: tuple[CandidateId, ...]
    tie: Tie | None = None
    tie_break: TieBreak | None = None
    small_poll: bool = False
    unfilled_seats: int = 0
    by_id: Mapping[CandidateId, CandidateResult] = field(default_factory=dict, repr=False, compare=False)

    @property
    def decided(self) -> bool:
        """Quorate and no open tie: the result stands as it is."""
        return self.quorate and self.tie is None


def runoff_candidates(result: TallyResult) -> tuple[CandidateId, ...]:
    """The candidates of the run-off the head is offered (empty when there is no tie)."""
    return result.tie.candidates if result.tie is not None else ()


def _base_size(rule: RuleSet, *, members: int, present: int, absentee_voted: int, voted: int) -> int:
    if rule.threshold_base is ThresholdBase.ALL_MEMBERS:
        return members
    if rule.threshold_base is ThresholdBase.VOTED:
        return voted
    # "người tham gia họp hoặc được xin ý kiến": attending, or consulted by absentee ballot.
    return present + absentee_voted


def _check_counts(rule: RuleSet, *, members: int, present: int, absentee_voted: int, voted: int) -> None:
    # Inconsistent counts would silently produce shares above 100 %: refuse them instead.
    if members < 0 or present < 0 or absentee_voted < 0:
        raise ValueError("counts must not be negative")
    if present + absentee_voted > members:
        raise ValueError(f"present ({present}) + absentee ({absentee_voted}) exceed members ({members})")
    if absentee_voted and not rule.absentee_allowed:
        raise ValueError("this rule set does not allow absentee ballots")
    if voted > present + absentee_voted:
        raise ValueError(f"{voted} ballots but only {present} present and {absentee_voted} absentee voters")


def _seat(
    rule: RuleSet,
    ranked: list[tuple[CandidateId, int]],
    women_preferred: Mapping[CandidateId, bool] | None,
) -> tuple[tuple[CandidateId, ...], Tie | None, TieBreak | None, int]:
    """Fill the seats from ``ranked`` (candidates that passed, most votes first, stable).

    Returns the seats won, an unresolved tie, a tie break applied, and the seats left empty.
    """
    if rule.seats is None:
        return tuple(c for c, _ in ranked), None, None, 0
    seats = rule.seats
    if len(ranked) <= seats:
        return tuple(c for c, _ in ranked), None, None, seats - len(ranked)
    cutoff = ranked[seats - 1][1]
    above = [c for c, v in ranked if v > cutoff]
    level = [c for c, v in ranked if v == cutoff]
    seats_left = seats - len(above)
    if len(level) <= seats_left:  # everybody at the cut-off fits: no tie
        return tuple(above + level), None, None, 0
    if rule.tie_rule is TieRule.PREFER_WOMEN:
        preferred = [c for c in level if (women_preferred or {}).get(c, False)]
        others = [c for c in level if c not in preferred]
        if 0 < len(preferred) <= seats_left:
            seated = tuple(preferred)
            remaining = seats_left - len(preferred)
            tie_break = TieBreak(TieRule.PREFER_WOMEN, tuple(level), seated)
            tie = Tie(tuple(others), remaining, cutoff) if remaining else None
            return tuple(above) + seated, tie, tie_break, 0
        if len(preferred) > seats_left:  # still level among the preferred: run-off among them
            tie_break = TieBreak(TieRule.PREFER_WOMEN, tuple(level), ())
            return tuple(above), Tie(tuple(preferred), seats_left, cutoff), tie_break, 0
    return tuple(above), Tie(tuple(level), seats_left, cutoff), None, 0


def _result(
    rule: RuleSet,
    candidates: Sequence[CandidateId],
    counts: Mapping[CandidateId, tuple[int, int, int, int]],
    *,
    members: int,
    present: int,
    absentee_voted: int,
    voted: int,
    invalid: int,
    blank_ballots: int,
    women_preferred: Mapping[CandidateId, bool] | None,
) -> TallyResult:
    base_size = _base_size(rule, members=members, present=present, absentee_voted=absentee_voted, voted=voted)
    needed = votes_needed(base_size, rule.threshold_fraction)
    passed: dict[CandidateId, bool] = {}
    shares: dict[CandidateId, Fraction] = {}
    for c in candidates:
        votes = counts[c][0]
        shares[c] = Fraction(votes, base_size) if base_size else Fraction(0)
        # Zero votes never pass, even with a threshold of 0 (a run-off) or an empty base.
        passed[c] = base_size > 0 and votes > 0 and votes >= needed
    ranked = sorted(((c, counts[c][0]) for c in candidates if passed[c]), key=lambda cv: -cv[1])
    elected, tie, tie_break, unfilled = _seat(rule, ranked, women_preferred)
    won = set(elected)
    lines = tuple(
        CandidateResult(
            candidate=c,
            votes=counts[c][0],
            disagree=counts[c][1],
            abstain=counts[c][2],
            blank=counts[c][3],
            share=shares[c],
            base=rule.threshold_base,
            base_size=base_size,
            needed=needed,
            passed=passed[c],
            elected=c in won,
        )
        for c in candidates
    )
    return TallyResult(
        kind=rule.kind,
        rule=rule,
        members=members,
        present=present,
        absentee_voted=absentee_voted,
        voted=voted,
        invalid=invalid,
        blank_ballots=blank_ballots,
        quorum_needed=quorum_needed(members, rule),
        quorate=is_quorate(present, members, rule),
        base=rule.threshold_base,
        base_size=base_size,
        needed=needed,
        candidates=lines,
        elected=elected,
        tie=tie,
        tie_break=tie_break,
        small_poll=small_poll_warning(voted),
        unfilled_seats=unfilled,
        by_id={line.candidate: line for line in lines},
    )


def tally_approval(
    rule: RuleSet,
    candidates: Sequence[CandidateId],
    ballots: Sequence[ApprovalBallot],
    *,
    members: int,
    present: int,
    absentee_voted: int = 0,
    women_preferred: Mapping[CandidateId, bool] | None = None,
) -> TallyResult:
    """Count agree / disagree / abstain / blank per candidate; pass on agree >= threshold of base.

    Every ballot cast counts as "voted" (blank and invalid ones too: they are not agreement). An
    invalid ballot (which validation should have refused) counts as blank for every candidate.
    """
    if rule.kind is not BallotKind.APPROVAL:
        raise ValueError(f"tally_approval got a {rule.kind} rule set")
    _check_candidates(candidates)
    voted = len(ballots)
    _check_counts(rule, members=members, present=present, absentee_voted=absentee_voted, voted=voted)
    counts = {c: [0, 0, 0, 0] for c in candidates}
    slot = {Choice.AGREE: 0, Choice.DISAGREE: 1, Choice.ABSTAIN: 2, Choice.BLANK: 3}
    invalid = blank_ballots = 0
    for ballot in ballots:
        if validate_ballot(rule, ballot, candidates) is not None:
            invalid += 1
            ballot = {}
        if all(ballot.get(c, Choice.BLANK) is Choice.BLANK for c in candidates):
            blank_ballots += 1
        for c in candidates:
            counts[c][slot[ballot.get(c, Choice.BLANK)]] += 1
    return _result(
        rule,
        candidates,
        {c: (v[0], v[1], v[2], v[3]) for c, v in counts.items()},
        members=members,
        present=present,
        absentee_voted=absentee_voted,
        voted=voted,
        invalid=invalid,
        blank_ballots=blank_ballots,
        women_preferred=women_preferred,
    )


def tally_selection(
    rule: RuleSet,
    candidates: Sequence[CandidateId],
    ballots: Sequence[SelectionBallot],
    *,
    members: int,
    present: int,
    absentee_voted: int = 0,
    women_preferred: Mapping[CandidateId, bool] | None = None,
) -> TallyResult:
    """Count picks per candidate; seats go to the most picks among those reaching the threshold.

    Candidates level at the last seat make a ``tie`` (or, with PREFER_WOMEN, the rule decides and
    the post says so). An invalid ballot counts as cast and blank.
    """
    if rule.kind is BallotKind.APPROVAL:
        raise ValueError("tally_selection got an approval rule set")
    _check_candidates(candidates)
    voted = len(ballots)
    _check_counts(rule, members=members, present=present, absentee_voted=absentee_voted, voted=voted)
    picks = dict.fromkeys(candidates, 0)
    invalid = blank_ballots = 0
    for ballot in ballots:
        if validate_ballot(rule, ballot, candidates) is not None:
            invalid += 1
            ballot = ()
        if not ballot:
            blank_ballots += 1
        for c in ballot:
            picks[c] += 1
    return _result(
        rule,
        candidates,
        {c: (picks[c], 0, 0, voted - picks[c]) for c in candidates},
        members=members,
        present=present,
        absentee_voted=absentee_voted,
        voted=voted,
        invalid=invalid,
        blank_ballots=blank_ballots,
        women_preferred=women_preferred,
    )


def tally(
    rule: RuleSet,
    candidates: Sequence[CandidateId],
    ballots: Sequence[Any],
    *,
    members: int,
    present: int,
    absentee_voted: int = 0,
    women_preferred: Mapping[CandidateId, bool] | None = None,
) -> TallyResult:
    """Dispatch on ``rule.kind`` (the service holds ballots of one poll, hence one kind)."""
    count = tally_approval if rule.kind is BallotKind.APPROVAL else tally_selection
    return count(
        rule,
        candidates,
        ballots,
        members=members,
        present=present,
        absentee_voted=absentee_voted,
        women_preferred=women_preferred,
    )


# --------------------------------------------------------------------------- canonical bytes


def _sort_key(candidate: CandidateId) -> tuple[bool, int | str]:
    return (isinstance(candidate, str), candidate)


def encode_ballot(kind: BallotKind, ballot: Ballot) -> bytes:
    """Canonical compact JSON of a decoded ballot, the plaintext that gets sealed.

    Blank answers are left out (blank == missing), candidates sorted, so equal ballots give equal
    bytes. The sealing pads to a fixed size, so the varying length here does not leak.
    """
    kind = BallotKind(kind)
    if kind is BallotKind.APPROVAL:
        if not isinstance(ballot, Mapping):
            raise TypeError("an approval ballot is a mapping candidate -> Choice")
        body: list[Any] = [
            [c, Choice(a).value]
            for c, a in sorted(ballot.items(), key=lambda ca: _sort_key(ca[0]))
            if Choice(a) is not Choice.BLANK
        ]
    else:
        if isinstance(ballot, str | bytes | Mapping):
            raise TypeError("a selection ballot is a collection of candidates")
        body = sorted(ballot, key=_sort_key)
    return json.dumps({"k": kind.value, "v": body}, separators=(",", ":"), ensure_ascii=True).encode()


def decode_ballot(kind: BallotKind, data: bytes) -> dict[CandidateId, Choice] | frozenset[CandidateId]:
    """Inverse of ``encode_ballot``; ValueError on anything else (including a ballot of another kind).

    A selection decodes to a frozenset, so a duplicated pick would be lost: duplicates are refused
    here instead, and the tally never sees them.
    """
    kind = BallotKind(kind)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("ballot is not canonical JSON") from exc
    if not isinstance(doc, dict) or set(doc) != {"k", "v"} or doc["k"] != kind.value:
        raise ValueError("ballot has the wrong shape or kind")
    body = doc["v"]
    if not isinstance(body, list):
        raise ValueError("ballot body is not a list")
    if kind is BallotKind.APPROVAL:
        answers: dict[CandidateId, Choice] = {}
        for item in body:
            if not (isinstance(item, list) and len(item) == 2 and _is_candidate_id(item[0])):
                raise ValueError("approval entry is not [candidate, answer]")
            if item[0] in answers:
                raise ValueError("candidate answered twice")
            try:
                answers[item[0]] = Choice(item[1])
            except ValueError as exc:
                raise ValueError(f"unknown answer {item[1]!r}") from exc
        return answers
    if not all(_is_candidate_id(c) for c in body) or len(set(body)) != len(body):
        raise ValueError("selection must list distinct candidates")
    return frozenset(body)


def needs_counting_committee(rules: RuleSet) -> bool:
    """A secret ballot is counted by a Ban kiểm phiếu the meeting names, and the minutes say who
    (seed 000 §II.2.5's year-end vote; docs/domain.md); a show of hands is counted by the chair."""
    return rules.secret
