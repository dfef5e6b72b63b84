"""The review read back before a cast, one text for the blocs' ballots and the ballots on people
(handlers/ballot_review.py over models/ballot_state.py): every line on a short ballot, the
exceptions to the common answer on a long one, numbers when names do not fit, names escaped for
Telegram HTML, and the council's own word for abstaining."""

from __future__ import annotations

import pytest

from handlers.ballot_review import REVIEW_NAMES, choices_text
from models import ballot_state
from models.vote_rules import BallotKind

pytestmark = [pytest.mark.exemplars, pytest.mark.ballot]
APPROVAL, SELECTION = BallotKind.APPROVAL, BallotKind.SELECTION


def test_a_short_approval_ballot_lists_every_line_escaped() -> None:
    labels = ["Trường TH & THCS <Vĩnh Thuận>", "Lê Thị Hoa", "Trần Văn Bình"]
    text = choices_text(labels, APPROVAL, "adb", "vi")
    assert text.splitlines() == [
        "[1] Trường TH &amp; THCS &lt;Vĩnh Thuận&gt;: <b>đồng ý</b>",
        "[2] Lê Thị Hoa: <b>không đồng ý</b>",
        "[3] Trần Văn Bình: <b>không ý kiến</b>",
    ]
    # The council's ballot on people says "không biểu quyết", as its button does.
    council = choices_text(labels, APPROVAL, "adb", "vi", words="council.choice")
    assert council.splitlines()[2] == "[3] Trần Văn Bình: <b>không biểu quyết</b>"


def test_a_long_approval_ballot_lists_the_exceptions_then_the_rest() -> None:
    labels = [f"Trường {n}" for n in range(1, 41)]
    state = "a" * 40
    state = state[:6] + "d" + state[7:20] + "b" + state[21:]
    assert ballot_state.exceptions(state) == ([6, 20], "a")
    text = choices_text(labels, APPROVAL, state, "vi")
    assert text.splitlines() == [
        "[7] Trường 7: <b>không đồng ý</b>",
        "[21] Trường 21: <b>không ý kiến</b>",
        "Các ứng viên còn lại (38): <b>đồng ý</b>",
    ]


def test_names_that_do_not_fit_are_read_back_as_numbers() -> None:
    labels = ["X" * 190 for _ in range(40)]
    state = "ad" * 20
    text = choices_text(labels, APPROVAL, state, "vi")
    assert len(text) <= REVIEW_NAMES
    odd = ", ".join(str(n) for n in range(1, 41, 2))
    assert text.splitlines()[0] == f"<b>đồng ý</b> (20): {odd}"
    twenty = "".join(ballot_state.index_code(i, 40) for i in range(20))
    picks = choices_text(labels, SELECTION, twenty, "vi")
    assert picks == "✔ chọn: 1–20" and "X" not in picks
    assert ballot_state.ranges([1, 2, 3, 5, 7, 8]) == "1–3, 5, 7–8"
    assert choices_text(labels, SELECTION, "", "en") == "(nobody picked — a blank ballot)"
