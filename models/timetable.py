"""The year's timetable ("Khung kế hoạch thời gian") and when to ping about it: pure rules, no I/O.

Every yearly plan ends with a table of milestones written in Vietnamese prose ("Trước ngày
11/11/2023", "Tháng 02/2024", "Từ 20/5 đến 31/5/2024"). The importer must read those forms
exactly as written and refuse, with a reason, anything it cannot read: a guessed deadline is worse
than none, because people trust the ping.

Decisions (applied everywhere in this module):

* "Trước ngày X" (before day X) is exclusive: the last day allowed is X - 1, so ``due_on`` is the
  day before X (kind BEFORE). "Chậm nhất ngày X", "Hạn chót X" (no later than X) are inclusive:
  ``due_on`` is X (also kind BEFORE: an open-ended deadline whose last allowed day is ``due_on``).
* "Ngày X" or a bare "dd/mm/yyyy" is that very day (kind ON, ``starts_on == due_on``).
* "Trong tháng 11/2023" is due by the month's last day; "Tháng 02/2024" is the whole month. Both
  start on the month's first day; the two kinds only keep the wording apart.
* A window "Từ A đến B" takes missing parts of A from B. If A then falls after B, A is taken in
  the previous year only when that yields a window of at most 92 days (a window across a new
  year, "Từ 20/12 đến 05/01/2024"); otherwise the window is refused as reversed.
* A date written without a year takes it from ``school_year_hint`` = (start, end): months 8-12
  belong to the start year, months 1-7 to the end year. Without a hint, it is refused. Two-digit
  years are refused.
* Quiet hours are the half-open local interval [quiet_start, quiet_end): 21:00 is quiet, 07:00
  is not. A ping falling inside moves to the next quiet_end.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "Audience",
    "DueKind",
    "DueWindow",
    "Milestone",
    "ParseError",
    "Responsible",
    "RowError",
    "TimetableParse",
    "format_date",
    "next_allowed",
    "parse_due",
    "parse_responsible",
    "parse_rows",
    "parse_table_text",
    "ping_times",
]

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
MAX_NEW_YEAR_WINDOW_DAYS = 92
"""A window whose start lacks a year is read across a new year only if it stays this short."""


# --------------------------------------------------------------------------- data types


class DueKind(StrEnum):
    """How the due time was worded; stored as text so the database stays readable."""

    BEFORE = "before"
    ON = "on"
    WITHIN_MONTH = "within_month"
    MONTH = "month"
    WINDOW = "window"


@dataclass(frozen=True, slots=True)
class DueWindow:
    """When a milestone is due. ``due_on`` is always the last day on which it may still be done."""

    starts_on: date | None
    due_on: date
    kind: DueKind
    source: str

    def is_overdue(self, today: date) -> bool:
        """True once ``today`` is past the last allowed day: what the head's daily list shows."""
        return today > self.due_on


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a text was refused, in both languages, so the user sees the reason instead of a guess."""

    source: str
    code: str
    reason_vi: str
    reason_en: str


class Audience(StrEnum):
    """Who is expected to act on a milestone."""

    UNITS = "units"  # every member unit (school, office, centre) under the department
    BLOC_HEADS = "bloc_heads"  # the heads (khối trưởng) of the listed blocs
    BLOCS = "blocs"  # the listed blocs as wholes, i.e. their member units
    DEPARTMENT = "department"  # the Phòng/Sở GDĐT or its council


@dataclass(frozen=True, slots=True)
class Responsible:
    """Parsed "Đơn vị thực hiện". ``blocs == ()`` means every bloc (no numbers were written)."""

    audiences: frozenset[Audience]
    blocs: tuple[int, ...]
    source: str

    def includes(self, audience: Audience) -> bool:
        return audience in self.audiences


@dataclass(frozen=True, slots=True)
class Milestone:
    """One row of the timetable, with the row it came from so a confirmation screen can cite it."""

    number: int
    title: str
    due: DueWindow
    responsible: Responsible
    source_row: int


@dataclass(frozen=True, slots=True)
class RowError:
    """A table row that was refused; ``row`` is 1-based (line in pasted text, row in a sheet)."""

    row: int
    text: str
    code: str
    reason_vi: str
    reason_en: str


@dataclass(slots=True)
class TimetableParse:
    """The result of an import: the readable milestones and the refused rows, never silently merged."""

    milestones: list[Milestone] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_preamble: int = 0
    """Non-blank lines above the header row (a pasted title), ignored and counted so the UI can say so."""

    @property
    def ok(self) -> bool:
        """Save only when every row was read: a half-imported timetable misses deadlines silently."""
        return not self.errors and bool(self.milestones)


# --------------------------------------------------------------------------- text helpers

_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def _clean(text: str) -> str:
    """NFC, no zero-width characters, single spaces: Vietnamese arrives in NFC and NFD alike."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def _key(text: str) -> str:
    """Lower-case matching form; Ð (U+00D0, old keyboards) is read as Đ, dashes as '-'."""
    text = _clean(text).lower().replace("ð", "đ")
    return re.sub(r"[‐‑‒–—−]", "-", text)


def format_date(d: date) -> str:
    """dd/mm/yyyy with leading zeros, the form Vietnamese documents use."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _err(source: str, code: str, vi: str, en: str) -> ParseError:
    return ParseError(source=source, code=code, reason_vi=vi, reason_en=en)


# --------------------------------------------------------------------------- due dates

_D = r"(\d{1,2})"
_DATE = rf"{_D}[/.]{_D}(?:[/.](\d+))?"  # day/month[/year]; the year's width is checked later
_DAY_OR_DATE = rf"{_D}(?:[/.]{_D}(?:[/.](\d+))?)?"  # window start: "15", "15/3" or "15/3/2024"
_NGAY = r"(?:ngày )?"
_INCLUSIVE = r"(?:chậm nhất|muộn nhất|hạn chót|hạn cuối|hạn nộp)(?: là)?:?(?: ngày)?:? ?"

_FORMS: list[tuple[str, re.Pattern[str]]] = [
    ("before", re.compile(rf"trước {_NGAY}{_DATE}")),
    ("by", re.compile(rf"{_INCLUSIVE}{_DATE}")),
    ("on", re.compile(rf"(?:vào )?{_NGAY}{_DATE}")),
    ("within_month", re.compile(rf"trong tháng {_D}(?:[/.-](\d+))?")),
    ("month", re.compile(rf"(?:cả |trọn )?tháng {_D}(?:[/.-](\d+))?")),
    ("window", re.compile(rf"(?:từ )?{_NGAY}{_DAY_OR_DATE} ?(?:đến|tới|-) ?{_NGAY}{_DATE}")),
]

_MONTHS_EN = [calendar.month_name[m] for m in range(13)]


def _prepare_due(text: str) -> str:
    """Matching form: the administrative "15 tháng 8 năm 2024" becomes "15/8/2024"."""
    key = _key(text).rstrip(" .;,")
    key = re.sub(r"(\d{1,2}) tháng (\d{1,2}) năm (\d+)", r"\1/\2/\3", key)
    key = re.sub(r"tháng (\d{1,2}) năm (\d+)", r"tháng \1/\2", key)
    return re.sub(r" ?([/.]) ?(?=\d)", r"\1", key)  # "15 / 3 / 2024" -> "15/3/2024"


def _year_for(month: int, written: str | None, hint: tuple[int, int] | None, source: str) -> int | ParseError:
    """The written four-digit year, else the school year's: Aug-Dec the first year, Jan-Jul the second."""
    if written is not None:
        if len(written) != 4:
            return _err(
                source,
                "bad_year",
                f"Năm “{written}” không rõ: hãy ghi đủ 4 chữ số (ví dụ 2024).",
                f"Year “{written}” is unclear: write all four digits (e.g. 2024).",
            )
        return int(written)
    if hint is None:
        return _err(
            source,
            "missing_year",
            "Thiếu năm và chưa biết năm học: hãy ghi ngày đủ dạng dd/mm/yyyy.",
            "The year is missing and the school year is unknown: write the date as dd/mm/yyyy.",
        )
    return hint[0] if month >= 8 else hint[1]


def _make_date(day: int, month: int, year: int, source: str) -> date | ParseError:
    """A real calendar date, or a reason naming what is wrong (31/02, month 13)."""
    if not 1 <= month <= 12:
        return _err(
            source,
            "invalid_month",
            f"Tháng {month} không tồn tại (chỉ có tháng 1 đến 12).",
            f"There is no month {month} (months run from 1 to 12).",
        )
    if year < 1:
        return _err(source, "bad_year", f"Năm {year} không hợp lệ.", f"Year {year} is not valid.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return _err(
            source,
            "invalid_date",
            f"Ngày {day:02d}/{month:02d}/{year} không tồn tại (tháng {month}/{year} có {last} ngày).",
            f"{day:02d}/{month:02d}/{year} does not exist ({_MONTHS_EN[month]} {year} has {last} days).",
        )
    return date(year, month, day)


def _full_date(d: str, m: str, y: str | None, hint: tuple[int, int] | None, source: str) -> date | ParseError:
    month = int(m)
    year = _year_for(month, y, hint, source) if 1 <= month <= 12 else 2000  # month error wins below
    if isinstance(year, ParseError):
        return year
    return _make_date(int(d), month, year, source)


def _month_span(
    m: str, y: str | None, hint: tuple[int, int] | None, source: str
) -> tuple[date, date] | ParseError:
    month = int(m)
    first = _make_date(1, month, 2000, source)  # validates the month before asking for a year
    if isinstance(first, ParseError):
        return first
    year = _year_for(month, y, hint, source)
    if isinstance(year, ParseError):
        return year
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _reversed(source: str, start: date, end: date) -> ParseError:
    return _err(
        source,
        "window_reversed",
        f"Khoảng thời gian kết thúc ({format_date(end)}) trước khi bắt đầu ({format_date(start)}).",
        f"The window ends ({format_date(end)}) before it starts ({format_date(start)}).",
    )


def _window(match: re.Match[str], hint: tuple[int, int] | None, source: str) -> DueWindow | ParseError:
    """A "Từ A đến B" window: A borrows its missing month and year from B, never the reverse guess."""
    sd, sm, sy, ed, em, ey = match.groups()
    if ey is None and sy is not None and sm is not None:
        # "Từ 15/3/2024 đến 29/3": the end borrows the start's year (next year if it falls before it).
        start = _full_date(sd, sm, sy, None, source)
        if isinstance(start, ParseError):
            return start
        same_year = _full_date(ed, em, str(start.year), None, source)
        if isinstance(same_year, ParseError):
            return same_year
        end = same_year
        if end < start:
            later = _make_date(end.day, end.month, start.year + 1, source)
            if isinstance(later, ParseError) or (later - start).days > MAX_NEW_YEAR_WINDOW_DAYS:
                return _reversed(source, start, same_year)
            end = later
        return DueWindow(start, end, DueKind.WINDOW, source)
    given_end = _full_date(ed, em, ey, hint, source)
    if isinstance(given_end, ParseError):
        return given_end
    end = given_end
    if sm is None:  # "Từ 15 đến 29/3/2024": same month and year as the end
        start = _make_date(int(sd), end.month, end.year, source)
        if isinstance(start, ParseError):
            return start
        return _reversed(source, start, end) if start > end else DueWindow(start, end, DueKind.WINDOW, source)
    if sy is not None:
        start = _full_date(sd, sm, sy, None, source)
        if isinstance(start, ParseError):
            return start
        return _reversed(source, start, end) if start > end else DueWindow(start, end, DueKind.WINDOW, source)
    start = _full_date(sd, sm, str(end.year), None, source)
    if isinstance(start, ParseError):
        return start
    if start > end:
        earlier = _make_date(start.day, start.month, end.year - 1, source)
        if isinstance(earlier, ParseError) or (end - earlier).days > MAX_NEW_YEAR_WINDOW_DAYS:
            return _reversed(source, start, end)
        start = earlier
    return DueWindow(start, end, DueKind.WINDOW, source)


def parse_due(text: str, school_year_hint: tuple[int, int] | None = None) -> DueWindow | ParseError:
    """Read a "Thời gian hoàn thành" cell as written, or say why not (see the module's decisions)."""
    if school_year_hint is not None and school_year_hint[1] != school_year_hint[0] + 1:
        raise ValueError(f"a school year spans two consecutive years, not {school_year_hint!r}")
    source = _clean(text)
    key = _prepare_due(source)
    if not key:
        return _err(
            source, "empty", "Chưa ghi thời gian hoàn thành.", "The completion time (due date) is empty."
        )
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(key)
        if match is None:
            continue
        if kind == "window":
            return _window(match, school_year_hint, source)
        if kind in ("within_month", "month"):
            span = _month_span(match.group(1), match.group(2), school_year_hint, source)
            if isinstance(span, ParseError):
                return span
            due_kind = DueKind.WITHIN_MONTH if kind == "within_month" else DueKind.MONTH
            return DueWindow(span[0], span[1], due_kind, source)
        day = _full_date(match.group(1), match.group(2), match.group(3), school_year_hint, source)
        if isinstance(day, ParseError):
            return day
        if kind == "before":
            return DueWindow(None, day - timedelta(days=1), DueKind.BEFORE, source)
        if kind == "by":
            return DueWindow(None, day, DueKind.BEFORE, source)
        return DueWindow(day, day, DueKind.ON, source)
    return _err(
        source,
        "unknown_form",
        f"Không đọc được thời gian “{source}”. Hãy ghi theo một trong các dạng: “Trước ngày dd/mm/yyyy”, "
        "“Ngày dd/mm/yyyy”, “Trong tháng mm/yyyy”, “Tháng mm/yyyy”, “Từ dd/mm đến dd/mm/yyyy”.",
        f"Cannot read the time “{source}”. Use one of: “Trước ngày dd/mm/yyyy”, “Ngày dd/mm/yyyy”, "
        "“Trong tháng mm/yyyy”, “Tháng mm/yyyy”, “Từ dd/mm đến dd/mm/yyyy”.",
    )


# --------------------------------------------------------------------------- responsible parties

_NUMBERS = re.compile(r"\d+(?: ?[,;] ?\d+)*")
_BLOC_WORD = r"(?:khối|cụm)(?: thi đua)?"
_HEADS = re.compile(
    r"(?:các )?(?:khối trưởng|cụm trưởng|trưởng khối|trưởng cụm)\b(?: (?:của )?(?:các )?(.*))?"
)
_BLOCS = re.compile(rf"(?:các |tất cả các )?{_BLOC_WORD}(?: số)?(?: ?({_NUMBERS.pattern}))?")
_UNITS = re.compile(
    r"(?:tất cả )?(?:các )?(?:đơn vị|trường(?: học)?|cơ sở giáo dục)(?: (?:trực thuộc|thành viên|thuộc)\b.*)?"
)
_DEPARTMENT = re.compile(r"(?:phòng|sở|hội đồng|thường trực hội đồng)\b.*")


def _responsible_key(text: str) -> str:
    """Fold the spellings of the department's name so " và " can split the parties safely."""
    key = _key(text).rstrip(" .;,")
    key = re.sub(r"giáo dục (?:và|&|-) ?đào tạo|gd ?(?:&|-|và) ?đt", "gdđt", key)
    key = re.sub(r"thi đua ?(?:và|&|-) ?khen thưởng", "tđkt", key)
    key = re.sub(r"(\d) ?(?:và|&) ?(?=\d)", r"\1,", key)  # "số 1, 2 và 3"
    return key


def _bloc_numbers(text: str | None) -> tuple[int, ...] | None:
    """Numbers written after a bloc word ("số 1,2,3"); None when some other words follow."""
    if not text:
        return ()
    match = _BLOCS.fullmatch(text)
    if match is None:
        return None
    numbers = match.group(1)
    return _small_ints(numbers) if numbers else ()


def _small_ints(text: str) -> tuple[int, ...] | None:
    """The numbers written in `text`; None if one is longer than a bloc or row number can be
    (int() refuses 4,300 digits with a ValueError, and nothing here has more than a few)."""
    found = re.findall(r"\d+", text)
    if any(len(n) > 6 for n in found):
        return None
    return tuple(int(n) for n in found)


def parse_responsible(text: str) -> Responsible | ParseError:
    """Read "Đơn vị thực hiện": who must act, so pings go to them and nobody else."""
    source = _clean(text)
    key = _responsible_key(source)
    if not key:
        return _err(source, "empty", "Chưa ghi đơn vị thực hiện.", "The responsible party is empty.")
    audiences: set[Audience] = set()
    blocs: set[int] = set()
    for part in re.split(r" (?:và|cùng với|cùng|&|\+) |; ?|, (?=\D)", key):
        part = part.strip(" ,")
        heads = _HEADS.fullmatch(part)
        if heads is not None:
            numbers = _bloc_numbers(heads.group(1))
            if numbers is not None:
                audiences.add(Audience.BLOC_HEADS)
                blocs.update(numbers)
                continue
        whole = _BLOCS.fullmatch(part)
        listed = _small_ints(whole.group(1) or "") if whole is not None else None
        if listed is not None:
            audiences.add(Audience.BLOCS)
            blocs.update(listed)
            continue
        if _UNITS.fullmatch(part):
            audiences.add(Audience.UNITS)
            continue
        if _DEPARTMENT.fullmatch(part):
            audiences.add(Audience.DEPARTMENT)
            continue
        return _err(
            source,
            "unknown_party",
            f"Không rõ ai là “{source}”: hãy ghi “Các đơn vị trực thuộc …”, “Khối trưởng các Khối thi đua số …”, "
            "“Các Khối thi đua số …” hoặc “Phòng GDĐT”.",
            f"Cannot tell who “{source}” is: write “Các đơn vị trực thuộc …” (all units), “Khối trưởng các "
            "Khối thi đua số …” (bloc heads), “Các Khối thi đua số …” (blocs) or “Phòng GDĐT” (department).",
        )
    if 0 in blocs:
        return _err(source, "bad_bloc", "Không có Khối thi đua số 0.", "There is no bloc number 0.")
    return Responsible(frozenset(audiences), tuple(sorted(blocs)), source)


# --------------------------------------------------------------------------- tables

_HEADER_WORDS = ("tt", "stt", "số tt", "số thứ tự")


def _is_header(cells: Sequence[str]) -> bool:
    """A header row: "TT | Nội dung | …" (repeated headers from page breaks are skipped too)."""
    keys = [_key(c).rstrip(".") for c in cells]
    return len(keys) >= 2 and (
        keys[0] in _HEADER_WORDS or ("nội dung" in keys and "thời gian hoàn thành" in keys)
    )


def _split_line(line: str) -> list[str]:
    """Tabs first; then " | " (also Markdown-style borders); then runs of 2+ spaces (Telegram eats tabs)."""
    if "\t" in line:
        cells = line.split("\t")
    elif "|" in line:
        cells = line.strip().strip("|").split("|")
    else:
        cells = re.split(r" {2,}|\u00a0{2,}", line.strip())
    return [c.strip() for c in cells]


def _cell_text(value: object) -> str:
    """Sheet cells arrive as str, int, float or dates: turn them into the text a person would read."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_error(row: int, text: str, code: str, vi: str, en: str) -> RowError:
    return RowError(row=row, text=text, code=code, reason_vi=vi, reason_en=en)


def _parse_row(
    row: int, cells: Sequence[str], hint: tuple[int, int] | None, seen: dict[int, int]
) -> Milestone | RowError:
    text = " | ".join(cells)
    if len(cells) != 4:
        return _row_error(
            row,
            text,
            "bad_columns",
            f"Dòng có {len(cells)} cột, cần đúng 4: TT, Nội dung, Thời gian hoàn thành, Đơn vị thực hiện.",
            f"The row has {len(cells)} columns; exactly 4 are needed: TT, Nội dung (task), "
            "Thời gian hoàn thành (due), Đơn vị thực hiện (responsible).",
        )
    number_text, title, due_text, who_text = (_clean(c) for c in cells)
    number_match = re.fullmatch(r"(\d{1,6})[.)]?", number_text)
    if number_match is None:
        return _row_error(
            row,
            text,
            "bad_number",
            f"Cột TT “{number_text}” không phải số thứ tự.",
            f"The TT column “{number_text}” is not a row number.",
        )
    number = int(number_match.group(1))
    if number in seen:
        return _row_error(
            row,
            text,
            "duplicate_number",
            f"Số thứ tự {number} đã có ở dòng {seen[number]}.",
            f"Row number {number} already appears on line {seen[number]}.",
        )
    if not title:
        return _row_error(
            row, text, "empty_title", "Thiếu nội dung công việc.", "The task (Nội dung) is empty."
        )
    due = parse_due(due_text, hint)
    if isinstance(due, ParseError):
        return _row_error(
            row,
            text,
            due.code,
            f"Cột Thời gian hoàn thành: {due.reason_vi}",
            f"Column Thời gian hoàn thành (due): {due.reason_en}",
        )
    who = parse_responsible(who_text)
    if isinstance(who, ParseError):
        return _row_error(
            row,
            text,
            who.code,
            f"Cột Đơn vị thực hiện: {who.reason_vi}",
            f"Column Đơn vị thực hiện (responsible): {who.reason_en}",
        )
    seen[number] = row
    return Milestone(number=number, title=title, due=due, responsible=who, source_row=row)


def _parse_cells(
    rows: Iterable[tuple[int, list[str]]], hint: tuple[int, int] | None, *, preamble_before_header: bool
) -> TimetableParse:
    rows = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]  # blank lines are layout
    result = TimetableParse()
    start = 0
    if preamble_before_header:
        header_at = next((i for i, (_, cells) in enumerate(rows) if _is_header(cells)), None)
        if header_at is not None:
            result.skipped_preamble = header_at
            start = header_at
    seen: dict[int, int] = {}
    for n, cells in rows[start:]:
        if _is_header(cells):
            continue
        parsed = _parse_row(n, cells, hint, seen)
        if isinstance(parsed, RowError):
            result.errors.append(parsed)
        else:
            result.milestones.append(parsed)
    return result


def parse_table_text(text: str, school_year_hint: tuple[int, int] | None = None) -> TimetableParse:
    """Read a pasted table; lines above a header row are taken as the document's title and skipped."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    numbered = ((n, _split_line(line)) for n, line in enumerate(lines, start=1))
    return _parse_cells(numbered, school_year_hint, preamble_before_header=True)


def parse_rows(
    rows: Iterable[Sequence[object]], school_year_hint: tuple[int, int] | None = None
) -> TimetableParse:
    """Read rows from an XLSX/CSV reader (the caller opens the file); trailing empty cells are dropped."""

    def cells_of(row: Sequence[object]) -> list[str]:
        cells = [_clean(_cell_text(v)) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        return cells

    numbered = ((n, cells_of(row)) for n, row in enumerate(rows, start=1))
    return _parse_cells(numbered, school_year_hint, preamble_before_header=True)


# --------------------------------------------------------------------------- ping schedule


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _is_quiet(t: time, quiet_start: time, quiet_end: time) -> bool:
    """[quiet_start, quiet_end) on the local clock, wrapping midnight when start > end; equal = none."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= t < quiet_end
    return t >= quiet_start or t < quiet_end


def is_quiet(t: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether local time ``t`` is inside quiet hours: the one definition the sweep and settings share."""
    return _is_quiet(t, quiet_start, quiet_end)


def next_allowed(
    moment: datetime,
    quiet_start: time = time(21, 0),
    quiet_end: time = time(7, 0),
    tz: str | tzinfo = DEFAULT_TZ,
) -> datetime:
    """The first instant at or after ``moment`` outside quiet hours, in UTC.

    A ping that came due while the bot was down, or late at night, must wait for a civil hour
    rather than wake people: it is moved to the next quiet_end, never dropped.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("next_allowed needs an aware datetime")
    zone = _zone(tz)
    local = moment.astimezone(zone)
    if not _is_quiet(local.time(), quiet_start, quiet_end):
        return moment.astimezone(UTC)
    day = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        day += timedelta(days=1)  # late evening: the quiet period ends tomorrow morning
    return datetime.combine(day, quiet_end, tzinfo=zone).astimezone(UTC)


def ping_times(
    due: DueWindow,
    offsets_days: Sequence[int] = (7, 2, 0),
    send_at: time = time(8, 0),
    quiet_start: time = time(21, 0),
    quiet_end: time = time(7, 0),
    tz: str | tzinfo = DEFAULT_TZ,
) -> list[datetime]:
    """When to remind about ``due``: ``offsets_days`` before its last day at ``send_at`` local time.

    Returned as sorted, distinct, aware UTC datetimes, because the database stores UTC and one
    periodic job compares them with its clock. Past instants are kept: the caller decides what
    is still relevant.
    """
    zone = _zone(tz)
    moments = {
        next_allowed(
            datetime.combine(due.due_on - timedelta(days=offset), send_at, tzinfo=zone),
            quiet_start,
            quiet_end,
            zone,
        )
        for offset in offsets_days
    }
    return sorted(moments)
