"""What every export shares: the spelled-out date, number formats, file names, reproducible zips.

Office files are zip archives whose entries carry the time they were written, and whose core
properties carry "created"/"modified": both are pinned here so that the same data gives the
same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from models.text import nfc, strip_diacritics

# The moment written into every archive entry (zip's epoch) when a document has no date of its own.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
PNG_MIME = "image/png"
CSV_MIME = "text/csv"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập – Tự do – Hạnh phúc"


# The usual short forms of school and centre names, longest first ("Trường THPT Châu Văn Liêm").
_SHORT_FORMS: tuple[tuple[str, str], ...] = (
    ("trường trung học phổ thông", "THPT"),
    ("trường trung học cơ sở", "THCS"),
    ("trường tiểu học", "TH"),
    ("trường mầm non", "MN"),
    ("trường phổ thông", "PT"),
    ("trung tâm giáo dục nghề nghiệp - giáo dục thường xuyên", "TT GDNN-GDTX"),
    ("trung tâm giáo dục thường xuyên", "TT GDTX"),
    ("trung tâm", "TT"),
    ("trường ", ""),
)


def short_unit_name(name: str) -> str:
    """A unit's name with its kind abbreviated as offices write it: "Trường Trung học phổ thông
    Châu Văn Liêm" → "THPT Châu Văn Liêm". For tight spaces such as a sheet tab (31 characters),
    where thirteen tabs all reading "Trường Trung học phổ thông" tell a clerk nothing."""
    text = nfc(name).strip()
    folded = text.casefold()
    for long, short in _SHORT_FORMS:
        if folded.startswith(long):
            rest = text[len(long) :].strip()
            return f"{short} {rest}".strip() if short else rest
    return text


def two_digits_if_needed(day: int, month: int) -> tuple[str, str]:
    """Nghị định 30/2020: a day below 10 and the months 1 and 2 take a leading zero."""
    return (f"{day:02d}", f"{month:02d}" if month < 3 else str(month))


def spelled_date(when: date) -> str:
    """ "ngày 15 tháng 6 năm 2022", "ngày 05 tháng 01 năm 2020"."""
    day, month = two_digits_if_needed(when.day, when.month)
    return f"ngày {day} tháng {month} năm {when.year}"


def place_and_date(place: str, when: date) -> str:
    """The line under the national motto: "Cần Thơ, ngày 15 tháng 6 năm 2022"."""
    return f"{place}, {spelled_date(when)}"


def dmy(when: date | datetime | None) -> str:
    return when.strftime("%d/%m/%Y") if when is not None else ""


def hm_dmy(when: datetime | None) -> str:
    return when.strftime("%H:%M %d/%m/%Y") if when is not None else ""


def percent(share: Fraction, decimals: int = 2) -> str:
    """A share as a Vietnamese percentage, rounded half up: Fraction(10, 13) -> "76,92%"."""
    scaled = share * 100 * 10**decimals
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    whole, part = divmod(rounded, 10**decimals)
    text = f"{whole},{part:0{decimals}d}" if decimals else str(whole)
    return f"{text}%"


def points(value: Decimal | None) -> str:
    """A score as Vietnamese text: 7.50 -> "7,5", 8 -> "8"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def slug(text: str) -> str:
    """An ASCII file-name part: "Khối thi đua số 2" -> "khoi-thi-dua-so-2"."""
    folded = strip_diacritics(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x"


def reproducible_zip(data: bytes, moment: datetime | None = None) -> bytes:
    """Rewrite an OOXML archive with fixed entry times and fixed core-property dates."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "2000-01-01T00:00:00Z"
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            blob = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    blob,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, blob)
    return out.getvalue()


_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def inert(text: str) -> str:
    """Text a user typed, made inert for a spreadsheet that opens a CSV: a cell starting with "=",
    "+", "@", a tab or a carriage return (or "-" not followed by a space, as in a bullet) would be
    run as a formula ("=HYPERLINK(…)" sends the reader's data away), so it gets Excel's own text
    mark, a leading apostrophe. Plain numbers ("-0,5") are left as they are."""
    if _PLAIN_NUMBER.fullmatch(text):
        return text
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and text[1:2] not in ("", " ")):
        return f"'{text}"
    return text


def leader_title(unit_name: str) -> str:
    """Who signs for a unit, as seed 004 writes under "CỤM TRƯỞNG": "Hiệu trưởng Trường THPT X"."""
    name = nfc(unit_name).strip()
    folded = name.casefold()
    if folded.startswith("trường"):
        return f"Hiệu trưởng {name}"
    if folded.startswith(("trung tâm", "viện", "sở")):
        return f"Giám đốc {name}"
    if folded.startswith("phòng"):
        return f"Trưởng {name}" if not folded.startswith("phòng ") else f"Trưởng phòng {name[6:]}"
    return f"Thủ trưởng {name}" if name else ""


def vn_upper(text: str) -> str:
    return nfc(text).upper()
