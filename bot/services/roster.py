"""Roster import: blocs, units and their positions for a school year, from CSV or XLSX.

The file is validated whole before anything is written: an official roster is either taken
as a whole or refused with every bad row named. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.services import uploads
from bot.services.notices import Notice
from models.organisation import (
    AUTHORITY_ROLES,
    Authority,
    Bloc,
    BlocMembership,
    PersonRole,
    Position,
    RoleKind,
    SchoolYear,
    Unit,
)
from models.school_year import school_year_bounds
from models.text import name_key, nfc, strip_diacritics
from models.types import id_of

# Accepted headers (compared without diacritics, case-folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "bloc": ("khoi", "khoi thi dua", "cum thi dua", "bloc"),
    "unit": ("don vi", "ten don vi", "don vi thanh vien", "unit"),
    "role": ("vai tro", "vi tri", "chuc danh", "role", "position"),
    "school_year": ("nam hoc", "school year", "school_year"),
    "contact_name": ("nguoi lien he", "nguoi dai dien", "contact", "contact name", "contact_name"),
    "contact_phone": ("dien thoai", "so dien thoai", "phone", "contact_phone"),
    "contact_email": ("email", "e-mail", "thu dien tu", "contact_email"),
}
REQUIRED = ("bloc", "unit", "role")
COLUMN_LABELS = {"bloc": "Khối", "unit": "Đơn vị", "role": "Vai trò"}

ROLE_WORDS: dict[str, Position] = {
    "khoi truong": Position.HEAD,
    "cum truong": Position.HEAD,
    "truong khoi": Position.HEAD,
    "head": Position.HEAD,
    "khoi pho": Position.DEPUTY,
    "cum pho": Position.DEPUTY,
    "pho khoi": Position.DEPUTY,
    "deputy": Position.DEPUTY,
    "thanh vien": Position.MEMBER,
    "member": Position.MEMBER,
    "": Position.MEMBER,
}
_BLOC_NUMBER = re.compile(r"(\d{1,3})")
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RosterRow:
    line: int
    bloc_number: int
    bloc_name: str
    unit_name: str
    position: Position
    school_year: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Notice] = field(default_factory=list)


@dataclass
class RosterReport:
    school_year: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[Notice] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    bloc_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self, lang: str | None) -> list[str]:
        out: list[str] = []
        if self.refused:
            out.append(Notice("roster.refused_all").render(lang))
            out += [f"  - {notice.render(lang)}" for notice in self.refused]
        out += [notice.render(lang) for notice in self.warnings]
        out.append(
            Notice(
                "roster.summary",
                {
                    "year": self.school_year,
                    "added": len(self.added),
                    "changed": len(self.changed),
                    "unchanged": self.unchanged,
                    "refused": len(self.refused),
                },
            ).render(lang)
        )
        out += [
            Notice("roster.bloc_count", {"bloc": bloc, "count": count}).render(lang)
            for bloc, count in self.bloc_counts.items()
        ]
        return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


def _table_from_bytes(data: bytes, filename: str) -> tuple[list[list[str]], Notice | None]:
    suffix = Path(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        return [], Notice("roster.bad_file", {"file": filename, "detail": "> 5 MB"})
    if suffix not in (".csv", ".xlsx"):
        return [], Notice("roster.bad_type", {"file": filename})
    try:
        if suffix == ".csv":
            try:
                text = uploads.csv_text(data)
            except UnicodeDecodeError:
                return [], Notice("roster.bad_encoding")
            return [[nfc(cell) for cell in row] for row in uploads.csv_rows(text)], None
        return [[_cell(value) for value in row] for row in uploads.xlsx_rows(data)], None
    except uploads.TableTooBig as too_big:
        return [], too_big.notice(filename)
    except uploads.UnreadableTable as unreadable:
        return [], Notice("roster.bad_file", {"file": filename, "detail": str(unreadable)})


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        folded = strip_diacritics(title).casefold().strip(" :*")
        for column, aliases in COLUMNS.items():
            if folded in aliases and column not in found:
                found[column] = index
    return found


def parse_roster(data: bytes, filename: str) -> ParsedRoster:
    """Read and check every row; no database access."""
    parsed = ParsedRoster()
    table, problem = _table_from_bytes(data, filename)
    if problem:
        parsed.problems.append(problem)
        return parsed
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        parsed.problems.append(Notice("roster.empty"))
        return parsed
    header, body = table[0], table[1:]
    columns = _header_map(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        for name in missing:
            parsed.problems.append(
                Notice("roster.missing_column", {"column": COLUMN_LABELS[name], "found": ", ".join(header)})
            )
        return parsed
    if not body:
        parsed.problems.append(Notice("roster.empty"))
        return parsed

    def get(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    first_seen: dict[tuple[int, str], int] = {}
    office_holder: dict[tuple[int, Position], RosterRow] = {}
    for offset, row in enumerate(body):
        line = offset + 2  # 1-based, after the header, as a spreadsheet shows it
        unit = nfc(get(row, "unit"))
        bloc_cell = nfc(get(row, "bloc"))
        role_cell = get(row, "role")
        year_cell = get(row, "school_year")
        if not unit:
            parsed.problems.append(Notice("roster.empty_unit", {"line": line}))
            continue
        match = _BLOC_NUMBER.search(bloc_cell)
        if not match:
            parsed.problems.append(Notice("roster.bad_bloc", {"line": line, "value": bloc_cell}))
            continue
        number = int(match.group(1))
        bloc_name = bloc_cell if bloc_cell and not bloc_cell.isdigit() else f"Khối thi đua số {number}"
        position = ROLE_WORDS.get(strip_diacritics(role_cell).casefold().strip(" .;"))
        if position is None:
            parsed.problems.append(Notice("roster.bad_role", {"line": line, "value": role_cell}))
            continue
        year: str | None = None
        if year_cell:
            try:
                year = school_year_bounds(year_cell)[0]
            except ValueError:
                parsed.problems.append(Notice("roster.bad_year", {"line": line, "value": year_cell}))
                continue
        entry = RosterRow(
            line=line,
            bloc_number=number,
            bloc_name=bloc_name,
            unit_name=unit,
            position=position,
            school_year=year,
            contact_name=nfc(get(row, "contact_name")) or None,
            contact_phone=nfc(get(row, "contact_phone")) or None,
            contact_email=nfc(get(row, "contact_email")) or None,
        )
        seen_key = (number, name_key(unit))
        if seen_key in first_seen:
            parsed.problems.append(
                Notice("roster.duplicate_row", {"line": line, "unit": unit, "first": first_seen[seen_key]})
            )
            continue
        first_seen[seen_key] = line
        if position is not Position.MEMBER:
            holder = office_holder.get((number, position))
            if holder is not None:
                parsed.problems.append(
                    Notice(
                        "roster.two_heads",
                        {
                            "bloc": number,
                            "position": Notice(f"position.{position.value}").render("vi"),
                            "first": holder.unit_name,
                            "first_line": holder.line,
                            "second": unit,
                            "line": line,
                        },
                    )
                )
                continue
            office_holder[(number, position)] = entry
        parsed.rows.append(entry)
    return parsed


async def get_or_create_year(session: AsyncSession, name: str) -> SchoolYear:
    canonical, starts_on, ends_on = school_year_bounds(name)
    year = (await session.exec(select(SchoolYear).where(SchoolYear.name == canonical))).first()
    if year is None:
        year = SchoolYear(name=canonical, starts_on=starts_on, ends_on=ends_on)
        session.add(year)
        await session.flush()
    return year


async def get_or_create_authority(session: AsyncSession, name: str) -> Authority:
    name = nfc(name)
    authority = (await session.exec(select(Authority).where(Authority.name == name))).first()
    if authority is None:
        authority = Authority(name=name)
        session.add(authority)
        await session.flush()
    return authority


async def import_roster(
    db: Database, parsed: ParsedRoster, *, school_year: str, authority_name: str
) -> RosterReport:
    """Write a checked roster in one transaction; a file with any problem writes nothing."""
    years = {row.school_year for row in parsed.rows if row.school_year}
    year_name = years.pop() if len(years) == 1 else school_year_bounds(school_year)[0]
    report = RosterReport(school_year=year_name, refused=list(parsed.problems))
    if len(years) > 0:  # more than one school year in one file
        report.refused.append(Notice("roster.bad_year", {"line": "*", "value": ", ".join(sorted(years))}))
    if report.refused:
        return report

    async with db.transaction() as session:
        year = await get_or_create_year(session, year_name)
        authority = await get_or_create_authority(session, authority_name)
        blocs = {
            b.number: b for b in await session.exec(select(Bloc).where(Bloc.authority_id == authority.id))
        }
        units = {
            u.name_key: u for u in await session.exec(select(Unit).where(Unit.authority_id == authority.id))
        }
        memberships = {
            (m.bloc_id, m.unit_id): m
            for m in await session.exec(
                select(BlocMembership).where(BlocMembership.school_year_id == year.id)
            )
        }
        original = {key: m.position for key, m in memberships.items()}

        # 1. Blocs and units, with the contacts the file gives.
        desired: dict[tuple[int, int], tuple[Position, str]] = {}
        touched_units: set[int] = set()
        for row in parsed.rows:
            bloc = blocs.get(row.bloc_number)
            if bloc is None:
                bloc = Bloc(authority_id=id_of(authority), number=row.bloc_number, name=row.bloc_name)
                session.add(bloc)
                await session.flush()
                blocs[row.bloc_number] = bloc
            unit = units.get(name_key(row.unit_name))
            if unit is None:
                unit = Unit(
                    authority_id=id_of(authority), name=row.unit_name, name_key=name_key(row.unit_name)
                )
                session.add(unit)
                await session.flush()
                units[unit.name_key] = unit
            for attribute in ("contact_name", "contact_phone", "contact_email"):
                value = getattr(row, attribute)
                if value and getattr(unit, attribute) != value:
                    setattr(unit, attribute, value)
                    touched_units.add(id_of(unit))
                    session.add(unit)
            desired[(id_of(bloc), id_of(unit))] = (row.position, f"{row.unit_name} ({row.bloc_name})")

        # 2. Offices that change hands are cleared first, so the one-head-per-bloc index holds throughout.
        file_blocs = {bloc_id for bloc_id, _ in desired}
        for key, membership in memberships.items():
            wanted = desired.get(key, (None, ""))[0]
            if (
                key[0] in file_blocs
                and membership.position != Position.MEMBER
                and wanted != membership.position
            ):
                membership.position = Position.MEMBER
                session.add(membership)
        await session.flush()

        # 3. Memberships as the file says; report against what was there before.
        for key, (position, label) in desired.items():
            found = memberships.get(key)
            if found is None:
                found = BlocMembership(
                    school_year_id=id_of(year), bloc_id=key[0], unit_id=key[1], position=position
                )
                memberships[key] = found
                report.added.append(label)
            else:
                found.position = position
                if original[key] != position or key[1] in touched_units:
                    report.changed.append(label)
                else:
                    report.unchanged += 1
            session.add(found)
        # Offices cleared in step 2 whose unit is not in the file at all are changes too.
        bloc_by_id = {b.id: b for b in blocs.values()}
        unit_by_id = {u.id: u for u in units.values()}
        for key, membership in memberships.items():
            if key not in desired and key in original and original[key] != membership.position:
                report.changed.append(f"{unit_by_id[key[1]].name} ({bloc_by_id[key[0]].name})")
        await session.flush()

        # A unit in two blocs of one year is almost always a typing error in the plan (seed 000 has one).
        per_unit: dict[int, list[int]] = defaultdict(list)
        for bloc_id, unit_id in memberships:
            per_unit[unit_id].append(bloc_id)
        for unit_id, bloc_ids in sorted(per_unit.items(), key=lambda item: unit_by_id[item[0]].name_key):
            if len(bloc_ids) > 1:
                names = sorted(bloc_by_id[b].name for b in bloc_ids)
                report.warnings.append(
                    Notice(
                        "roster.two_blocs",
                        {"unit": unit_by_id[unit_id].name, "blocs": ", ".join(names), "year": year.name},
                    )
                )
        counts = Counter(bloc_id for bloc_id, _ in memberships)
        report.bloc_counts = {
            bloc.name: counts[id_of(bloc)]
            for bloc in sorted(blocs.values(), key=lambda b: b.number)
            if counts[id_of(bloc)]
        }
    return report


# ------------------------------------------------------------------ authority-wide roles (issue 18)
async def appoint(
    db: Database,
    *,
    person_id: int,
    kind: RoleKind,
    authority_id: int,
    school_year_id: int,
) -> bool:
    """Make a person the emulation desk or a council member for the authority's school year.

    False when they hold it already (appointing twice changes nothing)."""
    if kind not in AUTHORITY_ROLES:
        raise ValueError(f"{kind} is not an authority-wide role")
    async with db.transaction() as session:
        held = (
            await session.exec(
                select(PersonRole).where(
                    PersonRole.person_id == person_id,
                    PersonRole.kind == kind.value,
                    PersonRole.authority_id == authority_id,
                    PersonRole.school_year_id == school_year_id,
                    col(PersonRole.revoked_at).is_(None),
                )
            )
        ).first()
        if held is not None:
            return False
        session.add(
            PersonRole(
                person_id=person_id, kind=kind.value, authority_id=authority_id, school_year_id=school_year_id
            )
        )
    return True


async def holders(session: AsyncSession, kind: RoleKind, authority_id: int, school_year_id: int) -> list[int]:
    """The people holding an authority-wide role (the desk, the council), by person id."""
    rows = await session.exec(
        select(PersonRole.person_id)
        .where(
            PersonRole.kind == kind.value,
            PersonRole.authority_id == authority_id,
            PersonRole.school_year_id == school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
        .order_by(col(PersonRole.person_id))
    )
    return sorted(set(rows))


async def appoint_account(
    db: Database,
    *,
    channel: str,
    external_id: str,
    kind: RoleKind,
    authority_name: str,
    school_year: str,
) -> Notice:
    """The command line's `roster appoint`: a person known by a chat account (they have written to
    the bot once) becomes the emulation desk or a council member for the year."""
    from models.channels import ChannelAccount

    async with db.session() as session:
        account = await session.get(ChannelAccount, (channel, external_id))
        authority = (await session.exec(select(Authority).where(Authority.name == authority_name))).first()
        year = (await session.exec(select(SchoolYear).where(SchoolYear.name == school_year))).first()
    if account is None:
        return Notice("roster.appoint.unknown_account", {"account": f"{channel}:{external_id}"})
    if authority is None or authority.id is None or year is None or year.id is None:
        return Notice("roster.appoint.no_roster", {"year": school_year})
    added = await appoint(
        db, person_id=account.person_id, kind=kind, authority_id=authority.id, school_year_id=year.id
    )
    return Notice("roster.appoint.done" if added else "roster.appoint.already", {"year": school_year})
