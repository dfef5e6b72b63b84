"""Whole numbers read from what people type and from button data, bounded before they go further.

`str.isdigit()` accepts "²" and "٣" (which `int()` then rejects or reads as another digit), and
`int()` reads 30-digit ids that overflow a PostgreSQL INTEGER column: every number taken from a
chat goes through here, ASCII digits only, within a range the caller names.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
"""The largest value of an INTEGER column (PostgreSQL and our SQLite schema alike)."""

_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_int(text: str | None, *, minimum: int, maximum: int) -> int | None:
    """`text` (surrounding spaces allowed) as an int in [minimum, maximum]; None for anything else:
    non-ASCII digits, signs, exponents, decimals, or a value out of range."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not _DIGITS.fullmatch(stripped):
        return None
    value = int(stripped)
    return value if minimum <= value <= maximum else None


def parse_id(text: str | None) -> int | None:
    """A row id from button data or a command argument: 1 to MAX_ID, else None."""
    return parse_int(text, minimum=1, maximum=MAX_ID)


def is_id(value: object) -> bool:
    """True when `value` can be an INTEGER primary key (so a lookup with it cannot overflow)."""
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID - 1 <= value <= MAX_ID


def is_number(text: str | None) -> bool:
    """True for ASCII digits whose value fits an INTEGER column: what may go to `int()` from
    button data (unlike `str.isdigit()`, which takes "²" and "٣")."""
    return parse_int(text, minimum=0, maximum=MAX_ID) is not None
