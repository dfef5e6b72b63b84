"""Shaping outgoing text for chat limits: Telegram refuses a message over 4096 characters."""

from __future__ import annotations

import html
import re

SAFE_LIMIT = 4000  # a margin for the entities Telegram counts after parsing

# A tag, an entity, a line break, a space, a run of other text, or a stray "<" / "&".
_ATOM = re.compile(
    r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});|\n| |[^<&\n ]+|[<&]"
)
_PLAIN_ATOM = re.compile(r"\n| |[^\n ]+")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")

Stack = tuple[tuple[str, str], ...]  # the open tags: (name, the opening tag as written)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _closers(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _after(stack: Stack, atom: str) -> Stack | None:
    """The open tags after `atom`; None for a closing tag that closes nothing (it is dropped)."""
    found = _TAG.match(atom) if atom.startswith("<") and atom.endswith(">") else None
    if found is None:
        return stack
    closing, name = found.group(1), found.group(2).lower()
    if not closing:
        return (*stack, (name, atom))
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            return stack[:index]
    return None


def _is_markup(atom: str) -> bool:
    return len(atom) > 1 and (atom[0], atom[-1]) in (("<", ">"), ("&", ";"))


def split_message(text: str, limit: int = SAFE_LIMIT, *, markup: bool = True) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` UTF-16 units, each valid on its own.

    A part ends at the last line break that fits, else the last space, else mid-word; never inside
    a tag or an entity. Tags open at a split are closed at the end of the part and opened again
    at the start of the next, so <b>, <code> or <a href> carry over whole. `markup=False` is for
    plain text (Zalo), where "<" and "&" are only characters.
    """
    if _units(text) <= limit:
        return [text]
    atoms = (_ATOM if markup else _PLAIN_ATOM).findall(text)
    parts: list[str] = []
    stack: Stack = ()
    i = 0
    while i < len(atoms):
        prefix = "".join(raw for _, raw in stack)
        body: list[str] = []
        current, size = stack, _units(prefix)
        breaks: dict[str, tuple[int, Stack]] = {}  # "\n" / " " -> (atoms of body before it, stack there)
        j = i
        while j < len(atoms):
            atom = atoms[j]
            after = _after(current, atom) if markup else current
            if after is None:  # a stray closing tag: drop it rather than send invalid HTML
                atoms.pop(j)
                continue
            if size + _units(atom) + _units(_closers(after)) <= limit:
                if atom in ("\n", " "):
                    breaks[atom] = (len(body), current)
                    if atom == "\n":
                        breaks.pop(" ", None)  # a later space is a worse place than this line break
                body.append(atom)
                current, size = after, size + _units(atom)
                j += 1
                continue
            if not body:  # nothing fits before this atom, even at the start of a part
                room = limit - size - _units(_closers(current))
                head, used = "", 0
                if not markup or (not _is_markup(atom) and atom not in ("<", "&")):
                    for index, char in enumerate(atom):
                        used += 2 if ord(char) > 0xFFFF else 1  # UTF-16 units, counted as we go
                        if used > room:
                            head = atom[:index]
                            break
                    else:
                        head = atom
                if head:  # a long word: cut it where the part is full
                    atoms[j : j + 1] = [head, atom[len(head) :]] if atom[len(head) :] else [head]
                    continue
                if stack:  # the tags carried over leave no room: carry nothing over
                    stack = ()
                    break
                escaped = _ATOM.findall(html.escape(atom, quote=False))
                if escaped != [atom]:  # a tag too long for any part is sent as its text
                    atoms[j : j + 1] = escaped
                    continue
                body.append(atom)  # a limit below one character: send it anyway, never loop
                current, j = after, j + 1
            break
        if j >= len(atoms):
            parts.append(prefix + "".join(body) + _closers(current))
            break
        if not body:
            continue  # the atom was cut or escaped: pack again
        cut = breaks.get("\n") or breaks.get(" ")
        if cut is not None:
            kept, at = cut
            parts.append(prefix + "".join(body[:kept]) + _closers(at))
            i, stack = i + kept + 1, at  # the line break or space itself is dropped
        else:
            parts.append(prefix + "".join(body) + _closers(current))
            i, stack = j, current
    visible = [part for part in parts if (_visible(part) if markup else part).strip()]
    return visible or [text[:limit]]


def _visible(part: str) -> str:
    return "".join(atom for atom in _ATOM.findall(part) if not (atom.startswith("<") and atom.endswith(">")))
