"""Telegram's HTML parse mode: turn a text with tags into plain text plus entities.

The sandbox needs it to count characters the way Telegram does (after parsing, in UTF-16
code units) and to refuse the malformed markup Telegram would refuse, so a bot that passes
here does not fail in production on an unescaped "<".
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.length = 0  # UTF-16 units so far
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = TAGS.get(tag)
        attributes = dict(attrs)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise EntityParseError(f'Unsupported start tag "{tag}"')
        extra: dict[str, Any] = {}
        if tag == "a":
            href = attributes.get("href")
            if not href:
                raise EntityParseError('Can\'t find "href" attribute of the "a" tag')
            extra["url"] = href
        if tag == "pre" and attributes.get("language"):
            extra["language"] = attributes["language"]
        if tag == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        self.stack.append((tag, self.length, {"type": kind, **extra}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise EntityParseError(f'Unexpected end tag "{tag}"')
        open_tag, start, entity = self.stack.pop()
        if open_tag != tag:
            raise EntityParseError(f'Unmatched end tag, expected "</{open_tag}>", found "</{tag}>"')
        if self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.length += utf16_len(data)


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _Parser()
    try:
        parser.feed(markup)
        parser.close()
    except EntityParseError:
        raise
    except Exception as exc:  # HTMLParser is lenient, but be safe
        raise EntityParseError(str(exc)) from exc
    if parser.stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.text), entities
