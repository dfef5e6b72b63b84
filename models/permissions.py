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
    "lienket": frozenset(Capacity),  # anyone may link; the menu shows it to people with a role
    "invite": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # Registration, the pact, criteria, scoring, review and ranking (issue 4).
    "dangky": frozenset({Capacity.REP}),
    "kyketgiaouoc": frozenset({Capacity.REP}),
    "tieuchi": frozenset({Capacity.REP, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "chamdiem": frozenset({Capacity.REP}),
    "tinhhinh": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT}),
    "duyet": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT}),
    "xephang": frozenset(
        {Capacity.REP, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT}
    ),
    "hanchot": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "mohan": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "xetthidua": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # Meetings and ballots (issue 5).
    "hop": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "diemdanh": frozenset({Capacity.REP}),
    "kiemtra": frozenset(Capacity),
    "nhomkhoi": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # The timetable and deadline pings (issue 6).
    "lich": frozenset(Capacity),
    "nhacviec": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "nhaplich": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "caidatnhac": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # The council's dossier (issue 7): officers export the bloc's files, a unit its own.
    "xuat": frozenset(Capacity),
}

# Capacities that run a bloc (review, invite, export); a plain representative does not.
BLOC_OFFICERS = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT})


def commands_for(capacities: Iterable[Capacity]) -> list[str]:
    held = set(capacities)
    extra = [name for name, allowed in COMMANDS_BY_CAPACITY.items() if held & allowed]
    return [*PUBLIC_COMMANDS, *extra]


def may_invite(capacities: Iterable[Capacity]) -> bool:
    return bool(set(capacities) & COMMANDS_BY_CAPACITY["invite"])
