"""Vietnamese text rules, the message catalogue and splitting long replies."""

from __future__ import annotations

import re
import string
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import LANGUAGES, Raw, format_date, t
from bot.render import split_message
from bot.sandbox.html import parse_html, utf16_len
from bot.services.people import clean_full_name, clean_phone
from models.school_year import school_year_bounds, school_year_of
from models.text import name_key, nfc, vietnamese_full_name


def test_every_catalogue_has_the_same_keys_and_placeholders() -> None:
    vi, en = LANGUAGES["vi"], LANGUAGES["en"]
    assert vi.keys() == en.keys()
    for key in vi:
        fields_vi = {f for _, f, _, _ in string.Formatter().parse(vi[key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
        assert fields_vi == fields_en, key
        assert unicodedata.is_normalized("NFC", vi[key]), key
        parse_html(vi[key].replace("{", "").replace("}", ""))  # valid Telegram HTML


def test_arguments_are_escaped_so_a_name_cannot_break_the_markup() -> None:
    text = t("vi", "whoami.title", name="<b>Trường A & B</b>")
    plain, _ = parse_html(text)
    assert plain == "Bạn là: <b>Trường A & B</b>"
    assert t("vi", "start.member", name="X", roles=Raw("<i>r</i>")).count("<i>") == 1


def test_nfc_and_name_keys() -> None:
    decomposed = unicodedata.normalize("NFD", "Trường  Phổ thông Việt Mỹ ")
    assert nfc(decomposed) == "Trường Phổ thông Việt Mỹ"
    assert name_key("Trường THCS & THPT Trần Ngọc Hoàng") == name_key("trường thcs&thpt trần ngọc hoàng")


def test_names_phones_and_dates() -> None:
    assert vietnamese_full_name("Lan", "Phạm Thị") == "Phạm Thị Lan"
    assert clean_full_name("  Nguyễn   Văn An ") == "Nguyễn Văn An"
    assert (
        clean_full_name("1") is None and clean_full_name("12345") is None and clean_full_name("/help") is None
    )
    assert clean_phone("+84 912.345.678") == "0912345678"
    assert clean_phone("0292 3826 123") == "02923826123"
    assert clean_phone("12345") is None and clean_phone("abc") is None
    from datetime import date

    assert format_date(date(2022, 6, 5)) == "05/06/2022"
    assert school_year_of(date(2026, 8, 31)) == "2025-2026"
    assert school_year_of(date(2026, 9, 1)) == "2026-2027"
    assert school_year_bounds("2023 - 2024") == ("2023-2024", date(2023, 9, 1), date(2024, 8, 31))


@given(
    st.lists(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyệữỗ <>/🏆", max_size=300), max_size=60),
    st.integers(50, 4096),
)
def test_split_message_keeps_every_part_within_the_limit_and_loses_nothing(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(lines)
    parts = split_message(text, limit, markup=False)  # plain text: '<' is only a character
    assert all(utf16_len(part) <= limit for part in parts)
    if text.strip():
        squash = re.compile(r"\s+")
        assert squash.sub("", "".join(parts)) == squash.sub("", text)
