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
# Commands anyone may use, whatever they hold: the public ones, and linking one's two apps.
OPEN_COMMANDS: tuple[str, ...] = (*PUBLIC_COMMANDS, "lienket")


def command_allowed(command: str, role: str) -> bool:
    if command in OPEN_COMMANDS:
        return True
    return bool(ROLE_CAPACITIES[role] & COMMANDS_BY_CAPACITY[command])


def matrix_commands() -> list[str]:
    return [*PUBLIC_COMMANDS, *[c for c in COMMANDS_BY_CAPACITY if c not in PUBLIC_COMMANDS]]


# Whose object a press acts on. "unit": the representative's own unit; "bloc": bloc 2's officers
# (head, deputy; "review" adds the secretariat); "self": whoever was shown it (their own language,
# their own ping, their own export list). Every prefix the router takes must be named here.
BUTTON_SCOPES: dict[str, str] = {}


def render_command_table() -> str:
    roles = list(ROLE_CAPACITIES)
    head = "| command | " + " | ".join(ROLE_TITLES[r] for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    lines = [head, rule]
    for command in matrix_commands():
        cells = ["✓" if command_allowed(command, role) else "✗" for role in roles]
        lines.append(f"| `/{command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
