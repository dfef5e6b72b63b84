"""CSV of any export table: UTF-8 with a byte-order mark and CRLF, so Excel opens Vietnamese right."""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Sequence


def render(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = _csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")
