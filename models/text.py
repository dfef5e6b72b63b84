"""Vietnamese text hygiene shared by every layer.

Vietnamese arrives both precomposed (NFC) and decomposed (NFD, common from macOS and some
Android keyboards); two spellings of the same school must compare equal, so every name is
normalised before it is stored or compared.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """NFC-normalise and collapse runs of white space; the form in which text is stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def as_typed(text: str) -> str:
    """A message as the person typed it, NFC-normalised: its lines and tabs kept (a pasted
    table or list), only the ends trimmed. Services clean each line or cell themselves.
    NUL characters are dropped: PostgreSQL refuses them in any text column (the fuzz saved one
    in a registration target, and the confirmation then failed)."""
    return unicodedata.normalize("NFC", text.replace("\0", "")).strip()


def nfc_lines(text: str) -> str:
    """NFC-normalise keeping the line breaks (an agenda, a list of names): each line as `nfc`
    leaves it, blank lines dropped."""
    lines = (nfc(line) for line in unicodedata.normalize("NFC", text).splitlines())
    return "\n".join(line for line in lines if line)


def name_key(text: str) -> str:
    """A comparison key for names: NFC, case-folded, single spaces, no space around '&' and '-'."""
    key = nfc(text).casefold()
    key = re.sub(r"\s*([&\-–])\s*", r"\1", key)
    return key


def strip_diacritics(text: str) -> str:
    """ASCII-ish fold used only for lenient header matching (Đ has no decomposition, so map it)."""
    decomposed = unicodedata.normalize("NFD", nfc(text).replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def vietnamese_full_name(first_name: str, last_name: str | None) -> str:
    """Family name first, as Vietnamese write it: Telegram's (Lan, Phạm Thị) is "Phạm Thị Lan"."""
    return nfc(f"{last_name} {first_name}" if last_name else first_name)
