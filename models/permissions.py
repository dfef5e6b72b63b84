"""Who may use which command: a pure rule over a person's roles."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Capacity(StrEnum):
    """The hats a person can wear in a bloc for the current school year."""

    ADMIN = "admin"
    HEAD = "head"
    DEPUTY = "deputy"
    HEAD_OFFICE = "head_office"
    SECRETARIAT = "secretariat"
    REP = "rep"


# Commands by the capacities that unlock them. Order is the order /help lists them in.
PUBLIC_COMMANDS: tuple[str, ...] = ("start", "help", "language")
COMMANDS_BY_CAPACITY: dict[str, frozenset[Capacity]] = {
    "whoami": frozenset(Capacity),
    "invite": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
}

# Capacities that run a bloc (review, invite, export); a plain representative does not.
BLOC_OFFICERS = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT})


def commands_for(capacities: Iterable[Capacity]) -> list[str]:
    held = set(capacities)
    extra = [name for name, allowed in COMMANDS_BY_CAPACITY.items() if held & allowed]
    return [*PUBLIC_COMMANDS, *extra]


def may_invite(capacities: Iterable[Capacity]) -> bool:
    return bool(set(capacities) & COMMANDS_BY_CAPACITY["invite"])
