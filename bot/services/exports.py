"""The council's dossier: who may export what, the read-only queries, and the files as bytes.

The head, deputy, head's office and secretariat export their bloc's files, admins any bloc's; a
unit's representative exports its own registration, score sheet and evidence pack only. Ballot
data are read from the tally each closed poll recorded (`Poll.result`): there is nothing per
voter to read.
Documents are always in Vietnamese: they are official papers, whatever the reader's language.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce
from sqlalchemy import select as select_columns
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.exports import csv as csv_export
from bot.exports.awards import bloc_award
from bot.exports.common import (
    CSV_MIME,
    DOCX_MIME,
    PDF_MIME,
    PNG_MIME,
    XLSX_MIME,
    short_unit_name,
    slug,
    spelled_date,
)
from bot.exports.data import (
    AchievementReport,
    BallotLine,
    BallotRecord,
    CriterionColumn,
    HistoryRow,
    Issuer,
    MinutesData,
    NomineeList,
    ProposalData,
    Proposed,
    RankBar,
    RegistrationRow,
    ScoreBook,
    ScoreCell,
    UnitScores,
)
from bot.i18n import t
from bot.services import people
from bot.services.criteria import current_scale
from bot.services.invites import NotAllowedError, NotFoundError
from models.meetings import Attendance, Meeting, MeetingKind, Poll, PollCandidate, PollStatus, PollVoter
from models.organisation import Bloc, BlocMembership, Person, PersonRole, Position, RoleKind, SchoolYear, Unit
from models.registration import (
    ChangeHistory,
    CriteriaScale,
    PactSignature,
    Registration,
    RegistrationIndividual,
    RegistrationProject,
    RegistrationTarget,
    ScoreEvidence,
    ScoreLine,
    ScoreSheet,
    SheetStatus,
    stored_decimal,
)
from models.school_year import school_year_of
from models.scoring_rules import rank
from models.vote_rules import RuleSet, ordinary_title_rules, quorum_needed

P = ParamSpec("P")
R = TypeVar("R")

INDIVIDUAL_TITLES: tuple[str, ...] = (
    "Lao động tiên tiến",
    "Chiến sĩ thi đua cơ sở",
    "Chiến sĩ thi đua cấp thành phố",
    "Bằng khen",
)


class Kind(StrEnum):
    REGISTRATION = "reg"
    SCORES = "scores"
    MINUTES = "minutes"
    PROPOSAL = "proposal"
    NOMINEES = "nominees"
    CHART = "chart"
    CSV = "csv"
    EVIDENCE = "evidence"  # the evidence files as ZIP: bot.services.evidence_pack, not export()
    ALL = "all"


BLOC_KINDS: tuple[Kind, ...] = tuple(Kind)
# "Everything" is the dossier the council receives; CSV copies are asked for on their own.
DOSSIER: tuple[Kind, ...] = (
    Kind.REGISTRATION,
    Kind.SCORES,
    Kind.MINUTES,
    Kind.PROPOSAL,
    Kind.NOMINEES,
    Kind.CHART,
)
UNIT_KINDS: tuple[Kind, ...] = (Kind.REGISTRATION, Kind.SCORES, Kind.EVIDENCE)


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    mime: str

    @property
    def photo(self) -> bool:
        return self.mime == PNG_MIME


@dataclass(frozen=True)
class Export:
    """The files of one export, and what was asked for but has nothing to show yet."""

    files: list[ExportFile]
    missing: tuple[Kind, ...] = ()


@dataclass(frozen=True)
class Scope:
    """What one person may export: a whole bloc, or one unit of it (`unit_id`)."""

    bloc_id: int
    school_year_id: int
    unit_id: int | None = None

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return BLOC_KINDS if self.unit_id is None else UNIT_KINDS


@dataclass(frozen=True)
class Context:
    """Settings the documents need: the department, its town, the time zone."""

    authority: str
    place: str
    zone: ZoneInfo


# ------------------------------------------------------------------ who may export what
async def _year_id(session: AsyncSession, name: str) -> int | None:
    year = (await session.exec(select(SchoolYear).where(SchoolYear.name == name))).first()
    return year.id if year else None


async def scopes_for(db: Database, person_id: int, today: date) -> list[tuple[Scope, str]]:
    """Every (scope, bloc name) this person may export from, the bloc-wide ones first."""
    who = await people.profile_of(db, person_id, today)
    if who is None:
        return []
    found: dict[tuple[int, int | None], tuple[Scope, str]] = {}
    async with db.session() as session:
        for role in who.roles:
            year_id = await _year_id(session, role.school_year)
            if year_id is None:
                continue
            officer = role.kind in (RoleKind.SECRETARIAT, RoleKind.HEAD_OFFICE) or (
                role.kind is RoleKind.REP and role.position in (Position.HEAD, Position.DEPUTY)
            )
            if officer:
                found[(role.bloc_id, None)] = (Scope(role.bloc_id, year_id), role.bloc_name)
            elif role.kind is RoleKind.REP and role.unit_id is not None:
                found.setdefault(
                    (role.bloc_id, role.unit_id), (Scope(role.bloc_id, year_id, role.unit_id), role.bloc_name)
                )
        if who.is_admin:
            year_id = await _year_id(session, school_year_of(today))
            if year_id is not None:
                for bloc in await session.exec(select(Bloc).order_by(col(Bloc.number))):
                    assert bloc.id is not None
                    found[(bloc.id, None)] = (Scope(bloc.id, year_id), bloc.name)
    # A unit scope is pointless where the person already has the whole bloc.
    blocs = {bloc for bloc, unit in found if unit is None}
    kept = [value for (bloc, unit), value in found.items() if unit is None or bloc not in blocs]
    return sorted(kept, key=lambda item: (item[0].unit_id is not None, item[1], item[0].bloc_id))


async def scope_for(db: Database, person_id: int, today: date, bloc_id: int | None = None) -> Scope:
    """The scope for this person (in `bloc_id` when given); NotAllowedError if there is none."""
    for scope, _ in await scopes_for(db, person_id, today):
        if bloc_id is None or scope.bloc_id == bloc_id:
            return scope
    raise NotAllowedError


# ------------------------------------------------------------------ shared queries
def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


async def _issuer(session: AsyncSession, scope: Scope, context: Context) -> Issuer:
    bloc = await session.get(Bloc, scope.bloc_id)
    year = await session.get(SchoolYear, scope.school_year_id)
    if bloc is None or year is None:
        raise NotFoundError(f"bloc {scope.bloc_id}")
    head = (
        await session.exec(
            select(Unit)
            .join(BlocMembership, col(BlocMembership.unit_id) == Unit.id)
            .where(
                BlocMembership.bloc_id == scope.bloc_id,
                BlocMembership.school_year_id == scope.school_year_id,
                BlocMembership.position == Position.HEAD,
            )
        )
    ).first()
    head_name = ""
    if head is not None:
        person = (
            await session.exec(
                select(Person)
                .join(PersonRole, col(PersonRole.person_id) == Person.id)
                .where(
                    PersonRole.unit_id == head.id,
                    PersonRole.kind == RoleKind.REP,
                    PersonRole.school_year_id == scope.school_year_id,
                    col(PersonRole.revoked_at).is_(None),
                )
                .order_by(col(PersonRole.id))
            )
        ).first()
        head_name = person.full_name if person else ""
    return Issuer(
        authority=context.authority,
        place=context.place,
        bloc_name=bloc.name,
        bloc_number=bloc.number,
        school_year=year.name,
        head_unit=head.name if head else "",
        head_name=head_name,
    )


async def _members(session: AsyncSession, scope: Scope) -> list[tuple[int, str, str]]:
    """(unit id, name, position) of the bloc's units this year, in roster order."""
    rows = await session.exec(
        select(Unit.id, Unit.name, BlocMembership.position)
        .select_from(BlocMembership)
        .join(Unit, col(Unit.id) == BlocMembership.unit_id)
        .where(BlocMembership.bloc_id == scope.bloc_id, BlocMembership.school_year_id == scope.school_year_id)
        .order_by(col(BlocMembership.id))
    )
    return [(unit_id, name, position) for unit_id, name, position in rows if unit_id is not None]


def _moment(values: list[datetime | None], fallback: date) -> datetime:
    """The newest timestamp of the data, so the same data gives the same document properties."""
    present = [v for v in values if v is not None]
    if present:
        return max(v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC) for v in present)
    return datetime.combine(fallback, time(0), tzinfo=UTC)


# ------------------------------------------------------------------ registration summary
async def registration_rows(
    db: Database, scope: Scope, context: Context
) -> tuple[Issuer, list[RegistrationRow]]:
    from bot.services import eligibility

    statuses = await eligibility.statuses(db, scope.bloc_id, scope.school_year_id)
    async with db.session() as session:
        issuer = await _issuer(session, scope, context)
        members = [m for m in await _members(session, scope) if scope.unit_id in (None, m[0])]
        registrations = {
            r.unit_id: r
            for r in await session.exec(
                select(Registration).where(
                    Registration.bloc_id == scope.bloc_id, Registration.school_year_id == scope.school_year_id
                )
            )
        }
        ids = [r.id for r in registrations.values()]
        targets: dict[int, list[str]] = defaultdict(list)
        people_by: dict[int, dict[str, int]] = defaultdict(dict)
        projects: dict[int, list[str]] = defaultdict(list)
        if ids:
            for target in await session.exec(
                select(RegistrationTarget)
                .where(col(RegistrationTarget.registration_id).in_(ids))
                .order_by(col(RegistrationTarget.registration_id), col(RegistrationTarget.position))
            ):
                targets[target.registration_id].append(target.text)
            for person in await session.exec(
                select(RegistrationIndividual).where(col(RegistrationIndividual.registration_id).in_(ids))
            ):
                counts = people_by[person.registration_id]
                counts[person.title] = counts.get(person.title, 0) + 1
            for project in await session.exec(
                select(RegistrationProject)
                .where(col(RegistrationProject.registration_id).in_(ids))
                .order_by(col(RegistrationProject.registration_id), col(RegistrationProject.position))
            ):
                word = "Công trình" if project.kind == "project" else "Chuyên đề"
                projects[project.registration_id].append(f"{word}: {project.title}")
        signed = await _signatures(session, scope)
    rows = []
    for unit_id, name, position in members:
        registration = registrations.get(unit_id)
        rid = registration.id if registration else None
        status = statuses.get(unit_id)
        rows.append(
            RegistrationRow(
                unit_name=name,
                position=position,
                title=registration.collective_title if registration else "",
                targets=tuple(targets.get(rid, [])) if rid else (),
                individuals=dict(people_by.get(rid, {})) if rid else {},
                new_model=(registration.new_model or "") if registration else "",
                projects=tuple(projects.get(rid, [])) if rid else (),
                submitted_at=_local(registration.submitted_at, context.zone) if registration else None,
                version=registration.version if registration else 0,
                signed_at=_local(signed.get(unit_id), context.zone),
                status=status.status.value if status else "not_considered",
                reasons=status.reasons if status else (),
            )
        )
    return issuer, rows


async def _signatures(session: AsyncSession, scope: Scope) -> dict[int, datetime]:
    """When each unit signed the pact (the first signature of the year, on any scale version)."""
    rows = await session.exec(
        select(PactSignature.unit_id, func.min(PactSignature.signed_at))
        .join(CriteriaScale, col(CriteriaScale.id) == PactSignature.scale_id)
        .where(CriteriaScale.bloc_id == scope.bloc_id, CriteriaScale.school_year_id == scope.school_year_id)
        .group_by(col(PactSignature.unit_id))
    )
    return {unit_id: signed_at for unit_id, signed_at in rows}


# ------------------------------------------------------------------ scores
def _evidence_text(row: Any) -> str:
    """A piece of evidence in words: the link or note itself, else the file's name (and caption)."""
    if row.kind in ("link", "note"):
        return str(row.value)
    shown = row.file_name or ("(ảnh)" if row.kind == "photo" else "(tệp)")
    return f"{shown}: {row.caption}" if row.caption else str(shown)


async def score_book(db: Database, scope: Scope, context: Context, *, history: bool = True) -> ScoreBook:
    """The latest scale's sheets of the bloc, read in a handful of queries (not one per sheet).

    A bloc of 1,000 units has 40,000 score lines: they are read as plain rows of the columns the
    book shows (one query for sheets and lines together) through the connection, not as ORM
    objects nor through the ORM's result handling, which cost several times the query itself.
    Lines take few distinct values (scores in steps, mostly no notes), so the scores are read as
    their stored text and each distinct line becomes one Decimal-valued (frozen) cell, shared."""
    async with db.session() as session:
        issuer = await _issuer(session, scope, context)
        members = [m for m in await _members(session, scope) if scope.unit_id in (None, m[0])]
        scale = await current_scale(session, scope.bloc_id, scope.school_year_id)
        if scale is None:
            return ScoreBook(issuer, (), tuple(UnitScores(u, n, None, {}) for u, n, _ in members))
        contents = {c.code: c.title for c in scale.contents}
        criteria = tuple(
            CriterionColumn(c.code, c.content_code, contents.get(c.content_code, ""), c.title, c.max_points)
            for c in scale.criteria
        )
        wanted = {m[0] for m in members}
        connection = await session.connection()
        evidence: dict[int, list[str]] = defaultdict(list)
        for row in await connection.execute(
            select_columns(
                col(ScoreEvidence.line_id),
                col(ScoreEvidence.kind),
                col(ScoreEvidence.value),
                col(ScoreEvidence.file_name),
                col(ScoreEvidence.caption),
            )
            .join(ScoreLine, col(ScoreLine.id) == ScoreEvidence.line_id)
            .join(ScoreSheet, col(ScoreSheet.id) == ScoreLine.sheet_id)
            .where(col(ScoreSheet.scale_id) == scale.scale_id)
            .order_by(col(ScoreEvidence.id))
        ):
            evidence[row.line_id].append(_evidence_text(row))
        statuses: dict[int, str] = {}
        cells: dict[int, dict[str, ScoreCell]] = defaultdict(dict)
        shared: dict[tuple[str | None, ...], ScoreCell] = {}
        lines = (
            select_columns(
                col(ScoreSheet.unit_id),
                col(ScoreSheet.status),
                col(ScoreLine.id),
                col(ScoreLine.criterion_code),
                type_coerce(col(ScoreLine.self_score), String),
                type_coerce(col(ScoreLine.proposed_score), String),
                col(ScoreLine.proposed_reason),
                col(ScoreLine.unit_answer),
                type_coerce(col(ScoreLine.final_score), String),
                col(ScoreLine.review),
            )
            .join(ScoreLine, col(ScoreLine.sheet_id) == ScoreSheet.id, isouter=True)
            .where(col(ScoreSheet.scale_id) == scale.scale_id)
        )
        for unit_id, status, line_id, code, *shown in await connection.execute(lines):
            if unit_id not in wanted:
                continue
            statuses[unit_id] = status
            if line_id is None:
                continue  # a sheet without lines yet
            files = evidence.get(line_id)
            key = tuple(shown)
            cell = None if files else shared.get(key)
            if cell is None:
                self_score, proposed, reason, answer, final, review = key
                cell = ScoreCell(
                    stored_decimal(self_score),
                    stored_decimal(proposed),
                    reason,
                    answer,
                    stored_decimal(final),
                    review,
                    tuple(files or ()),
                )
                if not files:
                    shared[key] = cell
            cells[unit_id][code] = cell
        changes: dict[int, list[HistoryRow]] = defaultdict(list)
        if history:
            for change in await connection.execute(
                select_columns(
                    col(ChangeHistory.unit_id),
                    col(ChangeHistory.at),
                    col(Person.full_name),
                    col(ChangeHistory.field),
                    col(ChangeHistory.old_value),
                    col(ChangeHistory.new_value),
                    col(ChangeHistory.reason),
                )
                .join(Person, col(Person.id) == ChangeHistory.person_id, isouter=True)
                .where(
                    col(ChangeHistory.bloc_id) == scope.bloc_id,
                    col(ChangeHistory.school_year_id) == scope.school_year_id,
                    col(ChangeHistory.entity).in_(["score_line", "score_sheet"]),
                )
                .order_by(col(ChangeHistory.id))
            ):
                if change.unit_id in wanted:
                    changes[change.unit_id].append(
                        HistoryRow(
                            _local(change.at, context.zone) or change.at,
                            change.full_name or "",
                            change.field,
                            change.old_value or "",
                            change.new_value or "",
                            change.reason or "",
                        )
                    )
    names = {unit_id: name for unit_id, name, _ in members}
    units = [
        UnitScores(
            unit_id,
            name,
            statuses.get(unit_id),
            dict(cells.get(unit_id, {})),
            tuple(changes.get(unit_id, ())),
        )
        for unit_id, name, _ in members
    ]
    finals = {u.unit_id: u.final_total for u in units if u.status == SheetStatus.FINAL}
    ranked = rank(finals, tiebreak=lambda unit_id: names.get(int(unit_id), ""))
    ranks = {int(row.unit_id): row.rank for row in ranked}
    order = {int(row.unit_id): index for index, row in enumerate(ranked)}
    by_id = {u.unit_id: u for u in units}
    ordered = [
        UnitScores(u.unit_id, u.unit_name, u.status, u.cells, u.history, ranks[u.unit_id])
        for u in sorted((by_id[i] for i in order), key=lambda u: order[u.unit_id])
    ] + [u for u in units if u.unit_id not in ranks]
    return ScoreBook(issuer, criteria, tuple(ordered))


def _book_moment(book: ScoreBook, fallback: date) -> datetime:
    stamps: list[datetime | None] = [h.at for u in book.units for h in u.history]
    return _moment(stamps, fallback)


# ------------------------------------------------------------------ meetings and ballots
def _fraction(text: str) -> Fraction:
    numerator, denominator = text.split("/")
    return Fraction(int(numerator), int(denominator))


def ballot_record(poll: Poll, candidates: list[PollCandidate], entitled: int, zone: ZoneInfo) -> BallotRecord:
    """A closed poll as the minutes show it: its rules and the tally it recorded, nothing else."""
    assert poll.result is not None
    result = json.loads(poll.result)
    rules = RuleSet.from_dict(json.loads(poll.rules))
    labels = {c.position: c.label for c in candidates}

    def label(position: object) -> str:
        return labels.get(int(position), str(position))  # type: ignore[call-overload]

    lines = tuple(
        BallotLine(
            position=int(c["position"]),
            label=label(c["position"]),
            votes=int(c["votes"]),
            disagree=int(c["disagree"]),
            abstain=int(c["abstain"]),
            blank=int(c["blank"]),
            share=_fraction(c["share"]),
            passed=bool(c["passed"]),
            elected=bool(c["elected"]),
        )
        for c in result["candidates"]
    )
    tie = result.get("tie") or {}
    return BallotRecord(
        title=poll.title,
        kind=rules.kind.value,
        secret=rules.secret,
        absentee_allowed=rules.absentee_allowed,
        threshold=rules.threshold_fraction,
        threshold_base=rules.threshold_base.value,
        seats=rules.seats,
        members=int(result["members"]),
        present=int(result["present"]),
        entitled=entitled,
        voted=int(result["voted"]),
        absentee_voted=int(result["absentee_voted"]),
        invalid=int(result["invalid"]),
        blank_ballots=int(result["blank_ballots"]),
        quorum_needed=int(result["quorum_needed"]),
        quorate=bool(result["quorate"]),
        base_size=int(result["base_size"]),
        needed=int(result["needed"]),
        lines=lines,
        elected=tuple(label(p) for p in result["elected"]),
        tie=tuple(label(p) for p in tie.get("candidates", [])),
        tie_seats=int(tie.get("seats_left", 0)),
        unfilled_seats=int(result.get("unfilled_seats", 0)),
        trackers=len(json.loads(poll.trackers or "[]")),
        tracker_codes=tuple(str(code) for code in json.loads(poll.trackers or "[]")),
        chain_head=poll.chain_head or "",
        closed_at=_local(poll.closed_at, zone),
    )


async def closed_ballots(session: AsyncSession, meeting_id: int, zone: ZoneInfo) -> list[BallotRecord]:
    polls = list(
        await session.exec(
            select(Poll)
            .where(Poll.meeting_id == meeting_id, Poll.status == PollStatus.CLOSED)
            .order_by(col(Poll.closed_at), col(Poll.id))
        )
    )
    records = []
    for poll in polls:
        candidates = list(
            await session.exec(
                select(PollCandidate)
                .where(PollCandidate.poll_id == poll.id)
                .order_by(col(PollCandidate.position))
            )
        )
        entitled = (
            await session.exec(
                select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll.id)
            )
        ).one()
        records.append(ballot_record(poll, candidates, int(entitled), zone))
    return records


@dataclass(frozen=True)
class MeetingChoice:
    meeting_id: int
    kind: MeetingKind
    starts_at: datetime
    ballots: int  # counted ballots: a meeting without any has thin minutes


async def meetings_of(db: Database, scope: Scope) -> list[MeetingChoice]:
    """The bloc's meetings of the year, newest first: the head picks whose minutes to export."""
    async with db.session() as session:
        counted = dict(
            (meeting_id, int(count))
            for meeting_id, count in await session.exec(
                select(Poll.meeting_id, func.count())
                .where(Poll.status == PollStatus.CLOSED)
                .group_by(col(Poll.meeting_id))
            )
        )
        rows = await session.exec(
            select(Meeting)
            .where(Meeting.bloc_id == scope.bloc_id, Meeting.school_year_id == scope.school_year_id)
            .order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
        )
        return [
            MeetingChoice(m.id, MeetingKind(m.kind), m.starts_at, counted.get(m.id, 0))
            for m in rows
            if m.id is not None
        ]


async def latest_meeting(db: Database, scope: Scope) -> int | None:
    """The meeting the dossier is about: the latest with a counted ballot, else the latest one."""
    async with db.session() as session:
        with_ballots = (
            await session.exec(
                select(Meeting.id)
                .join(Poll, col(Poll.meeting_id) == Meeting.id)
                .where(
                    Meeting.bloc_id == scope.bloc_id,
                    Meeting.school_year_id == scope.school_year_id,
                    Poll.status == PollStatus.CLOSED,
                )
                .order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
            )
        ).first()
        if with_ballots is not None:
            return with_ballots
        return (
            await session.exec(
                select(Meeting.id)
                .where(Meeting.bloc_id == scope.bloc_id, Meeting.school_year_id == scope.school_year_id)
                .order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
            )
        ).first()


async def minutes_data(db: Database, scope: Scope, context: Context, meeting_id: int) -> MinutesData:
    async with db.session() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None or (meeting.bloc_id, meeting.school_year_id) != (
            scope.bloc_id,
            scope.school_year_id,
        ):
            raise NotFoundError(f"meeting {meeting_id}")
        issuer = await _issuer(session, Scope(meeting.bloc_id, meeting.school_year_id), context)
        members = await _members(session, Scope(meeting.bloc_id, meeting.school_year_id))
        present_ids = set(
            await session.exec(
                select(Attendance.unit_id).where(
                    Attendance.meeting_id == meeting_id, col(Attendance.present).is_(True)
                )
            )
        )
        first_check_in = (
            await session.exec(
                select(func.min(Attendance.checked_in_at)).where(Attendance.meeting_id == meeting_id)
            )
        ).first()
        chair = await session.get(Person, meeting.chair_person_id) if meeting.chair_person_id else None
        secretary = (
            await session.get(Person, meeting.secretary_person_id) if meeting.secretary_person_id else None
        )
        chair_unit = ""
        if chair is not None and not meeting.chair_name:
            role = (
                await session.exec(
                    select(Unit.name)
                    .join(PersonRole, col(PersonRole.unit_id) == Unit.id)
                    .where(
                        PersonRole.person_id == chair.id,
                        PersonRole.kind == RoleKind.REP,
                        PersonRole.school_year_id == meeting.school_year_id,
                    )
                )
            ).first()
            chair_unit = role or ""
        # The chair's office in the bloc, by their unit's place in it (the deputy may chair).
        offices = {Position.HEAD.value: "Khối trưởng", Position.DEPUTY.value: "Khối phó"}
        chair_office = next(
            (
                offices.get(str(position), "")
                for _, name, position in members
                if name == chair_unit and chair_unit
            ),
            "",
        )
        ballots = await closed_ballots(session, meeting_id, context.zone)
        representatives = {
            unit_name: person_name
            for unit_name, person_name in await session.exec(
                select(Unit.name, Person.full_name)
                .join(Attendance, col(Attendance.unit_id) == Unit.id)
                .join(Person, col(Person.id) == Attendance.by_person_id)
                .where(Attendance.meeting_id == meeting_id, col(Attendance.present).is_(True))
            )
        }
        ranking, max_total = await _ranking(session, Scope(meeting.bloc_id, meeting.school_year_id), members)
    # The minutes run from when the chair opened the meeting to when they closed it. A check-in
    # needs the code shown at opening, so none comes earlier; the first one stands in only for
    # a meeting recorded without an opening time (imported or older data).
    starts = _local(meeting.opened_at or first_check_in, context.zone)
    ends = _local(meeting.closed_at, context.zone)
    names = [name for _, name, _ in members]
    return MinutesData(
        issuer=issuer,
        meeting_id=meeting_id,
        kind_title=t("vi", f"meeting.kind.{MeetingKind(meeting.kind).value}"),
        starts_at=starts,
        ends_at=ends,
        scheduled_at=_local(meeting.starts_at, context.zone),
        place=meeting.place,
        agenda=meeting.agenda,
        chair=meeting.chair_name or (chair.full_name if chair else ""),
        chair_unit=chair_unit,
        chair_office=chair_office,
        secretary=meeting.secretary_name or (secretary.full_name if secretary else ""),
        members=tuple(names),
        present=tuple(name for unit_id, name, _ in members if unit_id in present_ids),
        absent=tuple(name for unit_id, name, _ in members if unit_id not in present_ids),
        quorum_needed=quorum_needed(len(members), ordinary_title_rules()),
        ballots=tuple(ballots),
        representatives=representatives,
        counting_committee=tuple(line for line in meeting.counting_committee.splitlines() if line.strip()),
        council_representative=meeting.council_representative,
        ranking=ranking,
        max_total=max_total,
    )


async def _ranking(
    session: AsyncSession, scope: Scope, members: list[tuple[int, str, str]]
) -> tuple[tuple[RankBar, ...], Decimal]:
    """The ranking the head reports before the vote: final sheets of the latest scale, ranked as
    the score workbook ranks them (two columns read, not the whole score book)."""
    scale = await current_scale(session, scope.bloc_id, scope.school_year_id)
    if scale is None:
        return (), Decimal(0)
    names = {unit_id: name for unit_id, name, _ in members}
    finals: dict[int, Decimal] = defaultdict(Decimal)
    for unit_id, score in await session.exec(
        select(col(ScoreSheet.unit_id), col(ScoreLine.final_score))
        .join(ScoreLine, col(ScoreLine.sheet_id) == ScoreSheet.id)
        .where(ScoreSheet.scale_id == scale.scale_id, ScoreSheet.status == SheetStatus.FINAL)
    ):
        if unit_id in names:
            finals[unit_id] += score if score is not None else Decimal(0)
    ranked = rank(dict(finals), tiebreak=lambda unit_id: names.get(int(unit_id), ""))
    bars = tuple(RankBar(names[int(row.unit_id)], finals[int(row.unit_id)], row.rank) for row in ranked)
    return bars, sum((c.max_points for c in scale.criteria), Decimal(0))


# ------------------------------------------------------------------ nominees and the proposal
async def nominee_list(
    db: Database,
    scope: Scope,
    context: Context,
    ballots: list[BallotRecord],
    issued_on: date,
    book: ScoreBook,
) -> NomineeList:
    """The units the bloc proposes: those its ballots chose for a Cờ thi đua or a Bằng khen (seed
    000 §III.2), one row each, the higher award when a unit was chosen for both. Elections of
    officers and titles each unit confers itself are not the bloc's proposal."""
    issuer, registrations = await registration_rows(db, scope, context)
    async with db.session() as session:
        units = {
            u.name: u
            for u in await session.exec(
                select(Unit)
                .join(BlocMembership, col(BlocMembership.unit_id) == Unit.id)
                .where(
                    BlocMembership.bloc_id == scope.bloc_id,
                    BlocMembership.school_year_id == scope.school_year_id,
                )
            )
        }
    summaries = {row.unit_name: _achievements(row) for row in registrations}
    by_name = {u.unit_name: u for u in book.units}
    ranked = sum(1 for u in book.units if u.rank is not None)
    most = sum((c.max_points for c in book.criteria), Decimal(0))
    chosen: dict[str, tuple[int, Proposed]] = {}
    for ballot in ballots:
        award = bloc_award(ballot.title)
        if ballot.kind == "election" or award is None:
            continue
        lines = {line.label: line for line in ballot.lines}
        for label in ballot.elected:
            line = lines[label]
            scores = by_name.get(label)
            final = scores is not None and scores.rank is not None
            item = Proposed(
                award=award.name,
                award_order=award.order,
                unit_name=label,
                total=scores.final_total if final and scores else None,
                rank=scores.rank if scores else None,
                ranked=ranked,
                max_total=most,
                votes=line.votes,
                base=ballot.base_size,
                share=line.share,
                summary=summaries.get(label, ""),
                contact=_contact(units.get(label)),
            )
            earlier = chosen.get(label)
            if earlier is None or award.order < earlier[1].award_order:
                chosen[label] = (len(chosen) if earlier is None else earlier[0], item)
    collectives = [item for _, item in sorted(chosen.values(), key=lambda p: (p[1].award_order, p[0]))]
    return NomineeList(issuer, tuple(collectives), (), issued_on)


def _achievements(row: RegistrationRow) -> str:
    """What a unit registered and set out to achieve, as the summary column of the list shows it;
    the unit's own Báo cáo tóm tắt thành tích gives the detail."""
    parts = []
    if row.title:
        parts.append(f"Đăng ký danh hiệu: {row.title}.")
    if row.targets:
        parts.append("Chỉ tiêu: " + "; ".join(row.targets) + ".")
    if row.new_model:
        parts.append(f"Mô hình mới, cách làm hay: {row.new_model}.")
    if row.projects:
        parts.append("; ".join(row.projects) + ".")
    text = " ".join(parts)
    return text if len(text) <= 600 else text[:599] + "…"


def _pct(share: Fraction) -> str:
    from bot.exports.common import percent

    return percent(share)


def _contact(unit: Unit | None) -> str:
    if unit is None:
        return ""
    parts = [f"ĐT: {unit.contact_phone}" if unit.contact_phone else "", unit.contact_email or ""]
    return "\n".join(p for p in parts if p)


# ------------------------------------------------------------------ the files
def _enclosures(minutes_at: MinutesData | None, listing: NomineeList) -> tuple[str, ...]:
    """What the dossier really attaches to the Tờ trình (the files of this export)."""
    issuer = listing.issuer
    items = []
    if minutes_at is not None:
        kind = minutes_at.kind_title
        items.append(
            f"Biên bản {kind[:1].lower()}{kind[1:]} {spelled_date(minutes_at.held_on)} của {issuer.bloc_name}"
        )
    items.append(f"Bảng tổng hợp điểm thi đua năm học {issuer.school_year} của {issuer.bloc_name}")
    if listing.collectives or listing.individuals:
        items.append("Danh sách đề nghị khen thưởng")
    if listing.collectives:
        count = len(listing.collectives)
        items.append(f"Báo cáo tóm tắt thành tích của {count:02d} đơn vị được đề nghị")
    return tuple(items)


async def achievement_reports(
    db: Database, scope: Scope, context: Context, listing: NomineeList, book: ScoreBook
) -> list[AchievementReport]:
    """A Báo cáo tóm tắt thành tích for each unit the bloc proposes, in the list's order."""
    if not listing.collectives:
        return []
    _, rows = await registration_rows(db, scope, context)
    registrations = {row.unit_name: row for row in rows}
    scores = {u.unit_name: u for u in book.units}
    ranked = sum(1 for u in book.units if u.rank is not None)
    return [
        AchievementReport(
            issuer=listing.issuer,
            unit_name=item.unit_name,
            award=item.award,
            contact=item.contact,
            registration=registrations.get(item.unit_name),
            criteria=book.criteria,
            scores=scores.get(item.unit_name),
            ranked=ranked,
            votes=f"{item.votes}/{item.base} phiếu ({_pct(item.share)})",
            issued_on=listing.issued_on,
        )
        for item in listing.collectives
    ]


async def off_loop(render: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Build a document in a worker thread: a 1,000-row workbook takes seconds of CPU, and on the
    event loop it would hold up every other person's buttons (and the ballot job) meanwhile."""
    return await asyncio.to_thread(render, *args, **kwargs)


def _name(kind: str, issuer: Issuer, extension: str, unit: str | None = None) -> str:
    parts = [kind, f"khoi-{issuer.bloc_number}", issuer.school_year]
    if unit:
        parts.insert(1, slug(unit)[:40])
    return "_".join(parts) + f".{extension}"


async def export(
    db: Database, scope: Scope, kind: Kind, context: Context, *, today: date, meeting_id: int | None = None
) -> Export:
    """The files of one export, in the order they are sent. Refuses what the scope does not allow.

    A file with nothing to show yet (minutes before any meeting, a ranking before any final
    sheet) is left out and named in `missing`, so the head learns why rather than getting an
    empty document."""
    # The document and chart stacks (openpyxl, python-docx, matplotlib) load at the first export,
    # not at start-up: most of the bot's day is messages and buttons.
    from bot.exports import (
        achievements,
        chart,
        minutes,
        nominees,
        proposal,
        registration_summary,
        score_workbook,
    )

    if kind not in scope.kinds:
        raise NotAllowedError
    if kind is Kind.EVIDENCE:  # it downloads files and streams archives: a call of its own
        raise ValueError("the evidence pack is made by bot.services.evidence_pack.parts")
    files: list[ExportFile] = []
    missing: list[Kind] = []
    wanted = DOSSIER if kind is Kind.ALL else (kind,)
    book: ScoreBook | None = None
    ballots: list[BallotRecord] | None = None
    minutes_at: MinutesData | None = None

    async def get_book() -> ScoreBook:
        nonlocal book
        if book is None:
            book = replace(await score_book(db, scope, context), issued_on=today)
        return book

    async def get_minutes() -> MinutesData | None:
        nonlocal minutes_at, ballots
        if ballots is None:
            chosen = meeting_id if meeting_id is not None else await latest_meeting(db, scope)
            if chosen is None:
                ballots = []
            else:
                minutes_at = await minutes_data(db, scope, context, chosen)
                ballots = list(minutes_at.ballots)
        return minutes_at

    unit_name: str | None = None
    for item in wanted:
        if item is Kind.REGISTRATION:
            issuer, rows = await registration_rows(db, scope, context)
            unit_name = rows[0].unit_name if scope.unit_id is not None and rows else None
            moment = _moment([r.submitted_at for r in rows] + [r.signed_at for r in rows], today)
            files.append(
                ExportFile(
                    _name("dang-ky-thi-dua", issuer, "xlsx", unit_name),
                    await off_loop(
                        registration_summary.render, issuer, rows, INDIVIDUAL_TITLES, moment, today
                    ),
                    XLSX_MIME,
                )
            )
        elif item is Kind.SCORES:
            found = await get_book()
            unit_name = found.units[0].unit_name if scope.unit_id is not None and found.units else None
            files.append(
                ExportFile(
                    _name("bang-diem", found.issuer, "xlsx", unit_name),
                    await off_loop(score_workbook.render, found, _book_moment(found, today)),
                    XLSX_MIME,
                )
            )
        elif item is Kind.MINUTES:
            data = await get_minutes()
            if data is None:
                missing.append(item)
                continue
            document = await off_loop(minutes.render, data)
            name = _name("bien-ban-hop-binh-xet", data.issuer, "docx")
            files.append(ExportFile(name, document, DOCX_MIME))
            pdf = await minutes.to_pdf(document, name.removesuffix(".docx"))
            if pdf is not None:
                files.append(ExportFile(name.replace(".docx", ".pdf"), pdf, PDF_MIME))
        elif item in (Kind.PROPOSAL, Kind.NOMINEES):
            data = await get_minutes()
            assert ballots is not None
            moment = datetime.combine(today, time(0), tzinfo=UTC)
            listing = await nominee_list(db, scope, context, ballots, today, await get_book())
            if item is Kind.NOMINEES:
                files.append(
                    ExportFile(
                        _name("danh-sach-de-nghi", listing.issuer, "xlsx"),
                        await off_loop(nominees.render_xlsx, listing, moment),
                        XLSX_MIME,
                    )
                )
                files.append(
                    ExportFile(
                        _name("danh-sach-de-nghi", listing.issuer, "docx"),
                        await off_loop(nominees.render_docx, listing, moment),
                        DOCX_MIME,
                    )
                )
            else:
                paper = ProposalData(
                    issuer=listing.issuer,
                    issued_on=today,
                    minutes_date=data.held_on if data else None,
                    meeting_kind=data.kind_title if data else "",
                    proposals=listing.collectives,
                    enclosures=_enclosures(data, listing),
                )
                files.append(
                    ExportFile(
                        _name("to-trinh", listing.issuer, "docx"),
                        await off_loop(proposal.render, paper, moment),
                        DOCX_MIME,
                    )
                )
                for report in await achievement_reports(db, scope, context, listing, await get_book()):
                    files.append(
                        ExportFile(
                            _name(
                                "bao-cao-tom-tat", report.issuer, "docx", short_unit_name(report.unit_name)
                            ),
                            await off_loop(achievements.render, report, moment),
                            DOCX_MIME,
                        )
                    )
        elif item is Kind.CHART:
            found = await get_book()
            bars = [RankBar(u.unit_name, u.final_total, u.rank) for u in found.units if u.rank is not None]
            if not bars:
                missing.append(item)
                continue
            title = f"Xếp hạng thi đua — {found.issuer.bloc_name} — năm học {found.issuer.school_year}"
            files.append(
                ExportFile(
                    _name("xep-hang", found.issuer, "png"),
                    await off_loop(chart.render, title, bars),
                    PNG_MIME,
                )
            )
        elif item is Kind.CSV:
            issuer, rows = await registration_rows(db, scope, context)
            header, body = registration_summary.table(rows, INDIVIDUAL_TITLES)
            files.append(
                ExportFile(_name("dang-ky-thi-dua", issuer, "csv"), csv_export.render(header, body), CSV_MIME)
            )
            found = await get_book()
            header, body = score_workbook.table(found)
            files.append(
                ExportFile(_name("bang-diem", found.issuer, "csv"), csv_export.render(header, body), CSV_MIME)
            )
            await get_minutes()
            assert ballots is not None
            listing = await nominee_list(db, scope, context, ballots, today, found)
            header, body = nominees.table(listing)
            files.append(
                ExportFile(
                    _name("danh-sach-de-nghi", issuer, "csv"), csv_export.render(header, body), CSV_MIME
                )
            )
    return Export(files, tuple(missing))
