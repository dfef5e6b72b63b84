"""Shaping outgoing text for chat limits: Telegram refuses a message over 4096 characters."""

from __future__ import annotations

SAFE_LIMIT = 4000  # a margin for the entities Telegram counts after parsing


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = SAFE_LIMIT) -> list[str]:
    """Split at line breaks (our HTML never spans lines), so every part is valid on its own.

    A single line longer than the limit is cut at spaces, then hard, as a last resort.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line]
        if _units(line) > limit:
            pieces, buffer = [], ""
            for word in line.split(" "):
                while _units(word) > limit:
                    pieces.append(word[: limit // 2])
                    word = word[limit // 2 :]
                candidate = f"{buffer} {word}" if buffer else word
                if _units(candidate) > limit:
                    pieces.append(buffer)
                    buffer = word
                else:
                    buffer = candidate
            pieces.append(buffer)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if _units(candidate) > limit and current:
                parts.append(current)
                current = piece
            else:
                current = candidate
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()] or [text[:limit]]
