"""A ballot read back before it is cast: one text for the blocs' ballots (handlers/voting.py) and
the ballots on people (handlers/council.py: the council's, a school's own vote, the conference's).

"[1]", not "1.": on Zalo a numbered line reads as an option to reply with. A review too long for
one message lists numbers under each answer instead of names.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.i18n import t
from models import ballot_state
from models.ballot_state import CHOICE_KEY, LETTER
from models.vote_rules import BallotKind

REVIEW_NAMES = 3500  # a review longer than this lists numbers, not names (4,096 on Telegram)


def choices_text(
    labels: Sequence[str], kind: BallotKind, state: str, lang: str, *, words: str = "vote.choice"
) -> str:
    """The choices a state stands for, one line a candidate (`labels`, in ballot order); `words`:
    the catalogue prefix of the answers' names (the council says "không biểu quyết"). Telegram
    HTML: the caller passes it on as `Raw`, so the names are escaped here ("Trường TH & THCS")."""
    labels = [html.escape(label, quote=False) for label in labels]
    size = len(labels)
    if kind is BallotKind.APPROVAL:

        def answer(letter: str) -> str:
            return t(lang, f"{words}.{CHOICE_KEY[LETTER[letter]]}")

        shown, common = ballot_state.exceptions(state)
        lines = [f"[{i + 1}] {labels[i]}: <b>{answer(state[i])}</b>" for i in shown]
        if common is not None:
            lines.append(t(lang, "vote.review_rest", count=size - len(shown), answer=answer(common)))
        text = "\n".join(lines)
        if len(text) <= REVIEW_NAMES:
            return text
        # Still too long for one message: the numbers under each answer.
        return "\n".join(
            f"<b>{answer(letter)}</b> ({len(numbers)}): {ballot_state.ranges(numbers)}"
            for letter in "adb-"
            if (numbers := [i + 1 for i in range(size) if state[i] == letter])
        )
    indexes = ballot_state.picked(state, size)
    text = "\n".join(f"{t(lang, 'vote.picked')}: [{i + 1}] {labels[i]}" for i in indexes)
    if len(text) > REVIEW_NAMES:
        text = f"{t(lang, 'vote.picked')}: {ballot_state.ranges([i + 1 for i in indexes])}"
    return text or t(lang, "vote.none_picked")
