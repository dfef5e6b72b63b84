"""The pure scale, score, total and ranking rules (issue 4; seed 000 §IV.1; docs/domain.md steps 3-4)."""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.scoring_rules import (
    SCORE_QUANTUM,
    Column,
    Content,
    Criterion,
    RankRow,
    RowProblem,
    ScaleProblem,
    ScoreError,
    ScoreProblem,
    check_scale,
    extra_criteria_allowed,
    format_points,
    parse_score,
    rank,
    scale_from_rows,
    scale_to_rows,
    unit_total,
)

pytestmark = pytest.mark.scoring

D = Decimal
WHOLE, HALF, QUARTER = D(1), D("0.5"), D("0.25")


def content(code: str = "1", total: str = "60", set_count: int = 10, title: str = "Nội dung") -> Content:
    return Content(code, title, D(total), set_count)


def crit(
    code: str, content_code: str = "1", max_points: str = "5", step: Decimal = WHOLE, added: bool = False
) -> Criterion:
    return Criterion(code, content_code, f"Tiêu chí {code}", D(max_points), step, added)


def problems(contents: Sequence[Content], criteria: Sequence[Criterion]) -> list[ScaleProblem]:
    return [violation.problem for violation in check_scale(contents, criteria)]


def realistic_scale() -> tuple[list[Content], list[Criterion]]:
    """A 100-point bloc scale shaped like seed 000's contents, with half points and bloc extras."""
    contents = [
        Content("1", "Thực hiện nhiệm vụ chính trị", D(60), 10),
        Content("2", "Công tác thi đua, khen thưởng", D(20), 4),
        Content("3", "Xây dựng tổ chức Đảng, đoàn thể vững mạnh", D(10), 3),
        Content("4", "Công tác tham mưu, phối hợp và cải cách hành chính", D(10), 7),
    ]
    criteria = [
        *(
            Criterion(f"1.{i}", "1", f"Chỉ tiêu {i}: tỷ lệ học sinh lên lớp, tốt nghiệp", D(5), HALF)
            for i in range(1, 11)
        ),
        Criterion("1.11", "1", "Câu lạc bộ Văn – Thể – Mỹ (khối bổ sung)", D(4), HALF, True),
        Criterion("1.12", "1", "Chuyển đổi số trong dạy học", D(3), WHOLE, True),
        Criterion("1.13", "1", "Mô hình mới, cách làm hay", D("2.5"), QUARTER, True),
        Criterion("2.1", "2", "Đăng ký và ký kết giao ước thi đua đúng hạn", D(5)),
        Criterion("2.2", "2", "Phát hiện, bồi dưỡng điển hình tiên tiến", D(5), HALF),
        Criterion("2.3", "2", "Hồ sơ đề nghị khen thưởng đầy đủ, đúng quy định", D(5)),
        Criterion("2.4", "2", "Tham gia sinh hoạt khối đầy đủ", D(4)),
        Criterion("2.5", "2", "Tổ chức hội nghị điển hình tiên tiến", D(1), WHOLE, True),
        Criterion("3.1", "3", "Chi bộ được xếp loại “Hoàn thành tốt nhiệm vụ” trở lên", D(4)),
        Criterion("3.2", "3", "Công đoàn, Đoàn thanh niên vững mạnh", D(3), HALF),
        Criterion("3.3", "3", "Không có cán bộ, viên chức vi phạm kỷ luật", D(3)),
        *(Criterion(f"4.{i}", "4", f"Báo cáo đúng hạn, số {i}", D(1), HALF) for i in range(1, 8)),
        Criterion("4.8", "4", "Ứng dụng phần mềm quản lý", D(1), WHOLE, True),
        Criterion("4.9", "4", "Phối hợp với cha mẹ học sinh", D(2), WHOLE, True),
    ]
    return contents, criteria


# --------------------------------------------------------------------------- the scale


def test_realistic_scale_is_valid() -> None:
    contents, criteria = realistic_scale()
    assert check_scale(contents, criteria) == []
    assert sum(c.point_total for c in contents) == 100


def test_content_over_its_total_is_refused_naming_the_content_and_numbers() -> None:
    contents = [Content("1", "Thực hiện nhiệm vụ chính trị", D(60), 10)]
    criteria = [crit(f"1.{i}", max_points="6") for i in range(1, 10)] + [
        crit("1.10", max_points="6.5", step=HALF)
    ]
    violations = check_scale(contents, criteria)
    assert len(violations) == 1
    (violation,) = violations
    assert violation.problem is ScaleProblem.OVER_TOTAL
    assert violation.content_code == "1"
    assert (violation.actual, violation.limit) == (D("60.5"), D(60))
    for message in (violation.message_vi, violation.message_en):
        assert "Thực hiện nhiệm vụ chính trị" in message
    assert "60,5" in violation.message_vi and "60" in violation.message_vi
    assert "vượt quá" in violation.message_vi
    assert "60.5" in violation.message_en


def test_content_exactly_at_its_total_is_accepted() -> None:
    criteria = [crit(f"1.{i}", max_points="6") for i in range(1, 11)]
    assert check_scale([content(total="60")], criteria) == []


def test_criteria_below_the_total_are_accepted() -> None:
    assert check_scale([content(total="60")], [crit("1.1", max_points="10")]) == []


@pytest.mark.parametrize(
    ("set_count", "extra", "accepted"),
    [
        (10, 3, True),
        (10, 4, False),
        (7, 2, True),
        (7, 3, False),
        (20, 6, True),
        (20, 7, False),
        (4, 1, True),
        (4, 2, False),
        (3, 0, True),
        (3, 1, False),
        (0, 0, True),
        (0, 1, False),
    ],
)
def test_thirty_percent_extra_criteria_boundary(set_count: int, extra: int, accepted: bool) -> None:
    criteria = [crit(f"1.{i}", max_points="1") for i in range(1, set_count + 1)]
    criteria += [crit(f"1.b{i}", max_points="1", added=True) for i in range(1, extra + 1)]
    violations = check_scale([content(set_count=set_count)], criteria)
    if accepted:
        assert violations == []
        return
    (violation,) = violations
    allowed = set_count * 3 // 10
    assert violation.problem is ScaleProblem.TOO_MANY_EXTRA
    assert violation.content_code == "1"
    assert (violation.actual, violation.limit) == (extra, allowed)
    assert f"{extra} tiêu chí bổ sung" in violation.message_vi
    assert f"30% của {set_count} tiêu chí" in violation.message_vi
    assert f"tối đa {allowed}" in violation.message_vi
    assert f"at most {allowed}" in violation.message_en


def test_extra_limit_on_ten_and_seven() -> None:
    assert extra_criteria_allowed(10) == 3
    assert extra_criteria_allowed(7) == 2  # 2.1 criteria cannot be added; 3 would be 42.9 %
    assert extra_criteria_allowed(7, percent=50) == 3


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=100))
def test_extra_limit_is_the_largest_count_within_the_share(set_count: int, percent: int) -> None:
    allowed = extra_criteria_allowed(set_count, percent)
    share = Fraction(percent, 100) * set_count
    assert allowed <= share < allowed + 1


def test_the_extra_share_is_a_parameter() -> None:
    criteria = [crit(f"1.{i}", max_points="1") for i in range(1, 11)]
    criteria += [crit(f"1.b{i}", max_points="1", added=True) for i in range(1, 5)]
    assert problems([content()], criteria) == [ScaleProblem.TOO_MANY_EXTRA]
    assert check_scale([content()], criteria, extra_percent=40) == []


def test_relabelling_extra_criteria_as_the_departments_is_caught() -> None:
    criteria = [crit(f"1.{i}", max_points="1") for i in range(1, 15)]
    (violation,) = check_scale([content(set_count=10)], criteria)
    assert violation.problem is ScaleProblem.MORE_THAN_SET
    assert (violation.actual, violation.limit) == (14, 10)


def test_criterion_of_an_unknown_content() -> None:
    (violation,) = check_scale([content()], [crit("9.1", content_code="9")])
    assert violation.problem is ScaleProblem.UNKNOWN_CONTENT
    assert (violation.content_code, violation.criterion_code) == ("9", "9.1")
    assert "“9”" in violation.message_vi


def test_duplicate_codes_case_and_normalisation_insensitive() -> None:
    nfd_code = unicodedata.normalize("NFD", "Ạ")
    contents = [content("1"), content("2", total="10", set_count=3), content("1", total="5")]
    criteria = [crit("1.a"), crit("1.A"), crit(nfd_code, content_code="2"), crit("Ạ", content_code="2")]
    found = check_scale(contents, criteria)
    assert [v.problem for v in found].count(ScaleProblem.DUPLICATE_CODE) == 3
    assert {v.criterion_code for v in found if v.problem is ScaleProblem.DUPLICATE_CODE} == {None, "1.A", "Ạ"}


def test_content_and_criterion_codes_share_one_namespace() -> None:
    assert problems([content("1")], [crit("1")]) == [ScaleProblem.DUPLICATE_CODE]


@pytest.mark.parametrize("maximum", ["0", "-1", "-0.5"])
def test_maximum_of_zero_or_below(maximum: str) -> None:
    (violation,) = check_scale([content()], [crit("1.1", max_points=maximum)])
    assert violation.problem is ScaleProblem.NON_POSITIVE_MAX
    assert violation.criterion_code == "1.1"


@pytest.mark.parametrize(
    ("maximum", "step", "ok"),
    [
        ("2.5", WHOLE, False),
        ("2.5", HALF, True),
        ("1", QUARTER, True),
        ("1.5", QUARTER, True),
        ("1.25", HALF, False),
        ("10", D(3), False),
        ("9", D(3), True),
        ("0.5", WHOLE, False),
    ],
)
def test_step_must_divide_the_maximum(maximum: str, step: Decimal, ok: bool) -> None:
    found = problems([content()], [crit("1.1", max_points=maximum, step=step)])
    assert found == ([] if ok else [ScaleProblem.STEP_NOT_DIVISOR])


@pytest.mark.parametrize("step", [D(0), D(-1), D("NaN")])
def test_step_must_be_positive(step: Decimal) -> None:
    assert problems([content()], [crit("1.1", step=step)]) == [ScaleProblem.BAD_STEP]


def test_more_than_two_decimals_is_too_precise() -> None:
    found = problems([content(total="60.001")], [crit("1.1", max_points="1.125", step=D("0.125"))])
    assert found == [ScaleProblem.TOO_PRECISE, ScaleProblem.TOO_PRECISE, ScaleProblem.TOO_PRECISE]


def test_bad_contents_and_all_problems_at_once() -> None:
    contents = [Content("1", "", D(0), -1), content("2", total="10", set_count=1)]
    criteria = [crit("2.1", content_code="2", max_points="6"), crit("2.2", content_code="2", max_points="6")]
    assert problems(contents, criteria) == [
        ScaleProblem.BLANK_TEXT,
        ScaleProblem.NON_POSITIVE_TOTAL,
        ScaleProblem.BAD_SET_COUNT,
        ScaleProblem.OVER_TOTAL,
        ScaleProblem.MORE_THAN_SET,
    ]


def test_floats_are_refused_in_the_scale_model() -> None:
    with pytest.raises(TypeError):
        Content("1", "x", 60.0, 10)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Criterion("1.1", "1", "x", D(5), 0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Content("1", "x", D(60), True)
    assert Content("1", "x", 60, 10).point_total == D(60)  # type: ignore[arg-type]


def test_codes_and_titles_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "  Công tác   thi đua ")
    assert Content("2", decomposed, D(20), 4).title == "Công tác thi đua"


# --------------------------------------------------------------------------- one score


TEN_WHOLE = Criterion("1.1", "1", "Tỷ lệ học sinh lên lớp", D(10), WHOLE)
TEN_HALF = Criterion("1.2", "1", "Tỷ lệ tốt nghiệp", D(10), HALF)
FIVE_QUARTER = Criterion("1.3", "1", "Chuyên đề", D(5), QUARTER)


@pytest.mark.parametrize(
    ("text", "criterion", "expected"),
    [
        ("7", TEN_WHOLE, "7"),
        ("7,5", TEN_HALF, "7.5"),
        ("7.5", TEN_HALF, "7.5"),
        ("  7,5  ", TEN_HALF, "7.5"),
        ("\u00a08\u00a0", TEN_WHOLE, "8"),
        ("10", TEN_WHOLE, "10"),
        ("0", TEN_WHOLE, "0"),
        ("-0", TEN_WHOLE, "0"),
        ("+6", TEN_WHOLE, "6"),
        ("7,50", TEN_HALF, "7.5"),
        ("7.", TEN_WHOLE, "7"),
        (",5", TEN_HALF, "0.5"),
        ("4,75", FIVE_QUARTER, "4.75"),
        ("5", FIVE_QUARTER, "5"),
    ],
)
def test_accepted_scores(text: str, criterion: Criterion, expected: str) -> None:
    result = parse_score(text, criterion)
    assert isinstance(result, Decimal)
    assert result == D(expected)
    assert result.as_tuple().exponent == SCORE_QUANTUM.as_tuple().exponent
    assert not result.is_signed()


@pytest.mark.parametrize(
    ("text", "criterion", "problem"),
    [
        ("bảy", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("7..5", TEN_HALF, ScoreProblem.NOT_A_NUMBER),
        ("7,5,0", TEN_HALF, ScoreProblem.NOT_A_NUMBER),
        ("1e3", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("1E1", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("NaN", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("Infinity", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("-Infinity", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("inf", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("0x5", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("1 000", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("7 điểm", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),
        ("７", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),  # full-width digit
        ("٧", TEN_WHOLE, ScoreProblem.NOT_A_NUMBER),  # Arabic-Indic digit
        ("1/2", TEN_HALF, ScoreProblem.NOT_A_NUMBER),
        ("", TEN_WHOLE, ScoreProblem.EMPTY),
        ("   ", TEN_WHOLE, ScoreProblem.EMPTY),
        ("-1", TEN_WHOLE, ScoreProblem.NEGATIVE),
        ("−2", TEN_WHOLE, ScoreProblem.NEGATIVE),  # U+2212 minus sign
        ("-0,5", TEN_HALF, ScoreProblem.NEGATIVE),
        ("11", TEN_WHOLE, ScoreProblem.ABOVE_MAX),
        ("10,5", TEN_HALF, ScoreProblem.ABOVE_MAX),
        ("99999999999999999999999999999999999", TEN_WHOLE, ScoreProblem.ABOVE_MAX),
        ("7,5", TEN_WHOLE, ScoreProblem.NOT_ON_STEP),
        ("7.5", TEN_WHOLE, ScoreProblem.NOT_ON_STEP),
        ("7,25", TEN_HALF, ScoreProblem.NOT_ON_STEP),
        ("4,8", FIVE_QUARTER, ScoreProblem.NOT_ON_STEP),
        ("7.500", TEN_WHOLE, ScoreProblem.TOO_MANY_DECIMALS),
        ("7,125", FIVE_QUARTER, ScoreProblem.TOO_MANY_DECIMALS),
    ],
)
def test_refused_scores(text: str, criterion: Criterion, problem: ScoreProblem) -> None:
    result = parse_score(text, criterion)
    assert isinstance(result, ScoreError)
    assert result.problem is problem
    assert result.message_vi and result.message_en
    assert result.message_vi != result.message_en


def test_refusal_messages_explain_in_vietnamese() -> None:
    above = parse_score("11", TEN_WHOLE)
    assert isinstance(above, ScoreError)
    assert above.message_vi == "Điểm 11 vượt quá điểm tối đa 10 của tiêu chí 1.1."
    negative = parse_score("-1", TEN_WHOLE)
    assert isinstance(negative, ScoreError)
    assert "không được âm" in negative.message_vi
    word = parse_score("bảy", TEN_WHOLE)
    assert isinstance(word, ScoreError)
    assert "“bảy” không phải là số" in word.message_vi
    half = parse_score("7,5", TEN_WHOLE)
    assert isinstance(half, ScoreError)
    assert "chỉ chấm điểm nguyên" in half.message_vi
    assert "7 hoặc 8" in half.message_vi
    quarter = parse_score("4,8", FIVE_QUARTER)
    assert isinstance(quarter, ScoreError)
    assert "bước 0,25" in quarter.message_vi and "4,75 hoặc 5" in quarter.message_vi
    assert "4.75 or 5" in quarter.message_en


def test_decomposed_input_is_normalised() -> None:
    result = parse_score(unicodedata.normalize("NFD", "bảy"), TEN_WHOLE)
    assert isinstance(result, ScoreError)
    assert result.text == "bảy"


def test_scoring_against_a_broken_criterion_is_a_bug() -> None:
    with pytest.raises(ValueError):
        parse_score("1", Criterion("1.1", "1", "x", D(5), D(0)))


STEPS = st.sampled_from([WHOLE, HALF, QUARTER, D("0.1"), D(2)])


@st.composite
def criterion_and_score(draw: st.DrawFn) -> tuple[Criterion, Decimal]:
    step = draw(STEPS)
    maximum = step * draw(st.integers(min_value=1, max_value=200))
    score = step * draw(st.integers(min_value=0, max_value=int(maximum / step)))
    return Criterion("1.1", "1", "x", maximum, step), score


@given(criterion_and_score(), st.booleans())
def test_every_valid_score_typed_back_parses_to_itself(case: tuple[Criterion, Decimal], dot: bool) -> None:
    criterion, score = case
    typed = format_points(score)
    if dot:
        typed = typed.replace(",", ".")
    assert parse_score(typed, criterion) == score


@given(st.text(max_size=12), st.sampled_from([TEN_WHOLE, TEN_HALF, FIVE_QUARTER]))
def test_any_text_gives_an_on_step_score_in_range_or_a_reason(text: str, criterion: Criterion) -> None:
    result = parse_score(text, criterion)
    if isinstance(result, ScoreError):
        assert isinstance(result.problem, ScoreProblem)
        return
    assert D(0) <= result <= criterion.max_points
    assert result % criterion.step == 0


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("7.50"), "7,5"),
        (D("7.5"), "7,5"),
        (D("10.00"), "10"),
        (D("1E+1"), "10"),
        (D("100"), "100"),
        (D("0.00"), "0"),
        (D("-0"), "0"),
        (D("0.25"), "0,25"),
        (D("187.75"), "187,75"),
        (7, "7"),
    ],
)
def test_format_points(value: Decimal, shown: str) -> None:
    assert format_points(value) == shown


def test_format_points_refuses_floats_and_nan() -> None:
    with pytest.raises(TypeError):
        format_points(7.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_points(D("NaN"))


# --------------------------------------------------------------------------- totals

SCORES = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(SCORES, max_size=60))
def test_total_equals_the_sum_of_the_line_scores(lines: list[Decimal]) -> None:
    total = unit_total(lines)
    assert Fraction(total) == sum((Fraction(line) for line in lines), Fraction(0))


@given(st.lists(SCORES, max_size=30), st.randoms())
def test_total_does_not_depend_on_line_order(lines: list[Decimal], random: Random) -> None:
    shuffled = list(lines)
    random.shuffle(shuffled)
    assert unit_total(shuffled) == unit_total(lines)


def test_total_is_exact_whatever_the_callers_context() -> None:
    lines = [D("99.25"), D("88.5"), D("0.25")]
    with localcontext() as ctx:
        ctx.prec = 3
        total = unit_total(lines)
    assert total == D("188.00")


def test_total_of_a_parsed_sheet() -> None:
    _, criteria = realistic_scale()
    typed = [
        format_points(c.max_points - c.step).replace(",", "." if i % 2 else ",")
        for i, c in enumerate(criteria)
    ]
    scores = [parse_score(text, c) for text, c in zip(typed, criteria, strict=True)]
    assert all(isinstance(s, Decimal) for s in scores)
    total = unit_total(s for s in scores if isinstance(s, Decimal))
    assert total == sum(c.max_points - c.step for c in criteria)
    assert format_points(total) == "80,25"  # 99,5 points of maxima less 19,25 of steps


def test_total_of_nothing_is_zero_and_floats_are_refused() -> None:
    assert unit_total([]) == 0
    with pytest.raises(TypeError):
        unit_total([D(1), 0.5])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        unit_total([D("Infinity")])


# --------------------------------------------------------------------------- ranking


def ranks(rows: list[RankRow]) -> dict[object, int]:
    return {row.unit_id: row.rank for row in rows}


def test_competition_ranking_1224() -> None:
    rows = rank({"A": D(90), "B": D("85.5"), "C": D("85.50"), "D": D(80)})
    assert [(r.unit_id, r.rank, r.tied) for r in rows] == [
        ("A", 1, False),
        ("B", 2, True),
        ("C", 2, True),
        ("D", 4, False),
    ]


def test_three_way_tie_at_the_top() -> None:
    rows = rank({1: D(70), 2: D(70), 3: D(70), 4: D(69), 5: D(69)})
    assert [(r.unit_id, r.rank, r.tied) for r in rows] == [
        (1, 1, True),
        (2, 1, True),
        (3, 1, True),
        (4, 4, True),
        (5, 4, True),
    ]


def test_tiebreak_orders_the_display_but_never_the_rank() -> None:
    names = {10: "Trường THPT Tây Đô", 11: "Trường THPT Bùi Hữu Nghĩa", 12: "Trường THPT Châu Văn Liêm"}
    totals = {10: D(95), 11: D(95), 12: D(97)}
    plain = rank(totals)
    by_name = rank(totals, tiebreak=lambda unit: names[unit])
    assert [r.unit_id for r in plain] == [12, 10, 11]
    assert [r.unit_id for r in by_name] == [12, 11, 10]
    assert ranks(plain) == ranks(by_name) == {12: 1, 10: 2, 11: 2}


def test_ranking_is_exact_whatever_the_callers_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 2
        rows = rank({"a": D("99.2"), "b": D("99.25")})
    assert [(r.unit_id, r.rank, r.tied) for r in rows] == [("b", 1, False), ("a", 2, False)]


def test_ranking_edge_cases() -> None:
    assert rank({}) == []
    assert rank({"only": D(0)}) == [RankRow("only", D(0), 1, False)]
    assert [r.rank for r in rank({1: D(1), "x": D(1)})] == [1, 1]  # mixed id types still sort
    with pytest.raises(TypeError):
        rank({"a": 1.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        rank({"a": D("NaN")})


TOTALS = st.dictionaries(
    st.integers(min_value=1, max_value=60),
    st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False).filter(
        lambda d: d * 2 == (d * 2).to_integral_value()
    ),
    max_size=25,
)


@given(TOTALS, st.randoms())
def test_shuffling_units_never_changes_any_rank(totals: dict[int, Decimal], random: Random) -> None:
    items = list(totals.items())
    random.shuffle(items)
    shuffled = dict(items)
    assert rank(shuffled) == rank(totals)  # same ranks, and the same displayed order
    assert ranks(rank(shuffled, tiebreak=str)) == ranks(rank(totals))


@given(TOTALS)
def test_ties_share_a_rank_and_the_next_rank_skips(totals: dict[int, Decimal]) -> None:
    rows = rank(totals)
    assert len(rows) == len(totals)
    for row in rows:
        higher = sum(1 for other in totals.values() if other > row.total)
        same = sum(1 for other in totals.values() if other == row.total)
        assert row.rank == 1 + higher
        assert row.tied is (same > 1)
    for before, after in itertools.pairwise(rows):
        assert before.total >= after.total
        if after.total == before.total:
            assert after.rank == before.rank
        else:
            group = sum(1 for other in totals.values() if other == before.total)
            assert after.rank == before.rank + group


# --------------------------------------------------------------------------- spreadsheet import


def test_round_trip_of_a_realistic_scale() -> None:
    contents, criteria = realistic_scale()
    rows = scale_to_rows(contents, criteria)
    assert rows[0] == [c.value for c in Column]
    assert rows[1][:3] == ["1", "Thực hiện nhiệm vụ chính trị", "60"]
    back_contents, back_criteria, errors = scale_from_rows(rows)
    assert errors == []
    assert back_contents == contents
    assert back_criteria == criteria
    assert check_scale(back_contents, back_criteria) == []


def test_round_trip_through_csv_text() -> None:
    contents, criteria = realistic_scale()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(scale_to_rows(contents, criteria))
    back = scale_from_rows(csv.reader(io.StringIO(buffer.getvalue())))
    assert back == (contents, criteria, [])


TITLE = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệốồổỗộớờởỡợ ,-–()")),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip() != "")


@st.composite
def scales(draw: st.DrawFn) -> tuple[list[Content], list[Criterion]]:
    contents: list[Content] = []
    criteria: list[Criterion] = []
    for i in range(1, draw(st.integers(min_value=1, max_value=5)) + 1):
        contents.append(Content(str(i), draw(TITLE), D(draw(st.integers(1, 100))), draw(st.integers(0, 12))))
        for j in range(1, draw(st.integers(min_value=0, max_value=6)) + 1):
            step = draw(st.sampled_from([WHOLE, HALF, QUARTER]))
            maximum = step * draw(st.integers(min_value=1, max_value=40))
            criteria.append(Criterion(f"{i}.{j}", str(i), draw(TITLE), maximum, step, draw(st.booleans())))
    return contents, criteria


@given(scales())
def test_round_trip_of_generated_scales(scale: tuple[list[Content], list[Criterion]]) -> None:
    contents, criteria = scale
    assert scale_from_rows(scale_to_rows(contents, criteria)) == (contents, criteria, [])


def test_headers_are_case_insensitive_nfc_and_diacritic_tolerant_and_extra_columns_ignored() -> None:
    nfd = unicodedata.normalize("NFD", "ĐIỂM TỐI ĐA")
    rows = [
        ["THANG ĐIỂM THI ĐUA NĂM HỌC 2023-2024"],
        [],
        ["STT", "MÃ", "nội dung/tiêu chí", nfd, "Buoc diem", "bổ sung", "Ghi chú"],
        ["", "1", "Thực hiện nhiệm vụ chính trị", "60", "", "", "Sở quy định"],
        ["1", "1.1", "Tỷ lệ lên lớp", "10", "0,5", "", ""],
        [None, None, None, None, None, None, None],
        ["2", "1.2", "Câu lạc bộ", "2", "", "Có", "khối thêm"],
    ]
    contents, criteria, errors = scale_from_rows(rows)
    assert errors == []
    assert contents == [Content("1", "Thực hiện nhiệm vụ chính trị", D(60), 1)]
    assert criteria == [
        Criterion("1.1", "1", "Tỷ lệ lên lớp", D(10), HALF, False),
        Criterion("1.2", "1", "Câu lạc bộ", D(2), WHOLE, True),
    ]


def test_english_headers_and_spreadsheet_cell_types() -> None:
    rows: list[list[object]] = [
        ["Code", "Title", "Max points", "Step", "Added by bloc", "Department criteria"],
        [1, "Công tác thi đua, khen thưởng", 20.0, None, None, 4],
        [1.1, "Đăng ký thi đua", 5, None, False, None],
        ["1.2", "Điển hình tiên tiến", 7.5, 0.5, True, None],
        ["1.3", "Hồ sơ khen thưởng", D("2.25"), D("0.25"), 0, None],
    ]
    contents, criteria, errors = scale_from_rows(rows)  # type: ignore[arg-type]
    assert errors == []
    assert contents == [Content("1", "Công tác thi đua, khen thưởng", D(20), 4)]
    assert [(c.code, c.max_points, c.step, c.added_by_bloc) for c in criteria] == [
        ("1.1", D(5), WHOLE, False),
        ("1.2", D("7.5"), HALF, True),
        ("1.3", D("2.25"), QUARTER, False),
    ]


def test_parent_column_allows_codes_without_dots() -> None:
    rows = [
        ["Mã", "Nội dung / Tiêu chí", "Điểm tối đa", "Thuộc nội dung"],
        ["I", "Thực hiện nhiệm vụ chính trị", "60", ""],
        ["a", "Tỷ lệ lên lớp", "10", "I"],
        ["b", "Tỷ lệ tốt nghiệp", "10", "i"],
    ]
    contents, criteria, errors = scale_from_rows(rows)
    assert errors == []
    assert [c.code for c in contents] == ["I"]
    assert [(c.code, c.content_code) for c in criteria] == [("a", "I"), ("b", "i")]
    assert contents[0].set_criteria_count == 2
    assert check_scale(contents, criteria) == []


def test_missing_column_is_reported_with_its_row_and_nothing_is_read() -> None:
    rows = [
        ["Thang điểm khối 1"],
        ["Mã", "Nội dung / Tiêu chí", "Bước điểm"],
        ["1", "Thực hiện nhiệm vụ chính trị", ""],
    ]
    contents, criteria, errors = scale_from_rows(rows)
    assert (contents, criteria) == ([], [])
    (error,) = errors
    assert (error.row, error.column, error.problem) == (2, Column.POINTS, RowProblem.MISSING_COLUMN)
    assert error.message_vi == "Dòng 2: thiếu cột “Điểm tối đa”."
    assert "Max points" in error.message_en


def test_header_without_the_code_column_is_reported_missing() -> None:
    _, _, errors = scale_from_rows([["Nội dung", "Điểm tối đa"], ["x", "1"]])
    assert [(e.row, e.column, e.problem) for e in errors] == [(1, Column.CODE, RowProblem.MISSING_COLUMN)]


@pytest.mark.parametrize("rows", [[], [[]], [["Danh sách học sinh"], ["Nguyễn Văn A", "10A1"]]])
def test_file_without_a_header(rows: list[list[str]]) -> None:
    contents, criteria, errors = scale_from_rows(rows)
    assert (contents, criteria) == ([], [])
    assert [e.problem for e in errors] == [RowProblem.NO_HEADER]
    assert "Mã" in errors[0].message_vi


def test_duplicate_header_column() -> None:
    _, _, errors = scale_from_rows([["Mã", "Tiêu chí", "Điểm", "Điểm tối đa"]])
    assert [(e.row, e.column, e.problem) for e in errors] == [(1, Column.POINTS, RowProblem.DUPLICATE_COLUMN)]


def test_bad_rows_are_reported_with_their_row_numbers_and_left_out() -> None:
    rows = [
        [
            "Mã",
            "Nội dung / Tiêu chí",
            "Điểm tối đa",
            "Bước điểm",
            "Bổ sung của khối",
            "Số tiêu chí Sở quy định",
        ],
        ["1", "Thực hiện nhiệm vụ chính trị", "60", "", "", "10"],
        ["1.1", "Tỷ lệ lên lớp", "mười", "", "", ""],
        ["1.2", "", "5", "", "", ""],
        ["1.3", "Câu lạc bộ", "5", "nửa", "", ""],
        ["1.4", "Chuyển đổi số", "5", "", "có lẽ", ""],
        ["1.5", "Tỷ lệ tốt nghiệp", "5", "", "", ""],
        ["1.5", "Trùng mã", "5", "", "", ""],
        ["2", "Công tác thi đua", "20", "", "x", ""],
        ["3", "Xây dựng Đảng", "10", "", "", "2,5"],
        ["", "Không mã", "1", "", "", ""],
        ["4", "Tham mưu", "1e3", "", "", ""],
    ]
    contents, criteria, errors = scale_from_rows(rows)
    assert [(e.row, e.column, e.problem) for e in errors] == [
        (3, Column.POINTS, RowProblem.BAD_NUMBER),
        (4, Column.TITLE, RowProblem.MISSING_VALUE),
        (5, Column.STEP, RowProblem.BAD_NUMBER),
        (6, Column.ADDED, RowProblem.BAD_FLAG),
        (8, Column.CODE, RowProblem.DUPLICATE_CODE),
        (9, Column.ADDED, RowProblem.CONTENT_MARKED_ADDED),
        (10, Column.SET_COUNT, RowProblem.BAD_COUNT),
        (11, Column.CODE, RowProblem.MISSING_VALUE),
        (12, Column.POINTS, RowProblem.BAD_NUMBER),
    ]
    assert all(e.message_vi.startswith(f"Dòng {e.row}:") for e in errors)
    assert all(e.message_en.startswith(f"Row {e.row}:") for e in errors)
    assert "trùng với dòng 7" in errors[4].message_vi
    assert [c.code for c in contents] == ["1"]
    assert [c.code for c in criteria] == ["1.5"]


def test_an_imported_scale_breaking_the_plan_is_refused_by_check_scale() -> None:
    rows = [["Mã", "Nội dung / Tiêu chí", "Điểm tối đa", "Bổ sung của khối", "Số tiêu chí Sở quy định"]]
    rows.append(["1", "Thực hiện nhiệm vụ chính trị", "60", "", "7"])
    rows += [[f"1.{i}", f"Tiêu chí {i}", "6", "", ""] for i in range(1, 8)]
    rows += [[f"1.{i}", f"Tiêu chí khối {i}", "7", "x", ""] for i in range(8, 11)]
    rows.append(["9.1", "Tiêu chí lạc", "1", "", ""])
    contents, criteria, errors = scale_from_rows(rows)
    assert errors == []
    found = {v.problem: v for v in check_scale(contents, criteria)}
    assert set(found) == {ScaleProblem.UNKNOWN_CONTENT, ScaleProblem.OVER_TOTAL, ScaleProblem.TOO_MANY_EXTRA}
    over = found[ScaleProblem.OVER_TOTAL]
    assert (over.actual, over.limit) == (D(63), D(60))
    extra = found[ScaleProblem.TOO_MANY_EXTRA]
    assert (extra.actual, extra.limit) == (3, 2)  # 30 % of 7 is 2.1: the third is refused


def test_spreadsheet_float_noise_is_reported_never_rounded() -> None:
    rows: list[list[object]] = [
        ["Mã", "Nội dung / Tiêu chí", "Điểm tối đa", "Bước điểm"],
        ["1", "Công tác thi đua, khen thưởng", 20, None],
        ["1.1", "Tính bằng công thức", 0.1 + 0.2, 0.1],
        ["1.2", "Số quá dài", "1" * 50, None],
    ]
    contents, criteria, errors = scale_from_rows(rows)  # type: ignore[arg-type]
    assert [(e.row, e.problem) for e in errors] == [(4, RowProblem.BAD_NUMBER)]
    assert criteria[0].max_points == D("0.30000000000000004")
    assert problems(contents, criteria) == [ScaleProblem.TOO_PRECISE]
