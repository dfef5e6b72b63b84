"""What a hostile or careless person sends (issue 15): odd text, odd numbers, odd files, odd presses,
as hypothesis strategies and as fixed lists, and a way to tell a refusal from an answer."""

from __future__ import annotations

import functools
import re
import unicodedata

from hypothesis import strategies as st

from bot.chat.numbered import plain_text
from bot.i18n import LANGUAGES
from tests.auxil.spreadsheets import CELL, small_xlsx, with_sheet_xml

VIETNAMESE = "Trường Trung học phổ thông Bùi Hữu Nghĩa — Lao động tiên tiến, Chiến sĩ thi đua cơ sở"
NFD = unicodedata.normalize("NFD", VIETNAMESE)
CONTROL = "".join(chr(c) for c in (0, 1, 7, 8, 11, 12, 27, 127)) + "\u0085\u2028\u2029"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u202e\u00ad"
EMOJI = "👍🏽🇻🇳👨‍👩‍👧‍👦🎉"

# Text and numbers, fixed: each is tried at every step.
NASTY_TEXT: tuple[str, ...] = (
    VIETNAMESE,
    NFD,
    EMOJI,
    "a" * 10_000,
    "Đ" * 4000 + "<b>" + "ê" * 100,
    ("<b>" + "ổ " * 3000 + "</b>"),
    "x" + CONTROL + ZERO_WIDTH + "y",
    ZERO_WIDTH,
    "<b>không đóng",
    "</i>&amp;&lt;&#0;&#x110000;<a href='javascript:1'>",
    '=HYPERLINK("http://x")',
    "1e309",
    "NaN",
    "-inf",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    "²",
    "9" * 40,
    "-1",
    "0",
    "9,5",
    "31/02/2026",
    "99/99/99999",
    "1; 2; 3",
    "\n\n\n",
)
NASTY_NUMBERS = ("1e309", "NaN", "inf", "-0", "１２", "١٢", "٩٫٥", "²", "9" * 30, "2147483648", "-1", "0x10")

_PIECES = st.sampled_from(
    list("aăâđêôơưAĂÂĐÊÔƠƯ áàảãạ0123456789;,./-:#\n\t<>&\"'=")
    + list(CONTROL + ZERO_WIDTH)
    + ["👍🏽", "🇻🇳", "\u0301", "\u0323", "１", "٣", "²", "\U0010ffff", "&amp;", "</b>", "1e309"]
)
TEXT = st.one_of(
    st.lists(_PIECES, min_size=1, max_size=60).map("".join),
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(NASTY_NUMBERS),
    st.builds(
        lambda s, n: s * n, st.sampled_from(["ư", "a ", "<b>", "&", "👍", "\n"]), st.integers(500, 10_000)
    ),
    st.builds(lambda s: unicodedata.normalize("NFD", s), st.text(min_size=1, max_size=40)),
)

# Ids a press might carry: the ones the router would take and the ones that break parsers.
ODD_IDS = (
    "²",
    "9" * 30,
    "2147483648",
    "",
    "-1",
    "١",
    "１",
    "x",
    "0",
    "9223372036854775808",
    "1.5",
    "1e3",
    " 1",
)


def presses(prefixes: list[str]) -> st.SearchStrategy[str]:
    tails = st.one_of(
        st.sampled_from(ODD_IDS),
        st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(ODD_IDS), st.sampled_from(ODD_IDS)),
        st.text(max_size=20),
    )
    data = st.one_of(
        st.builds(lambda p, tail: p + tail, st.sampled_from(prefixes), tails),
        st.just(""),
        st.just("x" * 64),
        st.text(max_size=64),
    )
    return data.map(lambda d: d.encode("utf-8")[:64].decode("utf-8", "ignore"))


@functools.cache
def small_bomb() -> bytes:
    """A sheet far past the upload limits (100,000 filled cells) that is a few KB on the wire."""
    return with_sheet_xml(("<row>" + CELL * 100 + "</row>", 1000), dimension="A1:CV1000")


def files() -> list[tuple[str, bytes, str | None, bool]]:
    """(name, bytes, mime, photo): empty, of the wrong type, a bomb, a real sheet, garbage."""
    return [
        ("empty.xlsx", b"", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", False),
        ("bang.csv", "Họ và tên;Chức vụ\n".encode("utf-16"), "text/csv", False),
        (
            "bomb.xlsx",
            small_bomb(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            False,
        ),
        (
            "ok.xlsx",
            small_xlsx([["Họ và tên", "Chức vụ", "Danh hiệu đăng ký"], ["=1+1", "Giáo viên", "LĐTT"]]),
            None,
            False,
        ),
        ("rac.pdf", b"%PDF-" + bytes(range(256)), "application/pdf", False),
        ("virus.exe", b"MZ" + b"\0" * 100, "application/x-msdownload", False),
        ("photo", b"not a jpeg", "image/jpeg", True),
        ("photo", b"", "image/jpeg", True),
    ]


# ------------------------------------------------------------------ refusals
# The catalogue's answers that refuse what was sent (an id, a value, a role, a stale press).
_REFUSAL_KEY = re.compile(
    r"error\.|not_allowed|invalid|\.bad|bad_|too_big|too_many|refus|unknown|stale|not_found|no_match"
    r"|out_of_range|not_understood|empty|expired|closed|gone|not_rep|not_member|not_entitled|not_open"
    r"|not_your|not_draft|not_asked|not_disputed|no_role|private_only|not_on_channel"
)


def template_chunks(template: str) -> tuple[str, ...]:
    """A catalogue entry's fixed text, as the pieces between its {placeholders} (plain text)."""
    return tuple(chunk for chunk in re.split(r"\{[A-Za-z_]+\}", plain_text(template)) if chunk)


def shows(chunks: tuple[str, ...], text: str) -> bool:
    """True when `text` holds the pieces in order (a linear scan: replies can be 10,000 long)."""
    at = 0
    for chunk in chunks:
        found = text.find(chunk, at)
        if found < 0:
            return False
        at = found + len(chunk)
    return True


@functools.cache
def _refusal_templates() -> tuple[tuple[str, ...], ...]:
    found = []
    for catalogue in LANGUAGES.values():
        for key, template in catalogue.items():
            chunks = template_chunks(template)
            if _REFUSAL_KEY.search(key) and sum(len(chunk) for chunk in chunks) >= 8:
                found.append(chunks)
    return tuple(found)


def is_refusal(text: str) -> bool:
    shown = plain_text(text)
    return any(shows(chunks, shown) for chunks in _refusal_templates())
