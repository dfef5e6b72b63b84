"""The pure rules of a bloc's point scale, of self-scores, of totals and of the ranking.

No database, no Telegram, no I/O, no floats (docs/domain.md "The year's work" steps 3-4; seed 000 §IV.1).
Scores are exact ``Decimal`` values computed in a private context that *traps* inexact results, so
a total can never be silently rounded and the same sheet always gives the same total and rank.

Problems the head or a representative can cause (a bad scale, a bad score, a bad spreadsheet row) are
returned as values carrying a reason code plus a Vietnamese and an English message, never raised:
the service shows the message and saves nothing. Programming errors (a float where a ``Decimal``
belongs) raise ``TypeError``.

Spreadsheet layout read by ``scale_from_rows`` and written by ``scale_to_rows`` (one header row,
matched case-insensitively after NFC; diacritics optional; English headers accepted; other columns
such as "STT" or "Ghi chú" are ignored; rows above the header, e.g. a title, are skipped)::

    Mã   | Nội dung / Tiêu chí | Điểm tối đa | Bước điểm | Bổ sung của khối | Thuộc nội dung | Số tiêu chí Sở quy định
    1    | Thực hiện nhiệm vụ… | 60          |           |                  |                | 10
    1.1  | Tỷ lệ học sinh…     | 10          | 0,5       |                  |                |
    1.11 | Câu lạc bộ…         | 2           |           | x                |                |

* required: Mã (code), Nội dung / Tiêu chí (title), Điểm tối đa (content total or criterion maximum);
* a row is a criterion when "Thuộc nội dung" names its content, or else when its code has a dot
  ("1.1" belongs to content "1"); otherwise it is a content (so content codes contain no dot);
  the template should format "Mã" as text, or Excel turns "1.10" into 1.1 (then reported as a
  duplicate code, never merged silently);
* Bước điểm: 1 (whole points, the default when blank), 0,5 (half points), 0,25 …; ignored on contents;
* Bổ sung của khối: "x" / "có" / "1" marks a criterion the bloc added; blank / "không" / "0" not;
* Số tiêu chí Sở quy định: the department's number of criteria for a content (the base of the 30 %
  rule); blank means "the number of criteria in the file not marked as added by the bloc".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from typing import Any, Generic, TypeVar

UnitId = Hashable
"""A unit as the service layer names it (an int or a str id)."""

Cell = str | int | float | Decimal | None
"""A spreadsheet cell as a reader hands it over (openpyxl gives numbers and None, csv gives str)."""

EXTRA_CRITERIA_PERCENT = 30
"""Seed 000 §IV.1: a bloc may add at most 30 % of the criteria the department set for a content."""

MAX_DECIMALS = 2
"""Scores, maxima and steps are in hundredths at most: 0,25 is the finest step any plan uses, and a
third decimal typed in a chat is far more likely a Vietnamese thousands separator ("7.500")."""

SCORE_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)
"""Every accepted score is returned with exactly this exponent (0.01), one canonical stored form."""

_MAX_INPUT_LENGTH = 40

# Exact arithmetic: any rounding, overflow or invalid operation raises instead of passing silently.
_EXACT = Context(
    prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact]
)


# --------------------------------------------------------------------------- helpers


def _nfc(text: str) -> str:
    """NFC with single spaces: the same as models.text.nfc, inlined to keep this module stdlib-only."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _code_key(code: str) -> str:
    """Codes compare case-insensitively ("1.a" is "1.A"), since heads type them both ways."""
    return _nfc(code).casefold()


def _as_decimal(value: Any, name: str) -> Decimal:
    # Floats are refused: 0.1 is not 1/10 in binary, and a boundary (a max, a total) would drift.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
    return Decimal(value)


def _decimals(value: Decimal) -> int:
    """Significant decimal places: 7.50 -> 1, 10 -> 0 (trailing zeros do not count)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def format_points(value: Decimal | int) -> str:
    """Vietnamese display: comma decimal mark, no trailing zeros, no exponent ("7,5", "10", "0").

    No thousands grouping on purpose, so a displayed value can be typed back to ``parse_score``.
    """
    number = _as_decimal(value, "value")
    if not number.is_finite():
        raise ValueError(f"cannot display {number}")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def _en_points(value: Decimal) -> str:
    """English messages use a decimal dot ("7.5")."""
    return format_points(value).replace(",", ".")


def _show(value: Decimal, *, en: bool = False) -> str:
    """``format_points`` for messages, tolerating the NaN/Infinity a broken scale may carry."""
    if not value.is_finite():
        return str(value)
    return _en_points(value) if en else format_points(value)


# --------------------------------------------------------------------------- the scale


@dataclass(frozen=True)
class Content:
    """A nội dung: a block of the scale with its point total, and how many criteria the department
    set for it (the base of the 30 % rule, kept apart from the criteria so mislabelling a bloc's
    criterion as the department's cannot widen the allowance)."""

    code: str
    title: str
    point_total: Decimal
    set_criteria_count: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _nfc(self.code))
        object.__setattr__(self, "title", _nfc(self.title))
        object.__setattr__(self, "point_total", _as_decimal(self.point_total, "point_total"))
        if isinstance(self.set_criteria_count, bool) or not isinstance(self.set_criteria_count, int):
            raise TypeError("set_criteria_count must be an int")


@dataclass(frozen=True)
class Criterion:
    """A tiêu chí under a content: its maximum and the step scores move in (1 whole, 0.5 half …)."""

    code: str
    content_code: str
    title: str
    max_points: Decimal
    step: Decimal = Decimal(1)
    added_by_bloc: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _nfc(self.code))
        object.__setattr__(self, "content_code", _nfc(self.content_code))
        object.__setattr__(self, "title", _nfc(self.title))
        object.__setattr__(self, "max_points", _as_decimal(self.max_points, "max_points"))
        object.__setattr__(self, "step", _as_decimal(self.step, "step"))
        if not isinstance(self.added_by_bloc, bool):
            raise TypeError("added_by_bloc must be a bool")


class ScaleProblem(StrEnum):
    """Why a scale is refused; each ``ScaleViolation`` carries one."""

    OVER_TOTAL = "over_total"
    TOO_MANY_EXTRA = "too_many_extra"
    MORE_THAN_SET = "more_than_set"
    UNKNOWN_CONTENT = "unknown_content"
    DUPLICATE_CODE = "duplicate_code"
    BLANK_TEXT = "blank_text"
    NON_POSITIVE_TOTAL = "non_positive_total"
    NON_POSITIVE_MAX = "non_positive_max"
    BAD_SET_COUNT = "bad_set_count"
    BAD_STEP = "bad_step"
    STEP_NOT_DIVISOR = "step_not_divisor"
    TOO_PRECISE = "too_precise"


@dataclass(frozen=True)
class ScaleViolation:
    """One broken rule, naming the content (and criterion) and the numbers involved.

    ``actual`` / ``limit`` are the numbers compared (e.g. 65 points against a total of 60, or 4
    extra criteria against 3 allowed), so a caller can build its own text if it wants.
    """

    problem: ScaleProblem
    content_code: str | None
    criterion_code: str | None
    actual: Decimal | int | None
    limit: Decimal | int | None
    message_vi: str
    message_en: str


def extra_criteria_allowed(set_count: int, percent: int = EXTRA_CRITERIA_PERCENT) -> int:
    """How many criteria a bloc may add: floor(set_count × percent / 100), in integers.

    "Không vượt quá 30 %": 30 % of 10 is 3 (3 accepted, 4 refused); 30 % of 7 is 2.1, and a criterion
    cannot be split, so 2 are accepted and a third (≈ 42.9 %) is refused.
    """
    if set_count < 0 or percent < 0:
        raise ValueError("set_count and percent must not be negative")
    return set_count * percent // 100


def _content_label(content: Content) -> str:
    return f"{content.code} “{content.title}”" if content.title else content.code


def check_scale(
    contents: Sequence[Content],
    criteria: Sequence[Criterion],
    *,
    extra_percent: int = EXTRA_CRITERIA_PERCENT,
) -> list[ScaleViolation]:
    """Every rule of seed 000 §IV.1 a proposed scale breaks, in a stable order; empty means valid.

    All violations are reported at once so the head fixes the file in one go, not one per upload.
    ``extra_percent`` is a parameter because a later plan may set another share; the default is 30.
    """
    found: list[ScaleViolation] = []

    def add(
        problem: ScaleProblem,
        content: str | None,
        criterion: str | None,
        actual: Decimal | int | None,
        limit: Decimal | int | None,
        vi: str,
        en: str,
    ) -> None:
        found.append(ScaleViolation(problem, content, criterion, actual, limit, vi, en))

    seen: set[str] = set()

    def check_code(code: str, content: str | None, criterion: str | None) -> None:
        if not code:
            return
        key = _code_key(code)
        if key in seen:
            add(
                ScaleProblem.DUPLICATE_CODE,
                content,
                criterion,
                None,
                None,
                f"Mã “{code}” bị trùng: mỗi nội dung và mỗi tiêu chí cần một mã riêng.",
                f"Code “{code}” is used twice: every content and criterion needs its own code.",
            )
        else:
            seen.add(key)

    def check_precision(
        value: Decimal, what_vi: str, what_en: str, content: str, criterion: str | None
    ) -> None:
        if value.is_finite() and _decimals(value) > MAX_DECIMALS:
            add(
                ScaleProblem.TOO_PRECISE,
                content,
                criterion,
                value,
                SCORE_QUANTUM,
                f"{what_vi} {format_points(value)} có quá {MAX_DECIMALS} chữ số thập phân.",
                f"{what_en} {_en_points(value)} has more than {MAX_DECIMALS} decimals.",
            )

    by_key: dict[str, Content] = {}
    for content in contents:
        label = _content_label(content)
        if not content.code or not content.title:
            add(
                ScaleProblem.BLANK_TEXT,
                content.code or None,
                None,
                None,
                None,
                f"Nội dung {label or '(không mã)'} thiếu mã hoặc tên.",
                f"Content {label or '(no code)'} has no code or no title.",
            )
        check_code(content.code, content.code, None)
        by_key.setdefault(_code_key(content.code), content)
        total = content.point_total
        if not total.is_finite() or total <= 0:
            add(
                ScaleProblem.NON_POSITIVE_TOTAL,
                content.code,
                None,
                total,
                Decimal(0),
                f"Nội dung {label}: tổng điểm phải lớn hơn 0 (đang là {_show(total)}).",
                f"Content {label}: the point total must be above 0 (it is {_show(total, en=True)}).",
            )
        check_precision(
            total, f"Nội dung {label}: tổng điểm", f"Content {label}: the total", content.code, None
        )
        if content.set_criteria_count < 0:
            add(
                ScaleProblem.BAD_SET_COUNT,
                content.code,
                None,
                content.set_criteria_count,
                0,
                f"Nội dung {label}: số tiêu chí Sở quy định không thể âm ({content.set_criteria_count}).",
                f"Content {label}: the department's criteria count cannot be negative "
                f"({content.set_criteria_count}).",
            )

    sums: dict[str, Decimal] = {}
    extras: dict[str, int] = {}
    set_ones: dict[str, int] = {}
    for criterion in criteria:
        code, parent_key = criterion.code, _code_key(criterion.content_code)
        parent = by_key.get(parent_key)
        where = parent.code if parent else criterion.content_code
        name = f"tiêu chí {code}" if code else "tiêu chí (không mã)"
        name_en = f"criterion {code}" if code else "criterion (no code)"
        name_cap, name_en_cap = name[:1].upper() + name[1:], name_en[:1].upper() + name_en[1:]
        if not code or not criterion.title:
            add(
                ScaleProblem.BLANK_TEXT,
                where,
                code or None,
                None,
                None,
                f"{name_cap} thiếu mã hoặc tên.",
                f"{name_en_cap} has no code or no title.",
            )
        check_code(code, where, code or "?")
        if parent is None:
            add(
                ScaleProblem.UNKNOWN_CONTENT,
                criterion.content_code,
                code,
                None,
                None,
                f"{name_cap} ghi thuộc nội dung “{criterion.content_code}”, nhưng thang điểm không có nội dung này.",
                f"{name_en_cap} belongs to content “{criterion.content_code}”, which is not in the scale.",
            )
        maximum, step = criterion.max_points, criterion.step
        if not maximum.is_finite() or maximum <= 0:
            add(
                ScaleProblem.NON_POSITIVE_MAX,
                where,
                code,
                maximum,
                Decimal(0),
                f"{name_cap}: điểm tối đa phải lớn hơn 0 (đang là {_show(maximum)}).",
                f"{name_en_cap}: the maximum must be above 0 (it is {_show(maximum, en=True)}).",
            )
        check_precision(maximum, f"{name_cap}: điểm tối đa", f"{name_en_cap}: the maximum", where, code)
        if not step.is_finite() or step <= 0:
            add(
                ScaleProblem.BAD_STEP,
                where,
                code,
                step,
                Decimal(0),
                f"{name_cap}: bước điểm phải lớn hơn 0 (đang là {_show(step)}).",
                f"{name_en_cap}: the step must be above 0 (it is {_show(step, en=True)}).",
            )
        else:
            check_precision(step, f"{name_cap}: bước điểm", f"{name_en_cap}: the step", where, code)
            precise = _decimals(step) <= MAX_DECIMALS and _decimals(maximum) <= MAX_DECIMALS
            if maximum.is_finite() and maximum > 0 and precise:
                with localcontext(_EXACT):
                    divides = maximum % step == 0
                if not divides:
                    add(
                        ScaleProblem.STEP_NOT_DIVISOR,
                        where,
                        code,
                        maximum,
                        step,
                        f"{name_cap}: điểm tối đa {format_points(maximum)} không chia hết cho "
                        f"bước điểm {format_points(step)}.",
                        f"{name_en_cap}: the maximum {_en_points(maximum)} is not a multiple "
                        f"of the step {_en_points(step)}.",
                    )
        if parent is not None and maximum.is_finite():
            with localcontext(_EXACT):
                sums[parent_key] = sums.get(parent_key, Decimal(0)) + maximum
            if criterion.added_by_bloc:
                extras[parent_key] = extras.get(parent_key, 0) + 1
            else:
                set_ones[parent_key] = set_ones.get(parent_key, 0) + 1

    done: set[str] = set()
    for content in contents:
        key = _code_key(content.code)
        if key in done:
            continue
        done.add(key)
        label = _content_label(content)
        total, used = content.point_total, sums.get(key, Decimal(0))
        if total.is_finite() and used > total:
            add(
                ScaleProblem.OVER_TOTAL,
                content.code,
                None,
                used,
                total,
                f"Nội dung {label}: tổng điểm tối đa của các tiêu chí là {format_points(used)}, "
                f"vượt quá tổng điểm {format_points(total)} của nội dung.",
                f"Content {label}: its criteria add up to {_en_points(used)} points, "
                f"above the content's total of {_en_points(total)}.",
            )
        set_count = content.set_criteria_count
        if set_count < 0:
            continue
        allowed, extra = extra_criteria_allowed(set_count, extra_percent), extras.get(key, 0)
        if extra > allowed:
            add(
                ScaleProblem.TOO_MANY_EXTRA,
                content.code,
                None,
                extra,
                allowed,
                f"Nội dung {label}: có {extra} tiêu chí bổ sung của khối, vượt quá {extra_percent}% "
                f"của {set_count} tiêu chí Sở quy định (tối đa {allowed}).",
                f"Content {label}: {extra} criteria added by the bloc, more than {extra_percent} % "
                f"of the department's {set_count} criteria (at most {allowed}).",
            )
        listed = set_ones.get(key, 0)
        if listed > set_count:
            add(
                ScaleProblem.MORE_THAN_SET,
                content.code,
                None,
                listed,
                set_count,
                f"Nội dung {label}: có {listed} tiêu chí không đánh dấu bổ sung, nhiều hơn {set_count} "
                "tiêu chí Sở quy định; tiêu chí khối thêm phải đánh dấu “Bổ sung của khối”.",
                f"Content {label}: {listed} criteria are not marked as added by the bloc, more than the "
                f"department's {set_count}; the bloc's own criteria must be marked as added.",
            )
    return found


# --------------------------------------------------------------------------- one score


class ScoreProblem(StrEnum):
    """Why a typed score is refused; each ``ScoreError`` carries one."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    TOO_MANY_DECIMALS = "too_many_decimals"
    ABOVE_MAX = "above_max"
    NOT_ON_STEP = "not_on_step"


@dataclass(frozen=True)
class ScoreError:
    """A refused score: the reason code and what to tell the representative, in both languages."""

    problem: ScoreProblem
    text: str
    message_vi: str
    message_en: str


# Digits are [0-9] on purpose: \d would also take Arabic-Indic and other scripts' digits.
_NUMBER = re.compile(r"([+\-−–]?)([0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def _read_number(text: str) -> tuple[Decimal, int] | None:
    """A plain decimal with a comma or a dot as mark, and its typed number of decimals; None if the
    text is anything else (no exponents, no NaN/Infinity, no thousands separators, no second mark)."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    sign, body = match.groups()
    body = body.replace(",", ".")
    typed_decimals = len(body.partition(".")[2])
    if body.endswith("."):
        body = body[:-1]
    if body.startswith("."):
        body = "0" + body
    number = Decimal(body)
    if sign not in ("", "+") and number != 0:
        number = number.copy_negate()
    return number, typed_decimals


def parse_score(text: str, criterion: Criterion) -> Decimal | ScoreError:
    """A score typed in chat, checked against its criterion; returned with two decimals (7.50).

    Both "7,5" and "7.5" are accepted because Vietnamese writes a comma and phones often offer only
    a dot. More than two typed decimals is refused rather than guessed, since "7.500" is how
    Vietnamese writes seven thousand five hundred.
    """
    raw = _nfc(text)
    code = criterion.code
    maximum, step = criterion.max_points, criterion.step
    if not (maximum.is_finite() and step.is_finite() and maximum > 0 and step > 0):
        # A scale is checked before it is published; scoring against a broken one is a bug.
        raise ValueError(f"criterion {code!r} has an invalid maximum or step; run check_scale first")

    def error(problem: ScoreProblem, vi: str, en: str) -> ScoreError:
        return ScoreError(problem, raw, vi, en)

    if not raw:
        return error(
            ScoreProblem.EMPTY,
            f"Bạn chưa nhập điểm cho tiêu chí {code}.",
            f"No score was typed for criterion {code}.",
        )
    read = _read_number(raw) if len(raw) <= _MAX_INPUT_LENGTH else None
    if read is None:
        return error(
            ScoreProblem.NOT_A_NUMBER,
            f"“{raw}” không phải là số. Hãy nhập điểm bằng chữ số, ví dụ 7 hoặc 7,5.",
            f"“{raw}” is not a number. Type the score in digits, e.g. 7 or 7.5.",
        )
    value, typed_decimals = read
    if value < 0:
        return error(
            ScoreProblem.NEGATIVE,
            f"Điểm không được âm ({raw}). Hãy nhập từ 0 đến {format_points(maximum)}.",
            f"A score cannot be negative ({raw}). Type a number from 0 to {_en_points(maximum)}.",
        )
    if typed_decimals > MAX_DECIMALS:
        return error(
            ScoreProblem.TOO_MANY_DECIMALS,
            f"“{raw}” có quá {MAX_DECIMALS} chữ số thập phân. Lưu ý: dấu phẩy hoặc dấu chấm là dấu "
            "thập phân, không dùng dấu phân cách hàng nghìn.",
            f"“{raw}” has more than {MAX_DECIMALS} decimals. The comma or dot is the decimal mark; "
            "do not use a thousands separator.",
        )
    if value > maximum:
        return error(
            ScoreProblem.ABOVE_MAX,
            f"Điểm {format_points(value)} vượt quá điểm tối đa {format_points(maximum)} của tiêu chí {code}.",
            f"{_en_points(value)} is above the maximum of {_en_points(maximum)} for criterion {code}.",
        )
    with localcontext(_EXACT):
        on_step = value % step == 0
        lower = (value // step) * step
        upper = min(lower + step, maximum)
    if not on_step:
        if step == 1:
            vi = f"Tiêu chí {code} chỉ chấm điểm nguyên, không chấm {format_points(value)}."
            en = f"Criterion {code} takes whole points only, not {_en_points(value)}."
        else:
            vi = f"Tiêu chí {code} chấm theo bước {format_points(step)} điểm; không nhận {format_points(value)}."
            en = f"Criterion {code} is scored in steps of {_en_points(step)}; {_en_points(value)} is not one."
        vi += f" Bạn có thể nhập {format_points(lower)} hoặc {format_points(upper)}."
        en += f" You could type {_en_points(lower)} or {_en_points(upper)}."
        return error(ScoreProblem.NOT_ON_STEP, vi, en)
    with localcontext(_EXACT):
        return value.quantize(SCORE_QUANTUM)


# --------------------------------------------------------------------------- totals and ranking


def unit_total(line_scores: Iterable[Decimal]) -> Decimal:
    """The exact sum of a unit's final line scores (pass ``mapping.values()``, not the mapping).

    Summed in a trapping context, so a total is never rounded whatever the caller's context is.
    """
    total = Decimal(0)
    with localcontext(_EXACT):
        for score in line_scores:
            number = _as_decimal(score, "line score")
            if not number.is_finite():
                raise ValueError(f"line score must be finite, got {number}")
            total += number
    return total


K = TypeVar("K", bound=Hashable)  # whatever identifies a unit to the caller: an id, a name


@dataclass(frozen=True)
class RankRow(Generic[K]):
    """One line of the ranking. ``tied`` is True when another unit has the same total (and rank)."""

    unit_id: K
    total: Decimal
    rank: int
    tied: bool


def _id_key(unit_id: UnitId) -> tuple[str, Any]:
    # Mixed int/str ids must still sort; the type name keeps them apart deterministically.
    return (type(unit_id).__name__, unit_id)


def rank(
    totals: Mapping[K, Decimal],
    *,
    tiebreak: Callable[[K], Any] | None = None,
) -> list[RankRow[K]]:
    """Standard competition ranking ("1224"): equal totals share a rank, the next rank skips.

    A unit's rank is 1 + the number of units with a strictly higher total, so it depends only on
    the totals, never on the order of the mapping. Rows are ordered by total (high first), then by
    ``tiebreak(unit_id)`` (e.g. the unit's name, for display only), then by id, so the listing is
    reproducible too; the tiebreak never changes a rank number or hides a tie.
    """
    checked: dict[K, Decimal] = {}
    for unit_id, total in totals.items():
        number = _as_decimal(total, "total")
        if not number.is_finite():
            raise ValueError(f"total of {unit_id!r} must be finite, got {number}")
        checked[unit_id] = number

    def order(unit_id: K) -> tuple[Decimal, Any, tuple[str, Any]]:
        shown = tiebreak(unit_id) if tiebreak is not None else 0
        return (checked[unit_id].copy_negate(), shown, _id_key(unit_id))

    ordered = sorted(checked, key=order)
    counts: dict[Decimal, int] = {}
    for number in checked.values():
        counts[number] = counts.get(number, 0) + 1
    rows: list[RankRow[K]] = []
    current_rank, previous = 0, None
    for position, unit_id in enumerate(ordered, start=1):
        number = checked[unit_id]
        if previous is None or number != previous:
            current_rank, previous = position, number
        rows.append(RankRow(unit_id, number, current_rank, counts[number] > 1))
    return rows


# --------------------------------------------------------------------------- spreadsheet import


class Column(StrEnum):
    """The scale file's columns; the value is the Vietnamese header written by ``scale_to_rows``."""

    CODE = "Mã"
    TITLE = "Nội dung / Tiêu chí"
    POINTS = "Điểm tối đa"
    STEP = "Bước điểm"
    ADDED = "Bổ sung của khối"
    PARENT = "Thuộc nội dung"
    SET_COUNT = "Số tiêu chí Sở quy định"


_COLUMN_EN = {
    Column.CODE: "Code",
    Column.TITLE: "Content / Criterion",
    Column.POINTS: "Max points",
    Column.STEP: "Step",
    Column.ADDED: "Added by bloc",
    Column.PARENT: "Content code",
    Column.SET_COUNT: "Department criteria",
}

REQUIRED_COLUMNS = (Column.CODE, Column.TITLE, Column.POINTS)

_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.CODE: ("mã", "mã số", "mã tiêu chí", "code", "id"),
    Column.TITLE: (
        "nội dung / tiêu chí",
        "nội dung, tiêu chí",
        "nội dung và tiêu chí",
        "nội dung - tiêu chí",
        "nội dung",
        "tiêu chí",
        "tên",
        "content / criterion",
        "content/criterion",
        "title",
        "name",
        "description",
    ),
    Column.POINTS: (
        "điểm tối đa",
        "điểm",
        "điểm chuẩn",
        "thang điểm",
        "tổng điểm",
        "max points",
        "maximum",
        "max",
        "points",
    ),
    Column.STEP: ("bước điểm", "bước", "step", "point step"),
    Column.ADDED: (
        "bổ sung của khối",
        "bổ sung",
        "tiêu chí bổ sung",
        "khối bổ sung",
        "added by bloc",
        "added by the bloc",
        "bloc extra",
        "extra",
        "added",
    ),
    Column.PARENT: ("thuộc nội dung", "mã nội dung", "nội dung cha", "content code", "parent", "belongs to"),
    Column.SET_COUNT: (
        "số tiêu chí sở quy định",
        "số tiêu chí do sở quy định",
        "số tiêu chí quy định",
        "số tiêu chí của sở",
        "department criteria",
        "set criteria",
        "set criteria count",
        "department criteria count",
    ),
}


def _strip_marks(text: str) -> str:
    """Fold diacritics (and Đ, which has no decomposition) so "Diem toi da" matches "Điểm tối đa"."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _header_key(text: str) -> str:
    key = _strip_marks(_nfc(text).casefold())
    key = re.sub(r"\s*([/,&\-–])\s*", r"\1", key)
    return key.strip(" :*.")


_HEADER_LOOKUP: dict[str, Column] = {
    _header_key(alias): column
    for column in Column
    for alias in (column.value, _COLUMN_EN[column], *_ALIASES[column])
}

_TRUE = {"x", "có", "co", "c", "yes", "y", "true", "1", "✓", "✔", "bổ sung", "bo sung", "bs"}
_FALSE = {"", "không", "khong", "k", "no", "n", "false", "0", "-", "–"}


class RowProblem(StrEnum):
    """Why the scale file (or one row of it) is refused; each ``RowError`` carries one."""

    NO_HEADER = "no_header"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    MISSING_VALUE = "missing_value"
    BAD_NUMBER = "bad_number"
    BAD_COUNT = "bad_count"
    BAD_FLAG = "bad_flag"
    CONTENT_MARKED_ADDED = "content_marked_added"
    DUPLICATE_CODE = "duplicate_code"


@dataclass(frozen=True)
class RowError:
    """A problem in the uploaded file: its row number (1 = the file's first row) and column."""

    row: int
    column: Column | None
    problem: RowProblem
    message_vi: str
    message_en: str


def _cell_text(cell: Cell) -> str:
    """Any reader's cell as NFC text. An integral float (Excel's 2.0) is written "2", so a code or a
    count typed as a number reads as typed; other floats use Python's shortest repr ("7.5")."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, Decimal):
        return format(cell, "f")
    return _nfc(str(cell))


def _read_file_number(text: str) -> Decimal | None:
    read = _read_number(text) if len(text) <= _MAX_INPUT_LENGTH else None
    return None if read is None else read[0]


def _pick(cells: Sequence[str], header: Mapping[Column, int], column: Column) -> str:
    index = header.get(column)
    return cells[index] if index is not None and index < len(cells) else ""


def _find_header(
    numbered: Iterable[tuple[int, list[str]]], errors: list[RowError]
) -> tuple[int, dict[Column, int]] | None:
    """The first row naming the code column or any two known columns; rows above it (a title, a
    date) are skipped. Reports a missing required column or, failing all, the lack of a header."""
    first_filled = 0
    for number, cells in numbered:
        if first_filled == 0:
            first_filled = number
        matched = [(index, _HEADER_LOOKUP.get(_header_key(cell))) for index, cell in enumerate(cells)]
        known = {column for _, column in matched if column is not None}
        if Column.CODE not in known and len(known) < 2:
            continue
        header: dict[Column, int] = {}
        for index, column in matched:
            if column is None:
                continue
            if column in header:
                errors.append(
                    RowError(
                        number,
                        column,
                        RowProblem.DUPLICATE_COLUMN,
                        f"Dòng {number}: cột “{column.value}” xuất hiện hai lần.",
                        f"Row {number}: the column “{_COLUMN_EN[column]}” appears twice.",
                    )
                )
            else:
                header[column] = index
        for column in REQUIRED_COLUMNS:
            if column not in header:
                errors.append(
                    RowError(
                        number,
                        column,
                        RowProblem.MISSING_COLUMN,
                        f"Dòng {number}: thiếu cột “{column.value}”.",
                        f"Row {number}: the column “{_COLUMN_EN[column]}” is missing.",
                    )
                )
        return number, header
    names = ", ".join(f"“{c.value}”" for c in REQUIRED_COLUMNS)
    names_en = ", ".join(f"“{_COLUMN_EN[c]}”" for c in REQUIRED_COLUMNS)
    errors.append(
        RowError(
            first_filled or 1,
            None,
            RowProblem.NO_HEADER,
            f"Không tìm thấy dòng tiêu đề. Tệp cần các cột: {names}.",
            f"No header row was found. The file needs the columns: {names_en}.",
        )
    )
    return None


def scale_from_rows(
    rows: Iterable[Sequence[Cell]],
) -> tuple[list[Content], list[Criterion], list[RowError]]:
    """Contents and criteria read from the head's XLSX/CSV rows (layout in the module docstring).

    Only the file's shape is checked here (columns, numbers, flags, duplicate codes, each with its
    row number, 1 = the first row given); the plan's rules are ``check_scale``'s job, which the
    caller runs next. A row with an error is left out; a missing required column returns no scale.
    """
    errors: list[RowError] = []

    def err(row: int, column: Column | None, problem: RowProblem, vi: str, en: str) -> None:
        errors.append(RowError(row, column, problem, vi, en))

    numbered = (
        (number, cells)
        for number, cells in ((n, [_cell_text(cell) for cell in raw]) for n, raw in enumerate(rows, start=1))
        if any(cells)
    )
    found = _find_header(numbered, errors)
    if found is None or errors:
        return [], [], errors
    _, header = found

    contents: list[Content] = []
    pending: list[Criterion] = []
    set_counts: dict[str, int | None] = {}
    seen: dict[str, int] = {}

    for number, cells in numbered:
        code, title = _pick(cells, header, Column.CODE), _pick(cells, header, Column.TITLE)
        points_text = _pick(cells, header, Column.POINTS)
        before = len(errors)
        for column, text in ((Column.CODE, code), (Column.TITLE, title), (Column.POINTS, points_text)):
            if not text:
                err(
                    number,
                    column,
                    RowProblem.MISSING_VALUE,
                    f"Dòng {number}: thiếu “{column.value}”.",
                    f"Row {number}: “{_COLUMN_EN[column]}” is empty.",
                )
        points = _read_file_number(points_text) if points_text else None
        if points_text and points is None:
            err(
                number,
                Column.POINTS,
                RowProblem.BAD_NUMBER,
                f"Dòng {number}: “{points_text}” ở cột “{Column.POINTS.value}” không phải là số.",
                f"Row {number}: “{points_text}” in “{_COLUMN_EN[Column.POINTS]}” is not a number.",
            )
        parent = _pick(cells, header, Column.PARENT)
        if not parent and "." in code:
            parent = code.split(".", 1)[0]
        is_criterion = bool(parent)

        added_text = _pick(cells, header, Column.ADDED)
        flag = added_text.casefold()
        added = flag in _TRUE
        if not added and flag not in _FALSE:
            err(
                number,
                Column.ADDED,
                RowProblem.BAD_FLAG,
                f"Dòng {number}: “{added_text}” ở cột “{Column.ADDED.value}” phải là “x” (có) hoặc để trống.",
                f"Row {number}: “{added_text}” in “{_COLUMN_EN[Column.ADDED]}” must be “x” (yes) or blank.",
            )

        step: Decimal | None = Decimal(1)
        count: int | None = None
        if is_criterion:
            step_text = _pick(cells, header, Column.STEP)
            if step_text:
                step = _read_file_number(step_text)
                if step is None:
                    err(
                        number,
                        Column.STEP,
                        RowProblem.BAD_NUMBER,
                        f"Dòng {number}: “{step_text}” ở cột “{Column.STEP.value}” không phải là số.",
                        f"Row {number}: “{step_text}” in “{_COLUMN_EN[Column.STEP]}” is not a number.",
                    )
        else:
            if added:
                err(
                    number,
                    Column.ADDED,
                    RowProblem.CONTENT_MARKED_ADDED,
                    f"Dòng {number}: nội dung “{code}” không thể là bổ sung của khối; khối chỉ được "
                    "bổ sung tiêu chí.",
                    f"Row {number}: content “{code}” cannot be added by the bloc; a bloc may only add criteria.",
                )
            count_text = _pick(cells, header, Column.SET_COUNT)
            if count_text:
                count_number = _read_file_number(count_text)
                if (
                    count_number is None
                    or count_number < 0
                    or count_number != count_number.to_integral_value()
                ):
                    err(
                        number,
                        Column.SET_COUNT,
                        RowProblem.BAD_COUNT,
                        f"Dòng {number}: “{count_text}” ở cột “{Column.SET_COUNT.value}” phải là số "
                        "nguyên không âm.",
                        f"Row {number}: “{count_text}” in “{_COLUMN_EN[Column.SET_COUNT]}” must be a "
                        "whole number, 0 or more.",
                    )
                else:
                    count = int(count_number)

        if code:
            key = _code_key(code)
            if key in seen:
                err(
                    number,
                    Column.CODE,
                    RowProblem.DUPLICATE_CODE,
                    f"Dòng {number}: mã “{code}” trùng với dòng {seen[key]}.",
                    f"Row {number}: code “{code}” is already used on row {seen[key]}.",
                )
            elif len(errors) == before:
                seen[key] = number
        if len(errors) > before or points is None or step is None:
            continue
        if is_criterion:
            pending.append(Criterion(code, parent, title, points, step, added))
        else:
            contents.append(Content(code, title, points, count if count is not None else 0))
            set_counts[_code_key(code)] = count

    # A blank department count means "the criteria in the file not marked as the bloc's".
    listed: dict[str, int] = {}
    for criterion in pending:
        if not criterion.added_by_bloc:
            key = _code_key(criterion.content_code)
            listed[key] = listed.get(key, 0) + 1
    contents = [
        content
        if set_counts.get(_code_key(content.code)) is not None
        else Content(content.code, content.title, content.point_total, listed.get(_code_key(content.code), 0))
        for content in contents
    ]
    return contents, pending, errors


def scale_to_rows(contents: Sequence[Content], criteria: Sequence[Criterion]) -> list[list[str]]:
    """The scale as rows in the layout ``scale_from_rows`` reads: the template the bot sends and the
    export of a published scale. Each content is followed by its criteria, in the given order."""
    for content in contents:
        if "." in content.code:
            raise ValueError(f"content code {content.code!r} contains a dot, which marks a criterion")
    keys = {_code_key(content.code) for content in contents}
    for criterion in criteria:
        if _code_key(criterion.content_code) not in keys:
            raise ValueError(f"criterion {criterion.code!r} belongs to no content of the scale")
    rows: list[list[str]] = [[column.value for column in Column]]
    for content in contents:
        rows.append(
            [
                content.code,
                content.title,
                format_points(content.point_total),
                "",
                "",
                "",
                str(content.set_criteria_count),
            ]
        )
        for criterion in criteria:
            if _code_key(criterion.content_code) == _code_key(content.code):
                rows.append(
                    [
                        criterion.code,
                        criterion.title,
                        format_points(criterion.max_points),
                        format_points(criterion.step),
                        "x" if criterion.added_by_bloc else "",
                        content.code,
                        "",
                    ]
                )
    return rows
