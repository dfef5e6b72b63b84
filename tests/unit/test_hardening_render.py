"""Long messages are split into parts that are each valid Telegram HTML (issue 15)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import t
from bot.render import SAFE_LIMIT, split_message

pytestmark = pytest.mark.hardening

_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_TAG = re.compile(r"<(/?)([a-z]+)(?: [^<>]*)?>")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_valid_html(part: str) -> None:
    """Every '<' starts a known tag, every '&' an entity, and the tags nest and close."""
    stack: list[str] = []
    position = 0
    while position < len(part):
        char = part[position]
        if char == "&":
            entity = _ENTITY.match(part, position)
            assert entity, f"a broken entity at {position}: {part[position : position + 12]!r}"
            position = entity.end()
        elif char == "<":
            tag = _TAG.match(part, position)
            assert tag, f"a broken tag at {position}: {part[position : position + 20]!r}"
            if tag.group(1):
                assert stack and stack[-1] == tag.group(2), f"</{tag.group(2)}> closes {stack}"
                stack.pop()
            else:
                stack.append(tag.group(2))
            position = tag.end()
        else:
            assert char != ">", "a stray '>'"
            position += 1
    assert not stack, f"left open: {stack}"


def visible(text: str) -> str:
    """The text a reader sees, without white space (a split drops the line break or space it cut at)."""
    return "".join(_TAG.sub("", text).split())


_PLAIN = st.text(
    alphabet=st.characters(blacklist_characters="<>&", blacklist_categories=("Cs",)), min_size=1, max_size=80
)
_LEAF = st.one_of(
    _PLAIN,
    st.sampled_from(
        ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x1F600;", "\n", " ", "Nguyễn Thị Hoà 🎉"]
    ),
    st.integers(1, 400).map(lambda n: "x" * n),  # long words
)


def _wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    tags = st.sampled_from(["b", "i", "u", "s", "code", "pre", "a"])

    def build(tag: str, inner: list[str]) -> str:
        opening = '<a href="https://thidua.example/?a=1&amp;b=2">' if tag == "a" else f"<{tag}>"
        return f"{opening}{''.join(inner)}</{tag}>"

    return st.builds(build, tags, st.lists(children, max_size=5))


_HTML = st.lists(st.recursive(_LEAF, _wrap, max_leaves=40), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_HTML, st.integers(min_value=100, max_value=400))
def test_every_part_is_valid_html_within_the_limit_and_nothing_is_lost(text: str, limit: int) -> None:
    assert_valid_html(text)  # the generator's own output
    parts = split_message(text, limit)
    for part in parts:
        assert units(part) <= limit
        assert_valid_html(part)
    assert visible("".join(parts)) == visible(text)


def test_a_very_long_tracker_code_after_kiemtra_splits_into_valid_parts() -> None:
    text = t("vi", "verify.not_found", code="3FA9C" * 800)  # /kiemtra followed by 4,000 characters
    parts = split_message(text)
    assert len(parts) >= 2
    for part in parts:
        assert units(part) <= SAFE_LIMIT
        assert_valid_html(part)
    assert parts[0].startswith("Không tìm thấy mã") and all(p.startswith("<code>") for p in parts[1:])
    assert visible("".join(parts)) == visible(text)


def test_lines_are_still_kept_whole_when_they_fit() -> None:
    lines = [f"<b>Dòng {n}</b> — Trường THPT Bùi Hữu Nghĩa &amp; THCS" for n in range(400)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1 and all(units(p) <= SAFE_LIMIT for p in parts)
    assert [line for part in parts for line in part.split("\n")] == lines
