"""The school year (năm học): 01/09 to 31/08.

Seed 001's timetable runs to 15/08/2024 for the 2023-2024 year, so the year closes at the end
of August and the next one opens on 1 September.
"""

from __future__ import annotations

import re
from datetime import date

_NAME = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{4})\s*$")


def school_year_of(day: date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def school_year_bounds(name: str) -> tuple[str, date, date]:
    """Canonical name and first/last day; raises ValueError for '2023-2025' or 'abc'."""
    match = _NAME.match(name)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not a school year: {name!r} (expected e.g. 2023-2024)")
    start = int(match.group(1))
    return f"{start}-{start + 1}", date(start, 9, 1), date(start + 1, 8, 31)
