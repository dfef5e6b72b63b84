"""CSV of any export table: UTF-8 with a byte-order mark and CRLF, so Excel opens Vietnamese right."""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Sequence


def inert(text: str) -> str:
    """Text made inert for a spreadsheet: a cell starting with "=", "+", "@", a tab or a carriage
    return (or "-" not followed by a space, as in a bullet) would be run as a formula when the CSV
    is opened, e.g. an evidence note "=HYPERLINK(…)"; a leading apostrophe keeps it text."""
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and text[1:2] not in ("", " ")):
        return f"'{text}"
    return text


def render(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = _csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if value is None else inert(value) if isinstance(value, str) else value for value in row]
        )
    return buffer.getvalue().encode("utf-8-sig")
