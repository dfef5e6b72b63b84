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
    EMULATION_DESK = "emulation_desk"  # bộ phận thi đua khen thưởng (issue 18)
    COUNCIL_MEMBER = "council_member"  # thành viên Hội đồng Thi đua – Khen thưởng


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
    # Hand-off notices: each event, or one digest a day (issue 12).
    "thongbao": frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT}),
    # Meetings and ballots (issue 5).
    "hop": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "diemdanh": frozenset({Capacity.REP}),
    "kiemtra": frozenset(Capacity),
    "nhomkhoi": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "thanhphan": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # The timetable and deadline pings (issue 6).
    # The deadlines of one's unit or bloc: an administrator or the desk has none to show.
    "lich": frozenset(
        {Capacity.REP, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT}
    ),
    "nhacviec": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "nhaplich": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    "caidatnhac": frozenset({Capacity.ADMIN, Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE}),
    # The council's dossier (issue 7): officers export the bloc's files, a unit its own.
    "xuat": frozenset(Capacity),
    # Exemplars and individuals (issue 18): a school nominates at any time, the desk reviews.
    "dienhinh": frozenset({Capacity.REP}),
    # The school's own vote on a person (/binhxet <code> is open to anyone the school gave a code).
    "binhxet": frozenset({Capacity.REP}),
    "hosodienhinh": frozenset({Capacity.EMULATION_DESK}),
    "hoidong": frozenset({Capacity.EMULATION_DESK, Capacity.COUNCIL_MEMBER}),
    "hoinghi": frozenset({Capacity.EMULATION_DESK}),
    "daibieu": frozenset({Capacity.REP}),
}

# Capacities that run a bloc (review, invite, export); a plain representative does not.
BLOC_OFFICERS = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE, Capacity.SECRETARIAT})


def commands_for(capacities: Iterable[Capacity]) -> list[str]:
    held = set(capacities)
    extra = [name for name, allowed in COMMANDS_BY_CAPACITY.items() if held & allowed]
    return [*PUBLIC_COMMANDS, *extra]


def may_invite(capacities: Iterable[Capacity]) -> bool:
    return bool(set(capacities) & COMMANDS_BY_CAPACITY["invite"])


# /help groups the commands by the task they serve, in the year's order (issue 12), and names
# each by its Vietnamese name first (the English one after it, where there is one).
HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("account", ("start", "help", "language", "whoami", "lienket")),
    ("register", ("dangky", "kyketgiaouoc", "tieuchi")),
    ("score", ("chamdiem", "duyet", "xephang")),
    ("lead", ("tinhhinh", "hanchot", "mohan", "xetthidua", "thongbao", "invite")),
    ("meet", ("hop", "diemdanh", "kiemtra", "nhomkhoi", "thanhphan")),
    ("plan", ("lich", "nhacviec", "nhaplich", "caidatnhac")),
    ("export", ("xuat",)),
)
VIETNAMESE_NAMES = {"help": "trogiup", "language": "ngonngu", "whoami": "toila", "invite": "moi"}


def help_groups(capacities: Iterable[Capacity]) -> list[tuple[str, list[str]]]:
    """The person's commands by group (groups with none left out); a command no group names
    comes last, in a group of its own, so nothing the person may use is hidden."""
    allowed = commands_for(capacities)
    grouped = [(key, [c for c in names if c in allowed]) for key, names in HELP_GROUPS]
    named = {c for _, names in HELP_GROUPS for c in names}
    rest = [c for c in allowed if c not in named]
    return [(key, names) for key, names in grouped if names] + ([("other", rest)] if rest else [])
