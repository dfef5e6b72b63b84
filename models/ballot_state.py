"""A voter's unfinished ballot, written so that it never has to be stored.

On Telegram the unfinished choices live only in the ballot's buttons (callback data
`v:<ref>:<op>:<state>`); on Zalo the voter types the whole ballot in one message ("1a 2d 3b",
"2 5") and the review's options are kept in process memory only. Both read and check the state
here: pure functions, no I/O.

  approval state:  one letter per candidate on the ballot: a(gree) d(isagree) b (abstain) - (blank)
  selection state: the picked candidates' indexes in base 36, sorted
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field

from models.vote_rules import BallotKind, Choice

DIGITS = string.digits + string.ascii_lowercase  # base 36: one character per candidate index
LETTER = {"a": Choice.AGREE, "d": Choice.DISAGREE, "b": Choice.ABSTAIN, "-": Choice.BLANK}
CHOICE_KEY = {
    Choice.AGREE: "agree",
    Choice.DISAGREE: "disagree",
    Choice.ABSTAIN: "abstain",
    Choice.BLANK: "blank",
}
ANSWER_LETTERS = "adb"


@dataclass(frozen=True)
class Shape:
    """What a ballot allows, without anything about anybody's choice."""

    kind: BallotKind
    size: int  # candidates on the ballot
    max_choices: int | None = None
    own_index: int | None = None  # the voter's own unit's index on the ballot
    self_vote_allowed: bool = True

    @property
    def approval(self) -> bool:
        return self.kind is BallotKind.APPROVAL


@dataclass(frozen=True)
class Refusal:
    """Why a ballot (or a press on it) is refused; `reason` is a catalogue key suffix."""

    reason: str
    params: dict[str, str | int] = field(default_factory=dict)


def empty_state(shape: Shape) -> str:
    return "-" * shape.size if shape.approval else ""


def valid_state(shape: Shape, state: str) -> bool:
    if shape.approval:
        return len(state) == shape.size and all(ch in LETTER for ch in state)
    indexes = [DIGITS.find(ch) for ch in state]
    return (
        all(0 <= i < shape.size for i in indexes)
        and len(set(indexes)) == len(indexes)
        and state == "".join(sorted(state, key=DIGITS.find))
    )


def decode(positions: list[int], shape: Shape, state: str) -> dict[int, Choice] | frozenset[int]:
    """The ballot a state stands for, keyed by the candidates' positions (`positions`, in ballot order)."""
    if shape.approval:
        return {p: LETTER[ch] for p, ch in zip(positions, state, strict=True) if ch != "-"}
    return frozenset(positions[DIGITS.find(ch)] for ch in state)


def picked(state: str) -> list[int]:
    """The indexes picked in a selection state, in order."""
    return [DIGITS.find(ch) for ch in state]


def set_answer(shape: Shape, state: str, index: int, letter: str) -> str | Refusal:
    """Approval: answer one candidate; the same answer again clears it."""
    if not shape.approval or not 0 <= index < shape.size or letter not in ANSWER_LETTERS:
        return Refusal("stale")
    letter = "-" if state[index] == letter else letter
    return state[:index] + letter + state[index + 1 :]


def toggle_pick(shape: Shape, state: str, index: int) -> str | Refusal:
    """Selection: pick a candidate, or unpick it; refused beyond the limit or for one's own unit."""
    if shape.approval or not 0 <= index < shape.size:
        return Refusal("stale")
    chosen = set(picked(state))
    if index in chosen:
        chosen.discard(index)
    elif not shape.self_vote_allowed and index == shape.own_index:
        return Refusal("self_vote")
    elif shape.max_choices is not None and len(chosen) >= shape.max_choices:
        return Refusal("limit", {"max": shape.max_choices})
    else:
        chosen.add(index)
    return "".join(DIGITS[i] for i in sorted(chosen))


# ------------------------------------------------------------------ a whole ballot typed in one message
_APPROVAL_ITEM = re.compile(r"(\d+)\s*([^\d\s,;.]*)")
_SEPARATORS = re.compile(r"[\s,;.]+")


def _normal(text: str) -> str:
    # Full-width digits and letters from some phone keyboards read as plain ones.
    return unicodedata.normalize("NFKC", text).strip().casefold()


def parse_typed(shape: Shape, text: str) -> str | Refusal:
    """A whole ballot typed in one message, as a state; or why it is refused.

    Approval: "1a 2d 3b" (a agree, d disagree, b abstain; a candidate left out is blank).
    Selection: the numbers picked, "2 5" ("0" for none: a blank ballot).
    Each rule is checked here, so a refused reply says exactly what is wrong.
    """
    reply = _normal(text)
    if not reply:
        return Refusal("unreadable")
    if shape.approval:
        return _parse_approval(shape, reply)
    return _parse_selection(shape, reply)


def _parse_approval(shape: Shape, reply: str) -> str | Refusal:
    compact = _SEPARATORS.sub(" ", reply).strip()
    items = _APPROVAL_ITEM.findall(compact)
    # Everything typed must be a number followed by its letter: nothing left over.
    if not items or _APPROVAL_ITEM.sub("", compact).strip():
        return Refusal("unreadable")
    state = list(empty_state(shape))
    for number_text, letter in items:
        number = int(number_text)
        if not 1 <= number <= shape.size:
            return Refusal("out_of_range", {"number": number, "size": shape.size})
        if letter == "":
            return Refusal("no_letter", {"number": number})
        if letter not in ANSWER_LETTERS:
            return Refusal("bad_letter", {"number": number, "letter": letter})
        if state[number - 1] != "-":
            return Refusal("twice", {"number": number})
        state[number - 1] = letter
    return "".join(state)


def _parse_selection(shape: Shape, reply: str) -> str | Refusal:
    tokens = [token for token in _SEPARATORS.split(reply) if token]
    if not tokens or not all(token.isdigit() for token in tokens):
        return Refusal("unreadable")
    numbers = [int(token) for token in tokens]
    if numbers == [0]:
        return ""  # nobody picked: a blank ballot, as on Telegram
    chosen: list[int] = []
    for number in numbers:
        if not 1 <= number <= shape.size:
            return Refusal("out_of_range", {"number": number, "size": shape.size})
        if number - 1 in chosen:
            return Refusal("twice", {"number": number})
        if not shape.self_vote_allowed and number - 1 == shape.own_index:
            return Refusal("self_vote", {"number": number})
        chosen.append(number - 1)
    if shape.max_choices is not None and len(chosen) > shape.max_choices:
        return Refusal("limit", {"max": shape.max_choices})
    return "".join(DIGITS[i] for i in sorted(chosen))
