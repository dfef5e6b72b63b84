"""The authorization matrix (issue 15): who may use each command and each button, from the code.

Commands: `models.permissions.COMMANDS_BY_CAPACITY` over the capacities each role of the matrix
holds. Buttons: each press prefix the router takes, with whose object it acts on (`BUTTON_SCOPES`):
a button that names a unit's own thing (its sheet, its registration) is for that unit's
representative only; one that names a bloc's meeting, ballot or review is for that bloc's
officers; the rest for whoever was shown it. The README's table is rendered from this module and
the test checks it is the same, so neither can drift from the code.
"""

from __future__ import annotations

from models.permissions import COMMANDS_BY_CAPACITY, PUBLIC_COMMANDS, Capacity

# What each role of the matrix holds in the demo (a bloc's head and deputy represent a unit too).
ROLE_CAPACITIES: dict[str, frozenset[Capacity]] = {
    "outsider": frozenset(),
    "rep_other_bloc": frozenset({Capacity.REP}),
    "rep_other_unit": frozenset({Capacity.REP}),
    "rep": frozenset({Capacity.REP}),
    "secretariat": frozenset({Capacity.SECRETARIAT}),
    "deputy": frozenset({Capacity.REP, Capacity.DEPUTY}),
    "head": frozenset({Capacity.REP, Capacity.HEAD}),
    "admin": frozenset({Capacity.ADMIN}),
}
ROLE_TITLES = {
    "outsider": "outsider",
    "rep_other_bloc": "rep. of another bloc",
    "rep_other_unit": "rep. of another unit",
    "rep": "representative",
    "secretariat": "secretariat",
    "deputy": "deputy",
    "head": "head",
    "admin": "admin",
}
# Commands anyone may use, whatever they hold: the public ones, linking one's two apps, and
# checking a ballot's tracker (the trackers are published in the bloc's group with the result).
OPEN_COMMANDS: tuple[str, ...] = (*PUBLIC_COMMANDS, "lienket", "kiemtra")
# What a command is tried with in the matrix: the argument it needs to get past its usage line.
COMMAND_ARGS: dict[str, str] = {"diemdanh": "0000", "kiemtra": "ABCD2345"}
# Commands used in the bloc's group chat rather than a private one.
GROUP_COMMANDS: frozenset[str] = frozenset({"nhomkhoi"})


def command_allowed(command: str, role: str) -> bool:
    if command in OPEN_COMMANDS:
        return True
    return bool(ROLE_CAPACITIES[role] & COMMANDS_BY_CAPACITY[command])


def matrix_commands() -> list[str]:
    return [*PUBLIC_COMMANDS, *[c for c in COMMANDS_BY_CAPACITY if c not in PUBLIC_COMMANDS]]


# Whose object a press acts on. "unit": the representative's own unit; "bloc": bloc 2's officers
# (head, deputy; "review" adds the secretariat); "self": whoever was shown it (their own language,
# their own ping, their own export list). Every prefix the router takes must be named here.
SCOPE_RULES: dict[str, str] = {
    "anyone": "whoever presses it",
    "own": "only the person it was shown to (their own step, sheet, ballot, ping or answer)",
    "reps": "any unit's representative (it starts their own unit's task)",
    "bloc_reps": "a representative of a unit of the same bloc",
    "officers": "the bloc's head and deputy, and an administrator (meetings, ballots, the timetable, pings)",
    "reviewers": "the bloc's head, deputy and secretariat",
    "exporters": "the bloc's head, deputy, secretariat and an administrator; the bloc's representatives get only their own unit's rows",
    "desk": "the emulation desk (none of the roles here)",
}
OFFICERS = frozenset({"head", "deputy", "admin"})
REVIEWERS = frozenset({"head", "deputy", "secretariat"})
BLOC_REPS = frozenset({"rep", "rep_other_unit", "deputy", "head"})  # bloc 2's representatives

BUTTON_SCOPES: dict[str, str] = {
    "cf:b": "own", "cf:c": "own", "cf:g": "own", "cf:n:": "own", "cf:q": "own", "cf:x": "own",
    "cf:y:": "own", "cr:cancel": "own", "cr:ok": "own", "cv!:": "own", "cv:": "own", "cvc:": "desk",
    "cvo": "own", "lang:": "anyone", "mk:": "own", "mo:": "officers", "mt:": "officers",
    "mt:new": "officers", "nm:R:": "desk", "nm:a:": "desk", "nm:e": "own", "nm:ev": "own",
    "nm:f:": "own", "nm:go": "own", "nm:k:": "own", "nm:o:": "desk", "nm:s:": "own", "nm:send": "own",
    "nm:t:": "own", "nm:x:": "desk", "nt:": "reviewers", "pact:": "bloc_reps", "pb:": "officers",
    "pc:": "officers", "pd:": "officers", "pr:": "officers", "rA:": "reviewers", "ra:": "reviewers",
    "rd:": "officers", "re:": "reviewers", "rf:": "officers", "rg:": "own", "rg:cancel": "own",
    "rg:clear:": "own", "rg:next": "own", "rg:ok": "own", "rg:restart": "own", "rg:resume": "own",
    "rg:t:": "own", "rk:": "anyone", "rm:": "own", "rp:": "reviewers", "rs:": "officers",
    "rv:": "reviewers", "sc:": "own", "st:remind:": "reviewers", "st:view": "reviewers",
    "task:register": "reps", "task:score": "reps", "task:sign": "reps", "tt:": "officers",
    "ua:": "own", "v:": "own", "vz:": "own", "xuat:": "exporters",
    "md:": "officers", "mm:": "officers", "pe:": "officers", "nm:v:": "own", "sx:c:": "own",
    "sx:n": "own", "sx:t:": "own",
}  # fmt: skip


def scope_of(data: str) -> str:
    """The scope of the longest prefix that `data` starts with."""
    prefix = max((p for p in BUTTON_SCOPES if data.startswith(p)), key=len)
    return BUTTON_SCOPES[prefix]


def button_allowed(data: str, shown_to: str, role: str) -> bool:
    scope = scope_of(data)
    return (
        scope == "anyone"
        or role == shown_to
        or (scope == "reps" and Capacity.REP in ROLE_CAPACITIES[role])
        or (scope == "bloc_reps" and role in BLOC_REPS)
        or (scope == "officers" and role in OFFICERS)
        or (scope == "reviewers" and role in REVIEWERS)
        or (scope == "exporters" and role in BLOC_REPS | REVIEWERS | {"admin"})
    )


def render_command_table() -> str:
    roles = list(ROLE_CAPACITIES)
    head = "| command | " + " | ".join(ROLE_TITLES[r] for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    lines = [head, rule]
    for command in matrix_commands():
        cells = ["✓" if command_allowed(command, role) else "✗" for role in roles]
        lines.append(f"| `/{command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_button_table() -> str:
    lines = ["| button (data prefix) | who may press it |", "|---|---|"]
    by_scope: dict[str, list[str]] = {}
    for prefix, scope in BUTTON_SCOPES.items():
        by_scope.setdefault(scope, []).append(f"`{prefix}`")
    for scope, rule in SCOPE_RULES.items():
        if scope in by_scope:
            lines.append(f"| {', '.join(by_scope[scope])} | {rule} |")
    return "\n".join(lines)
