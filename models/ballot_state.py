"""A voter's unfinished ballot (its "sheet"): the state, how a press or a typed reply changes
it, and how a long ballot is paged. Pure functions, no I/O.

A ballot of up to 200 candidates does not fit in a button's 64 bytes, so the buttons carry only
what a press does and a random sheet token; the state itself is kept sealed under that token
(bot/services/ballot_sheets.py). On Zalo the voter types the ballot in one message ("1a 2d 3b",
"tất cả a 3d", "2 5").

  approval state:  one letter per candidate on the ballot: a(gree) d(isagree) b (abstain) - (blank)
  selection state: the picked candidates' indexes in base 36, sorted, each `width(size)` characters
  wide (one character up to 36 candidates, two up to 1,296)
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
# One tap on an approval line moves its answer on: agree → disagree → abstain → blank → agree.
CYCLE = {"-": "a", "a": "d", "d": "b", "b": "-"}
MAX_CANDIDATES = 200  # a ballot longer than this is refused at the draft
MAX_TITLE = 200  # characters of a ballot's title
MAX_LABEL = 200  # characters of one candidate's name
PAGE_SIZE = 15  # candidates per page of a ballot with buttons (one button each, thumb-sized)


def width(size: int) -> int:
    """Characters per candidate index in a selection state and in press data."""
    return 1 if size <= len(DIGITS) else 2


def index_code(index: int, size: int) -> str:
    """A candidate's index in base 36, `width(size)` characters wide."""
    if width(size) == 1:
        return DIGITS[index]
    return DIGITS[index // len(DIGITS)] + DIGITS[index % len(DIGITS)]


def index_of(code: str, size: int) -> int:
    """The index a code stands for; -1 for anything malformed."""
    if len(code) != width(size) or any(ch not in DIGITS for ch in code):
        return -1
    value = 0
    for ch in code:
        value = value * len(DIGITS) + DIGITS.index(ch)
    return value if value < size else -1


def pages(size: int) -> int:
    return max(1, -(-size // PAGE_SIZE))


def page_of(index: int) -> int:
    return index // PAGE_SIZE


def page_range(page: int, size: int) -> range:
    """The candidates' indexes on a page (the page clamped to those there are)."""
    page = min(max(page, 0), pages(size) - 1)
    return range(page * PAGE_SIZE, min(size, (page + 1) * PAGE_SIZE))


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
    step = width(shape.size)
    if len(state) % step:
        return False
    indexes = [index_of(state[i : i + step], shape.size) for i in range(0, len(state), step)]
    return all(i >= 0 for i in indexes) and indexes == sorted(set(indexes))


def decode(positions: list[int], shape: Shape, state: str) -> dict[int, Choice] | frozenset[int]:
    """The ballot a state stands for, keyed by the candidates' positions (`positions`, in ballot order)."""
    if shape.approval:
        return {p: LETTER[ch] for p, ch in zip(positions, state, strict=True) if ch != "-"}
    return frozenset(positions[i] for i in picked(state, shape.size))


def picked(state: str, size: int = 0) -> list[int]:
    """The indexes picked in a selection state (of a ballot of `size` candidates), in order."""
    step = width(size)
    return [index_of(state[i : i + step], max(size, len(DIGITS))) for i in range(0, len(state), step)]


def exceptions(state: str) -> tuple[list[int], str | None]:
    """Approval, for reading a ballot back: the indexes to list and the answer all the others
    share. A short ballot lists every line (None); a long one lists the lines that differ from
    its most common answer ("agree to all" and its exceptions read back as such)."""
    if len(state) <= PAGE_SIZE:
        return list(range(len(state))), None
    common = max("adb-", key=state.count)
    return [i for i, letter in enumerate(state) if letter != common], common


def ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in spans)


def _selection_state(indexes: set[int] | list[int], size: int) -> str:
    return "".join(index_code(i, size) for i in sorted(indexes))


def set_answer(shape: Shape, state: str, index: int, letter: str) -> str | Refusal:
    """Approval: answer one candidate; the same answer again clears it."""
    if not shape.approval or not 0 <= index < shape.size or letter not in ANSWER_LETTERS:
        return Refusal("stale")
    letter = "-" if state[index] == letter else letter
    return state[:index] + letter + state[index + 1 :]


def cycle_answer(shape: Shape, state: str, index: int) -> str | Refusal:
    """Approval: one tap on a candidate's line moves its answer on (see CYCLE)."""
    if not shape.approval or not 0 <= index < shape.size:
        return Refusal("stale")
    return state[:index] + CYCLE[state[index]] + state[index + 1 :]


def agree_to_all(shape: Shape) -> str | Refusal:
    """Approval: "agree" on every line; the voter then changes only the exceptions."""
    if not shape.approval:
        return Refusal("stale")
    return "a" * shape.size


def toggle_pick(shape: Shape, state: str, index: int) -> str | Refusal:
    """Selection: pick a candidate, or unpick it; refused beyond the limit or for one's own unit."""
    if shape.approval or not 0 <= index < shape.size:
        return Refusal("stale")
    chosen = set(picked(state, shape.size))
    if index in chosen:
        chosen.discard(index)
    elif not shape.self_vote_allowed and index == shape.own_index:
        return Refusal("self_vote")
    elif shape.max_choices is not None and len(chosen) >= shape.max_choices:
        return Refusal("limit", {"max": shape.max_choices})
    else:
        chosen.add(index)
    return _selection_state(chosen, shape.size)


# ------------------------------------------------------------------ a whole ballot typed in one message
_APPROVAL_ITEM = re.compile(r"(\d+)\s*([^\d\s,;.]*)")
# "tất cả" (all) first, with an answer (a letter, or "đồng ý"; agree when none) and an optional
# "trừ" (except) before the exceptions: "đồng ý tất cả", "tất cả a trừ 3d 7b", "* d".
_ALL = re.compile(
    r"^(?:(?:đồng ý|dong y)\s*)?(?:tất cả|tat ca|all|\*)"
    r"(?:\s*(?:([adb])(?![^\W\d_])|đồng ý|dong y))?"
    r"(?:\s*(?:trừ|tru|except)(?![^\W\d_]))?\s*"
)
_SEPARATORS = re.compile(r"[\s,;.]+")


def _normal(text: str) -> str:
    # Full-width digits and letters from some phone keyboards read as plain ones.
    return unicodedata.normalize("NFKC", text).strip().casefold()


def parse_typed(shape: Shape, text: str) -> str | Refusal:
    """A whole ballot typed in one message, as a state; or why it is refused.

    Approval: "1a 2d 3b" (a agree, d disagree, b abstain; a candidate left out is blank), or
    "tất cả" (every candidate agree; "tất cả d": disagree) then the exceptions: "tất cả 3d 7b".
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
    every = _ALL.match(compact)
    if every is not None:
        compact = compact[every.end() :]
    items = _APPROVAL_ITEM.findall(compact)
    # Everything typed must be a number followed by its letter: nothing left over.
    if (not items and every is None) or _APPROVAL_ITEM.sub("", compact).strip():
        return Refusal("unreadable")
    state = list(empty_state(shape))
    answered = [False] * shape.size
    for number_text, letter in items:
        number = int(number_text)
        if not 1 <= number <= shape.size:
            return Refusal("out_of_range", {"number": number, "size": shape.size})
        if letter == "":
            return Refusal("no_letter", {"number": number})
        if letter not in ANSWER_LETTERS:
            return Refusal("bad_letter", {"number": number, "letter": letter})
        if answered[number - 1]:
            return Refusal("twice", {"number": number})
        state[number - 1], answered[number - 1] = letter, True
    if every is not None:
        default = every.group(1) or "a"
        state = [letter if done else default for letter, done in zip(state, answered, strict=True)]
    return "".join(state)


def _parse_selection(shape: Shape, reply: str) -> str | Refusal:
    tokens = [token for token in _SEPARATORS.split(reply) if token]
    # ASCII digits only: "²" passes isdigit() and fails int() (a crash found by the fuzz).
    if not tokens or not all(token.isascii() and token.isdigit() for token in tokens):
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
    return _selection_state(chosen, shape.size)
