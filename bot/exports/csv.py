"""CSV of any export table: UTF-8 with a byte-order mark and CRLF, so Excel opens Vietnamese right.

Every text cell goes through `inert`: names, notes and reasons are typed by users, and a CSV
cell starting with "=" is a formula to the spreadsheet that opens it."""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Sequence

from bot.exports.common import inert


def render(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = _csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([inert(title) for title in header])
    for row in rows:
        writer.writerow(
            ["" if value is None else inert(value) if isinstance(value, str) else value for value in row]
        )
    return buffer.getvalue().encode("utf-8-sig")
